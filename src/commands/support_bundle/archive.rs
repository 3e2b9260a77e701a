//! Writes the bundle's files as a `.tar.gz` or a `.zip`, mode 0600, under
//! one folder. The archive is built in a temp file beside the target and
//! moved into place without replacing anything: an interrupted bundle
//! leaves no half-written archive under the name asked for.

use std::io::Write;
use std::path::Path;

use crate::error::{CliError, Result};

use super::BundleFile;

pub fn write(out: &Path, root: &str, files: &[BundleFile], zip: bool) -> Result<()> {
    let failed = |e: &dyn std::fmt::Display| {
        CliError::runtime(format!("cannot write the bundle {}: {e}", out.display()))
    };
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut temp = tempfile::Builder::new()
        .prefix(".graphmail-support.")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(|e| failed(&e))?;
    let mtime = chrono::Utc::now().timestamp().max(0) as u64;
    if zip {
        let mut writer = zip::ZipWriter::new(temp.as_file_mut());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        for f in files {
            writer
                .start_file(format!("{root}/{}", f.name), options)
                .map_err(|e| failed(&e))?;
            writer.write_all(&f.bytes).map_err(|e| failed(&e))?;
        }
        writer.finish().map_err(|e| failed(&e))?;
    } else {
        let gz = flate2::write::GzEncoder::new(temp.as_file_mut(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for f in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(f.bytes.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(mtime);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(
                &mut header,
                format!("{root}/{}", f.name),
                f.bytes.as_slice(),
            )
            .map_err(|e| failed(&e))?;
        }
        let gz = tar.into_inner().map_err(|e| failed(&e))?;
        gz.finish().map_err(|e| failed(&e))?;
    }
    temp.as_file().sync_all().map_err(|e| failed(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| failed(&e))?;
    }
    temp.persist_noclobber(out).map_err(|e| failed(&e.error))?;
    Ok(())
}

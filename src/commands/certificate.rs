//! `graphmail certificate new`: a self-signed certificate for the app
//! registration: a password-protected `.pfx` (certificate and private key)
//! for graphmail, and the public certificate as `.cer` (DER) and `.pem` to
//! upload to Entra.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::auth;
use crate::cli::CertificateNewArgs;
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::state::validate;

use super::Context;
use super::views::{self, SCHEMA_VERSION};

#[derive(Debug, Serialize)]
pub struct NewCertificate {
    pub schema_version: u32,
    pub pfx: String,
    pub cer: String,
    pub pem: String,
    pub subject: String,
    /// Upper-case hex, as Entra's portal shows the thumbprint.
    pub sha1: String,
    pub sha256: String,
    pub not_after: String,
}

impl Render for NewCertificate {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        writeln!(out, "{}", ctx.paint("New certificate", Paint::Bold))?;
        writeln!(out, "  subject:  {}", self.subject)?;
        writeln!(out, "  expires:  {}", self.not_after)?;
        writeln!(
            out,
            "  SHA-1:    {}   (the thumbprint Entra shows)",
            self.sha1
        )?;
        writeln!(out, "  SHA-256:  {}", self.sha256)?;
        writeln!(out, "  for graphmail (keep private): {}", self.pfx)?;
        writeln!(
            out,
            "  for Entra (public):           {}  and  {}",
            self.cer, self.pem
        )?;
        writeln!(out)?;
        writeln!(out, "Next:")?;
        writeln!(
            out,
            "  1. Entra admin center > App registrations > your app > Certificates & secrets > Certificates > Upload certificate: {}",
            self.cer
        )?;
        writeln!(
            out,
            "  2. graphmail integration set --tenant TENANT --app-id APP_ID --certificate {} --certificate-password-stdin",
            self.pfx
        )
    }
}

fn password(ctx: &Context, args: &CertificateNewArgs) -> Result<SecretString> {
    if args.password_stdin {
        return ctx.read_secret_stdin("--password-stdin");
    }
    if let Some(var) = &args.password_env {
        let var = validate::env_var_name("--password-env", var)?;
        return match std::env::var(&var) {
            Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
            _ => Err(CliError::usage(format!("--password-env: {var} is not set"))
                .hint(format!("export {var} first"))),
        };
    }
    if let Some(first) = ctx.prompter.password("Password for the .pfx")? {
        let again = ctx
            .prompter
            .password("Repeat the password")?
            .unwrap_or_else(|| SecretString::from(String::new()));
        if first.expose_secret() != again.expose_secret() {
            return Err(CliError::usage("the passwords differ"));
        }
        return Ok(first);
    }
    Err(CliError::usage("the .pfx needs a password")
        .hint("pass --password-stdin or --password-env VAR"))
}

/// Writes one output file. Without `--force` the file must not exist
/// (`O_EXCL`: a link there is not followed either). With `--force` the bytes
/// go to a temp file in the same folder, made 0600 (0644 for the public
/// parts) before any byte is written, then renamed over the target: an
/// existing file never keeps its old mode with a new private key in it, and
/// a symlink at the target is replaced, not followed.
fn write_file(path: &Path, bytes: &[u8], private: bool, force: bool) -> Result<()> {
    let fail = |e: io::Error| CliError::runtime(format!("cannot write {}: {e}", path.display()));
    #[cfg(unix)]
    let mode = if private { 0o600 } else { 0o644 };
    if force {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // tempfile creates the file 0600 (O_EXCL); the public parts are widened after.
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(fs::Permissions::from_mode(mode))
                .map_err(fail)?;
        }
        temp.write_all(bytes).map_err(fail)?;
        temp.as_file().sync_all().map_err(fail)?;
        temp.persist(path).map_err(|e| fail(e.error))?;
        return Ok(());
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CliError::usage(format!("{} already exists", path.display()))
                .hint("pass --force to overwrite, or --name/--out-dir to write elsewhere")
        } else {
            fail(e)
        }
    })?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}

pub fn new(ctx: &Context, args: CertificateNewArgs) -> Result<()> {
    if args.days == 0 || args.days > 3650 {
        return Err(CliError::usage(format!(
            "--days {}: give 1 to 3650 days",
            args.days
        )));
    }
    let name = validate::name("--name", &args.name)?;
    if name.contains('/') || name.contains(' ') {
        return Err(CliError::usage(format!(
            "--name '{name}': a file base name without spaces or slashes"
        )));
    }
    let paths: Vec<PathBuf> = ["pfx", "cer", "pem"]
        .iter()
        .map(|ext| args.out_dir.join(format!("{name}.{ext}")))
        .collect();
    if !args.force
        && let Some(existing) = paths.iter().find(|p| p.exists())
    {
        return Err(
            CliError::usage(format!("{} already exists", existing.display()))
                .hint("pass --force to overwrite, or --name/--out-dir to write elsewhere"),
        );
    }
    let password = password(ctx, &args)?;
    let generated = auth::generate_self_signed(&args.subject, args.days, password.expose_secret())
        .map_err(|e| CliError::usage(format!("--subject: {e}")))?;
    fs::create_dir_all(&args.out_dir)
        .map_err(|e| CliError::runtime(format!("cannot create {}: {e}", args.out_dir.display())))?;
    write_file(&paths[0], &generated.pfx_der, true, args.force)?;
    write_file(&paths[1], &generated.cert_der, false, args.force)?;
    write_file(&paths[2], &generated.cert_pem, false, args.force)?;
    let shown = |p: &PathBuf| p.display().to_string();
    views::show(
        &ctx.printer,
        &NewCertificate {
            schema_version: SCHEMA_VERSION,
            pfx: shown(&paths[0]),
            cer: shown(&paths[1]),
            pem: shown(&paths[2]),
            subject: generated.subject.clone(),
            sha1: generated.sha1_hex.clone(),
            sha256: generated.sha256_hex.clone(),
            not_after: generated.not_after.clone(),
        },
    )
}

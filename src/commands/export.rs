//! `graphmail export [-o FILE]`: the current state as a desired-state file
//! (see [`crate::desired::export`]), on standard output or written to FILE
//! (atomically, mode 0600 like the state file it mirrors).

use std::io::Write;

use crate::cli::ExportArgs;
use crate::desired::export;
use crate::error::{CliError, Result};

use super::Context;

pub fn run(ctx: &Context, args: ExportArgs) -> Result<()> {
    let state = ctx.store.load()?.state;
    let text = export::render(&state);
    let Some(path) = args.output_file else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(CliError::runtime(format!("cannot write output: {e}"))),
        };
    };
    let fail = |e: std::io::Error| {
        CliError::runtime(format!("cannot write {}: {e}", path.display()))
            .hint("choose a writable path with -o FILE")
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(&path).map_err(|e| fail(e.error))?;
    ctx.printer.success(format!(
        "Wrote {}: `graphmail plan -f {}` shows no change against this state",
        path.display(),
        path.display()
    ));
    Ok(())
}

//! `graphmail completion SHELL`: the shell script that completes graphmail.
//!
//! By default the script is clap_complete's *dynamic* registration: a few
//! lines that call graphmail back on each TAB (with [`COMPLETE_VAR`] set),
//! so connector and route names come from the state file (`cli::names`).
//! `--static` prints the self-contained script instead, the one checked in
//! under `completions/` for packagers: commands, options and values, but no
//! names. Both come from the one clap definition.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap_complete::Shell;
use clap_complete::env::Shells;

use crate::cli::CompletionArgs;
use crate::error::{CliError, Result};

/// The environment variable that turns a run of graphmail into a completion
/// request (`clap_complete::CompleteEnv`). Namespaced, so that a `COMPLETE`
/// another tool sets cannot hijack an ordinary run.
pub const COMPLETE_VAR: &str = "GRAPHMAIL_COMPLETE";

/// The name the scripts complete.
const BIN: &str = "graphmail";

pub fn run(args: &CompletionArgs) -> Result<()> {
    let script = if args.static_script {
        static_script(args.shell)
    } else {
        dynamic_script(args.shell, &completer())?
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `graphmail completion bash | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::runtime(format!("cannot write the script: {e}"))),
    }
}

/// The self-contained script, as checked in under `completions/`.
pub fn static_script(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::cli::full_command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut out);
    out
}

/// The registration script that calls `completer` back for candidates.
pub fn dynamic_script(shell: Shell, completer: &str) -> Result<Vec<u8>> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let env_shell = shells
        .completer(&name)
        .ok_or_else(|| CliError::usage(format!("no dynamic completion for {name}")))?;
    let mut out = Vec::new();
    env_shell
        .write_registration(COMPLETE_VAR, BIN, BIN, completer, &mut out)
        .map_err(|e| CliError::runtime(format!("cannot write the script: {e}")))?;
    Ok(out)
}

/// How the script calls graphmail back: as this run was called (a bare
/// `graphmail` is looked up on PATH at each TAB; a relative path is made
/// absolute), as `CompleteEnv` does.
fn completer() -> String {
    let arg0 = std::env::args_os()
        .next()
        .unwrap_or_else(|| OsString::from(BIN));
    let mut path = PathBuf::from(arg0);
    if path.components().count() > 1
        && path.is_relative()
        && let Ok(cwd) = std::env::current_dir()
    {
        path = cwd.join(path);
    }
    path.to_string_lossy().into_owned()
}

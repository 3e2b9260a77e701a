//! `graphmail sandbox serve`: runs the emulator until interrupted, after
//! printing its ready line (SPEC §6) on stdout.

use crate::cli::SandboxServeArgs;
use crate::error::{CliError, Result};
use crate::sandbox::server::{self, ServeOptions};

pub async fn serve(args: &SandboxServeArgs) -> Result<()> {
    let options = ServeOptions {
        listen: Some(args.listen),
        allow_non_loopback: args.allow_non_loopback,
        seed_file: args.seed.clone(),
        seed: None,
        tls: args.tls,
        output_dir: args.output_dir.clone(),
    };
    server::serve(options).await.map_err(|e| {
        let usage = matches!(
            e,
            crate::sandbox::SandboxError::Seed(_)
                | crate::sandbox::SandboxError::NonLoopback { .. }
                | crate::sandbox::SandboxError::Graph(_)
        );
        let seed = matches!(
            e,
            crate::sandbox::SandboxError::Seed(_)
                | crate::sandbox::SandboxError::Graph(_)
                | crate::sandbox::SandboxError::Certificate(_)
        );
        let err = if usage {
            CliError::usage(e.to_string())
        } else {
            CliError::runtime(e.to_string())
        };
        if seed {
            err.hint("the seed format, every key with an example: docs/sandbox.md")
        } else {
            err.hint("see `graphmail sandbox serve --help`")
        }
    })
}

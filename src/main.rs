//! graphmail's entry point: parse, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

use graphmail::cli::Cli;
use graphmail::output::Printer;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Answered before logging, the runtime or the state: `--version`
        // must stay instant.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
            return graphmail::build_info::print_version(std::env::args_os());
        }
        Err(e) => e.exit(),
    };
    let printer = Printer::new(
        cli.global.output,
        cli.global.color,
        cli.global.quiet,
        cli.global.verbose,
    );
    init_logging(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(graphmail::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            printer.error(&err);
            ExitCode::from(err.kind.exit_code())
        }
    }
}

/// Diagnostics on stderr: warnings by default, `-v` for what graphmail does,
/// `-vv` for each request. Only graphmail's own events; secrets are never
/// logged (tokens travel in headers, which are not).
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    // The TLS verifier logs every refused certificate as an ERROR, which the
    // failed step already reports: shown only with -v.
    let verifier = if quiet || verbose == 0 { "off" } else { level };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "warn,graphmail={level},rustls_platform_verifier={verifier}"
    ));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .try_init();
}

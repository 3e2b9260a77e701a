//! graphmail's entry point: parse, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

use graphmail::cli::Cli;
use graphmail::output::Printer;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(
        cli.global.output,
        cli.global.color,
        cli.global.quiet,
        cli.global.verbose,
    );
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

//! graphmail's entry point: parse, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

use graphmail::cli::Cli;
use graphmail::output::Printer;

/// mimalloc rather than glibc's malloc: the commands that read a large state
/// allocate and free tens of thousands of small strings, and spent a third
/// of their time doing it (issue 17, BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    skip_the_allocators_exit_collection();
    // Before any secret is read: a crash must never dump one to disk.
    graphmail::process_limits::disable_core_dumps();
    // A TAB in a shell that sourced `graphmail completion SHELL`: print the
    // candidates and exit before anything else runs.
    clap_complete::CompleteEnv::with_factory(graphmail::cli::full_command)
        .var(graphmail::commands::completion::COMPLETE_VAR)
        .complete();
    // `graphmail --version` alone, as scripts and package checks run it:
    // answered before clap builds its whole command tree, a fifth of the
    // start (perf: about 1 ms of the 4 to 5, issue 17 (e)). Any other
    // command line, `-V` after a command included, goes through clap, which
    // answers it the same way (tests/dist.rs).
    if let [_, flag] = std::env::args_os().collect::<Vec<_>>().as_slice()
        && (flag == "--version" || flag == "-V")
    {
        return graphmail::build_info::print_version(std::env::args_os());
    }
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
    let code = match runtime.block_on(graphmail::commands::run(cli)) {
        Ok(()) => {
            // JSON mode held the notes and warnings back (output::printer).
            printer.release_held();
            0
        }
        Err(err) => {
            printer.error(&err);
            err.kind.exit_code()
        }
    };
    exit_without_teardown(code)
}

/// The command is over: every write it made was awaited, and its output
/// printed. Tearing the runtime down would stop its workers one by one,
/// drop what they still hold (idle connections, timers, their heaps) and
/// wait for any blocking task still running (a refused certificate's
/// 2-second look, say), all for memory and sockets the exit frees anyway:
/// about 1 ms of a 200-target `test-connection --all` (BENCHMARKS.md, the
/// eleventh landing). Standard output and error are flushed first; nothing
/// else buffers. Threads of std (the keyring's) end with the process either
/// way.
fn exit_without_teardown(code: u8) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(i32::from(code))
}

/// Diagnostics on stderr: warnings by default; `-v` for what graphmail does,
/// one line per HTTP request (discovery, token, Graph) and per retry
/// decision; `-vv` adds the headers (`auth::request_log` redacts every
/// secret and never logs a body that can hold one). Only graphmail's own
/// events: other crates' (hyper, reqwest) log headers unredacted.
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
        // Logged values may come from outside (URLs, names): made inert too.
        .with_writer(|| graphmail::output::inert::InertWriter::new(std::io::stderr(), false))
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .try_init();
}

/// mimalloc gives its memory back to the system when the process exits: 4
/// to 5 ms at the end of a `test-connection --all` of 200 targets or a
/// `mail peek` of 10,000 messages, for memory the exit frees anyway.
/// `mi_option_destroy_on_exit` above 1 skips it (mimalloc's `init.c`,
/// `_mi_auto_process_done`). Its number comes from mimalloc's header at
/// build time (build.rs); without one nothing is set.
fn skip_the_allocators_exit_collection() {
    const OPTION: Option<&str> = option_env!("GRAPHMAIL_MI_OPTION_DESTROY_ON_EXIT");
    if let Some(option) = OPTION.and_then(|n| n.parse::<libmimalloc_sys::mi_option_t>().ok()) {
        // SAFETY: a plain integer store into mimalloc's option table, made
        // first thing in `main`, before any other thread exists
        // (`mi_option_set` is not thread-safe).
        unsafe { libmimalloc_sys::mi_option_set(option, 2) };
    }
}

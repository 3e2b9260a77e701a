//! Runs the sandbox like `graphmail sandbox serve` would, for manual testing
//! before the CLI command is wired: `cargo run --example sandbox_serve -- [--tls]
//! [--listen ADDR] [--seed FILE] [--allow-non-loopback]`. Prints the ready line.

use graphmail::sandbox::{ServeOptions, serve};

#[tokio::main]
async fn main() {
    let mut opts = ServeOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tls" => opts.tls = true,
            "--allow-non-loopback" => opts.allow_non_loopback = true,
            "--listen" => match args.next().map(|a| a.parse()) {
                Some(Ok(addr)) => opts.listen = Some(addr),
                _ => fail("--listen needs an address such as 127.0.0.1:8400"),
            },
            "--seed" => match args.next() {
                Some(path) => opts.seed_file = Some(path.into()),
                None => fail("--seed needs a file"),
            },
            other => fail(&format!("unknown argument {other}")),
        }
    }
    if let Err(e) = serve(opts).await {
        fail(&e.to_string());
    }
}

fn fail(message: &str) -> ! {
    eprintln!("sandbox_serve: {message}");
    std::process::exit(2);
}

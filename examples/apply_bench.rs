//! Issue 14's speed figures for `apply` and `plan`, measured on the release
//! binary with its output piped and printed (not timed assertions):
//!
//! (a) a desired file of 1,000 incoming connectors (on 1,000 sandbox
//!     mailboxes) and 2,000 routes applied to an empty state: wall time, the
//!     locked writes it made (must be bounded, not one per item), and its
//!     phases from `-v` (plan, first write, tests, second write); the bar is
//!     2 s plus the tests' network time;
//! (b) `plan` of that file against the converged state: median of N runs,
//!     vs 100 ms;
//! (c) `apply` of 200 connectors on 200 mailboxes, sandbox adding 50 ms to
//!     every request, vs `test-connection --all` of the same connectors:
//!     ratio, vs 1.3.
//!
//! Run: `cargo run --release --features test-store --example apply_bench [-- RUNS]`
//! (it builds the release `graphmail` binary first if needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
use graphmail::sandbox::{RunningSandbox, ServeOptions};
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

const SECRET_VAR: &str = "BENCH_SECRET";

fn main() -> Result<(), Error> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9);
    let binary = release_binary()?;
    println!("binary: {}", binary.display());
    let temp = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    // (a) and (b)
    let home = temp.path().join("big");
    std::fs::create_dir_all(&home)?;
    let sandbox = start(&runtime, &home, 1000, None)?;
    let desired = home.join("graphmail.toml");
    std::fs::write(&desired, desired_file(&sandbox, 1000, 2))?;
    let state = home.join("state.toml");
    let mut cmd = graphmail(&binary, &home, &state, &sandbox);
    cmd.args(["-v", "apply", "-f"])
        .arg(&desired)
        .args(["--output", "json"]);
    let (took, out) = timed(&mut cmd)?;
    let applied: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "apply: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let phase = |needle: &str| -> f64 {
        stderr
            .lines()
            .find(|l| l.contains(needle))
            .and_then(|l| l.split(" in ").nth(1))
            .and_then(|t| t.trim_end_matches(" ms").trim().parse().ok())
            .unwrap_or(f64::NAN)
    };
    let tests_ms = phase("tested ");
    println!("\n(a) apply of 1,000 connectors + 2,000 routes to an empty state");
    println!(
        "    exit {:?}; {} tests, {} not applied; {} locked writes (bound: 2)",
        out.status.code(),
        applied["tests"].as_array().map_or(0, Vec::len),
        applied["not_applied"].as_array().map_or(0, Vec::len),
        applied["writes"]
    );
    println!(
        "    wall {:.0} ms = plan {:.0} + first write {:.0} + tests {:.0} + second write {:.0} (+ process, output)",
        ms(took),
        phase("planned "),
        phase("first write"),
        tests_ms,
        phase("second write")
    );
    println!(
        "    without the tests' network time: {:.0} ms (bar: 2,000 ms)",
        ms(took) - tests_ms
    );
    println!(
        "    state file: {} KiB",
        std::fs::metadata(&state)
            .map(|m| m.len() / 1024)
            .unwrap_or(0)
    );

    let mut samples = Vec::new();
    for _ in 0..runs {
        let mut cmd = graphmail(&binary, &home, &state, &sandbox);
        cmd.args(["plan", "--exit-code", "-f"]).arg(&desired);
        let (took, out) = timed(&mut cmd)?;
        if out.status.code() != Some(0) {
            return Err(format!(
                "plan of the converged state: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout)
            )
            .into());
        }
        samples.push(took);
    }
    println!(
        "\n(b) plan of that file against the converged state: median {:.1} ms of {runs} (bar: 100 ms)",
        ms(median(&mut samples))
    );
    drop(sandbox);

    // (c)
    let home = temp.path().join("latency");
    std::fs::create_dir_all(&home)?;
    let sandbox = start(&runtime, &home, 200, Some(50))?;
    let desired = home.join("graphmail.toml");
    std::fs::write(&desired, desired_file(&sandbox, 200, 0))?;
    let net_runs = runs.clamp(1, 5);
    let (mut apply_samples, mut all_samples) = (Vec::new(), Vec::new());
    for run in 0..net_runs {
        let state = home.join(format!("apply-{run}.toml"));
        let mut cmd = graphmail(&binary, &home, &state, &sandbox);
        cmd.args(["apply", "-f"]).arg(&desired);
        let (took, out) = timed(&mut cmd)?;
        if !out.status.success() {
            return Err(format!("apply (c): {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        apply_samples.push(took);
        // The same connectors, created disabled, tested with --all.
        let all_state = home.join(format!("all-{run}.toml"));
        std::fs::write(
            &all_state,
            std::fs::read_to_string(&state)?.replace("enabled = true", "enabled = false"),
        )?;
        let mut cmd = graphmail(&binary, &home, &all_state, &sandbox);
        cmd.args([
            "test-connection",
            "--all",
            "--no-record",
            "--output",
            "json",
        ]);
        let (took, _) = timed(&mut cmd)?;
        all_samples.push(took);
    }
    let (apply_ms, all_ms) = (ms(median(&mut apply_samples)), ms(median(&mut all_samples)));
    println!(
        "\n(c) 200 connectors, 50 ms per request: apply {apply_ms:.0} ms, test-connection --all {all_ms:.0} ms: {:.2}x (bar: 1.3x)",
        apply_ms / all_ms
    );
    Ok(())
}

fn start(
    runtime: &tokio::runtime::Runtime,
    home: &Path,
    mailboxes: usize,
    latency_ms: Option<u64>,
) -> Result<RunningSandbox, Error> {
    let mut seed = String::new();
    if let Some(ms) = latency_ms {
        seed.push_str(&format!(
            "[mail_limits]\nlatency_ms = {ms}\nmailbox_concurrency = 4\n\n[faults]\nlatency = {{ ms = {ms}, scope = \"token\" }}\n\n"
        ));
    }
    seed.push_str(&format!(
        "[[generate]]\ncount = {mailboxes}\npattern = \"box{{n}}@contoso.com\"\nfolders = [\"Inbox/Support\"]\n"
    ));
    let seed_file = home.join("seed.toml");
    std::fs::write(&seed_file, seed)?;
    Ok(runtime.block_on(graphmail::sandbox::start(ServeOptions {
        seed_file: Some(seed_file),
        ..ServeOptions::default()
    }))?)
}

/// `connectors` incoming connectors on `box{n}@contoso.com`, each with
/// `routes_each` routes.
fn desired_file(sandbox: &RunningSandbox, connectors: usize, routes_each: usize) -> String {
    let base = sandbox.base_url().to_string();
    let mut text = format!(
        "[integration]\ntenant = \"{BUILTIN_TENANT_ID}\"\napp_id = \"{APP_GRAPHMAIL}\"\nauthority_host = \"{base}\"\ngraph_endpoint = \"{base}\"\nsecret = {{ env = \"{SECRET_VAR}\" }}\n"
    );
    for n in 1..=connectors {
        text.push_str(&format!(
            "\n[[connector]]\nname = \"c{n}\"\nuse_for = \"incoming\"\naddress = \"box{n}@contoso.com\"\nfolders = [\"Inbox/Support\"]\nprocess = \"Case\"\n"
        ));
        for r in 0..routes_each {
            text.push_str(&format!(
                "\n[[route]]\nname = \"r{n}-{r}\"\nconnector = \"c{n}\"\naddress = \"route{n}-{r}@contoso.com\"\nprocess = \"Case\"\n"
            ));
        }
    }
    text
}

fn release_binary() -> Result<PathBuf, Error> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(manifest)
        .args([
            "build",
            "--release",
            "--features",
            "test-store",
            "--bin",
            "graphmail",
        ])
        .status()?;
    if !status.success() {
        return Err("building the release graphmail binary failed".into());
    }
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find target/release")?;
    Ok(release.join("graphmail"))
}

fn graphmail(binary: &Path, home: &Path, state: &Path, sandbox: &RunningSandbox) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env("GRAPHMAIL_STATE", state)
        .env(
            SECRET_VAR,
            sandbox.ready().client_secret.clone().unwrap_or_default(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn timed(cmd: &mut Command) -> Result<(Duration, std::process::Output), Error> {
    let started = Instant::now();
    let out = cmd.output()?;
    Ok((started.elapsed(), out))
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

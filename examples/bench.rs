//! SPEC §8's speed bars, measured on the release binary with its output
//! piped, printed as figures (not timed assertions):
//!
//! (a) `status` and `connector list` on a state file of 1,000 connectors,
//!     2,000 routes and their test records: median of N runs vs 50 ms;
//! (b) `test-connection --all --output json` against a sandbox that adds
//!     50 ms to every request (plain HTTP): 200 incoming connectors on 200
//!     mailboxes, folder `Inbox/Support`, vs 50 ms x (1 token + the longest
//!     chain of dependent requests of one target);
//! (c) the same with 40 connectors on 4 mailboxes, where Exchange's limit of
//!     4 requests in flight per mailbox binds, vs 50 ms x (1 + ceil(requests
//!     per mailbox / 4)); once with a folder of its own per connector and
//!     once with all of them reading `Inbox/Support`.
//!
//! For (b) and (c) it also prints the token requests (must be 1) and the
//! most requests the sandbox saw in flight on one mailbox (must be <= 4),
//! from the sandbox's counters.
//!
//! Run: `cargo run --release --features test-store --example bench [-- RUNS]`
//! (it builds the release `graphmail` binary first if needed).
//! `BENCH_ONLY=a` (or `b`, `c`, `ac`...) runs only those parts;
//! `BENCH_KEEP=DIR` writes the state files and seeds there and keeps them,
//! for profiling a command by hand.
//!
//! The latency: Graph requests get the sandbox's mailbox latency, slept
//! while the request holds its mailbox slot (so the limit is real);
//! discovery and token requests get the `token`-scoped latency fault.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use graphmail::diagnose::{Check, ConnectionReport, Step, StepStatus, TargetRef};
use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
use graphmail::sandbox::{RunningSandbox, ServeOptions};
use graphmail::state::store::{StateError, StateFile};
use graphmail::state::{
    AiFeature, Cloud, Connector, Credential, Integration, Route, SecretSource, State, UseFor,
    fingerprint,
};
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

const LATENCY_MS: u64 = 50;
const BAR_LOCAL_MS: f64 = 50.0;
const BAR_RATIO: f64 = 1.3;

fn main() -> Result<(), Error> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let binary = release_binary()?;
    println!("binary: {}", binary.display());
    let only = std::env::var("BENCH_ONLY").unwrap_or_else(|_| "abc".into());
    let temp = tempfile::tempdir()?;
    let dir = match std::env::var_os("BENCH_KEEP") {
        Some(keep) => PathBuf::from(keep),
        None => temp.path().to_path_buf(),
    };
    let dir = dir.as_path();

    if only.contains('a') {
        println!("\n(a) local commands, {runs} runs each, output piped");
        local_commands(&binary, dir, runs)?;
    }
    if !only.contains('b') && !only.contains('c') {
        return Ok(());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let net_runs = runs.clamp(1, 7);
    let started = Instant::now();
    let _ = graphmail::auth::build_http_client(&graphmail::auth::HttpOptions::default())?;
    println!(
        "\nbuilding graphmail's HTTP client (rustls, system CA bundle): {:.0} ms",
        ms(started.elapsed())
    );
    if only.contains('b') {
        println!(
            "\n(b) test-connection --all: 200 incoming connectors on 200 mailboxes, folder Inbox/Support, {LATENCY_MS} ms per request, {net_runs} runs"
        );
        let b = Scenario {
            mailboxes: 200,
            per_mailbox: 1,
            own_folders: false,
        };
        b.run(&runtime, &binary, dir, net_runs)?;
    }
    if !only.contains('c') {
        return Ok(());
    }

    println!(
        "\n(c) test-connection --all: 40 incoming connectors on 4 mailboxes, a folder each (Inbox/F1..F10), {net_runs} runs"
    );
    let c = Scenario {
        mailboxes: 4,
        per_mailbox: 10,
        own_folders: true,
    };
    c.run(&runtime, &binary, dir, net_runs)?;

    println!(
        "\n(c') the same 40 connectors on 4 mailboxes, all reading Inbox/Support, {net_runs} runs"
    );
    let c2 = Scenario {
        mailboxes: 4,
        per_mailbox: 10,
        own_folders: false,
    };
    c2.run(&runtime, &binary, dir, net_runs)?;
    Ok(())
}

/// `target/release/graphmail`, built (with this build's features) if needed.
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
    // The example runs from target/release/examples/.
    let exe = std::env::current_exe()?;
    let release = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find target/release")?;
    let binary = release.join("graphmail");
    if !binary.exists() {
        return Err(format!("{} was not built", binary.display()).into());
    }
    Ok(binary)
}

/// A sealed environment for the binary: no keyring, no config, no colour.
fn graphmail(binary: &Path, home: &Path, state: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env("GRAPHMAIL_STATE", state)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd`, reading its piped output to the end; returns the wall time.
fn timed_run(cmd: &mut Command) -> Result<(Duration, std::process::Output), Error> {
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

// ------------------------------------------------------------------- (a)

fn passed_record(target: TargetRef) -> ConnectionReport {
    let steps = [
        Check::Authority,
        Check::Token,
        Check::Permissions,
        Check::Mailbox,
        Check::Folder,
    ]
    .into_iter()
    .map(|c| Step::new(c, StepStatus::Passed, "ok"))
    .collect();
    ConnectionReport::new(target, steps)
}

/// 1,000 connectors (half incoming, a third enabled with their default
/// routes), 2,000 routes in all, every item with a current passing test.
fn big_state(secret_var: &str) -> State {
    let mut state = State::new();
    state.integration = Some(Integration {
        tenant: "contoso.onmicrosoft.com".into(),
        app_id: APP_GRAPHMAIL.into(),
        cloud: Cloud::Global,
        authority_host: None,
        graph_endpoint: None,
        ca_file: None,
        credential: Credential::Secret {
            secret: SecretSource::Env {
                var: secret_var.into(),
            },
            credential_generation: uuid::Uuid::new_v4().to_string(),
        },
        test: None,
    });
    for i in 0..1000usize {
        let incoming = i % 2 == 0;
        state.connectors.push(Connector {
            name: format!("connector-{i:04}"),
            use_for: if incoming {
                UseFor::Incoming
            } else {
                UseFor::Outbound
            },
            address: format!("mailbox{i}@contoso.com"),
            enabled: i % 3 == 0,
            folders: if incoming {
                vec!["Inbox".into(), format!("Inbox/Support/Region {i}")]
            } else {
                vec![]
            },
            process: incoming.then(|| "Case".to_string()),
            send_automated_emails: incoming,
            test_mode: false,
            ai: if incoming {
                vec![AiFeature::Classification, AiFeature::Sentiment]
            } else {
                vec![]
            },
            test: None,
        });
    }
    let mut routes = Vec::new();
    for c in &state.connectors {
        if c.enabled {
            routes.push(Route {
                name: c.name.clone(),
                description: String::new(),
                connector: c.name.clone(),
                address: c.address.clone(),
                enabled: true,
                default: true,
                process: c.process.clone(),
                send_automated_emails: c.send_automated_emails,
                for_attention: false,
                test_mode: false,
                test: None,
            });
        }
    }
    let mut i = 0;
    while routes.len() < 2000 {
        let c = &state.connectors[i % 1000];
        let incoming = c.use_for == UseFor::Incoming;
        routes.push(Route {
            name: format!("route-{i:04}"),
            description: format!("Route {i} for the support desk"),
            connector: c.name.clone(),
            address: format!("route{i}@contoso.com"),
            enabled: c.enabled,
            default: false,
            process: incoming.then(|| "Case".into()),
            send_automated_emails: incoming,
            for_attention: i % 5 == 0,
            test_mode: false,
            test: None,
        });
        i += 1;
    }
    state.routes = routes;
    state
}

/// Records a current passing test on everything, as test-connection would.
fn record_passes(state: &mut State) {
    let mut results = Vec::new();
    if let Some(integration) = &state.integration {
        results.push((
            passed_record(TargetRef::integration()),
            fingerprint::integration(integration),
        ));
    }
    for c in &state.connectors {
        let fp = fingerprint::connector_in(state, &c.name).unwrap_or_default();
        results.push((passed_record(TargetRef::connector(&c.name)), fp));
    }
    for r in state.routes.iter().filter(|r| !r.default) {
        let fp = fingerprint::route_in(state, &r.name).unwrap_or_default();
        results.push((passed_record(TargetRef::route(&r.name)), fp));
    }
    let not_recorded = graphmail::commands::tester::record_reports(state, &results);
    assert!(not_recorded.is_empty(), "every record matches");
}

fn local_commands(binary: &Path, dir: &Path, runs: usize) -> Result<(), Error> {
    let home = dir.join("local");
    std::fs::create_dir_all(&home)?;
    let state_path = home.join("state.toml");
    let file = StateFile::open(&state_path);
    let mut state = big_state("BENCH_SECRET");
    record_passes(&mut state);
    file.update(|s| {
        *s = state.clone();
        Ok::<_, StateError>(())
    })?;
    let size = std::fs::metadata(&state_path)?.len();
    println!(
        "state file: {} connectors, {} routes, every one with a test record; {} KiB",
        state.connectors.len(),
        state.routes.len(),
        size / 1024
    );
    for args in [
        vec!["status"],
        vec!["connector", "list"],
        vec!["status", "--output", "json"],
        vec!["connector", "list", "--output", "json"],
    ] {
        let mut samples = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let mut cmd = graphmail(binary, &home, &state_path);
            cmd.env("BENCH_SECRET", "x").args(&args);
            let (took, out) = timed_run(&mut cmd)?;
            if !out.status.success() && out.status.code() != Some(4) {
                return Err(format!(
                    "graphmail {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            bytes = out.stdout.len();
            samples.push(took);
        }
        let min = *samples.iter().min().unwrap_or(&Duration::ZERO);
        let med = median(&mut samples);
        let verdict = if ms(med) < BAR_LOCAL_MS {
            "meets"
        } else {
            "MISSES"
        };
        println!(
            "  graphmail {:<34} median {:>6.1} ms  min {:>6.1} ms  ({} KiB out)  {verdict} the {BAR_LOCAL_MS} ms bar",
            args.join(" "),
            ms(med),
            ms(min),
            bytes / 1024
        );
    }
    Ok(())
}

// -------------------------------------------------------------- (b), (c)

struct Scenario {
    mailboxes: usize,
    per_mailbox: usize,
    /// Each connector reads a folder of its own (`Inbox/F{k}`); otherwise
    /// all read `Inbox/Support`.
    own_folders: bool,
}

impl Scenario {
    fn folder(&self, k: usize) -> String {
        if self.own_folders {
            format!("Inbox/F{k}")
        } else {
            "Inbox/Support".to_string()
        }
    }

    fn seed(&self) -> String {
        let folders: Vec<String> = if self.own_folders {
            (1..=self.per_mailbox)
                .map(|k| format!("\"{}\"", self.folder(k)))
                .collect()
        } else {
            vec!["\"Inbox/Support\"".into()]
        };
        format!(
            "[mail_limits]\nlatency_ms = {LATENCY_MS}\nmailbox_concurrency = 4\n\n\
             [faults]\nlatency = {{ ms = {LATENCY_MS}, scope = \"token\" }}\n\n\
             [[generate]]\ncount = {}\npattern = \"box{{n}}@contoso.com\"\nfolders = [{}]\n",
            self.mailboxes,
            folders.join(", ")
        )
    }

    fn run(
        &self,
        runtime: &tokio::runtime::Runtime,
        binary: &Path,
        dir: &Path,
        runs: usize,
    ) -> Result<(), Error> {
        let home = dir.join(format!(
            "net-{}x{}-{}",
            self.mailboxes, self.per_mailbox, self.own_folders
        ));
        std::fs::create_dir_all(&home)?;
        let seed_file = home.join("seed.toml");
        std::fs::write(&seed_file, self.seed())?;
        let sandbox = runtime.block_on(graphmail::sandbox::start(ServeOptions {
            seed_file: Some(seed_file),
            ..ServeOptions::default()
        }))?;
        let secret = sandbox
            .ready()
            .client_secret
            .clone()
            .ok_or("no sandbox secret")?;
        let state_path = home.join("state.toml");
        let file = StateFile::open(&state_path);
        file.update(|state| {
            state.integration = Some(Integration {
                tenant: BUILTIN_TENANT_ID.into(),
                app_id: APP_GRAPHMAIL.into(),
                cloud: Cloud::Custom,
                authority_host: Some(sandbox.base_url().to_string()),
                graph_endpoint: Some(sandbox.base_url().to_string()),
                ca_file: None,
                credential: Credential::Secret {
                    secret: SecretSource::Env {
                        var: "BENCH_SECRET".into(),
                    },
                    credential_generation: uuid::Uuid::new_v4().to_string(),
                },
                test: None,
            });
            for m in 1..=self.mailboxes {
                for k in 1..=self.per_mailbox {
                    state.connectors.push(Connector {
                        name: format!("c{m}-{k}"),
                        use_for: UseFor::Incoming,
                        address: format!("box{m}@contoso.com"),
                        enabled: false,
                        folders: vec![self.folder(k)],
                        process: Some("Case".into()),
                        send_automated_emails: false,
                        test_mode: false,
                        ai: vec![],
                        test: None,
                    });
                }
            }
            Ok::<_, StateError>(())
        })?;

        let mut samples = Vec::new();
        let mut figures = None;
        for _ in 0..runs {
            admin(runtime, &sandbox, "DELETE", "/counters")?;
            admin(runtime, &sandbox, "DELETE", "/mail/concurrency")?;
            let mut cmd = graphmail(binary, &home, &state_path);
            cmd.env("BENCH_SECRET", &secret)
                .args(["test-connection", "--all", "--output", "json"]);
            let (took, out) = timed_run(&mut cmd)?;
            let reports: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
                format!(
                    "not JSON ({e}); stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
            let reports = reports.as_array().ok_or("not an array")?;
            let failed = reports.iter().filter(|r| r["passed"] != true).count();
            if failed > 0 || !out.status.success() {
                return Err(format!("{failed} targets failed: {reports:?}").into());
            }
            samples.push(took);
            let counters = admin(runtime, &sandbox, "GET", "/counters")?;
            let concurrency = admin(runtime, &sandbox, "GET", "/mail/concurrency")?;
            figures = Some((counters, concurrency, reports.len()));
        }
        let (counters, concurrency, targets) = figures.ok_or("no runs")?;
        let token_requests = counters["kinds"]["token"].as_u64().unwrap_or(0);
        let discovery = counters["kinds"]["discovery"].as_u64().unwrap_or(0);
        // Graph requests per mailbox, by kind, from the counters.
        let mut per_mailbox_max = 0u64;
        let mut kinds_of_busiest = Value::Null;
        if let Some(map) = counters["mailboxes"].as_object() {
            for (_, kinds) in map {
                let total: u64 = kinds
                    .as_object()
                    .map(|k| {
                        k.iter()
                            .filter(|(name, _)| name.starts_with("graph."))
                            .map(|(_, n)| n.as_u64().unwrap_or(0))
                            .sum()
                    })
                    .unwrap_or(0);
                if total > per_mailbox_max {
                    per_mailbox_max = total;
                    kinds_of_busiest = kinds.clone();
                }
            }
        }
        let throttled = counters["kinds"]["graph.throttled"].as_u64().unwrap_or(0);
        let highest = concurrency["mailboxes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["highest"].as_u64())
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);

        // The bound. One target's requests, from the counters of (b) where
        // a mailbox has one target: the Inbox GET and one childFolders
        // lookup per further path segment (2 for Inbox/X).
        let chain = DEPENDENT_REQUESTS_OF_INBOX_X;
        let bound_ms = if self.per_mailbox == 1 {
            LATENCY_MS * (1 + chain)
        } else {
            LATENCY_MS * (1 + per_mailbox_max.div_ceil(4)).max(1 + chain)
        };
        let med = median(&mut samples);
        let min = *samples.iter().min().unwrap_or(&Duration::ZERO);
        let ratio = ms(med) / bound_ms as f64;
        println!(
            "  targets {targets}; token requests {token_requests} (discovery {discovery}); graph requests on the busiest mailbox {per_mailbox_max} {kinds_of_busiest}"
        );
        println!(
            "  most requests in flight on one mailbox: {highest} (limit 4); 429s from the mailbox limit: {throttled}"
        );
        println!(
            "  dependent requests of one target: {chain}; bound {bound_ms} ms, x{BAR_RATIO} = {:.0} ms",
            bound_ms as f64 * BAR_RATIO
        );
        let verdict = if ratio <= BAR_RATIO && token_requests == 1 && highest <= 4 {
            "meets"
        } else {
            "MISSES"
        };
        println!(
            "  wall time median {:.0} ms (min {:.0} ms), {ratio:.2}x the bound: {verdict} the bar",
            ms(med),
            ms(min)
        );
        runtime.block_on(sandbox.shutdown());
        Ok(())
    }
}

/// How many of an `Inbox/X` connector's two Graph requests (the Inbox
/// GET, then the lookup of X among its children by the Inbox's ID) wait for
/// one another.
const DEPENDENT_REQUESTS_OF_INBOX_X: u64 = 2;

fn admin(
    runtime: &tokio::runtime::Runtime,
    sandbox: &RunningSandbox,
    method: &str,
    path: &str,
) -> Result<Value, Error> {
    let url = format!("{}{path}", sandbox.admin_url());
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build()?;
        let response = client.request(method, &url).send().await?;
        let bytes = response.bytes().await?;
        if bytes.is_empty() {
            Ok(Value::Null)
        } else {
            Ok(serde_json::from_slice(&bytes)?)
        }
    })
}

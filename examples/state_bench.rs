//! Benchmark of the state file's hot path (SPEC §8): builds a state with
//! 1,000 connectors and 2,000 routes, each with a test record, writes it
//! through `StateFile::update`, then times `StateFile::load` (the whole read
//! path of `status` and `connector list`), `check_references`, and one
//! small `update` on that file. Prints medians of repeated runs.
//!
//! Run: `cargo run --release --example state_bench [-- RUNS]`

use std::time::{Duration, Instant};

use graphmail::state::problems::check_references;
use graphmail::state::store::{StateError, StateFile};
use graphmail::state::{
    AiFeature, Cloud, Connector, Credential, Integration, Route, SecretSource, State, TestRecord,
    UseFor,
};

fn test_record(i: usize) -> Option<TestRecord> {
    Some(TestRecord {
        at: "2026-05-01T12:00:00Z".to_string(),
        passed: !i.is_multiple_of(7),
        fingerprint: format!("{:064x}", i * 7919),
        steps: ["authority", "token", "permissions", "mailbox", "folder"]
            .iter()
            .map(|s| format!("{s}=passed"))
            .collect(),
        verdict: None,
        needs: None,
    })
}

fn big_state() -> State {
    let mut state = State::new();
    state.integration = Some(Integration {
        tenant: "contoso.onmicrosoft.com".into(),
        app_id: "0d4b6a2c-1111-4222-8333-944445555666".into(),
        cloud: Cloud::Global,
        authority_host: None,
        graph_endpoint: None,
        ca_file: None,
        credential: Credential::Secret {
            secret: SecretSource::Keyring,
            credential_generation: "gen-1".into(),
        },
        test: test_record(1),
    });
    for i in 0..1000usize {
        let incoming = i.is_multiple_of(2);
        state.connectors.push(Connector {
            name: format!("connector-{i:04}"),
            use_for: if incoming {
                UseFor::Incoming
            } else {
                UseFor::Outbound
            },
            address: format!("mailbox{i}@contoso.com"),
            enabled: i.is_multiple_of(3),
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
            test: test_record(i),
        });
    }
    for i in 0..2000usize {
        let connector = i / 2;
        state.routes.push(Route {
            name: if i.is_multiple_of(2) {
                format!("connector-{connector:04}")
            } else {
                format!("route-{i:04}")
            },
            description: format!("Route {i} for the support desk"),
            connector: format!("connector-{connector:04}"),
            address: format!("route{i}@contoso.com"),
            enabled: false,
            default: i.is_multiple_of(2),
            process: Some("Case".into()),
            send_automated_emails: true,
            for_attention: i.is_multiple_of(5),
            test_mode: false,
            test: test_record(i),
        });
    }
    state
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// This process's CPU time (user + system) from /proc, in clock ticks of
/// 10 ms: on a shared machine, wall time measures the neighbours too.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn time<T>(
    runs: usize,
    mut f: impl FnMut() -> T,
) -> (Duration, Duration, Duration, Option<Duration>) {
    let cpu_start = cpu_ticks();
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    let cpu = cpu_start
        .zip(cpu_ticks())
        .map(|(a, b)| Duration::from_millis((b - a) * 10) / runs as u32);
    let min = *samples.iter().min().unwrap();
    let max = *samples.iter().max().unwrap();
    (median(samples), min, max, cpu)
}

fn main() -> Result<(), StateError> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(31);
    let dir = tempfile::tempdir().map_err(|e| StateError::Io {
        action: "create",
        path: "tmp".into(),
        error: e,
    })?;
    let file = StateFile::open(dir.path().join("state.toml"));
    let state = big_state();
    let start = Instant::now();
    file.update(|s| {
        *s = state.clone();
        Ok::<_, StateError>(())
    })?;
    let first_write = start.elapsed();
    let size = std::fs::metadata(file.path()).map(|m| m.len()).unwrap_or(0);
    println!(
        "state: {} connectors, {} routes, {} KiB; first write {:.1} ms",
        state.connectors.len(),
        state.routes.len(),
        size / 1024,
        first_write.as_secs_f64() * 1e3
    );

    let report =
        |label: &str, (median, min, max, cpu): (Duration, Duration, Duration, Option<Duration>)| {
            let cpu = cpu
                .map(|c| format!("{:>6.1} ms", c.as_secs_f64() * 1e3))
                .unwrap_or_else(|| "n/a".into());
            println!(
                "{label:<34} median {:>6.2} ms   min {:>6.2} ms   max {:>6.2} ms   mean CPU {cpu}",
                median.as_secs_f64() * 1e3,
                min.as_secs_f64() * 1e3,
                max.as_secs_f64() * 1e3
            );
        };
    println!(
        "wall times over {runs} runs (update: {} runs); CPU time from /proc, mean per run",
        runs.min(11)
    );
    report(
        "load (read + typed parse)",
        time(runs, || file.load().map(|l| l.state.connectors.len())),
    );
    let text = std::fs::read_to_string(file.path()).unwrap_or_default();
    if std::env::var_os("STATE_BENCH_SAMPLE").is_some() {
        let cut = text.char_indices().nth(2500).map_or(text.len(), |(i, _)| i);
        println!("--- first lines of the file ---\n{}\n---", &text[..cut]);
    }
    report(
        "typed parse only (text in memory)",
        time(runs, || toml::from_str::<State>(&text).is_ok()),
    );
    report(
        "untyped parse (toml::Table)",
        time(runs, || toml::from_str::<toml::Table>(&text).is_ok()),
    );
    report(
        "lossless parse (toml_edit)",
        time(runs, || text.parse::<toml_edit::DocumentMut>().is_ok()),
    );
    let json = serde_json::to_string(&state).unwrap_or_default();
    report(
        "for scale: serde_json typed parse",
        time(runs, || serde_json::from_str::<State>(&json).is_ok()),
    );
    let loaded = file.load()?.state;
    report(
        "check_references",
        time(runs, || check_references(&loaded).len()),
    );
    let mut n = 0;
    report(
        "update (lock, parse, patch, write)",
        time(runs.min(11), || {
            n += 1;
            file.update(|s| {
                s.connectors[500].address = format!("changed{n}@contoso.com");
                Ok::<_, StateError>(())
            })
        }),
    );
    Ok(())
}

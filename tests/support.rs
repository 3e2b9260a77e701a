//! `graphmail history` and `graphmail support bundle` end to end (issue 15):
//! the real binary in a sealed environment against an in-process sandbox.
//! History keeps every run of 16 concurrent test processes and holds its
//! bound; a bundle holds the expected files, changes neither the state file
//! nor its directory, sends no mail, redacts addresses stably, and a secret
//! planted in the state aborts it with nothing written.
//!
//! Run with `cargo test --features test-store --test support`.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
use graphmail::sandbox::{RunningSandbox, ServeOptions};
use serde_json::Value;

use common::{TestEnv, text};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

fn start() -> RunningSandbox {
    runtime()
        .block_on(graphmail::sandbox::start(ServeOptions::default()))
        .expect("sandbox starts")
}

const SECRET_VAR: &str = "SBX_SECRET";

struct Case<'a> {
    env: TestEnv,
    sandbox: &'a RunningSandbox,
    vars: Vec<(String, String)>,
}

impl<'a> Case<'a> {
    fn new(sandbox: &'a RunningSandbox) -> Self {
        let secret = sandbox.ready().client_secret.clone().expect("secret");
        Case {
            env: TestEnv::new(),
            sandbox,
            vars: vec![(SECRET_VAR.to_string(), secret)],
        }
    }

    /// A full state whose runs keep `runs` per item in the history.
    fn keeping(sandbox: &'a RunningSandbox, runs: usize) -> Self {
        let mut case = Case::new(sandbox);
        case.full_state();
        case.vars
            .push(("GRAPHMAIL_HISTORY_KEEP".into(), runs.to_string()));
        case
    }

    fn secret(&self) -> String {
        self.vars[0].1.clone()
    }

    fn command(&self) -> assert_cmd::Command {
        let mut cmd = self.env.command();
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd.timeout(Duration::from_secs(300));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run graphmail")
    }

    #[track_caller]
    fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.run(args);
        common::check(&out, code, args);
        (text(&out.stdout), text(&out.stderr))
    }

    #[track_caller]
    fn json(&self, args: &[&str], code: i32) -> Value {
        let mut full = args.to_vec();
        full.extend(["--output", "json"]);
        let (stdout, stderr) = self.expect(&full, code);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n--- stderr\n{stderr}"))
    }

    /// The built-in app with its secret (from a variable), two connectors
    /// and an alias route: a demo-like state.
    fn full_state(&self) {
        let base = self.sandbox.base_url().to_string();
        self.expect(
            &[
                "integration",
                "set",
                "--tenant",
                BUILTIN_TENANT_ID,
                "--app-id",
                APP_GRAPHMAIL,
                "--client-secret-env",
                SECRET_VAR,
                "--authority-host",
                &base,
                "--graph-endpoint",
                &base,
            ],
            0,
        );
        self.expect(
            &[
                "connector",
                "add",
                "support",
                "--use-for",
                "incoming",
                "--address",
                "support@contoso.com",
                "--process",
                "Support Request",
                "--folder",
                "Inbox",
            ],
            0,
        );
        self.expect(
            &[
                "connector",
                "add",
                "out",
                "--use-for",
                "outbound",
                "--address",
                "noreply@contoso.com",
            ],
            0,
        );
    }

    /// Every file of the state and its directory, by relative path.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(
            "state.toml".to_string(),
            std::fs::read(self.env.state_path()).expect("state file"),
        );
        for entry in std::fs::read_dir(self.env.data_dir()).expect(".d") {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.insert(
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
        files
    }
}

fn counters(sandbox: &RunningSandbox) -> BTreeMap<String, u64> {
    sandbox.sandbox().counters().kinds
}

/// The archive's files by name (without the root folder).
fn read_tar_gz(path: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(path).expect("bundle");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = BTreeMap::new();
    for entry in archive.entries().expect("tar entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        assert_eq!(entry.header().mode().unwrap() & 0o777, 0o600, "{name}");
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("utf-8 entry");
        let name = name
            .strip_prefix("graphmail-support/")
            .unwrap_or_else(|| panic!("{name} outside the root folder"))
            .to_string();
        files.insert(name, text);
    }
    files
}

fn read_zip(path: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(path).expect("bundle");
    let mut archive = zip::ZipArchive::new(file).expect("zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().expect("entry name").to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        files.insert(
            name.strip_prefix("graphmail-support/").unwrap().to_string(),
            text,
        );
    }
    files
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn history_keeps_every_run_of_16_concurrent_test_processes() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.full_state();
    let before = case.json(&["history"], 0);
    let already = before["runs"].as_array().unwrap().len();

    // 16 processes at once, each a recorded test of one item.
    let children: Vec<_> = (0..16)
        .map(|i| {
            let target: &[&str] = match i % 3 {
                0 => &["integration"],
                1 => &["connector", "support"],
                _ => &["connector", "out", "--no-send"],
            };
            // The sealed environment of TestEnv::command, on a std Command
            // so the 16 run at once.
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_graphmail"));
            cmd.env_clear()
                .env("HOME", case.env.path("home"))
                .env("XDG_CONFIG_HOME", case.env.path("config"))
                .env("XDG_DATA_HOME", case.env.path("data"))
                .env("GRAPHMAIL_TEST_SECRET_DIR", case.env.path("secrets"))
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("NO_COLOR", "1")
                .env("CI", "1");
            for (k, v) in &case.vars {
                cmd.env(k, v);
            }
            cmd.arg("test-connection")
                .args(target)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        // 0, or 3 should a fact be left unverified without a probe.
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "{:?}: {}",
            out.status,
            text(&out.stderr)
        );
    }

    let after = case.json(&["history"], 0);
    let runs = after["runs"].as_array().unwrap();
    assert_eq!(runs.len(), already + 16, "{after:#}");
    let count = |kind: &str, name: &str| {
        runs.iter()
            .filter(|r| r["kind"] == kind && (kind == "integration" || r["name"] == name))
            .count()
    };
    let before_count = |kind: &str, name: &str| {
        before["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == kind && (kind == "integration" || r["name"] == name))
            .count()
    };
    assert_eq!(
        count("integration", "") - before_count("integration", ""),
        6
    );
    assert_eq!(
        count("connector", "support") - before_count("connector", "support"),
        5
    );
    assert_eq!(
        count("connector", "out") - before_count("connector", "out"),
        5
    );
    // Newest first, every key present.
    let times: Vec<&str> = runs.iter().map(|r| r["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    assert_eq!(after["schema_version"], 1);
    assert_eq!(after["keep_per_item"], 100);
    assert_eq!(after["item"], Value::Null);
    let token = runs
        .iter()
        .flat_map(|r| r["steps"].as_array().unwrap())
        .find(|s| s["check"] == "token" && s["carried_from"].is_null())
        .expect("a token step");
    for key in [
        "status",
        "detail",
        "code",
        "request_id",
        "trace_id",
        "carried_from",
    ] {
        assert!(token.get(key).is_some(), "{key} missing: {token:#}");
    }
    // A Graph step carries Graph's request-id.
    assert!(
        runs.iter()
            .flat_map(|r| r["steps"].as_array().unwrap())
            .any(|s| s["check"] == "mailbox" && s["request_id"].is_string()),
        "{after:#}"
    );

    // One item, --limit, --since, and the text form.
    let one = case.json(&["history", "connector", "support", "--limit", "2"], 0);
    assert_eq!(one["item"]["kind"], "connector");
    assert_eq!(one["item"]["name"], "support");
    let one_runs = one["runs"].as_array().unwrap();
    assert_eq!(one_runs.len(), 2);
    assert!(one_runs.iter().all(|r| r["name"] == "support"));
    let future = case.json(&["history", "--since", "2999-01-01"], 0);
    assert_eq!(future["runs"], serde_json::json!([]));
    let recent = case.json(&["history", "--since", "1h"], 0);
    assert_eq!(recent["runs"].as_array().unwrap().len(), runs.len());
    let (text_out, _) = case.expect(&["history", "integration", "--limit", "1"], 0);
    assert!(text_out.contains("integration  passed"), "{text_out}");
    assert!(text_out.contains("token"), "{text_out}");
    let (_, err) = case.expect(&["history", "--since", "last tuesday"], 2);
    assert!(err.contains("--since"), "{err}");
    let (_, err) = case.expect(&["history", "route", "nope"], 2);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn history_holds_its_bound_after_many_runs() {
    let sandbox = start();
    let case = Case::keeping(&sandbox, 7);
    // Many runs already on file: past the size at which the store compacts
    // (256 KiB), as months of scheduled tests leave it.
    let history = case.env.data_dir().join("history.jsonl");
    let mut text = std::fs::read_to_string(&history).unwrap_or_default();
    let detail = "x".repeat(300);
    let mut i = 0;
    while text.len() < 300 * 1024 {
        let name = ["support", "out"][i % 2];
        text.push_str(&format!(
            "{{\"at\":\"2026-01-01T00:{:02}:{:02}Z\",\"kind\":\"connector\",\"name\":\"{name}\",\"verdict\":\"passed\",\"fingerprint\":\"f\",\"steps\":[{{\"check\":\"mailbox\",\"status\":\"passed\",\"detail\":\"{detail}\"}}]}}\n",
            (i / 60) % 60,
            i % 60
        ));
        i += 1;
    }
    std::fs::write(&history, &text).unwrap();
    assert!(i > 500);
    // The view holds the bound before any compaction...
    let view = case.json(&["history", "connector", "support"], 0);
    assert_eq!(view["runs"].as_array().unwrap().len(), 7, "{view:#}");
    assert_eq!(view["keep_per_item"], 7);
    // ...and the next recorded run compacts the file to it.
    case.expect(&["test-connection", "integration"], 0);
    let kept = std::fs::read_to_string(&history).unwrap();
    let mut per_item: BTreeMap<String, usize> = BTreeMap::new();
    for line in kept.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        *per_item
            .entry(format!("{}:{}", v["kind"], v["name"]))
            .or_default() += 1;
    }
    assert!(kept.len() < 64 * 1024, "{} bytes", kept.len());
    assert!(per_item.values().all(|&n| n <= 7), "{per_item:?}");
    assert_eq!(
        per_item.get("\"connector\":\"support\""),
        Some(&7),
        "{per_item:?}"
    );
    // The newest survive.
    let view = case.json(&["history", "integration"], 0);
    assert!(!view["runs"].as_array().unwrap().is_empty());
}

/// Once a compaction has run, the next one reads only the end of the file,
/// the runs appended since (`-v` says so), and still keeps each item's
/// newest runs: what the last compaction kept is older than all of them.
#[test]
fn a_later_compaction_reads_only_the_runs_appended_since_the_last() {
    let sandbox = start();
    let case = Case::keeping(&sandbox, 3);
    case.expect(&["test-connection", "--all", "--no-send"], 0);
    let history = case.env.data_dir().join("history.jsonl");
    // One `--all` run: the last line of every item (setting the
    // integration tested it once before).
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for line in std::fs::read_to_string(&history).unwrap().lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        last.insert(format!("{}:{}", line["kind"], line["name"]), line);
    }
    let run: Vec<Value> = last.into_values().collect();
    assert!(run.len() >= 3, "{run:?}");
    // Runs `from` to `from + count` of every item, the n-th at minute n;
    // as many as pass the size at which the store compacts (256 KiB).
    let runs = |from: usize, count: usize| {
        let mut text = String::new();
        for n in from..from + count {
            for line in &run {
                let mut line = line.clone();
                line["at"] = format!("2026-01-01T{:02}:{:02}:00Z", n / 60, n % 60).into();
                line["steps"][0]["detail"] = "x".repeat(400).into();
                text.push_str(&line.to_string());
                text.push('\n');
            }
        }
        text
    };
    let per_run = runs(0, 1).len();
    let count = 300 * 1024 / per_run + 1;
    std::fs::write(&history, runs(0, count)).unwrap();
    // The first compaction reads the whole file.
    let (_, log) = case.expect(&["-v", "test-connection", "--all", "--no-send"], 0);
    assert!(
        log.contains("history: ") && log.contains("reading all of it"),
        "{log}"
    );
    let compacted = std::fs::read_to_string(&history).unwrap();
    assert_eq!(compacted.lines().count(), 3 * run.len(), "{compacted}");

    // Many runs later, the file just past that size again, the next reads
    // only what they appended.
    let later = (256 * 1024 - compacted.len()) / per_run + 1;
    let mut text = compacted;
    text.push_str(&runs(count, later));
    std::fs::write(&history, &text).unwrap();
    let (_, log) = case.expect(&["-v", "test-connection", "--all", "--no-send"], 0);
    assert!(log.contains("reading only its last "), "{log}");
    let kept: Vec<Value> = std::fs::read_to_string(&history)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut per_item: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in &kept {
        per_item
            .entry(format!("{}:{}", line["kind"], line["name"]))
            .or_default()
            .push(line["at"].as_str().unwrap().to_string());
    }
    assert_eq!(per_item.len(), run.len(), "{per_item:?}");
    let newest = count + later - 1;
    let last = format!("2026-01-01T{:02}:{:02}:00Z", newest / 60, newest % 60);
    for (item, ats) in &per_item {
        // The two newest of the synthetic runs, then this run's own.
        assert_eq!(ats.len(), 3, "{item}: {ats:?}");
        assert_eq!(ats[1], last, "{item}: {ats:?}");
        assert!(
            ats[2].starts_with("20") && ats[2] > ats[1],
            "{item}: {ats:?}"
        );
    }
}

#[test]
fn a_bundle_holds_the_expected_files_and_changes_nothing() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.full_state();
    case.expect(&["test-connection", "--all", "--no-send"], 0);
    case.expect(&["test-connection", "integration"], 0);
    let before = case.snapshot();
    let recorded = case.json(&["history"], 0)["runs"].clone();
    sandbox.sandbox().reset_counters();

    let out = case.env.path("bundle.tar.gz");
    let out_s = out.to_string_lossy().to_string();
    let report = case.json(&["support", "bundle", "-o", &out_s], 0);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["format"], "tar.gz");
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);

    // Nothing changed, nothing was sent.
    assert_eq!(
        case.snapshot(),
        before,
        "the state or its directory changed"
    );
    let kinds = counters(&sandbox);
    assert!(
        !kinds.keys().any(|k| k.contains("send")),
        "the bundle sent mail: {kinds:?}"
    );
    assert!(
        kinds.get("token.issued").copied().unwrap_or(0) > 0,
        "no fresh test ran: {kinds:?}"
    );

    let files = read_tar_gz(&out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "MANIFEST",
            "doctor.json",
            "doctor.txt",
            "history.json",
            "last-tests.json",
            "state.toml",
            "test-connection.log",
            "versions.txt"
        ]
    );
    assert!(
        files["versions.txt"].starts_with("graphmail "),
        "{}",
        files["versions.txt"]
    );
    assert!(files["versions.txt"].contains("$ uname -a"));
    let doctor: Value = serde_json::from_str(&files["doctor.json"]).unwrap();
    assert_eq!(doctor["schema_version"], 1);
    assert!(doctor["checks"].as_array().unwrap().len() > 3);
    assert!(
        files["doctor.txt"].contains("clock"),
        "{}",
        files["doctor.txt"]
    );
    assert_eq!(
        files["state.toml"].as_bytes(),
        before["state.toml"].as_slice()
    );
    let last: Value = serde_json::from_str(&files["last-tests.json"]).unwrap();
    let items = last["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{last:#}");
    let integration = &items[0];
    assert_eq!(integration["kind"], "integration");
    assert!(integration["last_test"]["at"].is_string(), "{last:#}");
    assert_eq!(integration["last_run"]["verdict"], "passed");
    let support = items.iter().find(|i| i["name"] == "support").unwrap();
    assert!(
        support["evidence"]["mailbox"]["request_id"].is_string(),
        "{support:#}"
    );
    assert!(
        support["evidence"]["mailbox"]["at"].is_string(),
        "{support:#}"
    );
    let history: Value = serde_json::from_str(&files["history.json"]).unwrap();
    assert_eq!(history["runs"], recorded);
    assert!(recorded.as_array().unwrap().len() >= 4, "{recorded:#}");
    let log = &files["test-connection.log"];
    assert!(
        log.starts_with(
            "$ graphmail test-connection --all -v --no-record --no-send\n(exit code 0,"
        ),
        "{log}"
    );
    assert!(log.contains("Connection test of integration"), "{log}");
    assert!(log.contains("request-id:"), "{log}");
    for name in names.iter().filter(|n| **n != "MANIFEST") {
        assert!(
            files["MANIFEST"].contains(name),
            "{name} not in the MANIFEST"
        );
    }
    assert!(files["MANIFEST"].contains("mailbox addresses are shown"));
    // No secret anywhere, in any form.
    let secret = case.secret();
    for (name, body) in &files {
        assert!(!body.contains(&secret), "{name} holds the secret");
        assert!(!body.contains("eyJ"), "{name} holds a JWT-like text");
    }

    // An existing file is never replaced.
    let (_, err) = case.expect(&["support", "bundle", "-o", &out_s], 2);
    assert!(err.contains("exists"), "{err}");
}

#[test]
fn redacted_zip_bundle_uses_one_placeholder_per_address() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.full_state();
    case.expect(&["test-connection", "connector", "support"], 0);
    let out = case.env.path("bundle.zip");
    let out_s = out.to_string_lossy().to_string();
    let report = case.json(
        &[
            "support",
            "bundle",
            "-o",
            &out_s,
            "--zip",
            "--redact-addresses",
        ],
        0,
    );
    assert_eq!(report["format"], "zip");
    assert!(
        report["addresses_redacted"].as_u64().unwrap() >= 2,
        "{report:#}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
    let files = read_zip(&out);
    for (name, body) in &files {
        assert!(!body.contains("support@contoso.com"), "{name}: {body}");
        assert!(!body.contains("noreply@contoso.com"), "{name}: {body}");
        assert!(!body.contains("support%40contoso.com"), "{name}: {body}");
    }
    // Each connector's address has its own placeholder, the same in the
    // state, the last test's evidence and the fresh log.
    let state: toml::Value = toml::from_str(&files["state.toml"]).unwrap();
    let address = |name: &str| {
        state["connector"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str() == Some(name))
            .unwrap()["address"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (support, out_addr) = (address("support"), address("out"));
    assert!(
        support.starts_with("mailbox-") && support.ends_with("@redacted.invalid"),
        "{support}"
    );
    assert!(
        out_addr.starts_with("mailbox-") && out_addr != support,
        "{out_addr}"
    );
    assert!(
        files["last-tests.json"].contains(&support),
        "{}",
        files["last-tests.json"]
    );
    let log = &files["test-connection.log"];
    assert!(log.contains(&support) && log.contains(&out_addr), "{log}");
    assert!(
        files["MANIFEST"].contains("--redact-addresses"),
        "{}",
        files["MANIFEST"]
    );
    assert!(files["MANIFEST"].contains("mailbox addresses replaced"));
}

#[test]
fn a_secret_in_a_bundle_file_aborts_with_nothing_written() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.full_state();
    let secret = case.secret();
    // A secret pasted into the state by hand, in a comment, base64-encoded.
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&secret);
    let path = case.env.state_path();
    let mut state = std::fs::read_to_string(&path).unwrap();
    state.push_str(&format!("# pasted while debugging: {encoded}\n"));
    std::fs::write(&path, &state).unwrap();
    let before = case.snapshot();

    let out = case.env.path("bundle.tar.gz");
    let (_, err) = case.expect(&["support", "bundle", "-o", &out.to_string_lossy()], 1);
    assert!(err.contains("state.toml"), "{err}");
    assert!(err.contains("the client secret"), "{err}");
    assert!(err.contains("base64"), "{err}");
    assert!(!err.contains(&secret) && !err.contains(&encoded), "{err}");
    assert!(!out.exists(), "a bundle was written");
    let leftovers: Vec<_> = std::fs::read_dir(case.env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .contains("graphmail-support")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(case.snapshot(), before);

    // A PEM private key pasted the same way is named as one.
    let clean = state.replace(&format!("# pasted while debugging: {encoded}\n"), "");
    std::fs::write(
        &path,
        format!("{clean}# -----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----\n"),
    )
    .unwrap();
    let (_, err) = case.expect(&["support", "bundle", "-o", &out.to_string_lossy()], 1);
    assert!(err.contains("a private key"), "{err}");
    assert!(!out.exists());
}

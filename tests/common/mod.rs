//! A sealed environment for running the real binary: a temp HOME with its
//! own config and data dirs, a cleared environment, fixed width, no colour.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const APP_ID: &str = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b";

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "data", "secrets"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        TestEnv { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The default state file location under the sealed config dir.
    pub fn state_path(&self) -> PathBuf {
        self.path("config/graphmail/state.toml")
    }

    /// The state file's machine-owned directory, `<state file>.d/` (SPEC
    /// §1): evidence, history, verdicts.
    pub fn data_dir(&self) -> PathBuf {
        let mut p = self.state_path().into_os_string();
        p.push(".d");
        PathBuf::from(p)
    }

    pub fn state_text(&self) -> String {
        std::fs::read_to_string(self.state_path()).unwrap_or_default()
    }

    pub fn command(&self) -> Command {
        Command::from_std(self.process())
    }

    /// The same sealed command as [`TestEnv::command`], as a plain
    /// `std::process::Command`, for a child that runs while the test acts
    /// (`spawn` with piped output).
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("graphmail"));
        cmd.env_clear()
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("GRAPHMAIL_TEST_SECRET_DIR", self.path("secrets"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "120")
            .env("CI", "1")
            .env("TEST_SECRET", "s3cret-value");
        cmd
    }

    /// Runs graphmail with `args` and no stdin.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run graphmail")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.command()
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .expect("run graphmail")
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command();
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args).output().expect("run graphmail")
    }

    /// Runs and asserts the exit code, returning (stdout, stderr).
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> (String, String) {
        self.expect(args, 0)
    }

    #[track_caller]
    pub fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.run(args);
        check(&out, code, args);
        (text(&out.stdout), text(&out.stderr))
    }

    /// An integration whose endpoints are a closed loopback port: every
    /// connection test fails fast, without the network.
    pub fn unreachable_integration(&self) {
        let out = self.run_env(
            &[
                "integration",
                "set",
                "--tenant",
                TENANT,
                "--app-id",
                APP_ID,
                "--client-secret-env",
                "TEST_SECRET",
                "--authority-host",
                "http://127.0.0.1:9",
                "--graph-endpoint",
                "http://127.0.0.1:9",
                "--skip-test",
            ],
            &[("TEST_SECRET", "s3cret-value")],
        );
        check(&out, 0, &["integration", "set"]);
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--output", "json"]);
        let (stdout, _) = self.ok(&full);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    /// Every file under the sealed dirs, for secret-leak checks.
    pub fn all_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ["home", "config", "data"] {
            walk(&self.path(sub), &mut out);
        }
        out
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
pub fn check(out: &Output, code: i32, args: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "graphmail {}\n--- stdout\n{}\n--- stderr\n{}",
        args.join(" "),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_no_rust_debug_text(&text(&out.stderr), args);
}

/// Forms of Rust's `Debug` output (and of names a person never typed) that
/// must not reach a person: checked on the stderr of every run the tests
/// check, so every message a test triggers is covered (issue 11).
pub const RUST_DEBUG_FORMS: &[&str] = &[
    "Some(",
    "None)",
    "Ok(",
    "Err(",
    "[Classification",
    "ServeOptions",
    "integration 'integration'",
    "?: confirmation",
];

#[track_caller]
pub fn assert_no_rust_debug_text(stderr: &str, args: &[&str]) {
    for form in RUST_DEBUG_FORMS {
        assert!(
            !stderr.contains(form),
            "graphmail {}: Rust debug text {form:?} on stderr:\n{stderr}",
            args.join(" ")
        );
    }
}

/// Records a passing test for a connector or route through the library's
/// test-recording interface, as `test-connection` would after a pass.
pub fn record_pass(state_path: &Path, kind: &str, name: &str) {
    record_result(state_path, kind, name, true)
}

/// Records a failed test (the `token` step refuted) the same way.
pub fn record_failure(state_path: &Path, kind: &str, name: &str) {
    record_result(state_path, kind, name, false)
}

fn record_result(state_path: &Path, kind: &str, name: &str, pass: bool) {
    use graphmail::diagnose::{Check, ConnectionReport, Step, StepStatus, TargetRef};
    use graphmail::state::fingerprint;
    use graphmail::state::store::StateFile;
    let file = StateFile::open(state_path.to_path_buf());
    file.update(|state| {
        let (target, fp) = match kind {
            "connector" => (
                TargetRef::connector(name),
                fingerprint::connector_in(state, name),
            ),
            "route" => (TargetRef::route(name), fingerprint::route_in(state, name)),
            _ => (
                TargetRef::integration(),
                state.integration.as_ref().map(fingerprint::integration),
            ),
        };
        let status = if pass {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        let report = ConnectionReport::new(target, vec![Step::new(Check::Token, status, "ok")]);
        let changed = graphmail::commands::tester::record_reports(
            state,
            &[(report, fp.expect("target exists"))],
        );
        assert!(changed.is_empty(), "recorded");
        Ok::<_, graphmail::state::store::StateError>(())
    })
    .expect("record test");
}

/// An old RC2-40 PKCS#12 file (`openssl pkcs12 -export -legacy`, as older
/// Windows exports are), `CN=legacy`, protected by `password`, made in `dir` by
/// the openssl command line. `None` when there is no such command line, or
/// one without `-legacy`; with `GRAPHMAIL_REQUIRE_INTEROP` set (CI), that
/// fails instead.
pub fn legacy_rc2_pfx(dir: &Path, password: &str) -> Option<PathBuf> {
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
    };
    let required = std::env::var_os("GRAPHMAIL_REQUIRE_INTEROP").is_some();
    let made = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=legacy",
        "-days",
        "10",
    ]);
    if !made.is_ok_and(|out| out.status.success()) {
        assert!(!required, "no openssl command line");
        eprintln!("openssl command line not available; skipping");
        return None;
    }
    let passout = format!("pass:{password}");
    let exported = openssl(&[
        "pkcs12", "-export", "-legacy", "-in", "c.pem", "-inkey", "k.pem", "-out", "l.pfx",
        "-passout", &passout,
    ])
    .expect("run openssl pkcs12");
    if !exported.status.success() {
        let why = String::from_utf8_lossy(&exported.stderr);
        assert!(!required, "openssl has no -legacy: {why}");
        eprintln!("openssl has no -legacy: {why}");
        return None;
    }
    Some(dir.join("l.pfx"))
}

/// A folder for the files of a sandbox kept in a `static` for the whole
/// test process (shared by its tests, so never dropped, and its own temp
/// folder never removed): removed when the process exits instead, so a
/// test run leaves neither the sandbox's throw-away private key nor its
/// folder in the temp directory. Elsewhere than on Unix the folder stays,
/// as every shared sandbox's did before.
pub fn folder_removed_at_exit() -> PathBuf {
    let folder = tempfile::Builder::new()
        .prefix("graphmail-test-sandbox-")
        .tempdir()
        .expect("a temp folder")
        .keep();
    #[cfg(unix)]
    {
        use std::sync::Mutex;
        static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
        extern "C" fn remove_folders() {
            if let Ok(folders) = FOLDERS.lock() {
                for folder in folders.iter() {
                    let _ = std::fs::remove_dir_all(folder);
                }
            }
        }
        let mut folders = FOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        if folders.is_empty() {
            // SAFETY: registers a plain function with no arguments; libtest
            // ends the process through `exit`, which runs it.
            unsafe {
                libc::atexit(remove_folders);
            }
        }
        folders.push(folder.clone());
    }
    folder
}

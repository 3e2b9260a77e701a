//! The real OS keyring (SPEC §5): on Linux the Secret Service.
//!
//! These tests run only with `GRAPHMAIL_KEYRING_TESTS=1`, inside a headless,
//! unlocked gnome-keyring session; `.ci/with-keyring.sh` makes one:
//!
//! ```text
//! .ci/with-keyring.sh cargo test --test keyring
//! ```
//!
//! Without it each test says it was skipped and passes. They need
//! `secret-tool` (libsecret-tools), `dbus-send` and `dbus-run-session`
//! (dbus-x11) and `gnome-keyring-daemon` (gnome-keyring).
//!
//! Each test has its own state file, hence its own instance ID and keyring
//! entries, so they can share the session's keyring in parallel.

use std::io::Read;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

const APP_ID: &str = "11111111-2222-3333-4444-555555555555";
const TENANT: &str = "contoso.onmicrosoft.com";
const ENABLE_VAR: &str = "GRAPHMAIL_KEYRING_TESTS";

/// False (and says so) unless the keyring session is there.
fn keyring_tests_enabled(test: &str) -> bool {
    if std::env::var(ENABLE_VAR).as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "skipped {test}: set {ENABLE_VAR}=1 inside a Secret Service session \
         (run `.ci/with-keyring.sh cargo test --test keyring`)"
    );
    false
}

/// A sealed environment: its own HOME, XDG dirs and state file; the D-Bus
/// session of the keyring is the only thing passed through.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("graphmail-keyring-test")
            .tempdir()
            .expect("temp dir");
        for sub in ["home", "config", "data"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create dir");
        }
        Sandbox { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn state(&self) -> PathBuf {
        self.root().join("state").join("state.toml")
    }

    fn graphmail(&self) -> Command {
        let mut cmd = Command::cargo_bin("graphmail").expect("the graphmail binary");
        cmd.env_clear()
            .env("HOME", self.root().join("home"))
            .env("XDG_CONFIG_HOME", self.root().join("config"))
            .env("XDG_DATA_HOME", self.root().join("data"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GRAPHMAIL_STATE", self.state())
            .timeout(Duration::from_secs(30));
        if let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        cmd
    }

    /// `integration set` with the secret on standard input.
    fn set_secret(&self, secret: &str) -> Command {
        let mut cmd = self.graphmail();
        cmd.args([
            "integration",
            "set",
            "--tenant",
            TENANT,
            "--app-id",
            APP_ID,
            "--client-secret-stdin",
            "--skip-test",
        ])
        .write_stdin(secret);
        cmd
    }

    /// Writes the state file first (an integration whose secret comes from
    /// an environment variable: no keyring involved), so that the state's
    /// instance ID exists before a secret is keyed by it. See
    /// [`the_first_integration_set_keys_the_secret_by_the_saved_instance_id`]
    /// for the fresh-state case.
    fn with_existing_state(self) -> Self {
        let out = self
            .graphmail()
            .args([
                "integration",
                "set",
                "--tenant",
                TENANT,
                "--app-id",
                APP_ID,
                "--client-secret-env",
                "UNUSED_SECRET_VAR",
                "--skip-test",
            ])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        self
    }

    /// The keyring user of this state file's client secret:
    /// `<instance-id>/client-secret` (src/secrets/mod.rs).
    fn keyring_user(&self) -> String {
        let text = std::fs::read_to_string(self.state()).expect("the state file exists");
        let value: toml::Table = toml::from_str(&text).expect("the state file is TOML");
        let id = value["instance_id"]
            .as_str()
            .expect("the state has an instance_id");
        format!("{id}/client-secret")
    }

    /// Files under the test's dirs whose bytes contain `needle`.
    fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.root().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let mut bytes = Vec::new();
                    std::fs::File::open(&path)
                        .and_then(|mut f| f.read_to_end(&mut bytes))
                        .expect("read file");
                    if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                        found.push(path);
                    }
                }
            }
        }
        found
    }
}

/// A secret no other test uses.
fn unique_secret() -> String {
    format!("kr~{}~Q8", uuid::Uuid::new_v4().simple())
}

/// `secret-tool lookup`: the value stored for the graphmail entry of `user`,
/// `None` when there is none. keyring 3 stores the user as `username`.
fn secret_tool_lookup(user: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "graphmail", "username", user])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("utf-8 secret"))
}

fn secret_tool_clear(user: &str) {
    let status = std::process::Command::new("secret-tool")
        .args(["clear", "service", "graphmail", "username", user])
        .status()
        .expect("secret-tool");
    assert!(status.success(), "secret-tool clear failed");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[test]
fn integration_set_stores_the_secret_in_the_keyring_and_remove_deletes_it() {
    if !keyring_tests_enabled(
        "integration_set_stores_the_secret_in_the_keyring_and_remove_deletes_it",
    ) {
        return;
    }
    let sb = Sandbox::new().with_existing_state();
    let secret = unique_secret();

    let out = sb.set_secret(&secret).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        !text(&out.stdout).contains(&secret) && !text(&out.stderr).contains(&secret),
        "the secret was echoed: {}",
        describe(&out)
    );

    // In the Secret Service, where other tools see it.
    let user = sb.keyring_user();
    assert_eq!(
        secret_tool_lookup(&user).as_deref(),
        Some(secret.as_str()),
        "secret-tool does not find the client secret under service=graphmail username={user}"
    );

    // And in no file: not the state, not HOME, not the XDG dirs.
    assert_eq!(
        sb.files_containing(&secret),
        Vec::<PathBuf>::new(),
        "the secret value was written to a file"
    );

    // A new process says where the secret comes from.
    let out = sb
        .graphmail()
        .args(["integration", "show"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        text(&out.stdout).contains("OS keyring"),
        "`integration show` should name the OS keyring as the source: {}",
        describe(&out)
    );
    assert!(!text(&out.stdout).contains(&secret), "{}", describe(&out));

    let out = sb
        .graphmail()
        .args(["integration", "remove", "--yes"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        secret_tool_lookup(&user),
        None,
        "`integration remove` left the secret in the keyring"
    );
    assert!(sb.files_containing(&secret).is_empty());
}

/// A new process reads the value from the keyring when it needs it: with the
/// entry there, `test-connection` gets as far as running the test (which
/// fails on the unreachable endpoints: exit 3); with the entry deleted
/// behind graphmail's back it stops before, naming the missing entry.
#[test]
fn a_later_process_reads_the_secret_from_the_keyring() {
    if !keyring_tests_enabled("a_later_process_reads_the_secret_from_the_keyring") {
        return;
    }
    let sb = Sandbox::new().with_existing_state();
    let secret = unique_secret();
    // Endpoints on a closed loopback port: the test can only fail, fast,
    // and never leaves the machine.
    let out = sb
        .set_secret(&secret)
        .args([
            "--authority-host",
            "https://127.0.0.1:9",
            "--graph-endpoint",
            "https://127.0.0.1:9",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let user = sb.keyring_user();

    let out = sb
        .graphmail()
        .args(["test-connection", "integration"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(3),
        "with the secret in the keyring the test should run (and fail on the network): {}",
        describe(&out)
    );
    assert!(
        !text(&out.stderr).contains("not in the keyring"),
        "{}",
        describe(&out)
    );

    secret_tool_clear(&user);
    let out = sb
        .graphmail()
        .args(["test-connection", "integration"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("not in the keyring") && err.contains(&user),
        "the error should name the missing keyring entry: {}",
        describe(&out)
    );
    assert!(
        err.contains("integration set"),
        "and say how to fix it: {}",
        describe(&out)
    );
}

/// What a user does first: `integration set` on a machine with no state
/// file yet. The secret must be keyed by the instance ID that is saved in
/// the new state file, or no later process can find it.
#[test]
fn the_first_integration_set_keys_the_secret_by_the_saved_instance_id() {
    if !keyring_tests_enabled("the_first_integration_set_keys_the_secret_by_the_saved_instance_id")
    {
        return;
    }
    let sb = Sandbox::new();
    let secret = unique_secret();
    let out = sb.set_secret(&secret).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let user = sb.keyring_user();
    let found = secret_tool_lookup(&user);
    if found.is_none() {
        // Leave no orphan behind in the session's keyring.
        let _ = std::process::Command::new("secret-tool")
            .args(["clear", "service", "graphmail", "secret", &secret])
            .status();
    }
    assert_eq!(
        found.as_deref(),
        Some(secret.as_str()),
        "the secret was stored, but not under the instance ID of the saved state \
         (service=graphmail username={user}); no later command can read it"
    );
    let out = sb
        .graphmail()
        .args(["integration", "remove", "--yes"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(secret_tool_lookup(&user), None);
}

/// Runs `integration set` with the D-Bus session at `bus`; returns the
/// output and how long it took.
fn set_with_bus(sb: &Sandbox, bus: &str) -> (Output, Duration) {
    let started = Instant::now();
    let out = sb
        .set_secret(&unique_secret())
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("run");
    (out, started.elapsed())
}

fn assert_keyring_error_with_way_out(out: &Output) {
    assert_eq!(out.status.code(), Some(1), "{}", describe(out));
    let err = text(&out.stderr);
    assert!(
        err.contains("keyring"),
        "the error should name the keyring: {}",
        describe(out)
    );
    assert!(
        err.contains("--client-secret-env") && err.contains("GRAPHMAIL_CLIENT_SECRET"),
        "the error should say how to use the environment instead: {}",
        describe(out)
    );
}

fn assert_nothing_saved(sb: &Sandbox) {
    let out = sb
        .graphmail()
        .args(["integration", "show", "--output", "json"])
        .output()
        .expect("run");
    assert!(
        !text(&out.stdout).contains(TENANT),
        "the integration was saved although its secret could not be stored: {}",
        describe(&out)
    );
}

#[test]
fn no_secret_service_is_a_clear_error_within_seconds() {
    if !keyring_tests_enabled("no_secret_service_is_a_clear_error_within_seconds") {
        return;
    }
    let sb = Sandbox::new();
    let bus = format!(
        "unix:path={}",
        sb.root().join("no-such-bus-socket").display()
    );
    let (out, took) = set_with_bus(&sb, &bus);
    assert_keyring_error_with_way_out(&out);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_nothing_saved(&sb);
}

/// A bus that accepts the connection and never answers: the keyring call is
/// abandoned after its timeout instead of hanging.
#[test]
fn a_secret_service_that_never_answers_times_out() {
    if !keyring_tests_enabled("a_secret_service_that_never_answers_times_out") {
        return;
    }
    let sb = Sandbox::new();
    let socket = sb.root().join("silent-bus");
    let listener = UnixListener::bind(&socket).expect("bind a unix socket");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // keep it open, say nothing
        }
    });
    let (out, took) = set_with_bus(&sb, &format!("unix:path={}", socket.display()));
    assert_keyring_error_with_way_out(&out);
    assert!(
        text(&out.stderr).contains("did not answer"),
        "the error should say the keyring did not answer: {}",
        describe(&out)
    );
    assert!(
        took < Duration::from_secs(8),
        "gave up after {took:?}, not within seconds"
    );
    assert_nothing_saved(&sb);
}

/// A locked keyring with no way to show an unlock prompt (no desktop).
/// It runs in a Secret Service session of its own so that locking does not
/// disturb the other tests.
#[test]
fn a_locked_keyring_is_a_clear_error_within_seconds() {
    if !keyring_tests_enabled("a_locked_keyring_is_a_clear_error_within_seconds") {
        return;
    }
    let sb = Sandbox::new();
    let keyring_data = sb.root().join("private-keyring");
    std::fs::create_dir_all(&keyring_data).expect("create dir");
    let graphmail = assert_cmd::cargo::cargo_bin("graphmail");
    let script = r#"
        printf %s locked-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
            org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login \
            >/dev/null || exit 91
        start=$(date +%s)
        printf %s "$SECRET" | XDG_DATA_HOME="$GM_DATA" "$GRAPHMAIL" integration set \
            --tenant contoso.onmicrosoft.com --app-id 11111111-2222-3333-4444-555555555555 \
            --client-secret-stdin --skip-test
        code=$?
        echo "elapsed=$(( $(date +%s) - start ))" >&2
        exit $code
    "#;
    let started = Instant::now();
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sb.root().join("home"))
        .env("XDG_CONFIG_HOME", sb.root().join("config"))
        .env("XDG_DATA_HOME", &keyring_data)
        .env("GM_DATA", sb.root().join("data"))
        .env("GRAPHMAIL_STATE", sb.state())
        .env("GRAPHMAIL", graphmail)
        .env("SECRET", unique_secret())
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run dbus-run-session");
    let took = started.elapsed();
    assert!(
        !matches!(out.status.code(), Some(90 | 91)),
        "could not set up a locked keyring: {}",
        describe(&out)
    );
    assert_keyring_error_with_way_out(&out);
    assert!(
        text(&out.stderr).to_lowercase().contains("locked"),
        "the error should say the keyring is locked: {}",
        describe(&out)
    );
    let elapsed: u64 = text(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("elapsed="))
        .and_then(|v| v.trim().parse().ok())
        .expect("the script reports graphmail's run time");
    assert!(
        elapsed <= 6,
        "graphmail took {elapsed}s (whole session {took:?})"
    );
    assert_nothing_saved(&sb);
}

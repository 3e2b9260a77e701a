//! `graphmail doctor` and `graphmail token inspect` end to end (issue 15):
//! the real binary in a sealed environment, against in-process sandboxes
//! whose clock, TLS and apps set up each situation a support engineer meets:
//! a drifted clock (AADSTS700024), a TLS chain the machine does not trust,
//! a dead proxy and a NO_PROXY exemption, an unreachable keyring, expired
//! credentials, and a token without the roles the connectors need.
//!
//! Run with `cargo test --features test-store --test doctor`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use graphmail::sandbox::seed::{
    APP_EXPIRED_SECRET, APP_GRAPHMAIL, APP_NO_CONSENT, BUILTIN_TENANT_ID, SecretSeed,
};
use graphmail::sandbox::{RunningSandbox, Seed, ServeOptions};
use serde_json::{Value, json};

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

/// The built-in sandbox shared by tests that change neither its clock nor its faults.
fn shared() -> &'static RunningSandbox {
    static SHARED: OnceLock<RunningSandbox> = OnceLock::new();
    SHARED.get_or_init(|| {
        start(ServeOptions {
            output_dir: Some(common::folder_removed_at_exit()),
            ..ServeOptions::default()
        })
    })
}

fn start(options: ServeOptions) -> RunningSandbox {
    runtime()
        .block_on(graphmail::sandbox::start(options))
        .expect("sandbox starts")
}

fn shift_clock(sandbox: &RunningSandbox, seconds: i64) {
    let url = format!("{}/clock", sandbox.admin_url());
    let ca = sandbox.ready().ca_file.clone();
    runtime().block_on(async {
        graphmail::auth::install_tls_provider();
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(ca) = ca {
            let pem = std::fs::read(ca).expect("CA file");
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
        }
        let response = builder
            .build()
            .expect("client")
            .post(&url)
            .json(&json!({"shift_seconds": seconds}))
            .send()
            .await
            .expect("admin endpoint answers");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
    });
}

fn app_secret(sandbox: &RunningSandbox, app: &str) -> String {
    sandbox
        .credentials()
        .app(app)
        .and_then(|a| a.secrets.first())
        .map(|s| s.value.clone())
        .expect("seeded secret")
}

const SECRET_VAR: &str = "SBX_SECRET";
const CERT_PASSWORD_VAR: &str = "SBX_CERT_PASSWORD";

/// A sealed environment with its own variables (credentials never on argv).
struct Case {
    env: TestEnv,
    vars: Vec<(String, String)>,
    removed: Vec<String>,
}

impl Case {
    fn new() -> Self {
        Case {
            env: TestEnv::new(),
            vars: Vec::new(),
            removed: Vec::new(),
        }
    }

    fn with_sandbox(sandbox: &RunningSandbox) -> Self {
        let mut case = Case::new();
        let ready = sandbox.ready();
        if let Some(secret) = &ready.client_secret {
            case.set(SECRET_VAR, secret);
        }
        if let Some(password) = &ready.certificate_password {
            case.set(CERT_PASSWORD_VAR, password);
        }
        case
    }

    fn set(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_string(), value.to_string()));
    }

    fn remove(&mut self, name: &str) {
        self.removed.push(name.to_string());
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.env.command();
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        for k in &self.removed {
            cmd.env_remove(k);
        }
        if let Some(input) = stdin {
            cmd.write_stdin(input.to_string());
        }
        cmd.timeout(Duration::from_secs(60));
        cmd.args(args).output().expect("run graphmail")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
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

    /// `integration set --skip-test` against `sandbox` with `extra` flags.
    #[track_caller]
    fn integration(&self, sandbox: &RunningSandbox, extra: &[&str]) {
        let base = sandbox.base_url().to_string();
        let mut args = vec![
            "integration",
            "set",
            "--tenant",
            BUILTIN_TENANT_ID,
            "--authority-host",
            &base,
            "--graph-endpoint",
            &base,
            "--skip-test",
        ];
        args.extend(extra);
        self.expect(&args, 0);
    }

    /// The built-in app with its secret from `SBX_SECRET`.
    #[track_caller]
    fn secret_integration(&self, sandbox: &RunningSandbox, app: &str, extra: &[&str]) {
        let mut args = vec!["--app-id", app, "--client-secret-env", SECRET_VAR];
        args.extend(extra);
        self.integration(sandbox, &args);
    }

    /// The built-in app with the sandbox's certificate.
    #[track_caller]
    fn certificate_integration(&self, sandbox: &RunningSandbox) {
        // NOTE: a certificate import needs an existing state file (see
        // tests/connection.rs `existing_state_file`).
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
        let pfx = sandbox.ready().certificate_pfx.clone().expect("pfx");
        let pfx = pfx.to_string_lossy().to_string();
        self.integration(
            sandbox,
            &[
                "--app-id",
                APP_GRAPHMAIL,
                "--certificate",
                &pfx,
                "--certificate-password-env",
                CERT_PASSWORD_VAR,
            ],
        );
    }
}

/// The findings of `check` (all subjects).
fn findings<'v>(report: &'v Value, check: &str) -> Vec<&'v Value> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"] == check)
        .collect()
}

/// The one finding of `check` whose subject contains `subject`.
#[track_caller]
fn finding<'v>(report: &'v Value, check: &str, subject: &str) -> &'v Value {
    let found: Vec<&Value> = findings(report, check)
        .into_iter()
        .filter(|c| c["subject"].as_str().unwrap_or_default().contains(subject))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one '{check}' finding for {subject:?} in {report:#}"
    );
    found[0]
}

#[track_caller]
fn assert_status(finding: &Value, status: &str, needles: &[&str]) {
    assert_eq!(finding["status"], status, "{finding:#}");
    let shown = format!("{} {}", finding["detail"], finding["fix"]);
    for needle in needles {
        assert!(shown.contains(needle), "{needle:?} not in {finding:#}");
    }
}

#[track_caller]
fn assert_no_problem(report: &Value) {
    for c in report["checks"].as_array().expect("checks") {
        assert_ne!(c["status"], "problem", "{report:#}");
    }
    assert_eq!(report["summary"]["problem"], 0, "{report:#}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

// ------------------------------------------------------------------ clock

#[test]
fn a_clock_ten_minutes_off_is_skew_naming_aadsts700024() {
    let sandbox = start(ServeOptions::default());
    let case = Case::with_sandbox(&sandbox);
    case.certificate_integration(&sandbox);

    let report = case.json(&["doctor"], 0);
    assert_eq!(report["schema_version"], 1);
    let clock = finding(&report, "clock", "authority");
    assert_status(clock, "ok", &["within"]);
    assert!(
        clock["facts"]["skew_seconds"].as_i64().unwrap().abs() <= 2,
        "{clock:#}"
    );
    assert_no_problem(&report);

    shift_clock(&sandbox, 600);
    // Every answer carries the shifted Date, Graph's and errors included.
    for path in [
        "/v1.0/users/support@contoso.com/mailFolders/Inbox",
        "/_sandbox/clock",
        "/nowhere",
    ] {
        let url = format!("{}{path}", sandbox.base_url());
        let date = runtime().block_on(async {
            let response = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(&url)
                .send()
                .await
                .expect("answer");
            response
                .headers()
                .get("date")
                .expect("a Date header")
                .to_str()
                .unwrap()
                .to_string()
        });
        let at = httpdate::parse_http_date(&date).expect("an HTTP date");
        let ahead = at
            .duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0);
        assert!(
            (595..=601).contains(&ahead),
            "{url}: Date {date} is {ahead} s ahead"
        );
    }
    let report = case.json(&["doctor"], 3);
    let clock = finding(&report, "clock", "authority");
    assert_status(
        clock,
        "problem",
        &[
            "10 min",
            "behind",
            "AADSTS700024",
            "https://login.microsoftonline.com/error?code=700024",
            "NTP",
        ],
    );
    let skew = clock["facts"]["skew_seconds"].as_i64().unwrap();
    assert!((598..=602).contains(&skew), "{clock:#}");

    // The table says the same, and the exit code is 3.
    let (stdout, stderr) = case.expect(&["doctor"], 3);
    assert!(stdout.contains("AADSTS700024"), "{stdout}");
    assert!(stderr.contains("1 problem"), "{stderr}");

    // A client secret carries no time: the same skew is a warning that
    // still names the cause certificate auth would meet.
    let secret_case = Case::with_sandbox(&sandbox);
    secret_case.secret_integration(&sandbox, APP_GRAPHMAIL, &[]);
    let report = secret_case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "clock", "authority"),
        "warning",
        &["AADSTS700024", "certificate"],
    );
}

// -------------------------------------------------------------------- TLS

#[test]
fn a_tls_sandbox_whose_ca_is_not_passed_is_an_untrusted_issuer() {
    let sandbox = start(ServeOptions {
        tls: true,
        ..ServeOptions::default()
    });
    let ca_file = sandbox.ready().ca_file.clone().expect("ca_file with --tls");
    let ca_file = ca_file.to_string_lossy().to_string();
    let case = Case::with_sandbox(&sandbox);
    case.secret_integration(&sandbox, APP_GRAPHMAIL, &[]);

    let report = case.json(&["doctor"], 3);
    let tls = finding(&report, "tls", "authority+graph");
    assert_status(
        tls,
        "problem",
        &[
            "untrusted issuer",
            "graphmail sandbox CA",
            "not in the system trust store",
            "--ca-file",
        ],
    );
    assert!(
        tls["facts"]["issuer"]
            .as_str()
            .unwrap()
            .contains("graphmail sandbox CA"),
        "{tls:#}"
    );
    // The clock is read all the same: the chain is judged, not refused.
    assert_status(finding(&report, "clock", "authority"), "ok", &[]);

    case.secret_integration(&sandbox, APP_GRAPHMAIL, &["--ca-file", &ca_file]);
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "tls", "authority+graph"),
        "ok",
        &["trusted through the integration's CA file"],
    );
}

#[test]
fn plain_http_to_loopback_says_tls_is_not_used() {
    let case = Case::with_sandbox(shared());
    case.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "tls", "authority+graph"),
        "ok",
        &["not used", "plain http"],
    );
    assert_status(
        finding(&report, "dns", "authority+graph"),
        "ok",
        &["IP address"],
    );
    assert_status(
        finding(&report, "reach", "authority+graph"),
        "ok",
        &["connects to 127.0.0.1"],
    );
    assert_status(
        finding(&report, "cloud", "integration"),
        "ok",
        &["loopback"],
    );
    // The secret it read is nowhere in what it says.
    let secret = shared().ready().client_secret.clone().unwrap();
    let out = case.run(&["doctor", "-vv"]);
    common::check(&out, 0, &["doctor", "-vv"]);
    let all = format!("{}{}{report}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(&secret), "the secret leaked: {all}");
    // Every collection is there, even empty.
    for c in report["checks"].as_array().unwrap() {
        assert!(c["facts"].is_object(), "{c:#}");
        assert!(c["ms"].is_u64(), "{c:#}");
    }
}

// ------------------------------------------------------------------ proxy

#[test]
fn https_proxy_at_a_closed_port_is_a_problem() {
    let mut case = Case::new();
    case.set(SECRET_VAR, "not-used");
    case.expect(
        &[
            "integration",
            "set",
            "--tenant",
            BUILTIN_TENANT_ID,
            "--app-id",
            APP_GRAPHMAIL,
            "--client-secret-env",
            SECRET_VAR,
            "--cloud",
            "global",
            "--skip-test",
        ],
        0,
    );
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    case.set("HTTPS_PROXY", &proxy);
    let started = Instant::now();
    let report = case.json(&["doctor"], 3);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    for host in [
        "authority https://login.microsoftonline.com",
        "graph https://graph.microsoft.com",
    ] {
        assert_status(
            finding(&report, "proxy", host),
            "problem",
            &["via HTTPS_PROXY", &proxy, "does not answer", "NO_PROXY"],
        );
        // The proxy resolves names: this machine does not look them up.
        assert_status(finding(&report, "dns", host), "ok", &["not looked up here"]);
        assert_status(finding(&report, "reach", host), "problem", &["proxy"]);
    }
    assert_status(finding(&report, "cloud", "integration"), "ok", &["global"]);
    assert_status(
        finding(&report, "proxy", "environment"),
        "ok",
        &["HTTPS_PROXY="],
    );
}

#[test]
fn no_proxy_exempting_loopback_is_recognised() {
    let sandbox = start(ServeOptions {
        tls: true,
        ..ServeOptions::default()
    });
    let ca_file = sandbox.ready().ca_file.clone().expect("ca_file with --tls");
    let ca_file = ca_file.to_string_lossy().to_string();
    let mut case = Case::with_sandbox(&sandbox);
    case.secret_integration(&sandbox, APP_GRAPHMAIL, &["--ca-file", &ca_file]);
    case.set(
        "HTTPS_PROXY",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    case.set("NO_PROXY", "example.org,127.0.0.1");

    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "proxy", "authority+graph"),
        "ok",
        &[
            "direct",
            "NO_PROXY entry `127.0.0.1` exempts it from HTTPS_PROXY",
        ],
    );
    // The dead proxy is still reported, but graphmail does not use it here.
    assert_status(
        finding(&report, "proxy", "HTTPS_PROXY"),
        "warning",
        &["does not answer", "does not use it"],
    );
    assert_status(finding(&report, "tls", "authority+graph"), "ok", &[]);

    // Without NO_PROXY, graphmail still goes direct to loopback, and says
    // other tools would not.
    case.vars.retain(|(k, _)| k != "NO_PROXY");
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "proxy", "authority+graph"),
        "ok",
        &[
            "loopback is never proxied by graphmail",
            "add 127.0.0.1 to NO_PROXY",
        ],
    );
}

// ---------------------------------------------------------------- keyring

/// An integration whose secret is in the keyring (the test store while
/// setting it up); doctor then runs against the real OS keyring store.
fn keyring_case() -> Case {
    let case = Case::new();
    let out = case.run_with_stdin(
        &[
            "integration",
            "set",
            "--tenant",
            BUILTIN_TENANT_ID,
            "--app-id",
            APP_GRAPHMAIL,
            "--client-secret-stdin",
            "--authority-host",
            "http://127.0.0.1:9",
            "--graph-endpoint",
            "http://127.0.0.1:9",
            "--skip-test",
        ],
        Some("keyring-secret-value"),
    );
    common::check(&out, 0, &["integration", "set"]);
    let mut case = case;
    case.remove("GRAPHMAIL_TEST_SECRET_DIR");
    case
}

#[test]
fn a_keyring_that_is_not_there_is_a_problem_within_seconds() {
    let mut case = keyring_case();
    let bus = format!("unix:path={}", case.env.path("no-such-bus").display());
    case.set("DBUS_SESSION_BUS_ADDRESS", &bus);
    let started = Instant::now();
    let report = case.json(&["doctor"], 3);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_status(
        finding(&report, "keyring", "OS keyring"),
        "problem",
        &["keyring", "--client-secret-env"],
    );
    assert_status(
        finding(&report, "secret-source", "client secret"),
        "problem",
        &["cannot be read"],
    );
}

#[test]
fn a_keyring_that_never_answers_is_a_problem_within_seconds() {
    let mut case = keyring_case();
    let socket = case.env.path("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    case.set(
        "DBUS_SESSION_BUS_ADDRESS",
        &format!("unix:path={}", socket.display()),
    );
    let started = Instant::now();
    let report = case.json(&["doctor", "--timeout", "3"], 3);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(9), "took {took:?}");
    assert_status(
        finding(&report, "keyring", "OS keyring"),
        "problem",
        &["did not answer"],
    );
}

/// A locked Secret Service (needs `.ci/with-keyring.sh`, like tests/keyring.rs).
#[test]
fn a_locked_keyring_is_a_problem() {
    if std::env::var("GRAPHMAIL_KEYRING_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set GRAPHMAIL_KEYRING_TESTS=1 (run `.ci/with-keyring.sh cargo test --features test-store --test doctor`)"
        );
        return;
    }
    let case = keyring_case();
    let keyring_data = case.env.path("private-keyring");
    std::fs::create_dir_all(&keyring_data).expect("create dir");
    let graphmail = assert_cmd::cargo::cargo_bin("graphmail");
    // A Secret Service of its own, locked, with the secret stored before.
    let script = r#"
        printf %s locked-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90
        printf %s "$SECRET" | XDG_DATA_HOME="$GM_DATA" "$GRAPHMAIL" integration set --client-secret-stdin --skip-test >/dev/null 2>&1 || exit 92
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
            org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login \
            >/dev/null || exit 91
        XDG_DATA_HOME="$GM_DATA" "$GRAPHMAIL" doctor --output json
    "#;
    let out = assert_cmd::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", case.env.path("home"))
        .env("XDG_CONFIG_HOME", case.env.path("config"))
        .env("XDG_DATA_HOME", &keyring_data)
        .env("GM_DATA", case.env.path("data"))
        .env("GRAPHMAIL", graphmail)
        .env("SECRET", "locked-keyring-secret")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run dbus-run-session");
    assert!(
        !matches!(out.status.code(), Some(90..=92)),
        "could not set up a locked keyring: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let keyring = finding(&report, "keyring", "OS keyring");
    assert_status(keyring, "problem", &[]);
    assert!(
        keyring["detail"]
            .as_str()
            .unwrap()
            .contains("keyring is locked"),
        "{keyring:#}"
    );
}

// ----------------------------------------------------------------- expiry

/// A PKCS#12 with a self-signed certificate valid from `from_days` to
/// `to_days` (relative to now), protected by `password`.
fn pfx_file(dir: &Path, from_days: i64, to_days: i64, password: &str) -> PathBuf {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkcs12::Pkcs12;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509, X509NameBuilder};
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "doctor-test").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    let now = chrono::Utc::now().timestamp();
    b.set_not_before(&Asn1Time::from_unix(now + from_days * 86_400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + to_days * 86_400).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let pfx = Pkcs12::builder()
        .name("doctor-test")
        .pkey(&key)
        .cert(&cert)
        .build2(password)
        .unwrap();
    let path = dir.join(format!("cert{to_days}.pfx"));
    std::fs::write(&path, pfx.to_der().unwrap()).unwrap();
    path
}

#[test]
fn an_expired_certificate_is_a_problem_and_one_near_expiry_a_warning() {
    let mut case = Case::new();
    case.set("PFX_PASSWORD", "pfx-password");
    case.expect(
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
    let dir = case.env.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    let set = |pfx: &Path| {
        let pfx = pfx.to_string_lossy().to_string();
        case.expect(
            &[
                "integration",
                "set",
                "--tenant",
                BUILTIN_TENANT_ID,
                "--app-id",
                APP_GRAPHMAIL,
                "--certificate",
                &pfx,
                "--certificate-password-env",
                "PFX_PASSWORD",
                "--authority-host",
                "http://127.0.0.1:9",
                "--graph-endpoint",
                "http://127.0.0.1:9",
                "--skip-test",
            ],
            0,
        );
    };
    set(&pfx_file(&dir, -40, -2, "pfx-password"));
    let report = case.json(&["doctor"], 3);
    let expiry = finding(&report, "certificate-expiry", "doctor-test");
    assert_status(expiry, "problem", &["expired", "certificate new"]);
    assert!(
        expiry["facts"]["days_left"].as_i64().unwrap() < 0,
        "{expiry:#}"
    );

    set(&pfx_file(&dir, -1, 10, "pfx-password"));
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "certificate-expiry", "doctor-test"),
        "warning",
        &["in 9 days"],
    );
}

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn secret_expires_in_the_past_is_a_problem_and_within_30_days_a_warning() {
    let case = Case::with_sandbox(shared());
    case.secret_integration(shared(), APP_GRAPHMAIL, &["--secret-expires", &day(-3)]);
    let shown = case.json(&["integration", "show"], 0);
    let recorded = shown["integration"]["secret_expires"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(recorded, format!("{}T00:00:00Z", day(-3)), "{shown:#}");
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "secret-expiry", "client secret"),
        "problem",
        &["expired", "AADSTS7000222", "--secret-expires"],
    );

    // Recording a new date keeps the secret; only the radar changes.
    case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            &day(12),
            "--skip-test",
        ],
        0,
    );
    let report = case.json(&["doctor"], 0);
    let expiry = finding(&report, "secret-expiry", "client secret");
    assert_status(expiry, "warning", &["under 30"]);
    assert!(
        expiry["facts"]["expires"]
            .as_str()
            .unwrap()
            .starts_with(&day(12)),
        "{expiry:#}"
    );

    case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            &day(90),
            "--skip-test",
        ],
        0,
    );
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "secret-expiry", "client secret"),
        "ok",
        &["in 8"],
    );

    // A new secret forgets the old one's date.
    case.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "secret-expiry", "client secret"),
        "ok",
        &["not recorded"],
    );
}

#[test]
fn a_bad_secret_expiry_is_refused_and_nothing_is_written() {
    let case = Case::with_sandbox(shared());
    case.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    let before = case.env.state_text();
    let (_, stderr) = case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            "next week",
            "--skip-test",
        ],
        2,
    );
    assert!(
        stderr.contains("--secret-expires") && stderr.contains("2027-03-01"),
        "{stderr}"
    );
    assert_eq!(case.env.state_text(), before);

    let cert_case = Case::with_sandbox(shared());
    cert_case.certificate_integration(shared());
    let before = cert_case.env.state_text();
    let (_, stderr) = cert_case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            &day(30),
            "--skip-test",
        ],
        2,
    );
    assert!(stderr.contains("certificate"), "{stderr}");
    assert_eq!(cert_case.env.state_text(), before);
}

// ------------------------------------------------------------ state file

#[test]
fn the_state_file_is_checked_for_permissions_lock_and_problems() {
    let case = Case::with_sandbox(shared());
    case.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    let path = case.env.state_path();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // A hand edit that enables an untested connector.
    let mut text_now = case.env.state_text();
    text_now.push_str("\n[[connector]]\nname = \"support\"\nuse_for = \"incoming\"\naddress = \"support@contoso.com\"\nfolders = [\"Inbox\"]\nenabled = true\n");
    std::fs::write(&path, text_now).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // Hold the lock as a live process would.
    let lock = std::fs::File::create(graphmail::state::store::lock_path(&path)).unwrap();
    lock.lock().unwrap();

    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "state-file", "state.toml"),
        "warning",
        &["0644", "chmod 600"],
    );
    assert_status(
        finding(&report, "state-problems", "state.toml"),
        "problem",
        &["connector 'support' is enabled", "graphmail status"],
    );
    let held = finding(&report, "state-lock", "state.toml.lock");
    assert_status(held, "warning", &["held by process"]);
    assert_eq!(held["facts"]["pid"], std::process::id(), "{held:#}");

    drop(lock);
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "state-lock", "state.toml.lock"),
        "ok",
        &["no process holds the lock"],
    );

    std::fs::write(&path, "schema_version = 1\n[[connector]\n").unwrap();
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "state-file", "state.toml"),
        "problem",
        &["cannot be read"],
    );
}

// ---------------------------------------------------------- token inspect

#[test]
fn token_inspect_shows_the_roles_and_what_the_connectors_miss() {
    let mut case = Case::with_sandbox(shared());
    let secret = app_secret(shared(), APP_NO_CONSENT);
    case.set(SECRET_VAR, &secret);
    case.secret_integration(shared(), APP_NO_CONSENT, &[]);
    case.expect(
        &[
            "connector",
            "add",
            "support",
            "--use-for",
            "incoming",
            "--address",
            "support@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "Support Request",
        ],
        0,
    );
    case.expect(
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

    let inspection = case.json(&["token", "inspect"], 0);
    assert_eq!(inspection["schema_version"], 1);
    assert_eq!(inspection["readable"], true, "{inspection:#}");
    assert_eq!(inspection["roles"], json!([]));
    assert_eq!(
        inspection["claims"]["tid"], BUILTIN_TENANT_ID,
        "{inspection:#}"
    );
    assert_eq!(
        inspection["claims"]["appid"], APP_NO_CONSENT,
        "{inspection:#}"
    );
    for claim in ["aud", "iss", "exp", "nbf"] {
        assert!(
            !inspection["claims"][claim].is_null(),
            "no {claim}: {inspection:#}"
        );
    }
    assert!(inspection["expires_at"].is_string(), "{inspection:#}");
    assert_eq!(
        inspection["missing"],
        json!(["Mail.ReadWrite", "Mail.Send"])
    );
    let needs = inspection["needs"].as_array().unwrap();
    assert!(
        needs.contains(
            &json!({"role": "Mail.ReadWrite", "connectors": ["support"], "present": false})
        )
    );
    assert!(needs.contains(&json!({"role": "Mail.Send", "connectors": ["out"], "present": false})));
    let notes = inspection["notes"].to_string();
    assert!(notes.contains("RBAC for Applications"), "{notes}");
    assert!(notes.contains("admin consent"), "{notes}");

    // The table, with -vv: neither the token nor the secret is shown.
    for args in [
        vec!["token", "inspect"],
        vec!["token", "inspect", "-vv"],
        vec!["token", "inspect", "--output", "json", "-vv"],
    ] {
        let out = case.run(&args);
        common::check(&out, 0, &args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(&secret), "the secret leaked: {all}");
        // A JWT starts `eyJ` (base64 of `{"`); none may appear.
        assert!(!all.contains("eyJ"), "a token leaked: {all}");
        if args.len() == 2 {
            assert!(all.contains("Mail.ReadWrite for support: MISSING"), "{all}");
            assert!(all.contains("roles        none"), "{all}");
        }
    }

    // Certificate auth: the same token, and neither the password nor the
    // token in what is shown.
    let cert = Case::with_sandbox(shared());
    cert.certificate_integration(shared());
    let out = cert.run(&["token", "inspect", "--output", "json", "-vv"]);
    common::check(&out, 0, &["token", "inspect"]);
    let inspection: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(inspection["credential"], "certificate", "{inspection:#}");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let password = shared().ready().certificate_password.clone().unwrap();
    assert!(!all.contains(&password) && !all.contains("eyJ"), "{all}");

    // The app with consent has both roles.
    let mut good = Case::with_sandbox(shared());
    good.set(SECRET_VAR, &app_secret(shared(), APP_GRAPHMAIL));
    good.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    good.expect(
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
    let inspection = good.json(&["token", "inspect"], 0);
    assert_eq!(inspection["missing"], json!([]), "{inspection:#}");
    let roles = inspection["roles"].to_string();
    assert!(
        roles.contains("Mail.Send") && roles.contains("Mail.ReadWrite"),
        "{roles}"
    );
}

#[test]
fn token_inspect_without_a_token_exits_3_with_the_service_code() {
    let mut case = Case::with_sandbox(shared());
    case.set(SECRET_VAR, "wrong-secret-value");
    case.secret_integration(shared(), APP_GRAPHMAIL, &[]);
    let out = case.run(&["token", "inspect"]);
    common::check(&out, 3, &["token", "inspect"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    assert!(!stderr.contains("wrong-secret-value"), "{stderr}");

    let empty = Case::new();
    let (_, stderr) = empty.expect(&["token", "inspect"], 2);
    assert!(stderr.contains("integration set"), "{stderr}");
}

// ------------------------------------------- a TLS-inspecting proxy

/// An HTTP proxy that answers every `CONNECT` with a tunnel to `upstream`
/// whatever host was asked for, as a TLS-inspecting proxy presents its own
/// chain for every host. Records the `CONNECT` targets it was asked for.
fn inspecting_proxy(
    upstream: std::net::SocketAddr,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || {
                let mut client = client;
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                record.lock().unwrap().push(line);
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    return;
                };
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                    let _ = s2.shutdown(std::net::Shutdown::Write);
                });
                let (mut s3, mut c3) = (server, client);
                let _ = std::io::copy(&mut s3, &mut c3);
                let _ = c3.shutdown(std::net::Shutdown::Write);
                let _ = up.join();
            });
        }
    });
    (port, asked)
}

#[test]
fn a_tls_inspecting_proxy_is_named_by_its_issuer() {
    let sandbox = start(ServeOptions {
        tls: true,
        ..ServeOptions::default()
    });
    let upstream: std::net::SocketAddr = sandbox
        .base_url()
        .trim_start_matches("https://")
        .parse()
        .expect("sandbox address");
    let (port, asked) = inspecting_proxy(upstream);
    let mut case = Case::new();
    case.set(SECRET_VAR, "not-used");
    case.expect(
        &[
            "integration",
            "set",
            "--tenant",
            BUILTIN_TENANT_ID,
            "--app-id",
            APP_GRAPHMAIL,
            "--client-secret-env",
            SECRET_VAR,
            "--cloud",
            "global",
            "--skip-test",
        ],
        0,
    );
    case.set("HTTPS_PROXY", &format!("http://127.0.0.1:{port}"));

    let report = case.json(&["doctor"], 3);
    let authority = "authority https://login.microsoftonline.com";
    assert_status(
        finding(&report, "proxy", authority),
        "ok",
        &["via HTTPS_PROXY", "it answers"],
    );
    assert_status(
        finding(&report, "reach", authority),
        "ok",
        &["login.microsoftonline.com:443 via HTTPS_PROXY"],
    );
    assert_status(
        finding(&report, "tls", authority),
        "problem",
        &[
            "untrusted issuer",
            "'CN=graphmail sandbox CA'",
            "TLS-inspecting proxy",
            "--ca-file ROOT.pem",
        ],
    );
    assert_status(
        finding(&report, "tls", "graph https://graph.microsoft.com"),
        "problem",
        &["untrusted issuer"],
    );
    // The Date came through the tunnel: the clock is read.
    assert_status(finding(&report, "clock", authority), "ok", &["within"]);
    let asked = asked.lock().unwrap().clone();
    assert!(
        asked.contains(&"CONNECT login.microsoftonline.com:443 HTTP/1.1".to_string()),
        "{asked:?}"
    );
    assert!(
        asked.contains(&"CONNECT graph.microsoft.com:443 HTTP/1.1".to_string()),
        "{asked:?}"
    );

    // Trusting the proxy's root leaves the name: its certificate is not for
    // login.microsoftonline.com.
    let ca_file = sandbox.ready().ca_file.clone().expect("ca_file with --tls");
    let ca_file = ca_file.to_string_lossy().to_string();
    case.expect(
        &["integration", "set", "--ca-file", &ca_file, "--skip-test"],
        0,
    );
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "tls", authority),
        "problem",
        &["is not for login.microsoftonline.com"],
    );
}

// ------------------------------------------------------------ time bounds

#[test]
fn a_host_that_accepts_and_never_answers_is_bounded_in_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // accept, say nothing
        }
    });
    let mut case = Case::new();
    case.set(SECRET_VAR, "not-used");
    let origin = format!("http://127.0.0.1:{port}");
    case.expect(
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
            &origin,
            "--graph-endpoint",
            &origin,
            "--skip-test",
        ],
        0,
    );
    let started = Instant::now();
    let report = case.json(&["doctor", "--timeout", "2"], 0);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_status(finding(&report, "reach", "authority+graph"), "ok", &[]);
    assert_status(
        finding(&report, "clock", "authority+graph"),
        "warning",
        &["cannot read the server's time", "no answer in time"],
    );
}

/// The sandbox's "expired-secret" app, whose only secret expired 30 days
/// ago, with a second secret made since (as an admin does in Entra's
/// Certificates & secrets): returns the sandbox, the expired value and the
/// new one.
fn expired_secret_and_its_replacement() -> (RunningSandbox, String, String) {
    let mut seed = Seed::builtin();
    let app = seed.tenants[0]
        .apps
        .iter_mut()
        .find(|a| a.id == APP_EXPIRED_SECRET)
        .expect("the expired-secret app");
    app.secrets.push(SecretSeed::default());
    let sandbox = start(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    });
    let credentials = sandbox.credentials();
    let secrets = &credentials.app(APP_EXPIRED_SECRET).expect("app").secrets;
    let expired = secrets
        .iter()
        .find(|s| s.expired)
        .expect("an expired secret");
    let fresh = secrets.iter().find(|s| !s.expired).expect("a fresh secret");
    (sandbox, expired.value.clone(), fresh.value.clone())
}

#[test]
fn an_aadsts7000222_in_the_history_is_an_expired_secret_until_the_secret_is_rotated() {
    let (sandbox, expired, fresh) = expired_secret_and_its_replacement();
    let mut case = Case::with_sandbox(&sandbox);
    case.set(SECRET_VAR, &expired);
    // No --secret-expires: the date radar has nothing to go on.
    case.secret_integration(&sandbox, APP_EXPIRED_SECRET, &[]);
    let report = case.json(&["doctor"], 0);
    assert_status(
        finding(&report, "secret-expiry", "client secret"),
        "ok",
        &["not recorded"],
    );

    // Entra says it: the run is recorded in the history.
    let tested = case.json(&["test-connection", "integration"], 3);
    let token = tested["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["check"] == "token")
        .expect("token step");
    assert_eq!(token["code"], "AADSTS7000222", "{tested:#}");
    let report = case.json(&["doctor"], 3);
    let expiry = finding(&report, "secret-expiry", "client secret");
    assert_status(
        expiry,
        "problem",
        &[
            "expired",
            "AADSTS7000222",
            "test of integration",
            "Certificates & secrets",
            "integration set",
            "--secret-expires",
        ],
    );
    assert_eq!(expiry["facts"]["code"], "AADSTS7000222", "{expiry:#}");
    let trace = token["trace_id"].as_str().expect("a trace ID");
    assert!(
        expiry["detail"].as_str().unwrap().contains(trace),
        "the trace ID for Microsoft support: {expiry:#}"
    );
    // A recorded date in the future does not outweigh Entra's answer.
    case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            &day(200),
            "--skip-test",
        ],
        0,
    );
    let report = case.json(&["doctor"], 3);
    assert_status(
        finding(&report, "secret-expiry", "client secret"),
        "problem",
        &["AADSTS7000222", "does not hold"],
    );

    // The admin makes a new secret and records it: the old refusal belongs
    // to the old credential and no longer counts, though it stays in the
    // history.
    case.set(SECRET_VAR, &fresh);
    case.secret_integration(
        &sandbox,
        APP_EXPIRED_SECRET,
        &["--secret-expires", &day(365)],
    );
    let report = case.json(&["doctor"], 0);
    let expiry = finding(&report, "secret-expiry", "client secret");
    assert_status(expiry, "ok", &["expires"]);
    assert!(
        !expiry["detail"].as_str().unwrap().contains("AADSTS7000222"),
        "{expiry:#}"
    );
    let history = case.json(&["history", "integration"], 0);
    assert!(
        history.to_string().contains("AADSTS7000222"),
        "the old refusal is still recorded: {history:#}"
    );
    case.expect(&["test-connection", "integration"], 0);
    case.json(&["doctor"], 0);
}

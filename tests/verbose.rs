//! `-v` and `-vv` end to end (issue 11, "-v"): the real binary in a sealed
//! environment against an in-process sandbox. `-v` shows one line per
//! request (discovery and token requests included) and per retry decision;
//! `-vv` adds the headers. A leak scan over everything written to stderr by
//! `integration set`, `test-connection --all`, `mail peek` and `mail send`,
//! with a client secret and with a certificate, finds none of: the secret,
//! the certificate password, an access token (any JWT: `eyJ`), the client
//! assertion, the PFX.
//!
//! Run with `cargo test --features test-store --test verbose`.

mod common;

use std::process::Output;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use graphmail::sandbox::{RunningSandbox, ServeOptions};
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

fn start() -> RunningSandbox {
    runtime()
        .block_on(graphmail::sandbox::start(ServeOptions::default()))
        .expect("sandbox starts")
}

/// The sandbox shared by the tests that switch no fault.
fn shared() -> &'static RunningSandbox {
    static SHARED: OnceLock<RunningSandbox> = OnceLock::new();
    SHARED.get_or_init(|| {
        runtime()
            .block_on(graphmail::sandbox::start(ServeOptions {
                output_dir: Some(common::folder_removed_at_exit()),
                ..ServeOptions::default()
            }))
            .expect("sandbox starts")
    })
}

fn client() -> reqwest::Client {
    graphmail::auth::install_tls_provider();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

fn admin_post(sandbox: &RunningSandbox, path: &str, body: Value) {
    let url = format!("{}{path}", sandbox.admin_url());
    runtime().block_on(async {
        let answer = client().post(&url).json(&body).send().await.expect("admin");
        assert!(answer.status().is_success(), "{url}: {}", answer.status());
    });
}

/// An access token of the kind graphmail receives, asked for directly: the
/// leak scan looks for it, and for its `eyJ` start.
fn direct_token(sandbox: &RunningSandbox) -> String {
    let ready = sandbox.ready();
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        ready.authority_host, ready.tenant
    );
    let secret = ready.client_secret.clone().expect("secret");
    let form = [
        ("client_id", ready.app_id.as_str()),
        ("scope", "https://graph.microsoft.com/.default"),
        ("grant_type", "client_credentials"),
        ("client_secret", secret.as_str()),
    ];
    let body: Value = runtime().block_on(async {
        client()
            .post(&url)
            .form(&form)
            .send()
            .await
            .expect("token endpoint answers")
            .json()
            .await
            .expect("token JSON")
    });
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {body:#}"))
        .to_string()
}

const SECRET_VAR: &str = "SBX_SECRET";
const PASSWORD_VAR: &str = "SBX_CERT_PASSWORD";

/// A sealed environment wired to one sandbox; every run's stderr is kept
/// for the leak scan.
struct Case<'a> {
    env: TestEnv,
    sandbox: &'a RunningSandbox,
    /// The value `SBX_SECRET` holds: the sandbox's secret unless a test
    /// sets a wrong one.
    secret: String,
    stderr: std::cell::RefCell<String>,
}

impl<'a> Case<'a> {
    fn new(sandbox: &'a RunningSandbox) -> Self {
        Case {
            env: TestEnv::new(),
            sandbox,
            secret: sandbox.ready().client_secret.clone().expect("secret"),
            stderr: Default::default(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let ready = self.sandbox.ready();
        let mut cmd = self.env.command();
        cmd.env(SECRET_VAR, &self.secret);
        if let Some(password) = &ready.certificate_password {
            cmd.env(PASSWORD_VAR, password);
        }
        cmd.timeout(Duration::from_secs(120));
        let out = cmd.args(args).output().expect("run graphmail");
        let mut kept = self.stderr.borrow_mut();
        kept.push_str(&format!("$ graphmail {}\n", args.join(" ")));
        kept.push_str(&text(&out.stderr));
        out
    }

    /// Runs, checks the exit code, returns stderr.
    #[track_caller]
    fn stderr(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        common::check(&out, code, args);
        text(&out.stderr)
    }

    fn integration(&self, credential: &[&str], verbosity: &str) -> String {
        let ready = self.sandbox.ready();
        let mut args = vec![
            "integration",
            "set",
            "--tenant",
            &ready.tenant,
            "--app-id",
            &ready.app_id,
            "--authority-host",
            &ready.authority_host,
            "--graph-endpoint",
            &ready.graph_endpoint,
            verbosity,
        ];
        args.extend(credential);
        self.stderr(&args, 0)
    }

    fn secret_integration(&self, verbosity: &str) -> String {
        self.integration(&["--client-secret-env", SECRET_VAR], verbosity)
    }

    /// A live incoming connector on support@ and a live outbound one on
    /// noreply@.
    fn connectors(&self) {
        self.stderr(
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
        self.stderr(
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

    fn all_stderr(&self) -> String {
        self.stderr.borrow().clone()
    }
}

/// Nothing secret anywhere in `output`.
#[track_caller]
fn assert_no_secret(output: &str, sandbox: &RunningSandbox, token: &str) {
    let ready = sandbox.ready();
    let mut secrets: Vec<(String, &str)> = vec![
        (ready.client_secret.clone().unwrap(), "the client secret"),
        (token.to_string(), "an access token"),
        (
            token.rsplit('.').next().unwrap().to_string(),
            "a token's signature",
        ),
        // Any JWT: an access token or the signed client assertion.
        ("eyJ".to_string(), "a JWT"),
    ];
    if let Some(password) = &ready.certificate_password {
        secrets.push((password.clone(), "the certificate password"));
    }
    if let Some(pfx) = &ready.certificate_pfx {
        let bytes = std::fs::read(pfx).expect("sandbox PFX");
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let encoded = engine.encode(&bytes);
            secrets.push((encoded[..48].to_string(), "the PFX (start, base64)"));
            let middle = encoded.len() / 2;
            secrets.push((
                encoded[middle..middle + 48].to_string(),
                "the PFX (middle, base64)",
            ));
        }
    }
    for (secret, what) in secrets {
        assert!(!secret.is_empty());
        if let Some(at) = output.find(&secret) {
            let from = output[..at].rfind('\n').unwrap_or(0);
            let line = output[from..].lines().nth(1).unwrap_or_default();
            let line = line.replace(&secret, "<HERE>");
            panic!("{what} leaked into stderr, in the line:\n{line}");
        }
    }
}

/// A line with all of `needles`.
#[track_caller]
fn assert_line(output: &str, needles: &[&str]) {
    assert!(
        output
            .lines()
            .any(|line| needles.iter().all(|n| line.contains(n))),
        "no line with all of {needles:?} in:\n{output}"
    );
}

/// A request line that names a request ID (a GUID) after `label`.
#[track_caller]
fn assert_request_ids(output: &str, prefix: &str, label: &str) {
    let line = output
        .lines()
        .find(|l| l.contains(prefix) && l.contains(label))
        .unwrap_or_else(|| panic!("no {prefix} line with {label} in:\n{output}"));
    let id = line
        .split(label)
        .nth(1)
        .and_then(|rest| rest.split([' ', ',']).nth(1))
        .unwrap_or_default();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "{label} of {line:?} is {id:?}"
    );
}

#[test]
fn vv_with_a_client_secret_shows_every_request_and_no_secret() {
    let sandbox = shared();
    let token = direct_token(sandbox);
    assert!(
        token.starts_with("eyJ"),
        "the sandbox's tokens are JWTs, so the `eyJ` scan means something: {token}"
    );
    let case = Case::new(sandbox);
    case.secret_integration("-vv");
    case.connectors();
    case.stderr(&["test-connection", "--all", "-vv"], 0);
    case.stderr(&["enable", "connector", "support"], 0);
    case.stderr(&["enable", "connector", "out"], 0);
    case.stderr(
        &[
            "mail",
            "peek",
            "--connector",
            "support",
            "--limit",
            "2",
            "-vv",
        ],
        0,
    );
    case.stderr(
        &[
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "adele@contoso.com",
            "--subject",
            "Verbose",
            "--body",
            "Hello",
            "--verify-sent",
            "-vv",
        ],
        0,
    );
    let output = case.all_stderr();

    // The request lines: method, path, status, the service's request ID.
    assert_line(
        &output,
        &["discovery: GET", "/.well-known/openid-configuration -> 200"],
    );
    assert_line(&output, &["token: POST", "/oauth2/v2.0/token -> 200"]);
    assert_line(&output, &["graph: GET", "/mailFolders/", "-> 200"]);
    assert_line(
        &output,
        &["graph: POST", "/users/noreply%40contoso.com/", "-> 20"],
    );
    assert_request_ids(&output, "graph: GET", "request-id");
    assert_request_ids(&output, "token: POST", "trace ID");
    // The headers, the bearer token redacted.
    assert_line(
        &output,
        &[
            "graph: GET",
            "request headers:",
            "authorization: [redacted]",
        ],
    );
    assert_line(&output, &["token: response headers:", "x-ms-request-id: "]);
    assert_line(&output, &["graph: response headers:", "request-id: "]);

    assert_no_secret(&output, sandbox, &token);
}

#[test]
fn vv_with_a_certificate_shows_every_request_and_no_secret() {
    let sandbox = shared();
    let token = direct_token(sandbox);
    let case = Case::new(sandbox);
    // NOTE: a state file first: `integration set --certificate` on a new
    // one has a known bug (tests/connection.rs,
    // `certificate_integration_on_a_new_state_file_is_usable`).
    case.connectors();
    let pfx = sandbox
        .ready()
        .certificate_pfx
        .clone()
        .expect("sandbox PFX")
        .to_string_lossy()
        .to_string();
    case.integration(
        &[
            "--certificate",
            &pfx,
            "--certificate-password-env",
            PASSWORD_VAR,
        ],
        "-vv",
    );
    // -vvv (trace) too: still no secret.
    case.stderr(&["test-connection", "--all", "-vvv"], 0);
    case.stderr(&["enable", "connector", "support"], 0);
    case.stderr(
        &[
            "mail",
            "peek",
            "--connector",
            "support",
            "--limit",
            "2",
            "-vv",
        ],
        0,
    );
    let output = case.all_stderr();
    assert_line(&output, &["token: POST", "/oauth2/v2.0/token -> 200"]);
    assert_line(
        &output,
        &[
            "token: POST",
            "request headers:",
            "content-type: application/x-www-form-urlencoded",
        ],
    );
    assert_line(&output, &["graph: GET", "/messages", "-> 200"]);
    assert_no_secret(&output, sandbox, &token);
}

#[test]
fn v_lists_discovery_and_token_requests_and_no_headers() {
    let sandbox = shared();
    let case = Case::new(sandbox);
    case.secret_integration("-q");
    case.connectors();
    let quiet = case.stderr(&["test-connection", "--all"], 0);
    assert!(
        !quiet.contains("token: POST") && !quiet.contains("graph: GET"),
        "no request lines without -v:\n{quiet}"
    );
    let verbose = case.stderr(&["test-connection", "--all", "-v"], 0);
    assert_line(
        &verbose,
        &[
            "discovery: GET",
            "/v2.0/.well-known/openid-configuration",
            "-> 200 in ",
            " ms, trace ID ",
        ],
    );
    assert_line(
        &verbose,
        &[
            "token: POST",
            "/oauth2/v2.0/token",
            "-> 200 in ",
            " ms, trace ID ",
        ],
    );
    assert_line(
        &verbose,
        &[
            "graph: GET",
            "/users/support%40contoso.com/mailFolders/",
            "-> 200 in ",
            "request-id ",
        ],
    );
    // Each step of each target, as it is judged.
    assert_line(&verbose, &["integration: token passed in ", " ms"]);
    assert_line(&verbose, &["connector support: mailbox passed in ", " ms"]);
    assert!(
        !quiet.contains("support: mailbox"),
        "no step lines without -v:\n{quiet}"
    );
    // Where the run's time went (issue 17): the token, the slowest target
    // after it with the Graph requests it made, and the throttling waits.
    assert_line(&verbose, &["token: ", " ms (shared phase ", " ms"]);
    assert_line(
        &verbose,
        &[
            "longest chain: Connector '",
            " ms after the shared phase (",
            " Graph request",
            "; run ",
            " ms in all)",
        ],
    );
    assert_line(
        &verbose,
        &["throttling: 0 busy answer(s), 0 retries, 0 ms waited in all"],
    );
    // And what followed the last answer: the records, under the lock.
    assert_line(
        &verbose,
        &[
            "records: ",
            " of ",
            " result(s) written in ",
            " ms, under the lock",
        ],
    );
    let records = verbose
        .lines()
        .find_map(|l| l.split_once("records: ").map(|(_, rest)| rest))
        .unwrap_or_default();
    let counts: Vec<&str> = records.split(' ').take(3).collect();
    assert!(
        counts.len() == 3 && counts[0] == counts[2] && counts[0] != "0",
        "every target's result is recorded: {records}"
    );
    assert!(
        !quiet.contains("longest chain"),
        "no timing summary without -v:\n{quiet}"
    );
    assert!(
        !verbose.contains("headers:"),
        "headers only at -vv:\n{verbose}"
    );
    assert_no_secret(&verbose, sandbox, &direct_token(sandbox));
}

#[test]
fn v_says_each_retry_decision() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.secret_integration("-q");
    case.connectors();
    admin_post(
        &sandbox,
        "/faults",
        json!({"throttle": {"next": 1, "retry_after": 1, "scope": "graph"}}),
    );
    let output = case.stderr(&["test-connection", "connector", "out", "-v"], 0);
    assert_line(&output, &["graph: GET", "-> 429 in ", "request-id "]);
    assert_line(
        &output,
        &["graph: HTTP 429 on attempt 1: waiting 1.0 s (Retry-After) before attempt 2"],
    );
    assert_line(&output, &["graph: GET", "-> 200 in ", "(attempt 2)"]);

    admin_post(
        &sandbox,
        "/faults",
        json!({"unavailable": {"next": 1, "scope": "token"}}),
    );
    let output = case.stderr(&["test-connection", "connector", "out", "-v"], 0);
    // Discovery and the token request go out together: either meets it.
    assert_line(&output, &["-> 503 in ", "trace ID "]);
    assert_line(
        &output,
        &[
            ": HTTP 503 on attempt 1: waiting",
            "(backoff) before attempt 2",
        ],
    );
    assert!(
        output.lines().any(|l| l.contains("-> 503 in ")
            && (l.contains("discovery: GET") || l.contains("token: POST"))),
        "{output}"
    );
}

#[test]
fn vv_of_refused_requests_leaks_nothing_and_shows_graphs_error() {
    let sandbox = shared();
    let mut case = Case::new(sandbox);
    case.secret_integration("-q");
    case.stderr(
        &[
            "connector",
            "add",
            "ghost",
            "--use-for",
            "outbound",
            "--address",
            "nobody@contoso.com",
        ],
        0,
    );
    // Graph refuses a mailbox that does not exist: its error body is shown
    // (it holds no token), the request line has its request-id.
    let output = case.stderr(&["test-connection", "connector", "ghost", "-vv"], 3);
    assert_line(
        &output,
        &[
            "graph: GET",
            "/users/nobody%40contoso.com/",
            "-> 404",
            "request-id ",
        ],
    );
    assert_line(&output, &["graph: error body:", "\"code\""]);

    // Entra refuses a wrong secret: the request line, never the secret.
    let wrong = "Wr0ng~secret.value-that-must-not-show";
    case.secret = wrong.to_string();
    let output = case.stderr(&["test-connection", "integration", "-vv"], 3);
    assert_line(
        &output,
        &["token: POST", "/oauth2/v2.0/token -> 401", "trace ID "],
    );
    assert!(
        !output.contains(wrong),
        "the wrong secret leaked:\n{output}"
    );
    assert!(
        !output.contains("error body"),
        "no token-service body:\n{output}"
    );
    assert_no_secret(&case.all_stderr(), sandbox, &direct_token(sandbox));
}

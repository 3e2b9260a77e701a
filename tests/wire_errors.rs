//! What the real binary says when the wire misbehaves (issue 11): a
//! connection that a server or proxy closes after it was opened is not
//! worded as an unreachable host, and a step that waited out throttling
//! says so in words and in its JSON. The services are a raw loopback HTTP
//! server (wiremock cannot close a connection mid-request) and wiremock.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{APP_ID, TENANT, TestEnv, check, text};
use serde_json::{Value, json};

const MAILBOX: &str = "support@contoso.com";

/// A JWT-shaped token (unsigned: graphmail only reads its payload).
fn fake_token(roles: &[&str]) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"RS256"}"#);
    let payload = URL_SAFE_NO_PAD
        .encode(json!({"roles": roles, "tid": "tenant-guid", "appid": APP_ID}).to_string());
    format!("{header}.{payload}.c2ln")
}

fn token_body() -> String {
    json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
           "access_token": fake_token(&["Mail.ReadWrite"])})
    .to_string()
}

fn discovery_body(base: &str) -> String {
    json!({"token_endpoint": format!("{base}/{TENANT}/oauth2/v2.0/token"),
           "cloud_instance_name": "microsoftonline.com"})
    .to_string()
}

/// Reads one HTTP/1.1 request (head and `content-length` body); `None` when
/// the client closed the connection. Returns the request line.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(request_line)
}

/// A raw HTTP server on loopback that answers the first `answered`
/// requests as Entra ID would (discovery, token) and then accepts every
/// further request and closes its connection without a word, as a proxy
/// that cuts connections does. Returns its base URL and the requests seen.
fn dropping_after(answered: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let shown = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let counter = counter.clone();
            let base = shown.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                while let Some(line) = read_request(&mut reader) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    if n >= answered {
                        // Accepted, read, closed: no status line at all.
                        let _ = writer.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    let body = if line.contains("openid-configuration") {
                        discovery_body(&base)
                    } else if line.contains("/oauth2/v2.0/token") {
                        token_body()
                    } else {
                        "{}".to_string()
                    };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if writer.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

/// An integration on `base` (authority and Graph) and an incoming
/// connector on [`MAILBOX`], saved without a test.
fn integration_on(env: &TestEnv, base: &str) {
    let out = env.run(&[
        "integration",
        "set",
        "--tenant",
        TENANT,
        "--app-id",
        APP_ID,
        "--client-secret-env",
        "TEST_SECRET",
        "--authority-host",
        base,
        "--graph-endpoint",
        base,
        "--skip-test",
    ]);
    check(&out, 0, &["integration", "set"]);
    env.ok(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        MAILBOX,
        "--folder",
        "Inbox",
        "--process",
        "Support Request",
    ]);
}

#[test]
fn a_connection_dropped_after_two_answers_is_not_called_unreachable() {
    let env = TestEnv::new();
    let (base, seen) = dropping_after(2);
    integration_on(&env, &base);
    let host = base.trim_start_matches("http://");

    let started = std::time::Instant::now();
    let out = env.run(&["test-connection", "connector", "support", "--timeout", "3"]);
    // Retried within the deadline, and no longer.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    let mailbox = stdout
        .lines()
        .skip_while(|l| !l.contains("mailbox"))
        .take_while(|l| !l.contains(" folder "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        mailbox.contains(&format!(
            "the connection to {host} was closed by the server or a proxy after it was opened"
        )),
        "the mailbox step names the drop:\n{stdout}\n{stderr}"
    );
    assert!(
        mailbox.contains("2 earlier requests to that host succeeded"),
        "{mailbox}"
    );
    assert!(
        mailbox.contains("A proxy or firewall in between"),
        "the hint names the likely cause:\n{mailbox}"
    );
    assert!(
        !stdout.contains("DNS"),
        "not a reachability problem:\n{stdout}"
    );
    assert!(!stderr.contains("DNS"), "{stderr}");
    // A GET is idempotent: sent again after a drop (SPEC §4), within the
    // deadline.
    let dropped = seen.load(Ordering::SeqCst) - 2;
    assert!(dropped >= 2, "{dropped}: {stdout}");
    assert!(
        mailbox.contains(&format!("after it was opened, {dropped} times")),
        "{mailbox}"
    );
    // Nothing was learned about the mailbox: unverified, not failed.
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("UNVERIFIED"), "{stdout}");
    assert!(mailbox.contains("retried "), "{mailbox}");
}

#[test]
fn a_refused_connection_keeps_the_network_hint() {
    let env = TestEnv::new();
    // A port nothing listens on: refused, never opened.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    integration_on(&env, &base);
    let out = env.run(&["test-connection", "integration"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("DNS, firewall"), "{stdout}");
    assert!(!stdout.contains("closed by the server"), "{stdout}");
}

/// A send whose connection is closed under it is not sent again (it may
/// have gone through), and the hint says to look before sending again.
#[test]
fn a_dropped_send_is_sent_once_and_says_to_look_before_sending_again() {
    let env = TestEnv::new();
    // The token is answered; the sendMail is read and its connection closed.
    let (base, seen) = dropping_after(1);
    integration_on(&env, &base);
    env.ok(&[
        "connector",
        "add",
        "out",
        "--use-for",
        "outbound",
        "--address",
        "noreply@contoso.com",
    ]);
    common::record_pass(&env.state_path(), "integration", "integration");
    common::record_pass(&env.state_path(), "connector", "out");
    env.ok(&["enable", "connector", "out"]);

    let args = [
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "Once",
        "--body",
        "Hello",
    ];
    let out = env.run(&args);
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("was closed by the server or a proxy after it was opened"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 earlier request to that host succeeded"),
        "{stderr}"
    );
    assert!(stderr.contains("not sent again"), "{stderr}");
    assert!(stderr.contains("before sending again"), "{stderr}");
    assert!(!stderr.contains("then retry"), "{stderr}");
    assert!(!stderr.contains("DNS"), "{stderr}");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "one token, one sendMail");
}

// ------------------------------------------------ throttling, in words

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Discovery and a token on `server`; the token request answers 429 with
/// `Retry-After: 1` for its first `throttled` tries.
async fn mount_entra(server: &MockServer, throttled: u64) {
    Mock::given(method("GET"))
        .and(path(format!(
            "/{TENANT}/v2.0/.well-known/openid-configuration"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_string(discovery_body(&server.uri())))
        .mount(server)
        .await;
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    if throttled > 0 {
        Mock::given(method("POST"))
            .and(path(token_path.clone()))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "1")
                    .set_body_json(json!({"error": "temporarily_unavailable",
                        "error_description": "AADSTS90055: throttled.", "error_codes": [90055]})),
            )
            .up_to_n_times(throttled)
            .mount(server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(token_path))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(token_body()),
        )
        .mount(server)
        .await;
}

/// Runs graphmail off the async runtime (wiremock answers on it).
async fn run(env: &Arc<TestEnv>, args: &[&str]) -> std::process::Output {
    let env = env.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.run(&args)
    })
    .await
    .unwrap()
}

fn step<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["check"] == check))
        .unwrap_or_else(|| panic!("no {check} step: {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_that_waited_out_throttling_says_so_in_words_and_json() {
    let server = MockServer::start().await;
    let env = Arc::new(TestEnv::new());
    integration_on(&env, &server.uri());

    // Entra throttles the token request twice, asking for 1 s each time,
    // and is unavailable once for the discovery beside it (mounted first:
    // it answers the first discovery).
    Mock::given(method("GET"))
        .and(path(format!(
            "/{TENANT}/v2.0/.well-known/openid-configuration"
        )))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_entra(&server, 2).await;
    let out = run(&env, &["test-connection", "integration", "--no-record"]).await;
    check(&out, 0, &["test-connection", "integration"]);
    let stdout = text(&out.stdout);
    let token = stdout
        .lines()
        .find(|l| l.contains(" token "))
        .unwrap_or_else(|| panic!("no token line:\n{stdout}"));
    assert!(
        token.contains("throttled twice, waited 2 s)"),
        "the token line says why it took 2 s: {token}"
    );
    let authority = stdout
        .lines()
        .find(|l| l.contains(" authority "))
        .unwrap_or_else(|| panic!("no authority line:\n{stdout}"));
    assert!(
        authority.contains("Entra ID busy (503) once, waited 1 s)"),
        "{authority}"
    );

    server.reset().await;
    mount_entra(&server, 2).await;
    let out = run(
        &env,
        &[
            "test-connection",
            "integration",
            "--no-record",
            "--output",
            "json",
        ],
    )
    .await;
    check(
        &out,
        0,
        &["test-connection", "integration", "--output", "json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = step(&report, "token");
    assert_eq!(token["status"], "passed", "{token:#}");
    assert_eq!(token["retries"], 2, "the number stays: {token:#}");
    assert_eq!(token["throttled"]["count"], 2, "{token:#}");
    assert_eq!(token["throttled"]["status_429"], 2, "{token:#}");
    assert_eq!(token["throttled"]["status_503"], 0, "{token:#}");
    assert_eq!(token["throttled"]["waited_ms"], 2000, "{token:#}");
    // A step that was not throttled says so with null.
    assert_eq!(step(&report, "authority")["throttled"], Value::Null);

    // Graph busy (503) once on the mailbox's first request.
    server.reset().await;
    mount_entra(&server, 0).await;
    let inbox = format!(
        "/v1.0/users/{}/mailFolders/inbox",
        MAILBOX.replace('@', "%40")
    );
    Mock::given(method("GET"))
        .and(path(inbox.clone()))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error": {"code": "ServiceUnavailable", "message": "busy"}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(inbox))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "inbox-id", "displayName": "Inbox", "parentFolderId": "root",
            "childFolderCount": 0})))
        .mount(&server)
        .await;
    let out = run(
        &env,
        &["test-connection", "connector", "support", "--no-record"],
    )
    .await;
    let stdout = text(&out.stdout);
    let mailbox = stdout
        .lines()
        .find(|l| l.contains(" mailbox "))
        .unwrap_or_else(|| panic!("no mailbox line:\n{stdout}"));
    assert!(
        mailbox.contains("Graph busy (503) once, waited 1 s)"),
        "{mailbox}\n{stdout}"
    );
}

//! Hostile input and hostile hosts (issue 12), end to end: the real binary
//! in a sealed environment, against an in-process sandbox where a service
//! is needed. Each test shows one protection of SECURITY.md holding.

mod common;

use std::process::Output;

use common::{TestEnv, check, text};
use graphmail::sandbox::{RunningSandbox, Seed, ServeOptions, start};
use serde_json::Value;

const SECRET_VAR: &str = "GRAPHMAIL_TEST_SANDBOX_SECRET";

/// OSC 52 (write the clipboard), a screen clear and cursor move, a C1 CSI,
/// a right-to-left override and an isolate, DEL: what a sender controls.
const HOSTILE_SUBJECT: &str =
    "Invoice\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b[1;1H\u{9b}31mpaid\u{202e}fdp.exe\u{2066}x\u{7f}";
const HOSTILE_NAME: &str = "Mallory\x1b[8m\u{202e}";

/// A sandbox on its own runtime, so the tests stay synchronous.
struct Sandbox {
    runtime: tokio::runtime::Runtime,
    running: Option<RunningSandbox>,
}

impl Sandbox {
    fn with_seed(seed: Seed) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = runtime
            .block_on(start(ServeOptions {
                seed: Some(seed),
                ..ServeOptions::default()
            }))
            .expect("sandbox starts");
        Sandbox {
            runtime,
            running: Some(running),
        }
    }

    fn running(&self) -> &RunningSandbox {
        self.running.as_ref().expect("running")
    }

    /// GET on the admin endpoint.
    fn admin(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.running().ready().admin_endpoint);
        self.runtime.block_on(async {
            graphmail::auth::install_tls_provider();
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(&url)
                .send()
                .await
                .expect("admin answers")
                .json::<Value>()
                .await
                .expect("admin JSON")
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.shutdown());
        }
    }
}

/// The built-in seed with one hostile message in support@'s `Inbox/Hostile`.
fn hostile_seed() -> Seed {
    let mut seed = Seed::builtin();
    let support = seed
        .mail
        .mailboxes
        .iter_mut()
        .find(|m| m.address == "support@contoso.com")
        .expect("support mailbox in the built-in seed");
    support
        .messages
        .push(graphmail::sandbox::graph::MessageSeed {
            folder: Some("Inbox/Hostile".into()),
            subject: HOSTILE_SUBJECT.into(),
            from: Some("mallory@fabrikam.com".into()),
            from_name: Some(HOSTILE_NAME.into()),
            to: vec!["support@contoso.com".into()],
            received: Some("2025-01-06T09:00:00Z".into()),
            ..Default::default()
        });
    seed
}

/// A sealed graphmail with an integration on the sandbox.
struct Mail {
    env: TestEnv,
    sandbox: Sandbox,
}

impl Mail {
    fn on(sandbox: Sandbox) -> Self {
        let mail = Mail {
            env: TestEnv::new(),
            sandbox,
        };
        let ready = mail.sandbox.running().ready().clone();
        let out = mail.run(&[
            "integration",
            "set",
            "--tenant",
            &ready.tenant,
            "--app-id",
            &ready.app_id,
            "--client-secret-env",
            SECRET_VAR,
            "--authority-host",
            &ready.authority_host,
            "--graph-endpoint",
            &ready.graph_endpoint,
        ]);
        check(&out, 0, &["integration", "set"]);
        mail
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let secret = self
            .sandbox
            .running()
            .ready()
            .client_secret
            .clone()
            .expect("sandbox secret");
        let mut cmd = self.env.command();
        cmd.env(SECRET_VAR, secret);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args).output().expect("run graphmail")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Total Graph requests the sandbox has answered, by its counters.
    fn graph_requests(&self) -> u64 {
        let counters = self.sandbox.admin("/counters");
        let mut total = 0;
        sum_graph(&counters, &mut total);
        total
    }
}

/// Adds every number under a key that starts with `graph` (the sandbox
/// counts Graph requests as `graph.*`, per mailbox and in total).
fn sum_graph(value: &Value, total: &mut u64) {
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Number(n) if k.starts_with("graph") => *total += n.as_u64().unwrap_or(0),
                _ => sum_graph(v, total),
            }
        }
    }
}

/// Written out here rather than taken from graphmail: the test's own list.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// No character that can drive a terminal: controls other than newline and
/// tab, DEL, C1, bidi controls.
#[track_caller]
fn assert_inert(what: &str, output: &str) {
    let bad: Vec<String> = output
        .chars()
        .filter(|&c| unsafe_char(c) && c != '\n' && c != '\t')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(bad.is_empty(), "{what} carries {bad:?}:\n{output}");
}

#[test]
fn escape_sequences_in_a_peeked_message_come_out_inert_as_table_and_json() {
    let mail = Mail::on(Sandbox::with_seed(hostile_seed()));
    let out = mail.run(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "support@contoso.com",
        "--folder",
        "Inbox/Hostile",
        "--process",
        "Case",
    ]);
    check(&out, 0, &["connector", "add"]);
    let peek = ["mail", "peek", "--connector", "support"];

    // Piped: tab-separated rows. The subject is there, made visible.
    let out = mail.run(&peek);
    check(&out, 0, &peek);
    let rows = text(&out.stdout);
    assert_inert("tab-separated peek", &rows);
    assert!(
        rows.contains("Invoice\\u{1b}]52;c;cm0gLXJmIH4=\\u{7}"),
        "{rows}"
    );
    assert!(rows.contains("\\u{202e}fdp.exe\\u{2066}"), "{rows}");
    assert_inert("stderr", &text(&out.stderr));

    // With colour forced on: graphmail's own colours pass, the sender's do not.
    let forced = mail.run(&[&peek[..], &["--color", "always"]].concat());
    check(&forced, 0, &peek);
    let coloured = text(&forced.stdout);
    assert!(!coloured.contains("\x1b]52"), "{coloured}");
    assert!(!coloured.contains("\x1b[2J") && !coloured.contains("\x1b[8m"));
    assert!(!coloured.contains('\u{202e}') && !coloured.contains('\u{9b}'));

    // JSON: the exact value, every unsafe character as a \u escape.
    let out = mail.run(&[&peek[..], &["--output", "json"]].concat());
    check(&out, 0, &peek);
    let json = text(&out.stdout);
    assert_inert("JSON peek", &json);
    assert!(
        json.contains("\\u001b]52;c;") && json.contains("\\u202e"),
        "{json}"
    );
    let value: Value = serde_json::from_str(&json).expect("JSON");
    let message = &value["folders"][0]["messages"][0];
    assert_eq!(message["subject"], HOSTILE_SUBJECT, "{value:#}");
    assert!(
        message.to_string().contains("Mallory") || message["from"].is_string(),
        "{message:#}"
    );
}

/// A folder that Graph lists under Inbox, named by whoever set up the rules.
const HOSTILE_FOLDER: &str = "Evil\x1b]0;pwned\x07\u{202e}gpj.exe";

#[test]
fn a_hostile_folder_name_in_an_error_is_inert_as_text_and_json() {
    let mut seed = hostile_seed();
    seed.mail
        .mailboxes
        .iter_mut()
        .find(|m| m.address == "support@contoso.com")
        .expect("support mailbox")
        .folders
        .push(format!("Inbox/{HOSTILE_FOLDER}"));
    let mail = Mail::on(Sandbox::with_seed(seed));
    let out = mail.run(&[
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
        "Case",
    ]);
    check(&out, 0, &["connector", "add"]);
    for format in ["table", "json"] {
        // A folder that is not there: the error lists what Graph has under
        // Inbox, the hostile name among them.
        let out = mail.run(&[
            "mail",
            "peek",
            "--connector",
            "support",
            "--folder",
            "Inbox/Missing",
            "--output",
            format,
        ]);
        assert_ne!(out.status.code(), Some(0));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_inert("error", &stderr);
        assert_inert("stdout", &stdout);
        assert!(
            format!("{stdout}{stderr}").contains("pwned"),
            "the folder is listed:\n{stdout}\n{stderr}"
        );
        // A hostile name typed on the command line: refused, and inert.
        let out = mail.run(&[
            "mail",
            "peek",
            "--connector",
            "support",
            "--folder",
            &format!("Inbox/{HOSTILE_FOLDER}"),
            "--output",
            format,
        ]);
        assert_ne!(out.status.code(), Some(0));
        assert_inert("error", &text(&out.stderr));
    }
}

/// Replaces the `instance_id` line of the state file.
fn forge_instance_id(env: &TestEnv, value: &str) -> String {
    let text = env.state_text();
    let forged: String = text
        .lines()
        .map(|line| {
            if line.starts_with("instance_id") {
                format!("instance_id = {value:?}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(env.state_path(), &forged).unwrap();
    forged
}

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_forged_instance_id_is_refused_before_it_becomes_a_path() {
    let env = TestEnv::new();
    env.unreachable_integration();
    let certs = env.path("certs");
    let out = env.run_env(
        &[
            "certificate",
            "new",
            "--out-dir",
            certs.to_str().unwrap(),
            "--password-env",
            "PFX_PASSWORD",
        ],
        &[("PFX_PASSWORD", "pfx-pass")],
    );
    check(&out, 0, &["certificate", "new"]);
    let pfx = certs.join("graphmail.pfx");
    let outside = env.path("outside");
    // A decoy where an absolute instance ID would point `remove`.
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim.pfx"), "someone else's").unwrap();
    let before: Vec<String> = files_under(env.dir.path())
        .into_iter()
        .filter(|f| !f.starts_with("config/"))
        .collect();

    for forged in [
        outside.join("victim").display().to_string(),
        "../../../escaped".to_string(),
        "5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b/../../x".to_string(),
    ] {
        let text = forge_instance_id(&env, &forged);
        let runs: [&[&str]; 3] = [
            &[
                "integration",
                "set",
                "--certificate",
                pfx.to_str().unwrap(),
                "--certificate-password-env",
                "PFX_PASSWORD",
                "--skip-test",
            ],
            &["integration", "remove", "--yes"],
            &["status"],
        ];
        for args in runs {
            let out = env.run_env(args, &[("PFX_PASSWORD", "pfx-pass")]);
            check(&out, 2, args);
            let stderr = text_of(&out.stderr);
            assert!(stderr.contains("instance_id"), "{stderr}");
            assert!(stderr.contains("UUID"), "{stderr}");
            assert_eq!(env.state_text(), text, "the state file is untouched");
        }
    }
    let after: Vec<String> = files_under(env.dir.path())
        .into_iter()
        .filter(|f| !f.starts_with("config/"))
        .collect();
    assert_eq!(
        after, before,
        "nothing written or removed outside the state"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("victim.pfx")).unwrap(),
        "someone else's"
    );
}

fn text_of(bytes: &[u8]) -> String {
    text(bytes)
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn certificate_new_force_replaces_the_file_private_and_never_follows_a_link() {
    let env = TestEnv::new();
    let dir = env.path("certs");
    let new = |dir: &std::path::Path, force: bool| {
        let mut args = vec![
            "certificate",
            "new",
            "--out-dir",
            dir.to_str().unwrap(),
            "--password-env",
            "PFX_PASSWORD",
        ];
        if force {
            args.push("--force");
        }
        env.run_env(&args, &[("PFX_PASSWORD", "pfx-pass")])
    };
    check(&new(&dir, false), 0, &["certificate", "new"]);
    let pfx = dir.join("graphmail.pfx");
    assert_eq!(mode(&pfx), 0o600);
    // Someone made it readable to all; --force must not keep that mode.
    std::fs::set_permissions(&pfx, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let old = std::fs::read(&pfx).unwrap();
    check(&new(&dir, true), 0, &["certificate", "new", "--force"]);
    assert_eq!(mode(&pfx), 0o600, "the new private key is 0600");
    assert_ne!(std::fs::read(&pfx).unwrap(), old, "a new key was written");

    // A link at the target: replaced by the new file, its referent untouched.
    let linked = env.path("linked");
    std::fs::create_dir_all(&linked).unwrap();
    let referent = env.path("precious.txt");
    std::fs::write(&referent, "keep me").unwrap();
    std::fs::set_permissions(
        &referent,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    std::os::unix::fs::symlink(&referent, linked.join("graphmail.pfx")).unwrap();
    check(&new(&linked, true), 0, &["certificate", "new", "--force"]);
    assert_eq!(std::fs::read_to_string(&referent).unwrap(), "keep me");
    assert_eq!(mode(&referent), 0o644);
    let meta = std::fs::symlink_metadata(linked.join("graphmail.pfx")).unwrap();
    assert!(
        meta.file_type().is_file(),
        "the link was replaced by a file"
    );
    assert_eq!(mode(&linked.join("graphmail.pfx")), 0o600);
    // Without --force a link at the target is refused, not followed.
    let refused = env.path("refused");
    std::fs::create_dir_all(&refused).unwrap();
    std::os::unix::fs::symlink(&referent, refused.join("graphmail.pfx")).unwrap();
    check(&new(&refused, false), 2, &["certificate", "new"]);
    assert_eq!(std::fs::read_to_string(&referent).unwrap(), "keep me");
}

/// Replaces one `key = "value"` line of the state file (first match).
fn edit_state(env: &TestEnv, from: &str, to: &str) {
    let text = env.state_text();
    assert!(text.contains(from), "{from} not in {text}");
    std::fs::write(env.state_path(), text.replacen(from, to, 1)).unwrap();
}

#[test]
fn hand_edited_addresses_and_names_are_refused_before_any_graph_request() {
    let mail = Mail::on(Sandbox::with_seed(Seed::builtin()));
    for args in [
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
            "Case",
        ][..],
        &[
            "connector",
            "add",
            "out",
            "--use-for",
            "outbound",
            "--address",
            "noreply@contoso.com",
        ],
    ] {
        check(&mail.run(args), 0, args);
    }
    let peek: &[&str] = &["mail", "peek", "--connector", "support"];
    let send: &[&str] = &[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "s",
        "--body",
        "b",
    ];
    let test: &[&str] = &["test-connection", "--all"];
    let original = mail.env.state_text();
    let before = mail.graph_requests();
    for (from, to) in [
        ("address = \"support@contoso.com\"", "address = \"..\""),
        (
            "address = \"noreply@contoso.com\"",
            "address = \"../../me\"",
        ),
        ("name = \"support\"", "name = \"support\\u001b]0;x\\u0007\""),
    ] {
        std::fs::write(mail.env.state_path(), &original).unwrap();
        edit_state(&mail.env, from, to);
        for args in [peek, send, test] {
            let out = mail.run(args);
            check(&out, 2, args);
            let stderr = text(&out.stderr);
            assert!(stderr.contains("state file"), "{stderr}");
            assert_inert("the refusal", &stderr);
        }
        // `status` lists the hand-edited value, inert, as text and as JSON.
        for format in ["table", "json"] {
            let out = mail.run(&["status", "--output", format]);
            assert_inert("status", &text(&out.stdout));
            assert_inert("status stderr", &text(&out.stderr));
        }
    }
    assert_eq!(mail.graph_requests(), before, "no request reached Graph");
}

#[test]
fn body_files_over_graphs_request_limit_are_refused_before_sending() {
    let mail = Mail::on(Sandbox::with_seed(Seed::builtin()));
    let add = [
        "connector",
        "add",
        "out",
        "--use-for",
        "outbound",
        "--address",
        "noreply@contoso.com",
    ];
    check(&mail.run(&add), 0, &add);
    // Live, so that without the ceiling the body would be sent.
    for args in [
        &["test-connection", "connector", "out"][..],
        &["enable", "connector", "out"],
    ] {
        check(&mail.run(args), 0, args);
    }
    let big = mail.env.path("big.txt");
    std::fs::write(&big, vec![b'a'; 5 * 1024 * 1024]).unwrap();
    let before = mail.graph_requests();
    let args = [
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "big",
        "--body-file",
        big.to_str().unwrap(),
    ];
    let out = mail.run(&args);
    check(&out, 2, &args);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--body-file") && stderr.contains("4 MB"),
        "{stderr}"
    );
    assert_eq!(mail.graph_requests(), before, "no request reached Graph");
}

/// One raw request to the sandbox: (status, body).
fn admin_request(
    sandbox: &Sandbox,
    method: reqwest::Method,
    path: &str,
    host: Option<&str>,
    body: Option<(&str, &str)>,
) -> (u16, String) {
    let url = format!("{}{path}", sandbox.running().ready().admin_endpoint);
    sandbox.runtime.block_on(async {
        graphmail::auth::install_tls_provider();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut request = client.request(method, &url);
        if let Some(host) = host {
            request = request.header(reqwest::header::HOST, host);
        }
        if let Some((content_type, body)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.to_string());
        }
        let response = request.send().await.expect("sandbox answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}

#[test]
fn the_sandbox_admin_refuses_a_foreign_host_and_bodies_that_are_not_json() {
    let sandbox = Sandbox::with_seed(Seed::builtin());
    let port = url::Url::parse(&sandbox.running().ready().admin_endpoint)
        .unwrap()
        .port()
        .expect("port");
    let offset = |sandbox: &Sandbox| sandbox.admin("/clock")["offset_seconds"].as_i64();
    let shift = r#"{"shift_seconds": 3600}"#;

    // DNS rebinding: the page's own name arrives as Host.
    let rebound = format!("attacker.example:{port}");
    let (status, body) = admin_request(
        &sandbox,
        reqwest::Method::GET,
        "/credentials",
        Some(&rebound),
        None,
    );
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("secret"), "{body}");
    let (status, _) = admin_request(
        &sandbox,
        reqwest::Method::POST,
        "/clock",
        Some(&rebound),
        Some(("application/json", shift)),
    );
    assert_eq!(status, 403);
    // A loopback name on another port is another origin.
    let other_port = format!("127.0.0.1:{}", port.wrapping_add(1));
    let (status, _) = admin_request(
        &sandbox,
        reqwest::Method::GET,
        "/credentials",
        Some(&other_port),
        None,
    );
    assert_eq!(status, 403);

    // A "simple" cross-origin POST (no preflight): text/plain or a form.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, body) = admin_request(
            &sandbox,
            reqwest::Method::POST,
            "/clock",
            None,
            Some((content_type, shift)),
        );
        assert_eq!(status, 415, "{content_type}: {body}");
    }
    assert_eq!(offset(&sandbox), Some(0), "the clock did not move");

    // The sandbox's own clients keep working, under every loopback name.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = admin_request(
            &sandbox,
            reqwest::Method::GET,
            "/credentials",
            Some(&host),
            None,
        );
        assert_eq!(status, 200, "{host}: {body}");
    }
    let (status, body) = admin_request(
        &sandbox,
        reqwest::Method::POST,
        "/clock",
        None,
        Some(("application/json; charset=utf-8", shift)),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(offset(&sandbox), Some(3600));
}

/// Issue 12 #7: a crash must never write a core file holding a secret. The
/// parent allows core files (`ulimit -c`); the running graphmail has
/// RLIMIT_CORE 0, soft and hard, as `/proc/<pid>/limits` shows.
#[cfg(target_os = "linux")]
#[test]
fn the_process_refuses_core_dumps_even_when_its_parent_allows_them() {
    use std::io::BufRead;
    let env = TestEnv::new();
    let bin = assert_cmd::cargo::cargo_bin("graphmail");
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).expect("a temp folder");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -S -c 2048 && exec "$0" sandbox serve --listen 127.0.0.1:0"#)
        .arg(&bin)
        .env_clear()
        .env("HOME", env.path("home"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // Killed below, the sandbox cannot remove its temp folder (and the
        // throw-away key in it): it goes under the test's own folder.
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn graphmail sandbox serve");
    let mut ready = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut ready)
        .expect("ready line");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready.contains("admin_endpoint"), "not ready: {ready}");
    let limits = limits.expect("read /proc/<pid>/limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap_or_else(|| panic!("no core line in {limits}"));
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}

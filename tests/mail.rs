//! `graphmail mail peek` and `mail send` end to end: the real binary in a
//! sealed environment against an in-process sandbox (built-in contoso
//! tenant), with the sandbox's admin endpoint as the witness of what the
//! mailboxes hold before and after.

mod common;

use std::collections::BTreeMap;
use std::process::Output;

use common::{TestEnv, check, record_pass, text};
use graphmail::sandbox::{RunningSandbox, ServeOptions, start};
use serde_json::Value;

/// The environment variable the integration reads its secret from.
const SECRET_VAR: &str = "GRAPHMAIL_TEST_SANDBOX_SECRET";
const LIMIT: usize = 3 * 1024 * 1024;

/// A sandbox on its own runtime, so tests stay synchronous and the blocking
/// child process never starves its server.
struct Sandbox {
    runtime: tokio::runtime::Runtime,
    running: Option<RunningSandbox>,
}

impl Sandbox {
    fn start() -> Self {
        Sandbox::with_options(ServeOptions::default())
    }

    fn with_options(options: ServeOptions) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = runtime.block_on(start(options)).expect("sandbox starts");
        Sandbox {
            runtime,
            running: Some(running),
        }
    }

    fn running(&self) -> &RunningSandbox {
        self.running.as_ref().expect("running")
    }

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

    /// Every message of a mailbox as the admin endpoint shows it, once the
    /// Sent Items copies the sandbox delays (as Exchange may) have landed.
    fn messages(&self, mailbox: &str) -> Vec<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.admin("/mail/pending")["pending"][mailbox]
            .as_u64()
            .unwrap_or(0)
            > 0
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        self.admin(&format!("/mail/mailboxes/{mailbox}"))["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn in_folder(&self, mailbox: &str, folder: &str) -> Vec<Value> {
        self.messages(mailbox)
            .into_iter()
            .filter(|m| m["folder"].as_str() == Some(folder))
            .collect()
    }

    /// `graph.*` request counts on one mailbox.
    fn counts(&self, mailbox: &str) -> BTreeMap<String, u64> {
        let counters = self.admin("/counters");
        counters["mailboxes"][mailbox]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.shutdown());
        }
    }
}

/// A sealed graphmail with an integration on the sandbox.
struct Mail {
    env: TestEnv,
    sandbox: Sandbox,
}

impl Mail {
    fn new() -> Self {
        Mail::on(Sandbox::start())
    }

    fn on(sandbox: Sandbox) -> Self {
        let mail = Mail {
            env: TestEnv::new(),
            sandbox,
        };
        let ready = mail.sandbox.running().ready().clone();
        mail.ok(&[
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
        mail
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_stdin(args, "")
    }

    fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let secret = self
            .sandbox
            .running()
            .ready()
            .client_secret
            .clone()
            .expect("sandbox secret");
        self.env
            .command()
            .env(SECRET_VAR, secret)
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .expect("run graphmail")
    }

    #[track_caller]
    fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.run(args);
        check(&out, code, args);
        (text(&out.stdout), text(&out.stderr))
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> (String, String) {
        self.expect(args, 0)
    }

    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let mut full = args.to_vec();
        full.extend(["--output", "json"]);
        let (stdout, _) = self.ok(&full);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    /// Adds, tests and enables.
    #[track_caller]
    fn live(&self, kind: &str, add: &[&str]) {
        let name = add[0];
        let mut args = vec![kind, "add"];
        args.extend(add);
        self.ok(&args);
        self.ok(&["test-connection", kind, name]);
        self.ok(&["enable", kind, name]);
    }

    /// The incoming connector `support` on Inbox and Inbox/Support/EU, with
    /// live routes `eu` and `us` and a disabled one on billing-support@.
    fn incoming(&self) {
        self.live(
            "connector",
            &[
                "support",
                "--use-for",
                "incoming",
                "--address",
                "support@contoso.com",
                "--folder",
                "Inbox",
                "--folder",
                "Inbox/Support/EU",
                "--process",
                "Case",
            ],
        );
        self.live(
            "route",
            &[
                "eu",
                "--connector",
                "support",
                "--address",
                "eu@contoso.com",
                "--process",
                "GDPR",
                "--for-attention",
            ],
        );
        self.live(
            "route",
            &[
                "us",
                "--connector",
                "support",
                "--address",
                "us@contoso.com",
                "--process",
                "Incident",
                "--test-mode",
            ],
        );
        // Added but never enabled: it takes nothing.
        self.ok(&[
            "route",
            "add",
            "billing",
            "--connector",
            "support",
            "--address",
            "billing-support@contoso.com",
            "--process",
            "Billing",
        ]);
    }

    /// The outbound connector `out` on noreply@ with alias routes for each
    /// seeded behaviour: info@ (rewrite), help@ (allow), billing@ (deny).
    fn outbound(&self) {
        self.live(
            "connector",
            &[
                "out",
                "--use-for",
                "outbound",
                "--address",
                "noreply@contoso.com",
            ],
        );
        self.live(
            "route",
            &[
                "help",
                "--connector",
                "out",
                "--address",
                "help@contoso.com",
            ],
        );
        // A Send-As probe now fails for info@ (rewritten) and billing@
        // (denied), so the gate keeps them shut (issue 10). `mail send` must
        // still explain what Exchange does when it changes after a route
        // passed: record those passes through the library, as an earlier
        // test-connection would have, then enable.
        for (name, address) in [
            ("info", "info@contoso.com"),
            ("billing-out", "billing@contoso.com"),
        ] {
            self.ok(&[
                "route",
                "add",
                name,
                "--connector",
                "out",
                "--address",
                address,
            ]);
            self.expect(&["test-connection", "route", name], 3);
            self.expect(&["enable", "route", name], 4);
            record_pass(&self.env.state_path(), "route", name);
            self.ok(&["enable", "route", name]);
        }
    }
}

fn by_subject<'a>(messages: &'a [Value], subject: &str) -> &'a Value {
    messages
        .iter()
        .find(|m| m["subject"].as_str() == Some(subject))
        .unwrap_or_else(|| panic!("no message '{subject}' in {messages:#?}"))
}

fn folder<'a>(peek: &'a Value, path: &str) -> &'a Value {
    peek["folders"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["path"] == path))
        .unwrap_or_else(|| panic!("no folder {path} in {peek:#}"))
}

/// (total, unread, oldest unread) of a folder, from the admin endpoint.
fn figures(messages: &[Value]) -> (u64, u64, Option<String>) {
    let unread: Vec<&Value> = messages.iter().filter(|m| m["is_read"] == false).collect();
    let oldest = unread
        .iter()
        .filter_map(|m| m["received"].as_str())
        .min()
        .map(str::to_string);
    (messages.len() as u64, unread.len() as u64, oldest)
}

fn same_instant(a: &Value, b: &Option<String>) {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("RFC 3339");
    match (a.as_str(), b) {
        (Some(a), Some(b)) => assert_eq!(parse(a), parse(b)),
        (None, None) => {}
        other => panic!("oldest unread differs: {other:?}"),
    }
}

#[test]
fn peek_reads_two_folders_across_pages_routes_each_message_and_changes_nothing() {
    let mail = Mail::new();
    mail.incoming();
    let sb = &mail.sandbox;
    let before = sb.messages("support@contoso.com");
    let eu_messages = sb.in_folder("support@contoso.com", "Inbox/Support/EU");
    assert!(eu_messages.len() > 8, "the seed has more than one page");
    let counts_before = sb.counts("support@contoso.com");

    let peek = mail.json(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--limit",
        "8",
        "--page-size",
        "3",
    ]);
    assert_eq!(peek["schema_version"], 1);
    assert_eq!(peek["read_only"], true);
    assert_eq!(peek["notes"], serde_json::json!([]));
    assert_eq!(peek["folders"].as_array().unwrap().len(), 2);

    // Backlog figures match the mailbox.
    for path in ["Inbox", "Inbox/Support/EU"] {
        let f = folder(&peek, path);
        assert!(f["error"].is_null(), "{f:#}");
        let (total, unread, oldest) = figures(&sb.in_folder("support@contoso.com", path));
        assert_eq!(f["total"], total, "{path}");
        assert_eq!(f["unread"], unread, "{path}");
        same_instant(&f["oldest_unread"], &oldest);
        assert!(f["oldest_unread_age_seconds"].as_i64().unwrap() > 0);
    }

    // The newest 8 of EU, across three pages of 3, newest first.
    let eu = folder(&peek, "Inbox/Support/EU")["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(eu.len(), 8);
    let mut received: Vec<&str> = eu_messages
        .iter()
        .filter_map(|m| m["received"].as_str())
        .collect();
    received.sort_unstable_by(|a, b| b.cmp(a));
    let shown: Vec<chrono::DateTime<chrono::FixedOffset>> = eu
        .iter()
        .map(|m| chrono::DateTime::parse_from_rfc3339(m["received"].as_str().unwrap()).unwrap())
        .collect();
    let expected: Vec<chrono::DateTime<chrono::FixedOffset>> = received[..8]
        .iter()
        .map(|r| chrono::DateTime::parse_from_rfc3339(r).unwrap())
        .collect();
    assert_eq!(shown, expected);
    let counts_after = sb.counts("support@contoso.com");
    let messages_calls = counts_after.get("graph.messages").copied().unwrap_or(0)
        - counts_before.get("graph.messages").copied().unwrap_or(0);
    // Inbox: 5 messages in 2 pages of 3; EU: 3 pages; plus one backlog query each.
    assert_eq!(messages_calls, 2 + 3 + 2, "{counts_after:?}");

    // Route resolution.
    let inbox = folder(&peek, "Inbox")["messages"]
        .as_array()
        .unwrap()
        .clone();
    let gdpr = by_subject(&inbox, "GDPR data export request");
    assert_eq!(gdpr["routing"], "direct");
    assert_eq!(gdpr["route"]["name"], "eu");
    assert_eq!(gdpr["route"]["process"], "GDPR");
    assert_eq!(gdpr["route"]["for_attention"], true);
    let outage = by_subject(&inbox, "Outage in us-east?");
    assert_eq!(outage["route"]["name"], "us");
    assert_eq!(outage["route"]["test_mode"], true);
    // billing-support@ has a route, but not a live one: the default takes it.
    let invoice = by_subject(&inbox, "Invoice 2024-118 charged twice");
    assert_eq!(invoice["routing"], "default");
    assert_eq!(invoice["route"]["name"], "support");
    assert_eq!(invoice["route"]["default"], true);
    assert_eq!(invoice["route"]["process"], "Case");
    assert_eq!(invoice["matching_routes"], serde_json::json!([]));
    let digest = by_subject(&inbox, "Weekly digest");
    assert_eq!(digest["cc"], serde_json::json!(["sales@contoso.com"]));
    assert_eq!(digest["routing"], "default");

    // Nothing changed: no message read, moved or updated.
    assert_eq!(sb.messages("support@contoso.com"), before);
    for kind in ["graph.update", "graph.move", "graph.createDraft"] {
        assert_eq!(
            counts_after.get(kind),
            counts_before.get(kind),
            "{kind}: {counts_after:?}"
        );
    }

    // Piped text: a tab-separated folder table, then the messages.
    let (stdout, _) = mail.ok(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--folder",
        "Inbox",
        "--limit",
        "5",
    ]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "FOLDER\tTOTAL\tUNREAD\tOLDEST UNREAD\tBACKLOG");
    assert!(lines[1].starts_with("Inbox\t"), "{stdout}");
    assert!(
        stdout.contains("GDPR data export request\teu\tGDPR\tfor attention"),
        "{stdout}"
    );
    assert_eq!(sb.messages("support@contoso.com"), before);
}

/// SPEC §8: `mail peek` of a folder of 10,000 messages takes ceil(n / 1,000)
/// list requests — Graph's largest page, `$top=1000`, followed by
/// `@odata.nextLink` — plus the one `$top=1` query for the oldest unread;
/// the folder path `Inbox/Bulk` resolves in one request. Counted by the
/// sandbox, not timed.
#[test]
fn peek_of_ten_thousand_messages_takes_ten_list_requests() {
    const MESSAGES: u64 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.toml");
    std::fs::write(
        &seed,
        format!(
            "[[generate]]\ncount = 1\npattern = \"bulk{{n}}@contoso.com\"\nfolders = [\"Inbox/Bulk\"]\nmessages_per_folder = {MESSAGES}\nunread_every = 3\n"
        ),
    )
    .unwrap();
    let mail = Mail::on(Sandbox::with_options(ServeOptions {
        seed_file: Some(seed),
        ..ServeOptions::default()
    }));
    mail.ok(&[
        "connector",
        "add",
        "bulk",
        "--use-for",
        "incoming",
        "--address",
        "bulk1@contoso.com",
        "--folder",
        "Inbox/Bulk",
        "--process",
        "Case",
    ]);
    let sb = &mail.sandbox;
    let calls = |before: &BTreeMap<String, u64>, kind: &str| {
        let after = sb.counts("bulk1@contoso.com");
        after.get(kind).copied().unwrap_or(0) - before.get(kind).copied().unwrap_or(0)
    };

    for (limit, pages) in [(MESSAGES, 10), (2_500, 3), (10, 1)] {
        let before = sb.counts("bulk1@contoso.com");
        let peek = mail.json(&[
            "mail",
            "peek",
            "--connector",
            "bulk",
            "--limit",
            &limit.to_string(),
        ]);
        let bulk = folder(&peek, "Inbox/Bulk");
        assert!(bulk["error"].is_null(), "{bulk:#}");
        assert_eq!(bulk["total"], MESSAGES);
        let shown = bulk["messages"].as_array().unwrap();
        assert_eq!(shown.len() as u64, limit);
        let ids: std::collections::HashSet<&str> =
            shown.iter().filter_map(|m| m["id"].as_str()).collect();
        assert_eq!(ids.len() as u64, limit, "each message once");
        assert_eq!(
            calls(&before, "graph.messages"),
            pages + 1,
            "--limit {limit}: {pages} page(s) of up to 1,000 and the oldest-unread query"
        );
        assert_eq!(
            calls(&before, "graph.childFolders"),
            1,
            "Inbox/Bulk in one lookup"
        );
    }
    let (_, stderr) = mail.expect(
        &["mail", "peek", "--connector", "bulk", "--limit", "10001"],
        2,
    );
    assert!(stderr.contains("1 to 10000"), "{stderr}");
}

#[test]
fn peek_of_one_folder_unread_only_and_of_connectors_it_cannot_read() {
    let mail = Mail::new();
    mail.ok(&[
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
    // Not enabled, not tested: allowed, said so, nothing would take the mail.
    let out = mail.run(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--folder",
        "Inbox/Support/US",
        "--unread",
        "--output",
        "json",
    ]);
    check(&out, 0, &["mail", "peek"]);
    let peek: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = peek["notes"].to_string();
    assert!(notes.contains("not live"), "{notes}");
    assert!(notes.contains("does not read it"), "{notes}");
    let us = folder(&peek, "Inbox/Support/US");
    let messages = us["messages"].as_array().unwrap();
    let (_, unread, _) = figures(
        &mail
            .sandbox
            .in_folder("support@contoso.com", "Inbox/Support/US"),
    );
    assert_eq!(messages.len() as u64, unread.min(10));
    assert!(messages.iter().all(|m| m["is_read"] == false));
    assert!(
        messages
            .iter()
            .all(|m| m["routing"] == "none" && m["route"].is_null())
    );

    // A folder that does not exist: exit 1, the folders that do named.
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "peek",
            "--connector",
            "support",
            "--folder",
            "Inbox/Nope",
        ],
        1,
    );
    assert!(stderr.contains("could not be read"), "{stderr}");
    assert!(stderr.contains("check the folder path"), "{stderr}");

    // An outbound connector cannot be peeked: exit 2.
    mail.ok(&[
        "connector",
        "add",
        "out",
        "--use-for",
        "outbound",
        "--address",
        "noreply@contoso.com",
    ]);
    let (_, stderr) = mail.expect(&["mail", "peek", "--connector", "out"], 2);
    assert!(stderr.contains("outbound"), "{stderr}");
    let (_, stderr) = mail.expect(
        &["mail", "peek", "--connector", "support", "--limit", "0"],
        2,
    );
    assert!(stderr.contains("--limit"), "{stderr}");
}

#[test]
fn send_from_connector_and_alias_routes_under_each_alias_behaviour() {
    let mail = Mail::new();
    mail.outbound();
    let sb = &mail.sandbox;

    // The connector itself (a bare name: its default route is the same sender).
    let sent = mail.json(&[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "From the connector",
        "--body",
        "Hello Adele",
        "--verify-sent",
    ]);
    assert_eq!(sent["schema_version"], 1);
    assert_eq!(sent["method"], "draft-send");
    assert_eq!(sent["sender"]["kind"], "connector");
    assert_eq!(sent["from_as_sent"], "noreply@contoso.com");
    assert_eq!(sent["verification"]["method"], "immutable-id");
    assert_eq!(sent["verification"]["strength"], "exact");
    assert_eq!(sent["from_observed"], "noreply@contoso.com");
    assert_eq!(sent["from_outcome"], "as-sent");
    let copy = by_subject(
        &sb.in_folder("noreply@contoso.com", "Sent Items"),
        "From the connector",
    )
    .clone();
    assert_eq!(copy["immutable_id"], sent["message_id"]);
    assert_eq!(copy["is_draft"], false);
    let delivered = sb.in_folder("adele@contoso.com", "Inbox");
    assert_eq!(
        by_subject(&delivered, "From the connector")["from"],
        "noreply@contoso.com"
    );

    // rewrite: sent as info@, Exchange keeps the primary address.
    let out = mail.run(&[
        "mail",
        "send",
        "--from",
        "route:info",
        "--to",
        "adele@contoso.com",
        "--subject",
        "Rewritten alias",
        "--body",
        "x",
        "--verify-sent",
        "--output",
        "json",
    ]);
    check(&out, 0, &["mail", "send", "route:info"]);
    let sent: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sent["from_as_sent"], "info@contoso.com");
    assert_eq!(sent["from_observed"], "noreply@contoso.com");
    assert_eq!(sent["from_outcome"], "rewritten");
    assert!(text(&out.stderr).contains("rewrote the alias info@contoso.com"));
    let copy = by_subject(
        &sb.in_folder("noreply@contoso.com", "Sent Items"),
        "Rewritten alias",
    )
    .clone();
    assert_eq!(copy["from"], "noreply@contoso.com");

    // allow: the alias stays.
    let sent = mail.json(&[
        "mail",
        "send",
        "--from",
        "help",
        "--to",
        "adele@contoso.com",
        "--subject",
        "Allowed alias",
        "--body",
        "x",
        "--verify-sent",
    ]);
    assert_eq!(sent["sender"]["kind"], "route");
    assert_eq!(sent["from_observed"], "help@contoso.com");
    assert_eq!(sent["from_outcome"], "as-sent");

    // deny: ErrorSendAsDenied explained, exit 1, no stray draft left.
    let deletes = |sb: &Sandbox| {
        sb.counts("noreply@contoso.com")
            .get("graph.delete")
            .copied()
            .unwrap_or(0)
    };
    let deletes_before = deletes(sb);
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "send",
            "--from",
            "route:billing-out",
            "--to",
            "adele@contoso.com",
            "--subject",
            "Denied alias",
            "--body",
            "x",
            "--verify-sent",
        ],
        1,
    );
    assert!(stderr.contains("ErrorSendAsDenied"), "{stderr}");
    assert!(
        stderr.contains("Add-RecipientPermission -Identity billing@contoso.com -Trustee noreply@contoso.com -AccessRights SendAs"),
        "{stderr}"
    );
    assert!(stderr.contains("--from connector:out"), "{stderr}");
    // Neither sent nor filed, and the refused draft deleted (Graph answers
    // DELETE with 204, learn.microsoft.com/graph/api/message-delete).
    assert!(
        sb.in_folder("noreply@contoso.com", "Sent Items")
            .iter()
            .all(|m| m["subject"] != "Denied alias"),
        "nothing filed of a denied send"
    );
    let deliveries = sb.admin("/mail/deliveries")["deliveries"].to_string();
    assert!(!deliveries.contains("Denied alias"), "{deliveries}");
    let drafts = sb.in_folder("noreply@contoso.com", "Drafts");
    assert!(
        drafts.iter().all(|m| m["subject"] != "Denied alias"),
        "the refused draft is deleted: {drafts:?}"
    );
    assert!(!stderr.contains("stays in Drafts"), "{stderr}");
    assert_eq!(
        deletes(sb),
        deletes_before + 1,
        "the draft went through DELETE: {:?}",
        sb.counts("noreply@contoso.com")
    );
    // Without --verify-sent too (plain sendMail).
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "send",
            "--from",
            "route:billing-out",
            "--to",
            "adele@contoso.com",
            "--subject",
            "Denied alias",
            "--body",
            "x",
        ],
        1,
    );
    assert!(stderr.contains("ErrorSendAsDenied"), "{stderr}");

    // Plain sendMail, body from stdin, HTML: saved to Sent Items all the same.
    let out = mail.run_stdin(
        &[
            "mail",
            "send",
            "--from",
            "connector:out",
            "--to",
            "adele@contoso.com",
            "--cc",
            "sales@contoso.com",
            "--subject",
            "Plain send",
            "--body-file",
            "-",
            "--html",
        ],
        "<p>Hello</p>",
    );
    check(&out, 0, &["mail", "send", "plain"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("with sendMail"), "{stdout}");
    assert!(stdout.contains("verified:     no"), "{stdout}");
    let copy = by_subject(
        &sb.in_folder("noreply@contoso.com", "Sent Items"),
        "Plain send",
    )
    .clone();
    assert_eq!(copy["cc"], serde_json::json!(["sales@contoso.com"]));
    by_subject(&sb.in_folder("sales@contoso.com", "Inbox"), "Plain send");
}

#[test]
fn sent_mail_is_delivered_and_peek_shows_its_routes() {
    let mail = Mail::new();
    mail.incoming();
    mail.outbound();
    mail.ok(&[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "eu@contoso.com",
        "--cc",
        "us@contoso.com",
        "--subject",
        "Both regions",
        "--body",
        "x",
    ]);
    mail.ok(&[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "nobody@fabrikam.example",
        "--cc",
        "support@contoso.com",
        "--subject",
        "Unmatched",
        "--body",
        "x",
    ]);
    let peek = mail.json(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--folder",
        "Inbox",
    ]);
    let inbox = folder(&peek, "Inbox")["messages"]
        .as_array()
        .unwrap()
        .clone();
    let both = by_subject(&inbox, "Both regions");
    assert_eq!(both["routing"], "multiple");
    assert_eq!(both["route"]["name"], "eu");
    assert_eq!(both["matching_routes"], serde_json::json!(["eu", "us"]));
    assert_eq!(both["from"], "noreply@contoso.com");
    let unmatched = by_subject(&inbox, "Unmatched");
    assert_eq!(unmatched["routing"], "default");
    assert_eq!(unmatched["route"]["name"], "support");
    // Newest first: the two just delivered lead, unread.
    assert_eq!(inbox[0]["is_read"], false);
    let (stdout, _) = mail.ok(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--folder",
        "Inbox",
    ]);
    assert!(stdout.contains("eu (several match: eu, us)"), "{stdout}");
}

#[test]
fn disabled_and_untested_senders_are_refused() {
    let mail = Mail::new();
    mail.outbound();
    let send = |from: &str| -> Vec<String> {
        [
            "mail",
            "send",
            "--from",
            from,
            "--to",
            "adele@contoso.com",
            "--subject",
            "s",
            "--body",
            "b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |from: &str, code: i32| {
        let args = send(from);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mail.expect(&args, code).1
    };
    // Untested route.
    mail.ok(&[
        "route",
        "add",
        "news",
        "--connector",
        "out",
        "--address",
        "news@contoso.com",
    ]);
    let stderr = run("news", 4);
    assert!(
        stderr.contains("never passed a connection test"),
        "{stderr}"
    );
    assert!(
        stderr.contains("graphmail test-connection route news"),
        "{stderr}"
    );
    // Disabled route.
    mail.ok(&["disable", "route", "help"]);
    let stderr = run("route:help", 4);
    assert!(stderr.contains("is disabled"), "{stderr}");
    assert!(stderr.contains("graphmail enable route help"), "{stderr}");
    // Disabled connector: itself, and its routes.
    mail.ok(&["disable", "connector", "out"]);
    let stderr = run("connector:out", 4);
    assert!(stderr.contains("is disabled"), "{stderr}");
    let stderr = run("route:info", 4);
    assert!(stderr.contains("connector 'out'"), "{stderr}");
    // Untested connector.
    mail.ok(&[
        "connector",
        "add",
        "out2",
        "--use-for",
        "outbound",
        "--address",
        "noreply@contoso.com",
    ]);
    let stderr = run("out2", 4);
    assert!(stderr.contains("never passed"), "{stderr}");
    // Nothing was sent by the refused `mail send`s (the connection tests'
    // own probes aside).
    let deliveries = mail.sandbox.admin("/mail/deliveries");
    let sent: Vec<&Value> = deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            !d["subject"]
                .as_str()
                .unwrap_or_default()
                .starts_with("graphmail connection test")
        })
        .collect();
    assert!(sent.is_empty(), "{sent:#?}");

    // Usage errors: exit 2.
    let stderr = run("route:nope", 2);
    assert!(stderr.contains("no route named 'nope'"), "{stderr}");
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "not-an-address",
            "--subject",
            "s",
            "--body",
            "b",
        ],
        2,
    );
    assert!(stderr.contains("--to"), "{stderr}");
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "a@b.com",
            "--subject",
            "s",
        ],
        2,
    );
    assert!(stderr.contains("--body"), "{stderr}");
}

#[test]
fn attachments_at_and_over_the_inline_limit() {
    let mail = Mail::new();
    mail.outbound();
    // 2.9 MB: about 3.9 MB as base64, so inline only with a short body.
    let file = mail.env.path("home/largest.pdf");
    std::fs::write(&file, vec![7u8; 2_900_000]).unwrap();
    let file_s = file.to_str().unwrap();
    let send = |subject: &str, body: &[&str]| {
        let mut args = vec![
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "adele@contoso.com",
            "--subject",
            subject,
        ];
        args.extend_from_slice(body);
        args.extend_from_slice(&["--attach", file_s, "--verify-sent"]);
        mail.json(&args)
    };
    let attached = |via: &str| serde_json::json!([{"name": "largest.pdf", "content_type": "application/pdf", "size": 2_900_000, "via": via}]);
    let stored = serde_json::json!([{"name": "largest.pdf", "content_type": "application/pdf", "size": 2_900_000}]);
    let sent = send("Inline attachment", &["--body", "see attached"]);
    assert_eq!(sent["attachments"], attached("inline"), "{sent:#}");
    assert_eq!(sent["verification"]["found"], true, "{sent:#}");
    let copy = by_subject(
        &mail.sandbox.in_folder("noreply@contoso.com", "Sent Items"),
        "Inline attachment",
    )
    .clone();
    assert_eq!(copy["attachments"], stored);

    // With a 400 KB body the request would pass 4 MB: a draft, the file
    // added to it by its own POST, then sent.
    let body = mail.env.path("home/body.txt");
    std::fs::write(&body, "b".repeat(400_000)).unwrap();
    let sent = send(
        "Posted attachment",
        &["--body-file", body.to_str().unwrap()],
    );
    assert_eq!(sent["attachments"], attached("post"), "{sent:#}");
    assert_eq!(sent["method"], "draft-send");
    assert_eq!(sent["verification"]["found"], true, "{sent:#}");
    let copy = by_subject(
        &mail.sandbox.in_folder("noreply@contoso.com", "Sent Items"),
        "Posted attachment",
    )
    .clone();
    assert_eq!(copy["attachments"], stored);
    assert!(
        mail.sandbox
            .in_folder("noreply@contoso.com", "Drafts")
            .is_empty(),
        "no draft is left behind"
    );

    // Just under 3 MiB fits no path: over 4 MB as base64, under the 3 MB
    // an upload session needs. Refused before anything is sent.
    let dead = mail.env.path("home/too-big.bin");
    std::fs::write(&dead, vec![7u8; LIMIT - 1]).unwrap();
    let (_, stderr) = mail.expect(
        &[
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "adele@contoso.com",
            "--subject",
            "Too big",
            "--body",
            "x",
            "--attach",
            dead.to_str().unwrap(),
        ],
        2,
    );
    assert!(stderr.contains("too-big.bin"), "{stderr}");
    assert!(stderr.contains("upload session"), "{stderr}");
    assert!(
        mail.sandbox
            .messages("noreply@contoso.com")
            .iter()
            .all(|m| m["subject"] != "Too big")
    );
}

/// A sandbox whose upload throttle does not slow the suite down, and whose
/// mailbox limit is `max_message_bytes`.
fn large_mail(max_message_bytes: u64) -> Mail {
    let mut seed = graphmail::sandbox::Seed::builtin();
    seed.mail.mail_limits.upload_bytes_per_window = 1 << 30;
    seed.mail.mail_limits.max_message_bytes = max_message_bytes;
    let mail = Mail::on(Sandbox::with_options(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    }));
    mail.outbound();
    mail
}

fn send_large_args<'a>(subject: &'a str, path: &'a std::path::Path) -> [&'a str; 15] {
    [
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        subject,
        "--body",
        "large file attached",
        "--attach",
        path.to_str().unwrap(),
        "--verify-sent",
        "--output",
        "json",
    ]
}

fn send_large(mail: &Mail, subject: &str, path: &std::path::Path, code: i32) -> (String, String) {
    mail.expect(&send_large_args(subject, path), code)
}

/// [`send_large`], also giving the child's own peak RSS in KiB (its
/// `VmHWM`, read while it runs; Linux only). Not `RUSAGE_CHILDREN`: a
/// child spawned by a big process inherits the parent's high-water mark at
/// exec, so that figure is this test process's (the sandbox holding the
/// upload, the file written), not graphmail's.
fn send_large_measured(
    mail: &Mail,
    subject: &str,
    path: &std::path::Path,
) -> (String, Option<u64>) {
    use std::process::Stdio;
    let secret = mail
        .sandbox
        .running()
        .ready()
        .client_secret
        .clone()
        .expect("sandbox secret");
    let args = send_large_args(subject, path);
    let mut child = mail
        .env
        .process()
        .env(SECRET_VAR, secret)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mail send");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while child.try_wait().expect("try_wait").is_none() {
        let hwm = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
        peak = peak.max(hwm);
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the 150 MB send took over 5 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    check(&out, 0, &args);
    (text(&out.stdout), peak)
}

const MIB: usize = 1024 * 1024;

#[test]
fn a_20_mb_attachment_goes_up_in_4_mb_chunks_and_one_over_35_mb_is_refused_with_the_hint() {
    let mail = large_mail(36_700_160);
    let file = mail.env.path("home/twenty.bin");
    std::fs::write(&file, vec![3u8; 20 * MIB]).unwrap();
    let (stdout, _) = send_large(&mail, "Twenty", &file, 0);
    let sent: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sent["attachments"][0]["via"], "upload-session", "{sent:#}");
    assert_eq!(sent["method"], "draft-send");
    assert_eq!(sent["verification"]["found"], true, "{sent:#}");
    let sessions = mail.sandbox.admin("/mail/uploads")["sessions"].clone();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0]["state"], "complete");
    assert_eq!(sessions[0]["puts"], 5, "one PUT per chunk: {sessions:?}");
    assert_eq!(sessions[0]["chunks"], serde_json::json!(vec![4 * MIB; 5]));
    assert_eq!(sessions[0]["bearer_refused"], 0);
    let copy = by_subject(
        &mail.sandbox.in_folder("noreply@contoso.com", "Sent Items"),
        "Twenty",
    )
    .clone();
    assert_eq!(copy["attachments"][0]["size"], 20 * MIB);

    // Over Exchange's default MaxSendSize (35 MB): explained, nothing sent.
    let over = mail.env.path("home/forty.bin");
    std::fs::write(&over, vec![3u8; 40 * MIB]).unwrap();
    let (stdout, stderr) = send_large(&mail, "Forty", &over, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("Set-Mailbox"), "{stderr}");
    assert!(stderr.contains("MaxSendSize"), "{stderr}");
    assert!(!stderr.contains("authtoken"), "{stderr}");
    // Exchange moves a deleted draft to Deleted Items (message-delete).
    for folder in ["Sent Items", "Drafts"] {
        assert!(
            mail.sandbox
                .in_folder("noreply@contoso.com", folder)
                .iter()
                .all(|m| m["subject"] != "Forty"),
            "neither sent nor left as a draft ({folder})"
        );
    }
}

#[test]
fn a_150_mb_attachment_goes_through_with_the_mailbox_limit_raised() {
    let mail = large_mail(157_286_400);
    let file = mail.env.path("home/max.bin");
    // 150 MB: under the raised limit of 150 MiB with the body and headers.
    std::fs::write(&file, vec![5u8; 150_000_000]).unwrap();
    let (stdout, peak) = send_large_measured(&mail, "Largest", &file);
    let sent: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sent["attachments"][0]["via"], "upload-session", "{sent:#}");
    assert_eq!(sent["verification"]["found"], true, "{sent:#}");
    let sessions = mail.sandbox.admin("/mail/uploads")["sessions"].clone();
    assert_eq!(sessions[0]["state"], "complete", "{sessions}");
    let chunks = sessions[0]["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 36, "150 MB in 4 MiB chunks");
    assert!(chunks.iter().all(|c| c.as_u64().unwrap() <= 4 * MIB as u64));
    assert_eq!(sessions[0]["puts"], 36);
    assert_eq!(sessions[0]["received"], 150_000_000);
    // Memory is a figure, not a pass/fail bar here (targets are checked by
    // benchmarks, not by tests that flake on a busy machine): printed for
    // whoever reads the run.
    if let Some(kib) = peak {
        eprintln!(
            "peak RSS of the 150 MB `mail send` (VmHWM): {} MiB",
            kib / 1024
        );
    }
}

#[test]
fn without_mail_read_write_the_sent_copy_is_matched_weakly_and_says_so() {
    let mut seed = graphmail::sandbox::Seed::builtin();
    let app = seed.tenants[0]
        .apps
        .iter_mut()
        .find(|a| a.id == graphmail::sandbox::seed::APP_GRAPHMAIL)
        .expect("graphmail app");
    app.roles = vec!["Mail.Read".into(), "Mail.Send".into()];
    let mail = Mail::on(Sandbox::with_options(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    }));
    mail.live(
        "connector",
        &[
            "out",
            "--use-for",
            "outbound",
            "--address",
            "noreply@contoso.com",
        ],
    );
    let out = mail.run(&[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "Weakly verified",
        "--body",
        "x",
        "--verify-sent",
        "--output",
        "json",
    ]);
    check(&out, 0, &["mail", "send", "--verify-sent"]);
    let sent: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sent["method"], "send-mail");
    assert_eq!(sent["verification"]["method"], "subject-match");
    assert_eq!(sent["verification"]["strength"], "weak");
    assert_eq!(sent["verification"]["found"], true);
    assert_eq!(sent["from_observed"], "noreply@contoso.com");
    assert!(
        sent["notes"].to_string().contains("no Mail.ReadWrite"),
        "{sent:#}"
    );
    let copy = by_subject(
        &mail.sandbox.in_folder("noreply@contoso.com", "Sent Items"),
        "Weakly verified",
    )
    .clone();
    assert_eq!(copy["immutable_id"], sent["message_id"]);
    let (stdout, stderr) = mail.ok(&[
        "mail",
        "send",
        "--from",
        "out",
        "--to",
        "adele@contoso.com",
        "--subject",
        "Weakly verified",
        "--body",
        "again",
        "--verify-sent",
    ]);
    assert!(stdout.contains("(weak match)"), "{stdout}");
    assert!(stderr.contains("2 Sent Items copies match"), "{stderr}");
}

#[test]
fn verify_sent_waits_through_the_sent_items_delay_and_a_late_copy_is_an_honest_miss() {
    let mail = Mail::new();
    mail.outbound();
    let sb = &mail.sandbox;
    let send = |subject: &str, timeout: &str, code: i32| {
        let args = [
            "mail",
            "send",
            "--from",
            "connector:out",
            "--to",
            "adele@contoso.com",
            "--subject",
            subject,
            "--body",
            "x",
            "--verify-sent",
            "--verify-timeout",
            timeout,
            "--output",
            "json",
        ];
        let out = mail.run(&args);
        check(&out, code, &args);
        let stdout = text(&out.stdout);
        let sent: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
        (sent, text(&out.stderr))
    };

    // Exchange files the copy after the 202 (learn.microsoft.com/graph/
    // outlook-immutable-id): graphmail waits for it.
    sb.admin_put(
        "/mail/limits",
        serde_json::json!({"sent_items_delay_ms": 2500}),
    );
    let (sent, stderr) = send("Slow copy", "20", 0);
    let verification = &sent["verification"];
    assert_eq!(verification["found"], true, "{sent:#}\n{stderr}");
    assert!(
        verification["waited_ms"].as_u64().unwrap_or(0) >= 2000,
        "the wait for the delayed copy was exercised: {sent:#}"
    );

    // Later than the deadline: sent, said so, exit 1, and "do not send it
    // again" (the copy does land afterwards, and the mail went once).
    sb.admin_put(
        "/mail/limits",
        serde_json::json!({"sent_items_delay_ms": 6000}),
    );
    let (sent, stderr) = send("Late copy", "1", 1);
    assert_eq!(sent["sent"], true, "{sent:#}");
    assert_eq!(sent["verification"]["found"], false, "{sent:#}");
    assert!(stderr.contains("do not send it again"), "{stderr}");
    assert!(stderr.contains("within 1 s"), "{stderr}");
    let deliveries = sb.admin("/mail/deliveries")["deliveries"].to_string();
    assert_eq!(deliveries.matches("Late copy").count(), 1, "{deliveries}");
    let filed = sb.in_folder("noreply@contoso.com", "Sent Items");
    assert!(
        filed.iter().any(|m| m["subject"] == "Late copy"),
        "the copy lands after the deadline: {filed:?}"
    );
}

impl Sandbox {
    fn admin_delete(&self, path: &str) {
        let url = format!("{}{path}", self.running().ready().admin_endpoint);
        self.runtime.block_on(async {
            graphmail::auth::install_tls_provider();
            let status = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .delete(&url)
                .send()
                .await
                .expect("admin answers")
                .status();
            assert!(status.is_success(), "DELETE {path}: {status}");
        });
    }
}

impl Mail {
    /// The incoming connector, and an outbound one to deliver into it.
    fn watched() -> Mail {
        let mail = Mail::new();
        mail.incoming();
        mail.outbound();
        mail
    }

    /// A message from noreply@ to support@ (the watched mailbox's Inbox).
    fn deliver(&self, subject: &str) {
        self.ok(&[
            "mail",
            "send",
            "--from",
            "out",
            "--to",
            "support@contoso.com",
            "--subject",
            subject,
            "--body",
            "watch me",
        ]);
    }

    fn watch_once(&self, extra: &[&str]) -> (Vec<Value>, String) {
        let mut args = vec![
            "mail",
            "watch",
            "--connector",
            "support",
            "--once",
            "--output",
            "json",
        ];
        args.extend_from_slice(extra);
        let (stdout, stderr) = self.ok(&args);
        let lines = stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {l}"))
            })
            .collect();
        (lines, stderr)
    }
}

fn subjects(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn mail_watch_once_twice_prints_new_mail_once_and_a_lost_position_restarts_from_now() {
    let mail = Mail::watched();
    mail.deliver("Before any watch");
    // No position yet: from now, said on stderr; nothing old printed.
    let (lines, stderr) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "{lines:?}");
    assert!(stderr.contains("from now"), "{stderr}");
    let delta_dir = mail.env.path("config/graphmail/state.toml.d/delta");
    assert_eq!(
        std::fs::read_dir(&delta_dir).unwrap().count(),
        2,
        "one position per folder"
    );

    mail.deliver("Arrived =\u{1b}[31m red");
    let (lines, stderr) = mail.watch_once(&[]);
    assert_eq!(
        subjects(&lines),
        vec!["Arrived =\u{1b}[31m red"],
        "{stderr}"
    );
    assert_eq!(lines[0]["connector"], "support");
    assert_eq!(lines[0]["folder"], "Inbox");
    assert_eq!(lines[0]["from"], "noreply@contoso.com");
    assert_eq!(lines[0]["route"]["name"], "support", "{:#}", lines[0]);
    assert!(!stderr.contains("from now"), "{stderr}");
    let (lines, _) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "printed once only: {lines:?}");
    // The text form is inert: no escape reaches the terminal.
    mail.deliver("Second =\u{1b}[31m one");
    let (stdout, _) = mail.ok(&["mail", "watch", "--connector", "support", "--once"]);
    assert!(stdout.contains("Second"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("-> support"), "{stdout}");

    // Graph forgets the positions: from now again, with a note; no flood.
    mail.deliver("While forgotten");
    mail.sandbox.admin_delete("/mail/delta-tokens");
    let (lines, stderr) = mail.watch_once(&[]);
    assert!(
        lines.is_empty(),
        "no old mail after a lost position: {lines:?}"
    );
    assert!(stderr.contains("no longer knows"), "{stderr}");
    mail.deliver("After the restart");
    let (lines, _) = mail.watch_once(&[]);
    assert_eq!(subjects(&lines), vec!["After the restart"]);
}

/// Mail that arrived between two looks is printed oldest first, as across
/// looks, whatever order Graph lists a round's changes in (the sandbox lists
/// them newest first).
#[test]
fn mail_watch_prints_what_one_look_finds_oldest_first() {
    let mail = Mail::watched();
    let (lines, _) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "{lines:?}");
    mail.deliver("First");
    // Later by the sandbox's clock, so the two differ in receivedDateTime.
    mail.sandbox
        .admin_post("/clock", serde_json::json!({"shift_seconds": 120}));
    mail.deliver("Second");
    mail.sandbox
        .admin_post("/clock", serde_json::json!({"shift_seconds": 120}));
    mail.deliver("Third");
    let (lines, stderr) = mail.watch_once(&[]);
    assert_eq!(
        subjects(&lines),
        vec!["First", "Second", "Third"],
        "{stderr}"
    );
}

#[test]
fn mail_watch_from_start_prints_what_is_there() {
    let mail = Mail::watched();
    mail.deliver("Already there");
    let (lines, stderr) = mail.watch_once(&["--from-start"]);
    assert!(
        subjects(&lines).contains(&"Already there".to_string()),
        "{lines:?}"
    );
    assert!(!stderr.contains("from now"), "{stderr}");
    let (_, stderr) = mail.expect(
        &["mail", "watch", "--connector", "support", "--interval", "0"],
        2,
    );
    assert!(stderr.contains("--interval"), "{stderr}");
}

/// Which stream of a background `mail watch` a line came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stream {
    Out,
    Err,
}

/// A `mail watch` running while the test acts: its stdout and stderr are
/// read on threads into one channel, so every wait has a deadline and a
/// stuck child fails the test (and is killed) instead of hanging it.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<(Stream, String)>,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

impl Watching {
    fn start(mail: &Mail, extra: &[&str]) -> Watching {
        use std::io::BufRead;
        use std::process::Stdio;
        let secret = mail
            .sandbox
            .running()
            .ready()
            .client_secret
            .clone()
            .expect("sandbox secret");
        let mut child = mail
            .env
            .process()
            .env(SECRET_VAR, secret)
            .args(["mail", "watch", "--connector", "support", "--interval", "1"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mail watch");
        let (tx, lines) = std::sync::mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        for (stream, reader) in [
            (Stream::Out, Box::new(out) as Box<dyn std::io::Read + Send>),
            (Stream::Err, Box::new(err)),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(reader).lines() {
                    let Ok(line) = line else { break };
                    if tx.send((stream, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Watching {
            child,
            lines,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// Everything read so far, for failure messages.
    fn transcript(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout.join("\n"),
            self.stderr.join("\n")
        )
    }

    /// Reads lines until one on `stream` contains `needle`; kills the child
    /// and fails after [`WAIT`].
    #[track_caller]
    fn wait_for(&mut self, stream: Stream, needle: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((from, line)) => {
                    match from {
                        Stream::Out => self.stdout.push(line.clone()),
                        Stream::Err => self.stderr.push(line.clone()),
                    }
                    if from == stream && line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => {
                    let _ = self.child.kill();
                    panic!(
                        "no {stream:?} line with {needle:?} within {WAIT:?} ({e})\n{}",
                        self.transcript()
                    );
                }
            }
        }
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal})");
    }

    /// Waits for the exit within `limit`, then drains what is left of the
    /// output; kills the child and fails if it is still running.
    #[track_caller]
    fn exit_within(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                while let Ok((from, line)) = self.lines.try_recv() {
                    match from {
                        Stream::Out => self.stdout.push(line),
                        Stream::Err => self.stderr.push(line),
                    }
                }
                panic!(
                    "mail watch still running {limit:?} after the signal\n{}",
                    self.transcript()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        // The reader threads end at EOF, which follows the exit.
        while let Ok((from, line)) = self.lines.recv_timeout(std::time::Duration::from_secs(5)) {
            match from {
                Stream::Out => self.stdout.push(line),
                Stream::Err => self.stderr.push(line),
            }
        }
        status
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        // A failed assertion must not leave a watcher behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn mail_watch_prints_mail_delivered_while_it_runs_and_ctrl_c_saves_the_position() {
    let mail = Mail::watched();
    mail.deliver("Before the watch");
    let mut watch = Watching::start(&mail, &[]);
    watch.wait_for(Stream::Err, "Ctrl-C stops");
    assert!(
        watch.stderr.iter().any(|l| l.contains("from now")),
        "{}",
        watch.transcript()
    );

    mail.deliver("Landed while watching");
    let line = watch.wait_for(Stream::Out, "Landed while watching");
    assert!(line.contains("Inbox"), "{line}");
    assert!(line.contains("from noreply@contoso.com"), "{line}");
    assert!(
        line.contains("-> support"),
        "the route it would take: {line}"
    );

    watch.signal(libc::SIGINT);
    let status = watch.exit_within(std::time::Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status:?}\n{}", watch.transcript());
    assert!(
        !watch.stdout.iter().any(|l| l.contains("Before the watch")),
        "mail from before the watch is not news: {}",
        watch.transcript()
    );
    assert_eq!(
        watch
            .stdout
            .iter()
            .filter(|l| l.contains("Landed while watching"))
            .count(),
        1,
        "{}",
        watch.transcript()
    );
    assert!(
        watch.stderr.iter().any(|l| l.contains("position is saved")),
        "{}",
        watch.transcript()
    );

    // The position was saved: nothing new, and no "from now" restart.
    let (lines, stderr) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "printed once only: {lines:?}");
    assert!(!stderr.contains("from now"), "{stderr}");
    mail.deliver("After the stop");
    let (lines, _) = mail.watch_once(&[]);
    assert_eq!(subjects(&lines), vec!["After the stop"]);
}

#[test]
fn mail_watch_json_is_one_object_per_line_and_sigterm_saves_and_exits_0() {
    let mail = Mail::watched();
    let mut watch = Watching::start(&mail, &["--output", "json"]);
    watch.wait_for(Stream::Err, "Ctrl-C stops");

    mail.deliver("First live");
    mail.deliver("Second live");
    // Both may come in one look, in Graph's order (not promised).
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let line = watch.wait_for(Stream::Out, "");
        let object: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        assert!(object.is_object(), "{line}");
        assert_eq!(object["connector"], "support", "{line}");
        assert_eq!(object["folder"], "Inbox", "{line}");
        assert_eq!(object["from"], "noreply@contoso.com", "{line}");
        assert_eq!(object["route"]["name"], "support", "{line}");
        assert!(object["schema_version"].is_u64(), "{line}");
        seen.push(object["subject"].as_str().unwrap_or("").to_string());
    }
    seen.sort();
    assert_eq!(
        seen,
        ["First live", "Second live"],
        "{}",
        watch.transcript()
    );

    // What a service manager sends: save and exit 0, like Ctrl-C.
    watch.signal(libc::SIGTERM);
    let status = watch.exit_within(std::time::Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status:?}\n{}", watch.transcript());
    for line in &watch.stdout {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        assert!(object.is_object(), "{line}");
    }
    assert_eq!(watch.stdout.len(), 2, "{}", watch.transcript());
    let (lines, _) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "printed once only: {lines:?}");
}

#[test]
fn mail_watch_ctrl_c_interrupts_a_slow_request_and_a_second_one_is_harmless() {
    let mail = Mail::watched();
    let mut watch = Watching::start(&mail, &[]);
    watch.wait_for(Stream::Err, "Ctrl-C stops");
    mail.deliver("Seen before the slowdown");
    watch.wait_for(Stream::Out, "Seen before the slowdown");

    // Every request to the mailbox now takes a minute: the next look hangs
    // in flight until Ctrl-C cancels it.
    mail.sandbox.admin_put(
        "/mail/mail-latency",
        serde_json::json!({"mailbox": "support@contoso.com", "ms": 60_000}),
    );
    let before = mail.sandbox.counts("support@contoso.com");
    let deadline = std::time::Instant::now() + WAIT;
    while mail.sandbox.counts("support@contoso.com") == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no look started: {}",
            watch.transcript()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    watch.signal(libc::SIGINT);
    let status = watch.exit_within(std::time::Duration::from_secs(5));
    assert_eq!(status.code(), Some(0), "{status:?}\n{}", watch.transcript());
    mail.sandbox.admin_put(
        "/mail/mail-latency",
        serde_json::json!({"mailbox": "support@contoso.com", "ms": null}),
    );

    // Two Ctrl-Cs at once, as an impatient user presses them: a clean stop
    // or the second one's default action, never a hang or a panic.
    let mut watch = Watching::start(&mail, &[]);
    watch.wait_for(Stream::Err, "Ctrl-C stops");
    watch.signal(libc::SIGINT);
    watch.signal(libc::SIGINT);
    let status = watch.exit_within(std::time::Duration::from_secs(5));
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.code() == Some(0) || status.signal() == Some(libc::SIGINT),
        "{status:?}\n{}",
        watch.transcript()
    );
    assert!(
        !watch.stderr.iter().any(|l| l.contains("panicked")),
        "{}",
        watch.transcript()
    );

    // The position of the last finished look is intact.
    let (lines, stderr) = mail.watch_once(&[]);
    assert!(lines.is_empty(), "printed once only: {lines:?}");
    assert!(!stderr.contains("from now"), "{stderr}");
    mail.deliver("After both stops");
    let (lines, _) = mail.watch_once(&[]);
    assert_eq!(subjects(&lines), vec!["After both stops"]);
}

impl Sandbox {
    fn admin_post(&self, path: &str, body: Value) {
        self.admin_send(reqwest::Method::POST, path, body);
    }

    fn admin_put(&self, path: &str, body: Value) {
        self.admin_send(reqwest::Method::PUT, path, body);
    }

    fn admin_send(&self, method: reqwest::Method, path: &str, body: Value) {
        let url = format!("{}{path}", self.running().ready().admin_endpoint);
        self.runtime.block_on(async {
            graphmail::auth::install_tls_provider();
            let status = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .request(method.clone(), &url)
                .json(&body)
                .send()
                .await
                .expect("admin answers")
                .status();
            assert!(status.is_success(), "{method} {path}: {status}");
        });
    }
}

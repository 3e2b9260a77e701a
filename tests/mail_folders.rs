//! `graphmail mail folders` and the subfolder note of `mail peek` (issue
//! 11), end to end against an in-process sandbox (built-in contoso tenant,
//! whose support@ mailbox has Inbox/Support/{EU,US,Escalations}, twelve
//! visible top-level folders and a hidden one).

mod common;

use common::{TestEnv, check, text};
use graphmail::sandbox::{RunningSandbox, ServeOptions, start};
use serde_json::Value;

const SECRET_VAR: &str = "GRAPHMAIL_TEST_SANDBOX_SECRET";

/// A sandbox on its own runtime, and a sealed graphmail with an
/// integration on it.
struct Case {
    env: TestEnv,
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
}

impl Case {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = runtime
            .block_on(start(ServeOptions::default()))
            .expect("sandbox starts");
        let case = Case {
            env: TestEnv::new(),
            runtime,
            sandbox: Some(sandbox),
        };
        let ready = case.sandbox().ready().clone();
        case.ok(&[
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
        case
    }

    fn sandbox(&self) -> &RunningSandbox {
        self.sandbox.as_ref().expect("running")
    }

    #[track_caller]
    fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let secret = self
            .sandbox()
            .ready()
            .client_secret
            .clone()
            .expect("secret");
        let out = self
            .env
            .command()
            .env(SECRET_VAR, secret)
            .args(args)
            .output()
            .expect("run graphmail");
        check(&out, code, args);
        (text(&out.stdout), text(&out.stderr))
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> (String, String) {
        self.expect(args, 0)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut full = args.to_vec();
        full.extend(["--output", "json"]);
        let (stdout, _) = self.ok(&full);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }

    /// `graph.*` request counts on support@, from the admin endpoint.
    fn folder_requests(&self) -> u64 {
        let url = format!("{}/counters", self.sandbox().ready().admin_endpoint);
        let counters: Value = self.runtime.block_on(async {
            graphmail::auth::install_tls_provider();
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(&url)
                .send()
                .await
                .expect("admin answers")
                .json()
                .await
                .expect("admin JSON")
        });
        let support = &counters["mailboxes"]["support@contoso.com"];
        ["graph.mailFolders", "graph.childFolders"]
            .iter()
            .map(|k| support[*k].as_u64().unwrap_or(0))
            .sum()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

fn support_connector(case: &Case, folders: &[&str]) {
    let mut args = vec![
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "support@contoso.com",
        "--process",
        "Case",
    ];
    for f in folders {
        args.extend(["--folder", f]);
    }
    case.ok(&args);
}

fn row<'v>(json: &'v Value, path: &str) -> &'v Value {
    json["folders"]
        .as_array()
        .expect("folders")
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no {path} in {json:#}"))
}

#[test]
fn folders_shows_the_tree_with_counts_and_marks_what_the_connector_reads() {
    let case = Case::new();
    // `inbox` in the well-known spelling: marked by ID, not by name.
    support_connector(&case, &["inbox", "Inbox/Support/EU"]);

    let before = case.folder_requests();
    let json = case.json(&["mail", "folders", "--connector", "support"]);
    let requests = case.folder_requests() - before;
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["connector"]["address"], "support@contoso.com");
    assert_eq!(json["truncated"], false);
    assert_eq!(json["missing"], serde_json::json!([]));

    let folders = json["folders"].as_array().expect("folders");
    let paths: Vec<&str> = folders.iter().filter_map(|f| f["path"].as_str()).collect();
    // Parents before children, the whole depth.
    let pos = |p: &str| {
        paths
            .iter()
            .position(|x| *x == p)
            .unwrap_or_else(|| panic!("{p} in {paths:?}"))
    };
    assert!(pos("Inbox") < pos("Inbox/Support"));
    assert!(pos("Inbox/Support") < pos("Inbox/Support/EU"));
    for p in [
        "Inbox/Support/US",
        "Inbox/Support/Escalations",
        "Vendors",
        "Templates",
        "Legal Hold",
    ] {
        pos(p);
    }
    assert_eq!(row(&json, "Inbox/Support/EU")["depth"], 2);

    // Counts as the seed has them: Inbox 5 (3 unread), EU 3 + 8 filled.
    assert_eq!(row(&json, "Inbox")["total"], 5);
    assert_eq!(row(&json, "Inbox")["unread"], 3);
    assert_eq!(row(&json, "Inbox/Support/EU")["total"], 11);
    assert_eq!(row(&json, "Inbox/Support")["child_folder_count"], 3);
    assert_eq!(row(&json, "Vendors")["total"], 3);

    let marked: Vec<&str> = folders
        .iter()
        .filter(|f| f["read_by_connector"] == true)
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(marked, ["Inbox", "Inbox/Support/EU"]);
    assert_eq!(row(&json, "Inbox")["read_as"], "inbox");

    // Bounded: the top level, the children of the two folders that have
    // any (Inbox, Inbox/Support), and the connector's two paths resolved
    // (1 + 2 lookups at most each): no listing of leaves.
    assert!(requests <= 3 + 6, "{requests} folder requests");

    // Piped: tab-separated, full paths, marked.
    let (stdout, _) = case.ok(&["mail", "folders", "--connector", "support"]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "FOLDER\tTOTAL\tUNREAD\tREAD BY CONNECTOR");
    assert!(lines.contains(&"Inbox/Support/EU\t11\t5\tyes"), "{stdout}");
    assert!(lines.contains(&"Inbox/Support/US\t10\t3\t"), "{stdout}");
}

#[test]
fn folders_warns_about_a_folder_the_connector_reads_that_does_not_exist() {
    let case = Case::new();
    support_connector(&case, &["Inbox", "Inbox/Nope"]);
    let (stdout, stderr) = case.ok(&["mail", "folders", "--connector", "support"]);
    assert!(stdout.contains("Inbox\t5\t3\tyes"), "{stdout}");
    assert!(
        stderr.contains("reads Inbox/Nope, which is not in the mailbox"),
        "{stderr}"
    );
    let json = case.json(&["mail", "folders", "--connector", "support"]);
    assert_eq!(json["missing"][0]["path"], "Inbox/Nope", "{json:#}");

    let (_, err) = case.expect(&["mail", "folders", "--connector", "nobody"], 2);
    assert!(err.contains("no connector named 'nobody'"), "{err}");
}

#[test]
fn peek_of_a_folder_whose_subfolders_hold_mail_says_so() {
    let case = Case::new();
    support_connector(&case, &["Inbox", "Inbox/Support/EU"]);
    let (_, stderr) = case.ok(&["mail", "peek", "--connector", "support", "--limit", "1"]);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("subfolders of"))
        .collect();
    assert_eq!(notes.len(), 1, "one line:\n{stderr}");
    let note = notes[0];
    assert!(note.contains("subfolders of Inbox hold mail"), "{note}");
    assert!(note.contains("Inbox/Support/US (10)"), "{note}");
    assert!(note.contains("Inbox/Support/Escalations (1)"), "{note}");
    assert!(
        !note.contains("Inbox/Support/EU"),
        "EU is peeked in its own right: {note}"
    );

    // A folder without subfolders gets no such line.
    let (_, stderr) = case.ok(&[
        "mail",
        "peek",
        "--connector",
        "support",
        "--folder",
        "Vendors",
        "--limit",
        "1",
    ]);
    assert!(!stderr.contains("subfolders of"), "{stderr}");
}

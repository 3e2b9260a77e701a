//! End-to-end tests of `plan`, `apply` and `export` (issue 14 "How it is
//! shown"): the real binary in a sealed environment against in-process
//! sandboxes, asserting what a CI job would see: exit codes, the plan's
//! actions, what went live, and the sandbox's request counters where "no
//! network" is the claim.
//!
//! Run with `cargo test --features test-store --test desired`.

mod common;

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
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

fn admin(sandbox: &RunningSandbox, method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}{path}", sandbox.admin_url());
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    runtime().block_on(async {
        graphmail::auth::install_tls_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let mut request = client.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin endpoint answers");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let bytes = response.bytes().await.expect("admin body");
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("admin JSON")
        }
    })
}

/// Every request the sandbox counted, all kinds summed.
fn requests(sandbox: &RunningSandbox) -> u64 {
    let counters = admin(sandbox, "GET", "/counters", None);
    counters["kinds"]
        .as_object()
        .map(|kinds| kinds.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

/// Requests counted for one mailbox.
fn mailbox_requests(sandbox: &RunningSandbox, mailbox: &str) -> u64 {
    let counters = admin(sandbox, "GET", "/counters", None);
    counters["mailboxes"][mailbox]
        .as_object()
        .map(|kinds| kinds.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

const SECRET_VAR: &str = "SBX_SECRET";

/// A sealed environment wired to one sandbox, the secret in `SBX_SECRET`,
/// the desired file at `<tmp>/env/graphmail.toml`.
struct Case<'a> {
    env: TestEnv,
    sandbox: &'a RunningSandbox,
}

impl<'a> Case<'a> {
    fn new(sandbox: &'a RunningSandbox) -> Self {
        let env = TestEnv::new();
        std::fs::create_dir_all(env.path("env")).unwrap();
        Case { env, sandbox }
    }

    fn desired_path(&self) -> PathBuf {
        self.env.path("env/graphmail.toml")
    }

    fn write_desired(&self, text: &str) {
        std::fs::write(self.desired_path(), text).unwrap();
    }

    fn command(&self) -> assert_cmd::Command {
        let mut cmd = self.env.command();
        cmd.env(
            SECRET_VAR,
            self.sandbox.ready().client_secret.clone().expect("secret"),
        );
        cmd.current_dir(self.env.path("env"));
        cmd.timeout(Duration::from_secs(120));
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

    fn state(&self) -> Value {
        self.json(&["status"], 0)
    }
}

/// The integration table for `sandbox`.
fn integration(sandbox: &RunningSandbox) -> String {
    let base = sandbox.base_url().to_string();
    format!(
        "[integration]\ntenant = \"{BUILTIN_TENANT_ID}\"\napp_id = \"{APP_GRAPHMAIL}\"\nauthority_host = \"{base}\"\ngraph_endpoint = \"{base}\"\nsecret = {{ env = \"{SECRET_VAR}\" }}\n"
    )
}

/// Two incoming connectors, an outbound one, and an incoming route.
fn full_file(sandbox: &RunningSandbox, sales_folder: &str) -> String {
    format!(
        r#"{}
[[connector]]
name = "support"
use_for = "incoming"
address = "support@contoso.com"
folders = ["Inbox/Support/EU"]
process = "Case"

[[connector]]
name = "sales"
use_for = "incoming"
address = "sales@contoso.com"
folders = ["{sales_folder}"]
process = "Lead"

[[connector]]
name = "out"
use_for = "outbound"
address = "noreply@contoso.com"

[[route]]
name = "billing"
connector = "support"
address = "billing-support@contoso.com"
process = "Invoice"
"#,
        integration(sandbox)
    )
}

/// `enabled` of a connector or route in `connector list --output json` /
/// `route list` terms: read from the state file itself.
fn enabled(case: &Case<'_>, kind: &str, name: &str) -> bool {
    let text = case.env.state_text();
    let state: toml::Table = toml::from_str(&text).expect("state parses");
    state
        .get(kind)
        .and_then(|v| v.as_array())
        .and_then(|items| {
            items
                .iter()
                .find(|i| i.get("name").and_then(|n| n.as_str()) == Some(name))
        })
        .and_then(|i| i.get("enabled"))
        .and_then(|e| e.as_bool())
        .unwrap_or_else(|| panic!("no {kind} '{name}' in\n{text}"))
}

fn tested(apply: &Value) -> Vec<String> {
    let mut out: Vec<String> = apply["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["target"]["kind"].as_str().unwrap(),
                r["target"]["name"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

fn actions(plan: &Value, action: &str) -> Vec<String> {
    plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["action"] == action)
        .map(|a| {
            format!(
                "{} {}",
                a["kind"].as_str().unwrap(),
                a["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn empty_to_full_then_a_second_apply_changes_nothing_and_touches_no_network() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));

    let plan = case.json(&["plan"], 0);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["changes"], true);
    assert_eq!(plan["summary"]["create"], 5, "{plan:#}");
    assert_eq!(
        actions(&plan, "enable"),
        [
            "connector support",
            "connector sales",
            "connector out",
            "route billing"
        ]
    );
    assert!(plan["not_declared"].as_array().unwrap().is_empty());
    assert_eq!(requests(&sandbox), 0, "plan touches no network");
    assert!(!case.env.state_path().exists(), "plan writes nothing");

    let applied = case.json(&["apply"], 0);
    assert_eq!(
        tested(&applied),
        [
            "connector out",
            "connector sales",
            "connector support",
            "integration integration",
            "route billing"
        ]
    );
    assert!(applied["writes"].as_u64().unwrap() <= 2, "{applied:#}");
    assert!(
        applied["not_applied"].as_array().unwrap().is_empty(),
        "{applied:#}"
    );
    for (kind, name) in [
        ("connector", "support"),
        ("connector", "sales"),
        ("connector", "out"),
        ("route", "billing"),
    ] {
        assert!(enabled(&case, kind, name), "{kind} {name} is live");
    }
    case.expect(&["status", "--check"], 0);

    // Again: nothing to do, said so, no request, no write.
    admin(&sandbox, "DELETE", "/counters", None);
    let before = std::fs::read(case.env.state_path()).unwrap();
    let (stdout, _) = case.expect(&["apply"], 0);
    assert!(stdout.contains("No changes"), "{stdout}");
    assert!(
        stdout.contains("nothing tested, nothing written"),
        "{stdout}"
    );
    assert_eq!(requests(&sandbox), 0, "a no-op apply touches no network");
    assert_eq!(std::fs::read(case.env.state_path()).unwrap(), before);
    let again = case.json(&["apply"], 0);
    assert_eq!(again["changed"], false);
    assert_eq!(again["writes"], 0);
    case.expect(&["plan", "--exit-code"], 0);
}

#[test]
fn a_changed_folder_retests_only_that_connector_and_drift_is_found_by_plan_exit_code() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    case.expect(&["apply"], 0);

    // The file moves sales to another folder: only sales is tested again.
    let plan = case.json(&["plan"], 0);
    assert_eq!(plan["changes"], false, "{plan:#}");
    case.write_desired(&full_file(&sandbox, "Archive"));
    let plan = case.json(&["plan"], 0);
    let update = &plan["actions"][0];
    assert_eq!(update["action"], "update", "{plan:#}");
    assert_eq!(update["name"], "sales");
    assert_eq!(update["live"], true);
    assert_eq!(
        update["fields"],
        json!([{"field": "folders", "before": ["Inbox"], "after": ["Archive"]}])
    );
    assert_eq!(actions(&plan, "test"), ["connector sales"]);
    assert_eq!(plan["actions"][1]["reason"], "setting-changed");
    admin(&sandbox, "DELETE", "/counters", None);
    let applied = case.json(&["apply"], 0);
    assert_eq!(tested(&applied), ["connector sales"]);
    assert_eq!(mailbox_requests(&sandbox, "support@contoso.com"), 0);
    assert!(mailbox_requests(&sandbox, "sales@contoso.com") > 0);
    assert!(enabled(&case, "connector", "sales"));

    // A hand edit of the state file is drift: plan --exit-code says 5,
    // without a request.
    let state = case.env.state_text();
    std::fs::write(
        case.env.state_path(),
        state.replace("folders = [\"Archive\"]", "folders = [\"Vendors\"]"),
    )
    .unwrap();
    admin(&sandbox, "DELETE", "/counters", None);
    let (stdout, stderr) = case.expect(&["plan", "--exit-code"], 5);
    assert!(
        stdout.contains("update") && stdout.contains("connector sales"),
        "{stdout}"
    );
    assert!(
        stdout.contains("folders: [\"Vendors\"] → [\"Archive\"]"),
        "{stdout}"
    );
    assert!(stderr.contains("differs from the state"), "{stderr}");
    assert_eq!(requests(&sandbox), 0, "plan touches no network");
    // Putting the tested settings back needs no new test: the pass on
    // record covers exactly them.
    let applied = case.json(&["apply"], 0);
    assert_eq!(tested(&applied), Vec::<String>::new(), "{applied:#}");
    assert_eq!(applied["writes"], 1);
    assert_eq!(requests(&sandbox), 0);
    case.expect(&["plan", "--exit-code"], 0);
    case.expect(&["status", "--check"], 0);
}

#[test]
fn a_failing_connector_stays_disabled_and_a_failing_live_change_keeps_the_old_settings() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox/Nope"));
    let applied = case.json(&["apply"], 3);
    let report = applied["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"]["name"] == "sales")
        .expect("sales tested");
    assert_eq!(report["passed"], false);
    let failed = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .expect("a failed step");
    assert_eq!(failed["check"], "folder", "{report:#}");
    let not_applied = &applied["not_applied"];
    assert_eq!(not_applied[0]["action"], "enable", "{applied:#}");
    assert_eq!(not_applied[0]["name"], "sales");
    assert!(!enabled(&case, "connector", "sales"));
    assert!(enabled(&case, "connector", "support"));
    // The diagnosis, as a person reads it.
    let (stdout, stderr) = case.expect(&["apply"], 3);
    assert!(
        stdout.contains("Connection test of connector sales: FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no folder 'Nope' under 'Inbox'"),
        "{stdout}"
    );
    assert!(stderr.contains("connector 'sales'"), "{stderr}");

    // A live connector's change that fails keeps the old settings...
    case.write_desired(&full_file(&sandbox, "Inbox").replace("Inbox/Support/EU", "Inbox/Missing"));
    let before = std::fs::read(case.env.state_path()).unwrap();
    let applied = case.json(&["apply"], 3);
    let kept = applied["not_applied"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "support")
        .expect("support's update not applied");
    assert_eq!(kept["action"], "update");
    assert!(
        kept["reason"]
            .as_str()
            .unwrap()
            .contains("keeps its old settings")
    );
    let state = case.env.state_text();
    assert!(
        state.contains("Inbox/Support/EU") && !state.contains("Inbox/Missing"),
        "{state}"
    );
    assert!(
        enabled(&case, "connector", "support"),
        "still live on its old settings"
    );
    assert_ne!(
        std::fs::read(case.env.state_path()).unwrap(),
        before,
        "sales went live"
    );
    assert!(enabled(&case, "connector", "sales"));

    // ... unless --disable-failing: saved, and disabled.
    case.expect(&["apply", "--disable-failing"], 3);
    let state = case.env.state_text();
    assert!(state.contains("Inbox/Missing"), "{state}");
    assert!(!enabled(&case, "connector", "support"));
    assert!(!enabled(&case, "route", "billing"), "its routes go with it");
}

#[test]
fn prune_removes_what_the_file_does_not_declare_and_asks_before_removing_live_items() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    case.expect(&["apply"], 0);
    let trimmed = full_file(&sandbox, "Inbox")
        .replace(
            "[[route]]\nname = \"billing\"\nconnector = \"support\"\naddress = \"billing-support@contoso.com\"\nprocess = \"Invoice\"\n",
            "",
        )
        .replace(
            "[[connector]]\nname = \"sales\"\nuse_for = \"incoming\"\naddress = \"sales@contoso.com\"\nfolders = [\"Inbox\"]\nprocess = \"Lead\"\n",
            "",
        );
    case.write_desired(&trimmed);

    // Without --prune: kept, and listed.
    let plan = case.json(&["plan"], 0);
    assert_eq!(plan["changes"], false, "{plan:#}");
    assert_eq!(
        plan["not_declared"],
        json!([{"kind": "route", "name": "billing"}, {"kind": "connector", "name": "sales"}])
    );
    let (stdout, _) = case.expect(&["apply"], 0);
    assert!(stdout.contains("No changes"), "{stdout}");

    // With it: live items need --yes when nobody can be asked.
    let plan = case.json(&["plan", "--prune"], 0);
    assert_eq!(
        actions(&plan, "remove"),
        ["route billing", "connector sales"]
    );
    assert_eq!(plan["actions"][0]["live"], true);
    let before = std::fs::read(case.env.state_path()).unwrap();
    let (_, stderr) = case.expect(&["apply", "--prune"], 2);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(std::fs::read(case.env.state_path()).unwrap(), before);
    admin(&sandbox, "DELETE", "/counters", None);
    let applied = case.json(&["apply", "--prune", "--yes"], 0);
    assert_eq!(
        actions(&applied["applied"].clone().pipe(), "remove"),
        ["route billing", "connector sales"]
    );
    assert_eq!(requests(&sandbox), 0, "removing needs no test");
    let state = case.env.state_text();
    assert!(
        !state.contains("billing") && !state.contains("sales"),
        "{state}"
    );
    case.expect(&["plan", "--prune", "--exit-code"], 0);
}

trait Pipe {
    fn pipe(self) -> Value;
}

impl Pipe for Value {
    /// `applied` is a list of actions: wrap it as a plan for [`actions`].
    fn pipe(self) -> Value {
        json!({ "actions": self })
    }
}

#[test]
fn refresh_finds_a_secret_the_service_no_longer_accepts() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    case.expect(&["apply"], 0);
    // Three years on, the app's secret (two years) has expired in Entra.
    admin(
        &sandbox,
        "POST",
        "/clock",
        Some(json!({"shift_seconds": 3 * 365 * 86_400})),
    );
    case.expect(&["plan", "--exit-code"], 0);
    let before = std::fs::read(case.env.state_path()).unwrap();
    let plan = case.json(&["plan", "--refresh"], 0);
    let drift: Vec<&Value> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["reason"] == "drift")
        .collect();
    assert!(!drift.is_empty(), "{plan:#}");
    assert!(
        drift.iter().all(|a| a["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("AADSTS7000222")),
        "{plan:#}"
    );
    let (_, stderr) = case.expect(&["plan", "--refresh", "--exit-code"], 5);
    assert!(stderr.contains("differs"), "{stderr}");
    assert_eq!(
        std::fs::read(case.env.state_path()).unwrap(),
        before,
        "a refresh records nothing"
    );
}

#[test]
fn export_writes_a_file_plan_finds_no_change_against() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    case.expect(&["apply"], 0);
    // The secret's expiry recorded the way admins record it.
    case.expect(&["integration", "set", "--secret-expires", "2027-05-01"], 0);
    let (exported, _) = case.expect(&["export"], 0);
    assert!(
        exported.contains("secret = { env = \"SBX_SECRET\" }"),
        "{exported}"
    );
    assert!(
        exported.contains("secret_expires = \"2027-05-01\""),
        "the recorded expiry is exported: {exported}"
    );
    let secret = sandbox.ready().client_secret.clone().unwrap();
    assert!(!exported.contains(&secret), "no secret value");
    assert!(
        !exported.contains("instance_id") && !exported.contains("fingerprint"),
        "{exported}"
    );
    case.expect(&["export", "-o", "exported.toml"], 0);
    assert_eq!(
        std::fs::read_to_string(case.env.path("env/exported.toml")).unwrap(),
        exported
    );
    let plan = case.json(&["plan", "-f", "exported.toml", "--prune"], 0);
    assert_eq!(plan["changes"], false, "{plan:#}");
    assert!(plan["actions"].as_array().unwrap().is_empty());
    // An expiry that is not the start of a day survives as its time.
    case.expect(
        &[
            "integration",
            "set",
            "--secret-expires",
            "2027-05-01T13:30:00+02:00",
        ],
        0,
    );
    case.expect(&["export", "-o", "exported.toml"], 0);
    let exported_time = std::fs::read_to_string(case.env.path("env/exported.toml")).unwrap();
    assert!(
        exported_time.contains("secret_expires = \"2027-05-01T11:30:00Z\""),
        "{exported_time}"
    );
    case.expect(&["plan", "-f", "exported.toml", "--exit-code"], 0);
    case.expect(&["integration", "set", "--secret-expires", "2027-05-01"], 0);
    // Standard input works too.
    let out = case
        .command()
        .args(["plan", "-f", "-", "--exit-code"])
        .write_stdin(exported)
        .output()
        .unwrap();
    common::check(&out, 0, &["plan", "-f", "-"]);
}

/// The desired file with `secret_expires` in its integration table.
fn with_expiry(sandbox: &RunningSandbox, expiry: &str) -> String {
    full_file(sandbox, "Inbox").replacen(
        "secret = {",
        &format!("secret_expires = \"{expiry}\"\nsecret = {{"),
        1,
    )
}

#[test]
fn secret_expires_is_planned_and_applied_as_an_update_without_network() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    case.expect(&["apply"], 0);

    // Declared: an update with before and after, nothing to test.
    case.write_desired(&with_expiry(&sandbox, "2027-05-01"));
    admin(&sandbox, "DELETE", "/counters", None);
    let plan = case.json(&["plan"], 0);
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "only the integration changes: {plan:#}");
    assert_eq!(actions[0]["action"], "update", "{plan:#}");
    assert_eq!(actions[0]["kind"], "integration", "{plan:#}");
    assert_eq!(
        actions[0]["fields"],
        json!([{"field": "secret_expires", "before": null, "after": "2027-05-01T00:00:00Z"}]),
        "{plan:#}"
    );
    let (table, _) = case.expect(&["plan"], 0);
    assert!(table.contains("secret_expires"), "{table}");
    case.expect(&["plan", "--exit-code"], 5);
    let applied = case.json(&["apply"], 0);
    assert_eq!(applied["changed"], true, "{applied:#}");
    assert_eq!(requests(&sandbox), 0, "recording a date needs no network");
    let shown = case.json(&["integration", "show"], 0);
    assert_eq!(
        shown["integration"]["secret_expires"], "2027-05-01T00:00:00Z",
        "{shown:#}"
    );
    for (kind, name) in [("connector", "support"), ("route", "billing")] {
        assert!(enabled(&case, kind, name), "{kind} {name} stays live");
    }
    case.expect(&["plan", "--exit-code"], 0);

    // Changed, then dropped from the file: each an update, before and after.
    case.write_desired(&with_expiry(&sandbox, "2028-01-31"));
    let plan = case.json(&["plan"], 0);
    assert_eq!(
        plan["actions"][0]["fields"],
        json!([{"field": "secret_expires", "before": "2027-05-01T00:00:00Z", "after": "2028-01-31T00:00:00Z"}]),
        "{plan:#}"
    );
    case.write_desired(&full_file(&sandbox, "Inbox"));
    let plan = case.json(&["plan"], 0);
    assert_eq!(
        plan["actions"][0]["fields"],
        json!([{"field": "secret_expires", "before": "2027-05-01T00:00:00Z", "after": null}]),
        "{plan:#}"
    );
    case.expect(&["apply"], 0);
    let shown = case.json(&["integration", "show"], 0);
    assert!(
        shown["integration"]["secret_expires"].is_null(),
        "{shown:#}"
    );
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn a_bad_secret_expires_is_refused_naming_the_key_and_line() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&with_expiry(&sandbox, "next spring"));
    let (_, stderr) = case.expect(&["plan"], 2);
    assert!(
        stderr.contains("graphmail.toml:1:")
            && stderr.contains("secret_expires")
            && stderr.contains("2027-03-01"),
        "names the file, line, key and the form: {stderr}"
    );
    assert!(!case.env.state_path().exists(), "nothing written");
    // Beside a certificate, as `integration set --secret-expires` refuses it.
    let cert = format!(
        "[integration]\ntenant = \"{BUILTIN_TENANT_ID}\"\napp_id = \"{APP_GRAPHMAIL}\"\nsecret_expires = \"2027-05-01\"\ncertificate = {{ file = \"app.pfx\", password = \"none\" }}\n"
    );
    case.write_desired(&cert);
    let (_, stderr) = case.expect(&["apply"], 2);
    assert!(
        stderr.contains("secret_expires applies to a client secret"),
        "{stderr}"
    );
    assert!(!case.env.state_path().exists(), "nothing written");
}

#[test]
fn an_interrupted_apply_leaves_a_consistent_state_the_next_apply_completes() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    case.write_desired(&full_file(&sandbox, "Inbox"));
    // Slow Graph: the tests are still running when the process is killed.
    admin(
        &sandbox,
        "POST",
        "/faults",
        Some(json!({"latency": {"ms": 3000, "scope": "graph"}})),
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("graphmail"))
        .env_clear()
        .env("HOME", case.env.path("home"))
        .env("XDG_CONFIG_HOME", case.env.path("config"))
        .env("XDG_DATA_HOME", case.env.path("data"))
        .env("GRAPHMAIL_TEST_SECRET_DIR", case.env.path("secrets"))
        .env("CI", "1")
        .env(SECRET_VAR, sandbox.ready().client_secret.clone().unwrap())
        .current_dir(case.env.path("env"))
        .arg("apply")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn apply");
    let started = Instant::now();
    while !case.env.state_path().exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "apply never wrote"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill apply");
    child.wait().unwrap();
    // Consistent: it parses, the items exist, nothing went live untested.
    let status = case.state();
    assert_eq!(status["schema_version"], 1, "{status:#}");
    for name in ["support", "sales", "out"] {
        assert!(
            !enabled(&case, "connector", name),
            "{name} is not live before its test"
        );
    }
    case.expect(&["status", "--check"], 0);
    admin(&sandbox, "DELETE", "/faults", None);
    let plan = case.json(&["plan"], 0);
    assert_eq!(
        plan["summary"]["create"], 1,
        "only the integration waits: {plan:#}"
    );
    let applied = case.json(&["apply"], 0);
    assert!(
        applied["not_applied"].as_array().unwrap().is_empty(),
        "{applied:#}"
    );
    for name in ["support", "sales", "out"] {
        assert!(enabled(&case, "connector", name));
    }
    assert!(enabled(&case, "route", "billing"));
    case.expect(&["plan", "--exit-code"], 0);
}

#[test]
fn a_bad_file_is_refused_with_the_key_and_the_line_and_nothing_is_touched() {
    let env = TestEnv::new();
    let path = env.path("graphmail.toml");
    let p = path.to_str().unwrap();
    let cases: [(&str, &[&str]); 6] = [
        (
            "[[connector]]\nname = \"x\"\nuse_for = \"incoming\"\naddress = \"x@contoso.com\"\nfodlers = [\"Inbox\"]\n",
            &["graphmail.toml:5", "unknown field `fodlers`", "`folders`"],
        ),
        (
            "[[connector]]\nname = \"x\"\nuse_for = \"incoming\"\naddress = \"x@contoso\"\nfolders = [\"Inbox\"]\nprocess = \"C\"\n",
            &[
                "graphmail.toml:1",
                "connector 'x'",
                "invalid address 'x@contoso'",
                "no dot",
            ],
        ),
        (
            "\n\n[[connector]]\nname = \"x\"\nuse_for = \"incoming\"\naddress = \"x@contoso.com\"\n",
            &["graphmail.toml:3", "needs at least one folder"],
        ),
        (
            "[integration]\ntenant = \"common\"\napp_id = \"4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b\"\nsecret = { env = \"S\" }\n",
            &[
                "graphmail.toml:1",
                "invalid tenant 'common'",
                "multi-tenant",
            ],
        ),
        (
            "[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\n[[route]]\nname = \"r\"\nconnector = \"missing\"\naddress = \"r@contoso.com\"\n",
            &["graphmail.toml:5", "connector 'missing' is not declared"],
        ),
        (
            "[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\nenabled = false\n[[route]]\nname = \"r\"\nconnector = \"o\"\naddress = \"r@contoso.com\"\n",
            &[
                "graphmail.toml:6",
                "route 'r' is enabled but its connector 'o' is not",
            ],
        ),
    ];
    for (text, needles) in cases {
        std::fs::write(&path, text).unwrap();
        for command in ["plan", "apply"] {
            let out = env.run(&[command, "-f", p]);
            common::check(&out, 2, &[command, text]);
            let stderr = text_of(&out.stderr);
            for needle in needles {
                assert!(
                    stderr.contains(needle),
                    "{command} {text:?}: lacks {needle:?}: {stderr}"
                );
            }
        }
    }
    assert!(!env.state_path().exists(), "nothing written");
    // A secret pasted where its source belongs is never echoed.
    std::fs::write(
        &path,
        "[integration]\ntenant = \"contoso.onmicrosoft.com\"\napp_id = \"4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b\"\nsecret = \"Xy7~supersecretvalue\"\n",
    )
    .unwrap();
    let out = env.run(&["plan", "-f", p]);
    common::check(&out, 2, &["plan"]);
    let stderr = text_of(&out.stderr);
    assert!(
        stderr.contains("graphmail.toml:4") && stderr.contains("not a secret source"),
        "{stderr}"
    );
    assert!(!stderr.contains("supersecret"), "{stderr}");
    // No file: says how to start one.
    let out = env.run(&["plan", "-f", env.path("none.toml").to_str().unwrap()]);
    common::check(&out, 2, &["plan"]);
    assert!(
        text_of(&out.stderr).contains("graphmail export"),
        "{}",
        text_of(&out.stderr)
    );
}

fn text_of(bytes: &[u8]) -> String {
    text(bytes)
}

#[test]
fn secret_sources_keyring_without_a_terminal_and_the_override_are_refused_with_the_fix() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    let keyring = full_file(&sandbox, "Inbox").replace(
        &format!("secret = {{ env = \"{SECRET_VAR}\" }}"),
        "secret = \"keyring\"",
    );
    case.write_desired(&keyring);
    // The plan needs no secret.
    case.json(&["plan"], 0);
    // The keyring of this (new) state file has no secret, and CI cannot be asked.
    let (_, stderr) = case.expect(&["apply"], 2);
    assert!(
        stderr.contains("graphmail.toml:1") && stderr.contains("keyring"),
        "{stderr}"
    );
    assert!(stderr.contains("--client-secret-stdin"), "{stderr}");
    assert!(stderr.contains("secret = { env = "), "{stderr}");
    assert!(!case.env.state_path().exists(), "nothing written");

    // Stored the way the hint says, the same file applies.
    let base = sandbox.base_url().to_string();
    let secret = sandbox.ready().client_secret.clone().unwrap();
    let out = case
        .command()
        .args([
            "integration",
            "set",
            "--tenant",
            BUILTIN_TENANT_ID,
            "--app-id",
            APP_GRAPHMAIL,
            "--client-secret-stdin",
            "--authority-host",
            &base,
            "--graph-endpoint",
            &base,
        ])
        .write_stdin(secret.clone())
        .output()
        .unwrap();
    common::check(&out, 0, &["integration", "set"]);
    let plan = case.json(&["plan"], 0);
    assert!(
        plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] != "integration"),
        "the integration is as the file says: {plan:#}"
    );
    case.expect(&["apply"], 0);
    assert!(enabled(&case, "connector", "support"));

    // A run under GRAPHMAIL_CLIENT_SECRET proves the override, records
    // nothing: apply refuses it rather than enabling nothing.
    let other = Case::new(&sandbox);
    other.write_desired(&full_file(&sandbox, "Inbox"));
    let out = other
        .command()
        .env("GRAPHMAIL_CLIENT_SECRET", &secret)
        .arg("apply")
        .output()
        .unwrap();
    common::check(&out, 2, &["apply (override)"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("GRAPHMAIL_CLIENT_SECRET"), "{stderr}");
    assert!(!stderr.contains(&secret));
    assert!(!other.env.state_path().exists());
}

#[test]
fn a_certificate_path_is_relative_to_the_file_and_its_password_is_needed_only_to_import_it() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    let ready = sandbox.ready();
    let pfx = ready.certificate_pfx.clone().expect("sandbox certificate");
    std::fs::create_dir_all(case.env.path("env/certs")).unwrap();
    std::fs::copy(&pfx, case.env.path("env/certs/app.pfx")).unwrap();
    let text_file = full_file(&sandbox, "Inbox").replace(
        &format!("secret = {{ env = \"{SECRET_VAR}\" }}"),
        "certificate = { file = \"certs/app.pfx\", password = { env = \"CERT_PW\" } }",
    );
    case.write_desired(&text_file);
    let password = ready.certificate_password.clone().expect("password");
    // From another working directory: the path is the file's, not the cwd's.
    let out = case
        .command()
        .current_dir(case.env.path("home"))
        .env("CERT_PW", &password)
        .args([
            "apply",
            "-f",
            case.desired_path().to_str().unwrap(),
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    common::check(&out, 0, &["apply (certificate)"]);
    let applied: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert!(
        applied["not_applied"].as_array().unwrap().is_empty(),
        "{applied:#}"
    );
    let state = case.env.state_text();
    assert!(
        state.contains("kind = \"certificate\"") || state.contains("certificate"),
        "{state}"
    );
    assert!(!state.contains(&password));
    // Without the password: the file is the imported copy, nothing to do.
    case.expect(&["plan", "--exit-code"], 0);
    // Another certificate: its password is needed, and its absence named.
    std::fs::write(case.env.path("env/certs/app.pfx"), b"not a pfx").unwrap();
    let (_, stderr) = case.expect(&["plan"], 2);
    assert!(stderr.contains("CERT_PW"), "{stderr}");
}

#[test]
fn an_alias_route_is_probed_once_where_the_file_says_and_carried_evidence_sends_no_other() {
    let sandbox = start();
    let case = Case::new(&sandbox);
    let alias = format!(
        "{}\n[[connector]]\nname = \"out\"\nuse_for = \"outbound\"\naddress = \"noreply@contoso.com\"\n\n[[route]]\nname = \"help\"\nconnector = \"out\"\naddress = \"help@contoso.com\"\nsend_test_to = \"adele@contoso.com\"\n",
        integration(&sandbox)
    );
    case.write_desired(&alias);
    let applied = case.json(&["apply"], 0);
    let route = applied["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"]["name"] == "help")
        .expect("help tested");
    assert_eq!(route["verdict"], "passed", "{route:#}");
    let counters = admin(&sandbox, "GET", "/counters", None);
    let sends = |c: &Value| {
        c["kinds"]["graph.send"].as_u64().unwrap_or(0)
            + c["kinds"]["graph.sendMail"].as_u64().unwrap_or(0)
    };
    assert_eq!(sends(&counters), 1, "one probe: {counters:#}");
    let deliveries = admin(&sandbox, "GET", "/mail/deliveries", None).to_string();
    assert!(deliveries.contains("adele@contoso.com"), "{deliveries}");
    assert!(enabled(&case, "route", "help"));

    // A new connector later: only it is tested; the alias's evidence stands
    // and no other probe goes out.
    admin(&sandbox, "DELETE", "/counters", None);
    case.write_desired(&format!(
        "{alias}\n[[connector]]\nname = \"sales\"\nuse_for = \"incoming\"\naddress = \"sales@contoso.com\"\nfolders = [\"Inbox\"]\nprocess = \"Lead\"\n"
    ));
    let applied = case.json(&["apply"], 0);
    assert_eq!(tested(&applied), ["connector sales"]);
    let counters = admin(&sandbox, "GET", "/counters", None);
    assert_eq!(sends(&counters), 0, "{counters:#}");
    // The evidence lives beside the state file.
    let dir = PathBuf::from(format!("{}.d", case.env.state_path().display()));
    assert!(dir.is_dir(), "no {}", dir.display());
}

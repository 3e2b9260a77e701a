//! docs/json.md is the JSON contract: every ```json example in it is marked
//! `<!-- example: NAME -->`, and each must have the shape (the same keys at
//! every level, the same JSON types; arrays by their elements) of what the
//! binary prints for that command, run here against an in-process sandbox.
//! A field added to the output and not to the docs, or the other way round,
//! fails here; so does a command whose JSON shape has no example. Beside
//! the shapes, what the contract promises about content: one JSON document
//! for a refused change, the service's IDs as error fields, warnings in a
//! mutating command's `details`.
//!
//! Run with `cargo test --features test-store --test json_docs`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Output;

use graphmail::sandbox::{RunningSandbox, ServeOptions, start};
use serde_json::Value;

use common::{TestEnv, check, text};

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md");
const SECRET_VAR: &str = "GRAPHMAIL_TEST_SANDBOX_SECRET";

/// The marked examples of docs/json.md, by name, parsed; panics on a
/// ```json block that is not marked (it would be an example nothing checks).
fn documented() -> BTreeMap<String, Value> {
    let doc = std::fs::read_to_string(DOC).expect("docs/json.md");
    let mut examples = BTreeMap::new();
    let mut previous = "";
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```json" {
            panic!(
                "docs/json.md: a ```json block after {previous:?} has no `<!-- example: NAME -->` line: nothing checks it"
            );
        }
        previous = line;
        let Some(name) = line
            .trim()
            .strip_prefix("<!-- example: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(lines.next().map(str::trim), Some("```json"), "{name}");
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let value: Value = serde_json::from_str(&body.join("\n"))
            .unwrap_or_else(|e| panic!("docs/json.md example {name} is not JSON: {e}"));
        assert!(
            examples.insert(name.to_string(), value).is_none(),
            "docs/json.md: two examples named {name}"
        );
    }
    examples
}

/// Places whose keys or types vary by design (documented as such in
/// docs/json.md): only their being present is checked.
const FREE_FORM: &[&str] = &[
    // Each doctor check sets its own facts (the table under `doctor`).
    "doctor.checks[].facts",
    // Keyed by fact (`mailbox`, `folder:PATH`); each keeps the IDs the
    // service gave, so their keys vary (docs/state-dir.md).
    "support-bundle-last-tests.items[].evidence",
    // The claims the token happens to carry.
    "token-inspect.claims",
    // A field's value before and after: a string, a list, a bool, null.
    "plan.actions[].fields[].before",
    "plan.actions[].fields[].after",
    "apply.applied[].fields[].before",
    "apply.applied[].fields[].after",
];

/// Several values of one array, folded into one with every key any of them
/// has (a non-null value preferred), so that elements of different kinds
/// (a message routed to nothing, one routed to a route) are one shape.
fn merged(values: &[Value]) -> Option<Value> {
    let mut iter = values.iter();
    let mut acc = iter.next()?.clone();
    for v in iter {
        acc = merge(acc, v);
    }
    Some(acc)
}

fn merge(acc: Value, other: &Value) -> Value {
    match (acc, other) {
        (Value::Null, o) => o.clone(),
        (Value::Object(mut a), Value::Object(o)) => {
            for (k, v) in o {
                let merged = match a.remove(k) {
                    Some(existing) => merge(existing, v),
                    None => v.clone(),
                };
                a.insert(k.clone(), merged);
            }
            Value::Object(a)
        }
        (Value::Array(mut a), Value::Array(o)) => {
            a.extend(o.iter().cloned());
            Value::Array(a)
        }
        (a, _) => a,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where `actual` differs in shape from `documented`: keys missing on either
/// side, or a different JSON type. A `null` printed matches any documented
/// type (the field is optional), and a documented `null` matches any printed
/// scalar; but a documented `null` or `[]` where the binary printed an
/// object or elements leaves that shape undocumented, and is reported.
/// Arrays compare their elements, every one, both ways.
fn shape_differences(path: &str, documented: &Value, actual: &Value, out: &mut BTreeSet<String>) {
    if FREE_FORM.contains(&path) {
        return;
    }
    match (documented, actual) {
        (_, Value::Null) => {}
        (Value::Null, Value::Object(_)) => {
            out.insert(format!(
                "{path}: documented null, printed an object: show its fields"
            ));
        }
        (Value::Null, Value::Array(a)) if !a.is_empty() => {
            out.insert(format!(
                "{path}: documented null, printed an array: show its elements"
            ));
        }
        (Value::Null, _) => {}
        (Value::Object(d), Value::Object(a)) => {
            for key in d.keys().filter(|k| !a.contains_key(*k)) {
                out.insert(format!("{path}.{key}: documented, not printed"));
            }
            for key in a.keys().filter(|k| !d.contains_key(*k)) {
                out.insert(format!("{path}.{key}: printed, not documented"));
            }
            for (key, dv) in d {
                if let Some(av) = a.get(key) {
                    shape_differences(&format!("{path}.{key}"), dv, av, out);
                }
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            let element = format!("{path}[]");
            match (merged(d), merged(a)) {
                (None, Some(_)) => {
                    out.insert(format!("{path}: documented [], printed elements: show one"));
                }
                (Some(doc_all), Some(actual_all)) => {
                    for av in a {
                        shape_differences(&element, &doc_all, av, out);
                    }
                    shape_differences(&element, &doc_all, &actual_all, out);
                }
                _ => {}
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (d, a) => {
            out.insert(format!(
                "{path}: documented {}, printed {}",
                kind(d),
                kind(a)
            ));
        }
    }
}

/// stdout (or stderr) as exactly one JSON document.
fn one_document(bytes: &[u8], what: &str) -> Value {
    serde_json::from_str(text(bytes).trim())
        .unwrap_or_else(|e| panic!("{what}: not one JSON document ({e}):\n{}", text(bytes)))
}

/// A sandbox on its own runtime (the built-in contoso tenant), and a sealed
/// graphmail whose integration points at it.
struct Case {
    env: TestEnv,
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
}

impl Case {
    fn new() -> Self {
        Case::on(TestEnv::new(), ServeOptions::default())
    }

    fn on(env: TestEnv, options: ServeOptions) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sandbox = runtime.block_on(start(options)).expect("sandbox starts");
        Case {
            env,
            runtime,
            sandbox: Some(sandbox),
        }
    }

    fn ready(&self) -> &graphmail::sandbox::ReadyInfo {
        self.sandbox.as_ref().expect("running").ready()
    }

    /// `integration set` on the sandbox's tenant and app, the secret from
    /// `SECRET_VAR`, then `extra`.
    fn integration_set<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let ready = self.ready();
        let mut args = vec![
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
        ];
        args.extend_from_slice(extra);
        args
    }

    /// graphmail `args` with `--output json`, the sandbox's secret in the
    /// environment, exiting `code`.
    #[track_caller]
    fn run(&self, args: &[&str], code: i32) -> Output {
        let secret = self.ready().client_secret.clone().expect("secret");
        let out = self
            .env
            .command()
            .env(SECRET_VAR, secret)
            .env("CERT_PASSWORD", "correct horse")
            .current_dir(self.env.path("home"))
            .args(args)
            .args(["--output", "json"])
            .output()
            .expect("run graphmail");
        check(&out, code, args);
        out
    }

    /// stdout of `args` as one JSON document.
    #[track_caller]
    fn json(&self, args: &[&str], code: i32) -> Value {
        one_document(&self.run(args, code).stdout, &args.join(" "))
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// What the binary printed, by the docs/json.md example it must match.
#[derive(Default)]
struct Printed(Vec<(&'static str, String, Value)>);

impl Printed {
    fn add(&mut self, example: &'static str, command: &str, value: Value) {
        self.0.push((example, command.to_string(), value));
    }
}

/// Sets up the sandbox tenant as a user would (an integration, an incoming
/// and an outbound connector, routes), then runs every command that prints
/// JSON, keeping what each printed.
fn run_every_command(case: &Case) -> Printed {
    let mut printed = Printed::default();
    let action = |printed: &mut Printed, args: &[&str]| {
        let value = case.json(args, 0);
        printed.add("action", &args.join(" "), value);
    };
    action(
        &mut printed,
        &case.integration_set(&["--secret-expires", "2027-06-30"]),
    );
    action(
        &mut printed,
        &[
            "connector",
            "add",
            "support",
            "--use-for",
            "incoming",
            "--address",
            "support@contoso.com",
            "--folder",
            "Inbox/Support/EU",
            "--folder",
            "Inbox/Support/US",
            "--process",
            "Support Request",
            "--ai",
            "classification",
        ],
    );
    let report = case.json(&["test-connection", "connector", "support"], 0);
    printed.add(
        "test-connection",
        "test-connection connector support",
        report,
    );
    action(&mut printed, &["enable", "connector", "support"]);
    action(
        &mut printed,
        &[
            "connector",
            "add",
            "outbound",
            "--use-for",
            "outbound",
            "--address",
            "noreply@contoso.com",
        ],
    );
    case.json(&["test-connection", "connector", "outbound"], 0);
    action(&mut printed, &["enable", "connector", "outbound"]);
    action(
        &mut printed,
        &[
            "route",
            "add",
            "eu",
            "--connector",
            "support",
            "--address",
            "eu@contoso.com",
            "--description",
            "European customers",
            "--process",
            "EU Case",
            "--for-attention",
        ],
    );
    case.json(&["test-connection", "route", "eu"], 0);
    action(&mut printed, &["enable", "route", "eu"]);
    action(
        &mut printed,
        &[
            "route",
            "add",
            "help",
            "--connector",
            "outbound",
            "--address",
            "help@contoso.com",
            "--description",
            "Help desk alias",
        ],
    );
    // Never tested, never enabled: a connector reading a folder the
    // mailbox lacks.
    action(
        &mut printed,
        &[
            "connector",
            "add",
            "archive",
            "--use-for",
            "incoming",
            "--address",
            "sales@contoso.com",
            "--folder",
            "Inbox",
            "--folder",
            "Inbox/Nope",
            "--process",
            "Archive",
        ],
    );

    let all = case.json(&["test-connection", "--all"], 3);
    for report in all.as_array().expect("--all prints an array") {
        printed.add("test-connection", "test-connection --all", report.clone());
    }

    let show = case.json(&["connector", "show", "support"], 0);
    printed.add(
        "test-record",
        "connector show: test",
        show["connector"]["test"].clone(),
    );
    printed.add("connector-show", "connector show support", show);
    printed.add(
        "connector-list",
        "connector list",
        case.json(&["connector", "list"], 0),
    );
    printed.add("route-list", "route list", case.json(&["route", "list"], 0));
    for route in ["support", "eu"] {
        printed.add(
            "route-show",
            &format!("route show {route}"),
            case.json(&["route", "show", route], 0),
        );
    }
    let integration = case.json(&["integration", "show"], 0);
    printed.add(
        "integration",
        "integration show: integration",
        integration["integration"].clone(),
    );
    printed.add("integration-show", "integration show", integration);
    printed.add("status", "status", case.json(&["status"], 0));
    printed.add(
        "history",
        "history connector support",
        case.json(&["history", "connector", "support", "--since", "1d"], 0),
    );
    printed.add("doctor", "doctor", case.json(&["doctor"], 0));
    printed.add(
        "token-inspect",
        "token inspect",
        case.json(&["token", "inspect"], 0),
    );

    printed.add(
        "mail-peek",
        "mail peek",
        case.json(&["mail", "peek", "--connector", "support"], 0),
    );
    printed.add(
        "mail-folders",
        "mail folders",
        case.json(&["mail", "folders", "--connector", "archive"], 0),
    );
    let attachment = case.env.path("home/report.txt");
    std::fs::write(&attachment, "figures\n").unwrap();
    printed.add(
        "mail-send",
        "mail send",
        case.json(
            &[
                "mail",
                "send",
                "--from",
                "outbound",
                "--to",
                "adele@contoso.com",
                "--subject",
                "Hello",
                "--body",
                "Hello Adele",
                "--attach",
                attachment.to_str().unwrap(),
                "--verify-sent",
            ],
            0,
        ),
    );
    // One compact object per line, however many arrive.
    let out = case.run(
        &[
            "mail",
            "watch",
            "--connector",
            "support",
            "--once",
            "--from-start",
        ],
        0,
    );
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert!(lines.len() > 1, "the seed's mail arrives: {lines:?}");
    for line in &lines {
        printed.add(
            "mail-watch",
            "mail watch",
            one_document(line.as_bytes(), "a mail watch line"),
        );
    }

    action(
        &mut printed,
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "ceo@contoso.com",
            "--own-mailbox",
            "help@contoso.com",
        ],
    );
    printed.add("scope-show", "scope show", case.json(&["scope", "show"], 0));
    printed.add("scope-plan", "scope plan", case.json(&["scope", "plan"], 0));
    // The sandbox's app has tenant-wide Mail.* roles: not restricted, exit 3.
    let out = case.run(&["scope", "check"], 3);
    printed.add(
        "scope-check",
        "scope check",
        one_document(&out.stdout, "scope check"),
    );
    printed.add(
        "error",
        "scope check's error",
        stderr_document(&out.stderr, "scope check"),
    );

    printed.add(
        "certificate-new",
        "certificate new",
        case.json(
            &[
                "certificate",
                "new",
                "--out-dir",
                "certs",
                "--password-env",
                "CERT_PASSWORD",
            ],
            0,
        ),
    );
    printed.add(
        "support-bundle",
        "support bundle",
        case.json(&["support", "bundle", "--out", "ticket.tar.gz"], 0),
    );
    printed.add(
        "support-bundle-last-tests",
        "support bundle: last-tests.json",
        bundled(&case.env.path("home/ticket.tar.gz"), "last-tests.json"),
    );
    printed.add("version", "--version", case.json(&["--version"], 0));

    // plan and apply: the exported state plus a connector that passes, one
    // that fails (its enable is not applied) and a folder more on support;
    // the route `help` is left out (not declared).
    let out = case
        .env
        .command()
        .args(["export"])
        .output()
        .expect("export");
    check(&out, 0, &["export"]);
    let exported = text(&out.stdout);
    let help = exported
        .find("[[route]]\nname = \"help\"")
        .expect("help in export");
    let desired = format!(
        "{}\n[[connector]]\nname = \"sales\"\nuse_for = \"incoming\"\naddress = \"sales@contoso.com\"\nfolders = [\"Inbox\"]\nprocess = \"Sales Lead\"\nenabled = true\n\n[[connector]]\nname = \"broken\"\nuse_for = \"incoming\"\naddress = \"sales@contoso.com\"\nfolders = [\"Inbox/Nope\"]\nprocess = \"Broken\"\nenabled = true\n",
        exported[..help].replace(
            "folders = [\"Inbox/Support/EU\", \"Inbox/Support/US\"]",
            "folders = [\"Inbox/Support/EU\", \"Inbox/Support/US\", \"Inbox/Support/Escalations\"]",
        )
    );
    assert!(desired.contains("Escalations"), "{exported}");
    std::fs::write(case.env.path("home/graphmail.toml"), desired).unwrap();
    printed.add("plan", "plan", case.json(&["plan"], 0));
    let out = case.run(&["apply"], 3);
    let apply = one_document(&out.stdout, "apply");
    assert!(
        !apply["not_applied"].as_array().unwrap().is_empty(),
        "{apply:#}"
    );
    printed.add("apply", "apply", apply);

    printed
}

/// A JSON file of a support bundle (a .tar.gz), parsed.
fn bundled(archive: &std::path::Path, name: &str) -> Value {
    let file = std::fs::File::open(archive).expect("the bundle");
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().expect("tar entries") {
        let mut entry = entry.expect("tar entry");
        if entry.path().expect("path").ends_with(name) {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).expect("read");
            return one_document(text.as_bytes(), name);
        }
    }
    panic!("no {name} in {}", archive.display())
}

/// stderr of a failed JSON-mode command: exactly one JSON document (its
/// warnings are inside it, under `error.warnings`).
fn stderr_document(stderr: &[u8], what: &str) -> Value {
    one_document(stderr, &format!("{what}'s error"))
}

#[test]
fn every_documented_example_has_the_shape_the_binary_prints() {
    let case = Case::new();
    let printed = run_every_command(&case);
    let examples = documented();
    let mut problems = BTreeSet::new();
    for (name, command, actual) in &printed.0 {
        let Some(doc) = examples.get(*name) else {
            problems.insert(format!(
                "{name}: no `<!-- example: {name} -->` in docs/json.md"
            ));
            continue;
        };
        let mut found = BTreeSet::new();
        shape_differences(name, doc, actual, &mut found);
        problems.extend(
            found
                .into_iter()
                .map(|p| format!("{p} (graphmail {command})")),
        );
    }
    for name in examples.keys() {
        if !printed.0.iter().any(|(n, _, _)| n == name) {
            problems.insert(format!(
                "{name}: documented example with no command checked here"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/json.md and the binary disagree:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// A refused live change whose re-test failed for several items prints one
/// JSON document on stdout, an array of the failing reports (one or
/// several), so `jq` and `json.loads` read it; the error is on stderr.
#[test]
fn a_refused_live_change_prints_one_json_array_of_its_failing_reports() {
    let case = Case::new();
    case.run(&case.integration_set(&[]), 0);
    case.run(
        &[
            "connector",
            "add",
            "support",
            "--use-for",
            "incoming",
            "--address",
            "support@contoso.com",
            "--folder",
            "Inbox/Support/EU",
            "--process",
            "Support Request",
        ],
        0,
    );
    case.run(
        &[
            "route",
            "add",
            "eu",
            "--connector",
            "support",
            "--address",
            "eu@contoso.com",
            "--process",
            "EU Case",
        ],
        0,
    );
    for (kind, name) in [("connector", "support"), ("route", "eu")] {
        case.run(&["test-connection", kind, name], 0);
        case.run(&["enable", kind, name], 0);
    }
    let before = std::fs::read(case.env.state_path()).expect("state");

    // The connector's folders are the route's too: both re-tests fail.
    let out = case.run(
        &["connector", "set", "support", "--add-folder", "Inbox/Nope"],
        3,
    );
    let reports = one_document(&out.stdout, "connector set refused");
    let targets: Vec<String> = reports
        .as_array()
        .unwrap_or_else(|| panic!("an array: {reports:#}"))
        .iter()
        .map(|r| format!("{} {}", r["target"]["kind"], r["target"]["name"]))
        .collect();
    assert_eq!(
        targets,
        ["\"connector\" \"support\"", "\"route\" \"eu\""],
        "{reports:#}"
    );
    for report in reports.as_array().unwrap() {
        assert_eq!(report["verdict"], "failed", "{report:#}");
        assert!(
            report["steps"].to_string().contains("Inbox/Nope"),
            "{report:#}"
        );
    }
    let error = one_document(&out.stderr, "connector set's error");
    assert_eq!(error["error"]["kind"], "test-failed", "{error:#}");
    // The failing folder lookup's request-id, as a field.
    let folder = reports[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .expect("a failed step");
    assert!(folder["request_id"].is_string(), "{folder:#}");
    assert_eq!(
        error["error"]["request_id"], folder["request_id"],
        "{error:#}"
    );
    assert_eq!(std::fs::read(case.env.state_path()).unwrap(), before);

    // One failing item (a connector with no route of its own): the same
    // shape, an array of one.
    case.run(
        &[
            "connector",
            "add",
            "sales",
            "--use-for",
            "incoming",
            "--address",
            "sales@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "Sales Lead",
        ],
        0,
    );
    case.run(&["test-connection", "connector", "sales"], 0);
    case.run(&["enable", "connector", "sales"], 0);
    let before = std::fs::read(case.env.state_path()).expect("state");
    let out = case.run(
        &["connector", "set", "sales", "--add-folder", "Inbox/Nope"],
        3,
    );
    let reports = one_document(&out.stdout, "connector set refused");
    let reports = reports.as_array().expect("an array");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert_eq!(reports[0]["target"]["name"], "sales");
    assert_eq!(std::fs::read(case.env.state_path()).unwrap(), before);
}

#[test]
fn the_shape_check_catches_a_difference() {
    let doc: Value = serde_json::json!({"a": 1, "b": [{"c": "x"}], "d": null, "e": null});
    let mut out = BTreeSet::new();
    shape_differences(
        "t",
        &doc,
        &serde_json::json!({"a": 2, "b": [{"c": "y"}, {"c": null}], "d": true, "e": "s"}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    shape_differences(
        "t",
        &doc,
        &serde_json::json!({"a": "2", "b": [{"c": "y"}, {"e": 1}], "d": {"x": 1}, "e": [1]}),
        &mut out,
    );
    // a's type; the second element lacks c and has e; d's and e's shapes
    // are not documented.
    assert_eq!(out.len(), 5, "{out:?}");
    let mut out = BTreeSet::new();
    shape_differences(
        "t",
        &serde_json::json!({"b": []}),
        &serde_json::json!({"b": [1]}),
        &mut out,
    );
    assert_eq!(out.len(), 1, "{out:?}");
}

/// A Graph failure's code and request-id reach the error object as fields,
/// not only its message: the step a one-target test failed at.
#[test]
fn a_graph_failure_carries_its_code_and_request_id_in_the_error_object() {
    let case = Case::new();
    case.run(&case.integration_set(&[]), 0);
    case.run(
        &[
            "connector",
            "add",
            "nobody",
            "--use-for",
            "incoming",
            "--address",
            "nobody@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "Case",
        ],
        0,
    );
    let out = case.run(&["test-connection", "connector", "nobody"], 3);
    let report = one_document(&out.stdout, "test-connection");
    let failed = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .unwrap_or_else(|| panic!("a failed step: {report:#}"));
    assert_eq!(failed["check"], "mailbox", "{report:#}");
    let error = &one_document(&out.stderr, "test-connection's error")["error"];
    assert!(error["code"].is_string(), "{error:#}");
    assert_eq!(error["code"], failed["code"], "{error:#}");
    assert!(error["request_id"].is_string(), "{error:#}");
    assert_eq!(error["request_id"], failed["request_id"], "{error:#}");
    assert!(error.get("trace_id").is_some(), "{error:#}");
}

/// `integration set` whose test passed with warnings says them, in its
/// message and its JSON `details`, rather than a bare "Saved": here a
/// certificate Entra knows that ends in 10 days.
#[test]
fn integration_set_shows_a_certificate_near_its_end_as_a_warning() {
    let env = TestEnv::new();
    let out = env.run_env(
        &[
            "certificate",
            "new",
            "--days",
            "10",
            "--password-env",
            "CERT_PASSWORD",
            "--out-dir",
            env.path("home").to_str().unwrap(),
        ],
        &[("CERT_PASSWORD", "correct horse")],
    );
    check(&out, 0, &["certificate", "new", "--days", "10"]);
    // The app registration holds this certificate's public half.
    let mut seed = graphmail::sandbox::Seed::builtin();
    seed.tenants[0].apps[0]
        .certificates
        .push(graphmail::sandbox::seed::CertificateSeed {
            pem: Some(env.path("home/graphmail.pem")),
            ..Default::default()
        });
    let case = Case::on(
        env,
        ServeOptions {
            seed: Some(seed),
            ..ServeOptions::default()
        },
    );
    let ready = case.ready().clone();
    assert_eq!(ready.app_id, common::APP_ID, "the seed's first app");
    let answer = case.json(
        &[
            "integration",
            "set",
            "--tenant",
            &ready.tenant,
            "--app-id",
            &ready.app_id,
            "--certificate",
            "graphmail.pfx",
            "--certificate-password-env",
            "CERT_PASSWORD",
            "--authority-host",
            &ready.authority_host,
            "--graph-endpoint",
            &ready.graph_endpoint,
        ],
        0,
    );
    assert_eq!(answer["changed"], true, "{answer:#}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("1 warning"), "{answer:#}");
    let details = answer["details"].to_string();
    assert!(
        details.contains("warning: certificate")
            && (details.contains("in 10 days") || details.contains("in 9 days")),
        "{answer:#}"
    );
}

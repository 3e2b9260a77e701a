//! docs/json.md is the JSON contract (SPEC §3, issue 11): each complete
//! example it marks with `<!-- example: NAME -->` must parse, and must have
//! the shape (keys and value types, nested) of what the binary prints for
//! that command. A field added to the output and not to the docs, or the
//! other way round, fails here.
//!
//! Run with `cargo test --features test-store --test json_docs`.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

use common::{TestEnv, check, record_pass, text};

/// The marked examples of docs/json.md, by name, parsed.
fn documented() -> BTreeMap<String, Value> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("docs/json.md");
    let mut examples = BTreeMap::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
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
        examples.insert(name.to_string(), value);
    }
    examples
}

/// Where `actual` differs in shape from `documented`: keys missing on either
/// side, or a different JSON type. `null` on either side matches any type
/// (an optional field); arrays compare their first elements when both have one.
fn shape_differences(path: &str, documented: &Value, actual: &Value, out: &mut Vec<String>) {
    match (documented, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(d), Value::Object(a)) => {
            for key in d.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{key}: documented, not printed"));
            }
            for key in a.keys().filter(|k| !d.contains_key(*k)) {
                out.push(format!("{path}.{key}: printed, not documented"));
            }
            for (key, dv) in d {
                if let Some(av) = a.get(key) {
                    shape_differences(&format!("{path}.{key}"), dv, av, out);
                }
            }
        }
        (Value::Array(d), Value::Array(a)) => {
            if let (Some(dv), Some(av)) = (d.first(), a.first()) {
                shape_differences(&format!("{path}[0]"), dv, av, out);
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (d, a) => out.push(format!("{path}: documented {d}, printed {a}")),
    }
}

fn json_of(bytes: &[u8], what: &str) -> Value {
    serde_json::from_str(text(bytes).trim())
        .unwrap_or_else(|e| panic!("{what}: not one JSON object ({e}): {}", text(bytes)))
}

#[test]
fn every_documented_example_has_the_shape_the_binary_prints() {
    let env = TestEnv::new();
    let json = |args: &[&str], code: i32| {
        let mut full = args.to_vec();
        full.extend(["--output", "json"]);
        let out = env.run(&full);
        check(&out, code, args);
        out
    };
    let mut printed = BTreeMap::new();

    // An integration whose endpoints answer nothing: tests fail fast, offline.
    let out = env.run(&[
        "integration",
        "set",
        "--tenant",
        common::TENANT,
        "--app-id",
        common::APP_ID,
        "--client-secret-env",
        "TEST_SECRET",
        "--authority-host",
        "http://127.0.0.1:9",
        "--graph-endpoint",
        "http://127.0.0.1:9",
        "--skip-test",
        "--output",
        "json",
    ]);
    check(&out, 0, &["integration", "set"]);
    printed.insert("action", json_of(&out.stdout, "integration set"));
    printed.insert(
        "integration-show",
        json_of(
            &json(&["integration", "show"], 0).stdout,
            "integration show",
        ),
    );
    env.ok(&[
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
    ]);
    record_pass(&env.state_path(), "integration", "integration");
    record_pass(&env.state_path(), "connector", "support");
    env.ok(&["enable", "connector", "support"]);
    printed.insert(
        "route-show",
        json_of(&json(&["route", "show", "support"], 0).stdout, "route show"),
    );
    printed.insert(
        "connector-show",
        json_of(
            &json(&["connector", "show", "support"], 0).stdout,
            "connector show",
        ),
    );
    let out = json(&["test-connection", "integration", "--no-record"], 3);
    printed.insert("test-connection", json_of(&out.stdout, "test-connection"));
    // stderr is the error object alone (the --no-record note is not printed).
    printed.insert("error", json_of(&out.stderr, "test-connection's error"));

    let examples = documented();
    let mut problems = Vec::new();
    for (name, actual) in &printed {
        let Some(doc) = examples.get(*name) else {
            problems.push(format!(
                "{name}: no `<!-- example: {name} -->` in docs/json.md"
            ));
            continue;
        };
        shape_differences(name, doc, actual, &mut problems);
    }
    for name in examples.keys() {
        if !printed.contains_key(name.as_str()) {
            problems.push(format!(
                "{name}: documented example with no command checked here"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/json.md and the binary disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_shape_check_catches_a_difference() {
    let mut out = Vec::new();
    let doc: Value = serde_json::json!({"a": 1, "b": [{"c": "x"}], "d": null});
    shape_differences(
        "t",
        &doc,
        &serde_json::json!({"a": 2, "b": [{"c": "y"}], "d": true}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    shape_differences(
        "t",
        &doc,
        &serde_json::json!({"a": "2", "b": [{"e": 1}], "d": 1}),
        &mut out,
    );
    assert_eq!(out.len(), 3, "{out:?}");
}

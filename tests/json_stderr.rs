//! With `--output json`, a failed command's stderr is exactly one JSON
//! object, its warnings inside it (docs/json.md, "Errors"); on success the
//! notes and warnings still reach stderr (issue 11).

mod common;

use common::{TestEnv, check, text};
use serde_json::Value;

fn error_object(stderr: &[u8]) -> Value {
    let stderr = text(stderr);
    serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}):\n{stderr}"))
}

#[test]
fn a_failed_test_connection_with_no_record_leaves_only_the_error_object_on_stderr() {
    let env = TestEnv::new();
    env.unreachable_integration();
    let args = [
        "test-connection",
        "integration",
        "--no-record",
        "--output",
        "json",
    ];
    let out = env.run(&args);
    check(&out, 3, &args);
    let error = error_object(&out.stderr);
    assert_eq!(error["error"]["kind"], "test-failed", "{error:#}");
    assert_eq!(
        error["error"]["warnings"],
        Value::Array(vec![]),
        "{error:#}"
    );
    // The report on stdout says what the note said.
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["recorded"], false);

    // A warning the run gave is inside the object, not before it.
    let out = env.run_env(&args, &[("GRAPHMAIL_CLIENT_SECRET", "override-value")]);
    check(&out, 3, &args);
    let error = error_object(&out.stderr);
    let warnings = error["error"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().is_some_and(
            |w| w.contains("GRAPHMAIL_CLIENT_SECRET replaced the recorded credential source")
        )),
        "{error:#}"
    );
    assert!(!text(&out.stderr).contains("override-value"));

    // Text mode is unchanged: the note, then the error.
    let out = env.run(&["test-connection", "integration", "--no-record"]);
    check(&out, 3, &["test-connection", "integration", "--no-record"]);
    let stderr = text(&out.stderr);
    let note = stderr.find("--no-record: the result is not recorded");
    let error = stderr.find("error:");
    assert!(
        note.is_some() && error.is_some() && note < error,
        "{stderr}"
    );
}

#[test]
fn on_success_json_mode_still_prints_its_warnings_on_stderr() {
    let env = TestEnv::new();
    let args = [
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
    ];
    let out = env.run(&args);
    check(&out, 0, &args);
    let stdout: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stdout["action"], "integration.set", "{stdout:#}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("warning: saving without a connection test (--skip-test)"),
        "{stderr}"
    );
}

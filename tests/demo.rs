//! `graphmail demo`, the README's first quick-start command, runs the whole
//! product page against the embedded sandbox and exits 0; it is text for
//! people whatever `--output` says.

#[test]
fn the_demo_runs_the_whole_flow_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("graphmail")
        .unwrap()
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "1")
        // The narration is for people: --output json changes nothing (no
        // JSON objects scattered through it; docs/json.md).
        .args(["demo", "--output", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    for expected in [
        "$ graphmail integration set",
        "--certificate-password-stdin",
        "Connection test of connector support: PASSED",
        "(exit code 4: nothing goes live without a passing connection test)",
        "ErrorAccessDenied",
        "found in Sent Items by immutable ID",
        "Connectors (2 live of 2)",
        "Routes (4 live of 4)",
        "Nothing needs attention.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}\n--- stderr\n{stderr}"
        );
    }
    assert!(
        stderr.contains("Enabled connector 'support': it is live"),
        "{stderr}"
    );
    assert!(!stdout.contains("\"schema_version\""), "{stdout}");
    // The demo touched nothing in the user's home.
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0);
}

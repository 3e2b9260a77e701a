//! End-to-end tests of the commands that work on the local state alone: the
//! model's invariants, the enable gate, idempotency, validation and the
//! state file's safety. They run the real binary in a sealed temp HOME.

mod common;

use common::{APP_ID, TENANT, TestEnv, check, record_failure, record_pass, text};

fn incoming(env: &TestEnv, name: &str, address: &str) {
    env.ok(&[
        "connector",
        "add",
        name,
        "--use-for",
        "incoming",
        "--address",
        address,
        "--folder",
        "Inbox/Support",
        "--process",
        "Support Request",
    ]);
}

fn outbound(env: &TestEnv, name: &str, address: &str) {
    env.ok(&[
        "connector",
        "add",
        name,
        "--use-for",
        "outbound",
        "--address",
        address,
    ]);
}

/// An integration, an incoming connector `support` with a recorded pass,
/// enabled (so its default route exists).
fn live_support(env: &TestEnv) {
    env.unreachable_integration();
    incoming(env, "support", "support@contoso.com");
    record_pass(&env.state_path(), "connector", "support");
    env.ok(&["enable", "connector", "support"]);
}

#[test]
fn state_file_lives_in_the_config_dir_by_default_with_mode_0600() {
    let env = TestEnv::new();
    incoming(&env, "support", "support@contoso.com");
    let path = env.state_path();
    assert!(path.exists(), "state at {}", path.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // --state and GRAPHMAIL_STATE override it.
    let other = env.path("elsewhere.toml");
    env.ok(&[
        "--state",
        other.to_str().unwrap(),
        "connector",
        "add",
        "x",
        "--use-for",
        "outbound",
        "--address",
        "x@contoso.com",
    ]);
    assert!(
        std::fs::read_to_string(&other)
            .unwrap()
            .contains("x@contoso.com")
    );
    let out = env.run_env(
        &["connector", "list"],
        &[("GRAPHMAIL_STATE", other.to_str().unwrap())],
    );
    check(&out, 0, &["connector", "list"]);
    assert!(text(&out.stdout).contains("x@contoso.com"));
    assert!(!text(&out.stdout).contains("support@contoso.com"));
}

#[test]
fn connector_add_list_show_set_remove() {
    let env = TestEnv::new();
    env.ok(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "Support@Contoso.com",
        "--folder",
        "Inbox",
        "--folder",
        "Inbox/Support/EU",
        "--process",
        "Support Request",
        "--send-automated-emails",
        "--test-mode",
        "--ai",
        "sentiment",
        "--ai",
        "classification",
    ]);
    outbound(&env, "out", "noreply@contoso.com");

    let list = env.json(&["connector", "list"]);
    assert_eq!(list["schema_version"], 1);
    let connectors = list["connectors"].as_array().unwrap();
    assert_eq!(connectors.len(), 2);
    let support = &connectors[0];
    assert_eq!(support["name"], "support");
    assert_eq!(support["use_for"], "incoming");
    assert_eq!(
        support["folders"],
        serde_json::json!(["Inbox", "Inbox/Support/EU"])
    );
    assert_eq!(
        support["ai"],
        serde_json::json!(["classification", "sentiment"])
    );
    assert_eq!(support["send_automated_emails"], true);
    assert_eq!(support["test_mode"], true);
    assert_eq!(support["enabled"], false);
    assert_eq!(support["test_state"], "untested");

    // Plain rows when piped: a header line and tab-separated rows.
    let (rows, _) = env.ok(&["connector", "list"]);
    let lines: Vec<&str> = rows.lines().collect();
    assert!(lines[0].starts_with("NAME\tUSE FOR\tADDRESS"));
    assert!(lines[1].starts_with("support\tincoming\t"));

    env.ok(&[
        "connector",
        "set",
        "support",
        "--add-folder",
        "Inbox/Support/US",
        "--remove-folder",
        "Inbox",
        "--no-ai",
        "sentiment",
        "--no-test-mode",
        "--process",
        "Complaint",
    ]);
    let show = env.json(&["connector", "show", "support"]);
    assert_eq!(
        show["connector"]["folders"],
        serde_json::json!(["Inbox/Support/EU", "Inbox/Support/US"])
    );
    assert_eq!(
        show["connector"]["ai"],
        serde_json::json!(["classification"])
    );
    assert_eq!(show["connector"]["test_mode"], false);
    assert_eq!(show["connector"]["process"], "Complaint");
    assert_eq!(show["routes"], serde_json::json!([]));

    // --folder on set replaces the list.
    env.ok(&["connector", "set", "support", "--folder", "Inbox"]);
    let show = env.json(&["connector", "show", "support"]);
    assert_eq!(show["connector"]["folders"], serde_json::json!(["Inbox"]));

    env.ok(&["connector", "remove", "out", "--yes"]);
    let list = env.json(&["connector", "list"]);
    assert_eq!(list["connectors"].as_array().unwrap().len(), 1);
    let (_, err) = env.expect(&["connector", "show", "out"], 2);
    assert!(err.contains("no connector named 'out'"), "{err}");
}

#[test]
fn re_adding_an_identical_connector_is_a_no_op_and_a_conflicting_one_names_the_difference() {
    let env = TestEnv::new();
    incoming(&env, "support", "support@contoso.com");
    let before = env.state_text();
    let (_, err) = env.ok(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "support@contoso.com",
        "--folder",
        "Inbox/Support",
        "--process",
        "Support Request",
    ]);
    assert!(
        err.contains("already exists with these settings: nothing to do"),
        "{err}"
    );
    assert_eq!(env.state_text(), before);

    let (_, err) = env.expect(
        &[
            "connector",
            "add",
            "support",
            "--use-for",
            "incoming",
            "--address",
            "help@contoso.com",
            "--folder",
            "Inbox/Support",
            "--process",
            "Support Request",
        ],
        2,
    );
    assert!(
        err.contains("address: existing 'support@contoso.com', requested 'help@contoso.com'"),
        "{err}"
    );
    assert_eq!(env.state_text(), before);

    let json = env.run(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "support@contoso.com",
        "--folder",
        "Inbox/Support",
        "--process",
        "Support Request",
        "--output",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["changed"], false);
    assert_eq!(v["action"], "connector.add");
}

#[test]
fn bad_input_names_the_field_exits_2_and_leaves_the_file_unchanged() {
    let env = TestEnv::new();
    incoming(&env, "support", "support@contoso.com");
    env.unreachable_integration();
    let before = std::fs::read(env.state_path()).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "connector",
                "add",
                "x",
                "--use-for",
                "incoming",
                "--address",
                "not-an-address",
                "--folder",
                "Inbox",
                "--process",
                "P",
            ],
            "--address",
        ),
        (
            vec![
                "connector",
                "add",
                "x",
                "--use-for",
                "incoming",
                "--address",
                "x@contoso.com",
                "--folder",
                "Inbox//EU",
                "--process",
                "P",
            ],
            "--folder",
        ),
        (
            vec![
                "connector",
                "add",
                "x",
                "--use-for",
                "incoming",
                "--address",
                "x@contoso.com",
                "--process",
                "P",
            ],
            "folder",
        ),
        (
            vec![
                "connector",
                "add",
                "x",
                "--use-for",
                "outbound",
                "--address",
                "x@contoso.com",
                "--folder",
                "Inbox",
            ],
            "--folder",
        ),
        (
            vec!["connector", "set", "support", "--remove-folder", "Junk"],
            "Junk",
        ),
        (vec!["connector", "set", "nope", "--process", "P"], "nope"),
        (
            vec![
                "route",
                "add",
                "r",
                "--connector",
                "nope",
                "--address",
                "r@contoso.com",
                "--process",
                "P",
            ],
            "nope",
        ),
        (
            vec![
                "integration",
                "set",
                "--tenant",
                "common",
                "--app-id",
                APP_ID,
                "--client-secret-env",
                "X",
                "--skip-test",
            ],
            "--tenant",
        ),
        (
            vec![
                "integration",
                "set",
                "--tenant",
                TENANT,
                "--app-id",
                "not-a-guid",
                "--client-secret-env",
                "X",
                "--skip-test",
            ],
            "--app-id",
        ),
        (
            vec![
                "integration",
                "set",
                "--tenant",
                TENANT,
                "--app-id",
                APP_ID,
                "--client-secret-env",
                "X",
                "--authority-host",
                "http://login.example.com",
                "--graph-endpoint",
                "https://graph.example.com",
                "--skip-test",
            ],
            "--authority-host",
        ),
        (
            vec![
                "integration",
                "set",
                "--tenant",
                TENANT,
                "--app-id",
                APP_ID,
                "--client-secret-env",
                "1BAD",
                "--skip-test",
            ],
            "--client-secret-env",
        ),
    ];
    for (args, field) in cases {
        let out = env.run(&args);
        check(&out, 2, &args);
        let err = text(&out.stderr);
        assert!(
            err.contains(field),
            "error for {args:?} should name {field}: {err}"
        );
        assert!(out.stdout.is_empty(), "no data on stdout for an error");
        assert_eq!(
            std::fs::read(env.state_path()).unwrap(),
            before,
            "state changed by {args:?}"
        );
    }
}

#[test]
fn the_gate_refuses_untested_failed_and_stale_items_naming_the_command() {
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    let (_, err) = env.expect(&["enable", "connector", "support"], 4);
    assert!(err.contains("has no connection test"), "{err}");
    assert!(
        err.contains("graphmail test-connection connector support"),
        "{err}"
    );

    // A real test against an unreachable endpoint learns nothing about the
    // configuration (SPEC §4): exit 3, recorded as unverified, and the gate
    // says what would establish the missing facts.
    let (_, _) = env.expect(&["test-connection", "connector", "support"], 3);
    let (_, err) = env.expect(&["enable", "connector", "support"], 4);
    assert!(
        err.contains("was not verified by its last connection test"),
        "{err}"
    );
    assert!(err.contains("reachable"), "{err}");

    // A pass, then a change of a tested setting, makes it stale.
    record_pass(&env.state_path(), "connector", "support");
    env.ok(&["connector", "set", "support", "--add-folder", "Inbox/Other"]);
    let (_, err) = env.expect(&["enable", "connector", "support"], 4);
    assert!(
        err.contains("changed since its last connection test"),
        "{err}"
    );

    // Untested settings (process, flags) do not make it stale.
    record_pass(&env.state_path(), "connector", "support");
    env.ok(&[
        "connector",
        "set",
        "support",
        "--process",
        "Other",
        "--send-automated-emails",
    ]);
    env.ok(&["enable", "connector", "support"]);
}

#[test]
fn enabling_creates_the_default_route_which_follows_its_connector() {
    let env = TestEnv::new();
    live_support(&env);
    let routes = env.json(&["route", "list"]);
    let r = &routes["routes"][0];
    assert_eq!(r["name"], "support");
    assert_eq!(r["default"], true);
    assert_eq!(r["enabled"], true);
    assert_eq!(r["live"], true);
    assert_eq!(r["address"], "support@contoso.com");
    assert_eq!(r["process"], "Support Request");

    // Untested options follow the connector without a re-test.
    env.ok(&[
        "connector",
        "set",
        "support",
        "--process",
        "Complaint",
        "--test-mode",
    ]);
    let r = env.json(&["route", "show", "support"]);
    assert_eq!(r["route"]["process"], "Complaint");
    assert_eq!(r["route"]["test_mode"], true);

    // One truth: a default route's verdict is its connector's, shown as
    // such, even when a record of its own lingers.
    let connector = env.json(&["connector", "show", "support"]);
    assert_eq!(r["route"]["inherited_from"], "connector", "{r:#}");
    assert_eq!(r["route"]["test"], connector["connector"]["test"], "{r:#}");
    common::record_pass(&env.state_path(), "route", "support");
    common::record_failure(&env.state_path(), "connector", "support");
    let r = env.json(&["route", "show", "support"]);
    assert_eq!(r["route"]["test_state"], "failed", "{r:#}");
    assert_eq!(r["route"]["test"]["verdict"], "failed", "{r:#}");
    assert_eq!(r["route"]["inherited_from"], "connector", "{r:#}");
    let (out, _) = env.ok(&["route", "show", "support"]);
    assert!(out.contains("its connector's"), "{out}");
    common::record_pass(&env.state_path(), "connector", "support");

    // It cannot be removed on its own, nor its address changed directly.
    let (_, err) = env.expect(&["route", "remove", "support", "--yes"], 2);
    assert!(err.contains("default route"), "{err}");
    let (_, err) = env.expect(
        &["route", "set", "support", "--address", "x@contoso.com"],
        2,
    );
    assert!(err.contains("follows it"), "{err}");

    // Disabled and re-enabled with the connector.
    env.ok(&["disable", "connector", "support"]);
    let r = env.json(&["route", "show", "support"]);
    assert_eq!(r["route"]["enabled"], false);
    env.ok(&["enable", "connector", "support"]);
    let r = env.json(&["route", "show", "support"]);
    assert_eq!(r["route"]["enabled"], true);
    assert_eq!(
        env.json(&["route", "list"])["routes"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no second default route"
    );

    // Removed with the connector.
    env.ok(&["connector", "remove", "support", "--yes"]);
    assert_eq!(
        env.json(&["route", "list"])["routes"],
        serde_json::json!([])
    );
}

#[test]
fn a_route_is_enabled_only_under_a_live_connector_and_disabling_the_connector_cascades() {
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU Case",
        "--for-attention",
    ]);
    record_pass(&env.state_path(), "route", "eu");
    let (_, err) = env.expect(&["enable", "route", "eu"], 4);
    assert!(
        err.contains("while its connector 'support' is not live"),
        "{err}"
    );
    assert!(err.contains("graphmail enable connector support"), "{err}");

    record_pass(&env.state_path(), "connector", "support");
    env.ok(&["enable", "connector", "support"]);
    // The route's pass was recorded against the same connector settings: still valid.
    env.ok(&["enable", "route", "eu"]);
    assert_eq!(env.json(&["route", "show", "eu"])["route"]["live"], true);

    let out = env.run(&["disable", "connector", "support", "--output", "json"]);
    check(&out, 0, &["disable"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["details"][0].as_str().unwrap().contains("eu"), "{v}");
    let (_, err) = env.ok(&["disable", "connector", "support"]);
    assert!(err.contains("already disabled"), "{err}");
    assert_eq!(
        env.json(&["route", "show", "eu"])["route"]["enabled"],
        false
    );
}

#[test]
fn removals_others_depend_on_are_refused_unless_cascade() {
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    let before = env.state_text();
    let (_, err) = env.expect(&["connector", "remove", "support", "--yes"], 2);
    assert!(err.contains("eu") && err.contains("--cascade"), "{err}");
    let (_, err) = env.expect(&["integration", "remove", "--yes"], 2);
    assert!(
        err.contains("support") && err.contains("--cascade"),
        "{err}"
    );
    assert_eq!(env.state_text(), before);

    // Without --yes and without a terminal, a destructive command asks for --yes.
    let (_, err) = env.expect(&["connector", "remove", "support", "--cascade"], 2);
    assert!(err.contains("--yes"), "{err}");

    env.ok(&["connector", "remove", "support", "--cascade", "--yes"]);
    assert_eq!(
        env.json(&["route", "list"])["routes"],
        serde_json::json!([])
    );
    env.ok(&["integration", "remove", "--yes"]);
    assert!(env.json(&["integration", "show"])["integration"].is_null());
}

#[test]
fn route_rules_outgoing_aliases_and_unique_addresses() {
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    outbound(&env, "out", "noreply@contoso.com");
    env.ok(&[
        "route",
        "add",
        "info",
        "--connector",
        "out",
        "--address",
        "info@contoso.com",
        "--description",
        "Info alias",
    ]);
    let r = env.json(&["route", "show", "info"]);
    assert_eq!(r["route"]["direction"], "outgoing");
    assert_eq!(r["route"]["description"], "Info alias");
    let (_, err) = env.expect(
        &[
            "route",
            "add",
            "bad",
            "--connector",
            "out",
            "--address",
            "bad@contoso.com",
            "--process",
            "P",
        ],
        2,
    );
    assert!(
        err.contains("outgoing (alias) route") && err.contains("--process"),
        "{err}"
    );
    let (_, err) = env.expect(
        &[
            "route",
            "add",
            "eu",
            "--connector",
            "support",
            "--address",
            "eu@contoso.com",
        ],
        2,
    );
    assert!(err.contains("--process"), "{err}");
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    let (_, err) = env.expect(
        &[
            "route",
            "add",
            "eu2",
            "--connector",
            "support",
            "--address",
            "EU@contoso.com",
            "--process",
            "EU",
        ],
        2,
    );
    assert!(err.contains("already used by incoming route 'eu'"), "{err}");
    // Identical re-add is a no-op; the connector filter works.
    let (_, err) = env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    assert!(err.contains("nothing to do"), "{err}");
    let only = env.json(&["route", "list", "--connector", "out"]);
    assert_eq!(only["routes"].as_array().unwrap().len(), 1);
    env.ok(&[
        "route",
        "set",
        "eu",
        "--for-attention",
        "--description",
        "Europe",
    ]);
    let r = env.json(&["route", "show", "eu"]);
    assert_eq!(r["route"]["for_attention"], true);
    env.ok(&["route", "remove", "eu", "--yes"]);
    let (_, err) = env.expect(&["route", "show", "eu"], 2);
    assert!(err.contains("no route named 'eu'"));
}

#[test]
fn a_live_edit_is_retested_and_refused_when_the_test_fails_unless_disable() {
    let env = TestEnv::new();
    live_support(&env);
    let before = env.state_text();
    // The endpoints are unreachable, so the re-test fails: exit 3, nothing saved.
    let (_, err) = env.expect(
        &[
            "connector",
            "set",
            "support",
            "--address",
            "help@contoso.com",
        ],
        3,
    );
    assert!(err.contains("change refused"), "{err}");
    assert!(err.contains("--disable"), "{err}");
    assert_eq!(env.state_text(), before);

    // With --disable the change is saved and the connector taken out of
    // service; the exit is still 3 (SPEC §3).
    let (_, err) = env.expect(
        &[
            "connector",
            "set",
            "support",
            "--address",
            "help@contoso.com",
            "--disable",
        ],
        3,
    );
    assert!(err.contains("disabled connector 'support'"), "{err}");
    assert!(err.contains("the change was saved"), "{err}");
    let c = env.json(&["connector", "show", "support"]);
    assert_eq!(c["connector"]["address"], "help@contoso.com");
    assert_eq!(c["connector"]["enabled"], false);
    assert_eq!(
        c["routes"][0]["address"], "help@contoso.com",
        "the default route followed"
    );
    assert_eq!(c["routes"][0]["enabled"], false);
}

#[test]
fn hand_edited_enabled_without_a_valid_test_is_reported_and_not_trusted() {
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    env.ok(&["status", "--check"]);
    let text = env
        .state_text()
        .replace("enabled = false", "enabled = true");
    std::fs::write(env.state_path(), text).unwrap();
    let (stdout, _) = env.expect(&["status", "--check"], 4);
    assert!(
        stdout.contains("connector 'support' is enabled but its test is untested"),
        "{stdout}"
    );
    let status = env.json(&["status"]);
    assert_eq!(status["trusted"], false);
    let (_, err) = env.expect(&["test-connection", "connector", "support"], 3);
    assert!(
        err.contains("connector 'support' is enabled but its test is untested"),
        "{err}"
    );
    assert_eq!(status["connectors"][0]["live"], false);
    // A route on it cannot be enabled: the connector is not live.
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    record_pass(&env.state_path(), "route", "eu");
    env.expect(&["enable", "route", "eu"], 4);
}

#[test]
fn status_shows_everything_with_what_needs_attention() {
    let env = TestEnv::new();
    let status = env.json(&["status"]);
    assert_eq!(status["schema_version"], 1);
    assert!(status["integration"].is_null());
    assert_eq!(status["connectors"], serde_json::json!([]));
    assert_eq!(status["routes"], serde_json::json!([]));
    assert!(
        status["attention"][0]
            .as_str()
            .unwrap()
            .contains("integration set")
    );

    live_support(&env);
    outbound(&env, "out", "noreply@contoso.com");
    let status = env.json(&["status"]);
    assert_eq!(status["integration"]["test_state"], "untested");
    assert_eq!(status["connectors"][0]["live"], true);
    assert_eq!(status["routes"][0]["live"], true);
    let attention: Vec<String> = status["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        attention
            .iter()
            .any(|a| a.contains("test-connection integration")),
        "{attention:?}"
    );
    assert!(
        attention
            .iter()
            .any(|a| a.contains("connector 'out' is untested")),
        "{attention:?}"
    );
    let (stdout, _) = env.ok(&["status"]);
    assert!(stdout.contains("Connectors (1 live of 2)"), "{stdout}");
    assert!(stdout.contains("Needs attention"), "{stdout}");
}

#[test]
fn integration_show_names_the_secret_source_and_overrides() {
    let env = TestEnv::new();
    env.unreachable_integration();
    let v = env.json(&["integration", "show"]);
    assert_eq!(v["integration"]["credential"]["kind"], "secret");
    assert_eq!(v["integration"]["credential"]["source"], "env:TEST_SECRET");
    assert_eq!(
        v["integration"]["credential"]["effective_source"],
        "environment variable TEST_SECRET"
    );
    let out = env.run_env(
        &["integration", "show", "--output", "json"],
        &[("GRAPHMAIL_CLIENT_SECRET", "x")],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["integration"]["credential"]["effective_source"]
            .as_str()
            .unwrap()
            .contains("GRAPHMAIL_CLIENT_SECRET")
    );

    // A secret from stdin goes to the secret store, never to the state file or output.
    let secret = "Zq8~super-secret-value-1234";
    let out = env.run_stdin(
        &[
            "integration",
            "set",
            "--tenant",
            TENANT,
            "--app-id",
            APP_ID,
            "--client-secret-stdin",
            "--skip-test",
            "-v",
        ],
        secret,
    );
    check(&out, 0, &["integration", "set"]);
    assert!(!text(&out.stdout).contains(secret) && !text(&out.stderr).contains(secret));
    let v = env.json(&["integration", "show"]);
    assert_eq!(v["integration"]["credential"]["source"], "keyring");
    assert!(!v.to_string().contains(secret));
    let (status, _) = env.ok(&["status"]);
    assert!(!status.contains(secret));
    for file in env.all_files() {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "secret found in {}",
            file.display()
        );
    }
    // The credential generation changes whenever the secret is set.
    let gen1 = v["integration"]["credential"]["credential_generation"].clone();
    env.run_stdin(
        &["integration", "set", "--client-secret-stdin", "--skip-test"],
        "another-one",
    );
    let v = env.json(&["integration", "show"]);
    assert_ne!(
        v["integration"]["credential"]["credential_generation"],
        gen1
    );
    // No plain flag takes a secret.
    let out = env.run(&["integration", "set", "--client-secret", "x"]);
    check(&out, 2, &["integration", "set", "--client-secret"]);
}

#[test]
fn a_missing_value_without_a_terminal_names_the_flag() {
    let env = TestEnv::new();
    let (_, err) = env.expect(
        &[
            "connector",
            "add",
            "support",
            "--address",
            "support@contoso.com",
        ],
        2,
    );
    assert!(err.contains("--use-for"), "{err}");
    let (_, err) = env.expect(
        &[
            "integration",
            "set",
            "--app-id",
            APP_ID,
            "--client-secret-env",
            "X",
            "--skip-test",
        ],
        2,
    );
    assert!(err.contains("--tenant"), "{err}");
    let (_, err) = env.expect(
        &[
            "integration",
            "set",
            "--tenant",
            TENANT,
            "--app-id",
            APP_ID,
            "--skip-test",
        ],
        2,
    );
    assert!(err.contains("--client-secret-stdin"), "{err}");
}

#[test]
fn malformed_wrongly_typed_and_newer_state_files_are_refused_and_never_overwritten() {
    let env = TestEnv::new();
    let path = env.state_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let id = "instance_id = \"7f7f7f7f-0000-4000-8000-000000000000\"\n";
    let cases = [
        format!("schema_version = 1\n{id}[[connector]\nname = \"x\"\n"),
        format!(
            "schema_version = 1\n{id}[[connector]]\nname = \"x\"\nuse_for = \"sideways\"\naddress = \"x@contoso.com\"\n"
        ),
        format!("schema_version = 1\n{id}[[connector]]\nname = 7\n"),
        format!("schema_version = 99\n{id}"),
    ];
    for body in cases {
        std::fs::write(&path, &body).unwrap();
        for args in [
            vec!["status"],
            vec![
                "connector",
                "add",
                "y",
                "--use-for",
                "outbound",
                "--address",
                "y@contoso.com",
            ],
        ] {
            let out = env.run(&args);
            let err = text(&out.stderr);
            assert_ne!(out.status.code(), Some(0), "{body}\n{err}");
            assert!(
                err.contains(path.to_str().unwrap()),
                "the error names the file: {err}"
            );
            if !body.contains("99") {
                let at = format!("{}:", path.display());
                let after = err.split(&at).nth(1).unwrap_or("");
                assert!(
                    after.starts_with(|c: char| c.is_ascii_digit()),
                    "the error has path:line:column: {err}"
                );
            } else {
                assert!(err.contains("newer"), "{err}");
            }
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                body,
                "file rewritten"
            );
        }
    }
}

#[test]
fn user_comments_survive_the_tools_edits() {
    let env = TestEnv::new();
    incoming(&env, "support", "support@contoso.com");
    outbound(&env, "out", "noreply@contoso.com");
    let text = env.state_text().replace(
        "[[connector]]\nname = \"out\"",
        "# the outbound mailbox, owned by IT\n[[connector]]\nname = \"out\"",
    );
    let text = format!("# graphmail state for production\n{text}");
    std::fs::write(env.state_path(), text).unwrap();
    env.ok(&["connector", "set", "support", "--process", "Other"]);
    env.ok(&[
        "connector",
        "add",
        "more",
        "--use-for",
        "outbound",
        "--address",
        "more@contoso.com",
    ]);
    let after = env.state_text();
    assert!(
        after.starts_with("# graphmail state for production"),
        "{after}"
    );
    let pos = after
        .find("# the outbound mailbox, owned by IT")
        .expect("comment kept");
    assert!(after[pos..].contains("name = \"out\""), "{after}");
    assert!(after.contains("process = \"Other\""));
}

#[test]
fn concurrent_processes_adding_connectors_lose_nothing() {
    let env = TestEnv::new();
    let n = 16;
    let children: Vec<_> = (0..n)
        .map(|i| {
            let name = format!("c{i}");
            let address = format!("box{i}@contoso.com");
            let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("graphmail"));
            cmd.env_clear()
                .env("HOME", env.path("home"))
                .env("XDG_CONFIG_HOME", env.path("config"))
                .env("XDG_DATA_HOME", env.path("data"))
                .env("CI", "1")
                .args([
                    "connector",
                    "add",
                    &name,
                    "--use-for",
                    "outbound",
                    "--address",
                    &address,
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let list = env.json(&["connector", "list"]);
    let mut names: Vec<String> = list["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn errors_in_json_mode_are_one_json_object_on_stderr() {
    let env = TestEnv::new();
    let out = env.run(&["connector", "show", "nope", "--output", "json"]);
    check(&out, 2, &["connector", "show"]);
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["error"]["exit_code"], 2);
    assert_eq!(v["error"]["kind"], "usage");
    assert!(v["error"]["message"].as_str().unwrap().contains("nope"));
    assert!(v["error"]["hints"].as_array().is_some());
}

fn attention(env: &TestEnv) -> Vec<String> {
    env.json(&["status"])["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn status_check_fails_for_a_failed_integration_while_connectors_are_live() {
    let env = TestEnv::new();
    live_support(&env);
    record_pass(&env.state_path(), "integration", "integration");
    env.ok(&["status", "--check"]);
    record_failure(&env.state_path(), "integration", "integration");
    let (_, err) = env.expect(&["status", "--check"], 4);
    assert!(err.contains("lacks a passing verdict"), "{err}");
    let attention = attention(&env);
    assert!(
        attention
            .iter()
            .any(|a| a
                .contains("integration's connection test is failed while connectors are enabled")),
        "{attention:?}"
    );
    // Nothing live: a failed integration is listed, not a --check failure.
    env.ok(&["disable", "connector", "support"]);
    env.ok(&["status", "--check"]);
}

#[test]
fn status_check_fails_for_a_live_item_without_a_pass_and_lists_failed_routes() {
    let env = TestEnv::new();
    live_support(&env);
    record_pass(&env.state_path(), "integration", "integration");
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    // A failed route that is not enabled is listed; the exit is unchanged.
    record_failure(&env.state_path(), "route", "eu");
    env.ok(&["status", "--check"]);
    assert!(
        attention(&env)
            .iter()
            .any(|a| a.contains("route 'eu' failed its last connection test")),
        "{:?}",
        attention(&env)
    );
    // A live connector whose latest verdict is a failure needs attention.
    record_failure(&env.state_path(), "connector", "support");
    env.expect(&["status", "--check"], 4);
}

#[test]
fn routes_switched_off_by_a_disable_are_listed_and_come_back_with_with_routes() {
    let env = TestEnv::new();
    live_support(&env);
    record_pass(&env.state_path(), "integration", "integration");
    env.ok(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "EU",
    ]);
    record_pass(&env.state_path(), "route", "eu");
    env.ok(&["enable", "route", "eu"]);
    env.ok(&["disable", "connector", "support"]);
    let (stdout, stderr) = env.ok(&["enable", "connector", "support"]);
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("--with-routes"), "{said}");
    // Listed, without changing the exit code.
    env.ok(&["status", "--check"]);
    assert!(
        attention(&env)
            .iter()
            .any(|a| a.contains("route 'eu' was switched off") && a.contains("--with-routes")),
        "{:?}",
        attention(&env)
    );
    let status = env.json(&["status"]);
    let eu = status["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "eu")
        .unwrap()
        .clone();
    assert_eq!(eu["enabled"], false);
    // --with-routes brings it back through the gate.
    let (stdout, stderr) = env.ok(&["enable", "connector", "support", "--with-routes"]);
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("re-enabled route 'eu'"), "{said}");
    let status = env.json(&["status"]);
    let eu = status["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "eu")
        .unwrap()
        .clone();
    assert_eq!(eu["live"], true, "{status:#}");
    assert!(
        !attention(&env).iter().any(|a| a.contains("switched off")),
        "{:?}",
        attention(&env)
    );
    // A route whose test is no longer a pass stays off, said so.
    env.ok(&["disable", "connector", "support"]);
    record_failure(&env.state_path(), "route", "eu");
    let (stdout, stderr) = env.ok(&["enable", "connector", "support", "--with-routes"]);
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("route 'eu' stays disabled"), "{said}");
}

#[test]
fn test_records_live_in_the_state_directory_and_inline_ones_migrate() {
    let env = TestEnv::new();
    live_support(&env);
    let text = env.state_text();
    assert!(
        !text.contains("fingerprint"),
        "no test record in the file: {text}"
    );
    let dir = env.data_dir();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    let verdicts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("verdicts.json")).unwrap()).unwrap();
    assert_eq!(
        verdicts["connectors"]["support"]["passed"], true,
        "{verdicts:#}"
    );

    // A file written by an older graphmail with the record inline: still
    // live, and the record moves to the directory at the next write.
    let record = &verdicts["connectors"]["support"];
    std::fs::remove_dir_all(&dir).unwrap();
    let inline = text.replacen(
        "name = \"support\"\n",
        &format!(
            "name = \"support\"\ntest = {{ at = {}, passed = true, fingerprint = {} }}\n",
            record["at"], record["fingerprint"]
        ),
        1,
    );
    std::fs::write(env.state_path(), &inline).unwrap();
    let status = env.json(&["status"]);
    assert_eq!(
        status["connectors"][0]["live"], true,
        "{status:#}\n{inline}"
    );
    env.ok(&["connector", "set", "support", "--process", "Other"]);
    assert!(
        !env.state_text().contains("fingerprint"),
        "{}",
        env.state_text()
    );
    let status = env.json(&["status"]);
    assert_eq!(status["connectors"][0]["live"], true, "{status:#}");
    // Removing the item removes its evidence.
    env.ok(&["disable", "connector", "support"]);
    env.ok(&["connector", "remove", "support", "--cascade", "--yes"]);
    let verdicts = std::fs::read_to_string(dir.join("verdicts.json")).unwrap();
    assert!(!verdicts.contains("support"), "{verdicts}");
}

#[test]
fn records_of_another_state_are_not_joined_to_a_new_file() {
    let env = TestEnv::new();
    live_support(&env);
    // The file deleted and made anew with the same settings: the records
    // beside it belong to the old one and prove nothing about this one.
    std::fs::remove_file(env.state_path()).unwrap();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    let status = env.json(&["status"]);
    assert_eq!(
        status["connectors"][0]["test_state"], "untested",
        "{status:#}"
    );
    env.expect(&["enable", "connector", "support"], 4);
}

/// With Entra ID out of reach every target of `--all` is unverified for the
/// same reason: the closing error names what the first few need, the
/// integration first, and counts the rest, instead of one hint per target.
#[test]
fn an_all_run_out_of_reach_names_a_few_needs_and_counts_the_rest() {
    let hints = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("hint: "))
            .map(str::to_string)
            .collect()
    };
    let env = TestEnv::new();
    env.unreachable_integration();
    for n in 1..=3 {
        incoming(&env, &format!("c{n}"), &format!("c{n}@contoso.com"));
    }
    // Four unverified: a count would save nothing, so all four are named.
    let (_, stderr) = env.expect(&["test-connection", "--all", "--timeout", "1"], 3);
    assert!(
        stderr.contains("4 of 4 connection tests did not pass (0 failed, 4 unverified)"),
        "{stderr}"
    );
    let named = hints(&stderr);
    assert_eq!(named.len(), 4, "{stderr}");
    assert!(named[0].starts_with("the integration: "), "{stderr}");
    assert!(named[3].starts_with("connector 'c3': "), "{stderr}");

    for n in 4..=6 {
        incoming(&env, &format!("c{n}"), &format!("c{n}@contoso.com"));
    }
    let (_, stderr) = env.expect(&["test-connection", "--all", "--timeout", "1"], 3);
    let named = hints(&stderr);
    assert_eq!(named.len(), 4, "{stderr}");
    assert!(named[0].starts_with("the integration: "), "{stderr}");
    assert!(named[0].contains("127.0.0.1:9"), "{stderr}");
    assert!(named[2].starts_with("connector 'c2': "), "{stderr}");
    assert_eq!(
        named[3], "and 4 more unverified: each one's report says what it needs",
        "{stderr}"
    );
    // What a target not named needs is still recorded with its result.
    let shown = env.json(&["connector", "show", "c6"]);
    let needs = shown["connector"]["test"]["needs"]
        .as_str()
        .unwrap_or_default();
    assert!(needs.contains("127.0.0.1:9"), "{shown:#}");
}

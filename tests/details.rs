//! The details scripts and people hit (issue 11): help layout, exit codes of
//! unreadable configuration, re-runnable teardown, suggestions that mean
//! what the user meant, and no Rust debug text in messages. Each runs the
//! real binary in a sealed environment.

mod common;

use common::{APP_ID, TENANT, TestEnv, check, text};

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

/// Every command path, e.g. `["connector", "add"]`, from the clap definition.
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        out.push(prefix.to_vec());
        for sub in cmd.get_subcommands() {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&graphmail::cli::full_command(), &[], &mut out);
    out
}

// ---- help ----

/// A command's arguments join clap's tree only when the command line
/// reaches it (`cli::Lazy`), and `help`'s subtree is copied from the tree
/// as it stands: `graphmail help PATH` must still know every command and
/// print what `graphmail PATH --help` prints.
#[test]
fn help_names_every_command_as_its_own_help_does() {
    let env = TestEnv::new();
    let paths = command_paths();
    assert!(paths.iter().any(|p| p.len() == 2), "{paths:?}");
    for path in paths {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let (own, _) = env.ok(&[path.as_slice(), &["--help"]].concat());
        let (via_help, _) = env.ok(&[&["help"], path.as_slice()].concat());
        assert_eq!(via_help, own, "`graphmail help {}`", path.join(" "));
    }
}

#[test]
fn global_options_have_their_own_heading_in_every_help() {
    let env = TestEnv::new();
    let paths = command_paths();
    assert!(paths.len() > 20, "walked the command tree: {paths:?}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (out, _) = env.ok(&args);
        let (own, global) = out.split_once("\nGlobal options:\n").unwrap_or_else(|| {
            panic!("`{}` has no Global options heading:\n{out}", args.join(" "))
        });
        for flag in [
            "--state <PATH>",
            "--output <FORMAT>",
            "--no-input",
            "--yes",
            "--color",
        ] {
            assert!(
                global.contains(flag),
                "`{}`: {flag} under Global options:\n{out}",
                args.join(" ")
            );
            // An option line starts with its flags, then two spaces and
            // its help; a mention of `--yes` in another option's help is
            // not the option itself.
            let defined_here = own.lines().any(|line| {
                let line = line.trim_start();
                line.starts_with('-') && line.split("  ").next().unwrap_or("").contains(flag)
            });
            assert!(
                !defined_here,
                "`{}`: {flag} mixed into the command's own options:\n{out}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn usage_does_not_show_state_as_required_when_the_variable_is_set() {
    let env = TestEnv::new();
    let state = env.path("s.toml");
    let out = env.run_env(
        &["connector", "show"],
        &[("GRAPHMAIL_STATE", state.to_str().expect("utf-8"))],
    );
    check(&out, 2, &["connector", "show"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("Usage: graphmail connector show <NAME>"),
        "{err}"
    );
    assert!(!err.contains("--state"), "{err}");
    // The variable still picks the file.
    env.run_env(
        &[
            "connector",
            "add",
            "x",
            "--use-for",
            "outbound",
            "--address",
            "x@contoso.com",
        ],
        &[("GRAPHMAIL_STATE", state.to_str().expect("utf-8"))],
    );
    assert!(state.exists(), "GRAPHMAIL_STATE is honoured");
}

#[test]
fn add_commands_describe_their_name_argument() {
    let env = TestEnv::new();
    for group in ["connector", "route"] {
        let (out, _) = env.ok(&[group, "add", "--help"]);
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with("[NAME]"))
            .unwrap_or_else(|| panic!("{group} add: no NAME argument:\n{out}"));
        assert!(
            line.contains("required"),
            "{group} add: NAME says it is required: {line}"
        );
    }
    // Without a terminal, leaving it out is a usage error naming it.
    let (_, err) = env.expect(
        &[
            "connector",
            "add",
            "--use-for",
            "outbound",
            "--address",
            "a@contoso.com",
        ],
        2,
    );
    assert!(err.contains("NAME"), "{err}");
}

// ---- --use-for suggestions ----

#[test]
fn use_for_suggests_what_the_user_meant() {
    let env = TestEnv::new();
    for (typed, meant, not) in [
        ("inbound", "incoming", "outbound"),
        ("in", "incoming", "outbound"),
        ("receive", "incoming", "outbound"),
        ("out", "outbound", "incoming"),
        ("send", "outbound", "incoming"),
        ("outgoing", "outbound", "incoming"),
    ] {
        let (_, err) = env.expect(
            &[
                "connector",
                "add",
                "x",
                "--use-for",
                typed,
                "--address",
                "x@contoso.com",
            ],
            2,
        );
        let tip = err
            .lines()
            .find(|l| l.contains("tip:"))
            .unwrap_or_else(|| panic!("{typed}: no suggestion:\n{err}"));
        assert!(tip.contains(&format!("'{meant}'")), "{typed}: {tip}");
        assert!(!tip.contains(not), "{typed} suggests the opposite: {tip}");
        assert!(err.contains("possible values: incoming, outbound"), "{err}");
    }
    // A word with no meaning gets no misleading tip.
    let (_, err) = env.expect(
        &[
            "connector",
            "add",
            "x",
            "--use-for",
            "bogus",
            "--address",
            "x@contoso.com",
        ],
        2,
    );
    assert!(!err.contains("tip:"), "{err}");
    assert!(env.state_text().is_empty(), "nothing saved");
}

// ---- --ignore-missing ----

const TEARDOWN: &[&[&str]] = &[
    &["route", "remove", "eu", "--ignore-missing", "--yes"],
    &[
        "connector",
        "remove",
        "support",
        "--cascade",
        "--ignore-missing",
        "--yes",
    ],
    &[
        "integration",
        "remove",
        "--cascade",
        "--ignore-missing",
        "--yes",
    ],
];

#[test]
fn a_teardown_script_runs_twice_and_the_second_run_changes_nothing() {
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
        "Case",
    ]);

    for step in TEARDOWN {
        env.ok(step);
    }
    let after_first = std::fs::read(env.state_path()).expect("state");
    assert!(
        !text(&after_first).contains("support"),
        "first run removed everything"
    );

    for step in TEARDOWN {
        let (out, err) = env.ok(step);
        assert!(
            err.contains("nothing to remove"),
            "`{}` says nothing was there:\n{out}{err}",
            step.join(" ")
        );
    }
    assert_eq!(
        std::fs::read(env.state_path()).expect("state"),
        after_first,
        "the second run left the state file byte-identical"
    );

    // JSON says unchanged.
    let json = env.json(&[
        "connector",
        "remove",
        "support",
        "--ignore-missing",
        "--yes",
    ]);
    assert_eq!(json["changed"], false, "{json}");
    assert_eq!(json["action"], "connector.remove", "{json}");

    // Without the flag a missing item stays an error.
    env.expect(&["connector", "remove", "support", "--yes"], 2);
    env.expect(&["route", "remove", "eu", "--yes"], 2);
    env.expect(&["integration", "remove", "--yes"], 2);
}

#[test]
fn ignore_missing_still_refuses_what_cannot_be_removed() {
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
        "Case",
    ]);
    let before = env.state_text();
    // Present but with dependants: the flag is not --cascade.
    env.expect(
        &[
            "connector",
            "remove",
            "support",
            "--ignore-missing",
            "--yes",
        ],
        2,
    );
    env.expect(&["integration", "remove", "--ignore-missing", "--yes"], 2);
    assert_eq!(env.state_text(), before);
}

// ---- unreadable configuration is bad input: exit 2 ----

#[test]
fn an_unset_secret_variable_exits_2_in_integration_set_and_test_connection() {
    let env = TestEnv::new();
    let endpoints = [
        "--authority-host",
        "http://127.0.0.1:9",
        "--graph-endpoint",
        "http://127.0.0.1:9",
    ];
    // integration set naming an unset variable.
    let mut args = vec![
        "integration",
        "set",
        "--tenant",
        TENANT,
        "--app-id",
        APP_ID,
        "--client-secret-env",
        "NOT_SET_ANYWHERE",
    ];
    args.extend(endpoints);
    let (_, err) = env.expect(&args, 2);
    assert!(err.contains("NOT_SET_ANYWHERE"), "{err}");
    assert!(
        env.state_text().is_empty(),
        "nothing saved: {}",
        env.state_text()
    );

    // A state that names a variable this run lacks.
    env.unreachable_integration();
    let before = env.state_text();
    let mut cmd = env.command();
    cmd.env_remove("TEST_SECRET");
    let out = cmd
        .args(["test-connection", "integration"])
        .output()
        .expect("run");
    check(&out, 2, &["test-connection", "integration"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("TEST_SECRET") && err.contains("not set"),
        "{err}"
    );
    assert!(err.contains("export TEST_SECRET"), "{err}");
    assert_eq!(env.state_text(), before, "nothing recorded");

    // As `certificate new --password-env` always did.
    let out_dir = env.path("certs");
    let (_, err) = env.expect(
        &[
            "certificate",
            "new",
            "--password-env",
            "NOT_SET_ANYWHERE",
            "--out-dir",
            out_dir.to_str().expect("utf-8"),
        ],
        2,
    );
    assert!(err.contains("NOT_SET_ANYWHERE"), "{err}");
}

#[test]
fn a_missing_imported_certificate_exits_2_in_test_connection() {
    let env = TestEnv::new();
    let certs = env.path("certs");
    let certs = certs.to_str().expect("utf-8");
    env.run_env(
        &[
            "certificate",
            "new",
            "--password-env",
            "PFX_PASS",
            "--out-dir",
            certs,
        ],
        &[("PFX_PASS", "pfx-pass")],
    );
    let pfx = format!("{certs}/graphmail.pfx");
    let out = env.run_env(
        &[
            "integration",
            "set",
            "--tenant",
            TENANT,
            "--app-id",
            APP_ID,
            "--certificate",
            &pfx,
            "--certificate-password-env",
            "PFX_PASS",
            "--authority-host",
            "http://127.0.0.1:9",
            "--graph-endpoint",
            "http://127.0.0.1:9",
            "--skip-test",
        ],
        &[("PFX_PASS", "pfx-pass")],
    );
    check(&out, 0, &["integration", "set", "--certificate"]);
    let imported = env.path("data/graphmail/certificates");
    let files: Vec<_> = std::fs::read_dir(&imported)
        .expect("imported certificates")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "one imported certificate");
    std::fs::remove_file(files[0].path()).expect("remove it");

    let out = env.run_env(
        &["test-connection", "integration"],
        &[("PFX_PASS", "pfx-pass")],
    );
    check(&out, 2, &["test-connection", "integration"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read the imported certificate"),
        "{err}"
    );
    assert!(
        err.contains("--certificate"),
        "says how to import it again: {err}"
    );
}

// ---- no Rust debug text in messages ----

/// Forms of Rust's `Debug` that must never reach a person.
const DEBUG_FORMS: &[&str] = &[
    "Some(",
    "None,",
    "[Classification]",
    "Classification",
    "ServeOptions",
    "::",
    "integration 'integration'",
    "?: confirmation",
];

#[track_caller]
fn assert_no_debug_text(what: &str, message: &str) {
    for form in DEBUG_FORMS {
        assert!(!message.contains(form), "{what}: {form:?} in\n{message}");
    }
}

#[test]
fn messages_read_as_sentences_not_rust_debug_text() {
    let env = TestEnv::new();
    env.ok(&[
        "connector",
        "add",
        "s",
        "--use-for",
        "incoming",
        "--address",
        "s@contoso.com",
        "--folder",
        "Inbox",
        "--process",
        "Support Request",
        "--ai",
        "classification",
    ]);
    // A conflicting re-add names each difference in the user's terms.
    let (_, err) = env.expect(
        &[
            "connector",
            "add",
            "s",
            "--use-for",
            "incoming",
            "--address",
            "s@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "X",
        ],
        2,
    );
    assert!(
        err.contains("process: existing 'Support Request', requested 'X'"),
        "{err}"
    );
    assert!(
        err.contains("ai: existing classification, requested none"),
        "{err}"
    );
    assert_no_debug_text("connector add conflict", &err);

    // A refused integration change names the integration once.
    env.unreachable_integration();
    let (_, err) = env.expect(
        &[
            "integration",
            "set",
            "--app-id",
            "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6c",
        ],
        3,
    );
    assert!(
        err.contains("change refused: the integration (unverified) did not pass"),
        "{err}"
    );
    assert_no_debug_text("integration set refused", &err);

    // A confirmation that cannot be asked.
    let (_, err) = env.expect(&["integration", "remove", "--cascade"], 2);
    assert!(
        err.contains("confirmation needed to remove the integration and its stored secrets"),
        "{err}"
    );
    assert_no_debug_text("integration remove", &err);
    let (_, err) = env.expect(&["connector", "remove", "s"], 2);
    assert!(
        err.contains("confirmation needed to remove connector 's'"),
        "{err}"
    );

    // The sandbox refusing a public address names the flag, not the field.
    let (_, err) = env.expect(&["sandbox", "serve", "--listen", "0.0.0.0:0"], 2);
    assert!(err.contains("--allow-non-loopback"), "{err}");
    assert_no_debug_text("sandbox serve", &err);
}

// ---- a terminal that reports 0 columns ----

#[test]
fn a_zero_column_terminal_gets_an_80_column_table() {
    let env = TestEnv::new();
    incoming(&env, "support", "support@contoso.com");
    let bin = assert_cmd::cargo::cargo_bin("graphmail");
    let mut cmd = std::process::Command::new("sh");
    // No COLUMNS: the width comes from the terminal, which says 0.
    cmd.arg("-c")
        .arg(r#"stty cols 0 rows 0 && exec "$0" connector list"#)
        .arg(bin)
        .env_clear()
        .env("HOME", env.path("home"))
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env("XDG_DATA_HOME", env.path("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty");
    let raw = pty.exp_eof().expect("connector list ends");
    // rexpect hands over one char per byte: undo that to count columns.
    let bytes: Vec<u8> = raw.chars().map(|c| c as u32 as u8).collect();
    let shown = String::from_utf8_lossy(&bytes).replace('\r', "");
    assert!(
        shown.lines().any(|l| l.contains("support   incoming")),
        "a row on one line, not one character per line:\n{shown}"
    );
    let widest = shown.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert_eq!(widest, 80, "laid out in 80 columns:\n{shown}");
}

// ---- the sandbox seed format is documented where errors point ----

#[test]
fn every_seed_example_in_docs_sandbox_md_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/sandbox.md")).expect("docs/sandbox.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    assert!(blocks.len() >= 7, "one example per part: {}", blocks.len());
    for block in &blocks {
        // Unknown keys are errors in the seed, so a documented key that
        // does not exist fails here.
        graphmail::sandbox::seed::Seed::from_toml_str(
            block,
            std::path::Path::new("docs/sandbox.md"),
            std::path::Path::new("/seeds"),
        )
        .unwrap_or_else(|e| panic!("{e}\n--- example\n{block}"));
    }
    // Every key of the example mailbox, so none is left undocumented.
    for key in [
        "ready_app",
        "domains",
        "roles",
        "secrets",
        "expires_in_days",
        "expires_at",
        "generate",
        "pfx",
        "pem",
        "latency",
        "throttle",
        "unavailable",
        "drop",
        "mail_limits",
        "mailbox_concurrency",
        "retry_after",
        "aliases",
        "behaviour",
        "send_as",
        "member_of",
        "folders",
        "hidden_folders",
        "rest_api_enabled",
        "latency_ms",
        "messages",
        "fill",
        "unread_every",
        "access_policies",
        "access_right",
        "scope_group",
        "members",
        "pattern",
        "messages_per_folder",
        "is_draft",
        "importance",
        "categories",
        "body_type",
    ] {
        let documented = [format!("`{key}`"), format!("{key} ="), format!("[{key}]")]
            .iter()
            .any(|form| doc.contains(form.as_str()));
        assert!(documented, "{key} undocumented");
    }
}

#[test]
fn a_bad_seed_points_at_the_seed_documentation() {
    let env = TestEnv::new();
    let seed = env.path("seed.toml");
    std::fs::write(
        &seed,
        "[[mailboxes]]\naddress = \"a@contoso.com\"\nfolderz = [\"Inbox\"]\n",
    )
    .expect("write");
    let (_, err) = env.expect(
        &["sandbox", "serve", "--seed", seed.to_str().expect("utf-8")],
        2,
    );
    assert!(err.contains("folderz"), "{err}");
    assert!(err.contains("docs/sandbox.md"), "{err}");
    assert!(!err.contains("serve --help"), "{err}");
}

/// Every command that needs the credential, on a configuration that cannot
/// be read: exit 2 (bad input, as `certificate new --password-env`), the
/// message naming what is missing, nothing written. Exit 3 stays for what
/// a service answered.
#[test]
fn an_unreadable_credential_exits_2_in_every_command_that_needs_it() {
    const NEEDS_THE_CREDENTIAL: &[&[&str]] = &[
        &["test-connection", "--all"],
        &["test-connection", "connector", "support"],
        &["token", "inspect"],
        &["mail", "peek", "--connector", "support"],
        &["mail", "folders", "--connector", "support"],
        &["mail", "watch", "--connector", "support", "--once"],
        &["scope", "check"],
        &[
            "integration",
            "set",
            "--app-id",
            "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6c",
        ],
    ];
    let each = |env: &TestEnv, unset: &[&str], says: &str| {
        let before = env.state_text();
        for args in NEEDS_THE_CREDENTIAL {
            let mut cmd = env.command();
            for var in unset {
                cmd.env_remove(var);
            }
            let out = cmd
                .args(*args)
                .env("PFX_PASS", "pfx-pass")
                .output()
                .expect("run");
            check(&out, 2, args);
            let err = text(&out.stderr);
            assert!(err.contains(says), "`{}`:\n{err}", args.join(" "));
            assert_eq!(env.state_text(), before, "`{}` wrote", args.join(" "));
        }
    };

    // A client secret from a variable this run lacks.
    let env = TestEnv::new();
    env.unreachable_integration();
    incoming(&env, "support", "support@contoso.com");
    each(&env, &["TEST_SECRET"], "TEST_SECRET");

    // An imported certificate whose file is gone.
    let env = TestEnv::new();
    let certs = env.path("certs");
    let certs = certs.to_str().expect("utf-8");
    let out = env.run_env(
        &[
            "certificate",
            "new",
            "--password-env",
            "PFX_PASS",
            "--out-dir",
            certs,
        ],
        &[("PFX_PASS", "pfx-pass")],
    );
    check(&out, 0, &["certificate", "new"]);
    let out = env.run_env(
        &[
            "integration",
            "set",
            "--tenant",
            TENANT,
            "--app-id",
            APP_ID,
            "--certificate",
            &format!("{certs}/graphmail.pfx"),
            "--certificate-password-env",
            "PFX_PASS",
            "--authority-host",
            "http://127.0.0.1:9",
            "--graph-endpoint",
            "http://127.0.0.1:9",
            "--skip-test",
        ],
        &[("PFX_PASS", "pfx-pass")],
    );
    check(&out, 0, &["integration", "set", "--certificate"]);
    incoming(&env, "support", "support@contoso.com");
    for file in std::fs::read_dir(env.path("data/graphmail/certificates"))
        .expect("imported")
        .flatten()
    {
        std::fs::remove_file(file.path()).expect("remove");
    }
    each(&env, &[], "cannot read the imported certificate");
}

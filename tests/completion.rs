//! `graphmail completion SHELL` (issue 11): the printed scripts, and
//! connector and route names completing from the state file, in a real bash
//! through a pseudo-terminal.

mod common;

use std::process::Command as StdCommand;

use common::{TestEnv, text};
use rexpect::session::spawn_command;

const EXPECT_TIMEOUT_MS: u64 = 20_000;

/// Two connectors and a route, added through the binary.
fn env_with_names() -> TestEnv {
    let env = TestEnv::new();
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
        "Case",
    ]);
    env.ok(&[
        "connector",
        "add",
        "sales",
        "--use-for",
        "outbound",
        "--address",
        "sales@contoso.com",
    ]);
    env.ok(&[
        "route",
        "add",
        "eu-support",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--process",
        "Case",
    ]);
    env
}

/// Asks graphmail for candidates as the registered shell function does:
/// `GRAPHMAIL_COMPLETE=<shell> graphmail -- <words>`.
fn candidates(env: &TestEnv, shell: &str, words: &[&str], extra: &[(&str, &str)]) -> String {
    let mut cmd = env.command();
    cmd.env("GRAPHMAIL_COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.arg("--").args(words).output().expect("run graphmail");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "completion of {words:?} failed or spoke:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn a_connector_name_completes_in_bash_through_a_pty() {
    let env = env_with_names();
    let bin = assert_cmd::cargo::cargo_bin("graphmail");
    let bin_dir = bin.parent().expect("binary folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // rexpect turns the terminal's echo off; readline shows what is typed
    // (and what TAB inserts) only with echo on, as a user's terminal has.
    let mut cmd = StdCommand::new("sh");
    cmd.args([
        "-c",
        "stty echo cols 100 rows 40 && exec bash --norc --noprofile -i",
    ])
    .env_clear()
    .env("HOME", env.path("home"))
    .env("XDG_CONFIG_HOME", env.path("config"))
    .env("XDG_DATA_HOME", env.path("data"))
    .env("PATH", path)
    .env("TERM", "dumb")
    .env("NO_COLOR", "1")
    .env("PS1", "READY> ");
    let mut bash = spawn_command(cmd, Some(EXPECT_TIMEOUT_MS)).expect("spawn bash in a pty");
    bash.exp_string("READY> ").expect("bash prompt");
    // As README says to install it.
    bash.send_line("source <(graphmail completion bash) && echo SOURCED")
        .expect("type");
    bash.exp_string("SOURCED").expect("the script sourced");
    bash.exp_string("READY> ").expect("prompt after sourcing");

    // TAB after `sup`: only `support` matches (`sales` does not), so bash
    // completes it in place; Enter then runs the completed command.
    bash.send("graphmail connector show sup\t").expect("type");
    bash.flush().expect("flush");
    bash.exp_string("support")
        .expect("bash completed the connector name from the state file");
    bash.send_line(" --output json").expect("enter");
    let shown = bash
        .exp_string("READY> ")
        .expect("the completed command ran");
    assert!(
        shown.contains("\"address\": \"support@contoso.com\""),
        "the completed command showed the support connector:\n{shown}"
    );

    // A route name, by its prefix.
    bash.send("graphmail route show eu\t").expect("type");
    bash.flush().expect("flush");
    bash.exp_string("eu-support").expect("route name completed");
    bash.send_line("").expect("enter");
    let shown = bash.exp_string("READY> ").expect("prompt");
    assert!(shown.contains("eu@contoso.com"), "{shown}");
    bash.send_line("exit").expect("exit");
    let _ = bash.exp_eof();
}

#[test]
fn zsh_and_fish_get_the_same_names_with_descriptions() {
    let env = env_with_names();
    for shell in ["zsh", "fish"] {
        let out = candidates(&env, shell, &["graphmail", "connector", "show", ""], &[]);
        assert!(out.contains("support"), "{shell}: {out}");
        assert!(out.contains("sales"), "{shell}: {out}");
        assert!(
            out.contains("support@contoso.com"),
            "{shell} shows each connector's address as its description: {out}"
        );
        let out = candidates(&env, shell, &["graphmail", "enable", "route", "eu"], &[]);
        assert!(out.contains("eu-support"), "{shell}: {out}");
        assert!(!out.contains("sales"), "{shell}: routes only: {out}");
    }
    // `mail send --from` offers bare and prefixed names.
    let out = candidates(
        &env,
        "bash",
        &["graphmail", "mail", "send", "--from", "route:"],
        &[],
    );
    assert!(out.contains("route:eu-support"), "{out}");
}

#[test]
fn names_come_from_the_state_file_the_line_names() {
    let env = env_with_names();
    let other = env.path("other.toml");
    std::fs::write(
        &other,
        "[[connector]]\nname = \"billing\"\nuse_for = \"outbound\"\naddress = \"b@contoso.com\"\n",
    )
    .expect("write");
    let other = other.to_string_lossy().into_owned();
    let out = candidates(
        &env,
        "bash",
        &["graphmail", "--state", &other, "connector", "show", ""],
        &[],
    );
    assert_eq!(names_only(&out), ["billing"]);
    let out = candidates(
        &env,
        "bash",
        &["graphmail", "connector", "show", ""],
        &[("GRAPHMAIL_STATE", &other)],
    );
    assert_eq!(names_only(&out), ["billing"]);
}

/// The names among the candidates (clap adds the options when nothing else
/// matches an empty word).
fn names_only(candidates: &str) -> Vec<&str> {
    candidates
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('-'))
        .collect()
}

#[test]
fn a_missing_or_broken_state_file_completes_nothing_quietly() {
    let env = TestEnv::new();
    let words = ["graphmail", "connector", "show", ""];
    assert_eq!(
        names_only(&candidates(&env, "bash", &words, &[])),
        Vec::<&str>::new()
    );
    let broken = env.path("broken.toml");
    std::fs::write(&broken, "[[connector]\nname = \"x").expect("write");
    let broken = broken.to_string_lossy().into_owned();
    let out = candidates(&env, "bash", &words, &[("GRAPHMAIL_STATE", &broken)]);
    assert_eq!(names_only(&out), Vec::<&str>::new());
    // A folder where the file should be.
    let dir = env.path("home").to_string_lossy().into_owned();
    let out = candidates(&env, "bash", &words, &[("GRAPHMAIL_STATE", &dir)]);
    assert_eq!(names_only(&out), Vec::<&str>::new());
}

#[test]
fn every_shell_gets_a_script_and_static_matches_the_checked_in_files() {
    let env = TestEnv::new();
    for (shell, file) in [
        ("bash", "graphmail.bash"),
        ("zsh", "_graphmail"),
        ("fish", "graphmail.fish"),
        ("elvish", "graphmail.elv"),
        ("powershell", "_graphmail.ps1"),
    ] {
        let (dynamic, _) = env.ok(&["completion", shell]);
        assert!(
            dynamic.contains("GRAPHMAIL_COMPLETE"),
            "{shell}: the default script calls graphmail back for names:\n{dynamic}"
        );
        let (fixed, _) = env.ok(&["completion", shell, "--static"]);
        let checked_in = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("completions")
                .join(file),
        )
        .expect("checked-in completion");
        assert_eq!(fixed, checked_in, "{shell}: --static is completions/{file}");
    }
    let (_, err) = env.expect(&["completion", "tcsh"], 2);
    assert!(err.contains("bash"), "names the shells it knows: {err}");
}

//! `graphmail completion SHELL` (issue 11): the printed scripts, and
//! connector and route names completing from the state file, in a real bash,
//! zsh and fish through a pseudo-terminal.

mod common;

use std::process::Command as StdCommand;

use common::{TestEnv, text};
use rexpect::reader::{Options, ReadUntil};
use rexpect::session::{PtySession, spawn_command, spawn_with_options};

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

/// `PATH` with the built graphmail first, as an installed one would be.
fn path_with_graphmail() -> String {
    let bin = assert_cmd::cargo::cargo_bin("graphmail");
    let bin_dir = bin.parent().expect("binary folder");
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Whether `shell` is installed. Missing, the test is skipped on a
/// developer's machine (saying why) but fails in CI (`CI` or
/// `GRAPHMAIL_REQUIRE_SHELLS` set), whose machine installs every shell these
/// tests need (.ci/run).
fn shell_available(shell: &str) -> bool {
    let found = StdCommand::new(shell)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required = ["CI", "GRAPHMAIL_REQUIRE_SHELLS"]
            .into_iter()
            .find(|var| std::env::var_os(var).is_some());
        if let Some(var) = required {
            panic!(
                "{shell} is not installed, and {var} is set: CI must test completion in a real {shell} (install it, see .ci/run)"
            );
        }
        eprintln!("skipped: {shell} is not installed (CI would fail here)");
    }
    found
}

/// Reads what the shell prints until every one of `needles` has appeared
/// (in any order: shells lay candidates out as they like), each within the
/// session's timeout. Returns what was read.
fn expect_all(session: &mut PtySession, needles: &[&str], what: &str) -> String {
    let mut left: Vec<&str> = needles.to_vec();
    let mut seen = String::new();
    while !left.is_empty() {
        let wanted = left
            .iter()
            .map(|n| ReadUntil::String((*n).to_string()))
            .collect();
        let (before, found) = session.exp_any(wanted).unwrap_or_else(|e| {
            panic!("{what}: {left:?} did not appear within {EXPECT_TIMEOUT_MS} ms after:\n{seen}\n({e})")
        });
        seen.push_str(&before);
        seen.push_str(&found);
        left.retain(|n| *n != found);
    }
    seen
}

#[test]
fn a_connector_name_completes_in_bash_through_a_pty() {
    let env = env_with_names();
    let path = path_with_graphmail();
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

/// Sends keys as typed, at once.
fn type_keys(shell: &mut PtySession, keys: &str) {
    shell.send(keys).expect("type");
    shell.flush().expect("flush");
}

/// Waits until the shell ran a command typed after everything before, so
/// that nothing printed earlier is read as an answer to what follows.
fn sync(shell: &mut PtySession, name: &str) {
    type_keys(shell, "echo SYN''C\r");
    expect_all(shell, &["SYNC"], &format!("{name}: sync"));
    expect_all(shell, &["READY> "], &format!("{name}: prompt after sync"));
}

/// Types at a real shell's prompt: TAB on an empty word lists both
/// connector names, TAB after a unique prefix completes it in place, and
/// Enter runs the completed command; the same for a route name. The shell
/// shows `READY> ` as its prompt; `setup`, typed first, loads the
/// completion script and echoes `SOURCED`.
fn names_complete_at_the_prompt(mut shell: PtySession, setup: &str, name: &str) {
    const PROMPT: &str = "READY> ";
    expect_all(&mut shell, &[PROMPT], &format!("{name}: first prompt"));
    // Typed text is echoed, so what is awaited is spelled differently on
    // the line that asks for it (`SOUR''CED`).
    type_keys(&mut shell, &format!("{setup}\r"));
    expect_all(
        &mut shell,
        &["SOURCED"],
        &format!("{name}: the script loaded"),
    );
    expect_all(
        &mut shell,
        &[PROMPT],
        &format!("{name}: prompt after loading"),
    );

    type_keys(&mut shell, "graphmail connector show \t");
    expect_all(
        &mut shell,
        &["support", "sales"],
        &format!("{name}: TAB lists the connectors of the state file"),
    );
    // Abandon the line (Ctrl-U), then wait until the shell is idle again.
    type_keys(&mut shell, "\u{15}");
    sync(&mut shell, name);

    // Only `support` starts with `sup`, so TAB completes it in place; the
    // completed command then runs and shows that connector. (Its address is
    // on no line typed, so it can only come from the command's output.)
    type_keys(&mut shell, "graphmail connector show sup\t");
    expect_all(
        &mut shell,
        &["support"],
        &format!("{name}: TAB completes `sup`"),
    );
    type_keys(&mut shell, " --output json\r");
    let shown = expect_all(
        &mut shell,
        &["support@contoso.com", PROMPT],
        &format!("{name}: the completed command ran"),
    );
    assert!(
        shown.contains("\"name\": \"support\""),
        "{name}: the completed command showed the support connector:\n{shown}"
    );

    // A route name, by its prefix.
    type_keys(&mut shell, "graphmail route show eu\t");
    expect_all(
        &mut shell,
        &["eu-support"],
        &format!("{name}: TAB completes the route name"),
    );
    type_keys(&mut shell, " --output json\r");
    expect_all(
        &mut shell,
        &["eu@contoso.com", PROMPT],
        &format!("{name}: the completed route command ran"),
    );
    type_keys(&mut shell, "exit\r");
    let _ = shell.exp_eof();
}

/// A shell in a pseudo-terminal with nothing of the user's: a private
/// HOME and config and data dirs, the built graphmail on PATH.
fn sealed_shell(env: &TestEnv, script: &str, extra: &[(&str, &str)]) -> PtySession {
    let mut cmd = StdCommand::new("sh");
    // Echo on, as a user's terminal has; a fixed size so nothing depends on
    // the machine's terminal.
    cmd.args(["-c", &format!("stty echo cols 100 rows 40 && {script}")])
        .env_clear()
        .env("HOME", env.path("home"))
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env("XDG_DATA_HOME", env.path("data"))
        .env("PATH", path_with_graphmail())
        .env("NO_COLOR", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    // Escape sequences (colour, cursor moves) are dropped from what is read.
    spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(EXPECT_TIMEOUT_MS))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn a shell in a pty")
}

#[test]
fn names_complete_in_a_real_zsh() {
    if !shell_available("zsh") {
        return;
    }
    let env = env_with_names();
    let zdotdir = env.path("zdotdir");
    std::fs::create_dir_all(&zdotdir).expect("zdotdir");
    // `-f`: no startup files (and ZDOTDIR points at an empty folder
    // anyway); compinit is what every zsh user with completion runs.
    // `-u`: CI runs as root over folders it may not own; `-D`: no dump file.
    let shell = sealed_shell(
        &env,
        "exec zsh -f -i",
        &[
            ("ZDOTDIR", &zdotdir.to_string_lossy()),
            ("TERM", "dumb"),
            ("PS1", "READY> "),
        ],
    );
    names_complete_at_the_prompt(
        shell,
        "autoload -Uz compinit && compinit -u -D && source <(graphmail completion zsh) && echo SOUR''CED",
        "zsh",
    );
}

#[test]
fn names_complete_in_a_real_fish() {
    if !shell_available("fish") {
        return;
    }
    let env = env_with_names();
    // fish's pager (the list of candidates) needs a terminal that can move
    // the cursor: not `dumb`. `no-query-term`: fish 4.1+ otherwise asks the
    // terminal for its attributes and waits for an answer a pty never gives.
    // The prompt is set on the command line (`-C` runs after the config
    // that `--no-config` skips). No autosuggestion: a greyed suggestion
    // would show a name that TAB did not complete.
    let shell = sealed_shell(
        &env,
        "exec fish --no-config -i -C \"function fish_prompt; echo -n 'READY> '; end; set -g fish_autosuggestion_enabled 0\"",
        &[("TERM", "xterm"), ("fish_features", "no-query-term")],
    );
    names_complete_at_the_prompt(
        shell,
        "graphmail completion fish | source; and echo SOUR''CED",
        "fish",
    );
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

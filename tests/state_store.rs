//! End-to-end tests of the state store on real files and real processes:
//! comments kept across edits, mode 0600, refusals that leave a bad file
//! byte-for-byte unchanged, no torn file after SIGKILL mid-write, and no
//! lost update with 16 processes writing at once.
//!
//! The child processes run `examples/state_hammer.rs`, compiled into this
//! test binary and reached by re-running the binary on the ignored
//! `hammer_child` test, so no nested cargo build is needed.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use graphmail::state::model::{TestRecord, Verdict};
use graphmail::state::store::{Location, StateError, StateFile};
use graphmail::state::{Connector, State, UseFor};

#[allow(dead_code)]
#[path = "../examples/state_hammer.rs"]
mod state_hammer;

const ARGS_ENV: &str = "STATE_HAMMER_ARGS";

/// Entry point of the child processes; does nothing when run directly.
#[test]
#[ignore = "child process entry for the multi-process tests"]
fn hammer_child() {
    let Ok(args) = std::env::var(ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = args.split('\n').map(str::to_string).collect();
    state_hammer::run(&args).unwrap();
}

fn spawn_hammer(args: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "hammer_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
            "--test-threads=1",
        ])
        .env(ARGS_ENV, args.join("\n"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn connector(name: &str) -> Connector {
    Connector {
        name: name.to_string(),
        use_for: UseFor::Outbound,
        address: format!("{name}@contoso.com"),
        enabled: false,
        folders: Vec::new(),
        process: None,
        send_automated_emails: false,
        test_mode: false,
        ai: Vec::new(),
        test: None,
    }
}

fn ok(change: impl FnOnce(&mut State)) -> impl FnOnce(&mut State) -> Result<(), StateError> {
    move |s| {
        change(s);
        Ok(())
    }
}

fn seeded(text: &str) -> (tempfile::TempDir, PathBuf, StateFile) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.toml");
    fs::write(&path, text).unwrap();
    let file = StateFile::open(&path);
    (dir, path, file)
}

const COMMENTED: &str = r#"# Production mail setup: ask #it-mail before changing.
schema_version = 1
instance_id = "5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b"

# ---- connectors ----

# Outbound: replies to customers.
[[connector]]
name = "replies"
use_for = "outbound"
address = "replies@contoso.com"   # the shared mailbox, not a user

# EU support desk (owner: Dana).
[[connector]]
name = "support-eu"
use_for = "incoming"
address = "support-eu@contoso.com"
folders = [
    "Inbox",            # everything
    "Inbox/Escalated",
]
process = "Case"

# Legacy: to be removed after the migration.
[[connector]]
name = "legacy"
use_for = "outbound"
address = "legacy@contoso.com"

# Routes below.
[[route]]
name = "vip"
connector = "support-eu"
address = "vip@contoso.com"   # board members
description = "VIP customers"
"#;

#[test]
fn comments_and_blank_lines_survive_adding_changing_and_removing_connectors() {
    let (_dir, path, file) = seeded(COMMENTED);
    file.update(ok(|s| {
        s.connectors.retain(|c| c.name != "legacy");
        s.connector_mut("replies").unwrap().address = "answers@contoso.com".into();
        s.connectors.push(connector("billing"));
    }))
    .unwrap();
    let text = fs::read_to_string(&path).unwrap();

    // Everything the user wrote about what remains is still there, in order.
    let kept = [
        "# Production mail setup: ask #it-mail before changing.\nschema_version = 1\n",
        "\n# ---- connectors ----\n\n# Outbound: replies to customers.\n[[connector]]\nname = \"replies\"\n",
        "address = \"answers@contoso.com\"   # the shared mailbox, not a user\n",
        "\n# EU support desk (owner: Dana).\n[[connector]]\nname = \"support-eu\"\nuse_for = \"incoming\"\naddress = \"support-eu@contoso.com\"\nfolders = [\n    \"Inbox\",            # everything\n    \"Inbox/Escalated\",\n]\nprocess = \"Case\"\n",
        "[[connector]]\nname = \"billing\"",
        "# Routes below.\n[[route]]\nname = \"vip\"\nconnector = \"support-eu\"\naddress = \"vip@contoso.com\"   # board members\n",
    ];
    let mut from = 0;
    for piece in kept {
        let at = text[from..]
            .find(piece)
            .unwrap_or_else(|| panic!("missing or out of order:\n{piece}\n--- in ---\n{text}"));
        from += at + piece.len();
    }
    assert!(!text.contains("legacy"), "{text}");
    assert!(
        text.find("name = \"billing\"").unwrap() < text.find("[[route]]").unwrap(),
        "new connectors go with connectors:\n{text}"
    );

    let state = file.load().unwrap().state;
    let names: Vec<&str> = state.connectors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["replies", "support-eu", "billing"]);
    assert_eq!(state.routes.len(), 1);
}

#[test]
fn a_comment_above_a_connector_stays_with_it_when_the_one_before_is_removed() {
    let (_dir, path, file) = seeded(COMMENTED);
    file.update(ok(|s| s.connectors.retain(|c| c.name != "replies")))
        .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("# EU support desk (owner: Dana).\n[[connector]]\nname = \"support-eu\""),
        "{text}"
    );
    assert!(
        !text.contains("Outbound: replies"),
        "the removed connector's comment goes with it:\n{text}"
    );
    assert!(
        text.contains(
            "# Legacy: to be removed after the migration.\n[[connector]]\nname = \"legacy\""
        ),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_always_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path, file) = seeded(COMMENTED);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    file.update(ok(|s| s.connectors.push(connector("new"))))
        .unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let dir = tempfile::tempdir().unwrap();
    let fresh = StateFile::open(dir.path().join("a/b/state.toml"));
    fresh
        .update(ok(|s| s.connectors.push(connector("first"))))
        .unwrap();
    assert_eq!(
        fs::metadata(fresh.path()).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(dir.path().join("a/b"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

/// Loads must point at the place, and a failed update must not call the
/// change nor touch a byte.
fn assert_refused_and_untouched(text: &str, expect: impl Fn(&StateError)) {
    let (dir, path, file) = seeded(text);
    let err = file.load().unwrap_err();
    expect(&err);
    let mut called = false;
    let err = file
        .update(|s| {
            called = true;
            s.connectors.push(connector("x"));
            Ok::<_, StateError>(())
        })
        .unwrap_err();
    expect(&err);
    assert!(
        !called,
        "the change must not run on a file that did not load"
    );
    assert_eq!(fs::read(&path).unwrap(), text.as_bytes());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "state.toml" && n != "state.toml.lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn located_at(line: usize, column: usize, needle: &'static str) -> impl Fn(&StateError) {
    move |err| {
        let StateError::Malformed {
            location,
            problem,
            path,
            ..
        } = err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*location, Some(Location { line, column }), "{err}");
        assert!(problem.contains(needle), "{problem}");
        assert!(path.ends_with("state.toml"));
        let shown = err.to_string();
        assert!(
            shown.contains(&format!("state.toml:{line}:{column}: ")),
            "{shown}"
        );
        assert!(err.hint().unwrap().contains("move it away"));
    }
}

#[test]
fn malformed_toml_is_located_and_never_overwritten() {
    let text = "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n\n[[connector]]\nname = \"a\nuse_for = \"outbound\"\n";
    assert_refused_and_untouched(text, located_at(5, 10, "expected `\"`"));
}

#[test]
fn a_wrongly_typed_field_is_located_and_never_overwritten() {
    let text = "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n[[connector]]\nname = \"a\"\nuse_for = \"sideways\"\naddress = \"a@contoso.com\"\n";
    assert_refused_and_untouched(text, located_at(5, 11, "sideways"));
    let text = "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n[[route]]\nname = \"r\"\nconnector = \"c\"\naddress = 42\n";
    assert_refused_and_untouched(text, located_at(6, 11, "string"));
}

#[test]
fn a_newer_schema_is_refused_and_never_overwritten() {
    let text = "# from the future\nschema_version = 2\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nshiny = true\n";
    assert_refused_and_untouched(text, |err| {
        assert!(
            matches!(err, StateError::TooNew { found: 2, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("newer graphmail"), "{err}");
        assert!(err.hint().unwrap().contains("upgrade"));
    });
}

#[test]
fn an_erroring_change_writes_nothing() {
    let (dir, path, file) = seeded(COMMENTED);
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    let result: Result<(), StateError> = file.update(|s| {
        s.connectors.clear();
        Err(StateError::NoConfigDir)
    });
    assert!(result.is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), COMMENTED);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);

    let missing = StateFile::open(dir.path().join("missing.toml"));
    let result: Result<(), StateError> = missing.update(|s| {
        s.connectors.push(connector("a"));
        Err(StateError::NoConfigDir)
    });
    assert!(result.is_err());
    assert!(!missing.path().exists());
}

#[test]
fn a_kill_mid_write_leaves_the_old_or_the_new_file_never_a_torn_one() {
    let (dir, path, file) = seeded(
        "# keep me\nschema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
    );
    let mut seen_sizes = std::collections::BTreeSet::new();
    for round in 0..10u64 {
        let mut child = spawn_hammer(&[path.to_str().unwrap(), "churn"]);
        std::thread::sleep(Duration::from_millis(60 + round * 23));
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        seen_sizes.insert(text.len());
        let loaded = file
            .load()
            .unwrap_or_else(|e| panic!("round {round}: {e}\n{text}"));
        assert!(
            text.starts_with("# keep me\nschema_version = 1\n"),
            "round {round}:\n{text}"
        );
        assert!(
            loaded
                .state
                .connectors
                .iter()
                .all(|c| !c.folders.is_empty())
        );
    }
    assert!(
        seen_sizes.len() > 1,
        "the children never got to write: {seen_sizes:?}"
    );
    // The lock died with its holder, and the next writer sweeps temp files.
    file.with_lock_timeout(Duration::from_secs(5))
        .update(ok(|s| s.connectors.clear()))
        .unwrap();
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Starts `processes` hammers at once, each adding `each` connectors
/// `p<process>-<n>` to `path`, and waits for all of them to succeed.
fn race_adders(path: &std::path::Path, processes: usize, each: usize) {
    let children: Vec<(usize, Child)> = (0..processes)
        .map(|p| {
            (
                p,
                spawn_hammer(&[
                    path.to_str().unwrap(),
                    "add",
                    &format!("p{p}"),
                    &each.to_string(),
                ]),
            )
        })
        .collect();
    for (p, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "process {p}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every connector [`race_adders`] added is in `state`.
fn assert_every_adder_kept(state: &State, processes: usize, each: usize) {
    for p in 0..processes {
        for n in 0..each {
            assert!(
                state.connector(&format!("p{p}-{n}")).is_some(),
                "p{p}-{n} was lost"
            );
        }
    }
}

#[test]
fn sixteen_processes_adding_connectors_at_once_lose_nothing() {
    const PROCESSES: usize = 16;
    const EACH: usize = 5;
    let (_dir, path, file) = seeded(
        "# shared by many writers\nschema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
    );
    race_adders(&path, PROCESSES, EACH);
    let state = file.load().unwrap().state;
    assert_eq!(state.connectors.len(), PROCESSES * EACH);
    assert_every_adder_kept(&state, PROCESSES, EACH);
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("# shared by many writers\n")
    );
}

/// The same race on a file large enough to be read the fast way: its
/// settings from the JSON copy in `<file>.d/parsed.json` and its verdicts
/// parsed on a thread of their own beside them (issue 17). Nothing is lost,
/// and the records made before the race are still joined to their items.
#[test]
fn sixteen_processes_on_a_large_file_with_records_lose_nothing() {
    const PROCESSES: usize = 16;
    const EACH: usize = 3;
    const SEEDED: usize = 200;
    let (dir, path, file) = seeded(
        "# shared by many writers\nschema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
    );
    file.update(ok(|s| {
        for n in 0..SEEDED {
            let mut c = connector(&format!("seeded-{n:03}"));
            c.test = Some(TestRecord {
                at: "2026-12-01T10:00:00Z".into(),
                passed: true,
                fingerprint: format!("{n:064x}"),
                steps: vec!["token=passed".to_string()].into(),
                verdict: Some(Verdict::Passed),
                needs: None,
            });
            s.connectors.push(c);
        }
    }))
    .unwrap();
    assert!(fs::metadata(&path).unwrap().len() > 16 * 1024);
    assert!(dir.path().join("state.toml.d/parsed.json").exists());
    race_adders(&path, PROCESSES, EACH);
    let state = file.load().unwrap().state;
    assert_eq!(state.connectors.len(), SEEDED + PROCESSES * EACH);
    assert_every_adder_kept(&state, PROCESSES, EACH);
    for n in 0..SEEDED {
        let record = state
            .connector(&format!("seeded-{n:03}"))
            .unwrap()
            .test
            .as_ref();
        assert_eq!(
            record.map(|r| r.fingerprint.clone()),
            Some(format!("{n:064x}")),
            "seeded-{n:03} lost its record"
        );
    }
    // The copy the readers used is the copy of the file as it is now.
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# shared by many writers\n"));
    let copy = graphmail::state::parsed::read(&dir.path().join("state.toml.d"), &text)
        .expect("the JSON copy is keyed on the file as the last writer left it");
    assert_eq!(copy.connectors.len(), SEEDED + PROCESSES * EACH);
}

/// A test run reads the file, waits for its answers, then records them
/// under the lock (`load_seen`, `update_seen`), reusing its first parse
/// when nothing was written in between. Whatever another writer wrote in
/// the meantime, to the file or only to its verdicts (a test recorded by
/// another run), is kept; with nothing in between, the result is the one a
/// fresh read would give.
#[test]
fn an_update_after_a_kept_read_keeps_what_was_written_in_between() {
    let record = |fingerprint: &str| TestRecord {
        at: "2026-12-01T10:00:00Z".into(),
        passed: true,
        fingerprint: fingerprint.repeat(64),
        steps: vec!["token=passed".to_string()].into(),
        verdict: Some(Verdict::Passed),
        needs: None,
    };
    let set_process = |s: &mut State, _: &mut graphmail::state::evidence::Journal| {
        s.connectors[1].process = Some("Incident".into());
        Ok::<_, StateError>(())
    };

    // Only the verdicts change in between: the file's text stays the same.
    let (_dir, path, file) = seeded(COMMENTED);
    let seen = file.load_seen().unwrap();
    let text = fs::read_to_string(&path).unwrap();
    file.update(ok(|s| s.connectors[0].test = Some(record("a"))))
        .unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
    file.update_seen(&seen, set_process).unwrap();
    let state = file.load().unwrap().state;
    assert_eq!(
        state.connectors[0]
            .test
            .as_ref()
            .map(|t| t.fingerprint.clone()),
        Some("a".repeat(64)),
        "the record written in between was lost"
    );
    assert_eq!(state.connectors[1].process.as_deref(), Some("Incident"));

    // The file changes in between, and only the file.
    let (dir, _path, file) = seeded(COMMENTED);
    file.update(ok(|s| s.connectors[0].test = Some(record("c"))))
        .unwrap();
    let verdicts = dir.path().join("state.toml.d/verdicts.json");
    let before = fs::read(&verdicts).unwrap();
    let seen = file.load_seen().unwrap();
    file.update(ok(|s| s.connectors.push(connector("late"))))
        .unwrap();
    assert_eq!(fs::read(&verdicts).unwrap(), before);
    file.update_seen(&seen, set_process).unwrap();
    let state = file.load().unwrap().state;
    assert!(
        state.connector("late").is_some(),
        "the connector added in between was lost"
    );
    assert_eq!(state.connectors[1].process.as_deref(), Some("Incident"));

    // Nothing in between: the same file and records as a fresh read gives.
    let (kept_dir, kept_path, kept) = seeded(COMMENTED);
    let (fresh_dir, fresh_path, fresh) = seeded(COMMENTED);
    for file in [&kept, &fresh] {
        file.update(ok(|s| s.connectors[0].test = Some(record("b"))))
            .unwrap();
    }
    let seen = kept.load_seen().unwrap();
    kept.update_seen(&seen, set_process).unwrap();
    fresh.update_with(set_process).unwrap();
    assert_eq!(
        fs::read_to_string(&kept_path).unwrap(),
        fs::read_to_string(&fresh_path).unwrap()
    );
    // Both files are one text, instance_id included: the records compare
    // byte for byte.
    let verdicts =
        |dir: &tempfile::TempDir| fs::read(dir.path().join("state.toml.d/verdicts.json")).unwrap();
    assert_eq!(verdicts(&kept_dir), verdicts(&fresh_dir));
    assert!(kept.load().unwrap().state.connectors[0].test.is_some());
}

/// Issue 12 #9: a link and its target are one file, so they take one lock.
/// Writers through `link.toml` (in another folder) and through the real
/// file at once: every update survives. With the lock derived from the path
/// as typed, the two sides locked different files and overwrote each other.
#[cfg(unix)]
#[test]
fn writers_through_a_symlink_and_its_target_share_one_lock() {
    const EACH_SIDE: usize = 4;
    const EACH: usize = 15;
    let (dir, real, file) =
        seeded("schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n");
    let links = dir.path().join("links");
    fs::create_dir(&links).unwrap();
    let link = links.join("link.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let children: Vec<(String, Child)> = (0..EACH_SIDE * 2)
        .map(|p| {
            let (side, path) = if p % 2 == 0 {
                ("link", &link)
            } else {
                ("real", &real)
            };
            let prefix = format!("{side}{p}");
            let child = spawn_hammer(&[path.to_str().unwrap(), "add", &prefix, &EACH.to_string()]);
            (prefix, child)
        })
        .collect();
    let prefixes: Vec<String> = children.iter().map(|(p, _)| p.clone()).collect();
    for (prefix, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{prefix}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let state = file.load().unwrap().state;
    let lost: Vec<String> = prefixes
        .iter()
        .flat_map(|p| (0..EACH).map(move |n| format!("{p}-{n}")))
        .filter(|name| state.connector(name).is_none())
        .collect();
    assert!(lost.is_empty(), "lost updates: {lost:?}");
    assert_eq!(state.connectors.len(), EACH_SIDE * 2 * EACH);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn the_hammer_reports_bad_files_instead_of_overwriting_them() {
    let (_dir, path, _file) = seeded("schema_version = 1\ninstance_id = [\n");
    let out = spawn_hammer(&[path.to_str().unwrap(), "add", "x", "1"])
        .wait_with_output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "schema_version = 1\ninstance_id = [\n"
    );
}

/// Child entry: prints where the state file resolves in this environment.
#[test]
#[ignore = "child process entry for the path resolution test"]
fn resolve_child() {
    if std::env::var_os("RESOLVE_CHILD").is_some() {
        let flag = std::env::var_os("RESOLVE_FLAG").map(PathBuf::from);
        println!(
            "RESOLVED={}",
            graphmail::state::store::resolve_path(flag.as_deref())
                .unwrap()
                .display()
        );
    }
}

fn resolve_in(env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "resolve_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
            "--test-threads=1",
        ])
        .env_clear()
        .env("RESOLVE_CHILD", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESOLVED="))
        .unwrap_or_else(|| panic!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
        .to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn the_state_path_comes_from_the_flag_then_the_env_then_xdg() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_str().unwrap();
    let xdg = format!("{home}/xdg");
    assert_eq!(
        resolve_in(&[("HOME", home)]),
        format!("{home}/.config/graphmail/state.toml")
    );
    assert_eq!(
        resolve_in(&[("HOME", home), ("XDG_CONFIG_HOME", &xdg)]),
        format!("{xdg}/graphmail/state.toml")
    );
    let env = [
        ("HOME", home),
        ("XDG_CONFIG_HOME", xdg.as_str()),
        ("GRAPHMAIL_STATE", "/srv/env.toml"),
    ];
    assert_eq!(resolve_in(&env), "/srv/env.toml");
    let flagged = [
        ("HOME", home),
        ("GRAPHMAIL_STATE", "/srv/env.toml"),
        ("RESOLVE_FLAG", "/srv/flag.toml"),
    ];
    assert_eq!(resolve_in(&flagged), "/srv/flag.toml");
}

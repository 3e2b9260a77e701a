//! Interop with Microsoft's own library: Python `msal` acquires tokens from
//! `graphmail sandbox serve --tls` with the client secret and with the PFX
//! certificate (tests/interop/msal_interop.py). If msal and the sandbox
//! disagree, the sandbox is wrong.
//!
//! Needs `python3` with `msal` (`pip install msal`; CI installs it). Without
//! it the test says so and passes, unless `GRAPHMAIL_REQUIRE_INTEROP=1`
//! (set by CI), where a missing msal is a failure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn msal_gets_tokens_from_the_sandbox_with_a_secret_and_a_certificate() {
    let has_msal = Command::new("python3")
        .args(["-c", "import msal"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_msal {
        assert!(
            std::env::var_os("GRAPHMAIL_REQUIRE_INTEROP").is_none(),
            "python3 with msal is required here (pip install msal)"
        );
        eprintln!("skipped: python3 with msal is not installed (pip install msal)");
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let mut sandbox = Command::new(assert_cmd::cargo::cargo_bin("graphmail"))
        .args(["sandbox", "serve", "--tls", "--output-dir"])
        .arg(out_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the sandbox");
    // Every wait is bounded: a stuck sandbox or msal fails the test (and is
    // killed) instead of hanging CI.
    let stdout = sandbox.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let Ok(ready) = rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = sandbox.kill();
        let _ = sandbox.wait();
        panic!("sandbox serve printed no ready line within 60 s");
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/msal_interop.py");
    let mut python = Command::new("python3")
        .arg(script)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    {
        use std::io::Write;
        python
            .stdin
            .take()
            .unwrap()
            .write_all(ready.as_bytes())
            .unwrap();
    }
    let pid = python.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(python.wait_with_output());
    });
    let output = rx.recv_timeout(Duration::from_secs(180));
    if output.is_err() {
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    let output = output
        .expect("msal_interop.py finished within 180 s")
        .unwrap();
    assert!(
        output.status.success(),
        "msal disagreed with the sandbox\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

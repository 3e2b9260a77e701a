//! Interop with Microsoft's own Graph SDK: Python `msgraph-sdk` (with
//! `azure-identity` and `msgraph-core`) pages a delta query and uploads an
//! attachment through an upload session against `graphmail sandbox serve
//! --tls` (tests/interop/msgraph_interop.py). If the SDK and the sandbox
//! disagree, the sandbox is wrong.
//!
//! Needs `python3` with `msgraph-sdk` (`pip install msgraph-sdk`). Without it
//! the test says so and passes, unless `GRAPHMAIL_REQUIRE_INTEROP=1` (set by
//! CI), where a missing SDK is a failure.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn msgraph_sdk_pages_delta_and_uploads_through_a_session() {
    let has_sdk = Command::new("python3")
        .args(["-c", "import msgraph, azure.identity, msgraph_core"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_sdk {
        assert!(
            std::env::var_os("GRAPHMAIL_REQUIRE_INTEROP").is_none(),
            "python3 with msgraph-sdk is required here (pip install msgraph-sdk)"
        );
        eprintln!("skipped: python3 with msgraph-sdk is not installed (pip install msgraph-sdk)");
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
    // Every wait is bounded: a stuck sandbox or SDK fails the test (and is
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
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/msgraph_interop.py"
    );
    let mut python = Command::new("python3")
        .arg(script)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    python
        .stdin
        .take()
        .unwrap()
        .write_all(ready.as_bytes())
        .unwrap();
    let pid = python.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(python.wait_with_output());
    });
    let output = rx.recv_timeout(Duration::from_secs(300));
    if output.is_err() {
        // SAFETY: kill(2) on our own child's pid; no memory is shared.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    let output = output
        .expect("msgraph_interop.py finished within 300 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "msgraph-sdk disagreed with the sandbox\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("delta ok") && stdout.contains("upload ok"),
        "{stdout}"
    );
}

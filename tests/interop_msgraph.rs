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
    let mut ready = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut ready)
        .expect("ready line");
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
    let output = python.wait_with_output().unwrap();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
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

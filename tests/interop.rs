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
    let mut ready = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut ready)
        .expect("ready line");
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
    let output = python.wait_with_output().unwrap();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert!(
        output.status.success(),
        "msal disagreed with the sandbox\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

//! What the benchmark examples (`bench`, `apply_bench`) share: the
//! `graphmail` binary they time, a sealed environment to run it in, the
//! embedded sandbox's admin API, and the arithmetic of their figures.
//!
//! A folder with a `mod.rs`, not `examples/common.rs`, so that cargo does
//! not take it for an example of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use graphmail::sandbox::RunningSandbox;
use serde_json::Value;

pub type Error = Box<dyn std::error::Error>;

/// The `graphmail` binary of the profile this example was built with
/// (`target/release/graphmail` under `cargo run --release`, the debug one
/// for a quick check under plain `cargo run`), built with this build's
/// features if needed.
pub fn graphmail_binary() -> Result<PathBuf, Error> {
    // The example runs from target/<profile>/examples/.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot find the target profile folder")?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => return Err("cannot name the target profile".into()),
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    // The binary that ships: scripts/dist.sh links OpenSSL statically on
    // x86_64 Linux (about 1.7 ms of every start), and the figures are of it.
    if cfg!(all(target_os = "linux", target_arch = "x86_64"))
        && Path::new(STATIC_OPENSSL_DIR).join("libcrypto.a").exists()
        && Path::new(STATIC_OPENSSL_DIR).join("libssl.a").exists()
    {
        build
            .env("X86_64_UNKNOWN_LINUX_GNU_OPENSSL_STATIC", "1")
            .env(
                "X86_64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR",
                STATIC_OPENSSL_DIR,
            )
            .env(
                "X86_64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR",
                "/usr/include",
            );
    }
    let status = build
        .current_dir(manifest)
        .args([
            "build",
            "--profile",
            profile,
            "--features",
            "test-store",
            "--bin",
            "graphmail",
        ])
        .status()?;
    if !status.success() {
        return Err(format!("building the {profile} graphmail binary failed").into());
    }
    let binary = profile_dir.join("graphmail");
    if !binary.exists() {
        return Err(format!("{} was not built", binary.display()).into());
    }
    Ok(binary)
}

/// Where Debian's libssl-dev puts the static OpenSSL (scripts/dist.sh).
const STATIC_OPENSSL_DIR: &str = "/usr/lib/x86_64-linux-gnu";

/// How `binary` gets OpenSSL, for the bench's header: the shipped build
/// links it in; a binary that loads `libssl.so` starts about 1.7 ms slower.
#[allow(dead_code)]
pub fn openssl_linkage(binary: &Path) -> &'static str {
    match Command::new("ldd").arg(binary).output() {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout).contains("libssl.so") {
                "loaded from libssl.so (not the shipped build: scripts/dist.sh links it in)"
            } else {
                "linked in, as scripts/dist.sh builds it"
            }
        }
        _ => "unknown (no ldd)",
    }
}

/// A sealed environment for the binary: no keyring, no config, no colour,
/// the state file at `state`, output piped.
// bench.rs starts graphmail through its measuring process instead.
#[allow(dead_code)]
pub fn graphmail(binary: &Path, home: &Path, state: &Path) -> Command {
    sealed(Command::new(binary), home, state)
}

/// `cmd` (graphmail, or a process that starts it) in the sealed environment.
pub fn sealed(mut cmd: Command, home: &Path, state: &Path) -> Command {
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env("GRAPHMAIL_STATE", state)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// One call to the sandbox's admin API (`/counters`, `/mail/concurrency`):
/// its JSON answer, `Null` for an empty one.
pub fn admin(
    runtime: &tokio::runtime::Runtime,
    sandbox: &RunningSandbox,
    method: &str,
    path: &str,
) -> Result<Value, Error> {
    let url = format!("{}{path}", sandbox.admin_url());
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    graphmail::auth::install_tls_provider();
    runtime.block_on(async {
        // An HTTPS sandbox is trusted through the CA it generated.
        let mut builder = reqwest::Client::builder().no_proxy();
        if let Some(ca) = &sandbox.ready().ca_file {
            builder =
                builder.add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(ca)?)?);
        }
        let client = builder.build()?;
        let response = client.request(method, &url).send().await?;
        let bytes = response.bytes().await?;
        if bytes.is_empty() {
            Ok(Value::Null)
        } else {
            Ok(serde_json::from_slice(&bytes)?)
        }
    })
}

pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The host's share of this machine's CPU time between two readings: the
/// `steal` ticks of `/proc/stat`'s `cpu` line over all its ticks, the
/// figure `vmstat` shows as `st` (proc(5)). On a shared host it rises when
/// other guests are busy, and every client slows with it, the floor client
/// included: a figure read in a slow phase says so beside it.
pub struct Steal(Option<(u64, u64)>);

impl Steal {
    pub fn start() -> Steal {
        Steal(cpu_ticks())
    }

    /// `host steal: 1.2% of CPU time during these runs (vmstat's st)`, or
    /// nothing where `/proc/stat` does not read (not Linux).
    pub fn line(&self) -> Option<String> {
        let (steal_before, total_before) = self.0?;
        let (steal, total) = cpu_ticks()?;
        let total = total.checked_sub(total_before).filter(|t| *t > 0)?;
        let steal = steal.checked_sub(steal_before)?;
        Some(format!(
            "host steal: {:.1}% of CPU time during these runs (vmstat's st)",
            100.0 * steal as f64 / total as f64
        ))
    }
}

/// (steal, total) ticks: user, nice, system, idle, iowait, irq, softirq,
/// steal; guest time is counted in user already (proc(5)).
fn cpu_ticks() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    Some((*ticks.get(7)?, ticks.iter().sum()))
}

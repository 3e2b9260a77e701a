//! `graphmail support bundle [-o FILE] [--zip] [--redact-addresses]`: one
//! archive a support engineer attaches to a ticket (issue 15): versions,
//! `doctor` (text and JSON), the state file, the last test of every item with
//! its evidence (request-ids, trace IDs, times), the recent history, and a
//! fresh `test-connection --all -v --no-record --no-send` log, with a
//! MANIFEST of each file and what was redacted.
//!
//! A bundle only reads: the state file and its `.d/` directory are never
//! written (the test run is `--no-record`) and no mail is sent (`--no-send`).
//! Every file is assembled in memory and scanned ([`scan`]) before the
//! archive is created; a secret found anywhere aborts with nothing written.

mod archive;
pub mod redact;
pub mod scan;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::cli::{BundleArgs, Cli};
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::TextContext;
use crate::secrets::{self, SecretKind as StoreKind};
use crate::state::evidence;
use crate::state::store;
use crate::state::{Credential, State};

use super::Context;
use super::doctor;
use super::history::{self, HistoryQuery, RunView};
use super::views::show;

use scan::{Scanner, SecretKind};

/// The JSON shapes' version (the command's output and last-tests.json).
pub const SCHEMA_VERSION: u32 = 1;

/// The folder every file sits in inside the archive.
const ROOT: &str = "graphmail-support";

/// How long the fresh connection test may take in all.
const TEST_RUN_LIMIT: Duration = Duration::from_secs(300);

/// One file of the bundle, before writing.
pub struct BundleFile {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// What the file is, for the manifest.
    pub about: &'static str,
    /// Addresses replaced in it.
    pub redacted: usize,
}

/// What the command prints (docs/json.md `support bundle`).
#[derive(Debug, Serialize)]
pub struct BundleView {
    pub schema_version: u32,
    pub file: String,
    pub format: &'static str,
    pub files: Vec<FileView>,
    pub addresses_redacted: usize,
}

#[derive(Debug, Serialize)]
pub struct FileView {
    pub name: String,
    pub bytes: usize,
    pub addresses_redacted: usize,
}

impl Render for BundleView {
    fn render_text(&self, out: &mut dyn std::io::Write, _ctx: &TextContext) -> std::io::Result<()> {
        writeln!(out, "Wrote {} ({} files):", self.file, self.files.len())?;
        for f in &self.files {
            writeln!(out, "  {:<22} {:>9} bytes", f.name, f.bytes)?;
        }
        if self.addresses_redacted > 0 {
            writeln!(
                out,
                "{} mailbox addresses replaced by placeholders",
                self.addresses_redacted
            )?;
        }
        Ok(())
    }
}

pub async fn run(ctx: &Context, args: &BundleArgs) -> Result<()> {
    let out = output_path(args)?;
    let state_path = ctx.store.path().to_path_buf();
    let mut notes: Vec<String> = Vec::new();

    let raw_state = match std::fs::read(&state_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            notes.push(format!("no state file at {}", state_path.display()));
            None
        }
        Err(e) => {
            notes.push(format!("cannot read the state file: {e}"));
            None
        }
    };
    let state = match ctx.store.load() {
        Ok(loaded) => Some(loaded.state),
        Err(e) => {
            if raw_state.is_some() {
                notes.push(format!("the state file does not parse: {e}"));
            }
            None
        }
    };

    let mut files = Vec::new();
    files.push(BundleFile {
        name: "versions.txt",
        bytes: versions().into_bytes(),
        about: "graphmail --version, uname -a, /etc/os-release",
        redacted: 0,
    });
    let report = doctor::examine(ctx, &doctor::DoctorOptions::default()).await;
    files.push(BundleFile {
        name: "doctor.txt",
        bytes: render_text(&report),
        about: "graphmail doctor",
        redacted: 0,
    });
    files.push(BundleFile {
        name: "doctor.json",
        bytes: json(&report)?,
        about: "graphmail doctor --output json",
        redacted: 0,
    });
    if let Some(bytes) = raw_state {
        files.push(BundleFile {
            name: "state.toml",
            bytes,
            about: "the state file as on disk (secrets are never in it; scanned all the same)",
            redacted: 0,
        });
    }
    files.push(BundleFile {
        name: "last-tests.json",
        bytes: json(&last_tests(&state_path, state.as_ref()))?,
        about: "the last recorded test of every item, with its evidence (request-ids, trace IDs, times)",
        redacted: 0,
    });
    let runs = history::collect(&state_path, &HistoryQuery::default());
    files.push(BundleFile {
        name: "history.json",
        bytes: json(&serde_json::json!({
            "schema_version": history::SCHEMA_VERSION,
            "keep_per_item": evidence::history_per_item(),
            "runs": runs,
        }))?,
        about: "graphmail history --output json (every item, newest first)",
        redacted: 0,
    });
    files.push(BundleFile {
        name: "test-connection.log",
        bytes: test_log(&state_path).await,
        about: "a fresh graphmail test-connection --all -v --no-record --no-send (nothing recorded, no mail sent)",
        redacted: 0,
    });

    let mut total_redacted = 0;
    let mut redactor = redact::Redactor::new();
    if args.redact_addresses {
        for f in &files {
            redactor.learn(&String::from_utf8_lossy(&f.bytes));
        }
        for f in &mut files {
            let Ok(text) = std::str::from_utf8(&f.bytes) else {
                continue;
            };
            let (text, count) = redactor.redact(text);
            f.bytes = text.into_bytes();
            f.redacted = count;
            total_redacted += count;
        }
    }

    let (scanner, scan_notes) = scanner(ctx, state.as_ref());
    notes.extend(scan_notes);
    let manifest = manifest(&files, args.redact_addresses, redactor.distinct(), &notes);
    files.push(BundleFile {
        name: "MANIFEST",
        bytes: manifest.into_bytes(),
        about: "this list",
        redacted: 0,
    });
    for f in &files {
        if let Some(hit) = scanner.scan(&f.bytes) {
            return Err(CliError::runtime(format!(
                "{} would contain {} ({}): no bundle was written",
                f.name,
                hit.kind.label(),
                hit.form
            ))
            .hint("this is a bug or a secret pasted into the state or a name: remove it, then run the bundle again; please report the file name (never the value)"));
        }
    }

    let format = if args.zip { "zip" } else { "tar.gz" };
    archive::write(&out, ROOT, &files, args.zip)?;
    let view = BundleView {
        schema_version: SCHEMA_VERSION,
        file: out.display().to_string(),
        format,
        files: files
            .iter()
            .map(|f| FileView {
                name: f.name.to_string(),
                bytes: f.bytes.len(),
                addresses_redacted: f.redacted,
            })
            .collect(),
        addresses_redacted: total_redacted,
    };
    show(&ctx.printer, &view)
}

/// `-o FILE`, or a fresh name in the current folder; an existing file is
/// never replaced.
fn output_path(args: &BundleArgs) -> Result<PathBuf> {
    let ext = if args.zip { "zip" } else { "tar.gz" };
    let path = match &args.out {
        Some(p) => p.clone(),
        None => PathBuf::from(format!(
            "graphmail-support-{}.{ext}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        )),
    };
    if path.exists() {
        return Err(CliError::usage(format!(
            "-o {}: the file exists; a bundle never replaces a file",
            path.display()
        ))
        .hint("name a new file, or remove the old bundle first"));
    }
    Ok(path)
}

fn versions() -> String {
    let mut text = Cli::command().render_version().to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n$ uname -a\n");
    match Command::new("uname")
        .arg("-a")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => text.push_str(&String::from_utf8_lossy(&out.stdout)),
        Err(e) => text.push_str(&format!("(uname did not run: {e})\n")),
    }
    text.push_str("\n$ cat /etc/os-release\n");
    match std::fs::read_to_string("/etc/os-release") {
        Ok(os) => text.push_str(&os),
        Err(e) => text.push_str(&format!("(unreadable: {e})\n")),
    }
    text
}

fn render_text<T: Render>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    let ctx = TextContext {
        terminal: false,
        color: false,
        width: Some(160),
    };
    if let Err(e) = value.render_text(&mut out, &ctx) {
        out.extend_from_slice(format!("\n(rendering failed: {e})\n").as_bytes());
    }
    out
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::runtime(format!("cannot render the bundle's JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The last recorded test of every item, its newest run and the evidence
/// its facts rest on.
#[derive(Debug, Serialize)]
struct LastTests {
    schema_version: u32,
    items: Vec<LastTest>,
}

#[derive(Debug, Serialize)]
struct LastTest {
    kind: &'static str,
    name: Option<String>,
    last_test: Option<crate::state::TestRecord>,
    last_run: Option<RunView>,
    evidence: std::collections::BTreeMap<String, evidence::Evidence>,
}

fn last_tests(state_path: &Path, state: Option<&State>) -> LastTests {
    let mut items = Vec::new();
    if let Some(state) = state {
        let real = store::canonical_path(state_path).unwrap_or_else(|_| state_path.to_path_buf());
        let facts = evidence::read_facts(&store::data_dir_path(&real));
        let mut item =
            |kind: &'static str, name: &str, record: Option<&crate::state::TestRecord>| {
                let query = HistoryQuery {
                    item: Some((kind.to_string(), name.to_string())),
                    since: None,
                    limit: Some(1),
                };
                items.push(LastTest {
                    kind,
                    name: (kind != "integration").then(|| name.to_string()),
                    last_test: record.cloned(),
                    last_run: history::collect(state_path, &query).into_iter().next(),
                    evidence: facts
                        .targets
                        .get(&evidence::target_id(kind, name))
                        .cloned()
                        .unwrap_or_default(),
                });
            };
        if let Some(i) = &state.integration {
            item("integration", "", i.test.as_ref());
        }
        for c in &state.connectors {
            item("connector", &c.name, c.test.as_ref());
        }
        for r in &state.routes {
            item("route", &r.name, r.test.as_ref());
        }
    }
    LastTests {
        schema_version: SCHEMA_VERSION,
        items,
    }
}

/// Runs `graphmail test-connection --all -v --no-record --no-send` with
/// the current executable and returns its transcript. A failure to run is
/// written into the log: the rest of the bundle is still worth having.
async fn test_log(state_path: &Path) -> Vec<u8> {
    let args: Vec<String> = [
        "--state",
        &state_path.display().to_string(),
        "--no-input",
        "--color",
        "never",
        "test-connection",
        "--all",
        "-v",
        "--no-record",
        "--no-send",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let shown = "graphmail test-connection --all -v --no-record --no-send";
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || run_limited(&args, TEST_RUN_LIMIT)).await;
    let mut log = format!("$ {shown}\n");
    match result {
        Ok(Ok((code, stdout, stderr))) => {
            log.push_str(&format!(
                "(exit code {}, {} ms)\n--- stdout\n",
                code.map_or_else(|| "none: stopped".to_string(), |c| c.to_string()),
                started.elapsed().as_millis()
            ));
            log.push_str(&String::from_utf8_lossy(&stdout));
            log.push_str("\n--- stderr\n");
            log.push_str(&String::from_utf8_lossy(&stderr));
        }
        Ok(Err(e)) => log.push_str(&format!("(did not run: {e})\n")),
        Err(e) => log.push_str(&format!("(did not run: {e})\n")),
    }
    log.into_bytes()
}

/// Runs the current executable with `args`, stopping it after `limit`.
fn run_limited(
    args: &[String],
    limit: Duration,
) -> std::io::Result<(Option<i32>, Vec<u8>, Vec<u8>)> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok((status.and_then(|s| s.code()), stdout, stderr))
}

/// The scanner, loaded with every secret value this machine gives the
/// integration (read as a connection test reads them), and notes on those
/// that could not be read or are too short to search.
fn scanner(ctx: &Context, state: Option<&State>) -> (Scanner, Vec<String>) {
    let mut scanner = Scanner::new();
    let mut notes = Vec::new();
    let add = |scanner: &mut Scanner, kind: SecretKind, value: &[u8], what: &str| {
        (!scanner.value(kind, value)).then(|| {
            format!(
                "the {what} is shorter than {} characters: searched by shape only",
                scan::MIN_VALUE_LEN
            )
        })
    };
    // The run's overrides, whatever the recorded credential.
    for (var, kind, what) in [
        (
            secrets::CLIENT_SECRET_ENV,
            SecretKind::ClientSecret,
            "client secret",
        ),
        (
            secrets::CERTIFICATE_PASSWORD_ENV,
            SecretKind::CertificatePassword,
            "certificate password",
        ),
    ] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            notes.extend(add(&mut scanner, kind, v.as_bytes(), what));
        }
    }
    let Some((state, integration)) = state.and_then(|s| s.integration.as_ref().map(|i| (s, i)))
    else {
        return (scanner, notes);
    };
    let (store_kind, kind, source, what) = match &integration.credential {
        Credential::Secret { secret, .. } => (
            StoreKind::ClientSecret,
            SecretKind::ClientSecret,
            secret,
            "client secret",
        ),
        Credential::Certificate { password, file, .. } => {
            match std::fs::read(file) {
                Ok(pfx) => notes.extend(add(
                    &mut scanner,
                    SecretKind::PrivateKey,
                    &pfx,
                    "certificate file",
                )),
                Err(e) => notes.push(format!(
                    "the certificate file could not be read ({}): searched for private keys by shape only",
                    e.kind()
                )),
            }
            (
                StoreKind::CertificatePassword,
                SecretKind::CertificatePassword,
                password,
                "certificate password",
            )
        }
    };
    match secrets::resolve(ctx.secrets.as_ref(), &state.instance_id, store_kind, source) {
        Ok(Some(value)) => notes.extend(add(
            &mut scanner,
            kind,
            value.expose_secret().as_bytes(),
            what,
        )),
        Ok(None) => {}
        Err(e) => notes.push(format!(
            "the {what} could not be read ({e}): the files were searched for its shape only"
        )),
    }
    (scanner, notes)
}

fn manifest(files: &[BundleFile], redact: bool, distinct: usize, notes: &[String]) -> String {
    let mut text = format!(
        "graphmail support bundle\ncreated: {}\n{}\n\nfiles:\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Cli::command().render_version().trim_end()
    );
    for f in files {
        let redacted = if redact {
            format!("; {} mailbox addresses replaced", f.redacted)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "  {:<20} {} bytes: {}{redacted}\n",
            f.name,
            f.bytes.len(),
            f.about
        ));
    }
    text.push_str("  MANIFEST             this list\n\nredaction:\n");
    if redact {
        text.push_str(&format!(
            "  --redact-addresses: {distinct} distinct mailbox addresses replaced by mailbox-N@{} (the same address, the same N, in every file)\n",
            redact::PLACEHOLDER_DOMAIN
        ));
    } else {
        text.push_str(
            "  mailbox addresses are shown (run with --redact-addresses to replace them)\n",
        );
    }
    text.push_str(
        "  secrets: none are stored in the state file; every file above was scanned for the client secret, \
the certificate password, access tokens, upload-session URL credentials and private keys \
(raw, percent-encoded, JSON-escaped, base64) before writing, and none was found\n",
    );
    if !notes.is_empty() {
        text.push_str("\nnotes:\n");
        for n in notes {
            text.push_str(&format!("  {n}\n"));
        }
    }
    text
}

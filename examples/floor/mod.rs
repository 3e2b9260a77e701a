//! The floor of (c): the least a client can do for the 200-mailbox run,
//! timed by the bench beside `graphmail`, against the same sandbox, in a
//! process started the same way (the bench's own binary: it links the same
//! library, but at 14 MB against graphmail's 26 its start is about a
//! millisecond shorter). What it does:
//! - one token request (client secret);
//! - the 200 folder lookups (`childFolders?$filter=`), in 10 `$batch`
//!   envelopes of 20, all at once;
//! - the answers read, and three small files written and fsynced (an
//!   appended history, evidence and verdicts renamed into place), as a
//!   recorded run must be durable.
//!
//! What it does not: read a state file, keep a secret, discover the tenant,
//! judge any evidence, retry, or print reports. So `graphmail`'s median
//! minus this one is an upper bound on what `graphmail` itself could still
//! save on this machine; the rest is the machine's and the sandbox's.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::Error;

/// The bench's argument that runs this client instead of the bench. Its
/// lookup is `graphmail`'s, byte for byte, so that the sandbox does the
/// same work for both.
pub const FLOOR: &str = "--floor-client";

/// `bench --floor-client BASE_URL TENANT APP_ID FOLDER MAILBOXES OUT_DIR`,
/// the secret in `BENCH_SECRET`; mailboxes are `box1@contoso.com`..
/// Exits 0 when every mailbox's folder was found.
pub fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [base, tenant, app, folder, mailboxes, out] = &args[..] else {
        return Err(format!("{FLOOR} BASE_URL TENANT APP_ID FOLDER MAILBOXES OUT_DIR").into());
    };
    let mailboxes: usize = mailboxes.parse()?;
    let secret = std::env::var("BENCH_SECRET")?;
    mark("main");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let found = runtime.block_on(lookups(base, tenant, app, &secret, folder, mailboxes))?;
    mark("answers read");
    record(Path::new(out), &found)?;
    mark("recorded");
    let all = found.iter().all(|f| *f);
    println!(
        "{} of {mailboxes} folders found",
        found.iter().filter(|f| **f).count()
    );
    std::io::stdout().flush()?;
    std::process::exit(if all { 0 } else { 1 });
}

async fn lookups(
    base: &str,
    tenant: &str,
    app: &str,
    secret: &str,
    folder: &str,
    mailboxes: usize,
) -> Result<Vec<bool>, Error> {
    let http = graphmail::auth::build_http_client(&graphmail::auth::HttpOptions::default())?;
    let scope = format!("{base}/.default");
    mark("token request");
    let token: Value = http
        .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app),
            ("client_secret", secret),
            ("scope", scope.as_str()),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    mark("token read");
    let bearer = format!(
        "Bearer {}",
        token["access_token"].as_str().ok_or("no access_token")?
    );
    let envelopes = (1..=mailboxes).collect::<Vec<_>>();
    let posts: Vec<_> = envelopes.chunks(20).map(|chunk| {
        let requests: Vec<Value> = chunk
            .iter()
            .map(|m| {
                json!({
                    "id": m.to_string(),
                    "method": "GET",
                    "url": format!(
                        "/users/box{m}%40contoso.com/mailFolders/inbox/childFolders?$select=id,displayName,parentFolderId,childFolderCount&$filter=displayName%20eq%20%27{folder}%27&includeHiddenFolders=true"
                    ),
                })
            })
            .collect();
        let request = http
            .post(format!("{base}/v1.0/$batch"))
            .header("Authorization", &bearer)
            .json(&json!({ "requests": requests }));
        async move {
            let answer: Value = request.send().await?.error_for_status()?.json().await?;
            Ok::<_, reqwest::Error>(answer)
        }
    }).collect();
    let mut found = vec![false; mailboxes];
    mark("envelopes built");
    for answer in futures::future::join_all(posts).await {
        for response in answer?["responses"].as_array().into_iter().flatten() {
            let id: usize = response["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let ok = response["status"] == 200
                && response["body"]["value"]
                    .as_array()
                    .is_some_and(|v| !v.is_empty());
            if let Some(slot) = id.checked_sub(1).and_then(|i| found.get_mut(i)) {
                *slot = ok;
            }
        }
    }
    Ok(found)
}

/// With `BENCH_FLOOR_MARKS` set, where the time went: the wall clock (ms
/// since the epoch) at each point, on stderr, for lining up with a trace.
fn mark(what: &str) {
    if std::env::var_os("BENCH_FLOOR_MARKS").is_some() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        eprintln!("floor: {:.3} {what}", now.as_secs_f64() * 1000.0);
    }
}

/// The run recorded as durably as `graphmail` records one: the history
/// appended and fsynced, evidence and verdicts written to temporary files,
/// fsynced and renamed, each on its own thread, then the folder fsynced.
fn record(out: &Path, found: &[bool]) -> Result<(), Error> {
    std::fs::create_dir_all(out)?;
    let now = chrono::Utc::now().to_rfc3339();
    let line = |m: usize, ok: bool| json!({"target": format!("c{m}-1"), "at": now, "verdict": if ok { "passed" } else { "failed" }});
    let history: String = found
        .iter()
        .enumerate()
        .map(|(i, ok)| format!("{}\n", line(i + 1, *ok)))
        .collect();
    let keyed = |entry: &dyn Fn(usize, bool) -> (String, Value)| -> serde_json::Map<String, Value> {
        found
            .iter()
            .enumerate()
            .map(|(i, ok)| entry(i + 1, *ok))
            .collect()
    };
    let facts = keyed(&|m, ok| {
        (
            format!("folder:box{m}@contoso.com/Inbox"),
            json!({"established": ok, "at": now}),
        )
    });
    let verdicts = keyed(&|m, ok| {
        (
            format!("connector/c{m}-1"),
            json!({"verdict": if ok { "passed" } else { "failed" }, "at": now}),
        )
    });
    let replace = |name: &str, value: &serde_json::Map<String, Value>| -> std::io::Result<()> {
        let temp: PathBuf = out.join(format!("{name}.tmp"));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&serde_json::to_vec(value)?)?;
        file.sync_all()?;
        std::fs::rename(&temp, out.join(name))
    };
    mark("records built");
    std::thread::scope(|s| -> Result<(), Error> {
        let history = s.spawn(|| -> std::io::Result<()> {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out.join("history.jsonl"))?;
            file.write_all(history.as_bytes())?;
            file.sync_all()
        });
        let facts = s.spawn(|| replace("facts.json", &facts));
        replace("verdicts.json", &verdicts)?;
        facts.join().map_err(|_| "facts writer panicked")??;
        history.join().map_err(|_| "history writer panicked")??;
        Ok(())
    })?;
    mark("files fsynced");
    std::fs::File::open(out)?.sync_all()?;
    Ok(())
}

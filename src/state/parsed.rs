//! `<state file>.d/parsed.json`: the settings of the state file as graphmail
//! last wrote it, in JSON, under the SHA-256 of the file's exact text.
//!
//! Why: the typed `toml` parse of a 1,000-connector file costs 12 to 20 ms,
//! most of a `status` or `list` (issue 17 (a)); a `serde_json` parse of the
//! same settings costs a few ms, and hashing the text well under one. The
//! file stays the truth: the copy is used only when the text hashes to its
//! key, so any hand edit (or a file written by another graphmail) misses
//! and takes the full parse, exactly as before. A copy that is missing, torn
//! or unreadable is a miss too, which is why it is written without fsync:
//! losing it costs speed, never data. Written only by
//! [`super::store::StateFile::update_with`], under the lock, after the file,
//! and only for files large enough for the parse to matter.

use std::fs;
use std::io;
use std::path::Path;

use openssl::sha::Sha256;
use serde::{Deserialize, Serialize};

use super::evidence::{Durability, replace_file};
use super::model::State;

pub const PARSED_FILE: &str = "parsed.json";

/// Below this size (about 100 connectors) the `toml` parse takes well
/// under a millisecond: no copy. At 200 connectors (29 KiB) the parse took
/// 1.3 ms, twice in a test run (the snapshot, then again under the lock),
/// and the copy's read about 0.3 ms (issue 17 (c), BENCHMARKS.md).
pub const MIN_BYTES: usize = 16 * 1024;

const VERSION: u32 = 1;

#[derive(Serialize)]
struct Out<'a> {
    schema_version: u32,
    sha256: &'a str,
    state: &'a State,
}

#[derive(Deserialize)]
struct In {
    #[allow(dead_code)]
    schema_version: u32,
    #[allow(dead_code)]
    sha256: String,
    state: State,
}

fn key(text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in hasher.finish() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// The first bytes of a copy made for `key`: checked before parsing, so a
/// miss costs one read, not a parse.
fn prefix(key: &str) -> String {
    format!("{{\"schema_version\":{VERSION},\"sha256\":\"{key}\",")
}

/// The settings of `text` from the copy in `dir`, when the copy was made
/// from exactly this text.
pub fn read(dir: &Path, text: &str) -> Option<State> {
    if text.len() < MIN_BYTES {
        return None;
    }
    let bytes = fs::read(dir.join(PARSED_FILE)).ok()?;
    if !bytes.starts_with(prefix(&key(text)).as_bytes()) {
        return None;
    }
    match serde_json::from_slice::<In>(&bytes) {
        Ok(copy) => Some(copy.state),
        Err(e) => {
            tracing::debug!("{PARSED_FILE} unreadable, parsing the file: {e}");
            None
        }
    }
}

/// Records `state` as the settings of `text`, which graphmail has just
/// written and which reads back as `state`. Best effort: a failure only
/// leaves no copy. That the copy reads back as `state` is not checked at
/// each write (a parse of the whole copy, a tenth of a one-item change at
/// 1,000 connectors) but by `tests/properties.rs` over generated states:
/// the settings are strings, booleans and lists, which JSON keeps exactly.
pub fn write(dir: &Path, text: &str, state: &State) {
    let path = dir.join(PARSED_FILE);
    if text.len() < MIN_BYTES {
        if dir.exists() {
            let _ = fs::remove_file(&path);
        }
        return;
    }
    let key = key(text);
    let result = serde_json::to_vec(&Out {
        schema_version: VERSION,
        sha256: &key,
        state,
    })
    .map_err(io::Error::other)
    .and_then(|bytes| replace_file(&path, &bytes, Durability::Unsynced));
    if let Err(e) = result {
        tracing::debug!("no {PARSED_FILE}: {e}");
        let _ = fs::remove_file(&path);
    }
}

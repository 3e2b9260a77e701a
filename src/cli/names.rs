//! Connector and route names for shell completion, read from the state file
//! while the shell asks (clap_complete's dynamic completion, see
//! `commands::completion`).
//!
//! Completion runs on every TAB, so this reads the file directly (no lock, no
//! validation, no migration) and treats any problem as "no names": a missing,
//! unreadable, oversized or broken state file completes nothing and prints
//! nothing. Only the two keys it needs are looked at, so a file a newer
//! graphmail wrote still completes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap_complete::engine::CompletionCandidate;

use crate::state::store;

/// A state file larger than this is not read for completion (a TAB must stay
/// instant); real ones are a few kilobytes.
const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// Names of the connectors, each with its use and address as help.
pub fn connectors() -> Vec<CompletionCandidate> {
    candidates(&connector_entries(), "")
}

/// Names of the routes, each with its connector and address as help.
pub fn routes() -> Vec<CompletionCandidate> {
    candidates(&route_entries(), "")
}

/// What `mail send --from` takes: bare names, and `route:` / `connector:`
/// forms for when a bare name is ambiguous.
pub fn senders() -> Vec<CompletionCandidate> {
    let routes = route_entries();
    let connectors = connector_entries();
    let mut all = candidates(&routes, "");
    all.extend(candidates(&connectors, ""));
    all.extend(candidates(&routes, "route:"));
    all.extend(candidates(&connectors, "connector:"));
    all
}

/// (name, help) of each entry.
type Entry = (String, String);

fn connector_entries() -> Vec<Entry> {
    entries("connector", |entry| {
        let use_for = string(entry, "use_for").unwrap_or_default();
        let address = string(entry, "address").unwrap_or_default();
        format!("{use_for} connector {address}").trim().to_string()
    })
}

fn route_entries() -> Vec<Entry> {
    entries("route", |entry| {
        let connector = string(entry, "connector").unwrap_or_default();
        let address = string(entry, "address").unwrap_or_default();
        format!("route of {connector}: {address}")
    })
}

fn candidates(entries: &[Entry], prefix: &str) -> Vec<CompletionCandidate> {
    entries
        .iter()
        .map(|(name, help)| {
            CompletionCandidate::new(format!("{prefix}{name}")).help(Some(help.clone().into()))
        })
        .collect()
}

fn entries(kind: &str, help: impl Fn(&toml::Table) -> String) -> Vec<Entry> {
    let Some(state) = read_state() else {
        return Vec::new();
    };
    let Some(toml::Value::Array(items)) = state.get(kind) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(toml::Value::as_table)
        .filter_map(|entry| Some((string(entry, "name")?, help(entry))))
        .collect()
}

fn string(table: &toml::Table, key: &str) -> Option<String> {
    table.get(key)?.as_str().map(str::to_string)
}

/// The state file the command being completed would use, parsed as plain
/// TOML; `None` on any problem.
fn read_state() -> Option<toml::Table> {
    let path = state_path(std::env::args_os())?;
    read_table(&path)
}

fn read_table(path: &Path) -> Option<toml::Table> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_STATE_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    text.parse::<toml::Table>().ok()
}

/// `--state PATH` / `--state=PATH` from the words being completed (the shell
/// passes them after `--`), else `GRAPHMAIL_STATE`, else the default.
fn state_path(args: impl IntoIterator<Item = OsString>) -> Option<PathBuf> {
    let words: Vec<OsString> = args.into_iter().collect();
    let after = words.iter().position(|w| w == "--").map_or(0, |i| i + 1);
    let mut flag = None;
    let mut iter = words[after..].iter();
    while let Some(word) = iter.next() {
        let Some(word) = word.to_str() else { continue };
        if word == "--state" {
            flag = iter.next().map(PathBuf::from);
        } else if let Some(path) = word.strip_prefix("--state=") {
            flag = Some(PathBuf::from(path));
        }
    }
    store::resolve_path(flag.as_deref()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_state_flag_of_the_completed_line_wins() {
        let path = state_path(words(&[
            "graphmail",
            "--",
            "graphmail",
            "--state",
            "/tmp/a.toml",
            "connector",
            "show",
            "",
        ]));
        assert_eq!(path, Some(PathBuf::from("/tmp/a.toml")));
        let path = state_path(words(&[
            "graphmail",
            "--",
            "graphmail",
            "--state=/tmp/b.toml",
        ]));
        assert_eq!(path, Some(PathBuf::from("/tmp/b.toml")));
    }

    #[test]
    fn a_broken_or_missing_file_completes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(read_table(&dir.path().join("missing.toml")).is_none());
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "[[connector]\nname = ").expect("write");
        assert!(read_table(&broken).is_none());
        assert!(
            read_table(dir.path()).is_none(),
            "a folder is not a state file"
        );
    }
}

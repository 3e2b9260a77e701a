//! Fixes graphmail's build identity at compile time for `graphmail --version`
//! (`src/build_info.rs`): the commit the binary was built from, whether the
//! binary's sources differed from that commit, the build date and the target.
//!
//! The build date is reproducible: `SOURCE_DATE_EPOCH` when set (the
//! reproducible-builds.org convention, also read by cargo-deb), else the
//! commit's date, never the time of the build. Outside a git checkout of this
//! crate (a tarball of the sources) the commit is read from
//! `.cargo_vcs_info.json` when `cargo package` left one, and is otherwise
//! reported as unknown rather than guessed.
//!
//! It also reads one number out of mimalloc's header for `src/main.rs`
//! ([`mimalloc_option`]).
//!
//! NOTE: "dirty" covers only the files the binary is built from (`src/`,
//! `build.rs`, `Cargo.toml`, `Cargo.lock`), the same set this script asks
//! cargo to watch: an edited README neither flips it nor forces a rebuild,
//! and the flag can never be stale.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The files whose changes can change the binary.
const SOURCES: [&str; 4] = ["src", "build.rs", "Cargo.toml", "Cargo.lock"];

struct Source {
    commit: String,
    /// `None` when it could not be told.
    dirty: Option<bool>,
    /// The commit's date, seconds since 1970.
    epoch: Option<i64>,
}

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    for path in SOURCES {
        println!("cargo:rerun-if-changed={path}");
    }

    let source = git_source(&root).or_else(|| vcs_info_source(&root));
    let epoch = match env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => Some(value.trim().parse::<i64>().unwrap_or_else(|_| {
            panic!("SOURCE_DATE_EPOCH must be whole seconds since 1970, got {value:?}")
        })),
        Err(_) => source.as_ref().and_then(|s| s.epoch),
    };

    let commit = source.as_ref().map(|s| s.commit.as_str()).unwrap_or("");
    let dirty = match source.as_ref().and_then(|s| s.dirty) {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    };
    // Empty means unknown: `option_env!` cannot tell "unset" from a rerun
    // that dropped the variable, so every variable is always set.
    println!("cargo:rustc-env=GRAPHMAIL_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=GRAPHMAIL_BUILD_DIRTY={dirty}");
    println!(
        "cargo:rustc-env=GRAPHMAIL_BUILD_EPOCH={}",
        epoch.map(|e| e.to_string()).unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=GRAPHMAIL_BUILD_TARGET={}",
        env::var("TARGET").unwrap_or_default()
    );
    println!(
        "cargo:rustc-env=GRAPHMAIL_MI_OPTION_DESTROY_ON_EXIT={}",
        mimalloc_option("mi_option_destroy_on_exit").map_or(String::new(), |n| n.to_string())
    );
}

/// The number of a mimalloc option, read from the `mimalloc.h` that
/// libmimalloc-sys builds (it exports its include folder as
/// `DEP_MIMALLOC_INCLUDE_DIR`) rather than written down here: the crate has
/// no constant for every option, and the numbers are the header's enum
/// order. `None` when the header or the option is not found.
fn mimalloc_option(name: &str) -> Option<usize> {
    let dir = env::var_os("DEP_MIMALLOC_INCLUDE_DIR")?;
    let header = Path::new(&dir).join("mimalloc.h");
    println!("cargo:rerun-if-changed={}", header.display());
    let text = fs::read_to_string(header).ok()?;
    let body = text.split("typedef enum mi_option_e {").nth(1)?;
    let body = body.split("_mi_option_last").next()?;
    let without_comments: String = body
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let names: Vec<&str> = without_comments
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    // Every option before `_mi_option_last` takes the next number: none is
    // given one by hand.
    if names.iter().any(|entry| entry.contains('=')) {
        return None;
    }
    names.iter().position(|entry| *entry == name)
}

/// The commit and state of the git checkout this crate is the root of.
fn git_source(root: &Path) -> Option<Source> {
    // Sources unpacked inside some other repository (a vendored copy) must
    // not report that repository's commit.
    let toplevel = git(root, &["rev-parse", "--show-toplevel"])?;
    if fs::canonicalize(&toplevel).ok()? != fs::canonicalize(root).ok()? {
        return None;
    }
    let commit = git(root, &["rev-parse", "--verify", "HEAD"])?;

    // A commit moves HEAD (or the branch it names); watch both so that
    // committing without editing still updates the reported commit.
    let mut watched = vec![git(root, &["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(root, &["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(root, &["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.into_iter().flatten() {
        let path = root.join(path);
        // A missing file would make cargo rerun this script on every build.
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }

    // --no-optional-locks: no index refresh, so this script never touches
    // the files it watches.
    let mut status = vec!["--no-optional-locks", "status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = git(root, &status).map(|out| !out.is_empty());
    let epoch = git(root, &["log", "-1", "--format=%ct", "HEAD"]).and_then(|s| s.parse().ok());
    Some(Source {
        commit,
        dirty,
        epoch,
    })
}

/// The commit `cargo package` recorded in the packaged sources.
fn vcs_info_source(root: &Path) -> Option<Source> {
    let path = root.join(".cargo_vcs_info.json");
    let text = fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let commit = json_string_field(&text, "sha1")?;
    // cargo writes `"dirty": true` only for a dirty tree.
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    Some(Source {
        commit,
        dirty: Some(dirty),
        epoch: None,
    })
}

/// `"key": "value"` in cargo's small, flat JSON file; no JSON parser is
/// worth a build dependency for one field.
fn json_string_field(text: &str, key: &str) -> Option<String> {
    let after_key = &text[text.find(&format!("\"{key}\""))? + key.len() + 2..];
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    let end = value.find('"')?;
    let sha = &value[..end];
    sha.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| sha.to_string())
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

//! The release artefacts (`scripts/dist.sh`) against what README's "Install"
//! section promises, and the build identity `graphmail --version` reports.
//!
//! Always run (seconds, no release build):
//! - README's "What is installed where" table against the archive that
//!   `scripts/dist.sh --binary <test build>` packs, and against the file list
//!   the `.deb` will have, expanded from `[package.metadata.deb]` in
//!   Cargo.toml;
//! - the comparison itself, on listings that must fail it;
//! - `--version` in text and JSON, against git.
//!
//! With `GRAPHMAIL_DIST_DIR=<dir>` (set by `.ci/run` after `scripts/dist.sh`
//! built the real artefacts): the real archive and `.deb` listings against
//! the table, `SHA256SUMS`, one binary in both, fixed owners and dates, and
//! the package's `Depends` against the libraries the binary links.

#![cfg(target_os = "linux")]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const DIST_DIR_VAR: &str = "GRAPHMAIL_DIST_DIR";
const TABLE_HEADING: &str = "### What is installed where";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// One row of README's table: where one kind of file lands in each artefact
/// (`*` matches within one path segment; no entry: not shipped there).
#[derive(Debug)]
struct Row {
    what: String,
    archive: Vec<String>,
    deb: Vec<String>,
}

/// README's "What is installed where" table.
fn readme_table(readme: &str) -> Vec<Row> {
    let section = readme
        .split_once(TABLE_HEADING)
        .unwrap_or_else(|| panic!("README has no '{TABLE_HEADING}' heading"))
        .1;
    let mut rows = Vec::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "a row of three cells: {line}");
        if cells[0] == "what" || cells[0].starts_with("---") {
            continue;
        }
        rows.push(Row {
            what: cells[0].to_string(),
            archive: code_spans(cells[1]),
            deb: code_spans(cells[2]),
        });
    }
    assert!(!rows.is_empty(), "README's '{TABLE_HEADING}' has no rows");
    rows
}

fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `*` matches any run of characters other than `/`.
fn glob_match(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, tail)) => {
            let Some(rest) = path.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .take_while(|&i| !rest[..i].contains('/'))
                .any(|i| glob_match(tail, &rest[i..]))
        }
    }
}

/// What differs between the files an artefact holds and the table's
/// promises: files no row explains, rows that match no file.
fn compare(promised: &[(String, String)], files: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for file in files {
        if !promised.iter().any(|(_, p)| glob_match(p, file)) {
            problems.push(format!("{file}: shipped but not in README's table"));
        }
    }
    for (what, pattern) in promised {
        if !files.iter().any(|f| glob_match(pattern, f)) {
            problems.push(format!(
                "{pattern} ({what}): in README's table but not shipped"
            ));
        }
    }
    problems
}

fn archive_promises(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .flat_map(|r| r.archive.iter().map(|p| (r.what.clone(), p.clone())))
        .collect()
}

fn deb_promises(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .flat_map(|r| r.deb.iter().map(|p| (r.what.clone(), p.clone())))
        .collect()
}

fn readme_rows() -> Vec<Row> {
    readme_table(&fs::read_to_string(crate_root().join("README.md")).expect("read README.md"))
}

fn assert_no_problems(artefact: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{artefact} and README's '{TABLE_HEADING}' disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// The checked-in file names of one folder, e.g. every man page.
fn repo_files(dir: &str) -> BTreeSet<String> {
    fs::read_dir(crate_root().join(dir))
        .expect("read a folder of the repository")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// An archive entry from `tar -tvzf --numeric-owner`.
#[derive(Debug)]
struct TarEntry {
    path: String,
    mode: String,
    owner: String,
    date: String,
}

/// The archive's entries, relative to its one top folder, without folders.
fn archive_entries(archive: &Path) -> (String, Vec<TarEntry>) {
    let listing = run(Command::new("tar")
        .args(["--numeric-owner", "-tvzf"])
        .arg(archive)
        .env("TZ", "UTC"));
    let top = format!("graphmail-{}-", version());
    let mut root = None;
    let mut entries = Vec::new();
    for line in listing.lines() {
        // -rwxr-xr-x 0/0  31218680 2026-11-26 07:39 graphmail-0.1.0-x86_64-unknown-linux-gnu/graphmail
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 6, "an entry with no odd characters: {line}");
        let (dir, rest) = fields[5].split_once('/').unwrap_or((fields[5], ""));
        assert!(dir.starts_with(&top), "one top folder {top}…: {line}");
        assert_eq!(*root.get_or_insert(dir.to_string()), dir, "one top folder");
        if fields[0].starts_with('d') {
            continue;
        }
        entries.push(TarEntry {
            path: rest.to_string(),
            mode: fields[0].to_string(),
            owner: fields[1].to_string(),
            date: fields[3].to_string(),
        });
    }
    (root.expect("a non-empty archive"), entries)
}

/// The files a `.deb` installs, as absolute paths, without folders.
fn deb_files(deb: &Path) -> BTreeSet<String> {
    run(Command::new("dpkg-deb").arg("--contents").arg(deb))
        .lines()
        .filter(|l| !l.starts_with('d'))
        .map(|l| {
            let path = l.split_whitespace().last().expect("a path");
            path.strip_prefix('.').unwrap_or(path).to_string()
        })
        .collect()
}

/// The file list the `.deb` will have, from `[package.metadata.deb]`: each
/// asset (source globs expanded), man pages gzipped as cargo-deb does, and
/// the `copyright` file cargo-deb always writes.
fn deb_files_from_cargo_toml() -> BTreeSet<String> {
    let manifest: toml::Table =
        toml::from_str(&fs::read_to_string(crate_root().join("Cargo.toml")).expect("Cargo.toml"))
            .expect("Cargo.toml parses");
    let assets = manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .expect("[package.metadata.deb] assets");
    let mut files = BTreeSet::new();
    for asset in assets {
        let asset = asset.as_array().expect("[source, dest, mode]");
        let (source, dest) = (asset[0].as_str().unwrap(), asset[1].as_str().unwrap());
        let sources: Vec<String> = match source.rsplit_once('/') {
            Some((dir, name)) if name.contains('*') && !dir.contains('*') => repo_files(dir)
                .into_iter()
                .filter(|f| glob_match(name, f))
                .collect(),
            _ => vec![source.rsplit('/').next().unwrap().to_string()],
        };
        assert!(!sources.is_empty(), "asset {source} matches no file");
        for name in sources {
            let mut path = if dest.ends_with('/') {
                format!("/{dest}{name}")
            } else {
                format!("/{dest}")
            };
            if path.starts_with("/usr/share/man/") {
                path.push_str(".gz");
            }
            files.insert(path);
        }
    }
    files.insert("/usr/share/doc/graphmail/copyright".to_string());
    files
}

/// The `--version --output json` of a binary.
fn version_json(binary: &Path) -> serde_json::Value {
    serde_json::from_str(&run(Command::new(binary).args([
        "--version",
        "--output",
        "json",
    ])))
    .expect("--version --output json is JSON")
}

#[test]
fn the_readme_table_is_read_as_written() {
    let rows = readme_rows();
    let program = rows
        .iter()
        .find(|r| r.archive == ["graphmail"])
        .expect("a row for the program");
    assert_eq!(program.deb, ["/usr/bin/graphmail"]);
    let man = rows
        .iter()
        .find(|r| r.deb.iter().any(|p| p.starts_with("/usr/share/man/man1/")))
        .expect("a row for the man pages");
    assert_eq!(man.archive, ["man/graphmail*.1"]);
    assert!(
        rows.iter()
            .any(|r| r.deb == ["/usr/share/bash-completion/completions/graphmail"])
    );

    assert!(glob_match(
        "man/graphmail*.1",
        "man/graphmail-connector-add.1"
    ));
    assert!(!glob_match("man/graphmail*.1", "man/sub/graphmail.1"));
    assert!(!glob_match("man/graphmail*.1", "man/graphmail.1.gz"));
}

#[test]
fn the_comparison_names_unexplained_files_and_broken_promises() {
    let rows = readme_rows();
    let mut files: BTreeSet<String> = deb_files_from_cargo_toml();
    assert_no_problems("the .deb's assets", &compare(&deb_promises(&rows), &files));

    files.remove("/usr/bin/graphmail");
    files.insert("/usr/lib/graphmail/stray".to_string());
    let problems = compare(&deb_promises(&rows), &files);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("/usr/lib/graphmail/stray: shipped but not in"));
    assert!(problems[1].contains("/usr/bin/graphmail (the program): in README's table but not"));
}

#[test]
fn the_debs_assets_are_what_the_readme_says_the_package_installs() {
    let files = deb_files_from_cargo_toml();
    assert_no_problems(
        "[package.metadata.deb] in Cargo.toml",
        &compare(&deb_promises(&readme_rows()), &files),
    );
    // Every man page, not just one matching the pattern.
    let pages: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix("/usr/share/man/man1/"))
        .map(|f| f.trim_end_matches(".gz").to_string())
        .collect();
    assert_eq!(pages, repo_files("man"));
}

/// The archive `scripts/dist.sh` packs around the test build.
#[test]
fn the_archive_holds_what_the_readme_says() {
    let out = tempfile::tempdir().expect("temp dir");
    run(Command::new("bash")
        .arg(crate_root().join("scripts/dist.sh"))
        .args([
            "--fast",
            "--binary",
            env!("CARGO_BIN_EXE_graphmail"),
            "--out",
        ])
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", "1795678780"));
    let archive = out.path().join(format!(
        "graphmail-{}-{}.tar.gz",
        version(),
        version_json(Path::new(env!("CARGO_BIN_EXE_graphmail")))["target"]
            .as_str()
            .unwrap()
    ));
    check_archive(&archive, "2026-11-26");
    let sums = fs::read_to_string(out.path().join("SHA256SUMS")).expect("SHA256SUMS");
    assert!(sums.ends_with(&format!(
        "  {}\n",
        archive.file_name().unwrap().to_string_lossy()
    )));
}

/// The archive against README, with every man page and completion, owned
/// by 0:0, dated `date`, the program executable.
fn check_archive(archive: &Path, date: &str) {
    let (_, entries) = archive_entries(archive);
    let files: BTreeSet<String> = entries.iter().map(|e| e.path.clone()).collect();
    assert_no_problems(
        &archive.display().to_string(),
        &compare(&archive_promises(&readme_rows()), &files),
    );
    let in_folder = |dir: &str| -> BTreeSet<String> {
        files
            .iter()
            .filter_map(|f| f.strip_prefix(&format!("{dir}/")))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(in_folder("man"), repo_files("man"));
    assert_eq!(in_folder("completions"), repo_files("completions"));
    for entry in &entries {
        assert_eq!(entry.owner, "0/0", "{entry:?}");
        assert_eq!(entry.date, date, "{entry:?}");
        let mode = if entry.path == "graphmail" {
            "-rwxr-xr-x"
        } else {
            "-rw-r--r--"
        };
        assert_eq!(entry.mode, mode, "{entry:?}");
    }
}

#[test]
fn version_names_the_commit_and_date_the_binary_was_built_from() {
    let bin = Path::new(env!("CARGO_BIN_EXE_graphmail"));
    let json = version_json(bin);
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["name"], "graphmail");
    assert_eq!(json["version"], version());
    assert!(json["target"].as_str().unwrap().contains("linux"), "{json}");

    let text = run(Command::new(bin).arg("--version"));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(format!("graphmail {}", version()).as_str())
    );
    assert_eq!(run(Command::new(bin).arg("-V")), text, "-V is --version");
    // `--version` alone is answered before clap parses; after a command,
    // clap answers it: the same text either way.
    assert_eq!(
        run(Command::new(bin).args(["status", "--version"])),
        text,
        "clap's answer is the fast path's"
    );
    // Global like the option it mirrors: after a command, --output=json too.
    assert_eq!(
        version_json_of(&run(Command::new(bin).args([
            "connector",
            "--version",
            "--output=json"
        ]))),
        json
    );

    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(crate_root())
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(head) => {
            assert_eq!(json["commit"], head.as_str(), "{json}");
            let dirty = !git(&[
                "status",
                "--porcelain",
                "--",
                "src",
                "build.rs",
                "Cargo.toml",
                "Cargo.lock",
            ])
            .expect("git status")
            .is_empty();
            assert_eq!(json["dirty"], dirty, "{json}");
            let expected_date = match std::env::var("SOURCE_DATE_EPOCH") {
                Ok(epoch) => epoch,
                Err(_) => git(&["log", "-1", "--format=%ct"]).expect("commit date"),
            };
            let expected = chrono::DateTime::from_timestamp(expected_date.parse().unwrap(), 0)
                .unwrap()
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(json["build_date"], expected.as_str(), "{json}");
            let short = text.lines().find(|l| l.starts_with("commit: ")).unwrap();
            assert!(short.contains(&head), "{text}");
            assert_eq!(short.contains("(dirty"), dirty, "{text}");
        }
        // Built from sources without git: unknown, never made up.
        None => {
            assert!(json["commit"].is_null(), "{json}");
            assert!(text.contains("commit: unknown"), "{text}");
        }
    }
}

fn version_json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("JSON")
}

/// The one file in `dir` whose name ends with `suffix`.
fn artefact(dir: &Path, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{DIST_DIR_VAR}={}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one *{suffix} in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

/// The real artefacts, when `.ci/run` (or you) built them.
#[test]
fn the_release_artefacts_hold_what_the_readme_says() {
    let Some(dir) = std::env::var_os(DIST_DIR_VAR) else {
        eprintln!(
            "{DIST_DIR_VAR} not set: the release artefacts are not checked (scripts/dist.sh builds them)"
        );
        return;
    };
    let dir = PathBuf::from(dir);
    let archive = artefact(&dir, ".tar.gz");
    let deb = artefact(&dir, ".deb");
    run(Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dir));
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).expect("SHA256SUMS");
    assert_eq!(
        sums.lines().count(),
        2,
        "SHA256SUMS covers both artefacts:\n{sums}"
    );

    // One binary in both; it dates the build as the archive dates its files.
    let work = tempfile::tempdir().expect("temp dir");
    let (root, _) = archive_entries(&archive);
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(work.path()));
    let from_archive = work.path().join(&root).join("graphmail");
    let deb_root = work.path().join("deb");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&deb_root));
    let from_deb = deb_root.join("usr/bin/graphmail");
    assert!(
        fs::read(&from_archive).unwrap() == fs::read(&from_deb).unwrap(),
        "the archive and the .deb carry different binaries"
    );
    let info = version_json(&from_archive);
    assert_eq!(info["version"], version());
    assert!(
        !info["commit"].is_null(),
        "a release build names its commit: {info}"
    );
    check_archive(&archive, info["build_date"].as_str().expect("a build date"));

    let files = deb_files(&deb);
    assert_no_problems(
        &deb.display().to_string(),
        &compare(&deb_promises(&readme_rows()), &files),
    );
    assert_eq!(
        files,
        deb_files_from_cargo_toml(),
        "the .deb holds its declared assets"
    );
    check_depends(&deb, &from_deb);
}

/// `Depends` names exactly the packages that own the libraries the binary
/// links (what dpkg-shlibdeps derives), e.g. libc6, and nothing else (no
/// libdbus: the keyring speaks D-Bus in Rust). OpenSSL is linked in
/// (scripts/dist.sh), so neither libssl3 nor a `libssl.so` is among them.
fn check_depends(deb: &Path, binary: &Path) {
    let depends = run(Command::new("dpkg-deb")
        .args(["--field"])
        .arg(deb)
        .arg("Depends"));
    let declared: BTreeSet<String> = depends
        .split(',')
        .map(|d| d.split_whitespace().next().expect("a package").to_string())
        .collect();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for line in run(Command::new("ldd").arg(binary)).lines() {
        let Some(path) = line
            .split_whitespace()
            .find(|w| w.starts_with('/'))
            .map(str::to_string)
        else {
            continue; // linux-vdso: the kernel's
        };
        owners.insert(owning_package(&path), path);
    }
    let loaded_openssl: Vec<&String> = owners
        .values()
        .filter(|path| path.contains("libssl.so") || path.contains("libcrypto.so"))
        .collect();
    assert!(
        loaded_openssl.is_empty(),
        "the release binary loads OpenSSL ({loaded_openssl:?}): scripts/dist.sh links it in"
    );
    let linked: BTreeSet<String> = owners.keys().cloned().collect();
    assert_eq!(
        declared, linked,
        "Depends: {depends}\nthe binary links {owners:?}"
    );
}

/// The package that installed a library. With merged /usr, dpkg knows some
/// libraries as /lib/… and others as /usr/lib/…, whichever their package
/// ships.
fn owning_package(path: &str) -> String {
    let mut candidates = vec![path.to_string(), format!("/usr{path}")];
    if let Some(rest) = path.strip_prefix("/usr") {
        candidates.push(rest.to_string());
    }
    if let Ok(real) = fs::canonicalize(path) {
        candidates.push(real.to_string_lossy().into_owned());
    }
    for candidate in &candidates {
        let out = Command::new("dpkg")
            .arg("--search")
            .arg(candidate)
            .output()
            .expect("run dpkg --search");
        if out.status.success() {
            let found = String::from_utf8_lossy(&out.stdout);
            // libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3
            return found
                .split(':')
                .next()
                .expect("package: path")
                .trim()
                .to_string();
        }
    }
    panic!("no installed package owns {path} (tried {candidates:?})")
}

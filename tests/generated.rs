//! The generated files, checked in: shell completions in `completions/` (the
//! static scripts `graphmail completion SHELL --static` prints) and man
//! pages in `man/`, all from the one clap definition (`graphmail::cli::Cli`).
//!
//! The test regenerates everything in memory and fails when the checked-in
//! files drift from the code (CI runs it with the other tests). To update
//! them after changing the CLI:
//!
//! ```text
//! GRAPHMAIL_BLESS=1 cargo test --test generated
//! ```
//!
//! NOTE: clap_mangen renders `after_help` as one filled paragraph, which
//! would run the exit-code table together. The top-level page therefore
//! turns each `Heading:` block of `after_help` ("Exit codes:",
//! "Environment:") into a man section of its own (EXIT STATUS,
//! ENVIRONMENT) with one tagged paragraph per entry; the text still comes
//! from the one definition in `src/cli/mod.rs`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use clap_complete::Shell;
use clap_mangen::Man;

const BIN: &str = "graphmail";
const BLESS_VAR: &str = "GRAPHMAIL_BLESS";

/// Every generated file, by path relative to the crate root.
fn generate_all() -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        // The same text `graphmail completion SHELL --static` prints.
        let out = graphmail::commands::completion::static_script(shell);
        files.insert(
            Path::new("completions").join(clap_complete::Generator::file_name(&shell, BIN)),
            out,
        );
    }

    // As clap_mangen::generate_to does: no `help` pseudo-command, and a built
    // command so that subcommands carry their full names
    // (`graphmail-connector-add`) and the global options.
    let mut cmd = graphmail::cli::full_command().disable_help_subcommand(true);
    cmd.build();
    // Every page's footer names the tool, not the leaf (`add 0.1.0`).
    let source = format!("{BIN} {}", cmd.get_version().unwrap_or_default());
    man_pages(&cmd, &source, true, &mut files);
    files
}

fn man_pages(cmd: &clap::Command, source: &str, top: bool, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, source, false, files);
    }
    let man = Man::new(cmd.clone()).source(source);
    let mut out = Vec::new();
    if top {
        render_top_page(&man, cmd, &mut out).expect("render the man page");
    } else {
        man.render(&mut out).expect("render the man page");
    }
    files.insert(Path::new("man").join(man.get_filename()), out);
}

type SectionRenderer = fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>;

/// The top-level page: clap_mangen's sections, with `after_help` turned
/// into proper EXIT STATUS and ENVIRONMENT sections.
fn render_top_page(man: &Man, cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let head: [SectionRenderer; 6] = [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
        Man::render_subcommands_section,
    ];
    for render in head {
        render_section(man, render, out)?;
    }
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    out.extend_from_slice(after_help_sections(&after).as_bytes());
    render_section(man, Man::render_version_section, out)
}

/// Appends one section. Each of clap_mangen's section renderers starts with
/// the same two-line preamble (it defines the `Aq` string); keep it once.
fn render_section(man: &Man, render: SectionRenderer, out: &mut Vec<u8>) -> std::io::Result<()> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut section = Vec::new();
    render(man, &mut section)?;
    let text = String::from_utf8(section).expect("roff is UTF-8");
    let text = if out.is_empty() {
        text.as_str()
    } else {
        text.strip_prefix(PREAMBLE).unwrap_or(&text)
    };
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// Turns blocks of the form
///
/// ```text
/// Heading:
///   TAG  description
/// ```
///
/// into `.SH` sections with one `.TP` paragraph per entry. A line with no
/// two-space gap continues the previous description.
fn after_help_sections(text: &str) -> String {
    let mut roff = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let heading = line.trim().trim_end_matches(':');
            let section = match heading.to_ascii_lowercase().as_str() {
                "exit codes" | "exit status" => "EXIT STATUS".to_string(),
                other => other.to_ascii_uppercase(),
            };
            roff.push_str(&format!(".SH \"{section}\"\n"));
            continue;
        }
        let entry = line.trim();
        match entry.split_once("  ") {
            Some((tag, description)) => {
                roff.push_str(&format!(
                    ".TP\n\\fB{}\\fR\n{}\n",
                    roff_escape(tag.trim()),
                    roff_escape(description.trim())
                ));
            }
            None => {
                roff.push_str(&roff_escape(entry));
                roff.push('\n');
            }
        }
    }
    roff
}

/// Escapes text for roff as the `roff` crate does: backslashes, hyphens
/// (so they are not broken or turned into dashes), and a leading control
/// character.
fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files now in the generated folders, so that a page for a command that no
/// longer exists counts as drift too.
fn checked_in() -> BTreeMap<PathBuf, Vec<u8>> {
    let root = crate_root();
    let mut files = BTreeMap::new();
    for dir in ["completions", "man"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("read a generated folder");
            if entry.file_type().expect("file type").is_file() {
                let rel = Path::new(dir).join(entry.file_name());
                files.insert(rel, fs::read(entry.path()).expect("read a generated file"));
            }
        }
    }
    files
}

#[test]
fn completions_and_man_pages_match_the_cli_definition() {
    let expected = generate_all();
    let actual = checked_in();
    let root = crate_root();

    if std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
        for (path, bytes) in &expected {
            let full = root.join(path);
            fs::create_dir_all(full.parent().expect("has a folder")).expect("create folder");
            if actual.get(path) != Some(bytes) {
                fs::write(&full, bytes).expect("write a generated file");
            }
        }
        for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
            fs::remove_file(root.join(path)).expect("remove a stale generated file");
        }
        return;
    }

    let mut problems = Vec::new();
    for (path, bytes) in &expected {
        match actual.get(path) {
            None => problems.push(format!("missing: {}", path.display())),
            Some(found) if found != bytes => {
                problems.push(format!("out of date: {}", path.display()))
            }
            Some(_) => {}
        }
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        problems.push(format!(
            "stale (no such command any more): {}",
            path.display()
        ));
    }
    assert!(
        problems.is_empty(),
        "the generated completions and man pages drift from the CLI definition:\n  {}\n\
         run `{BLESS_VAR}=1 cargo test --test generated` to update them, then commit completions/ and man/",
        problems.join("\n  ")
    );
}

#[test]
fn every_command_has_a_man_page_named_after_its_path() {
    let files = generate_all();
    for page in [
        "man/graphmail.1",
        "man/graphmail-integration-set.1",
        "man/graphmail-connector-add.1",
        "man/graphmail-route-list.1",
        "man/graphmail-test-connection.1",
        "man/graphmail-sandbox-serve.1",
    ] {
        assert!(
            files.contains_key(Path::new(page)),
            "no {page} among {:?}",
            files.keys().collect::<Vec<_>>()
        );
    }
    assert!(
        !files.keys().any(|p| p.to_string_lossy().contains("-help")),
        "`help` is not a command worth a man page"
    );
    let add = String::from_utf8(files[Path::new("man/graphmail-connector-add.1")].clone())
        .expect("utf-8");
    assert!(
        add.contains("graphmail connector add"),
        "the synopsis names the full command:\n{add}"
    );
    assert!(
        add.contains("use\\-for"),
        "the page documents --use-for:\n{add}"
    );
}

#[test]
fn the_main_man_page_documents_exit_codes_and_environment() {
    let files = generate_all();
    let page = String::from_utf8(files[Path::new("man/graphmail.1")].clone()).expect("utf-8");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert!(page.contains(".SH \"ENVIRONMENT\""), "{page}");
    for code in ["0", "1", "2", "3", "4"] {
        assert!(
            page.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "exit code {code} is not a tagged entry:\n{page}"
        );
    }
    assert!(page.contains("enable gate"), "{page}");
    for var in [
        "GRAPHMAIL_STATE",
        "GRAPHMAIL_CLIENT_SECRET",
        "GRAPHMAIL_CERTIFICATE_PASSWORD",
        "NO_COLOR",
    ] {
        assert!(
            page.contains(&var.replace('-', "\\-")),
            "{var} missing:\n{page}"
        );
    }
}

#[test]
fn completions_know_the_commands_and_their_values() {
    let files = generate_all();
    let bash =
        String::from_utf8(files[Path::new("completions/graphmail.bash")].clone()).expect("utf-8");
    for word in [
        "test-connection",
        "--use-for",
        "incoming outbound",
        "--state",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let fish =
        String::from_utf8(files[Path::new("completions/graphmail.fish")].clone()).expect("utf-8");
    assert!(
        fish.contains("client-secret-stdin"),
        "fish completion lacks the secret flags"
    );
    for name in [
        "completions/_graphmail",
        "completions/_graphmail.ps1",
        "completions/graphmail.elv",
    ] {
        assert!(files.contains_key(Path::new(name)), "no {name}");
    }
}

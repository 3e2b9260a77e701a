//! What `graphmail --version` reports: the version, the commit the binary was
//! built from and whether its sources differed from it, the build date and
//! the target. `build.rs` fixes the values at compile time; nothing here
//! reads the state file or starts a runtime, so `--version` answers at once.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::ValueEnum;
use serde::Serialize;

use crate::output::printer::TextContext;
use crate::output::{ColorChoice, Format, Printer, Render};

/// The JSON shape's version (docs/json.md, "`--version`").
pub const SCHEMA_VERSION: u32 = 1;

/// The build identity; unknown values are `None` (JSON `null`, text
/// "unknown"), never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildInfo {
    pub schema_version: u32,
    pub name: &'static str,
    pub version: &'static str,
    /// Full commit hash.
    pub commit: Option<&'static str>,
    /// Whether the binary's sources (`src/`, `build.rs`, `Cargo.toml`,
    /// `Cargo.lock`) differed from `commit`.
    pub dirty: Option<bool>,
    /// `YYYY-MM-DD` (UTC): `SOURCE_DATE_EPOCH`, else the commit's date.
    pub build_date: Option<String>,
    /// The Rust target triple the binary was built for.
    pub target: &'static str,
}

impl BuildInfo {
    /// This binary's identity.
    pub fn current() -> Self {
        Self::from_raw(
            env!("GRAPHMAIL_BUILD_COMMIT"),
            env!("GRAPHMAIL_BUILD_DIRTY"),
            env!("GRAPHMAIL_BUILD_EPOCH"),
            env!("GRAPHMAIL_BUILD_TARGET"),
        )
    }

    /// From build.rs's variables, where an empty string means unknown.
    fn from_raw(commit: &'static str, dirty: &str, epoch: &str, target: &'static str) -> Self {
        let build_date = epoch
            .parse::<i64>()
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map(|at| at.format("%Y-%m-%d").to_string());
        BuildInfo {
            schema_version: SCHEMA_VERSION,
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            commit: (!commit.is_empty()).then_some(commit),
            dirty: match dirty {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            build_date,
            target: if target.is_empty() { "unknown" } else { target },
        }
    }
}

impl Render for BuildInfo {
    fn render_text(&self, out: &mut dyn Write, _ctx: &TextContext) -> io::Result<()> {
        // The first line is what `graphmail --version | head -1` scripts expect.
        writeln!(out, "{} {}", self.name, self.version)?;
        let commit = match (self.commit, self.dirty) {
            (Some(commit), Some(false)) => format!("{commit} (clean)"),
            (Some(commit), Some(true)) => {
                format!("{commit} (dirty: built with uncommitted changes)")
            }
            (Some(commit), None) => format!("{commit} (clean or dirty: unknown)"),
            (None, _) => "unknown (not built from a git checkout)".to_string(),
        };
        writeln!(out, "commit: {commit}")?;
        writeln!(
            out,
            "built:  {}",
            self.build_date.as_deref().unwrap_or("unknown")
        )?;
        writeln!(out, "target: {}", self.target)
    }
}

/// Answers `--version` / `-V` (clap has already recognised the flag): text,
/// or JSON when the command line also asks for `--output json`.
pub fn print_version(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let printer = Printer::new(requested_format(args), ColorChoice::Never, false, 0);
    match printer.data(&BuildInfo::current()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`graphmail --version | head -1`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the version: {e}");
            ExitCode::from(1)
        }
    }
}

/// The `--output` format on a command line that asked for the version.
///
/// NOTE: clap stops parsing at `--version` (it answers the flag at once), so
/// an `--output json` written after it never reaches the parsed arguments:
/// the raw arguments are read instead, the last `--output` winning as in
/// clap. A value clap would reject falls back to text.
fn requested_format(args: impl IntoIterator<Item = OsString>) -> Format {
    let mut format = Format::Table;
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.to_str() {
            Some("--") => break,
            Some("--output") => args.next(),
            Some(s) => s.strip_prefix("--output=").map(OsString::from),
            None => None,
        };
        if let Some(parsed) = value
            .as_ref()
            .and_then(|v| v.to_str())
            .and_then(|v| Format::from_str(v, false).ok())
        {
            format = parsed;
        }
    }
    format
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(line: &[&str]) -> Format {
        requested_format(line.iter().map(OsString::from))
    }

    #[test]
    fn output_json_is_found_before_or_after_the_version_flag() {
        assert_eq!(format_of(&["graphmail", "--version"]), Format::Table);
        assert_eq!(
            format_of(&["graphmail", "--version", "--output", "json"]),
            Format::Json
        );
        assert_eq!(
            format_of(&["graphmail", "--output=json", "-V"]),
            Format::Json
        );
        assert_eq!(
            format_of(&["graphmail", "--output", "json", "--output", "table", "-V"]),
            Format::Table
        );
        // Not an option any more after `--`, and not a format clap knows.
        assert_eq!(
            format_of(&["graphmail", "-V", "--", "--output", "json"]),
            Format::Table
        );
        assert_eq!(
            format_of(&["graphmail", "-V", "--output", "yaml"]),
            Format::Table
        );
    }

    #[test]
    fn unknown_parts_stay_unknown_instead_of_guessed() {
        let info = BuildInfo::from_raw("", "", "", "");
        assert_eq!(info.commit, None);
        assert_eq!(info.dirty, None);
        assert_eq!(info.build_date, None);
        assert_eq!(info.target, "unknown");
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["commit"], serde_json::Value::Null);
        assert_eq!(json["build_date"], serde_json::Value::Null);

        let mut text = Vec::new();
        let ctx = TextContext {
            terminal: false,
            color: false,
            width: None,
        };
        info.render_text(&mut text, &ctx).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("commit: unknown"), "{text}");
        assert!(text.contains("built:  unknown"), "{text}");
    }

    #[test]
    fn the_build_date_is_the_utc_day_of_the_epoch() {
        // 2026-11-26T23:59:59Z and one second later.
        let info = BuildInfo::from_raw("abc", "true", "1795737599", "x");
        assert_eq!(info.build_date.as_deref(), Some("2026-11-26"));
        assert_eq!(info.dirty, Some(true));
        let info = BuildInfo::from_raw("abc", "false", "1795737600", "x");
        assert_eq!(info.build_date.as_deref(), Some("2026-11-27"));
    }
}

//! `graphmail history [integration | connector NAME | route NAME]`: every
//! recorded connection test, newest first, with its steps, codes,
//! request-ids and trace IDs, read from the evidence store's
//! `history.jsonl` (docs/state-dir.md). Read-only: no lock is taken, as the
//! store appends whole lines and compacts by atomic replace.

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::cli::{HistoryArgs, HistoryItem};
use crate::diagnose::facts;
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::state::State;
use crate::state::evidence::{self, HistoryEntry};
use crate::state::store;

use super::Context;
use super::views::show;

/// The JSON shape's version (docs/json.md `history`).
pub const SCHEMA_VERSION: u32 = 1;

/// Which runs to show.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// `(kind, name)`; `None` for every item.
    pub item: Option<(String, String)>,
    /// Only runs at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many runs, the newest.
    pub limit: Option<usize>,
}

/// One step of a recorded run, every key present (`null` when absent).
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub check: String,
    pub status: String,
    pub detail: String,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
    pub carried_from: Option<String>,
}

/// One recorded run.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub at: String,
    pub kind: String,
    pub name: String,
    pub verdict: String,
    pub fingerprint: String,
    pub steps: Vec<StepView>,
}

impl From<HistoryEntry> for RunView {
    fn from(e: HistoryEntry) -> Self {
        RunView {
            at: e.at,
            kind: e.kind,
            name: e.name,
            verdict: e.verdict.as_str().to_string(),
            fingerprint: e.fingerprint,
            steps: e
                .steps
                .into_iter()
                .map(|s| StepView {
                    check: s.check,
                    status: s.status,
                    detail: s.detail,
                    code: s.code,
                    request_id: s.request_id,
                    trace_id: s.trace_id,
                    carried_from: s.carried_from,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub kind: String,
    pub name: Option<String>,
}

/// What `history` prints (docs/json.md `history`).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    pub schema_version: u32,
    pub state_file: String,
    /// The item asked for; `null` for every item.
    pub item: Option<ItemView>,
    pub since: Option<String>,
    /// Runs kept per item by the store's compaction.
    pub keep_per_item: usize,
    pub runs: Vec<RunView>,
}

/// Parses `--since`: a duration back from `now` or a date (midnight UTC) or
/// an RFC 3339 time.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let bad = || {
        CliError::usage(format!(
            "--since {text:?} is neither a duration nor a date"
        ))
        .hint("give a duration back from now (30m, 12h, 7d) or a date (2026-11-30 or 2026-11-30T09:00:00Z)")
    };
    if let Some(back) = facts::parse_duration(text) {
        let back = chrono::Duration::from_std(back).map_err(|_| bad())?;
        return now.checked_sub_signed(back).ok_or_else(bad);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc());
    }
    Err(bad())
}

/// The runs `query` selects from the store beside `state_path`, newest first.
pub fn collect(state_path: &std::path::Path, query: &HistoryQuery) -> Vec<RunView> {
    let real = store::canonical_path(state_path).unwrap_or_else(|_| state_path.to_path_buf());
    let dir = store::data_dir_path(&real);
    let item = query.item.as_ref().map(|(k, n)| (k.as_str(), n.as_str()));
    let mut runs: Vec<RunView> =
        evidence::read_history_newest_first(&dir, item, evidence::history_per_item())
            .into_iter()
            .filter(
                |e| match (&query.since, DateTime::parse_from_rfc3339(&e.at)) {
                    (None, _) => true,
                    (Some(since), Ok(at)) => at.with_timezone(&Utc) >= *since,
                    // An unreadable time is shown rather than silently lost.
                    (Some(_), Err(_)) => true,
                },
            )
            .map(RunView::from)
            .collect();
    if let Some(limit) = query.limit {
        runs.truncate(limit);
    }
    runs
}

/// Checks that the item exists: a removed item has no history either.
fn check_item(state: &State, item: &HistoryItem) -> Result<(String, String)> {
    match item {
        HistoryItem::Integration => {
            if state.integration.is_none() {
                return Err(
                    CliError::usage("there is no integration: nothing was tested")
                        .hint("set one up with `graphmail integration set`"),
                );
            }
            Ok(("integration".into(), String::new()))
        }
        HistoryItem::Connector { name } => {
            if state.connector(name).is_none() {
                return Err(CliError::usage(format!("no connector named {name:?}"))
                    .hint("list them with `graphmail connector list`"));
            }
            Ok(("connector".into(), name.clone()))
        }
        HistoryItem::Route { name } => {
            if state.route(name).is_none() {
                return Err(CliError::usage(format!("no route named {name:?}"))
                    .hint("list them with `graphmail route list`"));
            }
            Ok(("route".into(), name.clone()))
        }
    }
}

pub fn run(ctx: &Context, args: &HistoryArgs) -> Result<()> {
    let now = Utc::now();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, now))
        .transpose()?;
    let state = ctx.store.load()?.state;
    let item = args
        .item
        .as_ref()
        .map(|i| check_item(&state, i))
        .transpose()?;
    let query = HistoryQuery {
        item: item.clone(),
        since,
        limit: args.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let view = HistoryView {
        schema_version: SCHEMA_VERSION,
        state_file: ctx.store.path().display().to_string(),
        item: item.map(|(kind, name)| ItemView {
            name: (kind != "integration").then_some(name),
            kind,
        }),
        since: since.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        keep_per_item: evidence::history_per_item(),
        runs: collect(ctx.store.path(), &query),
    };
    show(&ctx.printer, &view)
}

/// The text form: one block per run, newest first.
pub fn write_runs(out: &mut dyn Write, ctx: &TextContext, runs: &[RunView]) -> io::Result<()> {
    if runs.is_empty() {
        return writeln!(out, "No recorded runs.");
    }
    for run in runs {
        let item = if run.kind == "integration" {
            "integration".to_string()
        } else {
            format!("{} {}", run.kind, run.name)
        };
        let verdict = match run.verdict.as_str() {
            "passed" => ctx.paint("passed", Paint::Green),
            "failed" => ctx.paint("failed", Paint::Red),
            other => ctx.paint(other, Paint::Yellow),
        };
        writeln!(out, "{}  {item}  {verdict}", run.at)?;
        for step in &run.steps {
            let mut line = format!("  {:<12} {:<8} {}", step.check, step.status, step.detail);
            if let Some(at) = &step.carried_from {
                line.push_str(&format!(" (carried from {at})"));
            }
            writeln!(out, "{line}")?;
            if let Some(code) = &step.code {
                writeln!(out, "               code: {code}")?;
            }
            if let Some(id) = &step.request_id {
                writeln!(out, "               request-id: {id}")?;
            }
            if let Some(id) = &step.trace_id {
                writeln!(out, "               trace id: {id}")?;
            }
        }
    }
    Ok(())
}

impl Render for HistoryView {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        write_runs(out, ctx, &self.runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_dates_and_times() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        assert_eq!(at(parse_since("2h", now).unwrap()), "2026-11-30T10:00:00Z");
        assert_eq!(at(parse_since("7d", now).unwrap()), "2026-11-23T12:00:00Z");
        assert_eq!(
            at(parse_since("2026-11-29", now).unwrap()),
            "2026-11-29T00:00:00Z"
        );
        assert_eq!(
            at(parse_since("2026-11-29T08:30:00+01:00", now).unwrap()),
            "2026-11-29T07:30:00Z"
        );
        let err = parse_since("yesterday", now).unwrap_err();
        assert_eq!(err.kind.exit_code(), 2);
        assert!(err.message.contains("--since"), "{}", err.message);
    }
}

//! `graphmail test-connection [integration | connector NAME | route NAME | --all]`
//! and the rendering of connection reports, shared with the commands that
//! re-test live items.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;

use crate::cli::{TestConnectionArgs, TestTarget};
use crate::diagnose::facts;
use crate::diagnose::{ConnectionReport, StepStatus, TargetKind, TargetRef, TestOptions, Verdict};
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::state::validate;

use super::tester::{self, FreshSecrets};
use super::views::show_rendered;
use super::{Context, progress};

/// One report, rendered as SPEC §3's object or as a step list.
pub struct ReportView<'a>(pub &'a ConnectionReport);

impl Serialize for ReportView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

fn status_mark(ctx: &TextContext, status: StepStatus) -> String {
    match status {
        StepStatus::Passed => ctx.paint("✓ passed ", Paint::Green),
        StepStatus::Warning => ctx.paint("! warning", Paint::Yellow),
        StepStatus::Failed => ctx.paint("✗ failed ", Paint::Red),
        StepStatus::Skipped => ctx.paint("- skipped", Paint::Dim),
    }
}

fn kind_label(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Integration => "integration",
        TargetKind::Connector => "connector",
        TargetKind::Route => "route",
    }
}

pub fn write_report(
    out: &mut dyn Write,
    ctx: &TextContext,
    report: &ConnectionReport,
) -> io::Result<()> {
    let target = match report.target.kind {
        TargetKind::Integration => "integration".to_string(),
        kind => format!("{} {}", kind_label(kind), report.target.name),
    };
    let verdict = match report.verdict {
        Verdict::Passed => ctx.paint("PASSED", Paint::Green),
        Verdict::Failed => ctx.paint("FAILED", Paint::Red),
        Verdict::Unverified => ctx.paint("UNVERIFIED", Paint::Yellow),
    };
    let now = chrono::Utc::now();
    writeln!(
        out,
        "{} {target}: {verdict}",
        ctx.paint("Connection test of", Paint::Bold)
    )?;
    for step in &report.steps {
        let mut when = format!("{} ms", step.ms);
        // "throttled twice, waited 6 s": why a step took long (an
        // inconclusive step's detail says it already).
        if let Some(waits) = step.waits().filter(|_| !step.inconclusive) {
            when.push_str(&format!(", {waits}"));
        }
        if let Some(at) = &step.carried_from {
            when = format!("carried from {}, {at}", facts::age(at, now));
        }
        writeln!(
            out,
            "  {}  {:<12} {} ({when})",
            status_mark(ctx, step.status),
            step.check.as_str(),
            step.detail,
        )?;
        if let Some(code) = &step.code {
            writeln!(out, "               code: {code}")?;
        }
        if let Some(id) = &step.request_id {
            writeln!(out, "               request-id: {id}")?;
        }
        if let Some(id) = &step.trace_id {
            writeln!(out, "               trace id: {id}")?;
        }
        if let Some(hint) = &step.hint {
            writeln!(out, "               hint: {hint}")?;
        }
    }
    if report.verdict == Verdict::Unverified
        && let Some(needs) = &report.needs
    {
        writeln!(out, "  not verified; what would establish it: {needs}")?;
    }
    if !report.recorded {
        writeln!(out, "  (not recorded)")?;
    }
    Ok(())
}

impl Render for ReportView<'_> {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        write_report(out, ctx, self.0)
    }
}

/// Several reports: a JSON array, or each report followed by a summary table.
pub struct ReportsView<'a>(pub Vec<&'a ConnectionReport>);

impl Serialize for ReportsView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(&self.0)
    }
}

impl Render for ReportsView<'_> {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        for &report in &self.0 {
            write_report(out, ctx, report)?;
            writeln!(out)?;
        }
        let mut table =
            crate::output::Table::new(["target", "name", "result", "failed step", "code"]);
        for &r in &self.0 {
            let failed = r.steps.iter().find(|s| s.status == StepStatus::Failed);
            let warned = r.steps.iter().any(|s| s.status == StepStatus::Warning);
            let result = match (r.verdict, warned) {
                (Verdict::Failed, _) => ctx.paint("failed", Paint::Red),
                (Verdict::Unverified, _) => ctx.paint("unverified", Paint::Yellow),
                (Verdict::Passed, true) => ctx.paint("passed (warnings)", Paint::Yellow),
                (Verdict::Passed, false) => ctx.paint("passed", Paint::Green),
            };
            table.row([
                kind_label(r.target.kind).to_string(),
                r.target.name.clone(),
                result,
                failed
                    .map(|s| s.check.to_string())
                    .or_else(|| {
                        // Unverified: the first fact nothing established.
                        r.needs
                            .as_deref()
                            .and_then(|n| n.split(": ").next())
                            .map(|fact| format!("{fact} (unverified)"))
                    })
                    .unwrap_or_else(|| "-".into()),
                failed
                    .and_then(|s| s.code.clone())
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        let passed = self.0.iter().filter(|r| r.passed).count();
        writeln!(
            out,
            "{} {passed} of {} passed",
            ctx.paint("Summary:", Paint::Bold),
            self.0.len()
        )?;
        table.write(out, ctx.terminal, ctx.width)
    }
}

/// The output of a run: every report (`--all`), or the one asked for.
fn render(
    printer: &crate::output::Printer,
    results: &[(ConnectionReport, String)],
    all: bool,
) -> io::Result<Vec<u8>> {
    if all {
        printer.render(&ReportsView(results.iter().map(|(r, _)| r).collect()))
    } else {
        printer.render(&ReportView(&results[0].0))
    }
}

/// `--max-age DURATION`, checked.
pub fn max_age(text: Option<&str>) -> Result<Option<Duration>> {
    text.map(|t| {
        facts::parse_duration(t).ok_or_else(|| {
            CliError::usage(format!("--max-age {t:?}: not a duration"))
                .hint("give a number and a unit: 90s, 30m, 12h or 7d")
        })
    })
    .transpose()
}

/// Test options from the command line.
pub fn options(
    send_test_to: Option<String>,
    probe_delivery: bool,
    timeout: Option<u64>,
) -> Result<TestOptions> {
    let send_test_to = send_test_to
        .map(|a| validate::email("--send-test-to", &a))
        .transpose()?;
    let target_timeout = timeout
        .map(Duration::from_secs)
        .unwrap_or(tester::DEFAULT_TARGET_TIMEOUT);
    let mut options = TestOptions {
        send_test_to,
        probe_delivery,
        target_timeout,
        ..TestOptions::default()
    };
    // The integration's own steps (discovery, token) run before any
    // target's clock starts: `--timeout` bounds their retries too.
    options.retry.budget = target_timeout;
    Ok(options)
}

/// Unverified targets whose needs the closing error repeats as hints; the
/// others are counted in one more.
const NEEDS_SHOWN: usize = 3;

pub async fn run(ctx: &Context, args: TestConnectionArgs) -> Result<()> {
    if args.all && args.target.is_some() {
        return Err(
            CliError::usage("--all tests everything; leave out the target")
                .hint("e.g. `graphmail test-connection --all`"),
        );
    }
    let mut options = options(args.send_test_to, args.probe_delivery, args.timeout)?;
    options.no_send = args.no_send;
    // Named on the command line: a failed probe is probed again, so a fix
    // can be proven. `--all` sends nothing where evidence exists.
    options.reprobe_refuted = !args.all;
    options.carried = std::sync::Arc::new(facts::Carried {
        max_age: max_age(args.max_age.as_deref())?,
        ..Default::default()
    });
    // Kept with its bytes: recording the run under the lock reuses its
    // parse when nothing was written in between.
    let seen = ctx.store.load_seen()?;
    let snapshot = &seen.loaded.state;
    // A hand-edited address or folder would become a Graph URL path: refuse
    // it before any request (exit 2), as `mail peek` and `mail send` do.
    super::preflight::check(snapshot)?;
    // Invariant 3: hand-edited `enabled = true` without a valid pass is
    // reported here too, before the tests that may make it valid.
    for problem in crate::state::trust::Assessment::new(snapshot).problems() {
        ctx.printer.warn(problem);
    }
    if snapshot.integration.is_none() {
        return Err(CliError::usage("there is no integration to test")
            .hint("run `graphmail integration set` first"));
    }
    let targets: Vec<TargetRef> = if args.all {
        let mut t = vec![TargetRef::integration()];
        t.extend(
            snapshot
                .connectors
                .iter()
                .map(|c| TargetRef::connector(&c.name)),
        );
        t.extend(snapshot.routes.iter().map(|r| TargetRef::route(&r.name)));
        t
    } else {
        match args.target.unwrap_or(TestTarget::Integration) {
            TestTarget::Integration => vec![TargetRef::integration()],
            TestTarget::Connector { name } => {
                if snapshot.connector(&name).is_none() {
                    return Err(CliError::usage(format!("no connector named '{name}'"))
                        .hint("see `graphmail connector list`"));
                }
                vec![TargetRef::connector(&name)]
            }
            TestTarget::Route { name } => {
                if snapshot.route(&name).is_none() {
                    return Err(CliError::usage(format!("no route named '{name}'"))
                        .hint("see `graphmail route list`"));
                }
                vec![TargetRef::route(&name)]
            }
        }
    };
    let bar = progress::Bar::new(&ctx.printer, targets.len(), args.all);
    let run = tester::run_tests(
        ctx,
        snapshot,
        &targets,
        &options,
        &FreshSecrets::default(),
        &bar,
    )
    .await?;
    bar.finish();
    let overridden_by = run.overridden_by;
    let facts_read = run.facts_read;
    let mut results = run.results;
    let mut pre_rendered = None;
    if let Some(var) = overridden_by {
        ctx.printer.warn(format!(
            "{var} replaced the recorded credential source for this run: the result proves the override, not the recorded source, and is not recorded"
        ));
    } else if args.no_record {
        ctx.printer
            .note("--no-record: the result is not recorded; the state file and its directory are untouched");
    } else {
        // Once recorded in the state, the reports are final, before the
        // records reach the disk: they are rendered on a thread of their
        // own while the evidence, history and verdicts are written and
        // fsynced, and printed once the write has succeeded. The thread is
        // one the run started while its token was away (`threads::warm`),
        // at a priority that leaves the cores to the writers, and the
        // reports are lent to it and taken back.
        let printer = ctx.printer.clone();
        let all = args.all;
        let started = std::time::Instant::now();
        let mut rendering = None;
        let changed = ctx.store.update_seen(&seen, |state, journal| {
            if let Some(read) = facts_read {
                journal.reuse_facts(read);
            }
            let changed = tester::record_run(state, journal, snapshot, &mut results);
            let lent = std::sync::Arc::new(std::mem::take(&mut results));
            let theirs = lent.clone();
            let task = crate::threads::run_yielding(move || render(&printer, &theirs, all));
            rendering = Some((lent, task));
            Ok::<_, CliError>(changed)
        });
        let rendered = rendering.map(|(lent, task)| {
            let rendered = task.join();
            // The job is over and its copy of the reports dropped with it.
            results = std::sync::Arc::try_unwrap(lent).unwrap_or_else(|lent| (*lent).clone());
            rendered
        });
        // `-v`: the last part of the run's time, after the last answer
        // (issue 17): the lock, the evidence, history and verdicts written
        // and fsynced, the state file if it changed.
        if let Ok(changed) = &changed {
            tracing::info!(
                "records: {} of {} result(s) written in {} ms, under the lock",
                results.len() - changed.len(),
                results.len(),
                started.elapsed().as_millis()
            );
        }
        for target in changed? {
            ctx.printer.warn(format!(
                "{} changed while it was being tested: its result was not recorded",
                tester::target_label(&target)
            ));
        }
        pre_rendered = rendered;
    }
    let rendered = pre_rendered.unwrap_or_else(|| render(&ctx.printer, &results, args.all));
    show_rendered(&ctx.printer, rendered)?;
    let reports: Vec<ConnectionReport> = results.into_iter().map(|(r, _)| r).collect();
    let failed = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .count();
    let unverified = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Unverified)
        .count();
    if failed + unverified > 0 {
        let mut err = CliError::test_failed(format!(
            "{} of {} connection tests did not pass ({failed} failed, {unverified} unverified)",
            failed + unverified,
            reports.len()
        ));
        // What the first unverified targets need (the integration first,
        // which every other target's token rests on); past a handful, a
        // count: `--all` with Entra ID out of reach printed 201 hints.
        let needs: Vec<_> = reports
            .iter()
            .filter(|r| r.verdict == Verdict::Unverified)
            .filter_map(|r| Some((&r.target, r.needs.as_ref()?)))
            .collect();
        let shown = if needs.len() > NEEDS_SHOWN + 1 {
            NEEDS_SHOWN
        } else {
            needs.len()
        };
        for (target, needs) in &needs[..shown] {
            err = err.hint(format!("{}: {needs}", tester::target_label(target)));
        }
        if needs.len() > shown {
            err = err.hint(format!(
                "and {} more unverified: each one's report says what it needs",
                needs.len() - shown
            ));
        }
        // One target: the service's IDs of the step that failed, as fields.
        if let [report] = reports.as_slice()
            && let Some(step) = report.steps.iter().find(|s| {
                s.status == crate::diagnose::StepStatus::Failed && s.carried_from.is_none()
            })
        {
            err = err.step(
                step.code.as_deref(),
                step.request_id.as_deref(),
                step.trace_id.as_deref(),
            );
        }
        return Err(err);
    }
    if !args.all && !ctx.printer.json() && reports[0].recorded {
        ctx.printer
            .note("The result is recorded: `graphmail enable ...` can now use it.");
    }
    Ok(())
}

//! `graphmail apply [-f FILE] [--prune] [--yes] [--disable-failing] [--max-age D]`:
//! converges the state to a desired-state file, through the enable gate.
//!
//! The sequence, and why:
//! 1. Plan on a snapshot (no lock). Nothing to do: say so and stop; no
//!    network, no write.
//! 2. Ask before removing live items (`--prune`), before anything happens.
//! 3. First locked write (only when tests are needed): creates (disabled),
//!    updates of items that are not live, removals, disables. Changes to
//!    live items and to the integration wait for their tests (SPEC §1
//!    invariants 1 and 5). Interrupted after this write, the state is
//!    consistent, and the next apply finds the new items untested and
//!    finishes the job.
//! 4. The tests, with no lock held (invariant 6): only what lacks a passing,
//!    current record, concurrently with one token per probe destination.
//! 5. Second locked write, on the reloaded state: the file's settings again
//!    (live items whose change failed keep their old settings unless
//!    `--disable-failing`), the results where their fingerprints still
//!    match, then each enable through the gate.
//!
//! Two writes at most, whatever the number of items (SPEC §8).

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::time::Instant;

use secrecy::SecretString;
use serde::Serialize;

use crate::cli::ApplyArgs;
use crate::desired::plan::{self as planner, Action, ActionKind, ItemKind, ItemName, Skip};
use crate::desired::{DesiredCredential, DesiredSource};
use crate::diagnose::facts::Carried;
use crate::diagnose::{ConnectionReport, StepStatus, TargetKind, TargetRef};
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::secrets::{SecretKey, SecretKind};
use crate::state::{Credential, State, ops};

use super::plan::{self as plan_cmd, Prepared, SCHEMA_VERSION, action_detail, target_label};
use super::test_connection::write_report;
use super::tester;
use super::views::show;
use super::{Context, progress};

/// An action that did not happen, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotApplied {
    pub action: ActionKind,
    pub kind: ItemKind,
    pub name: String,
    pub reason: String,
}

/// What `apply` did.
#[derive(Serialize)]
pub struct ApplyView {
    pub schema_version: u32,
    pub file: String,
    pub state: String,
    /// Whether the state file changed.
    pub changed: bool,
    /// Locked writes of the state file (at most 2).
    pub writes: usize,
    pub applied: Vec<Action>,
    pub not_applied: Vec<NotApplied>,
    /// The connection reports of the tests run (SPEC §3 shape).
    pub tests: Vec<ConnectionReport>,
}

impl Render for ApplyView {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        if self.applied.is_empty() && self.not_applied.is_empty() && self.tests.is_empty() {
            return writeln!(
                out,
                "No changes: the state already matches {}; nothing tested, nothing written.",
                self.file
            );
        }
        for report in self.tests.iter().filter(|r| !r.passed) {
            write_report(out, ctx, report)?;
            writeln!(out)?;
        }
        let mut table = crate::output::Table::new(["result", "action", "target", "detail"]);
        for action in &self.applied {
            let detail = if action.action == ActionKind::Test {
                self.tests
                    .iter()
                    .find(|r| same_target(&r.target, action.kind, &action.name))
                    .map(|r| {
                        if r.passed {
                            "passed".to_string()
                        } else {
                            failure_line(r)
                        }
                    })
                    .unwrap_or_default()
            } else if action.action == ActionKind::Enable {
                "live".to_string()
            } else {
                action_detail(action)
            };
            table.row([
                ctx.paint("done", Paint::Green),
                action.action.as_str().to_string(),
                target_label(action.kind, &action.name),
                detail,
            ]);
        }
        for skipped in &self.not_applied {
            table.row([
                ctx.paint("not done", Paint::Red),
                skipped.action.as_str().to_string(),
                target_label(skipped.kind, &skipped.name),
                skipped.reason.clone(),
            ]);
        }
        table.write(out, ctx.terminal, ctx.width)?;
        let passed = self.tests.iter().filter(|r| r.passed).count();
        writeln!(
            out,
            "{} {} applied, {} not; {passed} of {} tests passed; {} write(s) of {}",
            ctx.paint("Summary:", Paint::Bold),
            self.applied.len(),
            self.not_applied.len(),
            self.tests.len(),
            self.writes,
            self.state
        )
    }
}

fn same_target(target: &TargetRef, kind: ItemKind, name: &str) -> bool {
    match (target.kind, kind) {
        (TargetKind::Integration, ItemKind::Integration) => true,
        (TargetKind::Connector, ItemKind::Connector) | (TargetKind::Route, ItemKind::Route) => {
            target.name == name
        }
        _ => false,
    }
}

/// `failed at folder: ... (ErrorItemNotFound)`: the diagnosis in one line.
fn failure_line(report: &ConnectionReport) -> String {
    match report.steps.iter().find(|s| s.status == StepStatus::Failed) {
        Some(step) => {
            let mut line = format!("failed at {}: {}", step.check, step.detail);
            if let Some(code) = &step.code {
                line.push_str(&format!(" ({code})"));
            }
            line
        }
        None => match &report.needs {
            Some(needs) => format!("unverified: {needs}"),
            None => format!("did not pass ({})", report.verdict.as_str()),
        },
    }
}

fn item_kind(kind: TargetKind) -> ItemKind {
    match kind {
        TargetKind::Integration => ItemKind::Integration,
        TargetKind::Connector => ItemKind::Connector,
        TargetKind::Route => ItemKind::Route,
    }
}

/// The secret a keyring source needs for this run: present, asked for on a
/// terminal, or an error naming the fix (exit 2).
fn keyring_secret(ctx: &Context, prepared: &Prepared) -> Result<Option<SecretString>> {
    let Some(want) = &prepared.desired.integration else {
        return Ok(None);
    };
    let DesiredCredential::Secret(DesiredSource::Keyring) = &want.credential else {
        return Ok(None);
    };
    let key = SecretKey::new(&prepared.snapshot.instance_id, SecretKind::ClientSecret);
    if ctx.secrets.get(&key)?.is_some() {
        return Ok(None);
    }
    if let Some(value) = ctx
        .prompter
        .password("Client secret for this state file's keyring entry (value, not the secret ID)")?
    {
        return Ok(Some(value));
    }
    Err(CliError::usage(format!(
        "{}:{}: the client secret comes from the keyring, and this machine's keyring has none for {}",
        prepared.desired.origin,
        want.line,
        ctx.store.path().display()
    ))
    .hint("run `graphmail apply` once on a terminal to be asked for it, or store it with `printf %s \"$SECRET\" | graphmail integration set --client-secret-stdin`")
    .hint("in CI, name an environment variable instead: secret = { env = \"GRAPH_SECRET\" }"))
}

/// A run under `GRAPHMAIL_CLIENT_SECRET` / `GRAPHMAIL_CERTIFICATE_PASSWORD`
/// proves the override, not the source the file names: nothing would be
/// recorded, so nothing could be enabled (SPEC §3). Refused up front.
fn refuse_override(prepared: &Prepared) -> Result<()> {
    let Some(integration) = prepared
        .integration
        .as_ref()
        .or(prepared.snapshot.integration.as_ref())
    else {
        return Ok(());
    };
    if let Some(var) = tester::credential_override(integration, &prepared.fresh) {
        return Err(CliError::usage(format!(
            "{var} overrides the credential source the file names: a test under it proves the override, not the source, records nothing, and so nothing could be enabled"
        ))
        .hint(format!("unset {var}; name the variable your pipeline sets in the file instead, e.g. secret = {{ env = \"GRAPH_SECRET\" }}")));
    }
    Ok(())
}

/// Runs the tests, one run per probe destination (usually one run: one
/// token, all targets concurrent).
async fn run_tests(
    ctx: &Context,
    prepared: &Prepared,
    proposed: &State,
    targets: &[TargetRef],
    timeout: Option<u64>,
    max_age: Option<std::time::Duration>,
) -> Result<Vec<(ConnectionReport, String)>> {
    let mut groups: BTreeMap<Option<String>, Vec<TargetRef>> = BTreeMap::new();
    for target in targets {
        let to = match target.kind {
            TargetKind::Integration => None,
            TargetKind::Connector => prepared
                .desired
                .connector(&target.name)
                .and_then(|c| c.send_test_to.clone()),
            TargetKind::Route => prepared
                .desired
                .route(&target.name)
                .and_then(|r| r.send_test_to.clone()),
        };
        groups.entry(to).or_default().push(target.clone());
    }
    let bar = progress::Bar::new(&ctx.printer, targets.len(), true);
    let mut results = Vec::new();
    for (to, group) in groups {
        let mut options = super::test_connection::options(to, false, timeout)?;
        // As `--all`: carried evidence is reused and nothing is probed
        // again where it suffices (SPEC §3).
        options.reprobe_refuted = false;
        options.carried = std::sync::Arc::new(Carried {
            max_age,
            ..Default::default()
        });
        let run = tester::run_tests(ctx, proposed, &group, &options, &prepared.fresh, &bar).await?;
        results.extend(run.results);
    }
    bar.finish();
    Ok(results)
}

fn prepared_wants_enabled(prepared: &Prepared, kind: ItemKind, name: &str) -> bool {
    match kind {
        ItemKind::Connector => prepared
            .desired
            .connector(name)
            .is_some_and(|c| c.item.enabled),
        ItemKind::Route => prepared.desired.route(name).is_some_and(|r| r.item.enabled),
        ItemKind::Integration => false,
    }
}

pub async fn run(ctx: &Context, args: ApplyArgs) -> Result<()> {
    let max_age = super::test_connection::max_age(args.max_age.as_deref())?;
    let started = Instant::now();
    let mut prepared = plan_cmd::prepare(ctx, &args.file)?;
    let plan = plan_cmd::compute(&prepared, args.prune, max_age)?;
    tracing::info!(
        "planned {} action(s) in {} ms",
        plan.actions.len(),
        started.elapsed().as_millis()
    );
    let state_label = ctx.store.path().display().to_string();
    let origin = prepared.desired.origin.clone();
    if plan.is_empty() && prepared.import.is_none() {
        return show(
            &ctx.printer,
            &ApplyView {
                schema_version: SCHEMA_VERSION,
                file: origin,
                state: state_label,
                changed: false,
                writes: 0,
                applied: Vec::new(),
                not_applied: Vec::new(),
                tests: Vec::new(),
            },
        );
    }

    let live_removals: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.action == ActionKind::Remove && a.live)
        .map(|a| target_label(a.kind, &a.name))
        .collect();
    if !live_removals.is_empty() {
        ctx.prompter.confirm(
            &format!("Remove live {} (--prune)?", live_removals.join(", ")),
            ctx.yes,
        )?;
    }

    let targets = plan_cmd::test_targets(&plan);
    let mut secret_to_store = None;
    if !targets.is_empty()
        && prepared.integration.is_none()
        && prepared.snapshot.integration.is_none()
    {
        return Err(CliError::usage(format!(
            "{} enables connectors or routes, but there is no integration to test them with",
            prepared.desired.origin
        ))
        .hint("add an [integration] table to the file (see docs/desired-state.md), or run `graphmail integration set` first"));
    }
    if !targets.is_empty() {
        refuse_override(&prepared)?;
        secret_to_store = keyring_secret(ctx, &prepared)?;
        if let Some(value) = &secret_to_store {
            prepared.fresh.client_secret = Some(value.clone());
        }
    }

    let integration_changes = plan.actions.iter().any(|a| {
        a.kind == ItemKind::Integration
            && matches!(a.action, ActionKind::Create | ActionKind::Update)
    });
    let live_changed: Vec<ops::LiveTarget> =
        ops::live_items_changed(&prepared.snapshot, &plan.target);
    let mut wait_for_tests = Skip {
        integration: integration_changes,
        ..Skip::default()
    };
    for live in &live_changed {
        match live {
            ops::LiveTarget::Connector(n) => {
                wait_for_tests.connectors.insert(n.clone());
            }
            ops::LiveTarget::Route(n) => {
                wait_for_tests.routes.insert(n.clone());
            }
            ops::LiveTarget::Integration => {}
        }
    }
    // A new state file takes the instance ID the snapshot was read with,
    // which keys the keyring entry and the imported certificate.
    let adopt_id = (!prepared.exists).then_some(prepared.snapshot.instance_id);
    let adopt = |state: &mut State| {
        if let Some(id) = &adopt_id
            && state.integration.is_none()
            && state.connectors.is_empty()
            && state.routes.is_empty()
        {
            state.instance_id = *id;
        }
    };

    let desired = &prepared.desired;
    let integration = prepared.integration.as_ref();
    let mut writes = 0;
    let mut results = Vec::new();
    if !targets.is_empty() {
        // The first write (the settings, with what the tests gate left
        // disabled) ends before the tests begin: no request is in flight
        // while the state file's lock is held (issue 14), even though the
        // tests run on the plan's snapshot and need nothing from the file.
        let started = Instant::now();
        let wrote = ctx.store.update(|state| {
            let before = state.clone();
            adopt(state);
            planner::converge(state, desired, integration, &wait_for_tests, args.prune)?;
            planner::disable_all(state, desired)?;
            Ok::<_, CliError>(*state != before)
        })?;
        writes += usize::from(wrote);
        tracing::info!("first write in {} ms", started.elapsed().as_millis());
        let started = Instant::now();
        results = run_tests(
            ctx,
            &prepared,
            &plan.target,
            &targets,
            args.timeout,
            max_age,
        )
        .await?;
        tracing::info!(
            "tested {} target(s) in {} ms",
            targets.len(),
            started.elapsed().as_millis()
        );
    }

    // Which changes their tests refused.
    let failed: HashSet<(ItemKind, String)> = results
        .iter()
        .filter(|(r, _)| !r.passed)
        .map(|(r, _)| (item_kind(r.target.kind), r.target.name.clone()))
        .collect();
    let integration_failed = failed.iter().any(|(k, _)| *k == ItemKind::Integration);
    let mut keep_old = Skip {
        integration: integration_changes && integration_failed,
        ..Skip::default()
    };
    for live in &live_changed {
        let (kind, name, set) = match live {
            ops::LiveTarget::Connector(n) => (ItemKind::Connector, n, &mut keep_old.connectors),
            ops::LiveTarget::Route(n) => (ItemKind::Route, n, &mut keep_old.routes),
            ops::LiveTarget::Integration => continue,
        };
        if failed.contains(&(kind, name.clone())) && (!args.disable_failing || keep_old.integration)
        {
            set.insert(name.clone());
        }
    }
    let disable_failed: Vec<(ItemKind, String)> = if args.disable_failing && !keep_old.integration {
        failed
            .iter()
            .filter(|(k, _)| *k != ItemKind::Integration)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };

    let import = prepared.import.take();
    let started = Instant::now();
    let (changed, enabled, refused) = ctx.store.update_with(|state, journal| {
        let before = state.clone();
        adopt(state);
        planner::converge(state, desired, integration, &keep_old, args.prune)?;
        if !keep_old.integration {
            // Local writes only: the certificate copy and the keyring entry
            // the integration now names (never the network under the lock).
            if let (Some(bytes), Some(Credential::Certificate { file, .. })) =
                (&import, state.integration.as_ref().map(|i| &i.credential))
            {
                super::integration::write_private(std::path::Path::new(file), bytes)?;
            }
            if let Some(value) = &secret_to_store {
                ctx.secrets.set(
                    &SecretKey::new(&state.instance_id, SecretKind::ClientSecret),
                    value,
                )?;
            }
        }
        tester::record_run(state, journal, &plan.target, &mut results);
        for (kind, name) in &disable_failed {
            match kind {
                ItemKind::Connector if state.connector(name).is_some_and(|c| c.enabled) => {
                    ops::disable_connector(state, name)?;
                }
                ItemKind::Route if state.route(name).is_some_and(|r| r.enabled) => {
                    ops::disable_route(state, name)?;
                }
                _ => {}
            }
        }
        planner::disable_all(state, desired)?;
        let (enabled, refused) = planner::enable_all(state, desired);
        Ok::<_, CliError>((*state != before, enabled, refused))
    })?;
    writes += usize::from(changed);
    tracing::info!("second write in {} ms", started.elapsed().as_millis());

    // What happened, action by action.
    let mut applied = Vec::new();
    let mut not_applied = Vec::new();
    let enabled: HashSet<ItemName> = enabled.into_iter().collect();
    let refused: BTreeMap<(ItemKind, String), String> = refused
        .into_iter()
        .map(|(i, why)| ((i.kind, i.name), why))
        .collect();
    for action in plan.actions {
        let key = (action.kind, action.name.clone());
        let kept = match action.kind {
            ItemKind::Integration => keep_old.integration,
            ItemKind::Connector => keep_old.connectors.contains(&action.name),
            ItemKind::Route => keep_old.routes.contains(&action.name),
        };
        let outcome = match action.action {
            ActionKind::Create | ActionKind::Update if kept => Err(
                "its test failed: it keeps its old settings (--disable-failing saves the change and disables it)"
                    .to_string(),
            ),
            ActionKind::Enable if !enabled.contains(&ItemName { kind: action.kind, name: action.name.clone() }) => {
                Err(match refused.get(&key) {
                    Some(why) => format!("stays disabled: {why}"),
                    None => "stays disabled".into(),
                })
            }
            _ => Ok(()),
        };
        match outcome {
            Ok(()) => applied.push(action),
            Err(reason) => not_applied.push(NotApplied {
                action: action.action,
                kind: action.kind,
                name: action.name,
                reason,
            }),
        }
    }
    for (kind, name) in &disable_failed {
        if prepared_wants_enabled(&prepared, *kind, name) {
            not_applied.push(NotApplied {
                action: ActionKind::Enable,
                kind: *kind,
                name: name.clone(),
                reason: "disabled: its test failed (--disable-failing)".into(),
            });
        }
    }
    let reports: Vec<ConnectionReport> = results.into_iter().map(|(r, _)| r).collect();
    let view = ApplyView {
        schema_version: SCHEMA_VERSION,
        file: origin,
        state: state_label,
        changed: writes > 0,
        writes,
        applied,
        not_applied,
        tests: reports,
    };
    show(&ctx.printer, &view)?;
    let failing: Vec<String> = view
        .tests
        .iter()
        .filter(|r| !r.passed)
        .map(|r| match r.target.kind {
            TargetKind::Integration => "the integration".to_string(),
            kind => format!("{} '{}'", tester::kind_name(kind), r.target.name),
        })
        .collect();
    if !failing.is_empty() {
        let mut err = CliError::test_failed(format!(
            "{} of {} connection tests did not pass: {}",
            failing.len(),
            view.tests.len(),
            failing.join(", ")
        ));
        err = if keep_old.integration {
            err.hint("the integration's change was not saved, nor anything live that depends on it")
        } else {
            err.hint("what failed stays disabled (or keeps its old settings); fix the failing step and run apply again")
        };
        return Err(err);
    }
    Ok(())
}

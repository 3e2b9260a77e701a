//! The bridge between commands and the connection tests: resolves the
//! credential, runs the tests on a snapshot with no lock held, then locks,
//! reloads and records each result whose fingerprint still matches (SPEC §1
//! invariant 6). Used by `test-connection`, `integration set`, and `set` on
//! live items.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::auth::{self, ClientCredential};
use std::sync::Arc;

use crate::diagnose::facts::{self, Carried};
use crate::diagnose::{
    self, ConnectionReport, Progress, TargetKind, TargetRef, TestOptions, Verdict,
};
use crate::error::{CliError, Result};
use crate::secrets::{self, SecretKind};
use crate::state::evidence::{self, Evidence, HistoryEntry, HistoryStep, Journal};
use crate::state::{Credential, Integration, State, TestRecord, fingerprint, ops};

use super::Context;

/// Default time allowed per target (SPEC §4).
pub const DEFAULT_TARGET_TIMEOUT: Duration = Duration::from_secs(60);

/// A credential value supplied in this command (not yet stored), which
/// takes precedence over the recorded source.
#[derive(Default)]
pub struct FreshSecrets {
    pub client_secret: Option<SecretString>,
    pub certificate_password: Option<SecretString>,
    /// PFX bytes read from the user's file, before import.
    pub pfx: Option<Vec<u8>>,
}

/// A credential for a test, and the override variable that supplied it
/// instead of the recorded source, if one did.
pub struct ResolvedCredential {
    pub credential: ClientCredential,
    /// `GRAPHMAIL_CLIENT_SECRET` / `GRAPHMAIL_CERTIFICATE_PASSWORD` when it
    /// replaced the recorded source: such a run proves the override, not
    /// the source the state names, and records nothing (SPEC §3, §5).
    pub overridden_by: Option<&'static str>,
}

/// Which override variable replaces the recorded source of `integration`'s
/// credential in this run; `None` when a value given on the command line
/// (`fresh`) is used, as flags beat environment variables (SPEC §5).
pub fn credential_override(
    integration: &Integration,
    fresh: &FreshSecrets,
) -> Option<&'static str> {
    let (kind, source, flagged) = match &integration.credential {
        Credential::Secret { secret, .. } => (
            SecretKind::ClientSecret,
            secret,
            fresh.client_secret.is_some(),
        ),
        Credential::Certificate { password, .. } => (
            SecretKind::CertificatePassword,
            password,
            fresh.certificate_password.is_some(),
        ),
    };
    if flagged {
        return None;
    }
    match secrets::effective_source(kind, source) {
        secrets::EffectiveSource::Override(var) => Some(var),
        secrets::EffectiveSource::Recorded(_) => None,
    }
}

/// Builds the client credential for a test of `integration`.
pub fn resolve_credential(
    ctx: &Context,
    instance_id: &uuid::Uuid,
    integration: &Integration,
    fresh: &FreshSecrets,
) -> Result<ClientCredential> {
    match &integration.credential {
        Credential::Secret { secret, .. } => {
            let value = match &fresh.client_secret {
                Some(v) => SecretString::from(v.expose_secret().to_string()),
                None => secrets::resolve(
                    ctx.secrets.as_ref(),
                    instance_id,
                    SecretKind::ClientSecret,
                    secret,
                )?
                .ok_or_else(|| CliError::usage("the integration has no client secret source"))?,
            };
            Ok(ClientCredential::Secret(value))
        }
        Credential::Certificate {
            file,
            password,
            sha256,
            assertion,
            ..
        } => {
            let bytes = match &fresh.pfx {
                Some(b) => b.clone(),
                // A certificate the state names and that cannot be read is
                // bad configuration (exit 2), like an unset variable.
                None => std::fs::read(file).map_err(|e| {
                    CliError::usage(format!("cannot read the imported certificate {file}: {e}"))
                        .hint("import it again with `graphmail integration set --certificate FILE.pfx`")
                })?,
            };
            let pass = match &fresh.certificate_password {
                Some(v) => SecretString::from(v.expose_secret().to_string()),
                None => secrets::resolve(
                    ctx.secrets.as_ref(),
                    instance_id,
                    SecretKind::CertificatePassword,
                    password,
                )?
                .unwrap_or_else(|| SecretString::from(String::new())),
            };
            let loaded = auth::load_pfx(&bytes, pass.expose_secret())
                .map_err(|e| CliError::runtime(format!("cannot open the certificate: {e}")))?;
            if !loaded.sha256_hex.eq_ignore_ascii_case(sha256) {
                return Err(CliError::runtime(format!(
                    "the certificate file {file} no longer matches its recorded SHA-256 thumbprint {sha256}"
                ))
                .hint("import the certificate again with `graphmail integration set --certificate FILE.pfx`"));
            }
            Ok(ClientCredential::Certificate(Box::new(
                auth::CertificateKey::new(loaded, *assertion),
            )))
        }
    }
}

/// The fingerprint a test of `target` depends on, computed on `snapshot`.
pub fn target_fingerprint(snapshot: &State, target: &TargetRef) -> Option<String> {
    match target.kind {
        TargetKind::Integration => snapshot.integration.as_ref().map(fingerprint::integration),
        TargetKind::Connector => fingerprint::connector_in(snapshot, &target.name),
        TargetKind::Route => fingerprint::route_in(snapshot, &target.name),
    }
}

/// The results of one run: each report with the fingerprint it ran against.
pub struct TestRun {
    pub results: Vec<(ConnectionReport, String)>,
    /// See [`ResolvedCredential::overridden_by`].
    pub overridden_by: Option<&'static str>,
    /// The evidence file as the run read it, for the recording to reuse
    /// ([`Journal::reuse_facts`]).
    pub facts_read: Option<evidence::FactsRead>,
}

impl TestRun {
    pub fn reports(self) -> Vec<ConnectionReport> {
        self.results.into_iter().map(|(r, _)| r).collect()
    }
}

/// The threads a run's recording writes on beside the caller's: the
/// evidence and the history (the rendering has one more, of its own).
const WRITER_THREADS: usize = 2;

/// Runs the tests of `targets` on `snapshot` with the evidence recorded so
/// far (read without the lock: a snapshot, like the state).
pub async fn run_tests(
    ctx: &Context,
    snapshot: &State,
    targets: &[TargetRef],
    options: &TestOptions,
    fresh: &FreshSecrets,
    progress: &dyn Progress,
) -> Result<TestRun> {
    let integration = snapshot.integration.as_ref().ok_or_else(|| {
        CliError::usage("there is no integration to test")
            .hint("run `graphmail integration set` first")
    })?;
    let credential = resolve_credential(ctx, &snapshot.instance_id, integration, fresh)?;
    let overridden_by = credential_override(integration, fresh);
    // The evidence of earlier runs and the targets' fingerprints are
    // needed only once the token is back: they are read while it is away.
    let dir = ctx.store.data_dir();
    let max_age = options.carried.max_age;
    let mut fingerprints = Vec::new();
    let mut digest = None;
    let beside = async {
        // Started here, not before the run: `run_beside` polls this only
        // after the shared phase has spawned the token request's task. A
        // thread reading and parsing the evidence (115 KB at 200 targets)
        // from the start competed with that request for two cores and made
        // it leave 1.5 to 2 ms later (BENCHMARKS.md, fifteenth landing).
        let reading = tokio::task::spawn_blocking(move || evidence::read_facts_file(&dir));
        fingerprints = targets
            .iter()
            .map(|t| target_fingerprint(snapshot, t).unwrap_or_default())
            .collect();
        // A read that died is no evidence, and is read again under the lock.
        let (facts, read) = match reading.await {
            Ok(read) => {
                let (facts, read) = read.split();
                (facts, Some(read))
            }
            Err(_) => Default::default(),
        };
        digest = read;
        // The recording's three threads (the rendering, the evidence, the
        // history) are started now, while the token is away, rather than
        // after the last answer: a thread's start held the caller for 0.2
        // to 0.5 ms there (`threads`).
        crate::threads::warm(WRITER_THREADS, 1);
        Arc::new(Carried { facts, max_age })
    };
    let (reports, carried) =
        diagnose::run_beside(snapshot, credential, targets, options, beside, progress).await;
    // The run is over and holds no other reference to what it carried.
    let facts_read = Arc::try_unwrap(carried)
        .ok()
        .zip(digest)
        .map(|(carried, digest)| evidence::FactsRead::rejoin(carried.facts, digest));
    Ok(TestRun {
        results: reports.into_iter().zip(fingerprints).collect(),
        overridden_by,
        facts_read,
    })
}

/// The record a report leaves in the state.
pub fn test_record(report: &ConnectionReport, fingerprint: &str, at: &str) -> TestRecord {
    TestRecord {
        at: at.to_string(),
        passed: report.passed,
        fingerprint: fingerprint.to_string(),
        steps: report.step_summary().into(),
        verdict: Some(report.verdict),
        needs: report.needs.clone(),
    }
}

/// Records reports in `state` where the fingerprints still match; returns
/// the targets whose result could not be recorded because they changed.
pub fn record_reports(state: &mut State, results: &[(ConnectionReport, String)]) -> Vec<TargetRef> {
    record_reports_at(state, &ops::ItemsAt::new(state), results)
}

/// [`record_reports`] with the state's items found through `at`, taken once
/// for a run of thousands of targets (SPEC §8).
fn record_reports_at(
    state: &mut State,
    at: &ops::ItemsAt,
    results: &[(ConnectionReport, String)],
) -> Vec<TargetRef> {
    // One run, one time: every record of it says when it was recorded.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut changed = Vec::new();
    for (report, fp) in results {
        let record = test_record(report, fp, &now);
        let name = &report.target.name;
        let recorded = match report.target.kind {
            TargetKind::Integration => ops::record_integration_test(state, fp, record),
            TargetKind::Connector => ops::record_connector_test_at(state, at, name, fp, record),
            TargetKind::Route => ops::record_route_test_at(state, at, name, fp, record),
        };
        if !recorded {
            changed.push(report.target.clone());
        }
    }
    changed
}

/// Records a run under the lock: each verdict whose fingerprint still
/// matches, the evidence its conclusive steps leave (keyed on `snapshot`,
/// whose settings those targets still have), and one history line per
/// recorded target. Marks the reports `recorded`; returns the targets that
/// changed while they were tested.
pub fn record_run(
    state: &mut State,
    journal: &mut Journal,
    snapshot: &State,
    results: &mut [(ConnectionReport, String)],
) -> Vec<TargetRef> {
    // Recording changes no item's position: one index serves the run.
    let items = ops::ItemsAt::new(state);
    let changed = record_reports_at(state, &items, results);
    let at_of = |state: &State, target: &TargetRef| {
        state_record_time(state, &items, target).unwrap_or_else(|| {
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
    };
    // What the integration observed in this run, if it is recorded. Every
    // target's authority and token steps are the run's shared steps, and
    // their required facts name the integration as a source (facts::Required,
    // docs/state-dir.md): the same observation is kept once, under the
    // integration, not once per target (at 200 targets the copies were
    // four fifths of facts.json, written and fsynced on each run's critical
    // path, issue 17 (c)).
    let shared: Vec<(String, Evidence)> = results
        .iter()
        .find(|(r, _)| r.target.kind == TargetKind::Integration && !changed.contains(&r.target))
        .map(|(report, _)| {
            let at = at_of(state, &report.target);
            facts::observed(snapshot, report, &at)
                .into_iter()
                .map(|(_, fact, evidence)| (fact, evidence))
                .collect()
        })
        .unwrap_or_default();
    for (report, fingerprint) in results.iter_mut() {
        if changed.contains(&report.target) {
            continue;
        }
        let at = at_of(state, &report.target);
        let integration = report.target.kind == TargetKind::Integration;
        for (target, fact, evidence) in facts::observed(snapshot, report, &at) {
            let kept_once =
                !integration && shared.iter().any(|(f, e)| *f == fact && *e == evidence);
            if kept_once {
                // An older copy of its own is outranked by the new one.
                journal.facts().remove(&target, &fact);
            } else {
                journal.facts().put(&target, &fact, evidence);
            }
        }
        journal.append_history(HistoryEntry {
            at,
            kind: kind_name(report.target.kind).to_string(),
            name: report.target.name.clone(),
            verdict: report.verdict,
            fingerprint: fingerprint.clone(),
            steps: report
                .steps
                .iter()
                .map(|s| HistoryStep {
                    check: s.check.to_string(),
                    status: s.status.as_str().to_string(),
                    detail: s.detail.clone(),
                    code: s.code.clone(),
                    request_id: s.request_id.clone(),
                    trace_id: s.trace_id.clone(),
                    carried_from: s.carried_from.clone(),
                })
                .collect(),
        });
        report.recorded = true;
    }
    changed
}

fn state_record_time(state: &State, items: &ops::ItemsAt, target: &TargetRef) -> Option<String> {
    let record = match target.kind {
        TargetKind::Integration => state.integration.as_ref()?.test.as_ref(),
        TargetKind::Connector => state.connectors[items.connector(&target.name)?]
            .test
            .as_ref(),
        TargetKind::Route => state.routes[items.route(&target.name)?].test.as_ref(),
    };
    record.map(|r| r.at.clone())
}

/// How a change was applied.
pub struct Applied<T> {
    pub value: T,
    /// Whether the change altered the state (false for a no-op).
    pub changed: bool,
    /// Live targets re-tested because the change touched their settings.
    pub retested: Vec<ConnectionReport>,
    /// Targets disabled because they failed their re-test (`--disable`).
    pub disabled: Vec<String>,
}

/// Applies `change` under SPEC §1 invariant 1: `change` runs first on a
/// snapshot (so bad input fails with nothing written), live items whose
/// tested settings it touches are re-tested on the changed snapshot with no
/// lock held (plus `also_test`), and only then is `change` applied to the
/// locked, reloaded state with the results recorded. A failed re-test refuses
/// the change (exit 3), or with `disable_on_failure` disables what failed.
pub async fn apply_change<T>(
    ctx: &Context,
    change: impl Fn(&mut State) -> Result<T>,
    also_test: Vec<TargetRef>,
    disable_on_failure: bool,
    options: &TestOptions,
    fresh: &FreshSecrets,
) -> Result<Applied<T>> {
    apply_change_with(
        ctx,
        change,
        also_test,
        disable_on_failure,
        options,
        fresh,
        |_| Ok(()),
    )
    .await
}

/// [`apply_change`] with a step that runs once the tests have passed, on the
/// locked state just before it is written: `integration set` stores the new
/// secret there (a local keyring call, never the network).
pub async fn apply_change_with<T>(
    ctx: &Context,
    change: impl Fn(&mut State) -> Result<T>,
    also_test: Vec<TargetRef>,
    disable_on_failure: bool,
    options: &TestOptions,
    fresh: &FreshSecrets,
    before_commit: impl FnOnce(&State) -> Result<()>,
) -> Result<Applied<T>> {
    // The common case first, in one locked read: a change that touches
    // nothing live needs no test and is written at once. A change that does
    // is put back (nothing is written) and takes the path below, which tests
    // without the lock held. One read of the state instead of two matters
    // at thousands of items (issue 17 (b)).
    let mut before_commit = Some(before_commit);
    if also_test.is_empty() {
        let written = ctx.store.update(|state| {
            let before = state.clone();
            let value = change(state)?;
            if !ops::live_items_changed(&before, state).is_empty() {
                *state = before;
                return Ok::<_, CliError>(None);
            }
            if let Some(commit) = before_commit.take() {
                commit(state)?;
            }
            let changed = *state != before;
            Ok(Some((value, changed)))
        })?;
        if let Some((value, changed)) = written {
            return Ok(Applied {
                value,
                changed,
                retested: Vec::new(),
                disabled: Vec::new(),
            });
        }
    }
    let snapshot = ctx.store.load()?.state;
    let mut proposed = snapshot.clone();
    change(&mut proposed)?;
    let mut targets = also_test;
    for live in ops::live_items_changed(&snapshot, &proposed) {
        targets.push(match live {
            ops::LiveTarget::Integration => TargetRef::integration(),
            ops::LiveTarget::Connector(name) => TargetRef::connector(&name),
            ops::LiveTarget::Route(name) => TargetRef::route(&name),
        });
    }
    if targets.is_empty() {
        // Live items changed between the two reads: another writer's doing.
        let (value, changed) = ctx.store.update(|state| {
            let before = state.clone();
            let value = change(state)?;
            if let Some(commit) = before_commit.take() {
                commit(state)?;
            }
            Ok::<_, CliError>((value, *state != before))
        })?;
        return Ok(Applied {
            value,
            changed,
            retested: Vec::new(),
            disabled: Vec::new(),
        });
    }
    if let Some(integration) = proposed.integration.as_ref()
        && let Some(var) = credential_override(integration, fresh)
    {
        // A run under an override proves the override, not the recorded
        // source, and records nothing (SPEC §3): live items would be left
        // on untested settings.
        return Err(CliError::usage(format!(
            "{var} overrides the recorded credential: a test under it proves the override, not the recorded source, and is not recorded, so this change to live items cannot be tested"
        ))
        .hint(format!(
            "unset {var}, or give the credential on the command line (e.g. `graphmail integration set ... --client-secret-env VAR`)"
        )));
    }
    let run = run_tests(
        ctx,
        &proposed,
        &targets,
        options,
        fresh,
        &diagnose::NoProgress,
    )
    .await?;
    let mut facts_read = run.facts_read;
    let mut results = run.results;
    let failed: Vec<&ConnectionReport> = results
        .iter()
        .map(|(r, _)| r)
        .filter(|r| !r.passed)
        .collect();
    let integration_failed = failed
        .iter()
        .any(|r| r.target.kind == TargetKind::Integration);
    if !failed.is_empty() && (!disable_on_failure || integration_failed) {
        if ctx.printer.json() {
            // One JSON document on stdout however many items failed: an
            // array of the failing reports, as `test-connection --all`
            // prints, so `jq` and `json.loads` read it in one go.
            let failing = super::test_connection::ReportsView(failed.clone());
            super::views::show(&ctx.printer, &failing)?;
        } else {
            for report in &failed {
                super::views::show(&ctx.printer, &super::test_connection::ReportView(report))?;
            }
        }
        let names: Vec<String> = failed
            .iter()
            .map(|r| format!("{} ({})", target_label(&r.target), r.verdict.as_str()))
            .collect();
        let mut err = CliError::test_failed(format!(
            "change refused: {} did not pass the connection test the change requires; nothing was saved",
            names.join(", ")
        ));
        for report in failed.iter().filter(|r| r.verdict == Verdict::Unverified) {
            if let Some(needs) = &report.needs {
                err = err.hint(format!("to establish what is missing: {needs}"));
            }
        }
        if !integration_failed {
            err = err.hint("fix the failing step, or pass --disable to save the change and take those items out of service");
        }
        // The service's IDs of the first step that failed, as fields, as
        // `test-connection` gives them (docs/json.md, "Errors").
        if let Some(step) = failed
            .iter()
            .flat_map(|r| &r.steps)
            .find(|s| s.status == crate::diagnose::StepStatus::Failed && s.carried_from.is_none())
        {
            err = err.step(
                step.code.as_deref(),
                step.request_id.as_deref(),
                step.trace_id.as_deref(),
            );
        }
        return Err(err);
    }
    let failed_targets: Vec<TargetRef> = failed.iter().map(|r| r.target.clone()).collect();
    let (value, changed, disabled) = ctx.store.update_with(|state, journal| {
        let before = state.clone();
        let value = change(state)?;
        // Under the lock, so what it stores is keyed by the instance ID
        // this write saves (a new state file gets its ID here).
        if let Some(commit) = before_commit.take() {
            commit(state)?;
        }
        if let Some(read) = facts_read.take() {
            journal.reuse_facts(read);
        }
        record_run(state, journal, &proposed, &mut results);
        let mut disabled = Vec::new();
        for target in &failed_targets {
            match target.kind {
                TargetKind::Connector => {
                    ops::disable_connector(state, &target.name)?;
                    disabled.push(format!("connector '{}' (and its routes)", target.name));
                }
                TargetKind::Route => {
                    ops::disable_route(state, &target.name)?;
                    disabled.push(format!("route '{}'", target.name));
                }
                TargetKind::Integration => {}
            }
        }
        Ok::<_, CliError>((value, *state != before, disabled))
    })?;
    Ok(Applied {
        value,
        changed,
        retested: results.into_iter().map(|(r, _)| r).collect(),
        disabled,
    })
}

impl<T> Applied<T> {
    /// One line per live item re-tested or disabled by the change.
    pub fn details(&self) -> Vec<String> {
        let retested = self
            .retested
            .iter()
            .filter(|r| r.target.kind != TargetKind::Integration)
            .map(|r| {
                let carried = r.steps.iter().filter(|s| s.carried_from.is_some()).count();
                let mut line = format!(
                    "re-tested {} '{}': {}",
                    kind_name(r.target.kind),
                    r.target.name,
                    r.verdict.as_str()
                );
                if carried > 0 {
                    line.push_str(&format!(
                        " ({carried} step(s) carried from earlier runs, no probe sent)"
                    ));
                }
                line
            });
        let disabled = self
            .disabled
            .iter()
            .map(|d| format!("disabled {d}: it failed its re-test"));
        retested.chain(disabled).collect()
    }
}

/// After a `--disable` change is saved and reported: exit 3 when a re-test
/// failed and took items out of service (SPEC §3: "with `--disable` the
/// change is saved, the item disabled, and the exit is still 3").
pub fn disabled_exit(disabled: &[String]) -> Result<()> {
    if disabled.is_empty() {
        return Ok(());
    }
    Err(CliError::test_failed(format!(
        "the change was saved, but {} failed its re-test and is now disabled",
        disabled.join(", ")
    ))
    .hint("fix the failing step, run `graphmail test-connection`, then `graphmail enable`"))
}

/// A target as a message names it: "the integration" (there is one, its
/// name is internal), "connector 'support'", "route 'eu'".
pub fn target_label(target: &TargetRef) -> String {
    match target.kind {
        TargetKind::Integration => "the integration".to_string(),
        kind => format!("{} '{}'", kind_name(kind), target.name),
    }
}

pub fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Integration => "integration",
        TargetKind::Connector => "connector",
        TargetKind::Route => "route",
    }
}

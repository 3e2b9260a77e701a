//! The bridge between commands and the connection tests: resolves the
//! credential, runs the tests on a snapshot with no lock held, then locks,
//! reloads and records each result whose fingerprint still matches (SPEC §1
//! invariant 6). Used by `test-connection`, `integration set`, and `set` on
//! live items.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::auth::{self, ClientCredential};
use crate::diagnose::{self, ConnectionReport, Progress, TargetKind, TargetRef, TestOptions};
use crate::error::{CliError, Result};
use crate::secrets::{self, SecretKind};
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

/// Runs the tests of `targets` on `snapshot`; returns each report with the
/// fingerprint it was run against.
pub async fn run_tests(
    ctx: &Context,
    snapshot: &State,
    targets: &[TargetRef],
    options: &TestOptions,
    fresh: &FreshSecrets,
    progress: &dyn Progress,
) -> Result<Vec<(ConnectionReport, String)>> {
    let integration = snapshot.integration.as_ref().ok_or_else(|| {
        CliError::usage("there is no integration to test")
            .hint("run `graphmail integration set` first")
    })?;
    let credential = resolve_credential(ctx, &snapshot.instance_id, integration, fresh)?;
    let fingerprints: Vec<String> = targets
        .iter()
        .map(|t| target_fingerprint(snapshot, t).unwrap_or_default())
        .collect();
    let reports = diagnose::run(snapshot, credential, targets, options, progress).await;
    Ok(reports.into_iter().zip(fingerprints).collect())
}

/// The record a report leaves in the state.
pub fn test_record(report: &ConnectionReport, fingerprint: &str) -> TestRecord {
    TestRecord {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        passed: report.passed,
        fingerprint: fingerprint.to_string(),
        steps: report.step_summary(),
    }
}

/// Records reports in `state` where the fingerprints still match; returns
/// the targets whose result could not be recorded because they changed.
pub fn record_reports(state: &mut State, results: &[(ConnectionReport, String)]) -> Vec<TargetRef> {
    let mut changed = Vec::new();
    for (report, fp) in results {
        let record = test_record(report, fp);
        let name = &report.target.name;
        let recorded = match report.target.kind {
            TargetKind::Integration => ops::record_integration_test(state, fp, record),
            TargetKind::Connector => ops::record_connector_test(state, name, fp, record),
            TargetKind::Route => ops::record_route_test(state, name, fp, record),
        };
        if !recorded {
            changed.push(report.target.clone());
        }
    }
    changed
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
        let (value, changed) = ctx.store.update(|state| {
            let before = state.clone();
            let value = change(state)?;
            before_commit(state)?;
            Ok::<_, CliError>((value, *state != before))
        })?;
        return Ok(Applied {
            value,
            changed,
            retested: Vec::new(),
            disabled: Vec::new(),
        });
    }
    let results = run_tests(
        ctx,
        &proposed,
        &targets,
        options,
        fresh,
        &diagnose::NoProgress,
    )
    .await?;
    let failed: Vec<&ConnectionReport> = results
        .iter()
        .map(|(r, _)| r)
        .filter(|r| !r.passed)
        .collect();
    let integration_failed = failed
        .iter()
        .any(|r| r.target.kind == TargetKind::Integration);
    if !failed.is_empty() && (!disable_on_failure || integration_failed) {
        for report in &failed {
            super::views::show(&ctx.printer, &super::test_connection::ReportView(report))?;
        }
        let names: Vec<String> = failed.iter().map(|r| target_label(&r.target)).collect();
        let mut err = CliError::test_failed(format!(
            "change refused: {} failed the connection test the change requires; nothing was saved",
            names.join(", ")
        ));
        if !integration_failed {
            err = err.hint("fix the failing step, or pass --disable to save the change and take those items out of service");
        }
        return Err(err);
    }
    let failed_targets: Vec<TargetRef> = failed.iter().map(|r| r.target.clone()).collect();
    let (value, changed, disabled) = ctx.store.update(|state| {
        let before = state.clone();
        let value = change(state)?;
        // Under the lock, so what it stores is keyed by the instance ID
        // this write saves (a new state file gets its ID here).
        before_commit(state)?;
        record_reports(state, &results);
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
                format!(
                    "re-tested {} '{}': passed",
                    kind_name(r.target.kind),
                    r.target.name
                )
            });
        let disabled = self
            .disabled
            .iter()
            .map(|d| format!("disabled {d}: it failed its re-test"));
        retested.chain(disabled).collect()
    }
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

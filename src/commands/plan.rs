//! `graphmail plan [-f FILE] [--exit-code] [--max-age D] [--refresh] [--prune]`:
//! what `apply` would change, as an ordered list of actions. Touches no
//! network unless `--refresh`, and never the state file.
//!
//! Also the preparation `plan` and `apply` share: read the desired file,
//! load the state, and build the integration the file asks for (for a
//! certificate, read the `.pfx`; its password is needed only when the file
//! differs from the copy graphmail imported).

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::cli::PlanArgs;
use crate::desired::plan::{
    self as planner, Action, ActionKind, ItemKind, ItemName, Plan, PlanOptions, TestReason,
};
use crate::desired::{self, Desired, DesiredCredential, DesiredIntegration, DesiredSource};
use crate::diagnose::facts::Carried;
use crate::diagnose::{self, StepStatus, TargetRef, Verdict};
use crate::error::{CliError, ErrorKind, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::secrets::{SecretKey, SecretKind};
use crate::state::{Credential, Integration, State, trust};

use super::Context;
use super::tester::{self, FreshSecrets};
use super::views::show;

/// JSON schema of `plan` and `apply` output (docs/json.md).
pub const SCHEMA_VERSION: u32 = 1;

/// What `plan` and `apply` start from.
pub struct Prepared {
    pub snapshot: State,
    /// Whether the state file existed when it was read.
    pub exists: bool,
    pub desired: Desired,
    /// The integration the file asks for; `None` without `[integration]`.
    pub integration: Option<Integration>,
    /// A certificate to copy into graphmail's private data dir at the next
    /// write: the file's `.pfx` differs from the imported copy, or there is
    /// no copy on this machine.
    pub import: Option<Vec<u8>>,
    /// Credential values read for this run (a certificate and its password).
    pub fresh: FreshSecrets,
}

/// Reads the desired file and the state, and builds the integration.
pub fn prepare(ctx: &Context, file: &Path) -> Result<Prepared> {
    let desired = desired::file::read(file)?;
    let loaded = ctx.store.load()?;
    let mut fresh = FreshSecrets::default();
    let mut import = None;
    let integration = desired
        .integration
        .as_ref()
        .map(|d| {
            target_integration(
                ctx,
                &loaded.state,
                &desired.origin,
                d,
                &mut fresh,
                &mut import,
            )
        })
        .transpose()?;
    Ok(Prepared {
        snapshot: loaded.state,
        exists: loaded.exists,
        desired,
        integration,
        import,
        fresh,
    })
}

/// A password or secret from a desired source, for reading a certificate.
fn read_source(
    ctx: &Context,
    instance_id: &uuid::Uuid,
    kind: SecretKind,
    source: &DesiredSource,
) -> Result<Option<SecretString>> {
    match source {
        DesiredSource::None => Ok(Some(SecretString::from(String::new()))),
        DesiredSource::Env(var) => Ok(std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(SecretString::from)),
        DesiredSource::Keyring => Ok(ctx.secrets.get(&SecretKey::new(instance_id, kind))?),
    }
}

/// The integration the file asks for, on top of what the state records: a
/// secret whose source is unchanged keeps its `credential_generation` (so
/// nothing it vouched for goes stale), a certificate that is the imported
/// one keeps its record.
fn target_integration(
    ctx: &Context,
    state: &State,
    origin: &str,
    want: &DesiredIntegration,
    fresh: &mut FreshSecrets,
    import: &mut Option<Vec<u8>>,
) -> Result<Integration> {
    let current = state.integration.as_ref();
    let credential = match &want.credential {
        DesiredCredential::Secret(source) => {
            let source = source.to_state();
            let generation = match current.map(|i| &i.credential) {
                Some(Credential::Secret {
                    secret,
                    credential_generation,
                }) if *secret == source => credential_generation.clone(),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            Credential::Secret {
                secret: source,
                credential_generation: generation,
            }
        }
        DesiredCredential::Certificate {
            file,
            password,
            assertion,
        } => {
            let bytes = std::fs::read(file).map_err(|e| {
                CliError::usage(format!(
                    "{origin}:{}: integration: certificate.file {}: cannot read it: {e}",
                    want.line,
                    file.display()
                ))
                .hint("paths are relative to the desired file's folder; give the .pfx with its private key")
            })?;
            let imported = match current.map(|i| &i.credential) {
                Some(Credential::Certificate { file, .. }) => file.clone(),
                _ => {
                    super::integration::imported_certificate_path(&ctx.data_dir, &state.instance_id)
                        .display()
                        .to_string()
                }
            };
            let same_copy = std::fs::read(&imported).is_ok_and(|copy| copy == bytes);
            let password_source = password.to_state();
            match current.map(|i| &i.credential) {
                Some(
                    c @ Credential::Certificate {
                        password: p,
                        assertion: a,
                        ..
                    },
                ) if same_copy && *p == password_source && a == assertion => c.clone(),
                _ => {
                    let pass = read_source(ctx, &state.instance_id, SecretKind::CertificatePassword, password)?
                        .ok_or_else(|| {
                            CliError::usage(format!(
                                "{origin}:{}: integration: the certificate's password is not available from {}",
                                want.line,
                                describe_source(password)
                            ))
                            .hint(source_fix(password, "certificate password"))
                        })?;
                    let loaded = crate::auth::load_pfx(&bytes, pass.expose_secret()).map_err(|e| {
                        CliError::usage(format!(
                            "{origin}:{}: integration: certificate.file {}: {e}",
                            want.line,
                            file.display()
                        ))
                        .hint("check the password; the file must be a PKCS#12 (.pfx) with the private key")
                    })?;
                    if !same_copy {
                        *import = Some(bytes.clone());
                    }
                    fresh.pfx = Some(bytes);
                    fresh.certificate_password = Some(pass);
                    Credential::Certificate {
                        file: imported,
                        password: password_source,
                        sha1: loaded.sha1_hex.clone(),
                        sha256: loaded.sha256_hex.clone(),
                        subject: loaded.subject.clone(),
                        not_after: loaded.not_after.clone(),
                        assertion: *assertion,
                    }
                }
            }
        }
    };
    // The file declares the secret's expiry (doctor's radar) as the
    // command records it; the parser refuses it beside a certificate.
    let secret_expires = want.secret_expires.clone();
    Ok(Integration {
        tenant: want.tenant.clone(),
        app_id: want.app_id.clone(),
        cloud: want.cloud,
        authority_host: want.authority_host.clone(),
        graph_endpoint: want.graph_endpoint.clone(),
        ca_file: want.ca_file.clone(),
        secret_expires,
        credential,
        test: current.and_then(|i| i.test.clone()),
    })
}

pub fn describe_source(source: &DesiredSource) -> String {
    match source {
        DesiredSource::Keyring => "the keyring".into(),
        DesiredSource::Env(var) => format!("environment variable {var}"),
        DesiredSource::None => "nowhere (none)".into(),
    }
}

/// How to make a source answer, for a hint.
pub fn source_fix(source: &DesiredSource, what: &str) -> String {
    match source {
        DesiredSource::Env(var) => format!("export {var} with the {what} before running graphmail"),
        DesiredSource::Keyring => format!(
            "run on a terminal to be asked for the {what}, store it with `graphmail integration set` (…-stdin), or name an environment variable in the file instead: {{ env = \"VAR\" }}"
        ),
        DesiredSource::None => format!("name where the {what} comes from"),
    }
}

/// The plan of a prepared run.
pub fn compute(prepared: &Prepared, prune: bool, max_age: Option<Duration>) -> Result<Plan> {
    planner::compute(
        &prepared.snapshot,
        &prepared.desired,
        prepared.integration.as_ref(),
        &PlanOptions {
            prune,
            max_age,
            now: chrono::Utc::now(),
        },
    )
}

/// The targets of the plan's tests.
pub fn test_targets(plan: &Plan) -> Vec<TargetRef> {
    plan.tests()
        .map(|a| match a.kind {
            ItemKind::Integration => TargetRef::integration(),
            ItemKind::Connector => TargetRef::connector(&a.name),
            ItemKind::Route => TargetRef::route(&a.name),
        })
        .collect()
}

/// `plan --refresh`: re-tests what is live and not already planned for a
/// test, recording nothing and sending no probe; each that no longer passes
/// becomes a `test` action with reason `drift`.
async fn refresh(ctx: &Context, prepared: &Prepared, plan: &mut Plan) -> Result<()> {
    let state = &prepared.snapshot;
    let Some(integration) = state.integration.as_ref() else {
        return Ok(());
    };
    let planned =
        |kind: ItemKind, name: &str| plan.tests().any(|a| a.kind == kind && a.name == name);
    let mut targets = Vec::new();
    if !planned(ItemKind::Integration, "integration") {
        targets.push(TargetRef::integration());
    }
    for c in state
        .connectors
        .iter()
        .filter(|c| trust::connector_live(state, c))
    {
        if !planned(ItemKind::Connector, &c.name) {
            targets.push(TargetRef::connector(&c.name));
        }
    }
    for r in state
        .routes
        .iter()
        .filter(|r| !r.default && trust::route_live(state, r))
    {
        if !planned(ItemKind::Route, &r.name) {
            targets.push(TargetRef::route(&r.name));
        }
    }
    if targets.is_empty() || integration.test.is_none() && state.connectors.is_empty() {
        return Ok(());
    }
    // Fresh observations only: nothing carried, nothing sent, nothing
    // recorded. Only a refutation is drift: a fact a probe would establish
    // stays unverified here, and a service that does not answer proves
    // nothing either way.
    let mut options = super::test_connection::options(None, false, None)?;
    options.no_send = true;
    options.carried = std::sync::Arc::new(Carried {
        max_age: Some(Duration::ZERO),
        ..Default::default()
    });
    let run = tester::run_tests(
        ctx,
        state,
        &targets,
        &options,
        &FreshSecrets::default(),
        &diagnose::NoProgress,
    )
    .await?;
    for (report, _) in run.results {
        if report.verdict != Verdict::Failed {
            continue;
        }
        let (kind, name) = match report.target.kind {
            diagnose::TargetKind::Integration => (ItemKind::Integration, "integration".to_string()),
            diagnose::TargetKind::Connector => (ItemKind::Connector, report.target.name.clone()),
            diagnose::TargetKind::Route => (ItemKind::Route, report.target.name.clone()),
        };
        let failed = report.steps.iter().find(|s| s.status == StepStatus::Failed);
        let detail = failed.map(|s| {
            let mut line = format!("{}: {}", s.check, s.detail);
            if let Some(code) = &s.code {
                line.push_str(&format!(" ({code})"));
            }
            line
        });
        plan.actions.push(Action {
            action: ActionKind::Test,
            kind,
            name,
            fields: Vec::new(),
            reason: Some(TestReason::Drift),
            live: true,
            if_test_fails: Some("apply records the failure; the item stops being live".into()),
            detail,
        });
    }
    Ok(())
}

/// The plan as shown: a table on a terminal, an object in JSON.
#[derive(Serialize)]
pub struct PlanView<'a> {
    pub schema_version: u32,
    pub file: &'a str,
    pub state: String,
    pub changes: bool,
    pub summary: Summary,
    pub actions: &'a [Action],
    pub not_declared: &'a [ItemName],
}

#[derive(Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub remove: usize,
    pub disable: usize,
    pub test: usize,
    pub enable: usize,
}

impl Summary {
    pub fn of(plan: &Plan) -> Self {
        Summary {
            create: plan.count(ActionKind::Create),
            update: plan.count(ActionKind::Update),
            remove: plan.count(ActionKind::Remove),
            disable: plan.count(ActionKind::Disable),
            test: plan.count(ActionKind::Test),
            enable: plan.count(ActionKind::Enable),
        }
    }
}

impl<'a> PlanView<'a> {
    pub fn new(ctx: &Context, desired: &'a Desired, plan: &'a Plan) -> Self {
        PlanView {
            schema_version: SCHEMA_VERSION,
            file: &desired.origin,
            state: ctx.store.path().display().to_string(),
            changes: !plan.is_empty(),
            summary: Summary::of(plan),
            actions: &plan.actions,
            not_declared: &plan.not_declared,
        }
    }
}

fn short(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One line of detail for an action.
pub fn action_detail(action: &Action) -> String {
    let mut parts: Vec<String> = Vec::new();
    match action.action {
        ActionKind::Create => parts.extend(
            action
                .fields
                .iter()
                .filter(|f| {
                    !f.after.is_null()
                        && f.after != serde_json::json!(false)
                        && f.after != serde_json::json!([])
                        && f.after != serde_json::json!("")
                })
                .map(|f| format!("{}: {}", f.field, short(&f.after))),
        ),
        ActionKind::Update => parts.extend(
            action
                .fields
                .iter()
                .map(|f| format!("{}: {} → {}", f.field, short(&f.before), short(&f.after))),
        ),
        ActionKind::Test => {
            if let Some(reason) = action.reason {
                parts.push(reason.describe().to_string());
            }
            if let Some(fails) = &action.if_test_fails {
                parts.push(format!("if it fails: {fails}"));
            }
        }
        ActionKind::Remove if action.live => {
            parts.push("live: asks for confirmation (or --yes)".into())
        }
        _ => {}
    }
    if action.action == ActionKind::Update && action.live {
        parts.push("live: tested before it is saved".into());
    }
    if let Some(detail) = &action.detail {
        parts.push(detail.clone());
    }
    parts.join("; ")
}

fn paint_action(ctx: &TextContext, kind: ActionKind) -> String {
    let paint = match kind {
        ActionKind::Create | ActionKind::Enable => Paint::Green,
        ActionKind::Update | ActionKind::Test => Paint::Yellow,
        ActionKind::Remove | ActionKind::Disable => Paint::Red,
    };
    ctx.paint(kind.as_str(), paint)
}

pub fn target_label(kind: ItemKind, name: &str) -> String {
    match kind {
        ItemKind::Integration => "integration".into(),
        kind => format!("{} {name}", kind.as_str()),
    }
}

impl Render for PlanView<'_> {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        if !self.changes {
            writeln!(out, "No changes: the state matches {}.", self.file)?;
        } else {
            let s = &self.summary;
            writeln!(
                out,
                "{} {} → {}: {} to create, {} to update, {} to remove, {} to disable, {} to test, {} to enable",
                ctx.paint("Plan:", Paint::Bold),
                self.file,
                self.state,
                s.create,
                s.update,
                s.remove,
                s.disable,
                s.test,
                s.enable
            )?;
            let mut table = crate::output::Table::new(["action", "target", "detail"]);
            for action in self.actions {
                table.row([
                    paint_action(ctx, action.action),
                    target_label(action.kind, &action.name),
                    action_detail(action),
                ]);
            }
            table.write(out, ctx.terminal, ctx.width)?;
        }
        if !self.not_declared.is_empty() {
            let names: Vec<String> = self
                .not_declared
                .iter()
                .map(|i| target_label(i.kind, &i.name))
                .collect();
            writeln!(
                out,
                "Not in {} (kept; removed only with --prune): {}",
                self.file,
                names.join(", ")
            )?;
        }
        Ok(())
    }
}

pub async fn run(ctx: &Context, args: PlanArgs) -> Result<()> {
    let max_age = super::test_connection::max_age(args.max_age.as_deref())?;
    let prepared = prepare(ctx, &args.file)?;
    let mut plan = compute(&prepared, args.prune, max_age)?;
    if args.refresh {
        refresh(ctx, &prepared, &mut plan).await?;
    }
    show(&ctx.printer, &PlanView::new(ctx, &prepared.desired, &plan))?;
    if args.exit_code && !plan.is_empty() {
        return Err(CliError::new(
            ErrorKind::Changes,
            format!(
                "{} differs from the state: {} action(s) pending",
                prepared.desired.origin,
                plan.actions.len()
            ),
        )
        .hint(format!(
            "`graphmail apply -f {}` converges it",
            prepared.desired.origin
        )));
    }
    Ok(())
}

//! The run: the shared phase ([`super::prepare`]: certificate, tenant
//! discovery, one token), then every target's own steps
//! ([`super::incoming`], [`super::outbound`]), concurrently, with a memo of
//! the lookups targets on one mailbox have in common; then each report's
//! verdict over its required facts ([`super::facts`]). Data flows one way:
//! prepare → the target's checks → evidence → verdict → report.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::FutureExt;
use tokio::sync::OnceCell;

use super::hints::{HintContext, graph_hint, token_hint};
use super::{
    Check, ConnectionReport, Progress, Step, StepStatus, TargetKind, TargetRef, TestOptions, facts,
};
use crate::auth::{ClientCredential, TokenClaims, TokenError};
use crate::graph::folders::ChildAnswer;
use crate::graph::{GraphClient, GraphError, GraphResponse, MailFolder};
use crate::state::fingerprint::FactKeys;
use crate::state::{Integration, State, UseFor};

pub(super) const READ_WRITE: &str = "Mail.ReadWrite";
/// Folders a `delivery` probe is looked for in, at most, once it is not in
/// the connector's folders.
pub(super) const MAILBOX_SWEEP_FOLDERS: usize = 300;
pub(super) const SEND: &str = "Mail.Send";

/// Runs the connection tests of `targets` on `snapshot`, with the
/// evidence of earlier runs in `options.carried`. See the module docs of
/// [`crate::diagnose`].
pub async fn run(
    snapshot: &State,
    credential: ClientCredential,
    targets: &[TargetRef],
    options: &TestOptions,
    progress: &dyn Progress,
) -> Vec<ConnectionReport> {
    let carried = std::future::ready(options.carried.clone());
    run_beside(snapshot, credential, targets, options, carried, progress)
        .await
        .0
}

/// [`run`] with the evidence of earlier runs still to come: `carried`
/// (reading them, at scale a few milliseconds) is awaited beside the token
/// request, which it must not delay (SPEC §8), and not before any target
/// needs it. It replaces `options.carried`, and is handed back with the
/// reports.
pub async fn run_beside(
    snapshot: &State,
    credential: ClientCredential,
    targets: &[TargetRef],
    options: &TestOptions,
    carried: impl Future<Output = Arc<facts::Carried>>,
    progress: &dyn Progress,
) -> (Vec<ConnectionReport>, Arc<facts::Carried>) {
    let Some(integration) = snapshot.integration.as_ref() else {
        let reports = targets
            .iter()
            .map(|t| {
                progress.target_started(t);
                let mut step = Step::new(
                    Check::Authority,
                    StepStatus::Failed,
                    "no integration is configured",
                );
                step.hint = Some("Run graphmail integration set first.".into());
                let mut report = ConnectionReport::new(t.clone(), vec![step]);
                report.set_verdict(super::Verdict::Failed);
                progress.target_finished(&report);
                report
            })
            .collect();
        return (reports, carried.await);
    };
    let run_started = Instant::now();
    let keys = FactKeys::of(integration);
    // The shared phase, awaited by every target: the token request is sent
    // first, and `carried` is read while it is away.
    let prepared = async {
        let (mut ctx, carried) = tokio::join!(
            Context::prepare(snapshot, integration, credential, options),
            carried
        );
        ctx.carried = carried;
        if targets.len() > 1 {
            // The targets' lookups share `$batch` envelopes ([`crate::graph::batch`]):
            // 200 mailboxes are 10 requests, not 200 connections and requests.
            ctx.client = ctx.client.take().map(GraphClient::with_batching);
        }
        (Arc::new(ctx), timed(run_started))
    }
    .shared();
    let each = |target| {
        let prepared = prepared.clone();
        let keys = &keys;
        async move {
            let (ctx, _) = prepared.await;
            let started = Instant::now();
            progress.target_started(target);
            let recorder = Recorder::default();
            // A safety net a little past the requests' own deadline
            // (`options.retry.budget`), which ends them with the service's
            // last words: this fires only when a target's several calls
            // together outlast it.
            let net = options.target_timeout + Duration::from_secs(1);
            let outcome = tokio::time::timeout(net, ctx.test(target, &recorder)).await;
            ctx.head(&recorder);
            let mut steps = recorder.take();
            if outcome.is_err() {
                // The service never answered within the deadline: nothing
                // was learned about the configuration (SPEC §4).
                let check = recorder.current();
                let mut step = Step::new(
                    check,
                    StepStatus::Failed,
                    format!(
                        "no answer within {} s",
                        options.target_timeout.as_secs_f64()
                    ),
                );
                step.hint = Some("Graph or Entra ID answered too slowly; retry, or allow more time with --timeout.".into());
                // The step ran until the deadline cut it off.
                step.ms = u64::try_from(options.target_timeout.as_millis()).unwrap_or(u64::MAX);
                facts::mark_inconclusive(&mut step);
                steps.push(step);
            }
            let mut report = ConnectionReport::new(target.clone(), steps);
            facts::judge(keys, snapshot, &mut report, &ctx.carried, Utc::now());
            let label = match target.kind {
                TargetKind::Integration => "integration".to_string(),
                TargetKind::Connector => format!("connector {}", target.name),
                TargetKind::Route => format!("route {}", target.name),
            };
            for step in &report.steps {
                tracing::info!(
                    "{label}: {} {} in {} ms",
                    step.check.as_str(),
                    step.status.as_str(),
                    step.ms
                );
            }
            progress.target_finished(&report);
            (report, timed(started))
        }
    };
    // Every target's state is allocated while the token is away: `join!`
    // polls the shared phase first, which starts the token request on a
    // task of its own ([`Context::prepare`]), and only then this block,
    // which allocates them (`join_all` does so when it is called). At 200
    // targets that is over a megabyte of fresh memory, which would
    // otherwise delay the lookups, or the token request.
    let all = async { futures::future::join_all(targets.iter().map(each)).await };
    let ((ctx, prepared_ms), done) = tokio::join!(prepared.clone(), all);
    drop(prepared);
    log_critical_path(&ctx, prepared_ms, &done, timed(run_started));
    let reports = done.into_iter().map(|(report, _)| report).collect();
    // The targets are done: the context has no other owner.
    let carried = ctx.carried.clone();
    drop(ctx);
    (reports, carried)
}

/// `-v`: where the run's time went, one line each (SPEC §8 measures the
/// whole run against one token round trip plus the longest chain of
/// dependent requests of one target): the token, the slowest target after
/// it, and the waits Graph's throttling imposed.
fn log_critical_path(
    ctx: &Context<'_>,
    prepared_ms: u64,
    done: &[(ConnectionReport, u64)],
    total_ms: u64,
) {
    let token_ms = ctx
        .shared_steps
        .iter()
        .find(|s| s.check == Check::Token)
        .map_or(0, |s| s.ms);
    tracing::info!(
        "token: {token_ms} ms (shared phase {prepared_ms} ms, tenant discovery beside the token request)"
    );
    if let Some((report, ms)) = done.iter().max_by_key(|(_, ms)| *ms) {
        // One request may establish several facts (the folder lookup also
        // proves the mailbox): count requests, not the steps they answered.
        let requests: std::collections::HashSet<&str> = report
            .steps
            .iter()
            .filter(|s| s.carried_from.is_none())
            .filter_map(|s| s.request_id.as_deref())
            .collect();
        let requests = requests.len();
        tracing::info!(
            "longest chain: {:?} '{}', {ms} ms after the shared phase ({requests} Graph request{}; run {total_ms} ms in all)",
            report.target.kind,
            report.target.name,
            if requests == 1 { "" } else { "s" }
        );
    }
    let tally = *ctx.tally.lock().unwrap_or_else(|e| e.into_inner());
    tracing::info!(
        "throttling: {} busy answer(s), {} retr{}, {} ms waited in all",
        tally.throttled,
        tally.retries,
        if tally.retries == 1 { "y" } else { "ies" },
        tally.waited.as_millis()
    );
}

/// Steps of one target as they complete, so a timeout keeps what finished.
#[derive(Default)]
pub(super) struct Recorder {
    steps: Mutex<Vec<Step>>,
    current: Mutex<Option<Check>>,
    /// Set by [`Context::begin`] until [`Context::head`] adds them: the
    /// roles whose `permissions` step, after the shared steps, heads the
    /// report.
    shared: Mutex<Option<&'static [&'static str]>>,
}

impl Recorder {
    pub(super) fn share(&self, needs: &'static [&'static str]) {
        *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = Some(needs);
    }
    pub(super) fn take_shared(&self) -> Option<&'static [&'static str]> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
    pub(super) fn prepend(&self, head: Vec<Step>) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .splice(0..0, head);
    }
    pub(super) fn push(&self, step: Step) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(step);
    }
    pub(super) fn extend(&self, steps: impl IntoIterator<Item = Step>) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(steps);
    }
    pub(super) fn begin(&self, check: Check) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(check);
    }
    pub(super) fn current(&self) -> Check {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(Check::Token)
    }
    pub(super) fn take(&self) -> Vec<Step> {
        std::mem::take(&mut *self.steps.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// Changes the last step named `check`.
    pub(super) fn update(&self, check: Check, change: impl FnOnce(&mut Step)) {
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(step) = steps.iter_mut().rev().find(|s| s.check == check) {
            change(step);
            step.passed = step.status != StepStatus::Failed;
        }
    }
}

/// Memoised async lookups shared by the targets of one run.
pub(super) struct Memo<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub(super) fn new() -> Self {
        Memo {
            cells: Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn get<F, Fut>(&self, key: K, make: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = self
            .cells
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(make).await.clone()
    }
}

pub(super) type FolderGet = Result<GraphResponse<MailFolder>, GraphError>;
pub(super) type ChildGet = Result<ChildAnswer, GraphError>;

/// What the token says the app may do.
#[derive(Debug, Clone, Default)]
pub(super) struct Roles {
    pub(super) claims: TokenClaims,
}

impl Roles {
    pub(super) fn readable(&self) -> bool {
        self.claims.readable
    }
    pub(super) fn has(&self, role: &str) -> bool {
        self.claims.has_role(role)
    }
    pub(super) fn can_read(&self) -> bool {
        self.has(READ_WRITE) || self.has("Mail.Read")
    }
    /// Readable and without any Mail.* role: consent missing, or RBAC for
    /// Applications only.
    pub(super) fn no_mail_roles(&self) -> bool {
        self.readable()
            && !self
                .claims
                .roles
                .iter()
                .any(|r| r.to_ascii_lowercase().starts_with("mail."))
    }
}

pub(super) struct Context<'a> {
    pub(super) snapshot: &'a State,
    pub(super) integration: &'a Integration,
    pub(super) options: &'a TestOptions,
    /// Evidence of earlier runs: `options.carried`, or what
    /// [`run_beside`] was given once it is read.
    pub(super) carried: Arc<facts::Carried>,
    pub(super) hints: HintContext,
    /// certificate, authority, token: the same for every target.
    pub(super) shared_steps: Vec<Step>,
    /// `None` when the shared phase failed: the rest is meaningless.
    pub(super) client: Option<GraphClient>,
    pub(super) roles: Roles,
    pub(super) folders: Memo<(String, String), FolderGet>,
    pub(super) children: Memo<(String, String, String), ChildGet>,
    /// The retries and throttling waits of every Graph call of the run.
    pub(super) tally: Arc<Mutex<crate::auth::RetryStats>>,
}

pub(super) fn timed(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn skipped(check: Check, detail: impl Into<String>) -> Step {
    Step::new(check, StepStatus::Skipped, detail)
}

/// A failed step, or an inconclusive one when the service never answered.
pub(super) fn token_failure(
    check: Check,
    error: &TokenError,
    hints: &HintContext,
    ms: u64,
) -> Step {
    let detail = match error.entra() {
        Some(e) if !e.description.is_empty() => e.description.clone(),
        _ => error.to_string(),
    };
    let mut step = Step::new(check, StepStatus::Failed, detail);
    step.code = error.code();
    step.trace_id = error.trace_id().map(str::to_string);
    step.hint = token_hint(error, hints);
    step.ms = ms;
    step.set_retry(error.retry_stats());
    if facts::token_inconclusive(error) {
        facts::mark_inconclusive(&mut step);
    }
    step
}

/// A failed step, or an inconclusive one when the service never answered
/// (throttled or unavailable to the end, timeouts, dropped connections).
pub(super) fn graph_failure(
    check: Check,
    detail: String,
    error: &GraphError,
    hints: &HintContext,
    mailbox: &str,
    role: &str,
) -> Step {
    let mut step = Step::new(check, StepStatus::Failed, detail);
    step.code = error.code.clone();
    step.request_id = error.request_id.clone();
    if let crate::graph::GraphErrorKind::Token(inner) = &error.kind {
        step.code = inner.code();
        step.trace_id = inner.trace_id().map(str::to_string);
    }
    step.hint = graph_hint(error, hints, mailbox, role);
    step.set_retry(error.retry);
    if facts::graph_inconclusive(error) {
        facts::mark_inconclusive(&mut step);
    }
    step
}

impl<'a> Context<'a> {
    async fn test(&self, target: &TargetRef, rec: &Recorder) {
        match target.kind {
            TargetKind::Integration => {
                rec.extend(self.shared_steps.iter().cloned());
                if self.client.is_some() {
                    rec.push(self.permissions_step(&self.integration_needs()));
                } else {
                    rec.push(skipped(Check::Permissions, "not run: no token"));
                }
                self.scope_step(rec).await;
            }
            TargetKind::Connector => match self.snapshot.connector(&target.name) {
                None => rec.push(missing_target("connector", &target.name)),
                Some(c) if c.use_for == UseFor::Incoming => self.incoming(c, None, rec).await,
                Some(c) => self.outbound(target, c, None, rec).await,
            },
            TargetKind::Route => {
                let Some(route) = self.snapshot.route(&target.name) else {
                    rec.push(missing_target("route", &target.name));
                    return;
                };
                match self.snapshot.connector(&route.connector) {
                    None => {
                        let mut step = Step::new(
                            Check::Target,
                            StepStatus::Failed,
                            format!(
                                "route {} names connector {}, which does not exist",
                                route.name, route.connector
                            ),
                        );
                        step.hint = Some(format!(
                            "graphmail route set {} --connector NAME",
                            route.name
                        ));
                        rec.push(step);
                    }
                    Some(c) if c.use_for == UseFor::Incoming => {
                        self.incoming(c, Some(route), rec).await
                    }
                    Some(c) => self.outbound(target, c, Some(route), rec).await,
                }
            }
        }
    }
}

/// Graph steps run only after `begin` found a client; should one not, it
/// is a failed request, never a panic.
pub(super) fn no_client() -> GraphError {
    GraphError::new(
        crate::graph::GraphErrorKind::InvalidRequest,
        "no token: Graph was not called",
    )
}

fn missing_target(kind: &str, name: &str) -> Step {
    // A target that is not in the state: nothing to establish, so failed.
    let mut step = Step::new(
        Check::Target,
        StepStatus::Failed,
        format!("no {kind} named {name}"),
    );
    step.hint = Some(format!("graphmail {kind} list shows the names"));
    step
}

//! The run: the shared phase (certificate, tenant discovery, one token), then
//! every target's own steps, concurrently, with a memo of the lookups targets
//! on one mailbox have in common.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{SecondsFormat, Utc};
use tokio::sync::OnceCell;

use super::hints::{HintContext, graph_hint, token_hint};
use super::{
    CertificateExpiry, Check, ConnectionReport, Progress, Step, StepStatus, TargetKind, TargetRef,
    TestOptions, certificate_expiry, facts, probe,
};
use crate::auth::assertion::describe_form;
use crate::auth::{
    AccessToken, ClientCredential, TokenClaims, TokenError, TokenProvider, TokenRequest,
    build_http_client, check_url, discover_authority,
};
use crate::graph::folders::{ChildLookup, lookup_child, split_path};
use crate::graph::{
    GraphClient, GraphError, GraphResponse, MailFolder, MessageQuery, OutgoingMessage,
    well_known_folder,
};
use crate::state::evidence::Outcome;
use crate::state::{Connector, Integration, Route, State, UseFor};

const READ_WRITE: &str = "Mail.ReadWrite";
/// Folders a `delivery` probe is looked for in, at most, once it is not in
/// the connector's folders.
const MAILBOX_SWEEP_FOLDERS: usize = 300;
const SEND: &str = "Mail.Send";

/// Runs the connection tests of `targets` on `snapshot`. See the module
/// docs of [`crate::diagnose`].
pub async fn run(
    snapshot: &State,
    credential: ClientCredential,
    targets: &[TargetRef],
    options: &TestOptions,
    progress: &dyn Progress,
) -> Vec<ConnectionReport> {
    let Some(integration) = snapshot.integration.as_ref() else {
        return targets
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
    };
    let ctx = Context::prepare(snapshot, integration, credential, options).await;
    let futures = targets.iter().map(|target| {
        let ctx = &ctx;
        async move {
            progress.target_started(target);
            let recorder = Recorder::default();
            let outcome = tokio::time::timeout(options.target_timeout, ctx.test(target, &recorder)).await;
            let mut steps = recorder.take();
            if outcome.is_err() {
                // The service never answered within the deadline: nothing
                // was learned about the configuration (SPEC §4).
                let check = recorder.current();
                let mut step = Step::new(
                    check,
                    StepStatus::Failed,
                    format!("no answer within {} s", options.target_timeout.as_secs_f64()),
                );
                step.hint = Some("Graph or Entra ID answered too slowly; retry, or allow more time with --timeout.".into());
                facts::mark_inconclusive(&mut step);
                steps.push(step);
            }
            let mut report = ConnectionReport::new(target.clone(), steps);
            facts::judge(snapshot, &mut report, &options.carried, Utc::now());
            progress.target_finished(&report);
            report
        }
    });
    futures::future::join_all(futures).await
}

/// Steps of one target as they complete, so a timeout keeps what finished.
#[derive(Default)]
struct Recorder {
    steps: Mutex<Vec<Step>>,
    current: Mutex<Option<Check>>,
}

impl Recorder {
    fn push(&self, step: Step) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(step);
    }
    fn extend(&self, steps: impl IntoIterator<Item = Step>) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(steps);
    }
    fn begin(&self, check: Check) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(check);
    }
    fn current(&self) -> Check {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(Check::Token)
    }
    fn take(&self) -> Vec<Step> {
        std::mem::take(&mut *self.steps.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// Changes the last step named `check`.
    fn update(&self, check: Check, change: impl FnOnce(&mut Step)) {
        let mut steps = self.steps.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(step) = steps.iter_mut().rev().find(|s| s.check == check) {
            change(step);
            step.passed = step.status != StepStatus::Failed;
        }
    }
}

/// Memoised async lookups shared by the targets of one run.
struct Memo<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    fn new() -> Self {
        Memo {
            cells: Mutex::new(HashMap::new()),
        }
    }

    async fn get<F, Fut>(&self, key: K, make: F) -> V
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

type FolderGet = Result<GraphResponse<MailFolder>, GraphError>;
type ChildGet = Result<(ChildLookup, Option<String>), GraphError>;

/// What the token says the app may do.
#[derive(Debug, Clone, Default)]
struct Roles {
    claims: TokenClaims,
}

impl Roles {
    fn readable(&self) -> bool {
        self.claims.readable
    }
    fn has(&self, role: &str) -> bool {
        self.claims.has_role(role)
    }
    fn can_read(&self) -> bool {
        self.has(READ_WRITE) || self.has("Mail.Read")
    }
    /// Readable and without any Mail.* role: consent missing, or RBAC for
    /// Applications only.
    fn no_mail_roles(&self) -> bool {
        self.readable()
            && !self
                .claims
                .roles
                .iter()
                .any(|r| r.to_ascii_lowercase().starts_with("mail."))
    }
}

struct Context<'a> {
    snapshot: &'a State,
    integration: &'a Integration,
    options: &'a TestOptions,
    hints: HintContext,
    /// certificate, authority, token: the same for every target.
    shared_steps: Vec<Step>,
    /// `None` when the shared phase failed: the rest is meaningless.
    client: Option<GraphClient>,
    roles: Roles,
    folders: Memo<(String, String), FolderGet>,
    children: Memo<(String, String, String), ChildGet>,
}

fn timed(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn skipped(check: Check, detail: impl Into<String>) -> Step {
    Step::new(check, StepStatus::Skipped, detail)
}

/// A failed step, or an inconclusive one when the service never answered.
fn token_failure(check: Check, error: &TokenError, hints: &HintContext, ms: u64) -> Step {
    let detail = match error.entra() {
        Some(e) if !e.description.is_empty() => e.description.clone(),
        _ => error.to_string(),
    };
    let mut step = Step::new(check, StepStatus::Failed, detail);
    step.code = error.code();
    step.trace_id = error.trace_id().map(str::to_string);
    step.hint = token_hint(error, hints);
    step.ms = ms;
    if facts::token_inconclusive(error) {
        facts::mark_inconclusive(&mut step);
    }
    step
}

/// A failed step, or an inconclusive one when the service never answered
/// (throttled or unavailable to the end, timeouts, dropped connections).
fn graph_failure(
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
    step.retries = error.attempts.saturating_sub(1);
    if facts::graph_inconclusive(error) {
        facts::mark_inconclusive(&mut step);
    }
    step
}

impl<'a> Context<'a> {
    async fn prepare(
        snapshot: &'a State,
        integration: &'a Integration,
        credential: ClientCredential,
        options: &'a TestOptions,
    ) -> Context<'a> {
        let endpoints = integration.endpoints();
        let hints = HintContext {
            tenant: integration.tenant.clone(),
            app_id: integration.app_id.clone(),
            authority_host: endpoints.authority_host.clone(),
            form: credential.certificate().map(|k| k.form),
            sha1: credential
                .certificate()
                .map(|k| k.certificate.sha1_hex.clone()),
        };
        let mut ctx = Context {
            snapshot,
            integration,
            options,
            hints,
            shared_steps: Vec::new(),
            client: None,
            roles: Roles::default(),
            folders: Memo::new(),
            children: Memo::new(),
        };

        // certificate
        let mut certificate_ok = true;
        if let Some(key) = credential.certificate() {
            let step = certificate_step(
                &key.certificate.subject,
                &key.certificate.sha1_hex,
                &key.certificate.not_after,
                options,
            );
            certificate_ok = step.status != StepStatus::Failed;
            ctx.shared_steps.push(step);
        }

        // Endpoints and the HTTP client.
        let mut http_options = options.http.clone();
        if http_options.ca_file.is_none() {
            http_options.ca_file = integration.ca_file.as_ref().map(Into::into);
        }
        let setup = check_url(&endpoints.authority_host)
            .and_then(|_| check_url(&endpoints.graph_endpoint))
            .and_then(|_| build_http_client(&http_options));
        let http = match setup {
            Ok(http) => http,
            Err(e) => {
                let mut step = Step::new(Check::Authority, StepStatus::Failed, e.to_string());
                step.hint = Some(
                    "Fix the endpoints or CA file with graphmail integration set (--cloud, --authority-host, --graph-endpoint, --ca-file).".into(),
                );
                ctx.shared_steps.push(step);
                ctx.shared_steps.push(skipped(
                    Check::Token,
                    "not run: the endpoints cannot be used",
                ));
                return ctx;
            }
        };

        // authority and token, side by side: discovery only explains a
        // failure, it must not lengthen every run by a round trip.
        let form = credential.certificate().map(|k| k.form);
        let provider = Arc::new(
            TokenProvider::new(
                http.clone(),
                TokenRequest::new(&endpoints, &integration.tenant, &integration.app_id),
                credential,
            )
            .with_retry(options.retry.clone()),
        );
        let authority_started = Instant::now();
        let authority = async {
            let result = discover_authority(&http, &endpoints, &integration.tenant).await;
            (result, timed(authority_started))
        };
        let token = async {
            if !certificate_ok {
                return None;
            }
            let started = Instant::now();
            let result = provider.token().await;
            Some((result, timed(started)))
        };
        let ((authority, authority_ms), token) = tokio::join!(authority, token);

        let mut authority_failed = false;
        let authority_step = match authority {
            Ok(info) => {
                let mut detail = format!(
                    "tenant {} resolves on {}",
                    integration.tenant, endpoints.authority_host
                );
                if let Some(cloud) = info.cloud_instance_name {
                    detail.push_str(&format!(" (cloud instance {cloud})"));
                }
                let mut step = Step::new(Check::Authority, StepStatus::Passed, detail);
                step.ms = authority_ms;
                step
            }
            Err(TokenError::InvalidResponse { status, .. }) if (400..500).contains(&status) => {
                // NOTE: custom endpoints (proxies) may not serve discovery;
                // the token request decides then.
                let mut step = Step::new(
                    Check::Authority,
                    StepStatus::Warning,
                    format!(
                        "{} has no OpenID discovery document for tenant {} (HTTP {status}); the token step decides",
                        endpoints.authority_host, integration.tenant
                    ),
                );
                step.ms = authority_ms;
                step
            }
            Err(e) => {
                let step = token_failure(Check::Authority, &e, &ctx.hints, authority_ms);
                // A busy authority host said nothing about the tenant: the
                // token request (made side by side) still decides.
                authority_failed = !step.inconclusive;
                step
            }
        };
        ctx.shared_steps.push(authority_step);

        let token_step = match token {
            None => skipped(Check::Token, "not run: the certificate has expired"),
            Some(_) if authority_failed => {
                skipped(Check::Token, "not run: the tenant did not resolve")
            }
            Some((Err(e), ms)) => token_failure(Check::Token, &e, &ctx.hints, ms),
            Some((Ok(token), ms)) => {
                let step = token_passed(&token, form, ms);
                ctx.roles = Roles {
                    claims: token.claims.clone(),
                };
                match GraphClient::new(http, &endpoints.graph_endpoint, provider.clone()) {
                    Ok(client) => ctx.client = Some(client.with_retry(options.retry.clone())),
                    Err(e) => {
                        let mut failed = Step::new(Check::Token, StepStatus::Failed, e.to_string());
                        failed.ms = ms;
                        ctx.shared_steps.push(failed);
                        return ctx;
                    }
                }
                step
            }
        };
        ctx.shared_steps.push(token_step);
        ctx
    }

    async fn test(&self, target: &TargetRef, rec: &Recorder) {
        match target.kind {
            TargetKind::Integration => {
                rec.extend(self.shared_steps.iter().cloned());
                if self.client.is_some() {
                    rec.push(self.permissions_step(&self.integration_needs()));
                } else {
                    rec.push(skipped(Check::Permissions, "not run: no token"));
                }
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

    /// Roles the integration needs for the connectors it has.
    fn integration_needs(&self) -> Vec<&'static str> {
        let mut needs = Vec::new();
        if self
            .snapshot
            .connectors
            .iter()
            .any(|c| c.use_for == UseFor::Incoming)
        {
            needs.push(READ_WRITE);
        }
        if self
            .snapshot
            .connectors
            .iter()
            .any(|c| c.use_for == UseFor::Outbound)
        {
            needs.push(SEND);
        }
        needs
    }

    fn permissions_step(&self, needs: &[&str]) -> Step {
        let claims = &self.roles.claims;
        if !claims.readable {
            return skipped(
                Check::Permissions,
                "the token cannot be read (Microsoft treats Graph tokens as opaque); the mailbox steps verify access",
            );
        }
        let shown = if claims.roles.is_empty() {
            "none".to_string()
        } else {
            claims.roles.join(", ")
        };
        let missing: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|r| !claims.has_role(r))
            .collect();
        let no_mail = self.roles.no_mail_roles();
        if missing.is_empty() && !(needs.is_empty() && no_mail) {
            return Step::new(
                Check::Permissions,
                StepStatus::Passed,
                format!("token roles: {shown}"),
            );
        }
        let wanted = if missing.is_empty() {
            "Mail.ReadWrite or Mail.Send".to_string()
        } else {
            missing.join(", ")
        };
        let mut detail = format!(
            "the token lacks {wanted} (roles: {shown}): admin consent was not granted, or the permission comes only from Exchange RBAC for Applications, which tokens do not show"
        );
        if missing == [READ_WRITE] && claims.has_role("Mail.Read") {
            detail = format!(
                "the token has Mail.Read but not Mail.ReadWrite (roles: {shown}): mail can be read but not moved or marked"
            );
        }
        let mut step = Step::new(Check::Permissions, StepStatus::Warning, detail);
        step.hint = Some(format!(
            "In Entra admin center > App registrations > (application {}) > API permissions, add the Microsoft Graph application permission {wanted} and click Grant admin consent.",
            self.integration.app_id
        ));
        step
    }

    /// The shared part, then `false` (with the rest skipped by the caller)
    /// when there is no token.
    fn begin(&self, needs: &[&str], rec: &Recorder) -> bool {
        rec.extend(self.shared_steps.iter().cloned());
        if self.client.is_none() {
            rec.push(skipped(Check::Permissions, "not run: no token"));
            return false;
        }
        rec.push(self.permissions_step(needs));
        true
    }

    async fn get_folder(&self, mailbox: &str, folder: &str) -> FolderGet {
        let key = (
            mailbox.trim().to_ascii_lowercase(),
            folder.to_ascii_lowercase(),
        );
        let Some(client) = &self.client else {
            return Err(no_client());
        };
        self.folders
            .get(key, || client.get_folder(mailbox, folder))
            .await
    }

    async fn child(&self, mailbox: &str, parent: Option<&str>, segment: &str) -> ChildGet {
        let key = (
            mailbox.trim().to_ascii_lowercase(),
            parent.unwrap_or_default().to_string(),
            segment.to_lowercase(),
        );
        let Some(client) = &self.client else {
            return Err(no_client());
        };
        self.children
            .get(key, || lookup_child(client, mailbox, parent, segment))
            .await
    }

    /// `mailbox`: the Inbox answers. The same GET serves as the first segment
    /// of an `Inbox/...` folder path, so it costs no extra round trip.
    async fn mailbox_step(&self, mailbox: &str, role: &str, rec: &Recorder) -> bool {
        rec.begin(Check::Mailbox);
        let started = Instant::now();
        let result = self.get_folder(mailbox, "inbox").await;
        let ms = timed(started);
        match result {
            Ok(inbox) => {
                let mut step = Step::new(
                    Check::Mailbox,
                    StepStatus::Passed,
                    format!("{mailbox} answers with application permissions"),
                );
                step.request_id = inbox.request_id;
                step.retries = inbox.attempts.saturating_sub(1);
                step.ms = ms;
                rec.push(step);
                if self.roles.readable()
                    && !self.roles.has(role)
                    && !(role == SEND && self.roles.can_read())
                {
                    rec.update(Check::Permissions, |p| {
                        p.detail = format!(
                            "the token lacks {role}, but {mailbox} answered anyway: access is granted through Exchange RBAC for Applications, which tokens do not show"
                        );
                        p.hint = Some(format!(
                            "Nothing to change if that is intended; check with Test-ServicePrincipalAuthorization -Identity {} -Resource {mailbox}.",
                            self.integration.app_id
                        ));
                    });
                }
                true
            }
            Err(e) => {
                let what = if e.message.contains("Access to OData is disabled") {
                    format!("an application access policy denies {mailbox}: {e}")
                } else {
                    format!("{mailbox} did not answer: {e}")
                };
                let mut step = graph_failure(Check::Mailbox, what, &e, &self.hints, mailbox, role);
                step.ms = ms;
                rec.push(step);
                let consent_missing = e.has_code("NoPermissionsInAccessToken")
                    || (e.is_status(403) && !e.message.contains("Access to OData is disabled"));
                if consent_missing && self.roles.readable() && !self.roles.has(role) {
                    rec.update(Check::Permissions, |p| {
                        p.status = StepStatus::Failed;
                        p.detail = format!(
                            "{} — and Graph refused the mailbox, so consent is missing",
                            p.detail
                        );
                    });
                }
                false
            }
        }
    }

    /// One `folder` step per path of the connector, concurrently. Returns
    /// the resolved folders (for the delivery probe).
    async fn folder_steps(
        &self,
        connector: &Connector,
        rec: &Recorder,
    ) -> Vec<(String, MailFolder)> {
        rec.begin(Check::Folder);
        let results = futures::future::join_all(
            connector
                .folders
                .iter()
                .map(|path| self.folder_step(&connector.address, path)),
        )
        .await;
        let mut found = Vec::new();
        for (path, (mut step, folder)) in connector.folders.iter().zip(results) {
            step.subject = Some(path.clone());
            rec.push(step);
            if let Some(folder) = folder {
                found.push((path.clone(), folder));
            }
        }
        found
    }

    async fn folder_step(&self, mailbox: &str, path: &str) -> (Step, Option<MailFolder>) {
        let started = Instant::now();
        let segments = split_path(path);
        let fail = |detail: String, request_id: Option<String>| {
            let mut step = Step::new(Check::Folder, StepStatus::Failed, detail);
            step.request_id = request_id;
            step.hint = Some(format!(
                "Create the folder in {mailbox} (Outlook on the web, signed in with access to the shared mailbox), or change the path: graphmail connector set NAME --folder PATH."
            ));
            step.ms = timed(started);
            (step, None)
        };
        let Some((first, rest)) = segments.split_first() else {
            return fail(format!("{path:?}: the folder path is empty"), None);
        };
        let graph_fail = |e: GraphError| {
            let mut step = graph_failure(
                Check::Folder,
                format!("{path}: {e}"),
                &e,
                &self.hints,
                mailbox,
                READ_WRITE,
            );
            step.ms = timed(started);
            (step, None)
        };
        let (mut current, mut request_id) = match well_known_folder(first) {
            Some(name) => match self.get_folder(mailbox, name).await {
                Ok(folder) => (folder.value, folder.request_id),
                Err(e) => return graph_fail(e),
            },
            None => match self.child(mailbox, None, first).await {
                Ok((ChildLookup::Found(folder), id)) => (folder, id),
                Ok((lookup, id)) => return fail(miss(path, first, "", lookup), id),
                Err(e) => return graph_fail(e),
            },
        };
        let mut walked = first.to_string();
        for segment in rest {
            match self.child(mailbox, Some(&current.id), segment).await {
                Ok((ChildLookup::Found(folder), id)) => {
                    current = folder;
                    request_id = id;
                }
                Ok((lookup, id)) => return fail(miss(path, segment, &walked, lookup), id),
                Err(e) => return graph_fail(e),
            }
            walked.push('/');
            walked.push_str(segment);
        }
        let mut step = Step::new(Check::Folder, StepStatus::Passed, format!("{path}: found"));
        step.request_id = request_id;
        step.ms = timed(started);
        (step, Some(current))
    }

    async fn incoming(&self, connector: &Connector, route: Option<&Route>, rec: &Recorder) {
        let folder_names = || {
            connector
                .folders
                .iter()
                .map(|p| folder_skipped(p, format!("{p}: not run")))
        };
        if !self.begin(&[READ_WRITE], rec) {
            rec.push(skipped(Check::Mailbox, "not run: no token"));
            rec.extend(folder_names());
            if let Some(route) = route {
                rec.push(self.address_step(route));
                rec.push(skipped(Check::Delivery, "not run: no token"));
            }
            return;
        }
        let mut folders = Vec::new();
        if self.mailbox_step(&connector.address, READ_WRITE, rec).await {
            folders = self.folder_steps(connector, rec).await;
        } else {
            rec.extend(
                connector.folders.iter().map(|p| {
                    folder_skipped(p, format!("{p}: not run: the mailbox did not answer"))
                }),
            );
        }
        if let Some(route) = route {
            rec.push(self.address_step(route));
            let all_found =
                !connector.folders.is_empty() && folders.len() == connector.folders.len();
            rec.begin(Check::Delivery);
            rec.push(
                self.delivery_step(connector, route, &folders, all_found)
                    .await,
            );
        }
    }

    fn address_step(&self, route: &Route) -> Step {
        let address = route.address.trim();
        if !valid_address(address) {
            let mut step = Step::new(
                Check::Address,
                StepStatus::Failed,
                format!("'{address}' is not a valid email address"),
            );
            step.hint = Some(format!(
                "graphmail route set {} --address ADDRESS",
                route.name
            ));
            return step;
        }
        let incoming = |r: &&Route| {
            self.snapshot
                .connector(&r.connector)
                .map(|c| c.use_for == UseFor::Incoming)
                .unwrap_or(false)
        };
        let others: Vec<&str> = self
            .snapshot
            .routes
            .iter()
            .filter(|r| r.name != route.name && r.address.trim().eq_ignore_ascii_case(address))
            .filter(incoming)
            .map(|r| r.name.as_str())
            .collect();
        if !others.is_empty() {
            let mut step = Step::new(
                Check::Address,
                StepStatus::Failed,
                format!(
                    "{address} is also the address of incoming route(s) {}: mail to it cannot be routed unambiguously",
                    others.join(", ")
                ),
            );
            step.hint = Some(format!(
                "Give each incoming route its own address: graphmail route set {} --address ADDRESS",
                route.name
            ));
            return step;
        }
        Step::new(
            Check::Address,
            StepStatus::Passed,
            format!("{address} is a valid address, unique among incoming routes"),
        )
    }

    async fn delivery_step(
        &self,
        connector: &Connector,
        route: &Route,
        folders: &[(String, MailFolder)],
        all_found: bool,
    ) -> Step {
        if !self.options.probe_delivery {
            return skipped(
                Check::Delivery,
                format!(
                    "not probed: --probe-delivery sends a probe to {} through an enabled outbound connector and looks for it in {}",
                    route.address,
                    connector.folders.join(", ")
                ),
            );
        }
        let Some(outbound) = self
            .snapshot
            .connectors
            .iter()
            .find(|c| c.use_for == UseFor::Outbound && c.enabled)
        else {
            let mut step = skipped(
                Check::Delivery,
                "not probed: no enabled outbound connector to send the probe through",
            );
            step.hint = Some("Enable an outbound connector (graphmail enable connector NAME), then retry with --probe-delivery.".into());
            return step;
        };
        if !all_found || folders.is_empty() {
            return skipped(
                Check::Delivery,
                "not run: the connector's folders did not all resolve",
            );
        }
        let Some(client) = &self.client else {
            return skipped(Check::Delivery, "not run: no token");
        };
        let started = Instant::now();
        let marker = uuid::Uuid::new_v4().simple().to_string();
        let subject = format!("graphmail delivery probe {marker}");
        let message = OutgoingMessage {
            subject: subject.clone(),
            body: format!(
                "This message was sent by graphmail test-connection through connector {} to check that mail to {} reaches connector {}. It can be deleted.",
                outbound.name, route.address, connector.name
            ),
            to: vec![route.address.trim().to_string()],
            ..OutgoingMessage::default()
        };
        if let Err(e) = client.send_mail(&outbound.address, &message, true).await {
            let mut step = graph_failure(
                Check::Delivery,
                format!(
                    "the probe could not be sent through {} ({}): {e}",
                    outbound.name, outbound.address
                ),
                &e,
                &self.hints,
                &outbound.address,
                SEND,
            );
            step.ms = timed(started);
            return step;
        }
        let deadline = started + self.options.delivery_wait;
        let query = MessageQuery {
            select: vec!["id".into(), "subject".into(), "receivedDateTime".into()],
            top: Some(25),
            orderby: Some("receivedDateTime desc".into()),
            ..MessageQuery::default()
        };
        let mut last_request_id = None;
        // The Inbox is looked at too, unless it is one of the connector's
        // folders: a probe that lands there ends the wait early.
        let inbox_watched = folders
            .iter()
            .any(|(p, _)| p.trim().eq_ignore_ascii_case("inbox"));
        let mut elsewhere: Option<String> = None;
        'wait: loop {
            for (path, folder) in folders {
                match client
                    .list_messages(&connector.address, &folder.id, &query)
                    .await
                {
                    Ok(listed) => {
                        last_request_id = listed.request_id.clone();
                        if listed
                            .value
                            .iter()
                            .any(|m| m.subject.as_deref() == Some(subject.as_str()))
                        {
                            let mut step = Step::new(
                                Check::Delivery,
                                StepStatus::Passed,
                                format!(
                                    "a probe sent through {} to {} arrived in {path} after {:.1} s",
                                    outbound.name,
                                    route.address,
                                    started.elapsed().as_secs_f64()
                                ),
                            );
                            step.request_id = listed.request_id;
                            step.ms = timed(started);
                            return step;
                        }
                    }
                    Err(e) => {
                        let mut step = graph_failure(
                            Check::Delivery,
                            format!("{path}: {e}"),
                            &e,
                            &self.hints,
                            &connector.address,
                            READ_WRITE,
                        );
                        step.ms = timed(started);
                        return step;
                    }
                }
            }
            if !inbox_watched
                && let Ok(listed) = client
                    .list_messages(&connector.address, "inbox", &query)
                    .await
                && listed
                    .value
                    .iter()
                    .any(|m| m.subject.as_deref() == Some(subject.as_str()))
            {
                elsewhere = Some("Inbox".to_string());
                break 'wait;
            }
            if Instant::now() + self.options.poll_interval > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        if elsewhere.is_none() {
            elsewhere = self
                .find_in_mailbox(client, &connector.address, &subject, &query)
                .await;
        }
        if let Some(place) = elsewhere {
            let mut step = Step::new(
                Check::Delivery,
                StepStatus::Failed,
                format!(
                    "a probe sent to {} arrived in {place} of {}, not in the connector's folders ({}): the address works, but the mail is not where the connector reads",
                    route.address,
                    connector.address,
                    connector.folders.join(", ")
                ),
            );
            step.request_id = last_request_id;
            step.hint = Some(format!(
                "An inbox rule or mail flow rule should move mail to {} into one of the connector's folders, or the connector is missing that folder: graphmail connector set {} --add-folder \"{place}\".",
                route.address, connector.name
            ));
            step.ms = timed(started);
            return step;
        }
        let mut step = Step::new(
            Check::Delivery,
            StepStatus::Failed,
            format!(
                "a probe sent to {} (subject \"{subject}\") did not arrive in {} within {} s",
                route.address,
                connector.folders.join(", "),
                self.options.delivery_wait.as_secs()
            ),
        );
        step.request_id = last_request_id;
        step.hint = Some(format!(
            "The probe is nowhere in {1}: check that {0} is an address of {1} (Exchange admin center > Recipients > Mailboxes > Email addresses) and that no mail flow rule redirects it; delivery can also lag, so retry.",
            route.address, connector.address
        ));
        step.ms = timed(started);
        step
    }

    /// An outbound connector, or a route on one: `send` for the mailbox,
    /// then `send-as` for an alias. Probes go out only where a required fact
    /// lacks evidence (SPEC §3).
    /// Searches every folder of `mailbox` (breadth first, at most
    /// [`MAILBOX_SWEEP_FOLDERS`]) for a message with `subject`; returns the
    /// folder's path.
    async fn find_in_mailbox(
        &self,
        client: &GraphClient,
        mailbox: &str,
        subject: &str,
        query: &MessageQuery,
    ) -> Option<String> {
        let mut queue: std::collections::VecDeque<(Option<String>, String)> =
            std::collections::VecDeque::from([(None, String::new())]);
        let mut seen = 0usize;
        while let Some((parent, prefix)) = queue.pop_front() {
            let listed = client
                .list_folders(mailbox, parent.as_deref(), None)
                .await
                .ok()?;
            for folder in listed.value {
                seen += 1;
                if seen > MAILBOX_SWEEP_FOLDERS {
                    return None;
                }
                let path = if prefix.is_empty() {
                    folder.display_name.clone()
                } else {
                    format!("{prefix}/{}", folder.display_name)
                };
                if let Ok(messages) = client.list_messages(mailbox, &folder.id, query).await
                    && messages
                        .value
                        .iter()
                        .any(|m| m.subject.as_deref() == Some(subject))
                {
                    return Some(path);
                }
                if folder.child_folder_count.unwrap_or(0) > 0 {
                    queue.push_back((Some(folder.id.clone()), path));
                }
            }
        }
        None
    }

    async fn outbound(
        &self,
        target: &TargetRef,
        connector: &Connector,
        route: Option<&Route>,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        let alias = route
            .map(|r| r.address.trim())
            .filter(|a| !a.eq_ignore_ascii_case(mailbox));
        let skip_rest = |why: &str| {
            rec.push(skipped(Check::Send, format!("not run: {why}")));
            if alias.is_some() {
                rec.push(skipped(Check::SendAs, format!("not run: {why}")));
            }
        };
        if !self.begin(&[SEND], rec) {
            rec.push(skipped(Check::Mailbox, "not run: no token"));
            skip_rest("no token");
            return;
        }
        let mut mailbox_answered = false;
        if self.roles.readable() && !self.roles.can_read() {
            rec.push(skipped(
                Check::Mailbox,
                "not checked: the token has no Mail.Read or Mail.ReadWrite role, and sending needs only Mail.Send; a probe checks the mailbox by sending",
            ));
        } else if self.mailbox_step(mailbox, SEND, rec).await {
            mailbox_answered = true;
        } else {
            skip_rest("the mailbox did not answer");
            return;
        }
        rec.begin(Check::Send);
        self.send_step(target, connector, mailbox_answered, rec)
            .await;
        if let (Some(alias), Some(route)) = (alias, route) {
            rec.begin(Check::SendAs);
            self.send_as_step(target, connector, route, alias, rec)
                .await;
        }
    }

    /// Carried evidence of `fact` for `target` that spares a probe: an
    /// established fact, or a refuted one unless the user asked to re-probe.
    fn carried(&self, target: &TargetRef, fact: &str) -> Option<Step> {
        let required = facts::required(self.snapshot, target)
            .into_iter()
            .find(|r| r.fact == fact)?;
        let evidence = self.options.carried.find(&required, Utc::now())?;
        if evidence.outcome == Outcome::Refuted && self.options.reprobe_refuted {
            return None;
        }
        Some(facts::carry(evidence, &required, None))
    }

    /// Whether the app may read a probe's copy (in Sent Items or received):
    /// a read role, or roles that the token does not show.
    fn may_read_copies(&self) -> bool {
        self.roles.can_read() || !self.roles.readable() || self.roles.no_mail_roles()
    }

    fn probe_message(
        &self,
        connector: &Connector,
        from: &str,
        alias: bool,
        to: &str,
    ) -> OutgoingMessage {
        OutgoingMessage {
            subject: format!(
                "graphmail connection test {}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            body: format!(
                "This message was sent by graphmail test-connection to check that connector {} can send mail as {from}. It can be deleted.",
                connector.name
            ),
            to: vec![to.to_string()],
            from: alias.then(|| from.to_string()),
            ..OutgoingMessage::default()
        }
    }

    /// `send`: with a read role, the mailbox answering and Mail.Send in the
    /// token establish it; otherwise carried evidence, or a probe.
    async fn send_step(
        &self,
        target: &TargetRef,
        connector: &Connector,
        mailbox_answered: bool,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        if mailbox_answered
            && self.roles.readable()
            && self.roles.has(SEND)
            && self.roles.can_read()
        {
            rec.push(Step::new(
                Check::Send,
                StepStatus::Passed,
                format!(
                    "{mailbox} answers and the token has Mail.Send: the app may send as {mailbox}"
                ),
            ));
            return;
        }
        if let Some(step) = self.carried(target, "send") {
            rec.push(step);
            return;
        }
        if self.options.no_send {
            let mut step = skipped(
                Check::Send,
                format!(
                    "not sent (--no-send): without a read role and Mail.Send in the token, only a probe shows that the app may send as {mailbox}"
                ),
            );
            step.hint = Some(format!(
                "Run the test without --no-send (a probe goes to {mailbox}; --send-test-to ADDR picks another), or grant Mail.Send and Mail.Read to application {} with admin consent.",
                self.integration.app_id
            ));
            rec.push(step);
            return;
        }
        let Some(client) = &self.client else {
            rec.push(skipped(Check::Send, "not run: no token"));
            return;
        };
        let to = self
            .options
            .send_test_to
            .as_deref()
            .unwrap_or(mailbox)
            .trim();
        let message = self.probe_message(connector, mailbox, false, to);
        let verify = self
            .may_read_copies()
            .then_some(self.options.sent_items_wait);
        let started = Instant::now();
        match probe::send(
            client,
            mailbox,
            &message,
            &self.roles.claims,
            verify,
            self.options.poll_interval,
        )
        .await
        {
            Ok(sent) => {
                let mut step = Step::new(
                    Check::Send,
                    StepStatus::Passed,
                    format!("Graph accepted a probe from {mailbox} to {to}"),
                );
                step.request_id = sent.request_id.clone();
                step.retries = sent.retries;
                step.ms = timed(started);
                rec.push(step);
                rec.push(self.sent_items_step(mailbox, sent.verification));
            }
            Err(failure) => {
                rec.push(self.send_failure(Check::Send, &failure.error, mailbox, None, started))
            }
        }
    }

    /// `sent-items`: the probe's copy, a confirmation of `send`.
    fn sent_items_step(&self, mailbox: &str, verification: Option<probe::Verification>) -> Step {
        match verification {
            None => skipped(
                Check::SentItems,
                "not checked: reading Sent Items needs Mail.Read or Mail.ReadWrite (API permissions > Mail.ReadWrite > Grant admin consent would verify it)",
            ),
            Some(v) if v.found => {
                let mut step = Step::new(
                    Check::SentItems,
                    StepStatus::Passed,
                    format!(
                        "the probe is in Sent Items of {mailbox} ({} match)",
                        v.strength
                    ),
                );
                step.ms = v.waited_ms;
                step
            }
            Some(v) => {
                let mut step = Step::new(
                    Check::SentItems,
                    StepStatus::Warning,
                    format!(
                        "the probe was accepted but its copy was not in Sent Items of {mailbox} within {} s; Exchange may still be processing it",
                        self.options.sent_items_wait.as_secs()
                    ),
                );
                step.ms = v.waited_ms;
                step
            }
        }
    }

    /// `send-as`: whether the app may send as the alias, known only by
    /// sending and reading a copy's From (SPEC §3). Exchange rewriting the
    /// alias to the primary address is a failure for an alias.
    async fn send_as_step(
        &self,
        target: &TargetRef,
        connector: &Connector,
        route: &Route,
        alias: &str,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        if let Some(step) = self.carried(target, "send-as") {
            rec.push(step);
            return;
        }
        let again = format!("graphmail test-connection route {}", route.name);
        if self.options.no_send {
            let mut step = skipped(
                Check::SendAs,
                format!(
                    "not sent (--no-send): whether the app may send as {alias} is known only by sending"
                ),
            );
            step.hint = Some(format!(
                "Run `{again}` without --no-send: a probe from {alias} goes to {mailbox} (--send-test-to ADDR picks another)."
            ));
            rec.push(step);
            return;
        }
        let Some(client) = &self.client else {
            rec.push(skipped(Check::SendAs, "not run: no token"));
            return;
        };
        let to = self
            .options
            .send_test_to
            .as_deref()
            .unwrap_or(mailbox)
            .trim();
        let message = self.probe_message(connector, alias, true, to);
        let readable = self.may_read_copies();
        let started = Instant::now();
        let since = Utc::now() - chrono::Duration::minutes(2);
        let sent = match probe::send(
            client,
            mailbox,
            &message,
            &self.roles.claims,
            readable.then_some(self.options.sent_items_wait),
            self.options.poll_interval,
        )
        .await
        {
            Ok(sent) => sent,
            Err(failure) => {
                rec.push(self.send_failure(
                    Check::SendAs,
                    &failure.error,
                    mailbox,
                    Some(alias),
                    started,
                ));
                return;
            }
        };
        let mut place = format!("Sent Items of {mailbox}");
        let mut copy = sent.verification.filter(|v| v.found);
        if copy.is_none() && readable && !to.eq_ignore_ascii_case(mailbox) {
            // Else the copy received in a mailbox the app may read.
            let received = probe::find_by_subject(
                client,
                to,
                "inbox",
                &message,
                since,
                self.options.sent_items_wait,
                self.options.poll_interval,
            )
            .await;
            if received.found {
                place = format!("the copy received in {to}");
                copy = Some(received);
            }
        }
        let accepted = format!("Graph accepted a probe from {alias} to {to}");
        let mut step = match (readable, copy) {
            (false, _) => {
                let mut step = skipped(
                    Check::SendAs,
                    format!(
                        "{accepted}, but neither Sent Items of {mailbox} nor the copy received can be read: whether Exchange kept {alias} as From is unknown"
                    ),
                );
                step.hint = Some(format!(
                    "Grant Mail.Read (or Mail.ReadWrite) to application {} with admin consent so the probe's copy can be read, then run `{again}`.",
                    self.integration.app_id
                ));
                step
            }
            (true, None) => {
                let mut step = skipped(
                    Check::SendAs,
                    format!(
                        "{accepted}, but its copy was not found within {} s: whether Exchange kept {alias} as From is unknown",
                        self.options.sent_items_wait.as_secs()
                    ),
                );
                step.inconclusive = true;
                step.hint = Some(format!(
                    "Exchange may still be processing it; run `{again}` again."
                ));
                step
            }
            (true, Some(v)) => {
                let seen = v.from_observed.clone().unwrap_or_else(|| "(none)".into());
                let mut step = match probe::judge_from(alias, mailbox, &seen) {
                    probe::FromOutcome::AsSent => Step::new(
                        Check::SendAs,
                        StepStatus::Passed,
                        format!("{accepted}; {place} shows From {alias}: Exchange kept the alias"),
                    ),
                    probe::FromOutcome::Rewritten => {
                        let mut step = Step::new(
                            Check::SendAs,
                            StepStatus::Failed,
                            format!(
                                "{accepted}, but Exchange rewrote the alias to the primary address: {place} shows From {mailbox}, not {alias}"
                            ),
                        );
                        step.hint = Some(
                            "To send from aliases, run Set-OrganizationConfig -SendFromAliasEnabled $true in Exchange Online PowerShell (takes up to an hour); until then mail leaves with the primary address."
                                .into(),
                        );
                        step
                    }
                    probe::FromOutcome::Different => Step::new(
                        Check::SendAs,
                        StepStatus::Failed,
                        format!("{accepted}, but {place} shows From {seen}, not {alias}"),
                    ),
                };
                step.request_id = sent.request_id.clone();
                step
            }
        };
        step.retries = sent.retries;
        step.ms = timed(started);
        rec.push(step);
    }

    fn send_failure(
        &self,
        check: Check,
        e: &GraphError,
        mailbox: &str,
        alias: Option<&str>,
        started: Instant,
    ) -> Step {
        let from = alias.unwrap_or(mailbox);
        let mut step = graph_failure(
            check,
            format!("sending as {from} failed: {e}"),
            e,
            &self.hints,
            mailbox,
            SEND,
        );
        if e.has_code("ErrorSendAsDenied") {
            step.detail =
                format!("Exchange refused to send as {from} from {mailbox} (ErrorSendAsDenied)");
            step.hint = Some(format!(
                "If {from} is another mailbox, give {mailbox} Send As on it: Add-RecipientPermission -Identity {from} -Trustee {mailbox} -AccessRights SendAs. If it is an alias (proxy address) of {mailbox}, allow sending from aliases: Set-OrganizationConfig -SendFromAliasEnabled $true (takes up to an hour)."
            ));
        }
        step.ms = timed(started);
        step
    }
}

fn folder_skipped(path: &str, detail: String) -> Step {
    let mut step = skipped(Check::Folder, detail);
    step.subject = Some(path.to_string());
    step
}

/// Graph steps run only after `begin` found a client; should one not, it
/// is a failed request, never a panic.
fn no_client() -> GraphError {
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

fn token_passed(token: &AccessToken, form: Option<crate::state::AssertionForm>, ms: u64) -> Step {
    let how = match form {
        Some(form) => format!("certificate, {}", describe_form(form)),
        None => "client secret".to_string(),
    };
    let mut detail = format!("token issued ({how}), valid {} min", token.expires_in / 60);
    if let Some(tid) = &token.claims.tid {
        detail.push_str(&format!(", tenant {tid}"));
    }
    let mut step = Step::new(Check::Token, StepStatus::Passed, detail);
    step.ms = ms;
    step
}

fn certificate_step(subject: &str, sha1: &str, not_after: &str, options: &TestOptions) -> Step {
    let now = options.now.unwrap_or_else(Utc::now);
    let date = chrono::DateTime::parse_from_rfc3339(not_after)
        .map(|d| {
            d.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        })
        .unwrap_or_else(|_| not_after.to_string());
    let renew = "Make a new one (graphmail certificate new), upload its .cer under Entra admin center > App registrations > (your app) > Certificates & secrets > Certificates, then graphmail integration set --certificate NEW.pfx.";
    match certificate_expiry(not_after, now) {
        CertificateExpiry::Valid { days_left } => Step::new(
            Check::Certificate,
            StepStatus::Passed,
            format!("{subject} (SHA-1 {sha1}) is valid until {date}, {days_left} days from now"),
        ),
        CertificateExpiry::ExpiresSoon { days_left } => {
            let mut step = Step::new(
                Check::Certificate,
                StepStatus::Warning,
                format!("{subject} (SHA-1 {sha1}) expires on {date}, in {days_left} days"),
            );
            step.hint = Some(renew.into());
            step
        }
        CertificateExpiry::Expired { days_ago } => {
            let mut step = Step::new(
                Check::Certificate,
                StepStatus::Failed,
                format!("{subject} (SHA-1 {sha1}) expired on {date}, {days_ago} days ago"),
            );
            step.hint = Some(renew.into());
            step
        }
        CertificateExpiry::Unknown => Step::new(
            Check::Certificate,
            StepStatus::Warning,
            format!("{subject}: the expiry date {not_after:?} cannot be read"),
        ),
    }
}

fn miss(path: &str, segment: &str, parent: &str, lookup: ChildLookup) -> String {
    let place = if parent.is_empty() {
        "the top of the mailbox".to_string()
    } else {
        format!("'{parent}'")
    };
    match lookup {
        ChildLookup::Missing { existing } if existing.is_empty() => {
            format!("{path}: no folder '{segment}' under {place}, which has no folders")
        }
        ChildLookup::Missing { existing } => {
            format!(
                "{path}: no folder '{segment}' under {place}; folders there: {}",
                existing.join(", ")
            )
        }
        ChildLookup::Ambiguous(many) => format!(
            "{path}: {} folders named '{segment}' under {place}",
            many.len()
        ),
        ChildLookup::Found(_) => format!("{path}: found"),
    }
}

/// A plain syntax check: one `@`, a non-empty local part, a dotted domain,
/// no spaces or angle brackets.
fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && address.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(valid_address("support@contoso.com"));
        assert!(!valid_address("support"));
        assert!(!valid_address("a@b"));
        assert!(!valid_address("a b@contoso.com"));
        assert!(!valid_address("a@@contoso.com"));
    }

    #[test]
    fn expiry() {
        let now = Utc::now();
        let soon = (now + chrono::Duration::days(10)).to_rfc3339();
        assert!(matches!(
            certificate_expiry(&soon, now),
            CertificateExpiry::ExpiresSoon { .. }
        ));
        let past = (now - chrono::Duration::days(2)).to_rfc3339();
        assert!(matches!(
            certificate_expiry(&past, now),
            CertificateExpiry::Expired { days_ago: 2 }
        ));
        let later = (now + chrono::Duration::days(100)).to_rfc3339();
        assert!(matches!(
            certificate_expiry(&later, now),
            CertificateExpiry::Valid { .. }
        ));
        assert_eq!(certificate_expiry("x", now), CertificateExpiry::Unknown);
    }
}

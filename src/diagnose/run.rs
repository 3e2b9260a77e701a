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
    CertificateExpiry, ConnectionReport, Progress, Step, StepStatus, TargetKind, TargetRef,
    TestOptions, certificate_expiry,
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
use crate::state::{Connector, Integration, Route, State, UseFor};

const READ_WRITE: &str = "Mail.ReadWrite";
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
                    "authority",
                    StepStatus::Failed,
                    "no integration is configured",
                );
                step.hint = Some("Run graphmail integration set first.".into());
                let report = ConnectionReport::new(t.clone(), vec![step]);
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
                let check = recorder.current();
                let mut step = Step::new(
                    &check,
                    StepStatus::Failed,
                    format!("the test did not finish within {} s", options.target_timeout.as_secs_f64()),
                );
                step.hint = Some("Graph or Entra ID answered too slowly; retry, or allow more time with --timeout.".into());
                steps.push(step);
            }
            let report = ConnectionReport::new(target.clone(), steps);
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
    current: Mutex<String>,
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
    fn begin(&self, check: &str) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = check.to_string();
    }
    fn current(&self) -> String {
        let current = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if current.is_empty() {
            "token".to_string()
        } else {
            current
        }
    }
    fn take(&self) -> Vec<Step> {
        std::mem::take(&mut *self.steps.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// Changes the last step named `check`.
    fn update(&self, check: &str, change: impl FnOnce(&mut Step)) {
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

fn skipped(check: &str, detail: impl Into<String>) -> Step {
    Step::new(check, StepStatus::Skipped, detail)
}

fn token_failure(check: &str, error: &TokenError, hints: &HintContext, ms: u64) -> Step {
    let detail = match error.entra() {
        Some(e) if !e.description.is_empty() => e.description.clone(),
        _ => error.to_string(),
    };
    let mut step = Step::new(check, StepStatus::Failed, detail);
    step.code = error.code();
    step.trace_id = error.trace_id().map(str::to_string);
    step.hint = token_hint(error, hints);
    step.ms = ms;
    step
}

fn graph_failure(
    check: &str,
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
                let mut step = Step::new("authority", StepStatus::Failed, e.to_string());
                step.hint = Some(
                    "Fix the endpoints or CA file with graphmail integration set (--cloud, --authority-host, --graph-endpoint, --ca-file).".into(),
                );
                ctx.shared_steps.push(step);
                ctx.shared_steps
                    .push(skipped("token", "not run: the endpoints cannot be used"));
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
                let mut step = Step::new("authority", StepStatus::Passed, detail);
                step.ms = authority_ms;
                step
            }
            Err(TokenError::InvalidResponse { status, .. }) if (400..500).contains(&status) => {
                // NOTE: custom endpoints (proxies) may not serve discovery;
                // the token request decides then.
                let mut step = Step::new(
                    "authority",
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
                authority_failed = true;
                token_failure("authority", &e, &ctx.hints, authority_ms)
            }
        };
        ctx.shared_steps.push(authority_step);

        let token_step = match token {
            None => skipped("token", "not run: the certificate has expired"),
            Some(_) if authority_failed => skipped("token", "not run: the tenant did not resolve"),
            Some((Err(e), ms)) => token_failure("token", &e, &ctx.hints, ms),
            Some((Ok(token), ms)) => {
                let step = token_passed(&token, form, ms);
                ctx.roles = Roles {
                    claims: token.claims.clone(),
                };
                match GraphClient::new(http, &endpoints.graph_endpoint, provider.clone()) {
                    Ok(client) => ctx.client = Some(client.with_retry(options.retry.clone())),
                    Err(e) => {
                        let mut failed = Step::new("token", StepStatus::Failed, e.to_string());
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
                    rec.push(skipped("permissions", "not run: no token"));
                }
            }
            TargetKind::Connector => match self.snapshot.connector(&target.name) {
                None => rec.push(missing_target("connector", &target.name)),
                Some(c) if c.use_for == UseFor::Incoming => self.incoming(c, None, rec).await,
                Some(c) => self.outbound(c, None, rec).await,
            },
            TargetKind::Route => {
                let Some(route) = self.snapshot.route(&target.name) else {
                    rec.push(missing_target("route", &target.name));
                    return;
                };
                match self.snapshot.connector(&route.connector) {
                    None => {
                        let mut step = Step::new(
                            "target",
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
                    Some(c) => self.outbound(c, Some(route), rec).await,
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
                "permissions",
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
                "permissions",
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
        let mut step = Step::new("permissions", StepStatus::Warning, detail);
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
            rec.push(skipped("permissions", "not run: no token"));
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
        rec.begin("mailbox");
        let started = Instant::now();
        let result = self.get_folder(mailbox, "inbox").await;
        let ms = timed(started);
        match result {
            Ok(inbox) => {
                let mut step = Step::new(
                    "mailbox",
                    StepStatus::Passed,
                    format!("{mailbox} answers with application permissions"),
                );
                step.request_id = inbox.request_id;
                step.ms = ms;
                rec.push(step);
                if self.roles.readable()
                    && !self.roles.has(role)
                    && !(role == SEND && self.roles.can_read())
                {
                    rec.update("permissions", |p| {
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
                let mut step = graph_failure("mailbox", what, &e, &self.hints, mailbox, role);
                step.ms = ms;
                rec.push(step);
                let consent_missing = e.has_code("NoPermissionsInAccessToken")
                    || (e.is_status(403) && !e.message.contains("Access to OData is disabled"));
                if consent_missing && self.roles.readable() && !self.roles.has(role) {
                    rec.update("permissions", |p| {
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
        rec.begin("folder");
        let results = futures::future::join_all(
            connector
                .folders
                .iter()
                .map(|path| self.folder_step(&connector.address, path)),
        )
        .await;
        let mut found = Vec::new();
        for (path, (step, folder)) in connector.folders.iter().zip(results) {
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
            let mut step = Step::new("folder", StepStatus::Failed, detail);
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
                "folder",
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
        let mut step = Step::new("folder", StepStatus::Passed, format!("{path}: found"));
        step.request_id = request_id;
        step.ms = timed(started);
        (step, Some(current))
    }

    async fn incoming(&self, connector: &Connector, route: Option<&Route>, rec: &Recorder) {
        let folder_names = || {
            connector
                .folders
                .iter()
                .map(|p| skipped("folder", format!("{p}: not run")))
        };
        if !self.begin(&[READ_WRITE], rec) {
            rec.push(skipped("mailbox", "not run: no token"));
            rec.extend(folder_names());
            if let Some(route) = route {
                rec.push(self.address_step(route));
                rec.push(skipped("delivery", "not run: no token"));
            }
            return;
        }
        let mut folders = Vec::new();
        if self.mailbox_step(&connector.address, READ_WRITE, rec).await {
            folders = self.folder_steps(connector, rec).await;
        } else {
            rec.extend(connector.folders.iter().map(|p| {
                skipped(
                    "folder",
                    format!("{p}: not run: the mailbox did not answer"),
                )
            }));
        }
        if let Some(route) = route {
            rec.push(self.address_step(route));
            let all_found =
                !connector.folders.is_empty() && folders.len() == connector.folders.len();
            rec.begin("delivery");
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
                "address",
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
                "address",
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
            "address",
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
                "delivery",
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
                "delivery",
                "not probed: no enabled outbound connector to send the probe through",
            );
            step.hint = Some("Enable an outbound connector (graphmail enable connector NAME), then retry with --probe-delivery.".into());
            return step;
        };
        if !all_found || folders.is_empty() {
            return skipped(
                "delivery",
                "not run: the connector's folders did not all resolve",
            );
        }
        let Some(client) = &self.client else {
            return skipped("delivery", "not run: no token");
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
                "delivery",
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
        loop {
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
                                "delivery",
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
                            "delivery",
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
            if Instant::now() + self.options.poll_interval > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        let mut step = Step::new(
            "delivery",
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
            "Check that {} is an address of {} (Exchange admin center > Recipients > Mailboxes > Email addresses) and that no inbox rule or mail flow rule moves it elsewhere; delivery can also lag, so retry.",
            route.address, connector.address
        ));
        step.ms = timed(started);
        step
    }

    async fn outbound(&self, connector: &Connector, route: Option<&Route>, rec: &Recorder) {
        if !self.begin(&[SEND], rec) {
            for check in ["mailbox", "send", "sent-items"] {
                rec.push(skipped(check, "not run: no token"));
            }
            return;
        }
        let mailbox = connector.address.trim();
        if self.roles.readable() && !self.roles.can_read() {
            rec.push(skipped(
                "mailbox",
                "not checked: the token has no Mail.Read or Mail.ReadWrite role, and sending needs only Mail.Send; --send-test-to checks the mailbox by sending",
            ));
        } else if !self.mailbox_step(mailbox, SEND, rec).await {
            rec.push(skipped("send", "not run: the mailbox did not answer"));
            rec.push(skipped("sent-items", "not run: the mailbox did not answer"));
            return;
        }
        let alias = route
            .map(|r| r.address.trim())
            .filter(|a| !a.eq_ignore_ascii_case(mailbox));
        rec.begin("send");
        self.send_steps(connector, alias, rec).await;
    }

    async fn send_steps(&self, connector: &Connector, alias: Option<&str>, rec: &Recorder) {
        let mailbox = connector.address.trim();
        let from = alias.unwrap_or(mailbox);
        let Some(to) = self.options.send_test_to.as_deref() else {
            let detail = match alias {
                Some(alias) => format!(
                    "not sent: whether the app may send as {alias} is known only by sending; --send-test-to ADDRESS sends a real probe"
                ),
                None => "not sent: --send-test-to ADDRESS sends a real probe".to_string(),
            };
            rec.push(skipped("send", detail));
            rec.push(skipped("sent-items", "not run: nothing was sent"));
            return;
        };
        let Some(client) = &self.client else {
            rec.push(skipped("send", "not run: no token"));
            rec.push(skipped("sent-items", "not run: no token"));
            return;
        };
        let message = OutgoingMessage {
            subject: format!(
                "graphmail connection test {}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            body: format!(
                "This message was sent by graphmail test-connection to check that connector {} can send mail as {from}. It can be deleted.",
                connector.name
            ),
            to: vec![to.trim().to_string()],
            from: alias.map(str::to_string),
            ..OutgoingMessage::default()
        };
        let started = Instant::now();
        // With Mail.ReadWrite (or roles that cannot be read), send through a
        // draft so the Sent Items copy can be found by its immutable ID
        // (reference §8, strategy 1).
        let try_draft =
            self.roles.has(READ_WRITE) || !self.roles.readable() || self.roles.no_mail_roles();
        if try_draft {
            match client.create_draft(mailbox, &message, true).await {
                Ok(draft) => {
                    let id = draft.value.id.clone();
                    match client.send_draft(mailbox, &id).await {
                        Ok(sent) => {
                            let mut step = Step::new(
                                "send",
                                StepStatus::Passed,
                                format!("Graph accepted a probe from {from} to {to}"),
                            );
                            step.request_id = sent.request_id;
                            step.ms = timed(started);
                            rec.push(step);
                            rec.begin("sent-items");
                            rec.push(self.sent_items_step(mailbox, &id, alias).await);
                        }
                        Err(e) => {
                            rec.push(self.send_failure(&e, mailbox, alias, started));
                            rec.push(skipped("sent-items", "not run: the send failed"));
                            let _ = client.delete_message(mailbox, &id).await;
                        }
                    }
                    return;
                }
                Err(e) if !self.roles.has(READ_WRITE) && (e.is_status(401) || e.is_status(403)) => {
                    // No Mail.ReadWrite after all: fall back to sendMail.
                }
                Err(e) => {
                    rec.push(self.send_failure(&e, mailbox, alias, started));
                    rec.push(skipped("sent-items", "not run: the send failed"));
                    return;
                }
            }
        }
        match client.send_mail(mailbox, &message, true).await {
            Ok(sent) => {
                let mut detail = format!("Graph accepted a probe from {from} to {to}");
                if let Some(alias) = alias {
                    detail.push_str(&format!(
                        "; whether Exchange kept {alias} as From can be seen only in Sent Items, which needs Mail.ReadWrite"
                    ));
                }
                let mut step = Step::new("send", StepStatus::Passed, detail);
                step.request_id = sent.request_id;
                step.ms = timed(started);
                rec.push(step);
                rec.push(skipped(
                    "sent-items",
                    "not checked: reading Sent Items needs Mail.ReadWrite (API permissions > Mail.ReadWrite > Grant admin consent would verify it)",
                ));
            }
            Err(e) => {
                rec.push(self.send_failure(&e, mailbox, alias, started));
                rec.push(skipped("sent-items", "not run: the send failed"));
            }
        }
    }

    fn send_failure(
        &self,
        e: &GraphError,
        mailbox: &str,
        alias: Option<&str>,
        started: Instant,
    ) -> Step {
        let from = alias.unwrap_or(mailbox);
        let mut step = graph_failure(
            "send",
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

    /// Polls the sent draft by its immutable ID until it has left Drafts and
    /// sits in Sent Items, then judges `from` for an alias.
    async fn sent_items_step(&self, mailbox: &str, id: &str, alias: Option<&str>) -> Step {
        let Some(client) = &self.client else {
            return skipped("sent-items", "not run: no token");
        };
        let started = Instant::now();
        let sent_folder = self
            .get_folder(mailbox, "sentitems")
            .await
            .ok()
            .map(|f| f.value.id);
        let deadline = started + self.options.sent_items_wait;
        let select = ["id", "parentFolderId", "from", "isDraft", "subject"];
        let mut last: Option<GraphError> = None;
        loop {
            match client.get_message(mailbox, id, &select, true).await {
                Ok(found) => {
                    let message = found.value;
                    let in_sent = match (&sent_folder, &message.parent_folder_id) {
                        (Some(sent), Some(parent)) => sent == parent,
                        _ => message.is_draft == Some(false),
                    };
                    if in_sent && message.is_draft != Some(true) {
                        let mut step = self.judge_from(mailbox, alias, message.from_address());
                        step.request_id = found.request_id;
                        step.ms = timed(started);
                        return step;
                    }
                }
                Err(e) => last = Some(e),
            }
            if Instant::now() + self.options.poll_interval > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        let mut step = Step::new(
            "sent-items",
            StepStatus::Warning,
            format!(
                "the probe was accepted but its copy was not in Sent Items of {mailbox} within {} s; Exchange may still be processing it",
                self.options.sent_items_wait.as_secs()
            ),
        );
        if let Some(e) = last {
            step.code = e.code.clone();
            step.request_id = e.request_id.clone();
        }
        step.ms = timed(started);
        step
    }

    fn judge_from(&self, mailbox: &str, alias: Option<&str>, from: Option<&str>) -> Step {
        let Some(alias) = alias else {
            return Step::new(
                "sent-items",
                StepStatus::Passed,
                format!("the probe is in Sent Items of {mailbox}"),
            );
        };
        match from {
            Some(from) if from.eq_ignore_ascii_case(alias) => Step::new(
                "sent-items",
                StepStatus::Passed,
                format!(
                    "the probe is in Sent Items of {mailbox} with From {alias}: Exchange kept the alias"
                ),
            ),
            Some(from) if from.eq_ignore_ascii_case(mailbox) => {
                let mut step = Step::new(
                    "sent-items",
                    StepStatus::Warning,
                    format!(
                        "Exchange rewrote the alias to the primary address: the probe left as {mailbox}, not {alias}"
                    ),
                );
                step.hint = Some(
                    "To send from aliases, run Set-OrganizationConfig -SendFromAliasEnabled $true in Exchange Online PowerShell (takes up to an hour); until then mail leaves with the primary address."
                        .into(),
                );
                step
            }
            other => Step::new(
                "sent-items",
                StepStatus::Warning,
                format!(
                    "the probe is in Sent Items of {mailbox} with From {}, not {alias}",
                    other.unwrap_or("(none)")
                ),
            ),
        }
    }
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
    let mut step = Step::new(
        "target",
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
    let mut step = Step::new("token", StepStatus::Passed, detail);
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
            "certificate",
            StepStatus::Passed,
            format!("{subject} (SHA-1 {sha1}) is valid until {date}, {days_left} days from now"),
        ),
        CertificateExpiry::ExpiresSoon { days_left } => {
            let mut step = Step::new(
                "certificate",
                StepStatus::Warning,
                format!("{subject} (SHA-1 {sha1}) expires on {date}, in {days_left} days"),
            );
            step.hint = Some(renew.into());
            step
        }
        CertificateExpiry::Expired { days_ago } => {
            let mut step = Step::new(
                "certificate",
                StepStatus::Failed,
                format!("{subject} (SHA-1 {sha1}) expired on {date}, {days_ago} days ago"),
            );
            step.hint = Some(renew.into());
            step
        }
        CertificateExpiry::Unknown => Step::new(
            "certificate",
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

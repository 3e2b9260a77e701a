//! The shared preparation of a run: the certificate's dates, the endpoints
//! and the HTTP client, tenant discovery and the one token request, side by
//! side; and the `permissions` step every target shows. The same for every
//! target of a run (SPEC §8: one token per run).

use std::sync::Arc;
use std::time::Instant;

use chrono::{SecondsFormat, Utc};

use super::hints::HintContext;
use super::run::{Context, Memo, READ_WRITE, Recorder, Roles, SEND, skipped, timed, token_failure};
use super::{CertificateExpiry, Check, Step, StepStatus, TestOptions, certificate_expiry};
use crate::auth::assertion::describe_form;
use crate::auth::{
    AccessToken, ClientCredential, TokenError, TokenProvider, TokenRequest, build_http_client,
    check_url, discover_authority_until,
};
use crate::graph::GraphClient;
use crate::state::{Integration, State, UseFor};

impl<'a> Context<'a> {
    pub(super) async fn prepare(
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
            graph_endpoint: endpoints.graph_endpoint.clone(),
            form: credential.certificate().map(|k| k.form),
            sha1: credential
                .certificate()
                .map(|k| k.certificate.sha1_hex.clone()),
        };
        let mut ctx = Context {
            snapshot,
            integration,
            options,
            carried: options.carried.clone(),
            hints,
            shared_steps: Vec::new(),
            client: None,
            roles: Roles::default(),
            folders: Memo::new(),
            children: Memo::new(),
            tally: Default::default(),
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
        // Each on a task of its own: this task goes on to set up the
        // targets, which must not hold these requests back.
        let authority = on_own_task({
            let (http, endpoints) = (http.clone(), endpoints.clone());
            let (tenant, retry) = (integration.tenant.clone(), options.retry.clone());
            async move {
                let started = Instant::now();
                let result =
                    discover_authority_until(&http, &endpoints, &tenant, &retry, None).await;
                (result, timed(started))
            }
        });
        let token = async {
            if !certificate_ok {
                return None;
            }
            let provider = provider.clone();
            Some(
                on_own_task(async move {
                    let started = Instant::now();
                    let result = provider.token().await;
                    (result, timed(started))
                })
                .await,
            )
        };
        // The token's task is spawned first (`join!` polls in order): every
        // target waits for it, while discovery only explains a failure.
        // Spawned second, the token request left about a millisecond after
        // discovery's (issue 17 (c), measured with probes on both sides).
        let (token, (authority, authority_ms)) = tokio::join!(token, authority);

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
                step.set_retry(info.retry);
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
                    Ok(client) => {
                        ctx.client = Some(
                            client
                                .with_retry(options.retry.clone())
                                .with_tally(ctx.tally.clone()),
                        )
                    }
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

    /// Roles the integration needs for the connectors it has.
    pub(super) fn integration_needs(&self) -> Vec<&'static str> {
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

    pub(super) fn permissions_step(&self, needs: &[&str]) -> Step {
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
        // Under RBAC for Applications the Exchange role assignments grant
        // the mail access and tokens never show them (reference §7.1); the
        // Entra consent is removed on purpose. Advising to grant it would
        // undo the scoping, so say what the absence means and leave the
        // proof to the mailbox steps and probes.
        let rbac = self
            .snapshot
            .scope
            .as_ref()
            .is_some_and(|s| s.mechanism == crate::state::ScopeMechanism::Rbac);
        if rbac {
            return Step::new(
                Check::Permissions,
                StepStatus::Skipped,
                format!(
                    "the token carries no {wanted} role (roles: {shown}), as expected with RBAC for Applications (recorded by scope set --mechanism rbac): Exchange role assignments do not appear in tokens; the mailbox steps and probes verify access"
                ),
            );
        }
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

    /// Starts a target that needs the roles `needs`: `false` (with the rest
    /// skipped by the caller) when there is no token.
    ///
    /// The shared steps and the `permissions` step head the target's
    /// report, but are built later, by [`Self::head`]: in a bulk run every
    /// target passes here between the token's arrival and its envelopes'
    /// departure, and building them here held the last envelope back
    /// (BENCHMARKS.md, twenty-first landing).
    pub(super) fn begin(&self, needs: &'static [&'static str], rec: &Recorder) -> bool {
        rec.share(needs);
        self.client.is_some()
    }

    /// Puts the steps [`Self::begin`] promised at the head of `rec`, once:
    /// when the target ends, or before a step amends `permissions`.
    pub(super) fn head(&self, rec: &Recorder) {
        let Some(needs) = rec.take_shared() else {
            return;
        };
        let mut head = Vec::with_capacity(self.shared_steps.len() + 1);
        head.extend(self.shared_steps.iter().cloned());
        head.push(if self.client.is_none() {
            skipped(Check::Permissions, "not run: no token")
        } else {
            self.permissions_step(needs)
        });
        rec.prepend(head);
    }
}

/// `future` run on a task of its own, aborted if this is dropped; its panic
/// is this one's.
async fn on_own_task<T: Send + 'static>(
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    struct AbortOnDrop(tokio::task::AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let task = tokio::spawn(future);
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(output) => output,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Cancelled: by the guard, once nothing awaits this, or by the
        // runtime's shutdown, which drops this too.
        Err(_) => std::future::pending().await,
    }
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
    step.set_retry(token.retry);
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

#[cfg(test)]
mod tests {
    use super::*;

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

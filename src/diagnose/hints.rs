//! What to change, in the admin's terms, for each answer Entra or Graph can
//! give a connection test (reference §2, §5, §7). Codes not listed here get
//! no invented advice: the step shows the code and text as they came, and a
//! pointer to Microsoft's lookup page.

use crate::auth::TokenError;
use crate::auth::assertion::describe_form;
use crate::auth::http::dropped_connection_fix;
use crate::graph::{GraphError, GraphErrorKind};
use crate::state::AssertionForm;

/// Facts about the integration that hints refer to.
#[derive(Debug, Clone, Default)]
pub struct HintContext {
    pub tenant: String,
    pub app_id: String,
    pub authority_host: String,
    pub graph_endpoint: String,
    /// Certificate auth only: the form sent and the SHA-1 thumbprint.
    pub form: Option<AssertionForm>,
    pub sha1: Option<String>,
}

impl HintContext {
    fn app_screen(&self, screen: &str) -> String {
        format!(
            "Entra admin center > App registrations > (application {}) > {screen}",
            self.app_id
        )
    }
}

/// The hint for a failed token (or tenant discovery) request.
pub fn token_hint(error: &TokenError, ctx: &HintContext) -> Option<String> {
    let code = match error {
        TokenError::Service(_) => error.code().unwrap_or_default(),
        TokenError::NoAnswer {
            status: Some(status @ (429 | 503)),
            ..
        } => {
            let what = if *status == 429 {
                "throttled this app's requests (HTTP 429)"
            } else {
                "was temporarily unavailable (HTTP 503)"
            };
            return Some(format!(
                "{} {what} for the whole time allowed: nothing in the configuration is wrong. Retry in a few minutes, or allow longer with --timeout.",
                ctx.authority_host
            ));
        }
        TokenError::NoAnswer { .. } => {
            return Some(format!(
                "{} gave no conclusive answer in time: try again later, or allow longer with --timeout.",
                ctx.authority_host
            ));
        }
        TokenError::Certificate { .. } => {
            return Some(
                "Behind a TLS-inspecting proxy, pass its root CA with --ca-file; otherwise the certificate's issuer must be in the system trust store (SSL_CERT_FILE / SSL_CERT_DIR)."
                    .into(),
            );
        }
        TokenError::Transport { .. } => {
            return Some(format!(
                "Check that {} is reachable from this machine: DNS, firewall, and the proxy in HTTPS_PROXY/NO_PROXY; for a TLS-inspecting proxy pass its root with --ca-file.",
                ctx.authority_host
            ));
        }
        TokenError::Dropped { url, .. } => return Some(dropped_connection_fix(url, false)),
        TokenError::RetryAfterTooLong { .. } => {
            return Some("Entra ID is throttling this app; try again later.".to_string());
        }
        TokenError::Setup(_) => {
            return Some("Fix the endpoint with graphmail integration set (--cloud, or --authority-host/--graph-endpoint).".into());
        }
        TokenError::Assertion(_) => {
            return Some(
                "Re-import the certificate with graphmail integration set --certificate FILE.pfx."
                    .into(),
            );
        }
        TokenError::InvalidResponse { .. } => {
            return Some(format!(
                "{} did not answer like Entra ID: check --authority-host (or --cloud) and any proxy in between.",
                ctx.authority_host
            ));
        }
    };
    let hint = match code.as_str() {
        "AADSTS7000215" => format!(
            "The client secret is wrong. In {}, copy the secret's Value (not its Secret ID), then run graphmail integration set --client-secret-stdin.",
            ctx.app_screen("Certificates & secrets")
        ),
        "AADSTS7000222" => format!(
            "The client secret has expired. Create a new one under {} (or switch to a certificate: graphmail certificate new), then run graphmail integration set.",
            ctx.app_screen("Certificates & secrets")
        ),
        "AADSTS700016" => format!(
            "No application {} in tenant {}. Check the Application (client) ID on App registrations > Overview, and the tenant; a multi-tenant app needs an admin of this tenant to consent first.",
            ctx.app_id, ctx.tenant
        ),
        "AADSTS90002" => format!(
            "Tenant {} was not found on {}. Check the tenant ID or domain (Entra admin center > Overview > Tenant ID) and the cloud (--cloud global|usgov|usgov-dod|china).",
            ctx.tenant, ctx.authority_host
        ),
        "AADSTS900023" => format!(
            "'{}' is not a valid tenant: give the tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com.",
            ctx.tenant
        ),
        "AADSTS90038" => "The tenant lives in another national cloud: set --cloud to that cloud (usgov, usgov-dod, china).".into(),
        // Entra's words for a registered key past its end date: "[Reason -
        // The key used is expired.]" (reference §2, AADSTS700027 [S3]).
        "AADSTS700027" if error.entra().is_some_and(|e| e.description.contains("expired")) => {
            let thumb = ctx.sha1.as_deref().map(|t| format!(" (thumbprint {t})")).unwrap_or_default();
            format!(
                "The certificate{thumb} has expired: Entra no longer accepts its key. Roll it: make a new one with graphmail certificate new, upload its .cer/.pem under {}, then run graphmail integration set --certificate NEW.pfx.",
                ctx.app_screen("Certificates & secrets")
            )
        }
        "AADSTS700027" => {
            let sent = ctx.form.map(describe_form).unwrap_or("a client assertion");
            let other = match ctx.form {
                Some(AssertionForm::Ps256X5tS256) => "--assertion rs256 (RS256 with x5t)",
                _ => "--assertion ps256 (PS256 with x5t#S256)",
            };
            let thumb = ctx.sha1.as_deref().map(|t| format!(" with thumbprint {t}")).unwrap_or_default();
            format!(
                "Entra could not match the assertion to a certificate of the app. graphmail sent {sent}. Upload the certificate (.cer/.pem){thumb} under {} > Certificates; if it is already there, try the other header form: graphmail integration set ... {other}.",
                ctx.app_screen("Certificates & secrets")
            )
        }
        "AADSTS700024" => "The client assertion is outside its valid time: this machine's clock is off. Sync it (NTP) and retry.".into(),
        "AADSTS50012" | "AADSTS50013" | "AADSTS500133" | "AADSTS50027" | "AADSTS50048" => format!(
            "Entra rejected the client assertion. Check that the certificate is valid and registered under {}.",
            ctx.app_screen("Certificates & secrets")
        ),
        // NOTE: client credentials without a secret or assertion have been seen
        // answering 7000216 as well as the documented 7000218 (issue 13).
        "AADSTS7000218" | "AADSTS7000216" => "The request carried no credential: set a client secret or certificate with graphmail integration set.".into(),
        // reference §2: all scopes of one request must name one resource.
        "AADSTS700022" => "The token request named scopes of more than one resource: graphmail asks for one, <Graph endpoint>/.default; check --graph-endpoint, and any proxy rewriting the request.".into(),
        "AADSTS500011" | "AADSTS70011" | "AADSTS1002012" => {
            "The Graph endpoint does not belong to this tenant's cloud: check --cloud or --graph-endpoint.".into()
        }
        "AADSTS70001" | "AADSTS7000112" => format!(
            "The application is disabled: re-enable it under Entra admin center > Enterprise applications > (application {}) > Properties > Enabled for users to sign-in.",
            ctx.app_id
        ),
        "AADSTS53003" => "Conditional Access blocked the app: review the Conditional Access policies that cover its service principal.".into(),
        "AADSTS90055" => "Entra ID is throttling token requests for this tenant (AADSTS90055): nothing in the configuration is wrong. Retry in a few minutes; other apps of the tenant share the limit.".into(),
        "AADSTS90033" => "Entra ID was temporarily unavailable (AADSTS90033, HTTP 503): nothing in the configuration is wrong. Retry in a few minutes.".into(),
        "AADSTS50196" | "AADSTS50033" | "AADSTS90006" | "AADSTS90024" => {
            "A transient or throttling error at Entra ID: try again in a few minutes.".into()
        }
        "AADSTS1002016" => "Entra requires TLS 1.2: check the proxy in between.".into(),
        other => match other.strip_prefix("AADSTS") {
            Some(number) => format!("See https://login.microsoftonline.com/error?code={number} for this code."),
            None => return None,
        },
    };
    Some(hint)
}

/// What a Graph failure on a mailbox call means and what to change.
pub fn graph_hint(
    error: &GraphError,
    ctx: &HintContext,
    mailbox: &str,
    role: &str,
) -> Option<String> {
    match &error.kind {
        GraphErrorKind::NoAnswer { .. } => {
            return Some(
                "Graph gave no conclusive answer in time: try again later, or allow longer with --timeout."
                    .into(),
            );
        }
        GraphErrorKind::Certificate => {
            return Some(
                "Behind a TLS-inspecting proxy, pass its root CA with --ca-file; otherwise the certificate's issuer must be in the system trust store (SSL_CERT_FILE / SSL_CERT_DIR)."
                    .into(),
            );
        }
        GraphErrorKind::Timeout => {
            return Some(
                "Graph did not answer in time: retry later, or raise the limit with --timeout."
                    .into(),
            );
        }
        GraphErrorKind::Transport => {
            return Some(
                "Check that the Graph endpoint is reachable: DNS, firewall, and the proxy in HTTPS_PROXY/NO_PROXY; for a TLS-inspecting proxy pass its root with --ca-file."
                    .into(),
            );
        }
        GraphErrorKind::Dropped { maybe_carried_out } => {
            return Some(dropped_connection_fix(
                &ctx.graph_endpoint,
                *maybe_carried_out,
            ));
        }
        GraphErrorKind::RetryAfterTooLong { retry_after, .. } => {
            return Some(format!(
                "Graph is throttling this app on {mailbox}; try again in {} s. Other tools using the same app and mailbox share the limit.",
                retry_after.as_secs_f64().ceil()
            ));
        }
        GraphErrorKind::Token(inner) => return token_hint(inner, ctx),
        GraphErrorKind::InvalidResponse | GraphErrorKind::InvalidRequest => {
            return Some("The Graph endpoint did not answer like Microsoft Graph: check --graph-endpoint and any proxy.".into());
        }
        GraphErrorKind::Service => {}
    }
    let consent = format!(
        "In {}, add the Microsoft Graph application permission {role} and click Grant admin consent for the tenant",
        ctx.app_screen("API permissions")
    );
    let rbac = format!(
        "or grant it in Exchange Online with RBAC for Applications: New-ManagementRoleAssignment -App {} -Role \"Application {role}\" -CustomResourceScope <scope>, and check with Test-ServicePrincipalAuthorization -Identity {} -Resource {mailbox}",
        ctx.app_id, ctx.app_id
    );
    if error.has_code("NoPermissionsInAccessToken") {
        return Some(format!(
            "The token carries no application permissions: admin consent is missing. {consent}; {rbac}."
        ));
    }
    if error.has_code("ErrorSendAsDenied") {
        return None; // the send step words this itself: it knows the alias
    }
    if error.has_code("ErrorAccessDenied")
        || error.has_code("Authorization_RequestDenied")
        || error.is_status(403)
    {
        // NOTE: the one documented case where the message, not the code,
        // tells causes apart (reference §7.1).
        if error.message.contains("Access to OData is disabled") {
            return Some(format!(
                "An Exchange application access policy keeps app {} out of {mailbox}. Add the mailbox to the mail-enabled security group the policy names (New-ApplicationAccessPolicy -AppId {} -PolicyScopeGroupId <group> -AccessRight RestrictAccess), check with Test-ApplicationAccessPolicy -Identity {mailbox} -AppId {}; changes can take over an hour to reach Graph.",
                ctx.app_id, ctx.app_id, ctx.app_id
            ));
        }
        return Some(format!(
            "The app may not use {mailbox} with {role}. {consent}; {rbac}."
        ));
    }
    if error.has_code("InvalidAuthenticationToken") {
        return Some(
            "Graph refused the token: the Graph endpoint and the authority host belong to different clouds, or the token is for another resource. Check --cloud or --graph-endpoint."
                .into(),
        );
    }
    if error.has_code("MailboxNotEnabledForRESTAPI")
        || error.has_code("ErrorInvalidUser")
        || error.has_code("ResourceNotFound")
        || error.has_code("ErrorNonExistentMailbox")
        || (error.is_status(404) && error.has_code("Request_ResourceNotFound"))
    {
        return Some(no_mailbox_hint(mailbox));
    }
    if error.is_status(429) || error.is_status(503) || error.is_status(504) {
        return Some("Graph stayed busy after the retries allowed: try again later.".into());
    }
    None
}

/// A mailbox that is not there (or not in Exchange Online).
pub fn no_mailbox_hint(mailbox: &str) -> String {
    format!(
        "No Exchange Online mailbox answers at {mailbox}: check the address in Exchange admin center > Recipients > Mailboxes (a shared mailbox), that it is hosted in Exchange Online (not on-premises), and not soft-deleted."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token::EntraError;

    fn entra(code: u64) -> TokenError {
        TokenError::Service(Box::new(EntraError {
            status: 400,
            error: "invalid_request".into(),
            description: format!("AADSTS{code}: refused."),
            error_codes: vec![code],
            trace_id: None,
            correlation_id: None,
            timestamp: None,
            error_uri: None,
            retry: Default::default(),
        }))
    }

    #[test]
    fn no_credential_reads_the_same_under_both_codes_and_several_resources_has_its_own() {
        let ctx = HintContext::default();
        let a = token_hint(&entra(7000218), &ctx).unwrap();
        let b = token_hint(&entra(7000216), &ctx).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("no credential"), "{a}");
        let several = token_hint(&entra(700022), &ctx).unwrap();
        assert!(several.contains("more than one resource"), "{several}");
        assert!(!several.contains("login.microsoftonline.com/error"));
    }
}

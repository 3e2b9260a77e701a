//! `graphmail token inspect`: gets a token exactly as a connection test does
//! (the same credential resolution, HTTP client and token provider) and
//! shows what it says: `aud`, `iss`, `tid`, `appid`, `roles`, `exp`, `nbf`,
//! `idtyp` and any `xms_*` claim, then compares `roles` with what the
//! configured connectors need (incoming: Mail.ReadWrite, outbound:
//! Mail.Send).
//!
//! The token itself is never shown, logged or kept: only the decoded claims
//! of its middle segment leave this module. Exchange RBAC for Applications
//! grants do not appear in tokens, so a missing role here is a lead, not a
//! verdict: the connection test is.

use std::collections::BTreeMap;
use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::{TokenProvider, TokenRequest, build_http_client, check_url};
use crate::diagnose::TestOptions;
use crate::diagnose::hints::{HintContext, token_hint};
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::state::{State, UseFor};

use super::Context;
use super::tester::{FreshSecrets, resolve_credential};
use super::views;

pub const SCHEMA_VERSION: u32 = 1;

/// The claims shown (when present), in this order; plus every `xms_*`.
const SHOWN_CLAIMS: [&str; 11] = [
    "aud", "iss", "tid", "appid", "azp", "idtyp", "oid", "ver", "iat", "nbf", "exp",
];

/// One role the configured connectors need.
#[derive(Debug, Serialize)]
pub struct RoleNeed {
    pub role: &'static str,
    /// The connectors that need it.
    pub connectors: Vec<String>,
    pub present: bool,
}

#[derive(Debug, Serialize)]
pub struct TokenInspection {
    pub schema_version: u32,
    /// Where the token came from.
    pub token_url: String,
    /// `secret` or `certificate`.
    pub credential: &'static str,
    /// False when the token is not a readable JWT (Microsoft treats Graph
    /// tokens as opaque): then `claims` is empty.
    pub readable: bool,
    /// The claims named in docs/json.md, as the token has them.
    pub claims: Map<String, Value>,
    pub roles: Vec<String>,
    /// `exp` / `nbf` as RFC 3339.
    pub expires_at: Option<String>,
    pub not_before: Option<String>,
    pub needs: Vec<RoleNeed>,
    /// Roles some connector needs that the token lacks.
    pub missing: Vec<&'static str>,
    pub notes: Vec<String>,
}

pub async fn run(ctx: &Context) -> Result<()> {
    let state = ctx.store.load()?.state;
    let inspection = inspect(ctx, &state).await?;
    views::show(&ctx.printer, &inspection)
}

/// Gets a token for `state`'s integration and reads it.
pub async fn inspect(ctx: &Context, state: &State) -> Result<TokenInspection> {
    let integration = state.integration.as_ref().ok_or_else(|| {
        CliError::usage("there is no integration to get a token for")
            .hint("run `graphmail integration set` first")
    })?;
    let credential = resolve_credential(
        ctx,
        &state.instance_id,
        integration,
        &FreshSecrets::default(),
    )?;
    let kind = credential.kind();
    let hints = HintContext {
        tenant: integration.tenant.clone(),
        app_id: integration.app_id.clone(),
        authority_host: integration.endpoints().authority_host,
        graph_endpoint: integration.endpoints().graph_endpoint,
        form: credential.certificate().map(|k| k.form),
        sha1: credential
            .certificate()
            .map(|k| k.certificate.sha1_hex.clone()),
    };
    // As the connection test's prepare step builds them (diagnose::run).
    let options = TestOptions::default();
    let mut http_options = options.http.clone();
    if http_options.ca_file.is_none() {
        http_options.ca_file = integration.ca_file.as_ref().map(Into::into);
    }
    let endpoints = integration.endpoints();
    let setup = check_url(&endpoints.authority_host)
        .and_then(|_| check_url(&endpoints.graph_endpoint))
        .and_then(|_| build_http_client(&http_options))
        .map_err(|e| {
            CliError::usage(e.to_string()).hint(
                "fix the endpoints or CA file with graphmail integration set (--cloud, --authority-host, --graph-endpoint, --ca-file)",
            )
        })?;
    let request = TokenRequest::new(&endpoints, &integration.tenant, &integration.app_id);
    let token_url = request.token_url.clone();
    let provider = TokenProvider::new(setup, request, credential).with_retry(options.retry.clone());
    let token = provider.token().await.map_err(|e| {
        let mut err = CliError::test_failed(format!("no token from {token_url}: {e}")).token(&e);
        if let Some(hint) = token_hint(&e, &hints) {
            err = err.hint(hint);
        }
        err
    })?;
    // NOTE: the bearer value is decoded here and dropped; only claims leave.
    let header = token.bearer_header().map_err(|e| {
        CliError::test_failed(format!("the token from {token_url} is unusable: {e}"))
    })?;
    let payload = decode_payload(
        header
            .to_str()
            .unwrap_or_default()
            .trim_start_matches("Bearer "),
    );
    Ok(build(state, token_url, kind, payload, Utc::now()))
}

/// The JSON object in a JWT's middle segment, if it is one.
fn decode_payload(token: &str) -> Option<Map<String, Value>> {
    let middle = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(middle.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn unix_to_rfc3339(value: Option<&Value>) -> Option<String> {
    let seconds = value?.as_i64()?;
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn build(
    state: &State,
    token_url: String,
    credential: &'static str,
    payload: Option<Map<String, Value>>,
    now: DateTime<Utc>,
) -> TokenInspection {
    let readable = payload.is_some();
    let payload = payload.unwrap_or_default();
    let mut claims = Map::new();
    for key in SHOWN_CLAIMS {
        if let Some(v) = payload.get(key) {
            claims.insert(key.to_string(), v.clone());
        }
    }
    for (key, value) in &payload {
        if key.starts_with("xms_") {
            claims.insert(key.clone(), value.clone());
        }
    }
    let roles: Vec<String> = match payload.get("roles") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    claims.insert("roles".into(), roles.clone().into());
    let has = |role: &str| roles.iter().any(|r| r.eq_ignore_ascii_case(role));

    let mut by_role: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for c in &state.connectors {
        let role = match c.use_for {
            UseFor::Incoming => "Mail.ReadWrite",
            UseFor::Outbound => "Mail.Send",
        };
        by_role.entry(role).or_default().push(c.name.clone());
    }
    let needs: Vec<RoleNeed> = by_role
        .into_iter()
        .map(|(role, connectors)| RoleNeed {
            role,
            connectors,
            present: has(role),
        })
        .collect();
    let missing: Vec<&'static str> = needs
        .iter()
        .filter(|n| !n.present)
        .map(|n| n.role)
        .collect();

    let mut notes = Vec::new();
    if !readable {
        notes.push("the token is not a readable JWT (Microsoft treats Graph tokens as opaque): no claims to show; the connection test's mailbox steps verify access".to_string());
    } else {
        if roles.is_empty() {
            notes.push("the token has no roles: admin consent was not granted for any application permission, or access comes only from Exchange RBAC for Applications".to_string());
        }
        for need in needs.iter().filter(|n| !n.present) {
            let lighter = if need.role == "Mail.ReadWrite" && has("Mail.Read") {
                " (it has Mail.Read: mail can be read but not moved or marked)"
            } else {
                ""
            };
            notes.push(format!(
                "the token lacks {}, which connector(s) {} need{lighter}: grant it with admin consent (Entra admin center > App registrations > API permissions), unless Exchange RBAC for Applications grants it",
                need.role,
                need.connectors.join(", ")
            ));
        }
        if needs.is_empty() {
            notes.push(
                "no connectors are configured: nothing to compare the roles with".to_string(),
            );
        }
        notes.push("Exchange RBAC for Applications grants do not appear in tokens: `graphmail test-connection connector NAME` is the proof".to_string());
        if let Some(exp) = payload.get("exp").and_then(Value::as_i64)
            && exp <= now.timestamp()
        {
            notes.push("the token has already expired by this machine's clock: check the clock (`graphmail doctor`)".to_string());
        }
    }
    TokenInspection {
        schema_version: SCHEMA_VERSION,
        token_url,
        credential,
        readable,
        expires_at: unix_to_rfc3339(payload.get("exp")),
        not_before: unix_to_rfc3339(payload.get("nbf")),
        claims,
        roles,
        needs,
        missing,
        notes,
    }
}

impl Render for TokenInspection {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        writeln!(out, "token from:  {} ({})", self.token_url, self.credential)?;
        if self.readable {
            // The named claims in their usual reading order, then `xms_*`.
            let named = SHOWN_CLAIMS
                .iter()
                .filter_map(|k| self.claims.get_key_value(*k));
            let extra = self.claims.iter().filter(|(k, _)| k.starts_with("xms_"));
            for (key, value) in named.chain(extra) {
                let shown = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let when = match key.as_str() {
                    "exp" => self.expires_at.as_ref().map(|t| format!(" ({t})")),
                    "nbf" => self.not_before.as_ref().map(|t| format!(" ({t})")),
                    _ => None,
                }
                .unwrap_or_default();
                writeln!(out, "{key:<12} {shown}{when}")?;
            }
            let roles = if self.roles.is_empty() {
                "none".to_string()
            } else {
                self.roles.join(", ")
            };
            writeln!(out, "{:<12} {roles}", "roles")?;
        }
        for need in &self.needs {
            let mark = if need.present {
                ctx.paint("present", Paint::Green)
            } else {
                ctx.paint("MISSING", Paint::Red)
            };
            writeln!(
                out,
                "needs        {} for {}: {mark}",
                need.role,
                need.connectors.join(", ")
            )?;
        }
        for note in &self.notes {
            writeln!(out, "note:        {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Connector;

    fn connector(name: &str, use_for: UseFor) -> Connector {
        Connector::for_tests(name, use_for, &format!("{name}@contoso.com"))
    }

    #[test]
    fn roles_are_compared_with_what_each_connector_needs() {
        let mut state = State::new();
        state
            .connectors
            .push(connector("support", UseFor::Incoming));
        state.connectors.push(connector("out", UseFor::Outbound));
        let payload: Map<String, Value> = serde_json::from_str(
            r#"{"aud":"https://graph.microsoft.com","roles":["Mail.Send"],"exp":1,"nbf":0,"xms_tcdt":1234,"secret":"x"}"#,
        )
        .unwrap();
        let seen = build(&state, "u".into(), "secret", Some(payload), Utc::now());
        assert_eq!(seen.missing, vec!["Mail.ReadWrite"]);
        assert!(seen.claims.contains_key("xms_tcdt"));
        assert!(!seen.claims.contains_key("secret"), "only the named claims");
        assert!(
            seen.notes
                .iter()
                .any(|n| n.contains("support") && n.contains("Mail.ReadWrite"))
        );
        assert_eq!(seen.expires_at.as_deref(), Some("1970-01-01T00:00:01Z"));
    }

    #[test]
    fn opaque_tokens_show_no_claims() {
        assert!(decode_payload("opaque").is_none());
        let seen = build(&State::new(), "u".into(), "secret", None, Utc::now());
        assert!(!seen.readable && seen.missing.is_empty());
    }
}

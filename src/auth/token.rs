//! Client-credentials tokens from Entra ID's v2.0 endpoint (reference §1):
//! the request, Entra's error JSON decoded into [`TokenError`], the
//! per-process token cache, tenant discovery, and a best-effort reading of
//! the token's claims for diagnostics.
//!
//! NOTE: Microsoft says to treat Graph tokens as opaque. The claims are read
//! only to explain missing roles; an unreadable token is never an error.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::ClientCredential;
use super::assertion::client_assertion;
use super::http::{RetryPolicy, check_url, parse_retry_after};
use crate::state::{AssertionForm, Endpoints};

/// Entra's error answer, decoded (reference §1.5).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntraError {
    pub status: u16,
    /// OAuth error class: `invalid_client`, `unauthorized_client`, …
    pub error: String,
    /// The first line of `error_description`, e.g. `AADSTS7000215: Invalid client secret provided. …`.
    pub description: String,
    pub error_codes: Vec<u64>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
    pub error_uri: Option<String>,
}

impl EntraError {
    /// `AADSTS7000215`: from `error_codes`, else from the description's prefix.
    pub fn aadsts(&self) -> Option<String> {
        if let Some(code) = self.error_codes.first() {
            return Some(format!("AADSTS{code}"));
        }
        let rest = self.description.strip_prefix("AADSTS")?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
    }
}

/// Why no token was obtained (or the tenant did not resolve).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// Entra answered with its error JSON.
    #[error("Entra ID refused the request ({}): {}{}", .0.error, .0.description, trace_suffix(.0.trace_id.as_deref()))]
    Service(Box<EntraError>),
    #[error("no answer from {url} within the request timeout")]
    Timeout { url: String },
    #[error("cannot reach {url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("unexpected answer from {url} (HTTP {status}): {detail}")]
    InvalidResponse {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("Entra ID asked to retry after {}s, longer than the {}s graphmail waits", .retry_after.as_secs(), .limit.as_secs())]
    RetryAfterTooLong {
        retry_after: Duration,
        limit: Duration,
    },
    #[error("{0}")]
    Setup(String),
    #[error("cannot sign the client assertion: {0}")]
    Assertion(String),
}

fn trace_suffix(trace: Option<&str>) -> String {
    trace
        .map(|t| format!(" (trace ID {t})"))
        .unwrap_or_default()
}

impl TokenError {
    /// The AADSTS code, e.g. `AADSTS7000215`, when Entra sent one.
    pub fn code(&self) -> Option<String> {
        match self {
            TokenError::Service(e) => e
                .aadsts()
                .or_else(|| (!e.error.is_empty()).then(|| e.error.clone())),
            _ => None,
        }
    }

    pub fn trace_id(&self) -> Option<&str> {
        match self {
            TokenError::Service(e) => e.trace_id.as_deref(),
            _ => None,
        }
    }

    pub fn entra(&self) -> Option<&EntraError> {
        match self {
            TokenError::Service(e) => Some(e),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct RawEntraError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<serde_json::Value>,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    correlation_id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    error_uri: Option<String>,
}

/// Decodes Entra's error JSON; `None` when the body is not that shape.
pub fn parse_entra_error(status: u16, body: &[u8]) -> Option<EntraError> {
    let raw: RawEntraError = serde_json::from_slice(body).ok()?;
    let error = raw.error?;
    let description = raw
        .error_description
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let error_codes = raw
        .error_codes
        .iter()
        .filter_map(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .collect();
    Some(EntraError {
        status,
        error,
        description,
        error_codes,
        trace_id: raw.trace_id,
        correlation_id: raw.correlation_id,
        timestamp: raw.timestamp,
        error_uri: raw.error_uri,
    })
}

/// What the token says about itself, read for diagnostics only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenClaims {
    /// False when the token could not be read as a JWT: then the other
    /// fields are empty and mean nothing.
    pub readable: bool,
    pub roles: Vec<String>,
    pub tid: Option<String>,
    /// `appid` (v1 tokens) or `azp` (v2 tokens).
    pub appid: Option<String>,
    pub aud: Option<String>,
}

impl TokenClaims {
    /// Best effort: base64url-decode the middle segment; never fails.
    pub fn decode(token: &str) -> TokenClaims {
        let Some(payload) = token.split('.').nth(1) else {
            return TokenClaims::default();
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
            return TokenClaims::default();
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return TokenClaims::default();
        };
        let Some(object) = value.as_object() else {
            return TokenClaims::default();
        };
        let text = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let roles = match object.get("roles") {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        TokenClaims {
            readable: true,
            roles,
            tid: text("tid"),
            appid: text("appid").or_else(|| text("azp")),
            aud: text("aud"),
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// An access token. `Debug` never shows its value.
pub struct AccessToken {
    secret: SecretString,
    /// When it stops being valid, by this process's clock.
    pub expires_at: Instant,
    /// Seconds of validity Entra announced.
    pub expires_in: u64,
    pub claims: TokenClaims,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("claims", &self.claims)
            .finish()
    }
}

impl AccessToken {
    /// For tests and the Graph client: a token with a known value.
    pub fn new(value: String, expires_in: u64) -> Self {
        let claims = TokenClaims::decode(&value);
        AccessToken {
            secret: SecretString::from(value),
            expires_at: Instant::now() + Duration::from_secs(expires_in),
            expires_in,
            claims,
        }
    }

    /// The `Authorization` header value. Only the request builder calls this.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.secret.expose_secret())
    }

    /// Reused until 5 minutes before expiry (or half its life for a short
    /// token).
    fn fresh(&self) -> bool {
        let margin = Duration::from_secs(300.min(self.expires_in / 2));
        Instant::now() + margin < self.expires_at
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// Where and as whom tokens are requested.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub token_url: String,
    pub scope: String,
    pub app_id: String,
}

impl TokenRequest {
    pub fn new(endpoints: &Endpoints, tenant: &str, app_id: &str) -> Self {
        TokenRequest {
            token_url: endpoints.token_url(tenant),
            scope: endpoints.scope(),
            app_id: app_id.to_string(),
        }
    }
}

/// One token per process, shared by every caller.
///
/// NOTE: the cache lock is held while a token is fetched, so concurrent first
/// callers wait for that one request instead of each sending their own
/// (Entra answers repeated identical requests with AADSTS50196).
pub struct TokenProvider {
    http: reqwest::Client,
    request: TokenRequest,
    credential: ClientCredential,
    retry: RetryPolicy,
    cache: Mutex<Option<Arc<AccessToken>>>,
    sent: AtomicU64,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("request", &self.request)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    pub fn new(http: reqwest::Client, request: TokenRequest, credential: ClientCredential) -> Self {
        TokenProvider {
            http,
            request,
            credential,
            retry: RetryPolicy::default(),
            cache: Mutex::new(None),
            sent: AtomicU64::new(0),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The header form of the client assertion, for certificate auth.
    pub fn assertion_form(&self) -> Option<AssertionForm> {
        match &self.credential {
            ClientCredential::Certificate(key) => Some(key.form),
            ClientCredential::Secret(_) => None,
        }
    }

    pub fn credential(&self) -> &ClientCredential {
        &self.credential
    }

    pub fn token_url(&self) -> &str {
        &self.request.token_url
    }

    /// Token requests sent so far (attempts included).
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a new one.
    pub async fn token(&self) -> Result<Arc<AccessToken>, TokenError> {
        let mut cached = self.cache.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.fresh()) {
            return Ok(token.clone());
        }
        let token = Arc::new(self.fetch().await?);
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets the cached token (after Graph said it expired).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    fn form(&self) -> Result<Vec<(&'static str, String)>, TokenError> {
        let mut form = vec![
            ("client_id", self.request.app_id.clone()),
            ("scope", self.request.scope.clone()),
            ("grant_type", "client_credentials".to_string()),
        ];
        match &self.credential {
            ClientCredential::Secret(secret) => {
                form.push(("client_secret", secret.expose_secret().to_string()))
            }
            ClientCredential::Certificate(key) => {
                let now = chrono::Utc::now().timestamp();
                let assertion =
                    client_assertion(key, &self.request.app_id, &self.request.token_url, now)
                        .map_err(|e| TokenError::Assertion(e.to_string()))?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", assertion));
            }
        }
        Ok(form)
    }

    async fn fetch(&self) -> Result<AccessToken, TokenError> {
        let url = self.request.token_url.clone();
        check_url(&url).map_err(|e| TokenError::Setup(e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // A fresh assertion (new jti, fresh times) per attempt.
            let form = self.form()?;
            self.sent.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(&url)
                .header("Accept", "application/json")
                .form(&form)
                .send()
                .await;
            drop(form);
            let response = match sent {
                Ok(response) => response,
                Err(e) if e.is_connect() && attempt < self.retry.max_attempts => {
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                    continue;
                }
                Err(e) => return Err(transport_error(&url, &e)),
            };
            let status = response.status();
            let retry_after = parse_retry_after(response.headers());
            if (RetryPolicy::is_retryable_status(status) || status.as_u16() == 500)
                && attempt < self.retry.max_attempts
            {
                let wait = match retry_after {
                    Some(wait) if wait > self.retry.max_retry_after => {
                        return Err(TokenError::RetryAfterTooLong {
                            retry_after: wait,
                            limit: self.retry.max_retry_after,
                        });
                    }
                    Some(wait) => wait,
                    None => self.retry.backoff(attempt),
                };
                tokio::time::sleep(wait).await;
                continue;
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| transport_error(&url, &e))?;
            return parse_token_response(&url, status.as_u16(), &body);
        }
    }
}

fn transport_error(url: &str, e: &reqwest::Error) -> TokenError {
    if e.is_timeout() {
        TokenError::Timeout {
            url: url.to_string(),
        }
    } else {
        TokenError::Transport {
            url: url.to_string(),
            detail: error_chain(e),
        }
    }
}

/// An error and its sources on one line (reqwest's own Display is terse).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    if s.trim().is_empty() {
        "empty body".to_string()
    } else {
        s
    }
}

/// Turns a token endpoint answer into a token or a typed error.
pub fn parse_token_response(
    url: &str,
    status: u16,
    body: &[u8],
) -> Result<AccessToken, TokenError> {
    if !(200..300).contains(&status) {
        return Err(match parse_entra_error(status, body) {
            Some(e) => TokenError::Service(Box::new(e)),
            None => TokenError::InvalidResponse {
                url: url.to_string(),
                status,
                detail: snippet(body),
            },
        });
    }
    let raw: RawToken = serde_json::from_slice(body).map_err(|e| TokenError::InvalidResponse {
        url: url.to_string(),
        status,
        detail: format!("not a token response: {e}"),
    })?;
    if let Some(kind) = raw.token_type.as_deref()
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(TokenError::InvalidResponse {
            url: url.to_string(),
            status,
            detail: format!("token_type {kind}, expected Bearer"),
        });
    }
    // NOTE: some servers send expires_in as a string.
    let expires_in = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(3600),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or(3600),
        _ => 3600,
    };
    if raw.access_token.is_empty() {
        return Err(TokenError::InvalidResponse {
            url: url.to_string(),
            status,
            detail: "empty access_token".into(),
        });
    }
    Ok(AccessToken::new(raw.access_token, expires_in))
}

/// What the tenant's OpenID configuration says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorityInfo {
    pub token_endpoint: Option<String>,
    pub cloud_instance_name: Option<String>,
    pub tenant_region_scope: Option<String>,
    pub msgraph_host: Option<String>,
}

/// `GET {authority}/{tenant}/v2.0/.well-known/openid-configuration`: does the
/// tenant exist on this cloud's authority host? (reference §1.1)
pub async fn discover_authority(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    tenant: &str,
) -> Result<AuthorityInfo, TokenError> {
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        endpoints.authority_host, tenant
    );
    check_url(&url).map_err(|e| TokenError::Setup(e.to_string()))?;
    let response = http
        .get(&url)
        .send()
        .await
        .map_err(|e| transport_error(&url, &e))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(&url, &e))?;
    if !(200..300).contains(&status) {
        return Err(match parse_entra_error(status, &body) {
            Some(e) => TokenError::Service(Box::new(e)),
            None => TokenError::InvalidResponse {
                url,
                status,
                detail: snippet(&body),
            },
        });
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| TokenError::InvalidResponse {
            url: url.clone(),
            status,
            detail: format!("not JSON: {e}"),
        })?;
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_string);
    Ok(AuthorityInfo {
        token_endpoint: text("token_endpoint"),
        cloud_instance_name: text("cloud_instance_name"),
        tenant_region_scope: text("tenant_region_scope"),
        msgraph_host: text("msgraph_host"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_error_decoded() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01 00:00:00Z","error_codes":[7000215],"timestamp":"2026-01-01 00:00:00Z","trace_id":"t-1","correlation_id":"c-1"}"#;
        let err = parse_token_response("u", 401, body).unwrap_err();
        assert_eq!(err.code().as_deref(), Some("AADSTS7000215"));
        assert_eq!(err.trace_id(), Some("t-1"));
        let shown = err.to_string();
        assert!(
            shown.contains("Invalid client secret provided.") && shown.contains("trace ID t-1"),
            "{shown}"
        );
        assert!(!shown.contains("Correlation"), "{shown}");
    }

    #[test]
    fn code_from_description_when_codes_missing() {
        let body = br#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
        let err = parse_token_response("u", 400, body).unwrap_err();
        assert_eq!(err.code().as_deref(), Some("AADSTS90002"));
    }

    #[test]
    fn opaque_tokens_are_fine() {
        assert!(!TokenClaims::decode("opaque").readable);
        assert!(!TokenClaims::decode("a.!!!.c").readable);
        let payload = URL_SAFE_NO_PAD.encode(r#"{"roles":["Mail.Send"],"tid":"t","azp":"a"}"#);
        let claims = TokenClaims::decode(&format!("h.{payload}.s"));
        assert!(claims.readable && claims.has_role("mail.send"));
        assert_eq!(claims.appid.as_deref(), Some("a"));
    }

    #[test]
    fn token_debug_is_redacted() {
        let token = parse_token_response(
            "u",
            200,
            br#"{"token_type":"Bearer","expires_in":"3599","access_token":"sekrit"}"#,
        )
        .unwrap();
        assert_eq!(token.expires_in, 3599);
        assert!(!format!("{token:?}").contains("sekrit"));
        assert!(parse_token_response("u", 200, b"<html>").is_err());
        assert!(parse_token_response("u", 502, b"<html>").is_err());
    }
}

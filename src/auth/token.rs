//! Client-credentials tokens from Entra ID's v2.0 endpoint (reference §1):
//! the request, Entra's error JSON decoded into [`TokenError`], the
//! per-process token cache, tenant discovery, and a best-effort reading of
//! the token's claims for diagnostics.
//!
//! NOTE: Microsoft says to treat Graph tokens as opaque. The claims are read
//! only to explain missing roles; an unreadable token is never an error.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use super::ClientCredential;
use super::assertion::client_assertion;
use super::http::{
    Plan, RetryBudget, RetryPolicy, RetryStats, WireFailure, check_url,
    describe_certificate_rejection, describe_dropped, note_answer, parse_retry_after,
    redirect_refusal, wire_failure,
};
use super::request_log::{RequestLog, RetryDecision, Service, retry_decision};
use crate::state::{AssertionForm, Endpoints};

/// The longest token lifetime believed: Entra's are about an hour. A larger
/// `expires_in` (even `u64::MAX`) is clamped to this, never trusted into
/// `Instant` arithmetic.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Bytes holding a secret (a token form, a bearer header), zeroed when the
/// last reference drops. `Bytes::from_owner` lets reqwest and `http` use
/// them without copying into a buffer nobody clears.
pub(crate) struct SecretBytes(pub(crate) Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

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
    /// The retries made before this answer (throttling, gateway trouble).
    pub retry: RetryStats,
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
///
/// [`TokenError::is_inconclusive`] tells an answer about the configuration
/// (it refutes) from no conclusive answer at all (it neither establishes nor
/// refutes).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// Entra answered with its error JSON.
    #[error("Entra ID refused the request ({}): {}{}", .0.error, .0.description, trace_suffix(.0.trace_id.as_deref()))]
    Service(Box<EntraError>),
    /// Entra stayed busy (429, 5xx), timed out or dropped the connection
    /// until the deadline: no conclusive answer. `last` is what it said last.
    #[error("no conclusive answer from {url} within {:.0} s, after {retry}; last: {last}", .allowed.as_secs_f64())]
    NoAnswer {
        url: String,
        /// The last answer, e.g. `HTTP 503 temporarily_unavailable: AADSTS…`
        /// or `no answer within the request timeout`.
        last: String,
        /// Its HTTP status, when there was one.
        status: Option<u16>,
        /// The time the call was given (its deadline, from its start).
        allowed: Duration,
        retry: RetryStats,
    },
    /// No connection could be opened at all (refused, no such host), within
    /// the connect window; or one dropped in a way not worth retrying.
    #[error("cannot reach {url}: {detail}")]
    Transport { url: String, detail: String },
    /// A connection was opened, then closed by the server or a proxy before
    /// the answer was complete, on the last attempt before the deadline.
    /// `message` says so, with how many requests to the host went through
    /// before.
    #[error("{message}")]
    Dropped {
        url: String,
        message: String,
        retry: RetryStats,
    },
    /// The server's TLS certificate was refused: never retried. `detail`
    /// says what was presented and what to do.
    #[error("cannot reach {url}: {detail}")]
    Certificate { url: String, detail: String },
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
        retry: RetryStats,
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

    /// True when Entra gave no answer about the configuration: it stayed
    /// busy until the deadline ([`TokenError::NoAnswer`]), asked for a wait
    /// longer than graphmail honours ([`TokenError::RetryAfterTooLong`]),
    /// could not be reached at all ([`TokenError::Transport`]), kept
    /// dropping the connection ([`TokenError::Dropped`]), or answered
    /// 429 or 5xx (Entra attaches AADSTS codes to throttling and outages
    /// too, e.g. AADSTS90055: those are the service being busy). Such a step
    /// neither establishes nor refutes its fact (SPEC §4).
    ///
    /// False for every answer that refutes: Entra's error JSON with a 4xx
    /// (an AADSTS code), a refused TLS certificate, a redirect or another
    /// answer that is not Entra's, a bad endpoint or credential on this side.
    pub fn is_inconclusive(&self) -> bool {
        let busy = |status: u16| status == 429 || status >= 500;
        match self {
            TokenError::NoAnswer { .. }
            | TokenError::RetryAfterTooLong { .. }
            | TokenError::Transport { .. }
            | TokenError::Dropped { .. } => true,
            TokenError::Service(e) => busy(e.status),
            TokenError::InvalidResponse { status, .. } => busy(*status),
            TokenError::Certificate { .. } | TokenError::Setup(_) | TokenError::Assertion(_) => {
                false
            }
        }
    }

    /// The retries made before this error, where they are known.
    pub fn retry_stats(&self) -> RetryStats {
        match self {
            TokenError::Service(e) => e.retry,
            TokenError::NoAnswer { retry, .. }
            | TokenError::RetryAfterTooLong { retry, .. }
            | TokenError::Dropped { retry, .. } => *retry,
            _ => RetryStats::default(),
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
        retry: RetryStats::default(),
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
    /// Seconds of validity Entra announced, clamped to
    /// [`MAX_TOKEN_LIFETIME`].
    pub expires_in: u64,
    pub claims: TokenClaims,
    /// The retries the request that obtained it met.
    pub retry: RetryStats,
    /// [`AccessToken::bearer_header`], made at its first call: every
    /// request of a run shares one zeroed-on-drop buffer instead of
    /// copying the token into a new one (200 at a bulk test's start).
    bearer: OnceLock<HeaderValue>,
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
    /// For tests and the Graph client: a token with a known value. An
    /// absurd lifetime is clamped to [`MAX_TOKEN_LIFETIME`].
    pub fn new(value: String, expires_in: u64) -> Self {
        let claims = TokenClaims::decode(&value);
        let expires_in = expires_in.min(MAX_TOKEN_LIFETIME.as_secs());
        let now = Instant::now();
        AccessToken {
            secret: SecretString::from(value),
            expires_at: now
                .checked_add(Duration::from_secs(expires_in))
                .unwrap_or(now),
            expires_in,
            claims,
            retry: RetryStats::default(),
            bearer: OnceLock::new(),
        }
    }

    /// The `Authorization` header, marked sensitive (never shown by `Debug`,
    /// kept out of HTTP/2 header compression tables), in a buffer zeroed
    /// when the token and the last request holding the header are done
    /// with it. Only the request builders call this.
    pub fn bearer_header(&self) -> Result<HeaderValue, TokenError> {
        if let Some(made) = self.bearer.get() {
            return Ok(made.clone());
        }
        let made = self.make_bearer_header()?;
        Ok(self.bearer.get_or_init(|| made).clone())
    }

    fn make_bearer_header(&self) -> Result<HeaderValue, TokenError> {
        let secret = self.secret.expose_secret();
        let mut buffer = Zeroizing::new(Vec::with_capacity(7 + secret.len()));
        buffer.extend_from_slice(b"Bearer ");
        buffer.extend_from_slice(secret.as_bytes());
        let mut value = HeaderValue::from_maybe_shared(Bytes::from_owner(SecretBytes(buffer)))
            .map_err(|_| TokenError::InvalidResponse {
                url: "the token endpoint".into(),
                status: 200,
                detail: "the access token holds characters a header cannot carry".into(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Reused until 5 minutes before expiry (or half its life for a short
    /// token).
    fn fresh(&self) -> bool {
        let margin = Duration::from_secs(300.min(self.expires_in / 2));
        Instant::now()
            .checked_add(margin)
            .is_some_and(|at| at < self.expires_at)
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

    /// A valid token: the cached one, or a new one requested with the
    /// policy's [`RetryPolicy::budget`] as its deadline.
    pub async fn token(&self) -> Result<Arc<AccessToken>, TokenError> {
        let now = Instant::now();
        let deadline = now
            .checked_add(self.retry.budget)
            .unwrap_or(now + MAX_TOKEN_LIFETIME);
        self.token_until(deadline).await
    }

    /// A valid token: the cached one, or a new one requested until
    /// `deadline` (transient answers retried, SPEC §4). Waiting for another
    /// caller's request counts against the deadline too.
    pub async fn token_until(&self, deadline: Instant) -> Result<Arc<AccessToken>, TokenError> {
        let started = Instant::now();
        let locked =
            tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), self.cache.lock())
                .await;
        let Ok(mut cached) = locked else {
            return Err(TokenError::NoAnswer {
                url: self.request.token_url.clone(),
                last: "another token request of this run was still waiting for an answer".into(),
                status: None,
                allowed: deadline.saturating_duration_since(started),
                retry: RetryStats::default(),
            });
        };
        if let Some(token) = cached.as_ref().filter(|t| t.fresh()) {
            tracing::trace!("token: reusing this run's token (no request)");
            return Ok(token.clone());
        }
        let token = Arc::new(self.fetch(deadline).await?);
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets the cached token (after Graph said it expired).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    /// The urlencoded token form, in a buffer zeroed once sent: the secret
    /// or the assertion is written into it directly, never into a `String`
    /// of its own. (Sized up front so no reallocation leaves a copy behind.)
    fn form_body(&self) -> Result<Bytes, TokenError> {
        // A fresh assertion (new jti, fresh times) per attempt.
        let assertion = match &self.credential {
            ClientCredential::Secret(_) => None,
            ClientCredential::Certificate(key) => {
                let now = chrono::Utc::now().timestamp();
                let signed =
                    client_assertion(key, &self.request.app_id, &self.request.token_url, now)
                        .map_err(|e| TokenError::Assertion(e.to_string()))?;
                Some(Zeroizing::new(signed))
            }
        };
        let secret_len = match (&self.credential, &assertion) {
            (ClientCredential::Secret(secret), _) => secret.expose_secret().len(),
            (_, Some(assertion)) => assertion.len(),
            _ => 0,
        };
        // Percent-encoding triples a byte at most.
        let capacity =
            3 * (secret_len + self.request.app_id.len() + self.request.scope.len()) + 256;
        let mut text = Zeroizing::new(String::with_capacity(capacity));
        {
            let mut form = url::form_urlencoded::Serializer::new(&mut *text);
            form.append_pair("client_id", &self.request.app_id)
                .append_pair("scope", &self.request.scope)
                .append_pair("grant_type", "client_credentials");
            match (&self.credential, &assertion) {
                (ClientCredential::Secret(secret), _) => {
                    form.append_pair("client_secret", secret.expose_secret());
                }
                (_, Some(assertion)) => {
                    form.append_pair(
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    )
                    .append_pair("client_assertion", assertion);
                }
                _ => {}
            }
            form.finish();
        }
        let bytes = Zeroizing::new(std::mem::take(&mut *text).into_bytes());
        Ok(Bytes::from_owner(SecretBytes(bytes)))
    }

    async fn fetch(&self, deadline: Instant) -> Result<AccessToken, TokenError> {
        let url = self.request.token_url.clone();
        check_url(&url).map_err(|e| TokenError::Setup(e.to_string()))?;
        let mut budget = RetryBudget::new(&self.retry, Some(deadline));
        let (status, body) = send_with_retries(Service::Token, &url, &mut budget, || {
            let body = self.form_body()?;
            self.sent.fetch_add(1, Ordering::Relaxed);
            Ok(self
                .http
                .post(&url)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body))
        })
        .await?;
        match parse_token_response(&url, status, &body) {
            Ok(mut token) => {
                token.retry = budget.stats;
                Ok(token)
            }
            Err(TokenError::Service(mut e)) => {
                e.retry = budget.stats;
                Err(TokenError::Service(e))
            }
            Err(e) => Err(e),
        }
    }
}

/// Statuses Entra is asked again on: throttling and any server trouble
/// (MSAL retries 429 and every 5xx, reference §1.5).
fn token_retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// One line for an answer that will be retried, kept in case it is the last.
fn describe_answer(status: u16, body: &[u8]) -> String {
    match parse_entra_error(status, body) {
        Some(e) => format!("HTTP {status} {}: {}", e.error, e.description),
        None => format!("HTTP {status}: {}", snippet(body)),
    }
}

/// Sends the request `build` makes until an answer that is not transient,
/// or the deadline (SPEC §4): 429 and 5xx honour `Retry-After` (up to the
/// policy's limit) or back off; timeouts and connections closed under the
/// request are retried (a token request and a discovery are idempotent), and
/// when the deadline ends the retries of a drop the error is
/// [`TokenError::Dropped`], not "no answer"; a connection that
/// cannot be opened is retried within the connect window; a refused TLS
/// certificate and a redirect end it at once. Returns the status and body.
async fn send_with_retries(
    service: Service,
    url: &str,
    budget: &mut RetryBudget<'_>,
    mut build: impl FnMut() -> Result<reqwest::RequestBuilder, TokenError>,
) -> Result<(u16, Vec<u8>), TokenError> {
    let mut last: Option<(Option<u16>, String)> = None;
    let mut attempt = 0u32;
    let mut drops = 0u32;
    // The previous attempt's connection was closed under it.
    let mut dropped_before = false;
    loop {
        attempt += 1;
        let (client, request) = build()?.build_split();
        let method = request
            .as_ref()
            .map(|r| r.method().as_str().to_string())
            .unwrap_or_default();
        // `-vv` shows the headers; the form body (secret, assertion) never.
        let log = RequestLog::start(
            service,
            &method,
            url,
            attempt,
            request.as_ref().ok().map(|r| r.headers()),
        );
        let deadline = tokio::time::Instant::from_std(budget.deadline);
        let sent = tokio::time::timeout_at(deadline, async {
            let response = client.execute(request?).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        })
        .await;
        // This attempt's connection was closed under it.
        let mut last_dropped = false;
        let (retry_after, answer) = match sent {
            Err(_) => {
                log.failed("the deadline passed");
                // The deadline cut the retry of a dropped connection: the
                // drop is what was observed, not silence (on a busy machine
                // the last try is often cut before it is answered).
                if dropped_before && let Some((_, message)) = last {
                    return Err(TokenError::Dropped {
                        url: url.to_string(),
                        message,
                        retry: budget.stats,
                    });
                }
                let last = last.unwrap_or((None, "no answer before the deadline".into()));
                return Err(no_answer(url, budget, last));
            }
            Ok(Ok((status, headers, body))) => {
                let code = status.as_u16();
                log.answered(code, &headers);
                note_answer(url);
                if (300..400).contains(&code) {
                    return Err(TokenError::InvalidResponse {
                        url: url.to_string(),
                        status: code,
                        detail: redirect_refusal(code, &headers),
                    });
                }
                if !token_retryable(code) {
                    return Ok((code, body.to_vec()));
                }
                last = Some((Some(code), describe_answer(code, &body)));
                (parse_retry_after(&headers), Some(code))
            }
            Ok(Err(e)) => {
                let failure = wire_failure(&e);
                log.failed(&match &failure {
                    WireFailure::Certificate(reason) => {
                        format!("TLS certificate refused ({reason})")
                    }
                    WireFailure::Connect(detail) => format!("cannot connect: {detail}"),
                    WireFailure::Timeout => "no answer within the request timeout".to_string(),
                    WireFailure::Dropped(detail) => format!("the connection dropped: {detail}"),
                });
                match failure {
                    WireFailure::Certificate(reason) => {
                        return Err(TokenError::Certificate {
                            url: url.to_string(),
                            detail: describe_certificate_rejection(url, &reason).await,
                        });
                    }
                    WireFailure::Connect(detail) => {
                        if !budget.in_connect_window() {
                            return Err(TokenError::Transport {
                                url: url.to_string(),
                                detail,
                            });
                        }
                        last = Some((None, format!("cannot connect: {detail}")));
                        (None, None)
                    }
                    WireFailure::Timeout => {
                        last = Some((None, "no answer within the request timeout".into()));
                        (None, None)
                    }
                    WireFailure::Dropped(detail) => {
                        drops += 1;
                        last = Some((None, describe_dropped(url, &detail, drops)));
                        last_dropped = true;
                        (None, None)
                    }
                }
            }
        };
        dropped_before = last_dropped;
        let cause = match &last {
            Some((Some(status), _)) => format!("HTTP {status}"),
            _ => "no answer".to_string(),
        };
        match budget.plan(retry_after) {
            Plan::Wait(wait) => {
                retry_decision(
                    service,
                    &cause,
                    attempt,
                    RetryDecision::Wait(wait, retry_after.is_some()),
                );
                budget.wait(wait, answer).await;
            }
            Plan::TooLong(wait) => {
                retry_decision(
                    service,
                    &cause,
                    attempt,
                    RetryDecision::TooLong {
                        asked: wait,
                        limit: budget.max_retry_after(),
                    },
                );
                return Err(TokenError::RetryAfterTooLong {
                    retry_after: wait,
                    limit: budget.max_retry_after(),
                    retry: budget.stats,
                });
            }
            Plan::PastDeadline => {
                retry_decision(service, &cause, attempt, RetryDecision::PastDeadline);
                // The last attempt's connection was dropped: say that, not
                // "no answer" (the deadline only stopped the next try).
                if last_dropped && let Some((_, message)) = last {
                    return Err(TokenError::Dropped {
                        url: url.to_string(),
                        message,
                        retry: budget.stats,
                    });
                }
                let last = last.unwrap_or((None, "no answer".into()));
                return Err(no_answer(url, budget, last));
            }
        }
    }
}

fn no_answer(url: &str, budget: &RetryBudget<'_>, last: (Option<u16>, String)) -> TokenError {
    TokenError::NoAnswer {
        url: url.to_string(),
        last: last.1,
        status: last.0,
        allowed: budget.allowed(),
        retry: budget.stats,
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
    // NOTE: some servers send expires_in as a string. Anything above
    // MAX_TOKEN_LIFETIME (u64::MAX included) is clamped by AccessToken::new;
    // a lifetime too large even for u64 is as good as that.
    let expires_in = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 1.0).map(|_| u64::MAX))
            .unwrap_or(3600),
        Some(serde_json::Value::String(s)) => match s.trim().parse::<u64>() {
            Ok(secs) => secs,
            Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => u64::MAX,
            Err(_) => 3600,
        },
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
    /// The retries (and throttling waits) the discovery met.
    pub retry: RetryStats,
}

/// `GET {authority}/{tenant}/v2.0/.well-known/openid-configuration`: does the
/// tenant exist on this cloud's authority host? (reference §1.1) Retried
/// under the default [`RetryPolicy`]; see [`discover_authority_until`].
pub async fn discover_authority(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    tenant: &str,
) -> Result<AuthorityInfo, TokenError> {
    discover_authority_until(http, endpoints, tenant, &RetryPolicy::default(), None).await
}

/// [`discover_authority`] with a retry policy and a deadline (`None`: the
/// policy's budget from now). Transient answers are retried as token
/// requests are.
pub async fn discover_authority_until(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    tenant: &str,
    policy: &RetryPolicy,
    deadline: Option<Instant>,
) -> Result<AuthorityInfo, TokenError> {
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        endpoints.authority_host, tenant
    );
    check_url(&url).map_err(|e| TokenError::Setup(e.to_string()))?;
    let mut budget = RetryBudget::new(policy, deadline);
    let (status, body) = send_with_retries(Service::Discovery, &url, &mut budget, || {
        Ok(http.get(&url).header(ACCEPT, "application/json"))
    })
    .await?;
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
        retry: budget.stats,
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

    /// Issue 12 #5: the bearer header is marked sensitive, so `Debug` of
    /// the request (and HTTP/2's header table) never shows it.
    #[test]
    fn bearer_header_is_sensitive() {
        let token = AccessToken::new("sekrit-token".into(), 3600);
        let header = token.bearer_header().unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().unwrap(), "Bearer sekrit-token");
        assert!(!format!("{header:?}").contains("sekrit"));
        // Made once: every request shares the one buffer.
        let again = token.bearer_header().unwrap();
        assert!(again.is_sensitive());
        assert_eq!(again.as_bytes().as_ptr(), header.as_bytes().as_ptr());
        assert!(
            AccessToken::new("bad\nvalue".into(), 3600)
                .bearer_header()
                .is_err()
        );
    }

    /// Issue 12 #4: no lifetime panics `Instant` arithmetic.
    #[test]
    fn absurd_lifetimes_are_clamped() {
        let token = AccessToken::new("t".into(), u64::MAX);
        assert_eq!(token.expires_in, MAX_TOKEN_LIFETIME.as_secs());
        assert!(token.fresh());
        for body in [
            r#"{"access_token":"t","expires_in":"18446744073709551615"}"#,
            r#"{"access_token":"t","expires_in":1e300}"#,
            r#"{"access_token":"t","expires_in":"99999999999999999999999999"}"#,
        ] {
            let token = parse_token_response("u", 200, body.as_bytes()).unwrap();
            assert_eq!(token.expires_in, MAX_TOKEN_LIFETIME.as_secs(), "{body}");
        }
        let short =
            parse_token_response("u", 200, br#"{"access_token":"t","expires_in":-5}"#).unwrap();
        assert_eq!(short.expires_in, 3600);
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

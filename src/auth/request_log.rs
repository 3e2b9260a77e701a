//! What `-v` and `-vv` say about graphmail's HTTP requests, for the token
//! client (tenant discovery, token requests) and the Graph client alike.
//!
//! - `-v` (info): one line per answer or failed attempt (the service, the
//!   method, the URL with every query value that could be a credential
//!   removed, the status, the time taken, the service's request ID, the
//!   attempt) and one line per retry decision ("HTTP 429 on attempt 1:
//!   waiting 1.0 s (Retry-After) before attempt 2").
//! - `-vv` (debug): also the request and response headers, with
//!   `Authorization`, cookies and every header that may carry a secret shown
//!   as `[redacted]`, and the start of a Graph error body.
//!
//! Never logged: a request body (the token form holds the client secret or
//! the signed assertion), a token response's body, a discovery body.
//! Secrets must not reach `-v` output (SPEC §2 rule 4): what is shown is
//! redacted by name *and* by look (a value that reads like a JWT or a
//! `Bearer`/`Basic` credential is never shown, whatever its header's name).
//!
//! Every line is formatted inside a `tracing` macro or behind
//! `tracing::enabled!`, so a run without `-v` formats nothing.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The longest error body shown at `-vv`, in characters.
const BODY_LIMIT: usize = 400;

/// A new `client-request-id`: a version 4 UUID, from the thread's own
/// generator (`rand`'s, seeded once from the system) rather than
/// `Uuid::new_v4`, which asks the kernel (`getrandom`) for every one: 200
/// system calls in a 200-target run, between the token's arrival and the
/// lookups leaving (issue 17 (c)). An ID only has to be unique, not secret.
pub(crate) fn new_request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

/// Which service a request went to; names the log line and says which
/// header carries the service's own ID for the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// The tenant's OpenID configuration on the authority host.
    Discovery,
    /// Entra ID's token endpoint.
    Token,
    /// Microsoft Graph.
    Graph,
}

impl Service {
    fn label(self) -> &'static str {
        match self {
            Service::Discovery => "discovery",
            Service::Token => "token",
            Service::Graph => "graph",
        }
    }

    /// The request ID support quotes: Graph's `request-id`; Entra's trace
    /// ID, which it also sends as `x-ms-request-id` (reference §1.5).
    fn request_id(self, headers: &HeaderMap) -> String {
        let (header, shown) = match self {
            Service::Graph => ("request-id", "request-id"),
            Service::Discovery | Service::Token => ("x-ms-request-id", "trace ID"),
        };
        match headers.get(header).and_then(|v| v.to_str().ok()) {
            Some(id) => format!("{shown} {id}"),
            None => format!("no {header}"),
        }
    }
}

/// One attempt of one request, from the moment it leaves.
pub(crate) struct RequestLog<'a> {
    service: Service,
    method: &'a str,
    url: &'a str,
    attempt: u32,
    started: Instant,
}

impl<'a> RequestLog<'a> {
    /// Starts the clock; at `-vv` logs the request's headers (those set
    /// on the request: the client adds `user-agent` and the length).
    pub fn start(
        service: Service,
        method: &'a str,
        url: &'a str,
        attempt: u32,
        headers: Option<&HeaderMap>,
    ) -> Self {
        if let Some(headers) = headers
            && tracing::enabled!(tracing::Level::DEBUG)
        {
            tracing::debug!(
                "{}: {method} {} request headers: {}",
                service.label(),
                redact_url(url),
                show_headers(headers)
            );
        }
        RequestLog {
            service,
            method,
            url,
            attempt,
            started: Instant::now(),
        }
    }

    /// `-v`: the answer's line; `-vv`: its headers too.
    pub fn answered(&self, status: u16, headers: &HeaderMap) {
        tracing::info!(
            "{}: {} {} -> {status} in {} ms, {}{}",
            self.service.label(),
            self.method,
            redact_url(self.url),
            self.started.elapsed().as_millis(),
            self.service.request_id(headers),
            attempt_suffix(self.attempt),
        );
        if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(
                "{}: response headers: {}",
                self.service.label(),
                show_headers(headers)
            );
        }
    }

    /// `-v`: an attempt that got no answer (`what`: refused, timed out,
    /// dropped…).
    pub fn failed(&self, what: &str) {
        // reqwest's error texts name the URL: shown redacted like the rest.
        tracing::info!(
            "{}: {} {} -> no answer after {} ms: {}{}",
            self.service.label(),
            self.method,
            redact_url(self.url),
            self.started.elapsed().as_millis(),
            what.replace(self.url, &redact_url(self.url)),
            attempt_suffix(self.attempt),
        );
    }

    /// `-vv`: the start of an error body. Only for Graph, whose error
    /// bodies hold a code and a message, never a token; anything that reads
    /// like a credential is cut out all the same.
    pub fn error_body(&self, body: &[u8]) {
        if self.service == Service::Graph && tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug!(
                "{}: error body: {}",
                self.service.label(),
                redact_text(&String::from_utf8_lossy(body), BODY_LIMIT)
            );
        }
    }
}

fn attempt_suffix(attempt: u32) -> String {
    if attempt > 1 {
        format!(" (attempt {attempt})")
    } else {
        String::new()
    }
}

/// What a retry loop decided after an attempt that may be retried.
pub(crate) enum RetryDecision {
    /// Waiting this long; `true` when the service asked for it (`Retry-After`).
    Wait(Duration, bool),
    /// The service asked for a longer wait than graphmail honours.
    TooLong { asked: Duration, limit: Duration },
    /// The wait would end past the call's deadline.
    PastDeadline,
}

/// `-v`: one line per retry decision, e.g. `graph: HTTP 429 on attempt 1:
/// waiting 1.0 s (Retry-After) before attempt 2`.
pub(crate) fn retry_decision(service: Service, cause: &str, attempt: u32, decision: RetryDecision) {
    let label = service.label();
    match decision {
        RetryDecision::Wait(wait, asked) => tracing::info!(
            "{label}: {cause} on attempt {attempt}: waiting {:.1} s ({}) before attempt {}",
            wait.as_secs_f64(),
            if asked { "Retry-After" } else { "backoff" },
            attempt.saturating_add(1),
        ),
        RetryDecision::TooLong { asked, limit } => tracing::info!(
            "{label}: {cause} on attempt {attempt}: Retry-After {:.0} s is longer than the {:.0} s graphmail waits; giving up",
            asked.as_secs_f64(),
            limit.as_secs_f64(),
        ),
        RetryDecision::PastDeadline => tracing::info!(
            "{label}: {cause} on attempt {attempt}: another wait would pass the deadline; giving up"
        ),
    }
}

/// Query parameter names whose values may be credentials: OAuth codes and
/// secrets, SAS signatures (`sig`), `tempauth`/`authtoken` on upload and
/// download URLs, and any `*token*`, `*secret*`, `*key*`… (Graph's
/// `$skiptoken` included: it is a cursor, but nothing is lost by hiding it).
fn is_secret_param(name: &str) -> bool {
    let name = name.trim_start_matches('$').to_ascii_lowercase();
    name == "code"
        || [
            "token",
            "secret",
            "assertion",
            "password",
            "passwd",
            "auth",
            "sig",
            "key",
            "credential",
            "session",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// Upload (and attachment) sessions carry their credential in the query
/// under names that change: their query is hidden entirely.
fn is_upload_session(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    path.contains("uploadsession") || path.contains("attachmentsession")
}

/// `url` fit for a log: no user or password, no fragment, every query value
/// that could be a credential replaced by `[redacted]`, the whole query of an
/// upload-session URL replaced. A URL that does not parse is not shown.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(a URL that does not parse)".to_string();
    };
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_fragment(None);
    let query = parsed.query().map(str::to_string);
    parsed.set_query(None);
    let mut shown = parsed.to_string();
    match query {
        None => {}
        Some(_) if is_upload_session(parsed.path()) => {
            shown.push('?');
            shown.push_str(REDACTED);
        }
        Some(query) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| {
                    let name = pair.split('=').next().unwrap_or_default();
                    let decoded = url::form_urlencoded::parse(name.as_bytes())
                        .next()
                        .map(|(decoded, _)| decoded.into_owned())
                        .unwrap_or_default();
                    if is_secret_param(&decoded) {
                        format!("{name}={REDACTED}")
                    } else {
                        pair.to_string()
                    }
                })
                .collect();
            shown.push('?');
            shown.push_str(&pairs.join("&"));
        }
    }
    shown
}

/// Header names whose values are secrets, or may be.
fn is_secret_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "token",
        "secret",
        "assertion",
        "password",
        "api-key",
        "apikey",
        "signature",
        "session",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// True for a value that reads like a credential whatever its header:
/// a JWT (`eyJ`, base64 of `{"`), a `Bearer`/`Basic` scheme.
fn looks_like_credential(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    value.contains("eyJ")
        || lower.starts_with("bearer ")
        || lower.starts_with("basic ")
        || lower.starts_with("pop ")
}

fn show_header(name: &HeaderName, value: &HeaderValue) -> String {
    if value.is_sensitive() || is_secret_header(name) {
        return REDACTED.to_string();
    }
    let Ok(text) = value.to_str() else {
        return "(not text)".to_string();
    };
    if looks_like_credential(text) {
        REDACTED.to_string()
    } else if name == LOCATION {
        redact_url(text)
    } else {
        text.to_string()
    }
}

/// Headers on one line, `name: value; …`, secrets redacted.
pub fn show_headers(headers: &HeaderMap) -> String {
    let shown: Vec<String> = headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", show_header(name, value)))
        .collect();
    if shown.is_empty() {
        "(none)".to_string()
    } else {
        shown.join("; ")
    }
}

/// `text` cut to `limit` characters, with every word that reads like a
/// credential (a JWT, the word after `Bearer`) replaced.
fn redact_text(text: &str, limit: usize) -> String {
    let mut cut: String = text.chars().take(limit).collect();
    if text.chars().count() > limit {
        cut.push('…');
    }
    let mut after_scheme = false;
    let words: Vec<&str> = cut
        .split(' ')
        .map(|word| {
            let secret = after_scheme || word.contains("eyJ");
            after_scheme =
                word.eq_ignore_ascii_case("bearer") || word.eq_ignore_ascii_case("basic");
            if secret { REDACTED } else { word }
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            let uuid = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(uuid.get_version(), Some(uuid::Version::Random), "{id}");
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(id, &uuid.hyphenated().to_string(), "lower case, hyphenated");
        }
    }

    #[test]
    fn credential_query_values_are_removed() {
        let shown = redact_url(
            "https://login.example/t/oauth2/v2.0/authorize?client_id=app&code=SECRETCODE&client_secret=S3&client_assertion=eyJx&state=1",
        );
        assert_eq!(
            shown,
            "https://login.example/t/oauth2/v2.0/authorize?client_id=app&code=[redacted]&client_secret=[redacted]&client_assertion=[redacted]&state=1"
        );
        let sas = redact_url("https://blob.example/c/f?sv=2020&sig=abc%2Bdef&se=2026&sp=r");
        assert!(!sas.contains("abc"), "{sas}");
        assert!(sas.contains("sp=r"), "{sas}");
        let tempauth =
            redact_url("https://x.sharepoint.com/_layouts/15/download.aspx?tempauth=v1.eyJ");
        assert!(!tempauth.contains("v1.eyJ"), "{tempauth}");
        // Percent-encoded names are recognised too.
        let encoded = redact_url("https://x.example/?%63ode=SECRET");
        assert!(!encoded.contains("SECRET"), "{encoded}");
        // Graph's query options stay readable.
        let graph = "https://graph.microsoft.com/v1.0/users/a%40b.com/mailFolders/inbox/messages?$select=id,subject&$top=5&$filter=isRead%20eq%20false";
        assert_eq!(redact_url(graph), graph);
        let page =
            redact_url("https://graph.microsoft.com/v1.0/users/a/messages?$top=5&$skiptoken=X1Y2");
        assert!(!page.contains("X1Y2") && page.contains("$top=5"), "{page}");
    }

    #[test]
    fn upload_session_query_is_hidden_entirely() {
        let shown = redact_url(
            "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=eyJhbGc&other=1",
        );
        assert!(shown.ends_with("?[redacted]"), "{shown}");
        let upload = redact_url("https://graph.example/uploadSession/x?whatever=opaque");
        assert!(upload.ends_with("?[redacted]"), "{upload}");
    }

    #[test]
    fn user_info_and_fragment_are_dropped() {
        let shown = redact_url("https://user:pa55@proxy.example:8443/p?a=1#frag");
        assert_eq!(shown, "https://proxy.example:8443/p?a=1");
        assert_eq!(redact_url("not a url"), "(a URL that does not parse)");
    }

    #[test]
    fn secret_headers_are_redacted() {
        let mut headers = HeaderMap::new();
        let mut bearer = HeaderValue::from_static("Bearer eyJhbGciOi.x.y");
        bearer.set_sensitive(true);
        headers.insert("authorization", bearer);
        headers.insert("cookie", HeaderValue::from_static("a=b"));
        headers.insert("set-cookie", HeaderValue::from_static("session=c"));
        headers.insert("x-ms-token", HeaderValue::from_static("opaque"));
        headers.insert("x-custom", HeaderValue::from_static("eyJzomething"));
        headers.insert("x-plain", HeaderValue::from_static("Basic dXNlcjpwYXNz"));
        headers.insert(
            "location",
            HeaderValue::from_static("https://x.example/cb?code=SECRETCODE"),
        );
        headers.insert("request-id", HeaderValue::from_static("1234-abcd"));
        let shown = show_headers(&headers);
        for secret in [
            "eyJ",
            "a=b",
            "session=c",
            "opaque",
            "dXNlcjpwYXNz",
            "SECRETCODE",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("authorization: [redacted]"), "{shown}");
        assert!(shown.contains("request-id: 1234-abcd"), "{shown}");
        assert!(
            shown.contains("location: https://x.example/cb?code=[redacted]"),
            "{shown}"
        );
    }

    #[test]
    fn error_bodies_lose_anything_token_like() {
        let shown = redact_text(r#"{"error":{"message":"bad eyJabc.def token"}}"#, 400);
        assert!(!shown.contains("eyJ"), "{shown}");
        let shown = redact_text("sent Bearer opaque-value here", 400);
        assert_eq!(shown, "sent Bearer [redacted] here");
        let long = "x".repeat(1000);
        assert_eq!(redact_text(&long, 10).chars().count(), 11);
    }
}

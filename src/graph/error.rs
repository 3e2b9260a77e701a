//! [`GraphError`]: what went wrong with a Graph request, with the service's
//! code and the `request-id` support engineers quote (reference §5).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::{RetryStats, TokenError};

/// What kind of failure a [`GraphError`] is. [`GraphError::is_inconclusive`]
/// sorts them into answers about the configuration and no answer at all.
#[derive(Debug, Clone)]
pub enum GraphErrorKind {
    /// Graph answered with an error status.
    Service,
    /// Graph stayed busy (429, 503, 502/504), timed out or dropped the
    /// connection until the deadline: no conclusive answer. `last` is what
    /// it said last; `status`, `code`, `message` and `request_id` of the
    /// error are that answer's when there was one.
    NoAnswer {
        last: String,
        /// The time the call was given (its deadline, from its start).
        allowed: Duration,
    },
    /// No answer within the request timeout to a request that is not
    /// re-sent (a send: it may have gone through).
    Timeout,
    /// No connection could be opened within the connect window (refused,
    /// no such host, no route, no answer to the connect).
    Transport,
    /// A connection was opened, then closed by the server or a proxy before
    /// the answer was complete: on the last attempt before the deadline of
    /// an idempotent request, or once for a send, which is never sent again
    /// (it may have gone through: `maybe_carried_out`).
    Dropped { maybe_carried_out: bool },
    /// The server's TLS certificate was refused: never retried. The message
    /// says what was presented and what to do.
    Certificate,
    /// Graph asked to wait longer than graphmail waits.
    RetryAfterTooLong {
        retry_after: Duration,
        limit: Duration,
    },
    /// No token: the request was never sent.
    Token(Box<TokenError>),
    /// A success status with a body that is not what Graph sends.
    InvalidResponse,
    /// A URL graphmail refuses to use (e.g. a nextLink to another host).
    InvalidRequest,
}

/// A failed Graph request.
#[derive(Debug, Clone, thiserror::Error)]
pub struct GraphError {
    pub kind: GraphErrorKind,
    /// HTTP status, when Graph answered.
    pub status: Option<u16>,
    /// The most specific `error.code` (innerError codes first, numeric ones
    /// like `"429"` skipped when a named one exists).
    pub code: Option<String>,
    /// Every code of the chain, most specific first.
    pub codes: Vec<String>,
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    /// The retries made (and throttling waits met) before this error.
    pub retry: RetryStats,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            GraphErrorKind::Service => {
                write!(f, "Graph answered HTTP {}", self.status.unwrap_or_default())?;
                if let Some(code) = &self.code {
                    write!(f, " {code}")?;
                }
                if !self.message.is_empty() {
                    write!(f, ": {}", self.message)?;
                }
            }
            GraphErrorKind::RetryAfterTooLong { retry_after, limit } => write!(
                f,
                "Graph asked to retry after {:.0} s (HTTP {}), longer than the {} s graphmail waits",
                retry_after.as_secs_f64().ceil(),
                self.status.unwrap_or_default(),
                limit.as_secs()
            )?,
            GraphErrorKind::NoAnswer { last, allowed } => write!(
                f,
                "no conclusive answer from Graph within {:.0} s, after {}; last: {last}",
                allowed.as_secs_f64(),
                self.retry
            )?,
            GraphErrorKind::Token(e) => write!(f, "{e}")?,
            _ => f.write_str(&self.message)?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id})")?;
        }
        Ok(())
    }
}

impl GraphError {
    pub(crate) fn new(kind: GraphErrorKind, message: impl Into<String>) -> Self {
        GraphError {
            kind,
            status: None,
            code: None,
            codes: Vec::new(),
            message: message.into(),
            request_id: None,
            client_request_id: None,
            retry: RetryStats::default(),
        }
    }

    pub(crate) fn token(e: TokenError) -> Self {
        let message = e.to_string();
        let retry = e.retry_stats();
        let mut error = GraphError::new(GraphErrorKind::Token(Box::new(e)), message);
        error.retry = retry;
        error
    }

    /// True when Graph (or Entra, for the token) gave no answer about the
    /// configuration: it stayed busy until the deadline
    /// ([`GraphErrorKind::NoAnswer`]), asked for a longer wait than graphmail
    /// honours, answered a send with server trouble that is not retried (a
    /// 5xx: the send may or may not have happened), a send got no answer
    /// ([`GraphErrorKind::Timeout`]), the endpoint could not be reached
    /// ([`GraphErrorKind::Transport`]) or kept closing the connection
    /// ([`GraphErrorKind::Dropped`]), or the token request was
    /// inconclusive ([`TokenError::is_inconclusive`]). Such a step neither
    /// establishes nor refutes its fact (SPEC §4).
    ///
    /// False for every answer that refutes (401, 403, 404 and any other 4xx
    /// Graph sends), a refused TLS certificate, a redirect, and answers that
    /// are not Graph's.
    pub fn is_inconclusive(&self) -> bool {
        match &self.kind {
            GraphErrorKind::NoAnswer { .. }
            | GraphErrorKind::RetryAfterTooLong { .. }
            | GraphErrorKind::Timeout
            | GraphErrorKind::Transport
            | GraphErrorKind::Dropped { .. } => true,
            GraphErrorKind::Service => matches!(self.status, Some(429 | 500..=599)),
            GraphErrorKind::Token(inner) => inner.is_inconclusive(),
            GraphErrorKind::Certificate
            | GraphErrorKind::InvalidResponse
            | GraphErrorKind::InvalidRequest => false,
        }
    }

    /// True when any code of the chain equals `code` (case-insensitive).
    pub fn has_code(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
    }

    pub fn is_status(&self, status: u16) -> bool {
        self.status == Some(status) && matches!(self.kind, GraphErrorKind::Service)
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "innerError", alias = "innererror")]
    inner: Option<Box<InnerError>>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
    #[serde(default, rename = "client-request-id")]
    client_request_id: Option<String>,
    #[serde(default, rename = "innerError", alias = "innererror")]
    inner: Option<Box<InnerError>>,
}

/// Decodes Graph's error JSON; headers' IDs win over the body's.
pub fn decode_error(
    status: u16,
    body: &[u8],
    request_id: Option<String>,
    client_request_id: Option<String>,
) -> GraphError {
    let mut error = GraphError::new(GraphErrorKind::Service, String::new());
    error.status = Some(status);
    error.request_id = request_id;
    error.client_request_id = client_request_id;
    let parsed = serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.error);
    let Some(body_error) = parsed else {
        let text = String::from_utf8_lossy(body);
        error.message = text
            .chars()
            .take(200)
            .collect::<String>()
            .trim()
            .to_string();
        return error;
    };
    error.message = body_error.message.unwrap_or_default();
    // Outer first, then inner, then reversed: most specific first.
    let mut chain: Vec<String> = body_error.code.into_iter().collect();
    let mut inner = body_error.inner;
    let mut depth = 0;
    while let Some(node) = inner {
        depth += 1;
        if depth > 16 {
            break;
        }
        if let Some(code) = node.code.filter(|c| !c.is_empty()) {
            chain.push(code);
        }
        if error.request_id.is_none() {
            error.request_id = node.request_id;
        }
        if error.client_request_id.is_none() {
            error.client_request_id = node.client_request_id;
        }
        inner = node.inner;
    }
    chain.reverse();
    chain.dedup();
    error.code = chain
        .iter()
        .find(|c| !c.chars().all(|ch| ch.is_ascii_digit()))
        .or_else(|| chain.first())
        .cloned();
    error.codes = chain;
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_silence_and_server_trouble_are_inconclusive() {
        let answered = |status: u16| decode_error(status, b"{}", None, None);
        for status in [400, 401, 403, 404, 409] {
            assert!(!answered(status).is_inconclusive(), "{status}");
        }
        for status in [429, 500, 502, 503, 504] {
            assert!(answered(status).is_inconclusive(), "{status}");
        }
        let no_answer = GraphError::new(
            GraphErrorKind::NoAnswer {
                last: "HTTP 503".into(),
                allowed: Duration::from_secs(60),
            },
            "",
        );
        assert!(no_answer.is_inconclusive());
        assert!(GraphError::new(GraphErrorKind::Timeout, "").is_inconclusive());
        assert!(GraphError::new(GraphErrorKind::Transport, "").is_inconclusive());
        let dropped = GraphErrorKind::Dropped {
            maybe_carried_out: false,
        };
        assert!(GraphError::new(dropped, "").is_inconclusive());
        assert!(!GraphError::new(GraphErrorKind::Certificate, "").is_inconclusive());
        assert!(!GraphError::new(GraphErrorKind::InvalidResponse, "").is_inconclusive());
        let busy_entra = TokenError::Service(Box::new(crate::auth::EntraError {
            status: 503,
            error_codes: vec![90055],
            ..Default::default()
        }));
        assert!(GraphError::token(busy_entra).is_inconclusive());
        let refused = TokenError::Service(Box::new(crate::auth::EntraError {
            status: 401,
            error_codes: vec![7000215],
            ..Default::default()
        }));
        assert!(!GraphError::token(refused).is_inconclusive());
    }

    #[test]
    fn inner_codes_most_specific_first() {
        let body = br#"{"error":{"code":"ErrorAccessDenied","message":"Access to OData is disabled.","innerError":{"code":"ApplicationAccessPolicy","request-id":"r-1","date":"x"}}}"#;
        let e = decode_error(403, body, None, None);
        assert_eq!(e.code.as_deref(), Some("ApplicationAccessPolicy"));
        assert_eq!(
            e.codes,
            vec!["ApplicationAccessPolicy", "ErrorAccessDenied"]
        );
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert!(e.to_string().contains("Access to OData is disabled."));
    }

    #[test]
    fn numeric_inner_code_does_not_hide_the_named_one() {
        let body = br#"{"error":{"code":"TooManyRequests","message":"Please retry.","innerError":{"code":"429"}}}"#;
        let e = decode_error(429, body, Some("h".into()), None);
        assert_eq!(e.code.as_deref(), Some("TooManyRequests"));
        assert_eq!(e.request_id.as_deref(), Some("h"));
    }

    #[test]
    fn non_json_body() {
        let e = decode_error(502, b"<html>bad gateway</html>", None, None);
        assert_eq!(e.code, None);
        assert!(e.message.contains("bad gateway"));
    }
}

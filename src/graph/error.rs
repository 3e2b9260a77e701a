//! [`GraphError`]: what went wrong with a Graph request, with the service's
//! code and the `request-id` support engineers quote (reference §5).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::TokenError;

/// What kind of failure a [`GraphError`] is.
#[derive(Debug, Clone)]
pub enum GraphErrorKind {
    /// Graph answered with an error status.
    Service,
    /// No answer within the request timeout.
    Timeout,
    /// The connection failed or dropped (after the retries allowed).
    Transport,
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
    /// Attempts made, retries included.
    pub attempts: u32,
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
            attempts: 0,
        }
    }

    pub(crate) fn token(e: TokenError) -> Self {
        let message = e.to_string();
        GraphError::new(GraphErrorKind::Token(Box::new(e)), message)
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

//! The `Date` header of every sandbox answer, from the sandbox's own clock
//! ([`super::clock`]), as Entra's and Graph's answers carry theirs
//! (RFC 9110 §6.6.1: an origin server with a clock must send `Date`). So a
//! shifted sandbox clock shows up where a client reads the server's time:
//! `graphmail doctor`'s clock-skew check.
//!
//! NOTE: hyper adds a `Date` from the host's clock only when the response has
//! none, so the one set here wins.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::DATE;
use axum::middleware::Next;
use axum::response::Response;

use super::Sandbox;

/// Middleware: stamps the response with the sandbox's current time.
pub async fn stamp(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(value) = http_date(sandbox.now()) {
        response.headers_mut().insert(DATE, value);
    }
    response
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for Unix seconds (none before 1970).
fn http_date(unix_seconds: i64) -> Option<HeaderValue> {
    let seconds = u64::try_from(unix_seconds).ok()?;
    let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds));
    HeaderValue::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_an_http_date() {
        let value = http_date(784_111_777).unwrap();
        assert_eq!(value, "Sun, 06 Nov 1994 08:49:37 GMT");
        assert!(http_date(-1).is_none());
    }
}

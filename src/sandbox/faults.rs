//! Faults injected into every request the sandbox serves (not the admin
//! endpoint): added latency, 503 answers, 429 storms with `Retry-After`, and
//! connections closed without an answer. Each is scoped to the token service
//! (`token`: `/{tenant}/oauth2/...`, `/.well-known/`, `/discovery/`), to Graph
//! (`graph`: `/v1.0/...`, `/beta/...`, and the upload URLs under `/upload/`),
//! or to `all`. A fault fires for the
//! next N matching requests (`next`), at random with a probability (`rate`), or,
//! with neither, on every matching request.
//!
//! Bodies follow the service answering: Entra's error JSON (reference §1.5) on
//! the token service, Graph's error JSON with `TooManyRequests` / 503 (reference
//! §5, §6 [S29] [S25]) on Graph. Limits: the per-mailbox concurrency limit is
//! the Graph half's; a dropped connection is closed after the request was read,
//! before any byte of the answer.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::Sandbox;
use super::identity::aadsts::{Aadsts, RequestIds};

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultScope {
    Token,
    Graph,
    #[default]
    All,
}

/// Added latency before every matching request is handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyFault {
    pub ms: u64,
    #[serde(default)]
    pub scope: FaultScope,
}

/// When a failing fault fires, and what it says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailFault {
    /// Probability 0..=1 per matching request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Fire for the next N matching requests, then stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<u32>,
    /// `Retry-After` seconds (429 defaults to 1; 503 sends none unless set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default)]
    pub scope: FaultScope,
}

/// All faults; `None` = off. The seed's `[faults]` and the admin endpoint's JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default)]
    pub latency: Option<LatencyFault>,
    /// 503 Service Unavailable.
    #[serde(default)]
    pub unavailable: Option<FailFault>,
    /// 429 Too Many Requests with `Retry-After`.
    #[serde(default)]
    pub throttle: Option<FailFault>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop: Option<FailFault>,
}

impl FaultConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (name, fault) in [
            ("unavailable", &self.unavailable),
            ("throttle", &self.throttle),
            ("drop", &self.drop),
        ] {
            if let Some(rate) = fault.as_ref().and_then(|f| f.rate)
                && !(0.0..=1.0).contains(&rate)
            {
                return Err(format!(
                    "faults.{name}.rate must be between 0 and 1, not {rate}"
                ));
            }
        }
        Ok(())
    }
}

/// The service a request is for, by path.
fn scope_of(path: &str) -> Option<FaultScope> {
    if path.starts_with("/v1.0/") || path.starts_with("/beta/") || path.starts_with("/upload/") {
        Some(FaultScope::Graph)
    } else if path.contains("/oauth2/")
        || path.contains("/.well-known/")
        || path.contains("/discovery/")
    {
        Some(FaultScope::Token)
    } else {
        None
    }
}

fn applies(fault: FaultScope, request: FaultScope) -> bool {
    fault == FaultScope::All || fault == request
}

/// Decides, under the lock, whether a fault fires (and uses up one of `next`).
fn fires(fault: &mut Option<FailFault>, request: FaultScope) -> Option<FailFault> {
    let f = fault.as_mut()?;
    if !applies(f.scope, request) {
        return None;
    }
    let hit = match (f.next, f.rate) {
        (Some(0), _) => false,
        (Some(n), _) => {
            f.next = Some(n - 1);
            true
        }
        (None, Some(rate)) => rand::random::<f64>() < rate,
        (None, None) => true,
    };
    let fired = hit.then(|| f.clone());
    if f.next == Some(0) {
        *fault = None;
    }
    fired
}

enum Decision {
    Pass,
    Drop,
    Status(StatusCode, Option<u64>),
}

/// Axum middleware applying the current faults (installed outside the admin routes).
pub async fn apply(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let Some(scope) = scope_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let (latency, decision) = {
        let mut faults = sandbox.faults.lock().unwrap_or_else(|e| e.into_inner());
        let latency = faults
            .latency
            .as_ref()
            .filter(|l| applies(l.scope, scope))
            .map(|l| l.ms);
        let decision = if fires(&mut faults.drop, scope).is_some() {
            Decision::Drop
        } else if let Some(f) = fires(&mut faults.throttle, scope) {
            Decision::Status(
                StatusCode::TOO_MANY_REQUESTS,
                Some(f.retry_after.unwrap_or(1)),
            )
        } else if let Some(f) = fires(&mut faults.unavailable, scope) {
            Decision::Status(StatusCode::SERVICE_UNAVAILABLE, f.retry_after)
        } else {
            Decision::Pass
        };
        (latency, decision)
    };
    if let Some(ms) = latency {
        super::delay::wait(Duration::from_millis(ms)).await;
    }
    match decision {
        Decision::Pass => next.run(request).await,
        Decision::Drop => {
            sandbox.count("fault.drop", None);
            dropped_connection()
        }
        Decision::Status(status, retry_after) => {
            let kind = if status == StatusCode::TOO_MANY_REQUESTS {
                "fault.throttle"
            } else {
                "fault.unavailable"
            };
            sandbox.count(kind, None);
            let mut response = if scope == FaultScope::Token {
                let ids = RequestIds::from_headers(request.headers());
                let error = if status == StatusCode::TOO_MANY_REQUESTS {
                    Aadsts::throttled()
                } else {
                    Aadsts::temporarily_unavailable()
                };
                error.render(&ids, sandbox.now())
            } else {
                graph_error(&request, status, sandbox.now())
            };
            if let Some(seconds) = retry_after
                && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert("retry-after", v);
            }
            response
        }
    }
}

/// Graph's error JSON for throttling / unavailability (reference §5: shape [S25], 429 body [S29]).
fn graph_error(request: &Request, status: StatusCode, now: i64) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let (code, message) = if status == StatusCode::TOO_MANY_REQUESTS {
        ("TooManyRequests", "Too many requests")
    } else {
        (
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry.",
        )
    };
    let date = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let body = serde_json::json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "code": status.as_u16().to_string(),
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }
    });
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&client_request_id) {
        response.headers_mut().insert("client-request-id", v);
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the
/// connection without writing the (still buffered) head, so the client sees the
/// connection end with no answer.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_n_counts_down_and_switches_off() {
        let mut fault = Some(FailFault {
            next: Some(2),
            scope: FaultScope::Graph,
            ..FailFault::default()
        });
        assert!(fires(&mut fault, FaultScope::Token).is_none());
        assert!(fires(&mut fault, FaultScope::Graph).is_some());
        assert!(fires(&mut fault, FaultScope::Graph).is_some());
        assert!(fault.is_none());
        assert!(fires(&mut fault, FaultScope::Graph).is_none());
    }

    #[test]
    fn paths_map_to_scopes() {
        assert_eq!(scope_of("/v1.0/users/x/messages"), Some(FaultScope::Graph));
        assert_eq!(
            scope_of("/contoso.com/oauth2/v2.0/token"),
            Some(FaultScope::Token)
        );
        assert_eq!(scope_of("/_sandbox/counters"), None);
    }
}

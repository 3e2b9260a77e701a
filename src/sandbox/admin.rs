//! The sandbox's admin endpoint, under `/_sandbox` (a prefix no Graph or Entra
//! path uses), answering loopback clients only:
//!
//! | method and path | what |
//! |---|---|
//! | `GET /_sandbox` | the ready line (JSON) |
//! | `GET /_sandbox/counters`, `DELETE` | request counters by kind and by mailbox; reset |
//! | `GET /_sandbox/faults` | the faults in force |
//! | `PUT /_sandbox/faults` | replace all faults (body: the `[faults]` shape as JSON) |
//! | `POST /_sandbox/faults` | change only the faults named in the body (`null` switches one off) |
//! | `DELETE /_sandbox/faults` | all faults off |
//! | `GET /_sandbox/clock` | `{"now", "offset_seconds"}` |
//! | `POST /_sandbox/clock` | `{"shift_seconds": N}` moves the clock by N (cumulative) |
//! | `DELETE /_sandbox/clock` | back to the wall clock |
//! | `GET /_sandbox/credentials` | every seeded tenant, app, secret and certificate |
//! | `/_sandbox/mail/...` | the Graph half's admin routes (mailbox contents, concurrency) |
//!
//! Who may call it: a loopback client (the peer address), naming the sandbox
//! by a loopback Host (`127.0.0.1`, `[::1]` or `localhost`, with the
//! sandbox's port), and sending bodies as `Content-Type: application/json`.
//! The Host check stops DNS rebinding: a web page whose name re-resolves to
//! 127.0.0.1 still sends its own name as Host, so it can neither read
//! `/credentials` nor move the clock. The Content-Type check stops the
//! "simple" cross-origin POST a page may send without a CORS preflight
//! (`text/plain`, form encodings). Refusals: 403 for the peer or Host, 415
//! for the Content-Type.
//!
//! Limits: no authentication beyond these checks; it is a test tool.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sandbox;
use super::faults::FaultConfig;
use super::graph;

/// The admin path prefix.
pub const PREFIX: &str = "/_sandbox";

/// The admin router (to be nested under [`PREFIX`]); `sandbox` gives the
/// guard the port a loopback Host must name.
pub fn routes(sandbox: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/", get(index))
        .route("/counters", get(counters).delete(reset_counters))
        .route(
            "/faults",
            get(get_faults)
                .put(put_faults)
                .post(post_faults)
                .delete(clear_faults),
        )
        .route(
            "/clock",
            get(get_clock).post(shift_clock).delete(reset_clock),
        )
        .route("/credentials", get(credentials))
        .nest("/mail", graph::admin_routes())
        .layer(axum::middleware::from_fn_with_state(sandbox, loopback_only))
}

/// Refuses anyone not on loopback, whatever address the sandbox listens on;
/// a Host that is not a loopback name for this sandbox's port; a body that
/// is not declared JSON.
async fn loopback_only(
    State(sandbox): State<Arc<Sandbox>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    if !matches!(peer, Some(ConnectInfo(addr)) if addr.ip().is_loopback()) {
        return error(
            StatusCode::FORBIDDEN,
            "the sandbox admin endpoint answers loopback clients only",
        );
    }
    // HTTP/1.1 sends Host; HTTP/2 sends :authority, which lands in the URI.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    let port = sandbox.listen_addr().port();
    if !host.as_deref().is_some_and(|h| is_loopback_host(h, port)) {
        return error(
            StatusCode::FORBIDDEN,
            &format!(
                "the sandbox admin endpoint answers only Host 127.0.0.1:{port}, [::1]:{port} or localhost:{port}"
            ),
        );
    }
    let has_body = request.method() != Method::GET
        && request.method() != Method::HEAD
        && request.method() != Method::DELETE;
    if has_body && !is_json(request.headers().get(header::CONTENT_TYPE)) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the sandbox admin endpoint takes bodies as Content-Type: application/json",
        );
    }
    next.run(request).await
}

/// `127.0.0.1:PORT` (any 127/8 address), `[::1]:PORT` or `localhost:PORT`:
/// names only this machine can mean, with the sandbox's own port.
fn is_loopback_host(host: &str, port: u16) -> bool {
    let Some((name, given)) = host.rsplit_once(':') else {
        return false;
    };
    if given.parse::<u16>().ok() != Some(port) {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    match literal.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() && !name.starts_with('['),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback() && name.starts_with('['),
        Err(_) => false,
    }
}

/// `application/json`, with parameters (`; charset=utf-8`) allowed.
fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

async fn index(State(sandbox): State<Arc<Sandbox>>) -> Response {
    Json(super::server::ready_info(&sandbox, None)).into_response()
}

async fn counters(State(sandbox): State<Arc<Sandbox>>) -> Response {
    Json(sandbox.counters()).into_response()
}

async fn reset_counters(State(sandbox): State<Arc<Sandbox>>) -> StatusCode {
    sandbox.reset_counters();
    StatusCode::NO_CONTENT
}

fn current_faults(sandbox: &Sandbox) -> FaultConfig {
    sandbox
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn set_faults(sandbox: &Sandbox, faults: FaultConfig) -> Response {
    if let Err(message) = faults.validate() {
        return error(StatusCode::BAD_REQUEST, &message);
    }
    *sandbox.faults.lock().unwrap_or_else(|e| e.into_inner()) = faults.clone();
    Json(faults).into_response()
}

async fn get_faults(State(sandbox): State<Arc<Sandbox>>) -> Response {
    Json(current_faults(&sandbox)).into_response()
}

async fn put_faults(State(sandbox): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(faults) => set_faults(&sandbox, faults),
        Err(e) => error(StatusCode::BAD_REQUEST, &format!("faults: {e}")),
    }
}

async fn post_faults(State(sandbox): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let patch = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(patch)) => patch,
        Ok(_) => return error(StatusCode::BAD_REQUEST, "faults: expected a JSON object"),
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("faults: {e}")),
    };
    let mut merged = match serde_json::to_value(current_faults(&sandbox)) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for (key, value) in patch {
        merged.insert(key, value);
    }
    match serde_json::from_value::<FaultConfig>(Value::Object(merged)) {
        Ok(faults) => set_faults(&sandbox, faults),
        Err(e) => error(StatusCode::BAD_REQUEST, &format!("faults: {e}")),
    }
}

async fn clear_faults(State(sandbox): State<Arc<Sandbox>>) -> Response {
    set_faults(&sandbox, FaultConfig::default())
}

fn clock_json(sandbox: &Sandbox) -> Response {
    Json(json!({"now": sandbox.now(), "offset_seconds": sandbox.clock.offset()})).into_response()
}

async fn get_clock(State(sandbox): State<Arc<Sandbox>>) -> Response {
    clock_json(&sandbox)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockShift {
    shift_seconds: i64,
}

async fn shift_clock(State(sandbox): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<ClockShift>(&body) {
        Ok(shift) => {
            sandbox.clock.shift(shift.shift_seconds);
            clock_json(&sandbox)
        }
        Err(e) => error(
            StatusCode::BAD_REQUEST,
            &format!("clock: expected {{\"shift_seconds\": N}}: {e}"),
        ),
    }
}

async fn reset_clock(State(sandbox): State<Arc<Sandbox>>) -> Response {
    sandbox.clock.set_offset(0);
    clock_json(&sandbox)
}

async fn credentials(State(sandbox): State<Arc<Sandbox>>) -> Response {
    Json(sandbox.credentials()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_with_the_sandbox_port_pass() {
        for ok in [
            "127.0.0.1:8080",
            "127.1.2.3:8080",
            "[::1]:8080",
            "LOCALHOST:8080",
        ] {
            assert!(is_loopback_host(ok, 8080), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1",
            "127.0.0.1:8081",
            "localhost.evil.example:8080",
            "[::1]",
            "::1:8080",
            "[127.0.0.1]:8080",
            "10.0.0.1:8080",
            "",
        ] {
            assert!(!is_loopback_host(bad, 8080), "{bad}");
        }
    }
}

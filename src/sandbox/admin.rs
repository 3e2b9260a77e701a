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
//! Limits: no authentication beyond the loopback check; it is a test tool.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
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

/// The admin router (to be nested under [`PREFIX`]).
pub fn routes() -> Router<Arc<Sandbox>> {
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
        .layer(axum::middleware::from_fn(loopback_only))
}

/// Refuses anyone not on loopback, whatever address the sandbox listens on.
async fn loopback_only(request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    match peer {
        Some(ConnectInfo(addr)) if addr.ip().is_loopback() => next.run(request).await,
        _ => error(
            StatusCode::FORBIDDEN,
            "the sandbox admin endpoint answers loopback clients only",
        ),
    }
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

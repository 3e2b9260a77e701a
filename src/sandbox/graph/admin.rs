//! Admin routes of the Graph half, nested by the identity half under its
//! loopback-only admin prefix. They let tests and benchmarks see what the
//! mail service holds and did, and switch its mailbox-scoped behaviour:
//!
//! - `GET /mailboxes`: every mailbox with its counts;
//! - `GET /mailboxes/{address}`: folders and messages (with `is_read`, both
//!   IDs), so a test can check that reading changed nothing;
//! - `GET /concurrency`, `DELETE /concurrency` (reset the figures),
//!   `PUT /concurrency` `{"limit": 4, "retry_after": "1"}`;
//! - `GET /mail-latency`, `PUT /mail-latency` `{"ms": 50}` (all mailboxes) or
//!   `{"mailbox": "a@b", "ms": 50 | null}` (one mailbox; null = back to global);
//! - `GET /deliveries`, `DELETE /deliveries`: sends accepted so far;
//! - `GET /limits`: the `[mail_limits]` in force; `PUT /limits` with any of
//!   its keys changes them (e.g. `{"sent_items_delay_ms": 0}`,
//!   `{"upload_bytes_per_window": 4194304, "upload_window_seconds": 1}`);
//! - `GET /uploads`: every upload session with its chunk sizes, PUT count,
//!   throttled PUTs and state (never its credential); `DELETE` forgets them;
//! - `GET /delta-tokens` (counts), `DELETE /delta-tokens`: forget every delta
//!   and skip token, so their next use answers 410 `syncStateNotFound`;
//! - `GET /pending`: Sent Items copies not filed yet, per mailbox.
//!
//! Answers are our own JSON (snake_case), not Graph's.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::GraphHost;
use super::resource::iso;
use super::store::{Address, Mailbox};

pub fn router<H: GraphHost>() -> Router<Arc<H>> {
    Router::new()
        .route("/mailboxes", get(list_mailboxes::<H>))
        .route("/mailboxes/{address}", get(mailbox_contents::<H>))
        .route(
            "/concurrency",
            get(concurrency::<H>)
                .delete(reset_concurrency::<H>)
                .put(set_concurrency::<H>),
        )
        .route("/mail-latency", get(latency::<H>).put(set_latency::<H>))
        .route(
            "/deliveries",
            get(deliveries::<H>).delete(clear_deliveries::<H>),
        )
        .route("/limits", get(limits::<H>).put(set_limits::<H>))
        .route("/uploads", get(uploads::<H>).delete(clear_uploads::<H>))
        .route(
            "/delta-tokens",
            get(delta_tokens::<H>).delete(forget_delta_tokens::<H>),
        )
        .route("/pending", get(pending::<H>))
}

async fn limits<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    Json(json!(host.graph().limits.seed()))
}

async fn set_limits<H: GraphHost>(State(host): State<Arc<H>>, body: axum::body::Bytes) -> Response {
    let change: serde_json::Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "expected a JSON object of [mail_limits] keys",
            );
        }
    };
    let graph = host.graph();
    let mut current = match serde_json::to_value(graph.limits.seed()) {
        Ok(Value::Object(map)) => map,
        _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "cannot read the limits"),
    };
    for (key, value) in change {
        if !current.contains_key(&key) {
            return error(
                StatusCode::BAD_REQUEST,
                format!("unknown mail_limits key '{key}'"),
            );
        }
        current.insert(key, value);
    }
    let seed: super::MailLimitsSeed = match serde_json::from_value(Value::Object(current)) {
        Ok(seed) => seed,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    if let Err(e) = graph.limits.set_seed(seed) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    limits(State(host)).await.into_response()
}

async fn uploads<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    Json(json!({ "sessions": host.graph().uploads.reports() }))
}

async fn clear_uploads<H: GraphHost>(State(host): State<Arc<H>>) -> StatusCode {
    host.graph().uploads.clear();
    StatusCode::NO_CONTENT
}

async fn delta_tokens<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let (delta, skip) = host.graph().delta.counts();
    Json(json!({ "delta_tokens": delta, "skip_tokens": skip }))
}

async fn forget_delta_tokens<H: GraphHost>(State(host): State<Arc<H>>) -> StatusCode {
    host.graph().delta.forget_all();
    StatusCode::NO_CONTENT
}

async fn pending<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let list: serde_json::Map<String, Value> = host
        .graph()
        .store
        .mailboxes
        .iter()
        .filter_map(|m| {
            let n = m.lock().pending_count();
            (n > 0).then(|| (m.address.clone(), json!(n)))
        })
        .collect();
    Json(json!({ "pending": list }))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

fn summary(m: &Mailbox) -> Value {
    let contents = m.lock();
    let unread = contents.messages.iter().filter(|x| !x.is_read).count();
    json!({
        "address": m.address,
        "id": m.id,
        "display_name": m.display_name,
        "kind": format!("{:?}", m.kind).to_ascii_lowercase(),
        "aliases": m.aliases.iter().map(|a| json!({
            "address": a.address,
            "behaviour": format!("{:?}", a.behaviour).to_ascii_lowercase(),
        })).collect::<Vec<_>>(),
        "groups": m.groups,
        "rest_api_enabled": m.rest_api_enabled,
        "folder_count": contents.folders.len(),
        "message_count": contents.messages.len(),
        "unread_count": unread,
    })
}

async fn list_mailboxes<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let mailboxes: Vec<Value> = host.graph().store.mailboxes.iter().map(summary).collect();
    Json(json!({ "mailboxes": mailboxes }))
}

fn addresses(list: &[Address]) -> Vec<&str> {
    list.iter().map(|a| a.address.as_str()).collect()
}

async fn mailbox_contents<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(address): Path<String>,
) -> Response {
    let Some(m) = host.graph().store.resolve(&address) else {
        return error(StatusCode::NOT_FOUND, format!("no mailbox '{address}'"));
    };
    let mut body = summary(m);
    let contents = m.lock();
    let counts = contents.counts();
    let folders: Vec<Value> = contents
        .folders
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (total, unread) = counts.get(i).copied().unwrap_or((0, 0));
            json!({
                "id": f.id,
                "path": contents.path(i),
                "display_name": f.display_name,
                "parent_id": f.parent.and_then(|p| contents.folders.get(p)).map(|p| p.id.clone()),
                "well_known": f.well_known,
                "hidden": f.hidden,
                "total": total,
                "unread": unread,
            })
        })
        .collect();
    let messages: Vec<Value> = contents
        .messages
        .iter()
        .map(|x| {
            json!({
                "id": x.rest_id,
                "immutable_id": x.immutable_id,
                "folder_id": contents.folders.get(x.folder).map(|f| f.id.as_str()),
                "folder": contents.path(x.folder),
                "subject": x.subject,
                "from": x.from.as_ref().map(|a| a.address.as_str()),
                "to": addresses(&x.to),
                "cc": addresses(&x.cc),
                "bcc": addresses(&x.bcc),
                "received": iso(x.received),
                "sent": x.sent.map(iso),
                "is_read": x.is_read,
                "is_draft": x.is_draft,
                "internet_message_id": x.internet_message_id,
                "attachments": x.attachments.iter().map(|a| json!({
                    "name": a.name, "content_type": a.content_type, "size": a.bytes.len(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    if let Value::Object(map) = &mut body {
        map.insert("folders".into(), Value::Array(folders));
        map.insert("messages".into(), Value::Array(messages));
    }
    Json(body).into_response()
}

async fn concurrency<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let graph = host.graph();
    let stats = graph.limits.stats();
    let (limit, retry_after, _, _) = graph.limits.settings();
    let mailboxes: Vec<Value> = graph
        .store
        .mailboxes
        .iter()
        .filter_map(|m| {
            stats.get(&m.index).map(|s| {
                json!({
                    "mailbox": m.address,
                    "in_flight": s.in_flight,
                    "highest": s.highest,
                    "highest_admitted": s.highest_admitted,
                    "admitted": s.admitted,
                    "throttled": s.throttled,
                })
            })
        })
        .collect();
    Json(json!({ "limit": limit, "retry_after": retry_after, "mailboxes": mailboxes }))
}

async fn reset_concurrency<H: GraphHost>(State(host): State<Arc<H>>) -> StatusCode {
    host.graph().limits.reset_stats();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitChange {
    limit: Option<usize>,
    retry_after: Option<Value>,
}

async fn set_concurrency<H: GraphHost>(
    State(host): State<Arc<H>>,
    body: axum::body::Bytes,
) -> Response {
    let change: LimitChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"limit\", \"retry_after\"}}: {e}"),
            );
        }
    };
    let retry_after = change.retry_after.map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    });
    match host.graph().limits.set_limit(change.limit, retry_after) {
        Ok(()) => concurrency(State(host)).await.into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn latency<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let graph = host.graph();
    let (_, _, global, per_mailbox) = graph.limits.settings();
    let mailboxes: serde_json::Map<String, Value> = graph
        .store
        .mailboxes
        .iter()
        .filter_map(|m| {
            per_mailbox
                .get(&m.index)
                .map(|ms| (m.address.clone(), json!(ms)))
        })
        .collect();
    Json(json!({ "ms": global, "mailboxes": mailboxes }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyChange {
    mailbox: Option<String>,
    ms: Option<u64>,
}

async fn set_latency<H: GraphHost>(
    State(host): State<Arc<H>>,
    body: axum::body::Bytes,
) -> Response {
    let change: LatencyChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"mailbox\"?, \"ms\"}}: {e}"),
            );
        }
    };
    match host
        .graph()
        .set_latency_ms(change.mailbox.as_deref(), change.ms)
    {
        Ok(()) => latency(State(host)).await.into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, e),
    }
}

async fn deliveries<H: GraphHost>(State(host): State<Arc<H>>) -> Json<Value> {
    let list = host
        .graph()
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Json(json!({ "deliveries": list }))
}

async fn clear_deliveries<H: GraphHost>(State(host): State<Arc<H>>) -> StatusCode {
    host.graph()
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    StatusCode::NO_CONTENT
}

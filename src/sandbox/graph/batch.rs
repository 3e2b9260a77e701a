//! `POST /v1.0/$batch`: JSON batching (reference §6.3; Microsoft's page is
//! microsoft-graph-docs-contrib `concepts/json-batching.md`, and
//! `concepts/throttling.md` "Throttling and batching").
//!
//! What it emulates:
//! - The envelope: `{"requests": [...]}`, at most 20, each with a unique
//!   (case-insensitive) `id`, a `method` and a `url` relative to the
//!   version root; a `body` needs a `Content-Type` in `headers`. Anything
//!   else refuses the whole batch with `400`.
//! - Each request runs through the same endpoints as a request of its
//!   own, with the envelope's `Authorization`: its own gate, its own count,
//!   its own concurrency slot and mailbox latency (Exchange evaluates every
//!   request of a batch against its limits: a fifth request to one mailbox
//!   in one batch gets its own `429` with `Retry-After`).
//! - Requests without `dependsOn` run side by side and are answered in the
//!   order they finish, not the order asked ("Individual responses might
//!   appear in a different order than the requests"). With `dependsOn`
//!   they run one after another in dependency order, and a request whose
//!   dependency failed is answered `424`.
//! - Answers: `200` with `{"responses": [{id, status, headers, body}]}`;
//!   a request's headers carry no `request-id` (its error body does), a
//!   JSON body is inlined, any other body is base64.
//!
//! The envelope itself passes the global faults (latency, 429 storms, 503,
//! drops) once, as one HTTP request; its requests do not pass them again.
//!
//! UNVERIFIED: the exact texts of Graph's `400` and `424` answers; the
//! shapes follow Graph's error JSON.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use super::GraphHost;
use super::errors::{GraphError, ODATA_JSON};

/// Graph's limit ("JSON batch requests are currently limited to 20
/// individual requests").
pub(super) const MAX_REQUESTS: usize = 20;

/// The largest answer body one request of a batch may carry here.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

#[derive(Deserialize)]
struct Envelope {
    requests: Vec<Value>,
}

/// One request of the envelope, checked.
struct Part {
    id: String,
    method: Method,
    /// `/v1.0/...` with its query.
    path: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    depends_on: Vec<String>,
}

/// `POST /v1.0/$batch`.
pub(super) async fn batch<H: GraphHost>(
    State(host): State<Arc<H>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    host.count("graph.batch", None);
    let parts = parse(&body)?;
    let router = host.graph().batch_router::<H>().with_state(host.clone());
    let shared = shared_headers(&headers, &uri);
    let mut answers = Vec::with_capacity(parts.len());
    if parts.iter().all(|p| p.depends_on.is_empty()) {
        let mut running: futures::stream::FuturesUnordered<_> = parts
            .into_iter()
            .map(|part| run(router.clone(), &shared, part))
            .collect();
        while let Some(answer) = running.next().await {
            answers.push(answer);
        }
    } else {
        let mut finished: Vec<(String, u16)> = Vec::new();
        for part in in_dependency_order(parts)? {
            let failed = part.depends_on.iter().find(|dep| {
                finished.iter().any(|(id, status)| {
                    id.eq_ignore_ascii_case(dep) && !(200..300).contains(status)
                })
            });
            let answer = match failed {
                Some(dep) => failed_dependency(&part.id, dep),
                None => run(router.clone(), &shared, part).await,
            };
            finished.push((answer.id.clone(), answer.status));
            answers.push(answer);
        }
    }
    #[derive(Serialize)]
    struct Answers {
        responses: Vec<Answer>,
    }
    let mut response = axum::Json(Answers { responses: answers }).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    Ok(response)
}

/// The envelope, checked as Graph checks it before running anything.
fn parse(body: &[u8]) -> Result<Vec<Part>, GraphError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| GraphError::bad_request(format!("Invalid batch payload format: {e}")))?;
    if envelope.requests.is_empty() {
        return Err(GraphError::bad_request(
            "The batch request contains no requests.",
        ));
    }
    if envelope.requests.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!(
            "The batch request contains {} requests; the limit is {MAX_REQUESTS}.",
            envelope.requests.len()
        )));
    }
    let mut ids = HashSet::new();
    let mut parts = Vec::with_capacity(envelope.requests.len());
    for (n, request) in envelope.requests.iter().enumerate() {
        let part = parse_part(n, request)?;
        if !ids.insert(part.id.to_ascii_lowercase()) {
            return Err(GraphError::bad_request(format!(
                "Request ids must be unique: '{}' appears twice.",
                part.id
            )));
        }
        parts.push(part);
    }
    for part in &parts {
        if let Some(unknown) = part
            .depends_on
            .iter()
            .find(|dep| !ids.contains(&dep.to_ascii_lowercase()))
        {
            return Err(GraphError::bad_request(format!(
                "Request '{}' depends on '{unknown}', which is not in the batch.",
                part.id
            )));
        }
    }
    Ok(parts)
}

fn parse_part(n: usize, request: &Value) -> Result<Part, GraphError> {
    let field = |name: &str| request.get(name).and_then(Value::as_str).map(str::trim);
    let id = match request.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(GraphError::bad_request(format!(
                "Request {} of the batch has no id.",
                n + 1
            )));
        }
    };
    let method = field("method")
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no valid method.")))?;
    let url = field("url")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no url.")))?;
    if url.contains("://") {
        return Err(GraphError::bad_request(format!(
            "Request '{id}': the url must be relative to the version root (/users/...), not {url}."
        )));
    }
    let relative = url.trim_start_matches('/');
    if relative.split(['/', '?']).next() == Some("$batch") {
        return Err(GraphError::bad_request(format!(
            "Request '{id}': a batch cannot hold a batch."
        )));
    }
    let mut headers = Vec::new();
    let mut content_type = None;
    if let Some(map) = request.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&text),
            ) else {
                return Err(GraphError::bad_request(format!(
                    "Request '{id}' has a header that is not valid: {name}"
                )));
            };
            if name == header::CONTENT_TYPE {
                content_type = Some(text.to_ascii_lowercase());
            }
            headers.push((name, value));
        }
    }
    let body = match request.get("body") {
        None | Some(Value::Null) => None,
        Some(body) => {
            let Some(content_type) = &content_type else {
                return Err(GraphError::bad_request(format!(
                    "Request '{id}' has a body but no Content-Type header."
                )));
            };
            Some(match body {
                // A non-JSON body travels as text (e.g. base64 MIME).
                Value::String(s) if !content_type.contains("json") => s.clone().into_bytes(),
                other => serde_json::to_vec(other).unwrap_or_default(),
            })
        }
    };
    let depends_on = match request.get("dependsOn") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                GraphError::bad_request(format!("Request '{id}': dependsOn holds ids (strings)."))
            })?,
        Some(_) => {
            return Err(GraphError::bad_request(format!(
                "Request '{id}': dependsOn is a list of ids."
            )));
        }
    };
    Ok(Part {
        id,
        method,
        path: format!("/v1.0/{relative}"),
        headers,
        body,
        depends_on,
    })
}

/// Requests in an order where each comes after those it depends on; a
/// cycle refuses the batch.
fn in_dependency_order(mut parts: Vec<Part>) -> Result<Vec<Part>, GraphError> {
    let mut ordered: Vec<Part> = Vec::with_capacity(parts.len());
    while !parts.is_empty() {
        let ready = parts.iter().position(|p| {
            p.depends_on
                .iter()
                .all(|dep| ordered.iter().any(|done| done.id.eq_ignore_ascii_case(dep)))
        });
        match ready {
            Some(i) => ordered.push(parts.remove(i)),
            None => {
                return Err(GraphError::bad_request(
                    "The batch's dependsOn references form a cycle.",
                ));
            }
        }
    }
    Ok(ordered)
}

/// What every request of the envelope inherits: the caller's token and
/// the address it used (for absolute links in answers).
fn shared_headers(headers: &HeaderMap, uri: &Uri) -> Vec<(HeaderName, HeaderValue)> {
    let mut shared = Vec::new();
    for name in [
        header::AUTHORIZATION,
        HeaderName::from_static("x-forwarded-proto"),
    ] {
        if let Some(value) = headers.get(&name) {
            shared.push((name, value.clone()));
        }
    }
    let host = headers.get(header::HOST).cloned().or_else(|| {
        uri.authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    if let Some(host) = host {
        shared.push((header::HOST, host));
    }
    shared
}

/// One request's entry in the envelope's answer.
#[derive(Serialize)]
struct Answer {
    id: String,
    status: u16,
    headers: Map<String, Value>,
    /// The endpoint's JSON as it rendered it (not parsed and rendered again).
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Box<RawValue>>,
}

/// Runs one request through the Graph endpoints, as if it came alone.
async fn run(router: axum::Router, shared: &[(HeaderName, HeaderValue)], part: Part) -> Answer {
    let mut request = Request::builder()
        .method(part.method)
        .uri(part.path.as_str());
    for (name, value) in shared.iter().chain(part.headers.iter()) {
        request = request.header(name, value);
    }
    let request = request.body(Body::from(part.body.unwrap_or_default()));
    let response = match request {
        Ok(request) => router.oneshot(request).await.unwrap_or_else(|e| match e {}),
        Err(e) => GraphError::bad_request(format!("Request '{}': {e}", part.id)).into_response(),
    };
    answer(part.id, response).await
}

/// A request's answer as the envelope carries it.
async fn answer(id: String, response: Response) -> Answer {
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        // Graph's own per-request headers: no request IDs, no framing.
        if matches!(
            name.as_str(),
            "request-id" | "client-request-id" | "content-length" | "date" | "transfer-encoding"
        ) {
            continue;
        }
        if let Ok(text) = value.to_str() {
            headers.insert(name.as_str().to_string(), Value::String(text.to_string()));
        }
    }
    let bytes = axum::body::to_bytes(body, MAX_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        None
    } else {
        let json = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| RawValue::from_string(text.to_owned()).ok());
        json.or_else(|| {
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            serde_json::value::to_raw_value(&text).ok()
        })
    };
    Answer {
        id,
        status,
        headers,
        body,
    }
}

/// `424 Failed Dependency` for a request whose dependency failed.
fn failed_dependency(id: &str, dependency: &str) -> Answer {
    Answer {
        id: id.to_string(),
        status: 424,
        headers: Map::from_iter([(
            "content-type".to_string(),
            Value::String(ODATA_JSON.to_string()),
        )]),
        body: serde_json::value::to_raw_value(&json!({
            "error": {
                "code": "FailedDependency",
                "message": format!("The request depends on request '{dependency}', which failed."),
            }
        }))
        .ok(),
    }
}

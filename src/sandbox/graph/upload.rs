//! Attachment upload sessions (learn.microsoft.com/graph/outlook-large-attachments,
//! learn.microsoft.com/graph/api/attachment-createuploadsession; reference §4.1, §4.8):
//!
//! - `POST /v1.0/users/{u}/messages/{id}/attachments/createUploadSession`
//!   with `{"AttachmentItem": {"attachmentType": "file", "name", "size"}}`
//!   (Mail.ReadWrite) answers 201 with an `uploadUrl`, `expirationDateTime`
//!   and `nextExpectedRanges: ["0-"]`;
//! - the `uploadUrl` lives on another host name (`localhost` for a Graph
//!   reached as `127.0.0.1`, and the other way round) and path
//!   ([`UPLOAD_PREFIX`]), as Outlook's lives on `outlook.office.com`, and
//!   carries its own credential in the
//!   `authtoken` query parameter: it is pre-authenticated. Microsoft says not
//!   to send an `Authorization` header to it; the sandbox refuses one (401),
//!   so a client that leaks its bearer token there is caught;
//! - `PUT {uploadUrl}` with `Content-Range: bytes a-b/size`, in order: 200
//!   with `nextExpectedRanges: ["{start}"]` (a single start, no range, as
//!   documented for Outlook attachments) until the last byte, then 201 with a
//!   `Location` and an empty body. Microsoft recommends chunks of at most
//!   4 MB; larger ones are taken (msgraph-core's upload task sends 5 MiB);
//! - `DELETE {uploadUrl}` cancels the session (204).
//!
//! Limits enforced: attachments from `upload_session_min_bytes` (3 MB) to
//! `upload_session_max_bytes` (150 MB); Outlook's 15 MB / 30 s upload window
//! and request window per app + mailbox (429 "IncomingBytes", no
//! `innerError`); the mailbox's `MaxSendSize` (35 MB by default), refused
//! with `ErrorMessageSizeExceeded` by the chunk that crosses it, as reported
//! from Exchange (microsoft-graph-docs-contrib issue 2561). Errors on the
//! upload URL carry no `innerError`. Every session's chunk sizes and counts
//! are readable from the admin endpoint (never its credential).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::put,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use super::GraphHost;
use super::errors::{self, GraphError};
use super::handlers::{Need, base_url, enter, json_response, read_body};
use super::resource::iso;
use super::store::Attachment;

/// Where upload URLs live: outside `/v1.0`, like Outlook's own host.
pub const UPLOAD_PREFIX: &str = "/upload/v2.0/AttachmentSessions";

/// How long an upload URL stays valid (Microsoft's sample sessions last
/// hours; the exact figure is not documented).
const SESSION_SECONDS: i64 = 6 * 3600;

/// Largest chunk one PUT may carry: well above Microsoft's 4 MB advice and
/// msgraph-core's 5 MiB, small enough to keep a test machine's memory safe.
const MAX_CHUNK: usize = 64 * 1024 * 1024;

/// Every upload session the sandbox handed out.
#[derive(Default)]
pub struct Uploads {
    sessions: Mutex<HashMap<String, Session>>,
}

/// One upload session. `token` is the URL's credential: never shown.
struct Session {
    token: String,
    mailbox: u32,
    mailbox_address: String,
    app_id: String,
    /// The message's immutable ID (survives the draft's moves).
    message: String,
    name: String,
    content_type: String,
    is_inline: bool,
    content_id: Option<String>,
    size: u64,
    expires_at: i64,
    received: Vec<u8>,
    report: SessionReport,
}

/// What the admin endpoint shows of a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionReport {
    pub id: String,
    pub mailbox: String,
    pub name: String,
    pub size: u64,
    pub received: u64,
    /// Sizes of the chunks taken, in order.
    pub chunks: Vec<u64>,
    /// PUTs received, refused ones included.
    pub puts: u64,
    /// PUTs refused with 429.
    pub throttled: u64,
    /// PUTs that carried an `Authorization` header (refused).
    pub bearer_refused: u64,
    /// `open`, `complete`, `refused` (message too large) or `cancelled`.
    pub state: &'static str,
    pub attachment_id: Option<String>,
}

impl Uploads {
    /// Reports of every session, oldest first.
    pub fn reports(&self) -> Vec<SessionReport> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<SessionReport> = sessions.values().map(|s| s.report.clone()).collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    pub fn clear(&self) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// The upload URL's origin: the other loopback name than Graph's, as
/// Outlook's upload host (`outlook.office.com`) is not Graph's. So a client
/// that attaches its bearer token by host (Microsoft's SDKs keep a list of
/// Graph hosts) behaves here as against Microsoft.
fn upload_origin(graph_base: &str) -> String {
    let Ok(mut url) = url::Url::parse(graph_base) else {
        return graph_base.to_owned();
    };
    let other = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Some("localhost"),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Some("localhost"),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => Some("127.0.0.1"),
        _ => None,
    };
    if let Some(other) = other
        && url.set_host(Some(other)).is_ok()
    {
        return url.as_str().trim_end_matches('/').to_owned();
    }
    graph_base.to_owned()
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// The upload URL's routes (no bearer token, no Graph envelope).
pub fn router<H: GraphHost>() -> Router<Arc<H>> {
    Router::new().route(
        &format!("{UPLOAD_PREFIX}/{{session}}"),
        put(upload_chunk::<H>).delete(cancel::<H>),
    )
}

/// `POST .../messages/{id}/attachments/createUploadSession` (Mail.ReadWrite).
pub async fn create_session<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(
        host,
        &headers,
        &user,
        "graph.createUploadSession",
        Need::Write,
    )?;
    let bytes = read_body(host, &headers, body).await?;
    let item = parse_item(&bytes)?;
    call.admit_sized(host, bytes.len()).await?;
    let limits = host.graph().limits.seed();
    if item.size < limits.upload_session_min_bytes {
        return Err(GraphError::bad_request(format!(
            "Attachment size should not be less than the minimum size ({} bytes); attach smaller files with a single POST.",
            limits.upload_session_min_bytes
        ))
        .with_code("ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"));
    }
    if item.size > limits.upload_session_max_bytes {
        return Err(GraphError::message_size_exceeded());
    }
    let message = {
        let contents = call.mailbox.lock();
        let index = contents
            .message(&id)
            .ok_or_else(GraphError::item_not_found)?;
        contents.messages[index].immutable_id.clone()
    };
    let session_id = format!(
        "{:016x}{}",
        chrono::Utc::now().timestamp_micros(),
        random_token(12)
    );
    let token = random_token(32);
    let now = host.now();
    let expires_at = now + SESSION_SECONDS;
    let base = base_url(host, &headers, &uri);
    let upload_url = format!(
        "{}{UPLOAD_PREFIX}/{session_id}?authtoken={token}",
        upload_origin(&base)
    );
    let session = Session {
        token,
        mailbox: call.mailbox.index,
        mailbox_address: call.mailbox.address.clone(),
        app_id: call.claims.app_id.clone(),
        message,
        name: item.name.clone(),
        content_type: item.content_type,
        is_inline: item.is_inline,
        content_id: item.content_id,
        size: item.size,
        expires_at,
        received: Vec::new(),
        report: SessionReport {
            id: session_id.clone(),
            mailbox: call.mailbox.address.clone(),
            name: item.name,
            size: item.size,
            received: 0,
            chunks: Vec::new(),
            puts: 0,
            throttled: 0,
            bearer_refused: 0,
            state: "open",
            attachment_id: None,
        },
    };
    host.graph()
        .uploads
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(session_id, session);
    let body = json!({
        "@odata.context": format!("{base}/v1.0/$metadata#microsoft.graph.uploadSession"),
        "uploadUrl": upload_url,
        "expirationDateTime": iso(expires_at),
        "nextExpectedRanges": ["0-"],
    });
    Ok(json_response(
        StatusCode::CREATED,
        &body,
        &call.prefer,
        false,
    ))
}

struct Item {
    name: String,
    size: u64,
    content_type: String,
    is_inline: bool,
    content_id: Option<String>,
}

fn parse_item(bytes: &[u8]) -> Result<Item, GraphError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| {
        GraphError::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    })?;
    let item = value
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("AttachmentItem"))
                .map(|(_, v)| v)
        })
        .and_then(Value::as_object)
        .ok_or_else(|| {
            GraphError::bad_request("The 'AttachmentItem' parameter is required.")
                .with_code("ErrorInvalidParameter")
        })?;
    let field = |name: &str| {
        item.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let kind = field("attachmentType")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !kind.eq_ignore_ascii_case("file") {
        return Err(GraphError::bad_request(format!(
            "attachmentType must be 'file', not '{kind}'."
        )));
    }
    let name = field("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("The attachment needs a 'name'."))?
        .to_owned();
    let size = field("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| GraphError::bad_request("The attachment needs a 'size' in bytes."))?;
    Ok(Item {
        name,
        size,
        content_type: field("contentType")
            .and_then(Value::as_str)
            .unwrap_or("application/octet-stream")
            .to_owned(),
        is_inline: field("isInline").and_then(Value::as_bool).unwrap_or(false),
        content_id: field("contentId")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// An error of the upload URL: Outlook's shape without `innerError`.
fn bare(mut error: GraphError) -> Response {
    error.bare = true;
    let request_id = uuid::Uuid::new_v4().to_string();
    errors::render(&error, &request_id, &request_id)
}

/// `Content-Range: bytes a-b/total` → (a, b, total).
fn parse_content_range(headers: &HeaderMap) -> Option<(u64, u64, u64)> {
    let value = headers.get(header::CONTENT_RANGE)?.to_str().ok()?.trim();
    let rest = value.strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// Checks the URL's credential; the session ID alone is not enough.
fn authorized(session: &Session, query: &HashMap<String, String>) -> bool {
    query.get("authtoken").is_some_and(|t| {
        t.len() == session.token.len()
            && openssl::memcmp::eq(t.as_bytes(), session.token.as_bytes())
    })
}

/// `PUT {uploadUrl}`: one chunk, in order.
async fn upload_chunk<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(session_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let host = &*host;
    let graph = host.graph();
    // Look the session up and count the PUT before anything can fail.
    let (mailbox_index, mailbox_address, app_id) = {
        let mut sessions = graph
            .uploads
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let Some(session) = sessions.get_mut(&session_id) else {
            host.count("upload.put", None);
            return bare(GraphError::item_not_found());
        };
        session.report.puts += 1;
        host.count("upload.put", Some(&session.mailbox_address));
        if headers.contains_key(header::AUTHORIZATION) {
            // NOTE: learn.microsoft.com/graph/outlook-large-attachments: the
            // uploadUrl is pre-authenticated; don't send the Authorization
            // header. Refused here so that a leak of the bearer token fails
            // loudly in tests.
            session.report.bearer_refused += 1;
            return bare(GraphError::invalid_token(
                "Do not send an Authorization header to an upload URL: it carries its own credential.",
            ));
        }
        if !authorized(session, &query) {
            return bare(GraphError::invalid_token(
                "Access token validation failure.",
            ));
        }
        if session.expires_at <= host.now() || session.report.state == "cancelled" {
            return bare(GraphError::item_not_found());
        }
        if session.report.state == "refused" {
            return bare(GraphError::message_size_exceeded());
        }
        if session.report.state == "complete" {
            return bare(GraphError::bad_request(
                "The upload session is complete: every byte was received.",
            ));
        }
        (
            session.mailbox,
            session.mailbox_address.clone(),
            session.app_id.clone(),
        )
    };
    let Some((start, end, total)) = parse_content_range(&headers) else {
        return bare(GraphError::bad_request(
            "A Content-Range header of the form 'bytes start-end/total' is required.",
        ));
    };
    let chunk = match axum::body::to_bytes(body, MAX_CHUNK).await {
        Ok(b) => b,
        Err(_) => {
            return bare(GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!("A chunk may carry at most {MAX_CHUNK} bytes."),
            ));
        }
    };
    let limits = &graph.limits;
    if let Err(e) = limits
        .admit_request(&app_id, mailbox_index)
        .and_then(|()| limits.admit_upload(&app_id, mailbox_index, chunk.len() as u64))
    {
        host.count("graph.throttled", Some(&mailbox_address));
        if let Some(s) = graph
            .uploads
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&session_id)
        {
            s.report.throttled += 1;
        }
        return bare(e);
    }
    let _slot = match limits.acquire(&app_id, mailbox_index) {
        Ok(slot) => slot,
        Err(e) => return bare(e),
    };
    crate::sandbox::delay::wait(limits.latency(mailbox_index)).await;
    let Some(mailbox) = graph.store.mailboxes.get(mailbox_index as usize) else {
        return bare(GraphError::item_not_found());
    };
    let max_message = graph.max_message_bytes(mailbox);

    let mut sessions = graph
        .uploads
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(session) = sessions.get_mut(&session_id) else {
        return bare(GraphError::item_not_found());
    };
    let expected = session.received.len() as u64;
    if total != session.size
        || start != expected
        || end < start
        || end >= total
        || end - start + 1 != chunk.len() as u64
    {
        // NOTE: Microsoft documents ranges only as "nextExpectedRanges"; a
        // range out of order or of the wrong length gets HTTP's 416 here.
        return bare(GraphError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            format!(
                "Expected bytes {expected}-{}/{} with a body of that length; got Content-Range bytes {start}-{end}/{total} and {} bytes.",
                session.size.saturating_sub(1),
                session.size,
                chunk.len()
            ),
        ));
    }
    let message_size = {
        let contents = mailbox.lock();
        match contents.message(&session.message) {
            Some(i) => contents.messages[i].size(),
            None => return bare(GraphError::item_not_found()),
        }
    };
    if message_size + expected + chunk.len() as u64 > max_message {
        session.report.state = "refused";
        session.received = Vec::new();
        return bare(GraphError::message_size_exceeded());
    }
    session.received.extend_from_slice(&chunk);
    session.report.received = session.received.len() as u64;
    session.report.chunks.push(chunk.len() as u64);
    if (session.received.len() as u64) < session.size {
        // NOTE: "When uploading files as Outlook attachments, instead of a
        // collection of ranges, this property always indicates a single value
        // "{start}"" (learn.microsoft.com/graph/api/resources/uploadsession).
        let body = json!({
            "expirationDateTime": iso(session.expires_at),
            "nextExpectedRanges": [session.received.len().to_string()],
        });
        let mut response = (StatusCode::OK, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(errors::ODATA_JSON),
        );
        return response;
    }
    let attachment = Attachment {
        id: String::new(),
        name: session.name.clone(),
        content_type: session.content_type.clone(),
        is_inline: session.is_inline,
        content_id: session.content_id.clone(),
        bytes: std::mem::take(&mut session.received),
    };
    let message = session.message.clone();
    match super::send::attach_uploaded(mailbox, &message, attachment, host.now()) {
        Ok(attachment_id) => {
            session.report.state = "complete";
            session.report.attachment_id = Some(attachment_id.clone());
            let location = format!(
                "/v1.0/users('{}')/messages('{}')/attachments('{}')",
                mailbox.address, message, attachment_id
            );
            let mut response = StatusCode::CREATED.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Err(e) => bare(e),
    }
}

/// `DELETE {uploadUrl}`: cancels the session (204).
async fn cancel<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(session_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut sessions = host
        .graph()
        .uploads
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(session) = sessions.get_mut(&session_id) else {
        return bare(GraphError::item_not_found());
    };
    if headers.contains_key(header::AUTHORIZATION) {
        session.report.bearer_refused += 1;
        return bare(GraphError::invalid_token(
            "Do not send an Authorization header to an upload URL: it carries its own credential.",
        ));
    }
    if !authorized(session, &query) {
        return bare(GraphError::invalid_token(
            "Access token validation failure.",
        ));
    }
    session.report.state = "cancelled";
    session.received = Vec::new();
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls_use_the_other_loopback_name() {
        assert_eq!(
            upload_origin("http://127.0.0.1:8080"),
            "http://localhost:8080"
        );
        assert_eq!(upload_origin("https://localhost:9"), "https://127.0.0.1:9");
        assert_eq!(upload_origin("http://[::1]:7"), "http://localhost:7");
        assert_eq!(
            upload_origin("https://sandbox.example:8443"),
            "https://sandbox.example:8443"
        );
    }

    #[test]
    fn content_ranges_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 0-4194303/9437184"),
        );
        assert_eq!(
            parse_content_range(&headers),
            Some((0, 4_194_303, 9_437_184))
        );
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes */9437184"),
        );
        assert_eq!(parse_content_range(&headers), None);
    }
}

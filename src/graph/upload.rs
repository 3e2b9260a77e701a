//! Large attachments through an upload session (reference §4.1, §4.8;
//! learn.microsoft.com/graph/outlook-large-attachments,
//! learn.microsoft.com/graph/api/attachment-createuploadsession).
//!
//! The caller has made the draft; [`GraphClient::upload_attachment`] asks
//! for an upload session on it (`POST .../attachments/createUploadSession`,
//! Mail.ReadWrite, through the client's usual retrying path), then PUTs the
//! file in order, at most [`CHUNK_SIZE`] bytes at a time (Microsoft's advice
//! for Outlook), each chunk starting where the service's
//! `nextExpectedRanges` says, until the 201 that ends it.
//!
//! The `uploadUrl` is pre-authenticated: its query holds its own credential.
//! So it never receives the bearer token, it must be https (or loopback, the
//! sandbox), and it is never logged or put in an error unredacted: only
//! [`redact_upload_url`]'s form leaves this module. Throttling (Outlook's
//! 15 MB per 30 s per app and mailbox answers 429 with `Retry-After`) is
//! honoured per chunk like every other Graph answer (SPEC §4).
//!
//! The file is read one chunk at a time ([`UploadSource::File`]), so a
//! 150 MB attachment never sits in memory whole; its size is the one taken
//! when it was opened, announced to `createUploadSession`, and a file that
//! shrinks meanwhile fails the upload instead of sending something else.
//!
//! Limits: one attachment per session (Graph's rule); no resumption of a
//! session across processes.

// NOTE: `GraphError` is large on purpose (see the module note of `graph`).
#![allow(clippy::result_large_err)]

use std::fs::File;
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::{GraphClient, GraphError, GraphErrorKind, RequestSpec, encode_component, error};
use crate::auth::RetryPolicy;
use crate::auth::http::{Plan, RetryBudget, describe_dropped, is_loopback_host, parse_retry_after};

/// Bytes per PUT: Microsoft recommends at most 4 MB for Outlook
/// (learn.microsoft.com/graph/outlook-large-attachments).
pub const CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// Attachments below this go inline or by a single POST: Exchange refuses
/// upload sessions for them (`ErrorAttachmentSizeShouldNotBeLessThanMinimumSize`,
/// microsoft-graph-docs issue 9589; the page says 3 MB to 150 MB).
pub const MIN_UPLOAD_SESSION_BYTES: u64 = 3 * 1024 * 1024;

/// The largest attachment an upload session takes (150 MB, same page).
pub const MAX_UPLOAD_SESSION_BYTES: u64 = 150 * 1024 * 1024;

/// One file to attach.
#[derive(Debug, Clone)]
pub struct UploadRequest<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub source: UploadSource<'a>,
    pub is_inline: bool,
    /// Bytes per PUT; [`CHUNK_SIZE`] unless a test wants otherwise.
    pub chunk_size: usize,
}

/// Where the attachment's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum UploadSource<'a> {
    /// Already in memory.
    Bytes(&'a [u8]),
    /// An open file of `len` bytes (its size when opened), read a chunk at
    /// a time.
    File { file: &'a File, len: u64 },
}

impl UploadSource<'_> {
    pub fn len(&self) -> u64 {
        match self {
            UploadSource::Bytes(bytes) => bytes.len() as u64,
            UploadSource::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `start..end`. A file is read off the runtime's threads, on its
    /// own handle (the caller's position is not relied on).
    async fn read(&self, start: u64, end: u64) -> std::io::Result<Bytes> {
        match self {
            UploadSource::Bytes(bytes) => {
                Ok(Bytes::copy_from_slice(&bytes[start as usize..end as usize]))
            }
            UploadSource::File { file, .. } => {
                let file = file.try_clone()?;
                tokio::task::spawn_blocking(move || read_range(file, start, end))
                    .await
                    .map_err(std::io::Error::other)?
            }
        }
    }
}

/// Reads exactly `start..end` of `file`; a file now shorter is an error.
fn read_range(mut file: File, start: u64, end: u64) -> std::io::Result<Bytes> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(start))?;
    let mut buf = vec![0u8; (end - start) as usize];
    file.read_exact(&mut buf)?;
    Ok(Bytes::from(buf))
}

impl<'a> UploadRequest<'a> {
    pub fn new(name: &'a str, content_type: &'a str, bytes: &'a [u8]) -> Self {
        Self::from_source(name, content_type, UploadSource::Bytes(bytes))
    }

    /// An open file of `len` bytes, read a chunk at a time as it goes up.
    pub fn from_file(name: &'a str, content_type: &'a str, file: &'a File, len: u64) -> Self {
        Self::from_source(name, content_type, UploadSource::File { file, len })
    }

    fn from_source(name: &'a str, content_type: &'a str, source: UploadSource<'a>) -> Self {
        UploadRequest {
            name,
            content_type,
            source,
            is_inline: false,
            chunk_size: CHUNK_SIZE,
        }
    }
}

/// Told how far an upload has come (a progress bar, or nothing). The logic
/// never touches the terminal itself.
pub trait UploadProgress: Send + Sync {
    fn advanced(&self, sent: u64, total: u64);
}

/// Reports nothing.
pub struct NoProgress;

impl UploadProgress for NoProgress {
    fn advanced(&self, _sent: u64, _total: u64) {}
}

/// What an upload did.
#[derive(Debug, Clone, Default)]
pub struct UploadReport {
    /// Sizes of the chunks the service took, in order.
    pub chunks: Vec<u64>,
    /// PUT requests sent, retries included.
    pub put_requests: u32,
    /// PUTs answered 429 or 503 and sent again.
    pub throttled: u32,
    /// `request-id` of the `createUploadSession` answer.
    pub session_request_id: Option<String>,
    /// The new attachment's URL (the final 201's `Location`), when given.
    pub attachment_location: Option<String>,
    pub elapsed_ms: u128,
}

/// `scheme://host/path?[redacted]`: how an upload URL may be shown.
pub fn redact_upload_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => {
            let mut shown = format!(
                "{}://{}{}",
                parsed.scheme(),
                parsed.host_str().unwrap_or(""),
                parsed.port().map(|p| format!(":{p}")).unwrap_or_default()
            );
            shown.push_str(parsed.path());
            if parsed.query().is_some() {
                shown.push_str("?[redacted]");
            }
            shown
        }
        Err(_) => "[an unreadable upload URL]".to_string(),
    }
}

/// True when Exchange refused the message as over the mailbox's
/// `MaxSendSize` (`ErrorMessageSizeExceeded`, raised with `Set-Mailbox
/// -MaxSendSize`).
pub fn is_message_too_large(e: &GraphError) -> bool {
    e.has_code("ErrorMessageSizeExceeded")
}

#[derive(Deserialize)]
struct SessionAnswer {
    #[serde(rename = "uploadUrl")]
    upload_url: Option<String>,
    #[serde(rename = "nextExpectedRanges", default)]
    next_expected_ranges: Vec<String>,
}

#[derive(Deserialize)]
struct ChunkAnswer {
    #[serde(rename = "nextExpectedRanges", default)]
    next_expected_ranges: Vec<String>,
}

/// The first byte the service expects, from `nextExpectedRanges` (`"N-"` or `"N-M"`).
fn next_offset(ranges: &[String]) -> Option<u64> {
    let first = ranges.first()?;
    first.split('-').next()?.trim().parse().ok()
}

fn invalid(message: String) -> GraphError {
    GraphError::new(GraphErrorKind::InvalidRequest, message)
}

/// An upload URL graphmail will send a file to: https, or http on loopback.
fn check_upload_url(url: &str) -> Result<url::Url, GraphError> {
    let parsed = url::Url::parse(url)
        .map_err(|_| invalid("Graph answered with an unreadable uploadUrl".to_string()))?;
    let loopback = parsed.host_str().is_some_and(is_loopback_host);
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err(invalid(format!(
            "refusing to upload to {}: an upload URL must be https",
            redact_upload_url(url)
        ))),
    }
}

impl GraphClient {
    /// `POST /users/{u}/messages/{id}/attachments`: one file attached to a
    /// draft in a single request (under 3 MB, and the request under Graph's
    /// ~4 MB limit; learn.microsoft.com/graph/api/message-post-attachments).
    pub async fn add_attachment(
        &self,
        mailbox: &str,
        message_id: &str,
        attachment: &super::FileAttachment,
    ) -> Result<Option<String>, GraphError> {
        let spec = RequestSpec {
            method: Method::POST,
            url: self.user_url(
                mailbox,
                &format!("/messages/{}/attachments", encode_component(message_id)),
            ),
            body: Some(attachment.to_json()),
            prefer: None,
            idempotent: false,
        };
        let raw = self.execute(mailbox, spec).await?;
        Ok(raw.request_id)
    }

    /// Attaches `request.source` to the draft `message_id` of `mailbox`
    /// through an upload session. The draft must exist; the caller sends it.
    pub async fn upload_attachment(
        &self,
        mailbox: &str,
        message_id: &str,
        request: &UploadRequest<'_>,
        progress: &dyn UploadProgress,
    ) -> Result<UploadReport, GraphError> {
        let started = Instant::now();
        let total = request.source.len();
        let body = serde_json::json!({
            "AttachmentItem": {
                "attachmentType": "file",
                "name": request.name,
                "size": total,
                "contentType": request.content_type,
                "isInline": request.is_inline,
            }
        });
        let spec = RequestSpec {
            method: Method::POST,
            url: self.user_url(
                mailbox,
                &format!(
                    "/messages/{}/attachments/createUploadSession",
                    encode_component(message_id)
                ),
            ),
            body: Some(body),
            prefer: None,
            idempotent: false,
        };
        let raw = self.execute(mailbox, spec).await?;
        let session: SessionAnswer = serde_json::from_slice(&raw.body).map_err(|e| {
            let mut err = GraphError::new(
                GraphErrorKind::InvalidResponse,
                format!("createUploadSession answered with an unreadable body: {e}"),
            );
            err.request_id = raw.request_id.clone();
            err
        })?;
        let Some(upload_url) = session.upload_url else {
            let mut err = GraphError::new(
                GraphErrorKind::InvalidResponse,
                "createUploadSession answered without an uploadUrl",
            );
            err.request_id = raw.request_id;
            return Err(err);
        };
        check_upload_url(&upload_url)?;
        let mut report = UploadReport {
            session_request_id: raw.request_id,
            ..UploadReport::default()
        };
        let mut offset = next_offset(&session.next_expected_ranges).unwrap_or(0);
        let chunk_size = request.chunk_size.max(1) as u64;
        progress.advanced(offset, total);
        loop {
            if offset >= total {
                return Err(invalid(format!(
                    "the upload session at {} expects byte {offset} of a {total}-byte file",
                    redact_upload_url(&upload_url)
                )));
            }
            let end = (offset + chunk_size).min(total);
            let chunk = request.source.read(offset, end).await.map_err(|e| {
                invalid(format!(
                    "cannot read bytes {offset}-{} of {} to upload them ({e}); did the file change?",
                    end - 1,
                    request.name
                ))
            })?;
            let answer = self
                .put_chunk(mailbox, &upload_url, &chunk, offset, total, &mut report)
                .await?;
            report.chunks.push(chunk.len() as u64);
            progress.advanced(end, total);
            match answer {
                ChunkOutcome::Done(location) => {
                    report.attachment_location = location;
                    report.elapsed_ms = started.elapsed().as_millis();
                    return Ok(report);
                }
                ChunkOutcome::Next(next) => offset = next.unwrap_or(end),
            }
        }
    }

    /// One PUT, retried on 429/503/504 (honouring `Retry-After`) and on a
    /// connection that could not be opened, until the client's deadline
    /// (SPEC §4: retries are bounded by time). A PUT of one byte range is
    /// idempotent: the service answers a repeated range with the next one
    /// it expects.
    async fn put_chunk(
        &self,
        mailbox: &str,
        upload_url: &str,
        chunk: &Bytes,
        offset: u64,
        total: u64,
        report: &mut UploadReport,
    ) -> Result<ChunkOutcome, GraphError> {
        let mut budget = RetryBudget::new(&self.retry, self.deadline);
        let shown = redact_upload_url(upload_url);
        let range = format!("bytes {offset}-{}/{total}", offset + chunk.len() as u64 - 1);
        loop {
            report.put_requests += 1;
            // NOTE: no Authorization header: the URL carries its own
            // credential, and the bearer token must not leave for it.
            let request = self
                .http
                .put(upload_url)
                .header(CONTENT_RANGE, &range)
                .header(CONTENT_TYPE, "application/octet-stream")
                // A cheap clone: the retries share the chunk's bytes.
                .body(chunk.clone());
            let permit = self.limiter.acquire(mailbox).await;
            let started = Instant::now();
            let outcome = async {
                let response = request.send().await?;
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await?.to_vec();
                Ok::<_, reqwest::Error>((status, headers, body))
            }
            .await;
            drop(permit);
            let (retry_after, answer, mut last) = match outcome {
                Ok((status, headers, body)) => {
                    tracing::debug!(
                        "PUT {shown} {range} -> {} in {} ms (retries so far {})",
                        status.as_u16(),
                        started.elapsed().as_millis(),
                        budget.stats.retries
                    );
                    let request_id = headers
                        .get("request-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    if status == StatusCode::CREATED {
                        let location = headers
                            .get(LOCATION)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        return Ok(ChunkOutcome::Done(location));
                    }
                    if status.is_success() {
                        let next = serde_json::from_slice::<ChunkAnswer>(&body)
                            .ok()
                            .and_then(|a| next_offset(&a.next_expected_ranges));
                        return Ok(ChunkOutcome::Next(next));
                    }
                    let mut e = error::decode_error(status.as_u16(), &body, request_id, None);
                    if e.message.is_empty() {
                        e.message = format!("the upload of {range} to {shown} was refused");
                    }
                    e.retry = budget.stats;
                    if !RetryPolicy::is_retryable_status(status, true) {
                        return Err(e);
                    }
                    report.throttled += 1;
                    (parse_retry_after(&headers), Some(status.as_u16()), e)
                }
                Err(e) => {
                    // NOTE: reqwest's error text holds the URL; only the redacted form is kept.
                    let (kind, what) = if e.is_connect() {
                        (GraphErrorKind::Transport, "no connection".to_string())
                    } else if e.is_timeout() {
                        (GraphErrorKind::Timeout, "no answer".to_string())
                    } else {
                        (
                            // A byte range PUT again is harmless, but this
                            // loop does not retry it: the caller decides.
                            GraphErrorKind::Dropped {
                                maybe_carried_out: false,
                            },
                            describe_dropped(upload_url, "no complete answer", 1),
                        )
                    };
                    let mut error = GraphError::new(
                        kind,
                        format!("the upload of {range} to {shown} failed: {what}"),
                    );
                    error.retry = budget.stats;
                    if !(e.is_connect() && budget.in_connect_window()) {
                        return Err(error);
                    }
                    (None, None, error)
                }
            };
            match budget.plan(retry_after) {
                Plan::Wait(wait) => {
                    tracing::debug!(?wait, "upload chunk throttled or not sent; waiting");
                    budget.wait(wait, answer).await;
                }
                Plan::TooLong(wait) => {
                    let mut e = last;
                    e.kind = GraphErrorKind::RetryAfterTooLong {
                        retry_after: wait,
                        limit: budget.max_retry_after(),
                    };
                    e.retry = budget.stats;
                    return Err(e);
                }
                Plan::PastDeadline => {
                    let described = if last.message.is_empty() {
                        format!("HTTP {}", last.status.unwrap_or_default())
                    } else {
                        last.message.clone()
                    };
                    last.kind = GraphErrorKind::NoAnswer {
                        last: described,
                        allowed: budget.allowed(),
                    };
                    last.retry = budget.stats;
                    return Err(last);
                }
            }
        }
    }
}

enum ChunkOutcome {
    /// 201: the attachment exists (its `Location`).
    Done(Option<String>),
    /// 200: the next byte expected.
    Next(Option<u64>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls_are_shown_without_their_credential() {
        let url = "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=eyJ0eXAi.secret";
        let shown = redact_upload_url(url);
        assert!(!shown.contains("eyJ0eXAi"), "{shown}");
        assert!(shown.ends_with("?[redacted]"), "{shown}");
        assert!(check_upload_url(url).is_ok());
        let plain = check_upload_url("http://upload.example.com/x?authtoken=secret").unwrap_err();
        assert!(!plain.to_string().contains("secret"), "{plain}");
        assert!(check_upload_url("http://127.0.0.1:9/x?authtoken=s").is_ok());
    }

    #[tokio::test]
    async fn a_file_source_reads_each_range_and_a_shrunk_file_is_an_error() {
        let mut file = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::io::Write::write_all(&mut file, &data).unwrap();
        let source = UploadSource::File {
            file: &file,
            len: data.len() as u64,
        };
        assert_eq!(source.len(), 10_000);
        assert_eq!(&source.read(0, 4096).await.unwrap()[..], &data[..4096]);
        assert_eq!(&source.read(8192, 10_000).await.unwrap()[..], &data[8192..]);
        // Out of order too: each read seeks.
        assert_eq!(&source.read(10, 20).await.unwrap()[..], &data[10..20]);
        file.set_len(5_000).unwrap();
        assert!(source.read(4096, 8192).await.is_err());
    }

    #[test]
    fn next_expected_ranges_give_the_next_offset() {
        assert_eq!(next_offset(&["4194304-".to_string()]), Some(4_194_304));
        assert_eq!(
            next_offset(&["10-20".to_string(), "30-".to_string()]),
            Some(10)
        );
        assert_eq!(next_offset(&[]), None);
    }
}

//! The Microsoft Graph client (SPEC §4, reference §4–§6): mail folders,
//! messages, sendMail and drafts on `/users/{address}/...`, with the bearer
//! token from [`crate::auth::TokenProvider`], Graph's error JSON decoded into
//! [`GraphError`], a hand-written retry loop honouring `Retry-After`, and at
//! most 4 requests in flight per mailbox across the process.
//!
//! Every result carries Graph's `request-id`: support engineers quote it.

// NOTE: `GraphError` is large (it keeps every ID support needs); errors are
// the cold path, so it is not boxed.
#![allow(clippy::result_large_err)]

pub mod batch;
pub mod delta;
pub mod error;
pub mod folders;
pub mod limiter;
pub mod types;
pub mod upload;

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

pub use error::{GraphError, GraphErrorKind};
pub use folders::{ChildLookup, FolderPathError, ResolvedFolder, resolve_folder_path};
pub use limiter::{MAILBOX_CONCURRENCY, MailboxLimiter};
pub use types::{
    BodyType, EmailAddress, FileAttachment, MailFolder, Message, OutgoingMessage, Recipient,
    WELL_KNOWN_FOLDERS, well_known_folder,
};

use crate::auth::http::{
    Plan, RetryBudget, WireFailure, describe_certificate_rejection, describe_dropped, note_answer,
    parse_retry_after, redirect_refusal, wire_failure,
};
use crate::auth::request_log::{
    RequestLog, RetryDecision, Service, new_request_id, retry_decision,
};
use crate::auth::{HttpSetupError, TokenProvider, check_url};
pub use crate::auth::{RetryPolicy, RetryStats};
use types::{Page, PageLink};

/// A Graph client for `integration` with `credential`: builds the HTTP
/// client (`http.ca_file` falling back to the integration's `ca_file`) and
/// the one token provider. For `mail peek` / `mail send`; connection tests
/// use [`crate::diagnose::run`], which builds its own.
pub fn connect(
    integration: &crate::state::Integration,
    credential: crate::auth::ClientCredential,
    http: &crate::auth::HttpOptions,
    retry: &RetryPolicy,
) -> Result<GraphClient, HttpSetupError> {
    let endpoints = integration.endpoints();
    check_url(&endpoints.authority_host)?;
    let mut options = http.clone();
    if options.ca_file.is_none() {
        options.ca_file = integration.ca_file.as_ref().map(Into::into);
    }
    let client = crate::auth::build_http_client(&options)?;
    let request =
        crate::auth::TokenRequest::new(&endpoints, &integration.tenant, &integration.app_id);
    let tokens =
        Arc::new(TokenProvider::new(client.clone(), request, credential).with_retry(retry.clone()));
    Ok(GraphClient::new(client, &endpoints.graph_endpoint, tokens)?.with_retry(retry.clone()))
}

/// A Graph answer with the request ID it came with.
#[derive(Debug, Clone)]
pub struct GraphResponse<T> {
    pub value: T,
    pub status: u16,
    pub request_id: Option<String>,
    /// The retries made (and throttling waits met) on the way.
    pub retry: RetryStats,
}

/// Query options for listing messages (reference §4.4).
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    /// `$select`; empty means Graph's default set.
    pub select: Vec<String>,
    /// `$top` (1–1000).
    pub top: Option<u32>,
    /// `$orderby`, e.g. `receivedDateTime desc`. Graph requires its
    /// properties to lead `$filter` too, or answers `InefficientFilter`.
    pub orderby: Option<String>,
    /// `$filter`, already in OData syntax (see [`odata_string`]).
    pub filter: Option<String>,
    /// Pages to read by following `@odata.nextLink`; 0 or 1 = the first only.
    pub pages: u32,
    /// Ask for immutable IDs (`Prefer: IdType="ImmutableId"`).
    pub immutable_ids: bool,
}

/// Quotes a string for OData `$filter`: `'` doubles (reference §4.3).
pub fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters: right for
/// a path segment (an address) and a query value (spaces as `%20`, not `+`).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_encoded(&mut out, value);
    out
}

/// [`encode_component`], appended to `out`: a bulk run builds 200 lookup
/// URLs between the token's arrival and its envelopes' departure, so no
/// allocation per escaped byte.
fn push_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

/// `{base}/users/{mailbox}/mailFolders[/{parent}/childFolders]?$select=…`
/// `[&$filter=displayName eq '…']&includeHiddenFolders=true`, in one buffer:
/// this is each target's first lookup in a bulk run, on the way from the
/// token's arrival to the envelopes' departure.
fn folder_list_url(
    base: &str,
    mailbox: &str,
    parent: Option<&str>,
    display_name: Option<&str>,
) -> String {
    const SELECT: &str = "?$select=id,displayName,parentFolderId,childFolderCount";
    // Hidden folders are omitted unless asked for (reference §4.2).
    const HIDDEN: &str = "&includeHiddenFolders=true";
    let filter = display_name.map(|name| format!("displayName eq {}", odata_string(name)));
    let mailbox = mailbox.trim();
    // Each escaped byte takes three; the fixed parts take 123 bytes.
    let escaped =
        mailbox.len() + parent.map_or(0, str::len) + filter.as_ref().map_or(0, String::len);
    let mut url = String::with_capacity(base.len() + 3 * escaped + 128);
    url.push_str(base);
    url.push_str("/users/");
    push_encoded(&mut url, mailbox);
    url.push_str("/mailFolders");
    if let Some(parent) = parent {
        url.push('/');
        push_encoded(&mut url, parent);
        url.push_str("/childFolders");
    }
    url.push_str(SELECT);
    if let Some(filter) = &filter {
        url.push_str("&$filter=");
        push_encoded(&mut url, filter);
    }
    url.push_str(HIDDEN);
    url
}

const IMMUTABLE_ID: &str = "IdType=\"ImmutableId\"";

struct RequestSpec {
    method: Method,
    url: String,
    body: Option<serde_json::Value>,
    prefer: Option<&'static str>,
    /// Safe to resend after a connection dropped mid-request (GETs). A POST
    /// is resent only when it never left (connect error), so a probe mail
    /// is not sent twice.
    idempotent: bool,
}

/// One attempt's end, alone or in a batch.
enum Sent {
    Answer(StatusCode, HeaderMap, Vec<u8>),
    Failed(Arc<reqwest::Error>),
    /// A batch answer that said nothing readable about this request.
    Invalid(String),
}

struct RawResponse {
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
    retry: RetryStats,
}

/// A Graph client for one endpoint and token provider.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    /// `{graph_endpoint}/v1.0`.
    base: String,
    origin: String,
    tokens: Arc<TokenProvider>,
    retry: RetryPolicy,
    /// Every request's deadline; `None`: the policy's budget per request.
    deadline: Option<Instant>,
    limiter: Arc<MailboxLimiter>,
    /// Every call's retries and throttling waits, summed over the clones
    /// that share it: a run's total for `-v` ([`Self::with_tally`]).
    tally: Option<Arc<std::sync::Mutex<RetryStats>>>,
    /// GETs leave in `$batch` envelopes ([`Self::with_batching`]).
    batcher: Option<Arc<batch::Batcher>>,
}

impl GraphClient {
    /// `graph_endpoint` is the origin, e.g. `https://graph.microsoft.com`.
    pub fn new(
        http: reqwest::Client,
        graph_endpoint: &str,
        tokens: Arc<TokenProvider>,
    ) -> Result<Self, HttpSetupError> {
        let parsed = check_url(graph_endpoint)?;
        let trimmed = graph_endpoint.trim_end_matches('/');
        Ok(GraphClient {
            http,
            base: format!("{trimmed}/v1.0"),
            origin: parsed.origin().ascii_serialization(),
            tokens,
            retry: RetryPolicy::default(),
            deadline: None,
            limiter: MailboxLimiter::shared(),
            tally: None,
            batcher: None,
        })
    }

    /// Adds the retries and waits of every call (this client's and its
    /// clones') to `tally`.
    pub fn with_tally(mut self, tally: Arc<std::sync::Mutex<RetryStats>>) -> Self {
        self.tally = Some(tally);
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// A client whose requests (their token included) all end by
    /// `deadline`: a target's deadline (SPEC §4). Transient answers are
    /// retried until then; a wait that would cross it is not started, and
    /// the error is [`GraphErrorKind::NoAnswer`]. Cheap: clone the run's
    /// client and set one per target.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The deadline set with [`GraphClient::with_deadline`].
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Sends this client's GETs (and its clones') in JSON batches of up to
    /// 20 ([`batch`]): for a run over many targets, whose lookups would
    /// otherwise each take a connection and a request. Each request keeps
    /// its own retries, mailbox slot and deadline.
    pub fn with_batching(mut self) -> Self {
        self.batcher = Some(Arc::new(batch::Batcher::new(self.http.clone(), &self.base)));
        self
    }

    /// Replaces the process-wide limiter (tests use their own).
    pub fn with_limiter(mut self, limiter: Arc<MailboxLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    pub fn tokens(&self) -> &Arc<TokenProvider> {
        &self.tokens
    }

    /// `{base}/users/{address}{rest}` with the address percent-encoded.
    fn user_url(&self, mailbox: &str, rest: &str) -> String {
        format!(
            "{}/users/{}{}",
            self.base,
            encode_component(mailbox.trim()),
            rest
        )
    }

    fn folder_url(&self, mailbox: &str, folder: &str, rest: &str) -> String {
        self.user_url(
            mailbox,
            &format!("/mailFolders/{}{}", encode_component(folder), rest),
        )
    }

    /// `GET /users/{u}/mailFolders/{id|wellKnownName}`.
    pub async fn get_folder(
        &self,
        mailbox: &str,
        folder: &str,
    ) -> Result<GraphResponse<MailFolder>, GraphError> {
        let url = self.folder_url(
            mailbox,
            folder,
            "?$select=id,displayName,parentFolderId,childFolderCount",
        );
        self.get_json(mailbox, url, None).await
    }

    /// `GET /users/{u}/mailFolders/{id|wellKnownName}` with the given
    /// `$select` (e.g. `totalItemCount,unreadItemCount` for `mail peek`).
    pub async fn get_folder_fields(
        &self,
        mailbox: &str,
        folder: &str,
        select: &[&str],
    ) -> Result<GraphResponse<MailFolder>, GraphError> {
        let rest = if select.is_empty() {
            String::new()
        } else {
            format!("?$select={}", encode_component(&select.join(",")))
        };
        let url = self.folder_url(mailbox, folder, &rest);
        self.get_json(mailbox, url, None).await
    }

    /// Top-level folders (`parent = None`) or a folder's children, optionally
    /// only those whose `displayName` equals `display_name`; every page.
    pub async fn list_folders(
        &self,
        mailbox: &str,
        parent: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<GraphResponse<Vec<MailFolder>>, GraphError> {
        let url = folder_list_url(&self.base, mailbox, parent, display_name);
        self.get_pages(mailbox, url, None, u32::MAX).await
    }

    /// `GET /users/{u}/mailFolders/{folder}/messages` with query options.
    pub async fn list_messages(
        &self,
        mailbox: &str,
        folder: &str,
        query: &MessageQuery,
    ) -> Result<GraphResponse<Vec<Message>>, GraphError> {
        let mut items = Vec::new();
        let done = self
            .list_messages_each(mailbox, folder, query, |page| items.extend(page))
            .await?;
        Ok(GraphResponse {
            value: items,
            status: done.status,
            request_id: done.request_id,
            retry: done.retry,
        })
    }

    /// [`Self::list_messages`], handing each page to `on_page` as it comes
    /// instead of holding them all: a caller that keeps less per message
    /// than a [`Message`] (`mail peek` of 10,000) needs never hold every
    /// page's messages at once.
    pub async fn list_messages_each(
        &self,
        mailbox: &str,
        folder: &str,
        query: &MessageQuery,
        on_page: impl FnMut(Vec<Message>),
    ) -> Result<GraphResponse<()>, GraphError> {
        let mut parts = Vec::new();
        if !query.select.is_empty() {
            parts.push(format!(
                "$select={}",
                encode_component(&query.select.join(","))
            ));
        }
        if let Some(top) = query.top {
            parts.push(format!("$top={}", top.clamp(1, 1000)));
        }
        if let Some(filter) = &query.filter {
            parts.push(format!("$filter={}", encode_component(filter)));
        }
        if let Some(orderby) = &query.orderby {
            parts.push(format!("$orderby={}", encode_component(orderby)));
        }
        let rest = if parts.is_empty() {
            "/messages".to_string()
        } else {
            format!("/messages?{}", parts.join("&"))
        };
        let url = self.folder_url(mailbox, folder, &rest);
        let prefer = query.immutable_ids.then_some(IMMUTABLE_ID);
        self.get_pages_each(mailbox, url, prefer, query.pages.max(1), on_page)
            .await
    }

    /// `GET /users/{u}/messages/{id}`.
    pub async fn get_message(
        &self,
        mailbox: &str,
        id: &str,
        select: &[&str],
        immutable_id: bool,
    ) -> Result<GraphResponse<Message>, GraphError> {
        let mut url = self.user_url(mailbox, &format!("/messages/{}", encode_component(id)));
        if !select.is_empty() {
            url.push_str(&format!("?$select={}", encode_component(&select.join(","))));
        }
        self.get_json(mailbox, url, immutable_id.then_some(IMMUTABLE_ID))
            .await
    }

    /// `POST /users/{u}/sendMail` (202 Accepted).
    pub async fn send_mail(
        &self,
        mailbox: &str,
        message: &OutgoingMessage,
        save_to_sent_items: bool,
    ) -> Result<GraphResponse<()>, GraphError> {
        let body = serde_json::json!({"message": message.to_json(), "saveToSentItems": save_to_sent_items});
        let spec = RequestSpec {
            method: Method::POST,
            url: self.user_url(mailbox, "/sendMail"),
            body: Some(body),
            prefer: None,
            idempotent: false,
        };
        self.expect_empty(mailbox, spec).await
    }

    /// `POST /users/{u}/messages`: a draft (201 Created) in Drafts.
    pub async fn create_draft(
        &self,
        mailbox: &str,
        message: &OutgoingMessage,
        immutable_id: bool,
    ) -> Result<GraphResponse<Message>, GraphError> {
        let spec = RequestSpec {
            method: Method::POST,
            url: self.user_url(mailbox, "/messages"),
            body: Some(message.to_json()),
            prefer: immutable_id.then_some(IMMUTABLE_ID),
            idempotent: false,
        };
        let raw = self.execute(mailbox, spec).await?;
        decode_json(raw)
    }

    /// `POST /users/{u}/messages/{id}/send` (202, `Content-Length: 0`).
    pub async fn send_draft(
        &self,
        mailbox: &str,
        id: &str,
    ) -> Result<GraphResponse<()>, GraphError> {
        let spec = RequestSpec {
            method: Method::POST,
            url: self.user_url(mailbox, &format!("/messages/{}/send", encode_component(id))),
            body: None,
            prefer: None,
            idempotent: false,
        };
        self.expect_empty(mailbox, spec).await
    }

    /// `DELETE /users/{u}/messages/{id}` (204): cleans up a probe draft.
    pub async fn delete_message(
        &self,
        mailbox: &str,
        id: &str,
    ) -> Result<GraphResponse<()>, GraphError> {
        let spec = RequestSpec {
            method: Method::DELETE,
            url: self.user_url(mailbox, &format!("/messages/{}", encode_component(id))),
            body: None,
            prefer: None,
            idempotent: true,
        };
        self.expect_empty(mailbox, spec).await
    }

    async fn expect_empty(
        &self,
        mailbox: &str,
        spec: RequestSpec,
    ) -> Result<GraphResponse<()>, GraphError> {
        let raw = self.execute(mailbox, spec).await?;
        Ok(GraphResponse {
            value: (),
            status: raw.status,
            request_id: raw.request_id,
            retry: raw.retry,
        })
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        mailbox: &str,
        url: String,
        prefer: Option<&'static str>,
    ) -> Result<GraphResponse<T>, GraphError> {
        decode_json(self.get_raw(mailbox, url, prefer).await?)
    }

    /// Follows `@odata.nextLink` as-is (it carries the query options; never
    /// rewrite it: reference §4.4), up to `max_pages` pages.
    async fn get_pages<T: DeserializeOwned + Send + 'static>(
        &self,
        mailbox: &str,
        first: String,
        prefer: Option<&'static str>,
        max_pages: u32,
    ) -> Result<GraphResponse<Vec<T>>, GraphError> {
        let mut items = Vec::new();
        let done = self
            .get_pages_each(mailbox, first, prefer, max_pages, |page| items.extend(page))
            .await?;
        Ok(GraphResponse {
            value: items,
            status: done.status,
            request_id: done.request_id,
            retry: done.retry,
        })
    }

    /// [`Self::get_pages`], each page's items handed to `on_page` as the
    /// page arrives.
    ///
    /// The pages form a chain (each nextLink comes with the page before),
    /// so decoding is kept off it: a page's nextLink is read first (a skim
    /// over the items), the next request leaves, and the page is decoded
    /// on a blocking thread and handed to `on_page` while it is in flight
    /// (the last page, with nothing in flight beside it, is decoded here).
    async fn get_pages_each<T: DeserializeOwned + Send + 'static>(
        &self,
        mailbox: &str,
        first: String,
        prefer: Option<&'static str>,
        max_pages: u32,
        mut on_page: impl FnMut(Vec<T>),
    ) -> Result<GraphResponse<()>, GraphError> {
        let mut pages = 0;
        let mut retry = RetryStats::default();
        let with_retry = |mut e: GraphError, retry: RetryStats| {
            let mut total = retry;
            total.add(e.retry);
            e.retry = total;
            e
        };
        let mut raw = self
            .get_raw(mailbox, first, prefer)
            .await
            .map_err(|e| with_retry(e, retry))?;
        loop {
            pages += 1;
            retry.add(raw.retry);
            let next = match serde_json::from_slice::<PageLink>(&raw.body) {
                // An unreadable body: decoding it says why, below.
                Err(_) => None,
                Ok(link) => link.next_link.filter(|_| pages < max_pages),
            };
            if let Some(next) = &next {
                // NOTE: the bearer token must not leave for another host.
                let same_origin =
                    url::Url::parse(next).map(|u| u.origin().ascii_serialization() == self.origin);
                if !same_origin.unwrap_or(false) {
                    let mut e = GraphError::new(
                        GraphErrorKind::InvalidRequest,
                        format!("Graph's nextLink points outside {}: {next}", self.origin),
                    );
                    e.request_id = raw.request_id;
                    e.retry = retry;
                    return Err(e);
                }
            }
            let (status, request_id) = (raw.status, raw.request_id.clone());
            // The last (often the only) page is decoded here: nothing is in
            // flight beside it, and a burst of one-page answers (a folder
            // lookup per target) must not grow the blocking pool.
            let on_thread = next.is_some();
            let page = async {
                let decoded = if on_thread {
                    tokio::task::spawn_blocking(move || decode_json::<Page<T>>(raw)).await
                } else {
                    Ok(decode_json::<Page<T>>(raw))
                };
                let page = match decoded {
                    Ok(page) => page?,
                    Err(e) => {
                        let mut error = GraphError::new(
                            GraphErrorKind::InvalidResponse,
                            format!("decoding Graph's answer failed: {e}"),
                        );
                        error.status = Some(status);
                        error.request_id = request_id.clone();
                        return Err(error);
                    }
                };
                on_page(page.value.value);
                Ok(())
            };
            let following = async {
                match next {
                    Some(url) => Some(self.get_raw(mailbox, url, prefer).await),
                    None => None,
                }
            };
            let (page, following) = tokio::join!(page, following);
            page.map_err(|mut e| {
                e.retry = retry;
                e
            })?;
            match following {
                Some(following) => raw = following.map_err(|e| with_retry(e, retry))?,
                None => {
                    return Ok(GraphResponse {
                        value: (),
                        status,
                        request_id,
                        retry,
                    });
                }
            }
        }
    }

    async fn get_raw(
        &self,
        mailbox: &str,
        url: String,
        prefer: Option<&'static str>,
    ) -> Result<RawResponse, GraphError> {
        let spec = RequestSpec {
            method: Method::GET,
            url,
            body: None,
            prefer,
            idempotent: true,
        };
        self.execute(mailbox, spec).await
    }

    /// Sends one request with retries (SPEC §4), until the client's
    /// deadline (or the policy's budget from now):
    /// - 429 and 503, and for idempotent requests 502 and 504, wait
    ///   `Retry-After` (up to `max_retry_after`; a longer one fails and names
    ///   it) or a jittered backoff, then go again;
    /// - an idempotent request that timed out or whose connection was closed
    ///   under it goes again (a drop that the deadline ends is
    ///   [`GraphErrorKind::Dropped`], not "no answer"); a send (not
    ///   idempotent) does not, since it may have been carried out: it fails
    ///   with [`GraphErrorKind::Timeout`] or [`GraphErrorKind::Dropped`];
    /// - a connection that cannot be opened goes again within the policy's
    ///   connect window (the request never left);
    /// - a refused TLS certificate, a redirect and every other answer end it
    ///   at once; an expired token is renewed once;
    /// - a wait that would cross the deadline is not started, and the
    ///   deadline passing mid-request ends it: [`GraphErrorKind::NoAnswer`]
    ///   with the last answer.
    ///
    /// The mailbox slot is held only while a request is on the wire, never
    /// during a wait.
    async fn execute(&self, mailbox: &str, spec: RequestSpec) -> Result<RawResponse, GraphError> {
        let result = self.execute_untallied(mailbox, spec).await;
        if let Some(tally) = &self.tally {
            let stats = match &result {
                Ok(raw) => raw.retry,
                Err(e) => e.retry,
            };
            tally.lock().unwrap_or_else(|e| e.into_inner()).add(stats);
        }
        result
    }

    async fn execute_untallied(
        &self,
        mailbox: &str,
        spec: RequestSpec,
    ) -> Result<RawResponse, GraphError> {
        let mut budget = RetryBudget::new(&self.retry, self.deadline);
        let deadline = tokio::time::Instant::from_std(budget.deadline);
        let mut last: Option<GraphError> = None;
        let mut renewed = false;
        let mut attempt = 0u32;
        let mut drops = 0u32;
        loop {
            attempt += 1;
            let token = self
                .tokens
                .token_until(budget.deadline)
                .await
                .map_err(|e| {
                    let mut error = GraphError::token(e);
                    let mut total = budget.stats;
                    total.add(error.retry);
                    error.retry = total;
                    error
                })?;
            let bearer = token.bearer_header().map_err(GraphError::token)?;
            let client_request_id = new_request_id();
            let build = || {
                let mut request = self
                    .http
                    .request(spec.method.clone(), &spec.url)
                    .header(AUTHORIZATION, bearer.clone())
                    .header(ACCEPT, "application/json")
                    .header("client-request-id", &client_request_id);
                if let Some(prefer) = spec.prefer {
                    request = request.header("Prefer", prefer);
                }
                request = match &spec.body {
                    Some(body) => request.json(body),
                    None if spec.method == Method::POST => request.header(CONTENT_LENGTH, "0"),
                    None => request,
                };
                request.build()
            };
            // A GET that goes in an envelope needs no request of its own
            // (its URL parsed, its headers copied) unless `-vv` shows it or
            // it ends up going alone.
            let batched = self.batcher_for(&spec).is_some();
            let request = (!batched || tracing::enabled!(tracing::Level::DEBUG)).then(build);
            // `-vv` shows the headers, the bearer token as `[redacted]`.
            let log = RequestLog::start(
                Service::Graph,
                spec.method.as_str(),
                &spec.url,
                attempt,
                request
                    .as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .map(|r| r.headers()),
            );
            let outcome = tokio::time::timeout_at(deadline, async {
                let permit = self.limiter.acquire(mailbox).await;
                let outcome = self
                    .send_once(request, build, &spec, &bearer, &client_request_id)
                    .await;
                drop(permit);
                outcome
            })
            .await;
            let outcome = match outcome {
                Ok(Sent::Invalid(message)) => {
                    log.failed(&message);
                    let mut e = GraphError::new(GraphErrorKind::InvalidResponse, message);
                    e.client_request_id = Some(client_request_id);
                    e.retry = budget.stats;
                    return Err(e);
                }
                Ok(Sent::Answer(status, headers, body)) => Ok(Ok((status, headers, body))),
                Ok(Sent::Failed(e)) => Ok(Err(e)),
                Err(elapsed) => Err(elapsed),
            };
            let Ok(outcome) = outcome else {
                log.failed("the deadline passed");
                // The deadline cut the retry of a dropped connection: report
                // the drop that was observed, as when it stops the next try.
                if let Some(mut dropped) =
                    last.take_if(|e| matches!(e.kind, GraphErrorKind::Dropped { .. }))
                {
                    dropped.retry = budget.stats;
                    return Err(dropped);
                }
                let fallback = GraphError::new(
                    GraphErrorKind::Timeout,
                    format!("no answer from {} before the deadline", host_of(&spec.url)),
                );
                return Err(self.no_answer(last.unwrap_or(fallback), &budget, client_request_id));
            };
            match &outcome {
                Ok((status, headers, body)) => {
                    log.answered(status.as_u16(), headers);
                    note_answer(&spec.url);
                    if !status.is_success() {
                        log.error_body(body);
                    }
                }
                Err(e) => log.failed(&crate::auth::token::error_chain(e)),
            }

            let (retry_after, answer) = match outcome {
                Ok((status, headers, body)) => {
                    let request_id = header_text(&headers, "request-id");
                    let code = status.as_u16();
                    if status.is_redirection() {
                        let mut e = GraphError::new(
                            GraphErrorKind::InvalidResponse,
                            format!("Graph answered {}", redirect_refusal(code, &headers)),
                        );
                        e.status = Some(code);
                        e.request_id = request_id;
                        e.client_request_id = Some(client_request_id);
                        e.retry = budget.stats;
                        return Err(e);
                    }
                    if RetryPolicy::is_retryable_status(status, spec.idempotent) {
                        let retry_after = parse_retry_after(&headers);
                        last = Some(error::decode_error(
                            code,
                            &body,
                            request_id,
                            Some(client_request_id),
                        ));
                        (retry_after, Some(code))
                    } else if status == StatusCode::UNAUTHORIZED && !renewed && token_expired(&body)
                    {
                        // NOTE: a token can expire between the cache check and
                        // Graph's; fetch a new one once.
                        renewed = true;
                        tracing::info!(
                            "graph: HTTP 401 on attempt {attempt}: the token expired; sending again with a new one"
                        );
                        self.tokens.invalidate().await;
                        budget.count_resend();
                        continue;
                    } else if !status.is_success() {
                        let mut e =
                            error::decode_error(code, &body, request_id, Some(client_request_id));
                        e.retry = budget.stats;
                        return Err(e);
                    } else {
                        return Ok(RawResponse {
                            status: code,
                            body,
                            request_id,
                            retry: budget.stats,
                        });
                    }
                }
                Err(e) => {
                    let host = host_of(&spec.url);
                    let fail = |kind, message: String| {
                        let mut error = GraphError::new(kind, message);
                        error.client_request_id = Some(client_request_id.clone());
                        error.retry = budget.stats;
                        error
                    };
                    match wire_failure(&e) {
                        WireFailure::Certificate(reason) => {
                            let message = describe_certificate_rejection(&spec.url, &reason).await;
                            return Err(fail(
                                GraphErrorKind::Certificate,
                                format!("cannot reach Graph: {message}"),
                            ));
                        }
                        WireFailure::Connect(detail) => {
                            let error = fail(
                                GraphErrorKind::Transport,
                                format!("connection to {host} failed: {detail}"),
                            );
                            if !budget.in_connect_window() {
                                return Err(error);
                            }
                            last = Some(error);
                        }
                        WireFailure::Timeout => {
                            let error = fail(
                                GraphErrorKind::Timeout,
                                format!("no answer from Graph within the request timeout ({host})"),
                            );
                            if !spec.idempotent {
                                return Err(error);
                            }
                            last = Some(error);
                        }
                        WireFailure::Dropped(detail) => {
                            drops += 1;
                            let mut error = fail(
                                GraphErrorKind::Dropped {
                                    maybe_carried_out: !spec.idempotent,
                                },
                                describe_dropped(&spec.url, &detail, drops),
                            );
                            if !spec.idempotent {
                                error.message.push_str(
                                    " (not sent again: the request may have been carried out)",
                                );
                                return Err(error);
                            }
                            last = Some(error);
                        }
                    }
                    (None, None)
                }
            };
            let cause = match last.as_ref().and_then(|e| e.status) {
                Some(status) => format!("HTTP {status}"),
                None => "no answer".to_string(),
            };
            match budget.plan(retry_after) {
                Plan::Wait(wait) => {
                    retry_decision(
                        Service::Graph,
                        &cause,
                        attempt,
                        RetryDecision::Wait(wait, retry_after.is_some()),
                    );
                    budget.wait(wait, answer).await;
                }
                Plan::TooLong(wait) => {
                    retry_decision(
                        Service::Graph,
                        &cause,
                        attempt,
                        RetryDecision::TooLong {
                            asked: wait,
                            limit: budget.max_retry_after(),
                        },
                    );
                    let mut e =
                        last.unwrap_or_else(|| GraphError::new(GraphErrorKind::Service, ""));
                    e.kind = GraphErrorKind::RetryAfterTooLong {
                        retry_after: wait,
                        limit: budget.max_retry_after(),
                    };
                    e.retry = budget.stats;
                    return Err(e);
                }
                Plan::PastDeadline => {
                    retry_decision(Service::Graph, &cause, attempt, RetryDecision::PastDeadline);
                    // The last attempt's connection was dropped: say that,
                    // not "no answer" (the deadline only stopped the next try).
                    if let Some(mut dropped) =
                        last.take_if(|e| matches!(e.kind, GraphErrorKind::Dropped { .. }))
                    {
                        dropped.retry = budget.stats;
                        return Err(dropped);
                    }
                    let fallback = GraphError::new(GraphErrorKind::Timeout, "no answer");
                    let id = new_request_id();
                    return Err(self.no_answer(last.unwrap_or(fallback), &budget, id));
                }
            }
        }
    }

    /// The batcher that may carry `spec`: only GETs go in envelopes (see
    /// [`batch`]), and only when the client batches.
    fn batcher_for(&self, spec: &RequestSpec) -> Option<&Arc<batch::Batcher>> {
        self.batcher.as_ref().filter(|_| spec.method == Method::GET)
    }

    /// One attempt on the wire: in the next `$batch` envelope when the
    /// client batches and this is a GET of its own base, else alone, as
    /// `request` (built by `build` if it was not needed before).
    async fn send_once(
        &self,
        request: Option<reqwest::Result<reqwest::Request>>,
        build: impl FnOnce() -> reqwest::Result<reqwest::Request>,
        spec: &RequestSpec,
        bearer: &reqwest::header::HeaderValue,
        client_request_id: &str,
    ) -> Sent {
        if let Some(batcher) = self.batcher_for(spec) {
            match batcher
                .send(&spec.url, bearer.clone(), spec.prefer, client_request_id)
                .await
            {
                batch::Outcome::Answer {
                    status,
                    headers,
                    body,
                } => return Sent::Answer(status, headers, body),
                batch::Outcome::Wire(e) => return Sent::Failed(e),
                batch::Outcome::Invalid(message) => return Sent::Invalid(message),
                batch::Outcome::Alone => {}
            }
        }
        let request = request.unwrap_or_else(build);
        let answer = async {
            let response = self.http.execute(request?).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        match answer {
            Ok((status, headers, body)) => Sent::Answer(status, headers, body),
            Err(e) => Sent::Failed(Arc::new(e)),
        }
    }

    /// Turns the last answer into the [`GraphErrorKind::NoAnswer`] error.
    fn no_answer(
        &self,
        mut last: GraphError,
        budget: &RetryBudget<'_>,
        client_request_id: String,
    ) -> GraphError {
        let described = match last.kind {
            GraphErrorKind::Service => {
                let mut text = format!("HTTP {}", last.status.unwrap_or_default());
                if let Some(code) = &last.code {
                    text.push_str(&format!(" {code}"));
                }
                if !last.message.is_empty() {
                    text.push_str(&format!(": {}", last.message));
                }
                text
            }
            _ => last.message.clone(),
        };
        last.kind = GraphErrorKind::NoAnswer {
            last: described,
            allowed: budget.allowed(),
        };
        last.retry = budget.stats;
        if last.client_request_id.is_none() {
            last.client_request_id = Some(client_request_id);
        }
        last
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "Graph".to_string())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn token_expired(body: &[u8]) -> bool {
    let e = error::decode_error(401, body, None, None);
    e.has_code("InvalidAuthenticationToken") && e.message.to_ascii_lowercase().contains("expired")
}

fn decode_json<T: DeserializeOwned>(raw: RawResponse) -> Result<GraphResponse<T>, GraphError> {
    match serde_json::from_slice::<T>(&raw.body) {
        Ok(value) => Ok(GraphResponse {
            value,
            status: raw.status,
            request_id: raw.request_id,
            retry: raw.retry,
        }),
        Err(e) => {
            let mut error = GraphError::new(
                GraphErrorKind::InvalidResponse,
                format!(
                    "Graph answered HTTP {} with an unreadable body: {e}",
                    raw.status
                ),
            );
            error.status = Some(raw.status);
            error.request_id = raw.request_id;
            error.retry = raw.retry;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_percent_encoded_byte_by_byte() {
        assert_eq!(encode_component("a-b.c_d~9"), "a-b.c_d~9");
        assert_eq!(
            encode_component("displayName eq 'O''Brien'"),
            "displayName%20eq%20%27O%27%27Brien%27"
        );
        assert_eq!(encode_component("jo+x@contoso.com"), "jo%2Bx%40contoso.com");
        // UTF-8, each byte escaped, upper-case hex.
        assert_eq!(encode_component("Ä/é"), "%C3%84%2F%C3%A9");
    }

    #[test]
    fn a_folder_lookup_url_is_built_as_graph_reads_it() {
        let base = "https://graph.microsoft.com/v1.0";
        assert_eq!(
            folder_list_url(base, " Box+1@contoso.com ", Some("inbox"), Some("O'Brien")),
            "https://graph.microsoft.com/v1.0/users/Box%2B1%40contoso.com/mailFolders/inbox/childFolders\
             ?$select=id,displayName,parentFolderId,childFolderCount\
             &$filter=displayName%20eq%20%27O%27%27Brien%27&includeHiddenFolders=true"
        );
        assert_eq!(
            folder_list_url(base, "a@b.c", Some("AAMk=/x"), None),
            "https://graph.microsoft.com/v1.0/users/a%40b.c/mailFolders/AAMk%3D%2Fx/childFolders\
             ?$select=id,displayName,parentFolderId,childFolderCount&includeHiddenFolders=true"
        );
        assert_eq!(
            folder_list_url(base, "a@b.c", None, Some("Support")),
            "https://graph.microsoft.com/v1.0/users/a%40b.c/mailFolders\
             ?$select=id,displayName,parentFolderId,childFolderCount\
             &$filter=displayName%20eq%20%27Support%27&includeHiddenFolders=true"
        );
    }
}

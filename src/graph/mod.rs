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

pub mod delta;
pub mod error;
pub mod folders;
pub mod limiter;
pub mod types;
pub mod upload;

use std::sync::Arc;

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

pub use crate::auth::RetryPolicy;
use crate::auth::http::parse_retry_after;
use crate::auth::token::error_chain;
use crate::auth::{HttpSetupError, TokenProvider, check_url};
use types::Page;

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
    /// Attempts made, retries included.
    pub attempts: u32,
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
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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

struct RawResponse {
    status: u16,
    body: Vec<u8>,
    request_id: Option<String>,
    attempts: u32,
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
    limiter: Arc<MailboxLimiter>,
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
            limiter: MailboxLimiter::shared(),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
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
        let mut query = vec!["$select=id,displayName,parentFolderId,childFolderCount".to_string()];
        if let Some(name) = display_name {
            query.push(format!(
                "$filter={}",
                encode_component(&format!("displayName eq {}", odata_string(name)))
            ));
        }
        // Hidden folders are omitted unless asked for (reference §4.2).
        query.push("includeHiddenFolders=true".to_string());
        let query = query.join("&");
        let url = match parent {
            None => self.user_url(mailbox, &format!("/mailFolders?{query}")),
            Some(id) => self.folder_url(mailbox, id, &format!("/childFolders?{query}")),
        };
        self.get_pages(mailbox, url, None, u32::MAX).await
    }

    /// `GET /users/{u}/mailFolders/{folder}/messages` with query options.
    pub async fn list_messages(
        &self,
        mailbox: &str,
        folder: &str,
        query: &MessageQuery,
    ) -> Result<GraphResponse<Vec<Message>>, GraphError> {
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
        self.get_pages(mailbox, url, prefer, query.pages.max(1))
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
            attempts: raw.attempts,
        })
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        mailbox: &str,
        url: String,
        prefer: Option<&'static str>,
    ) -> Result<GraphResponse<T>, GraphError> {
        let spec = RequestSpec {
            method: Method::GET,
            url,
            body: None,
            prefer,
            idempotent: true,
        };
        decode_json(self.execute(mailbox, spec).await?)
    }

    /// Follows `@odata.nextLink` as-is (it carries the query options; never
    /// rewrite it: reference §4.4), up to `max_pages` pages.
    async fn get_pages<T: DeserializeOwned>(
        &self,
        mailbox: &str,
        first: String,
        prefer: Option<&'static str>,
        max_pages: u32,
    ) -> Result<GraphResponse<Vec<T>>, GraphError> {
        let mut items = Vec::new();
        let mut url = first;
        let mut pages = 0;
        let mut attempts = 0;
        loop {
            let page: GraphResponse<Page<T>> = self.get_json(mailbox, url, prefer).await?;
            pages += 1;
            attempts += page.attempts;
            items.extend(page.value.value);
            match page.value.next_link {
                Some(next) if pages < max_pages => {
                    // NOTE: the bearer token must not leave for another host.
                    let same_origin = url::Url::parse(&next)
                        .map(|u| u.origin().ascii_serialization() == self.origin);
                    if !same_origin.unwrap_or(false) {
                        let mut e = GraphError::new(
                            GraphErrorKind::InvalidRequest,
                            format!("Graph's nextLink points outside {}: {next}", self.origin),
                        );
                        e.request_id = page.request_id;
                        return Err(e);
                    }
                    url = next;
                }
                _ => {
                    return Ok(GraphResponse {
                        value: items,
                        status: page.status,
                        request_id: page.request_id,
                        attempts,
                    });
                }
            }
        }
    }

    /// Sends one request with retries (SPEC §4): 429/503/504 and failed
    /// connections are retried up to `max_attempts`, waiting `Retry-After`
    /// (up to `max_retry_after`; a longer one fails and names it) or a
    /// jittered backoff. The mailbox slot is held only while a request is on
    /// the wire, never during a wait.
    async fn execute(&self, mailbox: &str, spec: RequestSpec) -> Result<RawResponse, GraphError> {
        let policy = &self.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.tokens.token().await.map_err(GraphError::token)?;
            let client_request_id = uuid::Uuid::new_v4().to_string();
            let mut request = self
                .http
                .request(spec.method.clone(), &spec.url)
                .header(AUTHORIZATION, token.bearer())
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
            let permit = self.limiter.acquire(mailbox).await;
            let started = std::time::Instant::now();
            let outcome = async {
                let response = request.send().await?;
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await?.to_vec();
                Ok::<_, reqwest::Error>((status, headers, body))
            }
            .await;
            drop(permit);
            // `-vv` shows each request; the bearer token is a header, never logged.
            if let Ok((status, headers, _)) = &outcome {
                tracing::debug!(
                    "{} {} -> {} in {} ms (attempt {attempt}, request-id {})",
                    spec.method,
                    spec.url,
                    status.as_u16(),
                    started.elapsed().as_millis(),
                    header_text(headers, "request-id").as_deref().unwrap_or("-"),
                );
            }

            match outcome {
                Ok((status, headers, body)) => {
                    let request_id = header_text(&headers, "request-id");
                    if RetryPolicy::is_retryable_status(status) {
                        let retry_after = parse_retry_after(&headers);
                        if let Some(wait) = retry_after
                            && wait > policy.max_retry_after
                        {
                            let mut e = error::decode_error(
                                status.as_u16(),
                                &body,
                                request_id,
                                Some(client_request_id),
                            );
                            e.kind = GraphErrorKind::RetryAfterTooLong {
                                retry_after: wait,
                                limit: policy.max_retry_after,
                            };
                            e.attempts = attempt;
                            return Err(e);
                        }
                        if attempt < max_attempts {
                            let wait = retry_after.unwrap_or_else(|| policy.backoff(attempt));
                            tracing::debug!(
                                status = status.as_u16(),
                                ?wait,
                                attempt,
                                "Graph asked to retry"
                            );
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    if status == StatusCode::UNAUTHORIZED && attempt == 1 && token_expired(&body) {
                        // NOTE: a token can expire between the cache check and
                        // Graph's; fetch a new one once.
                        self.tokens.invalidate().await;
                        continue;
                    }
                    if !status.is_success() {
                        let mut e = error::decode_error(
                            status.as_u16(),
                            &body,
                            request_id,
                            Some(client_request_id),
                        );
                        e.attempts = attempt;
                        return Err(e);
                    }
                    return Ok(RawResponse {
                        status: status.as_u16(),
                        body,
                        request_id,
                        attempts: attempt,
                    });
                }
                Err(e) => {
                    let dropped = !e.is_timeout()
                        && (e.is_connect() || (spec.idempotent && (e.is_request() || e.is_body())));
                    if dropped && attempt < max_attempts {
                        let wait = policy.backoff(attempt);
                        tracing::debug!(error = %e, ?wait, attempt, "connection failed; retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let (kind, message) = if e.is_timeout() {
                        (
                            GraphErrorKind::Timeout,
                            format!(
                                "no answer from Graph within the request timeout ({})",
                                host_of(&spec.url)
                            ),
                        )
                    } else {
                        (
                            GraphErrorKind::Transport,
                            format!(
                                "connection to {} failed: {}",
                                host_of(&spec.url),
                                error_chain(&e)
                            ),
                        )
                    };
                    let mut error = GraphError::new(kind, message);
                    error.client_request_id = Some(client_request_id);
                    error.attempts = attempt;
                    return Err(error);
                }
            }
        }
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
            attempts: raw.attempts,
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
            error.attempts = raw.attempts;
            Err(error)
        }
    }
}

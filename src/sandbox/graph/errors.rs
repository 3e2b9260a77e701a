//! Graph's error answers and the envelope around every answer of the Graph
//! half (reference §5): `request-id` and `client-request-id` headers (the
//! client's own echoed when it sent one), and errors as
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
//!
//! Handlers return a [`GraphError`]; it travels to the envelope middleware as
//! a response extension, and the middleware, which knows the request IDs,
//! renders the body. Answers axum produces on its own (path rejections, a
//! wrong method) are rewritten into the same shape, so no answer escapes it.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// Graph's answers carry this content type (OData JSON, minimal metadata).
pub const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// One Graph error answer, before the envelope adds its IDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub retry_after: Option<String>,
    /// Rendered as `{"error":{"code","message"}}` without `innerError`, as
    /// Outlook's own throttling answers and upload URLs come.
    pub bare: bool,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
            bare: false,
        }
    }

    /// The same answer with a more specific code.
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = code.to_owned();
        self
    }

    /// 400 `BadRequest`: malformed query or payload.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 401 `InvalidAuthenticationToken` (reference §5: bad, expired or wrong-audience token).
    pub fn invalid_token(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    /// 401 `NoPermissionsInAccessToken`: an app token without `roles` (reference §5, §1.6).
    pub fn no_permissions() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "NoPermissionsInAccessToken",
            "The token contains no permissions, or permissions can not be understood.",
        )
    }

    /// 403 `ErrorAccessDenied` for a missing Mail permission (reference §5).
    pub fn access_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    }

    /// 403 `ErrorAccessDenied`: an application access policy excludes the mailbox (reference §7.1).
    pub fn odata_disabled() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access to OData is disabled.",
        )
    }

    /// 403 on directory calls without User.Read.All / Directory.Read.All (reference §5).
    pub fn directory_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    /// 403 `ErrorSendAsDenied` (reference §4.9, §5).
    pub fn send_as_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.",
        )
    }

    /// 404 `ErrorInvalidUser`: no such mailbox (reference §5).
    pub fn invalid_user(user: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            format!("The requested user '{user}' is invalid."),
        )
    }

    /// 404 `MailboxNotEnabledForRESTAPI` (reference §5, §9; status from third-party reports).
    pub fn mailbox_not_enabled() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )
    }

    /// 404 `ErrorItemNotFound`: folder or message ID unknown (reference §5).
    pub fn item_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    /// 429 `ApplicationThrottled` (reference §5, §6.1: 4 concurrent requests
    /// per app + mailbox). NOTE: the answers seen from Exchange carry no
    /// `innerError` (reference §6.2 [I24]), unlike Graph's sample.
    pub fn throttled(retry_after: &str) -> Self {
        Self::outlook_throttled("MailboxConcurrency", retry_after)
    }

    /// 429 `ApplicationThrottled` for one of Outlook's limits: observed
    /// wordings are "Application is over its MailboxConcurrency limit." and
    /// "... its IncomingBytes limit." (the 15 MB / 30 s upload limit); the
    /// request-count limit's wording is modelled on them (not seen).
    pub fn outlook_throttled(limit: &str, retry_after: &str) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ApplicationThrottled",
            format!("Application is over its {limit} limit."),
        );
        error.retry_after = Some(retry_after.to_owned());
        error.bare = true;
        error
    }

    /// 413 `RequestEntityTooLarge`: a request body over Graph's ~4 MB
    /// (reference §4.1; the message is the one quoted in
    /// microsoft-graph-docs-contrib issue 682).
    pub fn request_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "The maximum request length supported is 4MB.",
        )
    }

    /// `ErrorMessageSizeExceeded`: the message would pass the mailbox's
    /// `MaxSendSize` (wording from microsoft-graph-docs-contrib issue 2561,
    /// seen mid-upload; the status is not documented: 400 here).
    pub fn message_size_exceeded() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        )
    }

    /// 410 `syncStateNotFound`: a delta token Exchange no longer knows
    /// (reference §4.5, §5; learn.microsoft.com/graph/delta-query-overview).
    pub fn sync_state_not_found() -> Self {
        Self::new(
            StatusCode::GONE,
            "syncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        )
    }

    /// 411: `/send` without `Content-Length` (reference §8: `Content-Length: 0`
    /// is required; the 411 is HTTP's answer for it, RFC 9110 §15.5.12).
    pub fn length_required() -> Self {
        Self::new(
            StatusCode::LENGTH_REQUIRED,
            "LengthRequired",
            "Length Required: send Content-Length: 0 with an empty body.",
        )
    }

    /// 400 `InefficientFilter` (reference §4.4).
    pub fn inefficient_filter() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InefficientFilter",
            "The restriction or sort order is too complex for this operation.",
        )
    }

    /// 400 for a property the entity does not have.
    pub fn unknown_property(property: &str, entity: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "RequestBroker--ParseUri",
            format!(
                "Could not find a property named '{property}' on type 'Microsoft.OutlookServices.{entity}'."
            ),
        )
    }

    /// 400 `ErrorInvalidUrlQueryFilter`: a well-formed filter that cannot be applied.
    pub fn invalid_filter() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        )
    }

    /// 400 `ErrorInvalidUrlQuery`: a query option out of its range.
    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ErrorInvalidUrlQuery", message)
    }

    /// 400 `ErrorInvalidRecipients`.
    pub fn invalid_recipients(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ErrorInvalidRecipients", message)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Middleware: request IDs on every answer, Graph's JSON on every error.
pub async fn envelope(request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    // NOTE: Graph echoes the caller's client-request-id; without one it
    // answers with its own (reference §5).
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 256)
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    let method = request.method().clone();

    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<GraphError>() {
        response = render(&error, &request_id, &client_request_id);
    } else if (response.status().is_client_error() || response.status().is_server_error())
        && !is_json(&response)
    {
        // An answer axum made on its own (a path it could not decode, a
        // method the route lacks): give it Graph's shape too.
        let status = response.status();
        let text = axum::body::to_bytes(std::mem::take(response.body_mut()), 16 * 1024)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let error = match status {
            StatusCode::METHOD_NOT_ALLOWED => GraphError::new(
                status,
                "BadRequest",
                format!("Specified HTTP method '{method}' is not allowed for the request uri."),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => GraphError::new(status, "RequestEntityTooLarge", text),
            _ => GraphError::new(status, "BadRequest", text),
        };
        response = render(&error, &request_id, &client_request_id);
    }
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&client_request_id) {
        headers.insert("client-request-id", v);
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

pub fn render(error: &GraphError, request_id: &str, client_request_id: &str) -> Response {
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let body = if error.bare {
        json!({"error": {"code": error.code, "message": error.message}})
    } else {
        json!({
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        }
        })
    };
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = error.status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    if let Some(retry_after) = &error.retry_after
        && let Ok(v) = HeaderValue::from_str(retry_after)
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

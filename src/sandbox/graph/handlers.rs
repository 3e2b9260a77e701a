//! The Graph v1.0 mail endpoints (reference §4).
//!
//! Every call walks the same gate, in this order:
//! 1. the bearer token (401 `InvalidAuthenticationToken`), and that it
//!    holds application roles at all (401 `NoPermissionsInAccessToken`);
//! 2. the mailbox: unknown or in another tenant (404 `ErrorInvalidUser`),
//!    not reachable over REST (404 `MailboxNotEnabledForRESTAPI`);
//! 3. the application access policy (403 "Access to OData is disabled."),
//!    and RBAC for Applications, whose grants add to Entra's (`rbac`);
//! 4. the role this call needs (reference §4.1; 403 `ErrorAccessDenied`);
//! 5. the query options (400);
//! 6. Outlook's request window and, for a body, its upload window, then a
//!    concurrency slot for app + mailbox (each 429 `ApplicationThrottled`),
//!    then the mailbox latency, slept while holding the slot;
//! 7. the work, under the mailbox's lock, with no `.await` inside.
//!
//! Request bodies over Graph's ~4 MB limit are refused with 413 before they
//! are parsed (reference §4.1).
//!
//! Paths match Graph's spelling and its all-lower-case spelling
//! (`mailFolders` / `mailfolders`); user segments are percent-decoded and
//! matched without regard to case.

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{OriginalUri, Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{MethodRouter, any, get, post},
};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::GraphHost;
use super::errors::{self, GraphError, ODATA_JSON};
use super::limits::Slot;
use super::outgoing;
use super::query::{Entity, MAX_TOP, QueryOptions, Val, order, order_keys, sort_keys};
use super::resource::{
    FolderRecord, MessageJson, MessageRecord, Shape, View, folder_record, message_json,
    root_parent_id,
};
use super::send;
use super::store::{Contents, Mailbox, ROOT};
use crate::sandbox::{AccessClaims, BearerError};

/// Default page size of folder and message collections (reference §4.3, §4.4).
const DEFAULT_PAGE: usize = 10;

pub fn router<H: GraphHost>() -> Router<Arc<H>> {
    let routes: Vec<(&str, MethodRouter<Arc<H>>)> = vec![
        ("/v1.0/users/{user}", get(get_user::<H>)),
        ("/v1.0/users/{user}/mailFolders", get(list_top_folders::<H>)),
        (
            "/v1.0/users/{user}/mailFolders/{folder}",
            get(get_folder::<H>),
        ),
        (
            "/v1.0/users/{user}/mailFolders/{folder}/childFolders",
            get(list_child_folders::<H>),
        ),
        (
            "/v1.0/users/{user}/mailFolders/{folder}/messages",
            get(list_folder_messages::<H>).post(create_draft_in_folder::<H>),
        ),
        (
            "/v1.0/users/{user}/mailFolders/{folder}/messages/{id}",
            get(get_folder_message::<H>),
        ),
        (
            "/v1.0/users/{user}/messages",
            get(list_all_messages::<H>).post(create_draft::<H>),
        ),
        (
            "/v1.0/users/{user}/messages/{id}",
            get(get_message::<H>)
                .patch(update_message::<H>)
                .delete(delete_message::<H>),
        ),
        (
            "/v1.0/users/{user}/mailFolders/{folder}/messages/delta",
            get(super::delta::delta::<H>),
        ),
        // OData's function-call spelling, which Microsoft's SDKs send.
        (
            "/v1.0/users/{user}/mailFolders/{folder}/messages/delta()",
            get(super::delta::delta::<H>),
        ),
        (
            "/v1.0/users/{user}/messages/{id}/attachments/createUploadSession",
            post(super::upload::create_session::<H>),
        ),
        (
            "/v1.0/users/{user}/messages/{id}/send",
            post(send_draft::<H>),
        ),
        (
            "/v1.0/users/{user}/messages/{id}/move",
            post(move_message::<H>),
        ),
        (
            "/v1.0/users/{user}/messages/{id}/attachments",
            get(list_attachments::<H>).post(add_attachment::<H>),
        ),
        ("/v1.0/users/{user}/sendMail", post(send_mail::<H>)),
    ];
    let mut router = Router::new();
    for (path, method_router) in routes {
        let lower = path.to_ascii_lowercase();
        if lower != path {
            router = router.route(&lower, method_router.clone());
        }
        router = router.route(path, method_router);
    }
    router
        .route("/v1.0/$batch", post(super::batch::batch::<H>))
        .route("/v1.0/me", any(me))
        .route("/v1.0/me/{*rest}", any(me))
        .route("/v1.0/{*rest}", any(unknown_segment))
        .layer(middleware::from_fn(errors::envelope))
}

/// Which application permissions a call accepts (reference §4.1).
#[derive(Debug, Clone, Copy)]
pub(super) enum Need {
    /// Listing folders and messages: Mail.ReadBasic(.All) is enough.
    ReadBasic,
    /// Attachments: Mail.Read or Mail.ReadWrite.
    Read,
    /// Drafts, moves, updates: Mail.ReadWrite.
    Write,
    /// sendMail and /send: Mail.Send.
    Send,
}

const READ_ROLES: &[&str] = &["Mail.Read", "Mail.ReadWrite"];

impl Need {
    fn roles(self) -> &'static [&'static str] {
        match self {
            Need::ReadBasic => &[
                "Mail.ReadBasic.All",
                "Mail.ReadBasic",
                "Mail.Read",
                "Mail.ReadWrite",
            ],
            Need::Read => READ_ROLES,
            Need::Write => &["Mail.ReadWrite"],
            Need::Send => &["Mail.Send"],
        }
    }
}

fn has_any(roles: &[String], wanted: &[&str]) -> bool {
    roles
        .iter()
        .any(|r| wanted.iter().any(|w| r.eq_ignore_ascii_case(w)))
}

/// The `Prefer` header's preferences this sandbox honours.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Prefer {
    pub(super) immutable: bool,
    text_body: bool,
    pub(super) max_page: Option<usize>,
}

impl Prefer {
    fn parse(headers: &HeaderMap) -> Prefer {
        let mut prefer = Prefer::default();
        for value in headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for item in value.split(',') {
                let Some((key, val)) = item.split_once('=') else {
                    continue;
                };
                let key = key.trim().to_ascii_lowercase();
                let val = val.trim().trim_matches('"');
                match key.as_str() {
                    "idtype" => prefer.immutable = val.eq_ignore_ascii_case("ImmutableId"),
                    "outlook.body-content-type" => {
                        prefer.text_body = val.eq_ignore_ascii_case("text")
                    }
                    "odata.maxpagesize" => {
                        prefer.max_page = val.parse::<usize>().ok().map(|n| n.clamp(1, MAX_TOP));
                    }
                    _ => {}
                }
            }
        }
        prefer
    }

    /// The `Preference-Applied` header value, when one applied.
    fn applied(&self, paged: bool) -> Option<String> {
        let mut applied = Vec::new();
        if self.immutable {
            applied.push("IdType=\"ImmutableId\"".to_owned());
        }
        if self.text_body {
            applied.push("outlook.body-content-type=\"text\"".to_owned());
        }
        if let (true, Some(n)) = (paged, self.max_page) {
            applied.push(format!("odata.maxpagesize={n}"));
        }
        (!applied.is_empty()).then(|| applied.join(", "))
    }
}

/// One call that passed the gate up to the role check.
pub(super) struct Call<'a> {
    pub(super) mailbox: &'a Mailbox,
    pub(super) claims: AccessClaims,
    pub(super) prefer: Prefer,
    pub(super) view: View,
    _slot: Option<Slot>,
}

fn authenticate<H: GraphHost>(host: &H, headers: &HeaderMap) -> Result<AccessClaims, GraphError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    let claims = host.verify_bearer(authorization).map_err(|e| {
        #[allow(unreachable_patterns)]
        let message = match e {
            BearerError::Missing => "Access token is empty.",
            BearerError::Malformed => "CompactToken parsing failed with error code: 80049217",
            BearerError::BadSignature => "Access token validation failure.",
            BearerError::Expired => "Lifetime validation failed, the token is expired.",
            BearerError::WrongAudience => "Access token validation failure. Invalid audience.",
            _ => "Access token validation failure.",
        };
        GraphError::invalid_token(message)
    })?;
    // RBAC for Applications grants never show in `roles` (rbac.rs).
    if claims.roles.is_empty() && !host.graph().rbac.has_assignments(&claims.app_id) {
        return Err(GraphError::no_permissions());
    }
    Ok(claims)
}

/// Steps 1-4 of the gate (see the module note).
pub(super) fn enter<'a, H: GraphHost>(
    host: &'a H,
    headers: &HeaderMap,
    user: &str,
    kind: &str,
    need: Need,
) -> Result<Call<'a>, GraphError> {
    let graph = host.graph();
    let resolved = graph.store.resolve(user);
    let label = resolved
        .map(|m| m.address.clone())
        .unwrap_or_else(|| user.trim().to_ascii_lowercase());
    host.count(kind, Some(&label));
    let mut claims = authenticate(host, headers)?;
    let mailbox = match resolved {
        Some(m)
            if m.tenant
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(&claims.tenant_id)) =>
        {
            m
        }
        _ => return Err(GraphError::invalid_user(user)),
    };
    if !mailbox.rest_api_enabled {
        return Err(GraphError::mailbox_not_enabled());
    }
    // Step 3: Entra's roles as the access policy lets them through, plus
    // what RBAC for Applications grants on this mailbox (rbac.rs).
    let policy_allows = graph.store.policy_allows(&claims.app_id, mailbox);
    claims.roles =
        graph
            .rbac
            .effective_roles(&claims.app_id, &claims.roles, policy_allows, mailbox)?;
    if !has_any(&claims.roles, need.roles()) {
        return Err(GraphError::access_denied());
    }
    let prefer = Prefer::parse(headers);
    let view = View {
        immutable_ids: prefer.immutable,
        text_body: prefer.text_body,
        basic_only: !has_any(&claims.roles, READ_ROLES),
    };
    Ok(Call {
        mailbox,
        claims,
        prefer,
        view,
        _slot: None,
    })
}

impl Call<'_> {
    /// Step 6 for a call without a body.
    pub(super) async fn admit<H: GraphHost>(&mut self, host: &H) -> Result<(), GraphError> {
        self.admit_sized(host, 0).await
    }

    /// Step 6: the request and upload windows (`body` bytes), a concurrency
    /// slot, then the latency while holding it.
    pub(super) async fn admit_sized<H: GraphHost>(
        &mut self,
        host: &H,
        body: usize,
    ) -> Result<(), GraphError> {
        let limits = &host.graph().limits;
        let windows = limits
            .admit_request(&self.claims.app_id, self.mailbox.index)
            .and_then(|()| {
                limits.admit_upload(&self.claims.app_id, self.mailbox.index, body as u64)
            });
        if let Err(e) = windows {
            host.count("graph.throttled", Some(&self.mailbox.address));
            return Err(e);
        }
        let slot = match limits.acquire(&self.claims.app_id, self.mailbox.index) {
            Ok(slot) => slot,
            Err(e) => {
                host.count("graph.throttled", Some(&self.mailbox.address));
                return Err(e);
            }
        };
        self._slot = Some(slot);
        crate::sandbox::delay::wait(limits.latency(self.mailbox.index)).await;
        Ok(())
    }
}

pub(super) fn json_response(
    status: StatusCode,
    body: &Value,
    prefer: &Prefer,
    paged: bool,
) -> Response {
    bytes_response(status, body.to_string().into_bytes(), prefer, paged)
}

/// [`json_response`] for a body already written as JSON.
fn bytes_response(status: StatusCode, body: Vec<u8>, prefer: &Prefer, paged: bool) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    if let Some(applied) = prefer
        .applied(paged)
        .and_then(|a| HeaderValue::from_str(&a).ok())
    {
        headers.insert("preference-applied", applied);
    }
    response
}

fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

/// Scheme + host for absolute URLs (`@odata.nextLink`, `@odata.context`).
pub(super) fn base_url<H: GraphHost>(host: &H, headers: &HeaderMap, uri: &Uri) -> String {
    if let Some(base) = host.graph().public_base_url() {
        return base;
    }
    let authority = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or(host.scheme());
    format!("{scheme}://{authority}")
}

pub(super) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Paging state of one collection answer.
struct Page {
    range: Range<usize>,
    next_skip: Option<usize>,
}

fn page(total: usize, options: &QueryOptions, prefer: &Prefer) -> Page {
    let size = options.top.or(prefer.max_page).unwrap_or(DEFAULT_PAGE);
    let start = options.skip.min(total);
    let end = start.saturating_add(size).min(total);
    Page {
        range: start..end,
        next_skip: (end < total).then_some(end),
    }
}

/// Builds the collection answer; the nextLink repeats every query option
/// and carries `$skip` (reference §4.4: clients must use it as is).
fn collection(
    base: &str,
    uri: &Uri,
    context: &str,
    options: &QueryOptions,
    values: Vec<Value>,
    total: usize,
    next_skip: Option<usize>,
) -> Value {
    let mut map = head(base, uri, context, options, total, next_skip);
    map.insert("value".into(), Value::Array(values));
    Value::Object(map)
}

/// A collection answer's properties but `value`: `@odata.context`,
/// `@odata.count` when asked, `@odata.nextLink` when more follow.
fn head(
    base: &str,
    uri: &Uri,
    context: &str,
    options: &QueryOptions,
    total: usize,
    next_skip: Option<usize>,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(
        "@odata.context".into(),
        json!(format!("{base}/v1.0/$metadata#{context}")),
    );
    if options.count {
        map.insert("@odata.count".into(), json!(total));
    }
    if let Some(skip) = next_skip {
        let mut parts: Vec<String> = options
            .pairs
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skip"))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        parts.push(format!("%24skip={skip}"));
        map.insert(
            "@odata.nextLink".into(),
            json!(format!("{base}{}?{}", uri.path(), parts.join("&"))),
        );
    }
    map
}

/// A collection answer written straight to JSON: [`head`]'s properties,
/// then `value` (by name, as a `serde_json::Map` orders them).
struct CollectionJson<'a, T> {
    head: &'a Map<String, Value>,
    value: &'a [T],
}

impl<T: Serialize> Serialize for CollectionJson<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.head.len() + 1))?;
        for (k, v) in self.head {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("value", self.value)?;
        map.end()
    }
}

pub(super) fn user_context(user: &str) -> String {
    format!("users('{}')", encode(user))
}

/// Reads a request body within Graph's request limit (reference §4.1): a
/// `Content-Length` over it is refused before a byte is read.
pub(super) async fn read_body<H: GraphHost>(
    host: &H,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, GraphError> {
    let limit = host.graph().limits.max_request_bytes();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(GraphError::request_too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| GraphError::request_too_large())
}

// ---- users -------------------------------------------------------------

/// `GET /users/{u}`: a directory call (User.Read.All and the like, not Mail.*).
async fn get_user<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(user): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let graph = host.graph();
    let resolved = graph.store.resolve(&user);
    host.count("graph.user", resolved.map(|m| m.address.as_str()));
    let claims = authenticate(&*host, &headers)?;
    const DIRECTORY_ROLES: &[&str] = &[
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ];
    if !has_any(&claims.roles, DIRECTORY_ROLES) {
        return Err(GraphError::directory_denied());
    }
    let Some(m) = resolved.filter(|m| {
        m.tenant
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case(&claims.tenant_id))
    }) else {
        return Err(GraphError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{user}' does not exist or one of its queried reference-property objects are not present."
            ),
        ));
    };
    let body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", base_url(&*host, &headers, &uri)),
        "id": m.id,
        "displayName": m.display_name,
        "mail": m.address,
        "userPrincipalName": m.address,
    });
    Ok(json_response(
        StatusCode::OK,
        &body,
        &Prefer::default(),
        false,
    ))
}

async fn me() -> GraphError {
    // NOTE: app-only calls cannot use /me (reference §4.0).
    GraphError::bad_request("/me request is only valid with delegated authentication flow.")
}

async fn unknown_segment(OriginalUri(uri): OriginalUri) -> GraphError {
    let segment = uri
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    GraphError::bad_request(format!("Resource not found for the segment '{segment}'."))
}

// ---- mailFolders -------------------------------------------------------

async fn list_top_folders<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list_folders(&*host, &headers, &uri, &user, None, query.as_deref()).await
}

async fn list_child_folders<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list_folders(
        &*host,
        &headers,
        &uri,
        &user,
        Some(&folder),
        query.as_deref(),
    )
    .await
}

/// `GET /mailFolders` (children of msgfolderroot, reference §4.3) and
/// `GET /mailFolders/{id}/childFolders`.
async fn list_folders<H: GraphHost>(
    host: &H,
    headers: &HeaderMap,
    uri: &Uri,
    user: &str,
    parent: Option<&str>,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let kind = if parent.is_some() {
        "graph.childFolders"
    } else {
        "graph.mailFolders"
    };
    let mut call = enter(host, headers, user, kind, Need::ReadBasic)?;
    let options = QueryOptions::parse(query, Entity::MailFolder)?;
    call.admit(host).await?;
    let base = base_url(host, headers, uri);
    let body = {
        let contents = call.mailbox.lock();
        render_folders(&contents, parent, &options, &call.prefer, &base, uri, user)?
    };
    Ok(json_response(StatusCode::OK, &body, &call.prefer, true))
}

fn render_folders(
    contents: &Contents,
    parent: Option<&str>,
    options: &QueryOptions,
    prefer: &Prefer,
    base: &str,
    uri: &Uri,
    user: &str,
) -> Result<Value, GraphError> {
    let parent_index = match parent {
        None => ROOT,
        Some(reference) => contents
            .folder(reference)
            .ok_or_else(GraphError::item_not_found)?,
    };
    let counts = contents.counts();
    let root_parent = root_parent_id(contents);
    let mut records: Vec<FolderRecord<'_>> = contents
        .children(parent_index)
        .filter_map(|i| folder_record(contents, i, &counts, &root_parent))
        .filter(|r| options.include_hidden || !r.folder.hidden)
        .filter(|r| options.filter.as_ref().is_none_or(|f| f.matches(r)))
        .collect();
    if !options.orderby.is_empty() {
        records.sort_by(|a, b| order(a, b, &options.orderby));
    }
    let total = records.len();
    let page = page(total, options, prefer);
    let values = records[page.range]
        .iter()
        .map(|r| r.to_json(options.select.as_deref()))
        .collect();
    let context = match parent {
        None => format!("{}/mailFolders", user_context(user)),
        Some(p) => format!(
            "{}/mailFolders('{}')/childFolders",
            user_context(user),
            encode(p)
        ),
    };
    Ok(collection(
        base,
        uri,
        &context,
        options,
        values,
        total,
        page.next_skip,
    ))
}

/// `GET /mailFolders/{id | well-known name}`.
async fn get_folder<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let host = &*host;
    // NOTE: Mail.ReadBasic.All is enough (microsoft-graph-docs-contrib,
    // includes/permissions/mailfolder-get-permissions.md; reference §4.1).
    let mut call = enter(host, &headers, &user, "graph.mailFolder", Need::ReadBasic)?;
    let options = QueryOptions::parse(query.as_deref(), Entity::MailFolder)?;
    call.admit(host).await?;
    let base = base_url(host, &headers, &uri);
    let body = {
        let contents = call.mailbox.lock();
        let index = contents
            .folder(&folder)
            .ok_or_else(GraphError::item_not_found)?;
        let counts = contents.counts();
        let root_parent = root_parent_id(&contents);
        let record = folder_record(&contents, index, &counts, &root_parent)
            .ok_or_else(GraphError::item_not_found)?;
        let mut value = record.to_json(options.select.as_deref());
        if let Value::Object(map) = &mut value {
            map.insert(
                "@odata.context".into(),
                json!(format!(
                    "{base}/v1.0/$metadata#{}/mailFolders/$entity",
                    user_context(&user)
                )),
            );
        }
        value
    };
    Ok(json_response(StatusCode::OK, &body, &call.prefer, false))
}

// ---- messages ----------------------------------------------------------

async fn list_folder_messages<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list_messages(
        &*host,
        &headers,
        &uri,
        &user,
        Some(&folder),
        query.as_deref(),
    )
    .await
}

async fn list_all_messages<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(user): Path<String>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list_messages(&*host, &headers, &uri, &user, None, query.as_deref()).await
}

/// `GET /mailFolders/{id}/messages` and `GET /messages` (reference §4.4).
async fn list_messages<H: GraphHost>(
    host: &H,
    headers: &HeaderMap,
    uri: &Uri,
    user: &str,
    folder: Option<&str>,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let mut call = enter(host, headers, user, "graph.messages", Need::ReadBasic)?;
    let options = QueryOptions::parse(query, Entity::Message)?;
    options.check_efficient()?;
    call.admit(host).await?;
    let base = base_url(host, headers, uri);
    let body = {
        let contents = call.mailbox.lock();
        render_messages(&contents, folder, &options, &call, &base, uri, user)?
    };
    Ok(bytes_response(StatusCode::OK, body, &call.prefer, true))
}

fn render_messages(
    contents: &Contents,
    folder: Option<&str>,
    options: &QueryOptions,
    call: &Call<'_>,
    base: &str,
    uri: &Uri,
    user: &str,
) -> Result<Vec<u8>, GraphError> {
    let folder_index = match folder {
        None => None,
        Some(reference) => Some(
            contents
                .folder(reference)
                .ok_or_else(GraphError::item_not_found)?,
        ),
    };
    // Sized for the mailbox: growing a 10,000-record list by doubling cost
    // more than the filter.
    let mut records: Vec<MessageRecord<'_>> = Vec::with_capacity(contents.messages.len());
    records.extend(
        contents
            .messages
            .iter()
            .filter(|m| folder_index.is_none_or(|f| m.folder == f))
            .map(|m| MessageRecord {
                message: m,
                folder_id: contents
                    .folders
                    .get(m.folder)
                    .map(|f| f.id.as_str())
                    .unwrap_or(""),
                view: call.view,
            })
            .filter(|r| options.filter.as_ref().is_none_or(|f| f.matches(r))),
    );
    let total = records.len();
    let page = page(total, options, &call.prefer);
    let shape = Shape::new(call.view, options.select.as_deref());
    // Insertion order (`seq`) breaks every tie, so each order is total and
    // only the page's records need their places.
    let values: Vec<MessageJson<'_>> = if options.orderby.is_empty() {
        // Newest first, as Graph lists mail by default.
        order_range(&mut records, page.range.clone(), |a, b| {
            b.message
                .received
                .cmp(&a.message.received)
                .then(b.message.seq.cmp(&a.message.seq))
        });
        records[page.range]
            .iter()
            .map(|r| r.to_json(&shape))
            .collect()
    } else {
        // Each record's `$orderby` values once, not once per comparison.
        let width = options.orderby.len();
        // (In one list: a list per record was 10,000 allocations a page.)
        let mut keys: Vec<Val<'static>> = Vec::with_capacity(total * width);
        for r in &records {
            sort_keys(r, &options.orderby, &mut keys);
        }
        let key = |i: usize| &keys[i * width..(i + 1) * width];
        let mut indices: Vec<usize> = (0..total).collect();
        order_range(&mut indices, page.range.clone(), |&a, &b| {
            order_keys(key(a), key(b), &options.orderby)
                .then(records[a].message.seq.cmp(&records[b].message.seq))
        });
        indices[page.range]
            .iter()
            .map(|&i| records[i].to_json(&shape))
            .collect()
    };
    let context = match folder {
        None => format!("{}/messages", user_context(user)),
        Some(f) => format!(
            "{}/mailFolders('{}')/messages",
            user_context(user),
            encode(f)
        ),
    };
    let head = head(base, uri, &context, options, total, page.next_skip);
    Ok(serde_json::to_vec(&CollectionJson {
        head: &head,
        value: &values,
    })
    .unwrap_or_default())
}

/// Puts the items of `range` where a full sort by `cmp` (a total order)
/// would, in order, leaving the rest unsorted: a page of 1,000 of 10,000
/// costs two linear selections and a sort of the page, not a sort of all.
fn order_range<T>(items: &mut [T], range: Range<usize>, cmp: impl Fn(&T, &T) -> Ordering) {
    if range.is_empty() {
        return;
    }
    if range.start > 0 {
        items.select_nth_unstable_by(range.start, &cmp);
    }
    let rest = &mut items[range.start..];
    let len = range.len();
    if len < rest.len() {
        rest.select_nth_unstable_by(len, &cmp);
    }
    rest[..len].sort_unstable_by(&cmp);
}

async fn get_message<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    one_message(&*host, &headers, &uri, &user, None, &id, query.as_deref()).await
}

async fn get_folder_message<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder, id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    one_message(
        &*host,
        &headers,
        &uri,
        &user,
        Some(&folder),
        &id,
        query.as_deref(),
    )
    .await
}

/// `GET /messages/{id}`: by REST or immutable ID; reading never marks read.
#[allow(clippy::too_many_arguments)]
async fn one_message<H: GraphHost>(
    host: &H,
    headers: &HeaderMap,
    uri: &Uri,
    user: &str,
    folder: Option<&str>,
    id: &str,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let mut call = enter(host, headers, user, "graph.message", Need::ReadBasic)?;
    let options = QueryOptions::parse(query, Entity::Message)?;
    call.admit(host).await?;
    let base = base_url(host, headers, uri);
    let body = {
        let contents = call.mailbox.lock();
        let index = contents
            .message(id)
            .ok_or_else(GraphError::item_not_found)?;
        let m = &contents.messages[index];
        if let Some(reference) = folder
            && contents.folder(reference) != Some(m.folder)
        {
            return Err(GraphError::item_not_found());
        }
        let folder_id = contents
            .folders
            .get(m.folder)
            .map(|f| f.id.as_str())
            .unwrap_or("");
        let mut value = message_json(m, folder_id, call.view, options.select.as_deref());
        if let Value::Object(map) = &mut value {
            map.insert(
                "@odata.context".into(),
                json!(format!(
                    "{base}/v1.0/$metadata#{}/messages/$entity",
                    user_context(user)
                )),
            );
        }
        value
    };
    Ok(json_response(StatusCode::OK, &body, &call.prefer, false))
}

/// `GET /messages/{id}/attachments` (Mail.Read; ReadBasic excludes attachments).
async fn list_attachments<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    use base64::Engine;
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.attachments", Need::Read)?;
    call.admit(host).await?;
    let body = {
        let contents = call.mailbox.lock();
        let index = contents
            .message(&id)
            .ok_or_else(GraphError::item_not_found)?;
        let m = &contents.messages[index];
        let values: Vec<Value> = m
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "id": a.id,
                    "lastModifiedDateTime": super::resource::iso(m.modified),
                    "name": a.name,
                    "contentType": a.content_type,
                    "size": a.bytes.len(),
                    "isInline": a.is_inline,
                    "contentId": a.content_id,
                    "contentBytes": base64::engine::general_purpose::STANDARD.encode(&a.bytes),
                })
            })
            .collect();
        json!({ "value": values })
    };
    Ok(json_response(StatusCode::OK, &body, &call.prefer, false))
}

// ---- drafts, updates, moves ---------------------------------------------

fn rendered(call: &Call<'_>, message: &super::store::Message, folder_id: &str) -> Value {
    message_json(message, folder_id, call.view, None)
}

async fn create_draft<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    draft(&*host, &headers, &user, None, body).await
}

async fn create_draft_in_folder<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    draft(&*host, &headers, &user, Some(&folder), body).await
}

/// `POST /messages`: 201 with the draft (Mail.ReadWrite, reference §4.1).
async fn draft<H: GraphHost>(
    host: &H,
    headers: &HeaderMap,
    user: &str,
    folder: Option<&str>,
    body: Body,
) -> Result<Response, GraphError> {
    let mut call = enter(host, headers, user, "graph.createDraft", Need::Write)?;
    let bytes = read_body(host, headers, body).await?;
    let out = outgoing::parse_message(&bytes)?;
    call.admit_sized(host, bytes.len()).await?;
    let (message, folder_id) = send::create_draft(call.mailbox, folder, out, host.now())?;
    Ok(json_response(
        StatusCode::CREATED,
        &rendered(&call, &message, &folder_id),
        &call.prefer,
        false,
    ))
}

/// `PATCH /messages/{id}` (reference §4.6).
async fn update_message<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.update", Need::Write)?;
    let bytes = read_body(host, &headers, body).await?;
    let out = outgoing::parse_message(&bytes)?;
    call.admit_sized(host, bytes.len()).await?;
    let (message, folder_id) = send::update_message(call.mailbox, &id, out, host.now())?;
    Ok(json_response(
        StatusCode::OK,
        &rendered(&call, &message, &folder_id),
        &call.prefer,
        false,
    ))
}

/// `POST /messages/{id}/move`: 201 with the moved message (reference §4.7).
async fn move_message<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.move", Need::Write)?;
    let bytes = read_body(host, &headers, body).await?;
    let destination = outgoing::parse_destination(&bytes)?;
    call.admit_sized(host, bytes.len()).await?;
    let (message, folder_id) = send::move_message(call.mailbox, &id, &destination, host.now())?;
    Ok(json_response(
        StatusCode::CREATED,
        &rendered(&call, &message, &folder_id),
        &call.prefer,
        false,
    ))
}

// ---- sending -----------------------------------------------------------

/// `POST /sendMail`: 202, empty body (reference §4.8).
async fn send_mail<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.sendMail", Need::Send)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let bytes = read_body(host, &headers, body).await?;
    let request = outgoing::parse_send_mail(&bytes, content_type)?;
    call.admit_sized(host, bytes.len()).await?;
    send::send_new(host.graph(), call.mailbox, request, host.now())?;
    Ok(accepted())
}

/// `POST /messages/{id}/send`: 202; the draft moves to Sent Items (reference §8).
async fn send_draft<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.send", Need::Send)?;
    // NOTE: the documented request carries `Content-Length: 0` (reference §8,
    // learn.microsoft.com/graph/api/message-send); without it the front end
    // cannot tell an empty body from a missing one.
    if !headers.contains_key(header::CONTENT_LENGTH)
        && !headers.contains_key(header::TRANSFER_ENCODING)
    {
        return Err(GraphError::length_required());
    }
    call.admit(host).await?;
    send::send_draft(host.graph(), call.mailbox, &id, host.now())?;
    Ok(accepted())
}

/// `DELETE /messages/{id}`: 204 No Content (learn.microsoft.com/graph/api/message-delete).
async fn delete_message<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.delete", Need::Write)?;
    call.admit(host).await?;
    send::delete_message(call.mailbox, &id, host.now())?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /messages/{id}/attachments`: one `fileAttachment` under 3 MB, 201
/// with the attachment (learn.microsoft.com/graph/api/message-post-attachments).
async fn add_attachment<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.addAttachment", Need::Write)?;
    let bytes = read_body(host, &headers, body).await?;
    let attachment = outgoing::parse_attachment(&bytes)?;
    call.admit_sized(host, bytes.len()).await?;
    let max = host.graph().max_message_bytes(call.mailbox);
    let (a, now) = send::add_attachment(call.mailbox, &id, attachment, max, host.now())?;
    let body = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": a.id,
        "lastModifiedDateTime": super::resource::iso(now),
        "name": a.name,
        "contentType": a.content_type,
        "size": a.bytes.len(),
        "isInline": a.is_inline,
        "contentId": a.content_id,
    });
    Ok(json_response(
        StatusCode::CREATED,
        &body,
        &call.prefer,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_ordered_as_a_full_sort_would_order_it() {
        // Duplicated keys, tied by position as `seq` ties messages.
        let items: Vec<(u32, usize)> = (0..97).map(|i| ((i * 37 % 11) as u32, i)).collect();
        let cmp = |a: &(u32, usize), b: &(u32, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        let mut sorted = items.clone();
        sorted.sort_by(cmp);
        for range in [0..0, 0..10, 0..97, 10..20, 90..97, 96..97, 40..41, 5..96] {
            let mut partial = items.clone();
            order_range(&mut partial, range.clone(), cmp);
            assert_eq!(partial[range.clone()], sorted[range.clone()], "{range:?}");
        }
    }
}

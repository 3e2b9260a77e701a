//! Delta queries for the messages of one folder
//! (learn.microsoft.com/graph/api/message-delta,
//! learn.microsoft.com/graph/delta-query-messages; reference §4.5):
//! `GET /v1.0/users/{u}/mailFolders/{id}/messages/delta`.
//!
//! - The first call (no token) returns every message of the folder; later
//!   rounds return what was created or changed there since, and what left it
//!   (deleted or moved away) as `{"id", "@removed": {"reason": "deleted"}}`.
//! - Pages end in `@odata.nextLink` (`$skiptoken`) until the last, which ends
//!   in `@odata.deltaLink` (`$deltatoken`) for the next round. Query options
//!   (`$select`, `changeType`) are given on the first call only and are kept
//!   in the tokens; page size comes from `Prefer: odata.maxpagesize` (or
//!   `$top`), 10 by default.
//! - Tokens live in the running sandbox: they survive any number of client
//!   restarts, not a sandbox restart. An unknown token, or every token once
//!   `delta_tokens_expire` is set, answers 410 `syncStateNotFound`: the sync
//!   state is gone and the client must start over (reference §4.5, §5).
//!
//! Limits: `$filter`, `$orderby` and `$expand` on delta are refused (400);
//! changes are reported once per round, never replayed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::{
    extract::{OriginalUri, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::GraphHost;
use super::errors::GraphError;
use super::handlers::{Need, base_url, enter, json_response};
use super::query::{Entity, MAX_TOP, parse_select};
use super::resource::message_json;
use super::store::Contents;

/// Default page size of a delta round (as for message lists, reference §4.4).
const DEFAULT_PAGE: usize = 10;

/// Which changes a chain asks for (`changeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeType {
    Created,
    Updated,
    Deleted,
}

/// The sticky part of a delta chain.
#[derive(Debug, Clone)]
struct Chain {
    mailbox: u32,
    folder: usize,
    select: Option<Vec<&'static str>>,
    change_type: Option<ChangeType>,
    /// `$top` of the first call: the page size when no `Prefer` says otherwise.
    top: Option<usize>,
}

/// One change to report: a message there (its IDs at the snapshot), or one that left.
#[derive(Debug, Clone)]
struct Entry {
    rest_id: String,
    immutable_id: String,
    /// Left the folder (else: created or changed there).
    removed: bool,
}

/// A round being paged.
struct Round {
    chain: Chain,
    entries: Vec<Entry>,
    offset: usize,
    /// The change counter the round was taken at: the next round's start.
    watermark: u64,
}

/// The delta and skip tokens the sandbox handed out.
#[derive(Default)]
pub struct DeltaTokens {
    inner: Mutex<Tokens>,
}

#[derive(Default)]
struct Tokens {
    /// `$deltatoken` → (chain, watermark).
    delta: HashMap<String, (Chain, u64)>,
    /// `$skiptoken` → the round it continues.
    skip: HashMap<String, Round>,
}

impl DeltaTokens {
    /// Forgets every token: the next use of one answers 410.
    pub fn forget_all(&self) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.delta.clear();
        t.skip.clear();
    }

    /// (delta tokens, skip tokens) held.
    pub fn counts(&self) -> (usize, usize) {
        let t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (t.delta.len(), t.skip.len())
    }
}

fn new_token() -> String {
    let raw: Vec<u8> = (0..24).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// The query of one delta call.
#[derive(Default)]
struct DeltaQuery {
    delta_token: Option<String>,
    skip_token: Option<String>,
    select: Option<Vec<&'static str>>,
    change_type: Option<ChangeType>,
    top: Option<usize>,
}

fn parse_query(raw: Option<&str>) -> Result<DeltaQuery, GraphError> {
    let mut q = DeltaQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.to_ascii_lowercase().as_str() {
            "$deltatoken" => q.delta_token = Some(value.into_owned()),
            "$skiptoken" => q.skip_token = Some(value.into_owned()),
            "$select" => q.select = Some(parse_select(&value, Entity::Message)?),
            "$top" => {
                let top: usize = value.trim().parse().map_err(|_| {
                    GraphError::bad_request(format!(
                        "Invalid value '{value}' for query option '$top'."
                    ))
                })?;
                q.top = Some(top.clamp(1, MAX_TOP));
            }
            "changetype" => {
                q.change_type = Some(match value.to_ascii_lowercase().as_str() {
                    "created" => ChangeType::Created,
                    "updated" => ChangeType::Updated,
                    "deleted" => ChangeType::Deleted,
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "changeType must be created, updated or deleted, not '{value}'."
                        )));
                    }
                });
            }
            other if other.starts_with('$') => {
                return Err(GraphError::bad_request(format!(
                    "The sandbox's delta does not support the query option '{key}'."
                )));
            }
            _ => {}
        }
    }
    Ok(q)
}

/// The changes of `chain`'s folder after `since` (`None`: the first round,
/// every message there now).
fn collect(contents: &Contents, chain: &Chain, since: Option<u64>) -> Vec<Entry> {
    let mut live: Vec<(i64, u64, String, String)> = contents
        .messages
        .iter()
        .filter(|m| m.folder == chain.folder)
        .filter(|m| match (since, chain.change_type) {
            (None, Some(ChangeType::Deleted)) => false,
            (None, _) => true,
            (Some(w), None) => m.changed_v > w,
            (Some(w), Some(ChangeType::Created)) => m.created_v > w,
            (Some(w), Some(ChangeType::Updated)) => m.created_v <= w && m.changed_v > w,
            (Some(_), Some(ChangeType::Deleted)) => false,
        })
        .map(|m| (m.received, m.seq, m.rest_id.clone(), m.immutable_id.clone()))
        .collect();
    live.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut entries: Vec<Entry> = live
        .into_iter()
        .map(|(_, _, rest_id, immutable_id)| Entry {
            rest_id,
            immutable_id,
            removed: false,
        })
        .collect();
    let wants_removals = matches!(chain.change_type, None | Some(ChangeType::Deleted));
    if let (Some(w), true) = (since, wants_removals) {
        let mut seen = std::collections::HashSet::new();
        for t in contents.tombstones.iter().rev() {
            if t.folder != chain.folder || t.at <= w || !seen.insert(t.immutable_id.clone()) {
                continue;
            }
            // A message that left and came back is reported as it is now.
            let back = contents
                .message(&t.immutable_id)
                .map(|i| &contents.messages[i])
                .is_some_and(|m| m.folder == chain.folder);
            if !back {
                entries.push(Entry {
                    rest_id: t.rest_id.clone(),
                    immutable_id: t.immutable_id.clone(),
                    removed: true,
                });
            }
        }
    }
    entries
}

/// `GET /mailFolders/{id}/messages/delta` (Mail.ReadBasic.All is enough, reference §4.1).
pub async fn delta<H: GraphHost>(
    State(host): State<Arc<H>>,
    Path((user, folder)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let host = &*host;
    let mut call = enter(host, &headers, &user, "graph.delta", Need::ReadBasic)?;
    let query = parse_query(raw.as_deref())?;
    call.admit(host).await?;
    let graph = host.graph();
    let expire_all = graph.limits.seed().delta_tokens_expire;

    let contents = call.mailbox.lock();
    let folder_index = contents
        .folder(&folder)
        .ok_or_else(GraphError::item_not_found)?;
    let mut tokens = graph.delta.inner.lock().unwrap_or_else(|e| e.into_inner());
    let same_folder =
        |chain: &Chain| chain.mailbox == call.mailbox.index && chain.folder == folder_index;
    let mut round = if let Some(skip) = &query.skip_token {
        match tokens.skip.remove(skip) {
            Some(round) if !expire_all && same_folder(&round.chain) => round,
            _ => return Err(GraphError::sync_state_not_found()),
        }
    } else {
        let (chain, since) = match &query.delta_token {
            Some(token) => match tokens.delta.get(token) {
                Some((chain, watermark)) if !expire_all && same_folder(chain) => {
                    (chain.clone(), Some(*watermark))
                }
                _ => return Err(GraphError::sync_state_not_found()),
            },
            None => (
                Chain {
                    mailbox: call.mailbox.index,
                    folder: folder_index,
                    select: query.select.clone(),
                    change_type: query.change_type,
                    top: query.top,
                },
                None,
            ),
        };
        Round {
            entries: collect(&contents, &chain, since),
            chain,
            offset: 0,
            watermark: contents.version,
        }
    };

    let page_size = call
        .prefer
        .max_page
        .or(round.chain.top)
        .unwrap_or(DEFAULT_PAGE);
    let folder_id = contents.folders[folder_index].id.clone();
    let end = round
        .offset
        .saturating_add(page_size)
        .min(round.entries.len());
    let mut values = Vec::with_capacity(end - round.offset);
    for entry in &round.entries[round.offset..end] {
        let current = contents
            .message(&entry.immutable_id)
            .map(|i| &contents.messages[i])
            .filter(|m| !entry.removed && m.folder == folder_index);
        values.push(match current {
            Some(m) => message_json(m, &folder_id, call.view, round.chain.select.as_deref()),
            // Gone, or left the folder while the round was paged.
            None => removed(if call.view.immutable_ids {
                &entry.immutable_id
            } else {
                &entry.rest_id
            }),
        });
    }
    drop(contents);

    let base = base_url(host, &headers, &uri);
    let link = |name: &str, token: &str| format!("{base}{}?%24{name}={token}", uri.path());
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{base}/v1.0/$metadata#Collection(message)")),
    );
    body.insert("value".into(), Value::Array(values));
    if end < round.entries.len() {
        round.offset = end;
        let token = new_token();
        body.insert("@odata.nextLink".into(), json!(link("skiptoken", &token)));
        tokens.skip.insert(token, round);
    } else {
        let token = new_token();
        body.insert("@odata.deltaLink".into(), json!(link("deltatoken", &token)));
        tokens.delta.insert(token, (round.chain, round.watermark));
    }
    drop(tokens);
    Ok(json_response(
        StatusCode::OK,
        &Value::Object(body),
        &call.prefer,
        true,
    ))
}

/// A message that left the folder (reference §4.5).
fn removed(id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.message",
        "id": id,
        "@removed": {"reason": "deleted"},
    })
}

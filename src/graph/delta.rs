//! Delta queries on one mail folder (reference §4.5;
//! learn.microsoft.com/graph/api/message-delta,
//! learn.microsoft.com/graph/delta-query-messages).
//!
//! [`GraphClient::delta_round`] pages one round, from the folder's first
//! delta URL or from a saved `@odata.deltaLink`, following each
//! `@odata.nextLink` as-is until a page ends in a new `@odata.deltaLink`. It
//! returns the messages created or changed, the IDs removed (`@removed`),
//! and the new link to store for the next round. Query options are given on
//! the first call only: Graph keeps them in the links.
//!
//! A token Exchange no longer knows answers 410 (`syncStateNotFound`,
//! `resyncRequired`): that is [`DeltaError::SyncStateLost`], distinct from
//! every other failure, so a caller can start over from now instead of
//! failing (reference §4.5, §5). A saved link must point at the Graph
//! endpoint in use: the bearer token never leaves for another origin.

// NOTE: `GraphError` is large on purpose (see the module note of `graph`).
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use reqwest::Method;
use serde_json::Value;

use super::{
    GraphClient, GraphError, GraphErrorKind, IMMUTABLE_ID, Message, RequestSpec, encode_component,
};

/// What a round asks for (options of the first call; later rounds reuse the link's).
#[derive(Debug, Clone, Default)]
pub struct DeltaQuery {
    /// `$select`; empty = Graph's default set.
    pub select: Vec<String>,
    /// `Prefer: odata.maxpagesize=N` (sent on every page).
    pub max_page_size: Option<u32>,
    /// `Prefer: IdType="ImmutableId"` (sent on every page).
    pub immutable_ids: bool,
}

/// Where a round starts.
#[derive(Debug, Clone, Copy)]
pub enum DeltaStart<'a> {
    /// The first round for a folder (ID or well-known name): everything in it now.
    Folder(&'a str),
    /// A saved `@odata.deltaLink`: what changed since.
    Link(&'a str),
}

/// One round of a delta chain.
#[derive(Debug, Clone, Default)]
pub struct DeltaRound {
    /// Created or changed messages, in the order Graph gave them.
    pub messages: Vec<Message>,
    /// IDs of messages that left the folder (deleted or moved away).
    pub removed: Vec<String>,
    /// The link to store for the next round.
    pub delta_link: String,
    /// Pages read (requests made, retries not counted).
    pub pages: u32,
    /// `request-id` of the last page.
    pub request_id: Option<String>,
}

/// Why a round failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DeltaError {
    /// The service lost the chain's sync state (410 `syncStateNotFound` or
    /// `resyncRequired`): start a new chain.
    #[error("Graph no longer knows this delta position ({0})")]
    SyncStateLost(GraphError),
    #[error(transparent)]
    Graph(GraphError),
}

/// A `Prefer` value for the options, as the `&'static str` the request path
/// takes. NOTE: interned, so only one string per distinct (immutable, page
/// size) pair is ever allocated: a handful in a process's life.
type PreferCache = Mutex<HashMap<(bool, Option<u32>), &'static str>>;

fn prefer_header(immutable: bool, page: Option<u32>) -> Option<&'static str> {
    static CACHE: OnceLock<PreferCache> = OnceLock::new();
    let mut parts = Vec::new();
    if immutable {
        parts.push(IMMUTABLE_ID.to_string());
    }
    if let Some(n) = page {
        parts.push(format!("odata.maxpagesize={}", n.max(1)));
    }
    if parts.is_empty() {
        return None;
    }
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Some(
        cache
            .entry((immutable, page))
            .or_insert_with(|| Box::leak(parts.join(", ").into_boxed_str())),
    )
}

impl GraphClient {
    /// The first delta URL of a folder, with the query's options.
    pub fn delta_url(&self, mailbox: &str, folder: &str, query: &DeltaQuery) -> String {
        let mut url = self.folder_url(mailbox, folder, "/messages/delta");
        if !query.select.is_empty() {
            url.push_str(&format!(
                "?$select={}",
                encode_component(&query.select.join(","))
            ));
        }
        url
    }

    /// Pages one delta round to its `@odata.deltaLink`.
    pub async fn delta_round(
        &self,
        mailbox: &str,
        start: DeltaStart<'_>,
        query: &DeltaQuery,
    ) -> Result<DeltaRound, DeltaError> {
        let mut url = match start {
            DeltaStart::Folder(folder) => self.delta_url(mailbox, folder, query),
            DeltaStart::Link(link) => {
                self.check_same_origin(link, "saved delta link")
                    .map_err(DeltaError::Graph)?;
                link.to_string()
            }
        };
        let prefer = prefer_header(query.immutable_ids, query.max_page_size);
        let mut round = DeltaRound::default();
        loop {
            let spec = RequestSpec {
                method: Method::GET,
                url: url.clone(),
                body: None,
                prefer,
                idempotent: true,
            };
            let raw = self.execute(mailbox, spec).await.map_err(|e| {
                if e.is_status(410)
                    || e.has_code("syncStateNotFound")
                    || e.has_code("resyncRequired")
                {
                    DeltaError::SyncStateLost(e)
                } else {
                    DeltaError::Graph(e)
                }
            })?;
            round.pages += 1;
            round.request_id = raw.request_id.clone();
            let page: Value = serde_json::from_slice(&raw.body).map_err(|e| {
                let mut err = GraphError::new(
                    GraphErrorKind::InvalidResponse,
                    format!("a delta page was unreadable: {e}"),
                );
                err.request_id = raw.request_id.clone();
                DeltaError::Graph(err)
            })?;
            for item in page["value"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                if item.get("@removed").is_some() {
                    if let Some(id) = item["id"].as_str() {
                        round.removed.push(id.to_string());
                    }
                    continue;
                }
                match serde_json::from_value::<Message>(item.clone()) {
                    Ok(m) => round.messages.push(m),
                    Err(e) => {
                        let mut err = GraphError::new(
                            GraphErrorKind::InvalidResponse,
                            format!("a delta page held an unreadable message: {e}"),
                        );
                        err.request_id = raw.request_id.clone();
                        return Err(DeltaError::Graph(err));
                    }
                }
            }
            if let Some(next) = page["@odata.nextLink"].as_str() {
                self.check_same_origin(next, "nextLink")
                    .map_err(DeltaError::Graph)?;
                url = next.to_string();
                continue;
            }
            let Some(delta_link) = page["@odata.deltaLink"].as_str() else {
                let mut err = GraphError::new(
                    GraphErrorKind::InvalidResponse,
                    "a delta page ended without @odata.nextLink or @odata.deltaLink",
                );
                err.request_id = raw.request_id.clone();
                return Err(DeltaError::Graph(err));
            };
            self.check_same_origin(delta_link, "deltaLink")
                .map_err(DeltaError::Graph)?;
            round.delta_link = delta_link.to_string();
            return Ok(round);
        }
    }

    /// The bearer token goes only to the Graph endpoint in use.
    fn check_same_origin(&self, link: &str, what: &str) -> Result<(), GraphError> {
        let same = url::Url::parse(link)
            .map(|u| u.origin().ascii_serialization() == self.origin)
            .unwrap_or(false);
        if same {
            Ok(())
        } else {
            Err(GraphError::new(
                GraphErrorKind::InvalidRequest,
                format!("the {what} points outside {}: {link}", self.origin),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_values_combine_and_are_interned() {
        assert_eq!(prefer_header(false, None), None);
        assert_eq!(
            prefer_header(true, Some(50)),
            Some("IdType=\"ImmutableId\", odata.maxpagesize=50")
        );
        let a = prefer_header(false, Some(7)).unwrap();
        let b = prefer_header(false, Some(7)).unwrap();
        assert!(std::ptr::eq(a, b));
    }
}

//! Resolving a folder path such as `Inbox/Support/EU` (reference §4.3): the
//! first segment as a well-known name when it is one (case-insensitive),
//! otherwise by display name among the top-level folders; each further
//! segment by display name among the children of the one before. A miss
//! lists the folders that do exist at that level.

use super::{GraphClient, GraphError, MailFolder, well_known_folder};

/// The outcome of looking one segment up among a folder's children.
#[derive(Debug, Clone, PartialEq)]
pub enum ChildLookup {
    Found(MailFolder),
    /// No child has that name; `existing` are the names that do exist.
    Missing {
        existing: Vec<String>,
    },
    /// Several children share the name (Graph does not promise uniqueness).
    Ambiguous(Vec<MailFolder>),
}

/// One segment looked up: the outcome, the request ID of the answer it
/// rests on, and the retries (throttling waits) met on the way, which the
/// connection test's `mailbox` step shows when this lookup is its request.
#[derive(Debug, Clone)]
pub struct ChildAnswer {
    pub lookup: ChildLookup,
    pub request_id: Option<String>,
    pub retry: crate::auth::RetryStats,
}

/// A resolved folder path.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedFolder {
    pub path: String,
    pub folder: MailFolder,
    /// The `request-id` of the last lookup.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FolderPathError {
    #[error("the folder path is empty")]
    EmptyPath,
    #[error("{}", not_found_text(.segment, .parent, .existing))]
    NotFound {
        segment: String,
        parent: String,
        existing: Vec<String>,
        request_id: Option<String>,
    },
    #[error("{} folders named '{segment}' under {}", .count, where_text(.parent))]
    Ambiguous {
        segment: String,
        parent: String,
        count: usize,
        request_id: Option<String>,
    },
    #[error(transparent)]
    Graph(#[from] GraphError),
}

fn where_text(parent: &str) -> String {
    if parent.is_empty() {
        "the top of the mailbox".to_string()
    } else {
        format!("'{parent}'")
    }
}

fn not_found_text(segment: &str, parent: &str, existing: &[String]) -> String {
    let listed = if existing.is_empty() {
        "there are no folders there".to_string()
    } else {
        format!("folders there: {}", existing.join(", "))
    };
    format!(
        "no folder '{segment}' under {}; {listed}",
        where_text(parent)
    )
}

/// Splits `Inbox/Support/EU` into its non-empty, trimmed segments.
pub fn split_path(path: &str) -> Vec<&str> {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Looks `segment` up among the children of `parent` (`None` = the top
/// level) with `$filter=displayName eq '…'`, and on a miss lists them all.
///
/// NOTE: the filter is compared again here case-insensitively, and a refused
/// filter (400) falls back to the full list: `$filter` on folder names is
/// common but not documented by Microsoft (reference §4.3).
pub async fn lookup_child(
    client: &GraphClient,
    mailbox: &str,
    parent: Option<&str>,
    segment: &str,
) -> Result<ChildAnswer, GraphError> {
    let mut retry = crate::auth::RetryStats::default();
    let filtered = match client.list_folders(mailbox, parent, Some(segment)).await {
        Ok(found) => Some(found),
        Err(e) if e.is_status(400) => None,
        Err(e) => return Err(e),
    };
    if let Some(found) = &filtered {
        retry.add(found.retry);
        let matches: Vec<&MailFolder> = found
            .value
            .iter()
            .filter(|f| f.display_name.eq_ignore_ascii_case(segment))
            .collect();
        if let Some(lookup) = pick(segment, &matches) {
            return Ok(ChildAnswer {
                lookup,
                request_id: found.request_id.clone(),
                retry,
            });
        }
    }
    let all = client.list_folders(mailbox, parent, None).await?;
    let matches: Vec<&MailFolder> = all
        .value
        .iter()
        .filter(|f| f.display_name.eq_ignore_ascii_case(segment))
        .collect();
    let lookup = pick(segment, &matches).unwrap_or_else(|| ChildLookup::Missing {
        existing: all.value.iter().map(|f| f.display_name.clone()).collect(),
    });
    retry.add(all.retry);
    Ok(ChildAnswer {
        lookup,
        request_id: all.request_id,
        retry,
    })
}

fn pick(segment: &str, matches: &[&MailFolder]) -> Option<ChildLookup> {
    match matches {
        [] => None,
        [one] => Some(ChildLookup::Found((*one).clone())),
        many => {
            // An exact-case match settles it; otherwise it is ambiguous.
            let exact: Vec<&&MailFolder> =
                many.iter().filter(|f| f.display_name == segment).collect();
            match exact.as_slice() {
                [one] => Some(ChildLookup::Found((**one).clone())),
                _ => Some(ChildLookup::Ambiguous(
                    many.iter().map(|f| (*f).clone()).collect(),
                )),
            }
        }
    }
}

/// Resolves `path` in `mailbox`, segment by segment.
pub async fn resolve_folder_path(
    client: &GraphClient,
    mailbox: &str,
    path: &str,
) -> Result<ResolvedFolder, FolderPathError> {
    let segments = split_path(path);
    let Some((first, rest)) = segments.split_first() else {
        return Err(FolderPathError::EmptyPath);
    };
    // Under a well-known first segment the second is looked up among the
    // children of the well-known name itself, which stands for the folder's
    // ID in any `mailFolders/{id}` URL
    // (https://learn.microsoft.com/en-us/graph/api/resources/mailfolder):
    // `Inbox/Support` costs one round trip, not a GET of the Inbox first.
    let (mut current, mut request_id, rest) = match (well_known_folder(first), rest) {
        (Some(name), [second, further @ ..]) => {
            let (folder, id) = found_or_error(
                lookup_child(client, mailbox, Some(name), second).await?,
                second,
                first,
            )?;
            (folder, id, further)
        }
        (Some(name), []) => {
            let got = client.get_folder(mailbox, name).await?;
            (got.value, got.request_id, rest)
        }
        (None, _) => {
            let (folder, id) =
                found_or_error(lookup_child(client, mailbox, None, first).await?, first, "")?;
            (folder, id, rest)
        }
    };
    let mut walked = segments[..segments.len() - rest.len()].join("/");
    for segment in rest {
        let (folder, id) = found_or_error(
            lookup_child(client, mailbox, Some(&current.id), segment).await?,
            segment,
            &walked,
        )?;
        current = folder;
        request_id = id;
        walked.push('/');
        walked.push_str(segment);
    }
    Ok(ResolvedFolder {
        path: segments.join("/"),
        folder: current,
        request_id,
    })
}

/// A found folder, or the error naming the segment and its level.
pub fn found_or_error(
    ChildAnswer {
        lookup, request_id, ..
    }: ChildAnswer,
    segment: &str,
    parent: &str,
) -> Result<(MailFolder, Option<String>), FolderPathError> {
    match lookup {
        ChildLookup::Found(folder) => Ok((folder, request_id)),
        ChildLookup::Missing { existing } => Err(FolderPathError::NotFound {
            segment: segment.to_string(),
            parent: parent.to_string(),
            existing,
            request_id,
        }),
        ChildLookup::Ambiguous(many) => Err(FolderPathError::Ambiguous {
            segment: segment.to_string(),
            parent: parent.to_string(),
            count: many.len(),
            request_id,
        }),
    }
}

/// The fields a folder tree shows (mailFolder resource, reference §4.2).
const TREE_FIELDS: &str =
    "id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount";

/// Folders per page when walking a tree: Graph pages folder collections at
/// 10 by default (reference §4.3); larger pages mean fewer requests.
const TREE_PAGE: u32 = 100;

/// A tree walk stops after this many folders (a mailbox with an archive of
/// thousands of folders stays bounded); [`FolderTree::truncated`] says so.
pub const TREE_MAX_FOLDERS: usize = 5000;

/// One folder of a walked tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeFolder {
    /// Display names from the walk's start, joined with `/`.
    pub path: String,
    pub depth: usize,
    pub folder: MailFolder,
}

/// A walked folder tree, parents before their children, siblings in
/// Graph's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FolderTree {
    pub folders: Vec<TreeFolder>,
    /// Stopped at [`TREE_MAX_FOLDERS`].
    pub truncated: bool,
}

impl GraphClient {
    /// Top-level folders (`parent = None`) or a folder's children, with
    /// their counts, hidden ones included; every page.
    pub async fn list_folders_with_counts(
        &self,
        mailbox: &str,
        parent: Option<&str>,
    ) -> Result<super::GraphResponse<Vec<MailFolder>>, GraphError> {
        let query = format!(
            "$select={}&$top={TREE_PAGE}&includeHiddenFolders=true",
            super::encode_component(TREE_FIELDS)
        );
        let url = match parent {
            None => self.user_url(mailbox, &format!("/mailFolders?{query}")),
            Some(id) => self.folder_url(mailbox, id, &format!("/childFolders?{query}")),
        };
        self.get_pages(mailbox, url, None, u32::MAX).await
    }
}

/// Walks the folder tree of `mailbox`: the whole mailbox (`under = None`),
/// or the descendants of one folder (`Some((id, path))`, whose own entry is
/// not included). Level by level, each level's listings concurrently; the
/// client keeps at most 4 requests in flight per mailbox. Only folders that
/// report children are listed, and each folder once.
pub async fn folder_tree(
    client: &GraphClient,
    mailbox: &str,
    under: Option<(&str, &str)>,
) -> Result<FolderTree, GraphError> {
    use std::collections::{HashMap, HashSet};

    // (parent id, parent path, depth of the children)
    let mut frontier: Vec<(Option<String>, String, usize)> = match under {
        None => vec![(None, String::new(), 0)],
        Some((id, path)) => vec![(Some(id.to_string()), path.to_string(), 0)],
    };
    let mut children: HashMap<Option<String>, Vec<TreeFolder>> = HashMap::new();
    let mut seen: HashSet<String> = under.map(|(id, _)| id.to_string()).into_iter().collect();
    let mut count = 0;
    let mut truncated = false;
    while !frontier.is_empty() {
        let listings = futures::future::join_all(
            frontier
                .iter()
                .map(|(parent, _, _)| client.list_folders_with_counts(mailbox, parent.as_deref())),
        )
        .await;
        let mut next = Vec::new();
        for ((parent, parent_path, depth), listing) in frontier.into_iter().zip(listings) {
            let mut kids = Vec::new();
            for folder in listing?.value {
                if !seen.insert(folder.id.clone()) {
                    continue;
                }
                if count >= TREE_MAX_FOLDERS {
                    truncated = true;
                    break;
                }
                count += 1;
                let path = if parent_path.is_empty() {
                    folder.display_name.clone()
                } else {
                    format!("{parent_path}/{}", folder.display_name)
                };
                if folder.child_folder_count.unwrap_or(0) > 0 {
                    next.push((Some(folder.id.clone()), path.clone(), depth + 1));
                }
                kids.push(TreeFolder {
                    path,
                    depth,
                    folder,
                });
            }
            children.insert(parent, kids);
        }
        frontier = if truncated { Vec::new() } else { next };
    }

    // Parents before children: depth first from the start.
    let mut folders = Vec::with_capacity(count);
    let mut stack: Vec<TreeFolder> = children
        .remove(&under.map(|(id, _)| id.to_string()))
        .unwrap_or_default()
        .into_iter()
        .rev()
        .collect();
    while let Some(folder) = stack.pop() {
        if let Some(kids) = children.remove(&Some(folder.folder.id.clone())) {
            stack.extend(kids.into_iter().rev());
        }
        folders.push(folder);
    }
    Ok(FolderTree { folders, truncated })
}

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
) -> Result<(ChildLookup, Option<String>), GraphError> {
    let filtered = match client.list_folders(mailbox, parent, Some(segment)).await {
        Ok(found) => Some(found),
        Err(e) if e.is_status(400) => None,
        Err(e) => return Err(e),
    };
    if let Some(found) = &filtered {
        let matches: Vec<&MailFolder> = found
            .value
            .iter()
            .filter(|f| f.display_name.eq_ignore_ascii_case(segment))
            .collect();
        if let Some(lookup) = pick(segment, &matches) {
            return Ok((lookup, found.request_id.clone()));
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
    Ok((lookup, all.request_id))
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
    let (mut current, mut request_id) = match well_known_folder(first) {
        Some(name) => {
            let got = client.get_folder(mailbox, name).await?;
            (got.value, got.request_id)
        }
        None => found_or_error(lookup_child(client, mailbox, None, first).await?, first, "")?,
    };
    let mut walked = first.to_string();
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
    (lookup, request_id): (ChildLookup, Option<String>),
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

//! `graphmail mail folders --connector NAME`: the connector's mailbox as a
//! folder tree with total and unread counts, marking the folders the
//! connector reads, so an admin can see where mail lands and pick
//! `--add-folder` paths.
//!
//! The tree is walked with `childFolders` ([`crate::graph::folders::folder_tree`]),
//! only under folders that report children; the connector's own folders are
//! resolved as `test-connection` resolves them (well-known first segments
//! included, so a localised `Posteingang` is still the `Inbox` it reads) and
//! marked by ID. Only GETs; at most 4 in flight per mailbox (the client's
//! limiter).
//!
//! Limits: at most [`TREE_MAX_FOLDERS`] folders are listed (a note says when
//! the walk stopped there).

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::cli::MailFoldersArgs;
use crate::error::{CliError, Result};
use crate::graph::folders::{TREE_MAX_FOLDERS, folder_tree};
use crate::graph::{FolderPathError, resolve_folder_path};
use crate::output::printer::TextContext;
use crate::output::{Render, Table};

use super::{Context, READ_WRITE, connect, service_error};
use crate::commands::views::{self, SCHEMA_VERSION};

pub async fn folders(ctx: &Context, args: MailFoldersArgs) -> Result<()> {
    let state = ctx.store.load()?.state;
    let connector = state.connector(&args.connector).cloned().ok_or_else(|| {
        CliError::usage(format!("no connector named '{}'", args.connector))
            .hint("see the connectors with `graphmail connector list`")
    })?;
    let (client, hints) = connect(ctx, &state)?;
    let mailbox = connector.address.trim().to_string();

    let tree = folder_tree(&client, &mailbox, None);
    let reads = futures::future::join_all(
        connector
            .folders
            .iter()
            .map(|path| resolve_folder_path(&client, &mailbox, path)),
    );
    let (tree, reads) = futures::join!(tree, reads);
    let tree = tree.map_err(|e| {
        service_error(
            &format!("listing the folders of {mailbox} failed"),
            &e,
            &hints,
            &mailbox,
            READ_WRITE,
        )
    })?;

    // The connector's folders by ID; those that did not resolve, by path.
    let mut read_ids: HashMap<String, String> = HashMap::new();
    let mut missing = Vec::new();
    for (path, read) in connector.folders.iter().zip(reads) {
        match read {
            Ok(resolved) => {
                read_ids.insert(resolved.folder.id, path.clone());
            }
            Err(FolderPathError::Graph(e)) => {
                return Err(service_error(
                    &format!("resolving folder {path} of {mailbox} failed"),
                    &e,
                    &hints,
                    &mailbox,
                    READ_WRITE,
                ));
            }
            Err(e) => missing.push(MissingFolder {
                path: path.clone(),
                problem: e.to_string(),
            }),
        }
    }

    let view = FoldersView {
        schema_version: SCHEMA_VERSION,
        connector: ConnectorRef {
            name: connector.name.clone(),
            address: mailbox.clone(),
        },
        truncated: tree.truncated,
        folders: tree
            .folders
            .into_iter()
            .map(|f| FolderRow {
                read_as: read_ids.get(&f.folder.id).cloned(),
                read_by_connector: read_ids.contains_key(&f.folder.id),
                path: f.path,
                name: f.folder.display_name,
                depth: f.depth,
                total: f.folder.total_item_count,
                unread: f.folder.unread_item_count,
                child_folder_count: f.folder.child_folder_count,
                id: f.folder.id,
            })
            .collect(),
        missing,
    };
    if view.truncated {
        ctx.printer.note(format!(
            "note: the mailbox has more than {TREE_MAX_FOLDERS} folders; only the first {TREE_MAX_FOLDERS} are listed"
        ));
    }
    for m in &view.missing {
        ctx.printer.warn(format!(
            "connector '{}' reads {}, which is not in the mailbox: {}",
            connector.name, m.path, m.problem
        ));
    }
    views::show(&ctx.printer, &view)
}

/// The JSON of `mail folders` (docs/json.md).
#[derive(Debug, Serialize)]
pub struct FoldersView {
    pub schema_version: u32,
    pub connector: ConnectorRef,
    /// The walk stopped at its folder limit.
    pub truncated: bool,
    /// Parents before their children.
    pub folders: Vec<FolderRow>,
    /// Folder paths the connector reads that the mailbox does not have.
    pub missing: Vec<MissingFolder>,
}

#[derive(Debug, Serialize)]
pub struct ConnectorRef {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Serialize)]
pub struct FolderRow {
    /// Display names from the top of the mailbox, joined with `/`.
    pub path: String,
    pub name: String,
    pub id: String,
    /// 0 for top-level folders.
    pub depth: usize,
    pub total: Option<u64>,
    pub unread: Option<u64>,
    pub child_folder_count: Option<u64>,
    pub read_by_connector: bool,
    /// The connector's own spelling of the path (e.g. `inbox/Support`),
    /// when it reads this folder.
    pub read_as: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MissingFolder {
    pub path: String,
    pub problem: String,
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "-".to_string(), |n| n.to_string())
}

impl Render for FoldersView {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let mut table = Table::new(["folder", "total", "unread", "read by connector"]);
        for f in &self.folders {
            // A tree on a terminal; full paths for scripts (`cut -f1`).
            let folder = if ctx.terminal {
                format!("{}{}", "  ".repeat(f.depth), f.name)
            } else {
                f.path.clone()
            };
            let read = if f.read_by_connector {
                if ctx.terminal { "✓ yes" } else { "yes" }
            } else {
                ""
            };
            table.row([folder, count(f.total), count(f.unread), read.to_string()]);
        }
        table.write(out, ctx.terminal, ctx.width)
    }
}

/// For `mail peek`: one line per peeked folder whose subfolders hold mail
/// that the peek does not show (subfolders peeked in their own right are
/// left out), e.g. "subfolders of Inbox hold mail not shown here:
/// Inbox/Support/US (10), …". `peeked` is (path, ID, whether it may have
/// children): only those that may are walked, so a folder Graph reported
/// childless costs no round trip. A failure only costs the note, never the
/// peek.
pub async fn subfolder_notes(
    client: &crate::graph::GraphClient,
    mailbox: &str,
    peeked: &[(String, String, bool)],
) -> Vec<String> {
    let parents: Vec<&(String, String, bool)> = peeked.iter().filter(|p| p.2).collect();
    let walks = parents
        .iter()
        .map(|(path, id, _)| folder_tree(client, mailbox, Some((id.as_str(), path.as_str()))));
    let trees = futures::future::join_all(walks).await;
    let mut notes = Vec::new();
    for ((path, _, _), tree) in parents.into_iter().zip(trees) {
        let Ok(tree) = tree else { continue };
        let holding: Vec<String> = tree
            .folders
            .iter()
            .filter(|f| f.folder.total_item_count.unwrap_or(0) > 0)
            .filter(|f| {
                !peeked
                    .iter()
                    .any(|(p, _, _)| p.eq_ignore_ascii_case(&f.path))
            })
            .map(|f| format!("{} ({})", f.path, f.folder.total_item_count.unwrap_or(0)))
            .collect();
        if !holding.is_empty() {
            notes.push(format!(
                "subfolders of {path} hold mail not shown here (a connector reads only the folders it names): {}",
                holding.join(", ")
            ));
        }
    }
    notes
}

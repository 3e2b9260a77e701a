//! `graphmail mail watch`: follows the folders an incoming connector reads
//! through delta queries (`graph::delta`, reference §4.5) and prints each
//! newly arrived message with the route it would take (the resolution of
//! `mail peek`), until Ctrl-C or SIGTERM (what a service manager sends),
//! which exit 0.
//!
//! Stopping: the handlers are installed before the first request and listen
//! for the whole run, so a signal is never lost between two `select!`s, and
//! the interval sleep or an in-flight request is dropped at once. Every
//! position is saved synchronously right after the look that gave it (no
//! await between printing and saving), so a stop at any await point leaves
//! the position of the last finished look, never a printed message without
//! it. After the first signal the default action is back: a second Ctrl-C
//! while graphmail shuts down ends it at once.
//!
//! Positions (the `@odata.deltaLink` of each connector folder) live in
//! `<state file>.d/delta/`, one small JSON file per connector and folder,
//! written under the state file's lock by atomic replace after every round
//! (docs/state-dir.md). No saved position: the first round only takes the
//! position ("from now", said on stderr) unless `--from-start`. A position
//! Graph no longer knows (410 `syncStateNotFound`) starts again from now,
//! with a note, never a flood of old mail.
//!
//! Delta returns created and changed messages alike. A message is printed
//! when it was received after the previous look (less a margin for clocks)
//! and was not printed before: read flags and moves inside the window are
//! not news.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cli::{MailPeekArgs, MailWatchArgs};
use crate::error::{CliError, Result};
use crate::graph::delta::{DeltaError, DeltaQuery, DeltaRound, DeltaStart};
use crate::graph::{FolderPathError, GraphClient, resolve_folder_path};
use crate::output::Render;
use crate::output::printer::TextContext;

use super::peek::MessagePeek;
use super::routing::RouteTable;
use super::{Context, READ_WRITE, connect, service_error};
use crate::commands::views::SCHEMA_VERSION;

/// Position files this build writes and reads.
const POSITION_VERSION: u32 = 1;
/// IDs remembered per folder so a changed message is not printed twice.
const SEEN_MAX: usize = 500;
/// How far before the previous look a message may have been received and
/// still count as new: Exchange's clock and this machine's differ, and a
/// message can be stamped before it shows in delta.
const MARGIN_SECONDS: i64 = 300;
const INTERVAL_MAX: u64 = 3600;

/// One `<state file>.d/delta/*.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Position {
    schema_version: u32,
    /// The state file's `instance_id`: a position of another file is not used.
    instance_id: String,
    connector: String,
    folder: String,
    delta_link: String,
    /// When the round that gave `delta_link` started (this machine's clock).
    checked_at: DateTime<Utc>,
    /// IDs printed recently (newest last), at most [`SEEN_MAX`].
    seen: VecDeque<String>,
}

/// The file name of a position: SHA-256 of `connector NUL folder path`.
fn position_name(connector: &str, folder: &str) -> String {
    let mut hasher = openssl::sha::Sha256::new();
    hasher.update(connector.as_bytes());
    hasher.update(b"\0");
    hasher.update(folder.to_ascii_lowercase().as_bytes());
    let hex: String = hasher.finish().iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.json")
}

/// A saved position, or `None` (missing, unreadable, newer, another file's:
/// machine-owned data is forgiving, docs/state-dir.md).
fn read_position(ctx: &Context, instance: &str, connector: &str, folder: &str) -> Option<Position> {
    let path = ctx
        .store
        .data_dir()
        .join("delta")
        .join(position_name(connector, folder));
    let text = std::fs::read_to_string(path).ok()?;
    let position: Position = serde_json::from_str(&text).ok()?;
    (position.schema_version == POSITION_VERSION
        && position.instance_id == instance
        && position.connector == connector)
        .then_some(position)
}

fn save_position(ctx: &Context, position: &Position) -> Result<()> {
    let text = serde_json::to_string(position)
        .map_err(|e| CliError::runtime(format!("cannot encode the delta position: {e}")))?;
    ctx.store
        .save_delta_position(&position_name(&position.connector, &position.folder), &text)?;
    Ok(())
}

/// One folder being watched.
struct Watched {
    path: String,
    id: String,
    position: Position,
}

/// One line of output: a new message and its route.
#[derive(Debug, Serialize)]
struct Arrival {
    schema_version: u32,
    connector: String,
    folder: String,
    #[serde(flatten)]
    message: MessagePeek,
}

impl Render for Arrival {
    fn render_text(&self, out: &mut dyn Write, _ctx: &TextContext) -> io::Result<()> {
        let m = &self.message;
        writeln!(
            out,
            "{}  {}  from {}  \"{}\"  -> {}",
            m.received.as_deref().unwrap_or("-"),
            self.folder,
            m.from.as_deref().unwrap_or("-"),
            m.subject.as_deref().unwrap_or(""),
            m.route_cell()
        )
    }
}

fn query() -> DeltaQuery {
    DeltaQuery {
        select: [
            "id",
            "subject",
            "from",
            "toRecipients",
            "ccRecipients",
            "receivedDateTime",
            "isRead",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        max_page_size: Some(100),
        immutable_ids: true,
    }
}

pub async fn watch(ctx: &Context, args: MailWatchArgs) -> Result<()> {
    if args.interval == 0 || args.interval > INTERVAL_MAX {
        return Err(CliError::usage(format!(
            "--interval {} is out of range: give 1 to {INTERVAL_MAX} seconds",
            args.interval
        )));
    }
    if args.once {
        // A script's run: the default signal actions are right for it.
        return follow(ctx, &args).await;
    }
    let mut stop = Stop::install()?;
    tokio::select! {
        outcome = follow(ctx, &args) => outcome,
        signal = stop.recv() => {
            stop.restore_default();
            ctx.printer.note(format!(
                "stopped by {signal}; the position is saved: the next `graphmail mail watch --connector {}` continues from it",
                args.connector
            ));
            Ok(())
        }
    }
}

/// The signals that end a live watch, listened to from before the first
/// request to the end, so one arriving between two looks is not lost.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    fn install() -> Result<Stop> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let handler = |e: io::Error| {
                CliError::runtime(format!("cannot listen for Ctrl-C and SIGTERM: {e}"))
            };
            Ok(Stop {
                interrupt: signal(SignalKind::interrupt()).map_err(handler)?,
                terminate: signal(SignalKind::terminate()).map_err(handler)?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    /// The name of the first signal that arrives.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "Ctrl-C (SIGINT)",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }

    /// Gives SIGINT and SIGTERM their default action again (end the
    /// process): tokio's handlers stay installed for the life of the
    /// process, so without this a second Ctrl-C during shutdown would be
    /// swallowed.
    fn restore_default(&self) {
        #[cfg(unix)]
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: signal(2) with SIG_DFL changes only the disposition;
            // tokio's handler is no longer needed (its streams are dropped
            // with `self` right after) and registers nothing we read.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
    }
}

/// The watch itself; [`watch`] ends it from outside on a signal.
async fn follow(ctx: &Context, args: &MailWatchArgs) -> Result<()> {
    let state = ctx.store.load()?.state;
    crate::commands::preflight::check(&state)?;
    // The same connector and folder checks as `mail peek`.
    let request = super::peek::resolve(
        &state,
        &MailPeekArgs {
            connector: args.connector.clone(),
            folder: args.folder.clone(),
            limit: 1,
            page_size: None,
            unread: false,
        },
    )?;
    for note in &request.notes {
        ctx.printer.note(format!("note: {note}"));
    }
    let (client, hints) = connect(ctx, &state)?;
    let routes = RouteTable::new(&state, &request.connector);
    let mailbox = request.connector.address.trim().to_string();
    let connector = request.connector.name.clone();
    let instance = state.instance_id.to_string();
    let graph_error = |what: String, e: &crate::graph::GraphError| {
        service_error(&what, e, &hints, &mailbox, READ_WRITE)
    };

    let mut watched = Vec::new();
    for path in &request.folders {
        let folder = match resolve_folder_path(&client, &mailbox, path).await {
            Ok(r) => r.folder,
            Err(FolderPathError::Graph(e)) => {
                return Err(graph_error(
                    format!("reading folder {path} of {mailbox} failed"),
                    &e,
                ));
            }
            Err(e) => {
                return Err(CliError::runtime(format!("{path} in {mailbox}: {e}")).hint(
                    format!(
                        "check the folder path, or change it with `graphmail connector set {connector} --folder PATH`"
                    ),
                ));
            }
        };
        let position = match read_position(ctx, &instance, &connector, path) {
            Some(p) => p,
            None => {
                let started = Utc::now();
                let round = first_round(&client, &mailbox, &folder.id)
                    .await
                    .map_err(|e| graph_error(format!("watching {path} of {mailbox} failed"), &e))?;
                let mut position = Position {
                    schema_version: POSITION_VERSION,
                    instance_id: instance.clone(),
                    connector: connector.clone(),
                    folder: path.clone(),
                    delta_link: round.delta_link.clone(),
                    checked_at: started,
                    seen: VecDeque::new(),
                };
                if args.from_start {
                    for m in round.messages {
                        remember(&mut position.seen, &m.id);
                        show(ctx, &connector, path, m, &routes)?;
                    }
                } else {
                    ctx.printer.note(format!(
                        "note: no saved position for {path} of connector '{connector}': watching from now (pass --from-start to print what it holds)"
                    ));
                }
                save_position(ctx, &position)?;
                position
            }
        };
        watched.push(Watched {
            path: path.clone(),
            id: folder.id,
            position,
        });
    }

    if !args.once {
        // Runs until stopped: messages cannot wait for the end.
        ctx.printer.stream_messages();
        ctx.printer.note(format!(
            "watching {} folder(s) of connector '{connector}' ({mailbox}) every {} s; Ctrl-C stops",
            watched.len(),
            args.interval
        ));
    }
    let interval = Duration::from_secs(args.interval);
    let mut first = true;
    loop {
        if !first {
            tokio::time::sleep(interval).await;
        }
        first = false;
        for w in watched.iter_mut() {
            match look(ctx, &client, &mailbox, &connector, &routes, w).await {
                Ok(()) => {}
                Err(e) if args.once => {
                    return Err(graph_error(
                        format!("watching {} of {mailbox} failed", w.path),
                        &e,
                    ));
                }
                Err(e) => ctx.printer.warn(format!(
                    "warning: watching {} of {mailbox} failed, trying again in {} s: {e}",
                    w.path, args.interval
                )),
            }
        }
        if args.once {
            return Ok(());
        }
    }
}

/// The first round of a new chain: everything in the folder now.
async fn first_round(
    client: &GraphClient,
    mailbox: &str,
    folder_id: &str,
) -> std::result::Result<DeltaRound, crate::graph::GraphError> {
    client
        .delta_round(mailbox, DeltaStart::Folder(folder_id), &query())
        .await
        .map_err(|e| match e {
            DeltaError::SyncStateLost(e) | DeltaError::Graph(e) => e,
        })
}

/// One round from the saved position: prints the new messages, saves the
/// new position.
async fn look(
    ctx: &Context,
    client: &GraphClient,
    mailbox: &str,
    connector: &str,
    routes: &RouteTable,
    w: &mut Watched,
) -> std::result::Result<(), crate::graph::GraphError> {
    let started = Utc::now();
    let round = match client
        .delta_round(mailbox, DeltaStart::Link(&w.position.delta_link), &query())
        .await
    {
        Ok(round) => round,
        Err(DeltaError::SyncStateLost(e)) => {
            ctx.printer.note(format!(
                "note: Graph no longer knows the saved position of {} ({}): watching again from now; mail that arrived meanwhile is not shown (see it with `graphmail mail peek --connector {connector}`)",
                w.path,
                e.code.as_deref().unwrap_or("syncStateNotFound")
            ));
            let round = first_round(client, mailbox, &w.id).await?;
            w.position.delta_link = round.delta_link;
            w.position.checked_at = started;
            save_position(ctx, &w.position).map_err(cli_to_graph)?;
            return Ok(());
        }
        Err(DeltaError::Graph(e)) => return Err(e),
    };
    let floor = w.position.checked_at - chrono::Duration::seconds(MARGIN_SECONDS);
    let mut new: Vec<(DateTime<Utc>, crate::graph::Message)> = round
        .messages
        .into_iter()
        .filter_map(|m| {
            let received = m
                .received_date_time
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))?;
            (received >= floor && !w.position.seen.contains(&m.id)).then_some((received, m))
        })
        .collect();
    // A round's changes come in no promised order (the sandbox gives them
    // newest first): shown oldest first, as one look after another is.
    new.sort_by_key(|(received, _)| *received);
    for (_, m) in new {
        remember(&mut w.position.seen, &m.id);
        show(ctx, connector, &w.path, m, routes).map_err(cli_to_graph)?;
    }
    w.position.delta_link = round.delta_link;
    w.position.checked_at = started;
    save_position(ctx, &w.position).map_err(cli_to_graph)?;
    Ok(())
}

fn cli_to_graph(e: CliError) -> crate::graph::GraphError {
    crate::graph::GraphError::new(crate::graph::GraphErrorKind::InvalidRequest, e.message)
}

fn remember(seen: &mut VecDeque<String>, id: &str) {
    seen.push_back(id.to_string());
    while seen.len() > SEEN_MAX {
        seen.pop_front();
    }
}

/// One message, one line (text) or one compact JSON object (`--output json`).
fn show(
    ctx: &Context,
    connector: &str,
    folder: &str,
    m: crate::graph::Message,
    routes: &RouteTable,
) -> Result<()> {
    let arrival = Arrival {
        schema_version: SCHEMA_VERSION,
        connector: connector.to_string(),
        folder: folder.to_string(),
        message: MessagePeek::new(m, routes),
    };
    let written = if ctx.printer.json() {
        crate::output::inert::to_string_compact(&arrival)
            .map_err(io::Error::other)
            .and_then(|line| {
                let mut out = io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()
            })
    } else {
        ctx.printer.data(&arrival)
    };
    written.map_err(|e| CliError::runtime(format!("cannot write to standard output: {e}")))
}

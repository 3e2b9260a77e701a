//! `graphmail mail peek`: read-only diagnostics of an incoming connector.
//! For each folder it reads (the connector's, or `--folder`): the folder's
//! total and unread counts, the oldest unread message (the backlog), and the
//! newest messages with the route each would take ([`super::routing`]).
//!
//! Only GETs are sent, so nothing is marked read or moved. `$select` names
//! only the fields shown, which keeps pages small enough to ask for Graph's
//! largest: `$top` follows `--limit` up to [`TOP_MAX`] per page unless
//! `--page-size` says otherwise, so `--limit 10000` costs ten list requests
//! (SPEC §8: ceil(n / 1,000)), and further pages come from
//! `@odata.nextLink`. Beside the first page go the folder's counts and one
//! `$top=1` query for the oldest unread message. Folders are read
//! concurrently; the Graph client keeps at most 4 requests in flight per
//! mailbox.
//!
//! Limits: a folder that cannot be read is reported in its row and the
//! command exits 1 after showing the others.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::MailPeekArgs;
use crate::diagnose::hints::HintContext;
use crate::error::{CliError, Result};
use crate::graph::{
    FolderPathError, GraphClient, Message, MessageQuery, Recipient, resolve_folder_path,
};
use crate::output::printer::{Paint, TextContext};
use crate::output::{Printer, Render, Table};
use crate::state::trust::{self, TestState};
use crate::state::{Connector, UseFor, validate};

use super::routing::{RouteChoice, RouteTable, Routing};
use super::{Context, READ_WRITE, connect, service_error};
use crate::commands::views::{self, SCHEMA_VERSION};

/// Graph's `$top` range for messages is 1–1000, and the largest page is the
/// default here: "Use `$top` to customize the page size, within the range of
/// 1 and 1000"
/// (https://learn.microsoft.com/en-us/graph/api/user-list-messages). The
/// 504s Microsoft warns of come from pages "with hundreds of messages each
/// with a full response payload"; `$select` asks for seven small fields.
pub const TOP_MAX: u32 = 1000;
/// Most messages shown per folder: ten of Graph's largest pages. The
/// messages are held until the tables are drawn (column widths, one JSON
/// document), so the bound is also one of memory.
pub const LIMIT_MAX: u32 = 10_000;
/// From this many folders on, a terminal gets a progress bar.
const MANY_FOLDERS: usize = 3;

/// The fields shown, and only those (reference §4.4: `$select`).
const MESSAGE_FIELDS: &[&str] = &[
    "id",
    "receivedDateTime",
    "from",
    "toRecipients",
    "ccRecipients",
    "subject",
    "isRead",
];

/// NOTE: Graph answers `InefficientFilter` unless the `$orderby` property
/// leads `$filter` (reference §4.4), so unread filters start with an
/// always-true clause on `receivedDateTime`.
const UNREAD_FILTER: &str = "receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false";

/// What `mail peek` was asked, resolved against the state.
#[derive(Debug, Clone)]
pub struct PeekRequest {
    pub connector: Connector,
    pub folders: Vec<String>,
    pub limit: u32,
    pub page_size: u32,
    pub unread_only: bool,
    pub notes: Vec<String>,
}

/// Turns the typed arguments into a request; no I/O.
pub fn resolve(state: &crate::state::State, args: &MailPeekArgs) -> Result<PeekRequest> {
    let connector = state.connector(&args.connector).ok_or_else(|| {
        CliError::usage(format!("no connector named '{}'", args.connector))
            .hint("see the connectors with `graphmail connector list`")
    })?;
    if connector.use_for != UseFor::Incoming {
        return Err(CliError::usage(format!(
            "connector '{}' is outbound: only an incoming connector's folders can be peeked",
            connector.name
        ))
        .hint("pass an incoming connector, or send through this one with `graphmail mail send --from connector:NAME`"));
    }
    if args.limit == 0 || args.limit > LIMIT_MAX {
        return Err(CliError::usage(format!(
            "--limit {} is out of range: give 1 to {LIMIT_MAX}",
            args.limit
        )));
    }
    let page_size = match args.page_size {
        Some(n) if n == 0 || n > TOP_MAX => {
            return Err(CliError::usage(format!(
                "--page-size {n} is out of range: give 1 to {TOP_MAX} (Graph's $top range)"
            )));
        }
        Some(n) => n,
        None => args.limit.min(TOP_MAX),
    };
    let mut notes = Vec::new();
    let folders = match &args.folder {
        Some(path) => {
            let path = validate::folder("--folder", path)?;
            if !connector
                .folders
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&path))
            {
                notes.push(format!(
                    "{path} is not one of connector '{}''s folders ({}): the connector does not read it",
                    connector.name,
                    connector.folders.join(", ")
                ));
            }
            vec![path]
        }
        None => connector.folders.clone(),
    };
    if folders.is_empty() {
        return Err(CliError::usage(format!(
            "connector '{}' has no folders",
            connector.name
        ))
        .hint(format!(
            "add one with `graphmail connector set {} --add-folder Inbox`, or pass --folder",
            connector.name
        )));
    }
    if !trust::connector_live(state, connector) {
        let why = match (
            connector.enabled,
            trust::connector_test_state(state, connector),
        ) {
            (false, TestState::Passed) => "is not enabled".to_string(),
            (_, test) => format!(
                "is {} and its test is {}",
                if connector.enabled {
                    "enabled"
                } else {
                    "not enabled"
                },
                test.as_str()
            ),
        };
        notes.push(format!(
            "connector '{}' {why}: it is not live, so no route would take this mail yet (peeking is read-only and allowed)",
            connector.name
        ));
    }
    Ok(PeekRequest {
        connector: connector.clone(),
        folders,
        limit: args.limit,
        page_size,
        unread_only: args.unread,
        notes,
    })
}

pub async fn peek(ctx: &Context, args: MailPeekArgs) -> Result<()> {
    let state = ctx.store.load()?.state;
    crate::commands::preflight::check(&state)?;
    let request = resolve(&state, &args)?;
    let (client, hints) = connect(ctx, &state)?;
    let routes = RouteTable::new(&state, &request.connector);
    let bar = FolderBar::new(&ctx.printer, request.folders.len());
    let reads = request.folders.iter().map(|path| async {
        let result = read_folder(&client, &hints, &request, &routes, path).await;
        bar.inc();
        result
    });
    let folders = futures::future::join_all(reads).await;
    bar.finish();
    // A folder Graph says has no children has no subfolder to note: no walk,
    // and no round trip after the reads.
    let peeked: Vec<(String, String, bool)> = folders
        .iter()
        .filter_map(|f| Some((f.path.clone(), f.id.clone()?, f.child_folders != Some(0))))
        .collect();
    let mailbox = request.connector.address.trim();
    for note in super::folders::subfolder_notes(&client, mailbox, &peeked).await {
        ctx.printer.note(format!("note: {note}"));
    }

    let failed = folders.iter().filter(|f| f.error.is_some()).count();
    let view = PeekView {
        schema_version: SCHEMA_VERSION,
        connector: ConnectorRef {
            name: request.connector.name.clone(),
            address: request.connector.address.clone(),
            enabled: request.connector.enabled,
            live: trust::connector_live(&state, &request.connector),
            test_state: trust::connector_test_state(&state, &request.connector),
        },
        read_only: true,
        unread_only: request.unread_only,
        limit: request.limit,
        notes: request.notes.clone(),
        folders,
    };
    for note in &view.notes {
        ctx.printer.note(format!("note: {note}"));
    }
    views::show(&ctx.printer, &view)?;
    if failed > 0 {
        let mut err = CliError::runtime(format!(
            "{failed} of {} folder(s) of connector '{}' could not be read",
            view.folders.len(),
            request.connector.name
        ));
        for folder in view.folders.iter().filter_map(|f| f.error.as_ref()) {
            if let Some(hint) = &folder.hint {
                err = err.hint(hint.clone());
            }
        }
        return Err(err);
    }
    Ok(())
}

/// Reads one folder: path, counts, backlog, newest messages.
async fn read_folder(
    client: &GraphClient,
    hints: &HintContext,
    request: &PeekRequest,
    routes: &RouteTable,
    path: &str,
) -> FolderPeek {
    let mailbox = request.connector.address.trim();
    let mut out = FolderPeek::empty(path);
    let resolved = match resolve_folder_path(client, mailbox, path).await {
        Ok(r) => r,
        Err(FolderPathError::Graph(e)) => {
            out.error = Some(FolderError::graph(
                &format!("reading folder {path} of {mailbox} failed"),
                &e,
                hints,
                mailbox,
            ));
            return out;
        }
        Err(e) => {
            out.error = Some(FolderError {
                message: format!("{path} in {mailbox}: {e}"),
                code: None,
                request_id: None,
                hint: Some(format!(
                    "check the folder path, or change it with `graphmail connector set {} --folder PATH`",
                    request.connector.name
                )),
            });
            return out;
        }
    };
    let id = resolved.folder.id.clone();
    out.id = Some(id.clone());
    out.child_folders = resolved.folder.child_folder_count;

    let counts = client.get_folder_fields(
        mailbox,
        &id,
        &["id", "displayName", "totalItemCount", "unreadItemCount"],
    );
    let oldest_query = MessageQuery {
        select: vec!["receivedDateTime".into()],
        top: Some(1),
        orderby: Some("receivedDateTime asc".into()),
        filter: Some(UNREAD_FILTER.into()),
        pages: 1,
        immutable_ids: false,
    };
    let oldest = client.list_messages(mailbox, &id, &oldest_query);
    let newest_query = MessageQuery {
        select: MESSAGE_FIELDS.iter().map(|s| s.to_string()).collect(),
        top: Some(request.page_size),
        orderby: Some("receivedDateTime desc".into()),
        filter: request.unread_only.then(|| UNREAD_FILTER.to_string()),
        pages: request.limit.div_ceil(request.page_size),
        immutable_ids: false,
    };
    // Each page becomes rows as it comes: the Graph messages of one page at
    // a time, not of all ten.
    let limit = request.limit as usize;
    let mut messages = Vec::new();
    let newest = client.list_messages_each(mailbox, &id, &newest_query, |page| {
        let room = limit.saturating_sub(messages.len());
        messages.extend(
            page.into_iter()
                .take(room)
                .map(|m| MessagePeek::new(m, routes)),
        );
    });
    let (counts, oldest, newest) = futures::join!(counts, oldest, newest);
    let what = format!("reading folder {path} of {mailbox} failed");
    match counts {
        Ok(c) => {
            out.total = c.value.total_item_count;
            out.unread = c.value.unread_item_count;
        }
        Err(e) => {
            out.error = Some(FolderError::graph(&what, &e, hints, mailbox));
            return out;
        }
    }
    match oldest {
        Ok(o) => {
            out.oldest_unread = o.value.first().and_then(|m| m.received_date_time.clone());
            out.oldest_unread_age_seconds = out
                .oldest_unread
                .as_deref()
                .and_then(parse_time)
                .map(|t| (Utc::now() - t).num_seconds().max(0));
        }
        Err(e) => {
            out.error = Some(FolderError::graph(&what, &e, hints, mailbox));
            return out;
        }
    }
    match newest {
        Ok(list) => {
            out.messages = messages;
            out.request_id = list.request_id;
        }
        Err(e) => out.error = Some(FolderError::graph(&what, &e, hints, mailbox)),
    }
    out
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn addresses(list: &[Recipient]) -> Vec<String> {
    list.iter()
        .filter_map(|r| r.address())
        .map(str::to_string)
        .collect()
}

/// The JSON of `mail peek` (docs/json.md).
#[derive(Debug, Serialize)]
pub struct PeekView {
    pub schema_version: u32,
    pub connector: ConnectorRef,
    /// Always true: peek sends only GETs.
    pub read_only: bool,
    pub unread_only: bool,
    pub limit: u32,
    pub notes: Vec<String>,
    pub folders: Vec<FolderPeek>,
}

#[derive(Debug, Serialize)]
pub struct ConnectorRef {
    pub name: String,
    pub address: String,
    pub enabled: bool,
    pub live: bool,
    pub test_state: TestState,
}

#[derive(Debug, Serialize)]
pub struct FolderPeek {
    pub path: String,
    pub id: Option<String>,
    pub total: Option<u64>,
    pub unread: Option<u64>,
    /// `receivedDateTime` of the oldest unread message.
    pub oldest_unread: Option<String>,
    pub oldest_unread_age_seconds: Option<i64>,
    pub messages: Vec<MessagePeek>,
    pub request_id: Option<String>,
    pub error: Option<FolderError>,
    /// `childFolderCount` from the path's lookup: whether a walk for the
    /// subfolder note is needed (not part of the JSON).
    #[serde(skip)]
    pub child_folders: Option<u64>,
}

impl FolderPeek {
    fn empty(path: &str) -> Self {
        FolderPeek {
            path: path.to_string(),
            id: None,
            total: None,
            unread: None,
            oldest_unread: None,
            oldest_unread_age_seconds: None,
            messages: Vec::new(),
            request_id: None,
            error: None,
            child_folders: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FolderError {
    pub message: String,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub hint: Option<String>,
}

impl FolderError {
    fn graph(what: &str, e: &crate::graph::GraphError, hints: &HintContext, mailbox: &str) -> Self {
        let err = service_error(what, e, hints, mailbox, READ_WRITE);
        FolderError {
            message: err.message,
            code: e.code.clone(),
            request_id: e.request_id.clone(),
            hint: err.hints.into_iter().next(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MessagePeek {
    pub id: String,
    pub received: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: Option<String>,
    pub is_read: Option<bool>,
    /// `direct`, `multiple`, `default` or `none`.
    pub routing: Routing,
    /// The route that would take it (the first match when several do).
    pub route: Option<RouteChoice>,
    /// Every live route whose address is among the recipients.
    pub matching_routes: Vec<String>,
}

impl MessagePeek {
    pub(super) fn new(m: Message, routes: &RouteTable) -> Self {
        let to = addresses(&m.to_recipients);
        let cc = addresses(&m.cc_recipients);
        let decision = routes.decide(to.iter().chain(&cc).map(String::as_str));
        MessagePeek {
            from: m.from_address().map(str::to_string),
            from_name: m.from.as_ref().and_then(|f| f.email_address.name.clone()),
            id: m.id,
            received: m.received_date_time,
            to,
            cc,
            subject: m.subject,
            is_read: m.is_read,
            routing: decision.routing,
            route: decision.route,
            matching_routes: decision.matching,
        }
    }

    pub(super) fn route_cell(&self) -> String {
        match (&self.route, self.routing) {
            (None, _) => "none (connector not live)".to_string(),
            (Some(r), Routing::Default) => format!("{} (default)", r.name),
            (Some(r), Routing::Multiple) => format!(
                "{} (several match: {})",
                r.name,
                self.matching_routes.join(", ")
            ),
            (Some(r), _) => r.name.clone(),
        }
    }
}

fn flags(route: &RouteChoice) -> String {
    let mut out = Vec::new();
    if route.for_attention {
        out.push("for attention");
    }
    if route.test_mode {
        out.push("test mode");
    }
    if route.send_automated_emails {
        out.push("automated emails");
    }
    out.join(", ")
}

/// `1 d 4 h`, `3 h 12 min`, `5 min`, `40 s`.
pub fn age_text(seconds: i64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        (seconds % 86_400) / 3600,
        (seconds % 3600) / 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn short_time(text: &Option<String>) -> String {
    use chrono::{Datelike, Timelike};
    match text.as_deref().and_then(parse_time) {
        // Digit by digit in the common case: `format!` runs the formatting
        // machinery five times a row, and a peek can have 10,000 rows.
        Some(t) if (0..=9999).contains(&t.year()) => {
            let year = t.year() as u32;
            let mut out = String::with_capacity(16);
            for place in [1000, 100, 10, 1] {
                out.push(char::from(b'0' + (year / place % 10) as u8));
            }
            for (sep, n) in [
                ('-', t.month()),
                ('-', t.day()),
                (' ', t.hour()),
                (':', t.minute()),
            ] {
                out.push(sep);
                out.push(char::from(b'0' + (n / 10) as u8));
                out.push(char::from(b'0' + (n % 10) as u8));
            }
            out
        }
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => text.clone().unwrap_or_else(|| "-".into()),
    }
}

fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

impl Render for PeekView {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        if ctx.terminal {
            writeln!(
                out,
                "{} {} ({}), read-only{}",
                ctx.paint("Connector", Paint::Bold),
                self.connector.name,
                self.connector.address,
                if self.unread_only {
                    ", unread only"
                } else {
                    ""
                }
            )?;
        }
        let mut folders = Table::new(["folder", "total", "unread", "oldest unread", "backlog"]);
        for f in &self.folders {
            match &f.error {
                Some(e) => folders.row([
                    f.path.clone(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!("error: {}", e.message),
                ]),
                None => folders.row([
                    f.path.clone(),
                    count(f.total),
                    count(f.unread),
                    short_time(&f.oldest_unread),
                    f.oldest_unread_age_seconds
                        .map(age_text)
                        .unwrap_or_else(|| "-".into()),
                ]),
            }
        }
        folders.write(out, ctx.terminal, ctx.width)?;
        writeln!(out)?;
        let mut messages = Table::new([
            "folder", "received", "from", "to", "subject", "route", "process", "flags",
        ]);
        for f in &self.folders {
            for m in &f.messages {
                let mut recipients = m.to.join(", ");
                if !m.cc.is_empty() {
                    recipients.push_str(&format!(" cc {}", m.cc.join(", ")));
                }
                let unread = if m.is_read == Some(false) { "* " } else { "" };
                messages.row([
                    f.path.clone(),
                    short_time(&m.received),
                    m.from.clone().unwrap_or_else(|| "-".into()),
                    recipients,
                    format!("{unread}{}", m.subject.as_deref().unwrap_or("")),
                    m.route_cell(),
                    m.route
                        .as_ref()
                        .and_then(|r| r.process.clone())
                        .unwrap_or_else(|| "-".into()),
                    m.route.as_ref().map(flags).unwrap_or_default(),
                ]);
            }
        }
        if messages.is_empty() {
            if ctx.terminal {
                writeln!(out, "No messages.")?;
            }
            return Ok(());
        }
        messages.write(out, ctx.terminal, ctx.width)?;
        if ctx.terminal {
            writeln!(out, "* unread")?;
        }
        Ok(())
    }
}

/// A progress bar over folders: only on a terminal, only for many folders.
struct FolderBar {
    bar: Option<ProgressBar>,
}

impl FolderBar {
    fn new(printer: &Printer, folders: usize) -> Self {
        let show = printer.stderr_is_terminal() && folders >= MANY_FOLDERS;
        let bar = show.then(|| {
            let bar = ProgressBar::new(folders as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} reading folders {pos}/{len} {wide_bar}")
            {
                bar.set_style(style);
            }
            bar
        });
        FolderBar { bar }
    }

    fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shortened_as_chrono_formats_them() {
        for text in [
            "2026-11-30T09:05:59Z",
            "2026-11-30T23:59:59.9999999Z",
            "2026-12-01T01:30:00+02:00",
            "0001-01-01T00:00:00Z",
        ] {
            let chrono = parse_time(text).map(|t| t.format("%Y-%m-%d %H:%M").to_string());
            assert_eq!(Some(short_time(&Some(text.into()))), chrono, "{text}");
        }
        assert_eq!(short_time(&Some("yesterday".into())), "yesterday");
        assert_eq!(short_time(&None), "-");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_text(40), "40 s");
        assert_eq!(age_text(5 * 60 + 3), "5 min");
        assert_eq!(age_text(3 * 3600 + 12 * 60), "3 h 12 min");
        assert_eq!(age_text(86_400 + 4 * 3600 + 59), "1 d 4 h");
    }

    fn args(connector: &str) -> MailPeekArgs {
        MailPeekArgs {
            connector: connector.into(),
            folder: None,
            limit: 10,
            page_size: None,
            unread: false,
        }
    }

    fn state() -> crate::state::State {
        let mut state = crate::state::State::new();
        for (name, use_for, folders) in [
            ("in", UseFor::Incoming, vec!["Inbox".to_string()]),
            ("out", UseFor::Outbound, vec![]),
        ] {
            state.connectors.push(Connector {
                name: name.into(),
                use_for,
                address: format!("{name}@contoso.com"),
                enabled: false,
                folders,
                process: None,
                send_automated_emails: false,
                test_mode: false,
                ai: vec![],
                test: None,
            });
        }
        state
    }

    #[test]
    fn resolve_checks_the_connector_and_the_numbers() {
        let s = state();
        let err = resolve(&s, &args("out")).unwrap_err();
        assert_eq!(err.kind.exit_code(), 2, "{}", err.message);
        assert!(resolve(&s, &args("nope")).is_err());
        let mut a = args("in");
        a.limit = 0;
        assert_eq!(resolve(&s, &a).unwrap_err().kind.exit_code(), 2);
        let mut a = args("in");
        a.limit = 250;
        let r = resolve(&s, &a).unwrap();
        assert_eq!(r.page_size, 250, "one page when the limit fits in one");
        a.limit = LIMIT_MAX;
        let r = resolve(&s, &a).unwrap();
        assert_eq!(r.page_size, TOP_MAX, "Graph's largest page");
        assert_eq!(r.limit.div_ceil(r.page_size), 10);
        a.limit = LIMIT_MAX + 1;
        let err = resolve(&s, &a).unwrap_err();
        assert_eq!(err.kind.exit_code(), 2);
        assert!(err.message.contains("1 to 10000"), "{}", err.message);
        let mut a = args("in");
        a.limit = 250;
        let r = resolve(&s, &a).unwrap();
        assert!(
            r.notes.iter().any(|n| n.contains("not live")),
            "{:?}",
            r.notes
        );
        let mut a = args("in");
        a.folder = Some("Inbox/Other".into());
        let r = resolve(&s, &a).unwrap();
        assert_eq!(r.folders, vec!["Inbox/Other"]);
        assert!(r.notes.iter().any(|n| n.contains("does not read it")));
    }
}

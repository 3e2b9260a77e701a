//! `graphmail mail send`: a message through a live outbound connector (from
//! its primary address) or a live outgoing route (its alias as `from`,
//! through the connector's mailbox URL), saved to Sent Items (reference
//! §4.8, §4.9).
//!
//! Everything typed is checked before the network is touched: the sender
//! (`[route:|connector:]NAME`), addresses, the body, and attachments (up to
//! 150 MB each). Untrusted senders are refused with exit 4.
//!
//! Attachments (reference §4.1, §4.8): small ones go inline while the
//! whole request stays under Graph's ~4 MB limit ([`REQUEST_LIMIT`],
//! counting base64's growth and the JSON) and inline files together under
//! 3 MB; the rest make the send a draft: files under 3 MB are added by
//! `POST /messages/{id}/attachments`, larger ones through an upload session
//! (`graph::upload`), then the draft is sent. A message over the mailbox's
//! `MaxSendSize` is explained with `Set-Mailbox -MaxSendSize`. Files under
//! 3 MB are read whole; larger ones stay open files read a chunk at a time
//! as they go up ([`Attachment::Open`]), so memory does not grow with them.
//!
//! `--verify-sent` (reference §8): with Mail.ReadWrite, a draft is created
//! with immutable IDs, sent, and read back by that ID until it sits in Sent
//! Items (exact); otherwise Sent Items is searched for the subject and
//! recipients since the send (weak, and labelled so). Either way the output
//! shows the `from` the copy carries: an alias rewritten to the primary
//! address is reported as such, never assumed.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::cli::MailSendArgs;
use crate::diagnose::hints::HintContext;
use crate::diagnose::probe::{self, FromOutcome, Method, Verification, VerifyMethod};
use crate::error::{CliError, Result};
use crate::graph::upload::{
    self, MAX_UPLOAD_SESSION_BYTES, MIN_UPLOAD_SESSION_BYTES, UploadProgress, UploadRequest,
};
use crate::graph::{BodyType, FileAttachment, GraphClient, GraphError, OutgoingMessage};
use crate::output::Render;
use crate::output::printer::{Paint, TextContext};
use crate::state::trust::{self, TestState};
use crate::state::{Connector, Route, State, UseFor, validate};

use super::{Context, READ_WRITE, SEND, connect, service_error};
use crate::commands::views::{self, SCHEMA_VERSION};

/// Inline attachments must stay under 3 MB together (reference §4.8).
pub const INLINE_LIMIT: u64 = 3 * 1024 * 1024;
/// Graph refuses a request body of 4 MiB or more (413
/// `RequestEntityTooLarge`; "The maximum request length supported is 4MB."
/// for a 4 MiB body, microsoft-graph-docs-contrib issue 682; reference §4.1).
pub const REQUEST_LIMIT: u64 = 4 * 1024 * 1024;
/// How often Sent Items is looked at while verifying.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Who sends: resolved from `--from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender {
    /// `connector` or `route`.
    pub kind: &'static str,
    pub name: String,
    pub connector: String,
    /// The shared mailbox in the request URL.
    pub mailbox: String,
    /// `from` when it differs from the mailbox (an alias route).
    pub alias: Option<String>,
}

impl Sender {
    pub fn sent_from(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.mailbox)
    }
}

/// What `mail send` was asked, checked and read.
#[derive(Debug)]
pub struct SendRequest {
    pub sender: Sender,
    /// With the attachments that go inline.
    pub message: OutgoingMessage,
    /// Attached to a draft after it is made (too large to go inline).
    pub separate: Vec<Attachment>,
    /// Every attachment in `--attach` order, with how it travels.
    pub attachment_views: Vec<AttachmentView>,
    pub verify: Option<Duration>,
}

enum Named<'a> {
    Connector(&'a Connector),
    Route(&'a Route),
}

/// Resolves `--from [route:|connector:]NAME` and checks it may send.
pub fn resolve_sender(state: &State, from: &str) -> Result<Sender> {
    let from = from.trim();
    let not_found = |what: &str, name: &str| {
        CliError::usage(format!("no {what} named '{name}'"))
            .hint("see them with `graphmail connector list` and `graphmail route list`")
    };
    let named = if let Some(name) = from.strip_prefix("route:") {
        Named::Route(state.route(name).ok_or_else(|| not_found("route", name))?)
    } else if let Some(name) = from.strip_prefix("connector:") {
        Named::Connector(
            state
                .connector(name)
                .ok_or_else(|| not_found("connector", name))?,
        )
    } else {
        match (state.connector(from), state.route(from)) {
            (Some(c), None) => Named::Connector(c),
            (None, Some(r)) => Named::Route(r),
            // A connector's default route carries its name and address: the same sender.
            (Some(c), Some(r)) if r.default && r.connector == c.name => Named::Connector(c),
            (Some(_), Some(_)) => {
                return Err(CliError::usage(format!(
                    "'{from}' names both a connector and a route"
                ))
                .hint(format!(
                    "pass --from connector:{from} or --from route:{from}"
                )));
            }
            (None, None) => return Err(not_found("connector or route", from)),
        }
    };
    match named {
        Named::Connector(c) => {
            if c.use_for != UseFor::Outbound {
                return Err(CliError::usage(format!(
                    "connector '{}' is incoming: mail is sent through an outbound connector",
                    c.name
                ))
                .hint(
                    "pass an outbound connector or an outgoing route (`graphmail connector list`)",
                ));
            }
            if !trust::connector_live(state, c) {
                return Err(not_live(
                    "connector",
                    &c.name,
                    c.enabled,
                    trust::connector_test_state(state, c),
                    &format!("graphmail test-connection connector {}", c.name),
                ));
            }
            Ok(Sender {
                kind: "connector",
                name: c.name.clone(),
                connector: c.name.clone(),
                mailbox: c.address.trim().to_string(),
                alias: None,
            })
        }
        Named::Route(r) => {
            let Some(c) = state.connector(&r.connector) else {
                return Err(CliError::usage(format!(
                    "route '{}' names connector '{}', which does not exist",
                    r.name, r.connector
                )));
            };
            if c.use_for != UseFor::Outbound {
                return Err(CliError::usage(format!(
                    "route '{}' is an incoming route (connector '{}' is incoming): it cannot send",
                    r.name, c.name
                ))
                .hint("pass an outgoing route or an outbound connector"));
            }
            if !trust::connector_live(state, c) {
                return Err(not_live(
                    "connector",
                    &c.name,
                    c.enabled,
                    trust::connector_test_state(state, c),
                    &format!("graphmail test-connection connector {}", c.name),
                )
                .hint(format!("route '{}' sends through it", r.name)));
            }
            if !trust::route_live(state, r) {
                return Err(not_live(
                    "route",
                    &r.name,
                    r.enabled,
                    trust::route_test_state(state, r),
                    &format!(
                        "graphmail test-connection route {} --send-test-to ADDRESS",
                        r.name
                    ),
                ));
            }
            let mailbox = c.address.trim().to_string();
            let address = r.address.trim().to_string();
            let alias = (!address.eq_ignore_ascii_case(&mailbox)).then_some(address);
            Ok(Sender {
                kind: "route",
                name: r.name.clone(),
                connector: c.name.clone(),
                mailbox,
                alias,
            })
        }
    }
}

/// Exit 4: a sender that is disabled or whose test does not cover it.
fn not_live(kind: &str, name: &str, enabled: bool, test: TestState, test_cmd: &str) -> CliError {
    let (why, hint) = match (enabled, test) {
        (_, TestState::Untested) => ("has never passed a connection test", test_cmd.to_string()),
        (_, TestState::Failed) => ("failed its last connection test", test_cmd.to_string()),
        (_, TestState::Unverified) => (
            "was not verified by its last connection test",
            test_cmd.to_string(),
        ),
        (_, TestState::Stale) => (
            "was changed since its last connection test",
            test_cmd.to_string(),
        ),
        (false, TestState::Passed) => ("is disabled", format!("graphmail enable {kind} {name}")),
        (true, TestState::Passed) => ("is not live", test_cmd.to_string()),
    };
    let mut err = CliError::refused(format!(
        "refusing to send through {kind} '{name}': it {why}"
    ))
    .hint(format!("run `{hint}`"));
    if test != TestState::Passed {
        err = err.hint(format!(
            "then `graphmail enable {kind} {name}`; only live senders are used"
        ));
    }
    err
}

/// Checks everything typed and reads the body and attachments; no network.
pub fn resolve(state: &State, args: &MailSendArgs) -> Result<SendRequest> {
    let list = |flag: &'static str, values: &[String]| -> Result<Vec<String>> {
        values
            .iter()
            .map(|v| validate::email(flag, v).map_err(CliError::from))
            .collect()
    };
    let to = list("--to", &args.to)?;
    if to.is_empty() {
        return Err(CliError::usage("--to is required").hint("pass --to ADDRESS"));
    }
    let cc = list("--cc", &args.cc)?;
    let bcc = list("--bcc", &args.bcc)?;
    let body = match (&args.body, &args.body_file) {
        (Some(text), None) => text.clone(),
        (None, Some(path)) => read_body(path)?,
        (Some(_), Some(_)) => {
            return Err(CliError::usage(
                "--body and --body-file cannot be used together",
            ));
        }
        (None, None) => {
            return Err(CliError::usage("a body is required")
                .hint("pass --body TEXT, or --body-file FILE (`-` reads standard input)"));
        }
    };
    let attachments = read_attachments(&args.attach)?;
    // The typed input first (exit 2), then whether the sender may send (exit 4).
    let sender = resolve_sender(state, &args.from)?;
    let message = OutgoingMessage {
        subject: args.subject.clone(),
        body,
        body_type: if args.html {
            BodyType::Html
        } else {
            BodyType::Text
        },
        to,
        cc,
        bcc,
        from: sender.alias.clone(),
        headers: Vec::new(),
        attachments: Vec::new(),
    };
    let (message, separate, attachment_views) = plan_attachments(message, attachments)?;
    Ok(SendRequest {
        message,
        separate,
        attachment_views,
        sender,
        verify: args
            .verify_sent
            .then(|| Duration::from_secs(args.verify_timeout.max(1))),
    })
}

fn read_body(path: &Path) -> Result<String> {
    let bytes = super::input_file::read_body(path)?;
    let shown = path.display();
    String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("--body-file {shown}: the body is not UTF-8 text")))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// One `--attach` file.
#[derive(Debug)]
pub enum Attachment {
    /// Under [`MIN_UPLOAD_SESSION_BYTES`]: read whole (inline, or one POST).
    Whole(FileAttachment),
    /// From [`MIN_UPLOAD_SESSION_BYTES`] on, only an upload session takes it:
    /// the open file, read a chunk at a time while it goes up; `len` is its
    /// size when opened.
    Open {
        name: String,
        content_type: String,
        file: std::fs::File,
        len: u64,
    },
}

impl Attachment {
    fn name(&self) -> &str {
        match self {
            Attachment::Whole(f) => &f.name,
            Attachment::Open { name, .. } => name,
        }
    }

    fn content_type(&self) -> &str {
        match self {
            Attachment::Whole(f) => &f.content_type,
            Attachment::Open { content_type, .. } => content_type,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Attachment::Whole(f) => f.bytes.len() as u64,
            Attachment::Open { len, .. } => *len,
        }
    }
}

/// Opens `--attach` files (each once, up to the 150 MB an upload session
/// takes; only those under 3 MB are read now), refusing a set no mailbox
/// could send.
fn read_attachments(paths: &[std::path::PathBuf]) -> Result<Vec<Attachment>> {
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for path in paths {
        let shown = path.display();
        let (file, len) = super::input_file::open_attachment(
            path,
            MAX_UPLOAD_SESSION_BYTES,
            |len| {
                CliError::usage(format!(
                "--attach {shown} is {len} bytes ({}): over the 150 MB Graph takes for one attachment",
                mb(len)
            ))
            .hint("share a link to the file instead")
            },
        )?;
        total += len;
        if total > MAX_UPLOAD_SESSION_BYTES {
            return Err(CliError::usage(format!(
                "the attachments add up to {total} bytes ({}) with {shown}: over 150 MB, the largest message Exchange Online can send (Set-Mailbox -MaxSendSize 150MB)",
                mb(total)
            ))
            .hint("send them in several messages, or share links"));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let content_type = content_type(&name).to_string();
        out.push(if len >= MIN_UPLOAD_SESSION_BYTES {
            Attachment::Open {
                name,
                content_type,
                file,
                len,
            }
        } else {
            Attachment::Whole(FileAttachment {
                name,
                content_type,
                bytes: super::input_file::read_opened(path, file, len)?,
            })
        });
    }
    Ok(out)
}

/// How an attachment travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachVia {
    /// In the `sendMail` (or draft) request itself.
    Inline,
    /// `POST /messages/{id}/attachments` on the draft.
    Post,
    /// `attachments/createUploadSession` and PUTs of at most 4 MB.
    UploadSession,
}

/// Splits the files into those that go inline (smallest first, while the
/// request stays under [`REQUEST_LIMIT`] and inline files under
/// [`INLINE_LIMIT`]) and those attached to a draft. Exit 2 for a file that
/// fits no path: too large for one request, too small for an upload session.
#[allow(clippy::type_complexity)]
pub fn plan_attachments(
    mut message: OutgoingMessage,
    files: Vec<Attachment>,
) -> Result<(OutgoingMessage, Vec<Attachment>, Vec<AttachmentView>)> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| files[i].len());
    let mut via = vec![AttachVia::Inline; files.len()];
    let mut request = message.request_bytes();
    let mut inline: u64 = 0;
    for &i in &order {
        let file = match &files[i] {
            Attachment::Whole(file) => file,
            // 3 MB or more: over the inline limit, and an upload session's.
            Attachment::Open { .. } => {
                via[i] = AttachVia::UploadSession;
                continue;
            }
        };
        let len = file.bytes.len() as u64;
        let grows = file.request_bytes();
        if inline + len < INLINE_LIMIT && request + grows < REQUEST_LIMIT {
            inline += len;
            request += grows;
            continue;
        }
        via[i] = if len >= MIN_UPLOAD_SESSION_BYTES {
            AttachVia::UploadSession
        } else if grows < REQUEST_LIMIT {
            AttachVia::Post
        } else {
            return Err(CliError::usage(format!(
                "--attach {} is {len} bytes: as base64 ({grows} bytes with its JSON) it is over the 4 MB Graph takes in one request, and under the 3 MB ({MIN_UPLOAD_SESSION_BYTES} bytes) an upload session needs",
                file.name
            ))
            .hint("compress it, or make it 3 MB or larger (an upload session takes 3 MB to 150 MB)"));
        };
    }
    let views = files
        .iter()
        .zip(&via)
        .map(|(a, v)| AttachmentView {
            name: a.name().to_string(),
            content_type: a.content_type().to_string(),
            size: a.len(),
            via: *v,
        })
        .collect();
    let mut separate = Vec::new();
    for (file, v) in files.into_iter().zip(via) {
        match (file, v) {
            (Attachment::Whole(file), AttachVia::Inline) => message.attachments.push(file),
            (file, _) => separate.push(file),
        }
    }
    Ok((message, separate, views))
}

/// A MIME type from the file name's extension, else `application/octet-stream`.
pub fn content_type(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "md" => "text/markdown",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "eml" => "message/rfc822",
        "ics" => "text/calendar",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

pub async fn send(ctx: &Context, args: MailSendArgs) -> Result<()> {
    let state = ctx.store.load()?.state;
    crate::commands::preflight::check(&state)?;
    let request = resolve(&state, &args)?;
    let (client, hints) = connect(ctx, &state)?;
    let mut result = SendResult::new(&request);
    let outcome = match request.verify {
        _ if !request.separate.is_empty() => {
            send_with_draft(ctx, &client, &hints, &request, &mut result).await
        }
        None => send_plain(&client, &hints, &request, &mut result).await,
        Some(wait) => send_verified(&client, &hints, &request, wait, &mut result).await,
    };
    outcome?;
    if let Some(alias) = &request.sender.alias {
        match result.from_outcome {
            Some(FromOutcome::Rewritten) => result.notes.push(format!(
                "Exchange rewrote the alias {alias} to the mailbox's primary address {}: recipients see {}",
                request.sender.mailbox, request.sender.mailbox
            )),
            Some(FromOutcome::Different) => result.notes.push(format!(
                "the Sent Items copy shows From {} although {alias} was sent",
                result.from_observed.as_deref().unwrap_or("?")
            )),
            Some(FromOutcome::AsSent) => {}
            None if result.verification.is_none() => result.notes.push(format!(
                "whether Exchange kept {alias} as From is seen only in the Sent Items copy: pass --verify-sent"
            )),
            None => {}
        }
    }
    for note in &result.notes {
        ctx.printer.note(format!("note: {note}"));
    }
    views::show(&ctx.printer, &result)?;
    match &result.verification {
        Some(v) if !v.found => Err(CliError::runtime(format!(
            "the message was sent (do not send it again), but its copy was not found in Sent Items of {} within {} s",
            request.sender.mailbox,
            request.verify.unwrap_or_default().as_secs()
        ))
        .hint(
            "Exchange may still be processing it (reference: the copy lands after transport accepts it); look again later",
        )),
        _ => Ok(()),
    }
}

/// A failed send as exit 1, with `ErrorSendAsDenied` explained.
fn send_error(e: &GraphError, hints: &HintContext, sender: &Sender) -> CliError {
    let from = sender.sent_from();
    let mailbox = &sender.mailbox;
    if e.has_code("ErrorSendAsDenied") {
        return CliError::runtime(format!(
            "Exchange refused to send as {from} from mailbox {mailbox} (ErrorSendAsDenied): {e}"
        ))
        .hint(format!(
            "in Exchange admin center > Recipients > Mailboxes > {from} > Delegation, give {mailbox} Send As; or run Add-RecipientPermission -Identity {from} -Trustee {mailbox} -AccessRights SendAs"
        ))
        .hint(format!(
            "if {from} is an alias (proxy address) of {mailbox}, allow sending from aliases: Set-OrganizationConfig -SendFromAliasEnabled $true (up to an hour to apply)"
        ))
        .hint(format!(
            "or send from the mailbox's primary address: --from connector:{}",
            sender.connector
        ));
    }
    service_error(
        &format!("sending as {from} through {mailbox} failed"),
        e,
        hints,
        mailbox,
        SEND,
    )
}

/// Exit 1 for a message over the mailbox's `MaxSendSize`, else [`send_error`].
fn size_or_send_error(e: &GraphError, hints: &HintContext, request: &SendRequest) -> CliError {
    if !upload::is_message_too_large(e) {
        return send_error(e, hints, &request.sender);
    }
    let mailbox = &request.sender.mailbox;
    let size: u64 = request.attachment_views.iter().map(|a| a.size).sum();
    CliError::runtime(format!(
        "the message ({} of attachments) is larger than {mailbox} may send: Exchange refused it (ErrorMessageSizeExceeded): {e}",
        mb(size)
    ))
    .hint(format!(
        "an Exchange admin can raise the mailbox's limit (35 MB by default, up to 150 MB): Set-Mailbox -Identity {mailbox} -MaxSendSize 150MB"
    ))
    .hint("or share large files by link")
}

/// Attachments too large to go inline: a draft (with the inline ones), each
/// other file added by POST or an upload session, then `/send`; the draft is
/// deleted again if anything fails before the send.
async fn send_with_draft(
    ctx: &Context,
    client: &GraphClient,
    hints: &HintContext,
    request: &SendRequest,
    result: &mut SendResult,
) -> Result<()> {
    let mailbox = request.sender.mailbox.as_str();
    let draft = client
        .create_draft(mailbox, &request.message, request.verify.is_some())
        .await
        .map_err(|e| {
            if e.has_code("ErrorSendAsDenied") {
                return send_error(&e, hints, &request.sender);
            }
            service_error(
                &format!(
                    "attachments over {} go through a draft, and creating one in {mailbox} failed",
                    mb(REQUEST_LIMIT)
                ),
                &e,
                hints,
                mailbox,
                READ_WRITE,
            )
        })?;
    let id = draft.value.id.clone();
    let attached = attach_all(ctx, client, mailbox, &id, &request.separate).await;
    let sent = match attached {
        Ok(()) => client.send_draft(mailbox, &id).await,
        Err(e) => Err(e),
    };
    let sent = match sent {
        Ok(sent) => sent,
        Err(e) => {
            let mut err = size_or_send_error(&e, hints, request);
            if client.delete_message(mailbox, &id).await.is_err() {
                err = err.hint(format!(
                    "the unsent draft '{}' could not be deleted: it stays in Drafts of {mailbox}",
                    request.message.subject
                ));
            }
            return Err(err);
        }
    };
    result.method = Method::DraftSend;
    result.request_id = sent.request_id;
    if let Some(wait) = request.verify {
        let verification =
            probe::find_by_immutable_id(client, mailbox, &id, wait, POLL_INTERVAL).await;
        result.observe(verification, &request.sender);
    }
    Ok(())
}

async fn attach_all(
    ctx: &Context,
    client: &GraphClient,
    mailbox: &str,
    id: &str,
    files: &[Attachment],
) -> std::result::Result<(), GraphError> {
    for attachment in files {
        let (name, content_type, file, len) = match attachment {
            Attachment::Whole(file) => {
                client.add_attachment(mailbox, id, file).await?;
                continue;
            }
            Attachment::Open {
                name,
                content_type,
                file,
                len,
            } => (name, content_type, file, *len),
        };
        let bar = UploadBar::new(ctx, name);
        let request = UploadRequest::from_file(name, content_type, file, len);
        let report = client.upload_attachment(mailbox, id, &request, &bar).await;
        bar.finish();
        let report = report?;
        tracing::debug!(
            "uploaded {} in {} chunks ({} PUTs, {} throttled) in {} ms",
            name,
            report.chunks.len(),
            report.put_requests,
            report.throttled,
            report.elapsed_ms
        );
    }
    Ok(())
}

/// A byte progress bar for one upload, on a terminal only.
struct UploadBar {
    bar: Option<indicatif::ProgressBar>,
}

impl UploadBar {
    fn new(ctx: &Context, name: &str) -> Self {
        let bar = ctx.printer.stderr_is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {elapsed}",
            ) {
                bar.set_style(style);
            }
            // NOTE: the file name is the user's own input; shown as typed.
            bar.set_message(format!("uploading {name}"));
            bar
        });
        UploadBar { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl UploadProgress for UploadBar {
    fn advanced(&self, sent: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(sent);
        }
    }
}

async fn send_plain(
    client: &GraphClient,
    hints: &HintContext,
    request: &SendRequest,
    result: &mut SendResult,
) -> Result<()> {
    let sent = client
        .send_mail(&request.sender.mailbox, &request.message, true)
        .await
        .map_err(|e| send_error(&e, hints, &request.sender))?;
    result.method = Method::SendMail;
    result.request_id = sent.request_id;
    Ok(())
}

async fn send_verified(
    client: &GraphClient,
    hints: &HintContext,
    request: &SendRequest,
    wait: Duration,
    result: &mut SendResult,
) -> Result<()> {
    let mailbox = request.sender.mailbox.as_str();
    let token = client.tokens().token().await.map_err(|e| {
        service_error(
            "no token",
            &GraphError::token(e),
            hints,
            mailbox,
            READ_WRITE,
        )
    })?;
    let claims = token.claims.clone();
    let sent = probe::send(
        client,
        mailbox,
        &request.message,
        &claims,
        Some(wait),
        POLL_INTERVAL,
    )
    .await
    .map_err(|failure| {
        let mut err = send_error(&failure.error, hints, &request.sender);
        if failure.draft_left {
            err = err.hint(format!(
                "the unsent draft '{}' could not be deleted: it stays in Drafts of {mailbox}",
                request.message.subject
            ));
        }
        err
    })?;
    result.method = sent.method;
    result.request_id = sent.request_id;
    result.notes.extend(sent.notes);
    if let Some(verification) = sent.verification {
        result.observe(verification, &request.sender);
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct SenderView {
    pub kind: &'static str,
    pub name: String,
    pub connector: String,
    pub mailbox: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub via: AttachVia,
}

/// The JSON of `mail send` (docs/json.md).
#[derive(Debug, Serialize)]
pub struct SendResult {
    pub schema_version: u32,
    pub sent: bool,
    pub method: Method,
    pub sender: SenderView,
    pub from_as_sent: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub attachments: Vec<AttachmentView>,
    pub saved_to_sent_items: bool,
    pub request_id: Option<String>,
    /// The Sent Items copy's ID (immutable with --verify-sent), when found.
    pub message_id: Option<String>,
    pub from_observed: Option<String>,
    pub from_outcome: Option<FromOutcome>,
    pub verification: Option<Verification>,
    pub notes: Vec<String>,
}

impl SendResult {
    fn new(request: &SendRequest) -> Self {
        let m = &request.message;
        SendResult {
            schema_version: SCHEMA_VERSION,
            sent: true,
            method: Method::SendMail,
            sender: SenderView {
                kind: request.sender.kind,
                name: request.sender.name.clone(),
                connector: request.sender.connector.clone(),
                mailbox: request.sender.mailbox.clone(),
            },
            from_as_sent: request.sender.sent_from().to_string(),
            to: m.to.clone(),
            cc: m.cc.clone(),
            bcc: m.bcc.clone(),
            subject: m.subject.clone(),
            attachments: request.attachment_views.clone(),
            saved_to_sent_items: true,
            request_id: None,
            message_id: None,
            from_observed: None,
            from_outcome: None,
            verification: None,
            notes: Vec::new(),
        }
    }

    fn observe(&mut self, v: Verification, sender: &Sender) {
        self.message_id = v.message_id.clone();
        self.from_observed = v.from_observed.clone();
        self.from_outcome = v
            .from_observed
            .as_deref()
            .map(|seen| from_outcome(sender, seen));
        self.verification = Some(v);
    }
}

/// Compares the `from` a copy shows with the one sent.
pub fn from_outcome(sender: &Sender, seen: &str) -> FromOutcome {
    probe::judge_from(sender.sent_from(), &sender.mailbox, seen)
}

impl Render for SendResult {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let method = match self.method {
            Method::SendMail => "sendMail",
            Method::DraftSend => "draft + send",
        };
        writeln!(
            out,
            "sent:         {} via {} '{}' (mailbox {}) with {method}",
            ctx.paint("yes", Paint::Green),
            self.sender.kind,
            self.sender.name,
            self.sender.mailbox
        )?;
        writeln!(out, "from (sent):  {}", self.from_as_sent)?;
        writeln!(out, "to:           {}", self.to.join(", "))?;
        if !self.cc.is_empty() {
            writeln!(out, "cc:           {}", self.cc.join(", "))?;
        }
        if !self.bcc.is_empty() {
            writeln!(out, "bcc:          {}", self.bcc.join(", "))?;
        }
        writeln!(out, "subject:      {}", self.subject)?;
        for a in &self.attachments {
            writeln!(
                out,
                "attachment:   {} ({}, {} bytes, {})",
                a.name,
                a.content_type,
                a.size,
                match a.via {
                    AttachVia::Inline => "inline",
                    AttachVia::Post => "added to the draft",
                    AttachVia::UploadSession => "upload session",
                }
            )?;
        }
        if let Some(id) = &self.request_id {
            writeln!(out, "request id:   {id}")?;
        }
        match &self.verification {
            None => writeln!(out, "verified:     no (pass --verify-sent)")?,
            Some(v) if !v.found => writeln!(
                out,
                "verified:     {} in Sent Items after {} ms ({})",
                ctx.paint("not found", Paint::Red),
                v.waited_ms,
                match v.method {
                    VerifyMethod::ImmutableId => "by immutable ID",
                    VerifyMethod::SubjectMatch => "by subject and recipients, weak",
                }
            )?,
            Some(v) => {
                let how = match v.method {
                    VerifyMethod::ImmutableId => "found in Sent Items by immutable ID (exact)",
                    VerifyMethod::SubjectMatch => {
                        "found in Sent Items by subject and recipients (weak match)"
                    }
                };
                writeln!(out, "verified:     {}", ctx.paint(how, Paint::Green))?;
                writeln!(
                    out,
                    "message id:   {}",
                    v.message_id.as_deref().unwrap_or("-")
                )?;
                let outcome = match self.from_outcome {
                    Some(FromOutcome::AsSent) => " (as sent)",
                    Some(FromOutcome::Rewritten) => " (alias rewritten to the primary address)",
                    Some(FromOutcome::Different) => " (differs from what was sent)",
                    None => "",
                };
                writeln!(
                    out,
                    "from (seen):  {}{outcome}",
                    v.from_observed.as_deref().unwrap_or("-")
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::probe::matches_sent;
    use crate::graph::{EmailAddress, Message, Recipient};

    #[test]
    fn bare_names_resolve_when_unambiguous() {
        use crate::state::Connector;
        let mut state = State::new();
        for name in ["out", "other"] {
            state.connectors.push(Connector {
                name: name.into(),
                use_for: UseFor::Outbound,
                address: format!("{name}@contoso.com"),
                enabled: true,
                folders: vec![],
                process: None,
                send_automated_emails: false,
                test_mode: false,
                ai: vec![],
                test: None,
            });
        }
        let route = |name: &str, connector: &str, default: bool| Route {
            name: name.into(),
            description: String::new(),
            connector: connector.into(),
            address: format!("{name}@contoso.com"),
            enabled: true,
            default,
            process: None,
            send_automated_emails: false,
            for_attention: false,
            test_mode: false,
            test: None,
        };
        // A default route shares its connector's name: the same sender.
        state.routes.push(route("out", "out", true));
        // A hand-edited file can give a route another connector's name.
        state.routes.push(route("other", "out", false));
        // Not live (no integration): refused, but only after the name resolved.
        let err = resolve_sender(&state, "out").unwrap_err();
        assert_eq!(err.kind.exit_code(), 4, "{}", err.message);
        assert!(err.message.contains("connector 'out'"), "{}", err.message);
        let err = resolve_sender(&state, "other").unwrap_err();
        assert_eq!(err.kind.exit_code(), 2, "{}", err.message);
        assert!(err.hints.iter().any(|h| h.contains("route:other")));
        let err = resolve_sender(&state, "route:other").unwrap_err();
        assert_eq!(err.kind.exit_code(), 4, "{}", err.message);
        let err = resolve_sender(&state, "nobody").unwrap_err();
        assert_eq!(err.kind.exit_code(), 2);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("report.PDF"), "application/pdf");
        assert_eq!(content_type("notes.txt"), "text/plain");
        assert_eq!(content_type("blob"), "application/octet-stream");
        assert_eq!(content_type("x.unknownext"), "application/octet-stream");
    }

    fn sender(alias: Option<&str>) -> Sender {
        Sender {
            kind: "route",
            name: "info".into(),
            connector: "out".into(),
            mailbox: "noreply@contoso.com".into(),
            alias: alias.map(str::to_string),
        }
    }

    #[test]
    fn from_outcomes() {
        let s = sender(Some("info@contoso.com"));
        assert_eq!(from_outcome(&s, "INFO@contoso.com"), FromOutcome::AsSent);
        assert_eq!(
            from_outcome(&s, "noreply@contoso.com"),
            FromOutcome::Rewritten
        );
        assert_eq!(from_outcome(&s, "x@contoso.com"), FromOutcome::Different);
        let s = sender(None);
        assert_eq!(from_outcome(&s, "noreply@contoso.com"), FromOutcome::AsSent);
    }

    #[test]
    fn weak_match_needs_subject_and_every_to() {
        let rcpt = |a: &str| Recipient {
            email_address: EmailAddress {
                address: Some(a.into()),
                name: None,
            },
        };
        let copy = Message {
            subject: Some("Hello".into()),
            to_recipients: vec![rcpt("A@x.com"), rcpt("b@x.com")],
            ..Message::default()
        };
        let mut sent = OutgoingMessage {
            subject: "Hello".into(),
            to: vec!["a@x.com".into()],
            ..OutgoingMessage::default()
        };
        assert!(matches_sent(&copy, &sent));
        sent.to.push("c@x.com".into());
        assert!(!matches_sent(&copy, &sent));
        sent.to.pop();
        sent.subject = "Other".into();
        assert!(!matches_sent(&copy, &sent));
    }

    #[test]
    fn attachments_are_planned_by_request_size() {
        let file = |name: &str, len: usize| {
            if (len as u64) < MIN_UPLOAD_SESSION_BYTES {
                return Attachment::Whole(FileAttachment {
                    name: name.into(),
                    content_type: "application/octet-stream".into(),
                    bytes: vec![0u8; len],
                });
            }
            let file = tempfile::tempfile().unwrap();
            file.set_len(len as u64).unwrap();
            Attachment::Open {
                name: name.into(),
                content_type: "application/octet-stream".into(),
                file,
                len: len as u64,
            }
        };
        let message = |body: usize| OutgoingMessage {
            subject: "s".into(),
            body: "b".repeat(body),
            to: vec!["a@x.com".into()],
            ..OutgoingMessage::default()
        };
        // 2.9 MB with a short body: inline, and the request really is under 4 MiB.
        let (m, separate, views) =
            plan_attachments(message(100), vec![file("a", 2_900_000)]).unwrap();
        assert!(separate.is_empty());
        assert_eq!(views[0].via, AttachVia::Inline);
        let encoded = serde_json::to_vec(&m.to_json()).unwrap().len() as u64;
        assert!(encoded <= m.request_bytes() && encoded < REQUEST_LIMIT);
        // The same file with a long body no longer fits: added to a draft.
        let (_, separate, views) =
            plan_attachments(message(400_000), vec![file("a", 2_900_000)]).unwrap();
        assert_eq!(separate.len(), 1);
        assert_eq!(views[0].via, AttachVia::Post);
        // 3 MB and over: an upload session; small ones stay inline.
        let (m, _, views) =
            plan_attachments(message(10), vec![file("big", 20 << 20), file("s", 10)]).unwrap();
        assert_eq!(views[0].via, AttachVia::UploadSession);
        assert_eq!(views[1].via, AttachVia::Inline);
        assert_eq!(m.attachments.len(), 1);
        // Just under 3 MiB: too large for a request, too small for a session.
        let err = plan_attachments(message(10), vec![file("dead.bin", (3 << 20) - 1)]).unwrap_err();
        assert_eq!(err.kind.exit_code(), 2);
        assert!(err.message.contains("dead.bin"), "{}", err.message);
    }
}

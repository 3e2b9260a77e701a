//! `graphmail mail ...`: clap types of `mail peek`, `mail send` and
//! `mail folders`; the logic is in `commands::mail`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use clap_complete::ArgValueCandidates;

use super::names;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Read-only: recent mail of an incoming connector and the route each would take
    Peek(MailPeekArgs),
    /// Send through an outbound connector or an outgoing (alias) route
    Send(MailSendArgs),
    /// The mailbox's folder tree with total and unread counts, marking the folders the connector reads
    Folders(MailFoldersArgs),
    /// Follow an incoming connector's folders (delta) and print each new message with its route, until Ctrl-C
    #[command(after_help = WATCH_AFTER_HELP)]
    Watch(MailWatchArgs),
}

const WATCH_AFTER_HELP: &str = "\
Positions are kept in <state file>.d/delta/ and saved after every look. With none saved,
the watch starts from now (--from-start prints what the folders hold first).

Ctrl-C (SIGINT) or SIGTERM (what a service manager such as systemd sends) stops at once,
even during the interval or a slow request: the position of the last finished look is
kept and graphmail exits 0. A second signal while it shuts down ends it immediately.
With --once a signal ends graphmail the usual way (not exit 0); a position file is
replaced atomically, so none is ever left half-written.";

#[derive(Debug, Args)]
pub struct MailWatchArgs {
    /// The incoming connector
    #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(names::connectors))]
    pub connector: String,
    /// Only this folder (default: the connector's folders)
    #[arg(long, value_name = "PATH")]
    pub folder: Option<String>,
    /// Seconds between looks (1-3600)
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub interval: u64,
    /// Print what arrived since the saved position, save the new one, and exit
    #[arg(long)]
    pub once: bool,
    /// With no saved position, print what the folders hold first (default: start from now)
    #[arg(long)]
    pub from_start: bool,
}

#[derive(Debug, Args)]
pub struct MailFoldersArgs {
    /// The connector whose mailbox to show
    #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(names::connectors))]
    pub connector: String,
}

#[derive(Debug, Args)]
pub struct MailPeekArgs {
    /// The incoming connector
    #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(names::connectors))]
    pub connector: String,
    /// Only this folder (default: the connector's folders)
    #[arg(long, value_name = "PATH")]
    pub folder: Option<String>,
    /// Newest messages shown per folder (1-10000)
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
    /// Messages per Graph page (`$top`, 1-1000; default: the limit, at most 1000)
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Only unread messages
    #[arg(long)]
    pub unread: bool,
}

#[derive(Debug, Args)]
pub struct MailSendArgs {
    /// `route:NAME`, `connector:NAME`, or a bare name when unambiguous
    #[arg(long, value_name = "[route:|connector:]NAME", add = ArgValueCandidates::new(names::senders))]
    pub from: String,
    /// Recipient (repeatable)
    #[arg(long, required = true, value_name = "EMAIL")]
    pub to: Vec<String>,
    /// Copy recipient (repeatable)
    #[arg(long, value_name = "EMAIL")]
    pub cc: Vec<String>,
    /// Blind copy recipient (repeatable)
    #[arg(long, value_name = "EMAIL")]
    pub bcc: Vec<String>,
    /// The subject line
    #[arg(long)]
    pub subject: String,
    /// Body text
    #[arg(long, group = "body_source")]
    pub body: Option<String>,
    /// Read the body from a file (`-` for stdin)
    #[arg(long, value_name = "FILE", group = "body_source")]
    pub body_file: Option<PathBuf>,
    /// The body is HTML
    #[arg(long)]
    pub html: bool,
    /// Attach a file, up to 150 MB (repeatable); large ones go through an upload session
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Confirm the message reached the sending mailbox's Sent Items
    #[arg(long)]
    pub verify_sent: bool,
    /// How long --verify-sent waits for the Sent Items copy, in seconds
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30,
        requires = "verify_sent"
    )]
    pub verify_timeout: u64,
}

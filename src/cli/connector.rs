//! `graphmail connector ...`

use clap::{Args, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use super::{names, use_for};

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Add a connector (disabled until tested and enabled)
    Add(ConnectorAddArgs),
    /// List connectors
    List,
    /// Show one connector with its routes and last test
    Show(ConnectorNameArg),
    /// Change a connector; a live one is re-tested in the same command
    Set(ConnectorSetArgs),
    /// Remove a connector
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct ConnectorNameArg {
    /// The connector's name
    #[arg(add = ArgValueCandidates::new(names::connectors))]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The connector's name
    #[arg(add = ArgValueCandidates::new(names::connectors))]
    pub name: String,
    /// Also remove what depends on it
    #[arg(long)]
    pub cascade: bool,
    /// Exit 0 when there is nothing to remove, so a teardown can run twice
    #[arg(long)]
    pub ignore_missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UseForArg {
    Incoming,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AiArg {
    Classification,
    Sentiment,
    Extraction,
    ThankYou,
}

/// Options shared by `connector add` and `connector set`.
#[derive(Debug, Args, Default)]
pub struct ConnectorOptions {
    /// The work-item type incoming mail becomes (incoming only)
    #[arg(long, value_name = "PROCESS")]
    pub process: Option<String>,
    /// Send automated emails
    #[arg(long, overrides_with = "no_send_automated_emails")]
    pub send_automated_emails: bool,
    #[arg(long, hide = true)]
    pub no_send_automated_emails: bool,
    /// Only create work in test mode
    #[arg(long, overrides_with = "no_test_mode")]
    pub test_mode: bool,
    #[arg(long, hide = true)]
    pub no_test_mode: bool,
    /// Turn on an AI feature (repeatable)
    #[arg(long, value_enum, value_name = "FEATURE")]
    pub ai: Vec<AiArg>,
    /// Turn off an AI feature (repeatable)
    #[arg(long, value_enum, value_name = "FEATURE")]
    pub no_ai: Vec<AiArg>,
}

#[derive(Debug, Args)]
pub struct ConnectorAddArgs {
    /// The new connector's name (required; asked for when left out on a terminal)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// What the connector is used for
    #[arg(long, value_parser = use_for::UseForParser)]
    pub use_for: Option<UseForArg>,
    /// The shared mailbox's primary address
    #[arg(long, value_name = "EMAIL")]
    pub address: Option<String>,
    /// Folder path to read, e.g. Inbox/Support/EU (repeatable; incoming only)
    #[arg(long, value_name = "PATH")]
    pub folder: Vec<String>,
    #[command(flatten)]
    pub options: ConnectorOptions,
}

#[derive(Debug, Args)]
pub struct ConnectorSetArgs {
    /// The connector's name
    #[arg(add = ArgValueCandidates::new(names::connectors))]
    pub name: String,
    /// New primary address
    #[arg(long, value_name = "EMAIL")]
    pub address: Option<String>,
    /// Replace the folder list (repeatable)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["add_folder", "remove_folder"])]
    pub folder: Vec<String>,
    /// Add a folder path (repeatable)
    #[arg(long, value_name = "PATH")]
    pub add_folder: Vec<String>,
    /// Remove a folder path (repeatable)
    #[arg(long, value_name = "PATH")]
    pub remove_folder: Vec<String>,
    #[command(flatten)]
    pub options: ConnectorOptions,
    /// If the change makes this live connector fail its re-test, disable it instead of refusing
    #[arg(long)]
    pub disable: bool,
}

//! The command line, as clap types only (one file per command group). The
//! logic lives in `commands`, which never sees these types' parsing rules.

mod completion;
mod connector;
mod desired;
mod integration;
mod mail;
mod misc;
pub mod names;
mod route;
mod scope;
mod support;
mod use_for;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};

pub use completion::*;
pub use connector::*;
pub use desired::*;
pub use integration::*;
pub use mail::*;
pub use misc::*;
pub use route::*;
pub use scope::*;
pub use support::*;

use crate::output::{ColorChoice, Format};

const AFTER_HELP: &str = "\
Exit codes:
  0  ok
  1  runtime failure outside a test (keyring, file system, a mail command's service error)
  2  invalid usage or input
  3  a connection test ran and did not pass (failed, or unverified), or `doctor` found a problem
  4  refused by the enable gate (untested, failed, unverified or stale), or `status --check`
     found something live (or the integration, while anything is live) without a passing verdict
  5  `plan --exit-code`: the desired-state file differs from the state file

A pass means every fact the item needs to work was observed under its current settings, in
this run or an earlier one (shown with its age); nothing is assumed.

Environment:
  GRAPHMAIL_STATE                 state file (default: <config dir>/graphmail/state.toml);
                                  graphmail's own records live beside it in <state file>.d/
  GRAPHMAIL_CLIENT_SECRET         client secret for this run, overriding the recorded source
                                  (such a run records no test result; credential flags beat it)
  GRAPHMAIL_CERTIFICATE_PASSWORD  certificate password for this run (likewise)
  NO_COLOR, CI                    no colour; no prompts";

/// Set up, diagnose and run a Microsoft 365 email integration over Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "graphmail", version, propagate_version = true, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The heading global options share in every command's `--help`, apart
/// from the command's own.
pub const GLOBAL_HEADING: &str = "Global options";

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The state file (env: GRAPHMAIL_STATE)
    // NOTE: not clap's `env = ...`: clap counts a value from the environment
    // as given, and its error usage then shows `--state <PATH>` as if it
    // were required. `state::store::resolve_path` reads GRAPHMAIL_STATE.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL_HEADING)]
    pub state: Option<PathBuf>,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Table, value_name = "FORMAT", help_heading = GLOBAL_HEADING)]
    pub output: Format,
    /// Never prompt (implied without a terminal or when CI is set)
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub no_input: bool,
    /// Confirm destructive actions without asking
    #[arg(long, short = 'y', global = true, help_heading = GLOBAL_HEADING)]
    pub yes: bool,
    /// More detail on stderr: -v each request, -vv also its headers
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count, conflicts_with = "quiet", help_heading = GLOBAL_HEADING)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(long, short = 'q', global = true, help_heading = GLOBAL_HEADING)]
    pub quiet: bool,
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = GLOBAL_HEADING)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The tenant-level integration: tenant, app ID, credential
    #[command(subcommand)]
    Integration(Lazy<IntegrationCommand>),
    /// Incoming and outbound Graph connectors on shared mailboxes
    #[command(subcommand)]
    Connector(Lazy<ConnectorCommand>),
    /// Incoming routes (address to process) and outgoing routes (alias From addresses)
    #[command(subcommand)]
    Route(Lazy<RouteCommand>),
    /// Test the integration, a connector or a route: a pass rests on evidence
    #[command(
        long_about = "Test the integration, a connector or a route against Entra ID and Graph.\n\n\
A pass means every fact the target needs to work was observed under its current settings, in \
this run or an earlier one: the tenant resolves and a token is issued; an incoming connector's \
mailbox and folders answer; an outbound connector may send (with a read role, the mailbox \
answering and Mail.Send in the token; otherwise a probe); an alias route's probe keeps the alias \
as From. The verdict is passed, failed or unverified; both non-pass verdicts exit 3. Probes go to \
the outbound connector's own address (--send-test-to picks another) and only where a fact lacks \
evidence; evidence from earlier runs is carried and shown with its age."
    )]
    TestConnection(Lazy<TestConnectionArgs>),
    /// Set a tested connector or route live
    #[command(subcommand)]
    Enable(Lazy<EnableRef>),
    /// Take a connector (and its routes) or a route out of service
    #[command(subcommand)]
    Disable(Lazy<ItemRef>),
    /// Everything at a glance, with what needs attention
    Status(Lazy<StatusArgs>),
    /// What `apply` would change to match a desired-state file (touches nothing)
    Plan(Lazy<PlanArgs>),
    /// Converge the state to a desired-state file: create, test, enable what passes
    Apply(Lazy<ApplyArgs>),
    /// The current state as a desired-state file (secrets as their sources)
    Export(Lazy<ExportArgs>),
    /// Make a self-signed certificate for the app registration
    #[command(subcommand)]
    Certificate(Lazy<CertificateCommand>),
    /// Read and send mail through the connectors
    #[command(subcommand)]
    Mail(Lazy<MailCommand>),
    /// Restrict the app to exactly the connectors' mailboxes, and prove it
    #[command(subcommand)]
    Scope(Lazy<ScopeCommand>),
    /// The local Entra ID + Graph emulator
    #[command(subcommand)]
    Sandbox(Lazy<SandboxCommand>),
    /// Run the whole flow against the embedded sandbox
    Demo(Lazy<DemoArgs>),
    /// Print a shell completion script (connector and route names complete from the state file)
    Completion(Lazy<CompletionArgs>),
    /// Check this machine and state: clock, proxy, DNS, TLS, keyring, state file, expiry
    Doctor(Lazy<DoctorArgs>),
    /// The access token this integration gets
    #[command(subcommand)]
    Token(Lazy<TokenCommand>),
    /// Every recorded connection test, newest first, with codes and request-ids
    History(Lazy<HistoryArgs>),
    /// What a support engineer needs, in one redacted archive
    #[command(subcommand)]
    Support(Lazy<SupportCommand>),
}

/// A command's own arguments and subcommands, added to clap's tree only
/// once the command line reaches that command ([`clap::Command::defer`]).
/// Built up front, every command's arguments took most of clap's part of a
/// start: 0.5 to 0.9 ms and about 70 page faults of every command (issue 17
/// (a), BENCHMARKS.md). The names and one-line help the top level lists are
/// still built at once.
#[derive(Debug, Clone)]
pub struct Lazy<T>(pub T);

/// Set by [`full_command`]: [`Lazy`] builds at once.
static EAGER: AtomicBool = AtomicBool::new(false);

/// The whole command tree with every command's arguments, for what
/// describes the command line rather than parses one: completion (static
/// scripts and the shell's callbacks) and the tests that walk the tree.
/// clap copies `help`'s subtree (`graphmail help connector add`) from the
/// tree as it stands when the top level is built, so only this tree has all
/// of it. From the first call on, [`Lazy`] defers nothing in this process.
pub fn full_command() -> clap::Command {
    EAGER.store(true, Ordering::Relaxed);
    <Cli as clap::CommandFactory>::command()
}

/// `augment` applied to `cmd` once clap reaches it, or at once under
/// [`full_command`].
fn deferred(cmd: clap::Command, augment: fn(clap::Command) -> clap::Command) -> clap::Command {
    if EAGER.load(Ordering::Relaxed) {
        augment(cmd)
    } else {
        cmd.defer(augment)
    }
}

impl<T: FromArgMatches> FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }
    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        deferred(cmd, T::augment_args)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        deferred(cmd, T::augment_args_for_update)
    }
}

impl<T: Subcommand> Subcommand for Lazy<T> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        deferred(cmd, T::augment_subcommands)
    }
    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        deferred(cmd, T::augment_subcommands_for_update)
    }
    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}

/// An on/off option given as `--x` / `--no-x`: `None` when neither was given.
pub fn toggle(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

//! `graphmail route ...`

use clap::{Args, Subcommand};
use clap_complete::ArgValueCandidates;

use super::names;

#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Add an incoming route or an outgoing (alias) route
    Add(RouteAddArgs),
    /// List routes
    List(RouteListArgs),
    /// Show one route
    Show(RouteNameArg),
    /// Change a route; a live one is re-tested in the same command
    Set(RouteSetArgs),
    /// Remove a route (default routes go with their connector)
    Remove(RouteRemoveArgs),
}

#[derive(Debug, Args)]
pub struct RouteNameArg {
    /// The route's name
    #[arg(add = ArgValueCandidates::new(names::routes))]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RouteRemoveArgs {
    /// The route's name
    #[arg(add = ArgValueCandidates::new(names::routes))]
    pub name: String,
    /// Exit 0 when there is nothing to remove, so a teardown can run twice
    #[arg(long)]
    pub ignore_missing: bool,
}

#[derive(Debug, Args, Default)]
pub struct RouteOptions {
    /// Description
    #[arg(long)]
    pub description: Option<String>,
    /// The work-item type (incoming routes)
    #[arg(long, value_name = "PROCESS")]
    pub process: Option<String>,
    /// Send automated emails
    #[arg(long, overrides_with = "no_send_automated_emails")]
    pub send_automated_emails: bool,
    #[arg(long, hide = true)]
    pub no_send_automated_emails: bool,
    /// Mark work for attention
    #[arg(long, overrides_with = "no_for_attention")]
    pub for_attention: bool,
    #[arg(long, hide = true)]
    pub no_for_attention: bool,
    /// Only create work in test mode
    #[arg(long, overrides_with = "no_test_mode")]
    pub test_mode: bool,
    #[arg(long, hide = true)]
    pub no_test_mode: bool,
}

#[derive(Debug, Args)]
pub struct RouteAddArgs {
    /// The new route's name (required; asked for when left out on a terminal)
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// The connector this route belongs to
    #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(names::connectors))]
    pub connector: Option<String>,
    /// The address mail is sent to (incoming) or sent from (outgoing alias)
    #[arg(long, value_name = "EMAIL")]
    pub address: Option<String>,
    #[command(flatten)]
    pub options: RouteOptions,
}

#[derive(Debug, Args)]
pub struct RouteListArgs {
    /// Only the routes of this connector
    #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(names::connectors))]
    pub connector: Option<String>,
}

#[derive(Debug, Args)]
pub struct RouteSetArgs {
    /// The route's name
    #[arg(add = ArgValueCandidates::new(names::routes))]
    pub name: String,
    /// New address
    #[arg(long, value_name = "EMAIL")]
    pub address: Option<String>,
    #[command(flatten)]
    pub options: RouteOptions,
    /// If the change makes this live route fail its re-test, disable it instead of refusing
    #[arg(long)]
    pub disable: bool,
}

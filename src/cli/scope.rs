//! `graphmail scope set | show | plan | check`: restricting the app
//! registration to exactly the connectors' mailboxes (reference §7).

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Record how the app is restricted and which mailboxes must stay out of its reach
    Set(ScopeSetArgs),
    /// Show what `scope set` recorded
    Show,
    /// Print Exchange Online PowerShell that scopes the app to exactly the connectors' mailboxes
    Plan(ScopePlanArgs),
    /// Prove it: the connectors' mailboxes answer, the outside ones refuse
    Check(ScopeCheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MechanismArg {
    /// RBAC for Applications in Exchange Online (Microsoft's recommendation)
    Rbac,
    /// Application access policies (the older mechanism)
    AccessPolicy,
}

#[derive(Debug, Args)]
pub struct ScopeSetArgs {
    /// The mechanism the admin uses (required the first time)
    #[arg(long, value_enum, value_name = "MECHANISM")]
    pub mechanism: Option<MechanismArg>,
    /// A mailbox the app must NOT reach (repeat; replaces the recorded list)
    #[arg(long, value_name = "EMAIL", conflicts_with = "no_outside")]
    pub outside: Vec<String>,
    /// Forget the recorded outside mailboxes
    #[arg(long)]
    pub no_outside: bool,
    /// An outgoing route's address that is a mailbox of its own, not another
    /// address of its connector's mailbox (repeat; replaces the recorded list)
    #[arg(long, value_name = "EMAIL", conflicts_with = "no_own_mailbox")]
    pub own_mailbox: Vec<String>,
    /// Forget the recorded own mailboxes (every alias is a proxy address again)
    #[arg(long)]
    pub no_own_mailbox: bool,
}

#[derive(Debug, Args)]
pub struct ScopePlanArgs {
    /// The mechanism to plan for (default: the recorded one)
    #[arg(long, value_enum, value_name = "MECHANISM")]
    pub mechanism: Option<MechanismArg>,
    /// Scope through a mail-enabled security group of this name (RBAC: one
    /// group per role set, NAME-incoming and NAME-outbound)
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Remove group members that are not configured mailboxes (default: list them)
    #[arg(long)]
    pub exact: bool,
}

#[derive(Debug, Args)]
pub struct ScopeCheckArgs {
    /// Also prove this mailbox is refused (repeat; adds to the recorded ones)
    #[arg(long, value_name = "EMAIL")]
    pub outside: Vec<String>,
}

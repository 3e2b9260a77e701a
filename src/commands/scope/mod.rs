//! `graphmail scope set | show | plan | check`: one file per leaf. Each
//! resolves its request from the arguments and the state (no I/O beyond
//! the state file), then hands it to [`crate::scope`] and renders the value
//! it returns.

mod check;
mod plan;
mod set;

use crate::cli::{MechanismArg, ScopeCommand};
use crate::error::{CliError, Result};
use crate::state::{Integration, ScopeMechanism, State};

use super::Context;

/// Runs one `scope` command.
pub async fn run(ctx: &Context, command: ScopeCommand) -> Result<()> {
    match command {
        ScopeCommand::Set(args) => set::set(ctx, args),
        ScopeCommand::Show => set::show(ctx),
        ScopeCommand::Plan(args) => plan::plan(ctx, args),
        ScopeCommand::Check(args) => check::check(ctx, args).await,
    }
}

fn mechanism(arg: MechanismArg) -> ScopeMechanism {
    match arg {
        MechanismArg::Rbac => ScopeMechanism::Rbac,
        MechanismArg::AccessPolicy => ScopeMechanism::AccessPolicy,
    }
}

/// The integration and at least one connector, or exit 2 saying what to add.
fn scoped_state(state: &State) -> Result<&Integration> {
    let integration = state.integration.as_ref().ok_or_else(|| {
        CliError::usage("there is no integration: the app to restrict is unknown")
            .hint("run `graphmail integration set` first")
    })?;
    if state.connectors.is_empty() {
        return Err(
            CliError::usage("there are no connectors: no mailbox to restrict the app to")
                .hint("add one with `graphmail connector add`"),
        );
    }
    Ok(integration)
}

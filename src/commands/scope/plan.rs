//! `graphmail scope plan`: the Exchange Online PowerShell that restricts the
//! app to exactly the connectors' mailboxes. The table output is the script
//! itself (`graphmail scope plan > scope.ps1`); JSON adds what it sets up.

use std::io::{self, Write};

use crate::cli::ScopePlanArgs;
use crate::commands::views;
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::TextContext;
use crate::scope::{self, PlanRequest, ScopePlan};
use crate::state::ScopeMechanism;

use super::{Context, mechanism, scoped_state};

/// Longest `--group`: role assignment names stop at 64 characters, and the
/// plan appends up to 24 to it (`-outbound`, `-Mail.ReadBasic`).
const GROUP_MAX: usize = 40;

/// `--group`: letters, digits, `-`, `_`, `.`; starts with a letter or digit.
fn group_name(input: &str) -> Result<String> {
    let fail = |problem: &str| {
        CliError::usage(format!(
            "invalid --group '{}': {problem}",
            input.escape_default()
        ))
        .hint(format!(
            "give 1 to {GROUP_MAX} letters, digits, '-', '_' or '.', starting with a letter or digit, e.g. --group graphmail-mailboxes"
        ))
    };
    if input.is_empty() || input.chars().count() > GROUP_MAX {
        return Err(fail("wrong length"));
    }
    if !input.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(fail("it must start with a letter or digit"));
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(fail(&format!("'{}' is not allowed", c.escape_default())));
    }
    Ok(input.to_string())
}

impl Render for ScopePlan {
    fn render_text(&self, out: &mut dyn Write, _ctx: &TextContext) -> io::Result<()> {
        out.write_all(self.script.as_bytes())
    }
}

pub fn plan(ctx: &Context, args: ScopePlanArgs) -> Result<()> {
    let group = args.group.as_deref().map(group_name).transpose()?;
    let state = ctx.store.load()?.state;
    let integration = scoped_state(&state)?;
    let mechanism = args
        .mechanism
        .map(mechanism)
        .or(state.scope.as_ref().map(|s| s.mechanism))
        .ok_or_else(|| {
            CliError::usage("--mechanism is required: no scope is recorded").hint(
                "pass --mechanism rbac|access-policy, or record it with `graphmail scope set --mechanism ...`",
            )
        })?;
    if args.exact && group.is_none() && mechanism == ScopeMechanism::Rbac {
        return Err(CliError::usage(
            "--exact needs --group with --mechanism rbac: without a group the scopes name the mailboxes themselves, so there are no members to remove",
        )
        .hint("add --group NAME, or leave out --exact"));
    }
    let plan = scope::plan(
        integration,
        &state,
        &PlanRequest {
            mechanism,
            group,
            exact: args.exact,
        },
    );
    for note in &plan.notes {
        ctx.printer.note(format!("note: {note}"));
    }
    views::show(&ctx.printer, &plan)
}

//! `graphmail scope set` and `scope show`: the `[scope]` table of the state
//! (mechanism, outside mailboxes, aliases that are mailboxes of their own).
//!
//! Lists given on the command line replace the recorded ones (`--no-...`
//! clears them); what is not given stays. Only the values given in this run
//! are checked against the connectors and routes, so a record that a later
//! change made stale never blocks an unrelated edit (`scope plan` reports
//! it instead).

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::ScopeSetArgs;
use crate::commands::views::{self, ActionResult, SCHEMA_VERSION};
use crate::error::{CliError, Result};
use crate::output::Render;
use crate::output::printer::TextContext;
use crate::scope::MailboxSet;
use crate::state::{Scope, ScopeMechanism, validate};

use super::{Context, mechanism};

/// Validates each address of a list flag and drops repeats (case-insensitive).
fn addresses(field: &'static str, values: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let address = validate::email(field, value)?;
        if !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            out.push(address);
        }
    }
    Ok(out)
}

/// `new`, each address spelt as already recorded when it differs only in
/// case: Exchange matches addresses without regard to case, so re-running
/// with other capitals changes nothing.
fn keep_spelling(new: &[String], recorded: &[String]) -> Vec<String> {
    new.iter()
        .map(|a| {
            recorded
                .iter()
                .find(|r| r.eq_ignore_ascii_case(a))
                .unwrap_or(a)
                .clone()
        })
        .collect()
}

pub fn set(ctx: &Context, args: ScopeSetArgs) -> Result<()> {
    let wanted_mechanism = args.mechanism.map(mechanism);
    let outside = if args.no_outside {
        Some(Vec::new())
    } else if args.outside.is_empty() {
        None
    } else {
        Some(addresses("--outside", &args.outside)?)
    };
    let own = if args.no_own_mailbox {
        Some(Vec::new())
    } else if args.own_mailbox.is_empty() {
        None
    } else {
        Some(addresses("--own-mailbox", &args.own_mailbox)?)
    };
    if wanted_mechanism.is_none() && outside.is_none() && own.is_none() {
        return Err(CliError::usage("nothing to set").hint(
            "pass --mechanism rbac|access-policy, --outside ADDRESS or --own-mailbox ADDRESS",
        ));
    }
    let changed = ctx.store.update(|state| -> Result<bool> {
        let current = state.scope.clone();
        let mechanism = wanted_mechanism
            .or(current.as_ref().map(|s| s.mechanism))
            .ok_or_else(|| {
                CliError::usage("--mechanism is required: no scope is recorded yet").hint(
                    "pass --mechanism rbac (RBAC for Applications, Microsoft's recommendation) or --mechanism access-policy",
                )
            })?;
        let set = MailboxSet::from_state(state);
        for address in outside.iter().flatten() {
            if set.covers(address) {
                return Err(CliError::usage(format!(
                    "invalid --outside '{address}': it is a connector's mailbox or an alias route, which the app must reach"
                ))
                .hint("name a mailbox the app must NOT reach, such as an executive's"));
            }
        }
        for address in own.iter().flatten() {
            if !set
                .aliases
                .iter()
                .any(|a| a.address.eq_ignore_ascii_case(address))
            {
                return Err(CliError::usage(format!(
                    "invalid --own-mailbox '{address}': no outgoing alias route has this address"
                ))
                .hint("give the address of an outgoing route on an outbound connector (see `graphmail route list`), or add the route first"));
            }
            if outside
                .iter()
                .flatten()
                .any(|o| o.eq_ignore_ascii_case(address))
            {
                return Err(CliError::usage(format!(
                    "'{address}' is given both as --outside and as --own-mailbox"
                ))
                .hint("an alias the app sends as cannot also be out of its reach"));
            }
        }
        let recorded_outside = current.as_ref().map(|s| s.outside.as_slice()).unwrap_or(&[]);
        let recorded_own = current
            .as_ref()
            .map(|s| s.own_mailboxes.as_slice())
            .unwrap_or(&[]);
        let new = Scope {
            mechanism,
            outside: match &outside {
                Some(list) => keep_spelling(list, recorded_outside),
                None => recorded_outside.to_vec(),
            },
            own_mailboxes: match &own {
                Some(list) => keep_spelling(list, recorded_own),
                None => recorded_own.to_vec(),
            },
        };
        if current.as_ref() == Some(&new) {
            return Ok(false);
        }
        state.scope = Some(new);
        Ok(true)
    })?;
    let message = if changed {
        "Recorded the scope: `graphmail scope plan` prints the PowerShell, `graphmail scope check` proves it".to_string()
    } else {
        "Scope unchanged: it is already recorded with these settings".to_string()
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "scope.set",
            target: "scope".to_string(),
            changed,
            message,
            details: vec![],
        },
    )
}

/// `scope show`: what is recorded; `mechanism` is null when nothing is.
#[derive(Debug, Serialize)]
pub struct ScopeView {
    pub schema_version: u32,
    pub mechanism: Option<ScopeMechanism>,
    pub outside: Vec<String>,
    pub own_mailboxes: Vec<String>,
}

impl Render for ScopeView {
    fn render_text(&self, out: &mut dyn Write, _ctx: &TextContext) -> io::Result<()> {
        let list = |values: &[String]| {
            if values.is_empty() {
                "(none)".to_string()
            } else {
                values.join(", ")
            }
        };
        match self.mechanism {
            Some(m) => writeln!(out, "mechanism:      {}", m.as_str())?,
            None => writeln!(
                out,
                "mechanism:      (not recorded: graphmail scope set --mechanism rbac|access-policy)"
            )?,
        }
        writeln!(out, "outside:        {}", list(&self.outside))?;
        writeln!(out, "own mailboxes:  {}", list(&self.own_mailboxes))
    }
}

pub fn show(ctx: &Context) -> Result<()> {
    let state = ctx.store.load()?.state;
    let scope = state.scope.as_ref();
    views::show(
        &ctx.printer,
        &ScopeView {
            schema_version: SCHEMA_VERSION,
            mechanism: scope.map(|s| s.mechanism),
            outside: scope.map(|s| s.outside.clone()).unwrap_or_default(),
            own_mailboxes: scope.map(|s| s.own_mailboxes.clone()).unwrap_or_default(),
        },
    )
}

//! `graphmail scope check`: the proof that the app is restricted. Each
//! configured mailbox must answer; each outside mailbox (recorded with
//! `scope set --outside`, or given here) must be refused. Exit 0 only for
//! `restricted`; `unrestricted`, `broken` and `unknown` exit 3, since
//! nothing less than a refusal proves a restriction.
//!
//! The Graph client and credential come about as for `mail peek`: the
//! state's integration, its recorded credential source (or the
//! `GRAPHMAIL_*` override), one token for the run.

use std::io::{self, Write};

use serde::Serialize;

use crate::auth::HttpOptions;
use crate::cli::ScopeCheckArgs;
use crate::commands::tester::{FreshSecrets, resolve_credential};
use crate::commands::views;
use crate::error::{CliError, Result};
use crate::graph::{self, GraphClient, RetryPolicy};
use crate::output::printer::{Paint, TextContext};
use crate::output::{Render, Table};
use crate::scope::assess::{MailboxProbe, Outcome, SCHEMA_VERSION};
use crate::scope::{self, AssessRequest, MailboxSet, ScopeAssessment, ScopeVerdict};
use crate::state::{Integration, State, validate};

use super::{Context, scoped_state};

/// `scope check`'s value.
#[derive(Debug, Serialize)]
pub struct ScopeCheck {
    pub schema_version: u32,
    #[serde(flatten)]
    pub assessment: ScopeAssessment,
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Answered => "answered",
        Outcome::Refused => "refused",
        Outcome::GrantedByEntra => "reachable",
        Outcome::NotAMailbox => "not a mailbox",
        Outcome::Inconclusive => "no answer",
    }
}

impl Render for ScopeCheck {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let a = &self.assessment;
        let mut table = Table::new(["mailbox", "expected", "result", "detail"]);
        let mut rows = |probes: &[MailboxProbe], expected: &str| {
            for p in probes {
                table.row([
                    p.address.clone(),
                    expected.to_string(),
                    outcome_word(p.outcome).to_string(),
                    p.detail.clone(),
                ]);
            }
        };
        rows(&a.mailboxes, "answer");
        rows(&a.outside, "refuse");
        table.write(out, ctx.terminal, ctx.width)?;
        let paint = match a.verdict {
            ScopeVerdict::Restricted => Paint::Green,
            ScopeVerdict::Unknown => Paint::Yellow,
            _ => Paint::Red,
        };
        writeln!(
            out,
            "verdict: {}: {}",
            ctx.paint(a.verdict.as_str(), paint),
            a.summary
        )
    }
}

/// A Graph client for the state's integration (as `mail peek` builds one).
fn connect(ctx: &Context, state: &State, integration: &Integration) -> Result<GraphClient> {
    let credential = resolve_credential(
        ctx,
        &state.instance_id,
        integration,
        &FreshSecrets::default(),
    )?;
    graph::connect(
        integration,
        credential,
        &HttpOptions::default(),
        &RetryPolicy::default(),
    )
    .map_err(|e| {
        CliError::usage(e.to_string()).hint(
            "fix the endpoint with `graphmail integration set` (--cloud, or --authority-host/--graph-endpoint)",
        )
    })
}

pub async fn check(ctx: &Context, args: ScopeCheckArgs) -> Result<()> {
    let mut extra = Vec::new();
    for value in &args.outside {
        extra.push(validate::email("--outside", value)?);
    }
    let state = ctx.store.load()?.state;
    let integration = scoped_state(&state)?;
    let set = MailboxSet::from_state(&state);
    if let Some(own) = extra.iter().find(|a| set.covers(a)) {
        return Err(CliError::usage(format!(
            "invalid --outside '{own}': it is a connector's mailbox or an alias route, which the app must reach"
        ))
        .hint("name a mailbox the app must NOT reach, such as an executive's"));
    }
    let request = AssessRequest::from_state(&state, &extra);
    let client = connect(ctx, &state, integration)?;
    let assessment = scope::assess(&client, &request).await.map_err(|e| {
        CliError::test_failed(format!("scope check: no token, so nothing was probed: {e}"))
            .hint("`graphmail test-connection integration` shows why")
    })?;
    for warning in &assessment.warnings {
        ctx.printer.warn(warning);
    }
    let verdict = assessment.verdict;
    let summary = assessment.summary.clone();
    let hints = assessment.hints.clone();
    views::show(
        &ctx.printer,
        &ScopeCheck {
            schema_version: SCHEMA_VERSION,
            assessment,
        },
    )?;
    if verdict == ScopeVerdict::Restricted {
        return Ok(());
    }
    let mut err = CliError::test_failed(format!("scope check: {}: {summary}", verdict.as_str()));
    err.hints = hints;
    Err(err)
}

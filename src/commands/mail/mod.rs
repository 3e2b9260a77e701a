//! `graphmail mail peek | send | folders | watch`: reading what an incoming connector would
//! pick up, and sending through an outbound connector or alias route, as the
//! platform would. Each leaf resolves its request from the state (no I/O
//! beyond the files it names), then talks to Graph through
//! [`crate::graph::connect`] and returns a value the printer renders.
//!
//! Service errors are exit 1 with the hints of [`crate::diagnose::hints`];
//! untrusted senders are exit 4; bad input exit 2 (SPEC §2).

mod folders;
mod input_file;
mod peek;
mod routing;
mod send;
mod watch;

pub use folders::folders;
pub use peek::peek;
pub use send::send;
pub use watch::watch;

use crate::auth::HttpOptions;
use crate::diagnose::hints::{HintContext, graph_hint};
use crate::error::{CliError, Result};
use crate::graph::{self, GraphClient, GraphError, RetryPolicy};
use crate::state::{Credential, Integration, State};

use super::Context;
use super::tester::{FreshSecrets, resolve_credential};

/// The integration of `state`, or exit 2 saying how to set one.
fn integration(state: &State) -> Result<&Integration> {
    state.integration.as_ref().ok_or_else(|| {
        CliError::usage("there is no integration").hint("run `graphmail integration set` first")
    })
}

/// A Graph client for the state's integration, and what hints refer to.
fn connect(ctx: &Context, state: &State) -> Result<(GraphClient, HintContext)> {
    let integration = integration(state)?;
    let credential = resolve_credential(
        ctx,
        &state.instance_id,
        integration,
        &FreshSecrets::default(),
    )?;
    let client = graph::connect(
        integration,
        credential,
        &HttpOptions::default(),
        &RetryPolicy::default(),
    )
    .map_err(|e| {
        CliError::usage(e.to_string()).hint(
            "fix the endpoint with `graphmail integration set` (--cloud, or --authority-host/--graph-endpoint)",
        )
    })?;
    Ok((client, hint_context(integration)))
}

fn hint_context(integration: &Integration) -> HintContext {
    let (form, sha1) = match &integration.credential {
        Credential::Certificate {
            assertion, sha1, ..
        } => (Some(*assertion), Some(sha1.clone())),
        Credential::Secret { .. } => (None, None),
    };
    HintContext {
        tenant: integration.tenant.clone(),
        app_id: integration.app_id.clone(),
        authority_host: integration.endpoints().authority_host,
        graph_endpoint: integration.endpoints().graph_endpoint,
        form,
        sha1,
    }
}

/// A Graph failure as a mail command's error (exit 1), with what to change.
fn service_error(
    what: &str,
    error: &GraphError,
    hints: &HintContext,
    mailbox: &str,
    role: &str,
) -> CliError {
    let mut err = CliError::runtime(format!("{what}: {error}")).graph(error);
    if let Some(hint) = graph_hint(error, hints, mailbox, role) {
        err = err.hint(hint);
    }
    err
}

/// `Mail.ReadWrite`: reading folders and messages, drafts.
const READ_WRITE: &str = "Mail.ReadWrite";
/// `Mail.Send`.
const SEND: &str = "Mail.Send";

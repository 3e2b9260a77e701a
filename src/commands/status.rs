//! `graphmail status [--check]`: everything at a glance, with what needs
//! attention. Reads the state file only; never touches the network.

use crate::error::{CliError, Result};
use crate::state::Credential;
use crate::state::trust::{self, TestState};

use super::Context;
use super::views::{self, ConnectorView, IntegrationView, RouteView, SCHEMA_VERSION, StatusView};

/// Days before expiry at which a certificate needs attention.
const CERTIFICATE_WARNING_DAYS: i64 = 30;

pub fn run(ctx: &Context, check: bool) -> Result<()> {
    let state = ctx.store.load()?.state;
    let mut attention = Vec::new();
    match &state.integration {
        None => attention.push("no integration: run `graphmail integration set`".to_string()),
        Some(i) => {
            match trust::integration_test_state(i) {
                TestState::Passed => {}
                s => attention.push(format!(
                    "the integration's connection test is {}: run `graphmail test-connection integration`",
                    s.as_str()
                )),
            }
            if let Credential::Certificate { not_after, .. } = &i.credential
                && let Ok(expiry) = chrono::DateTime::parse_from_rfc3339(not_after)
            {
                let days = (expiry.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
                if days < 0 {
                    attention.push(format!("the certificate expired on {not_after}: make a new one with `graphmail certificate new` and upload it to the app registration"));
                } else if days < CERTIFICATE_WARNING_DAYS {
                    attention.push(format!("the certificate expires in {days} days ({not_after}): renew it with `graphmail certificate new`"));
                }
            }
        }
    }
    let problems = trust::problems(&state);
    let trusted = problems.is_empty();
    attention.extend(problems);
    for c in state.connectors.iter().filter(|c| !c.enabled) {
        match trust::connector_test_state(&state, c) {
            TestState::Passed => attention.push(format!(
                "connector '{0}' passed its test but is disabled: `graphmail enable connector {0}`",
                c.name
            )),
            s => attention.push(format!(
                "connector '{0}' is {1}: `graphmail test-connection connector {0}`",
                c.name,
                s.as_str()
            )),
        }
    }
    let view = StatusView {
        schema_version: SCHEMA_VERSION,
        state_file: ctx.store.path().display().to_string(),
        integration: state.integration.as_ref().map(IntegrationView::new),
        connectors: state
            .connectors
            .iter()
            .map(|c| ConnectorView::new(&state, c))
            .collect(),
        routes: state
            .routes
            .iter()
            .map(|r| RouteView::new(&state, r))
            .collect(),
        attention,
        trusted,
    };
    views::show(&ctx.printer, &view)?;
    if check && !trusted {
        return Err(CliError::refused(
            "something enabled cannot be trusted (see \"Needs attention\")",
        )
        .already_reported());
    }
    Ok(())
}

//! `graphmail status [--check]`: everything at a glance, with what needs
//! attention. Reads the state file only; never touches the network.

use crate::diagnose::{CertificateExpiry, certificate_expiry};
use crate::error::{CliError, Result};
use crate::state::Credential;
use crate::state::trust::{self, Assessment, TestState};

use super::Context;
use super::views::{self, ConnectorView, IntegrationView, RouteView, SCHEMA_VERSION, StatusView};

pub fn run(ctx: &Context, check: bool) -> Result<()> {
    let state = ctx.store.load()?.state;
    let mut attention = Vec::new();
    // SPEC §2: with --check, anything live without a passing verdict, or
    // the integration without one while anything is live, exits 4.
    let anything_live = state.connectors.iter().any(|c| c.enabled);
    let mut integration_blocks = false;
    match &state.integration {
        None => attention.push("no integration: run `graphmail integration set`".to_string()),
        Some(i) => {
            match trust::integration_test_state(i) {
                TestState::Passed => {}
                s => {
                    integration_blocks = anything_live;
                    let live = if anything_live {
                        " while connectors are enabled"
                    } else {
                        ""
                    };
                    attention.push(format!(
                        "the integration's connection test is {}{live}: run `graphmail test-connection integration`",
                        s.as_str()
                    ))
                }
            }
            if let Credential::Certificate { not_after, .. } = &i.credential {
                match certificate_expiry(not_after, chrono::Utc::now()) {
                    CertificateExpiry::Expired { .. } => attention.push(format!(
                        "the certificate expired on {not_after}: make a new one with `graphmail certificate new`, upload it to the app registration and run `graphmail integration set --certificate FILE.pfx`"
                    )),
                    CertificateExpiry::ExpiresSoon { days_left } => attention.push(format!(
                        "the certificate expires in {days_left} days ({not_after}): renew it with `graphmail certificate new`"
                    )),
                    CertificateExpiry::Valid { .. } | CertificateExpiry::Unknown => {}
                }
            }
        }
    }
    let assessment = Assessment::new(&state);
    let problems = assessment.problems();
    let trusted = problems.is_empty() && !integration_blocks;
    attention.extend(problems);
    for (i, c) in state
        .connectors
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.enabled)
    {
        match assessment.connector_test(i) {
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
    // Listed, without changing the exit code: routes that failed their
    // test while disabled, and routes a connector's disable switched off.
    for (i, r) in state.routes.iter().enumerate().filter(|(_, r)| !r.enabled) {
        if let Some(connector) = state.switched_off.get(&r.name) {
            attention.push(format!(
                "route '{}' was switched off when connector '{connector}' was disabled: `graphmail enable connector {connector} --with-routes` brings it back",
                r.name
            ));
        } else if !r.default && assessment.route_test(i) == TestState::Failed {
            attention.push(format!(
                "route '{0}' failed its last connection test: `graphmail test-connection route {0}`",
                r.name
            ));
        }
    }
    let view = StatusView {
        schema_version: SCHEMA_VERSION,
        state_file: ctx.store.path().display().to_string(),
        integration: state
            .integration
            .as_ref()
            .map(|i| IntegrationView::new(i, ctx.secrets.name())),
        connectors: (0..state.connectors.len())
            .map(|i| ConnectorView::new(&assessment, &state, i))
            .collect(),
        routes: (0..state.routes.len())
            .map(|i| RouteView::new(&assessment, &state, i))
            .collect(),
        attention,
        trusted,
    };
    views::show(&ctx.printer, &view)?;
    if check && !trusted {
        return Err(CliError::refused(
            "something live lacks a passing verdict (see \"Needs attention\")",
        ));
    }
    Ok(())
}

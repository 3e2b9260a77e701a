//! Whether each part of the configuration can be trusted: the enable gate's
//! judgement (SPEC §1 invariants 1-3), computed from the state alone.
//!
//! A connector or non-default route is *live* when it is enabled and its last
//! test passed with a fingerprint that matches its current settings; a route
//! also needs a live connector. A default route has no test of its own: it is
//! the connector's address and the connector's test covers it, so it is live
//! exactly when its connector is.

use serde::Serialize;

use super::fingerprint;
use super::model::{Connector, Integration, Route, State, TestRecord};

/// What the last test says about the current settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestState {
    /// Never tested (or saved with `--skip-test`).
    Untested,
    /// The last test passed and covers the current settings.
    Passed,
    /// The last test failed.
    Failed,
    /// The last test covered settings that have changed since.
    Stale,
}

impl TestState {
    pub fn of(record: Option<&TestRecord>, current_fingerprint: &str) -> TestState {
        match record {
            None => TestState::Untested,
            Some(r) if r.fingerprint != current_fingerprint => TestState::Stale,
            Some(r) if !r.passed => TestState::Failed,
            Some(_) => TestState::Passed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestState::Untested => "untested",
            TestState::Passed => "passed",
            TestState::Failed => "failed",
            TestState::Stale => "stale",
        }
    }
}

pub fn integration_test_state(integration: &Integration) -> TestState {
    TestState::of(
        integration.test.as_ref(),
        &fingerprint::integration(integration),
    )
}

/// The test state of a connector; `Untested` without an integration.
pub fn connector_test_state(state: &State, connector: &Connector) -> TestState {
    match &state.integration {
        Some(integration) => TestState::of(
            connector.test.as_ref(),
            &fingerprint::connector(integration, connector),
        ),
        None => TestState::Untested,
    }
}

/// The test state of a route: a default route's is its connector's.
pub fn route_test_state(state: &State, route: &Route) -> TestState {
    let (Some(integration), Some(connector)) =
        (&state.integration, state.connector(&route.connector))
    else {
        return TestState::Untested;
    };
    if route.default {
        return connector_test_state(state, connector);
    }
    TestState::of(
        route.test.as_ref(),
        &fingerprint::route(integration, connector, route),
    )
}

/// A connector is live when enabled with a passing, current test.
pub fn connector_live(state: &State, connector: &Connector) -> bool {
    connector.enabled && connector_test_state(state, connector) == TestState::Passed
}

/// A route is live when enabled with a passing, current test, under a live
/// connector.
pub fn route_live(state: &State, route: &Route) -> bool {
    route.enabled
        && route_test_state(state, route) == TestState::Passed
        && state
            .connector(&route.connector)
            .is_some_and(|c| connector_live(state, c))
}

/// Why an enabled item is not trusted, if it is not (invariant 3).
pub fn connector_problem(state: &State, connector: &Connector) -> Option<String> {
    if !connector.enabled {
        return None;
    }
    match connector_test_state(state, connector) {
        TestState::Passed => None,
        other => Some(format!(
            "connector '{}' is enabled but its test is {}: it is not treated as live; run `graphmail test-connection connector {}`",
            connector.name,
            other.as_str(),
            connector.name
        )),
    }
}

pub fn route_problem(state: &State, route: &Route) -> Option<String> {
    if !route.enabled {
        return None;
    }
    let Some(connector) = state.connector(&route.connector) else {
        return Some(format!(
            "route '{}' is enabled but its connector '{}' does not exist",
            route.name, route.connector
        ));
    };
    if !connector.enabled {
        return Some(format!(
            "route '{}' is enabled but its connector '{}' is disabled: it is not treated as live",
            route.name, route.connector
        ));
    }
    if route.default {
        return None; // judged with its connector
    }
    match route_test_state(state, route) {
        TestState::Passed => None,
        other => Some(format!(
            "route '{}' is enabled but its test is {}: it is not treated as live; run `graphmail test-connection route {}`",
            route.name,
            other.as_str(),
            route.name
        )),
    }
}

/// Every reason something enabled cannot be trusted, in file order.
pub fn problems(state: &State) -> Vec<String> {
    let mut out: Vec<String> = state
        .connectors
        .iter()
        .filter_map(|c| connector_problem(state, c))
        .collect();
    out.extend(state.routes.iter().filter_map(|r| route_problem(state, r)));
    out
}

//! Whether each part of the configuration can be trusted: the enable gate's
//! judgement (SPEC §1 invariants 1-3), computed from the state alone.
//!
//! A connector or non-default route is *live* when it is enabled and its last
//! test passed with a fingerprint that matches its current settings; a route
//! also needs a live connector. A default route has no test of its own: it is
//! the connector's address and the connector's test covers it, so it is live
//! exactly when its connector is.

use std::collections::HashMap;

use serde::Serialize;

use super::fingerprint;
use super::model::{Connector, Integration, Route, State, TestRecord, Verdict};

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
    /// The last test left a required fact neither established nor refuted.
    Unverified,
    /// The last test covered settings that have changed since.
    Stale,
}

impl TestState {
    pub fn of(record: Option<&TestRecord>, current_fingerprint: &str) -> TestState {
        match record {
            None => TestState::Untested,
            Some(r) if r.fingerprint != current_fingerprint => TestState::Stale,
            Some(r) => match r.verdict() {
                Verdict::Passed => TestState::Passed,
                Verdict::Failed => TestState::Failed,
                Verdict::Unverified => TestState::Unverified,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestState::Untested => "untested",
            TestState::Passed => "passed",
            TestState::Failed => "failed",
            TestState::Unverified => "unverified",
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

/// The trust of every item of a state, computed once: what `status` and the
/// list commands show. Each fingerprint is computed once and connectors are
/// found by name through an index, so a state with thousands of items costs
/// milliseconds (SPEC §8).
pub struct Assessment<'a> {
    state: &'a State,
    connector_index: HashMap<&'a str, usize>,
    connector_tests: Vec<TestState>,
    route_tests: Vec<TestState>,
}

impl<'a> Assessment<'a> {
    pub fn new(state: &'a State) -> Self {
        let connector_index: HashMap<&str, usize> = state
            .connectors
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        let under = state
            .integration
            .as_ref()
            .map(fingerprint::Connectors::under);
        let fingerprints: Vec<Option<String>> = state
            .connectors
            .iter()
            .map(|c| under.as_ref().map(|u| u.fingerprint(c)))
            .collect();
        let connector_tests: Vec<TestState> = state
            .connectors
            .iter()
            .zip(&fingerprints)
            .map(|(c, fp)| match fp {
                Some(fp) => TestState::of(c.test.as_ref(), fp),
                None => TestState::Untested,
            })
            .collect();
        let route_tests = state
            .routes
            .iter()
            .map(|r| match connector_index.get(r.connector.as_str()) {
                Some(&ci) if r.default => connector_tests[ci],
                Some(&ci) => match &fingerprints[ci] {
                    Some(cfp) => TestState::of(r.test.as_ref(), &fingerprint::route_under(cfp, r)),
                    None => TestState::Untested,
                },
                None => TestState::Untested,
            })
            .collect();
        Assessment {
            state,
            connector_index,
            connector_tests,
            route_tests,
        }
    }

    fn connector_position(&self, name: &str) -> Option<usize> {
        self.connector_index.get(name).copied()
    }

    /// The connector of the route at `index` in `state.routes`, found
    /// through the index rather than a scan.
    pub fn connector_of_route(&self, index: usize) -> Option<&'a Connector> {
        let state = self.state;
        self.connector_position(&state.routes[index].connector)
            .map(|ci| &state.connectors[ci])
    }

    /// The test state of the connector at `index` in `state.connectors`.
    pub fn connector_test(&self, index: usize) -> TestState {
        self.connector_tests[index]
    }

    pub fn connector_live(&self, index: usize) -> bool {
        self.state.connectors[index].enabled && self.connector_tests[index] == TestState::Passed
    }

    /// The test state of the route at `index` in `state.routes`.
    pub fn route_test(&self, index: usize) -> TestState {
        self.route_tests[index]
    }

    pub fn route_live(&self, index: usize) -> bool {
        let route = &self.state.routes[index];
        route.enabled
            && self.route_tests[index] == TestState::Passed
            && self
                .connector_position(&route.connector)
                .is_some_and(|ci| self.connector_live(ci))
    }

    /// Every reason something enabled cannot be trusted (invariant 3).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, c) in self.state.connectors.iter().enumerate() {
            if c.enabled && self.connector_tests[i] != TestState::Passed {
                out.push(format!(
                    "connector '{0}' is enabled but its test is {1}: it is not treated as live; run `graphmail test-connection connector {0}`",
                    c.name,
                    self.connector_tests[i].as_str()
                ));
            }
        }
        for (i, r) in self.state.routes.iter().enumerate() {
            if !r.enabled {
                continue;
            }
            match self.connector_position(&r.connector) {
                None => out.push(format!(
                    "route '{}' is enabled but its connector '{}' does not exist",
                    r.name, r.connector
                )),
                Some(ci) if !self.state.connectors[ci].enabled => out.push(format!(
                    "route '{}' is enabled but its connector '{}' is disabled: it is not treated as live",
                    r.name, r.connector
                )),
                Some(_) if !r.default && self.route_tests[i] != TestState::Passed => out.push(format!(
                    "route '{0}' is enabled but its test is {1}: it is not treated as live; run `graphmail test-connection route {0}`",
                    r.name,
                    self.route_tests[i].as_str()
                )),
                Some(_) => {}
            }
        }
        out
    }
}

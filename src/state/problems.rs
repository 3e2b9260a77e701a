//! Structural checks of a loaded state, for files edited by hand: names that
//! are duplicated or invalid, routes that point nowhere, default routes that
//! no longer follow their connector. Each finding is data (a kind, the
//! subject, a sentence and a fix) so `status` can render it as a table row
//! or JSON.
//!
//! Whether something enabled can be *trusted* (test records, fingerprints,
//! the enable gate) is not checked here; that belongs to the commands.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::model::{Connector, State, UseFor};
use super::validate;

/// What kind of structural problem was found; stable names for JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    DuplicateConnector,
    DuplicateRoute,
    InvalidName,
    InvalidAddress,
    RouteWithoutConnector,
    MultipleDefaultRoutes,
    DefaultRouteNotFollowingConnector,
    IncomingWithoutFolders,
    InvalidFolder,
    RouteEnabledOnDisabledConnector,
    CustomCloudWithoutEndpoints,
}

/// What a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Subject {
    Integration,
    Connector(String),
    Route(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Integration => f.write_str("integration"),
            Subject::Connector(name) => write!(f, "connector '{name}'"),
            Subject::Route(name) => write!(f, "route '{name}'"),
        }
    }
}

/// One structural problem of a state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateProblem {
    pub kind: ProblemKind,
    pub subject: Subject,
    /// One sentence, e.g. `points at connector 'eu', which does not exist`.
    pub problem: String,
    /// What to change.
    pub fix: String,
}

impl fmt::Display for StateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}; {}", self.subject, self.problem, self.fix)
    }
}

fn problem(kind: ProblemKind, subject: Subject, problem: String, fix: &str) -> StateProblem {
    StateProblem {
        kind,
        subject,
        problem,
        fix: fix.to_string(),
    }
}

/// Every structural problem of `state`, in file order. Empty means the
/// file's references hold together.
pub fn check_references(state: &State) -> Vec<StateProblem> {
    let mut found = Vec::new();
    const EDIT: &str = "edit the state file, or remove and re-add it with graphmail";

    if let Some(integration) = &state.integration {
        let endpoints = integration.endpoints();
        if endpoints.authority_host.is_empty() || endpoints.graph_endpoint.is_empty() {
            found.push(problem(
                ProblemKind::CustomCloudWithoutEndpoints,
                Subject::Integration,
                "uses a custom cloud without both authority_host and graph_endpoint".into(),
                "run `graphmail integration set` with --authority-host and --graph-endpoint",
            ));
        }
    }

    let mut connector_count: HashMap<&str, usize> = HashMap::new();
    for connector in &state.connectors {
        let subject = || Subject::Connector(connector.name.clone());
        let seen = connector_count.entry(&connector.name).or_default();
        *seen += 1;
        if *seen == 2 {
            found.push(problem(
                ProblemKind::DuplicateConnector,
                subject(),
                "appears more than once".into(),
                "rename or remove the extra [[connector]] entries",
            ));
        }
        if let Err(e) = validate::name("name", &connector.name) {
            found.push(problem(
                ProblemKind::InvalidName,
                subject(),
                format!("has an invalid name: {}", e.problem),
                EDIT,
            ));
        }
        if let Err(e) = validate::email("address", &connector.address) {
            found.push(problem(
                ProblemKind::InvalidAddress,
                subject(),
                format!("has an invalid address: {}", e.problem),
                EDIT,
            ));
        }
        if connector.use_for == UseFor::Incoming && connector.folders.is_empty() {
            found.push(problem(
                ProblemKind::IncomingWithoutFolders,
                subject(),
                "is incoming but names no folder to read".into(),
                "run `graphmail connector set NAME --folder Inbox`",
            ));
        }
        for folder in &connector.folders {
            if let Err(e) = validate::folder("folders", folder) {
                found.push(problem(
                    ProblemKind::InvalidFolder,
                    subject(),
                    format!("has an invalid folder '{}': {}", e.value, e.problem),
                    EDIT,
                ));
            }
        }
    }

    // The first connector of a name, as `State::connector` finds it; a map
    // keeps this linear on files with thousands of routes.
    let mut connectors_by_name: HashMap<&str, &Connector> = HashMap::new();
    for connector in &state.connectors {
        connectors_by_name
            .entry(&connector.name)
            .or_insert(connector);
    }
    let mut route_count: HashMap<&str, usize> = HashMap::new();
    let mut defaults: HashMap<&str, Vec<&str>> = HashMap::new();
    for route in &state.routes {
        let subject = || Subject::Route(route.name.clone());
        let seen = route_count.entry(&route.name).or_default();
        *seen += 1;
        if *seen == 2 {
            found.push(problem(
                ProblemKind::DuplicateRoute,
                subject(),
                "appears more than once".into(),
                "rename or remove the extra [[route]] entries",
            ));
        }
        if let Err(e) = validate::name("name", &route.name) {
            found.push(problem(
                ProblemKind::InvalidName,
                subject(),
                format!("has an invalid name: {}", e.problem),
                EDIT,
            ));
        }
        if let Err(e) = validate::email("address", &route.address) {
            found.push(problem(
                ProblemKind::InvalidAddress,
                subject(),
                format!("has an invalid address: {}", e.problem),
                EDIT,
            ));
        }
        let Some(connector) = connectors_by_name.get(route.connector.as_str()) else {
            found.push(problem(
                ProblemKind::RouteWithoutConnector,
                subject(),
                format!(
                    "points at connector '{}', which does not exist",
                    route.connector
                ),
                "point it at an existing connector, or remove the route",
            ));
            continue;
        };
        if route.enabled && !connector.enabled {
            found.push(problem(
                ProblemKind::RouteEnabledOnDisabledConnector,
                subject(),
                format!("is enabled but its connector '{}' is not", connector.name),
                "enable the connector first, or disable the route",
            ));
        }
        if route.default {
            defaults
                .entry(&connector.name)
                .or_default()
                .push(&route.name);
            if route.name != connector.name
                || !route.address.eq_ignore_ascii_case(&connector.address)
            {
                found.push(problem(
                    ProblemKind::DefaultRouteNotFollowingConnector,
                    subject(),
                    format!(
                        "is the default route of connector '{}' but does not carry its name and address",
                        connector.name
                    ),
                    "give the default route the connector's name and address, or run `graphmail connector set` to resync it",
                ));
            }
        }
    }
    for connector in &state.connectors {
        if let Some(names) = defaults
            .get(connector.name.as_str())
            .filter(|n| n.len() > 1)
        {
            found.push(problem(
                ProblemKind::MultipleDefaultRoutes,
                Subject::Connector(connector.name.clone()),
                format!("has {} default routes ({})", names.len(), names.join(", ")),
                "keep `default = true` on the route named after the connector only",
            ));
            defaults.remove(connector.name.as_str());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(text: &str) -> State {
        toml::from_str(&format!(
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n{text}"
        ))
        .unwrap()
    }

    fn kinds(state: &State) -> Vec<ProblemKind> {
        check_references(state)
            .into_iter()
            .map(|p| p.kind)
            .collect()
    }

    const EU: &str = "[[connector]]\nname = \"eu\"\nuse_for = \"incoming\"\naddress = \"eu@contoso.com\"\nfolders = [\"Inbox\"]\nenabled = true\n";

    #[test]
    fn a_consistent_state_has_no_problems() {
        let s = state(&format!(
            "{EU}[[route]]\nname = \"eu\"\nconnector = \"eu\"\naddress = \"EU@contoso.com\"\ndefault = true\nenabled = true\n\
             [[route]]\nname = \"vip\"\nconnector = \"eu\"\naddress = \"vip@contoso.com\"\n"
        ));
        assert_eq!(check_references(&s), vec![]);
        assert_eq!(check_references(&State::new()), vec![]);
    }

    #[test]
    fn duplicates_dangling_routes_and_extra_defaults_are_found() {
        let s = state(&format!(
            "{EU}{EU}[[route]]\nname = \"eu\"\nconnector = \"eu\"\naddress = \"eu@contoso.com\"\ndefault = true\n\
             [[route]]\nname = \"eu\"\nconnector = \"eu\"\naddress = \"eu@contoso.com\"\ndefault = true\n\
             [[route]]\nname = \"lost\"\nconnector = \"gone\"\naddress = \"lost@contoso.com\"\n"
        ));
        let found = check_references(&s);
        let kinds: Vec<_> = found.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ProblemKind::DuplicateConnector,
                ProblemKind::DuplicateRoute,
                ProblemKind::RouteWithoutConnector,
                ProblemKind::MultipleDefaultRoutes
            ]
        );
        assert_eq!(
            found[2].to_string().split(';').next().unwrap(),
            "route 'lost' points at connector 'gone', which does not exist"
        );
        assert!(found[3].problem.contains("2 default routes (eu, eu)"));
    }

    #[test]
    fn hand_edits_that_break_names_addresses_and_folders_are_found() {
        let s = state(
            "[[connector]]\nname = \"integration\"\nuse_for = \"incoming\"\naddress = \"nobody\"\nfolders = [\"Inbox//EU\"]\n\
             [[connector]]\nname = \"in\"\nuse_for = \"incoming\"\naddress = \"in@contoso.com\"\n\
             [[route]]\nname = \"r\"\nconnector = \"in\"\naddress = \"r@contoso.com\"\nenabled = true\n\
             [[route]]\nname = \"stale\"\nconnector = \"in\"\naddress = \"x@contoso.com\"\ndefault = true\n",
        );
        assert_eq!(
            kinds(&s),
            vec![
                ProblemKind::InvalidName,
                ProblemKind::InvalidAddress,
                ProblemKind::InvalidFolder,
                ProblemKind::IncomingWithoutFolders,
                ProblemKind::RouteEnabledOnDisabledConnector,
                ProblemKind::DefaultRouteNotFollowingConnector,
            ]
        );
    }

    #[test]
    fn a_custom_cloud_needs_both_endpoints() {
        let s = state(
            "[integration]\ntenant = \"t.onmicrosoft.com\"\napp_id = \"a\"\ncloud = \"custom\"\nauthority_host = \"https://x\"\n\
             [integration.credential]\nkind = \"secret\"\ncredential_generation = \"g\"\nsecret = { source = \"keyring\" }\n",
        );
        assert_eq!(kinds(&s), vec![ProblemKind::CustomCloudWithoutEndpoints]);
        let json = serde_json::to_string(&check_references(&s)[0]).unwrap();
        assert!(json.starts_with("{\"kind\":\"custom-cloud-without-endpoints\",\"subject\":{\"kind\":\"integration\"}"), "{json}");
    }
}

//! Which route would take an incoming message (SPEC §1, issue 6): a live
//! incoming route of the connector whose address is among the message's
//! recipients (to and cc), else the connector's default route. Computed
//! from the state alone, so it can be unit-tested without Graph.
//!
//! Limits: the platform's own tie-break when several routes match is not
//! specified; the first match in recipient order (to before cc) is shown and
//! the others are listed, so the admin sees the ambiguity.

use serde::Serialize;

use crate::state::trust;
use crate::state::{Connector, Route, State};

/// How the route was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    /// One live route's address is among the recipients.
    Direct,
    /// Several live routes' addresses are among the recipients.
    Multiple,
    /// No route matched: the connector's default route takes it.
    Default,
    /// Nothing would take it (the connector is not live).
    None,
}

/// A route as peek shows it: what it would make of the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteChoice {
    pub name: String,
    pub address: String,
    pub default: bool,
    pub process: Option<String>,
    pub for_attention: bool,
    pub test_mode: bool,
    pub send_automated_emails: bool,
}

impl RouteChoice {
    fn of(route: &Route) -> Self {
        RouteChoice {
            name: route.name.clone(),
            address: route.address.clone(),
            default: route.default,
            process: route.process.clone(),
            for_attention: route.for_attention,
            test_mode: route.test_mode,
            send_automated_emails: route.send_automated_emails,
        }
    }
}

/// The outcome for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteDecision {
    pub routing: Routing,
    pub route: Option<RouteChoice>,
    /// Every live route whose address is among the recipients, in the order
    /// chosen (empty for `Default` / `None`).
    pub matching: Vec<String>,
}

/// The live routes of one incoming connector, prepared once per peek.
pub struct RouteTable {
    /// Non-default live routes with their lower-cased address.
    direct: Vec<(String, Route)>,
    default: Option<Route>,
}

impl RouteTable {
    pub fn new(state: &State, connector: &Connector) -> Self {
        let live: Vec<&Route> = state
            .routes_of(&connector.name)
            .filter(|r| trust::route_live(state, r))
            .collect();
        RouteTable {
            direct: live
                .iter()
                .filter(|r| !r.default)
                .map(|r| (r.address.trim().to_ascii_lowercase(), (*r).clone()))
                .collect(),
            default: live.iter().find(|r| r.default).map(|r| (*r).clone()),
        }
    }

    /// The route for a message addressed to `recipients` (to, then cc).
    pub fn decide<'a>(&self, recipients: impl IntoIterator<Item = &'a str>) -> RouteDecision {
        let mut matched: Vec<&Route> = Vec::new();
        for address in recipients {
            let address = address.trim().to_ascii_lowercase();
            for (route_address, route) in &self.direct {
                if *route_address == address && !matched.iter().any(|m| m.name == route.name) {
                    matched.push(route);
                }
            }
        }
        let matching: Vec<String> = matched.iter().map(|r| r.name.clone()).collect();
        match matched.first() {
            Some(first) => RouteDecision {
                routing: if matched.len() > 1 {
                    Routing::Multiple
                } else {
                    Routing::Direct
                },
                route: Some(RouteChoice::of(first)),
                matching,
            },
            None => match &self.default {
                Some(d) => RouteDecision {
                    routing: Routing::Default,
                    route: Some(RouteChoice::of(d)),
                    matching,
                },
                None => RouteDecision {
                    routing: Routing::None,
                    route: None,
                    matching,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::UseFor;

    fn route(name: &str, address: &str, default: bool, enabled: bool) -> Route {
        Route {
            name: name.into(),
            description: String::new(),
            connector: "support".into(),
            address: address.into(),
            enabled,
            default,
            process: Some(format!("{name}-process")),
            send_automated_emails: false,
            for_attention: name == "eu",
            test_mode: false,
            test: None,
        }
    }

    /// A table built directly: trust is covered by `state::trust`'s tests.
    fn table(routes: &[Route]) -> RouteTable {
        RouteTable {
            direct: routes
                .iter()
                .filter(|r| !r.default && r.enabled)
                .map(|r| (r.address.to_ascii_lowercase(), r.clone()))
                .collect(),
            default: routes.iter().find(|r| r.default && r.enabled).cloned(),
        }
    }

    #[test]
    fn direct_multiple_default_and_none() {
        let routes = [
            route("support", "support@contoso.com", true, true),
            route("eu", "eu@contoso.com", false, true),
            route("us", "US@contoso.com", false, true),
            route("off", "off@contoso.com", false, false),
        ];
        let t = table(&routes);
        let d = t.decide(["EU@contoso.com"]);
        assert_eq!(d.routing, Routing::Direct);
        assert_eq!(d.route.as_ref().map(|r| r.name.as_str()), Some("eu"));
        assert!(d.route.unwrap().for_attention);

        let d = t.decide(["us@contoso.com", "eu@contoso.com", "us@contoso.com"]);
        assert_eq!(d.routing, Routing::Multiple);
        assert_eq!(d.matching, vec!["us", "eu"]);

        let d = t.decide(["someone@else.example", "off@contoso.com"]);
        assert_eq!(d.routing, Routing::Default);
        assert_eq!(d.route.map(|r| r.name), Some("support".to_string()));

        let none = table(&[route("support", "support@contoso.com", true, false)]);
        assert_eq!(none.decide(["x@y.z"]).routing, Routing::None);
    }

    #[test]
    fn only_live_routes_of_the_connector_count() {
        let mut state = State::new();
        state.connectors.push(Connector {
            name: "support".into(),
            use_for: UseFor::Incoming,
            address: "support@contoso.com".into(),
            enabled: true,
            folders: vec!["Inbox".into()],
            process: Some("case".into()),
            send_automated_emails: false,
            test_mode: false,
            ai: vec![],
            test: None,
        });
        state
            .routes
            .push(route("eu", "eu@contoso.com", false, true));
        // No integration and no tests: nothing is live.
        let t = RouteTable::new(&state, &state.connectors[0]);
        assert_eq!(t.decide(["eu@contoso.com"]).routing, Routing::None);
    }
}

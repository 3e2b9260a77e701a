//! Changes to the model that keep its invariants (SPEC §1): unique names,
//! the default route that follows its connector, the enable gate, routes only
//! live under a live connector, and refused removals without `--cascade`.
//!
//! Each operation is deterministic in its arguments, so a command can apply it
//! to a snapshot (to decide whether a re-test is needed) and then again to the
//! freshly locked state, where concurrent changes by others are respected.

use std::collections::HashMap;

use crate::error::{CliError, Result};

use super::fingerprint;
use super::model::{AiFeature, Connector, Route, State, TestRecord, UseFor};
use super::trust::{self, TestState};

/// What an `add` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// An identical item already existed: nothing changed.
    Unchanged,
}

/// A setting's value as a person reads it in a "differs" message: quoted
/// text, `none`, `on`/`off`, comma-separated lists (never Rust's `Debug`).
trait Shown {
    fn shown(&self) -> String;
}

impl Shown for String {
    fn shown(&self) -> String {
        format!("'{self}'")
    }
}

impl Shown for bool {
    fn shown(&self) -> String {
        if *self { "on" } else { "off" }.to_string()
    }
}

impl Shown for UseFor {
    fn shown(&self) -> String {
        self.as_str().to_string()
    }
}

impl Shown for AiFeature {
    fn shown(&self) -> String {
        self.as_str().to_string()
    }
}

impl<T: Shown> Shown for Option<T> {
    fn shown(&self) -> String {
        self.as_ref()
            .map_or_else(|| "none".to_string(), Shown::shown)
    }
}

impl<T: Shown> Shown for Vec<T> {
    fn shown(&self) -> String {
        if self.is_empty() {
            return "none".to_string();
        }
        self.iter().map(Shown::shown).collect::<Vec<_>>().join(", ")
    }
}

fn differences<T: PartialEq + Shown>(name: &str, old: &T, new: &T, out: &mut Vec<String>) {
    if old != new {
        out.push(format!(
            "{name}: existing {}, requested {}",
            old.shown(),
            new.shown()
        ));
    }
}

fn connector_differences(old: &Connector, new: &Connector) -> Vec<String> {
    let mut out = Vec::new();
    differences("use-for", &old.use_for, &new.use_for, &mut out);
    differences("address", &old.address, &new.address, &mut out);
    differences("folders", &old.folders, &new.folders, &mut out);
    differences("process", &old.process, &new.process, &mut out);
    differences(
        "send-automated-emails",
        &old.send_automated_emails,
        &new.send_automated_emails,
        &mut out,
    );
    differences("test-mode", &old.test_mode, &new.test_mode, &mut out);
    differences("ai", &old.ai, &new.ai, &mut out);
    out
}

fn route_differences(old: &Route, new: &Route) -> Vec<String> {
    let mut out = Vec::new();
    differences("connector", &old.connector, &new.connector, &mut out);
    differences("address", &old.address, &new.address, &mut out);
    differences("description", &old.description, &new.description, &mut out);
    differences("process", &old.process, &new.process, &mut out);
    differences(
        "send-automated-emails",
        &old.send_automated_emails,
        &new.send_automated_emails,
        &mut out,
    );
    differences(
        "for-attention",
        &old.for_attention,
        &new.for_attention,
        &mut out,
    );
    differences("test-mode", &old.test_mode, &new.test_mode, &mut out);
    out
}

fn connector_not_found(name: &str) -> CliError {
    CliError::usage(format!("no connector named '{name}'")).hint("see `graphmail connector list`")
}

fn route_not_found(name: &str) -> CliError {
    CliError::usage(format!("no route named '{name}'")).hint("see `graphmail route list`")
}

/// Checks the connector's own rules: incoming needs folders and a process;
/// outbound takes neither.
pub fn check_connector(connector: &Connector) -> Result<()> {
    match connector.use_for {
        UseFor::Incoming => {
            if connector.folders.is_empty() {
                return Err(CliError::usage(format!(
                    "incoming connector '{}' needs at least one folder",
                    connector.name
                ))
                .hint("pass --folder PATH, e.g. --folder Inbox"));
            }
            if connector.process.is_none() {
                return Err(CliError::usage(format!(
                    "incoming connector '{}' needs the process its mail becomes",
                    connector.name
                ))
                .hint("pass --process NAME, e.g. --process \"Support Request\""));
            }
        }
        UseFor::Outbound => {
            let mut extra = Vec::new();
            if !connector.folders.is_empty() {
                extra.push("--folder");
            }
            if connector.process.is_some() {
                extra.push("--process");
            }
            if connector.send_automated_emails {
                extra.push("--send-automated-emails");
            }
            if connector.test_mode {
                extra.push("--test-mode");
            }
            if !connector.ai.is_empty() {
                extra.push("--ai");
            }
            if !extra.is_empty() {
                return Err(CliError::usage(format!(
                    "outbound connector '{}' takes only a name and a primary address, not {}",
                    connector.name,
                    extra.join(", ")
                ))
                .hint("those options belong to incoming connectors"));
            }
        }
    }
    Ok(())
}

fn check_address_unique(state: &State, route: &Route, use_for: UseFor) -> Result<()> {
    let clash = state.routes.iter().find(|r| {
        r.name != route.name
            && r.address.eq_ignore_ascii_case(&route.address)
            && state
                .connector(&r.connector)
                .is_some_and(|c| c.use_for == use_for)
    });
    match clash {
        Some(other) => Err(address_taken(route, use_for, &other.name)),
        None => Ok(()),
    }
}

fn name_of_a_connector(route: &str) -> CliError {
    CliError::usage(format!(
        "'{route}' is a connector's name, which its default route takes"
    ))
    .hint("pick another route name")
}

fn address_taken(route: &Route, use_for: UseFor, other: &str) -> CliError {
    CliError::usage(format!(
        "address {} is already used by {} route '{other}'",
        route.address,
        use_for.as_str(),
    ))
    .hint("each address can belong to one route; change --address or edit the other route")
}

pub fn add_connector(state: &mut State, connector: Connector) -> Result<AddOutcome> {
    check_connector(&connector)?;
    if let Some(existing) = state.connector(&connector.name) {
        let diff = connector_differences(existing, &connector);
        if diff.is_empty() {
            return Ok(AddOutcome::Unchanged);
        }
        return Err(CliError::usage(format!(
            "connector '{}' already exists with other settings: {}",
            connector.name,
            diff.join("; ")
        ))
        .hint(format!(
            "to change it, use `graphmail connector set {}`",
            connector.name
        )));
    }
    if state.route(&connector.name).is_some_and(|r| !r.default) {
        return Err(CliError::usage(format!(
            "a route named '{}' exists; a connector's default route takes the connector's name",
            connector.name
        ))
        .hint("pick another connector name, or rename the route"));
    }
    state.connectors.push(connector);
    Ok(AddOutcome::Added)
}

/// A change to a connector; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ConnectorChange {
    pub address: Option<String>,
    pub folders: Option<Vec<String>>,
    pub add_folders: Vec<String>,
    pub remove_folders: Vec<String>,
    pub process: Option<String>,
    pub send_automated_emails: Option<bool>,
    pub test_mode: Option<bool>,
    pub ai_on: Vec<AiFeature>,
    pub ai_off: Vec<AiFeature>,
}

pub fn set_connector(state: &mut State, name: &str, change: &ConnectorChange) -> Result<()> {
    let connector = state
        .connector_mut(name)
        .ok_or_else(|| connector_not_found(name))?;
    if let Some(address) = &change.address {
        connector.address = address.clone();
    }
    if let Some(folders) = &change.folders {
        connector.folders = folders.clone();
    }
    for folder in &change.add_folders {
        if !connector.folders.contains(folder) {
            connector.folders.push(folder.clone());
        }
    }
    for folder in &change.remove_folders {
        if !connector.folders.contains(folder) {
            return Err(
                CliError::usage(format!("connector '{name}' has no folder '{folder}'"))
                    .hint(format!("its folders: {}", connector.folders.join(", "))),
            );
        }
        connector.folders.retain(|f| f != folder);
    }
    if let Some(process) = &change.process {
        connector.process = Some(process.clone());
    }
    if let Some(v) = change.send_automated_emails {
        connector.send_automated_emails = v;
    }
    if let Some(v) = change.test_mode {
        connector.test_mode = v;
    }
    for feature in &change.ai_on {
        if !connector.ai.contains(feature) {
            connector.ai.push(*feature);
        }
    }
    connector.ai.retain(|f| !change.ai_off.contains(f));
    connector.ai.sort();
    let connector = connector.clone();
    check_connector(&connector)?;
    sync_default_route(state, &connector);
    Ok(())
}

/// The default route follows its connector's address, process and options.
pub fn sync_default_route(state: &mut State, connector: &Connector) {
    if let Some(route) = state
        .routes
        .iter_mut()
        .find(|r| r.default && r.connector == connector.name)
    {
        follow_connector(route, connector);
    }
}

/// [`sync_default_route`] for a caller that found the default route itself.
pub fn follow_connector(default_route: &mut Route, connector: &Connector) {
    default_route.address = connector.address.clone();
    default_route.process = connector.process.clone();
    default_route.send_automated_emails = connector.send_automated_emails;
    default_route.test_mode = connector.test_mode;
    default_route.enabled = connector.enabled;
}

/// What a removal took with it.
#[derive(Debug, Clone, Default)]
pub struct Removed {
    pub connectors: Vec<String>,
    pub routes: Vec<String>,
}

pub fn remove_connector(state: &mut State, name: &str, cascade: bool) -> Result<Removed> {
    if state.connector(name).is_none() {
        return Err(connector_not_found(name));
    }
    let dependants: Vec<String> = state
        .routes_of(name)
        .filter(|r| !r.default)
        .map(|r| r.name.clone())
        .collect();
    if !dependants.is_empty() && !cascade {
        return Err(CliError::usage(format!(
            "connector '{name}' has routes that depend on it: {}",
            dependants.join(", ")
        ))
        .hint("remove those routes first, or pass --cascade to remove them with it"));
    }
    let routes: Vec<String> = state.routes_of(name).map(|r| r.name.clone()).collect();
    state.routes.retain(|r| r.connector != name);
    state.connectors.retain(|c| c.name != name);
    Ok(Removed {
        connectors: vec![name.to_string()],
        routes,
    })
}

pub fn remove_integration(state: &mut State, cascade: bool) -> Result<Removed> {
    if state.integration.is_none() {
        return Err(CliError::usage("there is no integration to remove"));
    }
    if !state.connectors.is_empty() && !cascade {
        let names: Vec<&str> = state.connectors.iter().map(|c| c.name.as_str()).collect();
        return Err(CliError::usage(format!(
            "connectors depend on the integration: {}",
            names.join(", ")
        ))
        .hint("remove them first, or pass --cascade to remove them and their routes too"));
    }
    let removed = Removed {
        connectors: state.connectors.iter().map(|c| c.name.clone()).collect(),
        routes: state.routes.iter().map(|r| r.name.clone()).collect(),
    };
    state.connectors.clear();
    state.routes.clear();
    state.integration = None;
    Ok(removed)
}

/// Checks a route against its connector's kind.
pub fn check_route(state: &State, route: &Route) -> Result<UseFor> {
    let connector = state
        .connector(&route.connector)
        .ok_or_else(|| connector_not_found(&route.connector))?;
    check_route_kind(route, connector)?;
    check_address_unique(state, route, connector.use_for)?;
    Ok(connector.use_for)
}

/// The options a route takes under its connector's kind.
fn check_route_kind(route: &Route, connector: &Connector) -> Result<()> {
    if connector.use_for == UseFor::Outbound {
        let mut extra = Vec::new();
        if route.process.is_some() {
            extra.push("--process");
        }
        if route.send_automated_emails {
            extra.push("--send-automated-emails");
        }
        if route.for_attention {
            extra.push("--for-attention");
        }
        if route.test_mode {
            extra.push("--test-mode");
        }
        if !extra.is_empty() {
            return Err(CliError::usage(format!(
                "route '{}' is an outgoing (alias) route of outbound connector '{}' and takes no {}",
                route.name,
                connector.name,
                extra.join(", ")
            ))
            .hint("those options belong to incoming routes"));
        }
    } else if route.process.is_none() {
        return Err(CliError::usage(format!(
            "incoming route '{}' needs the process its mail becomes",
            route.name
        ))
        .hint("pass --process NAME"));
    }
    Ok(())
}

/// [`check_route`] for many routes at once: connectors found by name and
/// addresses by value through indexes built once, not a scan of the state
/// per route, so checking thousands of routes stays linear (SPEC §8: a
/// desired-state file of 2,000 routes is checked on every `plan`).
pub struct RouteRules<'a> {
    connectors: HashMap<&'a str, &'a Connector>,
    /// Routes by lower-cased address and their connector's kind, in order.
    addresses: HashMap<(String, UseFor), Vec<String>>,
}

impl<'a> RouteRules<'a> {
    pub fn new(connectors: &'a [Connector]) -> Self {
        let mut by_name = HashMap::with_capacity(connectors.len());
        for connector in connectors {
            // The first of a name, as `State::connector` finds it.
            by_name.entry(connector.name.as_str()).or_insert(connector);
        }
        RouteRules {
            connectors: by_name,
            addresses: HashMap::new(),
        }
    }

    /// Counts `route` among the routes whose addresses others must not take.
    pub fn note(&mut self, route: &Route) {
        if let Some(connector) = self.connectors.get(route.connector.as_str()) {
            self.addresses
                .entry((route.address.to_ascii_lowercase(), connector.use_for))
                .or_default()
                .push(route.name.clone());
        }
    }

    /// What [`check_route`] says of `route` in a state of these connectors
    /// and the routes noted so far.
    pub fn check(&self, route: &Route) -> Result<UseFor> {
        let connector = self
            .connectors
            .get(route.connector.as_str())
            .ok_or_else(|| connector_not_found(&route.connector))?;
        check_route_kind(route, connector)?;
        let key = (route.address.to_ascii_lowercase(), connector.use_for);
        if let Some(other) = self
            .addresses
            .get(&key)
            .and_then(|names| names.iter().find(|n| **n != route.name))
        {
            return Err(address_taken(route, connector.use_for, other));
        }
        Ok(connector.use_for)
    }

    /// What [`add_route`] checks of a route new to a state of these
    /// connectors and the routes noted so far (its name is not one of
    /// theirs: the caller knows), then notes it.
    pub fn add(&mut self, route: &Route) -> Result<()> {
        if self.connectors.contains_key(route.name.as_str()) {
            return Err(name_of_a_connector(&route.name));
        }
        self.check(route)?;
        self.note(route);
        Ok(())
    }
}

/// Every route of `state` but the default routes, checked as [`check_route`]
/// would one by one, in one pass.
pub fn check_routes(state: &State) -> Result<()> {
    let mut rules = RouteRules::new(&state.connectors);
    for route in &state.routes {
        rules.note(route);
    }
    for route in state.routes.iter().filter(|r| !r.default) {
        rules.check(route)?;
    }
    Ok(())
}

pub fn add_route(state: &mut State, route: Route) -> Result<AddOutcome> {
    if let Some(existing) = state.route(&route.name) {
        if existing.default {
            return Err(CliError::usage(format!(
                "'{}' is the default route of connector '{}'",
                route.name, existing.connector
            ))
            .hint("pick another route name"));
        }
        let diff = route_differences(existing, &route);
        if diff.is_empty() {
            return Ok(AddOutcome::Unchanged);
        }
        return Err(CliError::usage(format!(
            "route '{}' already exists with other settings: {}",
            route.name,
            diff.join("; ")
        ))
        .hint(format!(
            "to change it, use `graphmail route set {}`",
            route.name
        )));
    }
    if state.connector(&route.name).is_some() {
        return Err(name_of_a_connector(&route.name));
    }
    check_route(state, &route)?;
    state.routes.push(route);
    Ok(AddOutcome::Added)
}

/// A change to a route; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct RouteChange {
    pub address: Option<String>,
    pub description: Option<String>,
    pub process: Option<String>,
    pub send_automated_emails: Option<bool>,
    pub for_attention: Option<bool>,
    pub test_mode: Option<bool>,
}

pub fn set_route(state: &mut State, name: &str, change: &RouteChange) -> Result<()> {
    let route = state.route(name).ok_or_else(|| route_not_found(name))?;
    if route.default && (change.address.is_some() || change.process.is_some()) {
        return Err(CliError::usage(format!(
            "'{name}' is the default route of connector '{}' and follows it",
            route.connector
        ))
        .hint(format!(
            "change the connector instead: `graphmail connector set {}`",
            route.connector
        )));
    }
    let mut route = route.clone();
    if let Some(v) = &change.address {
        route.address = v.clone();
    }
    if let Some(v) = &change.description {
        route.description = v.clone();
    }
    if let Some(v) = &change.process {
        route.process = Some(v.clone());
    }
    if let Some(v) = change.send_automated_emails {
        route.send_automated_emails = v;
    }
    if let Some(v) = change.for_attention {
        route.for_attention = v;
    }
    if let Some(v) = change.test_mode {
        route.test_mode = v;
    }
    check_route(state, &route)?;
    if let Some(slot) = state.route_mut(name) {
        *slot = route;
    }
    Ok(())
}

pub fn remove_route(state: &mut State, name: &str) -> Result<()> {
    let route = state.route(name).ok_or_else(|| route_not_found(name))?;
    if route.default {
        return Err(CliError::usage(format!(
            "'{name}' is the default route of connector '{}' and cannot be removed on its own",
            route.connector
        ))
        .hint(format!(
            "disable it with `graphmail disable connector {0}`, or remove the connector: `graphmail connector remove {0}`",
            route.connector
        )));
    }
    state.routes.retain(|r| r.name != name);
    Ok(())
}

fn gate_refusal(
    kind: &str,
    name: &str,
    state_of_test: TestState,
    record: Option<&crate::state::TestRecord>,
) -> CliError {
    let why = match state_of_test {
        TestState::Untested => "has no connection test".to_string(),
        TestState::Failed => "failed its last connection test".to_string(),
        TestState::Unverified => {
            "was not verified by its last connection test: a required fact was neither established nor refuted".to_string()
        }
        TestState::Stale => "changed since its last connection test".to_string(),
        TestState::Passed => "passed".to_string(),
    };
    let mut err = CliError::refused(format!("{kind} '{name}' cannot be enabled: it {why}"));
    if state_of_test == TestState::Unverified
        && let Some(needs) = record.and_then(|r| r.needs.as_deref())
    {
        err = err.hint(format!("what would establish it: {needs}"));
    }
    err.hint(format!(
        "run `graphmail test-connection {kind} {name}`, then enable it again"
    ))
}

/// What enabling a connector did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnableOutcome {
    Enabled { default_route_created: bool },
    AlreadyEnabled,
}

/// A state's items' positions by name (each name's first, as
/// `State::connector` finds it), taken once so that a batch of enables or
/// test records over thousands of items finds each without a scan (SPEC §8).
/// It stays right while items are only changed or pushed at the end (an
/// enable's new default route is noted in it), never removed.
pub struct ItemsAt {
    connectors: HashMap<String, usize>,
    routes: HashMap<String, usize>,
    /// Each connector's default route, by the connector's name.
    default_routes: HashMap<String, usize>,
}

impl ItemsAt {
    pub fn new(state: &State) -> Self {
        let mut at = ItemsAt {
            connectors: HashMap::with_capacity(state.connectors.len()),
            routes: HashMap::with_capacity(state.routes.len()),
            default_routes: HashMap::new(),
        };
        for (i, c) in state.connectors.iter().enumerate() {
            at.connectors.entry(c.name.clone()).or_insert(i);
        }
        for (i, r) in state.routes.iter().enumerate() {
            at.routes.entry(r.name.clone()).or_insert(i);
            if r.default {
                at.default_routes.entry(r.connector.clone()).or_insert(i);
            }
        }
        at
    }

    pub fn connector(&self, name: &str) -> Option<usize> {
        self.connectors.get(name).copied()
    }

    pub fn route(&self, name: &str) -> Option<usize> {
        self.routes.get(name).copied()
    }

    /// Enabled, with its default route enabled too.
    pub fn connector_enabled(&self, state: &State, name: &str) -> bool {
        self.connector(name)
            .is_some_and(|c| state.connectors[c].enabled)
            && self
                .default_route(name)
                .is_some_and(|r| state.routes[r].enabled)
    }

    pub fn default_route(&self, connector: &str) -> Option<usize> {
        self.default_routes.get(connector).copied()
    }
}

/// Enables a connector through the gate and creates (or re-enables) its
/// default route.
pub fn enable_connector(state: &mut State, name: &str) -> Result<EnableOutcome> {
    let mut at = ItemsAt::new(state);
    enable_connector_at(state, &mut at, name)
}

/// [`enable_connector`] for a caller enabling many: items found through `at`.
pub fn enable_connector_at(
    state: &mut State,
    at: &mut ItemsAt,
    name: &str,
) -> Result<EnableOutcome> {
    let ci = at
        .connector(name)
        .ok_or_else(|| connector_not_found(name))?;
    let connector = state.connectors[ci].clone();
    if state.integration.is_none() {
        return Err(CliError::refused("there is no integration")
            .hint("run `graphmail integration set` first"));
    }
    let test_state = trust::connector_test_state(state, &connector);
    if test_state != TestState::Passed {
        return Err(gate_refusal(
            "connector",
            name,
            test_state,
            connector.test.as_ref(),
        ));
    }
    if at.connector_enabled(state, name) {
        return Ok(EnableOutcome::AlreadyEnabled);
    }
    if let Some(clash) = at
        .route(name)
        .map(|r| &state.routes[r])
        .filter(|r| !(r.default && r.connector == name))
    {
        return Err(CliError::usage(format!(
            "the default route would be named '{name}', but route '{}' (of connector '{}') has that name",
            clash.name, clash.connector
        ))
        .hint("rename or remove that route first"));
    }
    let mut created = false;
    if at.route(name).is_none() {
        state.routes.push(Route {
            name: name.to_string(),
            description: format!("Default route of connector {name}"),
            connector: name.to_string(),
            address: connector.address.clone(),
            enabled: true,
            default: true,
            process: connector.process.clone(),
            send_automated_emails: connector.send_automated_emails,
            for_attention: false,
            test_mode: connector.test_mode,
            test: None,
        });
        let new = state.routes.len() - 1;
        at.routes.insert(name.to_string(), new);
        at.default_routes.insert(name.to_string(), new);
        created = true;
    }
    state.connectors[ci].enabled = true;
    if let Some(r) = at.default_route(name) {
        follow_connector(&mut state.routes[r], &state.connectors[ci]);
    }
    Ok(EnableOutcome::Enabled {
        default_route_created: created,
    })
}

/// Re-enables, each through the gate, the routes that the disable of
/// connector `name` switched off; returns each with the gate's refusal, if
/// any (those stay disabled, and remembered).
pub fn restore_switched_off_routes(state: &mut State, name: &str) -> Vec<(String, Option<String>)> {
    let routes: Vec<String> = state
        .switched_off
        .iter()
        .filter(|(_, connector)| *connector == name)
        .map(|(route, _)| route.clone())
        .collect();
    let mut out = Vec::new();
    for route in routes {
        let mut trial = state.clone();
        match enable_route(&mut trial, &route) {
            Ok(_) => {
                *state = trial;
                out.push((route, None));
            }
            Err(e) => out.push((route, Some(e.to_string()))),
        }
    }
    out
}

/// Disables a connector and every route on it; returns the routes that were
/// enabled and now are not.
pub fn disable_connector(state: &mut State, name: &str) -> Result<Vec<String>> {
    let connector = state
        .connector_mut(name)
        .ok_or_else(|| connector_not_found(name))?;
    connector.enabled = false;
    let mut turned_off = Vec::new();
    for route in state.routes.iter_mut().filter(|r| r.connector == name) {
        if route.enabled {
            route.enabled = false;
            if !route.default {
                turned_off.push(route.name.clone());
            }
        }
    }
    // Remembered so `enable connector NAME --with-routes` can bring them back.
    for route in &turned_off {
        state.switched_off.insert(route.clone(), name.to_string());
    }
    Ok(turned_off)
}

/// Enables a route through the gate: its connector must be live and its own
/// test current.
pub fn enable_route(state: &mut State, name: &str) -> Result<bool> {
    enable_route_at(state, &ItemsAt::new(state), name)
}

/// [`enable_route`] for a caller enabling many: items found through `at`.
pub fn enable_route_at(state: &mut State, at: &ItemsAt, name: &str) -> Result<bool> {
    let ri = at.route(name).ok_or_else(|| route_not_found(name))?;
    let route = &state.routes[ri];
    if route.default {
        return Err(CliError::usage(format!(
            "'{name}' is a default route: it is enabled with its connector"
        ))
        .hint(format!(
            "run `graphmail enable connector {}`",
            route.connector
        )));
    }
    let connector = at
        .connector(&route.connector)
        .map(|c| &state.connectors[c])
        .ok_or_else(|| connector_not_found(&route.connector))?;
    if !trust::connector_live(state, connector) {
        return Err(CliError::refused(format!(
            "route '{name}' cannot be enabled while its connector '{}' is not live",
            connector.name
        ))
        .hint(format!(
            "enable the connector first: `graphmail enable connector {}`",
            connector.name
        )));
    }
    // As `trust::route_test_state` of a route that is not a default one,
    // with its connector already found.
    let test_state = match &state.integration {
        Some(integration) => TestState::of(
            route.test.as_ref(),
            &fingerprint::route(integration, connector, route),
        ),
        None => TestState::Untested,
    };
    if test_state != TestState::Passed {
        return Err(gate_refusal("route", name, test_state, route.test.as_ref()));
    }
    let was_enabled = route.enabled;
    state.switched_off.remove(name);
    if was_enabled {
        return Ok(false);
    }
    state.routes[ri].enabled = true;
    Ok(true)
}

pub fn disable_route(state: &mut State, name: &str) -> Result<bool> {
    let route = state.route(name).ok_or_else(|| route_not_found(name))?;
    if route.default {
        return Err(CliError::usage(format!(
            "'{name}' is a default route: it is disabled with its connector"
        ))
        .hint(format!(
            "run `graphmail disable connector {}`",
            route.connector
        )));
    }
    let was = route.enabled;
    if let Some(r) = state.route_mut(name) {
        r.enabled = false;
    }
    // Disabled on its own: no longer the connector's doing.
    state.switched_off.remove(name);
    Ok(was)
}

/// A target whose settings a change touched while it was live: it must pass
/// a re-test in the same command (SPEC §1 invariant 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveTarget {
    Integration,
    Connector(String),
    Route(String),
}

/// Items live in `before` whose fingerprint differs in `after`. Default routes
/// follow their connector and are not listed on their own.
///
/// A fingerprint is a function of the item's settings, its connector's and
/// the integration's, so an item equal in both states, under an integration
/// and (for a route) a connector equal in both, cannot have changed: only the
/// others are hashed. A one-item change to a state of thousands hashes one
/// item, not all of them (issue 17 (b)); `apply`, which may touch thousands,
/// hashes what it touches.
pub fn live_items_changed(before: &State, after: &State) -> Vec<LiveTarget> {
    let mut out = Vec::new();
    let Some(integration) = before.integration.as_ref() else {
        return out; // nothing is live without one
    };
    let Some(integration_after) = after.integration.as_ref() else {
        return out; // nothing to compare a fingerprint with
    };
    let integration_same = integration == integration_after;
    fn index(connectors: &[Connector]) -> HashMap<&str, usize> {
        let mut by_name = HashMap::with_capacity(connectors.len());
        for (i, c) in connectors.iter().enumerate() {
            by_name.entry(c.name.as_str()).or_insert(i);
        }
        by_name
    }
    let connectors_before = index(&before.connectors);
    let connectors_after = index(&after.connectors);
    let connector_after = |name: &str| connectors_after.get(name).map(|&i| &after.connectors[i]);
    let mut routes_after: HashMap<&str, &Route> = HashMap::with_capacity(after.routes.len());
    for r in &after.routes {
        routes_after.entry(r.name.as_str()).or_insert(r);
    }
    // Each integration's lines hashed once; each connector of `before`
    // fingerprinted at most once, and only when asked.
    let under_before = fingerprint::Connectors::under(integration);
    let under_after = fingerprint::Connectors::under(integration_after);
    let mut before_fps: Vec<Option<String>> = vec![None; before.connectors.len()];
    let mut before_fp = |i: usize| -> String {
        before_fps[i]
            .get_or_insert_with(|| under_before.fingerprint(&before.connectors[i]))
            .clone()
    };
    // Liveness in `before`, computed for the items that need it only.
    let mut live_before: Vec<Option<bool>> = vec![None; before.connectors.len()];
    let mut connector_live = |i: usize, fp: &str| {
        *live_before[i].get_or_insert_with(|| {
            let c = &before.connectors[i];
            c.enabled && TestState::of(c.test.as_ref(), fp) == TestState::Passed
        })
    };
    for (i, connector) in before.connectors.iter().enumerate() {
        if !connector.enabled {
            continue;
        }
        let Some(now) = connector_after(&connector.name) else {
            continue;
        };
        if integration_same && now == connector {
            continue;
        }
        let old = before_fp(i);
        if connector_live(i, &old) && under_after.fingerprint(now) != old {
            out.push(LiveTarget::Connector(connector.name.clone()));
        }
    }
    for route in &before.routes {
        if route.default || !route.enabled {
            continue;
        }
        let Some(&owner_at) = connectors_before.get(route.connector.as_str()) else {
            continue;
        };
        let owner = &before.connectors[owner_at];
        let Some(now) = routes_after.get(route.name.as_str()) else {
            continue;
        };
        let Some(owner_now) = connector_after(&now.connector) else {
            continue;
        };
        if integration_same && *now == route && owner_now == owner {
            continue;
        }
        let owner_fp = before_fp(owner_at);
        let old = fingerprint::route_under(&owner_fp, route);
        let live = TestState::of(route.test.as_ref(), &old) == TestState::Passed
            && connector_live(owner_at, &owner_fp);
        if live && fingerprint::route_under(&under_after.fingerprint(owner_now), now) != old {
            out.push(LiveTarget::Route(route.name.clone()));
        }
    }
    out
}

/// Records a test result for a connector if its settings still match the
/// fingerprint the test ran against (SPEC §1 invariant 6). Returns whether it
/// was recorded.
pub fn record_connector_test(
    state: &mut State,
    name: &str,
    tested_fingerprint: &str,
    record: TestRecord,
) -> bool {
    record_connector_test_at(
        state,
        &ItemsAt::new(state),
        name,
        tested_fingerprint,
        record,
    )
}

/// [`record_connector_test`] for a caller recording many.
pub fn record_connector_test_at(
    state: &mut State,
    at: &ItemsAt,
    name: &str,
    tested_fingerprint: &str,
    record: TestRecord,
) -> bool {
    let (Some(integration), Some(ci)) = (&state.integration, at.connector(name)) else {
        return false;
    };
    if fingerprint::connector(integration, &state.connectors[ci]) != tested_fingerprint {
        return false;
    }
    state.connectors[ci].test = Some(record);
    true
}

pub fn record_route_test(
    state: &mut State,
    name: &str,
    tested_fingerprint: &str,
    record: TestRecord,
) -> bool {
    record_route_test_at(
        state,
        &ItemsAt::new(state),
        name,
        tested_fingerprint,
        record,
    )
}

/// [`record_route_test`] for a caller recording many.
pub fn record_route_test_at(
    state: &mut State,
    at: &ItemsAt,
    name: &str,
    tested_fingerprint: &str,
    record: TestRecord,
) -> bool {
    let (Some(integration), Some(ri)) = (&state.integration, at.route(name)) else {
        return false;
    };
    let route = &state.routes[ri];
    let Some(ci) = at.connector(&route.connector) else {
        return false;
    };
    if fingerprint::route(integration, &state.connectors[ci], route) != tested_fingerprint {
        return false;
    }
    state.routes[ri].test = Some(record);
    true
}

pub fn record_integration_test(
    state: &mut State,
    tested_fingerprint: &str,
    record: TestRecord,
) -> bool {
    match &mut state.integration {
        Some(integration) if fingerprint::integration(integration) == tested_fingerprint => {
            integration.test = Some(record);
            true
        }
        _ => false,
    }
}

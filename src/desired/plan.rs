//! What `apply` would do: the difference between a [`Desired`] file and a
//! state, as an ordered list of [`Action`]s, and the settings the state
//! converges to ([`converge`]). Pure: no file, keyring or network here; the
//! command layer supplies the integration the file asks for (it may need a
//! certificate read from disk) and the evidence ages come from the records.
//!
//! Order of the actions, which is the order `apply` carries them out in:
//! settings first (integration, connectors, routes: create and update), then
//! removals (`--prune` only) and disables, then tests, then enables. A test
//! is planned only for what the file wants enabled and lacks a passing,
//! current, young-enough record: new, a tested setting changed, never or
//! not successfully tested, or older than `--max-age`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{CliError, Result};
use crate::state::trust::{self, TestState};
use crate::state::{
    Connector, Credential, Integration, Route, SecretSource, State, TestRecord, fingerprint, ops,
};

use super::Desired;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Integration,
    Connector,
    Route,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Integration => "integration",
            ItemKind::Connector => "connector",
            ItemKind::Route => "route",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    Create,
    Update,
    Remove,
    Disable,
    Test,
    Enable,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Remove => "remove",
            ActionKind::Disable => "disable",
            ActionKind::Test => "test",
            ActionKind::Enable => "enable",
        }
    }
}

/// Why a test is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestReason {
    /// The item does not exist yet.
    New,
    /// A setting the last test depended on changed (or the integration's did).
    SettingChanged,
    /// Never tested.
    EvidenceMissing,
    /// The last test failed or left a fact unverified.
    NotPassed,
    /// The evidence is older than `--max-age`.
    EvidenceTooOld,
    /// `plan --refresh`: a live item no longer passes.
    Drift,
}

impl TestReason {
    pub fn describe(self) -> &'static str {
        match self {
            TestReason::New => "new",
            TestReason::SettingChanged => "a tested setting changed",
            TestReason::EvidenceMissing => "never tested",
            TestReason::NotPassed => "its last test did not pass",
            TestReason::EvidenceTooOld => "its evidence is older than --max-age",
            TestReason::Drift => "live, but no longer passes (drift)",
        }
    }
}

/// One field of a create or update: JSON values so types survive
/// (`null` before a create).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Value,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub action: ActionKind,
    pub kind: ItemKind,
    /// `integration` for the integration.
    pub name: String,
    /// Create and update: each field that changes.
    pub fields: Vec<FieldChange>,
    /// Test: why.
    pub reason: Option<TestReason>,
    /// Whether the item is live now (an update to it is tested before it is
    /// saved; a removal of it asks for confirmation).
    pub live: bool,
    /// What happens if the planned test fails.
    pub if_test_fails: Option<String>,
    /// One line for people: the diagnosis of a drift, why an enable waits.
    pub detail: Option<String>,
}

impl Action {
    fn new(action: ActionKind, kind: ItemKind, name: &str) -> Self {
        Action {
            action,
            kind,
            name: name.to_string(),
            fields: Vec::new(),
            reason: None,
            live: false,
            if_test_fails: None,
            detail: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ItemName {
    pub kind: ItemKind,
    pub name: String,
}

/// The plan: actions in order, and what the state holds that the file does
/// not declare (removed only with `--prune`).
#[derive(Debug, Clone)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub not_declared: Vec<ItemName>,
    /// The state's settings once converged (enable flags as they are now,
    /// new items disabled): what the tests run against.
    pub target: State,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.action == kind).count()
    }

    pub fn tests(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.action == ActionKind::Test)
    }
}

pub struct PlanOptions {
    pub prune: bool,
    pub max_age: Option<Duration>,
    pub now: DateTime<Utc>,
}

/// Items `converge` leaves as they are: live items whose change failed its
/// test keep their old settings.
#[derive(Debug, Clone, Default)]
pub struct Skip {
    pub integration: bool,
    pub connectors: HashSet<String>,
    pub routes: HashSet<String>,
}

/// Brings the settings of `state` to the file's: the integration (when
/// given), creates (disabled), updates, and with `prune` removals. Enable
/// flags of existing items are left alone: enabling goes through the gate
/// ([`enable_all`]), disabling through [`disable_all`]. Deterministic, so it
/// runs on a snapshot for the plan and the tests, then again on the locked,
/// reloaded state.
pub fn converge(
    state: &mut State,
    desired: &Desired,
    integration: Option<&Integration>,
    skip: &Skip,
    prune: bool,
) -> Result<()> {
    if let Some(new) = integration
        && !skip.integration
    {
        let mut next = new.clone();
        next.test = state.integration.as_ref().and_then(|i| i.test.clone());
        if state.integration.as_ref() != Some(&next) {
            state.integration = Some(next);
        }
    }
    if prune {
        state
            .routes
            .retain(|r| r.default || desired.route(&r.name).is_some());
        let gone: Vec<String> = state
            .connectors
            .iter()
            .filter(|c| desired.connector(&c.name).is_none())
            .map(|c| c.name.clone())
            .collect();
        for name in gone {
            ops::remove_connector(state, &name, true)?;
        }
    }
    // Items found by name through positions taken once (creates are pushed
    // at the end, so positions hold): thousands of items, SPEC §8.
    let mut connector_at = positions(state.connectors.iter().map(|c| c.name.as_str()));
    let mut route_at = positions(state.routes.iter().map(|r| r.name.as_str()));
    let default_route_at = default_routes(state);
    for declared in &desired.connectors {
        let want = &declared.item;
        if skip.connectors.contains(&want.name) {
            continue;
        }
        match connector_at.get(&want.name) {
            None => {
                let mut fresh = want.clone();
                fresh.enabled = false;
                ops::add_connector(state, fresh)?;
                connector_at.insert(want.name.clone(), state.connectors.len() - 1);
            }
            Some(&i) => {
                let have = &mut state.connectors[i];
                have.use_for = want.use_for;
                have.address = want.address.clone();
                have.folders = want.folders.clone();
                have.process = want.process.clone();
                have.send_automated_emails = want.send_automated_emails;
                have.test_mode = want.test_mode;
                have.ai = want.ai.clone();
                if let Some(&r) = default_route_at.get(&want.name) {
                    ops::follow_connector(&mut state.routes[r], &state.connectors[i]);
                }
            }
        }
    }
    for declared in &desired.routes {
        let want = &declared.item;
        if skip.routes.contains(&want.name) {
            continue;
        }
        match route_at.get(&want.name).map(|&i| &mut state.routes[i]) {
            None => {
                let mut fresh = want.clone();
                fresh.enabled = false;
                ops::add_route(state, fresh)?;
                route_at.insert(want.name.clone(), state.routes.len() - 1);
            }
            Some(have) if have.default => {
                return Err(CliError::usage(format!(
                    "{}:{}: route '{}' has the name of connector '{}''s default route",
                    desired.origin, declared.line, want.name, have.connector
                ))
                .hint("rename the route, or remove that connector (apply --prune)"));
            }
            Some(have) => {
                have.description = want.description.clone();
                have.connector = want.connector.clone();
                have.address = want.address.clone();
                have.process = want.process.clone();
                have.send_automated_emails = want.send_automated_emails;
                have.for_attention = want.for_attention;
                have.test_mode = want.test_mode;
            }
        }
    }
    // The rules between items, over what the file declares and what the
    // state keeps (undeclared items without --prune).
    for connector in &state.connectors {
        ops::check_connector(connector)?;
    }
    ops::check_routes(state)
}

/// Each name's first position (as `State::connector` finds the first).
fn positions<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut at = HashMap::new();
    for (i, name) in names.enumerate() {
        at.entry(name.to_string()).or_insert(i);
    }
    at
}

/// Each connector's default route's position, by the connector's name.
fn default_routes(state: &State) -> HashMap<String, usize> {
    let mut at = HashMap::new();
    for (i, route) in state.routes.iter().enumerate().filter(|(_, r)| r.default) {
        at.entry(route.connector.clone()).or_insert(i);
    }
    at
}

/// A state's items by name, and their fingerprints and trust, each found
/// once: `plan` of thousands of items answers in milliseconds (SPEC §8).
struct Index<'a> {
    state: &'a State,
    connector_at: HashMap<String, usize>,
    route_at: HashMap<String, usize>,
    default_route_at: HashMap<String, usize>,
    trust: trust::Assessment<'a>,
    /// Each connector's fingerprint, by position (`None` without an
    /// integration).
    connector_fps: Vec<Option<String>>,
    /// Each route's, by position (`None` also when its connector is
    /// missing).
    route_fps: Vec<Option<String>>,
}

impl<'a> Index<'a> {
    fn new(state: &'a State) -> Self {
        let connector_at = positions(state.connectors.iter().map(|c| c.name.as_str()));
        let under = state
            .integration
            .as_ref()
            .map(fingerprint::Connectors::under);
        let connector_fps: Vec<Option<String>> = state
            .connectors
            .iter()
            .map(|c| under.as_ref().map(|u| u.fingerprint(c)))
            .collect();
        // A route's fingerprint rests on its connector's, taken from above.
        let route_fps = state
            .routes
            .iter()
            .map(|r| {
                let cfp = connector_fps[*connector_at.get(&r.connector)?].as_deref()?;
                Some(fingerprint::route_under(cfp, r))
            })
            .collect();
        Index {
            state,
            route_at: positions(state.routes.iter().map(|r| r.name.as_str())),
            default_route_at: default_routes(state),
            trust: trust::Assessment::new(state),
            connector_at,
            connector_fps,
            route_fps,
        }
    }

    fn connector(&self, name: &str) -> Option<&'a Connector> {
        self.connector_at
            .get(name)
            .map(|&i| &self.state.connectors[i])
    }

    fn route(&self, name: &str) -> Option<&'a Route> {
        self.route_at.get(name).map(|&i| &self.state.routes[i])
    }

    fn connector_live(&self, name: &str) -> bool {
        self.connector_at
            .get(name)
            .is_some_and(|&i| self.trust.connector_live(i))
    }

    fn route_live(&self, name: &str) -> bool {
        self.route_at
            .get(name)
            .is_some_and(|&i| self.trust.route_live(i))
    }

    /// Enabled, with its default route enabled too.
    fn connector_enabled(&self, name: &str) -> bool {
        self.connector(name).is_some_and(|c| c.enabled)
            && self
                .default_route_at
                .get(name)
                .is_some_and(|&r| self.state.routes[r].enabled)
    }

    fn connector_fingerprint(&self, name: &str) -> Option<&str> {
        self.connector_fps[*self.connector_at.get(name)?].as_deref()
    }

    fn route_fingerprint(&self, name: &str) -> Option<&str> {
        self.route_fps[*self.route_at.get(name)?].as_deref()
    }

    /// What `ops::live_items_changed(before, after)` finds, from the
    /// fingerprints both indexes already hold: items live here whose
    /// fingerprint differs in `after` (default routes follow their
    /// connector).
    fn live_changed(&self, after: &Index) -> HashSet<(ItemKind, String)> {
        let mut out = HashSet::new();
        if self.state.integration.is_none() {
            return out; // nothing is live without one
        }
        for (i, connector) in self.state.connectors.iter().enumerate() {
            if !self.trust.connector_live(i) {
                continue;
            }
            if let (Some(old), Some(new)) = (
                self.connector_fps[i].as_deref(),
                after.connector_fingerprint(&connector.name),
            ) && old != new
            {
                out.insert((ItemKind::Connector, connector.name.clone()));
            }
        }
        for (i, route) in self.state.routes.iter().enumerate() {
            if route.default || !self.trust.route_live(i) {
                continue;
            }
            if let (Some(old), Some(new)) = (
                self.route_fps[i].as_deref(),
                after.route_fingerprint(&route.name),
            ) && old != new
            {
                out.insert((ItemKind::Route, route.name.clone()));
            }
        }
        out
    }
}

/// What [`disable_all`] would disable in the indexed state, without a copy
/// of it to disable on: declared disabled and enabled, a route only when its
/// connector's disable does not already switch it off.
fn to_disable(index: &Index, desired: &Desired) -> Vec<ItemName> {
    let mut out = Vec::new();
    let mut connectors: HashSet<&str> = HashSet::new();
    for declared in desired.connectors.iter().filter(|c| !c.item.enabled) {
        let name = &declared.item.name;
        if index.connector(name).is_some_and(|c| c.enabled) {
            connectors.insert(name);
            out.push(ItemName {
                kind: ItemKind::Connector,
                name: name.clone(),
            });
        }
    }
    for declared in desired.routes.iter().filter(|r| !r.item.enabled) {
        let name = &declared.item.name;
        if index
            .route(name)
            .is_some_and(|r| r.enabled && !connectors.contains(r.connector.as_str()))
        {
            out.push(ItemName {
                kind: ItemKind::Route,
                name: name.clone(),
            });
        }
    }
    out
}

/// Disables what the file wants disabled and is enabled; returns them.
pub fn disable_all(state: &mut State, desired: &Desired) -> Result<Vec<ItemName>> {
    let mut out = Vec::new();
    for declared in desired.connectors.iter().filter(|c| !c.item.enabled) {
        let name = &declared.item.name;
        if state.connector(name).is_some_and(|c| c.enabled) {
            ops::disable_connector(state, name)?;
            out.push(ItemName {
                kind: ItemKind::Connector,
                name: name.clone(),
            });
        }
    }
    for declared in desired.routes.iter().filter(|r| !r.item.enabled) {
        let name = &declared.item.name;
        if state.route(name).is_some_and(|r| r.enabled) {
            ops::disable_route(state, name)?;
            out.push(ItemName {
                kind: ItemKind::Route,
                name: name.clone(),
            });
        }
    }
    Ok(out)
}

/// Enables, each through the gate, what the file wants enabled and is not;
/// returns what was enabled and what stays disabled with the gate's reason.
/// Items are found through positions taken once: thousands of them, SPEC §8.
pub fn enable_all(
    state: &mut State,
    desired: &Desired,
) -> (Vec<ItemName>, Vec<(ItemName, String)>) {
    let mut at = ops::ItemsAt::new(state);
    let mut enabled = Vec::new();
    let mut refused = Vec::new();
    for declared in desired.connectors.iter().filter(|c| c.item.enabled) {
        let name = &declared.item.name;
        if at.connector_enabled(state, name) {
            continue;
        }
        let item = ItemName {
            kind: ItemKind::Connector,
            name: name.clone(),
        };
        match ops::enable_connector_at(state, &mut at, name) {
            Ok(ops::EnableOutcome::Enabled { .. }) => enabled.push(item),
            Ok(ops::EnableOutcome::AlreadyEnabled) => {}
            Err(e) => refused.push((item, e.message)),
        }
    }
    for declared in desired.routes.iter().filter(|r| r.item.enabled) {
        let name = &declared.item.name;
        if at.route(name).is_some_and(|r| state.routes[r].enabled) {
            continue;
        }
        let item = ItemName {
            kind: ItemKind::Route,
            name: name.clone(),
        };
        match ops::enable_route_at(state, &at, name) {
            Ok(_) => enabled.push(item),
            Err(e) => refused.push((item, e.message)),
        }
    }
    (enabled, refused)
}

/// How the credential reads in a plan: its kind and source, never a value.
pub fn describe_credential(credential: &Credential) -> String {
    let source = |s: &SecretSource| match s {
        SecretSource::Keyring => "the keyring".to_string(),
        SecretSource::Env { var } => format!("env {var}"),
        SecretSource::None => "none".to_string(),
    };
    match credential {
        Credential::Secret { secret, .. } => format!("secret from {}", source(secret)),
        Credential::Certificate {
            sha256,
            password,
            assertion,
            ..
        } => format!(
            "certificate SHA-256 {} ({}), password from {}",
            sha256,
            serde_json::to_value(assertion)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            source(password)
        ),
    }
}

fn field<T: Serialize + PartialEq>(
    out: &mut Vec<FieldChange>,
    name: &'static str,
    before: Option<&T>,
    after: &T,
) {
    if before != Some(after) {
        out.push(FieldChange {
            field: name,
            before: before.map_or(Value::Null, |b| json!(b)),
            after: json!(after),
        });
    }
}

/// The changes between `before` and `after` of the named fields, each
/// under its own name (one [`field`] per field).
macro_rules! changed_fields {
    ($out:expr, $before:expr, $after:expr; $($name:ident),+ $(,)?) => {
        $(field($out, stringify!($name), $before.map(|b| &b.$name), &$after.$name);)+
    };
}

fn integration_fields(before: Option<&Integration>, after: &Integration) -> Vec<FieldChange> {
    let mut out = Vec::new();
    changed_fields!(&mut out, before, after;
        tenant, app_id, cloud, authority_host, graph_endpoint, ca_file, secret_expires);
    if before.map(|b| &b.credential) != Some(&after.credential) {
        out.push(FieldChange {
            field: "credential",
            before: before.map_or(Value::Null, |b| json!(describe_credential(&b.credential))),
            after: json!(describe_credential(&after.credential)),
        });
    }
    out
}

fn connector_fields(before: Option<&Connector>, after: &Connector) -> Vec<FieldChange> {
    let mut out = Vec::new();
    changed_fields!(&mut out, before, after;
        use_for, address, folders, process, send_automated_emails, test_mode, ai);
    out
}

fn route_fields(before: Option<&Route>, after: &Route) -> Vec<FieldChange> {
    let mut out = Vec::new();
    changed_fields!(&mut out, before, after;
        connector, address, description, process, send_automated_emails, for_attention, test_mode);
    out
}

/// Why `record` does not let the target through under `current`, if it
/// does not.
fn test_reason(
    is_new: bool,
    record: Option<&TestRecord>,
    current: &str,
    options: &PlanOptions,
) -> Option<TestReason> {
    if is_new {
        return Some(TestReason::New);
    }
    let Some(record) = record else {
        return Some(TestReason::EvidenceMissing);
    };
    match TestState::of(Some(record), current) {
        TestState::Stale => return Some(TestReason::SettingChanged),
        TestState::Passed => {}
        _ => return Some(TestReason::NotPassed),
    }
    if let Some(max_age) = options.max_age {
        let too_old = DateTime::parse_from_rfc3339(&record.at)
            .map(|at| {
                let age = options.now.signed_duration_since(at.with_timezone(&Utc));
                age.to_std().unwrap_or_default() > max_age
            })
            .unwrap_or(true);
        if too_old {
            return Some(TestReason::EvidenceTooOld);
        }
    }
    None
}

/// The create (`exists` false) or update of one item, when a field differs.
fn settings_action(
    kind: ItemKind,
    name: &str,
    exists: bool,
    fields: Vec<FieldChange>,
    live: bool,
) -> Option<Action> {
    if fields.is_empty() {
        return None;
    }
    let verb = if exists {
        ActionKind::Update
    } else {
        ActionKind::Create
    };
    let mut action = Action::new(verb, kind, name);
    action.fields = fields;
    action.live = live;
    Some(action)
}

/// What a failed test of a connector or route leaves: `changed_live`, a
/// change to a live item; `and_routes`, what follows a connector.
fn if_test_fails(changed_live: bool, live: bool, and_routes: &str) -> String {
    if changed_live {
        "keeps its old settings (--disable-failing: saved, and disabled)".to_string()
    } else if live {
        format!("stops being live (--disable-failing: disabled){and_routes}")
    } else {
        format!("stays disabled{and_routes}")
    }
}

/// The plan of `desired` against `state`. `integration` is the integration
/// the file asks for, built by the caller (see the command's
/// `target_integration`), `None` when the file has no `[integration]`.
pub fn compute(
    state: &State,
    desired: &Desired,
    integration: Option<&Integration>,
    options: &PlanOptions,
) -> Result<Plan> {
    let mut target = state.clone();
    converge(
        &mut target,
        desired,
        integration,
        &Skip::default(),
        options.prune,
    )?;
    let before = Index::new(state);
    let after = Index::new(&target);
    let mut actions = Vec::new();
    let live_changed = before.live_changed(&after);

    // Settings.
    let mut integration_changed = false;
    if let Some(want) = integration {
        let have = state.integration.as_ref();
        let live =
            have.is_some() && (0..state.connectors.len()).any(|i| before.trust.connector_live(i));
        let fields = integration_fields(have, want);
        if let Some(action) = settings_action(
            ItemKind::Integration,
            "integration",
            have.is_some(),
            fields,
            live,
        ) {
            integration_changed = true;
            actions.push(action);
        }
    }
    for declared in &desired.connectors {
        let want = after
            .connector(&declared.item.name)
            .unwrap_or(&declared.item);
        let have = before.connector(&want.name);
        actions.extend(settings_action(
            ItemKind::Connector,
            &want.name,
            have.is_some(),
            connector_fields(have, want),
            have.is_some() && before.connector_live(&want.name),
        ));
    }
    for declared in &desired.routes {
        let want = after.route(&declared.item.name).unwrap_or(&declared.item);
        let have = before.route(&want.name);
        actions.extend(settings_action(
            ItemKind::Route,
            &want.name,
            have.is_some(),
            route_fields(have, want),
            have.is_some() && before.route_live(&want.name),
        ));
    }

    // Removals (routes first, then connectors), or what is left alone.
    let mut not_declared = Vec::new();
    for route in state
        .routes
        .iter()
        .filter(|r| desired.route(&r.name).is_none())
    {
        if route.default {
            continue; // follows its connector
        }
        if options.prune {
            let mut action = Action::new(ActionKind::Remove, ItemKind::Route, &route.name);
            action.live = before.route_live(&route.name);
            actions.push(action);
        } else {
            not_declared.push(ItemName {
                kind: ItemKind::Route,
                name: route.name.clone(),
            });
        }
    }
    for connector in state
        .connectors
        .iter()
        .filter(|c| desired.connector(&c.name).is_none())
    {
        if options.prune {
            let mut action = Action::new(ActionKind::Remove, ItemKind::Connector, &connector.name);
            action.live = before.connector_live(&connector.name);
            if before.route(&connector.name).is_some_and(|r| r.default) {
                action.detail = Some(format!("with its default route '{}'", connector.name));
            }
            actions.push(action);
        } else {
            not_declared.push(ItemName {
                kind: ItemKind::Connector,
                name: connector.name.clone(),
            });
        }
    }

    // Disables.
    for item in to_disable(&after, desired) {
        let mut action = Action::new(ActionKind::Disable, item.kind, &item.name);
        if item.kind == ItemKind::Connector {
            action.detail = Some("and its routes".into());
        }
        actions.push(action);
    }

    // Tests.
    let mut enabled_routes: HashMap<&str, Vec<&str>> = HashMap::new();
    for route in desired.routes.iter().filter(|r| r.item.enabled) {
        enabled_routes
            .entry(route.item.connector.as_str())
            .or_default()
            .push(route.item.name.as_str());
    }
    let mut tested: HashSet<(ItemKind, String)> = HashSet::new();
    if let (Some(_), Some(want)) = (integration, target.integration.as_ref()) {
        let is_new = state.integration.is_none();
        if let Some(reason) = test_reason(
            is_new,
            want.test.as_ref(),
            &fingerprint::integration(want),
            options,
        ) {
            let mut action = Action::new(ActionKind::Test, ItemKind::Integration, "integration");
            action.reason = Some(reason);
            action.if_test_fails = Some(if integration_changed {
                "nothing is saved: the integration keeps its old settings".into()
            } else {
                "nothing that needs it is enabled".into()
            });
            actions.push(action);
            tested.insert((ItemKind::Integration, "integration".into()));
        }
    }
    for declared in desired.connectors.iter().filter(|c| c.item.enabled) {
        let name = &declared.item.name;
        let Some(connector) = after.connector(name) else {
            continue;
        };
        let Some(fp) = after.connector_fingerprint(name) else {
            continue;
        };
        let have = before.connector(name);
        let Some(reason) = test_reason(have.is_none(), connector.test.as_ref(), fp, options) else {
            continue;
        };
        let mut action = Action::new(ActionKind::Test, ItemKind::Connector, name);
        action.reason = Some(reason);
        action.live = have.is_some() && before.connector_live(name);
        let and_routes = match enabled_routes.get(name.as_str()) {
            None => String::new(),
            Some(routes) => format!(" (and so do its routes {})", routes.join(", ")),
        };
        action.if_test_fails = Some(if_test_fails(
            live_changed.contains(&(ItemKind::Connector, name.clone())),
            action.live,
            &and_routes,
        ));
        actions.push(action);
        tested.insert((ItemKind::Connector, name.clone()));
    }
    for declared in desired.routes.iter().filter(|r| r.item.enabled) {
        let name = &declared.item.name;
        let Some(route) = after.route(name) else {
            continue;
        };
        let Some(fp) = after.route_fingerprint(name) else {
            continue;
        };
        let have = before.route(name);
        let Some(reason) = test_reason(have.is_none(), route.test.as_ref(), fp, options) else {
            continue;
        };
        let mut action = Action::new(ActionKind::Test, ItemKind::Route, name);
        action.reason = Some(reason);
        action.live = have.is_some() && before.route_live(name);
        action.if_test_fails = Some(if_test_fails(
            live_changed.contains(&(ItemKind::Route, name.clone())),
            action.live,
            "",
        ));
        actions.push(action);
        tested.insert((ItemKind::Route, name.clone()));
    }

    // Enables.
    for declared in desired.connectors.iter().filter(|c| c.item.enabled) {
        let name = &declared.item.name;
        if after.connector_enabled(name) {
            continue;
        }
        let mut action = Action::new(ActionKind::Enable, ItemKind::Connector, name);
        action.detail = Some(if tested.contains(&(ItemKind::Connector, name.clone())) {
            "if its test passes; creates its default route".into()
        } else {
            "its test has passed; creates its default route".into()
        });
        actions.push(action);
    }
    for declared in desired.routes.iter().filter(|r| r.item.enabled) {
        let name = &declared.item.name;
        if after.route(name).is_some_and(|r| r.enabled) {
            continue;
        }
        let mut action = Action::new(ActionKind::Enable, ItemKind::Route, name);
        let connector_tested =
            tested.contains(&(ItemKind::Connector, declared.item.connector.clone()));
        action.detail = Some(
            match (
                tested.contains(&(ItemKind::Route, name.clone())),
                connector_tested,
            ) {
                (true, _) | (_, true) => "if its test and its connector's pass",
                _ => "its test has passed",
            }
            .into(),
        );
        actions.push(action);
    }
    drop((before, after));
    Ok(Plan {
        actions,
        not_declared,
        target,
    })
}

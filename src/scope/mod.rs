//! Least privilege, proven (reference §7): which mailboxes the app needs
//! ([`mailboxes`]), the Exchange Online PowerShell that restricts it to
//! exactly those ([`powershell`], through [`plan`]), and the proof that it
//! is restricted ([`assess`]).
//!
//! Sits beside `diagnose`: it uses the state and the Graph client, knows
//! nothing of clap or the terminal, and returns values the commands render.
//! A connection test can run [`assess::assess`] as a step of its own.

pub mod assess;
pub mod mailboxes;
pub mod powershell;

use serde::Serialize;

use crate::state::{Integration, ScopeMechanism, State, UseFor};

pub use assess::{AssessRequest, ScopeAssessment, ScopeVerdict, assess};
pub use mailboxes::{Alias, AliasKind, MailboxSet, NeededMailbox, Permission};
use powershell::{Names, ScriptInput};

/// The `scope plan` JSON schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// What `scope plan` was asked.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub mechanism: ScopeMechanism,
    /// `--group NAME` (validated).
    pub group: Option<String>,
    pub exact: bool,
}

/// One mailbox of the plan, with the roles the mechanism gives it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedMailbox {
    pub address: String,
    pub use_for: Vec<&'static str>,
    /// Graph permissions it needs.
    pub permissions: Vec<Permission>,
    /// What grants them: Exchange application roles (`rbac`) or Entra
    /// application permissions under the policy (`access-policy`).
    pub roles: Vec<&'static str>,
    pub connectors: Vec<String>,
}

/// A management scope (RBAC) or the policy's group (access policy).
#[derive(Debug, Clone, Serialize)]
pub struct PlannedScope {
    /// `management-scope` or `access-policy-group`.
    pub kind: &'static str,
    pub name: String,
    /// The recipient filter, when it names the mailboxes directly.
    pub filter: Option<String>,
    /// The mail-enabled security group it rests on, if any.
    pub group: Option<String>,
    pub roles: Vec<&'static str>,
    pub mailboxes: Vec<String>,
}

/// `graphmail scope plan`'s value: the script and what it sets up.
#[derive(Debug, Clone, Serialize)]
pub struct ScopePlan {
    pub schema_version: u32,
    pub mechanism: ScopeMechanism,
    pub app_id: String,
    pub group: Option<String>,
    pub exact: bool,
    pub mailboxes: Vec<PlannedMailbox>,
    pub aliases: Vec<Alias>,
    pub scopes: Vec<PlannedScope>,
    pub outside: Vec<String>,
    /// Things the admin should know (stale records, nothing outside).
    pub notes: Vec<String>,
    /// The PowerShell, as `scope plan` prints it.
    pub script: String,
}

/// Plans the restriction of `integration`'s app to `state`'s mailboxes.
pub fn plan(integration: &Integration, state: &State, request: &PlanRequest) -> ScopePlan {
    let set = MailboxSet::from_state(state);
    let names = Names::new(&integration.app_id, request.group.as_deref());
    let outside: Vec<String> = state
        .scope
        .as_ref()
        .map(|s| s.outside.clone())
        .unwrap_or_default();
    let script = powershell::script(&ScriptInput {
        mechanism: request.mechanism,
        app_id: &integration.app_id,
        tenant: &integration.tenant,
        names: &names,
        exact: request.exact,
        set: &set,
        outside: &outside,
    });
    let roles_for = |m: &NeededMailbox| -> Vec<&'static str> {
        m.permissions
            .iter()
            .map(|p| match request.mechanism {
                ScopeMechanism::Rbac => p.exchange_role(),
                ScopeMechanism::AccessPolicy => p.graph_name(),
            })
            .collect()
    };
    let mailboxes = set
        .mailboxes
        .iter()
        .map(|m| PlannedMailbox {
            address: m.address.clone(),
            use_for: m.use_for.clone(),
            permissions: m.permissions.clone(),
            roles: roles_for(m),
            connectors: m.connectors.clone(),
        })
        .collect();
    let scopes = match request.mechanism {
        ScopeMechanism::Rbac => [
            (UseFor::Incoming, mailboxes::INCOMING_PERMISSIONS),
            (UseFor::Outbound, mailboxes::OUTBOUND_PERMISSIONS),
        ]
        .into_iter()
        .filter_map(|(use_for, permissions)| {
            let members = set.with_use(use_for);
            if members.is_empty() {
                return None;
            }
            let addresses: Vec<&str> = members.iter().map(|m| m.address.as_str()).collect();
            let name = names.set_name(use_for);
            Some(PlannedScope {
                kind: "management-scope",
                filter: (!names.group_given).then(|| powershell::address_filter(&addresses)),
                group: names.group_given.then(|| name.clone()),
                name,
                roles: permissions.iter().map(|p| p.exchange_role()).collect(),
                mailboxes: addresses.iter().map(|a| a.to_string()).collect(),
            })
        })
        .collect(),
        ScopeMechanism::AccessPolicy => vec![PlannedScope {
            kind: "access-policy-group",
            name: names.base.clone(),
            filter: None,
            group: Some(names.base.clone()),
            roles: Vec::new(),
            mailboxes: set.mailboxes.iter().map(|m| m.address.clone()).collect(),
        }],
    };
    let mut notes = Vec::new();
    for stale in &set.stale_own_mailboxes {
        notes.push(format!(
            "{stale} is recorded as an own mailbox but no outgoing route uses it: it is left out"
        ));
    }
    if outside.is_empty() {
        notes.push("no outside mailbox is recorded: record one the app must not reach with `graphmail scope set --outside ADDRESS`, so the plan tests it and `scope check` can prove the restriction".to_string());
    }
    if request.mechanism == ScopeMechanism::Rbac {
        notes.push(format!(
            "fill in the enterprise application's object ID where the script says {}",
            powershell::OBJECT_ID_PLACEHOLDER
        ));
    }
    ScopePlan {
        schema_version: SCHEMA_VERSION,
        mechanism: request.mechanism,
        app_id: integration.app_id.clone(),
        group: request.group.clone(),
        exact: request.exact,
        mailboxes,
        aliases: set.aliases,
        scopes,
        outside,
        notes,
        script,
    }
}

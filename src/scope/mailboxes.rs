//! Which mailboxes the app needs, and with which permission: the state's
//! connectors and routes grouped by mailbox (reference §7).
//!
//! - An incoming connector's mailbox needs `Mail.ReadWrite` (it reads, marks
//!   read and moves mail).
//! - An outbound connector's mailbox needs `Mail.Send`, plus
//!   `Mail.ReadBasic` so a probe can be found in Sent Items and its From
//!   judged (SPEC §3: pass evidence for aliases).
//! - An outgoing alias route is either another (proxy) address of its
//!   connector's mailbox, which adds no mailbox, or a mailbox of its own,
//!   which the outbound mailbox sends as (`Add-RecipientPermission
//!   -AccessRights SendAs`). The state cannot tell the two apart, so the
//!   admin records the second kind (`scope set --own-mailbox`); the plan
//!   checks the first kind against Exchange before changing anything.
//! - Incoming routes add nothing: their mail is read in the connector's
//!   mailbox.
//!
//! Addresses compare without regard to case (SMTP domains are
//! case-insensitive, and Exchange matches local parts that way too).

use serde::Serialize;

use crate::state::{State, UseFor};

/// A Graph application permission a mailbox needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Permission {
    #[serde(rename = "Mail.ReadWrite")]
    MailReadWrite,
    #[serde(rename = "Mail.Send")]
    MailSend,
    #[serde(rename = "Mail.ReadBasic")]
    MailReadBasic,
}

impl Permission {
    /// Graph's name, as Entra's consent screen and tokens show it.
    pub fn graph_name(self) -> &'static str {
        match self {
            Permission::MailReadWrite => "Mail.ReadWrite",
            Permission::MailSend => "Mail.Send",
            Permission::MailReadBasic => "Mail.ReadBasic",
        }
    }

    /// The Exchange application role that grants it (reference §7.2).
    pub fn exchange_role(self) -> &'static str {
        match self {
            Permission::MailReadWrite => "Application Mail.ReadWrite",
            Permission::MailSend => "Application Mail.Send",
            Permission::MailReadBasic => "Application Mail.ReadBasic",
        }
    }
}

/// The permissions of each role set: one management scope per set.
pub const INCOMING_PERMISSIONS: &[Permission] = &[Permission::MailReadWrite];
pub const OUTBOUND_PERMISSIONS: &[Permission] = &[Permission::MailSend, Permission::MailReadBasic];

/// One mailbox the app must reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeededMailbox {
    /// As the connector names it (lower-case domain).
    pub address: String,
    /// `incoming`, `outbound`, or both.
    pub use_for: Vec<&'static str>,
    pub permissions: Vec<Permission>,
    /// The connectors on this mailbox.
    pub connectors: Vec<String>,
}

impl NeededMailbox {
    pub fn incoming(&self) -> bool {
        self.use_for.contains(&"incoming")
    }

    pub fn outbound(&self) -> bool {
        self.use_for.contains(&"outbound")
    }
}

/// What an outgoing alias route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AliasKind {
    /// Another address of the connector's mailbox: adds no mailbox.
    ProxyAddress,
    /// A mailbox of its own, which the connector's mailbox sends as.
    OwnMailbox,
}

/// An outgoing route whose address is not its connector's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alias {
    pub address: String,
    pub route: String,
    /// The outbound connector's mailbox (the sender, and the Send As trustee).
    pub mailbox: String,
    pub kind: AliasKind,
}

/// The state grouped by mailbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MailboxSet {
    pub mailboxes: Vec<NeededMailbox>,
    pub aliases: Vec<Alias>,
    /// Recorded own mailboxes that match no outgoing route any more.
    #[serde(skip)]
    pub stale_own_mailboxes: Vec<String>,
}

impl MailboxSet {
    /// Groups the state's connectors and outgoing routes by mailbox, in the
    /// order the connectors appear. Disabled connectors count: they need
    /// their access the moment they are tested or enabled.
    pub fn from_state(state: &State) -> MailboxSet {
        let mut set = MailboxSet::default();
        for connector in &state.connectors {
            let use_for = connector.use_for.as_str();
            let permissions = match connector.use_for {
                UseFor::Incoming => INCOMING_PERMISSIONS,
                UseFor::Outbound => OUTBOUND_PERMISSIONS,
            };
            let entry = match set
                .mailboxes
                .iter_mut()
                .position(|m| m.address.eq_ignore_ascii_case(&connector.address))
            {
                Some(i) => &mut set.mailboxes[i],
                None => {
                    set.mailboxes.push(NeededMailbox {
                        address: connector.address.clone(),
                        use_for: Vec::new(),
                        permissions: Vec::new(),
                        connectors: Vec::new(),
                    });
                    let last = set.mailboxes.len() - 1;
                    &mut set.mailboxes[last]
                }
            };
            if !entry.use_for.contains(&use_for) {
                entry.use_for.push(use_for);
                entry.use_for.sort_unstable();
            }
            for p in permissions {
                if !entry.permissions.contains(p) {
                    entry.permissions.push(*p);
                }
            }
            entry.permissions.sort_unstable();
            entry.connectors.push(connector.name.clone());
        }
        let own: &[String] = state
            .scope
            .as_ref()
            .map(|s| s.own_mailboxes.as_slice())
            .unwrap_or(&[]);
        for route in &state.routes {
            let Some(connector) = state.connector(&route.connector) else {
                continue;
            };
            if connector.use_for != UseFor::Outbound
                || route.default
                || route.address.eq_ignore_ascii_case(&connector.address)
                || set
                    .aliases
                    .iter()
                    .any(|a| a.address.eq_ignore_ascii_case(&route.address))
            {
                continue;
            }
            let kind = if own.iter().any(|o| o.eq_ignore_ascii_case(&route.address)) {
                AliasKind::OwnMailbox
            } else {
                AliasKind::ProxyAddress
            };
            set.aliases.push(Alias {
                address: route.address.clone(),
                route: route.name.clone(),
                mailbox: connector.address.clone(),
                kind,
            });
        }
        set.stale_own_mailboxes = own
            .iter()
            .filter(|o| {
                !set.aliases
                    .iter()
                    .any(|a| a.address.eq_ignore_ascii_case(o))
            })
            .cloned()
            .collect();
        set
    }

    /// Mailboxes of one role set, in order.
    pub fn with_use(&self, use_for: UseFor) -> Vec<&NeededMailbox> {
        self.mailboxes
            .iter()
            .filter(|m| m.use_for.contains(&use_for.as_str()))
            .collect()
    }

    /// Whether `address` is one of the configured mailboxes or an alias of one.
    pub fn covers(&self, address: &str) -> bool {
        self.mailboxes
            .iter()
            .any(|m| m.address.eq_ignore_ascii_case(address))
            || self
                .aliases
                .iter()
                .any(|a| a.address.eq_ignore_ascii_case(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Connector, Route, Scope, ScopeMechanism};

    fn connector(name: &str, use_for: UseFor, address: &str) -> Connector {
        Connector::for_tests(name, use_for, address)
    }

    fn route(name: &str, connector: &str, address: &str, default: bool) -> Route {
        Route {
            default,
            ..Route::for_tests(name, connector, address)
        }
    }

    #[test]
    fn mailboxes_group_connectors_and_aliases_by_kind() {
        let mut state = State::new();
        state.connectors = vec![
            connector("support", UseFor::Incoming, "support@contoso.com"),
            connector("eu", UseFor::Incoming, "Support@contoso.com"),
            connector("out", UseFor::Outbound, "noreply@contoso.com"),
        ];
        state.routes = vec![
            route("out", "out", "noreply@contoso.com", true),
            route("info", "out", "info@contoso.com", false),
            route("sales", "out", "sales@contoso.com", false),
            route("eu-in", "support", "eu@contoso.com", false),
        ];
        state.scope = Some(Scope {
            mechanism: ScopeMechanism::Rbac,
            outside: vec![],
            own_mailboxes: vec!["SALES@contoso.com".into(), "gone@contoso.com".into()],
        });
        let set = MailboxSet::from_state(&state);
        assert_eq!(set.mailboxes.len(), 2, "{set:#?}");
        assert_eq!(set.mailboxes[0].connectors, ["support", "eu"]);
        assert_eq!(set.mailboxes[0].permissions, [Permission::MailReadWrite]);
        assert_eq!(
            set.mailboxes[1].permissions,
            [Permission::MailSend, Permission::MailReadBasic]
        );
        assert_eq!(set.aliases.len(), 2);
        assert_eq!(set.aliases[0].kind, AliasKind::ProxyAddress);
        assert_eq!(set.aliases[1].kind, AliasKind::OwnMailbox);
        assert_eq!(set.stale_own_mailboxes, ["gone@contoso.com"]);
        assert!(set.covers("INFO@contoso.com"));
        assert!(!set.covers("ceo@contoso.com"));
    }
}

//! RBAC for Applications in Exchange Online (reference §7.2), next to the
//! application access policies of `store`: seeded service principals,
//! management scopes and role assignments of `Application Mail.*` roles.
//!
//! What the sandbox enforces, from Microsoft's page
//! (<https://learn.microsoft.com/exchange/permissions-exo/application-rbac>):
//! - an app's effective rights on a mailbox are the union of its Entra
//!   grants (the token's `roles`, tenant-wide) and the Exchange role
//!   assignments whose scope holds the mailbox ("additive");
//! - application access policies constrain only the Entra grants;
//! - tokens show only Entra grants: RBAC grants never appear in `roles`, and
//!   a token without `roles` is still served when RBAC grants something;
//! - a management scope is a recipient filter: here, a list of mailboxes
//!   (`PrimarySmtpAddress -eq ...`) or direct membership of a group
//!   (`MemberOfGroup -eq ...`; nested groups are not followed); a role
//!   assignment without a scope covers the whole organization;
//! - a role assignment needs the app's service principal first.
//!
//! Seed (flattened into the mail seed):
//! ```toml
//! [[service_principals]]        # New-ServicePrincipal
//! app_id = "4a1f7c2e-..."
//! object_id = "..."             # optional
//!
//! [[management_scopes]]         # New-ManagementScope -RecipientRestrictionFilter
//! name = "graphmail-incoming"
//! mailboxes = ["support@contoso.com"]       # or member_of_group = "group@contoso.com"
//!
//! [[role_assignments]]          # New-ManagementRoleAssignment -App -Role -CustomResourceScope
//! app_id = "4a1f7c2e-..."
//! role = "Application Mail.ReadWrite"
//! scope = "graphmail-incoming"  # absent: the whole organization
//! ```
//!
//! Not modelled: administrative-unit scopes, exclusive scopes, Exchange's
//! 30 min – 2 h permission cache (changes here apply at once; the seed
//! never changes after start).

use axum::http::StatusCode;
use serde::Deserialize;

use super::errors::GraphError;
use super::store::{Mailbox, Store};

/// How Graph refuses a mailbox that no grant reaches when the app holds RBAC
/// for Applications assignments. **UNVERIFIED**: Microsoft documents no
/// shape (reference §7.2); third-party notes report this one [C3]. One
/// table, so it is corrected in one place when a real answer is seen.
pub struct DenialShape {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

pub const RBAC_DENIAL: DenialShape = DenialShape {
    status: 403,
    code: "ErrorAccessDenied",
    message: "Access is denied. Check credentials and try again.",
};

/// The application roles this sandbox knows, and the Graph permissions each
/// grants (reference §7.2).
const APPLICATION_ROLES: &[(&str, &[&str])] = &[
    ("Application Mail.Read", &["Mail.Read"]),
    ("Application Mail.ReadBasic", &["Mail.ReadBasic"]),
    ("Application Mail.ReadWrite", &["Mail.ReadWrite"]),
    ("Application Mail.Send", &["Mail.Send"]),
    (
        "Application Mail Full Access",
        &["Mail.ReadWrite", "Mail.Send"],
    ),
];

/// The RBAC part of the mail seed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RbacSeed {
    pub service_principals: Vec<ServicePrincipalSeed>,
    pub management_scopes: Vec<ManagementScopeSeed>,
    pub role_assignments: Vec<RoleAssignmentSeed>,
}

/// `New-ServicePrincipal -AppId -ObjectId [-DisplayName]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServicePrincipalSeed {
    pub app_id: String,
    pub object_id: Option<String>,
    pub display_name: Option<String>,
}

/// `New-ManagementScope -Name -RecipientRestrictionFilter`: exactly one of
/// a mailbox list or a group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagementScopeSeed {
    pub name: String,
    /// `PrimarySmtpAddress -eq 'a' -or ...`
    pub mailboxes: Vec<String>,
    /// `MemberOfGroup -eq '<group>'`: direct members only.
    pub member_of_group: Option<String>,
}

/// `New-ManagementRoleAssignment -App -Role [-CustomResourceScope]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleAssignmentSeed {
    pub app_id: String,
    pub role: String,
    pub scope: Option<String>,
}

#[derive(Debug, Clone)]
enum Reach {
    Organization,
    /// Lower-cased primary addresses.
    Mailboxes(Vec<String>),
    /// Lower-cased group address.
    Group(String),
}

#[derive(Debug, Clone)]
struct Assignment {
    app_id: String,
    permissions: &'static [&'static str],
    reach: Reach,
}

/// The role assignments, ready to answer per request.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    assignments: Vec<Assignment>,
}

impl Rbac {
    /// Builds from the seed; the error names what is wrong.
    pub fn build(seed: &RbacSeed, store: &Store) -> Result<Rbac, String> {
        let mut principals = Vec::new();
        for sp in &seed.service_principals {
            if uuid::Uuid::parse_str(sp.app_id.trim()).is_err() {
                return Err(format!(
                    "service principal app_id '{}' is not a GUID",
                    sp.app_id
                ));
            }
            principals.push(sp.app_id.trim().to_ascii_lowercase());
        }
        let mut scopes: Vec<(String, Reach)> = Vec::new();
        for scope in &seed.management_scopes {
            let name = scope.name.trim();
            if name.is_empty() {
                return Err("a management scope needs a name".to_owned());
            }
            if scopes.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Err(format!("management scope '{name}' appears twice"));
            }
            let reach = match (&scope.member_of_group, scope.mailboxes.is_empty()) {
                (Some(group), true) => Reach::Group(group.trim().to_ascii_lowercase()),
                (None, false) => {
                    let mut list = Vec::new();
                    for address in &scope.mailboxes {
                        let mailbox = store.resolve(address).ok_or_else(|| {
                            format!(
                                "management scope '{name}' names '{address}', which is not a mailbox of the seed"
                            )
                        })?;
                        list.push(mailbox.address.to_ascii_lowercase());
                    }
                    Reach::Mailboxes(list)
                }
                _ => {
                    return Err(format!(
                        "management scope '{name}': give exactly one of mailboxes = [...] or member_of_group = \"...\""
                    ));
                }
            };
            scopes.push((name.to_owned(), reach));
        }
        let mut assignments = Vec::new();
        for assignment in &seed.role_assignments {
            let app_id = assignment.app_id.trim().to_ascii_lowercase();
            if !principals.contains(&app_id) {
                return Err(format!(
                    "role assignment of '{}' to app {}: the app has no service principal (add it to [[service_principals]], as New-ServicePrincipal does)",
                    assignment.role, assignment.app_id
                ));
            }
            let permissions = APPLICATION_ROLES
                .iter()
                .find(|(role, _)| role.eq_ignore_ascii_case(assignment.role.trim()))
                .map(|(_, permissions)| *permissions)
                .ok_or_else(|| {
                    format!(
                        "role assignment: '{}' is not an application role this sandbox knows ({})",
                        assignment.role,
                        APPLICATION_ROLES
                            .iter()
                            .map(|(r, _)| *r)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            let reach = match &assignment.scope {
                None => Reach::Organization,
                Some(name) => scopes
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
                    .map(|(_, reach)| reach.clone())
                    .ok_or_else(|| {
                        format!("role assignment: no management scope named '{name}'")
                    })?,
            };
            assignments.push(Assignment {
                app_id,
                permissions,
                reach,
            });
        }
        Ok(Rbac { assignments })
    }

    /// Whether the app holds any role assignment (then a token without
    /// `roles` is still served).
    pub fn has_assignments(&self, app_id: &str) -> bool {
        self.assignments
            .iter()
            .any(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    /// The Graph permissions Exchange grants the app on `mailbox`.
    fn granted(&self, app_id: &str, mailbox: &Mailbox) -> Vec<&'static str> {
        let address = mailbox.address.to_ascii_lowercase();
        let mut out: Vec<&'static str> = Vec::new();
        for a in self
            .assignments
            .iter()
            .filter(|a| a.app_id.eq_ignore_ascii_case(app_id))
        {
            let in_scope = match &a.reach {
                Reach::Organization => true,
                Reach::Mailboxes(list) => list.contains(&address),
                Reach::Group(group) => mailbox.groups.contains(group),
            };
            if in_scope {
                for p in a.permissions {
                    if !out.contains(p) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    /// The app's effective permissions on `mailbox`: the token's Entra roles
    /// when the access policy lets them through (`policy_allows`), plus
    /// what RBAC grants there. Nothing at all is a refusal: the access
    /// policy's when it held back Entra roles, else RBAC's ([`RBAC_DENIAL`]).
    pub fn effective_roles(
        &self,
        app_id: &str,
        token_roles: &[String],
        policy_allows: bool,
        mailbox: &Mailbox,
    ) -> Result<Vec<String>, GraphError> {
        let mut roles: Vec<String> = if policy_allows {
            token_roles.to_vec()
        } else {
            Vec::new()
        };
        for p in self.granted(app_id, mailbox) {
            if !roles.iter().any(|r| r.eq_ignore_ascii_case(p)) {
                roles.push(p.to_owned());
            }
        }
        if !roles.is_empty() {
            return Ok(roles);
        }
        if !token_roles.is_empty() {
            return Err(GraphError::odata_disabled());
        }
        if self.has_assignments(app_id) {
            return Err(GraphError::new(
                StatusCode::from_u16(RBAC_DENIAL.status).unwrap_or(StatusCode::FORBIDDEN),
                RBAC_DENIAL.code,
                RBAC_DENIAL.message,
            ));
        }
        Err(GraphError::no_permissions())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::graph::MailSeed;

    const APP: &str = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b";

    fn build(extra: &str) -> Result<(Store, Rbac), String> {
        let text = format!(
            r#"
            [[mailboxes]]
            address = "support@contoso.com"
            member_of = ["scoped@contoso.com"]
            [[mailboxes]]
            address = "noreply@contoso.com"
            [[mailboxes]]
            address = "ceo@contoso.com"
            [[service_principals]]
            app_id = "{APP}"
            {extra}
            "#
        );
        let seed: MailSeed = toml::from_str(&text).map_err(|e| e.to_string())?;
        let store = Store::build(&seed)?;
        let rbac = Rbac::build(&seed.rbac, &store)?;
        Ok((store, rbac))
    }

    #[test]
    fn grants_are_scoped_and_added_to_entra_roles() {
        let (store, rbac) = build(
            r#"
            [[management_scopes]]
            name = "in"
            member_of_group = "Scoped@contoso.com"
            [[management_scopes]]
            name = "out"
            mailboxes = ["NOREPLY@contoso.com"]
            [[role_assignments]]
            app_id = "4A1F7C2E-8B3D-4E6F-9A0B-1C2D3E4F5A6B"
            role = "Application Mail.ReadWrite"
            scope = "in"
            [[role_assignments]]
            app_id = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b"
            role = "application mail.send"
            scope = "out"
            "#,
        )
        .unwrap();
        let mailbox = |a: &str| store.resolve(a).unwrap();
        let none: Vec<String> = vec![];
        assert_eq!(
            rbac.effective_roles(APP, &none, true, mailbox("support@contoso.com"))
                .unwrap(),
            ["Mail.ReadWrite"]
        );
        assert_eq!(
            rbac.effective_roles(APP, &none, true, mailbox("noreply@contoso.com"))
                .unwrap(),
            ["Mail.Send"]
        );
        let denied = rbac
            .effective_roles(APP, &none, true, mailbox("ceo@contoso.com"))
            .unwrap_err();
        assert_eq!(denied.code, RBAC_DENIAL.code);
        // Entra's tenant-wide grant still reaches the CEO: the additive trap.
        let entra = vec!["Mail.ReadWrite".to_string()];
        assert_eq!(
            rbac.effective_roles(APP, &entra, true, mailbox("ceo@contoso.com"))
                .unwrap(),
            ["Mail.ReadWrite"]
        );
        // An access policy holds back the Entra grant only.
        assert_eq!(
            rbac.effective_roles(APP, &entra, false, mailbox("noreply@contoso.com"))
                .unwrap(),
            ["Mail.Send"]
        );
        let policy = rbac
            .effective_roles(APP, &entra, false, mailbox("ceo@contoso.com"))
            .unwrap_err();
        assert!(policy.message.contains("OData"), "{}", policy.message);
        assert!(!rbac.has_assignments("5b2e8d3f-9c4e-4f70-8b1c-2d3e4f5a6b7c"));
    }

    #[test]
    fn the_seed_is_checked() {
        let err = |extra: &str| build(extra).err().expect("the seed is refused");
        assert!(err("[[role_assignments]]\napp_id = \"5b2e8d3f-9c4e-4f70-8b1c-2d3e4f5a6b7c\"\nrole = \"Application Mail.Send\"").contains("no service principal"));
        assert!(
            err(&format!(
                "[[role_assignments]]\napp_id = \"{APP}\"\nrole = \"Application Calendars.Read\""
            ))
            .contains("not an application role")
        );
        assert!(err(&format!("[[role_assignments]]\napp_id = \"{APP}\"\nrole = \"Application Mail.Send\"\nscope = \"nope\"")).contains("no management scope"));
        assert!(
            err("[[management_scopes]]\nname = \"x\"\nmailboxes = [\"ghost@contoso.com\"]")
                .contains("not a mailbox")
        );
        assert!(err("[[management_scopes]]\nname = \"x\"").contains("exactly one"));
    }
}

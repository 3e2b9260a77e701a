//! The Exchange Online PowerShell of `graphmail scope plan`: text only, no
//! I/O, so the same state always gives the same script (a reviewed
//! snapshot pins it).
//!
//! Every value from the state reaches the script as a single-quoted
//! PowerShell literal ([`ps_quote`]): nothing in it is expanded, and a quote
//! in an address (legal in a local part) cannot end the string. OPATH
//! values inside a filter double their `'` as well ([`opath_value`]).
//!
//! The script is safe to run again: each object is looked up first, created
//! when missing and brought to the planned definition when present. It
//! checks the admin's word on aliases (proxy address or own mailbox) against
//! Exchange before it changes anything.
//!
//! Cmdlet syntax, as documented by Microsoft (learn.microsoft.com):
//! - RBAC for Applications, the additive trap and the 30 min – 2 h cache:
//!   <https://learn.microsoft.com/exchange/permissions-exo/application-rbac>
//! - `Get-/New-ServicePrincipal -AppId -ObjectId [-DisplayName]`:
//!   <https://learn.microsoft.com/powershell/module/exchange/new-serviceprincipal>
//! - `Get-/New-/Set-ManagementScope -RecipientRestrictionFilter`:
//!   <https://learn.microsoft.com/powershell/module/exchange/new-managementscope>,
//!   <https://learn.microsoft.com/powershell/module/exchange/set-managementscope>
//! - `New-ManagementRoleAssignment [-Name] -App -Role -CustomResourceScope`
//!   (the App parameter set); `Set-ManagementRoleAssignment` has no
//!   `-CustomResourceScope`, so a wrongly scoped assignment is replaced:
//!   <https://learn.microsoft.com/powershell/module/exchange/new-managementroleassignment>,
//!   <https://learn.microsoft.com/powershell/module/exchange/set-managementroleassignment>,
//!   <https://learn.microsoft.com/powershell/module/exchange/remove-managementroleassignment>
//! - `Test-ServicePrincipalAuthorization -Identity -Resource` (RoleName,
//!   GrantedPermissions, AllowedResourceScope, ScopeType, InScope):
//!   <https://learn.microsoft.com/powershell/module/exchange/test-serviceprincipalauthorization>
//! - `New-/Get-/Remove-/Test-ApplicationAccessPolicy` (`-AccessRight
//!   RestrictAccess`, `-PolicyScopeGroupId` a mail-enabled security group):
//!   <https://learn.microsoft.com/powershell/module/exchange/new-applicationaccesspolicy>,
//!   <https://learn.microsoft.com/powershell/module/exchange/test-applicationaccesspolicy>,
//!   <https://learn.microsoft.com/graph/auth-limit-mailbox-access>
//! - `New-DistributionGroup -Name -Type Security`, `Get-/Add-/Remove-DistributionGroupMember
//!   -BypassSecurityGroupManagerCheck`:
//!   <https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup>,
//!   <https://learn.microsoft.com/powershell/module/exchange/add-distributiongroupmember>
//! - `Get-/Add-RecipientPermission -Identity -Trustee -AccessRights SendAs`:
//!   <https://learn.microsoft.com/powershell/module/exchange/add-recipientpermission>,
//!   <https://learn.microsoft.com/powershell/module/exchange/get-recipientpermission>
//! - `Get-Recipient -Identity` (PrimarySmtpAddress):
//!   <https://learn.microsoft.com/powershell/module/exchange/get-recipient>
//! - Entra consent removal, Microsoft Graph PowerShell:
//!   <https://learn.microsoft.com/powershell/module/microsoft.graph.applications/get-mgserviceprincipalapproleassignment>,
//!   <https://learn.microsoft.com/powershell/module/microsoft.graph.applications/remove-mgserviceprincipalapproleassignment>
//!
//! UNVERIFIED (no Microsoft page found): the property names
//! `CustomResourceScope` on a role assignment and `ScopeName` /
//! `AccessRight` on an access policy as the Get- cmdlets list them (should
//! they differ, the script replaces the object on each run: still
//! converging); and `''` as the escape of `'` inside an OPATH value (the
//! convention of OData and PowerShell literals).

use std::fmt::Write as _;

use crate::state::{ScopeMechanism, UseFor};

use super::mailboxes::{AliasKind, MailboxSet, NeededMailbox, Permission};

/// Placeholder the admin replaces with the enterprise application's object ID.
pub const OBJECT_ID_PLACEHOLDER: &str = "<ENTERPRISE-APP-OBJECT-ID>";

/// A single-quoted PowerShell literal. PowerShell ends such a string at any
/// of five quote characters (the ASCII one and four typographic ones) and
/// reads each doubled as itself.
pub fn ps_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A quoted OPATH value (`'o''brien@contoso.com'`).
pub fn opath_value(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Text safe in a `#` comment: no line breaks or other control characters.
fn comment_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The recipient filter of a management scope on a list of mailboxes.
pub fn address_filter(addresses: &[&str]) -> String {
    addresses
        .iter()
        .map(|a| format!("PrimarySmtpAddress -eq {}", opath_value(a)))
        .collect::<Vec<_>>()
        .join(" -or ")
}

/// Object names of one plan.
#[derive(Debug, Clone)]
pub struct Names {
    /// `--group NAME`, or `graphmail-<first 8 of the app ID>`.
    pub base: String,
    pub group_given: bool,
}

impl Names {
    pub fn new(app_id: &str, group: Option<&str>) -> Names {
        match group {
            Some(g) => Names {
                base: g.to_string(),
                group_given: true,
            },
            None => Names {
                base: format!("graphmail-{}", app_id.get(..8).unwrap_or(app_id)),
                group_given: false,
            },
        }
    }

    /// RBAC: the management scope (and, with `--group`, the group) of a role set.
    pub fn set_name(&self, use_for: UseFor) -> String {
        format!("{}-{}", self.base, use_for.as_str())
    }

    /// RBAC: the role assignment of one permission.
    pub fn assignment(&self, permission: Permission) -> String {
        format!("{}-{}", self.base, permission.graph_name())
    }
}

/// What the script is generated from.
pub struct ScriptInput<'a> {
    pub mechanism: ScopeMechanism,
    pub app_id: &'a str,
    pub tenant: &'a str,
    pub names: &'a Names,
    pub exact: bool,
    pub set: &'a MailboxSet,
    pub outside: &'a [String],
}

/// The whole script.
pub fn script(input: &ScriptInput<'_>) -> String {
    let mut s = String::new();
    header(&mut s, input);
    let _ = writeln!(s, "$ErrorActionPreference = 'Stop'");
    let _ = writeln!(s, "$AppId = {}", ps_quote(input.app_id));
    let _ = writeln!(s);
    functions(&mut s, input);
    alias_checks(&mut s, input);
    match input.mechanism {
        ScopeMechanism::Rbac => rbac(&mut s, input),
        ScopeMechanism::AccessPolicy => access_policy(&mut s, input),
    }
    s
}

fn roles_of(mailbox: &NeededMailbox, mechanism: ScopeMechanism) -> String {
    mailbox
        .permissions
        .iter()
        .map(|p| match mechanism {
            ScopeMechanism::Rbac => p.exchange_role(),
            ScopeMechanism::AccessPolicy => p.graph_name(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn header(s: &mut String, input: &ScriptInput<'_>) {
    let title = match input.mechanism {
        ScopeMechanism::Rbac => "RBAC for Applications in Exchange Online",
        ScopeMechanism::AccessPolicy => "an application access policy in Exchange Online",
    };
    let _ = writeln!(s, "# graphmail scope plan: {title}");
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# Restricts app {} (tenant {}) to exactly these mailboxes:",
        input.app_id,
        comment_safe(input.tenant)
    );
    for m in &input.set.mailboxes {
        let _ = writeln!(
            s,
            "#   {:<32} {:<18} {}",
            comment_safe(&m.address),
            m.use_for.join("+"),
            roles_of(m, input.mechanism)
        );
    }
    let proxies: Vec<_> = input
        .set
        .aliases
        .iter()
        .filter(|a| a.kind == AliasKind::ProxyAddress)
        .collect();
    if !proxies.is_empty() {
        let _ = writeln!(
            s,
            "# Alias routes that are other addresses of a mailbox above (no mailbox of their own):"
        );
        for a in proxies {
            let _ = writeln!(
                s,
                "#   {:<32} address of {} (route {})",
                comment_safe(&a.address),
                comment_safe(&a.mailbox),
                comment_safe(&a.route)
            );
        }
    }
    let own: Vec<_> = input
        .set
        .aliases
        .iter()
        .filter(|a| a.kind == AliasKind::OwnMailbox)
        .collect();
    if !own.is_empty() {
        let _ = writeln!(
            s,
            "# Alias routes that are mailboxes of their own (the outbound mailbox sends as them):"
        );
        for a in own {
            let _ = writeln!(
                s,
                "#   {:<32} sent as by {} (route {})",
                comment_safe(&a.address),
                comment_safe(&a.mailbox),
                comment_safe(&a.route)
            );
        }
    }
    if input.outside.is_empty() {
        let _ = writeln!(
            s,
            "# No mailbox recorded that must stay out of reach: name one (an executive's) with"
        );
        let _ = writeln!(s, "#   graphmail scope set --outside ADDRESS");
    } else {
        let _ = writeln!(s, "# Mailboxes that must stay out of reach:");
        for o in input.outside {
            let _ = writeln!(s, "#   {}", comment_safe(o));
        }
    }
    let _ = writeln!(s, "#");
    let _ = writeln!(
        s,
        "# Run it in Exchange Online PowerShell (Connect-ExchangeOnline) as an Exchange"
    );
    let _ = writeln!(
        s,
        "# administrator. It is safe to run again: each object is created when missing and"
    );
    let _ = writeln!(
        s,
        "# brought to this definition when present; it stops before changing anything if"
    );
    let _ = writeln!(
        s,
        "# Exchange disagrees with what graphmail records about an alias."
    );
    match input.mechanism {
        ScopeMechanism::Rbac => {
            let _ = writeln!(
                s,
                "# Changes take 30 minutes to 2 hours to reach Microsoft Graph (Exchange caches an"
            );
            let _ = writeln!(
                s,
                "# app's permissions); Test-ServicePrincipalAuthorization answers at once."
            );
        }
        ScopeMechanism::AccessPolicy => {
            let _ = writeln!(
                s,
                "# Changes take 30 minutes to 2 hours, sometimes longer, to reach Microsoft Graph,"
            );
            let _ = writeln!(
                s,
                "# even when Test-ApplicationAccessPolicy already shows the new result."
            );
        }
    }
    let _ = writeln!(
        s,
        "# Then prove it from graphmail: graphmail scope check (exit 0: restricted)."
    );
    let _ = writeln!(s);
}

fn functions(s: &mut String, input: &ScriptInput<'_>) {
    let aliases = &input.set.aliases;
    let uses_group = input.mechanism == ScopeMechanism::AccessPolicy || input.names.group_given;
    if aliases.iter().any(|a| a.kind == AliasKind::ProxyAddress) {
        s.push_str(
            r#"# An alias recorded as another address of a mailbox must belong to that mailbox.
function Assert-ProxyAddress([string]$Alias, [string]$Mailbox, [string]$Route) {
    $recipient = Get-Recipient -Identity $Alias -ErrorAction SilentlyContinue
    if (-not $recipient) {
        Write-Warning "$Alias (route $Route) is no address in Exchange: add it to $Mailbox as an email address, or fix the route."
    } elseif ("$($recipient.PrimarySmtpAddress)" -ne $Mailbox) {
        throw "$Alias (route $Route) belongs to $($recipient.PrimarySmtpAddress), not to $Mailbox. If it is a mailbox of its own, record it with 'graphmail scope set --own-mailbox $Alias' and plan again. Nothing was changed."
    }
}

"#,
        );
    }
    if aliases.iter().any(|a| a.kind == AliasKind::OwnMailbox) {
        s.push_str(
            r#"# An alias recorded as a mailbox of its own must be one.
function Assert-OwnMailbox([string]$Alias, [string]$Mailbox, [string]$Route) {
    $recipient = Get-Recipient -Identity $Alias -ErrorAction SilentlyContinue
    if (-not $recipient) {
        throw "$Alias (route $Route) is recorded as a mailbox of its own, but Exchange knows no such address. Fix the route, or record the own mailboxes again without it ('graphmail scope set --own-mailbox ...' or '--no-own-mailbox'). Nothing was changed."
    } elseif ("$($recipient.PrimarySmtpAddress)" -eq $Mailbox) {
        throw "$Alias (route $Route) is recorded as a mailbox of its own, but it is an address of $Mailbox. Record the own mailboxes again without it ('graphmail scope set --own-mailbox ...' or '--no-own-mailbox') and plan again. Nothing was changed."
    }
}

# The outbound mailbox may send as an alias that is a mailbox of its own.
function Grant-SendAs([string]$Alias, [string]$Trustee) {
    if (-not (Get-RecipientPermission -Identity $Alias -Trustee $Trustee -AccessRights SendAs -ErrorAction SilentlyContinue)) {
        Add-RecipientPermission -Identity $Alias -Trustee $Trustee -AccessRights SendAs -Confirm:$false | Out-Null
    }
}

"#,
        );
    }
    if uses_group {
        s.push_str(
            r#"# A mail-enabled security group holding the planned mailboxes. Members it has
# beyond them are listed, and removed only when $Exact is true.
function Sync-Group([string]$Name, [string[]]$Members, [bool]$Exact) {
    $group = Get-DistributionGroup -Identity $Name -ErrorAction SilentlyContinue
    if (-not $group) {
        $group = New-DistributionGroup -Name $Name -Type Security
    } elseif ("$($group.RecipientTypeDetails)" -ne 'MailUniversalSecurityGroup') {
        throw "$Name exists but is not a mail-enabled security group: choose another name with 'graphmail scope plan --group NAME'. Nothing was changed."
    }
    $planned = @($Members | ForEach-Object { $_.ToLowerInvariant() })
    $current = @(Get-DistributionGroupMember -Identity $Name -ResultSize Unlimited | ForEach-Object { "$($_.PrimarySmtpAddress)".ToLowerInvariant() })
    foreach ($member in $planned) {
        if ($current -notcontains $member) {
            Add-DistributionGroupMember -Identity $Name -Member $member -BypassSecurityGroupManagerCheck
        }
    }
    foreach ($extra in $current) {
        if ($planned -notcontains $extra) {
            if ($Exact) {
                Remove-DistributionGroupMember -Identity $Name -Member $extra -BypassSecurityGroupManagerCheck -Confirm:$false
            } else {
                Write-Warning "$extra is in $Name but no graphmail connector uses it: the app can still reach it. Remove it, or plan with --exact."
            }
        }
    }
    return $group
}

"#,
        );
    }
    if input.mechanism == ScopeMechanism::Rbac {
        s.push_str(
            r#"# A management scope with exactly the planned recipient filter.
function Set-Scope([string]$Name, [string]$Filter) {
    if (Get-ManagementScope -Identity $Name -ErrorAction SilentlyContinue) {
        Set-ManagementScope -Identity $Name -RecipientRestrictionFilter $Filter
    } else {
        New-ManagementScope -Name $Name -RecipientRestrictionFilter $Filter | Out-Null
    }
}

# A role assignment of an application role to this app, in one scope. Its scope
# cannot be changed in place (Set-ManagementRoleAssignment has no
# -CustomResourceScope), so a differently scoped one is replaced.
function Set-Assignment([string]$Name, [string]$Role, [string]$Scope) {
    $assignment = Get-ManagementRoleAssignment -Identity $Name -ErrorAction SilentlyContinue
    if ($assignment -and "$($assignment.CustomResourceScope)" -ne $Scope) {
        Remove-ManagementRoleAssignment -Identity $Name -Confirm:$false
        $assignment = $null
    }
    if (-not $assignment) {
        New-ManagementRoleAssignment -Name $Name -App $AppId -Role $Role -CustomResourceScope $Scope | Out-Null
    }
}

"#,
        );
    }
}

fn alias_checks(s: &mut String, input: &ScriptInput<'_>) {
    if input.set.aliases.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "# Step 0: check what graphmail records about each alias route against Exchange."
    );
    for a in &input.set.aliases {
        let function = match a.kind {
            AliasKind::ProxyAddress => "Assert-ProxyAddress",
            AliasKind::OwnMailbox => "Assert-OwnMailbox",
        };
        let _ = writeln!(
            s,
            "{function} {} {} {}",
            ps_quote(&a.address),
            ps_quote(&a.mailbox),
            ps_quote(&a.route)
        );
    }
    let _ = writeln!(s);
}

fn send_as(s: &mut String, input: &ScriptInput<'_>, step: u32) {
    let own: Vec<_> = input
        .set
        .aliases
        .iter()
        .filter(|a| a.kind == AliasKind::OwnMailbox)
        .collect();
    if own.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "# Step {step}: Send As for the alias routes that are mailboxes of their own: the app"
    );
    let _ = writeln!(
        s,
        "# sends from the outbound mailbox with the alias as From, which Exchange allows only"
    );
    let _ = writeln!(s, "# when the outbound mailbox may send as the alias.");
    for a in own {
        let _ = writeln!(
            s,
            "Grant-SendAs {} {}",
            ps_quote(&a.address),
            ps_quote(&a.mailbox)
        );
    }
    let _ = writeln!(s);
}

fn addresses(mailboxes: &[&NeededMailbox]) -> Vec<String> {
    mailboxes.iter().map(|m| m.address.clone()).collect()
}

fn ps_array(values: &[String]) -> String {
    format!(
        "@({})",
        values
            .iter()
            .map(|v| ps_quote(v))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn ps_bool(value: bool) -> &'static str {
    if value { "$true" } else { "$false" }
}

fn rbac(s: &mut String, input: &ScriptInput<'_>) {
    let names = input.names;
    s.push_str(&format!(
        r#"# Step 1: the service principal, Exchange's pointer to the app's enterprise
# application in Entra ID. Fill in $ObjectId once: Entra admin center > Enterprise
# applications > (the app) > Object ID. Not the App registrations page: its object
# ID is another object's.
$ObjectId = {placeholder}
if (-not (Get-ServicePrincipal | Where-Object {{ "$($_.AppId)" -eq $AppId }})) {{
    if ($ObjectId -notmatch '^[0-9a-fA-F]{{8}}(-[0-9a-fA-F]{{4}}){{3}}-[0-9a-fA-F]{{12}}$') {{
        throw 'Fill in $ObjectId first: the Object ID of the enterprise application (Entra admin center > Enterprise applications). Nothing was changed.'
    }}
    New-ServicePrincipal -AppId $AppId -ObjectId $ObjectId -DisplayName 'graphmail' | Out-Null
}}

"#,
        placeholder = ps_quote(OBJECT_ID_PLACEHOLDER)
    ));
    let sets = [
        (
            UseFor::Incoming,
            "incoming mailboxes (read, mark read, move)",
        ),
        (
            UseFor::Outbound,
            "outbound mailboxes (send; read Sent Items to judge a probe's From)",
        ),
    ];
    let _ = writeln!(
        s,
        "# Step 2: one management scope per role set. A scope is a recipient filter;"
    );
    if names.group_given {
        let _ = writeln!(
            s,
            "# here, direct membership of a mail-enabled security group (MemberOfGroup does not"
        );
        let _ = writeln!(s, "# follow nested groups: add mailboxes, not groups).");
    } else {
        let _ = writeln!(s, "# here, the mailboxes' primary addresses.");
    }
    for (use_for, label) in sets {
        let mailboxes = input.set.with_use(use_for);
        if mailboxes.is_empty() {
            continue;
        }
        let scope = names.set_name(use_for);
        let _ = writeln!(s, "# The {label}:");
        if names.group_given {
            let var = format!("${}Group", capitalize(use_for.as_str()));
            let _ = writeln!(
                s,
                "{var} = Sync-Group {} {} {}",
                ps_quote(&scope),
                ps_array(&addresses(&mailboxes)),
                ps_bool(input.exact)
            );
            let _ = writeln!(
                s,
                "$dn = \"$({var}.DistinguishedName)\" -replace \"'\", \"''\""
            );
            let _ = writeln!(
                s,
                "Set-Scope {} \"MemberOfGroup -eq '$dn'\"",
                ps_quote(&scope)
            );
        } else {
            let list: Vec<&str> = mailboxes.iter().map(|m| m.address.as_str()).collect();
            let filter = address_filter(&list);
            let _ = writeln!(s, "# Filter: {}", comment_safe(&filter));
            let _ = writeln!(s, "Set-Scope {} {}", ps_quote(&scope), ps_quote(&filter));
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Step 3: the application roles, each limited to its scope. Incoming mailboxes get"
    );
    let _ = writeln!(
        s,
        "# Application Mail.ReadWrite; outbound ones Application Mail.Send and Application"
    );
    let _ = writeln!(
        s,
        "# Mail.ReadBasic (enough to find a probe in Sent Items and judge its From)."
    );
    for (use_for, permissions) in [
        (UseFor::Incoming, super::mailboxes::INCOMING_PERMISSIONS),
        (UseFor::Outbound, super::mailboxes::OUTBOUND_PERMISSIONS),
    ] {
        if input.set.with_use(use_for).is_empty() {
            continue;
        }
        let scope = names.set_name(use_for);
        // A mailbox both incoming and outbound is in both scopes; the roles
        // of each set stay with that set's scope.
        for p in permissions {
            let _ = writeln!(
                s,
                "Set-Assignment {} {} {}",
                ps_quote(&names.assignment(*p)),
                ps_quote(p.exchange_role()),
                ps_quote(&scope)
            );
        }
    }
    let _ = writeln!(s);
    send_as(s, input, 4);
    s.push_str(
        r#"# Step 5: remove the tenant-wide consent in Entra ID. RBAC for Applications ADDS to
# what Entra's admin consent grants: while the app holds Mail.ReadWrite or Mail.Send
# from Entra, it still reaches every mailbox, whatever the scopes above say (the
# additive trap). Do it once step 6 shows InScope True for every mailbox above:
#  - Entra admin center > Enterprise applications > (the app) > Permissions: revoke
#    the Mail.* permissions granted by admin consent; then remove them from App
#    registrations > (the app) > API permissions, so nobody grants them again; or
#  - set $RemoveEntraConsent to $true (Microsoft Graph PowerShell, signed in with
#    AppRoleAssignment.ReadWrite.All and Application.Read.All).
$RemoveEntraConsent = $false
if ($RemoveEntraConsent) {
    Connect-MgGraph -Scopes 'AppRoleAssignment.ReadWrite.All', 'Application.Read.All'
    $graph = Get-MgServicePrincipal -Filter "appId eq '00000003-0000-0000-c000-000000000000'"
    $app = Get-MgServicePrincipal -Filter "appId eq '$AppId'"
    $mailRoles = @($graph.AppRoles | Where-Object { $_.Value -like 'Mail.*' } | ForEach-Object { $_.Id })
    Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $app.Id -All |
        Where-Object { $_.ResourceId -eq $graph.Id -and $mailRoles -contains $_.AppRoleId } |
        ForEach-Object { Remove-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $app.Id -AppRoleAssignmentId $_.Id }
} else {
    Write-Warning 'The tenant-wide Entra consent is still in place: until step 5 removes it, the app reaches every mailbox.'
}

# Step 6: verify. Test-ServicePrincipalAuthorization ignores Entra's grants and
# Exchange's cache. Each mailbox the app needs must show InScope True for its roles:
"#,
    );
    for m in &input.set.mailboxes {
        let _ = writeln!(
            s,
            "Test-ServicePrincipalAuthorization -Identity $AppId -Resource {} | Format-Table RoleName, GrantedPermissions, AllowedResourceScope, InScope",
            ps_quote(&m.address)
        );
    }
    if input.outside.is_empty() {
        let _ = writeln!(
            s,
            "# No outside mailbox recorded: test one the app must not reach (InScope False for every role)."
        );
    } else {
        let _ = writeln!(
            s,
            "# Each mailbox that must stay out of reach must show InScope False for every role:"
        );
        for o in input.outside {
            let _ = writeln!(
                s,
                "Test-ServicePrincipalAuthorization -Identity $AppId -Resource {} | Format-Table RoleName, GrantedPermissions, AllowedResourceScope, InScope",
                ps_quote(o)
            );
        }
    }
}

fn access_policy(s: &mut String, input: &ScriptInput<'_>) {
    let names = input.names;
    let all: Vec<String> = input
        .set
        .mailboxes
        .iter()
        .map(|m| m.address.clone())
        .collect();
    let _ = writeln!(
        s,
        "# The Entra consent stays: an application access policy constrains exactly what Entra's"
    );
    let _ = writeln!(
        s,
        "# admin consent grants (Mail.ReadWrite, Mail.Send) to the members of one group. Roles"
    );
    let _ = writeln!(
        s,
        "# granted through RBAC for Applications are not constrained by it: leave none for this app."
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Step 1: the mail-enabled security group holding exactly the mailboxes above (a policy"
    );
    let _ = writeln!(
        s,
        "# cannot name a shared mailbox directly). Nested groups are not followed."
    );
    let _ = writeln!(
        s,
        "$group = Sync-Group {} {} {}",
        ps_quote(&names.base),
        ps_array(&all),
        ps_bool(input.exact)
    );
    let _ = writeln!(s);
    s.push_str(
        r#"# Step 2: the policy: this app may reach the group's members and no other mailbox.
# Another policy naming this app is listed: a RestrictAccess policy on another group
# widens the app's reach, and a DenyAccess policy on a group holding a mailbox above
# breaks its connector.
$found = $false
foreach ($policy in @(Get-ApplicationAccessPolicy | Where-Object { "$($_.AppId)" -eq $AppId })) {
    if ("$($policy.ScopeName)" -eq "$($group.Name)" -and "$($policy.AccessRight)" -eq 'RestrictAccess') {
        $found = $true
    } elseif ("$($policy.ScopeName)" -eq "$($group.Name)") {
        Remove-ApplicationAccessPolicy -Identity $policy.Identity -Confirm:$false
    } else {
        Write-Warning "Another application access policy names this app: $($policy.Identity) ($($policy.AccessRight) on $($policy.ScopeName))."
    }
}
if (-not $found) {
    New-ApplicationAccessPolicy -AppId $AppId -PolicyScopeGroupId "$($group.PrimarySmtpAddress)" -AccessRight RestrictAccess -Description 'graphmail: only the connectors'' mailboxes' | Out-Null
}

"#,
    );
    send_as(s, input, 3);
    let _ = writeln!(
        s,
        "# Step 4: verify. Each mailbox the app needs must show Granted:"
    );
    for m in &input.set.mailboxes {
        let _ = writeln!(
            s,
            "Test-ApplicationAccessPolicy -Identity {} -AppId $AppId",
            ps_quote(&m.address)
        );
    }
    if input.outside.is_empty() {
        let _ = writeln!(
            s,
            "# No outside mailbox recorded: test one the app must not reach (Denied)."
        );
    } else {
        let _ = writeln!(
            s,
            "# Each mailbox that must stay out of reach must show Denied:"
        );
        for o in input.outside {
            let _ = writeln!(
                s,
                "Test-ApplicationAccessPolicy -Identity {} -AppId $AppId",
                ps_quote(o)
            );
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_cannot_end_a_powershell_literal() {
        assert_eq!(ps_quote("a@b.com"), "'a@b.com'");
        assert_eq!(ps_quote("o'brien@x.com"), "'o''brien@x.com'");
        assert_eq!(ps_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(ps_quote("$x `y"), "'$x `y'");
    }

    #[test]
    fn address_filters_quote_opath_values() {
        assert_eq!(
            address_filter(&["a@x.com", "o'b@x.com"]),
            "PrimarySmtpAddress -eq 'a@x.com' -or PrimarySmtpAddress -eq 'o''b@x.com'"
        );
        assert_eq!(
            ps_quote(&address_filter(&["o'b@x.com"])),
            "'PrimarySmtpAddress -eq ''o''''b@x.com'''"
        );
    }
}

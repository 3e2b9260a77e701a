//! The proof behind `graphmail scope check` (and, through [`assess`], a
//! connection test's `scope` step): each configured mailbox must answer, and
//! each outside mailbox must be refused, by Graph itself.
//!
//! One GET per mailbox, `$top=1&$select=id` on a message list: Inbox for a
//! mailbox the app reads, Sent Items for one it only sends from (its
//! `Mail.ReadBasic` reaches that far). Nothing is sent, moved or marked.
//!
//! What an answer proves (reference §5, §7; never more than was observed):
//! - 2xx: the app reaches the mailbox.
//! - 403 "Access to OData is disabled.": an application access policy keeps
//!   the app out (reference §7.1), for every Entra-granted permission.
//! - 401 `NoPermissionsInAccessToken`: nothing grants the app anything.
//! - another 403 (`ErrorAccessDenied`): the read was refused (RBAC for
//!   Applications' denial has this shape in third-party reports,
//!   UNVERIFIED, reference §7.2). If the token carries tenant-wide `Mail.*`
//!   roles from Entra, those still reach the mailbox (Entra grants are
//!   tenant-wide unless a policy constrains them; RBAC grants add to them),
//!   so the mailbox is not proven out of reach.
//! - 404 (`ErrorInvalidUser`, `MailboxNotEnabledForRESTAPI`, ...): not a
//!   mailbox; for an outside address that proves nothing.
//! - no answer (timeout, transport): inconclusive.
//!
//! Verdicts, most serious first: `unrestricted` (an outside mailbox is
//! reachable), `broken` (a configured mailbox is refused or is no mailbox),
//! `unknown` (no outside mailbox was refused, or a configured one gave no
//! answer: nothing was proven), `restricted`.

use serde::Serialize;

use crate::auth::TokenError;
use crate::graph::{GraphClient, GraphError, GraphErrorKind, MessageQuery};
use crate::state::{ScopeMechanism, State};

use super::mailboxes::{MailboxSet, NeededMailbox, Permission};

/// The `scope check` JSON schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// The Entra roles whose tenant-wide grant RBAC for Applications cannot take away.
const TRAP_ROLES: &[&str] = &["Mail.ReadWrite", "Mail.Send"];

/// What to assess.
#[derive(Debug, Clone)]
pub struct AssessRequest {
    /// As recorded with `scope set` (the trap warning depends on it).
    pub mechanism: Option<ScopeMechanism>,
    pub mailboxes: Vec<NeededMailbox>,
    /// Recorded outside mailboxes, then those given for this run, deduplicated.
    pub outside: Vec<String>,
}

impl AssessRequest {
    /// The state's mailboxes and recorded outside mailboxes, plus `extra`
    /// (already validated addresses).
    pub fn from_state(state: &State, extra: &[String]) -> AssessRequest {
        let set = MailboxSet::from_state(state);
        let mut outside: Vec<String> = Vec::new();
        let recorded = state
            .scope
            .as_ref()
            .map(|s| s.outside.as_slice())
            .unwrap_or(&[]);
        for address in recorded.iter().chain(extra) {
            if !outside.iter().any(|o| o.eq_ignore_ascii_case(address)) {
                outside.push(address.clone());
            }
        }
        AssessRequest {
            mechanism: state.scope.as_ref().map(|s| s.mechanism),
            mailboxes: set.mailboxes,
            outside,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeVerdict {
    Restricted,
    Unrestricted,
    Broken,
    Unknown,
}

impl ScopeVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeVerdict::Restricted => "restricted",
            ScopeVerdict::Unrestricted => "unrestricted",
            ScopeVerdict::Broken => "broken",
            ScopeVerdict::Unknown => "unknown",
        }
    }
}

/// What one probe showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Graph answered with the data: the app reaches the mailbox.
    Answered,
    /// Graph refused: the app does not reach it (see `denial`).
    Refused,
    /// The read was refused, but tenant-wide Entra roles in the token still
    /// reach the mailbox.
    GrantedByEntra,
    /// Not a mailbox (404): proves nothing about the app's reach.
    NotAMailbox,
    /// No answer that says anything about the configuration.
    Inconclusive,
}

/// Which refusal Graph gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Denial {
    /// 403 "Access to OData is disabled." (reference §7.1).
    AccessPolicy,
    /// Another 403: RBAC for Applications keeps the app out, or it lacks the
    /// permission (the two share `ErrorAccessDenied`; reference §7.2).
    AccessDenied,
    /// 401 `NoPermissionsInAccessToken`.
    NoPermissions,
}

impl Denial {
    fn describe(self) -> &'static str {
        match self {
            Denial::AccessPolicy => "refused by an application access policy",
            Denial::AccessDenied => "refused (RBAC for Applications, or no permission)",
            Denial::NoPermissions => "refused: the app holds no permission",
        }
    }
}

/// One mailbox, probed.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxProbe {
    pub address: String,
    /// What the app needs there (empty for an outside mailbox).
    pub needs: Vec<Permission>,
    /// The folder whose messages were listed.
    pub folder: &'static str,
    pub outcome: Outcome,
    pub denial: Option<Denial>,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub request_id: Option<String>,
    pub detail: String,
}

/// The result of [`assess`].
#[derive(Debug, Clone, Serialize)]
pub struct ScopeAssessment {
    pub verdict: ScopeVerdict,
    /// One line: what the verdict rests on.
    pub summary: String,
    pub mechanism: Option<ScopeMechanism>,
    /// The token's `roles` (Entra grants only; RBAC grants never show).
    pub token_roles: Vec<String>,
    pub mailboxes: Vec<MailboxProbe>,
    pub outside: Vec<MailboxProbe>,
    pub warnings: Vec<String>,
    /// What to do next, in the admin's terms.
    pub hints: Vec<String>,
}

/// Probes every mailbox of `request` through `client` (one token, one GET
/// per mailbox, concurrently within the client's per-mailbox limit).
///
/// Errors only when no token can be had: then nothing was probed.
pub async fn assess(
    client: &GraphClient,
    request: &AssessRequest,
) -> Result<ScopeAssessment, TokenError> {
    let token = client.tokens().token().await?;
    let token_roles = token.claims.roles.clone();
    let entra_mail: Vec<String> = token_roles
        .iter()
        .filter(|r| r.starts_with("Mail."))
        .cloned()
        .collect();
    let configured = request.mailboxes.iter().map(|m| {
        let folder = if m.incoming() { "inbox" } else { "sentitems" };
        probe(client, &m.address, m.permissions.clone(), folder, &[])
    });
    let outside = request
        .outside
        .iter()
        .map(|address| probe(client, address, Vec::new(), "inbox", &entra_mail));
    let (mailboxes, outside) = futures::join!(
        futures::future::join_all(configured),
        futures::future::join_all(outside)
    );
    Ok(conclude(request.mechanism, token_roles, mailboxes, outside))
}

async fn probe(
    client: &GraphClient,
    address: &str,
    needs: Vec<Permission>,
    folder: &'static str,
    entra_mail: &[String],
) -> MailboxProbe {
    let query = MessageQuery {
        select: vec!["id".to_string()],
        top: Some(1),
        ..MessageQuery::default()
    };
    let result = client.list_messages(address, folder, &query).await;
    let mut probe = MailboxProbe {
        address: address.to_string(),
        needs,
        folder,
        outcome: Outcome::Inconclusive,
        denial: None,
        status: None,
        code: None,
        request_id: None,
        detail: String::new(),
    };
    match result {
        Ok(response) => {
            probe.outcome = Outcome::Answered;
            probe.status = Some(response.status);
            probe.request_id = response.request_id;
            probe.detail = format!("the app can read {folder}");
        }
        Err(error) => classify(&mut probe, &error, entra_mail),
    }
    probe
}

fn classify(probe: &mut MailboxProbe, error: &GraphError, entra_mail: &[String]) {
    probe.status = error.status;
    probe.code = error.code.clone();
    probe.request_id = error.request_id.clone();
    let denial = match (&error.kind, error.status) {
        (GraphErrorKind::Service, Some(403))
            if error.message.contains("Access to OData is disabled") =>
        {
            Some(Denial::AccessPolicy)
        }
        (GraphErrorKind::Service, Some(403)) => Some(Denial::AccessDenied),
        (GraphErrorKind::Service, Some(401)) => Some(Denial::NoPermissions),
        _ => None,
    };
    if let Some(denial) = denial {
        probe.denial = Some(denial);
        let entra_reaches = denial == Denial::AccessDenied && !entra_mail.is_empty();
        if entra_reaches && probe.needs.is_empty() {
            probe.outcome = Outcome::GrantedByEntra;
            probe.detail = format!(
                "the read was refused, but the token's tenant-wide {} still reach it",
                entra_mail.join(", ")
            );
        } else {
            probe.outcome = Outcome::Refused;
            probe.detail = format!("{}: {error}", denial.describe());
        }
        return;
    }
    if matches!(error.kind, GraphErrorKind::Service) && error.status == Some(404) {
        probe.outcome = Outcome::NotAMailbox;
        probe.detail = format!("not a mailbox Graph knows: {error}");
        return;
    }
    probe.outcome = Outcome::Inconclusive;
    probe.detail = format!("no conclusive answer: {error}");
}

fn has_role(roles: &[String], wanted: &str) -> bool {
    roles.iter().any(|r| r.eq_ignore_ascii_case(wanted))
}

/// Turns the probes into a verdict, warnings and hints (no I/O).
pub fn conclude(
    mechanism: Option<ScopeMechanism>,
    token_roles: Vec<String>,
    mailboxes: Vec<MailboxProbe>,
    outside: Vec<MailboxProbe>,
) -> ScopeAssessment {
    let mut warnings = Vec::new();
    let mut hints = Vec::new();
    let trap: Vec<&str> = TRAP_ROLES
        .iter()
        .copied()
        .filter(|r| has_role(&token_roles, r))
        .collect();
    if mechanism == Some(ScopeMechanism::Rbac) && !trap.is_empty() {
        warnings.push(format!(
            "the token carries tenant-wide {} from Entra admin consent: RBAC for Applications adds to Entra's grants (the additive trap), so the app reaches every mailbox until that consent is removed",
            trap.join(" and ")
        ));
    }
    for p in outside.iter().filter(|p| p.outcome == Outcome::NotAMailbox) {
        warnings.push(format!(
            "{} is not a mailbox (404): it proves nothing; name a real mailbox the app must not reach",
            p.address
        ));
    }
    let reachable: Vec<&MailboxProbe> = outside
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Answered | Outcome::GrantedByEntra))
        .collect();
    let refused_outside = outside
        .iter()
        .filter(|p| p.outcome == Outcome::Refused)
        .count();
    let broken: Vec<&MailboxProbe> = mailboxes
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Refused | Outcome::NotAMailbox))
        .collect();
    let silent = mailboxes
        .iter()
        .filter(|p| p.outcome == Outcome::Inconclusive)
        .count();
    let silent_outside = outside
        .iter()
        .filter(|p| p.outcome == Outcome::Inconclusive)
        .count();
    let names = |probes: &[&MailboxProbe]| {
        probes
            .iter()
            .map(|p| p.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (verdict, summary) = if !reachable.is_empty() {
        if mechanism == Some(ScopeMechanism::Rbac) && !trap.is_empty() {
            hints.push("remove the app's tenant-wide Mail.* consent in Entra (Enterprise applications > the app > Permissions), as step 5 of `graphmail scope plan --mechanism rbac` does".to_string());
        } else {
            hints.push("restrict the app with `graphmail scope plan` and run its PowerShell; changes take 30 minutes to 2 hours to reach Graph".to_string());
        }
        (
            ScopeVerdict::Unrestricted,
            format!(
                "the app reaches {} outside its connectors' mailboxes",
                names(&reachable)
            ),
        )
    } else if !broken.is_empty() {
        hints.push("run the PowerShell of `graphmail scope plan` again so the scope holds every configured mailbox (changes take 30 minutes to 2 hours)".to_string());
        (
            ScopeVerdict::Broken,
            format!(
                "a configured mailbox is out of the app's reach: {}",
                broken
                    .iter()
                    .map(|p| format!("{} ({})", p.address, p.detail))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    } else if refused_outside == 0 || silent > 0 {
        // NOTE: a probe Graph never answered (throttled, a timeout) proves
        // nothing either way; asking for another canary would mislead.
        let unanswered = silent > 0 || (refused_outside == 0 && silent_outside > 0);
        let summary = if silent > 0 {
            format!("{silent} configured mailbox(es) gave no conclusive answer: nothing proven")
        } else if refused_outside == 0 && silent_outside > 0 {
            format!(
                "{silent_outside} outside mailbox(es) gave no conclusive answer: nothing proven"
            )
        } else if outside.is_empty() {
            "no outside mailbox to test: nothing proves the app is restricted".to_string()
        } else {
            "no outside mailbox was refused: nothing proves the app is restricted".to_string()
        };
        if unanswered {
            hints.push("Graph did not answer in time (throttling, an outage, a timeout): run the check again".to_string());
        } else {
            hints.push("name a mailbox the app must not reach (an executive's): `graphmail scope check --outside ADDRESS`, or record it with `graphmail scope set --outside ADDRESS`".to_string());
        }
        (ScopeVerdict::Unknown, summary)
    } else {
        (
            ScopeVerdict::Restricted,
            format!(
                "{} configured mailbox(es) answer; {refused_outside} outside mailbox(es) refused",
                mailboxes.len()
            ),
        )
    };
    ScopeAssessment {
        verdict,
        summary,
        mechanism,
        token_roles,
        mailboxes,
        outside,
        warnings,
        hints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(address: &str, needs: bool, outcome: Outcome) -> MailboxProbe {
        MailboxProbe {
            address: address.into(),
            needs: if needs {
                vec![Permission::MailReadWrite]
            } else {
                vec![]
            },
            folder: "inbox",
            outcome,
            denial: None,
            status: None,
            code: None,
            request_id: None,
            detail: "x".into(),
        }
    }

    #[test]
    fn verdicts_rank_unrestricted_then_broken_then_unknown() {
        let roles = vec!["Mail.ReadWrite".to_string()];
        let a = conclude(
            Some(ScopeMechanism::Rbac),
            roles.clone(),
            vec![probe("s@x.com", true, Outcome::Refused)],
            vec![probe("ceo@x.com", false, Outcome::Answered)],
        );
        assert_eq!(a.verdict, ScopeVerdict::Unrestricted);
        assert!(a.warnings[0].contains("additive trap"), "{:?}", a.warnings);
        let b = conclude(
            Some(ScopeMechanism::AccessPolicy),
            roles.clone(),
            vec![probe("s@x.com", true, Outcome::Refused)],
            vec![probe("ceo@x.com", false, Outcome::Refused)],
        );
        assert_eq!(b.verdict, ScopeVerdict::Broken);
        assert!(b.warnings.is_empty());
        let c = conclude(
            None,
            roles.clone(),
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("nobody@x.com", false, Outcome::NotAMailbox)],
        );
        assert_eq!(c.verdict, ScopeVerdict::Unknown);
        assert!(c.warnings[0].contains("proves nothing"));
        let d = conclude(
            None,
            vec![],
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("ceo@x.com", false, Outcome::Refused)],
        );
        assert_eq!(d.verdict, ScopeVerdict::Restricted);
    }

    #[test]
    fn no_answer_asks_to_run_again_not_for_another_canary() {
        let silent_outside = conclude(
            None,
            vec![],
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("ceo@x.com", false, Outcome::Inconclusive)],
        );
        assert_eq!(silent_outside.verdict, ScopeVerdict::Unknown);
        assert!(
            silent_outside
                .summary
                .contains("outside mailbox(es) gave no conclusive answer")
        );
        assert!(silent_outside.hints[0].contains("run the check again"));
        let silent_own = conclude(
            None,
            vec![],
            vec![probe("s@x.com", true, Outcome::Inconclusive)],
            vec![probe("ceo@x.com", false, Outcome::Refused)],
        );
        assert_eq!(silent_own.verdict, ScopeVerdict::Unknown);
        assert!(silent_own.hints[0].contains("run the check again"));
    }
}

//! The integration's `scope` step: with outside mailboxes recorded (`scope
//! set --outside`), whether the app is proven restricted to its connectors'
//! mailboxes, by the same probes as `graphmail scope check`
//! ([`crate::scope::assess`]), on the run's one token and within the
//! target's deadline.
//!
//! `restricted` passes; `unrestricted`, `broken` and `unknown` are a
//! *warning*, never a failure: an unrestricted app still works (issue 16),
//! so the step is no required fact ([`super::facts`]) and cannot change the
//! verdict or block `enable`. An `unknown` because Graph never answered a
//! probe is inconclusive instead (`skipped`, SPEC §4), like any step the
//! service left unanswered. Without a recorded outside mailbox there is
//! nothing to prove and the step is absent.

use std::time::Instant;

use super::run::{Context, Recorder, skipped, timed};
use super::{Check, Step, StepStatus, facts};
use crate::scope::assess::{MailboxProbe, Outcome};
use crate::scope::{AssessRequest, ScopeAssessment, ScopeVerdict, assess};

impl Context<'_> {
    /// Pushes the `scope` step when outside mailboxes are recorded.
    pub(super) async fn scope_step(&self, rec: &Recorder) {
        let recorded = self
            .snapshot
            .scope
            .as_ref()
            .is_some_and(|s| !s.outside.is_empty());
        if !recorded {
            return;
        }
        let Some(client) = self.client.as_ref() else {
            rec.push(skipped(Check::Scope, "not run: no token"));
            return;
        };
        rec.begin(Check::Scope);
        let started = Instant::now();
        let request = AssessRequest::from_state(self.snapshot, &[]);
        let mut step = match assess(client, &request).await {
            Ok(assessment) => {
                let mut step = scope_step_of(&assessment);
                if unanswered(&assessment) {
                    // Graph never answered a probe that mattered: nothing
                    // was learned (SPEC §4), as for any other step.
                    facts::mark_inconclusive(&mut step);
                }
                step
            }
            // The run's token is cached, so this is a token that expired
            // mid-run and could not be renewed: nothing was probed.
            Err(e) => skipped(
                Check::Scope,
                format!("not run: no token for the scope probes: {e}"),
            ),
        };
        step.ms = timed(started);
        rec.push(step);
    }
}

/// The step that shows `assessment`: passed when restricted, a warning
/// otherwise, with the verdict's summary, its warnings and its hints.
fn scope_step_of(assessment: &ScopeAssessment) -> Step {
    let status = match assessment.verdict {
        ScopeVerdict::Restricted => StepStatus::Passed,
        _ => StepStatus::Warning,
    };
    let mut detail = format!("{}: {}", assessment.verdict.as_str(), assessment.summary);
    for warning in &assessment.warnings {
        detail.push_str("; ");
        detail.push_str(warning);
    }
    let mut step = Step::new(Check::Scope, status, detail);
    if !assessment.hints.is_empty() {
        step.hint = Some(assessment.hints.join("; "));
    }
    // The answer the verdict rests on, for a support engineer to quote.
    if let Some(probe) = deciding_probe(assessment) {
        step.code = probe.code.clone();
        step.request_id = probe.request_id.clone();
    }
    step
}

/// An `unknown` that rests on probes Graph never answered, not on a
/// canary that proves nothing.
fn unanswered(a: &ScopeAssessment) -> bool {
    a.verdict == ScopeVerdict::Unknown
        && a.mailboxes
            .iter()
            .chain(&a.outside)
            .any(|p| p.outcome == Outcome::Inconclusive)
}

fn deciding_probe(a: &ScopeAssessment) -> Option<&MailboxProbe> {
    let outside = |wanted: &[Outcome]| a.outside.iter().find(|p| wanted.contains(&p.outcome));
    match a.verdict {
        ScopeVerdict::Unrestricted => outside(&[Outcome::Answered, Outcome::GrantedByEntra]),
        ScopeVerdict::Restricted => outside(&[Outcome::Refused]),
        ScopeVerdict::Broken => a
            .mailboxes
            .iter()
            .find(|p| matches!(p.outcome, Outcome::Refused | Outcome::NotAMailbox)),
        ScopeVerdict::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::assess::conclude;
    use crate::scope::mailboxes::Permission;
    use crate::state::ScopeMechanism;

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
            code: Some(format!("code-{address}")),
            request_id: Some(format!("rid-{address}")),
            detail: "x".into(),
        }
    }

    #[test]
    fn only_restricted_passes_and_nothing_fails() {
        let restricted = conclude(
            Some(ScopeMechanism::Rbac),
            vec![],
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("ceo@x.com", false, Outcome::Refused)],
        );
        let step = scope_step_of(&restricted);
        assert_eq!(step.status, StepStatus::Passed);
        assert!(step.detail.starts_with("restricted: "), "{}", step.detail);
        assert_eq!(step.request_id.as_deref(), Some("rid-ceo@x.com"));

        let unrestricted = conclude(
            Some(ScopeMechanism::Rbac),
            vec!["Mail.ReadWrite".into()],
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("ceo@x.com", false, Outcome::Answered)],
        );
        let step = scope_step_of(&unrestricted);
        assert_eq!(step.status, StepStatus::Warning);
        assert!(step.passed);
        assert!(step.detail.contains("additive trap"), "{}", step.detail);
        assert!(step.hint.is_some());

        let broken = conclude(
            None,
            vec![],
            vec![probe("s@x.com", true, Outcome::Refused)],
            vec![probe("ceo@x.com", false, Outcome::Refused)],
        );
        let step = scope_step_of(&broken);
        assert_eq!(step.status, StepStatus::Warning);
        assert_eq!(step.request_id.as_deref(), Some("rid-s@x.com"));

        let unknown = conclude(
            None,
            vec![],
            vec![probe("s@x.com", true, Outcome::Answered)],
            vec![probe("ceo@x.com", false, Outcome::NotAMailbox)],
        );
        let step = scope_step_of(&unknown);
        assert_eq!(step.status, StepStatus::Warning);
        assert_eq!(step.request_id, None);
    }
}

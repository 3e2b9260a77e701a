//! What a pass means (SPEC §3): the facts each target kind requires, the key
//! each fact's evidence is filed under, which answers are inconclusive (the
//! service never said anything about the configuration, SPEC §4), and the
//! verdict over this run's steps and the evidence carried from earlier runs.
//!
//! | target            | required facts                                  |
//! |-------------------|-------------------------------------------------|
//! | integration       | `authority`, `token`                            |
//! | incoming connector| the integration's, `mailbox`, `folder:PATH` each|
//! | outbound connector| the integration's, `send`                       |
//! | incoming route    | its connector's, `address`                      |
//! | outgoing route    | its connector's, `send-as` when it is an alias  |
//!
//! Steps outside these (`permissions`, `sent-items`, `delivery`, `scope`) are
//! shown and kept, but never decide the verdict.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::report::{Check, ConnectionReport, Step, StepStatus, TargetKind, TargetRef, Verdict};
use crate::auth::TokenError;
use crate::graph::GraphError;
use crate::state::evidence::{Evidence, Facts, Outcome, target_id};
use crate::state::fingerprint::FactKeys;
use crate::state::{State, UseFor};

/// One fact a target needs, and where earlier evidence of it may be found.
#[derive(Debug, Clone, PartialEq)]
pub struct Required {
    /// `mailbox`, `folder:Inbox/Support`, `send-as`, …
    pub fact: String,
    pub check: Check,
    /// The key of the settings it rests on ([`FactKeys`]).
    pub key: String,
    /// Target ids whose evidence counts, this target's first: a route's
    /// connector facts may rest on its connector's runs.
    pub sources: Vec<String>,
}

/// The target's id in the evidence store.
pub fn id_of(target: &TargetRef) -> String {
    let kind = match target.kind {
        TargetKind::Integration => "integration",
        TargetKind::Connector => "connector",
        TargetKind::Route => "route",
    };
    target_id(kind, &target.name)
}

/// The facts `target` requires on `snapshot`; empty when it (or the
/// integration) does not exist.
pub fn required(snapshot: &State, target: &TargetRef) -> Vec<Required> {
    match snapshot.integration.as_ref() {
        Some(integration) => required_with(&FactKeys::of(integration), snapshot, target),
        None => Vec::new(),
    }
}

/// [`required`] with the keys of `snapshot`'s integration, which a run
/// derives once for all its targets.
pub fn required_with(keys: &FactKeys, snapshot: &State, target: &TargetRef) -> Vec<Required> {
    if snapshot.integration.is_none() {
        return Vec::new();
    }
    let own = id_of(target);
    let fact = |check: Check, subject: Option<&str>, addresses: &[&str], sources: &[String]| {
        let fact = match subject {
            Some(s) => format!("{check}:{s}"),
            None => check.to_string(),
        };
        Required {
            key: keys.key(&fact, addresses),
            fact,
            check,
            sources: sources.to_vec(),
        }
    };
    let mut sources = vec![own.clone()];
    let (connector, route) = match target.kind {
        TargetKind::Integration => {
            return vec![
                fact(Check::Authority, None, &[], &sources),
                fact(Check::Token, None, &[], &sources),
            ];
        }
        TargetKind::Connector => match snapshot.connector(&target.name) {
            Some(c) => (c, None),
            None => return Vec::new(),
        },
        TargetKind::Route => {
            let Some(route) = snapshot.route(&target.name) else {
                return Vec::new();
            };
            match snapshot.connector(&route.connector) {
                Some(c) => {
                    sources.push(target_id("connector", &c.name));
                    (c, Some(route))
                }
                None => return Vec::new(),
            }
        }
    };
    sources.push("integration".to_string());
    let mailbox = connector.address.trim();
    let mut out = vec![
        fact(Check::Authority, None, &[], &sources),
        fact(Check::Token, None, &[], &sources),
    ];
    match connector.use_for {
        UseFor::Incoming => {
            out.push(fact(Check::Mailbox, None, &[mailbox], &sources));
            for path in &connector.folders {
                out.push(fact(Check::Folder, Some(path), &[mailbox], &sources));
            }
            if let Some(route) = route {
                out.push(fact(
                    Check::Address,
                    None,
                    &[mailbox, route.address.trim()],
                    std::slice::from_ref(&own),
                ));
            }
        }
        UseFor::Outbound => {
            out.push(fact(Check::Send, None, &[mailbox], &sources));
            if let Some(alias) = route
                .map(|r| r.address.trim())
                .filter(|a| !a.eq_ignore_ascii_case(mailbox))
            {
                out.push(fact(
                    Check::SendAs,
                    None,
                    &[mailbox, alias],
                    std::slice::from_ref(&own),
                ));
            }
        }
    }
    out
}

/// Evidence from earlier runs, as a run may use it.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub facts: Facts,
    /// `--max-age`: older evidence counts as missing.
    pub max_age: Option<Duration>,
}

impl Carried {
    /// The newest usable evidence of `required`: same key, young enough.
    pub fn find(&self, required: &Required, now: DateTime<Utc>) -> Option<&Evidence> {
        required
            .sources
            .iter()
            .filter_map(|source| self.facts.get(source, &required.fact))
            .filter(|e| e.key == required.key)
            .filter(
                |e| match (self.max_age, DateTime::parse_from_rfc3339(&e.at)) {
                    (None, Ok(_)) => true,
                    (Some(max), Ok(at)) => {
                        let age = now - at.with_timezone(&Utc);
                        age.to_std().map(|a| a <= max).unwrap_or(true)
                    }
                    (_, Err(_)) => false,
                },
            )
            .max_by(|a, b| a.at.cmp(&b.at))
    }
}

/// True when a Graph error is no answer about the configuration: throttled
/// or unavailable to the end, a timeout, a dropped connection (SPEC §4).
/// Only an answer such as 401, 403, 404 or an AADSTS code refutes.
pub fn graph_inconclusive(e: &GraphError) -> bool {
    e.is_inconclusive()
}

/// [`graph_inconclusive`] for Entra ID. A 429 or 5xx is the service being
/// busy whatever its body says (Entra attaches AADSTS codes to throttling
/// and outages too, e.g. AADSTS90055); any other AADSTS answer refutes, and
/// so does a TLS certificate the client does not trust (the CA file is
/// configuration, not a busy service).
pub fn token_inconclusive(e: &TokenError) -> bool {
    e.is_inconclusive()
}

/// Turns a failed step into an inconclusive one: `skipped`, with the
/// service's words and the retries made.
pub fn mark_inconclusive(step: &mut Step) {
    step.inconclusive = true;
    step.set_status(StepStatus::Skipped);
    let retries = match step.waits() {
        Some(words) => format!(" ({words})"),
        None => String::new(),
    };
    step.detail = format!(
        "inconclusive: the service did not answer{retries}: {}",
        step.detail
    );
}

/// What would establish a fact that is still missing.
fn establish_hint(check: Check, target: &TargetRef) -> String {
    let test = match target.kind {
        TargetKind::Integration => "graphmail test-connection integration".to_string(),
        TargetKind::Connector => format!("graphmail test-connection connector {}", target.name),
        TargetKind::Route => format!("graphmail test-connection route {}", target.name),
    };
    match check {
        Check::Send => format!(
            "a probe: run `{test}` without --no-send (it sends one to the connector's own address; --send-test-to ADDR picks another), or grant Mail.Send and Mail.Read with admin consent so the mailbox check establishes it"
        ),
        Check::SendAs => format!(
            "a probe from the alias whose copy can be read: run `{test}` without --no-send (--send-test-to ADDR picks the recipient); reading the copy needs Mail.Read or Mail.ReadWrite with admin consent"
        ),
        _ => format!("run `{test}` again once the service answers"),
    }
}

/// Decides `report`'s verdict over the required facts of its target: this
/// run's conclusive steps first, then carried evidence for the facts this
/// run did not settle (shown with `carried_from`). A step refuted in this
/// run fails the target; no evidence for a required fact leaves it
/// `unverified`, with what would establish it in `needs`.
pub fn judge(
    keys: &FactKeys,
    snapshot: &State,
    report: &mut ConnectionReport,
    carried: &Carried,
    now: DateTime<Utc>,
) {
    let required = required_with(keys, snapshot, &report.target);
    let refuted_now = report
        .steps
        .iter()
        .any(|s| s.status == StepStatus::Failed && s.check != Check::Delivery);
    if required.is_empty() {
        report.set_verdict(if refuted_now {
            Verdict::Failed
        } else {
            Verdict::Unverified
        });
        return;
    }
    let mut refuted = refuted_now;
    let mut needs = Vec::new();
    for req in &required {
        let position = report.steps.iter().rposition(|s| s.is_fact(&req.fact));
        let fresh = position.map(|i| &report.steps[i]).filter(|s| {
            s.carried_from.is_none()
                && !s.inconclusive
                && matches!(
                    s.status,
                    StepStatus::Passed | StepStatus::Warning | StepStatus::Failed
                )
        });
        if fresh.is_some() {
            continue;
        }
        if let Some(step) = position.map(|i| &report.steps[i])
            && step.carried_from.is_some()
        {
            if step.status == StepStatus::Failed {
                refuted = true;
            }
            continue;
        }
        let evidence = (!refuted_now).then(|| carried.find(req, now)).flatten();
        match evidence {
            Some(evidence) => {
                let step = carry(evidence, req, position.map(|i| &report.steps[i]));
                if evidence.outcome == Outcome::Refuted {
                    refuted = true;
                }
                match position {
                    Some(i) => report.steps[i] = step,
                    None => report.steps.push(step),
                }
            }
            None => {
                let hint = position
                    .and_then(|i| report.steps[i].hint.clone())
                    .unwrap_or_else(|| establish_hint(req.check, &report.target));
                needs.push(format!("{}: {hint}", req.fact));
            }
        }
    }
    let verdict = if refuted {
        Verdict::Failed
    } else if !needs.is_empty() {
        Verdict::Unverified
    } else {
        Verdict::Passed
    };
    report.set_verdict(verdict);
    report.needs = (!needs.is_empty()).then(|| needs.join("; "));
    report.required = required;
}

/// The step that shows carried evidence; keeps this run's own words (and
/// retries) when the step ran but was inconclusive.
pub fn carry(evidence: &Evidence, required: &Required, this_run: Option<&Step>) -> Step {
    let status = match evidence.status.as_str() {
        "warning" => StepStatus::Warning,
        "failed" => StepStatus::Failed,
        _ if evidence.outcome == Outcome::Refuted => StepStatus::Failed,
        _ => StepStatus::Passed,
    };
    let mut detail = evidence.detail.clone();
    if let Some(step) = this_run.filter(|s| s.inconclusive) {
        detail.push_str(&format!(" [this run: {}]", step.detail));
    }
    let mut step = Step::new(required.check, status, detail);
    step.code = evidence.code.clone();
    step.request_id = evidence.request_id.clone();
    step.trace_id = evidence.trace_id.clone();
    step.hint = evidence.hint.clone();
    step.carried_from = Some(evidence.at.clone());
    step.subject = required
        .fact
        .split_once(':')
        .map(|(_, subject)| subject.to_string());
    if let Some(run) = this_run {
        step.set_retry(run.retry);
        step.ms = run.ms;
    }
    step
}

/// The evidence this run's conclusive steps leave for the required facts.
pub fn observed(
    snapshot: &State,
    report: &ConnectionReport,
    at: &str,
) -> Vec<(String, String, Evidence)> {
    let own = id_of(&report.target);
    let mut out = Vec::new();
    // Judged reports carry their required facts; others derive them here.
    let derived;
    let required = if report.required.is_empty() {
        derived = required(snapshot, &report.target);
        &derived
    } else {
        &report.required
    };
    for req in required {
        let Some(step) = report.steps.iter().rev().find(|s| s.is_fact(&req.fact)) else {
            continue;
        };
        if step.carried_from.is_some() || step.inconclusive {
            continue;
        }
        let outcome = match step.status {
            StepStatus::Passed | StepStatus::Warning => Outcome::Established,
            StepStatus::Failed => Outcome::Refuted,
            StepStatus::Skipped => continue,
        };
        out.push((
            own.clone(),
            req.fact.clone(),
            Evidence {
                key: req.key.clone(),
                outcome,
                status: step.status.as_str().to_string(),
                at: at.to_string(),
                detail: step.detail.clone(),
                code: step.code.clone(),
                request_id: step.request_id.clone(),
                trace_id: step.trace_id.clone(),
                hint: step.hint.clone(),
                retries: step.retries,
            },
        ));
    }
    out
}

/// "2 h ago", "3 d ago": the age of carried evidence, for people.
pub fn age(at: &str, now: DateTime<Utc>) -> String {
    let Ok(then) = DateTime::parse_from_rfc3339(at) else {
        return at.to_string();
    };
    let secs = (now - then.with_timezone(&Utc)).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86400),
    }
}

/// `30m`, `12h`, `7d`, `90s`: the `--max-age` syntax.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43200)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(604800)));
        assert_eq!(parse_duration("7"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("5w"), None);
    }

    #[test]
    fn only_silence_is_inconclusive() {
        use crate::graph::GraphErrorKind;
        let mut busy = GraphError::new(GraphErrorKind::Service, "busy");
        busy.status = Some(503);
        assert!(graph_inconclusive(&busy));
        let mut denied = GraphError::new(GraphErrorKind::Service, "denied");
        denied.status = Some(403);
        assert!(!graph_inconclusive(&denied));
        assert!(graph_inconclusive(&GraphError::new(
            GraphErrorKind::Timeout,
            "slow"
        )));
        assert!(!graph_inconclusive(&GraphError::new(
            GraphErrorKind::Certificate,
            "invalid peer certificate: UnknownIssuer"
        )));
        let refused = TokenError::Service(Box::new(crate::auth::EntraError {
            status: 401,
            error_codes: vec![7000215],
            ..Default::default()
        }));
        assert!(!token_inconclusive(&refused));
        let busy = TokenError::Service(Box::new(crate::auth::EntraError {
            status: 503,
            error_codes: vec![90055],
            ..Default::default()
        }));
        assert!(token_inconclusive(&busy));
    }
}

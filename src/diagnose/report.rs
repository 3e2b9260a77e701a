//! The result types of a connection test. Their JSON form is the stable
//! shape of SPEC §3, which scripts and CI rely on.

use std::fmt;

use serde::Serialize;

use crate::auth::RetryStats;
pub use crate::state::Verdict;

/// The JSON report's `schema_version`: 2 added `verdict`, `recorded`, and per
/// step `retries` and `carried_from`.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// The steps a connection test can run (SPEC §3). Their JSON and text form
/// is the kebab-case name (`sent-items`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Certificate credentials only: the certificate's validity dates.
    Certificate,
    /// The tenant resolves on the cloud's authority host.
    Authority,
    /// A client-credentials token is issued.
    Token,
    /// The token's `roles` (informative: RBAC for Applications is invisible).
    Permissions,
    /// The shared mailbox answers with application permissions.
    Mailbox,
    /// One folder path of an incoming connector (the step's `subject`).
    Folder,
    /// The app may send as the outbound connector's primary address.
    Send,
    /// The probe's copy in Sent Items (confirmation of `send`).
    SentItems,
    /// The app may send as an outgoing route's alias: known only by sending.
    SendAs,
    /// An incoming route's address is valid and unique.
    Address,
    /// `--probe-delivery`: mail to an incoming route's address arrives.
    Delivery,
    /// The named connector or route is not in the state.
    Target,
    /// Integration only, with outside mailboxes recorded (`scope set
    /// --outside`): whether the app is proven restricted to its connectors'
    /// mailboxes. Informative: at worst a warning, never a required fact.
    Scope,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Certificate => "certificate",
            Check::Authority => "authority",
            Check::Token => "token",
            Check::Permissions => "permissions",
            Check::Mailbox => "mailbox",
            Check::Folder => "folder",
            Check::Send => "send",
            Check::SentItems => "sent-items",
            Check::SendAs => "send-as",
            Check::Address => "address",
            Check::Delivery => "delivery",
            Check::Target => "target",
            Check::Scope => "scope",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Check {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Check {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Warning,
    Failed,
    Skipped,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Passed => "passed",
            StepStatus::Warning => "warning",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Integration,
    Connector,
    Route,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TargetRef {
    pub kind: TargetKind,
    /// The connector or route name; `integration` for the integration.
    pub name: String,
}

impl TargetRef {
    pub fn integration() -> Self {
        TargetRef {
            kind: TargetKind::Integration,
            name: crate::state::evidence::INTEGRATION_HISTORY_NAME.to_string(),
        }
    }
    pub fn connector(name: &str) -> Self {
        TargetRef {
            kind: TargetKind::Connector,
            name: name.to_string(),
        }
    }
    pub fn route(name: &str) -> Self {
        TargetRef {
            kind: TargetKind::Route,
            name: name.to_string(),
        }
    }
}

/// One step of a test, e.g. `token` or `folder`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub check: Check,
    pub status: StepStatus,
    /// `status != failed`; kept in the JSON for scripts that test a boolean.
    pub passed: bool,
    pub detail: String,
    /// The service's own error code: `AADSTS700016`, `ErrorAccessDenied`, …
    pub code: Option<String>,
    /// Graph's `request-id`.
    pub request_id: Option<String>,
    /// Entra's `trace_id`.
    pub trace_id: Option<String>,
    /// What to change, in the admin's terms.
    pub hint: Option<String>,
    pub ms: u64,
    /// Retries this run made for the step (throttling, 5xx, dropped
    /// connections).
    pub retries: u32,
    /// The "busy" answers (429, 503) among them and the time waited;
    /// `None` when the service never said it was busy.
    pub throttled: Option<Throttled>,
    /// RFC 3339 time of the earlier run whose outcome this step shows;
    /// `None` for this run's own observation.
    pub carried_from: Option<String>,
    /// What the step is about when a target has several of its kind: the
    /// folder path of a `folder` step.
    #[serde(skip)]
    pub subject: Option<String>,
    /// The service never answered within the deadline (throttling, 5xx,
    /// timeouts, dropped connections): the step neither establishes nor
    /// refutes its fact (SPEC §4).
    #[serde(skip)]
    pub inconclusive: bool,
    /// Every retry of the step, for [`Step::waits`].
    #[serde(skip)]
    pub retry: RetryStats,
}

/// How a step was throttled: its JSON `throttled` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Throttled {
    /// Busy answers waited out: `status_429 + status_503`.
    pub count: u32,
    /// "Too many requests": the app (or tenant) was over its limit.
    pub status_429: u32,
    /// "Service unavailable": the service was busy for everyone.
    pub status_503: u32,
    /// Time the step spent waiting before its retries, throttled or not.
    pub waited_ms: u64,
}

impl Step {
    pub fn new(check: Check, status: StepStatus, detail: impl Into<String>) -> Self {
        Step {
            check,
            status,
            passed: status != StepStatus::Failed,
            detail: detail.into(),
            code: None,
            request_id: None,
            trace_id: None,
            hint: None,
            ms: 0,
            retries: 0,
            throttled: None,
            carried_from: None,
            subject: None,
            inconclusive: false,
            retry: RetryStats::default(),
        }
    }

    /// Records the retries (and throttling waits) this run made for the
    /// step: `retries`, `throttled` and the words of [`Step::waits`].
    pub fn set_retry(&mut self, retry: RetryStats) {
        self.retry = retry;
        self.retries = retry.retries;
        self.throttled = (retry.throttled > 0).then(|| Throttled {
            count: retry.throttled,
            status_429: retry.rate_limited,
            status_503: retry.throttled.saturating_sub(retry.rate_limited),
            waited_ms: u64::try_from(retry.waited.as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// The step's retries in words, `None` when there were none:
    /// "throttled twice, waited 6 s".
    pub fn waits(&self) -> Option<String> {
        let service = match self.check {
            Check::Authority | Check::Token | Check::Certificate => "Entra ID",
            _ => "Graph",
        };
        describe_waits(&self.retry, service)
    }

    /// Whether this step is about `fact` (`mailbox`, `folder:Inbox/Support`,
    /// …: the check, then `:` and the subject if it has one). Compared in
    /// place: judging and recording a run ask it of every step for every
    /// required fact, thousands of times at 200 targets, where
    /// building the id each time was an allocation and a format apiece
    /// (issue 17 (c)).
    pub fn is_fact(&self, fact: &str) -> bool {
        let check = self.check.as_str();
        match &self.subject {
            Some(subject) => fact
                .strip_prefix(check)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| rest == subject),
            None => fact == check,
        }
    }

    /// Sets the status, keeping `passed` in step.
    pub fn set_status(&mut self, status: StepStatus) {
        self.status = status;
        self.passed = status != StepStatus::Failed;
    }
}

/// `once`, `twice`, `3 times`.
fn times(n: u32) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// A wait for people: `850 ms` below a second, else seconds with at most
/// one decimal (`6 s`, `2.5 s`).
pub fn human_wait(wait: std::time::Duration) -> String {
    let ms = wait.as_millis();
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let tenths = (ms + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{} s", tenths / 10)
    } else {
        format!("{}.{} s", tenths / 10, tenths % 10)
    }
}

/// Retries in words: 429s as "throttled", 503s as "`service` busy (503)",
/// any others (gateway errors, timeouts, dropped connections) as
/// "retried", then the time waited. `None` when nothing was retried.
pub fn describe_waits(retry: &RetryStats, service: &str) -> Option<String> {
    if retry.retries == 0 {
        return None;
    }
    let unavailable = retry.throttled.saturating_sub(retry.rate_limited);
    let other = retry.retries.saturating_sub(retry.throttled);
    let mut parts = Vec::new();
    if retry.rate_limited > 0 {
        parts.push(format!("throttled {}", times(retry.rate_limited)));
    }
    if unavailable > 0 {
        parts.push(format!("{service} busy (503) {}", times(unavailable)));
    }
    if other > 0 {
        parts.push(format!("retried {}", times(other)));
    }
    if !retry.waited.is_zero() {
        parts.push(format!("waited {}", human_wait(retry.waited)));
    }
    Some(parts.join(", "))
}

/// The result of testing one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionReport {
    pub schema_version: u32,
    pub target: TargetRef,
    pub verdict: Verdict,
    /// `verdict == passed`.
    pub passed: bool,
    /// Whether this run's outcome was written to the state's directory
    /// (false with `--no-record`, under a credential override, or when the
    /// target changed while it was tested).
    pub recorded: bool,
    pub steps: Vec<Step>,
    /// For a non-pass: what would establish the missing or refuted fact.
    #[serde(skip)]
    pub needs: Option<String>,
    /// The facts the verdict was judged over ([`super::facts::judge`]), on
    /// the settings the run tested: recording keys this run's evidence on
    /// them rather than deriving each key again under the lock.
    #[serde(skip)]
    pub required: Vec<super::facts::Required>,
}

impl ConnectionReport {
    /// A report whose verdict follows its steps alone: `failed` when a step
    /// failed, else `passed`. A run replaces it with the verdict over the
    /// target's required facts ([`super::facts::judge`]).
    pub fn new(target: TargetRef, steps: Vec<Step>) -> Self {
        let verdict = if steps.iter().any(|s| s.status == StepStatus::Failed) {
            Verdict::Failed
        } else {
            Verdict::Passed
        };
        ConnectionReport {
            schema_version: REPORT_SCHEMA_VERSION,
            target,
            verdict,
            passed: verdict == Verdict::Passed,
            recorded: false,
            steps,
            needs: None,
            required: Vec::new(),
        }
    }

    pub fn set_verdict(&mut self, verdict: Verdict) {
        self.verdict = verdict;
        self.passed = verdict == Verdict::Passed;
    }

    /// `check=status` per step, as stored in a [`crate::state::TestRecord`].
    pub fn step_summary(&self) -> Vec<String> {
        self.steps
            .iter()
            .map(|s| format!("{}={}", s.check, s.status.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stats(retries: u32, throttled: u32, rate_limited: u32, waited_ms: u64) -> RetryStats {
        RetryStats {
            retries,
            throttled,
            rate_limited,
            waited: Duration::from_millis(waited_ms),
        }
    }

    #[test]
    fn waits_in_words() {
        let words = |s: RetryStats| describe_waits(&s, "Graph");
        assert_eq!(words(RetryStats::default()), None);
        assert_eq!(
            words(stats(1, 1, 1, 1000)).as_deref(),
            Some("throttled once, waited 1 s")
        );
        assert_eq!(
            words(stats(2, 2, 2, 6000)).as_deref(),
            Some("throttled twice, waited 6 s")
        );
        assert_eq!(
            words(stats(5, 5, 5, 12_340)).as_deref(),
            Some("throttled 5 times, waited 12.3 s")
        );
        assert_eq!(
            words(stats(1, 1, 0, 2000)).as_deref(),
            Some("Graph busy (503) once, waited 2 s")
        );
        assert_eq!(
            words(stats(4, 3, 1, 850)).as_deref(),
            Some("throttled once, Graph busy (503) twice, retried once, waited 850 ms")
        );
        // A re-send after an expired token: no wait at all.
        assert_eq!(words(stats(1, 0, 0, 0)).as_deref(), Some("retried once"));
        assert_eq!(
            describe_waits(&stats(1, 1, 0, 1000), "Entra ID").as_deref(),
            Some("Entra ID busy (503) once, waited 1 s")
        );
    }

    #[test]
    fn waits_below_a_second_are_in_ms() {
        assert_eq!(human_wait(Duration::from_millis(0)), "0 ms");
        assert_eq!(human_wait(Duration::from_millis(999)), "999 ms");
        assert_eq!(human_wait(Duration::from_millis(1000)), "1 s");
        assert_eq!(human_wait(Duration::from_millis(1960)), "2 s");
        assert_eq!(human_wait(Duration::from_millis(2500)), "2.5 s");
    }

    #[test]
    fn a_step_is_about_its_check_and_subject_spelled_as_in_facts_json() {
        let mailbox = Step::new(Check::Mailbox, StepStatus::Passed, "ok");
        assert!(mailbox.is_fact("mailbox"));
        for other in ["mailbox:", "mailbox:x", "mailbo", "mailboxes", "folder", ""] {
            assert!(!mailbox.is_fact(other), "{other:?}");
        }
        let mut folder = Step::new(Check::Folder, StepStatus::Passed, "ok");
        folder.subject = Some("Inbox/Support".into());
        assert!(folder.is_fact("folder:Inbox/Support"));
        for other in [
            "folder",
            "folder:",
            "folder:Inbox",
            "folder:Inbox/Support/x",
            "folder:inbox/support",
            "folderInbox/Support",
            "folder-Inbox/Support",
            "mailbox:Inbox/Support",
        ] {
            assert!(!folder.is_fact(other), "{other:?}");
        }
        // A subject may itself hold a colon: only the first one separates.
        folder.subject = Some("Inbox/a:b".into());
        assert!(folder.is_fact("folder:Inbox/a:b"));
        assert!(!folder.is_fact("folder:Inbox/a"));
        let mut send_as = Step::new(Check::SendAs, StepStatus::Passed, "ok");
        send_as.subject = Some("alias@contoso.com".into());
        assert!(send_as.is_fact("send-as:alias@contoso.com"));
        assert!(!send_as.is_fact("send:alias@contoso.com"));
    }

    #[test]
    fn throttled_json_counts_429s_and_503s_apart() {
        let mut step = Step::new(Check::Mailbox, StepStatus::Passed, "ok");
        step.set_retry(stats(3, 3, 2, 4200));
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["retries"], 3);
        assert_eq!(
            json["throttled"],
            serde_json::json!({"count": 3, "status_429": 2, "status_503": 1, "waited_ms": 4200})
        );
        step.set_retry(stats(1, 0, 0, 300));
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["throttled"], serde_json::Value::Null);
        assert_eq!(step.waits().as_deref(), Some("retried once, waited 300 ms"));
    }
}

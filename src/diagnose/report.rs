//! The result types of a connection test. Their JSON form is the stable
//! shape of SPEC §3, which scripts and CI rely on.

use std::fmt;

use serde::Serialize;

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
            name: "integration".to_string(),
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
            carried_from: None,
            subject: None,
            inconclusive: false,
        }
    }

    /// The fact this step is about: `mailbox`, `folder:Inbox/Support`, …
    pub fn fact_id(&self) -> String {
        match &self.subject {
            Some(subject) => format!("{}:{subject}", self.check),
            None => self.check.to_string(),
        }
    }

    /// Sets the status, keeping `passed` in step.
    pub fn set_status(&mut self, status: StepStatus) {
        self.status = status;
        self.passed = status != StepStatus::Failed;
    }
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

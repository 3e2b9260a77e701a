//! The result types of a connection test. Their JSON form is the stable
//! shape of SPEC §3, which scripts and CI rely on.

use serde::Serialize;

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
    pub check: String,
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
}

impl Step {
    pub fn new(check: &str, status: StepStatus, detail: impl Into<String>) -> Self {
        Step {
            check: check.to_string(),
            status,
            passed: status != StepStatus::Failed,
            detail: detail.into(),
            code: None,
            request_id: None,
            trace_id: None,
            hint: None,
            ms: 0,
        }
    }
}

/// The result of testing one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionReport {
    pub schema_version: u32,
    pub target: TargetRef,
    pub passed: bool,
    pub steps: Vec<Step>,
}

impl ConnectionReport {
    pub fn new(target: TargetRef, steps: Vec<Step>) -> Self {
        let passed = steps.iter().all(|s| s.status != StepStatus::Failed);
        ConnectionReport {
            schema_version: 1,
            target,
            passed,
            steps,
        }
    }

    /// `check=status` per step, as stored in a [`crate::state::TestRecord`].
    pub fn step_summary(&self) -> Vec<String> {
        self.steps
            .iter()
            .map(|s| format!("{}={}", s.check, s.status.as_str()))
            .collect()
    }
}

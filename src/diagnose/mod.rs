//! Connection tests (SPEC §3): ordered steps per target, each with a status,
//! the service's code, request/trace IDs and a hint. Returns data; commands
//! render it and record it in the state.

pub mod report;

pub use report::*;

use std::time::Duration;

use crate::auth::ClientCredential;
use crate::state::State;

/// TEMPORARY stand-in (replaced by the client branch).
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    pub send_test_to: Option<String>,
    pub probe_delivery: bool,
    pub target_timeout: Duration,
}

pub trait Progress: Send + Sync {
    fn target_started(&self, _target: &TargetRef) {}
    fn target_finished(&self, _report: &ConnectionReport) {}
}

pub async fn run(
    _snapshot: &State,
    _credential: ClientCredential,
    targets: &[TargetRef],
    _options: &TestOptions,
    _progress: &dyn Progress,
) -> Vec<ConnectionReport> {
    targets
        .iter()
        .map(|t| {
            ConnectionReport::new(
                t.clone(),
                vec![Step::new("token", StepStatus::Failed, "not implemented")],
            )
        })
        .collect()
}

//! Connection tests (SPEC §3): ordered steps per target, each with a status,
//! the service's code, request/trace IDs and a hint. Returns data; commands
//! render it and record it in the state. Nothing here reads or writes the
//! state file: a test runs on a snapshot (SPEC §1, invariant 6).
//!
//! The entry point:
//!
//! ```text
//! pub async fn run(
//!     snapshot: &State,
//!     credential: ClientCredential,
//!     targets: &[TargetRef],
//!     options: &TestOptions,
//!     progress: &dyn Progress,
//! ) -> Vec<ConnectionReport>
//! ```
//!
//! One report per target, in the order of `targets`. All targets run
//! concurrently with one token request for the whole run (and one tenant
//! discovery), each bounded by [`TestOptions::target_timeout`], never more
//! than 4 requests in flight per mailbox. Identical lookups of one run (a
//! mailbox's Inbox, a folder's children) are made once and shared by the
//! targets on that mailbox.
//!
//! Steps are [`Check`]s: `certificate` (certificate auth only), `authority`,
//! `token`, `permissions`, `mailbox`, `folder` (one per folder path; the
//! detail names it), `send`, `sent-items`, `send-as`, `address`, `delivery`;
//! plus `target` when a named connector or route is not in the snapshot, and
//! `scope` on the integration when outside mailboxes are recorded (never a
//! required fact: at worst a warning).
//! Each report's verdict is decided over its target's required facts
//! ([`facts`]): this run's conclusive steps, then evidence carried from
//! earlier runs ([`TestOptions::carried`]).

pub mod facts;
pub mod hints;
mod incoming;
mod outbound;
mod prepare;
pub mod probe;
pub mod report;
mod run;
mod scope;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use report::*;
pub use run::{run, run_beside};

use crate::auth::{HttpOptions, RetryPolicy};

/// Told when each target starts and ends; the CLI draws a progress bar with
/// it. Called from the run's own task, possibly for many targets at once.
pub trait Progress: Sync {
    fn target_started(&self, target: &TargetRef);
    fn target_finished(&self, report: &ConnectionReport);
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn target_started(&self, _: &TargetRef) {}
    fn target_finished(&self, _: &ConnectionReport) {}
}

/// How a run behaves. [`Default`] gives SPEC §4's values.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// `--send-test-to`: where a probe goes. `None`: to the outbound
    /// connector's own address. A probe is sent only when a required fact
    /// (`send`, `send-as`) lacks evidence.
    pub send_test_to: Option<String>,
    /// `--no-send`: never send a probe; facts only a probe establishes stay
    /// `unverified` unless carried evidence settles them.
    pub no_send: bool,
    /// Send a probe even where carried evidence *refuted* the fact: the user
    /// asked for this target by name, so a fix can be proven (a failed probe
    /// stays failed until a probe passes). `--all`, live changes and
    /// `integration set` leave it off and send nothing when evidence exists.
    pub reprobe_refuted: bool,
    /// Evidence of earlier runs (SPEC §3 "Evidence carries forward").
    pub carried: std::sync::Arc<facts::Carried>,
    /// `--probe-delivery`: incoming routes get a probe through an enabled
    /// outbound connector and look for it in the connector's folders.
    pub probe_delivery: bool,
    /// Per target, all steps included. Default 60 s.
    pub target_timeout: Duration,
    /// Timeouts and an extra CA. `ca_file: None` falls back to the
    /// integration's `ca_file`.
    pub http: HttpOptions,
    /// Retries of Graph and token requests.
    pub retry: RetryPolicy,
    /// How long the `sent-items` step looks for the probe's copy. Default 20 s.
    pub sent_items_wait: Duration,
    /// How long the `delivery` step looks for the probe. Default 30 s.
    pub delivery_wait: Duration,
    /// Pause between looks. Default 1 s.
    pub poll_interval: Duration,
    /// "Now" for the certificate expiry check; `None` = the clock.
    pub now: Option<DateTime<Utc>>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            send_test_to: None,
            no_send: false,
            reprobe_refuted: false,
            carried: Default::default(),
            probe_delivery: false,
            target_timeout: Duration::from_secs(60),
            http: HttpOptions::default(),
            retry: RetryPolicy::default(),
            sent_items_wait: Duration::from_secs(20),
            delivery_wait: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            now: None,
        }
    }
}

/// Days before expiry from which a certificate is reported as a warning.
pub const CERTIFICATE_WARNING_DAYS: i64 = 30;

/// Where a certificate stands against its expiry (for `status` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateExpiry {
    Valid {
        days_left: i64,
    },
    /// Within [`CERTIFICATE_WARNING_DAYS`].
    ExpiresSoon {
        days_left: i64,
    },
    Expired {
        days_ago: i64,
    },
    /// The recorded date could not be read.
    Unknown,
}

/// Judges `not_after` (RFC 3339) at `now`.
pub fn certificate_expiry(not_after: &str, now: DateTime<Utc>) -> CertificateExpiry {
    let Ok(at) = DateTime::parse_from_rfc3339(not_after) else {
        return CertificateExpiry::Unknown;
    };
    let left = at.with_timezone(&Utc) - now;
    if left <= chrono::Duration::zero() {
        CertificateExpiry::Expired {
            days_ago: -left.num_days(),
        }
    } else if left.num_days() < CERTIFICATE_WARNING_DAYS {
        CertificateExpiry::ExpiresSoon {
            days_left: left.num_days(),
        }
    } else {
        CertificateExpiry::Valid {
            days_left: left.num_days(),
        }
    }
}

//! graphmail: set up, diagnose and run a Microsoft 365 email integration over
//! Microsoft Graph, from a terminal and from scripts.
//!
//! Dependencies point one way: `cli` → `commands` → (`state` | `diagnose` →
//! `graph` → `auth` → `secrets`) → `output`; `scope` (the mailbox
//! restriction: plan and proof) sits beside `diagnose`. The `sandbox` is a separate
//! emulator of Entra ID and Graph: it imports nothing from `auth`, `graph` or
//! `diagnose`, and they import nothing from it (SPEC §6).

pub mod auth;
pub mod build_info;
pub mod cli;
pub mod commands;
pub mod desired;
pub mod diagnose;
pub mod error;
pub mod graph;
pub mod output;
pub mod process_limits;
pub mod sandbox;
pub mod scope;
pub mod secrets;
pub mod state;
pub mod threads;

/// Unit tests' property-test settings: 256 cases, or `PROPTEST_CASES`
/// (long runs are opt-in); shrunk failures are printed, and no regression
/// files are left in the tree.
#[cfg(test)]
pub(crate) fn proptest_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Default::default()
    }
}

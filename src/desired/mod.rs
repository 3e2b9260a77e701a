//! The desired-state file (docs/desired-state.md): what an environment should
//! look like, declared in TOML, compared with the state file by `plan`,
//! converged to by `apply`, and written from the state by `export`.
//!
//! - [`file`]: the file's serde shape and its parser: unknown keys and bad
//!   values are errors naming the key and the line; every value goes through
//!   the same validation as the commands ([`crate::state::validate`],
//!   [`crate::state::ops`]).
//! - [`plan`]: the difference between a [`Desired`] and a state, as an ordered
//!   list of actions, and the settings the state converges to. No I/O.
//! - [`export`]: a state as a desired-state file.
//!
//! Secrets are never in the file: only where they come from (an environment
//! variable or the keyring), as in the state file.

pub mod export;
pub mod file;
pub mod plan;

pub use file::{Desired, DesiredCredential, DesiredIntegration, DesiredItem, DesiredSource};

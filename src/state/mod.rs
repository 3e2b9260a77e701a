//! The TOML state file: the model, its invariants, and the one place that
//! writes the file.

pub mod fingerprint;
pub mod model;
pub mod validate;

pub use model::*;

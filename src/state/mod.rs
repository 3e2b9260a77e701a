//! The TOML state file: the model, its invariants, and the one place that
//! writes the file.

pub mod document;
pub mod evidence;
pub mod fingerprint;
pub mod model;
pub mod ops;
pub mod parsed;
pub mod problems;
pub mod store;
pub mod trust;
pub mod validate;

pub use model::*;

//! Connection tests (SPEC §3): ordered steps per target, each with a status,
//! the service's code, request/trace IDs and a hint. Returns data; commands
//! render it and record it in the state.

pub mod report;

pub use report::*;

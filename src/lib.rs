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

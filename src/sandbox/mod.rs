//! The local emulator of Entra ID and Microsoft Graph (SPEC §6). Placeholder:
//! filled in by the sandbox issues.

pub mod graph;

//! The Graph mail half of the sandbox (SPEC §6). Placeholder with the
//! contract's names.

use std::sync::Arc;

use axum::Router;
use serde::Deserialize;

use super::Sandbox;

/// The mail part of the seed file: mailboxes, access policies, generators.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MailSeed {}

/// Mailboxes and their contents, built from a [`MailSeed`].
pub struct GraphState {}

impl GraphState {
    pub fn from_seed(_seed: &MailSeed) -> Result<Self, String> {
        Ok(GraphState {})
    }
}

/// The Graph v1.0 routes (`/v1.0/users/...`).
pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
}

/// Admin routes of the Graph half (mailbox contents, concurrency figures),
/// nested under the admin prefix by the identity half.
pub fn admin_routes() -> Router<Arc<Sandbox>> {
    Router::new()
}

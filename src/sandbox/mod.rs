//! The local emulator of Entra ID and Microsoft Graph (SPEC §6).
//!
//! CONTRACT between the identity half (this file, `seed`, `identity`, `admin`,
//! faults, TLS) and the Graph half (`graph/`), filled in by the sandbox issues:
//! - `Sandbox` is the shared state of one running emulator; routes are
//!   `axum::Router<Arc<Sandbox>>`.
//! - `Sandbox::verify_bearer` checks a Graph bearer token issued by the
//!   identity half; the Graph half maps its errors to Graph's error JSON.
//! - `Sandbox::now` is the emulator's clock (shiftable through the admin
//!   endpoint); `Sandbox::count` feeds the request counters.
//! - `graph::GraphState` is built from `graph::MailSeed`, the mail part of the
//!   seed file (flattened into the top-level seed).

pub mod graph;

/// The claims of a sandbox-issued Graph access token, as Graph needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// `tid`
    pub tenant_id: String,
    /// `appid`
    pub app_id: String,
    /// `aud`
    pub audience: String,
    /// `roles`: only the granted application permissions.
    pub roles: Vec<String>,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerError {
    Missing,
    Malformed,
    BadSignature,
    Expired,
    WrongAudience,
}

/// One running emulator's shared state.
pub struct Sandbox {
    pub graph: graph::GraphState,
}

impl Sandbox {
    /// The emulator's clock, Unix seconds (shifted by the admin endpoint).
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }

    /// Checks an `Authorization` header value (`Bearer <jwt>`).
    pub fn verify_bearer(&self, _authorization: Option<&str>) -> Result<AccessClaims, BearerError> {
        Err(BearerError::Missing)
    }

    /// Counts one request of `kind` (e.g. `token`, `graph.messages`), per mailbox when there is one.
    pub fn count(&self, _kind: &str, _mailbox: Option<&str>) {}
}

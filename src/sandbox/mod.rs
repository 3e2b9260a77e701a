//! The local emulator of Entra ID and Microsoft Graph (SPEC §6).
//!
//! CONTRACT between the identity half (this file, `seed`, `identity`, `admin`,
//! `faults`, `tls`, `clock`, `server`) and the Graph half (`graph/`):
//! - `Sandbox` is the shared state of one running emulator; routes are
//!   `axum::Router<Arc<Sandbox>>`.
//! - `Sandbox::verify_bearer` checks a Graph bearer token issued by the
//!   identity half; the Graph half maps its errors to Graph's error JSON.
//! - `Sandbox::now` is the emulator's clock (shiftable through the admin
//!   endpoint); `Sandbox::count` feeds the request counters.
//! - `graph::GraphState` is built from `graph::MailSeed`, the mail part of the
//!   seed file (flattened into the top-level seed).
//! - `delay::wait` is how both halves wait their configured latencies.
//!
//! Run one with [`start`] (in-process: tests, the demo) or [`serve`] (`graphmail
//! sandbox serve`). The sandbox imports nothing from graphmail's client side
//! (`auth`, `graph`, `diagnose`) and they import nothing from it.

pub mod admin;
pub mod clock;
mod date;
mod delay;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod seed;
pub mod server;
pub mod tls;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

pub use identity::CredentialsReport;
pub use seed::Seed;
pub use server::{ReadyInfo, RunningSandbox, ServeOptions, serve, start};

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

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Crypto {
        context: &'static str,
        source: openssl::error::ErrorStack,
    },
    #[error("certificate in the seed: {0}")]
    Certificate(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "refusing to listen on {addr}: the sandbox hands out tokens to anyone who asks; listen on a loopback address, or pass --allow-non-loopback to expose it on purpose"
    )]
    NonLoopback { addr: SocketAddr },
    #[error("the seed's mail part: {0}")]
    Graph(String),
}

/// Request counters: by kind, and by mailbox then kind.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Counters {
    pub kinds: BTreeMap<String, u64>,
    pub mailboxes: BTreeMap<String, BTreeMap<String, u64>>,
}

/// One running emulator's shared state.
pub struct Sandbox {
    pub graph: graph::GraphState,
    /// Tenants, apps and their credentials.
    pub directory: identity::Directory,
    /// Signs and verifies the access tokens.
    pub token_key: identity::token::TokenKey,
    pub clock: clock::Clock,
    /// The faults in force (seeded, then switched through the admin endpoint).
    pub faults: Mutex<faults::FaultConfig>,
    /// `[token_service]` switches (seeded; tests in-process may flip them).
    pub token_service: Mutex<seed::TokenServiceSeed>,
    counters: Mutex<Counters>,
    /// Used client-assertion `jti`s, with when they may be forgotten.
    used_jtis: Mutex<HashMap<String, i64>>,
    listen: SocketAddr,
    tls: bool,
    ready_app: String,
    output_dir: PathBuf,
}

impl Sandbox {
    /// Builds the state for a sandbox listening on `listen` (already bound).
    /// Generated certificates are written into `output_dir`.
    pub fn new(
        seed: &Seed,
        output_dir: &Path,
        listen: SocketAddr,
        tls: bool,
    ) -> Result<Sandbox, SandboxError> {
        let clock = clock::Clock::default();
        let directory = identity::Directory::from_seed(seed, output_dir, clock.now())?;
        let graph = graph::GraphState::from_seed(&seed.mail).map_err(SandboxError::Graph)?;
        let token_key =
            identity::token::TokenKey::generate().map_err(|source| SandboxError::Crypto {
                context: "making the token signing key",
                source,
            })?;
        let ready_app = seed
            .ready_app
            .clone()
            .or_else(|| {
                seed.tenants
                    .first()
                    .and_then(|t| t.apps.first())
                    .map(|a| a.id.clone())
            })
            .unwrap_or_default();
        Ok(Sandbox {
            graph,
            directory,
            token_key,
            clock,
            faults: Mutex::new(seed.faults.clone()),
            token_service: Mutex::new(seed.token_service.clone()),
            counters: Mutex::new(Counters::default()),
            used_jtis: Mutex::new(HashMap::new()),
            listen,
            tls,
            ready_app,
            output_dir: output_dir.to_owned(),
        })
    }

    /// The emulator's clock, Unix seconds (shifted by the admin endpoint).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Checks an `Authorization` header value (`Bearer <jwt>`).
    pub fn verify_bearer(&self, authorization: Option<&str>) -> Result<AccessClaims, BearerError> {
        identity::token::verify_bearer(self, authorization)
    }

    /// An access token for a seeded app, signed like the token endpoint's
    /// (roles = its granted roles), without an HTTP round trip; `audience`
    /// defaults to the sandbox's origin. `None` for an unknown app.
    pub fn mint_access_token(&self, app_id: &str, audience: Option<&str>) -> Option<String> {
        identity::token::mint(self, app_id, audience)
    }

    /// Counts one request of `kind` (e.g. `token`, `graph.messages`), per mailbox when there is one.
    pub fn count(&self, kind: &str, mailbox: Option<&str>) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *counters.kinds.entry(kind.to_owned()).or_default() += 1;
        if let Some(mailbox) = mailbox {
            *counters
                .mailboxes
                .entry(mailbox.to_ascii_lowercase())
                .or_default()
                .entry(kind.to_owned())
                .or_default() += 1;
        }
    }

    /// A copy of the counters.
    pub fn counters(&self) -> Counters {
        self.counters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        *self.counters.lock().unwrap_or_else(|e| e.into_inner()) = Counters::default();
    }

    /// The `[token_service]` switches in force.
    pub fn token_service(&self) -> seed::TokenServiceSeed {
        self.token_service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records a client-assertion `jti`; false when it was already used.
    /// Entries are forgotten once the assertion could no longer pass anyway.
    pub fn remember_jti(
        &self,
        tenant: &str,
        app: &str,
        jti: &str,
        forget_after: i64,
        now: i64,
    ) -> bool {
        let mut used = self.used_jtis.lock().unwrap_or_else(|e| e.into_inner());
        used.retain(|_, until| *until > now);
        let key = format!("{tenant}/{app}/{jti}");
        if used.contains_key(&key) {
            return false;
        }
        used.insert(key, forget_after);
        true
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The address it listens on.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// `host:port` as printed in the ready line (loopback when bound to an unspecified address).
    pub fn listen_authority(&self) -> String {
        match self.listen.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() || ip.is_loopback() => {
                format!("127.0.0.1:{}", self.listen.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() || ip.is_loopback() => {
                format!("[::1]:{}", self.listen.port())
            }
            _ => self.listen.to_string(),
        }
    }

    /// `scheme://host:port`: both the authority host and the Graph endpoint.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme(), self.listen_authority())
    }

    /// The app whose credentials the ready line prints.
    pub fn ready_app_id(&self) -> &str {
        &self.ready_app
    }

    /// Where generated certificate files live.
    pub fn output_dir(&self) -> &Path {
        &self.output_dir
    }

    /// Every seeded credential (throw-away test values).
    pub fn credentials(&self) -> CredentialsReport {
        self.directory.credentials(self.now())
    }

    /// True when `aud` (or a scope's resource) names this sandbox's Graph:
    /// its own origin under any loopback name, `https://graph.microsoft.com`,
    /// or Graph's app ID.
    pub fn is_graph_audience(&self, aud: &str) -> bool {
        let aud = aud.trim_end_matches('/');
        if aud.eq_ignore_ascii_case("https://graph.microsoft.com")
            || aud.eq_ignore_ascii_case("00000003-0000-0000-c000-000000000000")
        {
            return true;
        }
        let Ok(url) = url::Url::parse(aud) else {
            return false;
        };
        let host_ok = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() || IpAddr::V4(ip) == self.listen.ip(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || IpAddr::V6(ip) == self.listen.ip(),
            None => false,
        };
        host_ok
            && url.scheme() == self.scheme()
            && url.port_or_known_default() == Some(self.listen.port())
            && matches!(url.path(), "" | "/")
            && url.query().is_none()
    }
}

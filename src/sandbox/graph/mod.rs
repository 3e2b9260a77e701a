//! The Graph mail half of the sandbox (SPEC §6): app-only Graph v1.0 on
//! `/v1.0/users/{id | UPN | address}/...` for mail folders, messages,
//! drafts and sending, with Exchange's application access policies and
//! RBAC for Applications (`rbac`), its
//! per app + mailbox concurrency limit, and Graph's error shapes.
//!
//! Written from Microsoft's documented behaviour
//! (`reference/graph-mail.md` §4-8, cited as "reference §n" in comments),
//! never from graphmail's client code: it imports nothing from `auth`,
//! `graph` or `diagnose`.
//!
//! Layout: `seed` (the mail part of the seed file, `builtin.toml`), `store`
//! (mailboxes, folders, messages, policies), `query` (OData options),
//! `resource` (JSON shapes), `outgoing` (request bodies), `send` (sending,
//! drafts, deletes, delivery), `limits` (concurrency, Outlook's windows,
//! sizes, latency), `errors` (Graph's error JSON and request IDs),
//! `handlers` (the HTTP endpoints), `upload` (attachment upload sessions and
//! their pre-authenticated upload URLs), `delta` (message delta queries),
//! `batch` (JSON batching: `POST /v1.0/$batch`),
//! `admin` (what tests read and switch).
//!
//! The handlers are generic over [`GraphHost`], the little they need from
//! the running emulator (clock, bearer check, counters). [`Sandbox`]
//! implements it; tests can implement it too to mint claims directly.

mod admin;
mod batch;
mod delta;
mod errors;
mod handlers;
mod limits;
mod outgoing;
mod query;
mod rbac;
mod resource;
mod seed;
mod send;
mod store;
mod upload;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use axum::Router;

use super::{AccessClaims, BearerError, Sandbox};

pub use rbac::{
    DenialShape, ManagementScopeSeed, RBAC_DENIAL, RbacSeed, RoleAssignmentSeed,
    ServicePrincipalSeed,
};
pub use seed::{
    AccessPolicySeed, AccessRight, AliasBehaviour, AliasSeed, BUILTIN_TOML, FillSeed, GenerateSeed,
    MailLimitsSeed, MailSeed, MailboxKind, MailboxSeed, MessageSeed,
};

/// What the Graph endpoints need from the emulator that runs them.
pub trait GraphHost: Send + Sync + 'static {
    fn graph(&self) -> &GraphState;
    /// The emulator's clock, Unix seconds.
    fn now(&self) -> i64;
    /// Checks an `Authorization` header value (`Bearer <jwt>`).
    fn verify_bearer(&self, authorization: Option<&str>) -> Result<AccessClaims, BearerError>;
    /// Counts one request of `kind` (`graph.messages`, ...) for a mailbox.
    fn count(&self, kind: &str, mailbox: Option<&str>);
    /// `http` or `https`: the scheme of absolute URLs such as `@odata.nextLink`.
    fn scheme(&self) -> &'static str {
        "http"
    }
}

impl GraphHost for Sandbox {
    fn graph(&self) -> &GraphState {
        &self.graph
    }

    fn now(&self) -> i64 {
        Sandbox::now(self)
    }

    fn verify_bearer(&self, authorization: Option<&str>) -> Result<AccessClaims, BearerError> {
        Sandbox::verify_bearer(self, authorization)
    }

    fn count(&self, kind: &str, mailbox: Option<&str>) {
        Sandbox::count(self, kind, mailbox)
    }

    fn scheme(&self) -> &'static str {
        Sandbox::scheme(self)
    }
}

/// Mailboxes and their contents, built from a [`MailSeed`], plus the
/// concurrency figures and the deliveries made.
pub struct GraphState {
    store: store::Store,
    /// RBAC for Applications, next to the store's access policies.
    rbac: rbac::Rbac,
    limits: limits::Limits,
    uploads: upload::Uploads,
    delta: delta::DeltaTokens,
    deliveries: Mutex<Vec<send::Delivery>>,
    public_base_url: RwLock<Option<String>>,
    /// The endpoints a `$batch` runs its requests through, built once: a
    /// router per envelope was a tenth of the emulator's CPU in a bulk
    /// test. Kept without its state (the host), which would be a cycle.
    batch_router: OnceLock<Box<dyn Any + Send + Sync>>,
}

impl GraphState {
    /// [`handlers::router`] for `H`, built at the first `$batch` and
    /// cloned after (a clone shares the routes).
    fn batch_router<H: GraphHost>(&self) -> Router<Arc<H>> {
        let built = self
            .batch_router
            .get_or_init(|| Box::new(handlers::router::<H>()));
        match built.downcast_ref::<Router<Arc<H>>>() {
            Some(router) => router.clone(),
            // One state served by two kinds of host: build one for this.
            None => handlers::router::<H>(),
        }
    }

    /// Builds the mailboxes; the error names what in the seed is wrong.
    ///
    /// A seed without mailboxes and generators (no seed file, or one that
    /// only declares tenants or `[mail_limits]`) gets the built-in
    /// mailboxes and, unless it has its own, their access policy, as the
    /// identity half falls back to the built-in tenant.
    pub fn from_seed(seed: &MailSeed) -> Result<Self, String> {
        let with_builtin;
        let seed = if seed.mailboxes.is_empty() && seed.generate.is_empty() {
            let builtin = MailSeed::builtin();
            with_builtin = MailSeed {
                mail_limits: seed.mail_limits.clone(),
                access_policies: if seed.access_policies.is_empty() {
                    builtin.access_policies
                } else {
                    seed.access_policies.clone()
                },
                rbac: seed.rbac.clone(),
                ..builtin
            };
            &with_builtin
        } else {
            seed
        };
        let store = store::Store::build(seed)?;
        let latency: HashMap<u32, u64> = store
            .mailboxes
            .iter()
            .filter_map(|m| m.latency_ms.map(|ms| (m.index, ms)))
            .collect();
        Ok(GraphState {
            limits: limits::Limits::new(&seed.mail_limits, latency)?,
            rbac: rbac::Rbac::build(&seed.rbac, &store)?,
            store,
            uploads: upload::Uploads::default(),
            delta: delta::DeltaTokens::default(),
            deliveries: Mutex::new(Vec::new()),
            public_base_url: RwLock::new(None),
            batch_router: OnceLock::new(),
        })
    }

    /// A mailbox's `MaxSendSize`: its own, else `[mail_limits]`'s.
    fn max_message_bytes(&self, mailbox: &store::Mailbox) -> u64 {
        mailbox
            .max_message_bytes
            .unwrap_or_else(|| self.limits.seed().max_message_bytes)
    }

    /// Primary addresses of every mailbox, in seed order (for the ready line).
    pub fn mailbox_addresses(&self) -> Vec<String> {
        self.store
            .mailboxes
            .iter()
            .map(|m| m.address.clone())
            .collect()
    }

    /// The scheme + host (`https://127.0.0.1:8443`) that `@odata.nextLink`
    /// URLs start with. Unset, they use the host's scheme (or
    /// `X-Forwarded-Proto`) and the request's `Host`: set it only when a
    /// proxy in front changes the address clients see.
    pub fn set_public_base_url(&self, url: Option<String>) {
        *self
            .public_base_url
            .write()
            .unwrap_or_else(|e| e.into_inner()) = url.map(|u| u.trim_end_matches('/').to_owned());
    }

    fn public_base_url(&self) -> Option<String> {
        self.public_base_url
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sets the latency applied inside the mailbox slot: for one mailbox
    /// (`None` ms = back to the global value) or, without a mailbox, globally.
    pub fn set_latency_ms(&self, mailbox: Option<&str>, ms: Option<u64>) -> Result<(), String> {
        match mailbox {
            Some(address) => {
                let m = self
                    .store
                    .resolve(address)
                    .ok_or_else(|| format!("no mailbox '{address}'"))?;
                self.limits.set_mailbox_latency(m.index, ms);
            }
            None => self.limits.set_global_latency(ms.unwrap_or(0)),
        }
        Ok(())
    }
}

/// The Graph v1.0 routes (`/v1.0/users/...`) and the upload URLs
/// (under [`UPLOAD_PREFIX`]).
pub fn routes() -> Router<Arc<Sandbox>> {
    routes_for::<Sandbox>()
}

/// The same routes for any [`GraphHost`] (tests mint claims through their own).
pub fn routes_for<H: GraphHost>() -> Router<Arc<H>> {
    handlers::router::<H>().merge(upload::router::<H>())
}

pub use upload::UPLOAD_PREFIX;

/// Admin routes of the Graph half (mailbox contents, concurrency figures,
/// latency, deliveries), nested under the admin prefix by the identity half.
pub fn admin_routes() -> Router<Arc<Sandbox>> {
    admin::router::<Sandbox>()
}

/// The admin routes for any [`GraphHost`].
pub fn admin_routes_for<H: GraphHost>() -> Router<Arc<H>> {
    admin::router::<H>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_without_mailboxes_gets_the_builtin_ones_with_its_own_limits() {
        let seed: MailSeed = toml::from_str("[mail_limits]\nlatency_ms = 50").expect("parses");
        let state = GraphState::from_seed(&seed).expect("builds");
        assert!(
            state
                .mailbox_addresses()
                .contains(&"support@contoso.com".to_owned())
        );
        assert_eq!(state.limits.settings().2, 50);
        let restricted = state
            .store
            .resolve("restricted@contoso.com")
            .expect("restricted");
        assert!(
            !state
                .store
                .policy_allows("4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b", restricted)
        );

        let own: MailSeed = toml::from_str("[[mailboxes]]\naddress = \"a@x.com\"").expect("parses");
        assert_eq!(
            GraphState::from_seed(&own)
                .expect("builds")
                .mailbox_addresses(),
            ["a@x.com"]
        );
    }
}

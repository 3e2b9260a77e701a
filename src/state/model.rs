//! The typed model of the state file (SPEC §1): one integration, connectors,
//! routes, and their test records. Secrets never appear here: a credential is
//! recorded as where its value comes from, never as the value.
//!
//! The TOML layout is the serde layout of [`State`]: `[integration]`,
//! `[[connector]]` and `[[route]]` tables. Test records are machine-owned:
//! they live in `<state file>.d/` (see [`super::evidence`] and
//! docs/state-dir.md) and are joined to the items here when the file is
//! loaded. A `test` table written inline by an older graphmail is still read,
//! and moves to the directory at the next write.

use serde::{Deserialize, Serialize};

/// The schema this build reads and writes. A file with a higher version is
/// refused rather than rewritten.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub schema_version: u32,
    /// Keys this file's keyring entries and private data, so two state files
    /// never share secrets. A UUID, checked when the file is read: it becomes
    /// a file name and a keyring key, so a hand-edited `"../x"` or `"/tmp/x"`
    /// must never get that far.
    #[serde(with = "instance_id")]
    pub instance_id: uuid::Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
    #[serde(default, rename = "connector", skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<Connector>,
    #[serde(default, rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    /// `[scope]`: how the app is restricted to the connectors' mailboxes
    /// (`graphmail scope set`); absent until recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Routes that a connector's `disable` switched off, route name →
    /// connector name, so `enable connector NAME --with-routes` can bring
    /// them back. Machine-owned: kept in `<state file>.d/`, never in the file.
    #[serde(skip)]
    pub switched_off: std::collections::BTreeMap<String, String>,
}

impl State {
    /// A fresh, empty state with a new instance ID.
    pub fn new() -> Self {
        State {
            schema_version: SCHEMA_VERSION,
            instance_id: uuid::Uuid::new_v4(),
            integration: None,
            connectors: Vec::new(),
            routes: Vec::new(),
            scope: None,
            switched_off: Default::default(),
        }
    }

    pub fn connector(&self, name: &str) -> Option<&Connector> {
        self.connectors.iter().find(|c| c.name == name)
    }

    pub fn connector_mut(&mut self, name: &str) -> Option<&mut Connector> {
        self.connectors.iter_mut().find(|c| c.name == name)
    }

    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }

    pub fn route_mut(&mut self, name: &str) -> Option<&mut Route> {
        self.routes.iter_mut().find(|r| r.name == name)
    }

    /// Routes that hang off the named connector, the default route included.
    pub fn routes_of<'a>(&'a self, connector: &'a str) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes.iter().filter(move |r| r.connector == connector)
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// `instance_id` as TOML: a hyphenated UUID string. Anything else is refused
/// with a message that names the field and the way out.
mod instance_id {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(id: &uuid::Uuid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&id.hyphenated())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<uuid::Uuid, D::Error> {
        let text = String::deserialize(d)?;
        uuid::Uuid::try_parse(&text).map_err(|_| {
            D::Error::custom(format!(
                "instance_id must be a UUID such as 5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b, not {text:?}: \
                 it names this file's keyring entries and certificate file; put back the value \
                 graphmail wrote, or move the file away to start fresh"
            ))
        })
    }
}

/// Which Microsoft cloud the integration lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    Global,
    Usgov,
    UsgovDod,
    China,
    /// Custom authority host and Graph endpoint (proxies, the sandbox).
    Custom,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::UsgovDod => "usgov-dod",
            Cloud::China => "china",
            Cloud::Custom => "custom",
        }
    }

    /// The well-known endpoints of a national cloud (reference §3); `None`
    /// for [`Cloud::Custom`], whose endpoints are stored in the integration.
    pub fn well_known_endpoints(self) -> Option<Endpoints> {
        let (authority, graph) = match self {
            Cloud::Global => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ),
            Cloud::Usgov => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            ),
            Cloud::UsgovDod => (
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
            ),
            // NOTE: the host Microsoft's own msal uses; Entra's docs also name
            // login.partner.microsoftonline.cn (reference §3).
            Cloud::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
            Cloud::Custom => return None,
        };
        Some(Endpoints {
            authority_host: authority.to_string(),
            graph_endpoint: graph.to_string(),
        })
    }
}

/// Where tokens come from and where Graph is. Both are origins without a
/// trailing slash, e.g. `https://login.microsoftonline.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authority_host: String,
    pub graph_endpoint: String,
}

impl Endpoints {
    /// `{authority}/{tenant}/oauth2/v2.0/token`: also the client assertion's `aud`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority_host, tenant)
    }

    /// `{graph}/.default`: the client-credentials scope.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.graph_endpoint)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Tenant GUID or verified domain, as the user typed it (validated).
    pub tenant: String,
    /// Application (client) ID, a GUID.
    pub app_id: String,
    pub cloud: Cloud,
    /// Only for [`Cloud::Custom`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_host: Option<String>,
    /// Only for [`Cloud::Custom`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_endpoint: Option<String>,
    /// An extra trusted root certificate (PEM), for TLS-inspecting proxies
    /// and the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// When the client secret expires (RFC 3339, UTC), as the admin recorded
    /// it with `integration set --secret-expires`: graphmail cannot read it
    /// from Entra without Application.Read.All. Cleared when a new secret is
    /// set without it; for `doctor`'s expiry radar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_expires: Option<String>,
    pub credential: Credential,
    /// Read from an older file; written to `<state file>.d/` only.
    #[serde(default, skip_serializing)]
    pub test: Option<TestRecord>,
}

impl Integration {
    pub fn endpoints(&self) -> Endpoints {
        self.cloud
            .well_known_endpoints()
            .unwrap_or_else(|| Endpoints {
                authority_host: self.authority_host.clone().unwrap_or_default(),
                graph_endpoint: self.graph_endpoint.clone().unwrap_or_default(),
            })
    }

    /// A global-cloud integration with its secret in `$S`, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(tenant: &str, app_id: &str, credential_generation: &str) -> Self {
        Integration {
            tenant: tenant.into(),
            app_id: app_id.into(),
            cloud: Cloud::Global,
            authority_host: None,
            graph_endpoint: None,
            ca_file: None,
            secret_expires: None,
            credential: Credential::Secret {
                secret: SecretSource::Env { var: "S".into() },
                credential_generation: credential_generation.into(),
            },
            test: None,
        }
    }
}

impl Connector {
    /// A disabled connector on `address` reading `Inbox`, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(name: &str, use_for: UseFor, address: &str) -> Self {
        Connector {
            name: name.into(),
            use_for,
            address: address.into(),
            enabled: false,
            folders: vec!["Inbox".into()],
            process: None,
            send_automated_emails: false,
            test_mode: false,
            ai: vec![],
            test: None,
        }
    }
}

impl Route {
    /// A disabled route of `connector` for `address`, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(name: &str, connector: &str, address: &str) -> Self {
        Route {
            name: name.into(),
            description: String::new(),
            connector: connector.into(),
            address: address.into(),
            enabled: false,
            default: false,
            process: None,
            send_automated_emails: false,
            for_attention: false,
            test_mode: false,
            test: None,
        }
    }
}

/// Where a secret's value comes from. The value itself is never stored here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SecretSource {
    /// The OS keyring, under an entry keyed by the instance ID.
    Keyring,
    /// An environment variable read at each run.
    Env { var: String },
    /// No secret (a certificate without a password).
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Credential {
    Secret {
        secret: SecretSource,
        /// Renewed whenever the secret is set: stands in for the secret in
        /// fingerprints (never the secret or a hash of it).
        credential_generation: String,
    },
    Certificate {
        /// The PFX imported into the tool's private data dir (mode 0600).
        file: String,
        password: SecretSource,
        /// Upper-case hex SHA-1 of the certificate DER, as Entra's portal shows it.
        sha1: String,
        /// Upper-case hex SHA-256 of the certificate DER.
        sha256: String,
        subject: String,
        /// RFC 3339.
        not_after: String,
        /// Which JWT header form the client assertion uses.
        #[serde(default)]
        assertion: AssertionForm,
    },
}

impl Credential {
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Secret { .. } => "secret",
            Credential::Certificate { .. } => "certificate",
        }
    }
}

/// The two header forms Entra has documented for client assertions
/// (reference §1.4). RS256 + `x5t` has the widest acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssertionForm {
    #[default]
    Rs256X5t,
    Ps256X5tS256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseFor {
    Incoming,
    Outbound,
}

impl UseFor {
    pub fn as_str(self) -> &'static str {
        match self {
            UseFor::Incoming => "incoming",
            UseFor::Outbound => "outbound",
        }
    }
}

/// The four AI toggles of an incoming connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AiFeature {
    Classification,
    Sentiment,
    Extraction,
    ThankYou,
}

impl AiFeature {
    pub const ALL: [AiFeature; 4] = [
        AiFeature::Classification,
        AiFeature::Sentiment,
        AiFeature::Extraction,
        AiFeature::ThankYou,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AiFeature::Classification => "classification",
            AiFeature::Sentiment => "sentiment",
            AiFeature::Extraction => "extraction",
            AiFeature::ThankYou => "thank-you",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connector {
    pub name: String,
    pub use_for: UseFor,
    /// The shared mailbox's primary address.
    pub address: String,
    #[serde(default)]
    pub enabled: bool,
    /// Incoming only: folder paths such as `Inbox/Support/EU`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    /// Incoming only: the work-item type mail becomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub send_automated_emails: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub test_mode: bool,
    /// Enabled AI features, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ai: Vec<AiFeature>,
    /// Read from an older file; written to `<state file>.d/` only.
    #[serde(default, skip_serializing)]
    pub test: Option<TestRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub connector: String,
    pub address: String,
    #[serde(default)]
    pub enabled: bool,
    /// The route created when its connector was enabled; it follows the
    /// connector and cannot be removed on its own.
    #[serde(default, skip_serializing_if = "is_false")]
    pub default: bool,
    /// Incoming routes: the work-item type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub send_automated_emails: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub for_attention: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub test_mode: bool,
    /// Read from an older file; written to `<state file>.d/` only.
    #[serde(default, skip_serializing)]
    pub test: Option<TestRecord>,
}

/// How the admin restricts the app registration to the connectors'
/// mailboxes (reference §7), and the mailboxes that must stay out of reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub mechanism: ScopeMechanism,
    /// Canaries the admin chose (an executive's mailbox, HR's): `scope check`
    /// proves the app is refused there. Lower-cased domain, as validated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outside: Vec<String>,
    /// Outgoing route addresses that are mailboxes of their own, not proxy
    /// addresses of their connector's mailbox: the state cannot tell the two
    /// apart, so the admin says which (`scope set --own-mailbox`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_mailboxes: Vec<String>,
}

/// The two Exchange Online mechanisms (reference §7.1, §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeMechanism {
    /// RBAC for Applications: Exchange role assignments with management
    /// scopes; they add to Entra's grants, so the tenant-wide consent must go.
    Rbac,
    /// Application access policies: constrain the Entra consent, which stays.
    AccessPolicy,
}

impl ScopeMechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeMechanism::Rbac => "rbac",
            ScopeMechanism::AccessPolicy => "access-policy",
        }
    }
}

/// What a connection test concluded (SPEC §3 "What a pass means").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every required fact established under the current settings.
    Passed,
    /// A step refuted a required fact.
    Failed,
    /// A required fact was neither established nor refuted.
    Unverified,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Unverified => "unverified",
        }
    }
}

/// The outcome of one connection test, as recorded for the enable gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRecord {
    /// RFC 3339, UTC.
    pub at: String,
    pub passed: bool,
    /// SHA-256 (hex) over every setting the test depended on
    /// (see [`super::fingerprint`]).
    pub fingerprint: String,
    /// `check=status` for each step that ran, in order, e.g. `token=passed`.
    #[serde(default)]
    pub steps: Steps,
    /// `None` in records written before verdicts existed: `passed` decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// For a non-pass: what would establish the missing or refuted fact, in
    /// the admin's terms (`--send-test-to`, a permission, a role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
}

impl TestRecord {
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(if self.passed {
            Verdict::Passed
        } else {
            Verdict::Failed
        })
    }
}

/// Off options are left out of the file: it stays short to read and quick to
/// parse with thousands of items (SPEC §8).
fn is_false(value: &bool) -> bool {
    !*value
}

/// The steps of a test record, `check=status` each, kept and written as one
/// space-separated string (`"authority=passed token=passed"`): one value to
/// parse and one allocation per record instead of one per step, which
/// matters with thousands of records (SPEC §8). A list of steps is read too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps(String);

impl Steps {
    pub fn iter(&self) -> std::str::SplitWhitespace<'_> {
        self.0.split_whitespace()
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    fn normalized(text: &str) -> Steps {
        // The common case, already single-spaced, is kept as it is.
        let tidy = !text.starts_with(' ')
            && !text.ends_with(' ')
            && !text.contains("  ")
            && !text.contains(|c: char| c.is_whitespace() && c != ' ');
        if tidy {
            Steps(text.to_string())
        } else {
            text.split_whitespace().collect()
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Steps {
    fn from_iter<I: IntoIterator<Item = S>>(steps: I) -> Self {
        let mut out = String::new();
        for step in steps {
            for word in step.as_ref().split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
        Steps(out)
    }
}

impl From<Vec<String>> for Steps {
    fn from(steps: Vec<String>) -> Self {
        steps.into_iter().collect()
    }
}

impl Serialize for Steps {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Steps {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{SeqAccess, Visitor};
        use std::fmt;

        struct StepsVisitor;

        impl<'de> Visitor<'de> for StepsVisitor {
            type Value = Steps;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string of `check=status` words, or a list of them")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Steps, E> {
                Ok(Steps::normalized(text))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Steps, A::Error> {
                let mut out = Vec::new();
                while let Some(step) = seq.next_element::<String>()? {
                    out.push(step);
                }
                Ok(out.into())
            }
        }

        deserializer.deserialize_any(StepsVisitor)
    }
}

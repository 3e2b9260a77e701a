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
    /// never share secrets.
    pub instance_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<Integration>,
    #[serde(default, rename = "connector", skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<Connector>,
    #[serde(default, rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
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
            instance_id: uuid::Uuid::new_v4().to_string(),
            integration: None,
            connectors: Vec::new(),
            routes: Vec::new(),
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
    /// Written as one space-separated string: one value to parse per record
    /// instead of one per step, which matters with thousands of records
    /// (SPEC §8). An array is read too.
    #[serde(default, with = "step_list")]
    pub steps: Vec<String>,
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

/// `steps` as `"authority=passed token=passed"` in the file.
mod step_list {
    use std::fmt;

    use serde::de::{SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(steps: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&steps.join(" "))
    }

    struct Steps;

    impl<'de> Visitor<'de> for Steps {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string of `check=status` words, or a list of them")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(text.split_whitespace().map(str::to_string).collect())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(step) = seq.next_element::<String>()? {
                out.push(step);
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        deserializer.deserialize_any(Steps)
    }
}

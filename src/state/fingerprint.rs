//! Fingerprints: a SHA-256 over every setting a connection test depended on
//! (SPEC §1). A test record whose fingerprint no longer matches the current
//! settings is stale, and the enable gate refuses it.
//!
//! The input is a canonical `key=value` line list, so adding a field later is
//! a deliberate, visible change. Secrets never enter it: a client secret is
//! represented by its `credential_generation`, a certificate by its SHA-256
//! thumbprint.

use std::sync::OnceLock;

use openssl::sha::Sha256;

use super::model::{Connector, Credential, Integration, Route, State};

fn digest(lines: &[(&str, &str)]) -> String {
    let mut hasher = Sha256::new();
    feed(&mut hasher, lines);
    hex(hasher)
}

fn feed(hasher: &mut Sha256, lines: &[(&str, &str)]) {
    for (key, value) in lines {
        hasher.update(key.as_bytes());
        hasher.update(b"=");
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    }
}

fn hex(hasher: Sha256) -> String {
    // Lower-case hex without a `format!` per byte: `plan` computes tens of
    // thousands of these for a file of thousands of items (SPEC §8).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in hasher.finish() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

fn integration_lines(integration: &Integration) -> Vec<(&'static str, String)> {
    let endpoints = integration.endpoints();
    let credential = match &integration.credential {
        Credential::Secret {
            credential_generation,
            ..
        } => format!("secret:{credential_generation}"),
        Credential::Certificate {
            sha256, assertion, ..
        } => {
            format!(
                "certificate:{}:{}",
                sha256.to_ascii_uppercase(),
                serde_plain(assertion)
            )
        }
    };
    vec![
        ("authority_host", endpoints.authority_host),
        ("graph_endpoint", endpoints.graph_endpoint),
        ("tenant", integration.tenant.to_ascii_lowercase()),
        ("app_id", integration.app_id.to_ascii_lowercase()),
        ("credential", credential),
    ]
}

fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn borrow<'a>(lines: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    lines.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Fingerprint of the integration's own test.
pub fn integration(integration: &Integration) -> String {
    digest(&borrow(&integration_lines(integration)))
}

/// Fingerprint of a connector's test: the integration's settings plus the
/// connector's address, use-for and folders.
pub fn connector(integration: &Integration, connector: &Connector) -> String {
    Connectors::under(integration).fingerprint(connector)
}

/// [`connector`] for many connectors of one integration: the integration's
/// lines are hashed once and the hash state copied for each connector (a
/// tenth of `status` at 1,000 connectors was rebuilding and rehashing them).
/// The digests are the same bytes through the same SHA-256.
#[derive(Clone)]
pub struct Connectors(Sha256);

impl Connectors {
    pub fn under(integration: &Integration) -> Self {
        let mut hasher = Sha256::new();
        feed(&mut hasher, &borrow(&integration_lines(integration)));
        Connectors(hasher)
    }

    pub fn fingerprint(&self, connector: &Connector) -> String {
        let mut hasher = self.0.clone();
        feed(
            &mut hasher,
            &[
                ("target", "connector"),
                ("address", &connector.address.to_ascii_lowercase()),
                ("use_for", connector.use_for.as_str()),
            ],
        );
        for folder in &connector.folders {
            feed(&mut hasher, &[("folder", folder)]);
        }
        hex(hasher)
    }
}

/// Fingerprint of a route's test: its own address, its use-for (through the
/// connector) and its connector's fingerprint.
pub fn route(integration: &Integration, connector_of_route: &Connector, route: &Route) -> String {
    route_under(&connector(integration, connector_of_route), route)
}

/// [`route`] given its connector's fingerprint, for callers that assess many
/// routes of one connector.
pub fn route_under(connector_fingerprint: &str, route: &Route) -> String {
    digest(&[
        ("target", "route"),
        ("connector", connector_fingerprint),
        ("address", &route.address.to_ascii_lowercase()),
    ])
}

/// The current fingerprint of a connector by name, when it and the
/// integration exist.
pub fn connector_in(state: &State, name: &str) -> Option<String> {
    let integration = state.integration.as_ref()?;
    Some(connector(integration, state.connector(name)?))
}

/// The current fingerprint of a route by name, when it, its connector and the
/// integration exist.
pub fn route_in(state: &State, name: &str) -> Option<String> {
    let integration = state.integration.as_ref()?;
    let route_ = state.route(name)?;
    Some(route(
        integration,
        state.connector(&route_.connector)?,
        route_,
    ))
}

/// The keys of facts' evidence under one integration. A key is a SHA-256
/// over exactly the settings that fact depends on (SPEC §3), so changing one
/// setting retires only the evidence that rests on it. The token rests on
/// the credential; the authority on the tenant and its host; a mailbox,
/// folder, send or Send-As fact on the tenant, the app, the endpoints and
/// the `addresses` involved (mailbox, alias), never on the credential:
/// rotating a secret re-tests the token, not every probe.
///
/// A run derives the integration's lines once and hashes the keys that rest
/// on the integration alone (`authority`, `token`: every target needs both)
/// once; deriving them per fact was a tenth of a 200-mailbox run's
/// instructions.
pub struct FactKeys<'a> {
    integration: &'a Integration,
    authority_host: String,
    graph_endpoint: String,
    tenant: String,
    app_id: String,
    authority: OnceLock<String>,
    token: OnceLock<String>,
}

impl<'a> FactKeys<'a> {
    pub fn of(integration: &'a Integration) -> Self {
        let endpoints = integration.endpoints();
        FactKeys {
            integration,
            authority_host: endpoints.authority_host,
            graph_endpoint: endpoints.graph_endpoint,
            tenant: integration.tenant.to_ascii_lowercase(),
            app_id: integration.app_id.to_ascii_lowercase(),
            authority: OnceLock::new(),
            token: OnceLock::new(),
        }
    }

    /// The key of `fact` involving `addresses`.
    pub fn key(&self, fact: &str, addresses: &[&str]) -> String {
        match fact {
            "authority" => self
                .authority
                .get_or_init(|| {
                    digest(&[
                        ("fact", fact),
                        ("authority_host", &self.authority_host),
                        ("tenant", &self.tenant),
                    ])
                })
                .clone(),
            "token" | "certificate" => self
                .token
                .get_or_init(|| {
                    digest(&[
                        ("fact", "token"),
                        ("integration", &self::integration(self.integration)),
                    ])
                })
                .clone(),
            _ => {
                let mut hasher = Sha256::new();
                feed(
                    &mut hasher,
                    &[
                        ("fact", fact),
                        ("authority_host", &self.authority_host),
                        ("graph_endpoint", &self.graph_endpoint),
                        ("tenant", &self.tenant),
                        ("app_id", &self.app_id),
                    ],
                );
                for address in addresses {
                    feed(
                        &mut hasher,
                        &[("address", &address.trim().to_ascii_lowercase())],
                    );
                }
                hex(hasher)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FactKeys, borrow, connector, digest, integration_lines};
    use crate::state::model::{Cloud, Connector, Integration, UseFor};

    /// A connector's fingerprint is the digest of the integration's lines and
    /// then its own, as it always was: records written before the hash
    /// state was shared must not turn stale.
    #[test]
    fn a_connector_fingerprint_is_the_digest_of_all_its_lines() {
        let integration = Integration::for_tests(
            "Contoso.onmicrosoft.com",
            "0D4B6A2C-1111-4222-8333-944445555666",
            "g1",
        );
        let mut mailbox = Connector {
            name: "support".into(),
            use_for: UseFor::Incoming,
            address: "Support@Contoso.com".into(),
            enabled: true,
            folders: vec!["Inbox".into(), "Inbox/Support/EU".into()],
            process: Some("Case".into()),
            send_automated_emails: false,
            test_mode: false,
            ai: vec![],
            test: None,
        };
        for folders in [vec![], mailbox.folders.clone()] {
            mailbox.folders = folders;
            let mut lines = integration_lines(&integration);
            lines.push(("target", "connector".to_string()));
            lines.push(("address", "support@contoso.com".to_string()));
            lines.push(("use_for", "incoming".to_string()));
            for folder in &mailbox.folders {
                lines.push(("folder", folder.clone()));
            }
            assert_eq!(connector(&integration, &mailbox), digest(&borrow(&lines)));
        }
    }

    #[test]
    fn digests_are_lower_case_hex_sha256() {
        // SHA-256 of no input, and of "a=b\n".
        assert_eq!(
            digest(&[]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            digest(&[("a", "b")]),
            "77e7ce77c707a8147bb65a710ac1af3fca02c8dd2be36762ec9611d90fb5c041"
        );
    }

    /// A fact's key, line by line, as the evidence already on disk was keyed.
    fn fact_key_by_lines(integration: &Integration, fact: &str, addresses: &[&str]) -> String {
        let endpoints = integration.endpoints();
        let tenant = integration.tenant.to_ascii_lowercase();
        let mut lines: Vec<(&str, String)> = vec![("fact", fact.to_string())];
        match fact {
            "authority" => {
                lines.push(("authority_host", endpoints.authority_host));
                lines.push(("tenant", tenant));
            }
            "token" | "certificate" => {
                return digest(&[
                    ("fact", "token"),
                    ("integration", &super::integration(integration)),
                ]);
            }
            _ => {
                lines.push(("authority_host", endpoints.authority_host));
                lines.push(("graph_endpoint", endpoints.graph_endpoint));
                lines.push(("tenant", tenant));
                lines.push(("app_id", integration.app_id.to_ascii_lowercase()));
                for address in addresses {
                    lines.push(("address", address.trim().to_ascii_lowercase()));
                }
            }
        }
        digest(&borrow(&lines))
    }

    /// Keys from one [`FactKeys`], asked again and again, are the keys the
    /// evidence on disk was written under: none of it turns stale.
    #[test]
    fn fact_keys_shared_by_a_run_are_the_line_by_line_keys() {
        let global = Integration::for_tests(
            "Contoso.onmicrosoft.com",
            "0D4B6A2C-1111-4222-8333-944445555666",
            "g1",
        );
        let mut custom = global.clone();
        custom.cloud = Cloud::Custom;
        custom.authority_host = Some("http://127.0.0.1:8080".into());
        custom.graph_endpoint = Some("http://127.0.0.1:8081".into());
        let facts: [(&str, &[&str]); 8] = [
            ("authority", &[]),
            ("token", &[]),
            ("certificate", &[]),
            ("mailbox", &[" Support@Contoso.com "]),
            ("folder:Inbox/Support", &["support@contoso.com"]),
            ("send", &["Sales@Contoso.com"]),
            ("send-as", &["sales@contoso.com", "Offers@Contoso.com"]),
            ("address", &["support@contoso.com", "help@contoso.com"]),
        ];
        for integration in [&global, &custom] {
            let keys = FactKeys::of(integration);
            for _ in 0..2 {
                for (fact, addresses) in facts {
                    assert_eq!(
                        keys.key(fact, addresses),
                        fact_key_by_lines(integration, fact, addresses),
                        "{fact}"
                    );
                }
            }
        }
        // The token's key follows the credential; the others do not.
        let rotated = Integration::for_tests(&global.tenant, &global.app_id, "g2");
        let (before, after) = (FactKeys::of(&global), FactKeys::of(&rotated));
        assert_ne!(before.key("token", &[]), after.key("token", &[]));
        let mailbox = ["support@contoso.com"];
        assert_eq!(
            before.key("mailbox", &mailbox),
            after.key("mailbox", &mailbox)
        );
    }
}

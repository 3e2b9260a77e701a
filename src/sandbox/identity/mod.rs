//! The identity half of the sandbox: a directory of tenants and app
//! registrations built from the seed, the token service
//! (`/{tenant}/oauth2/v2.0/token`, client credentials only), tenant discovery
//! (`/{tenant}/v2.0/.well-known/openid-configuration`, `/discovery/v2.0/keys`),
//! and the signer/verifier of the Graph access tokens it issues.
//!
//! Written from Microsoft's documentation (reference §1-3), never from
//! graphmail's client code (SPEC §6). Limits: one cloud (the sandbox's own
//! origin, plus `https://graph.microsoft.com` as a resource); no delegated
//! flows, no refresh tokens, no SNI/`x5c` certificate auth, no admin-consent UI.

pub mod aadsts;
pub mod discovery;
pub mod jws;
pub mod token;

use std::path::Path;

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use rand::Rng;
use serde::Serialize;

use super::SandboxError;
use super::seed::{CertificateSeed, Seed};
use super::tls;

/// A tenant the token service knows.
#[derive(Debug)]
pub struct Tenant {
    pub id: String,
    pub domains: Vec<String>,
    pub display_name: String,
    pub apps: Vec<App>,
}

/// An app registration with its credentials and granted roles.
#[derive(Debug)]
pub struct App {
    pub id: String,
    pub name: String,
    /// The service principal's object ID (`oid` and `sub` of its tokens).
    pub object_id: String,
    /// Admin-consented application permissions (the token's `roles`).
    pub roles: Vec<String>,
    pub secrets: Vec<Secret>,
    pub certificates: Vec<RegisteredCert>,
}

/// A client secret (`passwordCredentials` entry).
#[derive(Debug, Clone)]
pub struct Secret {
    /// The secret ID (`keyId`), which users paste by mistake (AADSTS7000215 says so).
    pub key_id: String,
    pub value: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A registered certificate (`keyCredentials` entry, public part only).
pub struct RegisteredCert {
    pub public_key: PKey<Public>,
    pub sha1: Vec<u8>,
    pub sha256: Vec<u8>,
    pub subject: String,
    pub not_after_unix: i64,
    /// Where the sandbox wrote or read the PFX, when it has one.
    pub pfx: Option<std::path::PathBuf>,
    pub pfx_password: Option<String>,
    pub cert_pem: Option<std::path::PathBuf>,
    pub key_pem: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for RegisteredCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredCert")
            .field("sha1", &hex_upper(&self.sha1))
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// All tenants of one sandbox.
#[derive(Debug)]
pub struct Directory {
    pub tenants: Vec<Tenant>,
}

/// How the tenant path segment resolved.
pub enum TenantLookup<'a> {
    Found(&'a Tenant),
    /// `common`, `organizations`, `consumers`.
    MultiTenant,
    NotFound,
    Malformed,
}

/// True for a DNS name with at least two labels of letters, digits and inner hyphens.
pub fn is_dns_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// An Entra-looking secret value: 40 characters with the `8Q~` marker.
fn random_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~";
    let mut rng = rand::rng();
    let mut s: String = (0..3)
        .map(|_| ALPHABET[rng.random_range(0..62)] as char)
        .collect();
    s.push_str("8Q~");
    s.extend((0..34).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char));
    s
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl RegisteredCert {
    fn from_x509(cert: &X509) -> Result<RegisteredCert, SandboxError> {
        let crypto = |source| SandboxError::Crypto {
            context: "reading a certificate",
            source,
        };
        let sha1 = cert.digest(MessageDigest::sha1()).map_err(crypto)?.to_vec();
        let sha256 = cert
            .digest(MessageDigest::sha256())
            .map_err(crypto)?
            .to_vec();
        let public_key = cert.public_key().map_err(crypto)?;
        let subject = cert
            .subject_name()
            .entries()
            .filter_map(|e| e.data().to_string().ok())
            .collect::<Vec<_>>()
            .join(", ");
        let epoch = openssl::asn1::Asn1Time::from_unix(0).map_err(crypto)?;
        let diff = epoch.diff(cert.not_after()).map_err(crypto)?;
        Ok(RegisteredCert {
            public_key,
            sha1,
            sha256,
            subject,
            not_after_unix: i64::from(diff.days) * 86_400 + i64::from(diff.secs),
            pfx: None,
            pfx_password: None,
            cert_pem: None,
            key_pem: None,
        })
    }

    fn from_seed(
        seed: &CertificateSeed,
        app_name: &str,
        out_dir: &Path,
    ) -> Result<RegisteredCert, SandboxError> {
        let bad = |what: String| SandboxError::Certificate(what);
        if seed.generate {
            let (key, cert) = tls::self_signed(&format!("{app_name} (graphmail sandbox)"), 365)?;
            let password = seed.password.clone().unwrap_or_else(random_password);
            let files = tls::write_app_cert(out_dir, app_name, &key, &cert, &password)?;
            let mut registered = RegisteredCert::from_x509(&cert)?;
            registered.pfx = Some(files.pfx);
            registered.pfx_password = Some(files.password);
            registered.cert_pem = Some(files.cert_pem);
            registered.key_pem = Some(files.key_pem);
            return Ok(registered);
        }
        if let Some(path) = &seed.pfx {
            let der = std::fs::read(path)
                .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
            let password = seed.password.clone().unwrap_or_default();
            let parsed = openssl::pkcs12::Pkcs12::from_der(&der)
                .and_then(|p| p.parse2(&password))
                .map_err(|e| bad(format!("cannot open PFX {}: {e}", path.display())))?;
            let cert = parsed
                .cert
                .ok_or_else(|| bad(format!("PFX {} holds no certificate", path.display())))?;
            let mut registered = RegisteredCert::from_x509(&cert)?;
            registered.pfx = Some(path.clone());
            registered.pfx_password = Some(password);
            return Ok(registered);
        }
        if let Some(path) = &seed.pem {
            let pem = std::fs::read(path)
                .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
            let cert = X509::from_pem(&pem)
                .map_err(|e| bad(format!("no PEM certificate in {}: {e}", path.display())))?;
            let mut registered = RegisteredCert::from_x509(&cert)?;
            registered.cert_pem = Some(path.clone());
            return Ok(registered);
        }
        Err(bad("a certificate entry names no source".into()))
    }
}

impl Directory {
    /// Builds the directory, making random secrets and generated certificates
    /// (written into `out_dir`). `now` anchors relative secret expiries.
    pub fn from_seed(seed: &Seed, out_dir: &Path, now: i64) -> Result<Directory, SandboxError> {
        let mut tenants = Vec::new();
        for t in &seed.tenants {
            let mut apps = Vec::new();
            for a in &t.apps {
                let name = a.name.clone().unwrap_or_else(|| a.id.clone());
                let secrets = a
                    .secrets
                    .iter()
                    .map(|s| Secret {
                        key_id: uuid::Uuid::new_v4().to_string(),
                        value: s.value.clone().unwrap_or_else(random_secret),
                        expires_at: match (s.expires_at, s.expires_in_days) {
                            (Some(at), _) => at.timestamp(),
                            (None, Some(days)) => now.saturating_add(days.saturating_mul(86_400)),
                            (None, None) => now + 2 * 365 * 86_400,
                        },
                    })
                    .collect();
                let file_stem: String = name
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let certificates = a
                    .certificates
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let stem = if i == 0 {
                            file_stem.clone()
                        } else {
                            format!("{file_stem}-{i}")
                        };
                        RegisteredCert::from_seed(c, &stem, out_dir)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                apps.push(App {
                    id: a.id.to_ascii_lowercase(),
                    object_id: uuid::Uuid::new_v4().to_string(),
                    name,
                    roles: a.roles.clone(),
                    secrets,
                    certificates,
                });
            }
            tenants.push(Tenant {
                id: t.id.to_ascii_lowercase(),
                domains: t.domains.iter().map(|d| d.to_ascii_lowercase()).collect(),
                display_name: t
                    .display_name
                    .clone()
                    .or_else(|| t.domains.first().cloned())
                    .unwrap_or_else(|| t.id.clone()),
                apps,
            });
        }
        Ok(Directory { tenants })
    }

    /// Resolves the `{tenant}` path segment: a GUID, a verified domain, or a
    /// multi-tenant alias (reference §1.1).
    pub fn lookup(&self, segment: &str) -> TenantLookup<'_> {
        let lower = segment.to_ascii_lowercase();
        if matches!(lower.as_str(), "common" | "organizations" | "consumers") {
            return TenantLookup::MultiTenant;
        }
        if uuid::Uuid::parse_str(&lower).is_ok() && lower.len() == 36 {
            return match self.tenants.iter().find(|t| t.id == lower) {
                Some(t) => TenantLookup::Found(t),
                None => TenantLookup::NotFound,
            };
        }
        if !is_dns_name(&lower) {
            return TenantLookup::Malformed;
        }
        match self.tenants.iter().find(|t| t.domains.contains(&lower)) {
            Some(t) => TenantLookup::Found(t),
            None => TenantLookup::NotFound,
        }
    }

    /// The app the ready line speaks for.
    pub fn app(&self, app_id: &str) -> Option<(&Tenant, &App)> {
        let lower = app_id.to_ascii_lowercase();
        self.tenants
            .iter()
            .find_map(|t| t.apps.iter().find(|a| a.id == lower).map(|a| (t, a)))
    }

    /// Every seeded credential, for tests and the admin endpoint.
    pub fn credentials(&self, now: i64) -> CredentialsReport {
        let time = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        CredentialsReport {
            tenants: self
                .tenants
                .iter()
                .map(|t| TenantCredentials {
                    id: t.id.clone(),
                    domains: t.domains.clone(),
                    display_name: t.display_name.clone(),
                    apps: t
                        .apps
                        .iter()
                        .map(|a| AppCredentials {
                            id: a.id.clone(),
                            name: a.name.clone(),
                            roles: a.roles.clone(),
                            secrets: a
                                .secrets
                                .iter()
                                .map(|s| SecretCredentials {
                                    key_id: s.key_id.clone(),
                                    value: s.value.clone(),
                                    expires_at: time(s.expires_at),
                                    expired: s.expires_at <= now,
                                })
                                .collect(),
                            certificates: a
                                .certificates
                                .iter()
                                .map(|c| CertificateCredentials {
                                    thumbprint_sha1: hex_upper(&c.sha1),
                                    thumbprint_sha256: hex_upper(&c.sha256),
                                    subject: c.subject.clone(),
                                    expires_at: time(c.not_after_unix),
                                    pfx: c.pfx.clone(),
                                    password: c.pfx_password.clone(),
                                    cert_pem: c.cert_pem.clone(),
                                    key_pem: c.key_pem.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// What `GET /_sandbox/credentials` and `RunningSandbox::credentials` return:
/// throw-away test credentials of every seeded app (SPEC §5 exempts them).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CredentialsReport {
    pub tenants: Vec<TenantCredentials>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TenantCredentials {
    pub id: String,
    pub domains: Vec<String>,
    pub display_name: String,
    pub apps: Vec<AppCredentials>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AppCredentials {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    pub secrets: Vec<SecretCredentials>,
    pub certificates: Vec<CertificateCredentials>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SecretCredentials {
    pub key_id: String,
    pub value: String,
    pub expires_at: String,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CertificateCredentials {
    pub thumbprint_sha1: String,
    pub thumbprint_sha256: String,
    pub subject: String,
    pub expires_at: String,
    pub pfx: Option<std::path::PathBuf>,
    pub password: Option<String>,
    pub cert_pem: Option<std::path::PathBuf>,
    pub key_pem: Option<std::path::PathBuf>,
}

impl CredentialsReport {
    /// An app's entry by ID or name.
    pub fn app(&self, id_or_name: &str) -> Option<&AppCredentials> {
        self.tenants
            .iter()
            .flat_map(|t| &t.apps)
            .find(|a| a.id.eq_ignore_ascii_case(id_or_name) || a.name == id_or_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns_name("contoso.onmicrosoft.com"));
        assert!(!is_dns_name("contoso"));
        assert!(!is_dns_name("contoso.com/v2.0"));
        assert!(!is_dns_name("-a.com"));
        assert!(!is_dns_name("a..com"));
    }

    #[test]
    fn secrets_look_like_entra_ones() {
        let s = random_secret();
        assert_eq!(s.len(), 40);
        assert_eq!(&s[3..6], "8Q~");
    }
}

//! The sandbox's seed: which tenants, apps and credentials the token service
//! knows, which faults are on from the start, and (flattened, owned by the
//! Graph half) the mail part. Read from TOML with line/column errors, or the
//! built-in tenant the demo and tests use.
//!
//! A seed file without `[[tenants]]` keeps the built-in tenant and apps, so a
//! file can set only faults or mail. Relative certificate paths are resolved
//! against the seed file's folder.
//!
//! ```toml
//! ready_app = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b"   # whose credentials the ready line prints
//!
//! [[tenants]]
//! id = "9b2c6a7e-3f1d-4c8a-b5e2-7d4f1a0c6e93"
//! domains = ["contoso.onmicrosoft.com", "contoso.com"]
//! display_name = "Contoso"
//!
//! [[tenants.apps]]
//! id = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b"
//! name = "graphmail"
//! roles = ["Mail.ReadWrite", "Mail.Send"]          # granted (admin-consented) app roles
//! secrets = [{ value = "fixed-secret", expires_in_days = 365 }]   # value: random when absent
//! certificates = [{ generate = true }]             # or { pfx = "app.pfx", password = "..." } or { pem = "app.pem" }
//!
//! [faults]
//! latency = { ms = 50, scope = "graph" }
//! throttle = { next = 3, retry_after = 2, scope = "token" }
//!
//! [token_service]          # where real tenants differ; defaults as Entra usually answers
//! refuse_x5t_s256 = false  # true: assertions with x5t#S256 get AADSTS700027 "key was not found"
//! refuse_reused_jti = false  # true: a client assertion's jti is accepted once (AADSTS50013)
//! expires_in = 4500        # a fixed access-token lifetime; default: random 3600-5399 s per token
//! ```
//!
//! Limits: app roles are plain strings (no check against Graph's permission
//! list); one granted set per app.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::faults::FaultConfig;
use super::graph;

/// Built-in tenant ID (the Graph half's built-in mailboxes live in it).
pub const BUILTIN_TENANT_ID: &str = "9b2c6a7e-3f1d-4c8a-b5e2-7d4f1a0c6e93";
/// Built-in tenant domains.
pub const BUILTIN_DOMAINS: [&str; 2] = ["contoso.onmicrosoft.com", "contoso.com"];
/// App "graphmail": secret + certificate, Mail.ReadWrite + Mail.Send.
pub const APP_GRAPHMAIL: &str = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b";
/// App "no-consent": secret, no roles granted.
pub const APP_NO_CONSENT: &str = "5b2e8d3f-9c4e-4f70-8b1c-2d3e4f5a6b7c";
/// App "read-only": secret, Mail.Read only.
pub const APP_READ_ONLY: &str = "6c3f9e40-ad5f-4081-9c2d-3e4f5a6b7c8d";
/// App "send-only": secret, Mail.Send only.
pub const APP_SEND_ONLY: &str = "8e51b062-cf71-42a3-9e4f-5a6b7c8d9eaf";
/// App "expired-secret": its only secret expired 30 days ago.
pub const APP_EXPIRED_SECRET: &str = "7d40af51-be60-4192-8d3e-4f5a6b7c8d9e";

/// Why a seed file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// toml's message carries the line and column and a snippet.
    #[error("seed file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("seed file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The whole seed. Deserializable in one go (the mail part is flattened), but
/// [`Seed::from_toml_str`] reads the two halves separately so that errors in
/// either keep toml's line and column.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Seed {
    #[serde(default)]
    pub tenants: Vec<TenantSeed>,
    #[serde(default)]
    pub faults: FaultConfig,
    /// The app whose credentials the ready line prints; default: the first app
    /// of the first tenant.
    #[serde(default)]
    pub ready_app: Option<String>,
    /// Switches of the token service where tenants differ.
    #[serde(default)]
    pub token_service: TokenServiceSeed,
    #[serde(flatten)]
    pub mail: graph::MailSeed,
}

/// `[token_service]`: behaviours real tenants do not agree on.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TokenServiceSeed {
    /// Refuse `x5t#S256` assertion headers with AADSTS700027, as a tenant
    /// did in entra-docs PR 1301 (reference §1.4); default: accepted, as
    /// Microsoft's current page documents them.
    pub refuse_x5t_s256: bool,
    /// Refuse a client assertion whose `jti` was already used. No Microsoft
    /// source documents a replay check and MSAL reuses an assertion until it
    /// nears expiry (reference §1.4 [S10]), so the default accepts.
    pub refuse_reused_jti: bool,
    /// A fixed `expires_in`; default: Entra's 60-90 minutes, randomized per
    /// token (reference §1.5 [S5]).
    pub expires_in: Option<i64>,
}

/// The identity part alone (unknown keys belong to the mail part).
#[derive(Debug, Deserialize)]
struct IdentitySeed {
    #[serde(default)]
    tenants: Vec<TenantSeed>,
    #[serde(default)]
    faults: FaultConfig,
    #[serde(default)]
    ready_app: Option<String>,
    #[serde(default)]
    token_service: TokenServiceSeed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSeed {
    pub id: String,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub apps: Vec<AppSeed>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSeed {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Granted application permissions; they appear in the token's `roles`.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<SecretSeed>,
    #[serde(default)]
    pub certificates: Vec<CertificateSeed>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSeed {
    /// The secret value; a random Entra-like value when absent.
    #[serde(default)]
    pub value: Option<String>,
    /// Absolute expiry (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Expiry relative to the sandbox's start; negative = already expired.
    /// Default (neither given): two years.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A registered certificate: exactly one of `generate`, `pfx` (+ `password`), `pem`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSeed {
    /// Make a self-signed certificate and a password-protected PFX in the output folder.
    #[serde(default)]
    pub generate: bool,
    #[serde(default)]
    pub pfx: Option<PathBuf>,
    #[serde(default)]
    pub password: Option<String>,
    /// A PEM file holding the certificate (the public part, as uploaded to Entra).
    #[serde(default)]
    pub pem: Option<PathBuf>,
}

impl Seed {
    /// Reads a seed file.
    pub fn load(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Seed::from_toml_str(&text, path, base)
    }

    /// Parses seed text; `origin` names it in errors, `base_dir` anchors relative paths.
    pub fn from_toml_str(text: &str, origin: &Path, base_dir: &Path) -> Result<Seed, SeedError> {
        let parse_error = |e: toml::de::Error| SeedError::Parse {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        };
        let identity: IdentitySeed = toml::from_str(text).map_err(parse_error)?;
        let mail: graph::MailSeed = toml::from_str(text).map_err(parse_error)?;
        let mut seed = Seed {
            tenants: identity.tenants,
            faults: identity.faults,
            ready_app: identity.ready_app,
            token_service: identity.token_service,
            mail,
        };
        if seed.tenants.is_empty() {
            seed.tenants = Seed::builtin().tenants;
        }
        for tenant in &mut seed.tenants {
            for app in &mut tenant.apps {
                for cert in &mut app.certificates {
                    for path in [&mut cert.pfx, &mut cert.pem].into_iter().flatten() {
                        if path.is_relative() {
                            *path = base_dir.join(&*path);
                        }
                    }
                }
            }
        }
        seed.validate().map_err(|message| SeedError::Invalid {
            path: origin.to_owned(),
            message,
        })?;
        Ok(seed)
    }

    /// The built-in tenant (IDs are the contract with the Graph half and the demo).
    pub fn builtin() -> Seed {
        let app = |id: &str, name: &str, roles: &[&str], secret: SecretSeed, cert: bool| AppSeed {
            id: id.into(),
            name: Some(name.into()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            secrets: vec![secret],
            certificates: if cert {
                vec![CertificateSeed {
                    generate: true,
                    ..CertificateSeed::default()
                }]
            } else {
                Vec::new()
            },
        };
        let fresh = SecretSeed::default;
        Seed {
            tenants: vec![TenantSeed {
                id: BUILTIN_TENANT_ID.into(),
                domains: BUILTIN_DOMAINS.iter().map(|d| d.to_string()).collect(),
                display_name: Some("Contoso".into()),
                apps: vec![
                    app(
                        APP_GRAPHMAIL,
                        "graphmail",
                        &["Mail.ReadWrite", "Mail.Send"],
                        fresh(),
                        true,
                    ),
                    app(APP_NO_CONSENT, "no-consent", &[], fresh(), false),
                    app(APP_READ_ONLY, "read-only", &["Mail.Read"], fresh(), false),
                    app(APP_SEND_ONLY, "send-only", &["Mail.Send"], fresh(), false),
                    app(
                        APP_EXPIRED_SECRET,
                        "expired-secret",
                        &["Mail.ReadWrite", "Mail.Send"],
                        SecretSeed {
                            expires_in_days: Some(-30),
                            ..SecretSeed::default()
                        },
                        false,
                    ),
                ],
            }],
            faults: FaultConfig::default(),
            ready_app: Some(APP_GRAPHMAIL.into()),
            token_service: TokenServiceSeed::default(),
            mail: graph::MailSeed::builtin(),
        }
    }

    /// Checks what serde cannot: GUIDs, domain names, uniqueness, one source per certificate.
    fn validate(&self) -> Result<(), String> {
        let mut app_ids = std::collections::HashSet::new();
        let mut tenant_keys = std::collections::HashSet::new();
        for (t, tenant) in self.tenants.iter().enumerate() {
            if uuid::Uuid::parse_str(&tenant.id).is_err() {
                return Err(format!("tenants[{t}].id '{}' is not a GUID", tenant.id));
            }
            if !tenant_keys.insert(tenant.id.to_ascii_lowercase()) {
                return Err(format!("tenants[{t}].id '{}' appears twice", tenant.id));
            }
            for domain in &tenant.domains {
                if !super::identity::is_dns_name(domain) {
                    return Err(format!(
                        "tenants[{t}].domains: '{domain}' is not a domain name"
                    ));
                }
                if !tenant_keys.insert(domain.to_ascii_lowercase()) {
                    return Err(format!("tenants[{t}].domains: '{domain}' appears twice"));
                }
            }
            for (a, app) in tenant.apps.iter().enumerate() {
                let at = format!("tenants[{t}].apps[{a}]");
                if uuid::Uuid::parse_str(&app.id).is_err() {
                    return Err(format!("{at}.id '{}' is not a GUID", app.id));
                }
                if !app_ids.insert(app.id.to_ascii_lowercase()) {
                    return Err(format!("{at}.id '{}' appears twice", app.id));
                }
                // The name becomes `<output-dir>/<name>.pfx`: a plain file name only.
                if let Some(name) = &app.name
                    && !is_file_base_name(name)
                {
                    return Err(format!(
                        "{at}.name {name:?}: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' (it names the app's certificate files)"
                    ));
                }
                for (s, secret) in app.secrets.iter().enumerate() {
                    if secret.expires_at.is_some() && secret.expires_in_days.is_some() {
                        return Err(format!(
                            "{at}.secrets[{s}]: give expires_at or expires_in_days, not both"
                        ));
                    }
                    if secret.value.as_deref() == Some("") {
                        return Err(format!("{at}.secrets[{s}].value is empty"));
                    }
                }
                for (c, cert) in app.certificates.iter().enumerate() {
                    let sources = [cert.generate, cert.pfx.is_some(), cert.pem.is_some()]
                        .iter()
                        .filter(|b| **b)
                        .count();
                    if sources != 1 {
                        return Err(format!(
                            "{at}.certificates[{c}]: give exactly one of generate = true, pfx = PATH or pem = PATH"
                        ));
                    }
                }
            }
        }
        if let Some(ready) = &self.ready_app
            && !app_ids.contains(&ready.to_ascii_lowercase())
        {
            return Err(format!("ready_app '{ready}' is not an app of any tenant"));
        }
        self.faults.validate()?;
        if let Some(seconds) = self.token_service.expires_in
            && seconds < 60
        {
            return Err(format!(
                "token_service.expires_in must be at least 60 seconds, not {seconds}"
            ));
        }
        Ok(())
    }
}

/// A name that stays inside the folder it is joined to: no separator, no
/// `..`, no hidden file, nothing a shell or a terminal would read twice.
fn is_file_base_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_that_would_leave_the_output_dir_are_refused() {
        let seed = |name: &str| {
            format!(
                "[[tenants]]\nid = \"11111111-2222-3333-4444-555555555555\"\n[[tenants.apps]]\nid = \"21111111-2222-3333-4444-555555555555\"\nname = {name:?}\ncertificates = [{{ generate = true }}]\n"
            )
        };
        for bad in ["../x", "/tmp/x", "a/b", "..", ".hidden", "a\\b", "", "a b"] {
            let err = parse(&seed(bad)).unwrap_err();
            assert!(matches!(err, SeedError::Invalid { .. }), "{bad:?}: {err}");
            assert!(err.to_string().contains(".name"), "{err}");
        }
        for good in ["graphmail", "no-consent", "app_2.test"] {
            parse(&seed(good)).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
    }

    fn parse(text: &str) -> Result<Seed, SeedError> {
        Seed::from_toml_str(text, Path::new("seed.toml"), Path::new("/seeds"))
    }

    #[test]
    fn empty_seed_keeps_the_builtin_tenant() {
        let seed = parse("").unwrap();
        assert_eq!(seed.tenants[0].id, BUILTIN_TENANT_ID);
        assert_eq!(seed.tenants[0].apps.len(), 5);
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse("[[tenants]]\nid = \n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("column"), "{err}");
    }

    #[test]
    fn typed_errors_name_the_line() {
        let err = parse("[[tenants]]\nid = \"9b2c6a7e-3f1d-4c8a-b5e2-7d4f1a0c6e93\"\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn relative_paths_and_validation() {
        let seed = parse(
            r#"
            [[tenants]]
            id = "11111111-2222-3333-4444-555555555555"
            domains = ["fabrikam.com"]
            [[tenants.apps]]
            id = "21111111-2222-3333-4444-555555555555"
            certificates = [{ pem = "app.pem" }]
            "#,
        )
        .unwrap();
        assert_eq!(
            seed.tenants[0].apps[0].certificates[0].pem.as_deref(),
            Some(Path::new("/seeds/app.pem"))
        );
        let err = parse(
            "[[tenants]]\nid = \"11111111-2222-3333-4444-555555555555\"\ndomains = [\"bad domain\"]\n",
        )
        .unwrap_err();
        assert!(matches!(err, SeedError::Invalid { .. }), "{err}");
        let err = parse("[[tenants]]\nid = \"not-a-guid\"\n").unwrap_err();
        assert!(err.to_string().contains("not a GUID"), "{err}");
    }
}

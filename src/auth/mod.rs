//! Token acquisition (SPEC §4, reference §1): the client credential (secret
//! or certificate), certificate loading and generation, the signed client
//! assertion, the token request with Entra's errors decoded, the
//! one-token-per-process cache, and the HTTP client everything shares.
//!
//! Secrets stay in [`secrecy::SecretString`] or key types whose `Debug`
//! prints `[redacted]`; they are exposed only where a request body is built.

pub mod assertion;
pub mod certificate;
pub mod http;
pub mod request_log;
mod tls;
pub mod token;

use std::fmt;

use secrecy::SecretString;

pub use certificate::{
    CertificateError, CertificateKey, GeneratedCertificate, LoadedCertificate,
    generate_self_signed, load_pfx,
};
pub use http::{
    HttpOptions, HttpSetupError, RetryPolicy, RetryStats, build_http_client, check_url,
    install_tls_provider, is_loopback_host,
};
pub use token::{
    AccessToken, AuthorityInfo, EntraError, MAX_TOKEN_LIFETIME, TokenClaims, TokenError,
    TokenProvider, TokenRequest, discover_authority, discover_authority_until,
};

/// How the app proves who it is.
pub enum ClientCredential {
    /// A client secret's value.
    Secret(SecretString),
    /// A certificate with its private key, and the assertion header form.
    Certificate(Box<CertificateKey>),
}

impl ClientCredential {
    pub fn kind(&self) -> &'static str {
        match self {
            ClientCredential::Secret(_) => "secret",
            ClientCredential::Certificate(_) => "certificate",
        }
    }

    pub fn certificate(&self) -> Option<&CertificateKey> {
        match self {
            ClientCredential::Certificate(key) => Some(key),
            ClientCredential::Secret(_) => None,
        }
    }
}

impl fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientCredential::Secret(_) => f.write_str("Secret([redacted])"),
            ClientCredential::Certificate(key) => f
                .debug_struct("Certificate")
                .field("sha1", &key.certificate.sha1_hex)
                .field("form", &key.form)
                .field("key", &"[redacted]")
                .finish(),
        }
    }
}

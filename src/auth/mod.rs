//! TEMPORARY stand-in for token acquisition (replaced by the client branch).

use secrecy::SecretString;

pub enum ClientCredential {
    Secret(SecretString),
    Certificate(Box<LoadedCertificate>),
}

#[derive(Debug)]
pub struct LoadedCertificate {
    pub sha1_hex: String,
    pub sha256_hex: String,
    pub subject: String,
    pub not_before: String,
    pub not_after: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CertificateError(String);

pub fn load_pfx(_der: &[u8], _password: &str) -> Result<LoadedCertificate, CertificateError> {
    Err(CertificateError(
        "certificates are not supported yet".into(),
    ))
}

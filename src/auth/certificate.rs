//! Certificates for client-assertion auth: loading a PKCS#12 (`.pfx`) file,
//! including old RC2-40 files that need OpenSSL's `legacy` provider, and
//! making a self-signed certificate for `graphmail certificate new`.
//!
//! Thumbprints are SHA-1 / SHA-256 of the certificate's DER in upper-case hex,
//! as Entra's portal shows them. The private key never leaves this module's
//! types except to sign, and no `Debug` output shows it.

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, SecondsFormat, Utc};
use openssl::asn1::{Asn1Integer, Asn1Time, Asn1TimeRef};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::{MessageDigest, hash};
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::provider::Provider;
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509NameBuilder, X509NameRef};

use crate::state::AssertionForm;

/// Why a certificate could not be loaded, made or used.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("cannot open the PKCS#12 file: wrong password, or not a .pfx/.p12 file ({0})")]
    Parse(String),
    /// The file did not open, and the provider that opens RC2-40 files was
    /// not there to try: OpenSSL is linked in (scripts/dist.sh), its
    /// `legacy` provider is a module the system's libssl3 installs.
    #[error(
        "cannot open the PKCS#12 file: wrong password, not a .pfx/.p12 file, or an old RC2-40 file that needs OpenSSL's legacy provider, which could not be loaded ({0}); install libssl3 (Debian/Ubuntu) or set OPENSSL_MODULES to the folder holding legacy.so"
    )]
    ParseWithoutLegacy(String),
    #[error("the PKCS#12 file holds no private key")]
    NoKey,
    #[error("the PKCS#12 file holds no certificate")]
    NoCertificate,
    #[error("the certificate's key is not an RSA key; Entra client assertions need RSA")]
    NotRsa,
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("OpenSSL failed: {0}")]
    OpenSsl(String),
    #[error("invalid certificate request: {0}")]
    Invalid(String),
}

impl From<openssl::error::ErrorStack> for CertificateError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        CertificateError::OpenSsl(e.to_string())
    }
}

/// A certificate and its private key, loaded from a PFX.
#[derive(Clone)]
pub struct LoadedCertificate {
    pub key: PKey<Private>,
    pub cert: X509,
    /// Upper-case hex SHA-1 of the DER (Entra's "Thumbprint").
    pub sha1_hex: String,
    /// Upper-case hex SHA-256 of the DER.
    pub sha256_hex: String,
    /// One line, e.g. `CN=graphmail`.
    pub subject: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    /// RFC 3339, UTC.
    pub not_after: String,
}

impl fmt::Debug for LoadedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedCertificate")
            .field("subject", &self.subject)
            .field("sha1_hex", &self.sha1_hex)
            .field("sha256_hex", &self.sha256_hex)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl LoadedCertificate {
    /// The raw SHA-1 digest of the DER (behind `x5t`).
    pub fn sha1_raw(&self) -> Result<Vec<u8>, CertificateError> {
        Ok(self.cert.digest(MessageDigest::sha1())?.to_vec())
    }

    /// The raw SHA-256 digest of the DER (behind `x5t#S256`).
    pub fn sha256_raw(&self) -> Result<Vec<u8>, CertificateError> {
        Ok(self.cert.digest(MessageDigest::sha256())?.to_vec())
    }

    /// `not_after` as a time, for expiry warnings.
    pub fn not_after_time(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.not_after)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// True when `thumbprint` (hex, either case, SHA-1 or SHA-256, colons
    /// allowed) names this certificate: the check at every use of an imported
    /// file against the thumbprint recorded in the state.
    pub fn matches_thumbprint(&self, thumbprint: &str) -> bool {
        let wanted: String = thumbprint
            .chars()
            .filter(|c| *c != ':')
            .collect::<String>()
            .to_ascii_uppercase();
        wanted == self.sha1_hex || wanted == self.sha256_hex
    }
}

/// The certificate credential used to sign client assertions, with the JWT
/// header form to use (reference §1.4).
#[derive(Clone, Debug)]
pub struct CertificateKey {
    pub certificate: LoadedCertificate,
    pub form: AssertionForm,
}

impl CertificateKey {
    pub fn new(certificate: LoadedCertificate, form: AssertionForm) -> Self {
        CertificateKey { certificate, form }
    }

    /// Loads a PFX and pairs it with a header form.
    pub fn from_pfx(
        der: &[u8],
        password: &str,
        form: AssertionForm,
    ) -> Result<Self, CertificateError> {
        Ok(CertificateKey {
            certificate: load_pfx(der, password)?,
            form,
        })
    }
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// An ASN.1 time as RFC 3339 UTC (`2027-01-31T12:00:00Z`).
pub fn asn1_to_rfc3339(time: &Asn1TimeRef) -> Result<String, CertificateError> {
    let epoch = Asn1Time::from_unix(0)?;
    let diff = epoch.diff(time)?;
    let secs = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    let at = DateTime::<Utc>::from_timestamp(secs, 0)
        .ok_or_else(|| CertificateError::Invalid("certificate time out of range".into()))?;
    Ok(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A distinguished name on one line: `CN=graphmail, O=Contoso`.
pub fn one_line_name(name: &X509NameRef) -> String {
    name.entries()
        .map(|entry| {
            let key = entry.object().nid().short_name().unwrap_or("?").to_string();
            let value = String::from_utf8_lossy(entry.data().as_slice()).into_owned();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(cert: X509, key: PKey<Private>) -> Result<LoadedCertificate, CertificateError> {
    if key.rsa().is_err() {
        return Err(CertificateError::NotRsa);
    }
    let public = cert.public_key()?;
    if !public.public_eq(&key) {
        return Err(CertificateError::KeyMismatch);
    }
    let der = cert.to_der()?;
    Ok(LoadedCertificate {
        sha1_hex: upper_hex(&hash(MessageDigest::sha1(), &der)?),
        sha256_hex: upper_hex(&hash(MessageDigest::sha256(), &der)?),
        subject: one_line_name(cert.subject_name()),
        not_before: asn1_to_rfc3339(cert.not_before())?,
        not_after: asn1_to_rfc3339(cert.not_after())?,
        key,
        cert,
    })
}

/// Loaded on first need and kept for the process: dropping a `Provider`
/// unloads it.
static LEGACY_PROVIDER: OnceLock<Option<Provider>> = OnceLock::new();

fn load_legacy_provider() -> bool {
    LEGACY_PROVIDER
        // `retain_fallbacks = true` keeps the default provider active.
        .get_or_init(|| Provider::try_load(None, "legacy", true).ok())
        .is_some()
}

/// Loads a PKCS#12 file (DER bytes) with its password.
///
/// NOTE: files encrypted with RC2-40 (OpenSSL `-legacy`, older Windows
/// exports) only open with OpenSSL 3's `legacy` provider; it is loaded the
/// first time a file fails to open, and the parse is retried.
pub fn load_pfx(der: &[u8], password: &str) -> Result<LoadedCertificate, CertificateError> {
    let pkcs12 = Pkcs12::from_der(der).map_err(|e| CertificateError::Parse(first_reason(&e)))?;
    let parsed = match pkcs12.parse2(password) {
        Ok(parsed) => parsed,
        Err(first) => {
            if load_legacy_provider() {
                pkcs12
                    .parse2(password)
                    .map_err(|e| CertificateError::Parse(first_reason(&e)))?
            } else {
                return Err(CertificateError::ParseWithoutLegacy(first_reason(&first)));
            }
        }
    };
    let key = parsed.pkey.ok_or(CertificateError::NoKey)?;
    let cert = parsed.cert.ok_or(CertificateError::NoCertificate)?;
    describe(cert, key)
}

fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .first()
        .and_then(|err| err.reason().map(str::to_string))
        .unwrap_or_else(|| "unreadable".to_string())
}

/// A freshly made self-signed certificate (`graphmail certificate new`).
pub struct GeneratedCertificate {
    /// Password-protected PKCS#12 (AES-256-CBC, SHA-256 MAC): for graphmail.
    pub pfx_der: Vec<u8>,
    /// The public certificate as PEM: to upload to Entra (`.pem`/`.cer`).
    pub cert_pem: Vec<u8>,
    /// The public certificate as DER (a binary `.cer`).
    pub cert_der: Vec<u8>,
    pub sha1_hex: String,
    pub sha256_hex: String,
    pub subject: String,
    /// RFC 3339, UTC.
    pub not_after: String,
}

impl fmt::Debug for GeneratedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCertificate")
            .field("subject", &self.subject)
            .field("sha1_hex", &self.sha1_hex)
            .field("sha256_hex", &self.sha256_hex)
            .field("not_after", &self.not_after)
            .field("pfx_der", &"[redacted]")
            .finish()
    }
}

/// Makes an RSA 2048 / SHA-256 self-signed certificate valid for `days`
/// days, with subject `CN={subject_cn}`, and wraps it with its key in a
/// PKCS#12 protected by `password`.
pub fn generate_self_signed(
    subject_cn: &str,
    days: u32,
    password: &str,
) -> Result<GeneratedCertificate, CertificateError> {
    if subject_cn.trim().is_empty() {
        return Err(CertificateError::Invalid(
            "the subject name is empty".into(),
        ));
    }
    if days == 0 || days > 3650 {
        return Err(CertificateError::Invalid(format!(
            "{days} days: choose between 1 and 3650"
        )));
    }
    let key = PKey::from_rsa(Rsa::generate(2048)?)?;

    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, subject_cn)?;
    let name = name.build();

    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = Asn1Integer::from_bn(&serial)?;

    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&key)?;
    // A few minutes back, so a slightly slow clock elsewhere accepts it at once.
    let start = Asn1Time::from_unix(Utc::now().timestamp() - 300)?;
    builder.set_not_before(&start)?;
    let end = Asn1Time::days_from_now(days)?;
    builder.set_not_after(&end)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .key_encipherment()
            .build()?,
    )?;
    builder.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&builder.x509v3_context(None, None))?;
    builder.append_extension(ski)?;
    builder.sign(&key, MessageDigest::sha256())?;
    let cert = builder.build();

    let pfx = Pkcs12::builder()
        .name(subject_cn)
        .pkey(&key)
        .cert(&cert)
        .key_algorithm(Nid::AES_256_CBC)
        .cert_algorithm(Nid::AES_256_CBC)
        .mac_md(MessageDigest::sha256())
        .build2(password)?;

    let described = describe(cert.clone(), key)?;
    Ok(GeneratedCertificate {
        pfx_der: pfx.to_der()?,
        cert_pem: cert.to_pem()?,
        cert_der: cert.to_der()?,
        sha1_hex: described.sha1_hex,
        sha256_hex: described.sha256_hex,
        subject: described.subject,
        not_after: described.not_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_round_trips() {
        let generated = generate_self_signed("graphmail", 30, "pw").unwrap();
        let loaded = load_pfx(&generated.pfx_der, "pw").unwrap();
        assert_eq!(loaded.subject, "CN=graphmail");
        assert_eq!(loaded.sha1_hex, generated.sha1_hex);
        assert_eq!(loaded.sha1_hex.len(), 40);
        assert_eq!(loaded.sha256_hex.len(), 64);
        assert!(
            loaded
                .sha1_hex
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert!(loaded.not_after.ends_with('Z'));
        assert!(loaded.matches_thumbprint(&generated.sha256_hex.to_lowercase()));
        let debug = format!("{loaded:?} {generated:?}");
        assert!(debug.contains("[redacted]") && !debug.contains("BEGIN"));
        let after = loaded.not_after_time().unwrap();
        let days = (after - Utc::now()).num_days();
        assert!((29..=30).contains(&days), "{days}");
    }

    #[test]
    fn wrong_password_is_a_clear_error() {
        let generated = generate_self_signed("graphmail", 1, "right").unwrap();
        let err = load_pfx(&generated.pfx_der, "wrong").unwrap_err();
        assert!(matches!(err, CertificateError::Parse(_)), "{err:?}");
        assert!(matches!(
            load_pfx(b"garbage", "x"),
            Err(CertificateError::Parse(_))
        ));
    }
}

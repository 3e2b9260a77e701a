//! Throw-away X.509 material the sandbox makes with openssl: the self-signed
//! certificates registered on seeded apps (with their password-protected PFX),
//! and for `--tls` a CA plus a server certificate for 127.0.0.1 / localhost /
//! ::1 (and the listen address). Limits: RSA 2048 only; nothing here is meant
//! to be trusted beyond one sandbox run.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

use super::SandboxError;

fn crypto(context: &'static str) -> impl FnOnce(ErrorStack) -> SandboxError {
    move |source| SandboxError::Crypto { context, source }
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> SandboxError {
    move |source| SandboxError::Io { context, source }
}

fn new_key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(2048)?)
}

fn builder(cn: &str, days: u32, key: &PKey<Private>) -> Result<X509Builder, ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", cn)?;
    let name = name.build();
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(128, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(key)?;
    // NOTE: a day of back-dating so a client whose clock runs a little behind still accepts it.
    let not_before = Asn1Time::from_unix(chrono::Utc::now().timestamp() - 86_400)?;
    let not_after = Asn1Time::days_from_now(days)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    Ok(b)
}

/// A self-signed certificate as an Entra app would register (`CN=<name>`).
pub fn self_signed(cn: &str, days: u32) -> Result<(PKey<Private>, X509), SandboxError> {
    let make = || -> Result<(PKey<Private>, X509), ErrorStack> {
        let key = new_key()?;
        let mut b = builder(cn, days, &key)?;
        b.append_extension(BasicConstraints::new().build()?)?;
        b.append_extension(KeyUsage::new().digital_signature().build()?)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok((key, b.build()))
    };
    make().map_err(crypto("making an app certificate"))
}

/// Files written for a generated app certificate.
#[derive(Debug, Clone)]
pub struct AppCertFiles {
    pub pfx: PathBuf,
    pub password: String,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

/// Writes `<stem>.pfx` (password-protected, AES), `<stem>.cer.pem` and `<stem>.key.pem` into `dir`.
pub fn write_app_cert(
    dir: &Path,
    stem: &str,
    key: &PKey<Private>,
    cert: &X509,
    password: &str,
) -> Result<AppCertFiles, SandboxError> {
    let pfx_der = Pkcs12::builder()
        .name(stem)
        .pkey(key)
        .cert(cert)
        .build2(password)
        .and_then(|p| p.to_der())
        .map_err(crypto("building a PFX"))?;
    let cert_pem_bytes = cert.to_pem().map_err(crypto("encoding a certificate"))?;
    let key_pem_bytes = key
        .private_key_to_pem_pkcs8()
        .map_err(crypto("encoding a key"))?;
    let files = AppCertFiles {
        pfx: dir.join(format!("{stem}.pfx")),
        password: password.to_owned(),
        cert_pem: dir.join(format!("{stem}.cer.pem")),
        key_pem: dir.join(format!("{stem}.key.pem")),
    };
    write_private(&files.pfx, &pfx_der)?;
    write_private(&files.cert_pem, &cert_pem_bytes)?;
    write_private(&files.key_pem, &key_pem_bytes)?;
    Ok(files)
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(io(format!("creating {}", path.display())))?;
    file.write_all(bytes)
        .map_err(io(format!("writing {}", path.display())))
}

/// The server side of `--tls`: the CA file clients trust, and the server's PEM cert + key.
pub struct ServerTls {
    pub ca_file: PathBuf,
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

/// Makes a CA and a server certificate for loopback (plus `extra_ip`), writes `ca.pem` into `dir`.
pub fn server_tls(dir: &Path, extra_ip: Option<IpAddr>) -> Result<ServerTls, SandboxError> {
    let make = || -> Result<(X509, Vec<u8>, Vec<u8>), ErrorStack> {
        let ca_key = new_key()?;
        let mut ca = builder("graphmail sandbox CA", 30, &ca_key)?;
        ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&ca.x509v3_context(None, None))?;
        ca.append_extension(ski)?;
        ca.sign(&ca_key, MessageDigest::sha256())?;
        let ca = ca.build();

        let key = new_key()?;
        let mut leaf = builder("localhost", 30, &key)?;
        leaf.set_issuer_name(ca.subject_name())?;
        leaf.append_extension(BasicConstraints::new().build()?)?;
        leaf.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_encipherment()
                .build()?,
        )?;
        leaf.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let mut san = SubjectAlternativeName::new();
        san.dns("localhost").ip("127.0.0.1").ip("::1");
        if let Some(ip) = extra_ip.filter(|ip| !ip.is_unspecified()) {
            san.ip(&ip.to_string());
        }
        let san = san.build(&leaf.x509v3_context(Some(&ca), None))?;
        leaf.append_extension(san)?;
        leaf.sign(&ca_key, MessageDigest::sha256())?;
        let leaf = leaf.build();
        Ok((ca, leaf.to_pem()?, key.private_key_to_pem_pkcs8()?))
    };
    let (ca, cert_pem, key_pem) = make().map_err(crypto("making the TLS certificates"))?;
    let ca_file = dir.join("ca.pem");
    write_private(&ca_file, &ca.to_pem().map_err(crypto("encoding the CA"))?)?;
    Ok(ServerTls {
        ca_file,
        cert_pem,
        key_pem,
    })
}

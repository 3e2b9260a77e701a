//! The signed JWT client assertion for certificate auth (reference §1.4),
//! built with openssl alone.
//!
//! Form A (default): `RS256` with `x5t` = base64url of the certificate's
//! SHA-1. Form B: `PS256` (RSA-PSS, salt = digest length, MGF1-SHA256) with
//! `x5t#S256` = base64url of its SHA-256. Thumbprint headers keep their `=`
//! padding like Microsoft's msal does; the JWS segments themselves are
//! unpadded (RFC 7515).

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use openssl::hash::MessageDigest;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer};
use serde_json::json;

use super::certificate::{CertificateError, CertificateKey};
use crate::state::AssertionForm;

/// How long an assertion is valid: short, as Entra recommends (5–10 min).
pub const ASSERTION_LIFETIME_SECS: i64 = 300;

/// The JWT `alg` of a header form.
pub fn algorithm(form: AssertionForm) -> &'static str {
    match form {
        AssertionForm::Rs256X5t => "RS256",
        AssertionForm::Ps256X5tS256 => "PS256",
    }
}

/// Human description of a form, for details and hints.
pub fn describe_form(form: AssertionForm) -> &'static str {
    match form {
        AssertionForm::Rs256X5t => "RS256 with x5t (SHA-1 thumbprint)",
        AssertionForm::Ps256X5tS256 => "PS256 with x5t#S256 (SHA-256 thumbprint)",
    }
}

/// Builds and signs a client assertion for `app_id` at `token_url`, valid
/// from `now` (Unix seconds) for [`ASSERTION_LIFETIME_SECS`].
pub fn client_assertion(
    key: &CertificateKey,
    app_id: &str,
    token_url: &str,
    now: i64,
) -> Result<String, CertificateError> {
    let cert = &key.certificate;
    let header = match key.form {
        AssertionForm::Rs256X5t => json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5t": URL_SAFE.encode(cert.sha1_raw()?),
        }),
        AssertionForm::Ps256X5tS256 => json!({
            "alg": "PS256",
            "typ": "JWT",
            "x5t#S256": URL_SAFE.encode(cert.sha256_raw()?),
        }),
    };
    let claims = json!({
        "aud": token_url,
        "iss": app_id,
        "sub": app_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME_SECS,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signer = Signer::new(MessageDigest::sha256(), &cert.key)?;
    if key.form == AssertionForm::Ps256X5tS256 {
        signer.set_rsa_padding(Padding::PKCS1_PSS)?;
        signer.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
        signer.set_rsa_mgf1_md(MessageDigest::sha256())?;
    }
    signer.update(signing_input.as_bytes())?;
    let signature = signer.sign_to_vec()?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

//! Compact JWS for the sandbox's token service: splitting and decoding client
//! assertions, checking RS256 / PS256 signatures with openssl, and signing the
//! access tokens the sandbox issues (RS256). Written from RFC 7515 / RFC 7518
//! and Microsoft's certificate-credentials page (reference §1.4), apart from
//! graphmail's own client code on purpose (SPEC §6). Limits: only the two RSA
//! algorithms Entra accepts for client assertions; no JWE, no JSON serialization.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
use serde_json::{Map, Value};

/// base64url that accepts input with or without `=` padding: MSAL Python pads
/// `x5t` (`urlsafe_b64encode`), RFC 7515 says unpadded (reference §1.4).
const B64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// base64url without padding, as JWS requires.
pub fn b64url(bytes: &[u8]) -> String {
    B64URL_LENIENT.encode(bytes)
}

/// Decodes base64url, padded or not.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    B64URL_LENIENT.decode(text.trim()).ok()
}

/// A compact JWS taken apart, signature not yet checked.
#[derive(Debug, Clone)]
pub struct CompactJws {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `base64url(header) "." base64url(claims)`, the bytes that were signed.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl CompactJws {
    /// Splits and decodes; `None` when it is not a three-part JWS with JSON objects.
    pub fn parse(token: &str) -> Option<CompactJws> {
        let mut parts = token.trim().split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header = match serde_json::from_slice::<Value>(&b64url_decode(h)?).ok()? {
            Value::Object(map) => map,
            _ => return None,
        };
        let claims = match serde_json::from_slice::<Value>(&b64url_decode(c)?).ok()? {
            Value::Object(map) => map,
            _ => return None,
        };
        let signature = b64url_decode(s)?;
        Some(CompactJws {
            header,
            claims,
            signing_input: format!("{h}.{c}"),
            signature,
        })
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim; integers and (as some libraries send) floats.
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        let value = self.claims.get(name)?;
        value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
    }
}

/// The signature algorithms accepted for client assertions (reference §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA256, salt length = digest length.
    Ps256,
}

impl RsaAlg {
    pub fn from_header(alg: &str) -> Option<RsaAlg> {
        match alg {
            "RS256" => Some(RsaAlg::Rs256),
            "PS256" => Some(RsaAlg::Ps256),
            _ => None,
        }
    }
}

/// Checks `signature` over `signing_input`; any openssl failure counts as "does not verify".
pub fn verify(alg: RsaAlg, key: &PKey<Public>, signing_input: &[u8], signature: &[u8]) -> bool {
    let check = || -> Result<bool, openssl::error::ErrorStack> {
        let mut verifier = Verifier::new(MessageDigest::sha256(), key)?;
        if alg == RsaAlg::Ps256 {
            verifier.set_rsa_padding(Padding::PKCS1_PSS)?;
            verifier.set_rsa_mgf1_md(MessageDigest::sha256())?;
            verifier.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
        }
        verifier.update(signing_input)?;
        verifier.verify(signature)
    };
    check().unwrap_or(false)
}

/// Signs `header.claims` with RS256 and returns the compact JWS.
pub fn sign_rs256(
    key: &PKey<Private>,
    header: &Value,
    claims: &Value,
) -> Result<String, openssl::error::ErrorStack> {
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    signer.update(signing_input.as_bytes())?;
    let signature = signer.sign_to_vec()?;
    Ok(format!("{signing_input}.{}", b64url(&signature)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    #[test]
    fn signs_and_verifies_round_trip() {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let public = PKey::public_key_from_pem(&key.public_key_to_pem().unwrap()).unwrap();
        let jws = sign_rs256(
            &key,
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"a": 1}),
        )
        .unwrap();
        let parsed = CompactJws::parse(&jws).unwrap();
        assert!(verify(
            RsaAlg::Rs256,
            &public,
            parsed.signing_input.as_bytes(),
            &parsed.signature
        ));
        assert!(!verify(
            RsaAlg::Ps256,
            &public,
            parsed.signing_input.as_bytes(),
            &parsed.signature
        ));
    }

    #[test]
    fn padding_is_optional_and_garbage_is_refused() {
        assert_eq!(b64url_decode("YQ==").unwrap(), b"a");
        assert_eq!(b64url_decode("YQ").unwrap(), b"a");
        assert!(CompactJws::parse("a.b").is_none());
        assert!(CompactJws::parse("!!.??.**").is_none());
    }
}

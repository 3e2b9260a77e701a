//! The last gate of `support bundle`: every file's bytes are searched for
//! secrets before anything is written. Known values (the client secret, the
//! certificate password, the PFX's bytes) are searched raw and in the forms a
//! file may carry them in: percent-encoded, JSON-escaped, base64 (standard
//! and URL-safe, padded or not). Secrets whose value the bundle cannot know
//! (access tokens, upload-session URL credentials, PEM private keys) are
//! recognised by shape, in the raw bytes, their percent-decoded form and
//! every base64 run decoded. A hit names the file and the kind, never the
//! value.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// What a hit was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    CertificatePassword,
    AccessToken,
    UploadSessionCredential,
    PrivateKey,
}

impl SecretKind {
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "the client secret",
            SecretKind::CertificatePassword => "the certificate password",
            SecretKind::AccessToken => "an access token",
            SecretKind::UploadSessionCredential => "an upload-session URL credential",
            SecretKind::PrivateKey => "a private key",
        }
    }
}

/// One hit: the kind and the form it was found in (`raw`,
/// `percent-encoded`, `JSON-escaped`, `base64`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub kind: SecretKind,
    pub form: &'static str,
}

/// Values shorter than this are not searched: a three-letter password would
/// match ordinary text everywhere. The manifest says when one was skipped.
pub const MIN_VALUE_LEN: usize = 6;

/// Base64 runs shorter than this are not decoded (identifiers, words).
const MIN_BASE64_RUN: usize = 16;

#[derive(Default)]
pub struct Scanner {
    needles: Vec<(Vec<u8>, Hit)>,
}

impl Scanner {
    pub fn new() -> Self {
        Scanner::default()
    }

    /// Adds a known secret value; false when it is too short to search.
    pub fn value(&mut self, kind: SecretKind, value: &[u8]) -> bool {
        if value.len() < MIN_VALUE_LEN {
            return false;
        }
        let mut add = |bytes: Vec<u8>, form: &'static str| {
            if !bytes.is_empty() && !self.needles.iter().any(|(n, _)| *n == bytes) {
                self.needles.push((bytes, Hit { kind, form }));
            }
        };
        add(value.to_vec(), "raw");
        add(percent_encode(value, false), "percent-encoded");
        add(percent_encode(value, true), "percent-encoded");
        if let Ok(text) = std::str::from_utf8(value) {
            let quoted = serde_json::to_string(text).unwrap_or_default();
            let escaped = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .unwrap_or_default();
            add(escaped.as_bytes().to_vec(), "JSON-escaped");
            // serde_json leaves `/` and non-ASCII alone; other writers escape them.
            add(escaped.replace('/', "\\/").into_bytes(), "JSON-escaped");
            add(json_escape_ascii(text).into_bytes(), "JSON-escaped");
        }
        for engine in [&STANDARD, &URL_SAFE] {
            add(engine.encode(value).into_bytes(), "base64");
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            add(engine.encode(value).into_bytes(), "base64");
            // The value inside a longer base64 text: each of the three
            // alignments, without the characters its neighbours decide.
            for shift in 1..3 {
                let mut shifted = vec![0u8; shift];
                shifted.extend_from_slice(value);
                let encoded = engine.encode(&shifted);
                let skip = (shift * 4).div_ceil(3) + 1;
                let keep = encoded.len().saturating_sub(skip + 2);
                if keep >= 8 {
                    add(encoded.as_bytes()[skip..skip + keep].to_vec(), "base64");
                }
            }
        }
        true
    }

    /// The first secret in `bytes`, if any.
    pub fn scan(&self, bytes: &[u8]) -> Option<Hit> {
        if let Some(hit) = self.scan_view(bytes, "raw") {
            return Some(hit);
        }
        if bytes.contains(&b'%')
            && let Some(hit) = self.scan_view(&percent_decode(bytes), "percent-encoded")
        {
            return Some(hit);
        }
        let unescaped = json_unescape(bytes);
        if unescaped != bytes
            && let Some(hit) = self.scan_view(&unescaped, "JSON-escaped")
        {
            return Some(hit);
        }
        for run in base64_runs(bytes) {
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                let trimmed = run.trim_end_matches('=');
                let usable = &trimmed[..trimmed.len() / 4 * 4];
                let candidates = [trimmed, usable];
                for candidate in candidates {
                    if let Ok(decoded) = engine.decode(candidate)
                        && let Some(hit) = self.scan_view(&decoded, "base64")
                    {
                        return Some(hit);
                    }
                }
            }
        }
        None
    }

    fn scan_view(&self, bytes: &[u8], view: &'static str) -> Option<Hit> {
        for (needle, hit) in &self.needles {
            if find(bytes, needle) {
                let form = if view == "raw" { hit.form } else { view };
                return Some(Hit {
                    kind: hit.kind,
                    form,
                });
            }
        }
        let shape = |kind| Some(Hit { kind, form: view });
        if find(bytes, b"PRIVATE KEY-----") {
            return shape(SecretKind::PrivateKey);
        }
        if has_jwt(bytes) {
            return shape(SecretKind::AccessToken);
        }
        if has_url_credential(bytes) {
            return shape(SecretKind::UploadSessionCredential);
        }
        None
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack.len() >= needle.len()
        && haystack.windows(needle.len()).any(|w| w == needle)
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// `eyJ…​.eyJ…​.`: a JWS's header and claims (`{"` base64url-encoded), as
/// Entra's access tokens and client assertions are.
fn has_jwt(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(pos) = bytes[from..].windows(3).position(|w| w == b"eyJ") {
        let start = from + pos;
        let mut i = start;
        let segment = |i: &mut usize| {
            let begin = *i;
            while *i < bytes.len() && is_b64url(bytes[*i]) {
                *i += 1;
            }
            *i - begin
        };
        if segment(&mut i) >= 10
            && bytes.get(i) == Some(&b'.')
            && bytes[i + 1..].starts_with(b"eyJ")
        {
            i += 1;
            if segment(&mut i) >= 10 && bytes.get(i) == Some(&b'.') {
                return true;
            }
        }
        from = start + 3;
    }
    false
}

/// An upload URL's credential: Outlook's `authtoken=` (mail attachment
/// upload sessions, Graph createUploadSession) or SharePoint's `tempauth=`,
/// with a value.
fn has_url_credential(bytes: &[u8]) -> bool {
    let lower = bytes.to_ascii_lowercase();
    for key in [&b"authtoken="[..], b"tempauth="] {
        let mut from = 0;
        while let Some(pos) = lower[from..].windows(key.len()).position(|w| w == key) {
            let value = &bytes[from + pos + key.len()..];
            let len = value
                .iter()
                .take_while(|c| {
                    !matches!(c, b'&' | b'"' | b'\'' | b'<' | b'>' | b'\\')
                        && !c.is_ascii_whitespace()
                })
                .count();
            if len >= 8 {
                return true;
            }
            from += pos + key.len();
        }
    }
    false
}

/// Percent-encoding of everything but RFC 3986's unreserved characters;
/// `form` encodes a space as `+` (application/x-www-form-urlencoded).
fn percent_encode(value: &[u8], form: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() * 3);
    for &c in value {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c);
        } else if form && c == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        }
    }
    out
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `\uXXXX` for every character outside printable ASCII and for the
/// characters some writers escape (`/`, `+`, `<`, `>`, `&`, `'`, `=`).
fn json_escape_ascii(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' if !matches!(c, '/' | '+' | '<' | '>' | '&' | '\'' | '=') => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// Undoes JSON string escapes (`\n`, `\/`, `\uXXXX`) wherever they are.
fn json_unescape(bytes: &[u8]) -> Vec<u8> {
    if !bytes.contains(&b'\\') {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let simple = match bytes[i + 1] {
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'/' => Some(b'/'),
                b'\\' => Some(b'\\'),
                b'"' => Some(b'"'),
                _ => None,
            };
            if let Some(c) = simple {
                out.push(c);
                i += 2;
                continue;
            }
            if bytes[i + 1] == b'u'
                && i + 6 <= bytes.len()
                && let Ok(hex) = std::str::from_utf8(&bytes[i + 2..i + 6])
                && let Ok(unit) = u32::from_str_radix(hex, 16)
                && let Some(c) = char::from_u32(unit)
            {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Runs of base64 characters (either alphabet) long enough to hide a secret.
fn base64_runs(bytes: &[u8]) -> Vec<&str> {
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=');
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_b64(bytes[i]) {
            let start = i;
            while i < bytes.len() && is_b64(bytes[i]) {
                i += 1;
            }
            if i - start >= MIN_BASE64_RUN
                && let Ok(run) = std::str::from_utf8(&bytes[start..i])
            {
                runs.push(run);
            }
        } else {
            i += 1;
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Qx8~s3cr3t/Value+With=Odd&Chars é";
    const PASSWORD: &str = "pfx-pass word!";

    fn scanner() -> Scanner {
        let mut s = Scanner::new();
        assert!(s.value(SecretKind::ClientSecret, SECRET.as_bytes()));
        assert!(s.value(SecretKind::CertificatePassword, PASSWORD.as_bytes()));
        s
    }

    fn json_escaped(v: &str) -> String {
        let q = serde_json::to_string(v).unwrap();
        q[1..q.len() - 1].to_string()
    }

    #[track_caller]
    fn hits(s: &Scanner, text: &[u8], kind: SecretKind) {
        let hit = s
            .scan(text)
            .unwrap_or_else(|| panic!("no hit in {:?}", String::from_utf8_lossy(text)));
        assert_eq!(hit.kind, kind, "{:?}", String::from_utf8_lossy(text));
    }

    #[test]
    fn known_values_are_found_in_every_form() {
        let s = scanner();
        for (value, kind) in [
            (SECRET, SecretKind::ClientSecret),
            (PASSWORD, SecretKind::CertificatePassword),
        ] {
            let forms = [
                value.to_string(),
                String::from_utf8(percent_encode(value.as_bytes(), false)).unwrap(),
                String::from_utf8(percent_encode(value.as_bytes(), true)).unwrap(),
                json_escaped(value),
                json_escape_ascii(value),
                STANDARD.encode(value),
                URL_SAFE_NO_PAD.encode(value),
                // Inside a longer base64 text, at each alignment.
                STANDARD.encode(format!("x{value}yz")),
                STANDARD.encode(format!("xy{value}z")),
                STANDARD.encode(format!("{{\"password\":\"{value}\"}}")),
            ];
            for form in forms {
                hits(&s, format!("before {form} after").as_bytes(), kind);
            }
        }
    }

    #[test]
    fn shapes_are_found_raw_and_encoded() {
        let s = Scanner::new();
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlLWJ5dGVz";
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
        let upload = "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=eyJ0eXAiOiJKV1Qi0123";
        let sharepoint = "https://contoso.sharepoint.com/_api/v2.0/drive/items/x/uploadSession?guid=1&tempauth=abcdefgh1234";
        for (text, kind) in [
            (jwt, SecretKind::AccessToken),
            (pem, SecretKind::PrivateKey),
            (rsa, SecretKind::PrivateKey),
            (upload, SecretKind::UploadSessionCredential),
            (sharepoint, SecretKind::UploadSessionCredential),
        ] {
            hits(&s, text.as_bytes(), kind);
            hits(&s, &percent_encode(text.as_bytes(), false), kind);
            hits(&s, json_escaped(text).as_bytes(), kind);
            hits(&s, json_escape_ascii(text).as_bytes(), kind);
            hits(&s, STANDARD.encode(text).as_bytes(), kind);
            hits(
                &s,
                format!("log: {} end", URL_SAFE_NO_PAD.encode(text)).as_bytes(),
                kind,
            );
        }
    }

    #[test]
    fn pfx_bytes_are_found_raw_and_base64() {
        let mut s = Scanner::new();
        let pfx: Vec<u8> = (0..600u32).map(|i| (i * 7 % 251) as u8).collect();
        assert!(s.value(SecretKind::PrivateKey, &pfx));
        let mut raw = b"prefix".to_vec();
        raw.extend_from_slice(&pfx);
        hits(&s, &raw, SecretKind::PrivateKey);
        hits(&s, STANDARD.encode(&pfx).as_bytes(), SecretKind::PrivateKey);
        hits(&s, &percent_encode(&pfx, false), SecretKind::PrivateKey);
    }

    #[test]
    fn an_ordinary_bundle_file_is_clean() {
        let s = scanner();
        let text = "state = { instance_id = \"0b6f5c1e-3a2d-4c8e-9f1a-2b3c4d5e6f70\" }\n\
            request-id: 8f14e45f-ceea-467f-a5d6-2e7a8a1b2c3d trace id: 1f0e3dad-9990-4f5e\n\
            fingerprint 9b74c9897bac770ffc029102a200c5de4d8f7a4f2b1f6c3d9e8a7b6c5d4e3f21\n\
            sha1 = \"A94A8FE5CCB19BA61C4C0873D391E987982FBBD3\" https://graph.microsoft.com/v1.0/users/a%40b.com\n";
        assert_eq!(s.scan(text.as_bytes()), None);
    }

    #[test]
    fn short_values_are_not_searched() {
        let mut s = Scanner::new();
        assert!(!s.value(SecretKind::CertificatePassword, b"abc"));
        assert_eq!(s.scan(b"abc abc"), None);
    }
}

//! The token endpoint, `POST /{tenant}/oauth2/v2.0/token`, client credentials
//! grant only (reference §1.1-1.6), and the Graph access tokens it issues.
//!
//! Order of checks (INFERENCE where Microsoft does not document it): tenant
//! (90002 / 900023 / 9001023), `grant_type`, client identity (`client_id`,
//! HTTP Basic, or the assertion's `sub`), app (700016), credential (7000218,
//! 7000215, 7000222, 700027, 700024, 50027, 50048, 700021, replay), then the
//! scope (70011, 1002012, 500011): credential problems are reported before
//! scope problems. Limits: no `x5c`/SNI certificate auth, no federated
//! credentials, no token caching on the server side (every call issues a new
//! token), access tokens always v1.0.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::aadsts::{Aadsts, RequestIds};
use super::jws::{self, CompactJws, RsaAlg};
use super::{App, Tenant, TenantLookup, hex_upper};
use crate::sandbox::{AccessClaims, BearerError, Sandbox};

/// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` (reference §1.3).
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Microsoft Graph's app ID, usable as a resource instead of its URI.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Clock skew allowed on assertion windows and access tokens (INFERENCE: the
/// 5 minutes that Microsoft's token validation libraries default to).
pub const CLOCK_SKEW_SECONDS: i64 = 300;
/// Lifetime of access tokens minted without the token endpoint (tests).
pub const ACCESS_TOKEN_SECONDS: i64 = 3599;

/// Lifetime of an issued access token: Entra's default is randomized between
/// 60 and 90 minutes (reference §1.5 [S5]), so clients must read
/// `expires_in`, not assume an hour; a seed may fix it.
fn token_lifetime(sandbox: &Sandbox) -> i64 {
    use rand::Rng;
    sandbox
        .token_service()
        .expires_in
        .unwrap_or_else(|| rand::rng().random_range(3600..5400))
}

/// The key that signs the sandbox's access tokens (its `kid` is in `/discovery/v2.0/keys`).
pub struct TokenKey {
    pub private: openssl::pkey::PKey<openssl::pkey::Private>,
    pub public: openssl::pkey::PKey<openssl::pkey::Public>,
    pub kid: String,
    /// Tokens whose signature this key has checked, by their exact text.
    checked: Mutex<HashMap<Box<str>, Arc<SignedClaims>>>,
}

/// Tokens remembered as checked, at most; past it the memory starts over.
const CHECKED_TOKENS: usize = 4096;

/// What a token with a good signature says; its times are judged anew on
/// every request.
#[derive(Debug)]
struct SignedClaims {
    tenant_id: String,
    app_id: String,
    audience: String,
    roles: Vec<String>,
    expires_at: i64,
    not_before: Option<i64>,
}

impl TokenKey {
    pub fn generate() -> Result<TokenKey, openssl::error::ErrorStack> {
        let rsa = openssl::rsa::Rsa::generate(2048)?;
        let private = openssl::pkey::PKey::from_rsa(rsa)?;
        let public = openssl::pkey::PKey::public_key_from_der(&private.public_key_to_der()?)?;
        let digest = openssl::hash::hash(
            openssl::hash::MessageDigest::sha1(),
            &private.public_key_to_der()?,
        )?;
        Ok(TokenKey {
            private,
            public,
            kid: jws::b64url(&digest),
            checked: Mutex::new(HashMap::new()),
        })
    }
}

/// `scheme://host[:port]` the client used, from the Host header (or the
/// HTTP/2 authority), so `aud` and the discovery document match what it sees.
pub fn request_origin(sandbox: &Sandbox, headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| sandbox.listen_authority());
    format!("{}://{}", sandbox.scheme(), host)
}

/// The v1.0 token issuer for a tenant (what Entra puts in Graph tokens).
pub fn access_token_issuer(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}

/// Which credential authenticated the client (`appidacr`: 1 secret, 2 certificate).
enum ClientAuth {
    Secret,
    Certificate,
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token_endpoint(
    State(sandbox): State<Arc<Sandbox>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    sandbox.count("token", None);
    let ids = RequestIds::from_headers(&headers);
    let now = sandbox.now();
    let origin = request_origin(&sandbox, &headers, &uri);
    match issue(&sandbox, &tenant_segment, &headers, &origin, &body, now) {
        Ok(body) => {
            sandbox.count("token.issued", None);
            let mut response = axum::Json(body).into_response();
            let h = response.headers_mut();
            h.insert(
                "cache-control",
                HeaderValue::from_static("no-store, no-cache"),
            );
            h.insert("pragma", HeaderValue::from_static("no-cache"));
            ids.stamp(response)
        }
        Err(error) => {
            sandbox.count(&format!("token.error.{}", error.code), None);
            error.render(&ids, now)
        }
    }
}

fn issue(
    sandbox: &Sandbox,
    tenant_segment: &str,
    headers: &HeaderMap,
    origin: &str,
    body: &[u8],
    now: i64,
) -> Result<Value, Aadsts> {
    let tenant = match sandbox.directory.lookup(tenant_segment) {
        TenantLookup::Found(t) => t,
        TenantLookup::MultiTenant => return Err(Aadsts::multi_tenant_endpoint()),
        TenantLookup::NotFound => return Err(Aadsts::tenant_not_found(tenant_segment)),
        TenantLookup::Malformed => return Err(Aadsts::tenant_malformed(tenant_segment)),
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let param = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };

    match param("grant_type") {
        None => return Err(Aadsts::missing_parameter("grant_type")),
        Some("client_credentials") => {}
        Some(other) => return Err(Aadsts::unsupported_grant_type(other)),
    }

    // Client authentication: body `client_secret`, HTTP Basic (RFC 6749 §2.3.1,
    // reference §1.2), or a JWT assertion (reference §1.3).
    let basic = basic_credentials(headers);
    let assertion = param("client_assertion");
    let mut secret = param("client_secret").map(str::to_owned);
    let mut client_id = param("client_id").map(str::to_owned);
    if let Some((basic_id, basic_secret)) = basic {
        if client_id.as_deref().is_some_and(|id| id != basic_id) {
            return Err(Aadsts::conflicting_client_ids());
        }
        client_id = Some(basic_id);
        if secret.is_some() {
            return Err(Aadsts::two_credentials());
        }
        secret = Some(basic_secret);
    }
    let parsed_assertion = assertion.map(CompactJws::parse);
    if client_id.is_none() {
        // RFC 7521 §4.2: with an assertion, client_id may be omitted; `sub` names the client.
        client_id = parsed_assertion
            .as_ref()
            .and_then(|p| p.as_ref())
            .and_then(|p| p.claim_str("sub"))
            .map(str::to_owned);
    }
    let Some(client_id) = client_id else {
        return Err(Aadsts::missing_parameter("client_id"));
    };
    let app = tenant
        .apps
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(&client_id))
        .ok_or_else(|| Aadsts::unknown_app(&client_id, &tenant.display_name))?;

    let auth = match (secret, parsed_assertion) {
        (Some(_), Some(_)) => return Err(Aadsts::two_credentials()),
        (None, None) => return Err(Aadsts::no_credential()),
        (Some(secret), None) => {
            check_secret(app, &secret, now)?;
            ClientAuth::Secret
        }
        (None, Some(parsed)) => {
            match param("client_assertion_type") {
                None => return Err(Aadsts::missing_parameter("client_assertion_type")),
                Some(ASSERTION_TYPE) => {}
                Some(other) => {
                    return Err(Aadsts::invalid_jwt(&format!(
                        "Unsupported client_assertion_type '{other}'."
                    )));
                }
            }
            let parsed = parsed.ok_or_else(|| {
                Aadsts::invalid_jwt(
                    "The client assertion is not a compact JWS (header.payload.signature).",
                )
            })?;
            let token_urls = [
                format!("{origin}/{tenant_segment}/oauth2/v2.0/token"),
                format!("{origin}/{}/oauth2/v2.0/token", tenant.id),
            ];
            check_assertion(sandbox, tenant, app, &parsed, &token_urls, now)?;
            ClientAuth::Certificate
        }
    };

    let resource = check_scope(sandbox, tenant, param("scope"))?;
    let roles = &app.roles;
    let lifetime = token_lifetime(sandbox);
    let claims = access_claims(tenant, app, &resource, roles, &auth, now, lifetime);
    let header = json!({"typ": "JWT", "alg": "RS256", "x5t": sandbox.token_key.kid, "kid": sandbox.token_key.kid});
    let access_token = jws::sign_rs256(&sandbox.token_key.private, &header, &claims)
        .map_err(|_| Aadsts::temporarily_unavailable())?;
    // Reference §1.5: token_type, expires_in, ext_expires_in, access_token.
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

fn check_secret(app: &App, secret: &str, now: i64) -> Result<(), Aadsts> {
    let matching = app.secrets.iter().find(|s| {
        s.value.len() == secret.len() && openssl::memcmp::eq(s.value.as_bytes(), secret.as_bytes())
    });
    match matching {
        None => Err(Aadsts::invalid_secret(&app.id)),
        Some(s) if s.expires_at <= now => Err(Aadsts::expired_secret(&app.id)),
        Some(_) => Ok(()),
    }
}

/// Checks a certificate client assertion (reference §1.4): header form, key,
/// signature, `aud`, `iss`/`sub`, time window with skew, `jti` replay.
fn check_assertion(
    sandbox: &Sandbox,
    tenant: &Tenant,
    app: &App,
    jwt: &CompactJws,
    token_urls: &[String],
    now: i64,
) -> Result<(), Aadsts> {
    let alg = jwt.header_str("alg").unwrap_or("(none)");
    let alg = RsaAlg::from_header(alg).ok_or_else(|| {
        Aadsts::invalid_jwt(&format!(
            "The client assertion's alg '{alg}' is not supported; use RS256 or PS256."
        ))
    })?;
    // Form B (`x5t#S256`, SHA-256) or form A (`x5t`, SHA-1), base64url, padded or not.
    let (thumbprint, by_sha256) = match (jwt.header_str("x5t#S256"), jwt.header_str("x5t")) {
        (Some(t), _) => (t, true),
        (None, Some(t)) => (t, false),
        (None, None) => return Err(Aadsts::key_not_found(&app.id, "null")),
    };
    let Some(thumbprint) = jws::b64url_decode(thumbprint) else {
        return Err(Aadsts::key_not_found(&app.id, thumbprint));
    };
    let hex = hex_upper(&thumbprint);
    if by_sha256 && sandbox.token_service().refuse_x5t_s256 {
        // NOTE: entra-docs PR 1301: a tenant answered "key was not found" for
        // x5t#S256 while x5t worked (reference §1.4).
        sandbox.count("token.assertion.x5t#S256.refused", None);
        return Err(Aadsts::key_not_found(&app.id, &hex));
    }
    let cert = app
        .certificates
        .iter()
        .find(|c| {
            let registered = if by_sha256 { &c.sha256 } else { &c.sha1 };
            *registered == thumbprint
        })
        .ok_or_else(|| Aadsts::key_not_found(&app.id, &hex))?;
    if cert.not_after_unix <= now {
        return Err(Aadsts::key_expired(&app.id, &hex));
    }
    if !jws::verify(
        alg,
        &cert.public_key,
        jwt.signing_input.as_bytes(),
        &jwt.signature,
    ) {
        return Err(Aadsts::bad_signature());
    }

    // Claims (reference §1.4 table).
    let aud_ok = match jwt.claims.get("aud") {
        Some(Value::String(aud)) => token_urls.iter().any(|u| u == aud),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|aud| token_urls.iter().any(|u| u == aud)),
        _ => false,
    };
    if !aud_ok {
        return Err(Aadsts::invalid_jwt(&format!(
            "The 'aud' claim must be the token endpoint the assertion is sent to: '{}'.",
            token_urls[0]
        )));
    }
    let iss = jwt.claim_str("iss");
    let sub = jwt.claim_str("sub");
    if iss.is_none() || sub.is_none() {
        return Err(Aadsts::invalid_jwt(
            "The client assertion must carry 'iss' and 'sub'.",
        ));
    }
    if iss != sub {
        return Err(Aadsts::subject_mismatch());
    }
    if !iss.is_some_and(|i| i.eq_ignore_ascii_case(&app.id)) {
        return Err(Aadsts::assertion_app_mismatch());
    }
    let Some(exp) = jwt.claim_time("exp") else {
        return Err(Aadsts::invalid_jwt(
            "The client assertion has no 'exp' claim.",
        ));
    };
    let nbf = jwt.claim_time("nbf");
    let iat = jwt.claim_time("iat");
    let too_early = nbf.is_some_and(|n| n > now + CLOCK_SKEW_SECONDS)
        || iat.is_some_and(|i| i > now + CLOCK_SKEW_SECONDS);
    let too_late = exp < now - CLOCK_SKEW_SECONDS;
    if too_early || too_late {
        return Err(Aadsts::assertion_time(now, nbf.or(iat), exp));
    }
    let Some(jti) = jwt.claim_str("jti") else {
        return Err(Aadsts::invalid_jwt(
            "The client assertion has no 'jti' claim.",
        ));
    };
    let first_use = sandbox.remember_jti(&tenant.id, &app.id, jti, exp + CLOCK_SKEW_SECONDS, now);
    if !first_use {
        // NOTE: no Microsoft source documents a replay check, and MSAL reuses
        // an assertion until it nears expiry (reference §1.4 [S10]): counted,
        // refused only when the seed asks.
        sandbox.count("token.assertion.reused_jti", None);
        if sandbox.token_service().refuse_reused_jti {
            return Err(Aadsts::replayed_assertion(jti));
        }
    }
    // Lets tests (and the msal interop check) see which header form a client used.
    let form = match (alg, by_sha256) {
        (RsaAlg::Rs256, false) => "token.assertion.rs256.x5t",
        (RsaAlg::Rs256, true) => "token.assertion.rs256.x5t#S256",
        (RsaAlg::Ps256, false) => "token.assertion.ps256.x5t",
        (RsaAlg::Ps256, true) => "token.assertion.ps256.x5t#S256",
    };
    sandbox.count(form, None);
    Ok(())
}

/// The client credentials scope must be one resource's `/.default` (reference §1.2, §2).
fn check_scope(sandbox: &Sandbox, tenant: &Tenant, scope: Option<&str>) -> Result<String, Aadsts> {
    let Some(scope) = scope else {
        return Err(Aadsts::missing_parameter("scope"));
    };
    // NOTE: OIDC's reserved scopes carry no resource; some libraries add them.
    let scopes: Vec<&str> = scope
        .split_whitespace()
        .filter(|s| !matches!(*s, "openid" | "profile" | "offline_access"))
        .collect();
    let resource_of = |s: &str| {
        s.rsplit_once('/')
            .map(|(r, _)| r.trim_end_matches('/').to_ascii_lowercase())
    };
    let resources: std::collections::HashSet<String> =
        scopes.iter().filter_map(|s| resource_of(s)).collect();
    if resources.len() > 1 {
        return Err(Aadsts::several_resources(scope));
    }
    let [single] = scopes.as_slice() else {
        return Err(Aadsts::invalid_scope(scope));
    };
    match single.strip_suffix("/.default") {
        Some(resource) if !resource.is_empty() => {
            let resource = resource.trim_end_matches('/');
            if sandbox.is_graph_audience(resource) {
                Ok(if resource.eq_ignore_ascii_case(GRAPH_APP_ID) {
                    "https://graph.microsoft.com".to_owned()
                } else {
                    resource.to_owned()
                })
            } else {
                Err(Aadsts::unknown_resource(resource, &tenant.display_name))
            }
        }
        _ if single.contains('/') => Err(Aadsts::scope_not_default(single)),
        _ => Err(Aadsts::invalid_scope(single)),
    }
}

/// v1.0 app-only access token claims (reference §1.6 [S4]); `roles` only when granted.
fn access_claims(
    tenant: &Tenant,
    app: &App,
    audience: &str,
    roles: &[String],
    auth: &ClientAuth,
    now: i64,
    lifetime: i64,
) -> Value {
    let acr = match auth {
        ClientAuth::Secret => "1",
        ClientAuth::Certificate => "2",
    };
    let mut claims = json!({
        "aud": audience,
        "iss": access_token_issuer(&tenant.id),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "app_displayname": app.name,
        "appid": app.id,
        "appidacr": acr,
        "azp": app.id,
        "azpacr": acr,
        "idp": access_token_issuer(&tenant.id),
        "idtyp": "app",
        "oid": app.object_id,
        "sub": app.object_id,
        "tid": tenant.id,
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    if !roles.is_empty()
        && let Value::Object(map) = &mut claims
    {
        map.insert("roles".into(), json!(roles));
    }
    claims
}

/// Signs an access token for a seeded app without going through HTTP (for
/// tests of the Graph half); `audience` defaults to the sandbox's origin.
/// `None` when the app is unknown.
pub fn mint(sandbox: &Sandbox, app_id: &str, audience: Option<&str>) -> Option<String> {
    let (tenant, app) = sandbox.directory.app(app_id)?;
    let audience = audience.map_or_else(|| sandbox.origin(), str::to_owned);
    let claims = access_claims(
        tenant,
        app,
        &audience,
        &app.roles,
        &ClientAuth::Secret,
        sandbox.now(),
        ACCESS_TOKEN_SECONDS,
    );
    let header = json!({"typ": "JWT", "alg": "RS256", "x5t": sandbox.token_key.kid, "kid": sandbox.token_key.kid});
    jws::sign_rs256(&sandbox.token_key.private, &header, &claims).ok()
}

/// Checks a Graph request's `Authorization: Bearer` header against the tokens this sandbox issues.
///
/// A token's signature is checked once, then remembered by the token's
/// text: a run's 200 requests carry the same token, and an RSA check each
/// (a third of the sandbox's time in the 200-mailbox benchmark) would be
/// the emulator's cost, not the client's. Lifetime and audience are judged
/// on every request, so an expired token is refused as before.
pub fn verify_bearer(
    sandbox: &Sandbox,
    authorization: Option<&str>,
) -> Result<AccessClaims, BearerError> {
    let value = authorization.map(str::trim).filter(|v| !v.is_empty());
    let Some(value) = value else {
        return Err(BearerError::Missing);
    };
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(BearerError::Malformed),
    };
    let key = &sandbox.token_key;
    let remembered = key
        .checked
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(token)
        .cloned();
    let signed = match remembered {
        Some(signed) => signed,
        None => {
            let signed = Arc::new(check_signature(key, token)?);
            let mut checked = key.checked.lock().unwrap_or_else(|e| e.into_inner());
            if checked.len() >= CHECKED_TOKENS {
                checked.clear();
            }
            checked.insert(token.into(), signed.clone());
            signed
        }
    };
    let now = sandbox.now();
    if signed.expires_at + CLOCK_SKEW_SECONDS <= now
        || signed
            .not_before
            .is_some_and(|n| n > now + CLOCK_SKEW_SECONDS)
    {
        return Err(BearerError::Expired);
    }
    if !sandbox.is_graph_audience(&signed.audience) {
        return Err(BearerError::WrongAudience);
    }
    Ok(AccessClaims {
        tenant_id: signed.tenant_id.clone(),
        app_id: signed.app_id.clone(),
        audience: signed.audience.clone(),
        roles: signed.roles.clone(),
        expires_at: signed.expires_at,
    })
}

/// The claims of `token` once its signature is `key`'s.
fn check_signature(key: &TokenKey, token: &str) -> Result<SignedClaims, BearerError> {
    let jwt = CompactJws::parse(token).ok_or(BearerError::Malformed)?;
    if jwt.header_str("alg") != Some("RS256") || jwt.header_str("kid") != Some(&key.kid) {
        return Err(BearerError::BadSignature);
    }
    if !jws::verify(
        RsaAlg::Rs256,
        &key.public,
        jwt.signing_input.as_bytes(),
        &jwt.signature,
    ) {
        return Err(BearerError::BadSignature);
    }
    let text = |name: &str| {
        jwt.claim_str(name)
            .map(str::to_owned)
            .ok_or(BearerError::Malformed)
    };
    let roles = match jwt.claims.get("roles") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(SignedClaims {
        tenant_id: text("tid")?,
        app_id: text("appid")?,
        audience: text("aud")?,
        roles,
        expires_at: jwt.claim_time("exp").ok_or(BearerError::Malformed)?,
        not_before: jwt.claim_time("nbf"),
    })
}

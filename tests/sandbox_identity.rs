//! The sandbox's identity half through HTTP, as a client sees it: token
//! endpoint (secret, Basic, both certificate assertion forms, every AADSTS case
//! a connection test meets), discovery, TLS with the generated CA, faults,
//! counters and the clock, against an in-process sandbox. Assertions are built
//! here with openssl, independently of graphmail's own auth code.

use std::time::{Duration, Instant};

use base64::Engine;
use graphmail::sandbox::seed::{
    APP_EXPIRED_SECRET, APP_GRAPHMAIL, APP_NO_CONSENT, APP_READ_ONLY, BUILTIN_TENANT_ID,
};
use graphmail::sandbox::{BearerError, RunningSandbox, SandboxError, ServeOptions, start};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer};
use openssl::x509::X509;
use serde_json::{Value, json};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn sandbox() -> RunningSandbox {
    start(ServeOptions::default())
        .await
        .expect("sandbox starts")
}

fn client() -> reqwest::Client {
    graphmail::auth::install_tls_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn token_url(sb: &RunningSandbox, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", sb.base_url())
}

fn scope(sb: &RunningSandbox) -> String {
    format!("{}/.default", sb.base_url())
}

fn secret_of(sb: &RunningSandbox, app: &str) -> String {
    sb.credentials().app(app).unwrap().secrets[0].value.clone()
}

async fn post(url: &str, form: &[(&str, &str)]) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = client().post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body, headers)
}

async fn secret_token(sb: &RunningSandbox, app: &str, secret: &str) -> (u16, Value) {
    let scope = scope(sb);
    let (status, body, _) = post(
        &token_url(sb, BUILTIN_TENANT_ID),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app),
            ("client_secret", secret),
            ("scope", &scope),
        ],
    )
    .await;
    (status, body)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Asserts Entra's error shape (reference §1.5) and returns the body.
fn assert_aadsts(status: u16, body: &Value, want_status: u16, code: u64, error: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace = body["trace_id"].as_str().unwrap();
    let correlation = body["correlation_id"].as_str().unwrap();
    assert!(
        description.contains(&format!("Trace ID: {trace}")),
        "{description}"
    );
    assert!(
        description.contains(&format!("Correlation ID: {correlation}")),
        "{description}"
    );
    assert!(description.contains("Timestamp: "), "{description}");
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%d %H:%M:%SZ").is_ok(),
        "{timestamp}"
    );
    assert_eq!(
        body["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
}

/// The graphmail app's certificate and key, from the PFX the sandbox wrote.
fn app_cert(sb: &RunningSandbox) -> (PKey<Private>, X509) {
    let creds = sb.credentials();
    let cert = &creds.app(APP_GRAPHMAIL).unwrap().certificates[0];
    let der = std::fs::read(cert.pfx.as_ref().unwrap()).unwrap();
    let parsed = openssl::pkcs12::Pkcs12::from_der(&der)
        .unwrap()
        .parse2(cert.password.as_deref().unwrap())
        .unwrap();
    (parsed.pkey.unwrap(), parsed.cert.unwrap())
}

#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// RS256 + x5t (SHA-1), padded like MSAL Python.
    Rs256Padded,
    /// RS256 + x5t (SHA-1), unpadded (RFC 7515).
    Rs256Unpadded,
    /// PS256 + x5t#S256.
    Ps256,
}

struct Assertion {
    form: Form,
    aud: String,
    iss: String,
    sub: String,
    nbf: i64,
    exp: i64,
    jti: String,
}

impl Assertion {
    fn new(sb: &RunningSandbox, form: Form) -> Assertion {
        let now = sb.sandbox().now();
        Assertion {
            form,
            aud: token_url(sb, BUILTIN_TENANT_ID),
            iss: APP_GRAPHMAIL.into(),
            sub: APP_GRAPHMAIL.into(),
            nbf: now,
            exp: now + 600,
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }

    fn sign(&self, key: &PKey<Private>, cert: &X509) -> String {
        let der = cert.to_der().unwrap();
        let header = match self.form {
            Form::Rs256Padded => json!({"alg": "RS256", "typ": "JWT", "x5t":
                base64::engine::general_purpose::URL_SAFE.encode(openssl::sha::sha1(&der))}),
            Form::Rs256Unpadded => {
                json!({"alg": "RS256", "typ": "JWT", "x5t": b64url(&openssl::sha::sha1(&der))})
            }
            Form::Ps256 => {
                json!({"alg": "PS256", "typ": "JWT", "x5t#S256": b64url(&openssl::sha::sha256(&der))})
            }
        };
        let claims = json!({"aud": self.aud, "iss": self.iss, "sub": self.sub, "jti": self.jti,
            "nbf": self.nbf, "exp": self.exp, "iat": self.nbf});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
        if self.form == Form::Ps256 {
            signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            signer.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
            signer
                .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                .unwrap();
        }
        signer.update(input.as_bytes()).unwrap();
        format!("{input}.{}", b64url(&signer.sign_to_vec().unwrap()))
    }
}

async fn assertion_token(sb: &RunningSandbox, tenant: &str, jwt: &str) -> (u16, Value) {
    let scope = scope(sb);
    let (status, body, _) = post(
        &token_url(sb, tenant),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", APP_GRAPHMAIL),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", jwt),
            ("scope", &scope),
        ],
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn secret_grant_issues_a_graph_token_with_granted_roles() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let (status, body) = secret_token(&sb, APP_GRAPHMAIL, &secret).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    // Entra randomizes the lifetime between 60 and 90 minutes (reference §1.5 [S5]).
    let lifetime = body["expires_in"].as_i64().expect("expires_in");
    assert!((3600..5400).contains(&lifetime), "{lifetime}");
    assert_eq!(body["ext_expires_in"], lifetime);
    let token = body["access_token"].as_str().unwrap();
    let claims = claims_of(token);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        lifetime
    );
    let mut lifetimes = std::collections::HashSet::new();
    for _ in 0..8 {
        let (_, b) = secret_token(&sb, APP_GRAPHMAIL, &secret).await;
        lifetimes.insert(b["expires_in"].as_i64().unwrap());
    }
    assert!(lifetimes.len() > 1, "the lifetime varies: {lifetimes:?}");
    assert_eq!(claims["aud"], sb.base_url());
    assert_eq!(claims["tid"], BUILTIN_TENANT_ID);
    assert_eq!(claims["appid"], APP_GRAPHMAIL);
    assert_eq!(claims["azp"], APP_GRAPHMAIL);
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["appidacr"], "1");
    assert_eq!(claims["roles"], json!(["Mail.ReadWrite", "Mail.Send"]));
    let now = sb.sandbox().now();
    let exp = claims["exp"].as_i64().unwrap();
    assert!((now + 3500..=now + 5400).contains(&exp), "{exp} vs {now}");
    assert!(claims["iat"].as_i64().unwrap() <= now && claims["nbf"].as_i64().unwrap() <= now);

    let verified = sb
        .sandbox()
        .verify_bearer(Some(&format!("Bearer {token}")))
        .unwrap();
    assert_eq!(verified.app_id, APP_GRAPHMAIL);
    assert_eq!(verified.roles, vec!["Mail.ReadWrite", "Mail.Send"]);
    assert_eq!(verified.expires_at, exp);
}

#[tokio::test]
async fn roles_follow_consent_per_app() {
    let sb = sandbox().await;
    let (status, body) = secret_token(&sb, APP_NO_CONSENT, &secret_of(&sb, APP_NO_CONSENT)).await;
    assert_eq!(status, 200, "{body}");
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert!(
        claims.get("roles").is_none(),
        "no consent, no roles claim: {claims}"
    );
    let (_, body) = secret_token(&sb, APP_READ_ONLY, &secret_of(&sb, APP_READ_ONLY)).await;
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["roles"],
        json!(["Mail.Read"])
    );
}

#[tokio::test]
async fn http_basic_client_authentication_works() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let response = client()
        .post(token_url(&sb, "contoso.com"))
        .basic_auth(APP_GRAPHMAIL, Some(&secret))
        .form(&[("grant_type", "client_credentials"), ("scope", &scope(&sb))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["tid"],
        BUILTIN_TENANT_ID
    );

    let response = client()
        .post(token_url(&sb, "contoso.com"))
        .basic_auth(APP_GRAPHMAIL, Some("wrong"))
        .form(&[("grant_type", "client_credentials"), ("scope", &scope(&sb))])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_aadsts(
        status,
        &response.json().await.unwrap(),
        401,
        7000215,
        "invalid_client",
    );
}

#[tokio::test]
async fn certificate_assertions_in_both_header_forms_succeed() {
    let sb = sandbox().await;
    let (key, cert) = app_cert(&sb);
    for form in [Form::Rs256Padded, Form::Rs256Unpadded, Form::Ps256] {
        let jwt = Assertion::new(&sb, form).sign(&key, &cert);
        let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
        assert_eq!(status, 200, "{body}");
        let claims = claims_of(body["access_token"].as_str().unwrap());
        assert_eq!(claims["appidacr"], "2");
        assert_eq!(claims["roles"], json!(["Mail.ReadWrite", "Mail.Send"]));
    }
    let kinds = sb.sandbox().counters().kinds;
    assert_eq!(kinds["token.assertion.rs256.x5t"], 2);
    assert_eq!(kinds["token.assertion.ps256.x5t#S256"], 1);
    // Tenant by domain: `aud` is the exact URL posted to.
    let mut a = Assertion::new(&sb, Form::Ps256);
    a.aud = token_url(&sb, "contoso.onmicrosoft.com");
    let (status, body) =
        assertion_token(&sb, "contoso.onmicrosoft.com", &a.sign(&key, &cert)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_reused_jti_is_accepted_unless_the_seed_refuses_it() {
    // No Microsoft source documents a replay check, and MSAL reuses an
    // assertion until it nears expiry (reference §1.4): accepted by default.
    let sb = sandbox().await;
    let (key, cert) = app_cert(&sb);
    let jwt = Assertion::new(&sb, Form::Rs256Padded).sign(&key, &cert);
    assert_eq!(assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await.0, 200);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sb.sandbox()
            .counters()
            .kinds
            .get("token.assertion.reused_jti"),
        Some(&1)
    );

    let mut seed = graphmail::sandbox::Seed::builtin();
    seed.token_service.refuse_reused_jti = true;
    let sb = start(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    })
    .await
    .expect("sandbox starts");
    let (key, cert) = app_cert(&sb);
    let jwt = Assertion::new(&sb, Form::Rs256Padded).sign(&key, &cert);
    assert_eq!(assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await.0, 200);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
    assert_aadsts(status, &body, 401, 50013, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
}

#[tokio::test]
async fn assertion_time_window_allows_skew_and_refuses_outside_it() {
    let sb = sandbox().await;
    let (key, cert) = app_cert(&sb);
    // Issued 4 minutes in the future: within the 5-minute skew.
    let mut a = Assertion::new(&sb, Form::Ps256);
    a.nbf += 240;
    a.exp += 240;
    assert_eq!(
        assertion_token(&sb, BUILTIN_TENANT_ID, &a.sign(&key, &cert))
            .await
            .0,
        200
    );
    // 10 minutes in the future: refused.
    let mut a = Assertion::new(&sb, Form::Ps256);
    a.nbf += 600;
    a.exp += 600;
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &a.sign(&key, &cert)).await;
    assert_aadsts(status, &body, 401, 700024, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("not within its valid time range")
    );

    // An assertion made now, then the sandbox clock moves 20 minutes on.
    let jwt = Assertion::new(&sb, Form::Rs256Unpadded).sign(&key, &cert);
    let shifted: Value = client()
        .post(format!("{}/clock", sb.admin_url()))
        .json(&json!({"shift_seconds": 1200}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shifted["offset_seconds"], 1200);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
    assert_aadsts(status, &body, 401, 700024, "invalid_client");
}

#[tokio::test]
async fn certificate_and_claim_errors() {
    let sb = sandbox().await;
    let (key, cert) = app_cert(&sb);

    // A certificate the app does not know: 700027 naming its thumbprint.
    let other_key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut other = X509::builder().unwrap();
    other.set_pubkey(&other_key).unwrap();
    other.sign(&other_key, MessageDigest::sha256()).unwrap();
    let other = other.build();
    let jwt = Assertion::new(&sb, Form::Rs256Padded).sign(&other_key, &other);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
    assert_aadsts(status, &body, 401, 700027, "invalid_client");
    let sha1_hex: String = other
        .digest(MessageDigest::sha1())
        .unwrap()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&sha1_hex)
    );

    // The registered thumbprint, signed with another key: signature check fails.
    let jwt = Assertion::new(&sb, Form::Ps256).sign(&other_key, &cert);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &jwt).await;
    assert_aadsts(status, &body, 401, 700027, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("signature validation")
    );

    // A tampered payload fails the signature too.
    let jwt = Assertion::new(&sb, Form::Rs256Padded).sign(&key, &cert);
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let mut claims = claims_of(&jwt);
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 1);
    parts[1] = b64url(claims.to_string().as_bytes());
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &parts.join(".")).await;
    assert_aadsts(status, &body, 401, 700027, "invalid_client");

    // Wrong audience (the v2.0 issuer URL instead of the token URL).
    let mut a = Assertion::new(&sb, Form::Ps256);
    a.aud = format!("{}/{BUILTIN_TENANT_ID}/v2.0", sb.base_url());
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &a.sign(&key, &cert)).await;
    assert_aadsts(status, &body, 401, 50027, "invalid_client");

    // sub != iss.
    let mut a = Assertion::new(&sb, Form::Ps256);
    a.sub = APP_READ_ONLY.into();
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &a.sign(&key, &cert)).await;
    assert_aadsts(status, &body, 401, 50048, "invalid_client");

    // Not a JWT at all.
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, "not-a-jwt").await;
    assert_aadsts(status, &body, 401, 50027, "invalid_client");
}

#[tokio::test]
async fn tenant_app_and_secret_errors() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let scope = scope(&sb);
    let form = |app: &'static str, secret: &str| {
        vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", app.to_owned()),
            ("client_secret", secret.to_owned()),
            ("scope", scope.clone()),
        ]
    };
    let send = |url: String, form: Vec<(&'static str, String)>| async move {
        let r = client().post(url).form(&form).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap())
    };

    let (s, b) = send(
        token_url(&sb, "fabrikam.onmicrosoft.com"),
        form(APP_GRAPHMAIL, &secret),
    )
    .await;
    assert_aadsts(s, &b, 400, 90002, "invalid_tenant");
    let (s, b) = send(
        token_url(&sb, "00000000-1111-2222-3333-444444444444"),
        form(APP_GRAPHMAIL, &secret),
    )
    .await;
    assert_aadsts(s, &b, 400, 90002, "invalid_tenant");
    let (s, b) = send(token_url(&sb, "contoso"), form(APP_GRAPHMAIL, &secret)).await;
    assert_aadsts(s, &b, 400, 900023, "invalid_request");
    let (s, b) = send(token_url(&sb, "common"), form(APP_GRAPHMAIL, &secret)).await;
    assert_aadsts(s, &b, 400, 9001023, "invalid_request");

    let url = token_url(&sb, BUILTIN_TENANT_ID);
    let (s, b) = send(
        url.clone(),
        form("11111111-2222-3333-4444-555555555555", &secret),
    )
    .await;
    assert_aadsts(s, &b, 400, 700016, "unauthorized_client");
    let (s, b) = send(url.clone(), form(APP_GRAPHMAIL, "wrong-secret")).await;
    assert_aadsts(s, &b, 401, 7000215, "invalid_client");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("not the client secret ID")
    );
    let expired = secret_of(&sb, APP_EXPIRED_SECRET);
    assert!(sb.credentials().app(APP_EXPIRED_SECRET).unwrap().secrets[0].expired);
    let (s, b) = send(url.clone(), form(APP_EXPIRED_SECRET, &expired)).await;
    assert_aadsts(s, &b, 401, 7000222, "invalid_client");

    let mut no_credential = form(APP_GRAPHMAIL, "");
    no_credential.retain(|(k, _)| *k != "client_secret");
    let (s, b) = send(url.clone(), no_credential).await;
    // What client credentials requests without a credential get (issue 13).
    assert_aadsts(s, &b, 401, 7000216, "invalid_client");
}

#[tokio::test]
async fn request_shape_errors() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let url = token_url(&sb, BUILTIN_TENANT_ID);
    let scope = scope(&sb);
    let (s, b, _) = post(
        &url,
        &[
            ("client_id", APP_GRAPHMAIL),
            ("client_secret", &secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_aadsts(s, &b, 400, 900144, "invalid_request");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
    let (s, b, _) = post(
        &url,
        &[("grant_type", "password"), ("client_id", APP_GRAPHMAIL)],
    )
    .await;
    assert_aadsts(s, &b, 400, 70003, "unsupported_grant_type");
    let (s, b, _) = post(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", APP_GRAPHMAIL),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_aadsts(s, &b, 400, 900144, "invalid_request");
    assert!(b["error_description"].as_str().unwrap().contains("'scope'"));
    let (key, cert) = app_cert(&sb);
    let jwt = Assertion::new(&sb, Form::Ps256).sign(&key, &cert);
    let (s, b, _) = post(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", APP_GRAPHMAIL),
            ("client_secret", &secret),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
            ("scope", &scope),
        ],
    )
    .await;
    assert_aadsts(s, &b, 400, 90023, "invalid_request");
    // Without client_id, the assertion's `sub` names the client (RFC 7521 §4.2).
    let jwt = Assertion::new(&sb, Form::Ps256).sign(&key, &cert);
    let (s, b, _) = post(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn scope_errors() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let url = token_url(&sb, BUILTIN_TENANT_ID);
    let try_scope = |scope: String| {
        let (url, secret) = (url.clone(), secret.clone());
        async move {
            let r = client()
                .post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", APP_GRAPHMAIL),
                    ("client_secret", &secret),
                    ("scope", &scope),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (s, b) = try_scope("Mail.Read".into()).await;
    assert_aadsts(s, &b, 400, 70011, "invalid_scope");
    let (s, b) = try_scope(format!("{}/Mail.Read", sb.base_url())).await;
    assert_aadsts(s, &b, 400, 1002012, "invalid_scope");
    let (s, b) = try_scope("https://graph.microsoft.us/.default".into()).await;
    assert_aadsts(s, &b, 400, 500011, "invalid_resource");
    // Two resources in one request (reference §1.2).
    let (s, b) = try_scope(format!(
        "{}/.default https://vault.azure.net/.default",
        sb.base_url()
    ))
    .await;
    assert_aadsts(s, &b, 400, 700022, "invalid_scope");
    // Graph's global URI is accepted too, and becomes the audience.
    let (s, b) = try_scope("https://graph.microsoft.com/.default".into()).await;
    assert_eq!(s, 200, "{b}");
    let token = b["access_token"].as_str().unwrap();
    assert_eq!(claims_of(token)["aud"], "https://graph.microsoft.com");
    assert!(
        sb.sandbox()
            .verify_bearer(Some(&format!("Bearer {token}")))
            .is_ok()
    );
}

#[tokio::test]
async fn error_answers_carry_request_ids() {
    let sb = sandbox().await;
    let correlation = uuid::Uuid::new_v4().to_string();
    let r = client()
        .post(token_url(&sb, BUILTIN_TENANT_ID))
        .header("client-request-id", &correlation)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_GRAPHMAIL),
        ])
        .send()
        .await
        .unwrap();
    let trace = r.headers()["x-ms-request-id"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["client-request-id"], correlation.as_str());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["trace_id"], trace);
    assert_eq!(body["correlation_id"], correlation);
}

#[tokio::test]
async fn openid_configuration_and_keys() {
    let sb = sandbox().await;
    let r = client()
        .get(format!(
            "{}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
            sb.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let base = format!("{}/{BUILTIN_TENANT_ID}", sb.base_url());
    assert_eq!(doc["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(doc["issuer"], format!("{base}/v2.0"));
    assert_eq!(doc["jwks_uri"], format!("{base}/discovery/v2.0/keys"));
    // The cloud's name, not the sandbox's host:port (reference §1.1 [S39]).
    assert_eq!(doc["cloud_instance_name"], "microsoftonline.com");
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("private_key_jwt"))
    );
    let keys: Value = client()
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["keys"][0]["kty"], "RSA");

    let r = client()
        .get(format!(
            "{}/nowhere.example.com/v2.0/.well-known/openid-configuration",
            sb.base_url()
        ))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_aadsts(
        status,
        &r.json().await.unwrap(),
        400,
        90002,
        "invalid_tenant",
    );
}

#[tokio::test]
async fn tls_with_the_generated_ca() {
    let sb = start(ServeOptions {
        tls: true,
        ..ServeOptions::default()
    })
    .await
    .unwrap();
    assert!(sb.base_url().starts_with("https://127.0.0.1:"));
    let ca_file = sb
        .ready()
        .ca_file
        .clone()
        .expect("ca_file in the ready line");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_file).unwrap()).unwrap();
    graphmail::auth::install_tls_provider();
    let trusting = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let r = trusting
        .post(token_url(&sb, BUILTIN_TENANT_ID))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP_GRAPHMAIL),
            ("client_secret", &secret),
            ("scope", &scope(&sb)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Graph and Entra ID speak HTTP/2 when the client offers it, as reqwest does.
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["aud"],
        sb.base_url()
    );
    // An HTTP/2 answer is written as two TLS records (HEADERS, then DATA).
    // Without TCP_NODELAY the second waited for the client's delayed ACK,
    // some 40 ms, on every request: twenty requests in turn took 800 ms or
    // more. Answered at once, they take a few milliseconds each (30 each
    // is allowed, for a busy machine).
    let discovery = format!(
        "{}/{BUILTIN_TENANT_ID}/v2.0/.well-known/openid-configuration",
        sb.base_url()
    );
    let started = std::time::Instant::now();
    for _ in 0..20 {
        let r = trusting.get(&discovery).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    }
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_millis(600),
        "twenty requests over one HTTP/2 connection took {took:?}: answers wait for ACKs"
    );
    // Without the CA the certificate is not trusted.
    graphmail::auth::install_tls_provider();
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(plain.get(sb.base_url()).send().await.is_err());
}

#[tokio::test]
async fn faults_503_429_latency_and_drop() {
    let sb = sandbox().await;
    let admin = format!("{}/faults", sb.admin_url());
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let good = || secret_token(&sb, APP_GRAPHMAIL, &secret);

    // 503 for the next two token requests.
    let r = client()
        .put(&admin)
        .json(&json!({"unavailable": {"next": 2, "scope": "token"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(good().await.0, 503);
    let (status, body) = good().await;
    assert_aadsts(status, &body, 503, 90033, "temporarily_unavailable");
    assert_eq!(good().await.0, 200);

    // 429 with Retry-After.
    client()
        .post(&admin)
        .json(&json!({"throttle": {"next": 1, "retry_after": 7}}))
        .send()
        .await
        .unwrap();
    let r = client()
        .post(token_url(&sb, BUILTIN_TENANT_ID))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    // A graph-scoped 429 leaves the token service alone.
    client()
        .put(&admin)
        .json(&json!({"throttle": {"scope": "graph"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(good().await.0, 200);
    let r = client()
        .get(format!("{}/v1.0/users/x/mailFolders", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TooManyRequests");

    // Latency.
    client()
        .put(&admin)
        .json(&json!({"latency": {"ms": 400}}))
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(good().await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));

    // A dropped connection: no HTTP answer at all, then normal service.
    client()
        .put(&admin)
        .json(&json!({"drop": {"next": 1}}))
        .send()
        .await
        .unwrap();
    graphmail::auth::install_tls_provider();
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    let dropped = fresh
        .post(token_url(&sb, BUILTIN_TENANT_ID))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await;
    let err = dropped.expect_err("the connection is closed without an answer");
    assert!(err.status().is_none(), "{err:?}");
    assert_eq!(good().await.0, 200);

    let faults: Value = client()
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        faults["drop"].is_null(),
        "next-N fault switched itself off: {faults}"
    );
    client().delete(&admin).send().await.unwrap();
    let counters = sb.sandbox().counters();
    assert_eq!(counters.kinds["fault.unavailable"], 2);
    assert_eq!(counters.kinds["fault.throttle"], 2);
    assert_eq!(counters.kinds["fault.drop"], 1);

    // Bad fault JSON is refused with a reason.
    let r = client()
        .put(&admin)
        .json(&json!({"throttle": {"rate": 3.0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn counters_clock_and_credentials_through_admin() {
    let sb = sandbox().await;
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    for _ in 0..3 {
        secret_token(&sb, APP_GRAPHMAIL, &secret).await;
    }
    secret_token(&sb, APP_GRAPHMAIL, "wrong").await;
    let counters: Value = client()
        .get(format!("{}/counters", sb.admin_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["kinds"]["token"], 4);
    assert_eq!(counters["kinds"]["token.issued"], 3);
    assert_eq!(counters["kinds"]["token.error.7000215"], 1);
    sb.sandbox()
        .count("graph.messages", Some("Support@contoso.com"));
    let counters: Value = client()
        .get(format!("{}/counters", sb.admin_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        counters["mailboxes"]["support@contoso.com"]["graph.messages"],
        1
    );
    client()
        .delete(format!("{}/counters", sb.admin_url()))
        .send()
        .await
        .unwrap();
    assert!(sb.sandbox().counters().kinds.is_empty());

    // Clock: shift, read, reset; tokens expire on the shifted clock.
    let (_, body) = secret_token(&sb, APP_GRAPHMAIL, &secret).await;
    let bearer = format!("Bearer {}", body["access_token"].as_str().unwrap());
    // Checked once, the token is remembered; a copy with another
    // signature is not the same token, and remembering never outlives
    // the token's lifetime (below).
    assert!(sb.sandbox().verify_bearer(Some(&bearer)).is_ok());
    // (A character well inside the signature: every bit of it counts.)
    let mut forged = bearer.clone();
    let at = forged.len() - 10;
    let other = if &forged[at..=at] == "A" { "B" } else { "A" };
    forged.replace_range(at..=at, other);
    assert_eq!(
        sb.sandbox().verify_bearer(Some(&forged)),
        Err(BearerError::BadSignature)
    );
    let before = sb.sandbox().now();
    let r = client()
        .post(format!("{}/clock", sb.admin_url()))
        .json(&json!({"shift_seconds": 4000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(sb.sandbox().now() >= before + 4000);
    // Tokens live 60-90 minutes: past 95, this one is expired.
    let r = client()
        .post(format!("{}/clock", sb.admin_url()))
        .json(&json!({"shift_seconds": 1700}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        sb.sandbox().verify_bearer(Some(&bearer)),
        Err(BearerError::Expired)
    );
    let r = client()
        .delete(format!("{}/clock", sb.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["offset_seconds"], 0);
    assert!(sb.sandbox().verify_bearer(Some(&bearer)).is_ok());
    let r = client()
        .post(format!("{}/clock", sb.admin_url()))
        .json(&json!({"seconds": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Credentials of every seeded app, and the ready line.
    let creds: Value = client()
        .get(format!("{}/credentials", sb.admin_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let apps = creds["tenants"][0]["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 5);
    assert_eq!(apps[0]["secrets"][0]["value"], secret.as_str());
    let ready: Value = client()
        .get(sb.admin_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["app_id"], APP_GRAPHMAIL);
    assert_eq!(ready["client_secret"], secret.as_str());
    assert!(std::path::Path::new(ready["certificate_pfx"].as_str().unwrap()).exists());
    assert_eq!(ready["ca_file"], Value::Null);
}

#[tokio::test]
async fn bearer_checks() {
    let sb = sandbox().await;
    let s = sb.sandbox();
    assert_eq!(s.verify_bearer(None), Err(BearerError::Missing));
    assert_eq!(
        s.verify_bearer(Some("Basic abc")),
        Err(BearerError::Malformed)
    );
    assert_eq!(
        s.verify_bearer(Some("Bearer a.b")),
        Err(BearerError::Malformed)
    );
    let (_, body) = secret_token(&sb, APP_GRAPHMAIL, &secret_of(&sb, APP_GRAPHMAIL)).await;
    let token = body["access_token"].as_str().unwrap();
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64url(json!({"aud": sb.base_url(), "tid": BUILTIN_TENANT_ID, "appid": APP_GRAPHMAIL, "exp": s.now() + 100, "roles": ["Mail.Send"]}).to_string().as_bytes());
    parts[1] = &forged;
    assert_eq!(
        s.verify_bearer(Some(&format!("Bearer {}", parts.join(".")))),
        Err(BearerError::BadSignature)
    );
    // Minted without HTTP: same checks pass; a foreign audience does not.
    let minted = s.mint_access_token(APP_READ_ONLY, None).unwrap();
    let claims = s.verify_bearer(Some(&format!("Bearer {minted}"))).unwrap();
    assert_eq!(claims.roles, vec!["Mail.Read"]);
    let elsewhere = s
        .mint_access_token(APP_READ_ONLY, Some("https://graph.microsoft.us"))
        .unwrap();
    assert_eq!(
        s.verify_bearer(Some(&format!("Bearer {elsewhere}"))),
        Err(BearerError::WrongAudience)
    );
    assert!(s.mint_access_token("nobody", None).is_none());
    // A token for another sandbox (another key) is not accepted either.
    let other = sandbox().await;
    let (_, body) = secret_token(&other, APP_GRAPHMAIL, &secret_of(&other, APP_GRAPHMAIL)).await;
    let foreign = format!("Bearer {}", body["access_token"].as_str().unwrap());
    assert_eq!(
        s.verify_bearer(Some(&foreign)),
        Err(BearerError::BadSignature)
    );
}

#[tokio::test]
async fn non_loopback_listen_needs_the_explicit_flag() {
    let err = start(ServeOptions {
        listen: Some("0.0.0.0:0".parse().unwrap()),
        ..ServeOptions::default()
    })
    .await
    .err()
    .expect("refused");
    assert!(matches!(err, SandboxError::NonLoopback { .. }));
    assert!(err.to_string().contains("--allow-non-loopback"));
}

#[tokio::test]
async fn seed_file_with_fixed_secret_and_pem_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut b = X509::builder().unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        (key, b.build())
    };
    std::fs::write(dir.path().join("app.pem"), cert.to_pem().unwrap()).unwrap();
    let tenant = "11111111-2222-3333-4444-555555555555";
    let app = "21111111-2222-3333-4444-555555555555";
    std::fs::write(
        dir.path().join("seed.toml"),
        format!(
            r#"
            [[tenants]]
            id = "{tenant}"
            domains = ["fabrikam.com"]
            [[tenants.apps]]
            id = "{app}"
            name = "fab"
            roles = ["Mail.Read"]
            secrets = [{{ value = "fixed-secret" }}, {{ value = "old-secret", expires_at = "2020-01-01T00:00:00Z" }}]
            certificates = [{{ pem = "app.pem" }}]
            [faults]
            latency = {{ ms = 1, scope = "graph" }}
            "#
        ),
    )
    .unwrap();
    let sb = start(ServeOptions {
        seed_file: Some(dir.path().join("seed.toml")),
        ..ServeOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(sb.ready().tenant, tenant);
    assert_eq!(sb.ready().client_secret.as_deref(), Some("fixed-secret"));
    let scope = scope(&sb);
    let url = token_url(&sb, "fabrikam.com");
    let (status, _, _) = post(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app),
            ("client_secret", "old-secret"),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(status, 401);
    let now = sb.sandbox().now();
    let a = Assertion {
        form: Form::Rs256Unpadded,
        aud: url.clone(),
        iss: app.into(),
        sub: app.into(),
        nbf: now,
        exp: now + 600,
        jti: "one".into(),
    };
    let (status, body, _) = post(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &a.sign(&key, &cert)),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["roles"],
        json!(["Mail.Read"])
    );

    // A seed with an error names the line.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[tenants]]\nid = \"x\"\ndomains = [1]\n",
    )
    .unwrap();
    let err = start(ServeOptions {
        seed_file: Some(dir.path().join("bad.toml")),
        ..ServeOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[tokio::test]
async fn a_seed_can_refuse_sha256_thumbprints_as_some_tenants_do() {
    // entra-docs PR 1301: a tenant answered AADSTS700027 for x5t#S256 while
    // x5t worked (reference §1.4).
    let mut seed = graphmail::sandbox::Seed::builtin();
    seed.token_service.refuse_x5t_s256 = true;
    let sb = start(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    })
    .await
    .expect("sandbox starts");
    let (key, cert) = app_cert(&sb);
    let ps256 = Assertion::new(&sb, Form::Ps256).sign(&key, &cert);
    let (status, body) = assertion_token(&sb, BUILTIN_TENANT_ID, &ps256).await;
    assert_aadsts(status, &body, 401, 700027, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("key was not found"),
        "{body}"
    );
    let rs256 = Assertion::new(&sb, Form::Rs256Padded).sign(&key, &cert);
    assert_eq!(assertion_token(&sb, BUILTIN_TENANT_ID, &rs256).await.0, 200);

    // By default both forms pass.
    let sb = sandbox().await;
    let (key, cert) = app_cert(&sb);
    let ps256 = Assertion::new(&sb, Form::Ps256).sign(&key, &cert);
    assert_eq!(assertion_token(&sb, BUILTIN_TENANT_ID, &ps256).await.0, 200);
}

#[tokio::test]
async fn a_seed_can_fix_the_token_lifetime() {
    let text = "[token_service]\nexpires_in = 4500\n";
    let seed = graphmail::sandbox::Seed::from_toml_str(
        text,
        std::path::Path::new("seed.toml"),
        std::path::Path::new("."),
    )
    .expect("seed parses");
    let sb = start(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    })
    .await
    .expect("sandbox starts");
    let secret = secret_of(&sb, APP_GRAPHMAIL);
    let (_, body) = secret_token(&sb, APP_GRAPHMAIL, &secret).await;
    assert_eq!(body["expires_in"], 4500);
    let err = graphmail::sandbox::Seed::from_toml_str(
        "[token_service]\nexpires_in = 5\n",
        std::path::Path::new("seed.toml"),
        std::path::Path::new("."),
    )
    .unwrap_err();
    assert!(err.to_string().contains("expires_in"), "{err}");
}

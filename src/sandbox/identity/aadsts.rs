//! Entra ID's error answers, as the sandbox's token service sends them.
//!
//! Shape from reference §1.5 ([S1] [S3]): `error`, `error_description` that starts
//! with `AADSTSnnnn:` and ends with the Trace ID, Correlation ID and Timestamp
//! lines, `error_codes`, `timestamp` (`YYYY-MM-DD HH:MM:SSZ`), `trace_id`,
//! `correlation_id`, `error_uri`. OAuth `error` values and HTTP statuses follow
//! reference §2 (`invalid_client` answers with 401 as observed [I5] [I6], other
//! protocol errors with 400). Message texts follow the public texts of
//! Microsoft's error lookup page as closely as known; where the reference names
//! no code for a case (a replayed `jti`, both credentials at once) the choice is
//! marked INFERENCE. Limits: English texts only; no `suberror`, no `claims`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The IDs Entra stamps on every answer: `trace_id` (also the
/// `x-ms-request-id` header) and `correlation_id` (the client's
/// `client-request-id` when it sent a GUID, else a new one).
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub trace_id: String,
    pub correlation_id: String,
    /// Echoed back as `client-request-id` when the client sent one.
    pub client_request_id: Option<String>,
}

impl RequestIds {
    pub fn from_headers(headers: &axum::http::HeaderMap) -> RequestIds {
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| uuid::Uuid::parse_str(v).is_ok())
            .map(str::to_owned);
        RequestIds {
            trace_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: client_request_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            client_request_id,
        }
    }

    /// Adds `x-ms-request-id` (and `client-request-id` when sent) to a response.
    pub fn stamp(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.trace_id) {
            headers.insert("x-ms-request-id", v);
        }
        if let Some(v) = self
            .client_request_id
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert("client-request-id", v);
        }
        headers.insert(
            "x-ms-ests-server",
            HeaderValue::from_static("graphmail-sandbox"),
        );
        response
    }
}

/// One AADSTS error, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aadsts {
    pub code: u32,
    /// The OAuth `error` value.
    pub error: &'static str,
    pub status: StatusCode,
    /// The text after `AADSTSnnnn: `.
    pub message: String,
}

const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const CERT_DOC: &str = "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .";

impl Aadsts {
    fn new(code: u32, error: &'static str, status: StatusCode, message: String) -> Aadsts {
        Aadsts {
            code,
            error,
            status,
            message,
        }
    }

    /// AADSTS90002: the tenant does not exist (reference §2, `invalid_tenant`, 400).
    pub fn tenant_not_found(tenant: &str) -> Aadsts {
        Aadsts::new(
            90002,
            "invalid_tenant",
            BAD_REQUEST,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        )
    }

    /// AADSTS900023: the tenant segment is neither a GUID nor a DNS name (reference §2 [I8]).
    pub fn tenant_malformed(tenant: &str) -> Aadsts {
        Aadsts::new(
            900023,
            "invalid_request",
            BAD_REQUEST,
            format!(
                "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
            ),
        )
    }

    /// AADSTS9001023: client credentials over `/common`, `/organizations` or `/consumers` (reference §1.1).
    pub fn multi_tenant_endpoint() -> Aadsts {
        Aadsts::new(
            9001023,
            "invalid_request",
            BAD_REQUEST,
            "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.".into(),
        )
    }

    /// AADSTS900144: a required body parameter is missing.
    pub fn missing_parameter(name: &str) -> Aadsts {
        Aadsts::new(
            900144,
            "invalid_request",
            BAD_REQUEST,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    /// AADSTS70003: a grant type other than `client_credentials`.
    pub fn unsupported_grant_type(grant: &str) -> Aadsts {
        Aadsts::new(
            70003,
            "unsupported_grant_type",
            BAD_REQUEST,
            format!("The app requested an unsupported grant type '{grant}'."),
        )
    }

    /// AADSTS700016: no such application in the tenant (`unauthorized_client`, reference §2).
    pub fn unknown_app(app_id: &str, tenant_name: &str) -> Aadsts {
        Aadsts::new(
            700016,
            "unauthorized_client",
            BAD_REQUEST,
            format!(
                "Application with identifier '{app_id}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    /// AADSTS7000215: wrong secret (`invalid_client`, 401 [I5] [I6]).
    pub fn invalid_secret(app_id: &str) -> Aadsts {
        Aadsts::new(
            7000215,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app_id}'."
            ),
        )
    }

    /// AADSTS7000222: the matching secret has expired (`invalid_client` [I9]).
    pub fn expired_secret(app_id: &str) -> Aadsts {
        Aadsts::new(
            7000222,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "The provided client secret keys for app '{app_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
            ),
        )
    }

    /// AADSTS7000216: neither `client_secret` nor `client_assertion` in a
    /// client credentials request. The error-code page lists 7000218 for a
    /// body lacking either (reference §2 [S3]), but client credentials
    /// requests have been seen answering 7000216 with this text (issue 13).
    pub fn no_credential() -> Aadsts {
        Aadsts::new(
            7000216,
            "invalid_client",
            UNAUTHORIZED,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.".into(),
        )
    }

    /// AADSTS700022: the scope names more than one resource (reference §1.2, §2 [S3]).
    pub fn several_resources(scope: &str) -> Aadsts {
        Aadsts::new(
            700022,
            "invalid_scope",
            BAD_REQUEST,
            format!(
                "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid."
            ),
        )
    }

    /// Both a secret and an assertion. INFERENCE: no documented code; Entra's
    /// generic "unsupported request" (AADSTS90023) fits best.
    pub fn two_credentials() -> Aadsts {
        Aadsts::new(
            90023,
            "invalid_request",
            BAD_REQUEST,
            "Unsupported request: send either 'client_secret' or 'client_assertion', not both."
                .into(),
        )
    }

    /// `client_id` in the body differs from the HTTP Basic user. INFERENCE:
    /// undocumented; RFC 6749 §2.3 forbids more than one client authentication.
    pub fn conflicting_client_ids() -> Aadsts {
        Aadsts::new(
            90023,
            "invalid_request",
            BAD_REQUEST,
            "Unsupported request: the client_id parameter differs from the client in the Authorization header.".into(),
        )
    }

    /// AADSTS700027, "key was not found": the thumbprint names no certificate of the app (reference §2 [I3] [I4]).
    pub fn key_not_found(app_id: &str, thumbprint_hex: &str) -> Aadsts {
        Aadsts::new(
            700027,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint_hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints to set the right endpoint to add keys for the app.]"
            ),
        )
    }

    /// AADSTS700027: the signature does not verify with the registered certificate.
    pub fn bad_signature() -> Aadsts {
        Aadsts::new(
            700027,
            "invalid_client",
            UNAUTHORIZED,
            format!("Client assertion failed signature validation. {CERT_DOC}"),
        )
    }

    /// AADSTS700027: the registered certificate has expired.
    pub fn key_expired(app_id: &str, thumbprint_hex: &str) -> Aadsts {
        Aadsts::new(
            700027,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{thumbprint_hex}', Found key 'Start=..., End=...', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{app_id}'.]"
            ),
        )
    }

    /// AADSTS700024: the assertion's window does not contain "now" (reference §1.4 [I1] [I2]).
    pub fn assertion_time(now: i64, nbf: Option<i64>, exp: i64) -> Aadsts {
        let nbf = nbf.map(ms_time).unwrap_or_else(|| "(none)".into());
        Aadsts::new(
            700024,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {nbf}, expiry time of assertion {}. {CERT_DOC}",
                ms_time(now),
                ms_time(exp)
            ),
        )
    }

    /// AADSTS50027: the assertion is not a usable JWT (reference §2).
    pub fn invalid_jwt(reason: &str) -> Aadsts {
        Aadsts::new(
            50027,
            "invalid_client",
            UNAUTHORIZED,
            format!("JWT token is invalid or malformed. {reason}"),
        )
    }

    /// AADSTS50048: `sub` differs from `iss` (reference §2).
    pub fn subject_mismatch() -> Aadsts {
        Aadsts::new(
            50048,
            "invalid_client",
            UNAUTHORIZED,
            "Subject mismatches Issuer claim in the client assertion.".into(),
        )
    }

    /// AADSTS700021: the assertion was made for another app than `client_id`.
    pub fn assertion_app_mismatch() -> Aadsts {
        Aadsts::new(
            700021,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "Client assertion application identifier doesn't match 'client_id' parameter. {CERT_DOC}"
            ),
        )
    }

    /// A replayed `jti`. INFERENCE: the reference names no code; AADSTS50013
    /// ("assertion is invalid") is the closest documented one.
    pub fn replayed_assertion(jti: &str) -> Aadsts {
        Aadsts::new(
            50013,
            "invalid_client",
            UNAUTHORIZED,
            format!(
                "Assertion failed signature validation. [Reason - The assertion with jti '{jti}' has already been used.]"
            ),
        )
    }

    /// AADSTS1002012: a resource-specific scope in the client credentials flow ([I11]).
    pub fn scope_not_default(scope: &str) -> Aadsts {
        Aadsts::new(
            1002012,
            "invalid_scope",
            BAD_REQUEST,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        )
    }

    /// AADSTS70011: the scope is not a resource's `/.default` at all (reference §2 [S1]).
    pub fn invalid_scope(scope: &str) -> Aadsts {
        Aadsts::new(
            70011,
            "invalid_scope",
            BAD_REQUEST,
            format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }

    /// AADSTS500011: no resource principal with that identifier (`invalid_resource`, reference §2).
    pub fn unknown_resource(resource: &str, tenant_name: &str) -> Aadsts {
        Aadsts::new(
            500011,
            "invalid_resource",
            BAD_REQUEST,
            format!(
                "The resource principal named {resource} was not found in the tenant named {tenant_name}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        )
    }

    /// `temporarily_unavailable`, for injected 503 faults on the token service.
    pub fn temporarily_unavailable() -> Aadsts {
        Aadsts::new(
            90033,
            "temporarily_unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "A transient error has occurred. Please try again.".into(),
        )
    }

    /// AADSTS50196-like throttling answer for injected 429 faults on the token service.
    pub fn throttled() -> Aadsts {
        Aadsts::new(
            90055,
            "temporarily_unavailable",
            StatusCode::TOO_MANY_REQUESTS,
            "The request is throttled temporarily. Please try after some time.".into(),
        )
    }

    /// The JSON body and status, with the IDs and the sandbox's time stamped in.
    pub fn render(&self, ids: &RequestIds, now: i64) -> Response {
        let timestamp = chrono::DateTime::from_timestamp(now, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M:%SZ")
            .to_string();
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            self.code, self.message, ids.trace_id, ids.correlation_id, timestamp
        );
        let body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": ids.trace_id,
            "correlation_id": ids.correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            "cache-control",
            HeaderValue::from_static("no-store, no-cache"),
        );
        ids.stamp(response)
    }
}

/// Entra's time format inside messages: `2019-12-17T21:47:01.0000000Z`.
fn ms_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S.0000000Z")
        .to_string()
}

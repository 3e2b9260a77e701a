//! Tenant discovery: `GET /{tenant}/v2.0/.well-known/openid-configuration` and
//! the signing keys at `GET /{tenant}/discovery/v2.0/keys`.
//!
//! Field set from Entra's v2.0 metadata document (reference §1.1 [S39] [S10]):
//! MSAL Python reads `authorization_endpoint`, `token_endpoint` (and derives
//! the tenant and the assertion's `aud` from it), `issuer` and
//! `device_authorization_endpoint`. Entra answers with the tenant's GUID in
//! every URL even when asked by domain, and a 400 with AADSTS90002 for an
//! unknown tenant (reference §1.1 [I7]). Limits: `/common` style aliases
//! answer with the `{tenantid}` template like Entra, but the sandbox's token
//! endpoint refuses them for client credentials.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::TenantLookup;
use super::aadsts::{Aadsts, RequestIds};
use super::jws;
use super::token::request_origin;
use crate::sandbox::Sandbox;

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(sandbox): State<Arc<Sandbox>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    sandbox.count("discovery", None);
    let ids = RequestIds::from_headers(&headers);
    let tenant_id = match sandbox.directory.lookup(&tenant_segment) {
        TenantLookup::Found(t) => t.id.clone(),
        TenantLookup::MultiTenant => "{tenantid}".to_owned(),
        TenantLookup::NotFound => {
            return Aadsts::tenant_not_found(&tenant_segment).render(&ids, sandbox.now());
        }
        TenantLookup::Malformed => {
            return Aadsts::tenant_malformed(&tenant_segment).render(&ids, sandbox.now());
        }
    };
    let origin = request_origin(&sandbox, &headers, &uri);
    let path_tenant = if tenant_id == "{tenantid}" {
        tenant_segment.to_ascii_lowercase()
    } else {
        tenant_id.clone()
    };
    let base = format!("{origin}/{path_tenant}");
    let host = origin.split("://").nth(1).unwrap_or_default().to_owned();
    let body = json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{origin}/{tenant_id}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{origin}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/kerberos"),
        "tenant_region_scope": "NA",
        // NOTE: Entra names its cloud, not a host:port (reference §1.1
        // [S39]: `microsoftonline.com` for the global cloud); the sandbox
        // plays the global cloud.
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": origin,
    });
    ids.stamp(axum::Json(body).into_response())
}

/// `GET /{tenant}/discovery/v2.0/keys`: the key that signs access tokens, as a JWKS.
pub async fn keys(
    State(sandbox): State<Arc<Sandbox>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    sandbox.count("discovery", None);
    let ids = RequestIds::from_headers(&headers);
    match sandbox.directory.lookup(&tenant_segment) {
        TenantLookup::Found(_) | TenantLookup::MultiTenant => {}
        TenantLookup::NotFound => {
            return Aadsts::tenant_not_found(&tenant_segment).render(&ids, sandbox.now());
        }
        TenantLookup::Malformed => {
            return Aadsts::tenant_malformed(&tenant_segment).render(&ids, sandbox.now());
        }
    }
    let key = &sandbox.token_key;
    let (n, e) = match key.public.rsa() {
        Ok(rsa) => (rsa.n().to_vec(), rsa.e().to_vec()),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let body = json!({"keys": [{
        "kty": "RSA",
        "use": "sig",
        "kid": key.kid,
        "x5t": key.kid,
        "n": jws::b64url(&n),
        "e": jws::b64url(&e),
    }]});
    ids.stamp(axum::Json(body).into_response())
}

//! The HTTP transport shared by the token client and the Graph client: how a
//! `reqwest::Client` is built (timeouts, an extra trusted root, proxies from
//! the environment with loopback never proxied), which URLs may be used
//! (HTTPS, or plain HTTP to a loopback host only), and the retry policy
//! (which answers are retried, how long to wait).
//!
//! The retry *loop* lives with its callers: the Graph client has to release
//! its per-mailbox slot while it waits, the token client does not.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{NoProxy, Proxy, StatusCode};

use super::token::error_chain;

/// How the HTTP client is built. Defaults follow SPEC §4.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    /// Time allowed to open a TCP (and TLS) connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Time allowed for one request, from connecting to the end of the body.
    /// Default 15 s.
    pub request_timeout: Duration,
    /// An extra trusted root certificate (PEM file), added to the system
    /// roots: TLS-inspecting proxies, the sandbox's CA.
    pub ca_file: Option<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            ca_file: None,
        }
    }
}

/// A URL or client setup graphmail refuses to use.
#[derive(Debug, thiserror::Error)]
pub enum HttpSetupError {
    #[error("invalid URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "refusing plain http:// for {url}: only loopback hosts (127.0.0.1, ::1, localhost) may be reached without TLS; use https://"
    )]
    InsecureUrl { url: String },
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("invalid proxy setting {var}: {reason}")]
    Proxy { var: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// True for `localhost`, `127.0.0.0/8` and `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if trimmed.eq_ignore_ascii_case("localhost") {
        return true;
    }
    trimmed
        .parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Checks that `url` is `https://`, or `http://` to a loopback host.
pub fn check_url(url: &str) -> Result<url::Url, HttpSetupError> {
    let parsed = url::Url::parse(url).map_err(|e| HttpSetupError::InvalidUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            if is_loopback_host(host) {
                Ok(parsed)
            } else {
                Err(HttpSetupError::InsecureUrl {
                    url: url.to_string(),
                })
            }
        }
        other => Err(HttpSetupError::InvalidUrl {
            url: url.to_string(),
            reason: format!("unsupported scheme {other}: use https://"),
        }),
    }
}

fn env_first(names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name.to_string(), v))
    })
}

/// The exemptions: whatever `NO_PROXY` says, plus loopback, always.
fn no_proxy_list() -> Option<NoProxy> {
    let user = env_first(&["NO_PROXY", "no_proxy"])
        .map(|(_, v)| v)
        .unwrap_or_default();
    let mut list = String::from("localhost,127.0.0.0/8,::1");
    if !user.trim().is_empty() {
        list.push(',');
        list.push_str(&user);
    }
    NoProxy::from_string(&list)
}

fn proxy_from(
    var: &str,
    value: &str,
    make: fn(&str) -> reqwest::Result<Proxy>,
) -> Result<Proxy, HttpSetupError> {
    make(value)
        .map(|p| p.no_proxy(no_proxy_list()))
        .map_err(|e| HttpSetupError::Proxy {
            var: var.to_string(),
            reason: e.to_string(),
        })
}

/// Installs rustls' `ring` crypto provider as the process default, which
/// reqwest's TLS (`rustls-no-provider`) needs before any client is built.
/// Idempotent; [`build_http_client`] calls it, code that builds a
/// `reqwest::Client` itself (tests, the benchmark) must call it first.
pub fn install_tls_provider() {
    // Err means a provider is already installed: fine either way.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the one HTTP client of a run.
///
/// TLS is rustls, verifying with the system's roots (`SSL_CERT_FILE` /
/// `SSL_CERT_DIR` when set, else the usual OpenSSL locations) plus the
/// `ca_file` root. rustls parses the roots far faster than OpenSSL, whose
/// loading of the system bundle cost ~100 ms per run.
///
/// NOTE: reqwest's automatic system proxy does not exempt loopback from
/// `ALL_PROXY`/`HTTPS_PROXY` (reference crates.md), so the proxies are built
/// here from the environment with loopback always added to `NO_PROXY`.
pub fn build_http_client(options: &HttpOptions) -> Result<reqwest::Client, HttpSetupError> {
    install_tls_provider();
    let extra = match &options.ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    match client_builder(options)?
        .tls_certs_merge(extra.clone())
        .build()
    {
        Ok(client) => Ok(client),
        // The platform verifier refuses to start without a single system
        // root. Plain HTTP to loopback (the sandbox) must still work, and an
        // HTTPS endpoint should fail on its certificate, in the step that
        // reaches it: trust only the CA file then.
        Err(first) => match client_builder(options)?.tls_certs_only(extra).build() {
            Ok(client) => {
                tracing::warn!(
                    "no system CA certificates could be loaded ({}): HTTPS servers are trusted only through --ca-file",
                    error_chain(&first)
                );
                Ok(client)
            }
            Err(_) => Err(HttpSetupError::Client(error_chain(&first))),
        },
    }
}

/// The builder with everything but the trusted roots.
fn client_builder(options: &HttpOptions) -> Result<reqwest::ClientBuilder, HttpSetupError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .user_agent(concat!("graphmail/", env!("CARGO_PKG_VERSION")))
        .no_proxy();

    let https = env_first(&["HTTPS_PROXY", "https_proxy"])
        .or_else(|| env_first(&["ALL_PROXY", "all_proxy"]));
    let http =
        env_first(&["HTTP_PROXY", "http_proxy"]).or_else(|| env_first(&["ALL_PROXY", "all_proxy"]));
    if let Some((var, value)) = https {
        builder = builder.proxy(proxy_from(&var, &value, |v| Proxy::https(v))?);
    }
    if let Some((var, value)) = http {
        builder = builder.proxy(proxy_from(&var, &value, |v| Proxy::http(v))?);
    }
    Ok(builder)
}

/// The certificates of the `--ca-file` PEM bundle (at least one).
fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, HttpSetupError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|e| HttpSetupError::CaFile {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let certs =
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| HttpSetupError::CaFile {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(HttpSetupError::CaFile {
            path: shown,
            reason: "no PEM certificate in the file".into(),
        });
    }
    Ok(certs)
}

/// When and how often a request is retried (SPEC §4).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. Default 4.
    pub max_attempts: u32,
    /// The longest `Retry-After` honoured; a longer one ends the request with
    /// an error that names it. Default 30 s.
    pub max_retry_after: Duration,
    /// First backoff delay when the service gives no `Retry-After`; doubled
    /// each attempt, with jitter. Default 500 ms.
    pub backoff_base: Duration,
    /// Cap of one backoff delay. Default 8 s.
    pub backoff_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_retry_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// Statuses worth another attempt: throttling and gateway trouble.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 503 | 504)
    }

    /// Jittered exponential backoff before attempt `attempt + 1` (`attempt`
    /// counts from 1): a random delay between half and all of
    /// `base * 2^(attempt-1)`, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.backoff_max);
        let factor: f64 = rand::rng().random_range(0.5..=1.0);
        capped.mul_f64(factor)
    }
}

/// Reads `Retry-After` as integer seconds, fractional seconds (Graph's
/// documented sample is `2.128`) or an HTTP date. `None` when absent or
/// unreadable.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after_value(raw, SystemTime::now())
}

/// [`parse_retry_after`] on a header value, relative to `now`.
pub fn parse_retry_after_value(raw: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = raw.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
        return None;
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("127.9.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("graph.microsoft.com"));
        assert!(!is_loopback_host("10.0.0.1"));
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(check_url("https://login.microsoftonline.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://[::1]:8080/x").is_ok());
        let err = check_url("http://graph.example.com").unwrap_err();
        assert!(err.to_string().contains("only loopback"), "{err}");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after_value("3", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after_value("2.128", now),
            Some(Duration::from_millis(2128))
        );
        let later = now + Duration::from_secs(10);
        let date = httpdate::fmt_http_date(later);
        let parsed = parse_retry_after_value(&date, now).unwrap();
        assert!(
            parsed <= Duration::from_secs(10) && parsed >= Duration::from_secs(8),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after_value("-1", now), None);
        assert_eq!(parse_retry_after_value("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let d = policy.backoff(attempt);
            assert!(d <= policy.backoff_max);
        }
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
    }
}

//! The HTTP transport shared by the token client and the Graph client: how a
//! `reqwest::Client` is built (timeouts, an extra trusted root, proxies from
//! the environment with loopback never proxied, no redirects followed,
//! `localhost` pinned to 127.0.0.1), which URLs may be used (HTTPS, or plain
//! HTTP to loopback only), and the retry rules of SPEC §4: which answers and
//! failures are transient, how long to wait, and the deadline that bounds it
//! all ([`RetryPolicy`], [`RetryStats`]).
//!
//! The retry *loops* live with their callers: the Graph client has to release
//! its per-mailbox slot while it waits, the token client does not.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{NoProxy, Proxy, StatusCode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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
        "refusing plain http:// for {url}: only loopback addresses (127.0.0.0/8, [::1], and localhost as 127.0.0.1) may be reached without TLS; use https://"
    )]
    InsecureUrl { url: String },
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("invalid proxy setting {var}: {reason}")]
    Proxy { var: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// True for a loopback IP literal (`127.0.0.0/8`, `[::1]`) and for the
/// name `localhost`, which every client of [`build_http_client`] sends to
/// `127.0.0.1` without asking the resolver (so a hosts file or DNS answer
/// cannot send plain HTTP elsewhere). Any other name is not loopback.
pub fn is_loopback_host(host: &str) -> bool {
    loopback_name_ip(host).is_some()
}

/// The loopback address `host` stands for: the literal itself, `127.0.0.1`
/// for `localhost`, `None` for anything else.
pub(crate) fn loopback_name_ip(host: &str) -> Option<IpAddr> {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if trimmed.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    trimmed.parse::<IpAddr>().ok().filter(IpAddr::is_loopback)
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
/// `ca_file` roots. The system roots load on their own thread and are
/// waited for only by the first certificate check ([`super::tls`]): the
/// first request does not wait for them. rustls parses the roots far faster
/// than OpenSSL, whose loading of the system bundle cost ~100 ms per run.
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
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let tls = super::tls::client_config(provider, extra)
        .map_err(|e| HttpSetupError::Client(e.to_string()))?;
    client_builder(options)?
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| HttpSetupError::Client(error_chain(&e)))
}

/// The builder with everything but the trusted roots.
fn client_builder(options: &HttpOptions) -> Result<reqwest::ClientBuilder, HttpSetupError> {
    pinned_builder(options, reqwest::Client::builder())
}

/// `builder` with graphmail's settings: timeouts, no redirects, `localhost`
/// pinned, proxies from the environment.
fn pinned_builder(
    options: &HttpOptions,
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, HttpSetupError> {
    let mut builder = builder
        .connect_timeout(options.connect_timeout)
        .timeout(options.request_timeout)
        .user_agent(concat!("graphmail/", env!("CARGO_PKG_VERSION")))
        // NOTE: reqwest follows up to 10 redirects by default, https to http
        // included, and re-sends a POST body (the token form with its secret)
        // on 307/308 to any host. Entra and Graph never need one followed.
        .redirect(reqwest::redirect::Policy::none())
        // `localhost` is loopback by definition, not by the resolver's say.
        // (Port 0: the URL's port is used.)
        .resolve("localhost", SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
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

/// The certificates of the `--ca-file` PEM bundle (at least one), each
/// usable as a trusted root.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, HttpSetupError> {
    let shown = path.display().to_string();
    let refused = |reason: String| HttpSetupError::CaFile {
        path: shown.clone(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refused(format!("not a PEM certificate bundle: {e}")))?;
    if certs.is_empty() {
        return Err(refused("no PEM certificate in the file".into()));
    }
    for (n, cert) in certs.iter().enumerate() {
        super::tls::usable_root(cert).map_err(|e| {
            refused(format!(
                "certificate {} cannot be a trusted root: {e}",
                n + 1
            ))
        })?;
    }
    Ok(certs)
}

/// When and for how long a request is retried (SPEC §4).
///
/// Retries are bounded by time, not by a count: a transient answer is
/// retried until the call's deadline ([`RetryPolicy::budget`] from its start
/// unless the caller gives one), and a wait that would cross the deadline is
/// not started.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The longest `Retry-After` honoured; a longer one ends the request with
    /// an error that names it. Default 30 s.
    pub max_retry_after: Duration,
    /// First backoff delay when the service gives no `Retry-After`; doubled
    /// each attempt, with jitter. Default 500 ms.
    pub backoff_base: Duration,
    /// Cap of one backoff delay. Default 8 s.
    pub backoff_max: Duration,
    /// The deadline of a call made without one (`mail peek`, `mail send`):
    /// this long after it starts. Default 60 s, a target's deadline.
    pub budget: Duration,
    /// How long a connection that cannot be opened at all (refused, no such
    /// host, no route) is tried again. Nothing answered, but nothing is busy
    /// either: waiting the whole deadline for a wrong port helps nobody.
    /// Default 3 s.
    pub connect_window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retry_after: Duration::from_secs(30),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            budget: Duration::from_secs(60),
            connect_window: Duration::from_secs(3),
        }
    }
}

impl RetryPolicy {
    /// Statuses worth another attempt: throttling and gateway trouble. A
    /// request that is not idempotent is re-sent only on 429 and 503 (the
    /// service says it did not take the request); after a 502 or 504 it may
    /// have been carried out behind the gateway.
    pub fn is_retryable_status(status: StatusCode, idempotent: bool) -> bool {
        match status.as_u16() {
            429 | 503 => true,
            502 | 504 => idempotent,
            _ => false,
        }
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

/// The retries one call (or one step) met: shown per step in reports
/// ("throttled twice, waited 6 s"). Carried by successes and failures alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryStats {
    /// Requests sent again after the first.
    pub retries: u32,
    /// Answers that said "busy" (429, 503) among them.
    pub throttled: u32,
    /// The 429s ("too many requests") among `throttled`; the rest were 503s.
    pub rate_limited: u32,
    /// Time spent waiting between attempts.
    pub waited: Duration,
}

impl RetryStats {
    /// Adds another call's retries (a paged listing, a step of many calls).
    pub fn add(&mut self, other: RetryStats) {
        self.retries = self.retries.saturating_add(other.retries);
        self.throttled = self.throttled.saturating_add(other.throttled);
        self.rate_limited = self.rate_limited.saturating_add(other.rate_limited);
        self.waited = self.waited.saturating_add(other.waited);
    }
}

impl std::fmt::Display for RetryStats {
    /// `3 retries (throttled 2 times), waited 6.2 s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.retries == 1 {
            "retry"
        } else {
            "retries"
        };
        write!(f, "{} {plural}", self.retries)?;
        match self.throttled {
            0 => {}
            1 => f.write_str(" (throttled once)")?,
            n => write!(f, " (throttled {n} times)")?,
        }
        write!(f, ", waited {:.1} s", self.waited.as_secs_f64())
    }
}

/// What to do before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plan {
    /// Wait this long, then try again.
    Wait(Duration),
    /// The service asked for a longer wait than graphmail honours.
    TooLong(Duration),
    /// The wait would end past the deadline: stop now with what the
    /// service said.
    PastDeadline,
}

/// The retry bookkeeping of one call: its deadline and the waits so far.
#[derive(Debug)]
pub(crate) struct RetryBudget<'a> {
    policy: &'a RetryPolicy,
    pub deadline: Instant,
    started: Instant,
    pub stats: RetryStats,
}

impl<'a> RetryBudget<'a> {
    /// `deadline: None` = [`RetryPolicy::budget`] from now.
    pub fn new(policy: &'a RetryPolicy, deadline: Option<Instant>) -> Self {
        let started = Instant::now();
        let deadline = deadline.unwrap_or_else(|| {
            started
                .checked_add(policy.budget)
                .unwrap_or(started + Duration::from_secs(86_400))
        });
        RetryBudget {
            policy,
            deadline,
            started,
            stats: RetryStats::default(),
        }
    }

    /// How long the call was given, for messages.
    pub fn allowed(&self) -> Duration {
        self.deadline.saturating_duration_since(self.started)
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.policy.max_retry_after
    }

    /// Still within the window in which an unopenable connection is retried.
    pub fn in_connect_window(&self) -> bool {
        self.started.elapsed() < self.policy.connect_window
    }

    /// The wait before the next attempt: `Retry-After` when the service gave
    /// one, else the jittered backoff.
    pub fn plan(&self, retry_after: Option<Duration>) -> Plan {
        let wait = match retry_after {
            Some(wait) if wait > self.policy.max_retry_after => return Plan::TooLong(wait),
            Some(wait) => wait,
            None => self.policy.backoff(self.stats.retries.saturating_add(1)),
        };
        match Instant::now().checked_add(wait) {
            Some(end) if end < self.deadline => Plan::Wait(wait),
            _ => Plan::PastDeadline,
        }
    }

    /// Sleeps `wait` and counts the retry it precedes. `answer` is the
    /// status that asked for it (`None`: no answer, the connection failed).
    pub async fn wait(&mut self, wait: Duration, answer: Option<u16>) {
        tokio::time::sleep(wait).await;
        self.stats.retries = self.stats.retries.saturating_add(1);
        if let Some(status) = answer.filter(|s| is_throttling(*s)) {
            self.stats.throttled = self.stats.throttled.saturating_add(1);
            if status == 429 {
                self.stats.rate_limited = self.stats.rate_limited.saturating_add(1);
            }
        }
        self.stats.waited = self.stats.waited.saturating_add(wait);
    }

    /// Counts a re-send that needed no wait (a fresh token after a 401).
    pub fn count_resend(&mut self) {
        self.stats.retries = self.stats.retries.saturating_add(1);
    }
}

/// Whether a status means "busy" (counted as throttling).
pub(crate) fn is_throttling(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// How many requests to each host (`host:port`) got an HTTP answer in this
/// process: a dropped connection's message says how many went through
/// before it, which tells a proxy that cuts connections from a host that
/// cannot be reached.
///
/// NOTE: process-wide on purpose: the token client and the Graph client
/// reach the same host over one HTTP client and a run is one process; a
/// count per host needs no plumbing through either client.
///
/// Counted under the URL's origin as written, which a lookup compares
/// without parsing (a run notes every answer, thousands at scale); each
/// origin's `host:port` is worked out once, when it is first seen.
static ANSWERED: std::sync::Mutex<Vec<Answered>> = std::sync::Mutex::new(Vec::new());

struct Answered {
    /// `scheme://authority` as written in the URLs.
    origin: String,
    /// [`host_port`] of that origin.
    host: String,
    count: u32,
}

/// `host:port` of `url` (the port scheme's default when not given).
fn host_port(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| url.to_string())
}

/// `scheme://authority` of `url` as written: up to the path, query or
/// fragment.
fn origin_as_written(url: &str) -> &str {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let end = url[authority..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority + i);
    &url[..end]
}

/// Counts an HTTP answer (any status) from `url`'s host.
pub(crate) fn note_answer(url: &str) {
    let origin = origin_as_written(url);
    let mut answered = ANSWERED.lock().unwrap_or_else(|e| e.into_inner());
    match answered.iter_mut().find(|a| a.origin == origin) {
        Some(a) => a.count = a.count.saturating_add(1),
        None => answered.push(Answered {
            origin: origin.to_string(),
            host: host_port(url),
            count: 1,
        }),
    }
}

/// HTTP answers from `url`'s host so far in this process, however its
/// URLs spelled it.
pub(crate) fn answers_from(url: &str) -> u32 {
    let host = host_port(url);
    ANSWERED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|a| a.host == host)
        .fold(0, |n, a| n.saturating_add(a.count))
}

/// What a connection closed under a request says: it was open (so name
/// resolution, routing and the firewall's connect rules are fine), and how
/// many requests to the host went through before, then `detail` (reqwest's
/// chain).
pub(crate) fn describe_dropped(url: &str, detail: &str, attempts: u32) -> String {
    let host = host_port(url);
    let before = match answers_from(url) {
        0 => "no earlier request to that host had been answered".to_string(),
        1 => "1 earlier request to that host succeeded".to_string(),
        n => format!("{n} earlier requests to that host succeeded"),
    };
    let tries = match attempts {
        0 | 1 => String::new(),
        n => format!(", {n} times"),
    };
    format!(
        "the connection to {host} was closed by the server or a proxy after it was opened{tries} ({before}): {detail}"
    )
}

/// What to do about a connection to `url`'s host that was closed under a
/// request, for hints. `maybe_carried_out`: the request was a send, which
/// must not simply be retried.
pub fn dropped_connection_fix(url: &str, maybe_carried_out: bool) -> String {
    let host = host_port(url);
    let then = if maybe_carried_out {
        ". The service may have carried the request out before the connection closed: look in the mailbox (Sent Items for a send) before sending again."
    } else {
        ", then retry."
    };
    format!(
        "The connection to {host} was opened, then closed before the answer was complete, so the host is reachable. A proxy or firewall in between (HTTPS_PROXY) may cut long or idle connections, or the server restarted: check the proxy's idle and connection limits{then}"
    )
}

/// What went wrong on the wire, as far as retrying is concerned.
#[derive(Debug)]
pub(crate) enum WireFailure {
    /// The server's TLS certificate was refused: not transient.
    Certificate(String),
    /// No connection could be opened (refused, no such host, no answer
    /// within the connect timeout): the request never left, so it may be
    /// sent again whatever its method.
    Connect(String),
    /// No answer within the request timeout.
    Timeout,
    /// The connection failed after the request may have been sent.
    Dropped(String),
}

/// Sorts a reqwest error for the retry loops.
pub(crate) fn wire_failure(e: &reqwest::Error) -> WireFailure {
    if let Some(reason) = certificate_rejection(e) {
        return WireFailure::Certificate(reason);
    }
    // NOTE: a connect timeout is both; it is a connect failure first: the
    // request never left, so even a send may go again.
    if e.is_connect() {
        WireFailure::Connect(error_chain(e))
    } else if e.is_timeout() {
        WireFailure::Timeout
    } else {
        WireFailure::Dropped(error_chain(e))
    }
}

/// rustls' reason when the error chain holds a refused server certificate.
///
/// NOTE: `io::Error::source` skips the error it wraps (hyper-util wraps
/// rustls' error in two of them), so io::Errors are unwrapped by hand.
fn certificate_rejection(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(mut err) = current {
        loop {
            if let Some(reason) = as_certificate_error(err) {
                return Some(reason);
            }
            match err
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(inner) => err = inner,
                None => break,
            }
        }
        current = err.source();
    }
    None
}

fn as_certificate_error(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    match err.downcast_ref::<rustls::Error>()? {
        rustls::Error::InvalidCertificate(reason) => {
            use rustls::CertificateError as C;
            Some(match reason {
                C::UnknownIssuer => "its issuer is not a trusted CA".to_string(),
                C::Expired | C::ExpiredContext { .. } => "it has expired".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => {
                    "it is not valid yet (or this machine's clock is off)".to_string()
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "it is not valid for this host name".to_string()
                }
                C::Revoked => "it has been revoked".to_string(),
                other => format!("{other:?}"),
            })
        }
        _ => None,
    }
}

/// The message for a refused certificate: what the server presented (when a
/// second, unverified look at it succeeds) and what to do.
pub(crate) async fn describe_certificate_rejection(url: &str, reason: &str) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| Some((u.host_str()?.to_string(), u.port_or_known_default()?)));
    // NOTE: through a proxy the refused certificate is the proxy's (a
    // TLS-inspecting one) and a direct look would show another: look only
    // where no proxy is in the way.
    let proxied = env_first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]).is_some();
    let presented = match &host {
        Some((name, port)) if !proxied || is_loopback_host(name) => {
            presented_certificate(name.clone(), *port).await
        }
        _ => None,
    };
    let shown = host
        .as_ref()
        .map(|(h, p)| format!("{h}:{p}"))
        .unwrap_or_else(|| url.to_string());
    let mut text = format!("the TLS certificate of {shown} was rejected ({reason})");
    if let Some(presented) = presented {
        text.push_str(&format!("; it presented {presented}"));
    }
    text.push_str(
        ". If a TLS-inspecting proxy sits in between, pass its root CA with --ca-file; otherwise \
         the issuer must be in the system trust store (or SSL_CERT_FILE / SSL_CERT_DIR)",
    );
    text
}

/// Subject and issuer of the certificate `host:port` presents, read with
/// verification off: only to say what was refused, never to send anything.
/// `None` when a direct connection does not succeed within 2 s (a proxy in
/// between, for one).
async fn presented_certificate(host: String, port: u16) -> Option<String> {
    let task = tokio::task::spawn_blocking(move || {
        use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
        use std::net::{TcpStream, ToSocketAddrs};
        let limit = Duration::from_secs(2);
        let ip = loopback_name_ip(&host);
        let addr = match ip {
            Some(ip) => std::net::SocketAddr::new(ip, port),
            None => (host.trim_start_matches('[').trim_end_matches(']'), port)
                .to_socket_addrs()
                .ok()?
                .next()?,
        };
        let stream = TcpStream::connect_timeout(&addr, limit).ok()?;
        stream.set_read_timeout(Some(limit)).ok()?;
        stream.set_write_timeout(Some(limit)).ok()?;
        let mut builder = SslConnector::builder(SslMethod::tls_client()).ok()?;
        builder.set_verify(SslVerifyMode::NONE);
        let connector = builder.build();
        let mut config = connector.configure().ok()?;
        config.set_verify_hostname(false);
        let sni = host.trim_start_matches('[').trim_end_matches(']');
        let ssl = config.connect(sni, stream).ok()?;
        let cert = ssl.ssl().peer_certificate()?;
        Some(format!(
            "subject {}, issued by {}",
            super::certificate::one_line_name(cert.subject_name()),
            super::certificate::one_line_name(cert.issuer_name())
        ))
    });
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .ok()?
        .ok()?
}

/// Why a 3xx is an error: graphmail follows no redirects (a token form or a
/// bearer token must never be re-sent to wherever a `Location` points).
pub(crate) fn redirect_refusal(status: u16, headers: &HeaderMap) -> String {
    let location = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(no Location header)");
    format!(
        "HTTP {status} redirect to {location}: graphmail follows no redirects; point the endpoint at its final address"
    )
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
    fn answers_count_per_host_however_its_urls_spell_it() {
        // Process-wide counts: a host no other test uses.
        let url = "https://answers.test.invalid/v1.0/users/a?$top=1";
        assert_eq!(answers_from(url), 0);
        note_answer(url);
        note_answer("https://answers.test.invalid/v1.0/users/b");
        note_answer("https://ANSWERS.test.invalid:443/v1.0/%24batch");
        note_answer("https://answers.test.invalid:8443/v1.0/users/a");
        note_answer("https://answers.test.invalid?x#y");
        assert_eq!(answers_from("https://answers.test.invalid/other"), 4);
        assert_eq!(answers_from("https://answers.test.invalid:8443/"), 1);
        assert_eq!(origin_as_written("https://h:1/p?q"), "https://h:1");
        assert_eq!(origin_as_written("https://h?q"), "https://h");
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("127.9.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("graph.microsoft.com"));
        assert!(!is_loopback_host("10.0.0.1"));
        // Names that merely look local are not.
        assert!(!is_loopback_host("localhost.evil.com"));
        assert!(!is_loopback_host("localhost."));
        assert!(!is_loopback_host("foo.localhost"));
        assert!(!is_loopback_host("[::ffff:127.0.0.1]"));
        assert_eq!(
            loopback_name_ip("localhost"),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
    }

    /// A resolver that answers every name with 127.0.0.1 and remembers the
    /// names it was asked.
    struct Recording(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl reqwest::dns::Resolve for Recording {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            self.0.lock().unwrap().push(name.as_str().to_string());
            let addrs: reqwest::dns::Addrs =
                Box::new(std::iter::once(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))));
            Box::pin(async move { Ok(addrs) })
        }
    }

    /// Issue 12 #10: `localhost` goes to 127.0.0.1 without asking the
    /// resolver (a hosts file or DNS could point it anywhere); other names
    /// are resolved as usual.
    #[tokio::test]
    async fn localhost_is_never_resolved() {
        install_tls_provider();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            }
        });
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let builder =
            reqwest::Client::builder().dns_resolver(std::sync::Arc::new(Recording(asked.clone())));
        let client = pinned_builder(&HttpOptions::default(), builder)
            .unwrap()
            .build()
            .unwrap();
        let url = check_url(&format!("http://localhost:{port}/")).unwrap();
        let answer = client.get(url).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 204);
        assert!(asked.lock().unwrap().is_empty(), "{asked:?}");
        // The resolver is in use for other names.
        let answer = client
            .get(format!("http://any.example:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 204);
        assert_eq!(*asked.lock().unwrap(), vec!["any.example".to_string()]);
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(check_url("https://login.microsoftonline.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://[::1]:8080/x").is_ok());
        assert!(check_url("http://localhost:8080/x").is_ok());
        assert!(check_url("http://localhost.evil.com:8080/x").is_err());
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

//! Proxies: which variables are set, which proxy (if any) graphmail uses for
//! each endpoint, and whether that proxy answers.
//!
//! The rule mirrors the HTTP client's (`auth::http::build_http_client`):
//! `HTTPS_PROXY` (else `ALL_PROXY`) for https, `HTTP_PROXY` (else
//! `ALL_PROXY`) for http, upper case before lower case; loopback is never
//! proxied; `NO_PROXY` is matched as reqwest matches it (curl agrees on these
//! forms): comma-separated entries, `*` for everything, an IP or a CIDR
//! block for IP hosts, and a domain (with or without a leading dot) matching
//! itself and every subdomain.

use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::auth::is_loopback_host;

use super::report::{Finding, Health};
use super::target::Endpoint;

/// Every variable that changes how graphmail connects.
pub const VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The proxy variables of this process, as read once.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    /// `(name, value)` of each non-empty variable, in [`VARIABLES`] order.
    pub set: Vec<(String, String)>,
}

impl ProxyEnv {
    pub fn from_process() -> Self {
        ProxyEnv {
            set: VARIABLES
                .iter()
                .filter_map(|name| {
                    std::env::var(name)
                        .ok()
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| (name.to_string(), v))
                })
                .collect(),
        }
    }

    fn first(&self, names: &[&str]) -> Option<(String, String)> {
        names
            .iter()
            .find_map(|n| self.set.iter().find(|(k, _)| k == n).cloned())
    }

    fn no_proxy(&self) -> Option<(String, String)> {
        self.first(&["NO_PROXY", "no_proxy"])
    }

    /// How graphmail reaches `endpoint`.
    pub fn route(&self, endpoint: &Endpoint) -> Route {
        let proxy = if endpoint.scheme == "https" {
            self.first(&["HTTPS_PROXY", "https_proxy"])
                .or_else(|| self.first(&["ALL_PROXY", "all_proxy"]))
        } else {
            self.first(&["HTTP_PROXY", "http_proxy"])
                .or_else(|| self.first(&["ALL_PROXY", "all_proxy"]))
        };
        let Some((var, value)) = proxy else {
            return Route::Direct(format!(
                "no proxy variable applies to {}://",
                endpoint.scheme
            ));
        };
        if let Some((no_var, list)) = self.no_proxy()
            && let Some(entry) = no_proxy_match(&list, &endpoint.host)
        {
            return Route::Direct(format!("{no_var} entry `{entry}` exempts it from {var}"));
        }
        if is_loopback_host(&endpoint.host) {
            return Route::Direct(format!(
                "loopback is never proxied by graphmail (tools such as curl would use {var}: add {} to NO_PROXY for them)",
                endpoint.host
            ));
        }
        Route::Proxy(ProxyTarget::parse(&var, &value))
    }
}

/// How an endpoint is reached.
#[derive(Debug, Clone)]
pub enum Route {
    /// Directly, and why.
    Direct(String),
    Proxy(ProxyTarget),
}

/// A proxy named by a variable.
#[derive(Debug, Clone)]
pub struct ProxyTarget {
    pub var: String,
    /// The URL with any password replaced by `***`.
    pub shown: String,
    pub host: String,
    pub port: u16,
    /// `user:password` from the URL, for `Proxy-Authorization` (never shown).
    pub userinfo: Option<String>,
    /// Why it cannot be used, when the value is not a usable URL.
    pub invalid: Option<String>,
}

impl ProxyTarget {
    pub fn parse(var: &str, value: &str) -> Self {
        // NOTE: like reqwest, a value without a scheme means http://.
        let with_scheme = if value.contains("://") {
            value.trim().to_string()
        } else {
            format!("http://{}", value.trim())
        };
        match url::Url::parse(&with_scheme) {
            Ok(mut url) => {
                let host = url.host_str().unwrap_or_default().to_string();
                let port = url.port_or_known_default().unwrap_or(1080);
                let userinfo = (!url.username().is_empty())
                    .then(|| format!("{}:{}", url.username(), url.password().unwrap_or_default()));
                if url.password().is_some() {
                    let _ = url.set_password(Some("***"));
                }
                // NOTE: graphmail's reqwest is built without its `socks`
                // feature (Cargo.toml), so a SOCKS proxy cannot be used.
                let invalid = match url.scheme() {
                    "http" | "https" if !host.is_empty() => None,
                    "http" | "https" => Some("it names no host".to_string()),
                    s if s.starts_with("socks") => {
                        Some(format!("graphmail is built without SOCKS support ({s}://)"))
                    }
                    other => Some(format!("scheme {other} is not supported")),
                };
                ProxyTarget {
                    var: var.to_string(),
                    shown: url.to_string().trim_end_matches('/').to_string(),
                    host: host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string(),
                    port,
                    userinfo,
                    invalid,
                }
            }
            Err(e) => ProxyTarget {
                var: var.to_string(),
                shown: "(not a URL)".to_string(),
                host: String::new(),
                port: 0,
                userinfo: None,
                invalid: Some(format!("not a URL: {e}")),
            },
        }
    }

    /// True for a plain-http proxy, which doctor tunnels through with
    /// `CONNECT`; an https:// proxy (TLS to the proxy itself) is not probed.
    pub fn speaks_connect(&self) -> bool {
        self.shown.starts_with("http://")
    }
}

/// The `NO_PROXY` entry that exempts `host`, if any.
pub fn no_proxy_match(list: &str, host: &str) -> Option<String> {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let ip: Option<IpAddr> = host.parse().ok();
    for raw in list.split(',') {
        let entry = raw.trim();
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return Some(entry.to_string());
        }
        let bare = entry.trim_start_matches('[').trim_end_matches(']');
        if let Some(ip) = ip {
            if let Some((net, bits)) = bare.split_once('/') {
                if let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>())
                    && in_cidr(ip, net, bits)
                {
                    return Some(entry.to_string());
                }
            } else if bare.parse::<IpAddr>().ok() == Some(ip) {
                return Some(entry.to_string());
            }
            continue;
        }
        let domain = bare.trim_start_matches('.').to_ascii_lowercase();
        if domain.is_empty() {
            continue;
        }
        if host == domain || host.ends_with(&format!(".{domain}")) {
            return Some(entry.to_string());
        }
    }
    None
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Opens a TCP connection to `host:port` within `timeout` (each resolved
/// address in turn, sharing the time).
pub fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), String> {
    let started = Instant::now();
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} resolved to no address");
    for addr in addrs {
        let left = timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(format!(
                "no answer from {host}:{port} within {}s",
                timeout.as_secs()
            ));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok((stream, addr)),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!("no answer from {addr} within {}s", timeout.as_secs());
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// The findings about the variables themselves and each proxy in use.
/// `answers` holds, for each proxy variable in use, whether its proxy took a
/// TCP connection (`Err` with the reason otherwise).
pub fn findings(
    env: &ProxyEnv,
    endpoints: &[Endpoint],
    answers: &[(String, Result<(), String>, u64)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    if env.set.is_empty() {
        out.push(Finding::ok(
            "proxy",
            "environment",
            "no proxy variable is set (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, or lower case): graphmail connects directly",
        ));
    } else {
        let shown: Vec<String> = env
            .set
            .iter()
            .map(|(k, v)| match k.to_ascii_lowercase().as_str() {
                "no_proxy" => format!("{k}={v}"),
                _ => format!("{k}={}", ProxyTarget::parse(k, v).shown),
            })
            .collect();
        let mut finding = Finding::ok("proxy", "environment", format!("set: {}", shown.join(", ")));
        let conflicts: Vec<String> = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"]
            .iter()
            .filter_map(|upper| {
                let lower = upper.to_ascii_lowercase();
                let a = env.set.iter().find(|(k, _)| k == upper)?;
                let b = env.set.iter().find(|(k, _)| *k == lower)?;
                (a.1 != b.1).then(|| format!("{upper} and {lower} differ; graphmail uses {upper}"))
            })
            .collect();
        if !conflicts.is_empty() {
            finding = Finding::warning(
                "proxy",
                "environment",
                format!("{}; {}", finding.detail, conflicts.join("; ")),
                "set the upper- and lower-case forms to the same value (other tools read the lower case first)",
            );
        }
        finding.facts.insert(
            "variables".into(),
            env.set
                .iter()
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
                .into(),
        );
        out.push(finding);
    }
    // One line per endpoint: how it is reached.
    for endpoint in endpoints {
        let route = env.route(endpoint);
        let finding = match &route {
            Route::Direct(why) => {
                Finding::ok("proxy", endpoint.subject(), format!("direct: {why}"))
                    .fact("proxy", serde_json::Value::Null)
            }
            Route::Proxy(p) => {
                let answer = answers.iter().find(|(var, _, _)| *var == p.var);
                match (&p.invalid, answer) {
                    (Some(reason), _) => Finding::problem(
                        "proxy",
                        endpoint.subject(),
                        format!("{} applies, but cannot be used: {reason}", p.var),
                        format!("fix {} (e.g. http://proxy.example:8080) or unset it", p.var),
                    ),
                    (None, Some((_, Err(why), ms))) => Finding::problem(
                        "proxy",
                        endpoint.subject(),
                        format!("via {} {}, which does not answer: {why}", p.var, p.shown),
                        format!(
                            "start or fix the proxy, correct {0}, or exempt the host with NO_PROXY={1} if it is reachable directly",
                            p.var, endpoint.host
                        ),
                    )
                    .took(*ms),
                    (None, Some((_, Ok(()), ms))) => Finding::ok(
                        "proxy",
                        endpoint.subject(),
                        format!("via {} {} (it answers)", p.var, p.shown),
                    )
                    .took(*ms),
                    (None, None) => Finding::ok(
                        "proxy",
                        endpoint.subject(),
                        format!("via {} {}", p.var, p.shown),
                    ),
                }
                .fact("proxy", p.shown.clone())
                .fact("variable", p.var.clone())
            }
        };
        out.push(finding);
    }
    // Proxies set but used for no endpoint: say whether they answer, as a
    // warning at most (other tools, other clouds may use them).
    for (var, answer, ms) in answers {
        let used = endpoints
            .iter()
            .any(|e| matches!(env.route(e), Route::Proxy(p) if &p.var == var));
        if used {
            continue;
        }
        let value = env
            .set
            .iter()
            .find(|(k, _)| k == var)
            .map(|(_, v)| ProxyTarget::parse(var, v).shown)
            .unwrap_or_default();
        let finding = match answer {
            Ok(()) => Finding::ok(
                "proxy",
                var.clone(),
                format!("{value} answers; graphmail does not use it for these endpoints"),
            ),
            Err(why) => Finding::new("proxy", var.clone(), Health::Warning)
                .detail(format!(
                    "{value} does not answer ({why}); graphmail does not use it for these endpoints, other tools may"
                ))
                .fix(format!("fix or unset {var}")),
        };
        out.push(finding.took(*ms));
    }
    out
}

/// Each distinct proxy variable worth probing: those set to a usable
/// HTTP(S) proxy URL (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, either case).
pub fn proxies_to_probe(env: &ProxyEnv) -> Vec<ProxyTarget> {
    env.set
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("no_proxy"))
        .map(|(k, v)| ProxyTarget::parse(k, v))
        .filter(|p| p.invalid.is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_like_reqwest() {
        let list = "localhost, .corp.example,example.org,10.0.0.0/8,::1,192.168.1.7";
        assert_eq!(
            no_proxy_match(list, "example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            no_proxy_match(list, "mail.example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            no_proxy_match(list, "corp.example").as_deref(),
            Some(".corp.example")
        );
        assert_eq!(
            no_proxy_match(list, "a.corp.example").as_deref(),
            Some(".corp.example")
        );
        assert_eq!(no_proxy_match(list, "notexample.org"), None);
        assert_eq!(
            no_proxy_match(list, "10.2.3.4").as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(no_proxy_match(list, "11.2.3.4"), None);
        assert_eq!(no_proxy_match(list, "[::1]").as_deref(), Some("::1"));
        assert_eq!(
            no_proxy_match(list, "192.168.1.7").as_deref(),
            Some("192.168.1.7")
        );
        assert_eq!(
            no_proxy_match("*", "graph.microsoft.com").as_deref(),
            Some("*")
        );
        assert_eq!(no_proxy_match("", "graph.microsoft.com"), None);
    }

    #[test]
    fn proxy_urls_hide_their_password() {
        let p = ProxyTarget::parse("HTTPS_PROXY", "http://bob:hunter2@proxy.corp:3128");
        assert!(!p.shown.contains("hunter2"), "{}", p.shown);
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.userinfo.as_deref(), Some("bob:hunter2"));
        let bare = ProxyTarget::parse("HTTPS_PROXY", "proxy.corp:8080");
        assert_eq!(bare.shown, "http://proxy.corp:8080");
        assert!(
            ProxyTarget::parse("HTTPS_PROXY", "ftp://x")
                .invalid
                .is_some()
        );
    }
}

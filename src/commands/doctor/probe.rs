//! One look at an endpoint, the way graphmail's client would reach it:
//! resolve the name (unless a proxy does), connect (through the proxy's
//! `CONNECT` when one applies), and for https take the certificate chain the
//! host presents. At the authority host, one unauthenticated `GET` of the
//! tenant's OpenID discovery document reads the server's `Date` header.
//!
//! NOTE: the handshake accepts any chain so that an untrusted one can be
//! shown and named; trust is judged afterwards, offline, against the system
//! store (what the client trusts: `SSL_CERT_FILE` / `SSL_CERT_DIR` or the
//! usual locations) and the integration's `--ca-file`. Nothing secret is
//! sent over a connection made here.
//!
//! Blocking I/O with socket timeouts; the caller runs it on its own thread
//! and bounds the whole by the check timeout.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509, X509StoreContext};

use crate::auth::certificate::{asn1_to_rfc3339, one_line_name};

use super::proxy::{self, ProxyTarget, Route};
use super::target::Endpoint;

/// What a probe needs besides the endpoint.
#[derive(Debug, Clone)]
pub struct ProbeRequest {
    pub endpoint: Endpoint,
    pub route: Route,
    /// The integration's extra trusted root (PEM).
    pub ca_file: Option<String>,
    /// The path to `GET` for the `Date` header; `None`: no HTTP request.
    pub date_path: Option<String>,
    pub io_timeout: Duration,
}

/// The resolution of the host name (direct connections only).
#[derive(Debug, Clone)]
pub struct Resolution {
    pub addresses: Result<Vec<IpAddr>, String>,
    pub ms: u64,
}

/// One certificate of a presented chain.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
}

/// Whether the presented chain is trusted, and by what.
#[derive(Debug, Clone)]
pub enum Trust {
    /// By the system store.
    System,
    /// Only with the integration's CA file.
    CaFile(String),
    /// By neither: openssl's verify code and message.
    Refused { code: i32, reason: String },
}

#[derive(Debug, Clone)]
pub struct TlsOutcome {
    pub chain: Vec<CertInfo>,
    pub trust: Trust,
    pub ms: u64,
}

/// The server's clock as its `Date` header gave it.
#[derive(Debug, Clone, Copy)]
pub struct ClockReading {
    /// Server time minus local time, seconds (positive: this machine is behind).
    pub skew_seconds: i64,
    pub round_trip_ms: u64,
}

#[derive(Debug, Clone)]
pub struct ProbeOutcome {
    /// Why the endpoint was not probed at all (an https:// proxy), if so.
    pub not_probed: Option<String>,
    /// `None` when a proxy resolves the name.
    pub resolution: Option<Resolution>,
    /// Where the TCP connection went, or why it failed.
    pub connect: Result<String, String>,
    /// `None` for plain http or when the connection failed.
    pub tls: Option<Result<TlsOutcome, String>>,
    /// `None` when not asked or not reached.
    pub clock: Option<Result<ClockReading, String>>,
}

/// Runs the probe (blocking).
pub fn run(request: &ProbeRequest) -> ProbeOutcome {
    let endpoint = &request.endpoint;
    let timeout = request.io_timeout;
    let mut outcome = ProbeOutcome {
        not_probed: None,
        resolution: None,
        connect: Err(String::new()),
        tls: None,
        clock: None,
    };
    let stream = match &request.route {
        Route::Direct(_) => {
            let started = Instant::now();
            let addresses: Result<Vec<SocketAddr>, String> =
                (endpoint.host.as_str(), endpoint.port)
                    .to_socket_addrs()
                    .map(|a| a.collect())
                    .map_err(|e| e.to_string());
            outcome.resolution = Some(Resolution {
                addresses: addresses
                    .as_ref()
                    .map(|a| a.iter().map(SocketAddr::ip).collect())
                    .map_err(Clone::clone),
                ms: elapsed_ms(started),
            });
            match addresses {
                Err(e) => Err(format!("cannot resolve {}: {e}", endpoint.host)),
                Ok(addrs) => connect_any(&addrs, timeout),
            }
        }
        Route::Proxy(p) if p.invalid.is_none() && !p.speaks_connect() => {
            outcome.not_probed = Some(format!(
                "not probed through {} {}: doctor tunnels through http:// proxies only",
                p.var, p.shown
            ));
            return outcome;
        }
        Route::Proxy(p) => tunnel(p, endpoint, timeout),
    };
    let stream = match stream {
        Ok((stream, shown)) => {
            outcome.connect = Ok(shown);
            stream
        }
        Err(e) => {
            outcome.connect = Err(e);
            return outcome;
        }
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    if endpoint.https() {
        let started = Instant::now();
        match handshake(stream, &endpoint.host) {
            Err(e) => outcome.tls = Some(Err(e)),
            Ok(mut tls) => {
                let chain: Vec<X509> = tls
                    .ssl()
                    .peer_cert_chain()
                    .map(|s| s.iter().map(|c| c.to_owned()).collect())
                    .unwrap_or_default();
                let trust = judge(&chain, &endpoint.host, request.ca_file.as_deref());
                outcome.tls = Some(Ok(TlsOutcome {
                    chain: chain.iter().map(describe).collect(),
                    trust,
                    ms: elapsed_ms(started),
                }));
                if let Some(path) = &request.date_path {
                    outcome.clock = Some(read_date(&mut tls, endpoint, path));
                }
            }
        }
    } else if let Some(path) = &request.date_path {
        let mut stream = stream;
        outcome.clock = Some(read_date(&mut stream, endpoint, path));
    }
    outcome
}

fn elapsed_ms(started: Instant) -> u64 {
    started.elapsed().as_millis().try_into().unwrap_or(u64::MAX)
}

fn connect_any(addrs: &[SocketAddr], timeout: Duration) -> Result<(TcpStream, String), String> {
    let mut last = "no address to connect to".to_string();
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(s) => return Ok((s, addr.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!("no answer from {addr} within {}s", timeout.as_secs());
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// A tunnel to the endpoint through an HTTP proxy (`CONNECT host:port`).
fn tunnel(
    p: &ProxyTarget,
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<(TcpStream, String), String> {
    if let Some(reason) = &p.invalid {
        return Err(format!("{} cannot be used: {reason}", p.var));
    }
    let (mut stream, _) = proxy::connect(&p.host, p.port, timeout)
        .map_err(|e| format!("proxy {} ({}): {e}", p.shown, p.var))?;
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let authority = if endpoint.host.contains(':') {
        format!("[{}]:{}", endpoint.host, endpoint.port)
    } else {
        format!("{}:{}", endpoint.host, endpoint.port)
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(userinfo) = &p.userinfo {
        let encoded = base64::engine::general_purpose::STANDARD.encode(userinfo);
        request.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("proxy {}: {e}", p.shown))?;
    let head = read_head(&mut stream).map_err(|e| format!("proxy {}: {e}", p.shown))?;
    let status = head.status;
    if !(200..300).contains(&status) {
        return Err(format!(
            "proxy {} refused CONNECT {authority}: HTTP {status}{}",
            p.shown,
            if status == 407 {
                " (proxy authentication required: put user:password in the proxy URL)"
            } else {
                ""
            }
        ));
    }
    Ok((stream, format!("{authority} via {} {}", p.var, p.shown)))
}

fn handshake(stream: TcpStream, host: &str) -> Result<openssl::ssl::SslStream<TcpStream>, String> {
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    builder.set_verify(SslVerifyMode::NONE);
    let connector = builder.build();
    let config = connector
        .configure()
        .map_err(|e| e.to_string())?
        .verify_hostname(false);
    config
        .connect(host, stream)
        .map_err(|e| format!("TLS handshake with {host} failed: {e}"))
}

fn describe(cert: &X509) -> CertInfo {
    CertInfo {
        subject: one_line_name(cert.subject_name()),
        issuer: one_line_name(cert.issuer_name()),
        not_after: asn1_to_rfc3339(cert.not_after()).unwrap_or_default(),
    }
}

/// Verifies `chain` for `host`: with the system store, then with the CA file.
fn judge(chain: &[X509], host: &str, ca_file: Option<&str>) -> Trust {
    let Some(leaf) = chain.first() else {
        return Trust::Refused {
            code: -1,
            reason: "the server presented no certificate".into(),
        };
    };
    let system = verify(leaf, &chain[1..], host, &[]);
    if system.is_ok() {
        return Trust::System;
    }
    if let Some(path) = ca_file {
        let extra = std::fs::read(Path::new(path))
            .ok()
            .and_then(|pem| X509::stack_from_pem(&pem).ok())
            .unwrap_or_default();
        if !extra.is_empty() {
            // With the CA file the chain may be anchored, and then what is
            // left (a name, a date) is the error worth showing.
            return match verify(leaf, &chain[1..], host, &extra) {
                Ok(()) => Trust::CaFile(path.to_string()),
                Err((code, reason)) => Trust::Refused { code, reason },
            };
        }
    }
    match system {
        Err((code, reason)) => Trust::Refused { code, reason },
        Ok(()) => Trust::System,
    }
}

fn verify(leaf: &X509, rest: &[X509], host: &str, extra: &[X509]) -> Result<(), (i32, String)> {
    let setup = |e: openssl::error::ErrorStack| (-1, e.to_string());
    let mut builder = X509StoreBuilder::new().map_err(setup)?;
    builder.set_default_paths().map_err(setup)?;
    for cert in extra {
        builder.add_cert(cert.clone()).map_err(setup)?;
    }
    let mut param = X509VerifyParam::new().map_err(setup)?;
    match host.parse::<IpAddr>() {
        Ok(ip) => param.set_ip(ip).map_err(setup)?,
        Err(_) => param.set_host(host).map_err(setup)?,
    }
    builder.set_param(&param).map_err(setup)?;
    let store = builder.build();
    let mut untrusted = Stack::new().map_err(setup)?;
    for cert in rest {
        untrusted.push(cert.clone()).map_err(setup)?;
    }
    let mut ctx = X509StoreContext::new().map_err(setup)?;
    let (ok, result) = ctx
        .init(&store, leaf, &untrusted, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error()))
        })
        .map_err(setup)?;
    if ok {
        Ok(())
    } else {
        Err((result.as_raw(), result.error_string().to_string()))
    }
}

/// The status line and headers of an HTTP/1.1 answer.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

fn read_head(stream: &mut dyn Read) -> Result<Head, String> {
    let mut buf = Vec::with_capacity(1024);
    let mut byte = [0u8; 1];
    // Byte by byte: the rest of the stream (a TLS handshake after CONNECT)
    // must not be consumed.
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 32 * 1024 {
            return Err("answer headers longer than 32 KiB".into());
        }
        match stream.read(&mut byte) {
            Ok(0) => return Err("connection closed before an HTTP answer".into()),
            Ok(_) => buf.push(byte[0]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(
                    "no answer in time: the connection was accepted, then nothing came back".into(),
                );
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {status_line:.60}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Head { status, headers })
}

fn now_unix_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// `GET path` and the skew between the server's `Date` and this clock, taken
/// at the middle of the round trip.
fn read_date<S: Read + Write>(
    stream: &mut S,
    endpoint: &Endpoint,
    path: &str,
) -> Result<ClockReading, String> {
    let host = if endpoint.host.contains(':') {
        format!("[{}]", endpoint.host)
    } else {
        endpoint.host.clone()
    };
    let default_port = if endpoint.https() { 443 } else { 80 };
    let host_header = if endpoint.port == default_port {
        host
    } else {
        format!("{host}:{}", endpoint.port)
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: graphmail/{} (doctor)\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let sent_at = now_unix_f64();
    let started = Instant::now();
    stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| format!("sending the request: {e}"))?;
    let head = read_head(stream)?;
    let round_trip = started.elapsed();
    let local_mid = sent_at + round_trip.as_secs_f64() / 2.0;
    let date = head
        .headers
        .iter()
        .find(|(k, _)| k == "date")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| format!("the answer (HTTP {}) has no Date header", head.status))?;
    let server = httpdate::parse_http_date(&date)
        .map_err(|e| format!("unreadable Date header {date:?}: {e}"))?;
    let server_unix = server
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    Ok(ClockReading {
        // NOTE: `Date` truncates to the second: the server's time lies in
        // [Date, Date + 1), so its middle is the best estimate.
        skew_seconds: (server_unix + 0.5 - local_mid).round() as i64,
        round_trip_ms: round_trip.as_millis().try_into().unwrap_or(u64::MAX),
    })
}

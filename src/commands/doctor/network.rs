//! The checks that touch the network, run concurrently and each bounded in
//! time: proxy (does it answer), then per endpoint one probe (`dns`,
//! `reach`, `tls`; at the authority host, `clock`), and `cloud` from the
//! host names.

use std::time::{Duration, Instant};

use crate::state::{Cloud, Credential, Integration};

use super::probe::{self, ClockReading, ProbeOutcome, ProbeRequest, Trust};
use super::proxy::{self, ProxyEnv, Route};
use super::report::{Finding, Health};
use super::target::Endpoint;

/// Skew from which the clock is a warning.
pub const SKEW_WARNING_SECONDS: i64 = 60;
/// Skew from which a client assertion may be refused.
///
/// NOTE: Entra does not document its tolerance for client assertions'
/// `nbf`/`exp`; 5 minutes is the default `ClockSkew` of Microsoft's token
/// validation library (https://learn.microsoft.com/dotnet/api/microsoft.identitymodel.tokens.tokenvalidationparameters.clockskew),
/// and clients refused with AADSTS700024 report host clock skew as the cause
/// (reference §1.4 [I1] [I2]). UNVERIFIED that Entra uses exactly 5 minutes.
pub const SKEW_PROBLEM_SECONDS: i64 = 300;
/// Entra's page for the error.
pub const AADSTS700024_LINK: &str = "https://login.microsoftonline.com/error?code=700024";

/// Runs `work` on a thread of its own; `None` when it takes longer than
/// `limit` (the thread is left to finish on its own: a blocking resolver
/// call cannot be interrupted, and must not hold up the exit).
async fn bounded<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("doctor-probe".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .ok()?;
    tokio::time::timeout(limit, rx).await.ok()?.ok()
}

fn ms(started: Instant) -> u64 {
    started.elapsed().as_millis().try_into().unwrap_or(u64::MAX)
}

/// Every network finding for `integration`'s endpoints.
pub async fn checks(
    integration: &Integration,
    endpoints: &[Endpoint],
    env: &ProxyEnv,
    limit: Duration,
) -> Vec<Finding> {
    let io_timeout = limit.mul_f64(0.6).max(Duration::from_millis(500));
    // Proxies: one TCP connect each, all at once.
    let proxy_answers = futures::future::join_all(proxy::proxies_to_probe(env).into_iter().map(
        |p| async move {
            let started = Instant::now();
            let (host, port) = (p.host.clone(), p.port);
            let answer = bounded(limit, move || {
                proxy::connect(&host, port, io_timeout).map(|_| ())
            })
            .await
            .unwrap_or_else(|| Err(format!("no answer within {}s", limit.as_secs())));
            (p.var, answer, ms(started))
        },
    ));
    // Endpoints: one probe each, all at once.
    let date_path = format!(
        "/{}/v2.0/.well-known/openid-configuration",
        integration.tenant
    );
    let probes = futures::future::join_all(endpoints.iter().map(|endpoint| {
        let request = ProbeRequest {
            endpoint: endpoint.clone(),
            route: env.route(endpoint),
            ca_file: integration.ca_file.clone(),
            date_path: endpoint.is_authority.then(|| date_path.clone()),
            io_timeout,
        };
        async move {
            let started = Instant::now();
            let outcome = bounded(limit, move || probe::run(&request)).await;
            (outcome, ms(started))
        }
    }));
    let (answers, probes) = tokio::join!(proxy_answers, probes);

    let mut out = proxy::findings(env, endpoints, &answers);
    let certificate = matches!(integration.credential, Credential::Certificate { .. });
    for (endpoint, (outcome, took)) in endpoints.iter().zip(probes) {
        let route = env.route(endpoint);
        match outcome {
            None => {
                let why = format!("no answer within {}s", limit.as_secs());
                out.push(
                    Finding::problem(
                        "reach",
                        endpoint.subject(),
                        format!("{} did not answer: {why}", endpoint.host),
                        "check the network path (firewall, proxy, DNS) from this machine",
                    )
                    .took(took),
                );
            }
            Some(outcome) => out.extend(endpoint_findings(
                endpoint,
                &route,
                &outcome,
                took,
                certificate,
            )),
        }
    }
    out.push(cloud_finding(integration));
    out
}

fn endpoint_findings(
    endpoint: &Endpoint,
    route: &Route,
    outcome: &ProbeOutcome,
    took: u64,
    certificate: bool,
) -> Vec<Finding> {
    let subject = endpoint.subject();
    if let Some(why) = &outcome.not_probed {
        let fix =
            "check this endpoint with a connection test: `graphmail test-connection integration`";
        let mut out = vec![Finding::warning("reach", &subject, why.clone(), fix)];
        if endpoint.is_authority {
            out.push(Finding::warning("clock", &subject, why.clone(), fix));
        }
        return out;
    }
    let mut out = Vec::new();
    // dns
    out.push(match (&outcome.resolution, route) {
        (_, Route::Proxy(p)) => Finding::ok(
            "dns",
            &subject,
            format!("not looked up here: {} ({}) resolves {}", p.var, p.shown, endpoint.host),
        ),
        (None, Route::Direct(_)) => Finding::ok("dns", &subject, "not looked up"),
        (Some(r), Route::Direct(_)) => match &r.addresses {
            _ if endpoint.host.parse::<std::net::IpAddr>().is_ok() => {
                Finding::ok("dns", &subject, format!("{} is an IP address: no lookup", endpoint.host))
            }
            Ok(addrs) => {
                let shown: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                Finding::ok(
                    "dns",
                    &subject,
                    format!("{} resolves to {} ({} ms)", endpoint.host, shown.join(", "), r.ms),
                )
                .fact("addresses", shown)
                .took(r.ms)
            }
            Err(e) => Finding::problem(
                "dns",
                &subject,
                format!("{} does not resolve: {e}", endpoint.host),
                "check the DNS configuration of this machine, or the host name given to `graphmail integration set`",
            )
            .took(r.ms),
        },
    });
    // reach
    let reached = outcome.connect.is_ok();
    out.push(match &outcome.connect {
        Ok(to) => Finding::ok("reach", &subject, format!("connects to {to}")),
        Err(e) => Finding::problem(
            "reach",
            &subject,
            format!("cannot connect: {e}"),
            match route {
                Route::Proxy(p) => format!("fix the proxy named by {} (see the proxy rows)", p.var),
                Route::Direct(_) => "check the firewall and network path from this machine; behind a corporate proxy, set HTTPS_PROXY".to_string(),
            },
        ),
    }
    .took(took));
    // tls
    out.push(tls_finding(endpoint, outcome, reached));
    // clock
    if endpoint.is_authority {
        out.push(clock_finding(
            endpoint,
            outcome.clock.as_ref(),
            reached,
            certificate,
        ));
    }
    out
}

fn tls_finding(endpoint: &Endpoint, outcome: &ProbeOutcome, reached: bool) -> Finding {
    let subject = endpoint.subject();
    if !endpoint.https() {
        return Finding::ok(
            "tls",
            subject,
            format!(
                "not used: plain http to the loopback host {}",
                endpoint.host
            ),
        );
    }
    let tls = match &outcome.tls {
        None if !reached => {
            return Finding::warning(
                "tls",
                subject,
                "not checked: the host could not be reached",
                "fix the reach row first",
            );
        }
        None => {
            return Finding::warning("tls", subject, "not checked", "run doctor again");
        }
        Some(Err(e)) => {
            return Finding::problem(
                "tls",
                subject,
                e.clone(),
                "check that the endpoint speaks HTTPS, and that no proxy or firewall interferes",
            );
        }
        Some(Ok(tls)) => tls,
    };
    let chain: Vec<String> = tls
        .chain
        .iter()
        .map(|c| format!("{} (issued by {})", c.subject, c.issuer))
        .collect();
    let shown = chain.join(" <- ");
    let top_issuer = tls
        .chain
        .last()
        .map(|c| c.issuer.clone())
        .unwrap_or_default();
    let finding = match &tls.trust {
        Trust::System => Finding::ok(
            "tls",
            &subject,
            format!("trusted by the system store: {shown}"),
        ),
        Trust::CaFile(path) => Finding::ok(
            "tls",
            &subject,
            format!("trusted through the integration's CA file {path}: {shown}"),
        ),
        // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN,
        // UNABLE_TO_GET_ISSUER_CERT(_LOCALLY), UNABLE_TO_VERIFY_LEAF_SIGNATURE.
        Trust::Refused {
            code: 2 | 18 | 19 | 20 | 21,
            reason,
        } => Finding::problem(
            "tls",
            &subject,
            format!(
                "untrusted issuer: the chain {shown} ends at issuer '{top_issuer}', which is not in the system trust store ({reason}); a TLS-inspecting proxy or a private CA presents such chains"
            ),
            format!(
                "if '{top_issuer}' is your organisation's proxy or CA, give its root certificate: `graphmail integration set --ca-file ROOT.pem`; otherwise something between this machine and {} intercepts TLS",
                endpoint.host
            ),
        ),
        // X509_V_ERR_CERT_HAS_EXPIRED, CERT_NOT_YET_VALID
        Trust::Refused {
            code: 9 | 10,
            reason,
        } => Finding::problem(
            "tls",
            &subject,
            format!(
                "{reason}: {shown} (not after {})",
                tls.chain
                    .first()
                    .map(|c| c.not_after.as_str())
                    .unwrap_or("?")
            ),
            "if this machine's clock is right (see the clock row), the server's certificate must be renewed",
        ),
        // X509_V_ERR_HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
        Trust::Refused {
            code: 62 | 64,
            reason,
        } => Finding::problem(
            "tls",
            &subject,
            format!(
                "{reason}: the certificate {shown} is not for {}",
                endpoint.host
            ),
            "check the endpoint URL given to `graphmail integration set`; a proxy may be answering for it",
        ),
        Trust::Refused { reason, .. } => Finding::problem(
            "tls",
            &subject,
            format!("the chain is refused: {reason}: {shown}"),
            "check the endpoint, and whether a proxy intercepts TLS (then pass its root with --ca-file)",
        ),
    };
    finding
        .fact(
            "chain",
            tls.chain
                .iter()
                .map(|c| c.subject.clone())
                .collect::<Vec<_>>(),
        )
        .fact("issuer", top_issuer)
        .took(tls.ms)
}

fn clock_finding(
    endpoint: &Endpoint,
    reading: Option<&Result<ClockReading, String>>,
    reached: bool,
    certificate: bool,
) -> Finding {
    let subject = endpoint.subject();
    let reading = match reading {
        Some(Ok(r)) => *r,
        Some(Err(e)) => {
            return Finding::warning(
                "clock",
                subject,
                format!("cannot read the server's time: {e}"),
                "compare this machine's clock with an NTP source by hand (e.g. `timedatectl`)",
            );
        }
        None => {
            return Finding::warning(
                "clock",
                subject,
                if reached {
                    "cannot read the server's time".to_string()
                } else {
                    "not checked: the host could not be reached".to_string()
                },
                "fix the reach row first",
            );
        }
    };
    let skew = reading.skew_seconds;
    let size = skew.abs();
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    let amount = if size >= 120 {
        format!("{} min {} s", size / 60, size % 60)
    } else {
        format!("{size} s")
    };
    let said = format!(
        "this machine's clock is {amount} {direction} {}'s (its Date header; round trip {} ms)",
        endpoint.host, reading.round_trip_ms
    );
    let sync = "synchronise the clock with NTP (Linux: `timedatectl set-ntp true`; Windows: `w32tm /resync`)";
    let finding = if size < SKEW_WARNING_SECONDS {
        Finding::ok(
            "clock",
            &subject,
            format!("within {size} s of {}'s clock", endpoint.host),
        )
    } else if size < SKEW_PROBLEM_SECONDS {
        Finding::warning(
            "clock",
            &subject,
            format!("{said}: at 5 minutes Entra starts refusing client assertions (AADSTS700024)"),
            sync,
        )
    } else if certificate {
        Finding::problem(
            "clock",
            &subject,
            format!(
                "{said}: Entra refuses client assertions outside their time window, AADSTS700024 \"Client assertion is not within its valid time range\" ({AADSTS700024_LINK})"
            ),
            sync,
        )
    } else {
        Finding::warning(
            "clock",
            &subject,
            format!(
                "{said}: a client secret does not carry the time, but certificate auth (recommended) would fail with AADSTS700024 ({AADSTS700024_LINK})"
            ),
            sync,
        )
    };
    finding
        .fact("skew_seconds", skew)
        .fact("round_trip_ms", reading.round_trip_ms)
}

/// The Microsoft cloud a host belongs to, by name (reference §3).
fn cloud_of(host: &str) -> Option<&'static str> {
    let host = host.to_ascii_lowercase();
    Some(match host.as_str() {
        "login.microsoftonline.com"
        | "login.microsoft.com"
        | "login.windows.net"
        | "graph.microsoft.com" => "global",
        "login.microsoftonline.us" => "usgov or usgov-dod",
        "graph.microsoft.us" => "usgov",
        "dod-graph.microsoft.us" => "usgov-dod",
        "login.chinacloudapi.cn"
        | "login.partner.microsoftonline.cn"
        | "microsoftgraph.chinacloudapi.cn" => "china",
        _ => return None,
    })
}

fn same_cloud(a: &str, b: &str) -> bool {
    a == b || a.contains(b) || b.contains(a)
}

/// `cloud`: the cloud the hosts belong to against the configured one.
fn cloud_finding(integration: &Integration) -> Finding {
    let endpoints = integration.endpoints();
    let host = |origin: &str| {
        url::Url::parse(origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    };
    let (auth_host, graph_host) = (
        host(&endpoints.authority_host),
        host(&endpoints.graph_endpoint),
    );
    let configured = integration.cloud.as_str();
    let finding = match (cloud_of(&auth_host), cloud_of(&graph_host)) {
        (Some(a), Some(g)) if !same_cloud(a, g) => Finding::problem(
            "cloud",
            "integration",
            format!(
                "the authority {auth_host} is in the {a} cloud but Graph {graph_host} is in the {g} cloud: a token of one cloud is not accepted by another's Graph"
            ),
            "pick one cloud: `graphmail integration set --cloud global|usgov|usgov-dod|china`",
        ),
        // NOTE: the Graph host tells usgov from usgov-dod; the authority does not.
        (Some(_), Some(g)) if integration.cloud == Cloud::Custom => Finding::new("cloud", "integration", Health::Warning)
            .detail(format!(
                "configured as custom endpoints, which are the {g} cloud's own hosts ({auth_host}, {graph_host})"
            ))
            .fix(format!("say so with `graphmail integration set --cloud {g}`")),
        (Some(a), Some(_)) => Finding::ok(
            "cloud",
            "integration",
            format!("configured cloud {configured}; {auth_host} and {graph_host} belong to the {a} cloud"),
        ),
        _ if crate::auth::is_loopback_host(&auth_host) && crate::auth::is_loopback_host(&graph_host) => {
            Finding::ok(
                "cloud",
                "integration",
                format!("configured cloud {configured}: loopback endpoints ({auth_host}, {graph_host}), a sandbox or a local proxy"),
            )
        }
        (a, g) => Finding::ok(
            "cloud",
            "integration",
            format!(
                "configured cloud {configured}: {auth_host} ({}) and {graph_host} ({}); hosts that are not Microsoft's are a gateway or proxy whose cloud is whatever it forwards to",
                a.unwrap_or("not a Microsoft host"),
                g.unwrap_or("not a Microsoft host")
            ),
        ),
    };
    finding.fact("configured", configured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SecretSource;

    fn integration(cloud: Cloud, authority: Option<&str>, graph: Option<&str>) -> Integration {
        Integration {
            tenant: "contoso.onmicrosoft.com".into(),
            app_id: "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b".into(),
            cloud,
            authority_host: authority.map(Into::into),
            graph_endpoint: graph.map(Into::into),
            ca_file: None,
            secret_expires: None,
            credential: Credential::Secret {
                secret: SecretSource::Env { var: "S".into() },
                credential_generation: "g".into(),
            },
            test: None,
        }
    }

    #[test]
    fn hosts_are_judged_against_the_configured_cloud() {
        for cloud in [Cloud::Global, Cloud::Usgov, Cloud::UsgovDod, Cloud::China] {
            let found = cloud_finding(&integration(cloud, None, None));
            assert_eq!(found.status, Health::Ok, "{cloud:?}: {}", found.detail);
        }
        let mixed = cloud_finding(&integration(
            Cloud::Custom,
            Some("https://login.microsoftonline.com"),
            Some("https://graph.microsoft.us"),
        ));
        assert_eq!(mixed.status, Health::Problem, "{}", mixed.detail);
        assert!(mixed.detail.contains("usgov cloud"), "{}", mixed.detail);
        let spelled_out = cloud_finding(&integration(
            Cloud::Custom,
            Some("https://login.microsoftonline.us"),
            Some("https://dod-graph.microsoft.us"),
        ));
        assert_eq!(
            spelled_out.status,
            Health::Warning,
            "{}",
            spelled_out.detail
        );
        assert!(spelled_out.fix.unwrap().contains("--cloud usgov-dod"));
        let gateway = cloud_finding(&integration(
            Cloud::Custom,
            Some("https://login.gateway.example"),
            Some("https://graph.gateway.example"),
        ));
        assert_eq!(gateway.status, Health::Ok);
        assert!(
            gateway.detail.contains("not a Microsoft host"),
            "{}",
            gateway.detail
        );
    }
}

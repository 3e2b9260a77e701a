//! The endpoints `doctor` reaches: the integration's authority host and
//! Graph endpoint, merged into one when they share an origin (the sandbox,
//! a proxy that serves both).

use crate::state::Integration;

/// One origin graphmail talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `authority`, `graph`, or `authority+graph`.
    pub role: String,
    /// `scheme://host[:port]`.
    pub origin: String,
    pub scheme: String,
    /// Without brackets for IPv6.
    pub host: String,
    pub port: u16,
    /// Whether the authority host is at this origin (the clock is read there).
    pub is_authority: bool,
}

impl Endpoint {
    fn parse(role: &str, origin: &str) -> Option<Endpoint> {
        let url = url::Url::parse(origin).ok()?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Some(Endpoint {
            role: role.to_string(),
            origin: origin.trim_end_matches('/').to_string(),
            scheme: url.scheme().to_string(),
            host,
            port: url.port_or_known_default()?,
            is_authority: role == "authority",
        })
    }

    /// How a finding names it: `authority https://login.microsoftonline.com`.
    pub fn subject(&self) -> String {
        format!("{} {}", self.role, self.origin)
    }

    pub fn https(&self) -> bool {
        self.scheme == "https"
    }
}

/// The integration's endpoints, one per distinct origin; the second value
/// lists the endpoints whose URL could not be read.
pub fn endpoints(integration: &Integration) -> (Vec<Endpoint>, Vec<(String, String)>) {
    let configured = integration.endpoints();
    let mut out: Vec<Endpoint> = Vec::new();
    let mut bad = Vec::new();
    for (role, origin) in [
        ("authority", configured.authority_host.as_str()),
        ("graph", configured.graph_endpoint.as_str()),
    ] {
        match Endpoint::parse(role, origin) {
            Some(e) => match out
                .iter_mut()
                .find(|o| o.scheme == e.scheme && o.host == e.host && o.port == e.port)
            {
                Some(same) => same.role = format!("{}+{role}", same.role),
                None => out.push(e),
            },
            None => bad.push((role.to_string(), origin.to_string())),
        }
    }
    (out, bad)
}

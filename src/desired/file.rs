//! The desired-state file's shape and its parser.
//!
//! The parse is strict: an unknown key, a wrong type or a bad value is an
//! error that names the key, the file and the line (exit 2), and nothing is
//! touched. Values go through the very functions the commands use
//! ([`validate`] for each value, [`ops`] for the rules between them: an
//! incoming connector needs folders and a process, an address belongs to
//! one route, ...), so a file is accepted exactly when the equivalent
//! commands would be.
//!
//! Relative paths (`certificate.file`, `ca_file`) are relative to the file's
//! own folder, so a repository can carry its certificate next to its file
//! whatever the job's working directory; `-f -` (standard input) resolves
//! them against the current directory.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::error::{CliError, Result};
use crate::state::validate::{self, ValidationError};
use crate::state::{
    AiFeature, AssertionForm, Cloud, Connector, Route, SecretSource, State, UseFor, ops,
};

/// The schema of the desired-state file this build reads.
pub const DESIRED_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    schema_version: Option<Spanned<i64>>,
    #[serde(default)]
    integration: Option<Spanned<IntegrationShape>>,
    #[serde(default, rename = "connector")]
    connectors: Vec<Spanned<ConnectorShape>>,
    #[serde(default, rename = "route")]
    routes: Vec<Spanned<RouteShape>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationShape {
    tenant: String,
    app_id: String,
    #[serde(default)]
    cloud: Option<String>,
    #[serde(default)]
    authority_host: Option<String>,
    #[serde(default)]
    graph_endpoint: Option<String>,
    #[serde(default)]
    ca_file: Option<String>,
    #[serde(default)]
    secret: Option<DesiredSource>,
    #[serde(default)]
    secret_expires: Option<String>,
    #[serde(default)]
    certificate: Option<CertificateShape>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateShape {
    file: String,
    password: DesiredSource,
    #[serde(default)]
    assertion: Option<AssertionForm>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectorShape {
    name: String,
    use_for: UseFor,
    address: String,
    #[serde(default)]
    folders: Vec<String>,
    #[serde(default)]
    process: Option<String>,
    #[serde(default)]
    send_automated_emails: bool,
    #[serde(default)]
    test_mode: bool,
    #[serde(default)]
    ai: Vec<AiFeature>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    send_test_to: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteShape {
    name: String,
    connector: String,
    address: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    process: Option<String>,
    #[serde(default)]
    send_automated_emails: bool,
    #[serde(default)]
    for_attention: bool,
    #[serde(default)]
    test_mode: bool,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    send_test_to: Option<String>,
}

/// Where a secret comes from: `"keyring"`, `"none"` (a certificate without
/// a password) or `{ env = "VARIABLE" }`. Never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredSource {
    Keyring,
    Env(String),
    None,
}

impl DesiredSource {
    pub fn to_state(&self) -> SecretSource {
        match self {
            DesiredSource::Keyring => SecretSource::Keyring,
            DesiredSource::Env(var) => SecretSource::Env { var: var.clone() },
            DesiredSource::None => SecretSource::None,
        }
    }

    pub fn from_state(source: &SecretSource) -> Self {
        match source {
            SecretSource::Keyring => DesiredSource::Keyring,
            SecretSource::Env { var } => DesiredSource::Env(var.clone()),
            SecretSource::None => DesiredSource::None,
        }
    }
}

impl<'de> Deserialize<'de> for DesiredSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SourceVisitor;
        impl<'de> Visitor<'de> for SourceVisitor {
            type Value = DesiredSource;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#""keyring", "none" or { env = "VARIABLE" }"#)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                match text {
                    "keyring" => Ok(DesiredSource::Keyring),
                    "none" => Ok(DesiredSource::None),
                    // The text is never echoed: it may be the secret itself.
                    _ => Err(E::custom(
                        r#"not a secret source: use "keyring", "none" or { env = "VARIABLE" } (never the secret itself)"#,
                    )),
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut var = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "env" => var = Some(map.next_value::<String>()?),
                        other => return Err(de::Error::unknown_field(other, &["env"])),
                    }
                }
                var.map(DesiredSource::Env)
                    .ok_or_else(|| de::Error::missing_field("env"))
            }
        }
        deserializer.deserialize_any(SourceVisitor)
    }
}

/// The integration as the file declares it, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredIntegration {
    pub tenant: String,
    pub app_id: String,
    pub cloud: Cloud,
    pub authority_host: Option<String>,
    pub graph_endpoint: Option<String>,
    /// Absolute (canonical) path of the extra trusted root.
    pub ca_file: Option<String>,
    pub credential: DesiredCredential,
    /// When the client secret expires (RFC 3339, UTC), as `integration set
    /// --secret-expires` records it; a client secret only. Absent, none is
    /// recorded (a state that has one loses it at the next apply).
    pub secret_expires: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DesiredCredential {
    Secret(DesiredSource),
    Certificate {
        /// Resolved against the desired file's folder.
        file: PathBuf,
        password: DesiredSource,
        assertion: AssertionForm,
    },
}

/// A connector or route as declared, with where it was declared and where
/// its probes go.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredItem<T> {
    /// The item's settings; `enabled` is what the file asks for, `test` is
    /// always `None`.
    pub item: T,
    pub line: usize,
    /// Where a probe goes for a fact only a probe establishes (default: the
    /// outbound connector's own address).
    pub send_test_to: Option<String>,
}

/// A parsed and validated desired-state file.
#[derive(Debug, Clone)]
pub struct Desired {
    /// How the file is named in messages (`graphmail.toml`, `<stdin>`).
    pub origin: String,
    pub integration: Option<DesiredIntegration>,
    pub connectors: Vec<DesiredItem<Connector>>,
    pub routes: Vec<DesiredItem<Route>>,
    /// Positions by name, so that planning thousands of items looks each
    /// one up once, not by a scan (SPEC §8). Built by [`parse`]; the lists
    /// are not changed after.
    connector_at: HashMap<String, usize>,
    route_at: HashMap<String, usize>,
}

impl Desired {
    pub fn connector(&self, name: &str) -> Option<&DesiredItem<Connector>> {
        self.connector_at.get(name).map(|&i| &self.connectors[i])
    }

    pub fn route(&self, name: &str) -> Option<&DesiredItem<Route>> {
        self.route_at.get(name).map(|&i| &self.routes[i])
    }
}

/// Reads `path` (`-`: standard input) and parses it.
pub fn read(path: &Path) -> Result<Desired> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
            CliError::usage(format!(
                "cannot read the desired state from standard input: {e}"
            ))
        })?;
        let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        return parse(&text, "<stdin>", &base);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        let mut err = CliError::usage(format!("cannot read {}: {e}", path.display()));
        if e.kind() == std::io::ErrorKind::NotFound {
            err = err.hint(
                "pass -f FILE, or write graphmail.toml here (`graphmail export -o graphmail.toml` starts one from the current state)",
            );
        }
        err
    })?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parse(&text, &path.display().to_string(), &base)
}

/// The byte offsets where the file's lines start, found once: counting the
/// newlines before each item instead made parsing thousands of items
/// quadratic (SPEC §8).
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Lines(starts)
    }

    /// 1-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|start| *start <= offset)
    }
}

/// An error at `line` of the file, exit 2.
fn at(origin: &str, line: usize, message: impl fmt::Display) -> CliError {
    CliError::usage(format!("{origin}:{line}: {message}"))
}

/// A validation error re-labelled with the file's key instead of the flag.
fn invalid(
    origin: &str,
    line: usize,
    what: &str,
    key: &'static str,
    mut err: ValidationError,
) -> CliError {
    err.field = key;
    at(origin, line, format!("{what}: {err}"))
}

/// Parses a desired-state file's text; `base` is the folder relative paths
/// are resolved against.
pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Desired> {
    let lines = Lines::of(text);
    let shape: FileShape = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| lines.line_of(s.start));
        let message = e.message().trim_end().replace('\n', " ");
        let err = match line {
            Some(line) => at(origin, line, message),
            None => CliError::usage(format!("{origin}: {message}")),
        };
        err.hint("see docs/desired-state.md for the keys each table takes")
    })?;
    if let Some(version) = &shape.schema_version
        && *version.get_ref() != i64::from(DESIRED_SCHEMA_VERSION)
    {
        return Err(at(
            origin,
            lines.line_of(version.span().start),
            format!(
                "schema_version {} is not one this graphmail reads (it reads {DESIRED_SCHEMA_VERSION})",
                version.get_ref()
            ),
        ));
    }
    let integration = shape
        .integration
        .map(|spanned| {
            let line = lines.line_of(spanned.span().start);
            integration(origin, line, base, spanned.into_inner())
        })
        .transpose()?;

    // The rules between values: the commands' own operations on a scratch
    // state (for routes, the same rules through indexes: `RouteRules`).
    let mut scratch = State::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut connectors = Vec::new();
    for spanned in shape.connectors {
        let line = lines.line_of(spanned.span().start);
        let item = connector(origin, line, spanned.into_inner())?;
        if let Some(first) = seen.insert(item.item.name.clone(), line) {
            return Err(at(
                origin,
                line,
                format!(
                    "connector '{}' is declared twice (first at line {first})",
                    item.item.name
                ),
            ));
        }
        ops::add_connector(&mut scratch, item.item.clone())
            .map_err(|e| at(origin, line, e.message))?;
        connectors.push(item);
    }
    let mut routes = Vec::new();
    let mut seen_routes: HashMap<String, usize> = HashMap::new();
    let mut rules = ops::RouteRules::new(&scratch.connectors);
    let owners: HashMap<&str, usize> = connectors
        .iter()
        .enumerate()
        .map(|(i, c)| (c.item.name.as_str(), i))
        .collect();
    for spanned in shape.routes {
        let line = lines.line_of(spanned.span().start);
        let item = route(origin, line, spanned.into_inner())?;
        let name = item.item.name.clone();
        if let Some(first) = seen_routes.insert(name.clone(), line) {
            return Err(at(
                origin,
                line,
                format!("route '{name}' is declared twice (first at line {first})"),
            ));
        }
        let Some(owner) = owners
            .get(item.item.connector.as_str())
            .map(|&i| &connectors[i])
        else {
            return Err(at(
                origin,
                line,
                format!(
                    "route '{name}': connector '{}' is not declared in this file",
                    item.item.connector
                ),
            )
            .hint("declare the connector in a [[connector]] table of the same file"));
        };
        if item.item.enabled && !owner.item.enabled {
            return Err(at(
                origin,
                line,
                format!(
                    "route '{name}' is enabled but its connector '{}' is not: a route is live only under a live connector",
                    owner.item.name
                ),
            )
            .hint("set enabled = false on the route, or enable the connector"));
        }
        rules
            .add(&item.item)
            .map_err(|e| at(origin, line, e.message))?;
        routes.push(item);
    }
    let connector_at = connectors
        .iter()
        .enumerate()
        .map(|(i, c)| (c.item.name.clone(), i))
        .collect();
    let route_at = routes
        .iter()
        .enumerate()
        .map(|(i, r)| (r.item.name.clone(), i))
        .collect();
    Ok(Desired {
        origin: origin.to_string(),
        integration,
        connectors,
        routes,
        connector_at,
        route_at,
    })
}

fn resolve_path(base: &Path, text: &str) -> PathBuf {
    let path = PathBuf::from(text);
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}

fn source(
    origin: &str,
    line: usize,
    key: &'static str,
    source: DesiredSource,
) -> Result<DesiredSource> {
    match source {
        DesiredSource::Env(var) => validate::env_var_name(key, &var)
            .map(DesiredSource::Env)
            .map_err(|e| invalid(origin, line, "integration", key, e)),
        other => Ok(other),
    }
}

fn integration(
    origin: &str,
    line: usize,
    base: &Path,
    shape: IntegrationShape,
) -> Result<DesiredIntegration> {
    let what = "integration";
    let tenant =
        validate::tenant(&shape.tenant).map_err(|e| invalid(origin, line, what, "tenant", e))?;
    let app_id =
        validate::app_id(&shape.app_id).map_err(|e| invalid(origin, line, what, "app_id", e))?;
    let (cloud, authority_host, graph_endpoint) = match (
        shape.cloud.as_deref(),
        shape.authority_host,
        shape.graph_endpoint,
    ) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(at(
                origin,
                line,
                "integration: give either cloud, or authority_host and graph_endpoint, not both",
            ));
        }
        (Some(name), None, None) => {
            let cloud = match name {
                "global" => Cloud::Global,
                "usgov" => Cloud::Usgov,
                "usgov-dod" => Cloud::UsgovDod,
                "china" => Cloud::China,
                other => {
                    return Err(at(
                        origin,
                        line,
                        format!(
                            "integration: unknown cloud '{}': use global, usgov, usgov-dod or china (or authority_host and graph_endpoint)",
                            other.chars().take(40).collect::<String>()
                        ),
                    ));
                }
            };
            (cloud, None, None)
        }
        (None, Some(a), Some(g)) => (
            Cloud::Custom,
            Some(
                validate::endpoint_url("authority_host", &a)
                    .map_err(|e| invalid(origin, line, what, "authority_host", e))?,
            ),
            Some(
                validate::endpoint_url("graph_endpoint", &g)
                    .map_err(|e| invalid(origin, line, what, "graph_endpoint", e))?,
            ),
        ),
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(at(
                origin,
                line,
                "integration: authority_host and graph_endpoint go together",
            ));
        }
        (None, None, None) => (Cloud::Global, None, None),
    };
    let ca_file = match shape.ca_file {
        Some(text) => {
            let path = resolve_path(base, &text);
            let pem = std::fs::read_to_string(&path).map_err(|e| {
                at(
                    origin,
                    line,
                    format!(
                        "integration: ca_file {}: cannot read it: {e}",
                        path.display()
                    ),
                )
            })?;
            if openssl::x509::X509::stack_from_pem(pem.as_bytes())
                .map(|s| s.is_empty())
                .unwrap_or(true)
            {
                return Err(at(
                    origin,
                    line,
                    format!(
                        "integration: ca_file {}: no PEM certificate in it",
                        path.display()
                    ),
                ));
            }
            Some(
                std::fs::canonicalize(&path)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
            )
        }
        None => None,
    };
    let credential = match (shape.secret, shape.certificate) {
        (Some(_), Some(_)) => {
            return Err(at(
                origin,
                line,
                "integration: give either secret or certificate, not both",
            ));
        }
        (None, None) => {
            return Err(at(origin, line, "integration: a credential is required").hint(
                r#"add secret = { env = "GRAPH_SECRET" }, or certificate = { file = "app.pfx", password = { env = "CERT_PASSWORD" } } (recommended)"#,
            ));
        }
        (Some(DesiredSource::None), None) => {
            return Err(at(
                origin,
                line,
                r#"integration: secret = "none" leaves the app without a credential"#,
            )
            .hint(r#"use secret = { env = "GRAPH_SECRET" } or secret = "keyring""#));
        }
        (Some(s), None) => DesiredCredential::Secret(source(origin, line, "secret.env", s)?),
        (None, Some(c)) => DesiredCredential::Certificate {
            file: resolve_path(base, &c.file),
            password: source(origin, line, "certificate.password.env", c.password)?,
            assertion: c.assertion.unwrap_or_default(),
        },
    };
    // As `integration set --secret-expires`: a date Entra shows for a
    // client secret; a certificate's expiry is read from the certificate.
    let secret_expires = match (shape.secret_expires, &credential) {
        (None, _) => None,
        (Some(_), DesiredCredential::Certificate { .. }) => {
            return Err(at(
                origin,
                line,
                "integration: secret_expires applies to a client secret; this integration uses a certificate",
            )
            .hint("a certificate's expiry is read from the certificate itself: drop secret_expires"));
        }
        (Some(date), DesiredCredential::Secret(_)) => Some(
            validate::expiry_date("secret_expires", &date)
                .map_err(|e| invalid(origin, line, what, "secret_expires", e))?,
        ),
    };
    Ok(DesiredIntegration {
        tenant,
        app_id,
        cloud,
        authority_host,
        graph_endpoint,
        ca_file,
        credential,
        secret_expires,
        line,
    })
}

fn connector(origin: &str, line: usize, shape: ConnectorShape) -> Result<DesiredItem<Connector>> {
    let name = validate::name("name", &shape.name)
        .map_err(|e| invalid(origin, line, "connector", "name", e))?;
    let what = format!("connector '{name}'");
    let address = validate::email("address", &shape.address)
        .map_err(|e| invalid(origin, line, &what, "address", e))?;
    let folders = shape
        .folders
        .iter()
        .map(|f| {
            validate::folder("folders", f).map_err(|e| invalid(origin, line, &what, "folders", e))
        })
        .collect::<Result<Vec<_>>>()?;
    let process = shape
        .process
        .map(|p| validate::process(&p).map_err(|e| invalid(origin, line, &what, "process", e)))
        .transpose()?;
    let send_test_to = shape
        .send_test_to
        .map(|a| {
            validate::email("send_test_to", &a)
                .map_err(|e| invalid(origin, line, &what, "send_test_to", e))
        })
        .transpose()?;
    let mut ai = shape.ai;
    ai.sort();
    ai.dedup();
    let mut unique_folders: Vec<String> = Vec::new();
    for folder in folders {
        if !unique_folders.contains(&folder) {
            unique_folders.push(folder);
        }
    }
    Ok(DesiredItem {
        item: Connector {
            name,
            use_for: shape.use_for,
            address,
            enabled: shape.enabled,
            folders: unique_folders,
            process,
            send_automated_emails: shape.send_automated_emails,
            test_mode: shape.test_mode,
            ai,
            test: None,
        },
        line,
        send_test_to,
    })
}

fn route(origin: &str, line: usize, shape: RouteShape) -> Result<DesiredItem<Route>> {
    let name = validate::name("name", &shape.name)
        .map_err(|e| invalid(origin, line, "route", "name", e))?;
    let what = format!("route '{name}'");
    let connector = validate::name("connector", &shape.connector)
        .map_err(|e| invalid(origin, line, &what, "connector", e))?;
    let address = validate::email("address", &shape.address)
        .map_err(|e| invalid(origin, line, &what, "address", e))?;
    let process = shape
        .process
        .map(|p| validate::process(&p).map_err(|e| invalid(origin, line, &what, "process", e)))
        .transpose()?;
    let send_test_to = shape
        .send_test_to
        .map(|a| {
            validate::email("send_test_to", &a)
                .map_err(|e| invalid(origin, line, &what, "send_test_to", e))
        })
        .transpose()?;
    if shape.description.chars().any(char::is_control) {
        return Err(at(
            origin,
            line,
            format!("{what}: description contains a control character"),
        ));
    }
    Ok(DesiredItem {
        item: Route {
            name,
            description: shape.description,
            connector,
            address,
            enabled: shape.enabled,
            default: false,
            process,
            send_automated_emails: shape.send_automated_emails,
            for_attention: shape.for_attention,
            test_mode: shape.test_mode,
            test: None,
        },
        line,
        send_test_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Desired {
        parse(text, "f.toml", Path::new("/base")).unwrap_or_else(|e| panic!("{}", e.message))
    }

    fn parse_err(text: &str) -> String {
        parse(text, "f.toml", Path::new("/base"))
            .expect_err("an error")
            .message
    }

    const INTEGRATION: &str = "[integration]\ntenant = \"Contoso.OnMicrosoft.com\"\napp_id = \"{4A1F7C2E-8B3D-4E6F-9A0B-1C2D3E4F5A6B}\"\n";

    #[test]
    fn values_are_normalized_as_the_commands_normalize_them() {
        let d = parse_ok(&format!(
            "{INTEGRATION}secret = {{ env = \"S\" }}\n[[connector]]\nname = \"a\"\nuse_for = \"incoming\"\naddress = \" A@Contoso.COM \"\nfolders = [\" Inbox / EU \", \"Inbox/EU\"]\nprocess = \" Case \"\nai = [\"sentiment\", \"classification\", \"sentiment\"]\n"
        ));
        let i = d.integration.unwrap();
        assert_eq!(i.tenant, "contoso.onmicrosoft.com");
        assert_eq!(i.app_id, "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b");
        assert_eq!(i.cloud, Cloud::Global);
        assert_eq!(
            i.credential,
            DesiredCredential::Secret(DesiredSource::Env("S".into()))
        );
        let c = &d.connectors[0];
        assert_eq!(c.item.address, "A@contoso.com");
        assert_eq!(c.item.folders, ["Inbox/EU"]);
        assert_eq!(c.item.process.as_deref(), Some("Case"));
        assert_eq!(c.item.ai, [AiFeature::Classification, AiFeature::Sentiment]);
        assert!(c.item.enabled, "enabled by default");
    }

    #[test]
    fn a_certificate_path_is_relative_to_the_files_folder() {
        let d = parse_ok(&format!(
            "{INTEGRATION}certificate = {{ file = \"certs/app.pfx\", password = \"none\" }}\n"
        ));
        match d.integration.unwrap().credential {
            DesiredCredential::Certificate { file, password, .. } => {
                assert_eq!(file, Path::new("/base/certs/app.pfx"));
                assert_eq!(password, DesiredSource::None);
            }
            other => panic!("{other:?}"),
        }
        let d = parse_ok(&format!(
            "{INTEGRATION}certificate = {{ file = \"/abs/app.pfx\", password = \"keyring\" }}\n"
        ));
        assert!(matches!(
            d.integration.unwrap().credential,
            DesiredCredential::Certificate { ref file, .. } if file == Path::new("/abs/app.pfx")
        ));
    }

    #[test]
    fn credentials_and_clouds_are_one_of_each() {
        assert!(parse_err(INTEGRATION).contains("a credential is required"));
        assert!(
            parse_err(&format!(
                "{INTEGRATION}secret = \"keyring\"\ncertificate = {{ file = \"a.pfx\", password = \"none\" }}\n"
            ))
            .contains("either secret or certificate")
        );
        assert!(
            parse_err(&format!("{INTEGRATION}secret = \"none\"\n"))
                .contains("without a credential")
        );
        assert!(
            parse_err(&format!("{INTEGRATION}secret = {{ env = \"2BAD\" }}\n"))
                .contains("invalid secret.env")
        );
        assert!(
            parse_err(&format!("{INTEGRATION}secret = {{ var = \"X\" }}\n"))
                .contains("unknown field `var`")
        );
        assert!(
            parse_err(&format!(
                "{INTEGRATION}secret = \"keyring\"\ncloud = \"global\"\nauthority_host = \"https://a.example\"\n"
            ))
            .contains("not both")
        );
        assert!(
            parse_err(&format!(
                "{INTEGRATION}secret = \"keyring\"\ncloud = \"mars\"\n"
            ))
            .contains("unknown cloud")
        );
        assert!(
            parse_err(&format!(
                "{INTEGRATION}secret = \"keyring\"\nauthority_host = \"http://login.example.com\"\ngraph_endpoint = \"https://g.example\"\n"
            ))
            .contains("invalid authority_host")
        );
    }

    #[test]
    fn duplicates_and_clashes_name_both_lines() {
        let twice = "[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\n\n[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\n";
        assert_eq!(
            parse_err(twice),
            "f.toml:6: connector 'o' is declared twice (first at line 1)"
        );
        let same_address = "[[connector]]\nname = \"i\"\nuse_for = \"incoming\"\naddress = \"i@contoso.com\"\nfolders = [\"Inbox\"]\nprocess = \"C\"\n[[route]]\nname = \"a\"\nconnector = \"i\"\naddress = \"x@contoso.com\"\nprocess = \"C\"\n[[route]]\nname = \"b\"\nconnector = \"i\"\naddress = \"X@contoso.com\"\nprocess = \"C\"\n";
        let err = parse_err(same_address);
        assert!(
            err.starts_with("f.toml:12:") && err.contains("already used by incoming route 'a'"),
            "{err}"
        );
        let outbound_options = "[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\nprocess = \"C\"\n";
        assert!(parse_err(outbound_options).contains("takes only a name and a primary address"));
        let named_like_connector = "[[connector]]\nname = \"o\"\nuse_for = \"outbound\"\naddress = \"o@contoso.com\"\n[[route]]\nname = \"o\"\nconnector = \"o\"\naddress = \"p@contoso.com\"\n";
        assert!(parse_err(named_like_connector).contains("default route"));
        assert!(parse_err("schema_version = 2\n").contains("schema_version 2"));
    }
}

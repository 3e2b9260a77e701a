//! What list, show and status commands return: serializable views (the JSON
//! shapes of docs/json.md) that also render as text.

use std::io::{self, Write};

use serde::Serialize;

use crate::output::printer::{Paint, TextContext};
use crate::output::{Render, Table};
use crate::secrets::{self, SecretKind};
use crate::state::trust::{self, Assessment, TestState};
use crate::state::{Credential, Integration, SecretSource, State, TestRecord, UseFor, Verdict};

pub const SCHEMA_VERSION: u32 = 1;

/// A test record as JSON shows it: `steps` as a list (the file keeps them
/// as one string).
#[derive(Debug, Serialize)]
pub struct TestView {
    pub at: String,
    pub passed: bool,
    /// `passed`, `failed` or `unverified`.
    pub verdict: Verdict,
    /// For a non-pass: what would establish the missing fact.
    pub needs: Option<String>,
    pub fingerprint: String,
    pub steps: Vec<String>,
}

impl From<&TestRecord> for TestView {
    fn from(record: &TestRecord) -> Self {
        TestView {
            at: record.at.clone(),
            passed: record.passed,
            verdict: record.verdict(),
            needs: record.needs.clone(),
            fingerprint: record.fingerprint.clone(),
            steps: record.steps.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ConnectorView {
    pub name: String,
    pub use_for: &'static str,
    pub address: String,
    pub enabled: bool,
    pub live: bool,
    pub test_state: TestState,
    pub folders: Vec<String>,
    pub process: Option<String>,
    pub send_automated_emails: bool,
    pub test_mode: bool,
    pub ai: Vec<&'static str>,
    pub test: Option<TestView>,
}

impl ConnectorView {
    /// The view of `state.connectors[index]`.
    pub fn new(assessment: &Assessment, state: &State, index: usize) -> Self {
        let c = &state.connectors[index];
        ConnectorView {
            name: c.name.clone(),
            use_for: c.use_for.as_str(),
            address: c.address.clone(),
            enabled: c.enabled,
            live: assessment.connector_live(index),
            test_state: assessment.connector_test(index),
            folders: c.folders.clone(),
            process: c.process.clone(),
            send_automated_emails: c.send_automated_emails,
            test_mode: c.test_mode,
            ai: c.ai.iter().map(|a| a.as_str()).collect(),
            test: c.test.as_ref().map(TestView::from),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RouteView {
    pub name: String,
    pub connector: String,
    /// `incoming` or `outgoing`.
    pub direction: &'static str,
    pub address: String,
    pub description: String,
    pub enabled: bool,
    pub default: bool,
    pub live: bool,
    pub test_state: TestState,
    pub process: Option<String>,
    pub send_automated_emails: bool,
    pub for_attention: bool,
    pub test_mode: bool,
    pub test: Option<TestView>,
}

impl RouteView {
    /// The view of `state.routes[index]`.
    pub fn new(assessment: &Assessment, state: &State, index: usize) -> Self {
        let r = &state.routes[index];
        let direction = match assessment.connector_of_route(index).map(|c| c.use_for) {
            Some(UseFor::Outbound) => "outgoing",
            _ => "incoming",
        };
        RouteView {
            name: r.name.clone(),
            connector: r.connector.clone(),
            direction,
            address: r.address.clone(),
            description: r.description.clone(),
            enabled: r.enabled,
            default: r.default,
            live: assessment.route_live(index),
            test_state: assessment.route_test(index),
            process: r.process.clone(),
            send_automated_emails: r.send_automated_emails,
            for_attention: r.for_attention,
            test_mode: r.test_mode,
            test: r.test.as_ref().map(TestView::from),
        }
    }
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

fn paint_state(ctx: &TextContext, s: TestState) -> String {
    let paint = match s {
        TestState::Passed => Paint::Green,
        TestState::Failed => Paint::Red,
        TestState::Stale | TestState::Untested | TestState::Unverified => Paint::Yellow,
    };
    ctx.paint(s.as_str(), paint)
}

fn connector_table(items: &[ConnectorView], ctx: &TextContext) -> Table {
    let mut table = Table::new([
        "name",
        "use for",
        "address",
        "enabled",
        "test",
        "live",
        "folders / process",
    ]);
    for c in items {
        let extra = match c.use_for {
            "incoming" => format!(
                "{} → {}",
                c.folders.join(", "),
                c.process.as_deref().unwrap_or("-")
            ),
            _ => "-".to_string(),
        };
        table.row([
            c.name.clone(),
            c.use_for.to_string(),
            c.address.clone(),
            yes_no(c.enabled).to_string(),
            paint_state(ctx, c.test_state),
            yes_no(c.live).to_string(),
            extra,
        ]);
    }
    table
}

fn route_table(items: &[RouteView], ctx: &TextContext) -> Table {
    let mut table = Table::new([
        "name",
        "direction",
        "connector",
        "address",
        "enabled",
        "test",
        "live",
        "process",
    ]);
    for r in items {
        let name = if r.default {
            format!("{} (default)", r.name)
        } else {
            r.name.clone()
        };
        table.row([
            name,
            r.direction.to_string(),
            r.connector.clone(),
            r.address.clone(),
            yes_no(r.enabled).to_string(),
            paint_state(ctx, r.test_state),
            yes_no(r.live).to_string(),
            r.process.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    table
}

#[derive(Debug, Serialize)]
pub struct ConnectorList {
    pub schema_version: u32,
    pub connectors: Vec<ConnectorView>,
}

impl Render for ConnectorList {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        if self.connectors.is_empty() && ctx.terminal {
            return writeln!(
                out,
                "No connectors. Add one with `graphmail connector add`."
            );
        }
        connector_table(&self.connectors, ctx).write(out, ctx.terminal, ctx.width)
    }
}

#[derive(Debug, Serialize)]
pub struct RouteList {
    pub schema_version: u32,
    pub routes: Vec<RouteView>,
}

impl Render for RouteList {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        if self.routes.is_empty() && ctx.terminal {
            return writeln!(
                out,
                "No routes. Enabling a connector creates its default route."
            );
        }
        route_table(&self.routes, ctx).write(out, ctx.terminal, ctx.width)
    }
}

fn write_test(out: &mut dyn Write, test: &Option<TestView>, state: TestState) -> io::Result<()> {
    match test {
        Some(t) => {
            writeln!(
                out,
                "last test:   {} at {} ({})",
                t.verdict.as_str(),
                t.at,
                state.as_str()
            )?;
            if !t.steps.is_empty() {
                writeln!(out, "  steps:     {}", t.steps.join(", "))?;
            }
            if let Some(needs) = &t.needs {
                writeln!(out, "  needs:     {needs}")?;
            }
            Ok(())
        }
        None => writeln!(out, "last test:   none"),
    }
}

#[derive(Debug, Serialize)]
pub struct ConnectorDetail {
    pub schema_version: u32,
    pub connector: ConnectorView,
    pub routes: Vec<RouteView>,
}

impl Render for ConnectorDetail {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let c = &self.connector;
        writeln!(out, "connector:   {}", ctx.paint(&c.name, Paint::Bold))?;
        writeln!(out, "use for:     {}", c.use_for)?;
        writeln!(out, "address:     {}", c.address)?;
        writeln!(
            out,
            "enabled:     {}   live: {}",
            yes_no(c.enabled),
            yes_no(c.live)
        )?;
        if c.use_for == "incoming" {
            writeln!(out, "folders:     {}", c.folders.join(", "))?;
            writeln!(out, "process:     {}", c.process.as_deref().unwrap_or("-"))?;
            writeln!(
                out,
                "automated emails: {}   test mode: {}",
                yes_no(c.send_automated_emails),
                yes_no(c.test_mode)
            )?;
            let ai = if c.ai.is_empty() {
                "none".to_string()
            } else {
                c.ai.join(", ")
            };
            writeln!(out, "ai:          {ai}")?;
        }
        write_test(out, &c.test, c.test_state)?;
        if !self.routes.is_empty() {
            writeln!(out)?;
            route_table(&self.routes, ctx).write(out, ctx.terminal, ctx.width)?;
        }
        Ok(())
    }
}

#[derive(Debug, Serialize)]
pub struct RouteDetail {
    pub schema_version: u32,
    pub route: RouteView,
}

impl Render for RouteDetail {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let r = &self.route;
        writeln!(
            out,
            "route:       {}{}",
            ctx.paint(&r.name, Paint::Bold),
            if r.default { " (default)" } else { "" }
        )?;
        writeln!(out, "direction:   {}", r.direction)?;
        writeln!(out, "connector:   {}", r.connector)?;
        writeln!(out, "address:     {}", r.address)?;
        if !r.description.is_empty() {
            writeln!(out, "description: {}", r.description)?;
        }
        writeln!(
            out,
            "enabled:     {}   live: {}",
            yes_no(r.enabled),
            yes_no(r.live)
        )?;
        if r.direction == "incoming" {
            writeln!(out, "process:     {}", r.process.as_deref().unwrap_or("-"))?;
            writeln!(
                out,
                "automated emails: {}   for attention: {}   test mode: {}",
                yes_no(r.send_automated_emails),
                yes_no(r.for_attention),
                yes_no(r.test_mode)
            )?;
        }
        write_test(out, &r.test, r.test_state)
    }
}

#[derive(Debug, Serialize)]
pub struct CredentialView {
    pub kind: &'static str,
    /// Where the secret (client secret or certificate password) is recorded to come from.
    pub source: String,
    /// Where it comes from in this run, after `GRAPHMAIL_*` overrides.
    pub effective_source: String,
    pub credential_generation: Option<String>,
    pub certificate_file: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
    pub subject: Option<String>,
    pub not_after: Option<String>,
    pub assertion: Option<String>,
}

fn source_label(source: &SecretSource) -> String {
    match source {
        SecretSource::Keyring => "keyring".into(),
        SecretSource::Env { var } => format!("env:{var}"),
        SecretSource::None => "none".into(),
    }
}

impl CredentialView {
    /// `store` names where keyring-sourced secrets live in this run.
    pub fn new(credential: &Credential, store: &str) -> Self {
        match credential {
            Credential::Secret {
                secret,
                credential_generation,
            } => CredentialView {
                kind: "secret",
                source: source_label(secret),
                effective_source: secrets::effective_source(SecretKind::ClientSecret, secret)
                    .describe(store),
                credential_generation: Some(credential_generation.clone()),
                certificate_file: None,
                sha1: None,
                sha256: None,
                subject: None,
                not_after: None,
                assertion: None,
            },
            Credential::Certificate {
                file,
                password,
                sha1,
                sha256,
                subject,
                not_after,
                assertion,
            } => CredentialView {
                kind: "certificate",
                source: source_label(password),
                effective_source: secrets::effective_source(
                    SecretKind::CertificatePassword,
                    password,
                )
                .describe(store),
                credential_generation: None,
                certificate_file: Some(file.clone()),
                sha1: Some(sha1.clone()),
                sha256: Some(sha256.clone()),
                subject: Some(subject.clone()),
                not_after: Some(not_after.clone()),
                assertion: Some(
                    serde_json::to_value(assertion)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                ),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct IntegrationView {
    pub tenant: String,
    pub app_id: String,
    pub cloud: &'static str,
    pub authority_host: String,
    pub graph_endpoint: String,
    pub ca_file: Option<String>,
    pub credential: CredentialView,
    pub test_state: TestState,
    pub test: Option<TestView>,
}

impl IntegrationView {
    pub fn new(i: &Integration, store: &str) -> Self {
        let endpoints = i.endpoints();
        IntegrationView {
            tenant: i.tenant.clone(),
            app_id: i.app_id.clone(),
            cloud: i.cloud.as_str(),
            authority_host: endpoints.authority_host,
            graph_endpoint: endpoints.graph_endpoint,
            ca_file: i.ca_file.clone(),
            credential: CredentialView::new(&i.credential, store),
            test_state: trust::integration_test_state(i),
            test: i.test.as_ref().map(TestView::from),
        }
    }

    fn write(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        writeln!(out, "tenant:      {}", self.tenant)?;
        writeln!(out, "app id:      {}", self.app_id)?;
        writeln!(out, "cloud:       {}", self.cloud)?;
        writeln!(out, "authority:   {}", self.authority_host)?;
        writeln!(out, "graph:       {}", self.graph_endpoint)?;
        if let Some(ca) = &self.ca_file {
            writeln!(out, "ca file:     {ca}")?;
        }
        let c = &self.credential;
        match c.kind {
            "secret" => writeln!(
                out,
                "credential:  client secret from {}",
                c.effective_source
            )?,
            _ => {
                writeln!(
                    out,
                    "credential:  certificate {}",
                    c.subject.as_deref().unwrap_or("")
                )?;
                writeln!(out, "  sha1:      {}", c.sha1.as_deref().unwrap_or(""))?;
                writeln!(out, "  sha256:    {}", c.sha256.as_deref().unwrap_or(""))?;
                writeln!(out, "  expires:   {}", c.not_after.as_deref().unwrap_or(""))?;
                writeln!(out, "  password:  from {}", c.effective_source)?;
                writeln!(out, "  assertion: {}", c.assertion.as_deref().unwrap_or(""))?;
            }
        }
        writeln!(out, "test:        {}", paint_state(ctx, self.test_state))?;
        if let Some(t) = &self.test {
            writeln!(out, "  last run:  {} ({})", t.at, t.verdict.as_str())?;
        }
        Ok(())
    }
}

#[derive(Debug, Serialize)]
pub struct IntegrationShow {
    pub schema_version: u32,
    pub integration: Option<IntegrationView>,
}

impl Render for IntegrationShow {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        match &self.integration {
            Some(i) => i.write(out, ctx),
            None => writeln!(
                out,
                "No integration. Set one with `graphmail integration set`."
            ),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StatusView {
    pub schema_version: u32,
    pub state_file: String,
    pub integration: Option<IntegrationView>,
    pub connectors: Vec<ConnectorView>,
    pub routes: Vec<RouteView>,
    /// What needs attention, one sentence each, with what to run.
    pub attention: Vec<String>,
    /// Whether everything enabled can be trusted.
    pub trusted: bool,
}

impl Render for StatusView {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        writeln!(out, "{}", ctx.paint("Integration", Paint::Bold))?;
        match &self.integration {
            Some(i) => i.write(out, ctx)?,
            None => writeln!(out, "  none: run `graphmail integration set`")?,
        }
        writeln!(out)?;
        let live_c = self.connectors.iter().filter(|c| c.live).count();
        writeln!(
            out,
            "{} ({} live of {})",
            ctx.paint("Connectors", Paint::Bold),
            live_c,
            self.connectors.len()
        )?;
        if !self.connectors.is_empty() {
            connector_table(&self.connectors, ctx).write(out, ctx.terminal, ctx.width)?;
        }
        writeln!(out)?;
        let live_r = self.routes.iter().filter(|r| r.live).count();
        writeln!(
            out,
            "{} ({} live of {})",
            ctx.paint("Routes", Paint::Bold),
            live_r,
            self.routes.len()
        )?;
        if !self.routes.is_empty() {
            route_table(&self.routes, ctx).write(out, ctx.terminal, ctx.width)?;
        }
        writeln!(out)?;
        if self.attention.is_empty() {
            writeln!(
                out,
                "{}",
                ctx.paint("Nothing needs attention.", Paint::Green)
            )?;
        } else {
            writeln!(out, "{}", ctx.paint("Needs attention", Paint::Yellow))?;
            for item in &self.attention {
                writeln!(out, "  - {item}")?;
            }
        }
        Ok(())
    }
}

/// The result of a mutating command, for `--output json`.
#[derive(Debug, Serialize)]
pub struct ActionResult {
    pub schema_version: u32,
    /// e.g. `connector.add`
    pub action: &'static str,
    pub target: String,
    /// Whether the state file changed.
    pub changed: bool,
    pub message: String,
    /// Side effects worth knowing: routes disabled with a connector, …
    pub details: Vec<String>,
}

impl Render for ActionResult {
    fn render_text(&self, _out: &mut dyn Write, _ctx: &TextContext) -> io::Result<()> {
        Ok(())
    }
}

/// Shows a mutating command's result: JSON on stdout, or a line on stderr.
pub fn report(printer: &crate::output::Printer, result: ActionResult) -> crate::error::Result<()> {
    if printer.json() {
        printer
            .data(&result)
            .map_err(|e| crate::error::CliError::runtime(format!("cannot write output: {e}")))?;
        return Ok(());
    }
    if result.changed {
        printer.success(&result.message);
    } else {
        printer.note(&result.message);
    }
    for d in &result.details {
        printer.note(format!("  {d}"));
    }
    Ok(())
}

/// Writes a data value, turning an I/O failure into a runtime error.
pub fn show<T: Render>(printer: &crate::output::Printer, value: &T) -> crate::error::Result<()> {
    match printer.data(value) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::CliError::runtime(format!(
            "cannot write output: {e}"
        ))),
    }
}

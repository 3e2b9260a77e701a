//! What list, show and status commands return: serializable views (the JSON
//! shapes of docs/json.md) that also render as text.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::output::printer::{Paint, TextContext};
use crate::output::{Render, Table};
use crate::secrets::{self, SecretKind};
use crate::state::trust::{self, Assessment, TestState};
use crate::state::{
    Credential, Integration, SecretSource, State, Steps, TestRecord, UseFor, Verdict,
};

pub const SCHEMA_VERSION: u32 = 1;

/// A test record as JSON shows it: `steps` as a list (the file keeps them
/// as one string). Views borrow from the state they show: a list of 3,000
/// items is not copied to be printed (issue 17 (a)).
#[derive(Debug, Serialize)]
pub struct TestView<'a> {
    pub at: &'a str,
    pub passed: bool,
    /// `passed`, `failed` or `unverified`.
    pub verdict: Verdict,
    /// For a non-pass: what would establish the missing fact.
    pub needs: Option<&'a str>,
    pub fingerprint: &'a str,
    #[serde(serialize_with = "steps_as_list")]
    pub steps: &'a Steps,
}

/// JSON shows the steps as a list.
fn steps_as_list<S: serde::Serializer>(steps: &&Steps, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(steps.iter())
}

impl<'a> From<&'a TestRecord> for TestView<'a> {
    fn from(record: &'a TestRecord) -> Self {
        TestView {
            at: &record.at,
            passed: record.passed,
            verdict: record.verdict(),
            needs: record.needs.as_deref(),
            fingerprint: &record.fingerprint,
            steps: &record.steps,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ConnectorView<'a> {
    pub name: &'a str,
    pub use_for: &'static str,
    pub address: &'a str,
    pub enabled: bool,
    pub live: bool,
    pub test_state: TestState,
    pub folders: &'a [String],
    pub process: Option<&'a str>,
    pub send_automated_emails: bool,
    pub test_mode: bool,
    pub ai: Vec<&'static str>,
    pub test: Option<TestView<'a>>,
}

impl<'a> ConnectorView<'a> {
    /// The view of `state.connectors[index]`.
    pub fn new(assessment: &Assessment, state: &'a State, index: usize) -> Self {
        let c = &state.connectors[index];
        ConnectorView {
            name: &c.name,
            use_for: c.use_for.as_str(),
            address: &c.address,
            enabled: c.enabled,
            live: assessment.connector_live(index),
            test_state: assessment.connector_test(index),
            folders: &c.folders,
            process: c.process.as_deref(),
            send_automated_emails: c.send_automated_emails,
            test_mode: c.test_mode,
            ai: c.ai.iter().map(|a| a.as_str()).collect(),
            test: c.test.as_ref().map(TestView::from),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RouteView<'a> {
    pub name: &'a str,
    pub connector: &'a str,
    /// `incoming` or `outgoing`.
    pub direction: &'static str,
    pub address: &'a str,
    pub description: &'a str,
    pub enabled: bool,
    pub default: bool,
    pub live: bool,
    pub test_state: TestState,
    pub process: Option<&'a str>,
    pub send_automated_emails: bool,
    pub for_attention: bool,
    pub test_mode: bool,
    /// For a default route, its connector's test: a default route has no
    /// evidence of its own, its verdict is its connector's.
    pub test: Option<TestView<'a>>,
    /// `"connector"` for a default route (its `test` and `test_state` are
    /// its connector's), `null` for a route tested on its own.
    pub inherited_from: Option<&'static str>,
}

impl<'a> RouteView<'a> {
    /// The view of `state.routes[index]`.
    pub fn new(assessment: &Assessment<'a>, state: &'a State, index: usize) -> Self {
        let r = &state.routes[index];
        let connector = assessment.connector_of_route(index);
        let direction = match connector.map(|c| c.use_for) {
            Some(UseFor::Outbound) => "outgoing",
            _ => "incoming",
        };
        RouteView {
            name: &r.name,
            connector: &r.connector,
            direction,
            address: &r.address,
            description: &r.description,
            enabled: r.enabled,
            default: r.default,
            live: assessment.route_live(index),
            test_state: assessment.route_test(index),
            process: r.process.as_deref(),
            send_automated_emails: r.send_automated_emails,
            for_attention: r.for_attention,
            test_mode: r.test_mode,
            test: if r.default {
                connector.and_then(|c| c.test.as_ref()).map(TestView::from)
            } else {
                r.test.as_ref().map(TestView::from)
            },
            inherited_from: r.default.then_some("connector"),
        }
    }
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

fn paint_state(ctx: &TextContext, s: TestState) -> Cow<'static, str> {
    let paint = match s {
        TestState::Passed => Paint::Green,
        TestState::Failed => Paint::Red,
        TestState::Stale | TestState::Untested | TestState::Unverified => Paint::Yellow,
    };
    if ctx.color {
        Cow::Owned(ctx.paint(s.as_str(), paint))
    } else {
        Cow::Borrowed(s.as_str())
    }
}

fn connector_table<'a>(items: &'a [ConnectorView<'_>], ctx: &TextContext) -> Table<'a> {
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
            "incoming" => Cow::Owned(format!(
                "{} → {}",
                c.folders.join(", "),
                c.process.unwrap_or("-")
            )),
            _ => Cow::Borrowed("-"),
        };
        table.row([
            Cow::Borrowed(c.name),
            Cow::Borrowed(c.use_for),
            Cow::Borrowed(c.address),
            Cow::Borrowed(yes_no(c.enabled)),
            paint_state(ctx, c.test_state),
            Cow::Borrowed(yes_no(c.live)),
            extra,
        ]);
    }
    table
}

fn route_table<'a>(items: &'a [RouteView<'_>], ctx: &TextContext) -> Table<'a> {
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
            Cow::Owned(format!("{} (default)", r.name))
        } else {
            Cow::Borrowed(r.name)
        };
        table.row([
            name,
            Cow::Borrowed(r.direction),
            Cow::Borrowed(r.connector),
            Cow::Borrowed(r.address),
            Cow::Borrowed(yes_no(r.enabled)),
            paint_state(ctx, r.test_state),
            Cow::Borrowed(yes_no(r.live)),
            Cow::Borrowed(r.process.unwrap_or("-")),
        ]);
    }
    table
}

#[derive(Debug, Serialize)]
pub struct ConnectorList<'a> {
    pub schema_version: u32,
    pub connectors: Vec<ConnectorView<'a>>,
}

impl Render for ConnectorList<'_> {
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
pub struct RouteList<'a> {
    pub schema_version: u32,
    pub routes: Vec<RouteView<'a>>,
}

impl Render for RouteList<'_> {
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

fn write_test(
    out: &mut dyn Write,
    test: &Option<TestView<'_>>,
    state: TestState,
) -> io::Result<()> {
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
                writeln!(
                    out,
                    "  steps:     {}",
                    t.steps.iter().collect::<Vec<_>>().join(", ")
                )?;
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
pub struct ConnectorDetail<'a> {
    pub schema_version: u32,
    pub connector: ConnectorView<'a>,
    pub routes: Vec<RouteView<'a>>,
}

impl Render for ConnectorDetail<'_> {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let c = &self.connector;
        writeln!(out, "connector:   {}", ctx.paint(c.name, Paint::Bold))?;
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
            writeln!(out, "process:     {}", c.process.unwrap_or("-"))?;
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
pub struct RouteDetail<'a> {
    pub schema_version: u32,
    pub route: RouteView<'a>,
}

impl Render for RouteDetail<'_> {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let r = &self.route;
        writeln!(
            out,
            "route:       {}{}",
            ctx.paint(r.name, Paint::Bold),
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
            writeln!(out, "process:     {}", r.process.unwrap_or("-"))?;
            writeln!(
                out,
                "automated emails: {}   for attention: {}   test mode: {}",
                yes_no(r.send_automated_emails),
                yes_no(r.for_attention),
                yes_no(r.test_mode)
            )?;
        }
        if r.inherited_from.is_some() {
            writeln!(
                out,
                "verdict:     its connector's (a default route has no test of its own)"
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
pub struct IntegrationView<'a> {
    pub tenant: String,
    pub app_id: String,
    pub cloud: &'static str,
    pub authority_host: String,
    pub graph_endpoint: String,
    pub ca_file: Option<String>,
    /// `integration set --secret-expires` (RFC 3339), or null.
    pub secret_expires: Option<String>,
    pub credential: CredentialView,
    pub test_state: TestState,
    pub test: Option<TestView<'a>>,
}

impl<'a> IntegrationView<'a> {
    pub fn new(i: &'a Integration, store: &str) -> Self {
        let endpoints = i.endpoints();
        IntegrationView {
            tenant: i.tenant.clone(),
            app_id: i.app_id.clone(),
            cloud: i.cloud.as_str(),
            authority_host: endpoints.authority_host,
            graph_endpoint: endpoints.graph_endpoint,
            ca_file: i.ca_file.clone(),
            secret_expires: i.secret_expires.clone(),
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
                "credential:  client secret from {}{}",
                c.effective_source,
                self.secret_expires
                    .as_ref()
                    .map(|at| format!(", expires {at}"))
                    .unwrap_or_default()
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
pub struct IntegrationShow<'a> {
    pub schema_version: u32,
    pub integration: Option<IntegrationView<'a>>,
}

impl Render for IntegrationShow<'_> {
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
pub struct StatusView<'a> {
    pub schema_version: u32,
    pub state_file: String,
    pub integration: Option<IntegrationView<'a>>,
    pub connectors: Vec<ConnectorView<'a>>,
    pub routes: Vec<RouteView<'a>>,
    /// What needs attention, one sentence each, with what to run.
    pub attention: Vec<String>,
    /// Whether everything enabled can be trusted.
    pub trusted: bool,
}

impl Render for StatusView<'_> {
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

/// What a remove with `--ignore-missing` reports when there was nothing:
/// unchanged, exit 0 (kubectl's `--ignore-not-found`).
pub fn nothing_to_remove(
    printer: &crate::output::Printer,
    action: &'static str,
    target: &str,
    message: String,
) -> crate::error::Result<()> {
    report(
        printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action,
            target: target.to_string(),
            changed: false,
            message,
            details: vec![],
        },
    )
}

/// Writes a data value, turning an I/O failure into a runtime error.
pub fn show<T: Render>(printer: &crate::output::Printer, value: &T) -> crate::error::Result<()> {
    shown(printer.data(value))
}

/// [`show`] of what [`crate::output::Printer::render`] made.
pub fn show_rendered(
    printer: &crate::output::Printer,
    rendered: io::Result<Vec<u8>>,
) -> crate::error::Result<()> {
    shown(rendered.and_then(|bytes| printer.write_rendered(&bytes)))
}

fn shown(written: io::Result<()>) -> crate::error::Result<()> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::error::CliError::runtime(format!(
            "cannot write output: {e}"
        ))),
    }
}

//! What `doctor` returns: one [`Finding`] per check and subject, each `ok`,
//! `warning` or `problem` with a one-line detail and, unless ok, a fix. The
//! JSON shape is documented in docs/json.md (`doctor`).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::output::printer::{Paint, TextContext};
use crate::output::{Render, Table};

/// The JSON shape's version.
pub const SCHEMA_VERSION: u32 = 1;

/// How a check came out. Only `problem` makes `doctor` exit 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    Warning,
    Problem,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Warning => "warning",
            Health::Problem => "problem",
        }
    }
}

/// One check of one subject (a host, a variable, a file).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `state-file`, `state-lock`, `state-problems`, `secret-source`,
    /// `keyring`, `certificate-file`, `certificate-expiry`, `secret-expiry`,
    /// `integration`, `proxy`, `dns`, `reach`, `tls`, `clock`, `cloud`
    /// (docs/json.md).
    pub check: &'static str,
    /// What was checked: a host, a variable, a path.
    pub subject: String,
    pub status: Health,
    pub detail: String,
    /// What to do; `null` when ok.
    pub fix: Option<String>,
    /// Time the check took, milliseconds.
    pub ms: u64,
    /// Measured values for scripts (documented per check in docs/json.md);
    /// always an object.
    pub facts: Map<String, Value>,
}

impl Finding {
    pub fn new(check: &'static str, subject: impl Into<String>, status: Health) -> Self {
        Finding {
            check,
            subject: subject.into(),
            status,
            detail: String::new(),
            fix: None,
            ms: 0,
            facts: Map::new(),
        }
    }

    pub fn ok(check: &'static str, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding::new(check, subject, Health::Ok).detail(detail)
    }

    pub fn warning(
        check: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding::new(check, subject, Health::Warning)
            .detail(detail)
            .fix(fix)
    }

    pub fn problem(
        check: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding::new(check, subject, Health::Problem)
            .detail(detail)
            .fix(fix)
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn fact(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.facts.insert(key.to_string(), value.into());
        self
    }

    pub fn took(mut self, ms: u64) -> Self {
        self.ms = ms;
        self
    }
}

/// How many findings of each status.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub warning: usize,
    pub problem: usize,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    pub schema_version: u32,
    pub state_file: String,
    pub summary: Summary,
    pub checks: Vec<Finding>,
}

impl DoctorReport {
    pub fn new(state_file: String, checks: Vec<Finding>) -> Self {
        let mut summary = Summary::default();
        for c in &checks {
            match c.status {
                Health::Ok => summary.ok += 1,
                Health::Warning => summary.warning += 1,
                Health::Problem => summary.problem += 1,
            }
        }
        DoctorReport {
            schema_version: SCHEMA_VERSION,
            state_file,
            summary,
            checks,
        }
    }
}

impl Render for DoctorReport {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()> {
        let mut table = Table::new(["check", "subject", "status", "detail", "fix"]);
        for c in &self.checks {
            let paint = match c.status {
                Health::Ok => Paint::Green,
                Health::Warning => Paint::Yellow,
                Health::Problem => Paint::Red,
            };
            table.row([
                c.check.to_string(),
                c.subject.clone(),
                ctx.paint(c.status.as_str(), paint),
                c.detail.clone(),
                c.fix.clone().unwrap_or_default(),
            ]);
        }
        table.write(out, ctx.terminal, ctx.width)?;
        if ctx.terminal {
            writeln!(
                out,
                "{} ok, {} warning(s), {} problem(s)",
                self.summary.ok, self.summary.warning, self.summary.problem
            )?;
        }
        Ok(())
    }
}

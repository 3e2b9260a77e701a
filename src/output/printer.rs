//! The printer: one place that knows the output format, whether stdout and
//! stderr are terminals, colour, and `-q`/`-v`.
//!
//! With `--output json`, notes and warnings are held back until the command
//! ends: on success they go to stderr then, on an error they go into the
//! error object (`warnings`), so stderr is exactly that one JSON object and
//! `jq` can read it. A command that runs until stopped (`mail watch`) lets
//! them through as they come ([`Printer::stream_messages`]).

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::error::CliError;

use super::inert::{self, InertWriter, inert_lines};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A value a command shows: JSON through serde, text through `render_text`.
pub trait Render: Serialize {
    fn render_text(&self, out: &mut dyn Write, ctx: &TextContext) -> io::Result<()>;
}

/// What text rendering may use.
pub struct TextContext {
    /// stdout is a terminal: tables get borders.
    pub terminal: bool,
    pub color: bool,
    pub width: Option<u16>,
}

impl TextContext {
    /// Wraps `text` in an ANSI colour when colour is on.
    pub fn paint(&self, text: &str, color: Paint) -> String {
        if !self.color {
            return text.to_string();
        }
        // Only these codes pass the inert writer (inert::PAINT_CODES).
        let code = match color {
            Paint::Green => "32",
            Paint::Yellow => "33",
            Paint::Red => "31",
            Paint::Dim => "2",
            Paint::Bold => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Green,
    Yellow,
    Red,
    Dim,
    Bold,
}

/// A message held back in JSON mode, as it would have been printed.
enum Held {
    /// A note or success line, ready to print.
    Line(String),
    /// A warning's text, without its label.
    Warning(String),
}

/// The messages held back so far. Process-wide: the command's printer holds
/// them, `main`'s printer releases them or puts them in the error.
static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());
/// Set by [`Printer::stream_messages`]: nothing is held any more.
static STREAMING: AtomicBool = AtomicBool::new(false);

fn hold(message: Held) {
    HELD.lock().unwrap_or_else(|e| e.into_inner()).push(message);
}

fn take_held() -> Vec<Held> {
    std::mem::take(&mut *HELD.lock().unwrap_or_else(|e| e.into_inner()))
}

#[derive(Clone)]
pub struct Printer {
    pub format: Format,
    stdout_terminal: bool,
    stderr_terminal: bool,
    color_stdout: bool,
    color_stderr: bool,
    quiet: bool,
    verbose: u8,
}

impl Printer {
    pub fn new(format: Format, color: ColorChoice, quiet: bool, verbose: u8) -> Self {
        let stdout_terminal = io::stdout().is_terminal();
        let stderr_terminal = io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let pick = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Printer {
            format,
            stdout_terminal,
            stderr_terminal,
            color_stdout: pick(stdout_terminal),
            color_stderr: pick(stderr_terminal),
            quiet,
            verbose,
        }
    }

    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_terminal
    }

    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    fn text_context(&self) -> TextContext {
        let width = if self.stdout_terminal {
            terminal_width()
        } else {
            None
        };
        TextContext {
            terminal: self.stdout_terminal,
            color: self.color_stdout,
            width,
        }
    }

    /// Writes a command's data to stdout in the chosen format.
    pub fn data<T: Render>(&self, value: &T) -> io::Result<()> {
        // Buffered: a table of thousands of rows is one write, not thousands.
        let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
        self.render_to(&mut out, value)?;
        out.flush()
    }

    /// [`Printer::data`] into memory, for [`Printer::write_rendered`] later:
    /// lets a command render on one thread while another waits for the disk.
    pub fn render<T: Render>(&self, value: &T) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.render_to(&mut out, value)?;
        Ok(out)
    }

    /// Writes what [`Printer::render`] made to stdout.
    pub fn write_rendered(&self, rendered: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(rendered)?;
        out.flush()
    }

    fn render_to<T: Render>(&self, out: &mut impl Write, value: &T) -> io::Result<()> {
        match self.format {
            Format::Json => {
                inert::to_writer_pretty(&mut *out, value)?;
                writeln!(out)
            }
            Format::Table => {
                // Text from outside (subjects, folder names, hand-edited
                // names) cannot drive the terminal: see `inert`.
                let mut inert = InertWriter::new(&mut *out, self.color_stdout);
                value.render_text(&mut inert, &self.text_context())?;
                inert.finish().map(drop)
            }
        }
    }

    /// Whether messages are held back (JSON mode, see the module docs).
    fn holds(&self) -> bool {
        self.json() && !STREAMING.load(Ordering::Relaxed)
    }

    /// Prints the messages held back so far and holds no more: for a
    /// command that runs until it is stopped.
    pub fn stream_messages(&self) {
        STREAMING.store(true, Ordering::Relaxed);
        self.release_held();
    }

    /// Prints the held messages on stderr, in order (the command succeeded).
    pub fn release_held(&self) {
        for message in take_held() {
            match message {
                Held::Line(line) => eprintln!("{line}"),
                Held::Warning(text) => self.print_warning(&text),
            }
        }
    }

    /// A message for people: stderr, silenced by `-q`. In JSON mode held
    /// back until the command ends (module docs), so stdout stays parseable
    /// and an error's stderr is one JSON object.
    pub fn note(&self, message: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        let line = inert_lines(message.as_ref()).to_string();
        if self.holds() {
            hold(Held::Line(line));
        } else {
            eprintln!("{line}");
        }
    }

    /// A success line (`✓ ...`) on stderr.
    pub fn success(&self, message: impl AsRef<str>) {
        if !self.quiet {
            let mark = if self.color_stderr {
                "\x1b[32m✓\x1b[0m"
            } else {
                "✓"
            };
            let line = format!("{mark} {}", inert_lines(message.as_ref()));
            if self.holds() {
                hold(Held::Line(line));
            } else {
                eprintln!("{line}");
            }
        }
    }

    /// A warning on stderr (even with `-q`); in JSON mode held back, and
    /// part of the error object should the command fail.
    pub fn warn(&self, message: impl AsRef<str>) {
        if self.holds() {
            hold(Held::Warning(message.as_ref().to_string()));
        } else {
            self.print_warning(message.as_ref());
        }
    }

    fn print_warning(&self, message: &str) {
        let label = if self.color_stderr {
            "\x1b[33mwarning:\x1b[0m"
        } else {
            "warning:"
        };
        eprintln!("{label} {}", inert_lines(message));
    }

    /// Detail shown with `-v`.
    pub fn debug(&self, message: impl AsRef<str>) {
        if self.verbose > 0 {
            eprintln!("{}", inert_lines(message.as_ref()));
        }
    }

    /// Reports an error on stderr: text with `Hint:` lines, or one JSON
    /// object in JSON mode, which carries the warnings held back (notes are
    /// dropped: they are for people, and the data says the same).
    pub fn error(&self, err: &CliError) {
        if self.json() {
            let warnings: Vec<String> = take_held()
                .into_iter()
                .filter_map(|m| match m {
                    Held::Warning(text) => Some(text),
                    Held::Line(_) => None,
                })
                .collect();
            let ids = err.service.as_deref().cloned().unwrap_or_default();
            let body = serde_json::json!({
                "schema_version": 1,
                "error": {
                    "kind": err.kind,
                    "exit_code": err.kind.exit_code(),
                    "message": err.message,
                    "hints": err.hints,
                    "code": ids.code,
                    "request_id": ids.request_id,
                    "trace_id": ids.trace_id,
                    "warnings": warnings,
                }
            });
            // The exact message, with unsafe characters as \u escapes.
            let line = inert::to_string_compact(&body).unwrap_or_else(|_| body.to_string());
            eprintln!("{line}");
            return;
        }
        self.release_held();
        let label = if self.color_stderr {
            "\x1b[31merror:\x1b[0m"
        } else {
            "error:"
        };
        eprintln!("{label} {}", inert_lines(&err.message));
        for hint in &err.hints {
            eprintln!("  hint: {}", inert_lines(hint));
        }
    }
}

/// `COLUMNS` when set; otherwise comfy-table asks the terminal itself.
fn terminal_width() -> Option<u16> {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())
}

//! The logic of each command, one file per leaf. Commands take typed
//! requests resolved from the command line, never clap types' parsing rules,
//! and return values that the printer renders.

pub mod apply;
pub mod certificate;
pub mod connector;
pub mod demo;
pub mod enable;
pub mod export;
pub mod integration;
pub mod mail;
pub mod plan;
mod progress;
pub mod route;
pub mod sandbox;
pub mod status;
pub mod test_connection;
pub mod tester;
mod views;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use crate::cli::{
    Cli, Command, ConnectorCommand, IntegrationCommand, MailCommand, RouteCommand, SandboxCommand,
};
use crate::error::{CliError, Result};
use crate::output::{Printer, Prompter};
use crate::secrets::{self, SecretStore};
use crate::state::store::{self, StateFile};

/// What every command may use: the state file, the secret store, the printer
/// and the prompter.
pub struct Context {
    pub store: StateFile,
    pub secrets: Arc<dyn SecretStore>,
    pub printer: Printer,
    pub prompter: Prompter,
    /// `--yes`
    pub yes: bool,
    /// The tool's private data dir (imported certificates).
    pub data_dir: PathBuf,
    /// What `--...-stdin` options read instead of standard input: the demo
    /// hands its secrets over in memory.
    pub stdin_secrets: std::sync::Mutex<Vec<SecretString>>,
}

impl Context {
    /// The context of a command-line run.
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let g = &cli.global;
        let printer = Printer::new(g.output, g.color, g.quiet, g.verbose);
        let path = store::resolve_path(g.state.as_deref())?;
        Ok(Context {
            store: StateFile::open(path),
            secrets: secrets::default_store(),
            printer,
            prompter: Prompter::new(g.no_input),
            yes: g.yes,
            data_dir: data_dir()?,
            stdin_secrets: Default::default(),
        })
    }

    /// Reads a secret given with a `--...-stdin` option: standard input (one
    /// value; a trailing newline is dropped), or the next in-memory value.
    pub fn read_secret_stdin(&self, flag: &str) -> Result<SecretString> {
        if let Ok(mut preset) = self.stdin_secrets.lock()
            && !preset.is_empty()
        {
            return Ok(preset.remove(0));
        }
        read_secret_stdin(flag)
    }
}

/// `$XDG_DATA_HOME/graphmail` (or the platform's equivalent).
pub fn data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("", "", "graphmail")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            CliError::runtime("cannot find a home directory for graphmail's private data")
                .hint("set HOME")
        })
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    // Commands that do not touch the state file come first.
    match &cli.command {
        Command::Sandbox(SandboxCommand::Serve(args)) => return sandbox::serve(args).await,
        Command::Demo(args) => return demo::run(args, &cli.global).await,
        _ => {}
    }
    let ctx = Context::from_cli(&cli)?;
    dispatch(&ctx, cli.command).await
}

/// Runs one command with a given context (the demo runs commands with its own).
pub async fn dispatch(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Integration(IntegrationCommand::Set(args)) => integration::set(ctx, args).await,
        Command::Integration(IntegrationCommand::Show) => integration::show(ctx),
        Command::Integration(IntegrationCommand::Remove(args)) => {
            integration::remove(ctx, args.cascade)
        }
        Command::Connector(ConnectorCommand::Add(args)) => connector::add(ctx, args),
        Command::Connector(ConnectorCommand::List) => connector::list(ctx),
        Command::Connector(ConnectorCommand::Show(args)) => connector::show(ctx, &args.name),
        Command::Connector(ConnectorCommand::Set(args)) => connector::set(ctx, args).await,
        Command::Connector(ConnectorCommand::Remove(args)) => {
            connector::remove(ctx, &args.name, args.cascade)
        }
        Command::Route(RouteCommand::Add(args)) => route::add(ctx, args),
        Command::Route(RouteCommand::List(args)) => route::list(ctx, args.connector.as_deref()),
        Command::Route(RouteCommand::Show(args)) => route::show(ctx, &args.name),
        Command::Route(RouteCommand::Set(args)) => route::set(ctx, args).await,
        Command::Route(RouteCommand::Remove(args)) => route::remove(ctx, &args.name),
        Command::TestConnection(args) => test_connection::run(ctx, args).await,
        Command::Enable(item) => enable::enable(ctx, item),
        Command::Disable(item) => enable::disable(ctx, item),
        Command::Status(args) => status::run(ctx, args.check),
        Command::Plan(args) => plan::run(ctx, args).await,
        Command::Apply(args) => apply::run(ctx, args).await,
        Command::Export(args) => export::run(ctx, args),
        Command::Certificate(crate::cli::CertificateCommand::New(args)) => {
            certificate::new(ctx, args)
        }
        Command::Mail(MailCommand::Peek(args)) => mail::peek(ctx, args).await,
        Command::Mail(MailCommand::Send(args)) => mail::send(ctx, args).await,
        Command::Sandbox(_) | Command::Demo(_) => unreachable!("handled above"),
    }
}

/// Reads a secret from standard input (one value; a trailing newline is
/// dropped). `flag` names the option for the error.
fn read_secret_stdin(flag: &str) -> Result<SecretString> {
    let mut value = String::new();
    std::io::stdin()
        .read_to_string(&mut value)
        .map_err(|e| CliError::usage(format!("{flag}: cannot read standard input: {e}")))?;
    let trimmed = value.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("{flag}: standard input was empty"))
            .hint("pipe the value in, e.g. `printf %s \"$SECRET\" | graphmail ...`"));
    }
    Ok(SecretString::from(trimmed.to_string()))
}

/// A value from a flag, else from a prompt on a terminal, else an error
/// naming the flag.
pub fn required(ctx: &Context, value: Option<String>, flag: &str, label: &str) -> Result<String> {
    if let Some(v) = value {
        return Ok(v);
    }
    if let Some(v) = ctx.prompter.text(label)? {
        return Ok(v);
    }
    let hint = if flag.starts_with('-') {
        format!("pass {flag}")
    } else {
        format!("give the {} as the first argument", label.to_lowercase())
    };
    Err(CliError::usage(format!("{flag} is required")).hint(hint))
}

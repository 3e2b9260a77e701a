//! The logic of each command, one file per leaf. Commands take typed
//! requests resolved from the command line, never clap types' parsing rules,
//! and return values that the printer renders.

pub mod apply;
pub mod certificate;
pub mod completion;
pub mod connector;
pub mod demo;
pub mod doctor;
pub mod enable;
pub mod export;
pub mod history;
pub mod integration;
pub mod mail;
pub mod plan;
pub mod preflight;
mod progress;
pub mod route;
pub mod sandbox;
pub mod scope;
pub mod status;
pub mod support_bundle;
pub mod test_connection;
pub mod tester;
pub mod token_inspect;
mod views;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::SecretString;

use crate::cli::{
    Cli, Command, ConnectorCommand, IntegrationCommand, Lazy, MailCommand, RouteCommand,
    SandboxCommand,
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
        Command::Sandbox(Lazy(SandboxCommand::Serve(args))) => return sandbox::serve(args).await,
        Command::Demo(Lazy(args)) => return demo::run(args, &cli.global).await,
        Command::Completion(Lazy(args)) => return completion::run(args),
        _ => {}
    }
    let ctx = Context::from_cli(&cli)?;
    dispatch(&ctx, cli.command).await
}

/// Runs one command with a given context (the demo runs commands with its own).
pub async fn dispatch(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Integration(Lazy(IntegrationCommand::Set(args))) => {
            integration::set(ctx, args).await
        }
        Command::Integration(Lazy(IntegrationCommand::Show)) => integration::show(ctx),
        Command::Integration(Lazy(IntegrationCommand::Remove(args))) => {
            integration::remove(ctx, args.cascade, args.ignore_missing)
        }
        Command::Connector(Lazy(ConnectorCommand::Add(args))) => connector::add(ctx, args),
        Command::Connector(Lazy(ConnectorCommand::List)) => connector::list(ctx),
        Command::Connector(Lazy(ConnectorCommand::Show(args))) => connector::show(ctx, &args.name),
        Command::Connector(Lazy(ConnectorCommand::Set(args))) => connector::set(ctx, args).await,
        Command::Connector(Lazy(ConnectorCommand::Remove(args))) => {
            connector::remove(ctx, &args.name, args.cascade, args.ignore_missing)
        }
        Command::Route(Lazy(RouteCommand::Add(args))) => route::add(ctx, args),
        Command::Route(Lazy(RouteCommand::List(args))) => {
            route::list(ctx, args.connector.as_deref())
        }
        Command::Route(Lazy(RouteCommand::Show(args))) => route::show(ctx, &args.name),
        Command::Route(Lazy(RouteCommand::Set(args))) => route::set(ctx, args).await,
        Command::Route(Lazy(RouteCommand::Remove(args))) => {
            route::remove(ctx, &args.name, args.ignore_missing)
        }
        Command::TestConnection(Lazy(args)) => test_connection::run(ctx, args).await,
        Command::Enable(Lazy(item)) => enable::enable(ctx, item),
        Command::Disable(Lazy(item)) => enable::disable(ctx, item),
        Command::Status(Lazy(args)) => status::run(ctx, args.check),
        Command::Plan(Lazy(args)) => plan::run(ctx, args).await,
        Command::Apply(Lazy(args)) => apply::run(ctx, args).await,
        Command::Export(Lazy(args)) => export::run(ctx, args),
        Command::Certificate(Lazy(crate::cli::CertificateCommand::New(args))) => {
            certificate::new(ctx, args)
        }
        Command::Mail(Lazy(MailCommand::Peek(args))) => mail::peek(ctx, args).await,
        Command::Mail(Lazy(MailCommand::Send(args))) => mail::send(ctx, args).await,
        Command::Mail(Lazy(MailCommand::Folders(args))) => mail::folders(ctx, args).await,
        Command::Mail(Lazy(MailCommand::Watch(args))) => mail::watch(ctx, args).await,
        Command::Scope(Lazy(command)) => scope::run(ctx, command).await,
        Command::Doctor(Lazy(args)) => {
            let options = doctor::DoctorOptions {
                check_timeout: std::time::Duration::from_secs(args.timeout),
            };
            doctor::run(ctx, options).await
        }
        Command::Token(Lazy(crate::cli::TokenCommand::Inspect)) => token_inspect::run(ctx).await,
        Command::History(Lazy(args)) => history::run(ctx, &args),
        Command::Support(Lazy(crate::cli::SupportCommand::Bundle(args))) => {
            support_bundle::run(ctx, &args).await
        }
        Command::Sandbox(_) | Command::Demo(_) | Command::Completion(_) => {
            unreachable!("handled above")
        }
    }
}

/// The longest secret read from standard input. Larger than any client
/// secret or password, and larger than std's 8 KiB stdin buffer, so reads go
/// straight into our buffer instead of through std's (which is not wiped).
const STDIN_SECRET_MAX: usize = 64 * 1024;

/// Reads a secret from standard input (one value; a trailing newline is
/// dropped). `flag` names the option for the error.
///
/// On a terminal, standard input would echo the secret as it is typed: the
/// value is read with the hidden prompt instead. The bytes read land in one
/// fixed buffer that is wiped when dropped (`Zeroizing`); the only other
/// copy is the `SecretString`, which wipes itself.
fn read_secret_stdin(flag: &str) -> Result<SecretString> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return read_secret_from_terminal(flag);
    }
    let mut buffer = zeroize::Zeroizing::new(vec![0u8; STDIN_SECRET_MAX]);
    let mut len = 0;
    let mut stdin = std::io::stdin().lock();
    loop {
        if len == buffer.len() {
            return Err(CliError::usage(format!(
                "{flag}: standard input is longer than {} KiB; that is not a secret",
                STDIN_SECRET_MAX / 1024
            )));
        }
        match stdin.read(&mut buffer[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(CliError::usage(format!(
                    "{flag}: cannot read standard input: {e}"
                )));
            }
        }
    }
    let Ok(value) = std::str::from_utf8(&buffer[..len]) else {
        return Err(CliError::usage(format!(
            "{flag}: standard input is not UTF-8 text"
        )));
    };
    let trimmed = value.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("{flag}: standard input was empty"))
            .hint("pipe the value in, e.g. `printf %s \"$SECRET\" | graphmail ...`"));
    }
    Ok(SecretString::from(trimmed))
}

/// `--...-stdin` typed at a terminal: the hidden prompt, so the secret is
/// never shown. It needs stderr on the terminal to draw the prompt.
fn read_secret_from_terminal(flag: &str) -> Result<SecretString> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return Err(CliError::usage(format!(
            "{flag}: standard input is a terminal, which would show the secret as it is typed"
        ))
        .hint("pipe the value in, e.g. `printf %s \"$SECRET\" | graphmail ...`, or keep stderr on the terminal for a hidden prompt"));
    }
    let value = zeroize::Zeroizing::new(
        dialoguer::Password::new()
            .with_prompt(format!("Value for {flag} (hidden)"))
            .allow_empty_password(true)
            .interact()
            .map_err(|e| {
                CliError::runtime(format!("{flag}: could not read from the terminal: {e}"))
            })?,
    );
    if value.is_empty() {
        return Err(CliError::usage(format!("{flag}: nothing was typed")));
    }
    Ok(SecretString::from(value.as_str()))
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

//! `graphmail demo`: the whole product page, end to end, against an
//! in-process sandbox. Each step prints the command a user would type and
//! then runs exactly that command line through the normal dispatch, with a
//! temporary state file and the secrets held in memory.

use std::io::IsTerminal;

use clap::Parser;
use secrecy::SecretString;

use crate::cli::{Cli, DemoArgs, GlobalArgs};
use crate::error::{CliError, ErrorKind, Result};
use crate::output::{Printer, Prompter};
use crate::sandbox::server::{self, ServeOptions};
use crate::secrets::MemoryStore;
use crate::state::store::StateFile;

use super::{Context, dispatch};

struct Demo {
    ctx: Context,
    bold: bool,
    step: usize,
}

impl Demo {
    fn heading(&mut self, title: &str, why: &str) {
        self.step += 1;
        let title = format!("{}. {title}", self.step);
        if self.bold {
            println!("\n\x1b[1m{title}\x1b[0m");
        } else {
            println!("\n{title}");
        }
        println!("   {why}");
    }

    /// Shows and runs one command line (without the leading `graphmail`).
    async fn run(&self, args: &[&str]) -> Result<()> {
        let shown: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
        println!("\n$ graphmail {}", shown.join(" "));
        let cli = Cli::try_parse_from(std::iter::once("graphmail").chain(args.iter().copied()))
            .map_err(|e| CliError::runtime(format!("demo: bad command line: {e}")))?;
        dispatch(&self.ctx, cli.command).await
    }

    /// Runs a step that is expected to fail its connection test.
    async fn run_failing(&self, args: &[&str]) -> Result<()> {
        match self.run(args).await {
            Err(e) if e.kind == ErrorKind::TestFailed => {
                println!(
                    "   (exit code 3: a step failed, and the report says which and what to change)"
                );
                Ok(())
            }
            Err(e) => Err(e),
            Ok(()) => Err(CliError::runtime("demo: this test was expected to fail")),
        }
    }
}

/// Quotes an argument the way a user would type it in a POSIX shell.
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=,+".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

pub async fn run(args: &DemoArgs, global: &GlobalArgs) -> Result<()> {
    let work = tempfile::Builder::new()
        .prefix("graphmail-demo-")
        .tempdir()
        .map_err(|e| CliError::runtime(format!("cannot create a temporary folder: {e}")))?;
    let sandbox = server::start(ServeOptions {
        output_dir: Some(work.path().join("sandbox")),
        ..ServeOptions::default()
    })
    .await
    .map_err(|e| CliError::runtime(format!("cannot start the sandbox: {e}")))?;
    let ready = sandbox.ready().clone();
    let pfx = ready
        .certificate_pfx
        .clone()
        .ok_or_else(|| CliError::runtime("the sandbox has no certificate for its app"))?;
    let pfx_password = ready.certificate_password.clone().unwrap_or_default();

    let ctx = Context {
        store: StateFile::open(work.path().join("state.toml")),
        secrets: std::sync::Arc::new(MemoryStore::new()),
        // A narrated walk-through for people: its steps print as tables
        // whatever --output says, since JSON objects between the narration
        // would be one JSON document to no one (docs/json.md).
        printer: Printer::new(
            crate::output::Format::Table,
            global.color,
            global.quiet,
            global.verbose,
        ),
        prompter: Prompter::never(),
        yes: true,
        data_dir: work.path().join("data"),
        stdin_secrets: std::sync::Mutex::new(vec![SecretString::from(pfx_password)]),
    };
    let mut demo = Demo {
        ctx,
        bold: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        step: 0,
    };

    println!(
        "graphmail demo: the Microsoft 365 email integration, end to end, against a local sandbox"
    );
    println!(
        "of Entra ID and Microsoft Graph at {} (tenant contoso.onmicrosoft.com).",
        ready.graph_endpoint
    );
    println!("Nothing leaves this machine; the state file and secrets are temporary.");

    let pfx = pfx.display().to_string();
    demo.heading(
        "Integration with a certificate",
        "Tenant, app registration and its certificate. The connection test must pass before it is saved.",
    );
    demo.run(&[
        "integration",
        "set",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--app-id",
        &ready.app_id,
        "--certificate",
        &pfx,
        "--certificate-password-stdin",
        "--authority-host",
        &ready.authority_host,
        "--graph-endpoint",
        &ready.graph_endpoint,
    ])
    .await?;
    demo.run(&["integration", "show"]).await?;

    demo.heading(
        "An incoming connector",
        "A shared mailbox and the folders to read; its mail becomes work in a process.",
    );
    demo.run(&[
        "connector",
        "add",
        "support",
        "--use-for",
        "incoming",
        "--address",
        "support@contoso.com",
        "--folder",
        "Inbox/Support/EU",
        "--folder",
        "Inbox/Support/US",
        "--process",
        "Support Request",
        "--send-automated-emails",
        "--ai",
        "classification",
        "--ai",
        "sentiment",
    ])
    .await?;
    demo.run(&["enable", "connector", "support"])
        .await
        .or_else(|e| {
            if e.kind == ErrorKind::Refused {
                println!("   (exit code 4: nothing goes live without a passing connection test)");
                Ok(())
            } else {
                Err(e)
            }
        })?;
    demo.run(&["test-connection", "connector", "support"])
        .await?;
    demo.run(&["enable", "connector", "support"]).await?;

    demo.heading(
        "An outbound connector",
        "The shared mailbox mail is sent from.",
    );
    demo.run(&[
        "connector",
        "add",
        "outbound",
        "--use-for",
        "outbound",
        "--address",
        "noreply@contoso.com",
    ])
    .await?;
    demo.run(&["test-connection", "connector", "outbound"])
        .await?;
    demo.run(&["enable", "connector", "outbound"]).await?;

    demo.heading(
        "Routes",
        "An extra incoming route (mail to eu@ becomes EU cases) and an alias From address for outgoing mail.",
    );
    demo.run(&[
        "route",
        "add",
        "eu",
        "--connector",
        "support",
        "--address",
        "eu@contoso.com",
        "--description",
        "European customers",
        "--process",
        "EU Case",
        "--for-attention",
    ])
    .await?;
    demo.run(&["test-connection", "route", "eu"]).await?;
    demo.run(&["enable", "route", "eu"]).await?;
    demo.run(&[
        "route",
        "add",
        "help",
        "--connector",
        "outbound",
        "--address",
        "help@contoso.com",
        "--description",
        "Help desk alias",
    ])
    .await?;
    demo.run(&[
        "test-connection",
        "route",
        "help",
        "--send-test-to",
        "sales@contoso.com",
    ])
    .await?;
    demo.run(&["enable", "route", "help"]).await?;

    demo.heading(
        "What a failure looks like",
        "A mailbox the app's application access policy does not cover: the test names the step, Graph's code and the fix.",
    );
    demo.run(&[
        "connector",
        "add",
        "restricted",
        "--use-for",
        "incoming",
        "--address",
        "restricted@contoso.com",
        "--folder",
        "Inbox",
        "--process",
        "Support Request",
    ])
    .await?;
    demo.run_failing(&["test-connection", "connector", "restricted"])
        .await?;
    demo.run(&["connector", "remove", "restricted", "--yes"])
        .await?;

    demo.heading(
        "Mail through the connectors",
        "A read-only peek at what the incoming connector would pick up and the route each message \
         takes; then a message sent from the alias and found in the sending mailbox's Sent Items.",
    );
    demo.run(&["mail", "peek", "--connector", "support", "--limit", "5"])
        .await?;
    demo.run(&[
        "mail",
        "send",
        "--from",
        "route:help",
        "--to",
        "sales@contoso.com",
        "--subject",
        "Your ticket",
        "--body",
        "Hello from the help desk.",
        "--verify-sent",
    ])
    .await?;

    demo.heading(
        "Everything at a glance",
        "What is live, and what needs attention.",
    );
    demo.run(&["status"]).await?;

    if args.keep {
        let kept = work.keep();
        println!("\nThe demo's state is kept in {}", kept.display());
    }
    sandbox.shutdown().await;
    println!("\nDone. Set up your own tenant with `graphmail integration set --help`.");
    Ok(())
}

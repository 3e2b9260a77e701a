//! `graphmail connector add | list | show | set | remove`

use crate::cli::{AiArg, ConnectorAddArgs, ConnectorOptions, ConnectorSetArgs, UseForArg, toggle};
use crate::error::{CliError, Result};
use crate::state::ops::{self, AddOutcome, ConnectorChange};
use crate::state::trust::Assessment;
use crate::state::{AiFeature, Connector, UseFor, validate};

use super::tester::{self, FreshSecrets};
use super::views::{
    self, ActionResult, ConnectorDetail, ConnectorList, ConnectorView, RouteView, SCHEMA_VERSION,
};
use super::{Context, required};

fn ai(arg: AiArg) -> AiFeature {
    match arg {
        AiArg::Classification => AiFeature::Classification,
        AiArg::Sentiment => AiFeature::Sentiment,
        AiArg::Extraction => AiFeature::Extraction,
        AiArg::ThankYou => AiFeature::ThankYou,
    }
}

fn folders(flag: &'static str, values: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let path = validate::folder(flag, v)?;
        if !out.contains(&path) {
            out.push(path);
        }
    }
    Ok(out)
}

fn ai_lists(options: &ConnectorOptions) -> Result<(Vec<AiFeature>, Vec<AiFeature>)> {
    let on: Vec<AiFeature> = options.ai.iter().copied().map(ai).collect();
    let off: Vec<AiFeature> = options.no_ai.iter().copied().map(ai).collect();
    if let Some(both) = on.iter().find(|f| off.contains(f)) {
        return Err(CliError::usage(format!(
            "--ai {0} and --no-ai {0} contradict each other",
            both.as_str()
        )));
    }
    Ok((on, off))
}

pub fn add(ctx: &Context, args: ConnectorAddArgs) -> Result<()> {
    let name = validate::name("NAME", &required(ctx, args.name, "NAME", "Connector name")?)?;
    let use_for = match args.use_for {
        Some(u) => u,
        None => match ctx.prompter.select("Use for", &["incoming", "outbound"])? {
            Some(0) => UseForArg::Incoming,
            Some(_) => UseForArg::Outbound,
            None => {
                return Err(CliError::usage("--use-for is required")
                    .hint("pass --use-for incoming or --use-for outbound"));
            }
        },
    };
    let use_for = match use_for {
        UseForArg::Incoming => UseFor::Incoming,
        UseForArg::Outbound => UseFor::Outbound,
    };
    let address = validate::email(
        "--address",
        &required(ctx, args.address, "--address", "Shared mailbox address")?,
    )?;
    let mut folder_list = folders("--folder", &args.folder)?;
    let mut process = args
        .options
        .process
        .as_deref()
        .map(validate::process)
        .transpose()?;
    if use_for == UseFor::Incoming {
        if folder_list.is_empty()
            && let Some(f) = ctx.prompter.text_optional("Folder path (e.g. Inbox)")?
        {
            folder_list = folders("--folder", &[f])?;
        }
        if process.is_none()
            && let Some(p) = ctx.prompter.text_optional("Process mail becomes")?
        {
            process = Some(validate::process(&p)?);
        }
    }
    let (ai_on, ai_off) = ai_lists(&args.options)?;
    if !ai_off.is_empty() {
        return Err(CliError::usage(
            "--no-ai only makes sense on `connector set`",
        ));
    }
    let mut ai_on = ai_on;
    ai_on.sort();
    ai_on.dedup();
    let connector = Connector {
        name: name.clone(),
        use_for,
        address,
        enabled: false,
        folders: folder_list,
        process,
        send_automated_emails: toggle(
            args.options.send_automated_emails,
            args.options.no_send_automated_emails,
        )
        .unwrap_or(false),
        test_mode: toggle(args.options.test_mode, args.options.no_test_mode).unwrap_or(false),
        ai: ai_on,
        test: None,
    };
    let outcome = ctx
        .store
        .update(|state| ops::add_connector(state, connector.clone()))?;
    let (changed, message) = match outcome {
        AddOutcome::Added => (
            true,
            format!(
                "Added {} connector '{name}' (disabled until it passes `graphmail test-connection connector {name}`)",
                use_for.as_str()
            ),
        ),
        AddOutcome::Unchanged => (
            false,
            format!("Connector '{name}' already exists with these settings: nothing to do"),
        ),
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "connector.add",
            target: name,
            changed,
            message,
            details: vec![],
        },
    )
}

pub fn list(ctx: &Context) -> Result<()> {
    let state = ctx.store.load()?.state;
    let assessment = Assessment::new(&state);
    let connectors = (0..state.connectors.len())
        .map(|i| ConnectorView::new(&assessment, &state, i))
        .collect();
    views::show(
        &ctx.printer,
        &ConnectorList {
            schema_version: SCHEMA_VERSION,
            connectors,
        },
    )
}

pub fn show(ctx: &Context, name: &str) -> Result<()> {
    let state = ctx.store.load()?.state;
    let index = state
        .connectors
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| {
            CliError::usage(format!("no connector named '{name}'"))
                .hint("see `graphmail connector list`")
        })?;
    let assessment = Assessment::new(&state);
    let routes = (0..state.routes.len())
        .filter(|&i| state.routes[i].connector == name)
        .map(|i| RouteView::new(&assessment, &state, i))
        .collect();
    views::show(
        &ctx.printer,
        &ConnectorDetail {
            schema_version: SCHEMA_VERSION,
            connector: ConnectorView::new(&assessment, &state, index),
            routes,
        },
    )
}

pub async fn set(ctx: &Context, args: ConnectorSetArgs) -> Result<()> {
    let name = args.name.clone();
    let (ai_on, ai_off) = ai_lists(&args.options)?;
    let change = ConnectorChange {
        address: args
            .address
            .as_deref()
            .map(|a| validate::email("--address", a))
            .transpose()?,
        folders: if args.folder.is_empty() {
            None
        } else {
            Some(folders("--folder", &args.folder)?)
        },
        add_folders: folders("--add-folder", &args.add_folder)?,
        remove_folders: folders("--remove-folder", &args.remove_folder)?,
        process: args
            .options
            .process
            .as_deref()
            .map(validate::process)
            .transpose()?,
        send_automated_emails: toggle(
            args.options.send_automated_emails,
            args.options.no_send_automated_emails,
        ),
        test_mode: toggle(args.options.test_mode, args.options.no_test_mode),
        ai_on,
        ai_off,
    };
    let applied = tester::apply_change(
        ctx,
        |state| ops::set_connector(state, &name, &change),
        Vec::new(),
        args.disable,
        &super::test_connection::options(None, false, None)?,
        &FreshSecrets::default(),
    )
    .await?;
    let changed = applied.changed;
    let details = applied.details();
    let message = if changed {
        format!("Updated connector '{name}'")
    } else {
        format!("Connector '{name}' unchanged")
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "connector.set",
            target: name,
            changed,
            message,
            details,
        },
    )?;
    tester::disabled_exit(&applied.disabled)
}

pub fn remove(ctx: &Context, name: &str, cascade: bool, ignore_missing: bool) -> Result<()> {
    let snapshot = ctx.store.load()?.state;
    if snapshot.connector(name).is_none() {
        if ignore_missing {
            return views::nothing_to_remove(
                &ctx.printer,
                "connector.remove",
                name,
                format!("No connector named '{name}': nothing to remove"),
            );
        }
        return Err(CliError::usage(format!("no connector named '{name}'"))
            .hint("see `graphmail connector list`"));
    }
    // Refuse before asking: a confirmation for a change that cannot happen helps nobody.
    ops::remove_connector(&mut snapshot.clone(), name, cascade)?;
    ctx.prompter
        .confirm(&format!("Remove connector '{name}'?"), ctx.yes)?;
    let removed = ctx.store.update(|state| {
        // Gone since the check above (another teardown ran): as absent.
        if ignore_missing && state.connector(name).is_none() {
            return Ok(ops::Removed::default());
        }
        ops::remove_connector(state, name, cascade)
    })?;
    if removed.connectors.is_empty() {
        return views::nothing_to_remove(
            &ctx.printer,
            "connector.remove",
            name,
            format!("No connector named '{name}': nothing to remove"),
        );
    }
    let details = if removed.routes.is_empty() {
        vec![]
    } else {
        vec![format!("removed routes: {}", removed.routes.join(", "))]
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "connector.remove",
            target: name.to_string(),
            changed: true,
            message: format!("Removed connector '{name}'"),
            details,
        },
    )
}

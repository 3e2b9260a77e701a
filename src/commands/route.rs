//! `graphmail route add | list | show | set | remove`

use crate::cli::{RouteAddArgs, RouteSetArgs, toggle};
use crate::error::{CliError, Result};
use crate::state::ops::{self, AddOutcome, RouteChange};
use crate::state::trust::Assessment;
use crate::state::{Route, UseFor, validate};

use super::tester::{self, FreshSecrets};
use super::views::{self, ActionResult, RouteDetail, RouteList, RouteView, SCHEMA_VERSION};
use super::{Context, required};

pub fn add(ctx: &Context, args: RouteAddArgs) -> Result<()> {
    let name = validate::name("NAME", &required(ctx, args.name, "NAME", "Route name")?)?;
    let connector = validate::name(
        "--connector",
        &required(ctx, args.connector, "--connector", "Connector")?,
    )?;
    let address = validate::email(
        "--address",
        &required(ctx, args.address, "--address", "Route address")?,
    )?;
    let o = args.options;
    let mut process = o.process.as_deref().map(validate::process).transpose()?;
    let snapshot = ctx.store.load()?.state;
    let use_for = snapshot.connector(&connector).map(|c| c.use_for);
    if use_for == Some(UseFor::Incoming)
        && process.is_none()
        && let Some(p) = ctx.prompter.text_optional("Process mail becomes")?
    {
        process = Some(validate::process(&p)?);
    }
    let route = Route {
        name: name.clone(),
        description: o.description.unwrap_or_default(),
        connector: connector.clone(),
        address,
        enabled: false,
        default: false,
        process,
        send_automated_emails: toggle(o.send_automated_emails, o.no_send_automated_emails)
            .unwrap_or(false),
        for_attention: toggle(o.for_attention, o.no_for_attention).unwrap_or(false),
        test_mode: toggle(o.test_mode, o.no_test_mode).unwrap_or(false),
        test: None,
    };
    let outcome = ctx
        .store
        .update(|state| ops::add_route(state, route.clone()))?;
    let kind = if use_for == Some(UseFor::Outbound) {
        "outgoing (alias)"
    } else {
        "incoming"
    };
    let (changed, message) = match outcome {
        AddOutcome::Added => (
            true,
            format!(
                "Added {kind} route '{name}' on connector '{connector}' (disabled until it passes `graphmail test-connection route {name}`)"
            ),
        ),
        AddOutcome::Unchanged => (
            false,
            format!("Route '{name}' already exists with these settings: nothing to do"),
        ),
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "route.add",
            target: name,
            changed,
            message,
            details: vec![],
        },
    )
}

pub fn list(ctx: &Context, connector: Option<&str>) -> Result<()> {
    let state = ctx.store.load()?.state;
    if let Some(c) = connector
        && state.connector(c).is_none()
    {
        return Err(CliError::usage(format!("no connector named '{c}'"))
            .hint("see `graphmail connector list`"));
    }
    let assessment = Assessment::new(&state);
    let routes = (0..state.routes.len())
        .filter(|&i| connector.is_none_or(|c| state.routes[i].connector == c))
        .map(|i| RouteView::new(&assessment, &state, i))
        .collect();
    views::show(
        &ctx.printer,
        &RouteList {
            schema_version: SCHEMA_VERSION,
            routes,
        },
    )
}

pub fn show(ctx: &Context, name: &str) -> Result<()> {
    let state = ctx.store.load()?.state;
    let index = state
        .routes
        .iter()
        .position(|r| r.name == name)
        .ok_or_else(|| {
            CliError::usage(format!("no route named '{name}'")).hint("see `graphmail route list`")
        })?;
    let assessment = Assessment::new(&state);
    views::show(
        &ctx.printer,
        &RouteDetail {
            schema_version: SCHEMA_VERSION,
            route: RouteView::new(&assessment, &state, index),
        },
    )
}

pub async fn set(ctx: &Context, args: RouteSetArgs) -> Result<()> {
    let name = args.name.clone();
    let o = &args.options;
    let change = RouteChange {
        address: args
            .address
            .as_deref()
            .map(|a| validate::email("--address", a))
            .transpose()?,
        description: o.description.clone(),
        process: o.process.as_deref().map(validate::process).transpose()?,
        send_automated_emails: toggle(o.send_automated_emails, o.no_send_automated_emails),
        for_attention: toggle(o.for_attention, o.no_for_attention),
        test_mode: toggle(o.test_mode, o.no_test_mode),
    };
    let applied = tester::apply_change(
        ctx,
        |state| ops::set_route(state, &name, &change),
        Vec::new(),
        args.disable,
        &super::test_connection::options(None, false, None)?,
        &FreshSecrets::default(),
    )
    .await?;
    let changed = applied.changed;
    let details = applied.details();
    let message = if changed {
        format!("Updated route '{name}'")
    } else {
        format!("Route '{name}' unchanged")
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "route.set",
            target: name,
            changed,
            message,
            details,
        },
    )?;
    tester::disabled_exit(&applied.disabled)
}

pub fn remove(ctx: &Context, name: &str, ignore_missing: bool) -> Result<()> {
    let mut snapshot = ctx.store.load()?.state;
    if ignore_missing && snapshot.route(name).is_none() {
        return views::nothing_to_remove(
            &ctx.printer,
            "route.remove",
            name,
            format!("No route named '{name}': nothing to remove"),
        );
    }
    ops::remove_route(&mut snapshot, name)?;
    ctx.prompter
        .confirm(&format!("Remove route '{name}'?"), ctx.yes)?;
    let removed = ctx.store.update(|state| {
        // Gone since the check above (another teardown ran): as absent.
        if ignore_missing && state.route(name).is_none() {
            return Ok(false);
        }
        ops::remove_route(state, name).map(|()| true)
    })?;
    if !removed {
        return views::nothing_to_remove(
            &ctx.printer,
            "route.remove",
            name,
            format!("No route named '{name}': nothing to remove"),
        );
    }
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "route.remove",
            target: name.to_string(),
            changed: true,
            message: format!("Removed route '{name}'"),
            details: vec![],
        },
    )
}

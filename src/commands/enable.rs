//! `graphmail enable connector|route NAME` and `graphmail disable ...`:
//! the enable gate (SPEC §1 invariants 1 and 2).

use crate::cli::{EnableRef, ItemRef};
use crate::error::Result;
use crate::state::ops::{self, EnableOutcome};

use super::Context;
use super::views::{self, ActionResult, SCHEMA_VERSION};

pub fn enable(ctx: &Context, item: EnableRef) -> Result<()> {
    let result = match item {
        EnableRef::Connector { name, with_routes } => {
            let (outcome, restored) = ctx.store.update(|state| {
                let outcome = ops::enable_connector(state, &name)?;
                let restored = if with_routes {
                    ops::restore_switched_off_routes(state, &name)
                } else {
                    Vec::new()
                };
                Ok::<_, crate::error::CliError>((outcome, restored))
            })?;
            let (changed, message, mut details) = match outcome {
                EnableOutcome::AlreadyEnabled => (
                    false,
                    format!("Connector '{name}' is already enabled"),
                    vec![],
                ),
                EnableOutcome::Enabled {
                    default_route_created,
                } => (
                    true,
                    format!("Enabled connector '{name}': it is live"),
                    vec![if default_route_created {
                        format!("created its default route '{name}'")
                    } else {
                        format!("enabled its default route '{name}'")
                    }],
                ),
            };
            let mut changed = changed;
            for (route, refusal) in &restored {
                match refusal {
                    None => {
                        changed = true;
                        details.push(format!(
                            "re-enabled route '{route}', which its disable switched off"
                        ));
                    }
                    Some(why) => details.push(format!("route '{route}' stays disabled: {why}")),
                }
            }
            if !with_routes {
                let state = ctx.store.load()?.state;
                let left: Vec<&str> = state
                    .switched_off
                    .iter()
                    .filter(|(_, c)| **c == name)
                    .map(|(r, _)| r.as_str())
                    .collect();
                if !left.is_empty() {
                    details.push(format!(
                        "routes its disable switched off stay disabled: {}; `graphmail enable connector {name} --with-routes` brings them back",
                        left.join(", ")
                    ));
                }
            }
            ActionResult {
                schema_version: SCHEMA_VERSION,
                action: "enable.connector",
                target: name,
                changed,
                message,
                details,
            }
        }
        EnableRef::Route { name } => {
            let changed = ctx.store.update(|state| ops::enable_route(state, &name))?;
            let message = if changed {
                format!("Enabled route '{name}': it is live")
            } else {
                format!("Route '{name}' is already enabled")
            };
            ActionResult {
                schema_version: SCHEMA_VERSION,
                action: "enable.route",
                target: name,
                changed,
                message,
                details: vec![],
            }
        }
    };
    views::report(&ctx.printer, result)
}

pub fn disable(ctx: &Context, item: ItemRef) -> Result<()> {
    let result = match item {
        ItemRef::Connector { name } => {
            let before = ctx.store.load()?.state;
            let was = before.connector(&name).is_some_and(|c| c.enabled);
            let routes = ctx
                .store
                .update(|state| ops::disable_connector(state, &name))?;
            let details = if routes.is_empty() {
                vec![]
            } else {
                vec![format!("also disabled its routes: {}", routes.join(", "))]
            };
            let message = if was {
                format!("Disabled connector '{name}' and its default route")
            } else {
                format!("Connector '{name}' is already disabled")
            };
            ActionResult {
                schema_version: SCHEMA_VERSION,
                action: "disable.connector",
                target: name,
                changed: was || !routes.is_empty(),
                message,
                details,
            }
        }
        ItemRef::Route { name } => {
            let was = ctx.store.update(|state| ops::disable_route(state, &name))?;
            let message = if was {
                format!("Disabled route '{name}'")
            } else {
                format!("Route '{name}' is already disabled")
            };
            ActionResult {
                schema_version: SCHEMA_VERSION,
                action: "disable.route",
                target: name,
                changed: was,
                message,
                details: vec![],
            }
        }
    };
    views::report(&ctx.printer, result)
}

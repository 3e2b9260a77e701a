//! A state as a desired-state file: what `graphmail export` writes. Secrets
//! appear as their sources, test records and the instance ID not at all,
//! default routes not (enabling their connector makes them), so `plan` of
//! the result against the same state reports no change.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value, value};

use crate::state::{Cloud, Credential, SecretSource, State};

fn source(source: &SecretSource) -> Value {
    match source {
        SecretSource::Keyring => Value::from("keyring"),
        SecretSource::None => Value::from("none"),
        SecretSource::Env { var } => {
            let mut table = InlineTable::new();
            table.insert("env", Value::from(var.as_str()));
            Value::InlineTable(table)
        }
    }
}

/// A recorded expiry as the file states it: the day alone when it is the
/// start of a day (as `--secret-expires 2027-05-01` records it), else the
/// RFC 3339 time. Both read back as the same instant.
fn expiry(at: &str) -> String {
    at.strip_suffix("T00:00:00Z")
        .filter(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok())
        .unwrap_or(at)
        .to_string()
}

fn strings(items: &[String]) -> Value {
    let mut array = Array::new();
    for item in items {
        array.push(item.as_str());
    }
    Value::Array(array)
}

/// Renders `state` as a desired-state file.
pub fn render(state: &State) -> String {
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(
        "# graphmail desired state (docs/desired-state.md), exported from a state file.\n# `graphmail plan -f FILE` shows what `graphmail apply -f FILE` would change.\n\n",
    );
    doc["schema_version"] = value(i64::from(super::file::DESIRED_SCHEMA_VERSION));
    if let Some(integration) = &state.integration {
        let mut table = Table::new();
        table["tenant"] = value(integration.tenant.as_str());
        table["app_id"] = value(integration.app_id.as_str());
        match integration.cloud {
            Cloud::Custom => {
                table["authority_host"] =
                    value(integration.authority_host.clone().unwrap_or_default());
                table["graph_endpoint"] =
                    value(integration.graph_endpoint.clone().unwrap_or_default());
            }
            cloud => table["cloud"] = value(cloud.as_str()),
        }
        if let Some(ca) = &integration.ca_file {
            table["ca_file"] = value(ca.as_str());
        }
        match &integration.credential {
            Credential::Secret { secret, .. } => {
                table["secret"] = Item::Value(source(secret));
                if let Some(at) = &integration.secret_expires {
                    table["secret_expires"] = value(expiry(at));
                }
            }
            Credential::Certificate {
                file,
                password,
                assertion,
                ..
            } => {
                let mut cert = InlineTable::new();
                cert.insert("file", Value::from(file.as_str()));
                cert.insert("password", source(password));
                if *assertion != Default::default() {
                    let form = serde_json::to_value(assertion)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    cert.insert("assertion", Value::from(form));
                }
                table["certificate"] = Item::Value(Value::InlineTable(cert));
            }
        }
        doc["integration"] = Item::Table(table);
    }
    let mut connectors = toml_edit::ArrayOfTables::new();
    for c in &state.connectors {
        let mut t = Table::new();
        t["name"] = value(c.name.as_str());
        t["use_for"] = value(c.use_for.as_str());
        t["address"] = value(c.address.as_str());
        if !c.folders.is_empty() {
            t["folders"] = Item::Value(strings(&c.folders));
        }
        if let Some(p) = &c.process {
            t["process"] = value(p.as_str());
        }
        if c.send_automated_emails {
            t["send_automated_emails"] = value(true);
        }
        if c.test_mode {
            t["test_mode"] = value(true);
        }
        if !c.ai.is_empty() {
            let names: Vec<String> = c.ai.iter().map(|a| a.as_str().to_string()).collect();
            t["ai"] = Item::Value(strings(&names));
        }
        t["enabled"] = value(c.enabled);
        connectors.push(t);
    }
    if !connectors.is_empty() {
        doc["connector"] = Item::ArrayOfTables(connectors);
    }
    let mut routes = toml_edit::ArrayOfTables::new();
    for r in state.routes.iter().filter(|r| !r.default) {
        let mut t = Table::new();
        t["name"] = value(r.name.as_str());
        t["connector"] = value(r.connector.as_str());
        t["address"] = value(r.address.as_str());
        if !r.description.is_empty() {
            t["description"] = value(r.description.as_str());
        }
        if let Some(p) = &r.process {
            t["process"] = value(p.as_str());
        }
        if r.send_automated_emails {
            t["send_automated_emails"] = value(true);
        }
        if r.for_attention {
            t["for_attention"] = value(true);
        }
        if r.test_mode {
            t["test_mode"] = value(true);
        }
        t["enabled"] = value(r.enabled);
        routes.push(t);
    }
    if !routes.is_empty() {
        doc["route"] = Item::ArrayOfTables(routes);
    }
    doc.to_string()
}

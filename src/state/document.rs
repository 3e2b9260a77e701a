//! Rendering a changed [`State`] into the user's own TOML document, so that
//! comments, blank lines, key order and quoting survive an update
//! (`toml_edit::DocumentMut`, as starship's `configure` does).
//!
//! The new state is serialized once with `toml` (the canonical layout) and
//! the existing document is patched to match it:
//! - keys are updated in place, keeping the value's trailing comment;
//! - `[[connector]]` and `[[route]]` entries are matched by `name` (the n-th
//!   entry of a name with the n-th, should a hand edit have duplicated one),
//!   so a comment above an entry stays with it; an entry whose typed value
//!   did not change is left byte-for-byte alone; removed entries go, with
//!   the comments above them; new ones are appended after their kind;
//! - a key absent from the new layout is removed, a new one appended to its
//!   table (so a changed entry may gain keys the user had left to defaults).
//!
//! Limits: a value that changes is re-rendered in the canonical style (a
//! hand-wrapped array loses its wrapping); a comment above the first entry
//! of a kind leaves with that entry.

use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::model::{Connector, Route, State};

/// The first lines of a file this tool creates.
pub const HEADER: &str = "# graphmail state file: written by graphmail, safe to edit by hand.\n\
# `graphmail status` reports problems after a hand edit.\n\n";

/// Renders `new` in the canonical layout, for a file that does not exist yet.
pub fn render_fresh(new: &State) -> Result<String, String> {
    let body = toml::to_string(new).map_err(|e| e.to_string())?;
    Ok(format!("{HEADER}{body}"))
}

/// Patches `doc` (the document `old` was read from) to hold `new`, and
/// returns the rendered text. `old` lets unchanged entries stay untouched;
/// pass `None` when the document and `old` may differ (after a migration),
/// which compares values key by key instead.
pub fn render_patched(
    doc: &mut DocumentMut,
    old: Option<&State>,
    new: &State,
) -> Result<String, String> {
    let canonical = toml::to_string(new).map_err(|e| e.to_string())?;
    let fresh: DocumentMut = canonical
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    patch_root(doc.as_table_mut(), fresh.as_table(), old, new);
    Ok(doc.to_string())
}

/// The fast path of an update that changes items in place (SPEC §8: a
/// single-item change of a large file in well under 50 ms): `new` holds the
/// same connectors and routes as `old`, by name and in order, and the same
/// top-level settings. Only the entries that changed are rendered (a
/// one-entry canonical rendering each) and patched; every other byte of
/// the document stays as read, so the result needs no full re-read to be
/// trusted: each patched entry is read back on its own and compared.
///
/// `None`, with `doc` untouched, for a change of another shape (an item
/// added, removed or renamed, the integration or scope changed, entries the
/// document holds some other way): [`render_patched`] handles those.
pub fn patch_entries(
    doc: &mut DocumentMut,
    old: &State,
    new: &State,
) -> Option<Result<String, String>> {
    // Every field named, so a field added to `State` must be thought about here.
    let State {
        schema_version,
        instance_id,
        integration,
        connectors: _,
        routes: _,
        scope,
        switched_off: _,
    } = new;
    if *schema_version != old.schema_version
        || *instance_id != old.instance_id
        || *integration != old.integration
        || *scope != old.scope
    {
        return None;
    }
    let connectors = changed_entries(doc, "connector", &old.connectors, &new.connectors, |c| {
        &c.name
    })?;
    let routes = changed_entries(doc, "route", &old.routes, &new.routes, |r| &r.name)?;
    // Checked above: both kinds line up; from here on the document changes.
    let patch = |doc: &mut DocumentMut| -> Result<(), String> {
        for i in connectors {
            patch_entry(doc, "connector", i, &new.connectors[i])?;
        }
        for i in routes {
            patch_entry(doc, "route", i, &new.routes[i])?;
        }
        Ok(())
    };
    Some(patch(doc).map(|()| doc.to_string()))
}

/// [`patch_entries`] without reading the whole document into `toml_edit`
/// (30 ms and most of the peak memory of a one-item change at 1,000
/// connectors, issue 17 (b)): each changed entry's text, from its
/// `[[connector]]`/`[[route]]` header line to the next header line, is read
/// on its own, patched and put back; every other byte stays as read.
///
/// `None` (the caller then patches the whole document) unless the header
/// lines found line up with the items, by count and name, and each changed
/// entry's text reads back alone as exactly its old item: a header-like
/// line inside a multi-line string, a sub-table, or any other layout
/// fails one of those checks.
pub fn patch_entries_in_text(text: &str, old: &State, new: &State) -> Option<String> {
    let State {
        schema_version,
        instance_id,
        integration,
        connectors: _,
        routes: _,
        scope,
        switched_off: _,
    } = new;
    if *schema_version != old.schema_version
        || *instance_id != old.instance_id
        || *integration != old.integration
        || *scope != old.scope
    {
        return None;
    }
    let connectors = changed_items(&old.connectors, &new.connectors, |c| &c.name)?;
    let routes = changed_items(&old.routes, &new.routes, |r| &r.name)?;
    // Byte offsets of every header line, and which are entries of a kind.
    let mut headers = Vec::new();
    let mut entries: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            if trimmed.starts_with("[[connector]]") {
                entries[0].push(headers.len());
            } else if trimmed.starts_with("[[route]]") {
                entries[1].push(headers.len());
            }
            headers.push(offset);
        }
        offset += line.len();
    }
    if entries[0].len() != old.connectors.len() || entries[1].len() != old.routes.len() {
        return None;
    }
    let span =
        |header: usize| headers[header]..headers.get(header + 1).copied().unwrap_or(text.len());
    let mut splices = Vec::new();
    for i in connectors {
        let range = span(entries[0][i]);
        let patched = patch_entry_text(
            &text[range.clone()],
            "connector",
            &old.connectors[i],
            &new.connectors[i],
        )?;
        splices.push((range, patched));
    }
    for i in routes {
        let range = span(entries[1][i]);
        let patched = patch_entry_text(
            &text[range.clone()],
            "route",
            &old.routes[i],
            &new.routes[i],
        )?;
        splices.push((range, patched));
    }
    splices.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for (range, patched) in splices {
        out.push_str(&text[at..range.start]);
        out.push_str(&patched);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// One entry's text patched from `old` to `new`, when it reads back alone
/// as exactly `old`.
fn patch_entry_text<T>(entry: &str, key: &str, old: &T, new: &T) -> Option<String>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq,
{
    let alone = toml::from_str::<std::collections::BTreeMap<String, Vec<T>>>(entry).ok()?;
    if alone.len() != 1 || alone.get(key).map(Vec::as_slice) != Some(std::slice::from_ref(old)) {
        return None;
    }
    let mut doc: DocumentMut = entry.parse().ok()?;
    patch_entry(&mut doc, key, 0, new).ok()?;
    Some(doc.to_string())
}

/// The indexes of the items that differ between `old` and `new`, or `None`
/// when the items do not line up by name.
fn changed_items<T: PartialEq>(
    old: &[T],
    new: &[T],
    name_of: impl Fn(&T) -> &str,
) -> Option<Vec<usize>> {
    if old.len() != new.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        if name_of(o) != name_of(n) {
            return None;
        }
        if o != n {
            changed.push(i);
        }
    }
    Some(changed)
}

/// The indexes of the entries of `key` that differ between `old` and `new`,
/// or `None` when the items or the document's entries do not line up.
fn changed_entries<T: PartialEq>(
    doc: &DocumentMut,
    key: &str,
    old: &[T],
    new: &[T],
    name_of: impl Fn(&T) -> &str,
) -> Option<Vec<usize>> {
    if old.len() != new.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        if name_of(o) != name_of(n) {
            return None;
        }
        if o != n {
            changed.push(i);
        }
    }
    if changed.is_empty() {
        return Some(changed);
    }
    let Some(Item::ArrayOfTables(entries)) = doc.get(key) else {
        return None;
    };
    let lined_up = entries.len() == old.len()
        && changed.iter().all(|&i| {
            entries
                .get(i)
                .and_then(|t| t.get("name"))
                .and_then(Item::as_str)
                == Some(name_of(&old[i]))
        });
    lined_up.then_some(changed)
}

/// Patches entry `index` of `[[key]]` to hold `item`, then reads the
/// patched entry back on its own: should the patch ever get it wrong, an
/// error (the caller then renders the whole state afresh).
fn patch_entry<T>(doc: &mut DocumentMut, key: &str, index: usize, item: &T) -> Result<(), String>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq,
{
    let one = std::collections::BTreeMap::from([(key, [item])]);
    let canonical = toml::to_string(&one).map_err(|e| e.to_string())?;
    let fresh: DocumentMut = canonical
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let fresh_table = fresh
        .get(key)
        .and_then(Item::as_array_of_tables)
        .and_then(|a| a.get(0))
        .ok_or("the canonical rendering of an entry has no entry")?;
    let table = doc
        .get_mut(key)
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|a| a.get_mut(index))
        .ok_or("the entry to patch is gone")?;
    patch_table(table, fresh_table);
    let mut alone = ArrayOfTables::new();
    let mut copy = table.clone();
    clear_table_positions(&mut copy);
    alone.push(copy);
    let mut check = DocumentMut::new();
    check.insert(key, Item::ArrayOfTables(alone));
    let back = toml::from_str::<std::collections::BTreeMap<String, Vec<T>>>(&check.to_string());
    match back
        .as_ref()
        .ok()
        .and_then(|b| b.get(key))
        .map(Vec::as_slice)
    {
        Some([one]) if one == item => Ok(()),
        _ => Err(format!(
            "a patched [[{key}]] entry does not read back as written"
        )),
    }
}

/// Top-level keys in the order the canonical layout writes them; used to
/// place a table that appears for the first time before the kinds that
/// follow it.
const ROOT_ORDER: [&str; 5] = [
    "schema_version",
    "instance_id",
    "integration",
    "connector",
    "route",
];

fn patch_root(root: &mut Table, fresh: &Table, old: Option<&State>, new: &State) {
    remove_keys_not_in(root, fresh);
    for (key, fresh_item) in fresh.iter() {
        let Some(existing) = root.get_mut(key) else {
            let mut item = fresh_item.clone();
            clear_positions(&mut item);
            let position = position_before_following(root, key);
            set_top_position(&mut item, position);
            root.insert(key, item);
            continue;
        };
        match key {
            "integration" if old.is_some_and(|o| o.integration == new.integration) => {}
            "connector" => {
                let old_items = old.map(|o| o.connectors.as_slice());
                patch_named(
                    existing,
                    fresh_item,
                    old_items,
                    &new.connectors,
                    |c: &Connector| &c.name,
                );
            }
            "route" => {
                let old_items = old.map(|o| o.routes.as_slice());
                patch_named(existing, fresh_item, old_items, &new.routes, |r: &Route| {
                    &r.name
                });
            }
            _ => patch_item(existing, fresh_item),
        }
    }
}

/// The position for a new top-level table: just before the first table of a
/// kind that the canonical order puts after it, or `None` (the end).
fn position_before_following(root: &Table, key: &str) -> Option<isize> {
    let index = ROOT_ORDER.iter().position(|k| *k == key)?;
    ROOT_ORDER[index + 1..]
        .iter()
        .filter_map(|k| root.get(k))
        .filter_map(first_position)
        .min()
        .map(|p| p - 1)
}

fn first_position(item: &Item) -> Option<isize> {
    match item {
        Item::Table(t) => t
            .position()
            .or_else(|| t.iter().filter_map(|(_, i)| first_position(i)).min()),
        Item::ArrayOfTables(a) => a.iter().filter_map(|t| t.position()).min(),
        _ => None,
    }
}

fn set_top_position(item: &mut Item, position: Option<isize>) {
    match item {
        Item::Table(t) => t.set_position(position),
        Item::ArrayOfTables(a) => {
            if let Some(first) = a.iter_mut().next() {
                first.set_position(position);
            }
        }
        _ => {}
    }
}

/// Tables copied from the canonical document carry that document's
/// positions; cleared, each follows whatever precedes it in the user's file.
fn clear_positions(item: &mut Item) {
    match item {
        Item::Table(t) => clear_table_positions(t),
        Item::ArrayOfTables(a) => a.iter_mut().for_each(clear_table_positions),
        _ => {}
    }
}

fn clear_table_positions(table: &mut Table) {
    table.set_position(None);
    for (_, item) in table.iter_mut() {
        clear_positions(item);
    }
}

fn remove_keys_not_in(table: &mut Table, fresh: &Table) {
    let gone: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !fresh.contains_key(k))
        .collect();
    for key in gone {
        table.remove(&key);
    }
}

/// Patches an array of `[[kind]]` tables, matching entries by name.
fn patch_named<T: PartialEq>(
    existing: &mut Item,
    fresh: &Item,
    old_items: Option<&[T]>,
    new_items: &[T],
    name_of: impl Fn(&T) -> &str,
) {
    let (Item::ArrayOfTables(entries), Item::ArrayOfTables(fresh_entries)) =
        (&mut *existing, fresh)
    else {
        // Written some other way by hand (an inline array): replace it.
        replace_item(existing, fresh);
        return;
    };
    // The typed entries line up with the document's only when both came
    // from the same text; otherwise compare key by key.
    let old_items = old_items.filter(|o| o.len() == entries.len());
    let old_names: Vec<Option<String>> = entries
        .iter()
        .map(|t| t.get("name").and_then(Item::as_str).map(str::to_string))
        .collect();
    let mut taken: Vec<Option<Table>> = std::mem::replace(entries, ArrayOfTables::new())
        .into_iter()
        .map(Some)
        .collect();
    // Entries by name, in order: one lookup per new item, not a scan of
    // them all (thousands of entries, SPEC §8).
    let mut by_name: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, name) in old_names.iter().enumerate() {
        if let Some(name) = name {
            by_name.entry(name.as_str()).or_default().push(i);
        }
    }

    for (index, new_item) in new_items.iter().enumerate() {
        let Some(fresh_table) = fresh_entries.get(index) else {
            continue;
        };
        let name = name_of(new_item);
        // Among entries of the same name (a hand edit may duplicate one),
        // prefer the one that did not change, then the first.
        let candidates: Vec<usize> = by_name
            .get(name)
            .map(|all| {
                all.iter()
                    .copied()
                    .filter(|&i| taken[i].is_some())
                    .collect()
            })
            .unwrap_or_default();
        let matched = candidates
            .iter()
            .copied()
            .find(|&i| old_items.is_some_and(|o| o[i] == *new_item))
            .or(candidates.first().copied());
        match matched.and_then(|i| taken[i].take().map(|t| (i, t))) {
            Some((i, mut table)) => {
                let unchanged = old_items.is_some_and(|o| o[i] == *new_item);
                if !unchanged {
                    patch_table(&mut table, fresh_table);
                }
                entries.push(table);
            }
            None => {
                let mut table = fresh_table.clone();
                clear_table_positions(&mut table);
                entries.push(table);
            }
        }
    }
}

fn patch_item(existing: &mut Item, fresh: &Item) {
    match (&mut *existing, fresh) {
        (Item::Table(table), Item::Table(fresh_table)) => patch_table(table, fresh_table),
        (Item::Value(Value::InlineTable(inline)), Item::Table(fresh_table)) => {
            // The user wrote `test = { ... }`: keep it inline.
            let fresh_inline = fresh_table.clone().into_inline_table();
            patch_inline(inline, &fresh_inline);
        }
        (
            Item::Value(Value::InlineTable(inline)),
            Item::Value(Value::InlineTable(fresh_inline)),
        ) => {
            patch_inline(inline, fresh_inline);
        }
        (Item::Value(value), Item::Value(fresh_value)) => patch_value(value, fresh_value),
        _ => replace_item(existing, fresh),
    }
}

fn replace_item(existing: &mut Item, fresh: &Item) {
    let mut item = fresh.clone();
    clear_positions(&mut item);
    *existing = item;
}

fn patch_table(table: &mut Table, fresh: &Table) {
    remove_keys_not_in(table, fresh);
    for (key, fresh_item) in fresh.iter() {
        match table.get_mut(key) {
            Some(existing) => patch_item(existing, fresh_item),
            None => {
                let mut item = fresh_item.clone();
                clear_positions(&mut item);
                table.insert(key, item);
            }
        }
    }
}

fn patch_inline(table: &mut InlineTable, fresh: &InlineTable) {
    let gone: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !fresh.contains_key(k))
        .collect();
    for key in gone {
        table.remove(&key);
    }
    for (key, fresh_value) in fresh.iter() {
        match table.get_mut(key) {
            Some(Value::InlineTable(inner)) if fresh_value.is_inline_table() => {
                if let Value::InlineTable(fresh_inner) = fresh_value {
                    patch_inline(inner, fresh_inner);
                }
            }
            Some(existing) => patch_value(existing, fresh_value),
            None => {
                let mut value = fresh_value.clone();
                value.decor_mut().clear();
                table.insert(key, value);
            }
        }
    }
}

/// Replaces a value that changed, keeping its surrounding whitespace and
/// trailing comment; leaves an equal one exactly as written.
fn patch_value(value: &mut Value, fresh: &Value) {
    if values_equal(value, fresh) {
        return;
    }
    let decor = value.decor().clone();
    *value = fresh.clone();
    *value.decor_mut() = decor;
}

/// Equality of what two values mean, ignoring how they are written.
fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Float(x), Value::Float(y)) => x.value().to_bits() == y.value().to_bits(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Datetime(x), Value::Datetime(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| values_equal(a, b))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::UseFor;

    fn connector(name: &str) -> Connector {
        Connector {
            name: name.to_string(),
            use_for: UseFor::Outbound,
            address: format!("{name}@contoso.com"),
            enabled: false,
            folders: Vec::new(),
            process: None,
            send_automated_emails: false,
            test_mode: false,
            ai: Vec::new(),
            test: None,
        }
    }

    fn patched(text: &str, change: impl FnOnce(&mut State)) -> String {
        let old: State = toml::from_str(text).unwrap();
        let mut new = old.clone();
        change(&mut new);
        let mut doc: DocumentMut = text.parse().unwrap();
        let out = render_patched(&mut doc, Some(&old), &new).unwrap();
        let back: State = toml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert_eq!(back, new, "{out}");
        out
    }

    const TWO: &str = r#"# my notes
schema_version = 1   # do not touch
instance_id = "00000000-0000-4000-8000-000000000001"

# the outbound one
[[connector]]
name = "out"
use_for = "outbound"
address = "out@contoso.com"   # shared mailbox

# support desk, EU
[[connector]]
name = "eu"
use_for = "incoming"
address = "eu@contoso.com"
folders = ["Inbox/EU"]
process = "Case"
"#;

    /// The fast path of a single-item change: only that entry's changed
    /// value is rewritten; every other byte, comments included, stays.
    #[test]
    fn an_item_changed_in_place_patches_only_its_entry() {
        let old: State = toml::from_str(TWO).unwrap();
        let mut new = old.clone();
        new.connectors[1].process = Some("Incident".into());
        let mut doc: DocumentMut = TWO.parse().unwrap();
        let out = patch_entries(&mut doc, &old, &new)
            .expect("an in-place change takes the fast path")
            .unwrap();
        // Byte for byte what the full patch writes, without its cost.
        let mut full: DocumentMut = TWO.parse().unwrap();
        assert_eq!(out, render_patched(&mut full, Some(&old), &new).unwrap());
        let (before, _) = TWO.split_once("process = ").unwrap();
        assert!(out.starts_with(before), "{out}");
        assert!(out.contains("process = \"Incident\""), "{out}");
        let back: State = toml::from_str(&out).unwrap();
        assert_eq!(back, new);
    }

    #[test]
    fn other_shapes_of_change_leave_the_document_to_the_full_patch() {
        let old: State = toml::from_str(TWO).unwrap();
        let mut doc: DocumentMut = TWO.parse().unwrap();
        let mut added = old.clone();
        added.connectors.push(connector("new"));
        assert!(patch_entries(&mut doc, &old, &added).is_none());
        let mut renamed = old.clone();
        renamed.connectors[0].name = "other".into();
        assert!(patch_entries(&mut doc, &old, &renamed).is_none());
        assert_eq!(
            doc.to_string(),
            TWO,
            "a refused fast path leaves the document alone"
        );
    }

    #[test]
    fn unchanged_entries_stay_byte_for_byte_and_new_ones_append() {
        let out = patched(TWO, |s| s.connectors.push(connector("new")));
        assert!(out.starts_with(TWO), "{out}");
        assert!(out.contains("[[connector]]\nname = \"new\""), "{out}");
    }

    #[test]
    fn a_comment_above_an_entry_stays_with_it_when_another_is_removed() {
        let out = patched(TWO, |s| {
            s.connectors.remove(0);
        });
        assert!(!out.contains("the outbound one"), "{out}");
        assert!(
            out.contains("# support desk, EU\n[[connector]]\nname = \"eu\""),
            "{out}"
        );
        assert!(
            out.starts_with("# my notes\nschema_version = 1   # do not touch\n"),
            "{out}"
        );
    }

    #[test]
    fn a_changed_value_keeps_its_trailing_comment() {
        let out = patched(TWO, |s| {
            s.connectors[0].address = "other@contoso.com".into()
        });
        assert!(
            out.contains("address = \"other@contoso.com\"   # shared mailbox"),
            "{out}"
        );
        assert!(
            out.contains("enabled = false"),
            "defaults appear on a changed entry: {out}"
        );
    }

    #[test]
    fn inline_tables_written_by_hand_stay_inline() {
        let text = "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n[integration]\ntenant = \"contoso.onmicrosoft.com\"\napp_id = \"4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b\"\ncloud = \"global\"\ncredential = { kind = \"secret\", secret = { source = \"keyring\" }, credential_generation = \"one\" }\n";
        let out = patched(text, |s| {
            if let Some(crate::state::Credential::Secret {
                credential_generation,
                ..
            }) = s.integration.as_mut().map(|i| &mut i.credential)
            {
                *credential_generation = "two".into();
            }
        });
        assert!(
            out.contains("credential = { kind = \"secret\", secret = { source = \"keyring\" }, credential_generation = \"two\" }"),
            "{out}"
        );
    }

    #[test]
    fn a_new_integration_goes_before_the_connectors() {
        use crate::state::model::Integration;
        let out = patched(TWO, |s| {
            s.integration = Some(Integration::for_tests(
                "contoso.onmicrosoft.com",
                "0d4b6a2c-1111-4222-8333-944445555666",
                "g1",
            ))
        });
        let integration = out.find("[integration]").unwrap();
        let connector = out.find("[[connector]]").unwrap();
        assert!(integration < connector, "{out}");
    }

    #[test]
    fn duplicated_names_match_in_order() {
        let text = "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n# first\n[[connector]]\nname = \"a\"\nuse_for = \"outbound\"\naddress = \"a@contoso.com\"\n# second\n[[connector]]\nname = \"a\"\nuse_for = \"outbound\"\naddress = \"b@contoso.com\"\n";
        let out = patched(text, |s| {
            s.connectors.remove(0);
        });
        assert!(
            out.contains("# second") && !out.contains("# first"),
            "{out}"
        );
    }
}

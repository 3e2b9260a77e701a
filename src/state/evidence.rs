//! The machine-owned directory beside the state file, `<state file>.d/`
//! (SPEC §1 "Where data lives"): what graphmail writes for itself, kept out of
//! the file a person edits. docs/state-dir.md is the contract; in short:
//!
//! ```text
//! state.toml.d/            mode 0700
//!   verdicts.json          the last verdict per item (what the gate and `status` read)
//!   facts.json             current evidence per target and fact, keyed by settings
//!   history.jsonl          one JSON object per recorded run of a target, bounded
//!   delta/                 reserved: delta-query positions (one file per folder)
//! ```
//!
//! Every write happens under the state file's lock (the caller holds it) and
//! replaces its file atomically (temp file, fsync, rename, fsync of the
//! folder); `history.jsonl` is appended under the same lock and compacted by
//! an atomic replace once it outgrows its bound. `status` reads only
//! `verdicts.json`: one small `serde_json` parse. A file here that cannot be
//! read is treated as missing evidence (items show as untested, the gate
//! stays shut) and is replaced at the next write: it is the tool's own cache
//! of facts, never the user's configuration.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{State, TestRecord, Verdict};

/// The layout version of the directory's files.
pub const DIR_SCHEMA_VERSION: u32 = 1;
pub const VERDICTS_FILE: &str = "verdicts.json";
pub const FACTS_FILE: &str = "facts.json";
pub const HISTORY_FILE: &str = "history.jsonl";
/// Reserved for delta-query positions.
pub const DELTA_DIR: &str = "delta";
/// Recorded runs kept per item when the history is compacted, unless
/// [`HISTORY_KEEP_ENV`] says otherwise.
pub const HISTORY_PER_ITEM: usize = 100;
/// The environment variable that sets the runs kept per item (1 to 100 000):
/// a machine-wide choice, like the state file's path, not a setting of the
/// integration.
pub const HISTORY_KEEP_ENV: &str = "GRAPHMAIL_HISTORY_KEEP";

/// The runs kept per item: [`HISTORY_KEEP_ENV`] when it holds a number in
/// range, else [`HISTORY_PER_ITEM`] (a bad value is warned about, not fatal:
/// the history is the tool's own record).
pub fn history_per_item() -> usize {
    match std::env::var(HISTORY_KEEP_ENV) {
        Err(_) => HISTORY_PER_ITEM,
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n @ 1..=100_000) => n,
            _ => {
                tracing::warn!(
                    "{HISTORY_KEEP_ENV}={v:?} is not a number from 1 to 100000; keeping {HISTORY_PER_ITEM} runs per item"
                );
                HISTORY_PER_ITEM
            }
        },
    }
}
/// The history is compacted once it is larger than this and twice its size
/// after the last compaction, so appending stays O(1) between compactions.
const HISTORY_COMPACT_MIN_BYTES: u64 = 256 * 1024;

/// `<state file>.d`, derived from the same path as the lock file.
pub fn dir_for(state_path: &Path) -> PathBuf {
    let mut name = state_path.as_os_str().to_owned();
    name.push(".d");
    PathBuf::from(name)
}

/// `verdicts.json`: the last recorded test of each item, and the routes a
/// connector's disable switched off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdicts {
    pub schema_version: u32,
    /// The `instance_id` of the state file these records belong to: a
    /// directory left beside another file (a restored backup, a file
    /// deleted and made anew) is not joined to it.
    #[serde(default)]
    pub instance_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration: Option<TestRecord>,
    #[serde(default)]
    pub connectors: BTreeMap<String, TestRecord>,
    #[serde(default)]
    pub routes: BTreeMap<String, TestRecord>,
    /// Route name → the connector whose `disable` switched it off.
    #[serde(default)]
    pub switched_off: BTreeMap<String, String>,
    /// Size of `history.jsonl` after its last compaction.
    #[serde(default)]
    pub history_compacted_bytes: u64,
}

impl Verdicts {
    /// The machine-owned parts of `state`.
    pub fn of(state: &State, history_compacted_bytes: u64) -> Verdicts {
        Verdicts {
            schema_version: DIR_SCHEMA_VERSION,
            instance_id: state.instance_id.to_string(),
            integration: state.integration.as_ref().and_then(|i| i.test.clone()),
            connectors: state
                .connectors
                .iter()
                .filter_map(|c| c.test.clone().map(|t| (c.name.clone(), t)))
                .collect(),
            routes: state
                .routes
                .iter()
                .filter_map(|r| r.test.clone().map(|t| (r.name.clone(), t)))
                .collect(),
            switched_off: switched_off_of(state)
                .map(|(r, c)| (r.clone(), c.clone()))
                .collect(),
            history_compacted_bytes,
        }
    }

    /// Whether these are exactly the records [`Verdicts::of`] would make of
    /// `state` (the schema version and the history size aside), found
    /// without copying them: a write that changed no record (most do not)
    /// compares thousands of records instead of cloning them twice (issue
    /// 17 (b)). Duplicate names, which [`Verdicts::of`] would collapse,
    /// answer false: a needless write, never a lost record.
    pub fn are_the_records_of(&self, state: &State) -> bool {
        fn same<'a>(
            map: &BTreeMap<String, TestRecord>,
            items: impl Iterator<Item = (&'a String, Option<&'a TestRecord>)>,
        ) -> bool {
            let mut count = 0;
            for (name, test) in items {
                if let Some(test) = test {
                    count += 1;
                    if map.get(name) != Some(test) {
                        return false;
                    }
                }
            }
            count == map.len()
        }
        self.instance_id == state.instance_id.to_string()
            && self.integration.as_ref() == state.integration.as_ref().and_then(|i| i.test.as_ref())
            && same(
                &self.connectors,
                state.connectors.iter().map(|c| (&c.name, c.test.as_ref())),
            )
            && same(
                &self.routes,
                state.routes.iter().map(|r| (&r.name, r.test.as_ref())),
            )
            && self.same_switched_off(state)
    }

    /// The switched-off routes recorded here are exactly those of `state`
    /// (one pass: [`switched_off_of`] indexes the routes each time).
    fn same_switched_off(&self, state: &State) -> bool {
        let mut count = 0;
        for (route, connector) in switched_off_of(state) {
            count += 1;
            if self.switched_off.get(route) != Some(connector) {
                return false;
            }
        }
        count == self.switched_off.len()
    }

    /// Joins the records to the items of `state`. A record here wins over
    /// one read inline from an older file (it is newer); an inline one with
    /// none here is kept, and moves here at the next write.
    pub fn join(mut self, state: &mut State) {
        if self.instance_id != state.instance_id.to_string() {
            if !self.instance_id.is_empty() {
                tracing::warn!(
                    "the records beside the state file belong to another state (instance {}); ignored",
                    self.instance_id
                );
            }
            return;
        }
        if let Some(integration) = state.integration.as_mut()
            && let Some(record) = self.integration.take()
        {
            integration.test = Some(record);
        }
        for c in &mut state.connectors {
            if let Some(record) = self.connectors.remove(&c.name) {
                c.test = Some(record);
            }
        }
        for r in &mut state.routes {
            if let Some(record) = self.routes.remove(&r.name) {
                r.test = Some(record);
            }
        }
        state.switched_off = self.switched_off;
    }
}

/// The entries of `state.switched_off` whose route still exists.
fn switched_off_of(state: &State) -> impl Iterator<Item = (&String, &String)> {
    let routes: HashSet<&str> = if state.switched_off.is_empty() {
        Default::default()
    } else {
        state.routes.iter().map(|r| r.name.as_str()).collect()
    };
    state
        .switched_off
        .iter()
        .filter(move |(route, _)| routes.contains(route.as_str()))
}

/// Reads `verdicts.json`; missing or unreadable is empty.
pub fn read_verdicts(dir: &Path) -> Verdicts {
    read_verdicts_kept(dir).0
}

/// [`read_verdicts`], with the bytes it read (`None`: no file).
pub fn read_verdicts_kept(dir: &Path) -> (Verdicts, Option<Vec<u8>>) {
    let bytes = fs::read(dir.join(VERDICTS_FILE)).ok();
    let verdicts = parse_verdicts(dir, bytes.as_deref());
    (verdicts, bytes)
}

/// The `verdicts.json` of `dir` is still `bytes` (`None`: no file).
pub fn verdicts_unchanged(dir: &Path, bytes: Option<&[u8]>) -> bool {
    fs::read(dir.join(VERDICTS_FILE)).ok().as_deref() == bytes
}

fn parse_verdicts(dir: &Path, bytes: Option<&[u8]>) -> Verdicts {
    let path = dir.join(VERDICTS_FILE);
    match bytes {
        Some(bytes) => match serde_json::from_slice::<Verdicts>(bytes) {
            Ok(v) if v.schema_version <= DIR_SCHEMA_VERSION => v,
            Ok(v) => {
                tracing::warn!(path = %path.display(), version = v.schema_version, "written by a newer graphmail; its verdicts are ignored");
                Verdicts::default()
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "unreadable, treated as no evidence: {e}");
                Verdicts::default()
            }
        },
        None => Verdicts::default(),
    }
}

/// Whether a piece of evidence establishes or refutes its fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Established,
    Refuted,
}

/// What one run observed about one fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// SHA-256 over the settings the fact depends on
    /// ([`super::fingerprint::FactKeys`]); evidence under another key is
    /// about other settings and does not count.
    pub key: String,
    pub outcome: Outcome,
    /// The step's status then: `passed`, `warning` or `failed`.
    pub status: String,
    /// RFC 3339, UTC: when it was observed.
    pub at: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default)]
    pub retries: u32,
}

/// `facts.json`: target id (`integration`, `connector:NAME`, `route:NAME`)
/// → fact id (`token`, `mailbox`, `folder:Inbox/Support`, `send`, `send-as`)
/// → the evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub schema_version: u32,
    #[serde(default)]
    pub targets: BTreeMap<String, BTreeMap<String, Evidence>>,
}

/// `integration`, `connector:NAME` or `route:NAME`.
pub fn target_id(kind: &str, name: &str) -> String {
    if kind == "integration" {
        "integration".to_string()
    } else {
        format!("{kind}:{name}")
    }
}

impl Facts {
    pub fn get(&self, target: &str, fact: &str) -> Option<&Evidence> {
        self.targets.get(target)?.get(fact)
    }

    pub fn put(&mut self, target: &str, fact: &str, evidence: Evidence) {
        self.targets
            .entry(target.to_string())
            .or_default()
            .insert(fact.to_string(), evidence);
    }

    /// Drops one target's evidence of one fact (and the target's entry once
    /// it holds none).
    pub fn remove(&mut self, target: &str, fact: &str) {
        if let Some(facts) = self.targets.get_mut(target) {
            facts.remove(fact);
            if facts.is_empty() {
                self.targets.remove(target);
            }
        }
    }

    /// Drops the evidence of items `state` no longer has.
    pub fn retain_items_of(&mut self, state: &State) {
        let connectors: HashSet<&str> = state.connectors.iter().map(|c| c.name.as_str()).collect();
        let routes: HashSet<&str> = state.routes.iter().map(|r| r.name.as_str()).collect();
        let has_integration = state.integration.is_some();
        self.targets.retain(|id, _| {
            if id == "integration" {
                has_integration
            } else if let Some(name) = id.strip_prefix("connector:") {
                has_integration && connectors.contains(name)
            } else if let Some(name) = id.strip_prefix("route:") {
                has_integration && routes.contains(name)
            } else {
                false
            }
        });
    }
}

/// Reads `facts.json`; missing or unreadable is empty.
pub fn read_facts(dir: &Path) -> Facts {
    read_facts_file(dir).facts
}

/// `facts.json` as one read found it: what it holds, and the SHA-256 of its
/// bytes, which tells a later read under the lock whether the file changed
/// since (the digest, not the bytes, is kept through the run: a run at scale
/// holds its peak memory then).
pub struct FactsRead {
    digest: Option<[u8; 32]>,
    pub facts: Facts,
}

/// [`read_facts`], keeping the SHA-256 of the bytes read (see
/// [`Journal::reuse_facts`]).
pub fn read_facts_file(dir: &Path) -> FactsRead {
    let path = dir.join(FACTS_FILE);
    let bytes = fs::read(&path).ok();
    let facts = bytes
        .as_deref()
        .map(|b| parse_facts(&path, b))
        .unwrap_or_default();
    FactsRead {
        digest: bytes.as_deref().map(sha256),
        facts,
    }
}

impl FactsRead {
    /// What was read, for a run's carried evidence; [`FactsRead::rejoin`]
    /// puts it back together with its digest after the run.
    pub fn split(self) -> (Facts, FactsDigest) {
        (self.facts, FactsDigest(self.digest))
    }

    pub fn rejoin(facts: Facts, digest: FactsDigest) -> Self {
        FactsRead {
            digest: digest.0,
            facts,
        }
    }
}

/// SHA-256 through OpenSSL's streaming calls: its one-shot `SHA256()`
/// goes through `EVP_Q_digest`, whose first call in a process loads
/// OpenSSL's algorithm providers (about half a millisecond of a test run).
fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut hasher = openssl::sha::Sha256::new();
    hasher.update(bytes);
    hasher.finish()
}

/// The digest of a [`FactsRead`] while its facts are lent out.
pub struct FactsDigest(Option<[u8; 32]>);

fn parse_facts(path: &Path, bytes: &[u8]) -> Facts {
    match serde_json::from_slice::<Facts>(bytes) {
        Ok(f) if f.schema_version <= DIR_SCHEMA_VERSION => f,
        Ok(_) => Facts::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), "unreadable, treated as no evidence: {e}");
            Facts::default()
        }
    }
}

/// One line of `history.jsonl`: one recorded run of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    /// `integration`, `connector` or `route`.
    pub kind: String,
    pub name: String,
    pub verdict: Verdict,
    pub fingerprint: String,
    pub steps: Vec<HistoryStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryStep {
    pub check: String,
    pub status: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Graph's `request-id` of the step's request, for Microsoft support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Entra ID's trace ID of a refused token request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// When the outcome shown was observed, if carried from an earlier run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
}

/// Reads every parsable line of `history.jsonl`, oldest first. A torn last
/// line (a process killed mid-append), or any other line that is not an
/// entry, is skipped.
pub fn read_history(dir: &Path) -> Vec<HistoryEntry> {
    let Ok(file) = File::open(dir.join(HISTORY_FILE)) else {
        return Vec::new();
    };
    // Line by line as bytes: a line that is not UTF-8 is skipped like any
    // other that is not an entry, not taken for the end of the file.
    io::BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_slice(&line).ok())
        .collect()
}

/// The recorded runs of one item (`kind` `integration`, `connector` or
/// `route`; `name` ignored for the integration), or of every item when
/// `item` is `None`, newest first, at most `keep` per item: the view the
/// next compaction would leave. Reads without the lock: appends are whole
/// lines and compaction replaces the file atomically, so a reader sees
/// either file, and a torn last line is skipped.
pub fn read_history_newest_first(
    dir: &Path,
    item: Option<(&str, &str)>,
    keep: usize,
) -> Vec<HistoryEntry> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<HistoryEntry> = read_history(dir)
        .into_iter()
        .rev()
        .filter(|e| match item {
            None => true,
            Some(("integration", _)) => e.kind == "integration",
            Some((kind, name)) => e.kind == kind && e.name == name,
        })
        .filter(|e| {
            let n = seen.entry((e.kind.clone(), e.name.clone())).or_default();
            *n += 1;
            *n <= keep
        })
        .collect();
    // Lines are appended in lock order, not always in time order (a run that
    // started earlier may record later): sort by time, newest first, stably.
    out.sort_by(|a, b| b.at.cmp(&a.at));
    out
}

/// What one locked update writes into the directory besides the verdicts:
/// evidence (loaded on first use) and history lines. Only
/// [`super::store::StateFile`] creates one, under its lock.
pub struct Journal {
    dir: PathBuf,
    facts: Option<Facts>,
    /// An earlier read of `facts.json`, used when the file is unchanged.
    reusable: Option<FactsRead>,
    facts_dirty: bool,
    history: Vec<HistoryEntry>,
    reset: bool,
}

impl Journal {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Journal {
            dir,
            facts: None,
            reusable: None,
            facts_dirty: false,
            history: Vec::new(),
            reset: false,
        }
    }

    /// Starts the directory afresh: its evidence and history belong to
    /// another state (the file was missing, or has another instance ID).
    pub(crate) fn reset(&mut self) {
        self.facts = Some(Facts::default());
        self.facts_dirty = true;
        self.reset = true;
    }

    /// The current evidence, to read or change.
    pub fn facts(&mut self) -> &mut Facts {
        self.facts_dirty = true;
        let (dir, reusable) = (&self.dir, &mut self.reusable);
        self.facts.get_or_insert_with(|| {
            let path = dir.join(FACTS_FILE);
            let bytes = fs::read(&path).ok();
            match reusable.take() {
                // The same SHA-256 as the file the run read before the
                // lock: its parse stands (a test run of thousands of
                // targets parses the file once, SPEC §8).
                Some(earlier) if earlier.digest == bytes.as_deref().map(sha256) => earlier.facts,
                _ => bytes
                    .as_deref()
                    .map(|b| parse_facts(&path, b))
                    .unwrap_or_default(),
            }
        })
    }

    /// Offers an earlier read of `facts.json` (taken without the lock, for
    /// the run's carried evidence): [`Journal::facts`] uses it only when the
    /// file's bytes still have the same SHA-256.
    pub fn reuse_facts(&mut self, earlier: FactsRead) {
        if self.facts.is_none() {
            self.reusable = Some(earlier);
        }
    }

    pub fn append_history(&mut self, entry: HistoryEntry) {
        self.history.push(entry);
    }

    /// Writes what changed. `old` and `new` are the state before and after
    /// the update (items removed lose their evidence).
    pub(crate) fn commit(
        mut self,
        old: &State,
        new: &State,
        old_verdicts: &Verdicts,
    ) -> io::Result<()> {
        let removed = items_removed(old, new);
        let verdicts_changed = old_verdicts.schema_version != DIR_SCHEMA_VERSION
            || !old_verdicts.are_the_records_of(new);
        let has_facts = self.facts_dirty || (removed && self.dir.join(FACTS_FILE).exists());
        if !(verdicts_changed || has_facts || !self.history.is_empty()) {
            return Ok(());
        }
        create_private_dir(&self.dir)?;
        if self.reset {
            match fs::remove_file(self.dir.join(HISTORY_FILE)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        if has_facts {
            self.facts();
        }
        let facts = match self.facts.take() {
            Some(mut facts) if self.facts_dirty => {
                facts.schema_version = DIR_SCHEMA_VERSION;
                facts.retain_items_of(new);
                Some(facts)
            }
            _ => None,
        };
        let lines = std::mem::take(&mut self.history);
        let appending = !lines.is_empty();
        let dir = self.dir.as_path();
        let history_path = dir.join(HISTORY_FILE);
        let verdicts_path = dir.join(VERDICTS_FILE);
        let before = old_verdicts.history_compacted_bytes;
        let stage_verdicts = |compacted| {
            stage_file(&verdicts_path, Durability::Synced, |file| {
                file.write_all(&serde_json::to_vec(&Verdicts::of(new, compacted))?)
            })
        };
        // The evidence, the history lines and the verdicts are separate
        // files: the evidence is written and fsynced, and the history lines
        // appended and fsynced, each on a thread of its own while the new
        // verdicts are staged. At 200 targets that takes most of two writes
        // off a test run's critical path (issue 17 (c)); a test run starts
        // those threads while its token request is away (`threads::warm`).
        // The verdicts, what the gate reads, are renamed in last, once the
        // evidence and history are in, and one fsync of the folder then
        // covers both renames. Every thread is joined before an error is
        // returned: nothing is written after the caller has been answered.
        let evidence = facts.map(|facts| {
            let path = dir.join(FACTS_FILE);
            crate::threads::run(move || write_facts(&path, &facts))
        });
        let history = appending.then(|| {
            let path = history_path.clone();
            crate::threads::run(move || append_history_lines(&path, &lines))
        });
        let staged = verdicts_changed.then(|| stage_verdicts(before));
        let appended = history.map_or(Ok(None), |task| task.join().map(Some));
        let written = evidence.map_or(Ok(()), crate::threads::Task::join);
        if let Err(e) = written {
            // The run is not recorded, then: its history lines go too.
            if let Ok(Some(length)) = appended {
                let _ = OpenOptions::new()
                    .write(true)
                    .open(&history_path)
                    .and_then(|f| f.set_len(length));
            }
            return Err(e);
        }
        appended?;
        let staged = staged.transpose()?;
        let compacted = self.compact_history(&history_path, new, before, removed, appending)?;
        let staged = if compacted == before {
            staged
        } else {
            // A compaction changed what the verdicts say of the history.
            drop(staged);
            Some(stage_verdicts(compacted)?)
        };
        if let Some(staged) = staged {
            staged.persist(&verdicts_path).map_err(|e| e.error)?;
        }
        sync_dir(dir)
    }

    /// Compacts (keeps the last [`HISTORY_PER_ITEM`] per item, drops
    /// removed items) once the file outgrows its bound. Returns the size
    /// after the last compaction.
    fn compact_history(
        &self,
        path: &Path,
        state: &State,
        compacted: u64,
        removed: bool,
        appended: bool,
    ) -> io::Result<u64> {
        if !(appended || (removed && path.exists())) {
            return Ok(compacted);
        }
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let bound = HISTORY_COMPACT_MIN_BYTES.max(compacted.saturating_mul(2));
        if size <= bound && !removed {
            return Ok(compacted);
        }
        compact_history(path, state, history_per_item(), compacted)
    }
}

/// Writes `facts.json` whole: a temp file, fsynced, renamed over it (the
/// folder's fsync is the caller's).
fn write_facts(path: &Path, facts: &Facts) -> io::Result<()> {
    let staged = stage_file(path, Durability::Synced, |file| {
        let mut out = io::BufWriter::with_capacity(64 * 1024, file);
        serde_json::to_writer(&mut out, facts)?;
        out.flush()
    })?;
    staged.persist(path).map_err(|e| e.error).map(drop)
}

/// Appends an update's history lines and fsyncs them; returns the file's
/// length before, to take them back should the evidence fail.
fn append_history_lines(path: &Path, lines: &[HistoryEntry]) -> io::Result<u64> {
    let mut text = Vec::new();
    for entry in lines {
        serde_json::to_writer(&mut text, entry)?;
        text.push(b'\n');
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let before = file.metadata()?.len();
    file.write_all(&text)?;
    file.sync_all()?;
    Ok(before)
}

/// The name every history line of the integration has (its target is
/// always named so, `diagnose::TargetRef::integration`). A line of kind
/// `integration` under another name is not graphmail's, and is dropped.
pub const INTEGRATION_HISTORY_NAME: &str = "integration";

/// Rewrites `history.jsonl` with the last `keep` runs per item that `state`
/// still has; returns its new size. `compacted` is the file's size after
/// the last compaction (0 when none is known): when the lines appended
/// since hold `keep` runs of every item, only the end of the file is read
/// ([`compact_tail`]); otherwise all of it ([`compact_whole`]). Both write
/// the same file.
pub fn compact_history(path: &Path, state: &State, keep: usize, compacted: u64) -> io::Result<u64> {
    let size = fs::metadata(path).map_or(0, |m| m.len());
    let (kept, read) = match compact_tail(path, state, keep, compacted, size)? {
        Some((kept, read)) => (kept, format!("only its last {read} bytes")),
        None => (compact_whole(path, state, keep)?, "all of it".to_string()),
    };
    tracing::info!(
        "history: {} compacted from {size} to {kept} bytes ({keep} runs per item), reading {read}",
        path.display()
    );
    Ok(kept)
}

/// [`compact_history`] from the end of the file, when the lines since the
/// last compaction (which left `from` bytes) hold at least `keep` runs of
/// every live item, as they do after `keep` runs of `test-connection
/// --all`: the newest `keep` runs of each are all among them, so no line
/// before them is kept, and what the last compaction kept need not be
/// read. At 200 targets that is about half of a 34 MB file.
///
/// The file compacts once it doubles, so the lines since hold about as
/// many runs as the kept ones, `keep`, give or take how their lengths
/// differ: reading from an eighth of `from` earlier makes room for that.
/// Whatever the bytes before hold, it keeps exactly what
/// [`compact_whole`] keeps (a property test compares them). `None`,
/// having written nothing, when an item has fewer than `keep` runs among
/// those lines (a target not tested since, or a stale `from`); else the
/// size kept and the bytes read. `size` is the file's.
fn compact_tail(
    path: &Path,
    state: &State,
    keep: usize,
    from: u64,
    size: u64,
) -> io::Result<Option<(u64, u64)>> {
    let begin = from - from / 8;
    if begin == 0 || begin >= size {
        return Ok(None);
    }
    compact_from(path, state, keep, begin)
}

/// [`compact_history`] over the whole file.
fn compact_whole(path: &Path, state: &State, keep: usize) -> io::Result<u64> {
    let kept = compact_from(path, state, keep, 0)?;
    Ok(kept.map_or(0, |(kept, _)| kept))
}

/// Rewrites `path` with the newest `keep` runs of each live item among
/// its lines from the first that starts at or after byte `begin`; with
/// `begin` past 0, only when every live item has `keep` runs there
/// (`None` otherwise, having written nothing). Returns the size kept and
/// the bytes read.
///
/// Streams the lines twice instead of holding them (the whole decoded
/// history was most of a test run's peak memory, issue 17 (e)), and parses
/// each line once, only its `kind` and `name`, borrowed: the first pass
/// numbers every line's item and counts each item's runs, the second
/// copies the newest `keep` of each into the new file, line for line as
/// written, without parsing them again. At 200 targets the file reaches
/// 34 MB before it compacts (about every 100th run); read whole, with two
/// parses and four string allocations a line, that run took 280 ms longer
/// than the others, then 175 ms (BENCHMARKS.md).
/// A line that is not a JSON object with a `kind` and a `name` (a torn
/// write, bytes that are not UTF-8) is dropped, and the lines after it
/// kept.
fn compact_from(
    path: &Path,
    state: &State,
    keep: usize,
    begin: u64,
) -> io::Result<Option<(u64, u64)>> {
    // Positioned at the first line that starts at or after `begin`.
    let open = || {
        let mut file = File::open(path)?;
        let mut skipped = 0;
        if begin > 0 {
            io::Seek::seek(&mut file, io::SeekFrom::Start(begin - 1))?;
        }
        let mut reader = io::BufReader::with_capacity(256 * 1024, file);
        if begin > 0 {
            skipped = reader.skip_until(b'\n')? as u64;
        }
        Ok::<_, io::Error>((reader, begin.saturating_sub(1) + skipped))
    };
    let mut items = HistoryItems::new(state);
    let mut line = Vec::new();
    let mut line_items: Vec<u32> = Vec::new();
    let (mut reader, start) = open()?;
    while next_line(&mut reader, &mut line)? {
        line_items.push(items.item_of(&line));
    }
    if begin > 0 && !items.every_live_item_has(keep) {
        return Ok(None);
    }
    let size = reader.get_ref().metadata().map_or(0, |m| m.len());
    let mut seen = vec![0usize; items.runs.len()];
    let (mut reader, _) = open()?;
    let mut kept = 0;
    let staged = stage_file(path, Durability::Synced, |file| {
        let mut out = io::BufWriter::with_capacity(256 * 1024, file);
        let mut index = 0;
        while next_line(&mut reader, &mut line)? {
            // Under the lock nothing appends between the passes; a line the
            // first pass did not see is kept if it is an entry of a live item.
            let keep_it = match line_items.get(index) {
                None => items.item_of(&line) != HistoryItems::DROP,
                Some(&HistoryItems::DROP) => false,
                Some(&n) => {
                    let n = n as usize;
                    seen[n] += 1;
                    seen[n] + keep > items.runs[n]
                }
            };
            index += 1;
            if keep_it {
                out.write_all(&line)?;
                out.write_all(b"\n")?;
                kept += line.len() as u64 + 1;
            }
        }
        out.flush()
    })?;
    staged.persist(path).map_err(|e| e.error)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))?;
    Ok(Some((kept, size.saturating_sub(start))))
}

/// The items of `history.jsonl` lines, numbered in the order first seen,
/// and each one's count of lines.
struct HistoryItems<'s> {
    has_integration: bool,
    connectors: HashSet<&'s str>,
    routes: HashSet<&'s str>,
    /// By kind (integration, connector, route), then name.
    numbers: [HashMap<String, u32>; 3],
    runs: Vec<usize>,
}

impl<'s> HistoryItems<'s> {
    /// Marks a line whose item is gone, or that is not an entry.
    const DROP: u32 = u32::MAX;

    fn new(state: &'s State) -> Self {
        HistoryItems {
            has_integration: state.integration.is_some(),
            connectors: state.connectors.iter().map(|c| c.name.as_str()).collect(),
            routes: state.routes.iter().map(|r| r.name.as_str()).collect(),
            numbers: Default::default(),
            runs: Vec::new(),
        }
    }

    /// The number of the live item `line` records (counted), or
    /// [`Self::DROP`]. Parses only the kind and name, borrowed.
    fn item_of(&mut self, line: &[u8]) -> u32 {
        #[derive(Deserialize)]
        struct Key<'a> {
            #[serde(borrow)]
            kind: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            name: std::borrow::Cow<'a, str>,
        }
        let Ok(key) = serde_json::from_slice::<Key>(line) else {
            return Self::DROP;
        };
        let (kind, alive) = match key.kind.as_ref() {
            "integration" => (
                0,
                self.has_integration && key.name == INTEGRATION_HISTORY_NAME,
            ),
            "connector" => (1, self.connectors.contains(key.name.as_ref())),
            "route" => (2, self.routes.contains(key.name.as_ref())),
            _ => return Self::DROP,
        };
        if !alive {
            return Self::DROP;
        }
        let name = key.name.as_ref();
        let n = match self.numbers[kind].get(name) {
            Some(&n) => n,
            None => {
                let Ok(n) = u32::try_from(self.runs.len()) else {
                    return Self::DROP;
                };
                self.numbers[kind].insert(name.to_string(), n);
                self.runs.push(0);
                n
            }
        };
        self.runs[n as usize] += 1;
        n
    }

    /// Whether every item `state` has was seen on at least `keep` lines.
    fn every_live_item_has(&self, keep: usize) -> bool {
        let live = usize::from(self.has_integration) + self.connectors.len() + self.routes.len();
        self.runs.len() == live && self.runs.iter().all(|&runs| runs >= keep)
    }
}

/// Reads the next line into `line`, without its line ending; false at the
/// end of the file.
fn next_line(reader: &mut impl io::BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    if reader.read_until(b'\n', line)? == 0 {
        return Ok(false);
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(true)
}

fn items_removed(old: &State, new: &State) -> bool {
    if old.integration.is_some() && new.integration.is_none() {
        return true;
    }
    if old.connectors.len() > new.connectors.len() || old.routes.len() > new.routes.len() {
        return true;
    }
    let connectors: HashSet<&str> = new.connectors.iter().map(|c| c.name.as_str()).collect();
    let routes: HashSet<&str> = new.routes.iter().map(|r| r.name.as_str()).collect();
    old.connectors
        .iter()
        .any(|c| !connectors.contains(c.name.as_str()))
        || old.routes.iter().any(|r| !routes.contains(r.name.as_str()))
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether [`replace_file`] waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Durability {
    /// fsync of the file and of its folder: a record must survive a crash.
    Synced,
    /// No fsync: for a copy whose loss costs speed, never data
    /// (`parsed.json`, see `super::parsed`).
    Unsynced,
}

/// Replaces `path` with `bytes` through a 0600 temp file in the same folder
/// and a rename, so a reader sees the old file or the new one, never a part.
pub(super) fn replace_file(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let staged = stage_file(path, durability, |file| file.write_all(bytes))?;
    staged.persist(path).map_err(|e| e.error)?;
    if durability == Durability::Synced {
        sync_dir(path.parent().unwrap_or(Path::new(".")))?;
    }
    Ok(())
}

/// The first half of [`replace_file`]: a 0600 temp file beside `path`
/// holding what `write` wrote, fsynced when `durability` says so, for the
/// caller to rename over `path` (`persist`) and then [`sync_dir`]. Dropped
/// instead, it is deleted.
fn stage_file(
    path: &Path,
    durability: Durability,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    write(temp.as_file_mut())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    if durability == Durability::Synced {
        temp.as_file().sync_all()?;
    }
    Ok(temp)
}

/// fsyncs a folder, so the renames made in it survive a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::model::{Connector, Integration, Route, UseFor};

    fn entry(name: &str, at: usize) -> HistoryEntry {
        HistoryEntry {
            at: format!("{at}"),
            kind: "connector".into(),
            name: name.into(),
            verdict: Verdict::Passed,
            fingerprint: "f".into(),
            steps: Vec::new(),
        }
    }

    #[test]
    fn compaction_keeps_the_last_runs_of_items_that_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        let mut text = String::new();
        for i in 0..10 {
            text.push_str(&serde_json::to_string(&entry("a", i)).unwrap());
            text.push('\n');
            text.push_str(&serde_json::to_string(&entry("gone", i)).unwrap());
            text.push('\n');
        }
        text.push_str("{\"torn");
        fs::write(&path, text).unwrap();
        let mut state = State::new();
        state
            .connectors
            .push(Connector::for_tests("a", UseFor::Outbound, "a@contoso.com"));
        compact_history(&path, &state, 3, 0).unwrap();
        let kept = read_history(dir.path());
        let ats: Vec<&str> = kept.iter().map(|e| e.at.as_str()).collect();
        assert_eq!(ats, ["7", "8", "9"]);
        assert!(kept.iter().all(|e| e.name == "a"));
    }

    /// A line that is not an entry (torn, or bytes that are not UTF-8) is
    /// dropped, not the history after it; each kind of item keeps its own
    /// last runs.
    #[test]
    fn compaction_drops_a_bad_line_and_keeps_what_follows_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        let line = |kind: &str, name: &str, at: usize| crlf(history_line(kind, name, at));
        let mut bytes = Vec::new();
        for i in 0..4 {
            bytes.extend(line("connector", "a", i));
            bytes.extend(line("route", "a", i));
            bytes.extend(line("integration", "integration", i));
        }
        bytes.extend_from_slice(b"{\"at\":\"\xff\xfe\",\"kind\":\"connector\"}\n");
        for i in 4..6 {
            bytes.extend(line("connector", "a", i));
            bytes.extend(line("route", "gone", i));
        }
        fs::write(&path, bytes).unwrap();
        // Readers skip the bad line too.
        assert_eq!(read_history(dir.path()).len(), 16);
        let size = compact_history(&path, &three_kinds(), 2, 0).unwrap();
        assert_eq!(size, fs::metadata(&path).unwrap().len());
        let kept: Vec<(String, String)> = read_history(dir.path())
            .into_iter()
            .map(|e| (e.kind, e.at))
            .collect();
        let want = [
            ("route", "2"),
            ("integration", "2"),
            ("route", "3"),
            ("integration", "3"),
            ("connector", "4"),
            ("connector", "5"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, a)| (k.to_string(), a.to_string()))
            .collect();
        assert_eq!(kept, want);
        // Written with plain line ends.
        assert!(!fs::read(&path).unwrap().contains(&b'\r'));
    }

    /// The state the compaction tests below keep history for: the
    /// integration, connectors `a` and `b`, route `a`.
    fn three_kinds() -> State {
        let mut state = State::new();
        state.integration = Some(Integration::for_tests(
            "contoso.onmicrosoft.com",
            "0d4b6a2c-1111-4222-8333-944445555666",
            "g1",
        ));
        for name in ["a", "b"] {
            state.connectors.push(Connector::for_tests(
                name,
                UseFor::Incoming,
                &format!("{name}@contoso.com"),
            ));
        }
        state
            .routes
            .push(Route::for_tests("a", "a", "a@contoso.com"));
        state
    }

    /// One history line (with its `\n`) of `kind`/`name` at `at`.
    fn history_line(kind: &str, name: &str, at: usize) -> Vec<u8> {
        let mut e = entry(name, at);
        e.kind = kind.into();
        let mut bytes = serde_json::to_vec(&e).unwrap();
        bytes.push(b'\n');
        bytes
    }

    /// `line` ending in CRLF instead of LF.
    fn crlf(mut line: Vec<u8>) -> Vec<u8> {
        line.pop();
        line.extend_from_slice(b"\r\n");
        line
    }

    /// One `--all` run of [`three_kinds`]: a line for each of its items.
    fn all_run(at: usize) -> Vec<u8> {
        let mut bytes = history_line("integration", "integration", at);
        bytes.extend(history_line("connector", "a", at));
        bytes.extend(history_line("connector", "b", at));
        bytes.extend(history_line("route", "a", at));
        bytes
    }

    /// Compacts a copy of `bytes` both ways, whole and from byte `from`:
    /// (what the whole compaction wrote, what the other wrote, whether it
    /// read only the tail).
    fn compacted_both_ways(bytes: &[u8], keep: usize, from: u64) -> (Vec<u8>, Vec<u8>, bool) {
        let dir = tempfile::tempdir().unwrap();
        let (whole, tail) = (dir.path().join("whole"), dir.path().join("tail"));
        fs::write(&whole, bytes).unwrap();
        fs::write(&tail, bytes).unwrap();
        let state = three_kinds();
        let size = compact_whole(&whole, &state, keep).unwrap();
        assert_eq!(size, fs::metadata(&whole).unwrap().len());
        let only_tail = compact_tail(&tail, &state, keep, from, bytes.len() as u64).unwrap();
        match only_tail {
            None => {
                // Nothing written: the caller goes on to the whole file.
                assert_eq!(fs::read(&tail).unwrap(), bytes);
                compact_whole(&tail, &state, keep).unwrap();
            }
            Some((kept, read)) => {
                assert_eq!(kept, fs::metadata(&tail).unwrap().len());
                assert!(read < bytes.len() as u64, "read {read} of {}", bytes.len());
            }
        }
        (
            fs::read(&whole).unwrap(),
            fs::read(&tail).unwrap(),
            only_tail.is_some(),
        )
    }

    /// After `keep` runs of `--all`, the compaction reads only what was
    /// appended since the last one, whatever the bytes before it hold, and
    /// keeps what reading the whole file keeps.
    #[test]
    fn compaction_reads_only_the_runs_appended_since_the_last_one() {
        let mut bytes = Vec::new();
        for at in 0..3 {
            bytes.extend(all_run(at));
            bytes.extend(history_line("connector", "gone", at));
        }
        bytes.extend_from_slice(b"{\"torn\n\xff\xfe not even text\n");
        let from = bytes.len() as u64;
        for at in 3..6 {
            bytes.extend(all_run(at));
            bytes.extend(history_line("route", "gone", at));
        }
        let (whole, tail, only_tail) = compacted_both_ways(&bytes, 2, from);
        assert!(only_tail, "the appended runs hold 2 of every item");
        assert_eq!(
            String::from_utf8_lossy(&tail),
            String::from_utf8_lossy(&whole)
        );
        let mut want = all_run(4);
        want.extend(all_run(5));
        assert_eq!(
            String::from_utf8_lossy(&tail),
            String::from_utf8_lossy(&want)
        );

        // Route a was not tested since: its older runs are kept, so the
        // whole file is read.
        let mut short = bytes[..from as usize].to_vec();
        for at in 3..5 {
            short.extend(history_line("integration", "integration", at));
            short.extend(history_line("connector", "a", at));
            short.extend(history_line("connector", "b", at));
        }
        let (whole, tail, only_tail) = compacted_both_ways(&short, 2, from);
        assert!(!only_tail);
        assert_eq!(tail, whole);
        let routes: Vec<&str> = std::str::from_utf8(&tail)
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"kind\":\"route\""))
            .collect();
        assert_eq!(
            routes.len(),
            2,
            "route a keeps its last two runs: {routes:?}"
        );
        assert!(routes[1].starts_with("{\"at\":\"2\""), "{routes:?}");

        // Nothing known of the last compaction, or a size past the file's
        // (a history removed since): the whole file is read.
        for from in [0, 100 * bytes.len() as u64] {
            let (whole, tail, only_tail) = compacted_both_ways(&bytes, 2, from);
            assert!(!only_tail, "from {from}");
            assert_eq!(tail, whole, "from {from}");
        }
    }

    /// An integration line under any other name is not graphmail's.
    #[test]
    fn compaction_keeps_the_integration_only_under_its_own_name() {
        let mut bytes = all_run(0);
        bytes.extend(history_line("integration", "contoso", 0));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(HISTORY_FILE);
        fs::write(&path, &bytes).unwrap();
        compact_history(&path, &three_kinds(), 5, 0).unwrap();
        let names: Vec<String> = read_history(dir.path())
            .into_iter()
            .filter(|e| e.kind == "integration")
            .map(|e| e.name)
            .collect();
        assert_eq!(names, [INTEGRATION_HISTORY_NAME]);
    }

    /// One line of the generated histories below.
    fn any_line() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            (0..6usize, 0..1000usize).prop_map(|(item, at)| {
                let (kind, name) = [
                    ("integration", "integration"),
                    ("connector", "a"),
                    ("connector", "b"),
                    ("route", "a"),
                    ("connector", "gone"),
                    ("integration", "other"),
                ][item];
                history_line(kind, name, at)
            }),
            (0..1000usize).prop_map(|at| crlf(history_line("route", "a", at))),
            proptest::collection::vec(any::<u8>(), 0..12),
        ]
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config())]
        /// Whatever the file holds and wherever the last compaction is said
        /// to have ended, compacting from the end keeps what compacting the
        /// whole file keeps.
        #[test]
        fn compacting_the_tail_keeps_what_compacting_the_whole_keeps(
            before in proptest::collection::vec(any_line(), 0..8),
            runs in 0..5usize,
            after in proptest::collection::vec(any_line(), 0..6),
            keep in 1..4usize,
            anywhere in 0..4096u64,
            exact in proptest::bool::ANY,
        ) {
            let mut bytes: Vec<u8> = before.concat();
            let split = bytes.len() as u64;
            for at in 0..runs {
                bytes.extend(all_run(1000 + at));
            }
            bytes.extend(after.concat());
            // The line end the last compaction left, or any byte.
            let from = if exact { split } else { anywhere % (bytes.len() as u64 + 20) };
            let (whole, tail, _) = compacted_both_ways(&bytes, keep, from);
            proptest::prop_assert_eq!(tail, whole);
        }
    }

    #[test]
    fn unreadable_files_are_no_evidence() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(VERDICTS_FILE), "{not json").unwrap();
        fs::write(dir.path().join(FACTS_FILE), "[]").unwrap();
        assert_eq!(read_verdicts(dir.path()), Verdicts::default());
        assert_eq!(read_facts(dir.path()), Facts::default());
    }

    fn evidence(detail: &str) -> Evidence {
        Evidence {
            key: "k".into(),
            outcome: Outcome::Established,
            status: "passed".into(),
            at: "2026-11-30T00:00:00Z".into(),
            detail: detail.into(),
            code: None,
            request_id: None,
            trace_id: None,
            hint: None,
            retries: 0,
        }
    }

    fn facts_with(detail: &str) -> Facts {
        let mut facts = Facts::default();
        facts.put("connector:a", "mailbox", evidence(detail));
        facts
    }

    /// The recording under the lock takes the run's earlier read of
    /// `facts.json` only while the file holds the same bytes: evidence
    /// another writer added in between is never dropped.
    #[test]
    fn an_earlier_read_of_the_facts_counts_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FACTS_FILE);
        fs::write(&path, serde_json::to_vec(&facts_with("on disk")).unwrap()).unwrap();

        // Unchanged: the earlier parse stands. (Its facts are made to differ
        // from the file's, which a real read never does, to tell the two
        // paths apart.)
        let earlier = read_facts_file(dir.path());
        assert_eq!(earlier.facts, facts_with("on disk"));
        let (_, digest) = earlier.split();
        let mut journal = Journal::new(dir.path().to_path_buf());
        journal.reuse_facts(FactsRead::rejoin(facts_with("the earlier parse"), digest));
        assert_eq!(*journal.facts(), facts_with("the earlier parse"));

        // Written by another process after the run read it: read again.
        let (_, digest) = read_facts_file(dir.path()).split();
        fs::write(
            &path,
            serde_json::to_vec(&facts_with("written since")).unwrap(),
        )
        .unwrap();
        let mut journal = Journal::new(dir.path().to_path_buf());
        journal.reuse_facts(FactsRead::rejoin(facts_with("on disk"), digest));
        assert_eq!(*journal.facts(), facts_with("written since"));

        // Removed since: no evidence, not the stale read.
        let (_, digest) = read_facts_file(dir.path()).split();
        fs::remove_file(&path).unwrap();
        let mut journal = Journal::new(dir.path().to_path_buf());
        journal.reuse_facts(FactsRead::rejoin(facts_with("written since"), digest));
        assert_eq!(*journal.facts(), Facts::default());

        // Missing at the run and written since: the file's evidence.
        let (_, digest) = read_facts_file(dir.path()).split();
        fs::write(&path, serde_json::to_vec(&facts_with("new")).unwrap()).unwrap();
        let mut journal = Journal::new(dir.path().to_path_buf());
        journal.reuse_facts(FactsRead::rejoin(Facts::default(), digest));
        assert_eq!(*journal.facts(), facts_with("new"));

        // A directory started afresh keeps nothing of an earlier read.
        let (_, digest) = read_facts_file(dir.path()).split();
        let mut journal = Journal::new(dir.path().to_path_buf());
        journal.reset();
        journal.reuse_facts(FactsRead::rejoin(facts_with("new"), digest));
        assert_eq!(*journal.facts(), Facts::default());
    }
}

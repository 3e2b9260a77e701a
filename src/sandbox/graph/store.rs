//! The mailboxes the sandbox holds: directory (addresses, aliases, object
//! IDs), folders, messages, and the application access policies.
//!
//! Each mailbox's contents sit behind their own mutex; the directory and the
//! policies never change after the seed is loaded, so lookups take no lock.
//! No code holds two mailbox locks at once (delivery locks one recipient at
//! a time), so there is no lock order to get wrong.
//!
//! IDs look like Graph's (URL-safe base64, case-sensitive) and are
//! deterministic for a given seed and sequence of requests. Every message has
//! two: the default REST ID, which changes when the message moves, and the
//! immutable ID, which does not (reference §4.4, §4.7, [S23]). Folder IDs
//! never change.
//!
//! Every change to a message bumps its mailbox's change counter and stamps
//! the message; a message leaving a folder (moved, deleted) leaves a
//! tombstone there. Delta queries (`delta`) read both. Sent Items copies
//! that Exchange files late (reference §8) wait in `pending` and are filed
//! by the first lock taken after they fall due.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;

use super::seed::{
    AccessRight, AliasBehaviour, FillSeed, GenerateSeed, MailSeed, MailboxKind, MailboxSeed,
    MessageSeed,
};

/// Index of the root folder ("Top of Information Store", `msgfolderroot`).
pub const ROOT: usize = 0;

/// Where generated and undated seed messages start (2025-01-06T09:00:00Z),
/// going back in time; fixed so tests and demos see the same mail each run.
const BASE_TIME: i64 = 1_736_154_000;

/// The folders every mailbox has under its root (reference §4.2).
const STANDARD_FOLDERS: &[(&str, &str)] = &[
    ("inbox", "Inbox"),
    ("drafts", "Drafts"),
    ("sentitems", "Sent Items"),
    ("deleteditems", "Deleted Items"),
    ("junkemail", "Junk Email"),
    ("outbox", "Outbox"),
    ("archive", "Archive"),
    ("conversationhistory", "Conversation History"),
];

/// The other well-known folders of Graph v1.0 (17 names with
/// `msgfolderroot` and the ones above:
/// learn.microsoft.com/graph/api/resources/mailfolder). They answer by name
/// but sit outside the root's listing, as Exchange keeps most of them out of
/// sight (the dumpster and the search-folder root are not under the Top of
/// Information Store at all). `(name, display name, parent well-known name)`.
const OTHER_WELL_KNOWN: &[(&str, &str, Option<&str>)] = &[
    ("clutter", "Clutter", None),
    ("scheduled", "Scheduled", None),
    ("searchfolders", "Finder", None),
    ("recoverableitemsdeletions", "Deletions", None),
    ("syncissues", "Sync Issues", None),
    ("conflicts", "Conflicts", Some("syncissues")),
    ("localfailures", "Local Failures", Some("syncissues")),
    ("serverfailures", "Server Failures", Some("syncissues")),
];

pub struct Store {
    pub mailboxes: Vec<Mailbox>,
    /// Lower-cased address, alias or object ID → mailbox index.
    directory: HashMap<String, usize>,
    policies: Vec<Policy>,
}

struct Policy {
    /// Lower-cased app ID or `*`.
    app_id: String,
    right: AccessRight,
    /// Lower-cased group address.
    group: String,
}

pub struct Mailbox {
    pub index: u32,
    pub id: String,
    pub address: String,
    pub display_name: String,
    pub kind: MailboxKind,
    pub tenant: Option<String>,
    pub aliases: Vec<Alias>,
    /// Lower-cased addresses this mailbox may send as.
    pub send_as: Vec<String>,
    /// Lower-cased group addresses.
    pub groups: Vec<String>,
    pub rest_api_enabled: bool,
    pub latency_ms: Option<u64>,
    /// `MaxSendSize` from the seed; `None` = the limits' default.
    pub max_message_bytes: Option<u64>,
    contents: Mutex<Contents>,
}

#[derive(Debug, Clone)]
pub struct Alias {
    pub address: String,
    pub behaviour: AliasBehaviour,
}

impl Mailbox {
    /// The contents; a poisoned lock still holds consistent data (every
    /// change is a single push or field update), so it is used as is.
    /// Files the Sent Items copies that have fallen due first.
    pub fn lock(&self) -> MutexGuard<'_, Contents> {
        let mut contents = self.contents.lock().unwrap_or_else(|e| e.into_inner());
        contents.settle(self.index, Instant::now());
        contents
    }

    pub fn alias(&self, address: &str) -> Option<&Alias> {
        self.aliases
            .iter()
            .find(|a| a.address.eq_ignore_ascii_case(address))
    }

    pub fn primary(&self) -> Address {
        Address {
            name: Some(self.display_name.clone()),
            address: self.address.clone(),
        }
    }
}

pub struct Contents {
    pub folders: Vec<Folder>,
    pub messages: Vec<Message>,
    /// REST and immutable IDs → message index.
    by_id: HashMap<String, usize>,
    next: u64,
    /// The change counter: bumped by every change, stamped on what changed.
    pub version: u64,
    /// Messages that left a folder, for delta's `@removed`.
    pub tombstones: Vec<Tombstone>,
    /// Sent Items copies Exchange has not filed yet.
    pending: Vec<Pending>,
}

/// A message that left `folder` at change `at`.
#[derive(Debug, Clone)]
pub struct Tombstone {
    pub folder: usize,
    pub rest_id: String,
    pub immutable_id: String,
    pub at: u64,
}

/// A Sent Items filing that falls due at `due`.
struct Pending {
    due: Instant,
    what: PendingFiling,
}

enum PendingFiling {
    /// `sendMail`: the copy appears.
    Copy(Box<Message>),
    /// `/send`: the sent draft moves from the Outbox to Sent Items.
    Move { immutable_id: String },
}

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: String,
    pub display_name: String,
    pub parent: Option<usize>,
    pub well_known: Option<&'static str>,
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    pub address: String,
}

impl Address {
    pub fn plain(address: &str) -> Address {
        Address {
            name: None,
            address: address.to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub is_inline: bool,
    pub content_id: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Message {
    /// Insertion order: the tie-breaker of every sort.
    pub seq: u64,
    pub rest_id: String,
    pub immutable_id: String,
    pub folder: usize,
    pub subject: String,
    pub body: String,
    pub body_html: bool,
    pub from: Option<Address>,
    pub sender: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// Unix seconds.
    pub received: i64,
    pub sent: Option<i64>,
    pub created: i64,
    pub modified: i64,
    pub is_read: bool,
    pub is_draft: bool,
    pub importance: String,
    pub categories: Vec<String>,
    /// The `followupFlag` object as last set (`flagStatus` always present).
    pub flag: serde_json::Value,
    pub attachments: Vec<Attachment>,
    pub internet_message_id: String,
    pub conversation_id: String,
    pub headers: Vec<(String, String)>,
    /// Bumped on every change, for `changeKey` and `@odata.etag`.
    pub change: u64,
    /// The mailbox's change counter when the message was created here and
    /// when it last changed (delta).
    pub created_v: u64,
    pub changed_v: u64,
}

impl Message {
    /// A blank message, to be filled in and handed to [`Contents::insert`].
    pub fn blank(now: i64) -> Message {
        Message {
            seq: 0,
            rest_id: String::new(),
            immutable_id: String::new(),
            folder: ROOT,
            subject: String::new(),
            body: String::new(),
            body_html: false,
            from: None,
            sender: None,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: Vec::new(),
            received: now,
            sent: None,
            created: now,
            modified: now,
            is_read: false,
            is_draft: false,
            importance: "normal".to_owned(),
            categories: Vec::new(),
            flag: serde_json::json!({"flagStatus": "notFlagged"}),
            attachments: Vec::new(),
            internet_message_id: String::new(),
            conversation_id: String::new(),
            headers: Vec::new(),
            change: 1,
            created_v: 0,
            changed_v: 0,
        }
    }

    /// Bytes this message weighs against a mailbox's `MaxSendSize`: its
    /// attachments and body (headers and encoding overhead left out).
    pub fn size(&self) -> u64 {
        let attachments: usize = self.attachments.iter().map(|a| a.bytes.len()).sum();
        (attachments + self.body.len() + self.subject.len()) as u64
    }
}

/// A Graph-looking, URL-safe ID, unique per (tag, mailbox, n).
fn make_id(prefix: &str, tag: u8, mailbox: u32, n: u64) -> String {
    let mut bytes = [0u8; 24];
    bytes[0] = tag;
    bytes[1..5].copy_from_slice(&mailbox.to_be_bytes());
    bytes[5..13].copy_from_slice(&n.to_be_bytes());
    // Mix the counter into the tail so neighbouring IDs do not share a suffix.
    let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(mailbox).rotate_left(17);
    bytes[13..21].copy_from_slice(&mix.to_be_bytes());
    bytes[21..24].copy_from_slice(&[tag, 0x00, 0x01]);
    format!("{prefix}{}", URL_SAFE.encode(bytes))
}

const REST_PREFIX: &str = "AAMkAGVmMDEz";
const IMMUTABLE_PREFIX: &str = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A";
const FOLDER_PREFIX: &str = "AAMkAGVmMDEzAC4A";

impl Contents {
    fn new(mailbox: u32) -> Contents {
        let mut folders = vec![Folder {
            id: make_id(FOLDER_PREFIX, b'F', mailbox, 0),
            display_name: "Top of Information Store".to_owned(),
            parent: None,
            well_known: Some("msgfolderroot"),
            hidden: false,
        }];
        for (well_known, name) in STANDARD_FOLDERS {
            folders.push(Folder {
                id: make_id(FOLDER_PREFIX, b'F', mailbox, folders.len() as u64),
                display_name: (*name).to_owned(),
                parent: Some(ROOT),
                well_known: Some(well_known),
                hidden: false,
            });
        }
        for (well_known, name, parent) in OTHER_WELL_KNOWN {
            let parent = parent.and_then(|p| folders.iter().position(|f| f.well_known == Some(p)));
            folders.push(Folder {
                // NOTE: numbered after the seeded folders' range so adding
                // these did not change the IDs seeds and tests already saw.
                id: make_id(FOLDER_PREFIX, b'W', mailbox, folders.len() as u64),
                display_name: (*name).to_owned(),
                parent,
                well_known: Some(well_known),
                hidden: true,
            });
        }
        Contents {
            folders,
            messages: Vec::new(),
            by_id: HashMap::new(),
            next: 1,
            version: 0,
            tombstones: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Stamps a change on the message at `index`.
    pub fn touch(&mut self, index: usize) {
        self.version += 1;
        let version = self.version;
        if let Some(m) = self.messages.get_mut(index) {
            m.changed_v = version;
        }
    }

    fn bury(&mut self, index: usize) {
        self.version += 1;
        if let Some(m) = self.messages.get(index) {
            self.tombstones.push(Tombstone {
                folder: m.folder,
                rest_id: m.rest_id.clone(),
                immutable_id: m.immutable_id.clone(),
                at: self.version,
            });
        }
    }

    /// Removes a message for good (a DELETE in Deleted Items): a tombstone
    /// stays for delta.
    pub fn remove(&mut self, index: usize) -> Option<Message> {
        if index >= self.messages.len() {
            return None;
        }
        self.bury(index);
        let removed = self.messages.remove(index);
        self.by_id.clear();
        for (i, m) in self.messages.iter().enumerate() {
            self.by_id.insert(m.rest_id.clone(), i);
            self.by_id.insert(m.immutable_id.clone(), i);
        }
        Some(removed)
    }

    /// Files `message` in Sent Items at `due` (now when `due` has passed).
    pub fn file_later(&mut self, mailbox: u32, message: Message, due: Instant) {
        self.pending.push(Pending {
            due,
            what: PendingFiling::Copy(Box::new(message)),
        });
        self.settle(mailbox, Instant::now());
    }

    /// Moves the message with `immutable_id` to Sent Items at `due`.
    pub fn move_to_sent_later(&mut self, mailbox: u32, immutable_id: String, due: Instant) {
        self.pending.push(Pending {
            due,
            what: PendingFiling::Move { immutable_id },
        });
        self.settle(mailbox, Instant::now());
    }

    /// Files what has fallen due, oldest first.
    fn settle(&mut self, mailbox: u32, now: Instant) {
        if self.pending.iter().all(|p| p.due > now) {
            return;
        }
        let (due, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.due <= now);
        self.pending = waiting;
        let sent_items = self.well_known("sentitems");
        for p in due {
            match p.what {
                PendingFiling::Copy(mut m) => {
                    m.folder = sent_items;
                    self.insert(mailbox, *m);
                }
                PendingFiling::Move { immutable_id } => {
                    if let Some(index) = self.message(&immutable_id) {
                        self.relocate(mailbox, index, sent_items);
                    }
                }
            }
        }
    }

    /// Sent Items copies still on their way.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// A folder by ID (exact) or well-known name (any case, reference §4.2).
    pub fn folder(&self, reference: &str) -> Option<usize> {
        if let Some(i) = self.folders.iter().position(|f| f.id == reference) {
            return Some(i);
        }
        let lower = reference.to_ascii_lowercase();
        self.folders
            .iter()
            .position(|f| f.well_known == Some(lower.as_str()))
    }

    pub fn well_known(&self, name: &str) -> usize {
        self.folders
            .iter()
            .position(|f| f.well_known == Some(name))
            .unwrap_or(ROOT)
    }

    pub fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        self.folders
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.parent == Some(parent))
            .map(|(i, _)| i)
    }

    /// (total, unread) per folder index.
    pub fn counts(&self) -> Vec<(usize, usize)> {
        let mut counts = vec![(0, 0); self.folders.len()];
        for m in &self.messages {
            if let Some(c) = counts.get_mut(m.folder) {
                c.0 += 1;
                if !m.is_read {
                    c.1 += 1;
                }
            }
        }
        counts
    }

    /// The folder's path from the root (`Inbox/Support/EU`).
    pub fn path(&self, folder: usize) -> String {
        let mut parts = Vec::new();
        let mut at = Some(folder);
        while let Some(i) = at {
            if i == ROOT {
                break;
            }
            let Some(f) = self.folders.get(i) else { break };
            parts.push(f.display_name.as_str());
            at = f.parent;
        }
        parts.reverse();
        parts.join("/")
    }

    /// A message by REST or immutable ID (IDs are case-sensitive).
    pub fn message(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Adds a message with fresh IDs; returns its index.
    pub fn insert(&mut self, mailbox: u32, mut message: Message) -> usize {
        let n = self.next;
        self.next += 1;
        message.seq = n;
        message.rest_id = make_id(REST_PREFIX, b'M', mailbox, n);
        message.immutable_id = make_id(IMMUTABLE_PREFIX, b'I', mailbox, n);
        if message.conversation_id.is_empty() {
            message.conversation_id = make_id("AAQkAGVmMDEz", b'C', mailbox, n);
        }
        if message.internet_message_id.is_empty() {
            let domain = message
                .from
                .as_ref()
                .and_then(|a| a.address.rsplit_once('@'))
                .map(|(_, d)| d.to_owned())
                .unwrap_or_else(|| "sandbox.invalid".to_owned());
            message.internet_message_id = format!("<{:x}.{n}.{mailbox}@{domain}>", BASE_TIME);
        }
        self.version += 1;
        message.created_v = self.version;
        message.changed_v = self.version;
        let index = self.messages.len();
        self.by_id.insert(message.rest_id.clone(), index);
        self.by_id.insert(message.immutable_id.clone(), index);
        self.messages.push(message);
        index
    }

    /// Moves a message: a new REST ID, the same immutable ID (reference §4.7).
    pub fn relocate(&mut self, mailbox: u32, index: usize, folder: usize) {
        let n = self.next;
        self.next += 1;
        let new_id = make_id(REST_PREFIX, b'M', mailbox, n);
        if index < self.messages.len() {
            self.bury(index);
            self.version += 1;
            let version = self.version;
            let m = &mut self.messages[index];
            self.by_id.remove(&m.rest_id);
            m.rest_id = new_id.clone();
            m.folder = folder;
            m.change += 1;
            // NOTE: in its new folder it is a new item for delta.
            m.created_v = version;
            m.changed_v = version;
            self.by_id.insert(new_id, index);
        }
    }

    /// Finds or creates a folder path; the first segment may be a
    /// well-known name. Matching ignores case, like Exchange.
    fn ensure_path(&mut self, mailbox: u32, path: &str, hidden: bool) -> Result<usize, String> {
        let segments: Vec<&str> = path.split('/').map(str::trim).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!("folder path '{path}' has an empty segment"));
        }
        let mut parent = ROOT;
        for (depth, segment) in segments.iter().enumerate() {
            let existing = self.children(parent).find(|&i| {
                self.folders[i].display_name.eq_ignore_ascii_case(segment)
                    || (depth == 0
                        && self.folders[i]
                            .well_known
                            .is_some_and(|w| w.eq_ignore_ascii_case(segment)))
            });
            parent = match existing {
                Some(i) => i,
                None => {
                    let last = depth + 1 == segments.len();
                    let n = self.folders.len().saturating_sub(OTHER_WELL_KNOWN.len());
                    self.folders.push(Folder {
                        id: make_id(FOLDER_PREFIX, b'F', mailbox, n as u64),
                        display_name: (*segment).to_owned(),
                        parent: Some(parent),
                        well_known: None,
                        hidden: hidden && last,
                    });
                    self.folders.len() - 1
                }
            };
        }
        Ok(parent)
    }
}

impl Store {
    /// Builds every mailbox from the seed, checking what the seed refers to.
    pub fn build(seed: &MailSeed) -> Result<Store, String> {
        let mut seeds: Vec<MailboxSeed> = seed.mailboxes.clone();
        for generator in &seed.generate {
            seeds.extend(expand(generator)?);
        }
        let mut store = Store {
            mailboxes: Vec::with_capacity(seeds.len()),
            directory: HashMap::with_capacity(seeds.len() * 2),
            policies: Vec::new(),
        };
        let mut extra_groups: HashMap<String, Vec<String>> = HashMap::new();
        for policy in &seed.access_policies {
            if policy.app_id.trim().is_empty() || policy.scope_group.trim().is_empty() {
                return Err("an access policy needs app_id and scope_group".to_owned());
            }
            let group = policy.scope_group.to_ascii_lowercase();
            for member in &policy.members {
                extra_groups
                    .entry(member.to_ascii_lowercase())
                    .or_default()
                    .push(group.clone());
            }
            store.policies.push(Policy {
                app_id: policy.app_id.to_ascii_lowercase(),
                right: policy.access_right,
                group,
            });
        }
        for mailbox_seed in &seeds {
            let index = store.mailboxes.len();
            let mut mailbox = build_mailbox(index as u32, mailbox_seed)?;
            if let Some(groups) = extra_groups.remove(&mailbox.address.to_ascii_lowercase()) {
                mailbox.groups.extend(groups);
            }
            let mut keys = vec![mailbox.address.clone(), mailbox.id.clone()];
            keys.extend(mailbox.aliases.iter().map(|a| a.address.clone()));
            for key in keys {
                if store
                    .directory
                    .insert(key.to_ascii_lowercase(), index)
                    .is_some()
                {
                    return Err(format!("address or id '{key}' is used by two mailboxes"));
                }
            }
            store.mailboxes.push(mailbox);
        }
        if let Some(unknown) = extra_groups.keys().next() {
            return Err(format!(
                "access policy member '{unknown}' is not a mailbox of the seed"
            ));
        }
        Ok(store)
    }

    /// The mailbox an `/users/{id | UPN | address}` segment names.
    pub fn resolve(&self, user: &str) -> Option<&Mailbox> {
        self.directory
            .get(&user.trim().to_ascii_lowercase())
            .and_then(|&i| self.mailboxes.get(i))
    }

    /// Application access policies (reference §7.1): Deny beats Restrict; a
    /// matching Restrict grants; Restrict policies that exist for the app but
    /// do not hold the mailbox deny; no policy grants.
    pub fn policy_allows(&self, app_id: &str, mailbox: &Mailbox) -> bool {
        let app = app_id.to_ascii_lowercase();
        let mut restricted = false;
        let mut granted = false;
        for policy in self
            .policies
            .iter()
            .filter(|p| p.app_id == "*" || p.app_id == app)
        {
            let member = mailbox.groups.contains(&policy.group);
            match policy.right {
                AccessRight::DenyAccess if member => return false,
                AccessRight::DenyAccess => {}
                AccessRight::RestrictAccess => {
                    restricted = true;
                    granted |= member;
                }
            }
        }
        granted || !restricted
    }
}

fn build_mailbox(index: u32, seed: &MailboxSeed) -> Result<Mailbox, String> {
    let address = seed.address.trim().to_owned();
    if !valid_address(&address) {
        return Err(format!(
            "mailbox address '{address}' is not an email address"
        ));
    }
    let id = match &seed.id {
        Some(id) => id.trim().to_owned(),
        None => derived_object_id(&address),
    };
    let mut aliases = Vec::new();
    for alias in &seed.aliases {
        if !valid_address(alias.address.trim()) {
            return Err(format!(
                "alias '{}' of {address} is not an email address",
                alias.address
            ));
        }
        aliases.push(Alias {
            address: alias.address.trim().to_owned(),
            behaviour: alias.behaviour,
        });
    }
    let mut contents = Contents::new(index);
    for path in &seed.folders {
        contents.ensure_path(index, path, false)?;
    }
    for path in &seed.hidden_folders {
        contents.ensure_path(index, path, true)?;
    }
    let mut clock = BASE_TIME;
    for message in &seed.messages {
        clock -= 60;
        let m = seeded_message(index, &mut contents, message, &address, clock)?;
        contents.insert(index, m);
    }
    for fill in &seed.fill {
        fill_folder(index, &mut contents, fill, &address)?;
    }
    let display_name = seed
        .display_name
        .clone()
        .unwrap_or_else(|| address.split('@').next().unwrap_or(&address).to_owned());
    Ok(Mailbox {
        index,
        id,
        address,
        display_name,
        kind: seed.kind,
        tenant: seed.tenant.clone(),
        aliases,
        send_as: seed
            .send_as
            .iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .collect(),
        groups: seed
            .member_of
            .iter()
            .map(|g| g.trim().to_ascii_lowercase())
            .collect(),
        rest_api_enabled: seed.rest_api_enabled.unwrap_or(true),
        latency_ms: seed.latency_ms,
        max_message_bytes: seed.max_message_bytes,
        contents: Mutex::new(contents),
    })
}

fn seeded_message(
    mailbox: u32,
    contents: &mut Contents,
    seed: &MessageSeed,
    owner: &str,
    default_time: i64,
) -> Result<Message, String> {
    let folder = contents.ensure_path(mailbox, seed.folder.as_deref().unwrap_or("Inbox"), false)?;
    let received = match &seed.received {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|e| {
                format!(
                    "message '{}' of {owner}: received '{text}': {e}",
                    seed.subject
                )
            })?
            .timestamp(),
        None => default_time,
    };
    let addresses = |list: &[String]| -> Vec<Address> {
        list.iter().map(|a| Address::plain(a.trim())).collect()
    };
    let mut m = Message::blank(received);
    m.folder = folder;
    m.subject = seed.subject.clone();
    m.body = seed.body.clone().unwrap_or_default();
    m.body_html = seed
        .body_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    m.from = seed.from.as_ref().map(|a| Address {
        name: seed.from_name.clone(),
        address: a.trim().to_owned(),
    });
    m.sender = m.from.clone();
    m.to = addresses(&seed.to);
    if m.to.is_empty() {
        m.to.push(Address::plain(owner));
    }
    m.cc = addresses(&seed.cc);
    m.bcc = addresses(&seed.bcc);
    m.sent = Some(received);
    m.is_read = seed.is_read;
    m.is_draft = seed.is_draft;
    if let Some(importance) = &seed.importance {
        m.importance = importance.to_ascii_lowercase();
    }
    m.categories = seed.categories.clone();
    Ok(m)
}

fn fill_folder(
    mailbox: u32,
    contents: &mut Contents,
    fill: &FillSeed,
    owner: &str,
) -> Result<(), String> {
    let folder = contents.ensure_path(mailbox, &fill.folder, false)?;
    let leaf = fill
        .folder
        .rsplit('/')
        .next()
        .unwrap_or(&fill.folder)
        .to_owned();
    let unread_every = fill.unread_every.unwrap_or(3);
    let to = fill.to.clone().unwrap_or_else(|| owner.to_owned());
    for i in 0..fill.count {
        let received = BASE_TIME - 3_600 - i64::from(i) * 1_020;
        let mut m = Message::blank(received);
        m.folder = folder;
        m.subject = format!("{leaf} request #{}", i + 1);
        m.body = format!("Generated message {} in {}.", i + 1, fill.folder);
        m.from = Some(Address {
            name: Some(format!("Customer {}", i + 1)),
            address: format!("customer{}@fabrikam.example", i + 1),
        });
        m.sender = m.from.clone();
        m.to = vec![Address::plain(&to)];
        m.sent = Some(received);
        m.is_read = !(unread_every > 0 && i % unread_every == 0);
        contents.insert(mailbox, m);
    }
    Ok(())
}

fn expand(generator: &GenerateSeed) -> Result<Vec<MailboxSeed>, String> {
    if !generator.pattern.contains("{n}") {
        return Err(format!(
            "generate pattern '{}' needs {{n}}",
            generator.pattern
        ));
    }
    let start = generator.start.unwrap_or(1);
    let fill: Vec<FillSeed> = if generator.messages_per_folder == 0 {
        Vec::new()
    } else {
        let folders = if generator.folders.is_empty() {
            vec!["Inbox".to_owned()]
        } else {
            generator.folders.clone()
        };
        folders
            .into_iter()
            .map(|folder| FillSeed {
                folder,
                count: generator.messages_per_folder,
                unread_every: generator.unread_every,
                to: None,
            })
            .collect()
    };
    Ok((0..generator.count)
        .map(|i| {
            let n = (u64::from(start) + u64::from(i)).to_string();
            MailboxSeed {
                address: generator.pattern.replace("{n}", &n),
                kind: generator.kind,
                tenant: generator.tenant.clone(),
                member_of: generator.member_of.clone(),
                folders: generator.folders.clone(),
                hidden_folders: generator.hidden_folders.clone(),
                fill: fill.clone(),
                latency_ms: generator.latency_ms,
                ..MailboxSeed::default()
            }
        })
        .collect())
}

/// A plausible address: one `@`, something on both sides, no spaces.
pub fn valid_address(address: &str) -> bool {
    match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// A stable GUID-shaped object ID for a seeded address without one.
fn derived_object_id(address: &str) -> String {
    let digest = openssl::sha::sha256(address.to_ascii_lowercase().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// Every distinct mailbox among `addresses` (primary or alias, any case),
/// and the addresses the sandbox does not hold.
pub fn split_recipients<'a>(
    store: &'a Store,
    addresses: &[&Address],
) -> (Vec<&'a Mailbox>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut held = Vec::new();
    let mut external = Vec::new();
    for a in addresses {
        match store.resolve(&a.address) {
            Some(m) => {
                if seen.insert(m.index) {
                    held.push(m);
                }
            }
            None => external.push(a.address.clone()),
        }
    }
    (held, external)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Store {
        Store::build(&MailSeed::builtin()).expect("builtin seed builds")
    }

    #[test]
    fn builtin_mailboxes_resolve_by_address_alias_and_id_in_any_case() {
        let store = builtin();
        let support = store.resolve("SUPPORT@contoso.com").expect("support");
        assert_eq!(support.address, "support@contoso.com");
        assert_eq!(
            store.resolve("eu@contoso.com").map(|m| m.index),
            Some(support.index)
        );
        assert_eq!(
            store.resolve(&support.id).map(|m| m.index),
            Some(support.index)
        );
        assert!(store.resolve("nobody@contoso.com").is_none());
    }

    #[test]
    fn builtin_support_has_paged_top_level_a_hidden_folder_and_dozens_of_messages() {
        let store = builtin();
        let support = store.resolve("support@contoso.com").expect("support");
        let c = support.lock();
        let visible = c.children(ROOT).filter(|&i| !c.folders[i].hidden).count();
        assert!(visible > 10, "{visible} visible top-level folders");
        assert!(c.children(ROOT).any(|i| c.folders[i].hidden));
        assert!(c.messages.len() >= 24);
        assert!(c.messages.iter().any(|m| !m.is_read));
        let eu = c
            .folders
            .iter()
            .position(|f| f.display_name == "EU")
            .expect("EU folder");
        assert_eq!(c.path(eu), "Inbox/Support/EU");
    }

    #[test]
    fn access_policy_restricts_graphmail_only() {
        let store = builtin();
        let graphmail = "4A1F7C2E-8B3D-4E6F-9A0B-1C2D3E4F5A6B";
        let restricted = store.resolve("restricted@contoso.com").expect("restricted");
        let support = store.resolve("support@contoso.com").expect("support");
        assert!(!store.policy_allows(graphmail, restricted));
        assert!(store.policy_allows(graphmail, support));
        assert!(store.policy_allows("6c3f9e40-ad5f-4081-9c2d-3e4f5a6b7c8d", restricted));
    }

    #[test]
    fn deny_beats_restrict() {
        let seed: MailSeed = toml::from_str(
            r#"
            [[mailboxes]]
            address = "a@x.com"
            member_of = ["g@x.com"]
            [[access_policies]]
            app_id = "*"
            access_right = "RestrictAccess"
            scope_group = "g@x.com"
            [[access_policies]]
            app_id = "app"
            access_right = "DenyAccess"
            scope_group = "g@x.com"
            "#,
        )
        .expect("parses");
        let store = Store::build(&seed).expect("builds");
        let a = store.resolve("a@x.com").expect("a");
        assert!(!store.policy_allows("app", a));
        assert!(store.policy_allows("other", a));
    }

    #[test]
    fn moving_changes_the_rest_id_but_not_the_immutable_id() {
        let store = builtin();
        let support = store.resolve("support@contoso.com").expect("support");
        let mut c = support.lock();
        let (rest, immutable) = (
            c.messages[0].rest_id.clone(),
            c.messages[0].immutable_id.clone(),
        );
        let archive = c.well_known("archive");
        c.relocate(support.index, 0, archive);
        assert_eq!(c.message(&rest), None);
        assert_eq!(c.message(&immutable), Some(0));
        assert_ne!(c.messages[0].rest_id, rest);
        assert_eq!(c.message(&c.messages[0].rest_id.clone()), Some(0));
    }

    #[test]
    fn seed_mistakes_are_reported() {
        let err = |text: &str| Store::build(&toml::from_str(text).expect("parses")).err();
        assert!(err("[[mailboxes]]\naddress = \"not-an-address\"").is_some());
        assert!(
            err("[[mailboxes]]\naddress = \"a@x.com\"\n[[mailboxes]]\naddress = \"A@x.com\"")
                .is_some()
        );
        assert!(err("[[generate]]\ncount = 2\npattern = \"fixed@x.com\"").is_some());
        assert!(err("[[mailboxes]]\naddress = \"a@x.com\"\nmessages = [{ subject = \"s\", received = \"yesterday\" }]").is_some());
        assert!(err("[[access_policies]]\napp_id = \"*\"\nscope_group = \"g\"\nmembers = [\"ghost@x.com\"]").is_some());
    }

    #[test]
    fn generated_seed_loads_hundreds_of_mailboxes_quickly() {
        let seed: MailSeed = toml::from_str(
            r#"
            [[generate]]
            count = 300
            pattern = "inbox{n}@contoso.com"
            folders = ["Inbox/Support"]
            messages_per_folder = 20
            "#,
        )
        .expect("parses");
        let started = std::time::Instant::now();
        let store = Store::build(&seed).expect("builds");
        let elapsed = started.elapsed();
        let messages: usize = store
            .mailboxes
            .iter()
            .map(|m| m.lock().messages.len())
            .sum();
        println!("generated 300 mailboxes, {messages} messages in {elapsed:?}");
        assert_eq!(store.mailboxes.len(), 300);
        assert_eq!(messages, 6_000);
        assert!(store.resolve("inbox300@contoso.com").is_some());
        assert!(elapsed.as_millis() < 1_000, "took {elapsed:?}");
    }
}

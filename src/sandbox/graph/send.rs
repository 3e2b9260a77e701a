//! Sending and drafts (reference §4.7, §4.8, §4.9, §8): `sendMail`, a draft
//! then `/send`, moves, updates, what `from` becomes, the copy in Sent Items,
//! and delivery into the recipients' Inboxes when the sandbox holds their
//! mailboxes (primary address or alias, any case).
//!
//! A message is delivered to the sandbox's recipients before the 202 is
//! answered. The sender's Sent Items copy is not: Microsoft says it "may not
//! succeed immediately" (learn.microsoft.com/graph/outlook-immutable-id,
//! reference §8), so it lands `mail_limits.sent_items_delay_ms` later; a sent
//! draft waits in the Outbox meanwhile.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde::Serialize;

use super::GraphState;
use super::errors::GraphError;
use super::outgoing::{Outgoing, SendMail};
use super::resource::iso;
use super::seed::AliasBehaviour;
use super::store::{Address, Mailbox, Message, split_recipients};

/// Deliveries kept for the admin endpoint; older ones are forgotten.
const MAX_DELIVERIES: usize = 10_000;

/// One accepted send, as the admin endpoint lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub at: String,
    /// The mailbox in the request URL.
    pub mailbox: String,
    /// `from` as stored, after alias handling.
    pub from: String,
    pub subject: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// Mailboxes of the sandbox that received a copy.
    pub delivered_to: Vec<String>,
    /// Recipients outside the sandbox (accepted, not stored).
    pub external: Vec<String>,
    pub saved_to_sent_items: bool,
    pub internet_message_id: String,
    pub attachments: usize,
}

/// What `from` becomes when `mailbox` sends (reference §4.9): the mailbox
/// itself, an alias as its seed decides (rewrite to the primary address,
/// allow as is, or deny), an address it may send as, else `ErrorSendAsDenied`.
pub fn resolve_from(mailbox: &Mailbox, requested: Option<&Address>) -> Result<Address, GraphError> {
    let Some(requested) = requested else {
        return Ok(mailbox.primary());
    };
    if requested.address.eq_ignore_ascii_case(&mailbox.address) {
        return Ok(mailbox.primary());
    }
    if let Some(alias) = mailbox.alias(&requested.address) {
        return match alias.behaviour {
            AliasBehaviour::Rewrite => Ok(mailbox.primary()),
            AliasBehaviour::Allow => Ok(Address {
                name: requested
                    .name
                    .clone()
                    .or_else(|| Some(mailbox.display_name.clone())),
                address: alias.address.clone(),
            }),
            AliasBehaviour::Deny => Err(GraphError::send_as_denied()),
        };
    }
    if mailbox
        .send_as
        .contains(&requested.address.to_ascii_lowercase())
    {
        return Ok(requested.clone());
    }
    Err(GraphError::send_as_denied())
}

fn no_recipients() -> GraphError {
    GraphError::invalid_recipients(
        "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    )
}

fn attachment_id() -> String {
    format!(
        "AAMkAGVmMDEzBgAAAA{}",
        URL_SAFE.encode(uuid::Uuid::new_v4().as_bytes())
    )
}

/// Copies what a request says onto a message (absent fields stay as they are).
fn apply(m: &mut Message, out: Outgoing) {
    if let Some(subject) = out.subject {
        m.subject = subject;
    }
    if let Some((content, html)) = out.body {
        m.body = content;
        m.body_html = html;
    }
    if let Some(to) = out.to {
        m.to = to;
    }
    if let Some(cc) = out.cc {
        m.cc = cc;
    }
    if let Some(bcc) = out.bcc {
        m.bcc = bcc;
    }
    if let Some(reply_to) = out.reply_to {
        m.reply_to = reply_to;
    }
    if out.from.is_some() {
        m.from = out.from;
    }
    if let Some(importance) = out.importance {
        m.importance = importance;
    }
    if let Some(categories) = out.categories {
        m.categories = categories;
    }
    if let Some(flag) = out.flag {
        m.flag = flag;
    }
    for mut a in out.attachments {
        a.id = attachment_id();
        m.attachments.push(a);
    }
    m.headers.extend(out.headers);
}

fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("sandbox.invalid")
}

/// `POST /users/{u}/sendMail`: 202 semantics, Sent Items copy unless
/// `saveToSentItems` is false (reference §4.8, §8).
pub fn send_new(
    state: &GraphState,
    mailbox: &Mailbox,
    request: SendMail,
    now: i64,
) -> Result<(), GraphError> {
    let from = resolve_from(mailbox, request.message.from.as_ref())?;
    if request.message.recipients().is_empty() {
        return Err(no_recipients());
    }
    let mut m = Message::blank(now);
    apply(&mut m, request.message);
    m.internet_message_id = format!(
        "<{}@{}>",
        uuid::Uuid::new_v4().simple(),
        domain_of(&from.address)
    );
    m.from = Some(from.clone());
    m.sender = Some(from);
    m.sent = Some(now);
    m.is_read = true;
    if request.save_to_sent_items {
        let due = std::time::Instant::now() + state.limits.sent_items_delay();
        mailbox.lock().file_later(mailbox.index, m.clone(), due);
    }
    deliver(state, mailbox, &m, request.save_to_sent_items, now);
    Ok(())
}

/// `POST /users/{u}/messages` or `/mailFolders/{id}/messages`: a draft.
/// Returns the stored draft and its folder's ID.
pub fn create_draft(
    mailbox: &Mailbox,
    folder: Option<&str>,
    out: Outgoing,
    now: i64,
) -> Result<(Message, String), GraphError> {
    let mut contents = mailbox.lock();
    let folder = match folder {
        Some(reference) => contents
            .folder(reference)
            .ok_or_else(GraphError::item_not_found)?,
        None => contents.well_known("drafts"),
    };
    let mut m = Message::blank(now);
    apply(&mut m, out);
    m.folder = folder;
    m.is_draft = true;
    m.is_read = true;
    let index = contents.insert(mailbox.index, m);
    let stored = contents.messages[index].clone();
    let folder_id = contents.folders[folder].id.clone();
    Ok((stored, folder_id))
}

/// `POST /users/{u}/messages/{id}/send`: the draft moves to Sent Items
/// (new REST ID, same immutable ID) and is delivered.
pub fn send_draft(
    state: &GraphState,
    mailbox: &Mailbox,
    id: &str,
    now: i64,
) -> Result<(), GraphError> {
    let sent = {
        let mut contents = mailbox.lock();
        let index = contents
            .message(id)
            .ok_or_else(GraphError::item_not_found)?;
        let draft = &contents.messages[index];
        if !draft.is_draft {
            return Err(GraphError::bad_request("Only a draft message can be sent.")
                .with_code("ErrorInvalidOperation"));
        }
        let from = resolve_from(mailbox, draft.from.as_ref())?;
        if draft.to.is_empty() && draft.cc.is_empty() && draft.bcc.is_empty() {
            return Err(no_recipients());
        }
        let domain = domain_of(&from.address).to_owned();
        let outbox = contents.well_known("outbox");
        contents.relocate(mailbox.index, index, outbox);
        let m = &mut contents.messages[index];
        m.from = Some(from.clone());
        m.sender = Some(from);
        m.is_draft = false;
        m.is_read = true;
        m.sent = Some(now);
        m.received = now;
        m.modified = now;
        m.internet_message_id = format!("<{}@{domain}>", uuid::Uuid::new_v4().simple());
        let sent = m.clone();
        let due = std::time::Instant::now() + state.limits.sent_items_delay();
        contents.move_to_sent_later(mailbox.index, sent.immutable_id.clone(), due);
        sent
    };
    deliver(state, mailbox, &sent, true, now);
    Ok(())
}

/// `DELETE /users/{u}/messages/{id}`: 204 (learn.microsoft.com/graph/api/message-delete).
/// NOTE: Exchange moves a deleted item to Deleted Items (its
/// `MoveToDeletedItems`), and removes it for good from there; Graph's page
/// only says "delete", and `permanentDelete` is the documented way to skip
/// Deleted Items, so the sandbox does the same.
pub fn delete_message(mailbox: &Mailbox, id: &str, now: i64) -> Result<(), GraphError> {
    let mut contents = mailbox.lock();
    let index = contents
        .message(id)
        .ok_or_else(GraphError::item_not_found)?;
    let deleted_items = contents.well_known("deleteditems");
    if contents.messages[index].folder == deleted_items {
        contents.remove(index);
    } else {
        contents.relocate(mailbox.index, index, deleted_items);
        contents.messages[index].modified = now;
    }
    Ok(())
}

/// `POST /users/{u}/messages/{id}/attachments` with a `fileAttachment`:
/// 201 with the attachment (learn.microsoft.com/graph/api/message-post-attachments).
pub fn add_attachment(
    mailbox: &Mailbox,
    id: &str,
    mut attachment: super::store::Attachment,
    max_message_bytes: u64,
    now: i64,
) -> Result<(super::store::Attachment, i64), GraphError> {
    let mut contents = mailbox.lock();
    let index = contents
        .message(id)
        .ok_or_else(GraphError::item_not_found)?;
    let m = &contents.messages[index];
    if m.size() + attachment.bytes.len() as u64 > max_message_bytes {
        return Err(GraphError::message_size_exceeded());
    }
    attachment.id = attachment_id();
    let m = &mut contents.messages[index];
    m.attachments.push(attachment.clone());
    m.modified = now;
    m.change += 1;
    contents.touch(index);
    Ok((attachment, now))
}

/// Adds an attachment whose bytes an upload session gathered; returns its ID.
pub fn attach_uploaded(
    mailbox: &Mailbox,
    id: &str,
    mut attachment: super::store::Attachment,
    now: i64,
) -> Result<String, GraphError> {
    let mut contents = mailbox.lock();
    let index = contents
        .message(id)
        .ok_or_else(GraphError::item_not_found)?;
    attachment.id = attachment_id();
    let new_id = attachment.id.clone();
    let m = &mut contents.messages[index];
    m.attachments.push(attachment);
    m.modified = now;
    m.change += 1;
    contents.touch(index);
    Ok(new_id)
}

/// `POST /users/{u}/messages/{id}/move` (reference §4.7).
pub fn move_message(
    mailbox: &Mailbox,
    id: &str,
    destination: &str,
    now: i64,
) -> Result<(Message, String), GraphError> {
    let mut contents = mailbox.lock();
    let index = contents
        .message(id)
        .ok_or_else(GraphError::item_not_found)?;
    let folder = contents
        .folder(destination)
        .ok_or_else(GraphError::item_not_found)?;
    contents.relocate(mailbox.index, index, folder);
    let m = &mut contents.messages[index];
    m.modified = now;
    let moved = m.clone();
    Ok((moved, contents.folders[folder].id.clone()))
}

/// `PATCH /users/{u}/messages/{id}` (reference §4.6): read state,
/// categories and importance always; content only while a draft.
pub fn update_message(
    mailbox: &Mailbox,
    id: &str,
    out: Outgoing,
    now: i64,
) -> Result<(Message, String), GraphError> {
    let mut contents = mailbox.lock();
    let index = contents
        .message(id)
        .ok_or_else(GraphError::item_not_found)?;
    let m = &mut contents.messages[index];
    let touches_content = out.subject.is_some()
        || out.body.is_some()
        || out.to.is_some()
        || out.cc.is_some()
        || out.bcc.is_some()
        || out.reply_to.is_some()
        || out.from.is_some()
        || !out.attachments.is_empty();
    if touches_content && !m.is_draft {
        return Err(GraphError::bad_request(
            "This property can't be changed for a message that has been sent.",
        )
        .with_code("ErrorInvalidPropertyUpdateSentMessage"));
    }
    if let Some(read) = out.is_read {
        m.is_read = read;
    }
    apply(m, out);
    m.modified = now;
    m.change += 1;
    contents.touch(index);
    let updated = contents.messages[index].clone();
    let folder_id = contents
        .folders
        .get(updated.folder)
        .map(|f| f.id.clone())
        .unwrap_or_default();
    Ok((updated, folder_id))
}

/// Files a copy in the Inbox of every recipient mailbox the sandbox holds.
fn deliver(state: &GraphState, sender: &Mailbox, m: &Message, saved: bool, now: i64) {
    let recipients: Vec<&Address> = m.to.iter().chain(&m.cc).chain(&m.bcc).collect();
    let (held, external) = split_recipients(&state.store, &recipients);
    for mailbox in &held {
        let mut copy = m.clone();
        copy.bcc.clear();
        copy.is_read = false;
        copy.is_draft = false;
        copy.received = now;
        copy.created = now;
        copy.modified = now;
        copy.change = 1;
        copy.conversation_id.clear();
        let mut contents = mailbox.lock();
        copy.folder = contents.well_known("inbox");
        contents.insert(mailbox.index, copy);
    }
    let list = |l: &[Address]| l.iter().map(|a| a.address.clone()).collect::<Vec<_>>();
    let delivery = Delivery {
        at: iso(now),
        mailbox: sender.address.clone(),
        from: m
            .from
            .as_ref()
            .map(|a| a.address.clone())
            .unwrap_or_default(),
        subject: m.subject.clone(),
        to: list(&m.to),
        cc: list(&m.cc),
        bcc: list(&m.bcc),
        delivered_to: held.iter().map(|mb| mb.address.clone()).collect(),
        external,
        saved_to_sent_items: saved,
        internet_message_id: m.internet_message_id.clone(),
        attachments: m.attachments.len(),
    };
    let mut deliveries = state.deliveries.lock().unwrap_or_else(|e| e.into_inner());
    if deliveries.len() >= MAX_DELIVERIES {
        deliveries.remove(0);
    }
    deliveries.push(delivery);
}

//! The Graph resources graphmail reads and writes (reference §4), decoded
//! leniently: a missing or `null` field becomes `None` or empty, never an
//! error, because the shape of service data is not ours to guarantee.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailFolder {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub child_folder_count: Option<u64>,
    #[serde(default)]
    pub total_item_count: Option<u64>,
    #[serde(default)]
    pub unread_item_count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailAddress {
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default, deserialize_with = "null_as_default")]
    pub email_address: EmailAddress,
}

impl Recipient {
    pub fn address(&self) -> Option<&str> {
        self.email_address.address.as_deref()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub from: Option<Recipient>,
    #[serde(default)]
    pub sender: Option<Recipient>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub to_recipients: Vec<Recipient>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub cc_recipients: Vec<Recipient>,
    #[serde(default)]
    pub received_date_time: Option<String>,
    #[serde(default)]
    pub sent_date_time: Option<String>,
    #[serde(default)]
    pub is_read: Option<bool>,
    #[serde(default)]
    pub is_draft: Option<bool>,
    #[serde(default)]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub internet_message_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub body_preview: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub categories: Vec<String>,
}

impl Message {
    /// The `from` address, if any.
    pub fn from_address(&self) -> Option<&str> {
        self.from.as_ref().and_then(Recipient::address)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyType {
    #[default]
    Text,
    Html,
}

/// A message to send or to save as a draft.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutgoingMessage {
    pub subject: String,
    pub body: String,
    pub body_type: BodyType,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// `from`: only when it differs from the mailbox in the URL (an alias).
    pub from: Option<String>,
    /// Extra `x-` headers.
    pub headers: Vec<(String, String)>,
    /// Inline file attachments (each under 3 MB: reference §4.8).
    pub attachments: Vec<FileAttachment>,
}

/// A file sent inline as a `#microsoft.graph.fileAttachment`.
#[derive(Clone, Default, PartialEq)]
pub struct FileAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl FileAttachment {
    /// The `#microsoft.graph.fileAttachment` JSON, content in base64.
    pub fn to_json(&self) -> Value {
        use base64::Engine;
        json!({
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": self.name,
            "contentType": self.content_type,
            "contentBytes": base64::engine::general_purpose::STANDARD.encode(&self.bytes),
        })
    }

    /// Bytes this attachment adds to a request body, without encoding it:
    /// base64 grows the content by 4/3, JSON escaping can at most double
    /// the name (6× for control characters, counted as such).
    pub fn request_bytes(&self) -> u64 {
        let base64 = (self.bytes.len() as u64).div_ceil(3) * 4;
        let text = |s: &str| {
            s.chars()
                .map(|c| if c < ' ' { 6 } else { c.len_utf8() as u64 * 2 })
                .sum::<u64>()
        };
        base64 + text(&self.name) + text(&self.content_type) + 128
    }
}

impl OutgoingMessage {
    /// Bytes of the JSON body of a `sendMail` (or draft) request carrying
    /// this message, attachments counted by [`FileAttachment::request_bytes`]
    /// (an upper bound), the rest serialized.
    pub fn request_bytes(&self) -> u64 {
        let bare = self.clone_without_attachments();
        let envelope = serde_json::json!({"message": bare.to_json(), "saveToSentItems": true});
        let base = serde_json::to_vec(&envelope)
            .map(|v| v.len() as u64)
            .unwrap_or(u64::MAX / 2);
        base + self
            .attachments
            .iter()
            .map(FileAttachment::request_bytes)
            .sum::<u64>()
            + 32
    }

    fn clone_without_attachments(&self) -> OutgoingMessage {
        OutgoingMessage {
            subject: self.subject.clone(),
            body: self.body.clone(),
            body_type: self.body_type,
            to: self.to.clone(),
            cc: self.cc.clone(),
            bcc: self.bcc.clone(),
            from: self.from.clone(),
            headers: self.headers.clone(),
            attachments: Vec::new(),
        }
    }
}

impl std::fmt::Debug for FileAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileAttachment")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

fn recipients(addresses: &[String]) -> Value {
    Value::Array(
        addresses
            .iter()
            .map(|a| json!({"emailAddress": {"address": a}}))
            .collect(),
    )
}

impl OutgoingMessage {
    /// The Graph `message` JSON (reference §4.8).
    pub fn to_json(&self) -> Value {
        let mut message = json!({
            "subject": self.subject,
            "body": {
                "contentType": match self.body_type { BodyType::Text => "Text", BodyType::Html => "HTML" },
                "content": self.body,
            },
            "toRecipients": recipients(&self.to),
        });
        if let Some(object) = message.as_object_mut() {
            if !self.cc.is_empty() {
                object.insert("ccRecipients".into(), recipients(&self.cc));
            }
            if !self.bcc.is_empty() {
                object.insert("bccRecipients".into(), recipients(&self.bcc));
            }
            if let Some(from) = &self.from {
                object.insert("from".into(), json!({"emailAddress": {"address": from}}));
            }
            if !self.headers.is_empty() {
                let headers = self
                    .headers
                    .iter()
                    .map(|(n, v)| json!({"name": n, "value": v}))
                    .collect();
                object.insert("internetMessageHeaders".into(), Value::Array(headers));
            }
            if !self.attachments.is_empty() {
                let attachments = self
                    .attachments
                    .iter()
                    .map(FileAttachment::to_json)
                    .collect();
                object.insert("attachments".into(), Value::Array(attachments));
            }
        }
        message
    }
}

/// One page of a collection (its nextLink: [`PageLink`]).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub value: Vec<T>,
}

/// Only a page's `@odata.nextLink`, its items skipped over unread, so the
/// next request can leave before the page is decoded.
#[derive(Debug, Deserialize)]
pub(crate) struct PageLink {
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

/// The v1.0 well-known folder names (reference §4.2).
pub const WELL_KNOWN_FOLDERS: &[&str] = &[
    "inbox",
    "drafts",
    "sentitems",
    "deleteditems",
    "junkemail",
    "outbox",
    "archive",
    "msgfolderroot",
    "clutter",
    "conflicts",
    "conversationhistory",
    "localfailures",
    "serverfailures",
    "syncissues",
    "recoverableitemsdeletions",
    "scheduled",
    "searchfolders",
];

/// The well-known name `segment` stands for, compared case-insensitively.
pub fn well_known_folder(segment: &str) -> Option<&'static str> {
    WELL_KNOWN_FOLDERS
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(segment.trim()))
}

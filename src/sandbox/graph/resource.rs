//! How mailFolder and message resources look on the wire (Graph v1.0,
//! reference §4.2, §4.4), and their property values for `$filter` and
//! `$orderby`.
//!
//! A message is rendered with the ID kind the caller asked for
//! (`Prefer: IdType="ImmutableId"`), its body as HTML unless
//! `Prefer: outlook.body-content-type="text"`, and without body or preview
//! when the token holds only Mail.ReadBasic (reference §4.1).

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use super::query::{Record, Val};
use super::store::{Address, Contents, Folder, Message};

/// How the caller wants messages rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    pub immutable_ids: bool,
    pub text_body: bool,
    pub basic_only: bool,
}

pub fn iso(secs: i64) -> String {
    Iso(secs).to_string()
}

/// [`iso`] as `Display`, so a page of messages writes its dates straight
/// into the answer (`collect_str`) instead of a string each.
struct Iso(i64);

impl std::fmt::Display for Iso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = chrono::DateTime::from_timestamp(self.0, 0).unwrap_or_default();
        // Written by hand in the common case: `format` reads its pattern
        // anew on every call, thousands of times for a page of messages.
        if (0..=9999).contains(&t.year()) {
            write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        } else {
            write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ"))
        }
    }
}

/// Serialises through `Display` (`collect_str`): no string in between.
struct Shown<T>(T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A message's change key, `CQAAABYAAAD` and two hex counters.
struct ChangeKey(u64, u64);

impl std::fmt::Display for ChangeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CQAAABYAAAD{:08x}{:08x}", self.0, self.1)
    }
}

/// The `@odata.etag` of a change key: `W/"..."`.
struct Etag(ChangeKey);

impl std::fmt::Display for Etag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "W/\"{}\"", self.0)
    }
}

/// A message as `$filter` and `$orderby` see it.
pub struct MessageRecord<'a> {
    pub message: &'a Message,
    pub folder_id: &'a str,
    pub view: View,
}

impl<'a> MessageRecord<'a> {
    fn id(&self) -> &str {
        if self.view.immutable_ids {
            &self.message.immutable_id
        } else {
            &self.message.rest_id
        }
    }

    /// The message as the answer shows it.
    pub fn to_json(&self, shape: &Shape) -> MessageJson<'a> {
        shape.json(self.message, self.folder_id)
    }
}

fn millis(secs: i64) -> Val<'static> {
    Val::Date(secs.saturating_mul(1000))
}

fn address_part<'a>(address: &'a Option<Address>, name: bool) -> Val<'a> {
    match address {
        Some(a) if name => Val::Str(Cow::Borrowed(a.name.as_deref().unwrap_or(&a.address))),
        Some(a) => Val::Str(Cow::Borrowed(&a.address)),
        None => Val::Null,
    }
}

impl Record for MessageRecord<'_> {
    fn value(&self, property: &str) -> Val<'_> {
        let m = self.message;
        match property {
            "id" => Val::Str(Cow::Borrowed(self.id())),
            "createdDateTime" => millis(m.created),
            "lastModifiedDateTime" => millis(m.modified),
            "receivedDateTime" => millis(m.received),
            "sentDateTime" => m.sent.map(millis).unwrap_or(Val::Null),
            "hasAttachments" => Val::Bool(!m.attachments.is_empty()),
            "internetMessageId" => Val::Str(Cow::Borrowed(&m.internet_message_id)),
            "subject" => Val::Str(Cow::Borrowed(&m.subject)),
            "bodyPreview" => Val::Str(Cow::Owned(preview(m))),
            "importance" => Val::Str(Cow::Borrowed(&m.importance)),
            "parentFolderId" => Val::Str(Cow::Borrowed(self.folder_id)),
            "conversationId" => Val::Str(Cow::Borrowed(&m.conversation_id)),
            "isRead" => Val::Bool(m.is_read),
            "isDraft" => Val::Bool(m.is_draft),
            "isDeliveryReceiptRequested" | "isReadReceiptRequested" => Val::Bool(false),
            "inferenceClassification" => Val::Str(Cow::Borrowed("focused")),
            "from/emailAddress/address" => address_part(&m.from, false),
            "from/emailAddress/name" => address_part(&m.from, true),
            "sender/emailAddress/address" => address_part(&m.sender, false),
            "sender/emailAddress/name" => address_part(&m.sender, true),
            "flag/flagStatus" => Val::Str(Cow::Borrowed(
                m.flag["flagStatus"].as_str().unwrap_or("notFlagged"),
            )),
            _ => Val::Null,
        }
    }
}

/// A mailFolder as `$filter` sees it.
pub struct FolderRecord<'a> {
    pub folder: &'a Folder,
    pub parent_id: &'a str,
    pub children: usize,
    pub total: usize,
    pub unread: usize,
}

impl Record for FolderRecord<'_> {
    fn value(&self, property: &str) -> Val<'_> {
        match property {
            "id" => Val::Str(Cow::Borrowed(&self.folder.id)),
            "displayName" => Val::Str(Cow::Borrowed(&self.folder.display_name)),
            "parentFolderId" => Val::Str(Cow::Borrowed(self.parent_id)),
            "childFolderCount" => Val::Int(self.children as i64),
            "unreadItemCount" => Val::Int(self.unread as i64),
            "totalItemCount" => Val::Int(self.total as i64),
            "isHidden" => Val::Bool(self.folder.hidden),
            _ => Val::Null,
        }
    }
}

impl FolderRecord<'_> {
    pub fn to_json(&self, select: Option<&[&'static str]>) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.folder.id));
        map.insert("displayName".into(), json!(self.folder.display_name));
        map.insert("parentFolderId".into(), json!(self.parent_id));
        map.insert("childFolderCount".into(), json!(self.children));
        map.insert("unreadItemCount".into(), json!(self.unread));
        map.insert("totalItemCount".into(), json!(self.total));
        map.insert("isHidden".into(), json!(self.folder.hidden));
        if let Some(select) = select {
            map.retain(|k, _| k == "id" || select.contains(&k.as_str()));
        }
        Value::Object(map)
    }
}

/// The ID of the root folder's parent (the mailbox's non-IPM subtree).
pub fn root_parent_id(contents: &Contents) -> String {
    format!(
        "{}AAA=",
        contents
            .folders
            .first()
            .map(|f| f.id.as_str())
            .unwrap_or("")
    )
}

/// Renders the folder at `index` with its counts.
pub fn folder_record<'a>(
    contents: &'a Contents,
    index: usize,
    counts: &[(usize, usize)],
    root_parent: &'a str,
) -> Option<FolderRecord<'a>> {
    let folder = contents.folders.get(index)?;
    let parent_id = match folder.parent.and_then(|p| contents.folders.get(p)) {
        Some(p) => p.id.as_str(),
        None => root_parent,
    };
    let (total, unread) = counts.get(index).copied().unwrap_or((0, 0));
    Some(FolderRecord {
        folder,
        parent_id,
        children: contents.children(index).count(),
        total,
        unread,
    })
}

/// The message body as plain text.
fn text_of(m: &Message) -> String {
    if m.body_html {
        strip_tags(&m.body)
    } else {
        m.body.clone()
    }
}

fn preview(m: &Message) -> String {
    let text = text_of(m);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>\r\n")
}

/// Renders a message as Graph does; `select` keeps only those properties
/// (plus `id` and `@odata.etag`, which Graph always returns).
pub fn message_json(
    m: &Message,
    folder_id: &str,
    view: View,
    select: Option<&[&'static str]>,
) -> Value {
    // A map with string keys always converts.
    serde_json::to_value(Shape::new(view, select).json(m, folder_id)).unwrap_or_default()
}

/// A message's properties by name, as a `serde_json::Map` orders them, so
/// that what [`MessageJson`] writes is byte for byte [`message_json`].
const PROPERTIES: [&str; 30] = [
    "@odata.etag",
    "bccRecipients",
    "body",
    "bodyPreview",
    "categories",
    "ccRecipients",
    "changeKey",
    "conversationId",
    "createdDateTime",
    "flag",
    "from",
    "hasAttachments",
    "id",
    "importance",
    "inferenceClassification",
    "internetMessageId",
    "isDeliveryReceiptRequested",
    "isDraft",
    "isRead",
    "isReadReceiptRequested",
    "lastModifiedDateTime",
    "parentFolderId",
    "receivedDateTime",
    "replyTo",
    "sender",
    "sentDateTime",
    "subject",
    "toRecipients",
    "uniqueBody",
    "webLink",
];

/// Which properties, and how, an answer renders its messages with: worked
/// out once per request, not once per message.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    view: View,
    /// Bit `i`: [`PROPERTIES`]`[i]` is in the answer.
    wanted: u32,
}

impl Shape {
    /// Every property but `uniqueBody` unless `select` names some (then
    /// those, `id` and `@odata.etag`), never body or preview under
    /// Mail.ReadBasic (reference §4.1).
    pub fn new(view: View, select: Option<&[&'static str]>) -> Shape {
        let wants = |name: &str| {
            if view.basic_only && matches!(name, "body" | "uniqueBody" | "bodyPreview") {
                return false;
            }
            match select {
                None => name != "uniqueBody",
                Some(select) => name == "id" || name == "@odata.etag" || select.contains(&name),
            }
        };
        let wanted = PROPERTIES
            .iter()
            .enumerate()
            .filter(|(_, name)| wants(name))
            .fold(0, |mask, (i, _)| mask | 1 << i);
        Shape { view, wanted }
    }

    pub fn json<'a>(&self, m: &'a Message, folder_id: &'a str) -> MessageJson<'a> {
        MessageJson {
            m,
            folder_id,
            shape: *self,
        }
    }
}

/// A message as Graph renders it, written straight to JSON: a page of
/// 1,000 messages costs only the properties `$select` names, with no
/// `Value` tree in between.
pub struct MessageJson<'a> {
    m: &'a Message,
    folder_id: &'a str,
    shape: Shape,
}

impl<'a> MessageJson<'a> {
    fn id(&self) -> &'a str {
        if self.shape.view.immutable_ids {
            &self.m.immutable_id
        } else {
            &self.m.rest_id
        }
    }

    fn change_key(&self) -> ChangeKey {
        ChangeKey(self.m.seq, self.m.change)
    }

    fn body(&self) -> BodyJson<'a> {
        let m = self.m;
        if self.shape.view.text_body {
            BodyJson {
                content_type: "text",
                content: Cow::Owned(text_of(m)),
            }
        } else if m.body_html {
            BodyJson {
                content_type: "html",
                content: Cow::Borrowed(&m.body),
            }
        } else {
            BodyJson {
                content_type: "html",
                content: Cow::Owned(format!(
                    "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{}</body></html>",
                    escape_html(&m.body)
                )),
            }
        }
    }

    /// Writes property `name` (one of [`PROPERTIES`]).
    fn entry<M: SerializeMap>(&self, map: &mut M, name: &'static str) -> Result<(), M::Error> {
        let m = self.m;
        match name {
            "@odata.etag" => map.serialize_entry(name, &Shown(Etag(self.change_key()))),
            "bccRecipients" => map.serialize_entry(name, &RecipientsJson(&m.bcc)),
            "body" | "uniqueBody" => map.serialize_entry(name, &self.body()),
            "bodyPreview" => map.serialize_entry(name, &preview(m)),
            "categories" => map.serialize_entry(name, &m.categories),
            "ccRecipients" => map.serialize_entry(name, &RecipientsJson(&m.cc)),
            "changeKey" => map.serialize_entry(name, &Shown(self.change_key())),
            "conversationId" => map.serialize_entry(name, &m.conversation_id),
            "createdDateTime" => map.serialize_entry(name, &Shown(Iso(m.created))),
            "flag" => map.serialize_entry(name, &m.flag),
            "from" => map.serialize_entry(name, &m.from.as_ref().map(RecipientJson)),
            "hasAttachments" => map.serialize_entry(name, &!m.attachments.is_empty()),
            "id" => map.serialize_entry(name, self.id()),
            "importance" => map.serialize_entry(name, &m.importance),
            "inferenceClassification" => map.serialize_entry(name, "focused"),
            "internetMessageId" => map.serialize_entry(name, &m.internet_message_id),
            "isDeliveryReceiptRequested" | "isReadReceiptRequested" => {
                map.serialize_entry(name, &false)
            }
            "isDraft" => map.serialize_entry(name, &m.is_draft),
            "isRead" => map.serialize_entry(name, &m.is_read),
            "lastModifiedDateTime" => map.serialize_entry(name, &Shown(Iso(m.modified))),
            "parentFolderId" => map.serialize_entry(name, self.folder_id),
            "receivedDateTime" => map.serialize_entry(name, &Shown(Iso(m.received))),
            "replyTo" => map.serialize_entry(name, &RecipientsJson(&m.reply_to)),
            "sender" => map.serialize_entry(name, &m.sender.as_ref().map(RecipientJson)),
            "sentDateTime" => map.serialize_entry(name, &m.sent.map(|s| Shown(Iso(s)))),
            "subject" => map.serialize_entry(name, &m.subject),
            "toRecipients" => map.serialize_entry(name, &RecipientsJson(&m.to)),
            "webLink" => map.serialize_entry(
                name,
                &format!(
                    "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
                    url::form_urlencoded::byte_serialize(self.id().as_bytes()).collect::<String>()
                ),
            ),
            _ => Ok(()),
        }
    }
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.shape.wanted.count_ones() as usize))?;
        for (i, name) in PROPERTIES.iter().enumerate() {
            if self.shape.wanted & (1 << i) != 0 {
                self.entry(&mut map, name)?;
            }
        }
        map.end()
    }
}

/// `{"content": ..., "contentType": ...}`.
struct BodyJson<'a> {
    content_type: &'static str,
    content: Cow<'a, str>,
}

impl Serialize for BodyJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("content", &self.content)?;
        map.serialize_entry("contentType", self.content_type)?;
        map.end()
    }
}

/// `{"emailAddress": {"address": ..., "name": ...}}`, the name falling
/// back to the address.
struct RecipientJson<'a>(&'a Address);

impl Serialize for RecipientJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct EmailAddressJson<'a>(&'a Address);
        impl Serialize for EmailAddressJson<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let a = self.0;
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("address", &a.address)?;
                map.serialize_entry("name", a.name.as_deref().unwrap_or(&a.address))?;
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("emailAddress", &EmailAddressJson(self.0))?;
        map.end()
    }
}

struct RecipientsJson<'a>(&'a [Address]);

impl Serialize for RecipientsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(RecipientJson))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bodies_become_html_unless_text_is_preferred() {
        let mut m = Message::blank(0);
        m.body = "a < b\nnext".into();
        let html = message_json(&m, "f", View::default(), None);
        assert_eq!(html["body"]["contentType"], "html");
        assert!(
            html["body"]["content"]
                .as_str()
                .unwrap_or("")
                .contains("a &lt; b<br>")
        );
        let text = message_json(
            &m,
            "f",
            View {
                text_body: true,
                ..View::default()
            },
            None,
        );
        assert_eq!(text["body"]["content"], "a < b\nnext");
        let basic = message_json(
            &m,
            "f",
            View {
                basic_only: true,
                ..View::default()
            },
            None,
        );
        assert!(basic.get("body").is_none() && basic.get("bodyPreview").is_none());
    }

    #[test]
    fn select_keeps_id_and_etag() {
        let m = Message::blank(0);
        let v = message_json(&m, "f", View::default(), Some(&["subject"]));
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert!(
            v.get("@odata.etag").is_some() && v.get("id").is_some() && v.get("subject").is_some()
        );
    }

    /// The bytes written straight must be those of the `Value`, whose map
    /// orders properties by name: a property out of place shows here.
    fn written_as_the_value_would_be(m: &Message) {
        let views = [
            View::default(),
            View {
                immutable_ids: true,
                ..View::default()
            },
            View {
                text_body: true,
                ..View::default()
            },
            View {
                basic_only: true,
                ..View::default()
            },
        ];
        let selects: [Option<&[&'static str]>; 3] = [
            None,
            Some(&["uniqueBody", "body", "bodyPreview", "subject"]),
            Some(&["webLink", "sender", "flag", "sentDateTime", "categories"]),
        ];
        for view in views {
            for select in selects {
                let written = serde_json::to_string(&Shape::new(view, select).json(m, "f"));
                let value = message_json(m, "f", view, select).to_string();
                assert_eq!(written.ok(), Some(value), "{view:?} {select:?}");
            }
        }
    }

    #[test]
    fn properties_are_in_the_order_of_a_map() {
        assert!(PROPERTIES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        for secs in [
            0,
            951_782_400,
            1_700_000_000,
            4_102_444_799,
            -1,
            253_402_300_800,
        ] {
            let chrono = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(iso(secs), chrono, "{secs}");
        }
    }

    #[test]
    fn messages_are_written_in_the_order_of_their_value() {
        let mut m = Message::blank(1_700_000_000);
        written_as_the_value_would_be(&m);
        m.rest_id = "AAMk/+=x".into();
        m.immutable_id = "imm/1".into();
        m.seq = 42;
        m.change = 7;
        m.subject = "Hi \"there\" \u{e9}".into();
        m.body = "a < b\n<i>x</i> &".into();
        m.from = Some(Address {
            name: Some("Ann".into()),
            address: "ann@x.com".into(),
        });
        m.sender = Some(Address {
            name: None,
            address: "s@x.com".into(),
        });
        m.to = vec![
            Address {
                name: None,
                address: "t@x.com".into(),
            },
            Address {
                name: Some("T2".into()),
                address: "t2@x.com".into(),
            },
        ];
        m.cc = vec![Address {
            name: None,
            address: "c@x.com".into(),
        }];
        m.reply_to = vec![Address {
            name: None,
            address: "r@x.com".into(),
        }];
        m.sent = Some(1_700_000_100);
        m.categories = vec!["Red".into()];
        m.is_read = true;
        written_as_the_value_would_be(&m);
        m.body_html = true;
        m.body = "<p>Hello &amp; bye</p>".into();
        written_as_the_value_would_be(&m);
    }
}

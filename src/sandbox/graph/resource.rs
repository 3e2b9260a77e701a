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
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
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
    pub fn to_json(&self, select: Option<&'a [&'static str]>) -> MessageJson<'a> {
        MessageJson::new(self.message, self.folder_id, self.view, select)
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
    serde_json::to_value(MessageJson::new(m, folder_id, view, select)).unwrap_or_default()
}

/// A message as Graph renders it, written straight to JSON: a page of
/// 1,000 messages costs only the properties `$select` names, with no
/// `Value` tree in between ([`message_json`] is this, as a `Value`).
///
/// Properties come in the order a `serde_json::Map` keeps them (by name),
/// so the bytes are those of [`message_json`]'s `Value`.
pub struct MessageJson<'a> {
    m: &'a Message,
    folder_id: &'a str,
    view: View,
    select: Option<&'a [&'static str]>,
}

impl<'a> MessageJson<'a> {
    pub fn new(
        m: &'a Message,
        folder_id: &'a str,
        view: View,
        select: Option<&'a [&'static str]>,
    ) -> Self {
        MessageJson {
            m,
            folder_id,
            view,
            select,
        }
    }

    /// Whether `name` is in the answer: every property but `uniqueBody`
    /// unless `$select` names some (then those, `id` and `@odata.etag`),
    /// never body or preview under Mail.ReadBasic (reference §4.1).
    fn wants(&self, name: &str) -> bool {
        if self.view.basic_only && matches!(name, "body" | "uniqueBody" | "bodyPreview") {
            return false;
        }
        match self.select {
            None => name != "uniqueBody",
            Some(select) => name == "id" || name == "@odata.etag" || select.contains(&name),
        }
    }

    fn id(&self) -> &'a str {
        if self.view.immutable_ids {
            &self.m.immutable_id
        } else {
            &self.m.rest_id
        }
    }

    fn change_key(&self) -> String {
        format!("CQAAABYAAAD{:08x}{:08x}", self.m.seq, self.m.change)
    }

    fn body(&self) -> BodyJson<'a> {
        let m = self.m;
        if self.view.text_body {
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
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let m = self.m;
        let mut map = serializer.serialize_map(None)?;
        // By name, as `serde_json::Map` orders them (a test checks it).
        if self.wants("@odata.etag") {
            map.serialize_entry("@odata.etag", &format!("W/\"{}\"", self.change_key()))?;
        }
        if self.wants("bccRecipients") {
            map.serialize_entry("bccRecipients", &RecipientsJson(&m.bcc))?;
        }
        if self.wants("body") {
            map.serialize_entry("body", &self.body())?;
        }
        if self.wants("bodyPreview") {
            map.serialize_entry("bodyPreview", &preview(m))?;
        }
        if self.wants("categories") {
            map.serialize_entry("categories", &m.categories)?;
        }
        if self.wants("ccRecipients") {
            map.serialize_entry("ccRecipients", &RecipientsJson(&m.cc))?;
        }
        if self.wants("changeKey") {
            map.serialize_entry("changeKey", &self.change_key())?;
        }
        if self.wants("conversationId") {
            map.serialize_entry("conversationId", &m.conversation_id)?;
        }
        if self.wants("createdDateTime") {
            map.serialize_entry("createdDateTime", &iso(m.created))?;
        }
        if self.wants("flag") {
            map.serialize_entry("flag", &m.flag)?;
        }
        if self.wants("from") {
            map.serialize_entry("from", &m.from.as_ref().map(RecipientJson))?;
        }
        if self.wants("hasAttachments") {
            map.serialize_entry("hasAttachments", &!m.attachments.is_empty())?;
        }
        if self.wants("id") {
            map.serialize_entry("id", self.id())?;
        }
        if self.wants("importance") {
            map.serialize_entry("importance", &m.importance)?;
        }
        if self.wants("inferenceClassification") {
            map.serialize_entry("inferenceClassification", "focused")?;
        }
        if self.wants("internetMessageId") {
            map.serialize_entry("internetMessageId", &m.internet_message_id)?;
        }
        if self.wants("isDeliveryReceiptRequested") {
            map.serialize_entry("isDeliveryReceiptRequested", &false)?;
        }
        if self.wants("isDraft") {
            map.serialize_entry("isDraft", &m.is_draft)?;
        }
        if self.wants("isRead") {
            map.serialize_entry("isRead", &m.is_read)?;
        }
        if self.wants("isReadReceiptRequested") {
            map.serialize_entry("isReadReceiptRequested", &false)?;
        }
        if self.wants("lastModifiedDateTime") {
            map.serialize_entry("lastModifiedDateTime", &iso(m.modified))?;
        }
        if self.wants("parentFolderId") {
            map.serialize_entry("parentFolderId", self.folder_id)?;
        }
        if self.wants("receivedDateTime") {
            map.serialize_entry("receivedDateTime", &iso(m.received))?;
        }
        if self.wants("replyTo") {
            map.serialize_entry("replyTo", &RecipientsJson(&m.reply_to))?;
        }
        if self.wants("sender") {
            map.serialize_entry("sender", &m.sender.as_ref().map(RecipientJson))?;
        }
        if self.wants("sentDateTime") {
            map.serialize_entry("sentDateTime", &m.sent.map(iso))?;
        }
        if self.wants("subject") {
            map.serialize_entry("subject", &m.subject)?;
        }
        if self.wants("toRecipients") {
            map.serialize_entry("toRecipients", &RecipientsJson(&m.to))?;
        }
        if self.wants("uniqueBody") {
            map.serialize_entry("uniqueBody", &self.body())?;
        }
        if self.wants("webLink") {
            map.serialize_entry(
                "webLink",
                &format!(
                    "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
                    url::form_urlencoded::byte_serialize(self.id().as_bytes()).collect::<String>()
                ),
            )?;
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
                let written = serde_json::to_string(&MessageJson::new(m, "f", view, select));
                let value = message_json(m, "f", view, select).to_string();
                assert_eq!(written.ok(), Some(value), "{view:?} {select:?}");
            }
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

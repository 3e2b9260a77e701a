//! How mailFolder and message resources look on the wire (Graph v1.0,
//! reference §4.2, §4.4), and their property values for `$filter` and
//! `$orderby`.
//!
//! A message is rendered with the ID kind the caller asked for
//! (`Prefer: IdType="ImmutableId"`), its body as HTML unless
//! `Prefer: outlook.body-content-type="text"`, and without body or preview
//! when the token holds only Mail.ReadBasic (reference §4.1).

use std::borrow::Cow;

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

impl MessageRecord<'_> {
    fn id(&self) -> &str {
        if self.view.immutable_ids {
            &self.message.immutable_id
        } else {
            &self.message.rest_id
        }
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

fn recipient(a: &Address) -> Value {
    json!({"emailAddress": {"name": a.name.as_deref().unwrap_or(&a.address), "address": a.address}})
}

fn recipients(list: &[Address]) -> Value {
    Value::Array(list.iter().map(recipient).collect())
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
    let id = if view.immutable_ids {
        &m.immutable_id
    } else {
        &m.rest_id
    };
    let change_key = format!("CQAAABYAAAD{:08x}{:08x}", m.seq, m.change);
    let body = if view.text_body {
        json!({"contentType": "text", "content": text_of(m)})
    } else if m.body_html {
        json!({"contentType": "html", "content": m.body})
    } else {
        json!({"contentType": "html", "content": format!(
            "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>{}</body></html>",
            escape_html(&m.body)
        )})
    };
    let mut map = Map::new();
    map.insert("@odata.etag".into(), json!(format!("W/\"{change_key}\"")));
    map.insert("id".into(), json!(id));
    map.insert("createdDateTime".into(), json!(iso(m.created)));
    map.insert("lastModifiedDateTime".into(), json!(iso(m.modified)));
    map.insert("changeKey".into(), json!(change_key));
    map.insert("categories".into(), json!(m.categories));
    map.insert("receivedDateTime".into(), json!(iso(m.received)));
    map.insert(
        "sentDateTime".into(),
        m.sent.map(|s| json!(iso(s))).unwrap_or(Value::Null),
    );
    map.insert("hasAttachments".into(), json!(!m.attachments.is_empty()));
    map.insert("internetMessageId".into(), json!(m.internet_message_id));
    map.insert("subject".into(), json!(m.subject));
    map.insert("bodyPreview".into(), json!(preview(m)));
    map.insert("importance".into(), json!(m.importance));
    map.insert("parentFolderId".into(), json!(folder_id));
    map.insert("conversationId".into(), json!(m.conversation_id));
    map.insert("isDeliveryReceiptRequested".into(), json!(false));
    map.insert("isReadReceiptRequested".into(), json!(false));
    map.insert("isRead".into(), json!(m.is_read));
    map.insert("isDraft".into(), json!(m.is_draft));
    map.insert(
        "webLink".into(),
        json!(format!(
            "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        )),
    );
    map.insert("inferenceClassification".into(), json!("focused"));
    map.insert("body".into(), body.clone());
    map.insert(
        "sender".into(),
        m.sender.as_ref().map(recipient).unwrap_or(Value::Null),
    );
    map.insert(
        "from".into(),
        m.from.as_ref().map(recipient).unwrap_or(Value::Null),
    );
    map.insert("toRecipients".into(), recipients(&m.to));
    map.insert("ccRecipients".into(), recipients(&m.cc));
    map.insert("bccRecipients".into(), recipients(&m.bcc));
    map.insert("replyTo".into(), recipients(&m.reply_to));
    map.insert("flag".into(), m.flag.clone());
    if let Some(select) = select {
        if select.contains(&"uniqueBody") {
            map.insert("uniqueBody".into(), body);
        }
        map.retain(|k, _| k == "id" || k == "@odata.etag" || select.contains(&k.as_str()));
    }
    if view.basic_only {
        // Mail.ReadBasic excludes body, preview and attachments (reference §4.1).
        map.remove("body");
        map.remove("uniqueBody");
        map.remove("bodyPreview");
    }
    Value::Object(map)
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
}

//! Request bodies of the sending and draft endpoints, read the way Graph
//! reads what Microsoft's SDKs send (reference §4.8): camelCase properties
//! (PascalCase from older samples is accepted too), `@odata.type`
//! annotations, optional and `null` fields, `saveToSentItems` as a boolean
//! or as the string `"false"` one doc sample uses, inline `fileAttachment`s
//! under 3 MB, and base64 MIME for `sendMail` with `Content-Type: text/plain`.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value};

use super::errors::GraphError;
use super::store::{Address, Attachment, valid_address};

/// Inline attachments must stay under 3 MB; larger ones need an upload
/// session (reference §4.8 [S12] [S32]).
pub const MAX_INLINE_ATTACHMENTS: usize = 3 * 1024 * 1024;

/// A message as a request describes it (a new mail, a draft, or a draft update).
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub subject: Option<String>,
    pub body: Option<(String, bool)>,
    pub to: Option<Vec<Address>>,
    pub cc: Option<Vec<Address>>,
    pub bcc: Option<Vec<Address>>,
    pub reply_to: Option<Vec<Address>>,
    pub from: Option<Address>,
    pub importance: Option<String>,
    pub categories: Option<Vec<String>>,
    /// `flag` (a `followupFlag`), validated.
    pub flag: Option<Value>,
    pub attachments: Vec<Attachment>,
    pub headers: Vec<(String, String)>,
    pub is_read: Option<bool>,
}

impl Outgoing {
    pub fn recipients(&self) -> Vec<&Address> {
        [&self.to, &self.cc, &self.bcc]
            .into_iter()
            .flatten()
            .flatten()
            .collect()
    }
}

/// `POST /sendMail`.
#[derive(Debug)]
pub struct SendMail {
    pub message: Outgoing,
    pub save_to_sent_items: bool,
}

fn payload_error() -> GraphError {
    GraphError::bad_request(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    )
}

fn parse_json(bytes: &[u8]) -> Result<Map<String, Value>, GraphError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(GraphError::bad_request(
            "Empty Payload. JSON content expected.",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(camel_case_keys(map)),
        _ => Err(payload_error()),
    }
}

/// Lower-cases the first letter of every property name (not annotations).
fn camel_case_keys(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| {
            let key = match k.chars().next() {
                Some(c) if c.is_ascii_uppercase() => {
                    let mut s = c.to_ascii_lowercase().to_string();
                    s.push_str(&k[1..]);
                    s
                }
                _ => k,
            };
            (key, camel_case_value(v))
        })
        .collect()
}

fn camel_case_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(camel_case_keys(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_value).collect()),
        other => other,
    }
}

fn type_error(property: &str, expected: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Invalid value for property '{property}': expected {expected}."
    ))
}

fn string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, GraphError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(type_error(key, "a string")),
    }
}

fn boolean(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, GraphError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        // NOTE: one of Microsoft's own sendMail samples sends "false" as a
        // string (reference §4.8); Graph accepts it, so do we.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(type_error(key, "a boolean")),
    }
}

fn address(value: &Value, property: &str) -> Result<Address, GraphError> {
    let email = value
        .get("emailAddress")
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            type_error(
                property,
                "recipients of the form {\"emailAddress\": {\"address\": ...}}",
            )
        })?;
    let address = email
        .get("address")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if !valid_address(address) {
        return Err(GraphError::invalid_recipients(format!(
            "At least one recipient isn't valid., Recipient '{address}' isn't resolved. All recipients must be resolved before a message can be submitted."
        )));
    }
    Ok(Address {
        name: email
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        address: address.to_owned(),
    })
}

fn addresses(map: &Map<String, Value>, key: &str) -> Result<Option<Vec<Address>>, GraphError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| address(v, key))
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(type_error(key, "an array of recipients")),
    }
}

fn attachment(value: &Value, index: usize) -> Result<Attachment, GraphError> {
    let map = value
        .as_object()
        .ok_or_else(|| type_error("attachments", "objects"))?;
    let kind = map.get("@odata.type").and_then(Value::as_str).unwrap_or("");
    if !kind
        .trim_start_matches('#')
        .eq_ignore_ascii_case("microsoft.graph.fileAttachment")
    {
        return Err(GraphError::bad_request(format!(
            "The sandbox takes only '#microsoft.graph.fileAttachment' attachments (with '@odata.type'), not '{kind}'."
        )));
    }
    let name = string(map, "name")?.unwrap_or_else(|| format!("attachment{}", index + 1));
    let encoded = string(map, "contentBytes")?.unwrap_or_default();
    let bytes = STANDARD
        .decode(encoded.trim())
        .or_else(|_| STANDARD_NO_PAD.decode(encoded.trim()))
        .map_err(|_| {
            GraphError::bad_request(format!(
                "The contentBytes of attachment '{name}' are not valid base64."
            ))
        })?;
    Ok(Attachment {
        id: String::new(),
        name,
        content_type: string(map, "contentType")?
            .unwrap_or_else(|| "application/octet-stream".to_owned()),
        is_inline: boolean(map, "isInline")?.unwrap_or(false),
        content_id: string(map, "contentId")?,
        bytes,
    })
}

/// Reads a message resource from a request's JSON object.
fn message_from(map: &Map<String, Value>) -> Result<Outgoing, GraphError> {
    let body = match map.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::Object(b)) => {
            let content = string(b, "content")?.unwrap_or_default();
            let html = match string(b, "contentType")?
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("text") => false,
                Some("html") => true,
                Some(other) => {
                    return Err(GraphError::bad_request(format!(
                        "Cannot convert the literal '{other}' to the expected type 'microsoft.graph.bodyType'."
                    )));
                }
            };
            Some((content, html))
        }
        Some(_) => return Err(type_error("body", "an itemBody object")),
    };
    let from = match map.get("from") {
        None | Some(Value::Null) => None,
        Some(v) => Some(address(v, "from")?),
    };
    let categories = match map.get("categories") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| type_error("categories", "strings"))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err(type_error("categories", "an array of strings")),
    };
    let importance = match string(map, "importance")? {
        None => None,
        Some(i) => match i.to_ascii_lowercase().as_str() {
            v @ ("low" | "normal" | "high") => Some(v.to_owned()),
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Cannot convert the literal '{i}' to the expected type 'microsoft.graph.importance'."
                )));
            }
        },
    };
    let attachments = match map.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| attachment(v, i))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(type_error("attachments", "an array")),
    };
    let total: usize = attachments.iter().map(|a| a.bytes.len()).sum();
    if total >= MAX_INLINE_ATTACHMENTS {
        // NOTE: Microsoft documents the 3 MB limit of inline attachments but
        // not the exact error; 413 with Graph's error shape is our choice.
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!(
                "Inline attachments must be smaller than 3 MB ({total} bytes given); upload larger files with an upload session."
            ),
        ));
    }
    let flag = match map.get("flag") {
        None | Some(Value::Null) => None,
        Some(Value::Object(f)) => {
            // learn.microsoft.com/graph/api/resources/followupflag: flagStatus
            // is notFlagged, complete or flagged.
            let status = match string(f, "flagStatus")? {
                None => "notFlagged".to_owned(),
                Some(s) => match s.to_ascii_lowercase().as_str() {
                    "notflagged" => "notFlagged".to_owned(),
                    "complete" => "complete".to_owned(),
                    "flagged" => "flagged".to_owned(),
                    _ => {
                        return Err(GraphError::bad_request(format!(
                            "Cannot convert the literal '{s}' to the expected type 'microsoft.graph.followupFlagStatus'."
                        )));
                    }
                },
            };
            let mut stored = f.clone();
            stored.insert("flagStatus".into(), Value::String(status));
            Some(Value::Object(stored))
        }
        Some(_) => return Err(type_error("flag", "a followupFlag object")),
    };
    let mut headers = Vec::new();
    if let Some(Value::Array(items)) = map.get("internetMessageHeaders") {
        for item in items {
            let name = item.get("name").and_then(Value::as_str).unwrap_or("");
            let value = item.get("value").and_then(Value::as_str).unwrap_or("");
            if !name.to_ascii_lowercase().starts_with("x-") {
                return Err(GraphError::bad_request(format!(
                    "The internet message header name '{name}' should start with 'x-' or 'X-'."
                ))
                .with_code("InvalidInternetMessageHeader"));
            }
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(Outgoing {
        subject: string(map, "subject")?,
        body,
        to: addresses(map, "toRecipients")?,
        cc: addresses(map, "ccRecipients")?,
        bcc: addresses(map, "bccRecipients")?,
        reply_to: addresses(map, "replyTo")?,
        from,
        importance,
        categories,
        flag,
        attachments,
        headers,
        is_read: boolean(map, "isRead")?,
    })
}

/// `POST /messages/{id}/attachments`: one `fileAttachment`.
pub fn parse_attachment(bytes: &[u8]) -> Result<Attachment, GraphError> {
    let map = parse_json(bytes)?;
    let attachment = attachment(&Value::Object(map), 0)?;
    if attachment.bytes.len() >= MAX_INLINE_ATTACHMENTS {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Attachments of 3 MB or more need an upload session.",
        ));
    }
    Ok(attachment)
}

/// `POST /messages` (a draft) and `PATCH /messages/{id}`.
pub fn parse_message(bytes: &[u8]) -> Result<Outgoing, GraphError> {
    message_from(&parse_json(bytes)?)
}

/// `POST /sendMail`, as JSON or as base64 MIME (`Content-Type: text/plain`).
pub fn parse_send_mail(bytes: &[u8], content_type: Option<&str>) -> Result<SendMail, GraphError> {
    if content_type.is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("text/plain")) {
        return parse_mime(bytes);
    }
    let map = parse_json(bytes)?;
    let message = match map.get("message") {
        Some(Value::Object(m)) => message_from(m)?,
        _ => {
            return Err(
                GraphError::bad_request("The 'message' parameter is required.")
                    .with_code("ErrorInvalidParameter"),
            );
        }
    };
    Ok(SendMail {
        message,
        save_to_sent_items: boolean(&map, "saveToSentItems")?.unwrap_or(true),
    })
}

/// Base64 MIME (reference §4.8): headers are read, the rest is the body.
fn parse_mime(bytes: &[u8]) -> Result<SendMail, GraphError> {
    let compact: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decoded = STANDARD.decode(&compact).map_err(|_| {
        GraphError::bad_request("Invalid base64 string for MIME content.")
            .with_code("ErrorMimeContentInvalidBase64String")
    })?;
    let text = String::from_utf8_lossy(&decoded).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((text.as_str(), ""));
    let mut message = Outgoing::default();
    let mut html = false;
    // Unfold continuation lines first.
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    for line in unfolded.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "subject" => message.subject = Some(value.to_owned()),
            "from" => message.from = mime_addresses(value)?.into_iter().next(),
            "to" => message.to = Some(mime_addresses(value)?),
            "cc" => message.cc = Some(mime_addresses(value)?),
            "bcc" => message.bcc = Some(mime_addresses(value)?),
            "content-type" => html = value.to_ascii_lowercase().starts_with("text/html"),
            _ => {}
        }
    }
    message.body = Some((body.to_owned(), html));
    Ok(SendMail {
        message,
        save_to_sent_items: true,
    })
}

fn mime_addresses(value: &str) -> Result<Vec<Address>, GraphError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|part| {
            let (name, address) = match (part.find('<'), part.rfind('>')) {
                (Some(open), Some(close)) if open < close => {
                    let name = part[..open].trim().trim_matches('"').trim();
                    (
                        (!name.is_empty()).then(|| name.to_owned()),
                        part[open + 1..close].trim(),
                    )
                }
                _ => (None, part),
            };
            if valid_address(address) {
                Ok(Address {
                    name,
                    address: address.to_owned(),
                })
            } else {
                Err(GraphError::invalid_recipients(format!(
                    "At least one recipient isn't valid., Recipient '{address}' isn't resolved."
                )))
            }
        })
        .collect()
}

/// `POST /messages/{id}/move`.
pub fn parse_destination(bytes: &[u8]) -> Result<String, GraphError> {
    let map = parse_json(bytes)?;
    string(&map, "destinationId")?
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| {
            GraphError::bad_request("The 'destinationId' parameter is required.")
                .with_code("ErrorInvalidParameter")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_shaped_send_mail_is_accepted() {
        let body = br##"{
            "message": {
                "@odata.type": "#microsoft.graph.message",
                "subject": "Hi",
                "body": {"contentType": "HTML", "content": "<b>x</b>"},
                "toRecipients": [{"emailAddress": {"address": "a@b.com"}}],
                "ccRecipients": null,
                "attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt",
                                 "contentType": "text/plain", "contentBytes": "aGVsbG8="}]
            },
            "saveToSentItems": "false"
        }"##;
        let parsed = parse_send_mail(body, Some("application/json")).expect("parses");
        assert!(!parsed.save_to_sent_items);
        assert_eq!(parsed.message.body, Some(("<b>x</b>".to_owned(), true)));
        assert_eq!(parsed.message.attachments[0].bytes, b"hello");
        assert_eq!(parsed.message.recipients().len(), 1);
    }

    #[test]
    fn pascal_case_payloads_from_old_samples_are_accepted() {
        let body = br#"{"Message": {"Subject": "S", "ToRecipients": [{"EmailAddress": {"Address": "a@b.com"}}]}, "SaveToSentItems": true}"#;
        let parsed = parse_send_mail(body, None).expect("parses");
        assert_eq!(parsed.message.subject.as_deref(), Some("S"));
        assert!(parsed.save_to_sent_items);
    }

    #[test]
    fn bad_payloads_get_graph_errors() {
        let code = |b: &[u8]| parse_send_mail(b, None).unwrap_err().code;
        assert_eq!(code(b""), "BadRequest");
        assert_eq!(code(b"{not json"), "BadRequest");
        assert_eq!(code(b"{}"), "ErrorInvalidParameter");
        assert_eq!(
            code(br#"{"message": {"toRecipients": [{"emailAddress": {"address": "nope"}}]}}"#),
            "ErrorInvalidRecipients"
        );
        assert_eq!(
            code(br#"{"message": {}, "saveToSentItems": "maybe"}"#),
            "BadRequest"
        );
        let big = STANDARD.encode(vec![0u8; MAX_INLINE_ATTACHMENTS]);
        let body = format!(
            r##"{{"message": {{"attachments": [{{"@odata.type": "#microsoft.graph.fileAttachment", "name": "big", "contentBytes": "{big}"}}]}}}}"##
        );
        let err = parse_send_mail(body.as_bytes(), None).unwrap_err();
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            parse_send_mail(b"%%%", Some("text/plain"))
                .unwrap_err()
                .code,
            "ErrorMimeContentInvalidBase64String"
        );
    }

    #[test]
    fn mime_messages_are_read() {
        let mime = "From: Ops <noreply@contoso.com>\r\nTo: a@b.com, \"B\" <b@c.com>\r\nSubject: Hello\r\n\r\nBody text";
        let parsed =
            parse_send_mail(STANDARD.encode(mime).as_bytes(), Some("text/plain")).expect("parses");
        assert_eq!(parsed.message.subject.as_deref(), Some("Hello"));
        assert_eq!(parsed.message.to.as_ref().map(Vec::len), Some(2));
        assert_eq!(
            parsed.message.from.map(|a| a.address),
            Some("noreply@contoso.com".to_owned())
        );
    }
}

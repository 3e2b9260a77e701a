//! The sandbox's second pass (issue 13): where it used to be kinder than
//! Microsoft, it now answers as Microsoft does, over HTTP, with real tokens
//! from a whole in-process sandbox. Each test names the Microsoft page or
//! reference section it follows.

use std::time::{Duration, Instant};

use graphmail::sandbox::seed::{APP_GRAPHMAIL, APP_READ_ONLY};
use graphmail::sandbox::{RunningSandbox, Seed, ServeOptions, start};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Sb {
    sb: RunningSandbox,
    http: reqwest::Client,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Sb {
    /// A sandbox from seed text (the built-in tenant and mailboxes unless it declares its own).
    async fn new(seed: &str) -> Sb {
        let seed = Seed::from_toml_str(
            seed,
            std::path::Path::new("seed.toml"),
            std::path::Path::new("."),
        )
        .expect("seed parses");
        let sb = start(ServeOptions {
            seed: Some(seed),
            ..ServeOptions::default()
        })
        .await
        .expect("sandbox starts");
        graphmail::auth::install_tls_provider();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let token = sb
            .sandbox()
            .mint_access_token(APP_GRAPHMAIL, None)
            .expect("token");
        Sb { sb, http, token }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.sb.base_url())
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.call_with(method, path, body, &[]).await
    }

    async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn admin(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.sb.admin_url()))
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("admin JSON")
    }

    async fn admin_put(&self, path: &str, body: Value) -> Value {
        self.http
            .put(format!("{}{path}", self.sb.admin_url()))
            .json(&body)
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("admin JSON")
    }

    async fn draft(&self, mailbox: &str, subject: &str, to: &str, body: &str) -> String {
        let created = self
            .call_with(
                Method::POST,
                &format!("/v1.0/users/{mailbox}/messages"),
                Some(json!({
                    "subject": subject,
                    "body": {"contentType": "Text", "content": body},
                    "toRecipients": [{"emailAddress": {"address": to}}],
                })),
                &[("Prefer", "IdType=\"ImmutableId\"")],
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        created.body["id"].as_str().expect("id").to_owned()
    }

    async fn folder_id(&self, mailbox: &str, name: &str) -> String {
        let f = self
            .get(&format!("/v1.0/users/{mailbox}/mailFolders/{name}"))
            .await;
        assert_eq!(f.status, StatusCode::OK, "{:?}", f.body);
        f.body["id"].as_str().expect("id").to_owned()
    }

    async fn parent_of(&self, mailbox: &str, immutable_id: &str) -> Answer {
        self.call_with(
            Method::GET,
            &format!(
                "/v1.0/users/{mailbox}/messages/{immutable_id}?$select=parentFolderId,isDraft"
            ),
            None,
            &[("Prefer", "IdType=\"ImmutableId\"")],
        )
        .await
    }
}

fn assert_graph_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "{:?}", answer.body);
    assert_eq!(answer.code(), code, "{:?}", answer.body);
}

// ---- DELETE (learn.microsoft.com/graph/api/message-delete) --------------

#[tokio::test]
async fn delete_answers_204_and_moves_to_deleted_items_then_removes() {
    let sb = Sb::new("").await;
    let mailbox = "noreply@contoso.com";
    let id = sb
        .draft(mailbox, "Probe to delete", "adele@contoso.com", "x")
        .await;
    let gone = sb
        .call(
            Method::DELETE,
            &format!("/v1.0/users/{mailbox}/messages/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert_eq!(gone.body, Value::Null, "204 has no body");
    let deleted_items = sb.folder_id(mailbox, "deleteditems").await;
    let now = sb.parent_of(mailbox, &id).await;
    assert_eq!(now.body["parentFolderId"], deleted_items.as_str());
    let drafts = sb.admin(&format!("/mail/mailboxes/{mailbox}")).await;
    assert!(
        !drafts["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "Probe to delete" && m["folder"] == "Drafts"),
        "no longer in Drafts"
    );
    // Deleting from Deleted Items removes it for good.
    let again = sb
        .call(
            Method::DELETE,
            &format!("/v1.0/users/{mailbox}/messages/{id}"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_graph_error(&sb.parent_of(mailbox, &id).await, 404, "ErrorItemNotFound");
    assert_graph_error(
        &sb.call(
            Method::DELETE,
            &format!("/v1.0/users/{mailbox}/messages/{id}"),
            None,
        )
        .await,
        404,
        "ErrorItemNotFound",
    );
    // Deleting needs Mail.ReadWrite.
    let other = sb.draft(mailbox, "Kept", "adele@contoso.com", "x").await;
    let read_only = sb
        .sb
        .sandbox()
        .mint_access_token(APP_READ_ONLY, None)
        .expect("token");
    let refused = sb
        .send(
            sb.http
                .delete(sb.url(&format!("/v1.0/users/{mailbox}/messages/{other}")))
                .bearer_auth(read_only),
        )
        .await;
    assert_graph_error(&refused, 403, "ErrorAccessDenied");
}

// ---- Sent Items copy (learn.microsoft.com/graph/outlook-immutable-id) ---

#[tokio::test]
async fn the_sent_items_copy_lands_after_the_seeded_delay() {
    // Default: one second.
    let sb = Sb::new("").await;
    let mailbox = "noreply@contoso.com";
    let sent = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/sendMail"),
            Some(json!({"message": {
                "subject": "Delayed copy",
                "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
            }})),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    let started = Instant::now();
    let in_sent = |list: &Answer| {
        list.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["subject"] == "Delayed copy")
    };
    let path = format!("/v1.0/users/{mailbox}/mailFolders/sentitems/messages?$select=subject");
    assert!(
        !in_sent(&sb.get(&path).await),
        "not there right after the 202"
    );
    assert_eq!(sb.admin("/mail/pending").await["pending"][mailbox], 1);
    // The recipient has it at once (delivery is not what is delayed).
    let adele = sb.admin("/mail/mailboxes/adele@contoso.com").await;
    assert!(adele["messages"].to_string().contains("Delayed copy"));
    loop {
        if in_sent(&sb.get(&path).await) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the copy never landed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "landed after {waited:?}"
    );

    // A sent draft waits in the Outbox, then moves to Sent Items with the same immutable ID.
    let id = sb
        .draft(mailbox, "Delayed draft", "adele@contoso.com", "x")
        .await;
    let send = sb
        .call_with(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/messages/{id}/send"),
            None,
            &[("Content-Length", "0")],
        )
        .await;
    assert_eq!(send.status, StatusCode::ACCEPTED, "{:?}", send.body);
    let outbox = sb.folder_id(mailbox, "outbox").await;
    let sent_items = sb.folder_id(mailbox, "sentitems").await;
    let first = sb.parent_of(mailbox, &id).await;
    assert_eq!(first.body["parentFolderId"], outbox.as_str());
    assert_eq!(first.body["isDraft"], false);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        sb.parent_of(mailbox, &id).await.body["parentFolderId"],
        sent_items.as_str()
    );

    // A seed (or the admin endpoint) sets the delay; 0 files it at once.
    let limits = sb
        .admin_put("/mail/limits", json!({"sent_items_delay_ms": 0}))
        .await;
    assert_eq!(limits["sent_items_delay_ms"], 0);
    let id = sb.draft(mailbox, "At once", "adele@contoso.com", "x").await;
    sb.call_with(
        Method::POST,
        &format!("/v1.0/users/{mailbox}/messages/{id}/send"),
        None,
        &[("Content-Length", "0")],
    )
    .await;
    assert_eq!(
        sb.parent_of(mailbox, &id).await.body["parentFolderId"],
        sent_items.as_str()
    );
}

#[tokio::test]
async fn send_without_content_length_is_refused_with_411() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sb = Sb::new("[mail_limits]\nsent_items_delay_ms = 0").await;
    let mailbox = "noreply@contoso.com";
    let id = sb
        .draft(mailbox, "No length", "adele@contoso.com", "x")
        .await;
    let address = sb.sb.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "POST /v1.0/users/{mailbox}/messages/{id}/send HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        sb.token
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(answer.contains("Content-Length: 0"), "{answer}");
    // With the header, as documented, it goes.
    let ok = sb
        .call_with(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/messages/{id}/send"),
            None,
            &[("Content-Length", "0")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{:?}", ok.body);
}

// ---- Request size (reference §4.1) ----------------------------------------

#[tokio::test]
async fn requests_over_4_mb_are_refused_whole_not_just_their_attachments() {
    use base64::Engine;
    let sb = Sb::new("[mail_limits]\nsent_items_delay_ms = 0").await;
    let mailbox = "noreply@contoso.com";
    let file = vec![b'a'; 2_900 * 1024];
    let encoded = base64::engine::general_purpose::STANDARD.encode(&file);
    let message = |body: &str| {
        json!({"message": {
            "subject": "Big",
            "body": {"contentType": "Text", "content": body},
            "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
            "attachments": [{
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "report.bin",
                "contentBytes": encoded,
            }],
        }})
    };
    // 2.9 MB attachment alone: under 3 MB, and its base64 fits in 4 MB.
    let small = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/sendMail"),
            Some(message("hi")),
        )
        .await;
    assert_eq!(small.status, StatusCode::ACCEPTED, "{:?}", small.body);
    // The same attachment with a 300 KB body: the request passes 4 MB.
    let body = "x".repeat(300 * 1024);
    let big = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/sendMail"),
            Some(message(&body)),
        )
        .await;
    assert_graph_error(&big, 413, "RequestEntityTooLarge");
    assert_eq!(
        big.body["error"]["message"],
        "The maximum request length supported is 4MB."
    );
    // A draft body alone over the limit too.
    let huge = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/messages"),
            Some(json!({"subject": "s", "body": {"contentType": "Text", "content": "y".repeat(4 * 1024 * 1024)}})),
        )
        .await;
    assert_graph_error(&huge, 413, "RequestEntityTooLarge");
    // A draft with the body, then the attachment on its own POST, fits.
    let id = sb.draft(mailbox, "Split", "adele@contoso.com", &body).await;
    let attached = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/{mailbox}/messages/{id}/attachments"),
            Some(json!({
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "report.bin",
                "contentBytes": encoded,
            })),
        )
        .await;
    assert_eq!(attached.status, StatusCode::CREATED, "{:?}", attached.body);
    assert_eq!(attached.body["size"], 2_900 * 1024);
}

// ---- Well-known folders (learn.microsoft.com/graph/api/resources/mailfolder)

#[tokio::test]
async fn all_seventeen_well_known_folder_names_answer() {
    let sb = Sb::new("").await;
    let names = [
        "archive",
        "clutter",
        "conflicts",
        "conversationhistory",
        "deleteditems",
        "drafts",
        "inbox",
        "junkemail",
        "localfailures",
        "msgfolderroot",
        "outbox",
        "recoverableitemsdeletions",
        "scheduled",
        "searchfolders",
        "sentitems",
        "serverfailures",
        "syncissues",
    ];
    let mut ids = std::collections::HashSet::new();
    for name in names {
        let f = sb
            .get(&format!(
                "/v1.0/users/support@contoso.com/mailFolders/{}",
                name.to_uppercase()
            ))
            .await;
        assert_eq!(f.status, StatusCode::OK, "{name}: {:?}", f.body);
        assert!(
            ids.insert(f.body["id"].as_str().unwrap().to_owned()),
            "{name}"
        );
    }
    let sync_issues = sb.folder_id("support@contoso.com", "syncissues").await;
    let conflicts = sb
        .get("/v1.0/users/support@contoso.com/mailFolders/conflicts")
        .await;
    assert_eq!(conflicts.body["parentFolderId"], sync_issues.as_str());
}

// ---- Outlook's windows (learn.microsoft.com/graph/throttling-limits) -----

#[tokio::test]
async fn the_request_and_upload_windows_throttle_per_app_and_mailbox() {
    let sb = Sb::new(
        "[mail_limits]\nrequests_per_window = 5\nrequest_window_seconds = 2\nupload_bytes_per_window = 3000\nupload_window_seconds = 2",
    )
    .await;
    let path = "/v1.0/users/sales@contoso.com/mailFolders/inbox/messages?$top=1";
    for _ in 0..5 {
        assert_eq!(sb.get(path).await.status, StatusCode::OK);
    }
    let sixth = sb.get(path).await;
    assert_graph_error(&sixth, 429, "ApplicationThrottled");
    assert!(
        sixth.body["error"].get("innerError").is_none(),
        "{:?}",
        sixth.body
    );
    let wait: f64 = sixth.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0.0 && wait <= 2.0, "{wait}");
    // Another mailbox has its own window.
    assert_eq!(
        sb.get("/v1.0/users/support@contoso.com/mailFolders/inbox")
            .await
            .status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_secs_f64(wait + 0.05)).await;
    assert_eq!(
        sb.get(path).await.status,
        StatusCode::OK,
        "after Retry-After"
    );

    // Uploads: 3000 bytes per 2 s; two 2,000-byte drafts do not fit.
    let body = "z".repeat(2000);
    sb.draft("support@contoso.com", "one", "a@b.com", &body)
        .await;
    let second = sb
        .call(
            Method::POST,
            "/v1.0/users/support@contoso.com/messages",
            Some(json!({"subject": "two", "body": {"contentType": "Text", "content": body}})),
        )
        .await;
    assert_graph_error(&second, 429, "ApplicationThrottled");
    assert_eq!(
        second.body["error"]["message"],
        "Application is over its IncomingBytes limit."
    );
}

// ---- PATCH flag (reference §4.6) -------------------------------------------

#[tokio::test]
async fn patching_flag_is_kept_and_filterable() {
    let sb = Sb::new("").await;
    let list = sb
        .get("/v1.0/users/sales@contoso.com/mailFolders/inbox/messages?$select=id&$top=1")
        .await;
    let id = list.body["value"][0]["id"].as_str().unwrap().to_owned();
    let patched = sb
        .call(
            Method::PATCH,
            &format!("/v1.0/users/sales@contoso.com/messages/{id}"),
            Some(json!({"flag": {"flagStatus": "flagged"}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
    assert_eq!(patched.body["flag"]["flagStatus"], "flagged");
    let flagged = sb
        .get("/v1.0/users/sales@contoso.com/messages?$filter=flag/flagStatus eq 'flagged'&$select=id,flag")
        .await;
    assert_eq!(
        flagged.body["value"].as_array().unwrap().len(),
        1,
        "{:?}",
        flagged.body
    );
    assert_eq!(flagged.body["value"][0]["id"], id.as_str());
    let bad = sb
        .call(
            Method::PATCH,
            &format!("/v1.0/users/sales@contoso.com/messages/{id}"),
            Some(json!({"flag": {"flagStatus": "maybe"}})),
        )
        .await;
    assert_graph_error(&bad, 400, "BadRequest");
}

// ---- Upload sessions (learn.microsoft.com/graph/outlook-large-attachments)

const MIB: usize = 1024 * 1024;

async fn create_session(sb: &Sb, mailbox: &str, id: &str, size: usize) -> Answer {
    sb.call(
        Method::POST,
        &format!("/v1.0/users/{mailbox}/messages/{id}/attachments/createUploadSession"),
        Some(
            json!({"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": size}}),
        ),
    )
    .await
}

async fn put_chunk(
    sb: &Sb,
    url: &str,
    data: &[u8],
    start: usize,
    total: usize,
    bearer: bool,
) -> Answer {
    let mut request = sb
        .http
        .put(url)
        .header(
            "Content-Range",
            format!("bytes {start}-{}/{total}", start + data.len() - 1),
        )
        .body(data.to_vec());
    if bearer {
        request = request.bearer_auth(&sb.token);
    }
    sb.send(request).await
}

#[tokio::test]
async fn an_upload_session_takes_ordered_chunks_on_its_own_credential() {
    let sb = Sb::new("[mail_limits]\nsent_items_delay_ms = 0").await;
    let mailbox = "noreply@contoso.com";
    let id = sb
        .draft(
            mailbox,
            "With a big file",
            "adele@contoso.com",
            "see attached",
        )
        .await;
    // Under 3 MB: Exchange wants a plain POST instead.
    let small = create_session(&sb, mailbox, &id, 1000).await;
    assert_graph_error(
        &small,
        400,
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
    );
    // Over 150 MB: no session at all.
    let huge = create_session(&sb, mailbox, &id, 151 * MIB).await;
    assert_graph_error(&huge, 400, "ErrorMessageSizeExceeded");

    let total = 9 * MIB + 123;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let session = create_session(&sb, mailbox, &id, total).await;
    assert_eq!(session.status, StatusCode::CREATED, "{:?}", session.body);
    assert_eq!(session.body["nextExpectedRanges"], json!(["0-"]));
    let url = session.body["uploadUrl"].as_str().unwrap().to_owned();
    assert!(!url.contains("/v1.0/"), "a separate path: {url}");
    assert!(
        url.starts_with("http://localhost:"),
        "another host than Graph's 127.0.0.1, as outlook.office.com is not graph.microsoft.com: {url}"
    );
    assert!(url.contains("authtoken="), "its own credential: {url}");

    // The bearer token is refused there, and so is a URL without its credential.
    let leaked = put_chunk(&sb, &url, &data[..MIB], 0, total, true).await;
    assert_eq!(leaked.status, StatusCode::UNAUTHORIZED);
    assert!(leaked.body["error"].get("innerError").is_none());
    let bare_url = url.split('?').next().unwrap();
    let anonymous = put_chunk(&sb, bare_url, &data[..MIB], 0, total, false).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // Out of order: 416.
    let skipped = put_chunk(&sb, &url, &data[MIB..2 * MIB], MIB, total, false).await;
    assert_eq!(
        skipped.status,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "{:?}",
        skipped.body
    );

    // 4 MiB (Microsoft's advice), then 5 MiB (msgraph-core's size), then the rest.
    let mut at = 0;
    for size in [4 * MIB, 5 * MIB] {
        let answer = put_chunk(&sb, &url, &data[at..at + size], at, total, false).await;
        at += size;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        // Outlook answers a single start, not a range (uploadSession resource page).
        assert_eq!(answer.body["nextExpectedRanges"], json!([at.to_string()]));
    }
    let last = put_chunk(&sb, &url, &data[at..], at, total, false).await;
    assert_eq!(last.status, StatusCode::CREATED, "{:?}", last.body);
    assert!(last.headers.contains_key("location"));

    let sessions = sb.admin("/mail/uploads").await["sessions"].clone();
    let report = &sessions[0];
    assert_eq!(report["chunks"], json!([4 * MIB, 5 * MIB, 123]));
    assert_eq!(report["puts"], 6);
    assert_eq!(report["bearer_refused"], 1);
    assert_eq!(report["state"], "complete");
    assert!(
        !sessions.to_string().contains("authtoken"),
        "no credential on the admin endpoint"
    );

    let attachments = sb
        .get(&format!("/v1.0/users/{mailbox}/messages/{id}/attachments"))
        .await;
    assert_eq!(attachments.body["value"][0]["size"], total);
    // Sent, the recipient gets it whole.
    sb.call_with(
        Method::POST,
        &format!("/v1.0/users/{mailbox}/messages/{id}/send"),
        None,
        &[("Content-Length", "0")],
    )
    .await;
    let adele = sb.admin("/mail/mailboxes/adele@contoso.com").await;
    let copy = adele["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "With a big file")
        .expect("delivered");
    assert_eq!(copy["attachments"][0]["size"], total);
}

#[tokio::test]
async fn an_upload_over_the_mailbox_limit_is_refused_and_a_seed_raises_it() {
    let sb = Sb::new(
        r#"
[mail_limits]
max_message_bytes = 6291456
[[mailboxes]]
address = "small@contoso.com"
[[mailboxes]]
address = "large@contoso.com"
max_message_bytes = 20971520
"#,
    )
    .await;
    let total = 8 * MIB;
    let data = vec![1u8; total];
    for (mailbox, passes) in [("small@contoso.com", false), ("large@contoso.com", true)] {
        let id = sb.draft(mailbox, "Large", "x@fabrikam.com", "body").await;
        let session = create_session(&sb, mailbox, &id, total).await;
        let url = session.body["uploadUrl"].as_str().unwrap().to_owned();
        let first = put_chunk(&sb, &url, &data[..4 * MIB], 0, total, false).await;
        assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
        let second = put_chunk(&sb, &url, &data[4 * MIB..], 4 * MIB, total, false).await;
        if passes {
            assert_eq!(
                second.status,
                StatusCode::CREATED,
                "{mailbox}: {:?}",
                second.body
            );
        } else {
            assert_graph_error(&second, 400, "ErrorMessageSizeExceeded");
            assert_eq!(
                second.body["error"]["message"],
                "The message exceeds the maximum supported size."
            );
        }
    }
    let states: Vec<String> = sb.admin("/mail/uploads").await["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}:{}", s["mailbox"], s["state"]))
        .collect();
    assert!(
        states.contains(&"\"small@contoso.com\":\"refused\"".to_owned()),
        "{states:?}"
    );
}

#[tokio::test]
async fn upload_chunks_count_against_the_15_mb_window() {
    let sb = Sb::new("[mail_limits]\nupload_bytes_per_window = 5242880\nupload_window_seconds = 1")
        .await;
    let mailbox = "noreply@contoso.com";
    let id = sb.draft(mailbox, "Paced", "adele@contoso.com", "x").await;
    let total = 8 * MIB;
    let data = vec![2u8; total];
    let session = create_session(&sb, mailbox, &id, total).await;
    let url = session.body["uploadUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        put_chunk(&sb, &url, &data[..4 * MIB], 0, total, false)
            .await
            .status,
        StatusCode::OK
    );
    let throttled = put_chunk(&sb, &url, &data[4 * MIB..], 4 * MIB, total, false).await;
    assert_graph_error(&throttled, 429, "ApplicationThrottled");
    assert_eq!(
        throttled.body["error"]["message"],
        "Application is over its IncomingBytes limit."
    );
    let wait: f64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_secs_f64(wait + 0.05)).await;
    let done = put_chunk(&sb, &url, &data[4 * MIB..], 4 * MIB, total, false).await;
    assert_eq!(done.status, StatusCode::CREATED, "{:?}", done.body);
    let report = &sb.admin("/mail/uploads").await["sessions"][0];
    assert_eq!(report["throttled"], 1);
    assert_eq!(report["chunks"], json!([4 * MIB, 4 * MIB]));
}

// ---- Delta (learn.microsoft.com/graph/api/message-delta) ------------------

async fn delta_round(sb: &Sb, first: &str, page: usize) -> (Vec<Value>, String, usize) {
    let mut url = first.to_owned();
    let mut items = Vec::new();
    let mut pages = 0;
    let prefer = format!("odata.maxpagesize={page}");
    loop {
        let answer = sb
            .call_with(Method::GET, &url, None, &[("Prefer", prefer.as_str())])
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        assert_eq!(
            answer.headers["preference-applied"].to_str().unwrap(),
            prefer,
            "maxpagesize is honoured"
        );
        pages += 1;
        let values = answer.body["value"].as_array().unwrap();
        assert!(values.len() <= page);
        items.extend(values.iter().cloned());
        if let Some(next) = answer.body["@odata.nextLink"].as_str() {
            assert!(answer.body.get("@odata.deltaLink").is_none());
            url = next.to_owned();
        } else {
            let delta = answer.body["@odata.deltaLink"]
                .as_str()
                .expect("deltaLink on the last page");
            return (items, delta.to_owned(), pages);
        }
    }
}

#[tokio::test]
async fn delta_pages_to_a_delta_link_and_reports_changes_and_removals() {
    let sb = Sb::new(
        r#"
[mail_limits]
sent_items_delay_ms = 0
[[mailboxes]]
address = "watch@contoso.com"
fill = [{ folder = "Inbox", count = 25 }]
[[mailboxes]]
address = "sender@contoso.com"
"#,
    )
    .await;
    let first =
        "/v1.0/users/watch@contoso.com/mailFolders/inbox/messages/delta?$select=subject,isRead";
    let (items, delta_link, pages) = delta_round(&sb, first, 10).await;
    assert_eq!((items.len(), pages), (25, 3));
    assert!(
        items
            .iter()
            .all(|m| m.get("body").is_none() && m["subject"].is_string()),
        "$select sticks"
    );
    assert!(delta_link.contains("%24deltatoken="), "{delta_link}");

    // Nothing changed: an empty round.
    let (none, delta_link, _) = delta_round(&sb, &delta_link, 10).await;
    assert!(none.is_empty(), "{none:?}");

    // Change one, move one away, delete one, deliver a new one.
    let ids: Vec<String> = items
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    let patched = sb
        .call(
            Method::PATCH,
            &format!("/v1.0/users/watch@contoso.com/messages/{}", ids[0]),
            Some(json!({"isRead": true})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    let moved = sb
        .call(
            Method::POST,
            &format!("/v1.0/users/watch@contoso.com/messages/{}/move", ids[1]),
            Some(json!({"destinationId": "archive"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED);
    let deleted = sb
        .call(
            Method::DELETE,
            &format!("/v1.0/users/watch@contoso.com/messages/{}", ids[2]),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    sb.call(
        Method::POST,
        "/v1.0/users/sender@contoso.com/sendMail",
        Some(json!({"message": {"subject": "Fresh one", "toRecipients": [{"emailAddress": {"address": "watch@contoso.com"}}]}})),
    )
    .await;

    let (changes, next_link, _) = delta_round(&sb, &delta_link, 10).await;
    let removed: Vec<&str> = changes
        .iter()
        .filter(|m| m.get("@removed").is_some())
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(removed.len(), 2, "{changes:?}");
    assert!(removed.contains(&ids[1].as_str()) && removed.contains(&ids[2].as_str()));
    assert!(
        changes
            .iter()
            .all(|m| m.get("@removed").is_none_or(|r| r["reason"] == "deleted"))
    );
    let updated: Vec<&Value> = changes
        .iter()
        .filter(|m| m.get("@removed").is_none())
        .collect();
    assert_eq!(updated.len(), 2, "{changes:?}");
    assert!(
        updated
            .iter()
            .any(|m| m["id"] == ids[0].as_str() && m["isRead"] == true)
    );
    assert!(updated.iter().any(|m| m["subject"] == "Fresh one"));

    // The old deltaLink still works (Exchange may replay); the new one is quiet.
    let (again, _, _) = delta_round(&sb, &delta_link, 10).await;
    assert_eq!(again.len(), 4);
    let (quiet, _, _) = delta_round(&sb, &next_link, 10).await;
    assert!(quiet.is_empty());

    // An unknown token, or every token once the sandbox forgets them: 410 syncStateNotFound.
    let unknown = sb
        .get("/v1.0/users/watch@contoso.com/mailFolders/inbox/messages/delta?$deltatoken=nope")
        .await;
    assert_graph_error(&unknown, 410, "syncStateNotFound");
    let forget = sb
        .http
        .delete(format!("{}/mail/delta-tokens", sb.sb.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(forget.status(), 204);
    assert_graph_error(&sb.get(&next_link).await, 410, "syncStateNotFound");
}

#[tokio::test]
async fn a_seed_can_expire_every_delta_token() {
    let sb = Sb::new("[mail_limits]\ndelta_tokens_expire = true").await;
    let first = sb
        .get("/v1.0/users/sales@contoso.com/mailFolders/inbox/messages/delta")
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let mut link = first.body["@odata.deltaLink"].as_str().map(str::to_owned);
    if link.is_none() {
        link = first.body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_graph_error(&sb.get(&link.unwrap()).await, 410, "syncStateNotFound");
}

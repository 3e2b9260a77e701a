//! graphmail's Graph client for large attachments (upload sessions) and
//! delta queries, against a whole in-process sandbox: request counts and
//! chunk sizes are read back from the sandbox's own counters, so what is
//! asserted is what went over the wire.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphmail::auth::{
    ClientCredential, HttpOptions, RetryPolicy, TokenProvider, TokenRequest, build_http_client,
};
use graphmail::graph::delta::{DeltaError, DeltaQuery, DeltaStart};
use graphmail::graph::upload::{CHUNK_SIZE, UploadProgress, UploadRequest, is_message_too_large};
use graphmail::graph::{GraphClient, GraphErrorKind, MailboxLimiter};
use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
use graphmail::sandbox::{RunningSandbox, Seed, ServeOptions, start};
use graphmail::state::Endpoints;
use secrecy::SecretString;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

async fn sandbox(seed: &str) -> RunningSandbox {
    graphmail::auth::install_tls_provider();
    let seed = Seed::from_toml_str(
        seed,
        std::path::Path::new("seed.toml"),
        std::path::Path::new("."),
    )
    .expect("seed parses");
    start(ServeOptions {
        seed: Some(seed),
        ..ServeOptions::default()
    })
    .await
    .expect("sandbox starts")
}

/// A fresh client, as a new graphmail process would build it.
fn client(sb: &RunningSandbox) -> GraphClient {
    graphmail::auth::install_tls_provider();
    let http = build_http_client(&HttpOptions::default()).expect("http");
    let endpoints = Endpoints {
        authority_host: sb.base_url().to_string(),
        graph_endpoint: sb.base_url().to_string(),
    };
    let secret = sb.credentials().app(APP_GRAPHMAIL).expect("app").secrets[0]
        .value
        .clone();
    let tokens = Arc::new(TokenProvider::new(
        http.clone(),
        TokenRequest::new(&endpoints, BUILTIN_TENANT_ID, APP_GRAPHMAIL),
        ClientCredential::Secret(SecretString::from(secret)),
    ));
    GraphClient::new(http, sb.base_url(), tokens)
        .expect("client")
        .with_retry(RetryPolicy {
            budget: Duration::from_secs(30),
            ..RetryPolicy::default()
        })
        .with_limiter(Arc::new(MailboxLimiter::new(4)))
}

async fn admin(sb: &RunningSandbox, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", sb.admin_url()))
        .send()
        .await
        .expect("admin")
        .json()
        .await
        .expect("JSON")
}

/// A draft made with a token minted by the sandbox (the client under test only uploads).
async fn draft(sb: &RunningSandbox, mailbox: &str, subject: &str) -> String {
    let token = sb
        .sandbox()
        .mint_access_token(APP_GRAPHMAIL, None)
        .expect("token");
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/v1.0/users/{mailbox}/messages", sb.base_url()))
        .bearer_auth(token)
        .json(&json!({
            "subject": subject,
            "body": {"contentType": "Text", "content": "see attached"},
            "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
        }))
        .send()
        .await
        .expect("draft")
        .json()
        .await
        .expect("JSON");
    answer["id"].as_str().expect("id").to_string()
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(u64, u64)>>);

impl UploadProgress for Recorder {
    fn advanced(&self, sent: u64, total: u64) {
        self.0.lock().unwrap().push((sent, total));
    }
}

#[tokio::test]
async fn a_20_mb_file_goes_up_in_4_mb_chunks_through_the_upload_throttle() {
    // Outlook's 15 MB / 30 s scaled down to 9 MiB / 1 s, so the window binds
    // and the client must wait as Retry-After says, without a slow test.
    let sb = sandbox(
        "[mail_limits]\nupload_bytes_per_window = 9437184\nupload_window_seconds = 1\nsent_items_delay_ms = 0",
    )
    .await;
    let mailbox = "noreply@contoso.com";
    let id = draft(&sb, mailbox, "Twenty megabytes").await;
    let data: Vec<u8> = (0..20 * MIB).map(|i| (i % 253) as u8).collect();
    let progress = Recorder::default();
    let graph = client(&sb);
    let report = graph
        .upload_attachment(
            mailbox,
            &id,
            &UploadRequest::new("data.bin", "application/octet-stream", &data),
            &progress,
        )
        .await
        .expect("upload");
    assert_eq!(report.chunks, vec![CHUNK_SIZE as u64; 5]);
    assert!(report.throttled >= 1, "the window had to bind: {report:?}");
    assert_eq!(report.put_requests, 5 + report.throttled);
    assert!(report.attachment_location.is_some());
    let total = (20 * MIB) as u64;
    assert_eq!(progress.0.lock().unwrap().last(), Some(&(total, total)));

    // The sandbox saw the same: chunk sizes, PUTs, 429s, and never the bearer token.
    let sessions = admin(&sb, "/mail/uploads").await["sessions"].clone();
    let session = &sessions[0];
    assert_eq!(session["chunks"], json!(vec![CHUNK_SIZE; 5]));
    assert_eq!(session["puts"], report.put_requests);
    assert_eq!(session["throttled"], report.throttled);
    assert_eq!(session["bearer_refused"], 0);
    assert_eq!(session["state"], "complete");
    let counters = sb.sandbox().counters();
    assert_eq!(counters.kinds.get("graph.createUploadSession"), Some(&1));
    assert_eq!(
        counters.kinds.get("upload.put").copied(),
        Some(u64::from(report.put_requests))
    );
    let contents = admin(&sb, &format!("/mail/mailboxes/{mailbox}")).await;
    let message = contents["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Twenty megabytes")
        .expect("the draft");
    assert_eq!(message["attachments"][0]["size"], 20 * MIB);
}

#[tokio::test]
async fn a_file_over_the_mailbox_limit_is_refused_with_exchanges_code() {
    // Exchange's default MaxSendSize is 35 MB; 36 MiB cannot fit.
    let sb = sandbox("[mail_limits]\nupload_bytes_per_window = 1073741824").await;
    let mailbox = "noreply@contoso.com";
    let id = draft(&sb, mailbox, "Too large").await;
    let data = vec![0u8; 36 * MIB];
    let graph = client(&sb);
    let err = graph
        .upload_attachment(
            mailbox,
            &id,
            &UploadRequest::new("huge.bin", "application/octet-stream", &data),
            &graphmail::graph::upload::NoProgress,
        )
        .await
        .expect_err("over 35 MB");
    assert!(is_message_too_large(&err), "{err}");
    assert!(!err.to_string().contains("authtoken"), "{err}");
    let session = &admin(&sb, "/mail/uploads").await["sessions"][0];
    assert_eq!(session["state"], "refused");
    // 8 whole chunks fit under 35 MB (33,554,432 bytes); the 9th crosses it.
    assert_eq!(session["chunks"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn a_seed_raises_the_mailbox_limit_for_larger_files() {
    let sb = sandbox(
        r#"
[mail_limits]
upload_bytes_per_window = 1073741824
[[mailboxes]]
address = "big@contoso.com"
max_message_bytes = 157286400
"#,
    )
    .await;
    // 150 MB, the most an upload session takes, under MaxSendSize raised to 150 MiB.
    let id = draft(&sb, "big@contoso.com", "A hundred and fifty megabytes").await;
    let size = 150_000_000;
    let data = vec![9u8; size];
    let report = client(&sb)
        .upload_attachment(
            "big@contoso.com",
            &id,
            &UploadRequest::new("big.bin", "application/octet-stream", &data),
            &graphmail::graph::upload::NoProgress,
        )
        .await
        .expect("upload under a raised MaxSendSize");
    assert_eq!(report.chunks.len(), size.div_ceil(CHUNK_SIZE));
    assert!(
        report.chunks[..report.chunks.len() - 1]
            .iter()
            .all(|c| *c == CHUNK_SIZE as u64)
    );
    assert_eq!(report.chunks.iter().sum::<u64>(), size as u64);
    assert_eq!(report.throttled, 0);
    let session = &admin(&sb, "/mail/uploads").await["sessions"][0];
    assert_eq!(session["received"], size);
    assert_eq!(session["puts"], report.put_requests);
}

#[tokio::test]
async fn a_creation_refusal_is_graphs_error_and_nothing_is_put() {
    let sb = sandbox("").await;
    let mailbox = "noreply@contoso.com";
    let id = draft(&sb, mailbox, "Small").await;
    let data = vec![1u8; 1000];
    let err = client(&sb)
        .upload_attachment(
            mailbox,
            &id,
            &UploadRequest::new("small.txt", "text/plain", &data),
            &graphmail::graph::upload::NoProgress,
        )
        .await
        .expect_err("under 3 MB");
    assert!(
        err.has_code("ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"),
        "{err}"
    );
    assert!(matches!(err.kind, GraphErrorKind::Service));
    assert_eq!(sb.sandbox().counters().kinds.get("upload.put"), None);
}

// ---- delta ------------------------------------------------------------------

const WATCH_SEED: &str = r#"
[mail_limits]
sent_items_delay_ms = 0
[[mailboxes]]
address = "watch@contoso.com"
fill = [{ folder = "Inbox", count = 25 }]
[[mailboxes]]
address = "sender@contoso.com"
"#;

async fn graph_call(sb: &RunningSandbox, method: reqwest::Method, path: &str, body: Option<Value>) {
    let token = sb
        .sandbox()
        .mint_access_token(APP_GRAPHMAIL, None)
        .expect("token");
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", sb.base_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let status = request.send().await.expect("call").status();
    assert!(status.is_success(), "{path}: {status}");
}

#[tokio::test]
async fn delta_rounds_page_to_a_link_that_a_new_client_can_resume() {
    let sb = sandbox(WATCH_SEED).await;
    let mailbox = "watch@contoso.com";
    let query = DeltaQuery {
        select: vec!["subject".into(), "isRead".into(), "from".into()],
        max_page_size: Some(10),
        immutable_ids: true,
    };
    let first = client(&sb)
        .delta_round(mailbox, DeltaStart::Folder("inbox"), &query)
        .await
        .expect("first round");
    assert_eq!(first.messages.len(), 25);
    assert_eq!(first.pages, 3, "25 messages at 10 a page");
    assert!(first.removed.is_empty());
    assert_eq!(
        sb.sandbox().counters().kinds.get("graph.delta").copied(),
        Some(3)
    );

    // Changes while "graphmail" is not running.
    let ids: Vec<String> = first.messages.iter().map(|m| m.id.clone()).collect();
    graph_call(
        &sb,
        reqwest::Method::DELETE,
        &format!("/v1.0/users/{mailbox}/messages/{}", ids[3]),
        None,
    )
    .await;
    graph_call(
        &sb,
        reqwest::Method::POST,
        "/v1.0/users/sender@contoso.com/sendMail",
        Some(json!({"message": {"subject": "New arrival", "toRecipients": [{"emailAddress": {"address": mailbox}}]}})),
    )
    .await;

    // A new client (a restarted graphmail) resumes from the saved link.
    let second = client(&sb)
        .delta_round(mailbox, DeltaStart::Link(&first.delta_link), &query)
        .await
        .expect("second round");
    assert_eq!(
        second.removed,
        vec![ids[3].clone()],
        "immutable IDs throughout"
    );
    assert_eq!(second.messages.len(), 1);
    assert_eq!(second.messages[0].subject.as_deref(), Some("New arrival"));
    assert_eq!(second.pages, 1);
    let quiet = client(&sb)
        .delta_round(mailbox, DeltaStart::Link(&second.delta_link), &query)
        .await
        .expect("third round");
    assert!(quiet.messages.is_empty() && quiet.removed.is_empty());

    // Once the service forgets the chain: a distinct error, not a failure like any other.
    reqwest::Client::new()
        .delete(format!("{}/mail/delta-tokens", sb.admin_url()))
        .send()
        .await
        .expect("forget");
    let lost = client(&sb)
        .delta_round(mailbox, DeltaStart::Link(&quiet.delta_link), &query)
        .await
        .expect_err("410");
    match lost {
        DeltaError::SyncStateLost(e) => {
            assert_eq!(e.status, Some(410));
            assert!(e.has_code("syncStateNotFound"), "{e}");
        }
        other => panic!("expected SyncStateLost, got {other:?}"),
    }
}

#[tokio::test]
async fn a_saved_link_to_another_origin_is_never_called() {
    let sb = sandbox(WATCH_SEED).await;
    let err = client(&sb)
        .delta_round(
            "watch@contoso.com",
            DeltaStart::Link("https://graph.example.net/v1.0/users/x/mailFolders/inbox/messages/delta?$deltatoken=t"),
            &DeltaQuery::default(),
        )
        .await
        .expect_err("another origin");
    assert!(
        matches!(err, DeltaError::Graph(ref e) if matches!(e.kind, GraphErrorKind::InvalidRequest)),
        "{err:?}"
    );
    assert_eq!(
        sb.sandbox().counters().kinds.get("token"),
        None,
        "not even a token was fetched"
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
}

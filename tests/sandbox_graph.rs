//! The sandbox's Graph mail half through HTTP (SPEC §6, issue 4), checked
//! against Microsoft's documented behaviour (reference/graph-mail.md §4-8).
//!
//! The routes run on a loopback port with a test host that implements
//! `GraphHost` and turns `Bearer app=<id>;roles=<a,b>` into claims, so each
//! test chooses its token's app, roles and failures directly. The identity
//! half's real tokens are covered where both halves are served together.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use graphmail::sandbox::graph::{GraphHost, GraphState, MailSeed};
use graphmail::sandbox::{AccessClaims, BearerError};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const TENANT: &str = "9b2c6a7e-3f1d-4c8a-b5e2-7d4f1a0c6e93";
const GRAPHMAIL: &str = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b";
const NO_CONSENT: &str = "5b2e8d3f-9c4e-4f70-8b1c-2d3e4f5a6b7c";
const READ_ONLY: &str = "6c3f9e40-ad5f-4081-9c2d-3e4f5a6b7c8d";
const SEND_ONLY: &str = "8e51b062-cf71-42a3-9e4f-5a6b7c8d9eaf";

struct TestHost {
    graph: GraphState,
    counts: Mutex<Vec<(String, Option<String>)>>,
}

impl GraphHost for TestHost {
    fn graph(&self) -> &GraphState {
        &self.graph
    }

    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn verify_bearer(&self, authorization: Option<&str>) -> Result<AccessClaims, BearerError> {
        let token = authorization
            .ok_or(BearerError::Missing)?
            .strip_prefix("Bearer ")
            .ok_or(BearerError::Malformed)?;
        match token {
            "expired" => return Err(BearerError::Expired),
            "wrong-audience" => return Err(BearerError::WrongAudience),
            "bad-signature" => return Err(BearerError::BadSignature),
            _ => {}
        }
        let mut app_id = None;
        let mut roles = Vec::new();
        for part in token.split(';') {
            match part.split_once('=') {
                Some(("app", v)) => app_id = Some(v.to_owned()),
                Some(("roles", v)) => {
                    roles = v
                        .split(',')
                        .filter(|r| !r.is_empty())
                        .map(str::to_owned)
                        .collect()
                }
                _ => return Err(BearerError::Malformed),
            }
        }
        Ok(AccessClaims {
            tenant_id: TENANT.to_owned(),
            app_id: app_id.ok_or(BearerError::Malformed)?,
            audience: "https://graph.microsoft.com".to_owned(),
            roles,
            expires_at: self.now() + 3600,
        })
    }

    fn count(&self, kind: &str, mailbox: Option<&str>) {
        self.counts
            .lock()
            .unwrap()
            .push((kind.to_owned(), mailbox.map(str::to_owned)));
    }
}

fn token(app: &str, roles: &[&str]) -> String {
    format!("app={app};roles={}", roles.join(","))
}

fn graphmail() -> String {
    token(GRAPHMAIL, &["Mail.ReadWrite", "Mail.Send"])
}

fn read_only() -> String {
    token(READ_ONLY, &["Mail.Read"])
}

struct Env {
    base: String,
    client: reqwest::Client,
    host: Arc<TestHost>,
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

    fn values(&self) -> &Vec<Value> {
        self.body["value"].as_array().expect("a collection")
    }

    fn next_link(&self) -> Option<&str> {
        self.body["@odata.nextLink"].as_str()
    }
}

impl Env {
    /// The built-in mailboxes, with Sent Items copies filed at once so the
    /// tests of sending read them back directly; the delay has its own test.
    async fn start() -> Env {
        let mut seed = MailSeed::builtin();
        seed.mail_limits.sent_items_delay_ms = 0;
        Env::with_seed(&seed).await
    }

    async fn with_seed(seed: &MailSeed) -> Env {
        let host = Arc::new(TestHost {
            graph: GraphState::from_seed(seed).expect("seed builds"),
            counts: Mutex::new(Vec::new()),
        });
        let app = graphmail::sandbox::graph::routes_for::<TestHost>()
            .nest(
                "/admin",
                graphmail::sandbox::graph::admin_routes_for::<TestHost>(),
            )
            .with_state(Arc::clone(&host));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        graphmail::auth::install_tls_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Env { base, client, host }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
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

    async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    async fn get_with(&self, token: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self.client.get(self.url(path)).bearer_auth(token);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    async fn post_with(
        &self,
        token: &str,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    async fn admin(&self, path: &str) -> Value {
        self.client
            .get(self.url(&format!("/admin{path}")))
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("admin JSON")
    }

    async fn admin_put(&self, path: &str, body: Value) -> Value {
        self.client
            .put(self.url(&format!("/admin{path}")))
            .json(&body)
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("admin JSON")
    }

    /// Messages of a mailbox as the admin endpoint lists them.
    async fn contents(&self, mailbox: &str) -> Vec<Value> {
        self.admin(&format!("/mailboxes/{mailbox}")).await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn folder_id(&self, mailbox: &str, well_known: &str) -> String {
        let answer = self
            .get(
                &graphmail(),
                &format!("/v1.0/users/{mailbox}/mailFolders/{well_known}?$select=id"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
        answer.body["id"].as_str().expect("id").to_owned()
    }
}

/// One mailbox's entry in the admin endpoint's concurrency figures.
fn mailbox_figures<'a>(figures: &'a Value, mailbox: &str) -> &'a Value {
    figures["mailboxes"]
        .as_array()
        .and_then(|l| l.iter().find(|m| m["mailbox"] == mailbox))
        .unwrap_or_else(|| panic!("figures of {mailbox}: {figures}"))
}

fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "{:?}", answer.body);
    assert_eq!(answer.code(), code, "{:?}", answer.body);
    if code == "ApplicationThrottled" {
        // Outlook's throttling answers carry no innerError (reference §6.2).
        assert!(
            answer.body["error"].get("innerError").is_none(),
            "{:?}",
            answer.body
        );
        return;
    }
    let inner = &answer.body["error"]["innerError"];
    assert!(inner["date"].is_string(), "{:?}", answer.body);
    assert_eq!(
        inner["request-id"].as_str(),
        answer
            .headers
            .get("request-id")
            .and_then(|v| v.to_str().ok()),
        "innerError request-id matches the header"
    );
    assert!(inner["client-request-id"].is_string());
}

// ---- folders -----------------------------------------------------------

#[tokio::test]
async fn top_level_folders_page_by_ten_and_hide_hidden_ones() {
    let env = Env::start().await;
    let first = env
        .get(&graphmail(), "/v1.0/users/support@contoso.com/mailFolders")
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first.values().len(),
        10,
        "default page size is 10 (reference §4.3)"
    );
    let next = first.next_link().expect("nextLink on a full page");
    assert!(
        next.starts_with(&env.base),
        "nextLink is a full URL: {next}"
    );
    assert!(next.contains("%24skip=10"), "{next}");
    let second = env.get(&graphmail(), next).await;
    assert_eq!(second.values().len(), 2);
    assert!(second.next_link().is_none(), "no nextLink on the last page");
    let names: HashSet<String> = first
        .values()
        .iter()
        .chain(second.values())
        .map(|f| f["displayName"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(names.len(), 12);
    assert!(
        names.contains("Inbox") && names.contains("Sent Items") && names.contains("Escalations")
    );
    assert!(
        !names.contains("Legal Hold"),
        "hidden folders need includeHiddenFolders"
    );

    let all = env
        .get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders?includeHiddenFolders=true&$top=50",
        )
        .await;
    let hidden: Vec<&Value> = all
        .values()
        .iter()
        .filter(|f| f["isHidden"] == true)
        .collect();
    assert_eq!(all.values().len(), 13);
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["displayName"], "Legal Hold");
    for property in [
        "id",
        "displayName",
        "parentFolderId",
        "childFolderCount",
        "unreadItemCount",
        "totalItemCount",
        "isHidden",
    ] {
        assert!(
            hidden[0].get(property).is_some(),
            "mailFolder has {property}"
        );
    }
}

#[tokio::test]
async fn a_folder_path_resolves_segment_by_segment_with_filters() {
    let env = Env::start().await;
    let token = graphmail();
    // Well-known names work in any case (reference §4.2).
    let inbox = env
        .get(&token, "/v1.0/users/support@contoso.com/mailFolders/INBOX")
        .await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.body["displayName"], "Inbox");
    let inbox_id = inbox.body["id"].as_str().expect("id").to_owned();

    let support = env
        .send(
            env.client
                .get(env.url(&format!(
                    "/v1.0/users/support@contoso.com/mailFolders/{inbox_id}/childFolders"
                )))
                .bearer_auth(&token)
                .query(&[
                    ("$filter", "displayName eq 'support'"),
                    ("$select", "id,displayName"),
                ]),
        )
        .await;
    assert_eq!(support.values().len(), 1, "{:?}", support.body);
    let keys: Vec<&String> = support.values()[0]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(
        keys,
        ["displayName", "id"],
        "$select keeps only what was asked"
    );
    let support_id = support.values()[0]["id"].as_str().expect("id").to_owned();

    let children = env
        .get(
            &token,
            &format!("/v1.0/users/support@contoso.com/mailFolders/{support_id}/childFolders"),
        )
        .await;
    let eu = children
        .values()
        .iter()
        .find(|f| f["displayName"] == "EU")
        .expect("EU under Inbox/Support");
    assert_eq!(eu["parentFolderId"], support_id.as_str());
    assert_eq!(eu["totalItemCount"], 11);
    assert!(eu["unreadItemCount"].as_u64().unwrap_or(0) > 0);

    let missing = env
        .send(
            env.client
                .get(env.url(&format!(
                    "/v1.0/users/support@contoso.com/mailFolders/{support_id}/childFolders"
                )))
                .bearer_auth(&token)
                .query(&[("$filter", "displayName eq 'APAC'")]),
        )
        .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(missing.values().is_empty());
}

#[tokio::test]
async fn folder_filters_unescape_doubled_quotes() {
    let seed: MailSeed = toml::from_str(
        r#"
        [[mailboxes]]
        address = "q@contoso.com"
        folders = ["Let's talk", "Lets talk"]
        "#,
    )
    .expect("seed");
    let env = Env::with_seed(&seed).await;
    let answer = env
        .send(
            env.client
                .get(env.url("/v1.0/users/q@contoso.com/mailFolders"))
                .bearer_auth(graphmail())
                .query(&[("$filter", "displayName eq 'Let''s talk'")]),
        )
        .await;
    assert_eq!(answer.values().len(), 1, "{:?}", answer.body);
    assert_eq!(answer.values()[0]["displayName"], "Let's talk");
}

// ---- messages ----------------------------------------------------------

#[tokio::test]
async fn messages_page_across_several_pages_newest_first() {
    let env = Env::start().await;
    let mut url = "/v1.0/users/support%40contoso.com/mailFolders/inbox/childFolders".to_owned();
    let support = env.get(&graphmail(), &url).await.values()[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    url = format!(
        "/v1.0/users/support@contoso.com/mailFolders/{support}/childFolders?$filter=displayName eq 'EU'"
    );
    let eu = env.get(&graphmail(), &url).await.values()[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut next = Some(format!(
        "/v1.0/users/support@contoso.com/mailFolders/{eu}/messages?$top=4&$select=subject,receivedDateTime,isRead"
    ));
    let mut pages = Vec::new();
    let mut seen = Vec::new();
    while let Some(link) = next {
        let page = env.get(&graphmail(), &link).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        pages.push(page.values().len());
        for m in page.values() {
            assert!(m.get("body").is_none(), "$select is kept across pages");
            seen.push((
                m["receivedDateTime"].as_str().unwrap_or("").to_owned(),
                m["id"].as_str().unwrap_or("").to_owned(),
            ));
        }
        next = page.next_link().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.contains("%24top=4") && n.contains("%24select="), "{n}");
        }
    }
    assert_eq!(pages, [4, 4, 3]);
    let ids: HashSet<&String> = seen.iter().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 11, "no message twice");
    assert!(
        seen.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first by default"
    );
}

#[tokio::test]
async fn messages_filter_and_order_with_graphs_rules() {
    let env = Env::start().await;
    let token = graphmail();
    let list = |query: &'static [(&'static str, &'static str)]| {
        env.send(
            env.client
                .get(env.url("/v1.0/users/support@contoso.com/messages"))
                .bearer_auth(&token)
                .query(&[("$top", "1000")])
                .query(query),
        )
    };
    let all = list(&[]).await;
    let unread = list(&[("$filter", "isRead eq false")]).await;
    let expected_unread = all.values().iter().filter(|m| m["isRead"] == false).count();
    assert!(expected_unread > 0);
    assert_eq!(unread.values().len(), expected_unread);

    let recent = list(&[
        (
            "$filter",
            "receivedDateTime ge 2025-01-06T07:00:00Z and isRead eq false",
        ),
        ("$orderby", "receivedDateTime asc"),
    ])
    .await;
    assert_eq!(recent.status, StatusCode::OK, "{:?}", recent.body);
    let times: Vec<&str> = recent
        .values()
        .iter()
        .map(|m| m["receivedDateTime"].as_str().unwrap_or(""))
        .collect();
    assert!(!times.is_empty());
    assert!(times.iter().all(|t| *t >= "2025-01-06T07:00:00Z"));
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "ascending: {times:?}"
    );
    assert!(recent.values().iter().all(|m| m["isRead"] == false));

    // InefficientFilter (reference §4.4): $orderby properties must lead $filter.
    let wrong = list(&[
        (
            "$filter",
            "isRead eq false and receivedDateTime ge 2025-01-06T07:00:00Z",
        ),
        ("$orderby", "receivedDateTime desc"),
    ])
    .await;
    assert_error(&wrong, 400, "InefficientFilter");
    let absent = list(&[
        ("$filter", "isRead eq false"),
        ("$orderby", "receivedDateTime desc"),
    ])
    .await;
    assert_error(&absent, 400, "InefficientFilter");

    assert_error(&list(&[("$filter", "isRead eq")]).await, 400, "BadRequest");
    assert_error(
        &list(&[("$filter", "colour eq 'red'")]).await,
        400,
        "RequestBroker--ParseUri",
    );
    assert_error(
        &list(&[("$filter", "isRead eq 'no'")]).await,
        400,
        "ErrorInvalidUrlQueryFilter",
    );
    assert_error(
        &list(&[("$select", "subject,nope")]).await,
        400,
        "RequestBroker--ParseUri",
    );
    let too_many = env
        .get(&token, "/v1.0/users/support@contoso.com/messages?$top=1001")
        .await;
    assert_error(&too_many, 400, "ErrorInvalidUrlQuery");
}

#[tokio::test]
async fn reading_a_message_changes_nothing() {
    let env = Env::start().await;
    let before = env.contents("support@contoso.com").await;
    let unread = before
        .iter()
        .find(|m| m["is_read"] == false)
        .expect("an unread message");
    let id = unread["id"].as_str().expect("id");
    let answer = env
        .get(
            &graphmail(),
            &format!("/v1.0/users/support@contoso.com/messages/{id}"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["id"], id);
    assert_eq!(answer.body["isRead"], false);
    assert_eq!(
        answer.body["body"]["contentType"], "html",
        "HTML unless text is preferred"
    );
    let text = env
        .get_with(
            &graphmail(),
            &format!("/v1.0/users/support@contoso.com/messages/{id}"),
            &[("Prefer", "outlook.body-content-type=\"text\"")],
        )
        .await;
    assert_eq!(text.body["body"]["contentType"], "text");
    env.get(
        &graphmail(),
        "/v1.0/users/support@contoso.com/mailFolders/inbox/messages?$top=100",
    )
    .await;
    let after = env.contents("support@contoso.com").await;
    assert_eq!(before, after, "reads leave every message as it was");
}

#[tokio::test]
async fn mail_read_basic_gets_no_body() {
    let env = Env::start().await;
    let basic = token(READ_ONLY, &["Mail.ReadBasic.All"]);
    let list = env
        .get(&basic, "/v1.0/users/sales@contoso.com/messages")
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.values()
            .iter()
            .all(|m| m.get("body").is_none() && m.get("bodyPreview").is_none())
    );
    // Getting one folder needs only Mail.ReadBasic.All (reference §4.1:
    // includes/permissions/mailfolder-get-permissions.md).
    let folder = env
        .get(&basic, "/v1.0/users/sales@contoso.com/mailFolders/inbox")
        .await;
    assert_eq!(folder.status, StatusCode::OK, "{:?}", folder.body);
    assert_eq!(folder.body["displayName"], "Inbox");
    // Attachments stay out of ReadBasic's reach.
    let id = list.values()[0]["id"].as_str().expect("id");
    assert_error(
        &env.get(
            &basic,
            &format!("/v1.0/users/sales@contoso.com/messages/{id}/attachments"),
        )
        .await,
        403,
        "ErrorAccessDenied",
    );
}

#[tokio::test]
async fn marking_read_needs_mail_read_write_and_sent_content_stays_fixed() {
    let env = Env::start().await;
    let unread = env.contents("sales@contoso.com").await;
    let id = unread
        .iter()
        .find(|m| m["is_read"] == false)
        .and_then(|m| m["id"].as_str())
        .expect("an unread message")
        .to_owned();
    let path = format!("/v1.0/users/sales@contoso.com/messages/{id}");
    let patch = |token: String, body: Value| {
        env.send(
            env.client
                .patch(env.url(&path))
                .bearer_auth(token)
                .json(&body),
        )
    };
    assert_error(
        &patch(read_only(), json!({"isRead": true})).await,
        403,
        "ErrorAccessDenied",
    );
    let marked = patch(graphmail(), json!({"isRead": true})).await;
    assert_eq!(marked.status, StatusCode::OK, "{:?}", marked.body);
    assert_eq!(marked.body["isRead"], true);
    let after = env.contents("sales@contoso.com").await;
    assert!(
        after
            .iter()
            .any(|m| m["id"] == id.as_str() && m["is_read"] == true)
    );
    assert_error(
        &patch(graphmail(), json!({"subject": "rewritten"})).await,
        400,
        "ErrorInvalidPropertyUpdateSentMessage",
    );
}

// ---- errors ------------------------------------------------------------

#[tokio::test]
async fn every_gate_answers_with_graphs_codes() {
    let env = Env::start().await;
    let inbox = "/v1.0/users/support@contoso.com/mailFolders/inbox";

    let none = env.send(env.client.get(env.url(inbox))).await;
    assert_error(&none, 401, "InvalidAuthenticationToken");
    for bad in ["expired", "wrong-audience", "bad-signature", "garbage"] {
        assert_error(
            &env.get(bad, inbox).await,
            401,
            "InvalidAuthenticationToken",
        );
    }
    let expired = env.get("expired", inbox).await;
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired")
    );

    assert_error(
        &env.get(&token(NO_CONSENT, &[]), inbox).await,
        401,
        "NoPermissionsInAccessToken",
    );

    let denied = env
        .post(
            &read_only(),
            "/v1.0/users/support@contoso.com/sendMail",
            json!({"message": {}}),
        )
        .await;
    assert_error(&denied, 403, "ErrorAccessDenied");
    assert_eq!(
        denied.body["error"]["message"],
        "Access is denied. Check credentials and try again."
    );
    let send_only = token(SEND_ONLY, &["Mail.Send"]);
    assert_error(&env.get(&send_only, inbox).await, 403, "ErrorAccessDenied");
    let draft = env
        .post(
            &read_only(),
            "/v1.0/users/support@contoso.com/messages",
            json!({}),
        )
        .await;
    assert_error(&draft, 403, "ErrorAccessDenied");

    let policy = env
        .get(
            &graphmail(),
            "/v1.0/users/restricted@contoso.com/mailFolders/inbox",
        )
        .await;
    assert_error(&policy, 403, "ErrorAccessDenied");
    assert_eq!(
        policy.body["error"]["message"],
        "Access to OData is disabled."
    );
    // The policy binds only the app it names.
    assert_eq!(
        env.get(
            &read_only(),
            "/v1.0/users/restricted@contoso.com/mailFolders/inbox"
        )
        .await
        .status,
        StatusCode::OK
    );

    assert_error(
        &env.get(&graphmail(), "/v1.0/users/nobody@contoso.com/mailFolders")
            .await,
        404,
        "ErrorInvalidUser",
    );
    assert_error(
        &env.get(&graphmail(), "/v1.0/users/onprem@contoso.com/mailFolders")
            .await,
        404,
        "MailboxNotEnabledForRESTAPI",
    );
    assert_error(
        &env.get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders/AAMkAGnope",
        )
        .await,
        404,
        "ErrorItemNotFound",
    );
    assert_error(
        &env.get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders/nosuchfolder/messages",
        )
        .await,
        404,
        "ErrorItemNotFound",
    );
    assert_error(
        &env.get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/messages/AAMkAGnope=",
        )
        .await,
        404,
        "ErrorItemNotFound",
    );
    assert_error(
        &env.get(&graphmail(), "/v1.0/me/mailFolders").await,
        400,
        "BadRequest",
    );
    assert_error(
        &env.get(&graphmail(), "/v1.0/users/support@contoso.com/calendars")
            .await,
        400,
        "BadRequest",
    );
    let wrong_method = env
        .send(env.client.delete(env.url(inbox)).bearer_auth(graphmail()))
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.body["error"]["code"].is_string());
    // Directory calls need directory roles, not Mail.* (reference §5).
    assert_error(
        &env.get(&graphmail(), "/v1.0/users/support@contoso.com")
            .await,
        403,
        "Authorization_RequestDenied",
    );
}

#[tokio::test]
async fn request_ids_are_on_every_answer_and_client_ids_are_echoed() {
    let env = Env::start().await;
    let ok = env
        .get_with(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders",
            &[("client-request-id", "abc-123")],
        )
        .await;
    assert_eq!(ok.headers["client-request-id"], "abc-123");
    assert!(ok.headers.contains_key("request-id"));
    let error = env
        .get_with(
            "expired",
            "/v1.0/users/support@contoso.com/mailFolders",
            &[("client-request-id", "xyz")],
        )
        .await;
    assert_eq!(
        error.body["error"]["innerError"]["client-request-id"],
        "xyz"
    );
    let sent = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": {"subject": "s", "toRecipients": [{"emailAddress": {"address": "x@fabrikam.example"}}]}}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED);
    assert!(
        sent.headers.contains_key("request-id") && sent.headers.contains_key("client-request-id")
    );
}

#[tokio::test]
async fn mailboxes_are_addressed_by_id_upn_or_encoded_address_in_any_case() {
    let env = Env::start().await;
    for user in [
        "support@contoso.com",
        "SUPPORT@Contoso.COM",
        "support%40contoso.com",
        "3d6f2a10-7c4e-4b8a-9f21-5e0d8c7b6a01",
    ] {
        let answer = env
            .get(
                &graphmail(),
                &format!("/v1.0/users/{user}/mailFolders/inbox"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{user}: {:?}", answer.body);
    }
    let lower = env
        .get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailfolders/inbox/messages",
        )
        .await;
    assert_eq!(
        lower.status,
        StatusCode::OK,
        "Graph's lower-case path spelling"
    );
}

// ---- sending -----------------------------------------------------------

fn mail(subject: &str, to: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.message",
        "subject": subject,
        "body": {"contentType": "Text", "content": "Hello from the test"},
        "toRecipients": [{"emailAddress": {"address": to, "name": null}}],
        "ccRecipients": [],
    })
}

#[tokio::test]
async fn send_mail_files_a_copy_in_sent_items_and_delivers_it() {
    let env = Env::start().await;
    let answer = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": mail("Your ticket 42", "EU@contoso.com"), "saveToSentItems": true}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(
        answer.body,
        Value::Null,
        "202 with an empty body (reference §4.8)"
    );

    let sent = env
        .get(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/mailFolders/sentitems/messages",
        )
        .await;
    let copy = sent
        .values()
        .iter()
        .find(|m| m["subject"] == "Your ticket 42")
        .expect("Sent Items copy");
    assert_eq!(
        copy["from"]["emailAddress"]["address"],
        "noreply@contoso.com"
    );
    assert_eq!(copy["isDraft"], false);

    // The alias eu@ belongs to support@: the mail lands in support's Inbox, unread.
    let inbox = env
        .get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders/inbox/messages?$filter=isRead eq false",
        )
        .await;
    let delivered = inbox
        .values()
        .iter()
        .find(|m| m["subject"] == "Your ticket 42")
        .expect("delivered");
    assert_eq!(
        delivered["toRecipients"][0]["emailAddress"]["address"],
        "EU@contoso.com"
    );

    // saveToSentItems as the string "false", as one of Microsoft's samples sends it.
    let quiet = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": mail("No copy", "adele@contoso.com"), "saveToSentItems": "false"}),
        )
        .await;
    assert_eq!(quiet.status, StatusCode::ACCEPTED);
    let sent = env.contents("noreply@contoso.com").await;
    assert!(
        !sent.iter().any(|m| m["subject"] == "No copy"),
        "no Sent Items copy"
    );
    let adele = env.contents("adele@contoso.com").await;
    assert!(
        adele
            .iter()
            .any(|m| m["subject"] == "No copy" && m["folder"] == "Inbox")
    );
    let deliveries = env.admin("/deliveries").await;
    assert_eq!(deliveries["deliveries"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_draft_sent_moves_to_sent_items_keeping_its_immutable_id() {
    let env = Env::start().await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let created = env
        .post_with(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/messages",
            mail("Draft probe", "sales@contoso.com"),
            &prefer,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(
        created.headers["preference-applied"],
        "IdType=\"ImmutableId\""
    );
    assert_eq!(created.body["isDraft"], true);
    let immutable = created.body["id"].as_str().expect("id").to_owned();
    let drafts = env.folder_id("noreply@contoso.com", "drafts").await;
    assert_eq!(created.body["parentFolderId"], drafts.as_str());
    // The same draft under its default (REST) ID.
    let rest = env
        .get(
            &graphmail(),
            &format!("/v1.0/users/noreply@contoso.com/messages/{immutable}"),
        )
        .await
        .body["id"]
        .as_str()
        .expect("rest id")
        .to_owned();
    assert_ne!(rest, immutable);

    let sent = env
        .send(
            env.client
                .post(env.url(&format!(
                    "/v1.0/users/noreply@contoso.com/messages/{immutable}/send"
                )))
                .bearer_auth(graphmail())
                .header("Content-Length", "0"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);

    let after = env
        .get_with(
            &graphmail(),
            &format!("/v1.0/users/noreply@contoso.com/messages/{immutable}"),
            &prefer,
        )
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(
        after.body["id"],
        immutable.as_str(),
        "immutable ID survives the move"
    );
    assert_eq!(
        after.body["parentFolderId"],
        env.folder_id("noreply@contoso.com", "sentitems")
            .await
            .as_str()
    );
    assert_eq!(after.body["isDraft"], false);
    assert_error(
        &env.get(
            &graphmail(),
            &format!("/v1.0/users/noreply@contoso.com/messages/{rest}"),
        )
        .await,
        404,
        "ErrorItemNotFound",
    );
    let sales = env.contents("sales@contoso.com").await;
    assert!(
        sales
            .iter()
            .any(|m| m["subject"] == "Draft probe" && m["folder"] == "Inbox")
    );
}

#[tokio::test]
async fn a_move_keeps_the_immutable_id_and_changes_the_rest_id() {
    let env = Env::start().await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let first = env
        .get_with(
            &graphmail(),
            "/v1.0/users/sales@contoso.com/mailFolders/inbox/messages?$top=1",
            &prefer,
        )
        .await;
    let immutable = first.values()[0]["id"].as_str().expect("id").to_owned();
    let rest_before = env
        .get(
            &graphmail(),
            &format!("/v1.0/users/sales@contoso.com/messages/{immutable}"),
        )
        .await
        .body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let moved = env
        .post(
            &graphmail(),
            &format!("/v1.0/users/sales@contoso.com/messages/{rest_before}/move"),
            json!({"destinationId": "archive"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED);
    let rest_after = moved.body["id"].as_str().expect("id");
    assert_ne!(
        rest_after, rest_before,
        "default IDs change on move (reference §4.7)"
    );
    let again = env
        .get_with(
            &graphmail(),
            &format!("/v1.0/users/sales@contoso.com/messages/{immutable}"),
            &prefer,
        )
        .await;
    assert_eq!(again.body["id"], immutable.as_str());
    assert_eq!(
        again.body["parentFolderId"],
        env.folder_id("sales@contoso.com", "archive").await.as_str()
    );
}

#[tokio::test]
async fn aliases_in_from_follow_the_seeded_behaviour() {
    let env = Env::start().await;
    let token = graphmail();
    let send_from = |from: &'static str, subject: &'static str| {
        let mut message = mail(subject, "adele@contoso.com");
        message["from"] = json!({"emailAddress": {"address": from}});
        env.post(
            &token,
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": message}),
        )
    };
    assert_eq!(
        send_from("info@contoso.com", "rewrite").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        send_from("help@contoso.com", "allow").await.status,
        StatusCode::ACCEPTED
    );
    assert_error(
        &send_from("billing@contoso.com", "deny").await,
        403,
        "ErrorSendAsDenied",
    );
    assert_error(
        &send_from("ceo@contoso.com", "stranger").await,
        403,
        "ErrorSendAsDenied",
    );

    let adele = env.contents("adele@contoso.com").await;
    let from_of = |subject: &str| {
        adele
            .iter()
            .find(|m| m["subject"] == subject)
            .map(|m| m["from"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(from_of("rewrite").as_deref(), Some("noreply@contoso.com"));
    assert_eq!(from_of("allow").as_deref(), Some("help@contoso.com"));
    assert_eq!(from_of("deny"), None, "a denied send delivers nothing");

    // A draft with a denied alias is created, but its send is refused.
    let mut message = mail("deny draft", "adele@contoso.com");
    message["from"] = json!({"emailAddress": {"address": "billing@contoso.com"}});
    let draft = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/messages",
            message,
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED);
    let id = draft.body["id"].as_str().expect("id");
    let send = env
        .post(
            &graphmail(),
            &format!("/v1.0/users/noreply@contoso.com/messages/{id}/send"),
            Value::Null,
        )
        .await;
    assert_error(&send, 403, "ErrorSendAsDenied");
}

#[tokio::test]
async fn small_attachments_travel_inline_and_large_ones_are_refused() {
    use base64::Engine;
    let env = Env::start().await;
    let mut message = mail("With attachment", "adele@contoso.com");
    message["attachments"] = json!([{
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "report.txt",
        "contentType": "text/plain",
        "contentBytes": base64::engine::general_purpose::STANDARD.encode("quarterly figures"),
    }]);
    let sent = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": message}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{:?}", sent.body);
    let copy = env
        .get(&graphmail(), "/v1.0/users/noreply@contoso.com/mailFolders/sentitems/messages?$filter=hasAttachments eq true")
        .await;
    assert_eq!(copy.values().len(), 1);
    let id = copy.values()[0]["id"].as_str().expect("id");
    let attachments = env
        .get(
            &graphmail(),
            &format!("/v1.0/users/noreply@contoso.com/messages/{id}/attachments"),
        )
        .await;
    assert_eq!(attachments.values()[0]["name"], "report.txt");
    assert_eq!(attachments.values()[0]["size"], 17);

    let mut big = mail("Too big", "adele@contoso.com");
    big["attachments"] = json!([{
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "big.bin",
        "contentBytes": base64::engine::general_purpose::STANDARD.encode(vec![7u8; 3 * 1024 * 1024 + 1]),
    }]);
    let refused = env
        .post(
            &graphmail(),
            "/v1.0/users/noreply@contoso.com/sendMail",
            json!({"message": big}),
        )
        .await;
    assert_error(&refused, 413, "RequestEntityTooLarge");
}

#[tokio::test]
async fn send_bodies_are_checked() {
    let env = Env::start().await;
    let url = env.url("/v1.0/users/noreply@contoso.com/sendMail");
    let raw = |body: &'static str| {
        env.send(
            env.client
                .post(&url)
                .bearer_auth(graphmail())
                .header("Content-Type", "application/json")
                .body(body),
        )
    };
    assert_error(&raw("").await, 400, "BadRequest");
    assert_error(&raw("{oops").await, 400, "BadRequest");
    assert_error(
        &raw(r#"{"message": {"subject": "no recipients"}}"#).await,
        400,
        "ErrorInvalidRecipients",
    );
    let mime = env
        .send(
            env.client
                .post(&url)
                .bearer_auth(graphmail())
                .header("Content-Type", "text/plain")
                .body("not base64 at all!"),
        )
        .await;
    assert_error(&mime, 400, "ErrorMimeContentInvalidBase64String");
}

// ---- limits ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fifth_concurrent_request_per_app_and_mailbox_is_throttled() {
    let env = Env::start().await;
    let latency = env
        .admin_put(
            "/mail-latency",
            json!({"mailbox": "support@contoso.com", "ms": 300}),
        )
        .await;
    assert_eq!(latency["mailboxes"]["support@contoso.com"], 300);
    let url =
        env.url("/v1.0/users/support@contoso.com/mailFolders/inbox/messages?$top=1&$select=id");
    let requests = (0..12).map(|_| {
        let request = env.client.get(&url).bearer_auth(graphmail()).send();
        async move {
            let response = request.await.expect("response");
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap_or("").to_owned());
            let status = response.status();
            let body: Value = response.json().await.expect("json");
            (status, retry_after, body)
        }
    });
    let answers = futures::future::join_all(requests).await;
    let ok = answers.iter().filter(|a| a.0 == StatusCode::OK).count();
    let throttled: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(ok + throttled.len(), 12);
    assert!(ok >= 4, "{ok} admitted");
    assert!(
        !throttled.is_empty(),
        "12 at once with 300 ms latency must overflow 4 slots"
    );
    for (_, retry_after, body) in &throttled {
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["error"]["code"], "ApplicationThrottled");
        assert_eq!(
            body["error"]["message"],
            "Application is over its MailboxConcurrency limit."
        );
        assert!(
            body["error"].get("innerError").is_none(),
            "Exchange's 429 has no innerError: {body}"
        );
    }
    let figures = env.admin("/concurrency").await;
    let support = mailbox_figures(&figures, "support@contoso.com");
    assert_eq!(support["highest_admitted"], 4);
    assert_eq!(support["throttled"], throttled.len());
    assert_eq!(support["in_flight"], 0);

    // Another app has its own four slots on the same mailbox.
    let other = env
        .get(
            &read_only(),
            "/v1.0/users/support@contoso.com/mailFolders/inbox?$select=id",
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    let counts = env.host.counts.lock().unwrap().clone();
    assert!(
        counts
            .iter()
            .any(|(k, m)| k == "graph.throttled" && m.as_deref() == Some("support@contoso.com"))
    );
}

#[tokio::test]
async fn latency_is_spent_inside_the_mailbox_slot() {
    let env = Env::start().await;
    env.admin_put("/mail-latency", json!({"ms": 120})).await;
    let started = std::time::Instant::now();
    let answer = env
        .get(
            &graphmail(),
            "/v1.0/users/sales@contoso.com/mailFolders/inbox",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(started.elapsed().as_millis() >= 120);
    let reset = env.admin_put("/mail-latency", json!({"ms": 0})).await;
    assert_eq!(reset["ms"], 0);
}

// ---- seeds for scale ---------------------------------------------------

#[tokio::test]
async fn generated_mailboxes_answer_like_seeded_ones() {
    let seed: MailSeed = toml::from_str(
        r#"
        [[generate]]
        count = 200
        pattern = "inbox{n}@contoso.com"
        folders = ["Inbox/Support"]
        messages_per_folder = 15
        member_of = ["graphmail-mailboxes@contoso.com"]
        [[access_policies]]
        app_id = "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b"
        access_right = "RestrictAccess"
        scope_group = "graphmail-mailboxes@contoso.com"
        "#,
    )
    .expect("seed");
    let started = std::time::Instant::now();
    let env = Env::with_seed(&seed).await;
    println!(
        "200 mailboxes, 3000 messages loaded in {:?}",
        started.elapsed()
    );
    assert_eq!(
        env.admin("/mailboxes").await["mailboxes"]
            .as_array()
            .map(Vec::len),
        Some(200)
    );
    let support = env
        .get(&graphmail(), "/v1.0/users/inbox137@contoso.com/mailFolders/inbox/childFolders?$filter=displayName eq 'Support'")
        .await;
    let id = support.values()[0]["id"].as_str().expect("id");
    assert_eq!(support.values()[0]["totalItemCount"], 15);
    let page = env
        .get(
            &graphmail(),
            &format!("/v1.0/users/inbox137@contoso.com/mailFolders/{id}/messages"),
        )
        .await;
    assert_eq!(page.values().len(), 10);
    assert!(page.next_link().is_some());
}

// ---- with the identity half: real tokens, the whole router ----------------

/// The whole sandbox (identity + Graph + admin) as `sandbox serve` runs it
/// without a seed file: the built-in tenant and the built-in mailboxes.
async fn whole_sandbox() -> graphmail::sandbox::RunningSandbox {
    graphmail::sandbox::start(graphmail::sandbox::ServeOptions::default())
        .await
        .expect("sandbox starts")
}

#[tokio::test]
async fn real_tokens_open_the_mailboxes_and_their_faults_map_to_graph_codes() {
    let running = whole_sandbox().await;
    let sandbox = running.sandbox();
    let base = running.base_url().to_owned();
    let admin = running.admin_url().to_owned();
    graphmail::auth::install_tls_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let get = |token: String, path: &'static str| {
        let request = client.get(format!("{base}{path}")).bearer_auth(token);
        async move {
            let response = request.send().await.expect("response");
            let status = response.status();
            let body: Value = response.json().await.expect("json");
            (status, body)
        }
    };
    let mint = |app: &str| sandbox.mint_access_token(app, None).expect("token");

    let (status, folders) = get(
        mint(GRAPHMAIL),
        "/v1.0/users/support@contoso.com/mailFolders",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{folders:?}");
    let next = folders["@odata.nextLink"].as_str().expect("nextLink");
    assert!(next.starts_with(&format!("{base}/v1.0/users/")), "{next}");

    let (status, body) = get(
        mint(NO_CONSENT),
        "/v1.0/users/support@contoso.com/mailFolders",
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("NoPermissionsInAccessToken"))
    );

    let outlook = sandbox
        .mint_access_token(GRAPHMAIL, Some("https://outlook.office.com"))
        .expect("token");
    let (status, body) = get(outlook, "/v1.0/users/support@contoso.com/mailFolders").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("audience"),
        "{body:?}"
    );

    let (status, body) = get(
        mint(GRAPHMAIL),
        "/v1.0/users/restricted@contoso.com/messages",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["message"], "Access to OData is disabled.");
    let (status, _) = get(
        mint(READ_ONLY),
        "/v1.0/users/restricted@contoso.com/messages",
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Counters by kind and mailbox live in the identity half's admin endpoint.
    let counters: Value = client
        .get(format!("{admin}/counters"))
        .send()
        .await
        .expect("counters")
        .json()
        .await
        .expect("json");
    assert!(
        counters["mailboxes"]["support@contoso.com"]["graph.mailFolders"]
            .as_u64()
            .unwrap_or(0)
            >= 2,
        "{counters:?}"
    );
    let mailboxes: Value = client
        .get(format!("{admin}/mail/mailboxes"))
        .send()
        .await
        .expect("mailboxes")
        .json()
        .await
        .expect("json");
    assert_eq!(mailboxes["mailboxes"].as_array().map(Vec::len), Some(6));

    // Two hours later the token has expired (the clock is the sandbox's).
    let token = mint(GRAPHMAIL);
    let shifted = client
        .post(format!("{admin}/clock"))
        .json(&json!({"shift_seconds": 7200}))
        .send()
        .await
        .expect("clock");
    assert!(shifted.status().is_success());
    let (status, body) = get(token, "/v1.0/users/support@contoso.com/mailFolders").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{body:?}"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_sandbox_throttles_a_fifth_concurrent_request() {
    let running = whole_sandbox().await;
    let token = running
        .sandbox()
        .mint_access_token(GRAPHMAIL, None)
        .expect("token");
    graphmail::auth::install_tls_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let admin = running.admin_url().to_owned();
    let set = client
        .put(format!("{admin}/mail/mail-latency"))
        .json(&json!({"ms": 250}))
        .send()
        .await
        .expect("latency");
    assert!(set.status().is_success());
    let url = format!(
        "{}/v1.0/users/sales@contoso.com/messages?$top=1",
        running.base_url()
    );
    let statuses = futures::future::join_all((0..8).map(|_| {
        let request = client.get(&url).bearer_auth(&token).send();
        async move { request.await.expect("response").status() }
    }))
    .await;
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!((1..=4).contains(&throttled), "{statuses:?}");
    let figures: Value = client
        .get(format!("{admin}/mail/concurrency"))
        .send()
        .await
        .expect("figures")
        .json()
        .await
        .expect("json");
    let sales = mailbox_figures(&figures, "sales@contoso.com");
    assert_eq!(sales["highest_admitted"], 4);
    running.shutdown().await;
}

// ---- JSON batching (reference §6.3) -----------------------------------

/// `requests` entries by id, from a `$batch` answer.
fn by_id(answer: &Answer) -> std::collections::HashMap<String, Value> {
    answer.body["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .map(|r| (r["id"].as_str().expect("id").to_owned(), r.clone()))
        .collect()
}

#[tokio::test]
async fn a_batch_answers_each_request_as_if_it_came_alone() {
    let env = Env::start().await;
    let alone = env
        .get(
            &graphmail(),
            "/v1.0/users/support@contoso.com/mailFolders/inbox?$select=displayName",
        )
        .await;
    env.host.counts.lock().unwrap().clear();
    let answer = env
        .post(
            &graphmail(),
            "/v1.0/$batch",
            json!({"requests": [
                {"id": "a", "method": "GET", "url": "/users/support@contoso.com/mailFolders/inbox?$select=displayName"},
                {"id": "b", "method": "GET", "url": "users/nobody@contoso.com/mailFolders/inbox"},
                {"id": "c", "method": "GET", "url": "/users/restricted@contoso.com/mailFolders/inbox",
                 "headers": {"client-request-id": "mine-42"}},
                {"id": "d", "method": "POST", "url": "/users/noreply@contoso.com/sendMail",
                 "headers": {"Content-Type": "application/json"},
                 "body": {"message": mail("Batched", "sales@contoso.com"), "saveToSentItems": false}},
            ]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert!(answer.headers.contains_key("request-id"));
    let parts = by_id(&answer);
    assert_eq!(parts.len(), 4, "{:?}", answer.body);

    assert_eq!(parts["a"]["status"], 200);
    assert_eq!(parts["a"]["body"]["displayName"], alone.body["displayName"]);
    // A request's own headers carry no request ID (Microsoft's example).
    assert!(
        parts["a"]["headers"].get("request-id").is_none(),
        "{}",
        parts["a"]
    );
    assert_eq!(parts["b"]["status"], 404);
    assert_eq!(parts["b"]["body"]["error"]["code"], "ErrorInvalidUser");
    assert_eq!(parts["c"]["status"], 403);
    assert_eq!(parts["c"]["body"]["error"]["code"], "ErrorAccessDenied");
    // Its error body has Graph's IDs, the caller's client-request-id echoed.
    let inner = &parts["c"]["body"]["error"]["innerError"];
    assert!(inner["request-id"].is_string(), "{}", parts["c"]);
    assert_eq!(inner["client-request-id"], "mine-42");
    assert_eq!(parts["d"]["status"], 202, "{}", parts["d"]);
    assert!(parts["d"].get("body").is_none(), "{}", parts["d"]);
    let inbox = env
        .get(
            &graphmail(),
            "/v1.0/users/sales@contoso.com/mailFolders/inbox/messages?$filter=subject eq 'Batched'",
        )
        .await;
    assert_eq!(inbox.values().len(), 1, "the batched send was delivered");

    // The envelope is counted once, and each request as its own kind.
    let counts = env.host.counts.lock().unwrap().clone();
    let kinds: Vec<&str> = counts.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "graph.batch").count(),
        1,
        "{kinds:?}"
    );
    assert!(
        counts
            .iter()
            .any(|(k, m)| k == "graph.mailFolder" && m.as_deref() == Some("support@contoso.com")),
        "{counts:?}"
    );
    assert!(kinds.contains(&"graph.sendMail"), "{kinds:?}");
}

#[tokio::test]
async fn malformed_batches_are_refused_whole_and_nothing_in_them_runs() {
    let env = Env::start().await;
    let get = |id: &str| json!({"id": id, "method": "GET", "url": "/users/support@contoso.com/mailFolders/inbox"});
    let cases = [
        (
            "21 requests",
            json!({"requests": (1..=21).map(|i| get(&i.to_string())).collect::<Vec<_>>()}),
        ),
        (
            "ids equal but for case",
            json!({"requests": [get("x"), get("X")]}),
        ),
        ("no requests", json!({"requests": []})),
        ("no requests field", json!({"calls": [get("1")]})),
        (
            "no url",
            json!({"requests": [{"id": "1", "method": "GET"}]}),
        ),
        (
            "an absolute url",
            json!({"requests": [{"id": "1", "method": "GET",
            "url": "https://graph.microsoft.com/v1.0/users/support@contoso.com"}]}),
        ),
        (
            "a batch in a batch",
            json!({"requests": [{"id": "1", "method": "POST", "url": "/$batch",
            "headers": {"Content-Type": "application/json"}, "body": {"requests": []}}]}),
        ),
        (
            "a body without Content-Type",
            json!({"requests": [{"id": "1", "method": "POST",
            "url": "/users/noreply@contoso.com/sendMail", "body": {"message": {}}}]}),
        ),
        (
            "an unknown dependency",
            json!({"requests": [{"id": "1", "method": "GET",
            "url": "/users/support@contoso.com", "dependsOn": ["9"]}]}),
        ),
        (
            "a dependency cycle",
            json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users/support@contoso.com", "dependsOn": ["2"]},
            {"id": "2", "method": "GET", "url": "/users/support@contoso.com", "dependsOn": ["1"]}]}),
        ),
    ];
    for (what, body) in cases {
        env.host.counts.lock().unwrap().clear();
        let answer = env.post(&graphmail(), "/v1.0/$batch", body).await;
        assert_error(&answer, 400, "BadRequest");
        let counts = env.host.counts.lock().unwrap().clone();
        assert!(
            counts.iter().all(|(k, _)| k == "graph.batch"),
            "{what}: nothing in a refused batch runs: {counts:?}"
        );
    }
}

#[tokio::test]
async fn requests_in_a_batch_take_their_own_mailbox_slots() {
    let env = Env::start().await;
    env.admin_put(
        "/mail-latency",
        json!({"mailbox": "support@contoso.com", "ms": 300}),
    )
    .await;
    let requests: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"id": i.to_string(), "method": "GET",
            "url": "/users/support@contoso.com/mailFolders/inbox?$select=id"})
        })
        .collect();
    let answer = env
        .post(
            &graphmail(),
            "/v1.0/$batch",
            json!({ "requests": requests }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let parts = by_id(&answer);
    let ok = parts.values().filter(|p| p["status"] == 200).count();
    let throttled: Vec<&Value> = parts.values().filter(|p| p["status"] == 429).collect();
    // Exchange evaluates each request of a batch against its limits: six
    // at once on one mailbox overflow its four slots, the envelope is 200.
    assert_eq!((ok, throttled.len()), (4, 2), "{:?}", answer.body);
    for part in throttled {
        assert_eq!(part["headers"]["retry-after"], "1", "{part}");
        assert_eq!(part["body"]["error"]["code"], "ApplicationThrottled");
    }
    let figures = env.admin("/concurrency").await;
    let support = mailbox_figures(&figures, "support@contoso.com");
    assert_eq!(support["highest_admitted"], 4, "they ran side by side");
}

#[tokio::test]
async fn depends_on_runs_in_order_and_a_failed_dependency_is_424() {
    let env = Env::start().await;
    let answer = env
        .post(
            &graphmail(),
            "/v1.0/$batch",
            json!({"requests": [
                {"id": "3", "method": "GET", "url": "/users/support@contoso.com", "dependsOn": ["2"]},
                {"id": "1", "method": "GET", "url": "/users/nobody@contoso.com/mailFolders/inbox"},
                {"id": "2", "method": "GET", "url": "/users/support@contoso.com", "dependsOn": ["1"]},
                {"id": "4", "method": "GET", "url": "/users/support@contoso.com/mailFolders/inbox?$select=id"},
            ]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let order: Vec<&str> = answer.body["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(order, ["1", "2", "3", "4"], "dependency order");
    let parts = by_id(&answer);
    assert_eq!(parts["1"]["status"], 404);
    assert_eq!(parts["2"]["status"], 424);
    assert_eq!(parts["2"]["body"]["error"]["code"], "FailedDependency");
    assert_eq!(parts["3"]["status"], 424);
    assert_eq!(parts["4"]["status"], 200);
}

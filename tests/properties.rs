//! Property tests (issue 12): what hostile or broken input may do to the
//! parsers graphmail trusts least. Each property holds for every generated
//! case, not for a few examples:
//!
//! - the state file loader, on arbitrary bytes and arbitrary TOML: never a
//!   panic; a file it rejects is left byte for byte as it was by `update`;
//!   a valid model survives a write and a read unchanged, also when it
//!   replaces another (the patching writer);
//! - the token response decoder and the Entra error decoder: never a panic;
//! - the Graph error decoder: never a panic; a code it reports is one the
//!   body carried;
//! - `Retry-After`: never a panic; seconds and HTTP dates read as written;
//! - folder paths: `split_path` gives trimmed, non-empty, slash-free segments;
//! - addresses: an accepted address is stable, and its URL form stays one
//!   path segment (never `..`, never a `/`);
//! - the sandbox's OData `$filter` parser, over HTTP: every filter gets a
//!   200 or a 400, never a 500 or a dropped connection.
//!
//! Case count: 128 per property by default, so CI stays fast. A long run on
//! demand: `PROPTEST_CASES=100000 cargo test --features test-store --test properties`.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use graphmail::state::evidence::Verdicts;
use graphmail::state::parsed;
use graphmail::state::store::StateFile;
use graphmail::state::{
    AiFeature, AssertionForm, Cloud, Connector, Credential, Integration, Route, SecretSource,
    State, TestRecord, UseFor,
};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// 128 cases, or `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    ProptestConfig {
        cases,
        // Shrunk failures are printed; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- the state file -------------------------------------------------------

/// Loads `bytes` as a state file; when it is rejected, an update must fail
/// without touching it.
fn check_state_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.toml");
    std::fs::write(&path, bytes).unwrap();
    let file = StateFile::open(&path);
    let loaded = file.load();
    let updated = file.update(|s| {
        s.connectors.push(connector_named("added-by-property"));
        Ok::<_, graphmail::state::store::StateError>(())
    });
    match loaded {
        Err(_) => {
            prop_assert!(updated.is_err(), "a rejected file was updated");
            prop_assert_eq!(std::fs::read(&path).unwrap(), bytes);
        }
        Ok(before) => {
            // Accepted files take the change and still read back.
            if updated.is_ok() {
                let after = file.load().expect("an updated file reads back");
                prop_assert_eq!(
                    after.state.connectors.len(),
                    before.state.connectors.len() + 1
                );
            }
        }
    }
    Ok(())
}

fn connector_named(name: &str) -> Connector {
    Connector {
        name: name.into(),
        use_for: UseFor::Outbound,
        address: format!("{name}@contoso.com"),
        enabled: false,
        folders: Vec::new(),
        process: None,
        send_automated_emails: false,
        test_mode: false,
        ai: Vec::new(),
        test: None,
    }
}

/// TOML values shaped like a state file's, often wrong in type or name.
fn toml_value() -> impl Strategy<Value = toml::Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(toml::Value::Integer),
        any::<bool>().prop_map(toml::Value::Boolean),
        any::<String>().prop_map(toml::Value::String),
        Just(toml::Value::String(
            "5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b".into()
        )),
        prop::sample::select(vec![
            "outbound", "incoming", "global", "custom", "secret", "keyring", "..", "/tmp/x",
        ])
        .prop_map(|s| toml::Value::String(s.into())),
        (-1e300f64..1e300).prop_map(toml::Value::Float),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(toml::Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

/// Keys of the state file, and a few it does not have.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "schema_version", "instance_id", "integration", "connector", "route", "name",
            "use_for", "address", "enabled", "folders", "process", "test", "at", "passed",
            "fingerprint", "steps", "tenant", "app_id", "cloud", "credential", "kind", "secret",
            "source", "var", "default", "connector", "description",
        ])
        .prop_map(str::to_string),
        1 => "[a-z_]{1,12}",
    ]
}

fn state_document() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop_oneof![Just(1i64), any::<i64>()]),
        prop::collection::btree_map(key(), toml_value(), 0..6),
    )
        .prop_map(|(version, rest)| {
            let mut table: toml::Table = rest.into_iter().collect();
            if let Some(v) = version {
                table.insert("schema_version".into(), toml::Value::Integer(v));
            }
            toml::to_string(&table).unwrap_or_default()
        })
}

// A name graphmail would accept; also used for connector references.
fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,10}[a-z0-9]"
}

fn test_record() -> impl Strategy<Value = TestRecord> {
    (
        any::<String>(),
        any::<bool>(),
        any::<String>(),
        prop::collection::vec("[a-z-]{1,10}=[a-z]{1,8}", 0..4),
        prop::option::of(prop::sample::select(vec![
            graphmail::state::model::Verdict::Passed,
            graphmail::state::model::Verdict::Failed,
            graphmail::state::model::Verdict::Unverified,
        ])),
        prop::option::of(any::<String>()),
    )
        .prop_map(
            |(at, passed, fingerprint, steps, verdict, needs)| TestRecord {
                at,
                passed,
                fingerprint,
                steps: steps.into(),
                verdict,
                needs,
            },
        )
}

fn secret_source() -> impl Strategy<Value = SecretSource> {
    prop_oneof![
        Just(SecretSource::Keyring),
        Just(SecretSource::None),
        any::<String>().prop_map(|var| SecretSource::Env { var }),
    ]
}

fn integration() -> impl Strategy<Value = Integration> {
    let credential = prop_oneof![
        (secret_source(), any::<String>()).prop_map(|(secret, credential_generation)| {
            Credential::Secret {
                secret,
                credential_generation,
            }
        }),
        (
            any::<String>(),
            secret_source(),
            any::<String>(),
            any::<bool>()
        )
            .prop_map(|(file, password, subject, pss)| Credential::Certificate {
                file,
                password,
                sha1: "A".repeat(40),
                sha256: "B".repeat(64),
                subject,
                not_after: "2030-01-01T00:00:00Z".into(),
                assertion: if pss {
                    AssertionForm::Ps256X5tS256
                } else {
                    AssertionForm::Rs256X5t
                },
            }),
    ];
    (
        any::<String>(),
        any::<String>(),
        prop::sample::select(vec![
            Cloud::Global,
            Cloud::Usgov,
            Cloud::UsgovDod,
            Cloud::China,
            Cloud::Custom,
        ]),
        prop::option::of(any::<String>()),
        prop::option::of(any::<String>()),
        prop::option::of(any::<String>()),
        credential,
        prop::option::of(test_record()),
        prop::option::of(any::<String>()),
    )
        .prop_map(
            |(
                tenant,
                app_id,
                cloud,
                authority_host,
                graph_endpoint,
                ca_file,
                credential,
                test,
                secret_expires,
            )| {
                Integration {
                    tenant,
                    app_id,
                    cloud,
                    authority_host,
                    graph_endpoint,
                    ca_file,
                    credential,
                    test,
                    secret_expires,
                }
            },
        )
}

fn connector() -> impl Strategy<Value = Connector> {
    (
        name(),
        any::<bool>(),
        any::<String>(),
        any::<bool>(),
        prop::collection::vec(any::<String>(), 0..3),
        prop::option::of(any::<String>()),
        (any::<bool>(), any::<bool>()),
        prop::collection::btree_set(prop::sample::select(AiFeature::ALL.to_vec()), 0..3),
        prop::option::of(test_record()),
    )
        .prop_map(
            |(name, incoming, address, enabled, folders, process, (auto, test_mode), ai, test)| {
                Connector {
                    name,
                    use_for: if incoming {
                        UseFor::Incoming
                    } else {
                        UseFor::Outbound
                    },
                    address,
                    enabled,
                    folders,
                    process,
                    send_automated_emails: auto,
                    test_mode,
                    ai: ai.into_iter().collect(),
                    test,
                }
            },
        )
}

fn route() -> impl Strategy<Value = Route> {
    (
        name(),
        any::<String>(),
        name(),
        any::<String>(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop::option::of(any::<String>()),
        (any::<bool>(), any::<bool>()),
        prop::option::of(test_record()),
    )
        .prop_map(
            |(
                name,
                description,
                connector,
                address,
                (enabled, default, auto),
                process,
                (for_attention, test_mode),
                test,
            )| Route {
                name,
                description,
                connector,
                address,
                enabled,
                default,
                process,
                send_automated_emails: auto,
                for_attention,
                test_mode,
                test,
            },
        )
}

fn scope() -> impl Strategy<Value = graphmail::state::model::Scope> {
    use graphmail::state::model::{Scope, ScopeMechanism};
    (
        prop::sample::select(vec![ScopeMechanism::Rbac, ScopeMechanism::AccessPolicy]),
        prop::collection::vec(any::<String>(), 0..3),
        prop::collection::vec(any::<String>(), 0..3),
    )
        .prop_map(|(mechanism, outside, own_mailboxes)| Scope {
            mechanism,
            outside,
            own_mailboxes,
        })
}

fn state() -> impl Strategy<Value = State> {
    (
        any::<u128>(),
        prop::option::of(integration()),
        prop::collection::vec(connector(), 0..4),
        prop::collection::vec(route(), 0..4),
        prop::option::of(scope()),
    )
        .prop_map(|(id, integration, connectors, routes, scope)| State {
            schema_version: graphmail::state::model::SCHEMA_VERSION,
            instance_id: uuid::Uuid::from_u128(id),
            integration,
            connectors,
            routes,
            scope,
            switched_off: Default::default(),
        })
}

/// Writes `state` through the one writer and reads it back.
fn write_and_read(path: &Path, state: &State) -> State {
    StateFile::open(path)
        .update(|s| {
            *s = state.clone();
            Ok::<_, graphmail::state::store::StateError>(())
        })
        .expect("a valid model is written");
    StateFile::open(path).load().expect("and read back").state
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_state_loader_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_state_bytes(&bytes)?;
    }

    #[test]
    fn the_state_loader_survives_arbitrary_toml(text in state_document()) {
        check_state_bytes(text.as_bytes())?;
    }

    #[test]
    fn a_valid_model_survives_a_write_and_a_read(first in state(), second in state()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.toml");
        // A fresh file: the canonical rendering.
        prop_assert_eq!(&write_and_read(&path, &first), &first);
        // Over an existing file: the patching writer.
        prop_assert_eq!(&write_and_read(&path, &second), &second);
    }

    /// The settings copy in `<file>.d/parsed.json` is not read back at each
    /// write: this is what stands behind it.
    #[test]
    fn the_settings_copy_reads_back_as_the_state(mut state in state()) {
        // The copy holds the settings: the records live in verdicts.json.
        if let Some(i) = state.integration.as_mut() {
            i.test = None;
        }
        state.connectors.iter_mut().for_each(|c| c.test = None);
        state.routes.iter_mut().for_each(|r| r.test = None);
        let dir = tempfile::tempdir().unwrap();
        // Any text large enough to be given a copy; the copy is keyed on it.
        let text = "# ".repeat(parsed::MIN_BYTES);
        parsed::write(dir.path(), &text, &state);
        prop_assert_eq!(parsed::read(dir.path(), &text), Some(state));
        prop_assert_eq!(parsed::read(dir.path(), &format!("{text}#")), None);
    }

    /// A write decides whether `verdicts.json` changes without building the
    /// records anew; the answer must be what building them would give.
    #[test]
    fn the_records_check_agrees_with_building_them(
        state in state(),
        pick in any::<prop::sample::Index>(),
        record in test_record(),
        switched in prop::option::of(("[a-z]{1,3}", "[a-z]{1,3}")),
        switched_before in any::<bool>(),
        unswitch in any::<bool>(),
        touch_a_record in any::<bool>(),
    ) {
        let mut state = state;
        if switched_before && let Some(route) = state.routes.first() {
            state.switched_off.insert(route.name.clone(), "c".into());
        }
        let on_disk = Verdicts::of(&state, 7);
        prop_assert!(on_disk.are_the_records_of(&state));
        let mut other = state.clone();
        let items = other.connectors.len() + other.routes.len();
        if !touch_a_record {
            // Only the switched-off routes below, if anything.
        } else if items > 0 {
            let i = pick.index(items);
            let test = match other.connectors.get_mut(i) {
                Some(c) => &mut c.test,
                None => &mut other.routes[i - state.connectors.len()].test,
            };
            *test = match test {
                Some(_) if i % 2 == 0 => None,
                _ => Some(record),
            };
        } else if let Some(i) = other.integration.as_mut() {
            i.test = Some(record);
        }
        if unswitch {
            other.switched_off.clear();
        }
        if let Some((route, connector)) = switched {
            other.switched_off.insert(route, connector);
        }
        prop_assert_eq!(
            on_disk.are_the_records_of(&other),
            Verdicts::of(&other, 7) == on_disk
        );
    }
}

// ---- what services answer -------------------------------------------------

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<u64>().prop_map(|n| serde_json::json!(n)),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    let value = leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "error",
                    "code",
                    "message",
                    "innerError",
                    "innererror",
                    "request-id",
                    "client-request-id",
                    "date",
                    "error_description",
                    "error_codes",
                    "trace_id",
                    "correlation_id",
                    "access_token",
                    "token_type",
                    "expires_in",
                    "ext_expires_in",
                ])
                .prop_map(str::to_string),
                inner,
                0..5,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    value.prop_map(|v| v.to_string())
}

/// A body: raw bytes, or JSON shaped like the service's.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_text().prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_token_decoders_never_panic(status in any::<u16>(), body in body()) {
        let _ = graphmail::auth::token::parse_token_response("https://login.example/t", status, &body);
        let _ = graphmail::auth::token::parse_entra_error(status, &body);
    }

    #[test]
    fn a_token_answer_is_read_or_refused_never_a_panic(
        token in any::<String>(),
        kind in prop::sample::select(vec!["Bearer", "bearer", "pop", ""]),
        // The full u64 range: `Instant + Duration` on a huge lifetime would
        // panic without the clamp (issue 12 #4).
        expires_in in prop_oneof![any::<u64>().prop_map(|n| serde_json::json!(n)), any::<u64>().prop_map(|n| serde_json::json!(n.to_string())), Just(serde_json::json!(-1)), Just(serde_json::json!(null))],
    ) {
        let body = serde_json::json!({"access_token": token, "token_type": kind, "expires_in": expires_in});
        let _ = graphmail::auth::token::parse_token_response(
            "https://login.example/t",
            200,
            body.to_string().as_bytes(),
        );
    }

    #[test]
    fn the_graph_error_decoder_reports_only_codes_the_body_carried(
        status in any::<u16>(),
        body in body(),
        request_id in prop::option::of(any::<String>()),
    ) {
        let error = graphmail::graph::error::decode_error(status, &body, request_id.clone(), None);
        prop_assert_eq!(error.status, Some(status));
        if request_id.is_some() {
            prop_assert_eq!(&error.request_id, &request_id, "the header's ID wins");
        }
        // Every code is a string of the body's JSON; a body that is not JSON has none.
        let mut strings = Vec::new();
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) {
            collect_strings(&json, &mut strings);
        }
        for code in &error.codes {
            prop_assert!(strings.contains(code), "code {:?} is not in the body", code);
        }
        if let Some(code) = &error.code {
            prop_assert!(error.codes.contains(code));
        }
    }

    #[test]
    fn deeply_nested_graph_errors_never_overflow(depth in 0usize..2000, code in "[A-Za-z]{1,12}") {
        let mut inner = serde_json::json!({"code": code});
        for _ in 0..depth.min(100) {
            inner = serde_json::json!({"code": "Outer", "innerError": inner});
        }
        let body = serde_json::json!({"error": inner});
        let error = graphmail::graph::error::decode_error(400, body.to_string().as_bytes(), None, None);
        prop_assert!(error.code.is_some());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_as_written(
        raw in any::<String>(),
        secs in 0u64..10_000_000,
        ahead in 0u64..86_400,
    ) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000);
        let _ = graphmail::auth::http::parse_retry_after_value(&raw, now);
        prop_assert_eq!(
            graphmail::auth::http::parse_retry_after_value(&secs.to_string(), now),
            Some(Duration::from_secs(secs))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(ahead));
        prop_assert_eq!(
            graphmail::auth::http::parse_retry_after_value(&date, now),
            Some(Duration::from_secs(ahead))
        );
        prop_assert_eq!(
            graphmail::auth::http::parse_retry_after_value(&format!("-{}", secs + 1), now),
            None
        );
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

// ---- what users and state files give --------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn folder_paths_split_into_clean_segments(path in any::<String>(), segments in prop::collection::vec("[^/]{0,12}", 0..6)) {
        for segment in graphmail::graph::folders::split_path(&path) {
            prop_assert!(!segment.is_empty());
            prop_assert!(!segment.contains('/'));
            prop_assert_eq!(segment, segment.trim());
        }
        let joined = segments.join("/");
        let want: Vec<&str> = segments.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        prop_assert_eq!(graphmail::graph::folders::split_path(&joined), want);
    }

    #[test]
    fn an_accepted_address_is_stable_and_one_url_segment(
        input in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{0,12}@[a-zA-Z0-9.-]{0,16}",
            prop::sample::select(vec!["..", ".", "../x@y.z", "a@..", "a/../b@contoso.com", " a@contoso.com "]).prop_map(str::to_string),
        ],
    ) {
        if let Ok(address) = graphmail::state::validate::email("--address", &input) {
            prop_assert_eq!(graphmail::state::validate::email("--address", &address).ok(), Some(address.clone()));
            prop_assert_eq!(address.matches('@').count(), 1);
            prop_assert!(!address.chars().any(|c| c.is_control() || c.is_whitespace()));
            let segment = graphmail::graph::encode_component(&address);
            prop_assert!(!segment.contains('/') && !segment.contains('?') && !segment.contains('#'));
            prop_assert!(segment != "." && segment != "..");
        }
    }
}

// ---- the sandbox's $filter parser, over HTTP ------------------------------

struct FilterTarget {
    runtime: tokio::runtime::Runtime,
    _sandbox: graphmail::sandbox::RunningSandbox,
    client: reqwest::Client,
    token: String,
    url: String,
}

fn filter_target() -> &'static FilterTarget {
    static TARGET: std::sync::OnceLock<FilterTarget> = std::sync::OnceLock::new();
    TARGET.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(graphmail::sandbox::start(
                graphmail::sandbox::ServeOptions {
                    output_dir: Some(common::folder_removed_at_exit()),
                    ..Default::default()
                },
            ))
            .expect("sandbox");
        let ready = sandbox.ready().clone();
        graphmail::auth::install_tls_provider();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let token = runtime.block_on(async {
            let answer: serde_json::Value = client
                .post(format!(
                    "{}/{}/oauth2/v2.0/token",
                    ready.authority_host, ready.tenant
                ))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", ready.app_id.as_str()),
                    (
                        "client_secret",
                        ready.client_secret.as_deref().unwrap_or(""),
                    ),
                    ("scope", &format!("{}/.default", ready.graph_endpoint)),
                ])
                .send()
                .await
                .expect("token endpoint")
                .json()
                .await
                .expect("token JSON");
            answer["access_token"]
                .as_str()
                .expect("a token")
                .to_string()
        });
        let url = format!(
            "{}/v1.0/users/support@contoso.com/mailFolders/inbox/messages",
            ready.graph_endpoint
        );
        FilterTarget {
            runtime,
            _sandbox: sandbox,
            client,
            token,
            url,
        }
    })
}

/// Filters from the grammar's own words, in any order, and raw text.
fn filter() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "subject",
        "isRead",
        "receivedDateTime",
        "from/emailAddress/address",
        "importance",
        "categories",
        "displayName",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "and",
        "or",
        "not",
        "(",
        ")",
        ",",
        "'a'",
        "''",
        "'it''s'",
        "'",
        "true",
        "false",
        "null",
        "42",
        "-1",
        "2025-01-06T09:00:00Z",
        "startswith(",
        "endswith(",
        "contains(",
        "any(",
        "x:",
        "/",
        "99999999999999999999999",
        "\u{202e}",
        "\u{0}",
    ]);
    prop_oneof![
        prop::collection::vec(word, 0..12).prop_map(|w| w.join(" ")),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_sandbox_filter_parser_answers_200_or_400_never_500(filter in filter()) {
        let target = filter_target();
        let status = target.runtime.block_on(async {
            target
                .client
                .get(&target.url)
                .bearer_auth(&target.token)
                .query(&[("$filter", filter.as_str())])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        let status = status.map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
        prop_assert!(status == 200 || status == 400, "{} for $filter={:?}", status, filter);
    }
}

//! JSON batching (reference §6.3, [S30] `concepts/json-batching.md`): the
//! GETs of a run over many targets leave as `POST {base}/$batch` envelopes
//! of up to 20 requests, instead of one connection and one request each.
//!
//! The batcher is only a transport. Each request keeps its own retry loop
//! in [`super::GraphClient`], its mailbox slot and its deadline: it hands
//! one attempt to [`Batcher::send`] and gets back that attempt's answer,
//! as if it had gone alone.
//! - Graph evaluates every request of a batch against the throttling
//!   limits on its own, and a throttled one comes back `429` with its own
//!   `Retry-After` inside a `200` envelope ([S29] "Throttling and
//!   batching"): the request's loop waits and sends it again, in a later
//!   batch.
//! - An envelope answered with anything but `200` (a throttled or
//!   unavailable front door, an expired token) is every request's answer.
//! - An envelope that never got an answer is every request's wire failure.
//! - An endpoint that does not know `$batch` (a 400, 404, 405 or 501 on
//!   the envelope: a proxy or a cloud without it) switches batching off
//!   for the client, and the requests go alone.
//!
//! Requests wait at most [`LINGER`] for company; a full envelope leaves at
//! once, and a lone request goes alone (it gains nothing from an envelope).
//! Only GETs are batched: a send must not be repeated because its envelope
//! was lost, and Graph answers requests of a batch in any order.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::oneshot;

use crate::auth::request_log::{RequestLog, Service, new_request_id};

/// Graph's limit of requests per batch ([S30] "Batch size limitations").
pub const MAX_BATCH: usize = 20;

/// How long a request waits for others to share its envelope. A run's
/// targets all ask within a few hundred microseconds of the token's
/// arrival; a millisecond is small beside any Graph round trip.
pub const LINGER: Duration = Duration::from_millis(1);

/// One attempt's answer, as [`super::GraphClient`] reads a plain one.
#[derive(Debug)]
pub(crate) enum Outcome {
    Answer {
        status: StatusCode,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// The envelope got no answer: every request in it shares the failure.
    Wire(Arc<reqwest::Error>),
    /// The envelope's answer was unreadable, or lacked this request.
    Invalid(String),
    /// Send it alone: batching is off, the URL is not under the client's
    /// base, or nothing else was waiting.
    Alone,
}

/// Collects a client's GETs into `$batch` envelopes. Shared by the
/// client's clones.
#[derive(Debug)]
pub(crate) struct Batcher {
    http: reqwest::Client,
    /// `{graph_endpoint}/v1.0`: batch URLs are relative to it ([S30]).
    base: String,
    endpoint: String,
    queue: Mutex<Queue>,
    off: AtomicBool,
}

#[derive(Debug, Default)]
struct Queue {
    waiting: Vec<Waiting>,
    /// A flush is scheduled for whatever waits when the linger ends.
    scheduled: bool,
}

#[derive(Debug)]
struct Waiting {
    bearer: HeaderValue,
    /// `/users/...?...`, relative to the version root.
    url: String,
    prefer: Option<&'static str>,
    client_request_id: String,
    reply: oneshot::Sender<Outcome>,
}

impl Batcher {
    pub(crate) fn new(http: reqwest::Client, base: &str) -> Self {
        Batcher {
            http,
            base: base.to_string(),
            endpoint: format!("{base}/$batch"),
            queue: Mutex::new(Queue::default()),
            off: AtomicBool::new(false),
        }
    }

    /// Sends one GET attempt in the next envelope and waits for its answer.
    pub(crate) async fn send(
        self: &Arc<Self>,
        url: &str,
        bearer: HeaderValue,
        prefer: Option<&'static str>,
        client_request_id: &str,
    ) -> Outcome {
        if self.off.load(Ordering::Relaxed) {
            return Outcome::Alone;
        }
        // nextLinks are absolute and carry the base; anything else goes alone.
        let Some(relative) = url.strip_prefix(&self.base).filter(|r| r.starts_with('/')) else {
            return Outcome::Alone;
        };
        let (reply, answer) = oneshot::channel();
        let waiting = Waiting {
            bearer,
            url: relative.to_string(),
            prefer,
            client_request_id: client_request_id.to_string(),
            reply,
        };
        let full = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.waiting.push(waiting);
            if queue.waiting.len() >= MAX_BATCH {
                Some(std::mem::take(&mut queue.waiting))
            } else {
                if !queue.scheduled {
                    queue.scheduled = true;
                    let batcher = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(LINGER).await;
                        let waiting = {
                            let mut queue = batcher.queue.lock().unwrap_or_else(|e| e.into_inner());
                            queue.scheduled = false;
                            std::mem::take(&mut queue.waiting)
                        };
                        batcher.dispatch(waiting);
                    });
                }
                None
            }
        };
        if let Some(waiting) = full {
            self.dispatch(waiting);
        }
        // A dropped sender means the envelope's task ended without a word
        // for this request: say so rather than hang.
        answer
            .await
            .unwrap_or_else(|_| Outcome::Invalid("the batch ended without an answer".into()))
    }

    /// Splits what waits into envelopes (one bearer each, at most
    /// [`MAX_BATCH`]) and posts each on its own task.
    fn dispatch(self: &Arc<Self>, mut waiting: Vec<Waiting>) {
        // A request whose caller gave up (its deadline passed) is not sent.
        waiting.retain(|w| !w.reply.is_closed());
        while !waiting.is_empty() {
            let bearer = waiting[0].bearer.clone();
            let (mut envelope, rest): (Vec<_>, Vec<_>) =
                waiting.into_iter().partition(|w| w.bearer == bearer);
            waiting = rest;
            while !envelope.is_empty() {
                let tail = envelope.split_off(envelope.len().min(MAX_BATCH));
                let this = std::mem::replace(&mut envelope, tail);
                if this.len() == 1 {
                    for w in this {
                        let _ = w.reply.send(Outcome::Alone);
                    }
                    continue;
                }
                let batcher = self.clone();
                tokio::spawn(async move { batcher.post(this).await });
            }
        }
    }

    async fn post(&self, envelope: Vec<Waiting>) {
        // Serialized from borrowed fields: no `serde_json::Value` tree per
        // request (allocations on the bulk run's busiest few milliseconds).
        #[derive(Serialize)]
        struct Envelope<'a> {
            requests: Vec<Part<'a>>,
        }
        #[derive(Serialize)]
        struct Part<'a> {
            id: String,
            method: &'static str,
            url: &'a str,
            headers: Headers<'a>,
        }
        #[derive(Serialize)]
        struct Headers<'a> {
            #[serde(rename = "client-request-id")]
            client_request_id: &'a str,
            #[serde(rename = "Prefer", skip_serializing_if = "Option::is_none")]
            prefer: Option<&'static str>,
        }
        let body = Envelope {
            requests: envelope
                .iter()
                .enumerate()
                .map(|(i, w)| Part {
                    id: (i + 1).to_string(),
                    method: "GET",
                    url: &w.url,
                    headers: Headers {
                        client_request_id: &w.client_request_id,
                        prefer: w.prefer,
                    },
                })
                .collect(),
        };
        let client_request_id = new_request_id();
        let request = self
            .http
            .post(&self.endpoint)
            .header(AUTHORIZATION, envelope[0].bearer.clone())
            .header(ACCEPT, "application/json")
            .header("client-request-id", &client_request_id)
            .json(&body)
            .build();
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                let e = Arc::new(e);
                return answer_all(envelope, || Outcome::Wire(e.clone()));
            }
        };
        let log = RequestLog::start(
            Service::Graph,
            "POST",
            &self.endpoint,
            1,
            Some(request.headers()),
        );
        let answer = async {
            let response = self.http.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        let (status, headers, bytes) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                log.failed(&crate::auth::token::error_chain(&e));
                let e = Arc::new(e);
                return answer_all(envelope, || Outcome::Wire(e.clone()));
            }
        };
        log.answered(status.as_u16(), &headers);
        tracing::debug!("graph: $batch of {} requests", envelope.len());
        if matches!(status.as_u16(), 400 | 404 | 405 | 501) {
            // The endpoint does not take `$batch` (or not ours): send alone
            // from now on, rather than fail every request on it.
            tracing::info!(
                "graph: $batch answered HTTP {}: sending requests one by one",
                status.as_u16()
            );
            self.off.store(true, Ordering::Relaxed);
            return answer_all(envelope, || Outcome::Alone);
        }
        if status != StatusCode::OK {
            let body = bytes.to_vec();
            return answer_all(envelope, || Outcome::Answer {
                status,
                headers: headers.clone(),
                body: body.clone(),
            });
        }
        let envelope_id = headers.get("request-id").cloned();
        let parsed = match serde_json::from_slice::<Answers<'_>>(&bytes) {
            Ok(parsed) => parsed,
            Err(e) => {
                let message = format!("Graph's $batch answer is unreadable: {e}");
                return answer_all(envelope, || Outcome::Invalid(message.clone()));
            }
        };
        let mut replies: Vec<Option<oneshot::Sender<Outcome>>> =
            envelope.into_iter().map(|w| Some(w.reply)).collect();
        for answer in parsed.responses {
            // Ids are ours, "1".."20"; Graph answers in any order ([S30]).
            let Some(reply) = answer
                .id
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| replies.get_mut(i))
                .and_then(Option::take)
            else {
                continue;
            };
            let _ = reply.send(sub_answer(answer, envelope_id.as_ref()));
        }
        for reply in replies.into_iter().flatten() {
            let _ = reply.send(Outcome::Invalid(
                "Graph's $batch answer has no response for this request".into(),
            ));
        }
    }
}

fn answer_all(envelope: Vec<Waiting>, outcome: impl Fn() -> Outcome) {
    for w in envelope {
        let _ = w.reply.send(outcome());
    }
}

#[derive(Deserialize)]
struct Answers<'a> {
    #[serde(borrow)]
    responses: Vec<SubAnswer<'a>>,
}

#[derive(Deserialize)]
struct SubAnswer<'a> {
    #[serde(deserialize_with = "id_text")]
    id: String,
    status: u16,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

/// Ids are strings; a number is read as its text.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// One request's answer from its entry in the envelope.
fn sub_answer(answer: SubAnswer<'_>, envelope_id: Option<&HeaderValue>) -> Outcome {
    let Ok(status) = StatusCode::from_u16(answer.status) else {
        return Outcome::Invalid(format!(
            "Graph's $batch answer has status {} for a request",
            answer.status
        ));
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &answer.headers {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&text),
        ) {
            headers.insert(name, value);
        }
    }
    let body = match answer.body {
        None => Vec::new(),
        Some(raw) => raw.get().as_bytes().to_vec(),
    };
    // NOTE: a request's own headers carry no `request-id` ([S30]'s example
    // answer); its error body has its own in `innerError`, which support
    // wants. Otherwise (a success, Exchange's bare 429) the envelope's ID is
    // the one support can trace.
    let own_id = !status.is_success()
        && super::error::decode_error(status.as_u16(), &body, None, None)
            .request_id
            .is_some();
    if !headers.contains_key("request-id")
        && !own_id
        && let Some(id) = envelope_id
    {
        headers.insert("request-id", id.clone());
    }
    if !body.is_empty() && !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Outcome::Answer {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: &str) -> Outcome {
        let parsed: Answers<'_> = serde_json::from_str(json).expect("parses");
        let id = HeaderValue::from_static("envelope-id");
        sub_answer(parsed.responses.into_iter().next().expect("one"), Some(&id))
    }

    #[test]
    fn a_throttled_request_keeps_its_own_retry_after_and_error() {
        let Outcome::Answer {
            status,
            headers,
            body,
        } = answer(
            r#"{"responses":[{"id":"3","status":429,"headers":{"Retry-After":"2","Content-Type":"application/json"},
            "body":{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit.","innerError":{"request-id":"inner-id"}}}}]}"#,
        )
        else {
            panic!("an answer");
        };
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers["retry-after"], "2");
        // The request's own ID, from its error body, is the one reported.
        assert!(!headers.contains_key("request-id"), "{headers:?}");
        let error = crate::graph::error::decode_error(429, &body, None, None);
        assert!(error.has_code("ApplicationThrottled"), "{error:?}");
        assert_eq!(error.request_id.as_deref(), Some("inner-id"));
    }

    #[test]
    fn the_envelopes_id_stands_in_where_a_request_has_none_of_its_own() {
        for json in [
            r#"{"responses":[{"id":"1","status":200,"body":{"id":"inbox"}}]}"#,
            // Exchange's 429 has no innerError (reference §6.2).
            r#"{"responses":[{"id":"1","status":429,"headers":{"Retry-After":"1"},
                "body":{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}}]}"#,
        ] {
            let Outcome::Answer { headers, .. } = answer(json) else {
                panic!("an answer");
            };
            assert_eq!(headers["request-id"], "envelope-id", "{json}");
        }
    }

    #[test]
    fn a_numeric_id_and_a_missing_body_are_read() {
        let Outcome::Answer { status, body, .. } =
            answer(r#"{"responses":[{"id":1,"status":204}]}"#)
        else {
            panic!("an answer");
        };
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(body.is_empty());
    }
}

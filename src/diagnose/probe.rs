//! The one send-and-verify (SPEC §3; reference §4.8, §4.9, §8): send a
//! probe or a message (a draft then `/send` where the app may read and write
//! the mailbox, else `sendMail`), then find its copy in Sent Items, or the
//! copy received in a mailbox the app may read, and judge the `From` it
//! carries. `mail send --verify-sent` and the connection test's `send`,
//! `sent-items` and `send-as` steps both call it; it returns data and leaves
//! wording and exit codes to its callers.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::auth::TokenClaims;
use crate::graph::{GraphClient, GraphError, Message, MessageQuery, OutgoingMessage};

pub const READ_WRITE: &str = "Mail.ReadWrite";

/// How a message was sent and what its copy showed.
#[derive(Debug)]
pub struct Sent {
    pub method: Method,
    pub request_id: Option<String>,
    /// Retries (and throttling waits) the send itself needed.
    pub retry: crate::auth::RetryStats,
    /// `None` when no copy was looked for.
    pub verification: Option<Verification>,
    /// Things the caller should tell the user (a weaker verification, …).
    pub notes: Vec<String>,
}

/// A send that Graph refused (or never answered).
#[derive(Debug)]
pub struct SendFailure {
    pub error: GraphError,
    /// A draft was created, its send failed, and it could not be deleted.
    pub draft_left: bool,
}

/// Sends `message` from `mailbox`. With `verify`, looks for the Sent Items
/// copy for up to that long: by immutable ID when the app has
/// Mail.ReadWrite (or its roles cannot be read: RBAC for Applications grants
/// without showing), else by subject and recipients since the send (weak,
/// and noted as such).
pub async fn send(
    client: &GraphClient,
    mailbox: &str,
    message: &OutgoingMessage,
    claims: &TokenClaims,
    verify: Option<Duration>,
    poll: Duration,
) -> Result<Sent, SendFailure> {
    let fail = |error: GraphError| SendFailure {
        error,
        draft_left: false,
    };
    let Some(wait) = verify else {
        let sent = client
            .send_mail(mailbox, message, true)
            .await
            .map_err(fail)?;
        return Ok(Sent {
            method: Method::SendMail,
            request_id: sent.request_id,
            retry: sent.retry,
            verification: None,
            notes: Vec::new(),
        });
    };
    let mut notes = Vec::new();
    // NOTE: roles can be granted through Exchange RBAC for Applications,
    // which tokens do not show; an unreadable token gets the strong path
    // and falls back on a refusal.
    let strong = claims.has_role(READ_WRITE) || !claims.readable;
    if strong {
        match client.create_draft(mailbox, message, true).await {
            Ok(draft) => {
                let id = draft.value.id.clone();
                let sent = match client.send_draft(mailbox, &id).await {
                    Ok(sent) => sent,
                    Err(error) => {
                        // Best effort: leave no stray draft behind.
                        let draft_left = client.delete_message(mailbox, &id).await.is_err();
                        return Err(SendFailure { error, draft_left });
                    }
                };
                let verification = find_by_immutable_id(client, mailbox, &id, wait, poll).await;
                return Ok(Sent {
                    method: Method::DraftSend,
                    request_id: sent.request_id,
                    retry: sent.retry,
                    verification: Some(verification),
                    notes,
                });
            }
            Err(e) if e.has_code("ErrorSendAsDenied") => return Err(fail(e)),
            Err(e) if !claims.has_role(READ_WRITE) && (e.is_status(401) || e.is_status(403)) => {
                notes.push(format!(
                    "no draft could be created in {mailbox} ({}): verifying by the weaker subject match",
                    e.code.as_deref().unwrap_or("refused")
                ));
            }
            Err(e) => return Err(fail(e)),
        }
    } else {
        notes.push(
            "the token has no Mail.ReadWrite: the Sent Items copy is found by subject and recipients (weak); grant Mail.ReadWrite for an exact match by immutable ID"
                .to_string(),
        );
    }
    // NOTE: Sent Items copies land after a delay (learn.microsoft.com/graph/outlook-immutable-id),
    // so an earlier send's copy can be there before this one's: only a copy
    // sent since this send started counts; older ones are only counted.
    let started = chrono::Utc::now();
    let since = started - chrono::Duration::minutes(2);
    let sent = client
        .send_mail(mailbox, message, true)
        .await
        .map_err(fail)?;
    let verification = find_by_subject(
        client,
        mailbox,
        "sentitems",
        message,
        since,
        started,
        wait,
        poll,
    )
    .await;
    if verification.method == VerifyMethod::SubjectMatch && verification.candidates > 1 {
        notes.push(format!(
            "{} Sent Items copies match the subject and recipients; the newest is shown",
            verification.candidates
        ));
    }
    Ok(Sent {
        method: Method::SendMail,
        request_id: sent.request_id,
        retry: sent.retry,
        verification: Some(verification),
        notes,
    })
}

/// Compares the `from` a copy shows with the one sent: `sent_from` is the
/// alias for an alias, else the mailbox.
pub fn judge_from(sent_from: &str, mailbox: &str, seen: &str) -> FromOutcome {
    if seen.eq_ignore_ascii_case(sent_from) {
        FromOutcome::AsSent
    } else if !sent_from.eq_ignore_ascii_case(mailbox) && seen.eq_ignore_ascii_case(mailbox) {
        FromOutcome::Rewritten
    } else {
        FromOutcome::Different
    }
}

/// Polls the sent draft by its immutable ID until it is out of Drafts and in
/// Sent Items (reference §8, strategy 1).
pub async fn find_by_immutable_id(
    client: &GraphClient,
    mailbox: &str,
    id: &str,
    wait: Duration,
    poll: Duration,
) -> Verification {
    let started = Instant::now();
    let sent_items = client
        .get_folder(mailbox, "sentitems")
        .await
        .ok()
        .map(|f| f.value.id);
    let select = [
        "id",
        "parentFolderId",
        "from",
        "isDraft",
        "internetMessageId",
    ];
    let mut last_error = None;
    loop {
        match client.get_message(mailbox, id, &select, true).await {
            Ok(found) => {
                let m = found.value;
                let in_sent = match (&sent_items, &m.parent_folder_id) {
                    (Some(sent), Some(parent)) => sent == parent,
                    _ => m.is_draft == Some(false),
                };
                if in_sent && m.is_draft != Some(true) {
                    return Verification::found(VerifyMethod::ImmutableId, &m, started, 1, None);
                }
            }
            Err(e) => last_error = Some(e.to_string()),
        }
        if started.elapsed() + poll > wait {
            return Verification::missing(VerifyMethod::ImmutableId, started, last_error);
        }
        tokio::time::sleep(poll).await;
    }
}

/// Looks in Sent Items for messages sent since `since` with the subject and
/// every `to` address (reference §8, strategy 3: the weakest). Only a copy
/// sent at or after `sent_after` (to the second: `sentDateTime` has no
/// finer grain) is accepted; the others in the window are counted as
/// candidates, so the caller can say the match is ambiguous.
#[allow(clippy::too_many_arguments)]
pub async fn find_by_subject(
    client: &GraphClient,
    mailbox: &str,
    folder: &str,
    message: &OutgoingMessage,
    since: chrono::DateTime<chrono::Utc>,
    sent_after: chrono::DateTime<chrono::Utc>,
    wait: Duration,
    poll: Duration,
) -> Verification {
    let started = Instant::now();
    let stamp = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // NOTE: the `$orderby` property leads `$filter`, or Graph answers
    // InefficientFilter (reference §4.4).
    let query = MessageQuery {
        select: [
            "id",
            "subject",
            "toRecipients",
            "from",
            "sentDateTime",
            "internetMessageId",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        top: Some(50),
        orderby: Some("sentDateTime desc".into()),
        filter: Some(format!("sentDateTime ge {stamp}")),
        pages: 1,
        immutable_ids: true,
    };
    let mut last_error = None;
    loop {
        match client.list_messages(mailbox, folder, &query).await {
            Ok(list) => {
                let matching: Vec<&Message> = list
                    .value
                    .iter()
                    .filter(|m| matches_sent(m, message))
                    .collect();
                let floor = sent_after.timestamp();
                let fresh = matching.iter().find(|m| {
                    m.sent_date_time
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .is_some_and(|t| t.timestamp() >= floor)
                });
                if let Some(first) = fresh {
                    return Verification::found(
                        VerifyMethod::SubjectMatch,
                        first,
                        started,
                        matching.len(),
                        None,
                    );
                }
            }
            Err(e) => last_error = Some(e.to_string()),
        }
        if started.elapsed() + poll > wait {
            return Verification::missing(VerifyMethod::SubjectMatch, started, last_error);
        }
        tokio::time::sleep(poll).await;
    }
}

/// Same subject and every `to` address among the copy's recipients.
pub fn matches_sent(copy: &Message, sent: &OutgoingMessage) -> bool {
    if copy.subject.as_deref().unwrap_or("") != sent.subject {
        return false;
    }
    sent.to.iter().all(|want| {
        copy.to_recipients
            .iter()
            .filter_map(|r| r.address())
            .any(|a| a.eq_ignore_ascii_case(want))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// `POST /users/{u}/sendMail`.
    SendMail,
    /// `POST /users/{u}/messages`, then `/messages/{id}/send`.
    DraftSend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyMethod {
    /// Read back by the draft's immutable ID: exact.
    ImmutableId,
    /// Subject and recipients in Sent Items since the send: weak.
    SubjectMatch,
}

/// What the Sent Items copy's `from` says about the `from` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FromOutcome {
    AsSent,
    /// An alias came back as the mailbox's primary address.
    Rewritten,
    Different,
}

#[derive(Debug, Serialize)]
pub struct Verification {
    pub method: VerifyMethod,
    /// `exact` (immutable ID) or `weak` (subject match).
    pub strength: &'static str,
    pub found: bool,
    pub message_id: Option<String>,
    pub internet_message_id: Option<String>,
    pub from_observed: Option<String>,
    /// Weak matches only: how many Sent Items copies matched (the newest is shown).
    pub candidates: usize,
    pub waited_ms: u64,
    pub last_error: Option<String>,
}

impl Verification {
    fn strength(method: VerifyMethod) -> &'static str {
        match method {
            VerifyMethod::ImmutableId => "exact",
            VerifyMethod::SubjectMatch => "weak",
        }
    }

    pub fn found(
        method: VerifyMethod,
        m: &Message,
        started: Instant,
        candidates: usize,
        last_error: Option<String>,
    ) -> Self {
        Verification {
            method,
            strength: Self::strength(method),
            found: true,
            message_id: Some(m.id.clone()),
            internet_message_id: m.internet_message_id.clone(),
            from_observed: m.from_address().map(str::to_string),
            candidates,
            waited_ms: started.elapsed().as_millis() as u64,
            last_error,
        }
    }

    pub fn missing(method: VerifyMethod, started: Instant, last_error: Option<String>) -> Self {
        Verification {
            method,
            strength: Self::strength(method),
            found: false,
            message_id: None,
            internet_message_id: None,
            from_observed: None,
            candidates: 0,
            waited_ms: started.elapsed().as_millis() as u64,
            last_error,
        }
    }
}

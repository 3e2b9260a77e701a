//! The incoming checks: `mailbox` (the mailbox answers, through the first
//! lookup of a folder path, which the folder step then reuses), one
//! `folder` per path (resolved segment by segment, listing what exists on a
//! miss), and for a route its `address` and, with `--probe-delivery`,
//! `delivery` (a probe searched for in the connector's folders, then in the
//! whole mailbox).

use std::time::Instant;

use super::hints::no_mailbox_hint;
use super::run::{
    ChildGet, Context, FolderGet, MAILBOX_SWEEP_FOLDERS, READ_WRITE, Recorder, SEND, graph_failure,
    no_client, skipped, timed,
};
use super::{Check, Step, StepStatus, probe};
use crate::graph::folders::{ChildAnswer, ChildLookup, lookup_child, split_path};
use crate::graph::{
    GraphClient, GraphError, MailFolder, MessageQuery, OutgoingMessage, well_known_folder,
};
use crate::state::{Connector, Route, UseFor};

impl<'a> Context<'a> {
    pub(super) async fn get_folder(&self, mailbox: &str, folder: &str) -> FolderGet {
        let key = (
            mailbox.trim().to_ascii_lowercase(),
            folder.to_ascii_lowercase(),
        );
        let Some(client) = &self.client else {
            return Err(no_client());
        };
        self.folders
            .get(key, || client.get_folder(mailbox, folder))
            .await
    }

    pub(super) async fn child(
        &self,
        mailbox: &str,
        parent: Option<&str>,
        segment: &str,
    ) -> ChildGet {
        let key = (
            mailbox.trim().to_ascii_lowercase(),
            parent.unwrap_or_default().to_string(),
            segment.to_lowercase(),
        );
        let Some(client) = &self.client else {
            return Err(no_client());
        };
        self.children
            .get(key, || lookup_child(client, mailbox, parent, segment))
            .await
    }

    /// The one request that shows `mailbox` answers, chosen so that the
    /// folder steps reuse it (SPEC §8: one round trip per target): the first
    /// lookup of the first path it can be, which the folder step of that
    /// path makes anyway (memoised) — for `Inbox/X/...` the lookup of `X`
    /// among the children of the well-known Inbox
    /// (`mailFolders/inbox/childFolders?$filter=…`), for `X/...` the lookup
    /// of `X` at the top of the mailbox; otherwise the GET of the Inbox,
    /// which a path `Inbox` makes anyway. Returns the request ID and the
    /// retries made.
    ///
    /// Only requests whose parent exists in every mailbox qualify (the Inbox,
    /// the root), so that a 404 on them — `ErrorInvalidUser`,
    /// `ResourceNotFound`, `ErrorItemNotFound` alike — can only mean the
    /// mailbox, never a missing folder: a well-known folder such as
    /// `Archive` need not exist, so `Archive/X` is not used. A missing or
    /// refused mailbox answers these with the same 404/403 as the GET of the
    /// Inbox, so the mailbox diagnosis is the same.
    ///
    /// NOTE: a well-known name stands for the folder's ID in any
    /// `mailFolders/{id}` URL, `childFolders` included
    /// (https://learn.microsoft.com/en-us/graph/api/resources/mailfolder).
    async fn mailbox_answer(
        &self,
        mailbox: &str,
        folders: &[String],
    ) -> Result<(Option<String>, crate::auth::RetryStats), GraphError> {
        let lookup = folders.iter().find_map(|path| match split_path(path)[..] {
            [first, second, ..] if well_known_folder(first) == Some("inbox") => {
                Some((Some("inbox"), second))
            }
            [first, ..] if well_known_folder(first).is_none() => Some((None, first)),
            _ => None,
        });
        match lookup {
            Some((parent, segment)) => {
                let answer = self.child(mailbox, parent, segment).await?;
                Ok((answer.request_id, answer.retry))
            }
            None => {
                let inbox = self.get_folder(mailbox, "inbox").await?;
                Ok((inbox.request_id, inbox.retry))
            }
        }
    }

    /// `mailbox`: the mailbox answers, through the request the first folder
    /// step needs anyway ([`Self::mailbox_answer`]), so it costs no extra
    /// round trip. `folders` are the connector's paths (none for outbound).
    pub(super) async fn mailbox_step(
        &self,
        mailbox: &str,
        folders: &[String],
        role: &str,
        rec: &Recorder,
    ) -> bool {
        rec.begin(Check::Mailbox);
        let started = Instant::now();
        let result = self.mailbox_answer(mailbox, folders).await;
        let ms = timed(started);
        match result {
            Ok((request_id, retry)) => {
                let mut step = Step::new(
                    Check::Mailbox,
                    StepStatus::Passed,
                    format!("{mailbox} answers with application permissions"),
                );
                step.request_id = request_id;
                step.set_retry(retry);
                step.ms = ms;
                rec.push(step);
                if self.roles.readable()
                    && !self.roles.has(role)
                    && !(role == SEND && self.roles.can_read())
                {
                    self.head(rec);
                    rec.update(Check::Permissions, |p| {
                        p.detail = format!(
                            "the token lacks {role}, but {mailbox} answered anyway: access is granted through Exchange RBAC for Applications, which tokens do not show"
                        );
                        p.hint = Some(format!(
                            "Nothing to change if that is intended; check with Test-ServicePrincipalAuthorization -Identity {} -Resource {mailbox}.",
                            self.integration.app_id
                        ));
                    });
                }
                true
            }
            Err(e) => {
                let what = if e.message.contains("Access to OData is disabled") {
                    format!("an application access policy denies {mailbox}: {e}")
                } else {
                    format!("{mailbox} did not answer: {e}")
                };
                let mut step = graph_failure(Check::Mailbox, what, &e, &self.hints, mailbox, role);
                // Whatever its code, a 404 here is the mailbox: the request
                // asked for a folder every mailbox has (see mailbox_answer).
                if e.is_status(404) && step.hint.is_none() {
                    step.hint = Some(no_mailbox_hint(mailbox));
                }
                step.ms = ms;
                rec.push(step);
                let consent_missing = e.has_code("NoPermissionsInAccessToken")
                    || (e.is_status(403) && !e.message.contains("Access to OData is disabled"));
                if consent_missing && self.roles.readable() && !self.roles.has(role) {
                    self.head(rec);
                    rec.update(Check::Permissions, |p| {
                        p.status = StepStatus::Failed;
                        p.detail = format!(
                            "{} — and Graph refused the mailbox, so consent is missing",
                            p.detail
                        );
                    });
                }
                false
            }
        }
    }

    /// One `folder` step per path of the connector, concurrently. Returns
    /// the resolved folders (for the delivery probe).
    pub(super) async fn folder_steps(
        &self,
        connector: &Connector,
        rec: &Recorder,
    ) -> Vec<(String, MailFolder)> {
        rec.begin(Check::Folder);
        let results = futures::future::join_all(
            connector
                .folders
                .iter()
                .map(|path| self.folder_step(&connector.address, path)),
        )
        .await;
        let mut found = Vec::new();
        for (path, (mut step, folder)) in connector.folders.iter().zip(results) {
            step.subject = Some(path.clone());
            rec.push(step);
            if let Some(folder) = folder {
                found.push((path.clone(), folder));
            }
        }
        found
    }

    pub(super) async fn folder_step(
        &self,
        mailbox: &str,
        path: &str,
    ) -> (Step, Option<MailFolder>) {
        let started = Instant::now();
        let segments = split_path(path);
        let fail = |detail: String, request_id: Option<String>| {
            let mut step = Step::new(Check::Folder, StepStatus::Failed, detail);
            step.request_id = request_id;
            step.hint = Some(format!(
                "Create the folder in {mailbox} (Outlook on the web, signed in with access to the shared mailbox), or change the path: graphmail connector set NAME --remove-folder {path:?} --add-folder NEW/PATH (--folder replaces the whole list)."
            ));
            step.ms = timed(started);
            (step, None)
        };
        let Some((first, rest)) = segments.split_first() else {
            return fail(format!("{path:?}: the folder path is empty"), None);
        };
        let graph_fail = |e: GraphError| {
            let mut step = graph_failure(
                Check::Folder,
                format!("{path}: {e}"),
                &e,
                &self.hints,
                mailbox,
                READ_WRITE,
            );
            step.ms = timed(started);
            (step, None)
        };
        // Under a well-known first segment, the second is looked up by the
        // well-known name (the request the mailbox step made): the first
        // segment then costs no round trip of its own.
        let (mut current, mut request_id, rest) = match (well_known_folder(first), rest) {
            (Some(name), [second, further @ ..]) => {
                match self.child(mailbox, Some(name), second).await {
                    Ok(ChildAnswer {
                        lookup: ChildLookup::Found(folder),
                        request_id: id,
                        ..
                    }) => (folder, id, further),
                    Ok(ChildAnswer {
                        lookup,
                        request_id: id,
                        ..
                    }) => return fail(miss(path, second, first, lookup), id),
                    Err(e) => return graph_fail(e),
                }
            }
            (Some(name), []) => match self.get_folder(mailbox, name).await {
                Ok(folder) => (folder.value, folder.request_id, rest),
                Err(e) => return graph_fail(e),
            },
            (None, _) => match self.child(mailbox, None, first).await {
                Ok(ChildAnswer {
                    lookup: ChildLookup::Found(folder),
                    request_id: id,
                    ..
                }) => (folder, id, rest),
                Ok(ChildAnswer {
                    lookup,
                    request_id: id,
                    ..
                }) => return fail(miss(path, first, "", lookup), id),
                Err(e) => return graph_fail(e),
            },
        };
        let mut walked = segments[..segments.len() - rest.len()].join("/");
        for segment in rest {
            match self.child(mailbox, Some(&current.id), segment).await {
                Ok(ChildAnswer {
                    lookup: ChildLookup::Found(folder),
                    request_id: id,
                    ..
                }) => {
                    current = folder;
                    request_id = id;
                }
                Ok(ChildAnswer {
                    lookup,
                    request_id: id,
                    ..
                }) => return fail(miss(path, segment, &walked, lookup), id),
                Err(e) => return graph_fail(e),
            }
            walked.push('/');
            walked.push_str(segment);
        }
        let mut step = Step::new(Check::Folder, StepStatus::Passed, format!("{path}: found"));
        step.request_id = request_id;
        step.ms = timed(started);
        (step, Some(current))
    }

    pub(super) async fn incoming(
        &self,
        connector: &Connector,
        route: Option<&Route>,
        rec: &Recorder,
    ) {
        let folder_names = || {
            connector
                .folders
                .iter()
                .map(|p| folder_skipped(p, format!("{p}: not run")))
        };
        if !self.begin(&[READ_WRITE], rec) {
            rec.push(skipped(Check::Mailbox, "not run: no token"));
            rec.extend(folder_names());
            if let Some(route) = route {
                rec.push(self.address_step(route));
                rec.push(skipped(Check::Delivery, "not run: no token"));
            }
            return;
        }
        let mut folders = Vec::new();
        if self
            .mailbox_step(&connector.address, &connector.folders, READ_WRITE, rec)
            .await
        {
            folders = self.folder_steps(connector, rec).await;
        } else {
            rec.extend(
                connector.folders.iter().map(|p| {
                    folder_skipped(p, format!("{p}: not run: the mailbox did not answer"))
                }),
            );
        }
        if let Some(route) = route {
            rec.push(self.address_step(route));
            let all_found =
                !connector.folders.is_empty() && folders.len() == connector.folders.len();
            rec.begin(Check::Delivery);
            rec.push(
                self.delivery_step(connector, route, &folders, all_found)
                    .await,
            );
        }
    }

    pub(super) fn address_step(&self, route: &Route) -> Step {
        let address = route.address.trim();
        if !valid_address(address) {
            let mut step = Step::new(
                Check::Address,
                StepStatus::Failed,
                format!("'{address}' is not a valid email address"),
            );
            step.hint = Some(format!(
                "graphmail route set {} --address ADDRESS",
                route.name
            ));
            return step;
        }
        let incoming = |r: &&Route| {
            self.snapshot
                .connector(&r.connector)
                .map(|c| c.use_for == UseFor::Incoming)
                .unwrap_or(false)
        };
        let others: Vec<&str> = self
            .snapshot
            .routes
            .iter()
            .filter(|r| r.name != route.name && r.address.trim().eq_ignore_ascii_case(address))
            .filter(incoming)
            .map(|r| r.name.as_str())
            .collect();
        if !others.is_empty() {
            let mut step = Step::new(
                Check::Address,
                StepStatus::Failed,
                format!(
                    "{address} is also the address of incoming route(s) {}: mail to it cannot be routed unambiguously",
                    others.join(", ")
                ),
            );
            step.hint = Some(format!(
                "Give each incoming route its own address: graphmail route set {} --address ADDRESS",
                route.name
            ));
            return step;
        }
        Step::new(
            Check::Address,
            StepStatus::Passed,
            format!("{address} is a valid address, unique among incoming routes"),
        )
    }

    pub(super) async fn delivery_step(
        &self,
        connector: &Connector,
        route: &Route,
        folders: &[(String, MailFolder)],
        all_found: bool,
    ) -> Step {
        if !self.options.probe_delivery {
            return skipped(
                Check::Delivery,
                format!(
                    "not probed: --probe-delivery sends a probe to {} through an enabled outbound connector and looks for it in {}",
                    route.address,
                    connector.folders.join(", ")
                ),
            );
        }
        let Some(outbound) = self
            .snapshot
            .connectors
            .iter()
            .find(|c| c.use_for == UseFor::Outbound && c.enabled)
        else {
            let mut step = skipped(
                Check::Delivery,
                "not probed: no enabled outbound connector to send the probe through",
            );
            step.hint = Some("Enable an outbound connector (graphmail enable connector NAME), then retry with --probe-delivery.".into());
            return step;
        };
        if !all_found || folders.is_empty() {
            return skipped(
                Check::Delivery,
                "not run: the connector's folders did not all resolve",
            );
        }
        let Some(client) = &self.client else {
            return skipped(Check::Delivery, "not run: no token");
        };
        let started = Instant::now();
        let marker = uuid::Uuid::new_v4().simple().to_string();
        let subject = format!("graphmail delivery probe {marker}");
        let message = OutgoingMessage {
            subject: subject.clone(),
            body: format!(
                "This message was sent by graphmail test-connection through connector {} to check that mail to {} reaches connector {}. It can be deleted.",
                outbound.name, route.address, connector.name
            ),
            to: vec![route.address.trim().to_string()],
            ..OutgoingMessage::default()
        };
        // Sent through the one send-and-verify; the copy that matters here
        // is the received one, looked for below.
        let sent = probe::send(
            client,
            &outbound.address,
            &message,
            &self.roles.claims,
            None,
            self.options.poll_interval,
        )
        .await;
        if let Err(probe::SendFailure { error: e, .. }) = sent {
            let mut step = graph_failure(
                Check::Delivery,
                format!(
                    "the probe could not be sent through {} ({}): {e}",
                    outbound.name, outbound.address
                ),
                &e,
                &self.hints,
                &outbound.address,
                SEND,
            );
            step.ms = timed(started);
            return step;
        }
        let deadline = started + self.options.delivery_wait;
        let query = MessageQuery {
            select: vec!["id".into(), "subject".into(), "receivedDateTime".into()],
            top: Some(25),
            orderby: Some("receivedDateTime desc".into()),
            ..MessageQuery::default()
        };
        let mut last_request_id = None;
        // The Inbox is looked at too, unless it is one of the connector's
        // folders: a probe that lands there ends the wait early.
        let inbox_watched = folders
            .iter()
            .any(|(p, _)| p.trim().eq_ignore_ascii_case("inbox"));
        let mut elsewhere: Option<String> = None;
        'wait: loop {
            for (path, folder) in folders {
                match client
                    .list_messages(&connector.address, &folder.id, &query)
                    .await
                {
                    Ok(listed) => {
                        last_request_id = listed.request_id.clone();
                        if listed
                            .value
                            .iter()
                            .any(|m| m.subject.as_deref() == Some(subject.as_str()))
                        {
                            let mut step = Step::new(
                                Check::Delivery,
                                StepStatus::Passed,
                                format!(
                                    "a probe sent through {} to {} arrived in {path} after {:.1} s",
                                    outbound.name,
                                    route.address,
                                    started.elapsed().as_secs_f64()
                                ),
                            );
                            step.request_id = listed.request_id;
                            step.ms = timed(started);
                            return step;
                        }
                    }
                    Err(e) => {
                        let mut step = graph_failure(
                            Check::Delivery,
                            format!("{path}: {e}"),
                            &e,
                            &self.hints,
                            &connector.address,
                            READ_WRITE,
                        );
                        step.ms = timed(started);
                        return step;
                    }
                }
            }
            if !inbox_watched
                && let Ok(listed) = client
                    .list_messages(&connector.address, "inbox", &query)
                    .await
                && listed
                    .value
                    .iter()
                    .any(|m| m.subject.as_deref() == Some(subject.as_str()))
            {
                elsewhere = Some("Inbox".to_string());
                break 'wait;
            }
            if Instant::now() + self.options.poll_interval > deadline {
                break;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        if elsewhere.is_none() {
            elsewhere = self
                .find_in_mailbox(client, &connector.address, &subject, &query)
                .await;
        }
        if let Some(place) = elsewhere {
            let mut step = Step::new(
                Check::Delivery,
                StepStatus::Failed,
                format!(
                    "a probe sent to {} arrived in {place} of {}, not in the connector's folders ({}): the address works, but the mail is not where the connector reads",
                    route.address,
                    connector.address,
                    connector.folders.join(", ")
                ),
            );
            step.request_id = last_request_id;
            step.hint = Some(format!(
                "An inbox rule or mail flow rule should move mail to {} into one of the connector's folders, or the connector is missing that folder: graphmail connector set {} --add-folder \"{place}\".",
                route.address, connector.name
            ));
            step.ms = timed(started);
            return step;
        }
        let mut step = Step::new(
            Check::Delivery,
            StepStatus::Failed,
            format!(
                "a probe sent to {} (subject \"{subject}\") did not arrive in {} within {} s",
                route.address,
                connector.folders.join(", "),
                self.options.delivery_wait.as_secs()
            ),
        );
        step.request_id = last_request_id;
        step.hint = Some(format!(
            "The probe is nowhere in {1}: check that {0} is an address of {1} (Exchange admin center > Recipients > Mailboxes > Email addresses) and that no mail flow rule redirects it; delivery can also lag, so retry.",
            route.address, connector.address
        ));
        step.ms = timed(started);
        step
    }

    /// An outbound connector, or a route on one: `send` for the mailbox,
    /// then `send-as` for an alias. Probes go out only where a required fact
    /// lacks evidence (SPEC §3).
    /// Searches every folder of `mailbox` (breadth first, at most
    /// [`MAILBOX_SWEEP_FOLDERS`]) for a message with `subject`; returns the
    /// folder's path.
    pub(super) async fn find_in_mailbox(
        &self,
        client: &GraphClient,
        mailbox: &str,
        subject: &str,
        query: &MessageQuery,
    ) -> Option<String> {
        let mut queue: std::collections::VecDeque<(Option<String>, String)> =
            std::collections::VecDeque::from([(None, String::new())]);
        let mut seen = 0usize;
        while let Some((parent, prefix)) = queue.pop_front() {
            let listed = client
                .list_folders(mailbox, parent.as_deref(), None)
                .await
                .ok()?;
            for folder in listed.value {
                seen += 1;
                if seen > MAILBOX_SWEEP_FOLDERS {
                    return None;
                }
                let path = if prefix.is_empty() {
                    folder.display_name.clone()
                } else {
                    format!("{prefix}/{}", folder.display_name)
                };
                if let Ok(messages) = client.list_messages(mailbox, &folder.id, query).await
                    && messages
                        .value
                        .iter()
                        .any(|m| m.subject.as_deref() == Some(subject))
                {
                    return Some(path);
                }
                if folder.child_folder_count.unwrap_or(0) > 0 {
                    queue.push_back((Some(folder.id.clone()), path));
                }
            }
        }
        None
    }
}

fn folder_skipped(path: &str, detail: String) -> Step {
    let mut step = skipped(Check::Folder, detail);
    step.subject = Some(path.to_string());
    step
}

fn miss(path: &str, segment: &str, parent: &str, lookup: ChildLookup) -> String {
    let place = if parent.is_empty() {
        "the top of the mailbox".to_string()
    } else {
        format!("'{parent}'")
    };
    match lookup {
        ChildLookup::Missing { existing } if existing.is_empty() => {
            format!("{path}: no folder '{segment}' under {place}, which has no folders")
        }
        ChildLookup::Missing { existing } => {
            format!(
                "{path}: no folder '{segment}' under {place}; folders there: {}",
                existing.join(", ")
            )
        }
        ChildLookup::Ambiguous(many) => format!(
            "{path}: {} folders named '{segment}' under {place}",
            many.len()
        ),
        ChildLookup::Found(_) => format!("{path}: found"),
    }
}

/// A plain syntax check: one `@`, a non-empty local part, a dotted domain,
/// no spaces or angle brackets.
fn valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'))
        && address.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(valid_address("support@contoso.com"));
        assert!(!valid_address("support"));
        assert!(!valid_address("a@b"));
        assert!(!valid_address("a b@contoso.com"));
        assert!(!valid_address("a@@contoso.com"));
    }
}

//! The outbound checks: `send` for the connector's mailbox (with a read
//! role, the mailbox answering and Mail.Send in the token establish it;
//! otherwise carried evidence or a probe), its `sent-items` confirmation, and
//! `send-as` for an alias route (known only by a probe whose copy shows the
//! alias as From). Probes go through [`super::probe`], the one send-and-verify
//! `mail send` uses too, and only where a required fact lacks evidence.

use std::time::Instant;

use chrono::Utc;

use super::run::{Context, Recorder, SEND, graph_failure, skipped, timed};
use super::{Check, Step, StepStatus, TargetRef, facts, probe};
use crate::graph::{GraphError, OutgoingMessage};
use crate::state::evidence::Outcome;
use crate::state::{Connector, Route};

impl<'a> Context<'a> {
    pub(super) async fn outbound(
        &self,
        target: &TargetRef,
        connector: &Connector,
        route: Option<&Route>,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        let alias = route
            .map(|r| r.address.trim())
            .filter(|a| !a.eq_ignore_ascii_case(mailbox));
        let skip_rest = |why: &str| {
            rec.push(skipped(Check::Send, format!("not run: {why}")));
            if alias.is_some() {
                rec.push(skipped(Check::SendAs, format!("not run: {why}")));
            }
        };
        if !self.begin(&[SEND], rec) {
            rec.push(skipped(Check::Mailbox, "not run: no token"));
            skip_rest("no token");
            return;
        }
        let mut mailbox_answered = false;
        if self.roles.readable() && !self.roles.can_read() {
            rec.push(skipped(
                Check::Mailbox,
                "not checked: the token has no Mail.Read or Mail.ReadWrite role, and sending needs only Mail.Send; a probe checks the mailbox by sending",
            ));
        } else if self.mailbox_step(mailbox, &[], SEND, rec).await {
            mailbox_answered = true;
        } else {
            skip_rest("the mailbox did not answer");
            return;
        }
        rec.begin(Check::Send);
        self.send_step(target, connector, mailbox_answered, rec)
            .await;
        if let (Some(alias), Some(route)) = (alias, route) {
            rec.begin(Check::SendAs);
            self.send_as_step(target, connector, route, alias, rec)
                .await;
        }
    }

    /// Carried evidence of `fact` for `target` that spares a probe: an
    /// established fact, or a refuted one unless the user asked to re-probe.
    pub(super) fn carried(&self, target: &TargetRef, fact: &str) -> Option<Step> {
        let required = facts::required(self.snapshot, target)
            .into_iter()
            .find(|r| r.fact == fact)?;
        let evidence = self.carried.find(&required, Utc::now())?;
        if evidence.outcome == Outcome::Refuted && self.options.reprobe_refuted {
            return None;
        }
        Some(facts::carry(evidence, &required, None))
    }

    /// Whether the app may read a probe's copy (in Sent Items or received):
    /// a read role, or roles that the token does not show.
    pub(super) fn may_read_copies(&self) -> bool {
        self.roles.can_read() || !self.roles.readable() || self.roles.no_mail_roles()
    }

    pub(super) fn probe_message(
        &self,
        connector: &Connector,
        from: &str,
        alias: bool,
        to: &str,
    ) -> OutgoingMessage {
        OutgoingMessage {
            subject: format!(
                "graphmail connection test {}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            body: format!(
                "This message was sent by graphmail test-connection to check that connector {} can send mail as {from}. It can be deleted.",
                connector.name
            ),
            to: vec![to.to_string()],
            from: alias.then(|| from.to_string()),
            ..OutgoingMessage::default()
        }
    }

    /// `send`: with a read role, the mailbox answering and Mail.Send in the
    /// token establish it; otherwise carried evidence, or a probe.
    pub(super) async fn send_step(
        &self,
        target: &TargetRef,
        connector: &Connector,
        mailbox_answered: bool,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        if mailbox_answered
            && self.roles.readable()
            && self.roles.has(SEND)
            && self.roles.can_read()
        {
            rec.push(Step::new(
                Check::Send,
                StepStatus::Passed,
                format!(
                    "{mailbox} answers and the token has Mail.Send: the app may send as {mailbox}"
                ),
            ));
            return;
        }
        if let Some(step) = self.carried(target, "send") {
            rec.push(step);
            return;
        }
        if self.options.no_send {
            let mut step = skipped(
                Check::Send,
                format!(
                    "not sent (--no-send): without a read role and Mail.Send in the token, only a probe shows that the app may send as {mailbox}"
                ),
            );
            step.hint = Some(format!(
                "Run the test without --no-send (a probe goes to {mailbox}; --send-test-to ADDR picks another), or grant Mail.Send and Mail.Read to application {} with admin consent.",
                self.integration.app_id
            ));
            rec.push(step);
            return;
        }
        let Some(client) = &self.client else {
            rec.push(skipped(Check::Send, "not run: no token"));
            return;
        };
        let to = self
            .options
            .send_test_to
            .as_deref()
            .unwrap_or(mailbox)
            .trim();
        let message = self.probe_message(connector, mailbox, false, to);
        let verify = self
            .may_read_copies()
            .then_some(self.options.sent_items_wait);
        let started = Instant::now();
        match probe::send(
            client,
            mailbox,
            &message,
            &self.roles.claims,
            verify,
            self.options.poll_interval,
        )
        .await
        {
            Ok(sent) => {
                let mut step = Step::new(
                    Check::Send,
                    StepStatus::Passed,
                    format!("Graph accepted a probe from {mailbox} to {to}"),
                );
                step.request_id = sent.request_id.clone();
                step.set_retry(sent.retry);
                step.ms = timed(started);
                rec.push(step);
                rec.push(self.sent_items_step(mailbox, sent.verification));
            }
            Err(failure) => {
                rec.push(self.send_failure(Check::Send, &failure.error, mailbox, None, started))
            }
        }
    }

    /// `sent-items`: the probe's copy, a confirmation of `send`.
    pub(super) fn sent_items_step(
        &self,
        mailbox: &str,
        verification: Option<probe::Verification>,
    ) -> Step {
        match verification {
            None => skipped(
                Check::SentItems,
                "not checked: reading Sent Items needs Mail.Read or Mail.ReadWrite (API permissions > Mail.ReadWrite > Grant admin consent would verify it)",
            ),
            Some(v) if v.found => {
                let mut step = Step::new(
                    Check::SentItems,
                    StepStatus::Passed,
                    format!(
                        "the probe is in Sent Items of {mailbox} ({} match)",
                        v.strength
                    ),
                );
                step.ms = v.waited_ms;
                step
            }
            Some(v) => {
                let mut step = Step::new(
                    Check::SentItems,
                    StepStatus::Warning,
                    format!(
                        "the probe was accepted but its copy was not in Sent Items of {mailbox} within {} s; Exchange may still be processing it",
                        self.options.sent_items_wait.as_secs()
                    ),
                );
                step.ms = v.waited_ms;
                step
            }
        }
    }

    /// `send-as`: whether the app may send as the alias, known only by
    /// sending and reading a copy's From (SPEC §3). Exchange rewriting the
    /// alias to the primary address is a failure for an alias.
    pub(super) async fn send_as_step(
        &self,
        target: &TargetRef,
        connector: &Connector,
        route: &Route,
        alias: &str,
        rec: &Recorder,
    ) {
        let mailbox = connector.address.trim();
        if let Some(step) = self.carried(target, "send-as") {
            rec.push(step);
            return;
        }
        let again = format!("graphmail test-connection route {}", route.name);
        if self.options.no_send {
            let mut step = skipped(
                Check::SendAs,
                format!(
                    "not sent (--no-send): whether the app may send as {alias} is known only by sending"
                ),
            );
            step.hint = Some(format!(
                "Run `{again}` without --no-send: a probe from {alias} goes to {mailbox} (--send-test-to ADDR picks another)."
            ));
            rec.push(step);
            return;
        }
        let Some(client) = &self.client else {
            rec.push(skipped(Check::SendAs, "not run: no token"));
            return;
        };
        let to = self
            .options
            .send_test_to
            .as_deref()
            .unwrap_or(mailbox)
            .trim();
        let message = self.probe_message(connector, alias, true, to);
        let readable = self.may_read_copies();
        let started = Instant::now();
        let since = Utc::now() - chrono::Duration::minutes(2);
        let sent = match probe::send(
            client,
            mailbox,
            &message,
            &self.roles.claims,
            readable.then_some(self.options.sent_items_wait),
            self.options.poll_interval,
        )
        .await
        {
            Ok(sent) => sent,
            Err(failure) => {
                rec.push(self.send_failure(
                    Check::SendAs,
                    &failure.error,
                    mailbox,
                    Some(alias),
                    started,
                ));
                return;
            }
        };
        let mut place = format!("Sent Items of {mailbox}");
        let mut copy = sent.verification.filter(|v| v.found);
        if copy.is_none() && readable && !to.eq_ignore_ascii_case(mailbox) {
            // Else the copy received in a mailbox the app may read.
            let received = probe::find_by_subject(
                client,
                to,
                "inbox",
                &message,
                since,
                since,
                self.options.sent_items_wait,
                self.options.poll_interval,
            )
            .await;
            if received.found {
                place = format!("the copy received in {to}");
                copy = Some(received);
            }
        }
        let accepted = format!("Graph accepted a probe from {alias} to {to}");
        let mut step = match (readable, copy) {
            (false, _) => {
                let mut step = skipped(
                    Check::SendAs,
                    format!(
                        "{accepted}, but neither Sent Items of {mailbox} nor the copy received can be read: whether Exchange kept {alias} as From is unknown"
                    ),
                );
                step.hint = Some(format!(
                    "Grant Mail.Read (or Mail.ReadWrite) to application {} with admin consent so the probe's copy can be read, then run `{again}`.",
                    self.integration.app_id
                ));
                step
            }
            (true, None) => {
                let mut step = skipped(
                    Check::SendAs,
                    format!(
                        "{accepted}, but its copy was not found within {} s: whether Exchange kept {alias} as From is unknown",
                        self.options.sent_items_wait.as_secs()
                    ),
                );
                step.inconclusive = true;
                step.hint = Some(format!(
                    "Exchange may still be processing it; run `{again}` again."
                ));
                step
            }
            (true, Some(v)) => {
                let seen = v.from_observed.clone().unwrap_or_else(|| "(none)".into());
                let mut step = match probe::judge_from(alias, mailbox, &seen) {
                    probe::FromOutcome::AsSent => Step::new(
                        Check::SendAs,
                        StepStatus::Passed,
                        format!("{accepted}; {place} shows From {alias}: Exchange kept the alias"),
                    ),
                    probe::FromOutcome::Rewritten => {
                        let mut step = Step::new(
                            Check::SendAs,
                            StepStatus::Failed,
                            format!(
                                "{accepted}, but Exchange rewrote the alias to the primary address: {place} shows From {mailbox}, not {alias}"
                            ),
                        );
                        step.hint = Some(
                            "To send from aliases, run Set-OrganizationConfig -SendFromAliasEnabled $true in Exchange Online PowerShell (takes up to an hour); until then mail leaves with the primary address."
                                .into(),
                        );
                        step
                    }
                    probe::FromOutcome::Different => Step::new(
                        Check::SendAs,
                        StepStatus::Failed,
                        format!("{accepted}, but {place} shows From {seen}, not {alias}"),
                    ),
                };
                step.request_id = sent.request_id.clone();
                step
            }
        };
        step.set_retry(sent.retry);
        step.ms = timed(started);
        rec.push(step);
    }

    pub(super) fn send_failure(
        &self,
        check: Check,
        e: &GraphError,
        mailbox: &str,
        alias: Option<&str>,
        started: Instant,
    ) -> Step {
        let from = alias.unwrap_or(mailbox);
        let mut step = graph_failure(
            check,
            format!("sending as {from} failed: {e}"),
            e,
            &self.hints,
            mailbox,
            SEND,
        );
        if e.has_code("ErrorSendAsDenied") {
            step.detail =
                format!("Exchange refused to send as {from} from {mailbox} (ErrorSendAsDenied)");
            step.hint = Some(format!(
                "If {from} is another mailbox, give {mailbox} Send As on it: Add-RecipientPermission -Identity {from} -Trustee {mailbox} -AccessRights SendAs. If it is an alias (proxy address) of {mailbox}, allow sending from aliases: Set-OrganizationConfig -SendFromAliasEnabled $true (takes up to an hour)."
            ));
        }
        step.ms = timed(started);
        step
    }
}

//! The checks that stay on this machine: the state file (readable,
//! parseable, private, its lock, the problems `status` would report), the
//! integration's secret source and the keyring behind it, and the expiry
//! radar (certificate and client secret: the recorded dates, and Entra's
//! AADSTS7000222 in the run history).

use std::fs::{File, TryLockError};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::diagnose::{CertificateExpiry, Check, certificate_expiry};
use crate::secrets::{self, EffectiveSource, SecretError, SecretKey, SecretKind, SecretStore};
use crate::state::evidence::{HistoryEntry, HistoryStep};
use crate::state::store::{StateError, lock_path};
use crate::state::trust::Assessment;
use crate::state::{Credential, Integration, SecretSource, State, fingerprint, problems};

use super::report::{Finding, Health};

/// `state-file`: the file's presence, permissions and parse; returns the
/// state when it could be read.
pub fn state_file(
    path: &Path,
    loaded: Result<(State, bool), StateError>,
) -> (Finding, Option<State>) {
    let subject = path.display().to_string();
    match loaded {
        Err(e) => {
            let fix = e.hint().unwrap_or_else(|| {
                "fix the file by hand, or move it aside and set up again".into()
            });
            (
                Finding::problem("state-file", subject, format!("cannot be read: {e}"), fix),
                None,
            )
        }
        Ok((state, false)) => (
            Finding::warning(
                "state-file",
                subject,
                "does not exist: nothing is configured yet",
                "run `graphmail integration set` (or pass --state / GRAPHMAIL_STATE if the file is elsewhere)",
            ),
            Some(state),
        ),
        Ok((state, true)) => (permissions(path, &subject), Some(state)),
    }
}

#[cfg(unix)]
fn permissions(path: &Path, subject: &str) -> Finding {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            let finding = if mode & 0o077 == 0 {
                Finding::ok(
                    "state-file",
                    subject,
                    format!("parses; mode {mode:04o} (private to its owner)"),
                )
            } else {
                Finding::warning(
                    "state-file",
                    subject,
                    format!(
                        "parses, but its mode is {mode:04o}: others can read the tenant, app ID and mailbox addresses (no secrets are in it); graphmail writes 0600"
                    ),
                    format!("chmod 600 {subject}"),
                )
            };
            finding.fact("mode", format!("{mode:04o}"))
        }
        Err(e) => Finding::problem(
            "state-file",
            subject,
            format!("cannot read its permissions: {e}"),
            "check the file and its folder",
        ),
    }
}

#[cfg(not(unix))]
fn permissions(_path: &Path, subject: &str) -> Finding {
    Finding::ok("state-file", subject, "parses")
}

/// `state-lock`: free, held by a live process, or a lock file left behind.
pub fn state_lock(path: &Path) -> Finding {
    let lock = lock_path(path);
    let subject = lock.display().to_string();
    let file = match File::open(&lock) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Finding::ok(
                "state-lock",
                subject,
                "no lock file: nothing holds the state",
            );
        }
        Err(e) => {
            return Finding::warning(
                "state-lock",
                subject,
                format!("cannot open the lock file: {e}"),
                "check the permissions of the state file's folder",
            );
        }
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            Finding::ok(
                "state-lock",
                subject,
                "no process holds the lock (the file left by an earlier run is harmless: the lock ends with its process)",
            )
        }
        Err(TryLockError::WouldBlock) => {
            let holder = lock_holder(&lock);
            let who = holder
                .as_ref()
                .map(|(pid, name)| format!("process {pid} ({name})"))
                .unwrap_or_else(|| "another process".to_string());
            let mut finding = Finding::warning(
                "state-lock",
                subject,
                format!("held by {who}: commands that change the state wait up to 30 s for it"),
                "let that command finish; if it hangs, stop it (the lock is released when it exits)",
            );
            if let Some((pid, _)) = holder {
                finding = finding.fact("pid", pid);
            }
            finding
        }
        Err(TryLockError::Error(e)) => Finding::warning(
            "state-lock",
            subject,
            format!("cannot test the lock: {e}"),
            "check the file system (network file systems may not support locks)",
        ),
    }
}

/// The process holding an exclusive flock on `lock`, from /proc/locks
/// (Linux only; `None` elsewhere or when it cannot be told).
fn lock_holder(lock: &Path) -> Option<(u32, String)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let inode = std::fs::metadata(lock).ok()?.ino();
        let table = std::fs::read_to_string("/proc/locks").ok()?;
        for line in table.lines() {
            // `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(pid), Some(dev_inode)) = (fields.get(4), fields.get(5)) else {
                continue;
            };
            if dev_inode.rsplit(':').next() == Some(&inode.to_string()) {
                let pid: u32 = pid.parse().ok()?;
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| "?".into());
                return Some((pid, name));
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = lock;
        None
    }
}

/// `state-problems`: what `status` would report: structural problems of a
/// hand edit, and enabled items that cannot be trusted.
pub fn state_problems(path: &Path, state: &State) -> Finding {
    let subject = path.display().to_string();
    let mut found: Vec<String> = problems::check_references(state)
        .iter()
        .map(ToString::to_string)
        .collect();
    found.extend(Assessment::new(state).problems());
    if found.is_empty() {
        return Finding::ok(
            "state-problems",
            subject,
            "none: references hold together and everything enabled has a valid passing test",
        )
        .fact("problems", Vec::<String>::new());
    }
    Finding::problem(
        "state-problems",
        subject,
        format!("{} problem(s): {}", found.len(), found.join("; ")),
        "run `graphmail status` for the details and the command that fixes each",
    )
    .fact("problems", found)
}

/// The secrets the integration needs, with where they come from this run.
fn needed_secrets(integration: &Integration) -> Vec<(SecretKind, SecretSource)> {
    match &integration.credential {
        Credential::Secret { secret, .. } => vec![(SecretKind::ClientSecret, secret.clone())],
        Credential::Certificate { password, .. } => {
            vec![(SecretKind::CertificatePassword, password.clone())]
        }
    }
}

/// Reads a keyring entry on a thread of its own, abandoned after `limit`
/// (the store has its own timeout; this one bounds the check whatever the store).
async fn get_bounded(
    store: Arc<dyn SecretStore>,
    key: SecretKey,
    limit: Duration,
) -> Result<Option<secrecy::SecretString>, SecretError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("doctor-keyring".into())
        .spawn(move || {
            let _ = tx.send(store.get(&key));
        })
        .map_err(|e| SecretError::Failed(e.to_string()))?;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(SecretError::Failed(
            "the keyring thread ended without answering".into(),
        )),
        Err(_) => Err(SecretError::Timeout(limit.as_secs())),
    }
}

/// `keyring` and `secret-source`: the integration's secret is readable
/// where the state says it is. The value is never shown; a certificate
/// password is handed back for [`certificate_file`], the rest dropped.
pub async fn secret_sources(
    store: Arc<dyn SecretStore>,
    instance_id: &uuid::Uuid,
    integration: Option<&Integration>,
    limit: Duration,
) -> (Vec<Finding>, Option<SecretString>) {
    let store_name = store.name();
    let Some(integration) = integration else {
        // No integration: only whether the keyring answers at all.
        let started = Instant::now();
        let probe = SecretKey::new(instance_id, SecretKind::ClientSecret);
        let result = get_bounded(store, probe, limit).await;
        let ms = started.elapsed().as_millis() as u64;
        let mut finding = keyring_finding(store_name, result.map(|_| ()), ms);
        if finding.status == Health::Problem {
            // Nothing depends on it yet.
            finding.status = Health::Warning;
        }
        return (vec![finding], None);
    };
    let mut out = Vec::new();
    let mut password = None;
    for (kind, recorded) in needed_secrets(integration) {
        let subject = kind.label().to_string();
        let keep = |value: SecretString| (kind == SecretKind::CertificatePassword).then_some(value);
        match secrets::effective_source(kind, &recorded) {
            EffectiveSource::Override(var) => {
                password = std::env::var(var)
                    .ok()
                    .map(SecretString::from)
                    .and_then(keep);
                out.push(Finding::ok(
                    "secret-source",
                    subject,
                    format!("environment variable {var} is set and overrides the recorded source for this run (value not shown)"),
                ))
            }
            EffectiveSource::Recorded(SecretSource::None) => {
                password = keep(SecretString::from(String::new()));
                out.push(Finding::ok(
                    "secret-source",
                    subject,
                    "none needed (the certificate has no password)",
                ))
            }
            EffectiveSource::Recorded(SecretSource::Env { var }) => {
                let value = std::env::var(&var).ok().filter(|v| !v.is_empty());
                let set = value.is_some();
                password = value.map(SecretString::from).and_then(keep);
                out.push(if set {
                    Finding::ok(
                        "secret-source",
                        subject,
                        format!("environment variable {var} is set (value not shown)"),
                    )
                } else {
                    Finding::problem(
                        "secret-source",
                        subject,
                        format!("environment variable {var}, its recorded source, is not set in this environment"),
                        format!("export {var} in the environment graphmail runs in (a service account or cron job has its own)"),
                    )
                });
                out.push(Finding::ok(
                    "keyring",
                    store_name,
                    format!("not used: the {} comes from {var}", kind.label()),
                ));
            }
            EffectiveSource::Recorded(SecretSource::Keyring) => {
                let key = SecretKey::new(instance_id, kind);
                let started = Instant::now();
                let result = get_bounded(store.clone(), key.clone(), limit).await;
                let ms = started.elapsed().as_millis() as u64;
                let found = match &result {
                    Ok(Some(_)) => Some(true),
                    Ok(None) => Some(false),
                    Err(_) => None,
                };
                let result = result.map(|value| {
                    password = value.and_then(keep);
                });
                out.push(keyring_finding(store_name, result, ms));
                out.push(match found {
                    Some(true) => Finding::ok(
                        "secret-source",
                        subject,
                        format!("read from the {store_name} (entry {}; value not shown)", key.user()),
                    ),
                    Some(false) => Finding::problem(
                        "secret-source",
                        subject,
                        format!("the {store_name} has no entry {} for it", key.user()),
                        SecretError::Missing { kind: kind.label(), user: key.user() }.hint(),
                    ),
                    None => Finding::problem(
                        "secret-source",
                        subject,
                        format!("cannot be read: the {store_name} did not give it (see the keyring row)"),
                        format!(
                            "unlock the keyring, or keep the secret in an environment variable: `graphmail integration set --client-secret-env VAR` (or set {} for one run)",
                            kind.override_var()
                        ),
                    ),
                });
            }
        }
    }
    (out, password)
}

/// `certificate-file`: the imported PFX is there, private, opens with its
/// password (when that could be read) and is still the recorded certificate.
pub fn certificate_file(
    integration: &Integration,
    password: Option<&SecretString>,
) -> Option<Finding> {
    let Credential::Certificate {
        file, sha1, sha256, ..
    } = &integration.credential
    else {
        return None;
    };
    let reimport = "import it again: `graphmail integration set --certificate FILE.pfx` (with its password option)";
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            return Some(Finding::problem(
                "certificate-file",
                file.clone(),
                format!("cannot read the imported certificate: {e}"),
                reimport,
            ));
        }
    };
    let mode_note = match private_mode(file) {
        Ok(note) => note,
        Err(finding) => return Some(*finding),
    };
    let Some(password) = password else {
        return Some(Finding::ok(
            "certificate-file",
            file.clone(),
            format!(
                "present{mode_note}; not opened (its password could not be read, see secret-source)"
            ),
        ));
    };
    Some(
        match crate::auth::load_pfx(&bytes, password.expose_secret()) {
            Err(e) => Finding::problem(
                "certificate-file",
                file.clone(),
                format!("the certificate password does not open it: {e}"),
                "set the right password source, or import the certificate again with `graphmail integration set --certificate FILE.pfx`",
            ),
            Ok(loaded) if !loaded.sha256_hex.eq_ignore_ascii_case(sha256) => Finding::problem(
                "certificate-file",
                file.clone(),
                format!(
                    "holds certificate {} (SHA-1 {}), not the recorded SHA-1 {sha1}",
                    loaded.subject, loaded.sha1_hex
                ),
                reimport,
            ),
            Ok(_) => Finding::ok(
                "certificate-file",
                file.clone(),
                format!("opens with its password and matches the recorded SHA-1 {sha1}{mode_note}"),
            ),
        },
    )
}

/// `; mode 0600` for a private key file, or the finding when others can read it.
#[cfg(unix)]
fn private_mode(file: &str) -> Result<String, Box<Finding>> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return Ok(String::new());
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Box::new(Finding::problem(
            "certificate-file",
            file,
            format!("holds the private key but its mode is {mode:04o}: others can read it"),
            format!("chmod 600 {file}"),
        )));
    }
    Ok(format!("; mode {mode:04o}"))
}

#[cfg(not(unix))]
fn private_mode(_file: &str) -> Result<String, Box<Finding>> {
    Ok(String::new())
}

fn keyring_finding(store_name: &str, result: Result<(), SecretError>, ms: u64) -> Finding {
    match result {
        Ok(()) => Finding::ok(
            "keyring",
            store_name,
            format!("reachable and unlocked ({ms} ms)"),
        ),
        Err(e) => Finding::problem("keyring", store_name, e.to_string(), e.hint()),
    }
    .took(ms)
}

/// Days before expiry from which a credential is a warning.
pub const EXPIRY_WARNING_DAYS: i64 = crate::diagnose::CERTIFICATE_WARNING_DAYS;

/// An AADSTS7000222 (the client secret has expired) that Entra answered a
/// recorded run with, under the current credential.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiredInHistory {
    /// When the run was recorded (RFC 3339).
    pub at: String,
    /// `integration`, `connector support`, `route alias`.
    pub item: String,
    pub trace_id: Option<String>,
}

/// Reads `history.jsonl` for Entra's word on the current secret: the newest
/// token step any recorded run observed under the current credential, when
/// it is AADSTS7000222 (a later passing token, say after the secret was
/// replaced behind the same source, clears it).
///
/// A run counts only when its fingerprint is its item's current one: every
/// fingerprint includes the credential generation (a new one at each
/// `integration set` with a new secret), so a 7000222 from before the secret
/// was rotated never counts. Steps carried from earlier runs are skipped:
/// the earlier run is in the history itself.
pub fn expired_in_history(state: &State, history: &[HistoryEntry]) -> Option<ExpiredInHistory> {
    let integration = state.integration.as_ref()?;
    if !matches!(integration.credential, Credential::Secret { .. }) {
        return None;
    }
    let current = |entry: &HistoryEntry| match entry.kind.as_str() {
        "integration" => Some(fingerprint::integration(integration)),
        "connector" => fingerprint::connector_in(state, &entry.name),
        "route" => fingerprint::route_in(state, &entry.name),
        _ => None,
    };
    // The newest by record time; of equal times, the later appended.
    let (entry, step) = history
        .iter()
        .filter(|e| current(e).as_deref() == Some(e.fingerprint.as_str()))
        .filter_map(|e| {
            e.steps
                .iter()
                .find(|s| {
                    s.check == Check::Token.as_str()
                        && s.carried_from.is_none()
                        && (s.status == "passed" || s.status == "failed")
                })
                .map(|s| (e, s))
        })
        .fold(
            None,
            |newest: Option<(&HistoryEntry, &HistoryStep)>, next| match newest {
                Some(n) if n.0.at > next.0.at => Some(n),
                _ => Some(next),
            },
        )?;
    if step.code.as_deref() != Some(EXPIRED_SECRET_CODE) {
        return None;
    }
    Some(ExpiredInHistory {
        at: entry.at.clone(),
        item: match entry.kind.as_str() {
            "integration" => "integration".to_string(),
            kind => format!("{kind} {}", entry.name),
        },
        trace_id: step.trace_id.clone(),
    })
}

/// Entra's answer to a token request made with an expired client secret.
const EXPIRED_SECRET_CODE: &str = "AADSTS7000222";

/// `certificate-expiry` / `secret-expiry`: the expiry radar. `expired_seen`
/// is Entra's own word from the history ([`expired_in_history`]): it says
/// expired whatever date was recorded, or when none was.
pub fn expiry(
    integration: &Integration,
    expired_seen: Option<&ExpiredInHistory>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    match &integration.credential {
        Credential::Certificate {
            not_after,
            subject,
            sha1,
            ..
        } => {
            let who = format!("certificate {subject} (SHA-1 {sha1})");
            let renew = "make a new one with `graphmail certificate new`, upload its .cer to the app registration (Certificates & secrets), then `graphmail integration set --certificate FILE.pfx`";
            vec![judge_expiry(
                "certificate-expiry",
                who,
                not_after,
                now,
                renew,
            )]
        }
        Credential::Secret { .. } => {
            let renew = "create a new secret in the app registration (Certificates & secrets), then `graphmail integration set --client-secret-stdin --secret-expires DATE` (or move to a certificate, which is recommended)";
            if let Some(seen) = expired_seen {
                let mut detail = format!(
                    "expired: Entra refused it with AADSTS7000222 (the secret has expired) in the test of {} recorded {}",
                    seen.item, seen.at
                );
                if let Some(trace) = &seen.trace_id {
                    detail.push_str(&format!(" (trace ID {trace})"));
                }
                if let Some(at) = &integration.secret_expires {
                    detail.push_str(&format!("; the recorded expiry {at} does not hold"));
                }
                let fix = format!(
                    "{renew}; if the secret was already replaced behind the same source, `graphmail test-connection integration` records that"
                );
                let mut finding = Finding::problem("secret-expiry", "client secret", detail, fix)
                    .fact("seen", seen.at.clone())
                    .fact("code", EXPIRED_SECRET_CODE);
                if let Some(at) = &integration.secret_expires {
                    finding = finding.fact("expires", at.clone());
                }
                return vec![finding];
            }
            vec![match &integration.secret_expires {
                Some(at) => {
                    judge_expiry("secret-expiry", "client secret".to_string(), at, now, renew)
                }
                None => Finding::ok(
                    "secret-expiry",
                    "client secret",
                    "expiry not recorded, so not watched: record the date Entra shows (App registrations > Certificates & secrets) with `graphmail integration set --secret-expires DATE`",
                ),
            }]
        }
    }
}

fn judge_expiry(
    check: &'static str,
    subject: String,
    at: &str,
    now: DateTime<Utc>,
    renew: &str,
) -> Finding {
    let finding = match certificate_expiry(at, now) {
        CertificateExpiry::Valid { days_left } => {
            Finding::ok(check, subject, format!("expires {at}, in {days_left} days"))
                .fact("days_left", days_left)
        }
        CertificateExpiry::ExpiresSoon { days_left } => Finding::warning(
            check,
            subject,
            format!("expires {at}, in {days_left} days (under {EXPIRY_WARNING_DAYS})"),
            renew,
        )
        .fact("days_left", days_left),
        CertificateExpiry::Expired { days_ago } => Finding::problem(
            check,
            subject,
            format!(
                "expired {at} ({days_ago} days ago): Entra refuses it{}",
                if check == "secret-expiry" {
                    " (AADSTS7000222)"
                } else {
                    ""
                }
            ),
            renew,
        )
        .fact("days_left", -days_ago),
        CertificateExpiry::Unknown => Finding::new(check, subject, Health::Warning)
            .detail(format!("the recorded expiry {at:?} cannot be read"))
            .fix("record it again with `graphmail integration set`"),
    };
    finding.fact("expires", at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Verdict;

    fn state(generation: &str) -> State {
        let mut state = State::new();
        state.integration = Some(Integration::for_tests(
            "contoso.onmicrosoft.com",
            "4a1f7c2e-8b3d-4e6f-9a0b-1c2d3e4f5a6b",
            generation,
        ));
        state
    }

    fn run(state: &State, at: &str, status: &str, code: Option<&str>) -> HistoryEntry {
        HistoryEntry {
            at: at.into(),
            kind: "integration".into(),
            name: "integration".into(),
            verdict: Verdict::Failed,
            fingerprint: fingerprint::integration(state.integration.as_ref().unwrap()),
            steps: vec![HistoryStep {
                check: "token".into(),
                status: status.into(),
                detail: "x".into(),
                code: code.map(Into::into),
                request_id: None,
                trace_id: Some("trace".into()),
                carried_from: None,
            }],
        }
    }

    const EXPIRED: Option<&str> = Some("AADSTS7000222");

    #[test]
    fn the_newest_token_answer_of_the_current_credential_decides() {
        let now = state("two");
        let before = state("one");
        let expired = run(&now, "2026-01-02T00:00:00Z", "failed", EXPIRED);
        let found = expired_in_history(&now, std::slice::from_ref(&expired)).unwrap();
        assert_eq!(found.at, "2026-01-02T00:00:00Z");
        assert_eq!(found.item, "integration");
        assert_eq!(found.trace_id.as_deref(), Some("trace"));

        // From before the secret was rotated: not this secret.
        let old = run(&before, "2026-01-03T00:00:00Z", "failed", EXPIRED);
        assert_eq!(expired_in_history(&now, &[old]), None);

        // A later pass (the secret replaced behind the same source) clears
        // it; an earlier one does not.
        let pass = run(&now, "2026-01-03T00:00:00Z", "passed", None);
        assert_eq!(
            expired_in_history(&now, &[expired.clone(), pass.clone()]),
            None
        );
        let earlier = run(&now, "2026-01-01T00:00:00Z", "passed", None);
        assert!(expired_in_history(&now, &[expired.clone(), earlier]).is_some());

        // Carried and skipped steps are no answer of their own.
        let mut carried = pass.clone();
        carried.steps[0].carried_from = Some("2026-01-01T00:00:00Z".into());
        let mut skipped = pass;
        skipped.steps[0].status = "skipped".into();
        assert!(expired_in_history(&now, &[expired.clone(), carried, skipped]).is_some());

        // Another refusal is not an expiry.
        let wrong = run(
            &now,
            "2026-01-04T00:00:00Z",
            "failed",
            Some("AADSTS7000215"),
        );
        assert_eq!(expired_in_history(&now, &[expired, wrong]), None);
    }
}

//! Exchange allows 4 concurrent requests per app and mailbox (reference
//! §6.1). [`MailboxLimiter`] keeps graphmail under that: one semaphore per
//! lower-cased address, shared by every Graph client of the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Exchange's per-mailbox concurrency limit.
pub const MAILBOX_CONCURRENCY: usize = 4;

#[derive(Debug)]
pub struct MailboxLimiter {
    per_mailbox: usize,
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl MailboxLimiter {
    pub fn new(per_mailbox: usize) -> Self {
        MailboxLimiter {
            per_mailbox: per_mailbox.max(1),
            semaphores: Mutex::new(HashMap::new()),
        }
    }

    /// The process-wide limiter every [`super::GraphClient`] uses by default,
    /// so two clients in one process still share the limit.
    pub fn shared() -> Arc<MailboxLimiter> {
        static SHARED: OnceLock<Arc<MailboxLimiter>> = OnceLock::new();
        SHARED
            .get_or_init(|| Arc::new(MailboxLimiter::new(MAILBOX_CONCURRENCY)))
            .clone()
    }

    pub fn per_mailbox(&self) -> usize {
        self.per_mailbox
    }

    fn semaphore(&self, mailbox: &str) -> Arc<Semaphore> {
        let key = mailbox.trim().to_ascii_lowercase();
        // A poisoned map only means another thread panicked mid-insert; the
        // map itself is still usable.
        let mut map = self.semaphores.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_mailbox)))
            .clone()
    }

    /// Waits for a slot on `mailbox`; the slot is freed when the permit
    /// drops. (`None` only if the semaphore were closed, which never happens.)
    pub async fn acquire(&self, mailbox: &str) -> Option<OwnedSemaphorePermit> {
        self.semaphore(mailbox).acquire_owned().await.ok()
    }
}

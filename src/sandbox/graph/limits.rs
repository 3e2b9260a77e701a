//! Exchange's per app + mailbox concurrency limit (reference §6.1: 4
//! concurrent requests; the next gets 429 `ApplicationThrottled` with
//! `Retry-After`), the figures tests read back (highest concurrency seen per
//! mailbox), and the mailbox-scoped latency.
//!
//! The latency is slept *while the request holds its slot*, so with 50 ms
//! per request a client that sends more than 4 at once to one mailbox sees
//! real 429s and has to queue, as it would against Exchange. Global faults
//! (latency before routing, 429 storms, 503, dropped connections) belong to
//! the identity half's middleware, not here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde::Serialize;

use super::errors::GraphError;
use super::seed::MailLimitsSeed;

pub struct Limits {
    state: Arc<Mutex<SlotState>>,
    config: RwLock<Config>,
}

#[derive(Debug, Clone)]
struct Config {
    max: usize,
    retry_after: String,
    global_latency_ms: u64,
    /// Mailbox index → latency overriding the global one.
    mailbox_latency_ms: HashMap<u32, u64>,
}

#[derive(Default)]
struct SlotState {
    /// (lower-cased app ID, mailbox) → requests in flight.
    per_app: HashMap<(String, u32), usize>,
    per_mailbox: HashMap<u32, MailboxStats>,
}

/// What the admin endpoint reports per mailbox.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct MailboxStats {
    /// Requests in flight right now (all apps).
    pub in_flight: usize,
    /// Most requests ever in flight at once, counting the ones turned away
    /// with 429: what a client put on the wire concurrently.
    pub highest: usize,
    /// Most requests ever admitted at once (never above the limit per app).
    pub highest_admitted: usize,
    pub admitted: u64,
    pub throttled: u64,
}

/// Held while a request works on a mailbox; frees the slot when dropped
/// (also when the client goes away mid-request).
pub struct Slot {
    state: Arc<Mutex<SlotState>>,
    key: (String, u32),
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        if let Some(n) = state.per_app.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.per_app.remove(&self.key);
            }
        }
        if let Some(stats) = state.per_mailbox.get_mut(&self.key.1) {
            stats.in_flight = stats.in_flight.saturating_sub(1);
        }
    }
}

fn lock(state: &Mutex<SlotState>) -> MutexGuard<'_, SlotState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Limits {
    pub fn new(
        seed: &MailLimitsSeed,
        mailbox_latency: HashMap<u32, u64>,
    ) -> Result<Limits, String> {
        if seed.mailbox_concurrency == 0 {
            return Err("mail_limits.mailbox_concurrency must be at least 1".to_owned());
        }
        if seed
            .retry_after
            .trim()
            .parse::<f64>()
            .map(|v| v < 0.0)
            .unwrap_or(true)
        {
            return Err(format!(
                "mail_limits.retry_after '{}' is not a number of seconds",
                seed.retry_after
            ));
        }
        Ok(Limits {
            state: Arc::default(),
            config: RwLock::new(Config {
                max: seed.mailbox_concurrency,
                retry_after: seed.retry_after.trim().to_owned(),
                global_latency_ms: seed.latency_ms,
                mailbox_latency_ms: mailbox_latency,
            }),
        })
    }

    fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Takes a slot for `app` on `mailbox`, or answers 429.
    pub fn acquire(&self, app: &str, mailbox: u32) -> Result<Slot, GraphError> {
        let config = self.config();
        let key = (app.to_ascii_lowercase(), mailbox);
        let mut state = lock(&self.state);
        let app_in_flight = state.per_app.get(&key).copied().unwrap_or(0);
        let stats = state.per_mailbox.entry(mailbox).or_default();
        stats.highest = stats.highest.max(stats.in_flight + 1);
        if app_in_flight >= config.max {
            stats.throttled += 1;
            return Err(GraphError::throttled(&config.retry_after));
        }
        stats.in_flight += 1;
        stats.admitted += 1;
        stats.highest_admitted = stats.highest_admitted.max(stats.in_flight);
        *state.per_app.entry(key.clone()).or_default() += 1;
        Ok(Slot {
            state: Arc::clone(&self.state),
            key,
        })
    }

    /// The latency to apply on `mailbox`.
    pub fn latency(&self, mailbox: u32) -> Duration {
        let config = self.config.read().unwrap_or_else(|e| e.into_inner());
        let ms = config
            .mailbox_latency_ms
            .get(&mailbox)
            .copied()
            .unwrap_or(config.global_latency_ms);
        Duration::from_millis(ms)
    }

    pub fn stats(&self) -> HashMap<u32, MailboxStats> {
        lock(&self.state).per_mailbox.clone()
    }

    /// Forgets the highest figures and counts (in-flight requests stay counted).
    pub fn reset_stats(&self) {
        let mut state = lock(&self.state);
        for stats in state.per_mailbox.values_mut() {
            *stats = MailboxStats {
                in_flight: stats.in_flight,
                highest: stats.in_flight,
                highest_admitted: stats.in_flight,
                ..MailboxStats::default()
            };
        }
    }

    pub fn set_global_latency(&self, ms: u64) {
        self.config
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .global_latency_ms = ms;
    }

    pub fn set_mailbox_latency(&self, mailbox: u32, ms: Option<u64>) {
        let mut config = self.config.write().unwrap_or_else(|e| e.into_inner());
        match ms {
            Some(ms) => config.mailbox_latency_ms.insert(mailbox, ms),
            None => config.mailbox_latency_ms.remove(&mailbox),
        };
    }

    pub fn set_limit(&self, max: Option<usize>, retry_after: Option<String>) -> Result<(), String> {
        let mut config = self.config.write().unwrap_or_else(|e| e.into_inner());
        if let Some(max) = max {
            if max == 0 {
                return Err("limit must be at least 1".to_owned());
            }
            config.max = max;
        }
        if let Some(retry_after) = retry_after {
            if retry_after
                .trim()
                .parse::<f64>()
                .map(|v| v < 0.0)
                .unwrap_or(true)
            {
                return Err(format!(
                    "retry_after '{retry_after}' is not a number of seconds"
                ));
            }
            config.retry_after = retry_after.trim().to_owned();
        }
        Ok(())
    }

    /// (limit, retry_after, global latency ms, per-mailbox latency).
    pub fn settings(&self) -> (usize, String, u64, HashMap<u32, u64>) {
        let c = self.config();
        (
            c.max,
            c.retry_after,
            c.global_latency_ms,
            c.mailbox_latency_ms,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_concurrent_request_of_one_app_on_one_mailbox_is_throttled() {
        let limits = Limits::new(&MailLimitsSeed::default(), HashMap::new()).expect("limits");
        let held: Vec<Slot> = (0..4)
            .map(|_| limits.acquire("app", 1).expect("slot"))
            .collect();
        let fifth = limits.acquire("APP", 1).err().expect("throttled");
        assert_eq!(fifth.status.as_u16(), 429);
        assert_eq!(fifth.retry_after.as_deref(), Some("1"));
        // Another app, or another mailbox, has its own budget.
        let other_app = limits.acquire("other", 1).expect("other app");
        let other_mailbox = limits.acquire("app", 2).expect("other mailbox");
        drop(held);
        let stats = limits.stats()[&1];
        assert_eq!(
            (stats.in_flight, stats.highest, stats.highest_admitted),
            (1, 5, 5)
        );
        assert_eq!(stats.throttled, 1);
        drop((other_app, other_mailbox));
        assert_eq!(limits.stats()[&1].in_flight, 0);
        limits.acquire("app", 1).expect("slot again after release");
    }
}

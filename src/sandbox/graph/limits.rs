//! Exchange's per app + mailbox limits (reference §6.1,
//! learn.microsoft.com/graph/throttling-limits): 4 concurrent requests (the
//! next gets 429 `ApplicationThrottled` with `Retry-After`), 10,000 requests
//! per 10 minutes, and 15 MB of uploaded bodies per 30 seconds, each a
//! sliding window whose size the seed can scale down for tests; the figures
//! tests read back (highest concurrency seen per mailbox), the
//! mailbox-scoped latency, and the size limits and delays other modules read.
//!
//! The latency is slept *while the request holds its slot*, so with 50 ms
//! per request a client that sends more than 4 at once to one mailbox sees
//! real 429s and has to queue, as it would against Exchange. Global faults
//! (latency before routing, 429 storms, 503, dropped connections) belong to
//! the identity half's middleware, not here.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::errors::GraphError;
use super::seed::MailLimitsSeed;

pub struct Limits {
    state: Arc<Mutex<SlotState>>,
    config: RwLock<Config>,
    /// (lower-cased app ID, mailbox) → recent requests, and recent upload bytes.
    windows: Mutex<HashMap<(String, u32), Windows>>,
}

#[derive(Debug, Clone)]
struct Config {
    max: usize,
    retry_after: String,
    global_latency_ms: u64,
    /// Mailbox index → latency overriding the global one.
    mailbox_latency_ms: HashMap<u32, u64>,
    /// The rest of `[mail_limits]`, as seeded or changed by the admin endpoint.
    seed: MailLimitsSeed,
}

#[derive(Default)]
struct Windows {
    requests: VecDeque<Instant>,
    uploads: VecDeque<(Instant, u64)>,
}

/// Seconds until `at` as Graph writes `Retry-After` (decimals, reference §6.2).
fn retry_after_until(at: Instant, now: Instant) -> String {
    let secs = at.saturating_duration_since(now).as_secs_f64().max(0.001);
    format!("{secs:.3}")
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
        check_seed(seed)?;
        Ok(Limits {
            state: Arc::default(),
            config: RwLock::new(Config {
                max: seed.mailbox_concurrency,
                retry_after: seed.retry_after.trim().to_owned(),
                global_latency_ms: seed.latency_ms,
                mailbox_latency_ms: mailbox_latency,
                seed: seed.clone(),
            }),
            windows: Mutex::new(HashMap::new()),
        })
    }

    /// The `[mail_limits]` in force.
    pub fn seed(&self) -> MailLimitsSeed {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .seed
            .clone()
    }

    /// Replaces the size, window and delay settings (not the concurrency
    /// limit or latency, which have their own setters).
    pub fn set_seed(&self, seed: MailLimitsSeed) -> Result<(), String> {
        check_seed(&seed)?;
        let mut config = self.config.write().unwrap_or_else(|e| e.into_inner());
        config.seed = seed;
        Ok(())
    }

    pub fn sent_items_delay(&self) -> Duration {
        Duration::from_millis(self.seed().sent_items_delay_ms)
    }

    pub fn max_request_bytes(&self) -> usize {
        self.seed().max_request_bytes
    }

    /// Outlook's request limit: counts this request for `app` on `mailbox`,
    /// or answers 429 when the window is full. Requests turned away count
    /// too (reference §6.2: usage keeps being counted while throttled).
    pub fn admit_request(&self, app: &str, mailbox: u32) -> Result<(), GraphError> {
        let seed = self.seed();
        let window = Duration::from_secs(seed.request_window_seconds);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows
            .entry((app.to_ascii_lowercase(), mailbox))
            .or_default();
        while w.requests.front().is_some_and(|t| now - *t >= window) {
            w.requests.pop_front();
        }
        let full = w.requests.len() as u64 >= seed.requests_per_window;
        w.requests.push_back(now);
        if full {
            let oldest = w.requests.front().copied().unwrap_or(now);
            return Err(GraphError::outlook_throttled(
                "MailboxRequests",
                &retry_after_until(oldest + window, now),
            ));
        }
        Ok(())
    }

    /// Outlook's upload limit: takes `bytes` of a PATCH, POST or PUT body
    /// for `app` on `mailbox`, or answers 429 "IncomingBytes". A body
    /// larger than the whole budget passes when nothing else is in the
    /// window (else it could never pass).
    pub fn admit_upload(&self, app: &str, mailbox: u32, bytes: u64) -> Result<(), GraphError> {
        if bytes == 0 {
            return Ok(());
        }
        let seed = self.seed();
        let window = Duration::from_secs(seed.upload_window_seconds);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows
            .entry((app.to_ascii_lowercase(), mailbox))
            .or_default();
        while w.uploads.front().is_some_and(|(t, _)| now - *t >= window) {
            w.uploads.pop_front();
        }
        let used: u64 = w.uploads.iter().map(|(_, b)| b).sum();
        if !w.uploads.is_empty() && used + bytes > seed.upload_bytes_per_window {
            // Wait until enough of the window has drained.
            let mut freed = 0;
            let mut until = now;
            for (t, b) in &w.uploads {
                freed += b;
                until = *t + window;
                if used - freed + bytes <= seed.upload_bytes_per_window {
                    break;
                }
            }
            return Err(GraphError::outlook_throttled(
                "IncomingBytes",
                &retry_after_until(until, now),
            ));
        }
        w.uploads.push_back((now, bytes));
        Ok(())
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
    #[allow(clippy::type_complexity)]
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

fn check_seed(seed: &MailLimitsSeed) -> Result<(), String> {
    let positive = [
        ("max_request_bytes", seed.max_request_bytes as u64),
        ("requests_per_window", seed.requests_per_window),
        ("request_window_seconds", seed.request_window_seconds),
        ("upload_bytes_per_window", seed.upload_bytes_per_window),
        ("upload_window_seconds", seed.upload_window_seconds),
        ("max_message_bytes", seed.max_message_bytes),
        ("upload_session_max_bytes", seed.upload_session_max_bytes),
    ];
    for (key, value) in positive {
        if value == 0 {
            return Err(format!("mail_limits.{key} must be at least 1"));
        }
    }
    Ok(())
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

    #[test]
    fn request_and_upload_windows_throttle_per_app_and_mailbox() {
        let seed = MailLimitsSeed {
            requests_per_window: 3,
            request_window_seconds: 60,
            upload_bytes_per_window: 100,
            upload_window_seconds: 60,
            ..MailLimitsSeed::default()
        };
        let limits = Limits::new(&seed, HashMap::new()).expect("limits");
        for _ in 0..3 {
            limits.admit_request("app", 1).expect("under the limit");
        }
        let fourth = limits.admit_request("app", 1).expect_err("over");
        assert_eq!(fourth.status.as_u16(), 429);
        assert!(
            fourth.message.contains("MailboxRequests"),
            "{}",
            fourth.message
        );
        let wait: f64 = fourth.retry_after.as_deref().unwrap().parse().unwrap();
        assert!(wait > 59.0 && wait <= 60.0, "{wait}");
        limits.admit_request("app", 2).expect("another mailbox");
        limits.admit_request("other", 1).expect("another app");

        limits.admit_upload("app", 1, 60).expect("first");
        limits.admit_upload("app", 1, 40).expect("fills the budget");
        let over = limits.admit_upload("app", 1, 1).expect_err("over");
        assert_eq!(over.message, "Application is over its IncomingBytes limit.");
        assert!(over.bare, "no innerError, as Outlook answers");
        limits
            .admit_upload("app", 2, 500)
            .expect("alone in its window");
    }
}

//! The sandbox's clock: the wall clock plus an offset that the admin endpoint
//! can shift, so tests can age client assertions, tokens and secrets without
//! waiting. Limits: second resolution; the offset only moves what the sandbox
//! itself checks (token lifetimes, assertion windows, secret expiry), never the
//! host's clock.

use std::sync::atomic::{AtomicI64, Ordering};

/// Wall clock + shift, Unix seconds.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// The sandbox's current time, Unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now()
            .timestamp()
            .saturating_add(self.offset_seconds.load(Ordering::SeqCst))
    }

    /// Moves the clock by `seconds` (negative moves it back); returns the new offset.
    pub fn shift(&self, seconds: i64) -> i64 {
        let previous = self
            .offset_seconds
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(seconds))
            })
            .unwrap_or_default();
        previous.saturating_add(seconds)
    }

    /// Sets the offset to an absolute value (0 resets to the wall clock).
    pub fn set_offset(&self, seconds: i64) {
        self.offset_seconds.store(seconds, Ordering::SeqCst);
    }

    /// The current offset from the wall clock, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_accumulates_and_resets() {
        let clock = Clock::default();
        let before = clock.now();
        assert_eq!(clock.shift(600), 600);
        assert_eq!(clock.shift(-100), 500);
        assert!(clock.now() >= before + 500);
        clock.set_offset(0);
        assert_eq!(clock.offset(), 0);
    }
}

//! Time source for pairing: every limit (open window, code expiry, back-off) reads the clock through
//! this trait so tests move time by hand instead of sleeping.
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Monotonic time for deadlines, wall time (Unix seconds) for what the person sees and the vault keeps.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Instant;
    fn unix_secs(&self) -> u64;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn unix_secs(&self) -> u64 {
        // A clock set before 1970 is a broken machine; 0 is an honest "unknown".
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that only moves when told to (tests, demos). Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    start: Instant,
    start_unix: u64,
    offset: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// Starts at the real current instant and at `start_unix` seconds of wall time.
    pub fn new(start_unix: u64) -> Self {
        Self {
            start: Instant::now(),
            start_unix,
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset += by;
    }

    fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + self.offset()
    }

    fn unix_secs(&self) -> u64 {
        self.start_unix + self.offset().as_secs()
    }
}

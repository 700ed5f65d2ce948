//! The simulated clock: wall time plus an offset that tests move forward
//! through the admin API (`POST /sim/clock {"advanceSeconds": n}`), so that
//! readiness delays, HPA stabilization windows and Job durations can be
//! exercised without waiting.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward (never backward: time in a cluster is monotonic).
    pub fn advance(&self, by: Duration) {
        if by > Duration::zero() {
            *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
        }
    }
}

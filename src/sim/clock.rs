//! The simulated clock: wall time plus an offset that tests move forward
//! through the admin API (`POST /sim/clock {"advanceSeconds": n}`), so that
//! readiness delays, HPA stabilization windows and Job durations can be
//! exercised without waiting. The clusters of one simulator share it, and
//! their runners, asleep until their next due time, watch it for jumps.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;
use tokio::sync::watch;

#[derive(Debug, Default)]
pub struct Clock {
    offset: Mutex<Duration>,
    /// Bumped on every advance.
    advances: watch::Sender<u64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward (never backward: time in a cluster is monotonic).
    pub fn advance(&self, by: Duration) {
        if by > Duration::zero() {
            *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
            self.advances.send_modify(|n| *n += 1);
        }
    }

    /// Sees every advance made after this call.
    pub fn advances(&self) -> watch::Receiver<u64> {
        self.advances.subscribe()
    }
}

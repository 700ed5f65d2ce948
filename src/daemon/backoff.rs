//! How long to wait before trying again: a pure function of what went wrong
//! and how many times in a row it has. Errors say whether to *retry* (the
//! network, a busy API: soon, then less and less often), *wait* (for
//! something outside flotilla, such as a CRD becoming established: a steady
//! pace) or *stall* (nothing changes until the input does: a new commit or
//! a changed cluster wakes the work, the timer only re-checks rarely).

use std::time::Duration;

/// What a failed step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Retry,
    Wait,
    Stall,
}

/// The first retry comes after this.
pub const RETRY_BASE: Duration = Duration::from_secs(1);
/// Retries never wait longer than this.
pub const RETRY_CAP: Duration = Duration::from_secs(300);
/// The steady pace of `Wait`.
pub const WAIT: Duration = Duration::from_secs(10);
/// How often a stalled step is re-checked anyway.
pub const STALL: Duration = Duration::from_secs(600);

/// The delay before attempt `attempt + 1`, after `attempt` failures in a
/// row (1 for the first failure).
pub fn delay(next: Next, attempt: u32) -> Duration {
    match next {
        Next::Retry => {
            let doublings = attempt.saturating_sub(1).min(16);
            RETRY_BASE.saturating_mul(1 << doublings).min(RETRY_CAP)
        }
        Next::Wait => WAIT,
        Next::Stall => STALL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_the_cap() {
        let table = [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 4),
            (9, 256),
            (10, 300),
            (1000, 300),
        ];
        for (attempt, secs) in table {
            assert_eq!(
                delay(Next::Retry, attempt),
                Duration::from_secs(secs),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn waits_and_stalls_keep_their_pace() {
        assert_eq!(delay(Next::Wait, 1), delay(Next::Wait, 50));
        assert_eq!(delay(Next::Stall, 1), STALL);
    }
}

//! When the controllers next have something to do that no write will
//! announce: the time-driven part of their work. [`next_due`] is the
//! earliest time after `inputs.now` at which some controller's comparison
//! with the clock flips:
//!
//! - a bound pod turns Ready `pod_ready_delay` after it was scheduled, and
//!   a run-to-completion pod terminates after its run time (kubelet);
//! - a Ready pod becomes available `minReadySeconds` after it turned Ready
//!   (every workload controller);
//! - a Job hits `activeDeadlineSeconds`, a finished one its
//!   `ttlSecondsAfterFinished`;
//! - a CronJob's schedule fires;
//! - an HPA is due for its next evaluation (every 15 s);
//! - a Deployment's progress deadline passes;
//! - an Event outlives its TTL (garbage collection).
//!
//! The runner sleeps until then, or until a write or an admin action wakes
//! it. Offering a time too early costs one idle pass; missing one leaves a
//! cluster stale until something else happens. So where the exact time is
//! hard to know (which workload owns a pod, whether a node is Ready) a time
//! is offered anyway.

use super::{cronjob, deployment, gc, hpa, job, kubelet, pod, Inputs, World};
use chrono::{DateTime, Duration, Utc};

/// Collects the earliest of the times offered that is after `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Due {
    now: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
}

impl Due {
    pub(crate) fn new(now: DateTime<Utc>) -> Self {
        Due { now, next: None }
    }

    /// Something changes once `now >= t`.
    pub(crate) fn at(&mut self, t: DateTime<Utc>) {
        if t > self.now && self.next.is_none_or(|n| t < n) {
            self.next = Some(t);
        }
    }

    /// Something changes once `now > t` (a strict comparison): the first
    /// millisecond after it.
    pub(crate) fn after(&mut self, t: DateTime<Utc>) {
        self.at(t + Duration::milliseconds(1));
    }

    pub(crate) fn next(&self) -> Option<DateTime<Utc>> {
        self.next
    }
}

/// The earliest time after `inputs.now` at which the controllers would act
/// on `world` without any change to it or to the other inputs; `None` when
/// nothing is scheduled.
pub fn next_due(world: &dyn World, inputs: &Inputs) -> Option<DateTime<Utc>> {
    let mut due = Due::new(inputs.now);
    kubelet::due(world, inputs, &mut due);
    pod::availability_due(world, inputs, &mut due);
    job::due(world, &mut due);
    cronjob::due(world, inputs, &mut due);
    hpa::due(world, &mut due);
    deployment::due(world, &mut due);
    gc::due(world, &mut due);
    due.next()
}

//! How often flotilla may correct the same object: a capped exponential
//! backoff per object identity, so that a fight with another controller
//! (or a person with a script) costs a bounded number of writes.
//!
//! In: per object, what a pass saw (a drift to correct, or the object in
//! sync) and the time, as an argument. Out: whether a drift may be
//! corrected now or not before some time, and what to report.
//!
//! The rules:
//! - the first correction after a quiet time is immediate;
//! - after the n-th correction in a row, the next waits
//!   `base · 2^(n-1)`, capped at `cap` (1 s, 2 s, 4 s … 5 min);
//! - while a correction waits, the drift is reported, not written;
//! - an object seen in sync is forgiven one doubling per `reset_after` it
//!   stays in sync, and forgotten at zero. A step at a time rather than all
//!   at once keeps the bound below true over any window, fights with
//!   pauses included: a fighter that pauses for `reset_after` wins one
//!   extra write, never a fresh run of quick ones.
//!
//! Bound: over any window of length W, at most
//! `log2(W/base + 1) + W/cap + W/reset_after + 1` writes (the proptest
//! checks it). Pure: no clock, no I/O.

use crate::apply::{ClusterPlan, Inventory, Why};
use crate::model::common::ObjectRef;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The backoff's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The wait after the first correction.
    pub base: Duration,
    /// The longest wait between two corrections.
    pub cap: Duration,
    /// How long in sync forgives one doubling.
    pub reset_after: Duration,
}

impl Policy {
    /// 1 s, 2 s, 4 s … 5 min; a doubling forgiven per 5 min in sync.
    pub const DEFAULT: Policy = Policy {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(300),
        reset_after: Duration::from_secs(300),
    };

    /// The wait after the `n`-th correction in a row (`n` ≥ 1).
    pub fn delay(&self, n: u32) -> Duration {
        let doublings = n.saturating_sub(1).min(30);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::DEFAULT
    }
}

/// What may be done about a drift seen now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Write the correction.
    Correct,
    /// Report it; the correction may be written from `until`.
    Defer { until: Instant, corrections: u32 },
}

/// One object's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// Corrections in a row, less what time in sync forgave.
    corrections: u32,
    /// No correction before this.
    next: Instant,
    /// Seen in sync since this time (none: drifted at the last look).
    in_sync_since: Option<Instant>,
    /// A drift is waiting for `next`.
    deferred: bool,
}

impl Entry {
    /// Forgives a doubling per `reset_after` in sync; true when nothing is
    /// left to remember.
    fn settle(&mut self, now: Instant, policy: &Policy) -> bool {
        if let Some(since) = self.in_sync_since {
            let step = policy.reset_after.max(Duration::from_millis(1));
            let levels = now.saturating_duration_since(since).as_nanos() / step.as_nanos();
            if levels > 0 {
                let levels = u32::try_from(levels).unwrap_or(u32::MAX);
                self.corrections = self.corrections.saturating_sub(levels);
                self.in_sync_since = Some(since + step.saturating_mul(levels));
            }
        }
        self.corrections == 0
    }
}

/// An object's fight, as status reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fight {
    pub corrections: u32,
    /// A correction is waiting until then.
    pub deferred_until: Option<Instant>,
}

/// The backoff of every object of one cluster.
#[derive(Debug, Clone)]
pub struct DriftBackoff<K: Ord> {
    policy: Policy,
    entries: BTreeMap<K, Entry>,
}

impl<K: Ord> Default for DriftBackoff<K> {
    fn default() -> Self {
        DriftBackoff {
            policy: Policy::DEFAULT,
            entries: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone> DriftBackoff<K> {
    pub fn new(policy: Policy) -> Self {
        DriftBackoff {
            policy,
            entries: BTreeMap::new(),
        }
    }

    /// A drift of `key` seen at `now`: may it be corrected now?
    pub fn check(&mut self, key: &K, now: Instant) -> Verdict {
        let Some(e) = self.entries.get_mut(key) else {
            return Verdict::Correct;
        };
        if e.settle(now, &self.policy) {
            self.entries.remove(key);
            return Verdict::Correct;
        }
        e.in_sync_since = None;
        if now < e.next {
            e.deferred = true;
            Verdict::Defer {
                until: e.next,
                corrections: e.corrections,
            }
        } else {
            Verdict::Correct
        }
    }

    /// A correction of `key` was written at `now`; returns the
    /// corrections in a row.
    pub fn corrected(&mut self, key: K, now: Instant) -> u32 {
        let policy = self.policy;
        let e = self.entries.entry(key).or_insert(Entry {
            corrections: 0,
            next: now,
            in_sync_since: None,
            deferred: false,
        });
        e.settle(now, &policy);
        e.corrections = e.corrections.saturating_add(1);
        e.next = now + policy.delay(e.corrections);
        e.in_sync_since = None;
        e.deferred = false;
        e.corrections
    }

    /// `key` was seen in sync at `now`.
    pub fn in_sync(&mut self, key: &K, now: Instant) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        e.deferred = false;
        match e.in_sync_since {
            None => e.in_sync_since = Some(now),
            Some(_) => {
                if e.settle(now, &self.policy) {
                    self.entries.remove(key);
                }
            }
        }
    }

    /// Forgets every object `keep` refuses (no longer desired).
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.retain(|k, _| keep(k));
    }

    /// When the earliest deferred correction becomes due.
    pub fn next_due(&self) -> Option<Instant> {
        self.entries
            .values()
            .filter(|e| e.deferred)
            .map(|e| e.next)
            .min()
    }

    /// The objects in a fight at `now`: a correction waiting, or corrected
    /// more than once in a row and not yet in sync for `reset_after`.
    pub fn fights(&self, now: Instant) -> Vec<(K, Fight)> {
        let calm = |e: &Entry| {
            e.in_sync_since
                .is_some_and(|t| now.saturating_duration_since(t) >= self.policy.reset_after)
        };
        self.entries
            .iter()
            .filter(|(_, e)| e.deferred || (e.corrections > 1 && !calm(e)))
            .map(|(k, e)| {
                let fight = Fight {
                    corrections: e.corrections,
                    deferred_until: e.deferred.then_some(e.next),
                };
                (k.clone(), fight)
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A correction the backoff held back in this pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferred {
    pub id: ObjectRef,
    pub why: Why,
    pub until: Instant,
    pub corrections: u32,
}

/// Takes out of `plan` the corrections the backoff defers. A correction
/// is an apply of an object flotilla already applied and confirmed at the
/// desired hash (its inventory hash is the desired one): a live edit, a
/// changed hash annotation or a deletion. A new revision, a creation and
/// an adoption are never held back. Returns the deferred items and the
/// ids of the corrections left in the plan (to record once written).
pub fn gate(
    plan: &mut ClusterPlan,
    inventory: &Inventory,
    backoff: &mut DriftBackoff<ObjectRef>,
    now: Instant,
) -> (Vec<Deferred>, Vec<ObjectRef>) {
    let mut deferred = Vec::new();
    let mut corrections = Vec::new();
    plan.apply.retain(|item| {
        let correction =
            !matches!(item.why, Why::Adopt) && inventory.get(&item.id) == Some(item.hash.as_str());
        if !correction {
            return true;
        }
        match backoff.check(&item.id, now) {
            Verdict::Correct => {
                corrections.push(item.id.clone());
                true
            }
            Verdict::Defer { until, corrections } => {
                deferred.push(Deferred {
                    id: item.id.clone(),
                    why: item.why.clone(),
                    until,
                    corrections,
                });
                false
            }
        }
    });
    (deferred, corrections)
}

#[cfg(test)]
#[path = "drift_backoff_tests.rs"]
mod tests;

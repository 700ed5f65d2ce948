//! What busy clusters keep between wake-ups: their last snapshot, parsed.
//!
//! A pass parses what the controllers read; a cluster taking writes wakes
//! every few tens of milliseconds, and parsing its thousands of objects
//! each time would make its controllers fall behind the API. So the last
//! snapshot is kept, and the next one parses only the versions that
//! changed ([`Snapshot::reuse`]); when nothing the controllers read has
//! changed since they last had nothing to do, the pass is skipped (see
//! [`Kept::settled`]). Parsed objects cost ten times their JSON,
//! so few are kept: a cluster's goes when it has been quiet for
//! [`QUIET`], or when more clusters than the cache holds are busy at once
//! (the least recently used goes; that cluster parses in full next time).

use crate::sim::cluster::SimCluster;
use crate::sim::controllers::Inputs;
use crate::sim::store::Snapshot;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

/// How long a cluster keeps its snapshot after its last wake-up.
pub const QUIET: Duration = Duration::from_secs(2);

/// What a cluster keeps between wake-ups.
pub struct Kept {
    /// The last snapshot, with what the controllers parsed of it.
    pub snapshot: Snapshot,
    /// Set when the controllers had nothing to do on `snapshot` with these
    /// inputs, with their next due time: being pure, they will have nothing
    /// to do on the same world with the same inputs before then.
    pub settled: Option<(Inputs, Option<DateTime<Utc>>)>,
}

/// Most recently used last. A `Weak` keeps its allocation, so no other
/// cluster can be mistaken for one that is gone.
type Entries = VecDeque<(Weak<SimCluster>, Kept)>;

pub struct Cache {
    entries: Mutex<Entries>,
    capacity: usize,
}

/// The simulator's: two clusters per core keep a snapshot (the passes
/// running and the ones about to).
pub fn global() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE
        .get_or_init(|| Cache::new(2 * std::thread::available_parallelism().map_or(2, |n| n.get())))
}

fn is(entry: &Weak<SimCluster>, cluster: &Arc<SimCluster>) -> bool {
    std::ptr::eq(entry.as_ptr(), Arc::as_ptr(cluster))
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        Cache {
            entries: Mutex::new(VecDeque::new()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cluster's kept snapshot, taken out for its next pass.
    pub fn take(&self, cluster: &Arc<SimCluster>) -> Option<Kept> {
        let mut entries = self.lock();
        let i = entries.iter().position(|(c, _)| is(c, cluster))?;
        entries.remove(i).map(|(_, s)| s)
    }

    /// Keeps the cluster's latest snapshot, evicting the least recently
    /// used beyond capacity (and those of clusters that are gone).
    pub fn put(&self, cluster: &Arc<SimCluster>, kept: Kept) {
        let evicted: Vec<Kept> = {
            let mut entries = self.lock();
            let mut out = Vec::new();
            let (keep, gone): (Entries, Entries) = std::mem::take(&mut *entries)
                .into_iter()
                .partition(|(c, _)| c.strong_count() > 0 && !is(c, cluster));
            out.extend(gone.into_iter().map(|(_, s)| s));
            *entries = keep;
            entries.push_back((Arc::downgrade(cluster), kept));
            while entries.len() > self.capacity {
                out.extend(entries.pop_front().map(|(_, s)| s));
            }
            out
        };
        // Freed outside the lock: dropping thousands of objects takes a while.
        drop(evicted);
    }

    /// Drops the cluster's snapshot: it has gone quiet.
    pub fn forget(&self, cluster: &Arc<SimCluster>) {
        drop(self.take(cluster));
    }

    /// Whether the cluster keeps a snapshot.
    pub fn holds(&self, cluster: &Arc<SimCluster>) -> bool {
        self.lock().iter().any(|(c, _)| is(c, cluster))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use crate::sim::config::SimConfig;

    fn clusters(n: usize) -> Vec<Arc<SimCluster>> {
        let clock = Arc::new(Clock::default());
        SimConfig::generated(n, 1)
            .clusters
            .into_iter()
            .map(|c| SimCluster::new(c, clock.clone()))
            .collect()
    }

    fn kept(c: &Arc<SimCluster>) -> Kept {
        Kept {
            snapshot: c.store().snapshot(),
            settled: None,
        }
    }

    #[test]
    fn keeps_the_most_recently_busy_clusters_up_to_capacity() {
        let cache = Cache::new(2);
        let cs = clusters(3);
        let snap = |c: &Arc<SimCluster>| kept(c);
        for c in &cs {
            cache.put(c, snap(c));
        }
        assert!(!cache.holds(&cs[0]), "the least recently used went");
        assert!(cache.holds(&cs[1]) && cache.holds(&cs[2]));
        // A pass takes its snapshot out and puts the next one back.
        let taken = cache.take(&cs[1]);
        assert!(taken.is_some() && !cache.holds(&cs[1]));
        cache.put(&cs[1], snap(&cs[1]));
        cache.put(&cs[0], snap(&cs[0]));
        assert!(!cache.holds(&cs[2]) && cache.holds(&cs[1]) && cache.holds(&cs[0]));
        cache.forget(&cs[0]);
        assert!(!cache.holds(&cs[0]));
    }

    #[test]
    fn a_cluster_that_is_gone_leaves_no_snapshot_behind() {
        let cache = Cache::new(4);
        let mut cs = clusters(2);
        let gone = cs.pop().expect("two");
        cache.put(&gone, kept(&gone));
        let weak = Arc::downgrade(&gone);
        drop(gone);
        cache.put(&cs[0], kept(&cs[0]));
        assert_eq!(cache.lock().len(), 1);
        assert!(weak.upgrade().is_none());
    }
}

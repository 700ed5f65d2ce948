//! What clusters keep between wake-ups: their last snapshot.
//!
//! A pass parses what the controllers read; a cluster taking writes wakes
//! every few tens of milliseconds, and parsing its thousands of objects
//! each time would make its controllers fall behind the API. So the last
//! snapshot is kept, and the next one parses only the versions that
//! changed ([`Snapshot::reuse`]). Parsed objects cost ten times their JSON,
//! so only the clusters busy right now keep them: a cluster's are dropped
//! when it has been quiet for [`QUIET`], or when more clusters than
//! [`Cache::new`] allows are busy at once (the least recently used; that
//! cluster parses in full next time). What remains of a snapshot, the
//! versions of what the controllers read, still lets a wake-up for a write
//! they do not read (a ConfigMap, a Service) skip the pass ([`Kept`]).

use crate::sim::cluster::SimCluster;
use crate::sim::controllers::Inputs;
use crate::sim::store::Snapshot;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

/// How long a cluster keeps its parsed objects after its last wake-up.
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
    /// How many clusters keep their parsed objects.
    parsed: usize,
}

/// The simulator's: one cluster per core keeps its parsed objects, besides
/// those the running passes hold.
pub fn global() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Cache::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

fn is(entry: &Weak<SimCluster>, cluster: &Arc<SimCluster>) -> bool {
    std::ptr::eq(entry.as_ptr(), Arc::as_ptr(cluster))
}

impl Cache {
    pub fn new(parsed: usize) -> Self {
        Cache {
            entries: Mutex::new(VecDeque::new()),
            parsed,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the cluster kept, taken out for its next pass.
    pub fn take(&self, cluster: &Arc<SimCluster>) -> Option<Kept> {
        let mut entries = self.lock();
        let i = entries.iter().position(|(c, _)| is(c, cluster))?;
        entries.remove(i).map(|(_, k)| k)
    }

    /// Keeps what the cluster's pass left, as the most recently used; the
    /// parsed objects of the least recently used beyond the limit go (and
    /// the entries of clusters that are gone).
    pub fn put(&self, cluster: &Arc<SimCluster>, kept: Kept) {
        let mut freed: Vec<Vec<Option<Value>>> = Vec::new();
        let mut gone = Vec::new();
        {
            let mut entries = self.lock();
            let (keep, dropped): (Entries, Entries) = std::mem::take(&mut *entries)
                .into_iter()
                .partition(|(c, _)| c.strong_count() > 0 && !is(c, cluster));
            gone.extend(dropped);
            *entries = keep;
            entries.push_back((Arc::downgrade(cluster), kept));
            let older = entries.len().saturating_sub(self.parsed);
            for (_, k) in entries.iter_mut().take(older) {
                freed.extend(k.snapshot.strip());
            }
        }
        // Freed outside the lock: dropping thousands of objects takes a while.
        drop((freed, gone));
    }

    /// Drops the cluster's parsed objects: it has gone quiet.
    pub fn quiet(&self, cluster: &Arc<SimCluster>) {
        let freed = self
            .lock()
            .iter_mut()
            .find(|(c, _)| is(c, cluster))
            .map(|(_, k)| k.snapshot.strip());
        drop(freed);
    }

    /// Whether the cluster keeps parsed objects.
    pub fn holds_parsed(&self, cluster: &Arc<SimCluster>) -> bool {
        self.lock()
            .iter()
            .any(|(c, k)| is(c, cluster) && k.snapshot.parsed())
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

    /// A snapshot whose namespaces the controllers read.
    fn kept(c: &Arc<SimCluster>) -> Kept {
        use crate::sim::controllers::{Resource, World};
        let snapshot = c.store().snapshot();
        assert!(!snapshot.list(&Resource::new("", "namespaces")).is_empty());
        Kept {
            snapshot,
            settled: None,
        }
    }

    #[test]
    fn only_the_most_recently_busy_clusters_keep_parsed_objects() {
        let cache = Cache::new(2);
        let cs = clusters(3);
        for c in &cs {
            cache.put(c, kept(c));
        }
        assert!(
            !cache.holds_parsed(&cs[0]),
            "the least recently used was stripped"
        );
        assert!(cache.holds_parsed(&cs[1]) && cache.holds_parsed(&cs[2]));
        // Stripped, but still kept: it tells whether the world changed.
        assert!(cache.take(&cs[0]).is_some());
        // A pass takes its snapshot out and puts the next one back.
        assert!(cache.take(&cs[1]).is_some());
        assert!(!cache.holds_parsed(&cs[1]));
        cache.put(&cs[1], kept(&cs[1]));
        cache.put(&cs[0], kept(&cs[0]));
        assert!(!cache.holds_parsed(&cs[2]));
        assert!(cache.holds_parsed(&cs[1]) && cache.holds_parsed(&cs[0]));
        cache.quiet(&cs[0]);
        assert!(!cache.holds_parsed(&cs[0]));
        assert!(cache.take(&cs[0]).is_some());
    }

    #[test]
    fn a_cluster_that_is_gone_leaves_nothing_behind() {
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

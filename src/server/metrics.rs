//! The daemon's Prometheus metrics (issue 5 §6), in one registry that the
//! daemon updates and `/metrics` encodes as text exposition.
//!
//! Per-cluster series carry a `cluster` label. The source revision is an
//! info-style gauge (value 1, the commit as a label) that is replaced, not
//! accumulated, when the revision changes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabel {
    pub cluster: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RevisionLabel {
    pub revision: String,
}

/// Every metric the daemon exports.
pub struct Metrics {
    registry: Registry,
    pub reconcile_seconds: Family<ClusterLabel, Histogram>,
    pub applied: Family<ClusterLabel, Counter>,
    pub pruned: Family<ClusterLabel, Counter>,
    pub drift_corrected: Family<ClusterLabel, Counter>,
    /// Corrections held back by the per-object backoff (a fight).
    pub drift_deferred: Family<ClusterLabel, Counter>,
    /// Objects read with a GET because the watch cache could not answer.
    pub object_reads: Family<ClusterLabel, Counter>,
    pub cluster_reachable: Family<ClusterLabel, Gauge>,
    pub source_revision: Family<RevisionLabel, Gauge>,
    /// 1 while the latest fetched commit validates, 0 while it does not.
    pub source_valid: Gauge,
    pub last_sync_timestamp: Gauge<f64, AtomicU64>,
    pub fetch_errors: Counter,
    pub status_commits: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("flotilla");
        let reconcile_seconds = Family::<ClusterLabel, Histogram>::new_with_constructor(|| {
            // 5 ms … ~20 s.
            Histogram::new(exponential_buckets(0.005, 2.0, 13))
        });
        registry.register(
            "reconcile_duration_seconds",
            "Time to reconcile one cluster to one revision (observe, plan, apply, prune)",
            reconcile_seconds.clone(),
        );
        let applied = Family::<ClusterLabel, Counter>::default();
        registry.register(
            "objects_applied",
            "Objects written with server-side apply",
            applied.clone(),
        );
        let pruned = Family::<ClusterLabel, Counter>::default();
        registry.register(
            "objects_pruned",
            "Objects deleted because they left the desired state",
            pruned.clone(),
        );
        let drift_corrected = Family::<ClusterLabel, Counter>::default();
        registry.register(
            "drift_corrected",
            "Objects rewritten because a field flotilla owns was changed in the cluster",
            drift_corrected.clone(),
        );
        let drift_deferred = Family::<ClusterLabel, Counter>::default();
        registry.register(
            "drift_deferred",
            "Drift corrections held back by the per-object backoff (another writer keeps changing the object)",
            drift_deferred.clone(),
        );
        let object_reads = Family::<ClusterLabel, Counter>::default();
        registry.register(
            "object_reads",
            "Objects read one by one because the watch cache could not answer (not synced, or not labelled)",
            object_reads.clone(),
        );
        let cluster_reachable = Family::<ClusterLabel, Gauge>::default();
        registry.register(
            "cluster_reachable",
            "1 if the cluster's API answered the last reconcile, 0 if not",
            cluster_reachable.clone(),
        );
        let source_revision = Family::<RevisionLabel, Gauge>::default();
        registry.register(
            "source_revision_info",
            "The source commit being applied (value 1)",
            source_revision.clone(),
        );
        let source_valid = Gauge::default();
        registry.register(
            "source_valid",
            "1 if the latest fetched commit validates, 0 if it is invalid (the last good one stays applied)",
            source_valid.clone(),
        );
        let last_sync_timestamp = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_successful_sync_timestamp_seconds",
            "Unix time of the last reconcile in which every reachable cluster converged",
            last_sync_timestamp.clone(),
        );
        let fetch_errors = Counter::default();
        registry.register(
            "git_fetch_errors",
            "Failed fetches of the source repository",
            fetch_errors.clone(),
        );
        let status_commits = Counter::default();
        registry.register(
            "status_commits",
            "Commits written to the status branch",
            status_commits.clone(),
        );
        Metrics {
            registry,
            reconcile_seconds,
            applied,
            pruned,
            drift_corrected,
            drift_deferred,
            object_reads,
            cluster_reachable,
            source_revision,
            source_valid,
            last_sync_timestamp,
            fetch_errors,
            status_commits,
        }
    }

    pub fn cluster(name: &str) -> ClusterLabel {
        ClusterLabel {
            cluster: name.to_string(),
        }
    }

    /// Replaces the source revision series.
    pub fn set_revision(&self, revision: &str) {
        self.source_revision.clear();
        self.source_revision
            .get_or_create(&RevisionLabel {
                revision: revision.to_string(),
            })
            .set(1);
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_metric_with_its_labels() {
        let m = Metrics::new();
        m.applied.get_or_create(&Metrics::cluster("eu-1")).inc_by(3);
        m.cluster_reachable
            .get_or_create(&Metrics::cluster("eu-1"))
            .set(1);
        m.reconcile_seconds
            .get_or_create(&Metrics::cluster("eu-1"))
            .observe(0.2);
        m.set_revision("aaaa");
        m.set_revision("bbbb");
        m.source_valid.set(1);
        m.fetch_errors.inc();
        let text = m.encode();
        for line in [
            "flotilla_objects_applied_total{cluster=\"eu-1\"} 3",
            "flotilla_cluster_reachable{cluster=\"eu-1\"} 1",
            "flotilla_reconcile_duration_seconds_count{cluster=\"eu-1\"} 1",
            "flotilla_source_revision_info{revision=\"bbbb\"} 1",
            "flotilla_source_valid 1",
            "flotilla_git_fetch_errors_total 1",
            "# TYPE flotilla_last_successful_sync_timestamp_seconds gauge",
        ] {
            assert!(text.contains(line), "missing `{line}` in:\n{text}");
        }
        assert!(
            !text.contains("revision=\"aaaa\""),
            "an old revision lingers:\n{text}"
        );
    }
}

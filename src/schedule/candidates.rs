//! Score and order: the clusters that passed the filters, as Karmada's
//! `GroupClustersWithScore` lists them before selection.
//!
//! - Score: only ClusterLocality scores in Karmada v1.14: 100 for a cluster
//!   in the previous decision (when that decision holds any replica), else 0.
//! - Available replicas: the general estimator per cluster (Karmada's
//!   `calAvailableReplicas`: for a template without replicas every cluster
//!   is unbounded; an unbounded estimate counts as the template's replicas),
//!   plus the replicas the cluster already runs.
//! - Order: score, then available replicas (both descending), then name.
//!   A total order: the result never depends on the input order.

use super::estimator::{estimate, Estimate, Limit};
use super::requirements::ReplicaRequests;
use super::TargetCluster;
use crate::model::kinds::cluster::Cluster;

/// Karmada's `framework.MaxClusterScore`.
pub(super) const MAX_SCORE: i64 = 100;

/// A cluster that passed the filters.
#[derive(Debug, Clone)]
pub(super) struct Candidate<'a> {
    pub cluster: &'a Cluster,
    /// Locality: [`MAX_SCORE`] or 0.
    pub score: i64,
    /// How many more replicas fit (the estimator, bounded as Karmada does).
    pub room: i64,
    /// What bounds `room`.
    pub limit: Limit,
    /// Its replicas in the previous decision.
    pub previous: i32,
}

impl Candidate<'_> {
    pub fn name(&self) -> &str {
        self.cluster.name()
    }

    /// What selection sorts and sums by: room plus what already runs there
    /// (Karmada's `ClusterDetailInfo.AvailableReplicas`).
    pub fn available(&self) -> i64 {
        self.room + i64::from(self.previous)
    }
}

/// Scores, estimates and orders the clusters that passed the filters.
pub(super) fn rank<'a>(
    passed: &[&'a Cluster],
    replicas: i32,
    requests: &ReplicaRequests,
    previous: &[TargetCluster],
) -> Vec<Candidate<'a>> {
    let any_previous = previous.iter().map(|t| i64::from(t.replicas)).sum::<i64>() > 0;
    let mut out: Vec<Candidate<'a>> = passed
        .iter()
        .map(|c| {
            let before = previous.iter().find(|t| t.name == c.name());
            let Estimate {
                replicas: room,
                limit,
            } = room_for(c, replicas, requests);
            Candidate {
                cluster: c,
                score: if any_previous && before.is_some() {
                    MAX_SCORE
                } else {
                    0
                },
                room,
                limit,
                previous: before.map_or(0, |t| t.replicas),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(b.available().cmp(&a.available()))
            .then(a.name().cmp(b.name()))
    });
    out
}

/// Karmada's `calAvailableReplicas` for one cluster: the estimate as an
/// int32, where "unbounded" (`MaxInt32`) means the template's replicas; a
/// template without replicas is not estimated at all.
pub(super) fn room_for(cluster: &Cluster, replicas: i32, requests: &ReplicaRequests) -> Estimate {
    let unbounded = i64::from(i32::MAX);
    if replicas == 0 {
        return Estimate {
            replicas: unbounded,
            limit: Limit::Pods { free: unbounded },
        };
    }
    let mut e = estimate(cluster, requests);
    e.replicas = e.replicas.clamp(0, unbounded);
    if e.replicas == unbounded {
        e.replicas = i64::from(replicas);
    }
    e
}

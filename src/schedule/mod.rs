//! Scheduling: which clusters get how many replicas, and why.
//!
//! In: a [`ScheduleInput`]: one template's (already defaulted) placement,
//! its apiVersion/kind, replicas and per-replica [`ReplicaRequests`], the
//! clusters with their observed state (status, taints) merged in, the
//! previous decision (and the cluster affinity group it used), and the
//! clusters the workload is being evicted from. Out: a [`Decision`]
//! (clusters sorted by name, a reason per cluster) or a [`ScheduleError`]
//! saying what is missing; the caller keeps the previous decision then.
//!
//! Karmada v1.14's generic scheduler, step by step:
//! 1. [`filter`]: cluster affinity, taint toleration, API enablement, spread
//!    field presence, eviction;
//! 2. [`candidates`]: locality score, capacity ([`estimator`]), rank order;
//! 3. [`spread`]: spread constraints choose among the ranked candidates;
//! 4. [`divide`]: Duplicated, static weights, dynamic weights, Aggregated,
//!    starting from the previous decision.
//!
//! `clusterAffinities` are tried in order, from the group the previous
//! decision used, and the first group whose whole schedule succeeds wins.
//!
//! Invariants: pure (no I/O, clock, randomness); deterministic: where
//! Karmada breaks a tie at random flotilla keeps the rank order (see
//! [`divide`]); independent of the order of `clusters`; a Divided result
//! sums to the template's replicas. Where flotilla deliberately differs
//! from Karmada it says so in docs/karmada-compatibility.md.

mod attempt;
mod candidates;
mod divide;
pub mod estimator;
mod explain;
mod filter;
pub mod requirements;
mod spread;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

pub use requirements::{ReplicaRequests, RequestsError};

use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::propagation::Placement;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A cluster as the scheduler sees it: the repository's Cluster with the
/// observed status and taints already merged in.
#[derive(Debug, Clone, Copy)]
pub struct ClusterView<'a> {
    pub cluster: &'a Cluster,
}

/// What to schedule.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleInput<'a> {
    /// Already defaulted (`model::defaults::default_placement`).
    pub placement: &'a Placement,
    pub api_version: &'a str,
    pub kind: &'a str,
    /// `None`: the template has no replicas (a ConfigMap, a Service).
    pub replicas: Option<i32>,
    /// What one replica requests (the capacity estimator divides by it).
    pub requests: &'a ReplicaRequests,
    pub clusters: &'a [ClusterView<'a>],
    /// The decision of the previous round, if any. Its order matters where
    /// Karmada's does (ties when scaling down), as in a binding's
    /// `spec.clusters`.
    pub previous: Option<&'a [TargetCluster]>,
    /// The `clusterAffinities` term the previous decision used: scheduling
    /// starts from it (Karmada's `schedulerObservedAffinityName`).
    pub previous_affinity: Option<&'a str>,
    /// Clusters the workload is being evicted from (graceful eviction):
    /// never chosen again while that lasts.
    pub evicting: &'a [String],
}

/// One cluster of a decision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TargetCluster {
    pub name: String,
    pub replicas: i32,
}

/// A scheduling decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Sorted by name. Duplicated: every selected cluster with the template's
    /// replicas; Divided: the clusters that got at least one replica (every
    /// selected cluster with 0 when the template has 0 or no replicas).
    pub clusters: Vec<TargetCluster>,
    /// With `clusterAffinities`: the name of the term that was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity_name: Option<String>,
    /// Per cluster: why it was selected or left out, and how many it got.
    pub reasons: BTreeMap<String, String>,
    /// About the decision as a whole (affinity groups skipped, and why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Why replicas could not be placed: what was needed, what room there was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// Replicas to place in this round (only the new ones when scaling up).
    pub needed: i64,
    /// Room the chosen clusters have for them together.
    pub room: i64,
    /// Replicas already running on the chosen clusters, which stay.
    pub running: i64,
    /// Per chosen cluster: its room, explained.
    pub clusters: Vec<(String, String)>,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not enough room: {} replicas to place", self.needed)?;
        if self.running > 0 {
            write!(f, " besides the {} running", self.running)?;
        }
        write!(
            f,
            ", the selected clusters have room for {} ({} short)",
            self.room,
            self.needed - self.room
        )?;
        let per: Vec<String> = self
            .clusters
            .iter()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect();
        if !per.is_empty() {
            write!(f, "; {}", per.join("; "))?;
        }
        Ok(())
    }
}

/// Why a template could not be scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The template's replica count is negative.
    #[error("the template has negative replicas ({0})")]
    NegativeReplicas(i32),
    /// The repository defines no clusters at all.
    #[error("no clusters are defined")]
    NoClusters,
    /// Every cluster was filtered out. `reasons` counts clusters per reason,
    /// as Karmada's `FitError` does.
    #[error("0/{total} clusters are available: {}", fit_reasons(reasons))]
    NoClusterFits {
        total: usize,
        reasons: BTreeMap<String, usize>,
    },
    /// The spread constraints cannot be met (Karmada's wording).
    #[error("failed to select clusters: {0}")]
    Spread(String),
    /// Selection kept no cluster (e.g. a cluster spread constraint with
    /// maxGroups 0).
    #[error("no clusters available to schedule")]
    NoClustersSelected,
    /// The selected clusters do not have room for the replicas.
    #[error("failed to assign replicas: {0}")]
    NotEnoughRoom(Shortfall),
    /// No `clusterAffinities` term could be scheduled; `first` is the error
    /// of the first term tried (what Karmada reports).
    #[error("no cluster affinity group could be scheduled (tried {}): {first}", tried.join(", "))]
    NoAffinityGroupFits {
        tried: Vec<String>,
        first: Box<ScheduleError>,
    },
}

/// Karmada's `FitError` histogram: "N cluster(s) <reason>", sorted as strings.
fn fit_reasons(reasons: &BTreeMap<String, usize>) -> String {
    let mut lines: Vec<String> = reasons
        .iter()
        .map(|(r, n)| format!("{n} cluster(s) {r}"))
        .collect();
    lines.sort();
    lines.join(", ")
}

/// Schedules one template. See the module documentation.
pub fn schedule(input: &ScheduleInput<'_>) -> Result<Decision, ScheduleError> {
    let replicas = match input.replicas {
        Some(r) if r < 0 => return Err(ScheduleError::NegativeReplicas(r)),
        Some(r) => r,
        None => 0,
    };
    if input.clusters.is_empty() {
        return Err(ScheduleError::NoClusters);
    }
    // Sorting by name makes the result independent of the input order.
    let mut clusters: Vec<&Cluster> = input.clusters.iter().map(|v| v.cluster).collect();
    clusters.sort_by(|a, b| a.name().cmp(b.name()));

    let placement = input.placement;
    if placement.cluster_affinities.is_empty() || placement.cluster_affinity.is_some() {
        // `clusterAffinity` wins when both are set (Karmada's filter reads
        // it first); validation rejects that combination anyway.
        return attempt::run(
            input,
            &clusters,
            replicas,
            placement.cluster_affinity.as_ref(),
        );
    }
    // Karmada (scheduleResourceBindingWithClusterAffinities) starts from the
    // term the binding last used, tries the terms in order and takes the
    // first whose whole schedule succeeds; when all fail it reports the
    // first error. Starting from the last used term keeps a workload in its
    // fallback group when the preferred group recovers (no flapping).
    let start = input
        .previous_affinity
        .and_then(|name| {
            placement
                .cluster_affinities
                .iter()
                .position(|t| t.affinity_name == name)
        })
        .unwrap_or(0);
    let mut failed: Vec<(String, ScheduleError)> = Vec::new();
    for term in &placement.cluster_affinities[start..] {
        match attempt::run(input, &clusters, replicas, Some(&term.affinity())) {
            Ok(mut decision) => {
                decision.notes = failed
                    .iter()
                    .map(|(name, why)| format!("cluster affinity group `{name}` skipped: {why}"))
                    .collect();
                if start > 0 {
                    decision.notes.insert(
                        0,
                        format!(
                            "started from cluster affinity group `{}`, which the previous decision used",
                            placement.cluster_affinities[start].affinity_name
                        ),
                    );
                }
                decision.affinity_name = Some(term.affinity_name.clone());
                return Ok(decision);
            }
            Err(e) => failed.push((term.affinity_name.clone(), e)),
        }
    }
    let tried = failed.iter().map(|(name, _)| name.clone()).collect();
    let first = failed
        .into_iter()
        .next()
        .map_or(ScheduleError::NoClusters, |(_, e)| e);
    Err(ScheduleError::NoAffinityGroupFits {
        tried,
        first: Box::new(first),
    })
}

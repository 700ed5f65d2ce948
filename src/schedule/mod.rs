//! Scheduling: which clusters get how many replicas.
//!
//! In: one template's (already defaulted) placement, its apiVersion/kind and
//! replicas, the clusters with their observed state merged in, and the
//! previous decision. Out: a [`Decision`] (clusters sorted by name, with a
//! reason per cluster) or a [`ScheduleError`] saying what is short.
//!
//! This is the first cut, Karmada v1.14-exact for what it covers:
//! - filters ([`filter`]): cluster affinity (and `clusterAffinities`, tried in
//!   order), taints (NoSchedule and NoExecute must be tolerated), API
//!   enablement (when the cluster's status reports its APIs);
//! - assignment ([`divide`]): Duplicated, and Divided/Weighted by static
//!   weights (or weight 1 each without a weight preference).
//!
//! Dynamic weights, Aggregated, spread constraints and capacity estimation
//! return [`ScheduleError::Unsupported`]; a later issue implements them behind
//! the same interface.
//!
//! Invariants: pure (no I/O, clock, randomness); deterministic: where Karmada
//! breaks a tie at random, flotilla breaks it by cluster name; a Divided
//! result sums to the template's replicas. Must not depend on the order of
//! `clusters`.

mod divide;
mod filter;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

use crate::model::common::ClusterAffinity;
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
    pub clusters: &'a [ClusterView<'a>],
    /// The decision of the previous round, if any.
    pub previous: Option<&'a [TargetCluster]>,
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
    /// Per cluster: why it was selected or filtered, and how many it got.
    pub reasons: BTreeMap<String, String>,
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
    /// No `clusterAffinities` term could be scheduled; `first` is the error
    /// of the first term (what Karmada reports).
    #[error("no cluster affinity group could be scheduled (tried {}): {first}", tried.join(", "))]
    NoAffinityGroupFits {
        tried: Vec<String>,
        first: Box<ScheduleError>,
    },
    /// A placement feature this scheduler does not implement yet.
    #[error("{0} is not supported by the scheduler yet")]
    Unsupported(String),
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

/// Schedules one template. See the module documentation for what is covered.
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
    if placement.cluster_affinities.is_empty() {
        return schedule_with(
            input,
            &clusters,
            replicas,
            placement.cluster_affinity.as_ref(),
        );
    }
    // Karmada (scheduleResourceBindingWithClusterAffinities, pkg/scheduler/
    // scheduler.go) tries the terms in order and takes the first whose whole
    // schedule succeeds; when all fail it reports the first term's error.
    // `clusterAffinity` wins if both are set (the filter plugin reads it
    // first); validation rejects that combination anyway.
    // The groups tried before the one used, each with why it failed.
    let mut failed: Vec<(String, ScheduleError)> = Vec::new();
    for term in &placement.cluster_affinities {
        let affinity = match &placement.cluster_affinity {
            Some(a) => a.clone(),
            None => term.affinity(),
        };
        match schedule_with(input, &clusters, replicas, Some(&affinity)) {
            Ok(mut decision) => {
                for (earlier, why) in &failed {
                    decision
                        .reasons
                        .entry(format!("(affinity group {earlier})"))
                        .or_insert_with(|| format!("skipped: {why}"));
                }
                decision.affinity_name = Some(term.affinity_name.clone());
                return Ok(decision);
            }
            // Not a property of the group: every group would fail alike.
            Err(e @ ScheduleError::Unsupported(_)) => return Err(e),
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

/// One scheduling attempt with one affinity: filter, then assign.
fn schedule_with(
    input: &ScheduleInput<'_>,
    clusters: &[&Cluster],
    replicas: i32,
    affinity: Option<&ClusterAffinity>,
) -> Result<Decision, ScheduleError> {
    let mut reasons = BTreeMap::new();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut candidates = Vec::new();
    let previous = input.previous.unwrap_or(&[]);
    for cluster in clusters {
        match filter::check(cluster, affinity, input, previous) {
            Ok(()) => candidates.push(*cluster),
            Err(why) => {
                *failures.entry(why.summary()).or_default() += 1;
                reasons.insert(
                    cluster.name().to_string(),
                    format!("filtered out: {}", why.detail()),
                );
            }
        }
    }
    if candidates.is_empty() {
        return Err(ScheduleError::NoClusterFits {
            total: clusters.len(),
            reasons: failures,
        });
    }
    let clusters = divide::assign(
        input.placement,
        replicas,
        input.replicas.is_some(),
        &candidates,
        previous,
        &mut reasons,
    )?;
    Ok(Decision {
        clusters,
        affinity_name: None,
        reasons,
    })
}

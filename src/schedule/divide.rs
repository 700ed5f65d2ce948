//! The assignment step: how many replicas each candidate cluster gets.
//!
//! Karmada v1.14 `pkg/scheduler/core/assignment.go` (`assignReplicas`,
//! `assignByDuplicatedStrategy`, `assignByStaticWeightStrategy`),
//! `pkg/scheduler/core/util.go` (`getStaticWeightInfoList`,
//! `getDefaultWeightPreference`) and `pkg/util/helper/binding.go`
//! (`Dispenser.TakeByWeight`).

use super::{ScheduleError, TargetCluster};
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::propagation::{
    Placement, ReplicaDivisionPreference, ReplicaSchedulingType, StaticClusterWeight,
};
use std::collections::BTreeMap;

/// Assigns `replicas` to the candidates; records a reason per candidate
/// (without a replica count when the template has no replicas, `counted`
/// false). Returns the clusters sorted by name.
pub(super) fn assign(
    placement: &Placement,
    replicas: i32,
    counted: bool,
    candidates: &[&Cluster],
    previous: &[TargetCluster],
    reasons: &mut BTreeMap<String, String>,
) -> Result<Vec<TargetCluster>, ScheduleError> {
    if !placement.spread_constraints.is_empty() {
        return Err(ScheduleError::Unsupported(
            "`spreadConstraints`".to_string(),
        ));
    }
    let mut result = match placement.scheduling_type() {
        ReplicaSchedulingType::Duplicated => every(candidates, replicas),
        // Karmada assigns by strategy only when spec.replicas > 0; otherwise
        // every candidate is listed with 0 ("not a workload" branch).
        ReplicaSchedulingType::Divided if replicas == 0 => every(candidates, 0),
        ReplicaSchedulingType::Divided => {
            let strategy = placement.replica_scheduling.as_ref();
            let preference = strategy
                .and_then(|s| s.replica_division_preference)
                .unwrap_or(ReplicaDivisionPreference::Weighted);
            let weights = strategy.and_then(|s| s.weight_preference.as_ref());
            match preference {
                ReplicaDivisionPreference::Aggregated => {
                    return Err(ScheduleError::Unsupported(
                        "`replicaDivisionPreference: Aggregated` (it needs capacity estimation)"
                            .to_string(),
                    ));
                }
                ReplicaDivisionPreference::Weighted
                    if weights.is_some_and(|w| w.dynamic_weight.is_some()) =>
                {
                    return Err(ScheduleError::Unsupported(
                        "`dynamicWeight: AvailableReplicas` (it needs capacity estimation)"
                            .to_string(),
                    ));
                }
                ReplicaDivisionPreference::Weighted => {
                    let list = weight_list(
                        candidates,
                        weights.map(|w| w.static_weight_list.as_slice()),
                        previous,
                    );
                    let assigned = take_by_weight(replicas, &list);
                    let total: i128 = list.iter().map(|w| w.weight).sum();
                    for c in candidates {
                        let why = match list.iter().find(|w| w.name == c.name()) {
                            Some(w) => format!("weight {} of {total}", w.weight),
                            None => "no staticWeightList entry matches it (weight 0)".to_string(),
                        };
                        reasons.insert(c.name().to_string(), why);
                    }
                    assigned
                }
            }
        }
    };
    // Karmada's removeZeroReplicasCluster, applied when spec.replicas > 0.
    if replicas > 0 {
        result.retain(|t| t.replicas > 0);
    }
    result.sort_by(|a, b| a.name.cmp(&b.name));
    for c in candidates {
        let got = result
            .iter()
            .find(|t| t.name == c.name())
            .map(|t| t.replicas);
        let line = match (got, reasons.get(c.name())) {
            (Some(n), Some(why)) => format!("selected: {n} replica(s) ({why})"),
            (Some(_), None) if !counted => "selected".to_string(),
            (Some(n), None) => format!("selected: {n} replica(s)"),
            (None, Some(why)) => format!("passed the filters but got no replicas ({why})"),
            (None, None) => "passed the filters but got no replicas".to_string(),
        };
        reasons.insert(c.name().to_string(), line);
    }
    Ok(result)
}

fn every(candidates: &[&Cluster], replicas: i32) -> Vec<TargetCluster> {
    candidates
        .iter()
        .map(|c| TargetCluster {
            name: c.name().to_string(),
            replicas,
        })
        .collect()
}

/// One entry of Karmada's `ClusterWeightInfoList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WeightInfo {
    pub name: String,
    pub weight: i128,
    pub last_replicas: i32,
}

/// Karmada's `getStaticWeightInfoList`: a cluster's weight is the largest
/// weight among the entries whose targetCluster matches it; clusters with
/// weight 0 get nothing. Without a weight preference every candidate weighs
/// 1 (`getDefaultWeightPreference`). When no candidate has a positive weight,
/// every candidate weighs 1 — and then, as in Karmada, previous replicas are
/// not used to break ties.
pub(super) fn weight_list(
    candidates: &[&Cluster],
    static_weights: Option<&[StaticClusterWeight]>,
    previous: &[TargetCluster],
) -> Vec<WeightInfo> {
    let last = |name: &str| {
        previous
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.replicas)
    };
    let mut list: Vec<WeightInfo> = candidates
        .iter()
        .filter_map(|c| {
            let weight = match static_weights {
                None => 1,
                Some(entries) => entries
                    .iter()
                    .filter(|e| e.target_cluster.matches(&c.facts()))
                    .map(|e| i128::from(e.weight))
                    .fold(0, i128::max),
            };
            (weight > 0).then(|| WeightInfo {
                name: c.name().to_string(),
                weight,
                last_replicas: last(c.name()),
            })
        })
        .collect();
    if list.is_empty() {
        list = candidates
            .iter()
            .map(|c| WeightInfo {
                name: c.name().to_string(),
                weight: 1,
                last_replicas: 0,
            })
            .collect();
    }
    list
}

/// Karmada's `Dispenser.TakeByWeight`: sort by weight, then by previous
/// replicas (both descending); each cluster gets `floor(weight × replicas /
/// sum)`; the remainder goes one by one to the clusters in that order.
///
/// Karmada breaks the remaining ties (equal weight and equal previous
/// replicas) at random (`ClusterWeightInfoList.Less` draws from
/// crypto/rand). flotilla breaks them by cluster name, ascending, so the same
/// input always gives the same output.
pub(super) fn take_by_weight(replicas: i32, list: &[WeightInfo]) -> Vec<TargetCluster> {
    let mut sorted: Vec<&WeightInfo> = list.iter().collect();
    sorted.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(b.last_replicas.cmp(&a.last_replicas))
            .then(a.name.cmp(&b.name))
    });
    let sum: i128 = sorted.iter().map(|w| w.weight).sum();
    if sum <= 0 || replicas <= 0 {
        return sorted
            .iter()
            .map(|w| TargetCluster {
                name: w.name.clone(),
                replicas: 0,
            })
            .collect();
    }
    let total = i128::from(replicas);
    let mut remain = total;
    let mut result: Vec<TargetCluster> = sorted
        .iter()
        .map(|w| {
            // weight ≤ sum, so the share is ≤ replicas and fits an i32.
            let share = w.weight * total / sum;
            remain -= share;
            TargetCluster {
                name: w.name.clone(),
                replicas: i32::try_from(share).unwrap_or(replicas),
            }
        })
        .collect();
    // Each floor loses less than one replica, so remain < result.len().
    for t in &mut result {
        if remain <= 0 {
            break;
        }
        t.replicas += 1;
        remain -= 1;
    }
    result
}

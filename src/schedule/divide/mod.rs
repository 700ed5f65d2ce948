//! The assignment step: how many replicas each chosen cluster gets.
//!
//! Karmada v1.14 `assignReplicas` (`pkg/scheduler/core/generic_scheduler.go`)
//! and `assignment.go`:
//! - no replicas to divide (a template without replicas, or 0): every
//!   chosen cluster, with 0;
//! - Duplicated: every chosen cluster runs all replicas;
//! - Divided/Weighted with static weights (or none): [`static_weight`];
//! - Divided/Weighted with `dynamicWeight: AvailableReplicas`, and
//!   Divided/Aggregated: [`dynamic`].
//!
//! Clusters left with 0 replicas are dropped when there were replicas to
//! divide (Karmada's `removeZeroReplicasCluster`). The result is sorted by
//! name.

mod dispenser;
mod dynamic;
mod static_weight;

use super::candidates::Candidate;
use super::{ScheduleError, TargetCluster};
use crate::model::kinds::propagation::{
    Placement, ReplicaDivisionPreference, ReplicaSchedulingType,
};
use std::collections::BTreeMap;

/// Facts gathered per cluster while assigning, for the explanation.
#[derive(Debug, Clone, Default)]
pub(super) struct Notes(pub BTreeMap<String, Vec<String>>);

impl Notes {
    pub fn add(&mut self, cluster: &str, note: impl Into<String>) {
        self.0
            .entry(cluster.to_string())
            .or_default()
            .push(note.into());
    }
}

/// Assigns `replicas` to the chosen clusters (in selection order).
pub(super) fn assign(
    placement: &Placement,
    replicas: i32,
    chosen: &[&Candidate<'_>],
    previous: &[TargetCluster],
    notes: &mut Notes,
) -> Result<Vec<TargetCluster>, ScheduleError> {
    if chosen.is_empty() {
        return Err(ScheduleError::NoClustersSelected);
    }
    let every = |n: i32| -> Vec<TargetCluster> {
        chosen
            .iter()
            .map(|c| TargetCluster {
                name: c.name().to_string(),
                replicas: n,
            })
            .collect()
    };
    let mut result = match placement.scheduling_type() {
        // Karmada assigns by strategy only when spec.replicas > 0; otherwise
        // every candidate is listed with 0 ("not a workload" branch).
        _ if replicas == 0 => every(0),
        ReplicaSchedulingType::Duplicated => every(replicas),
        ReplicaSchedulingType::Divided => {
            let strategy = placement.replica_scheduling.as_ref();
            let preference = strategy
                .and_then(|s| s.replica_division_preference)
                .unwrap_or(ReplicaDivisionPreference::Weighted);
            let weights = strategy.and_then(|s| s.weight_preference.as_ref());
            match preference {
                ReplicaDivisionPreference::Aggregated => dynamic::assign(
                    dynamic::Strategy::Aggregated,
                    replicas,
                    chosen,
                    previous,
                    notes,
                )?,
                ReplicaDivisionPreference::Weighted
                    if weights.is_some_and(|w| w.dynamic_weight.is_some()) =>
                {
                    dynamic::assign(
                        dynamic::Strategy::DynamicWeight,
                        replicas,
                        chosen,
                        previous,
                        notes,
                    )?
                }
                ReplicaDivisionPreference::Weighted => static_weight::assign(
                    replicas,
                    chosen,
                    weights.map(|w| w.static_weight_list.as_slice()),
                    previous,
                    notes,
                ),
            }
        }
    };
    if replicas > 0 {
        result.retain(|t| t.replicas > 0);
    }
    result.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(result)
}

//! Divided/Weighted by static weights: Karmada v1.14
//! `assignByStaticWeightStrategy` and `getStaticWeightInfoList`.
//!
//! A cluster's weight is the largest weight among the `staticWeightList`
//! entries whose targetCluster matches it (clusterNames, labelSelector,
//! fieldSelector, exclude); a cluster no entry matches gets nothing. Without
//! a weight preference every candidate weighs 1. When no candidate has a
//! positive weight, every candidate weighs 1 — and then, as in Karmada,
//! previous replicas are not used to break ties. The previous decision only
//! breaks ties: static weights do not scale from it.

use super::super::candidates::Candidate;
use super::super::TargetCluster;
use super::dispenser::{take_by_weight, Weighted};
use super::Notes;
use crate::model::kinds::propagation::StaticClusterWeight;

/// Assigns `replicas` (> 0) over `chosen` by static weights.
pub(super) fn assign(
    replicas: i32,
    chosen: &[&Candidate<'_>],
    static_weights: Option<&[StaticClusterWeight]>,
    previous: &[TargetCluster],
    notes: &mut Notes,
) -> Vec<TargetCluster> {
    let list = weight_list(chosen, static_weights, previous);
    for c in chosen {
        if !list.iter().any(|w| w.name == c.name()) {
            notes.add(c.name(), "no staticWeightList entry matches it (weight 0)");
        }
    }
    let shares = take_by_weight(replicas, &list);
    let remainder: i32 = replicas - shares.iter().map(|s| s.floor).sum::<i32>();
    shares
        .into_iter()
        .map(|s| {
            let (w, of) = (s.weight, s.weight_sum);
            let note = match s.replicas - s.floor {
                // Why 2:1 over 2 replicas gives 2:0: the floors are 1 and 0,
                // and the one left goes to the heavier cluster.
                0 if remainder > 0 => format!(
                    "weight {w} of {of}: {replicas} × {w}/{of} rounds down to {}; the {remainder} left over went to clusters ahead of it (more weight, then more replicas before, then rank)",
                    s.floor
                ),
                0 => format!("weight {w} of {of}"),
                extra => format!(
                    "weight {w} of {of}: {replicas} × {w}/{of} rounds down to {}, +{extra} of the {remainder} left over",
                    s.floor
                ),
            };
            notes.add(&s.name, note);
            TargetCluster {
                name: s.name,
                replicas: s.replicas,
            }
        })
        .collect()
}

/// Karmada's `getStaticWeightInfoList`, in candidate order.
fn weight_list(
    chosen: &[&Candidate<'_>],
    static_weights: Option<&[StaticClusterWeight]>,
    previous: &[TargetCluster],
) -> Vec<Weighted> {
    let last = |name: &str| {
        previous
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.replicas)
    };
    let list: Vec<Weighted> = chosen
        .iter()
        .filter_map(|c| {
            let weight = match static_weights {
                None => 1,
                Some(entries) => entries
                    .iter()
                    .filter(|e| e.target_cluster.matches(&c.cluster.facts()))
                    .map(|e| e.weight)
                    .fold(0, i64::max),
            };
            (weight > 0).then(|| Weighted {
                name: c.name().to_string(),
                weight,
                last: last(c.name()),
            })
        })
        .collect();
    if !list.is_empty() {
        return list;
    }
    chosen
        .iter()
        .map(|c| Weighted {
            name: c.name().to_string(),
            weight: 1,
            last: 0,
        })
        .collect()
}

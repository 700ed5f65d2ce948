//! The general capacity estimator: how many more replicas fit in a cluster.
//!
//! Karmada v1.14 `pkg/estimator/client/general.go`. In: a cluster (its
//! `status.resourceSummary`, and `spec.resourceModels` with
//! `status.resourceSummary.allocatableModelings`) and the per-replica
//! [`ReplicaRequests`]. Out: an [`Estimate`]: the number of replicas, and
//! the resource that limits it (for explanations).
//!
//! - No resourceSummary: 0.
//! - Free pods = allocatable − allocated − allocating of `pods`; at most 0
//!   gives 0. Without requests, that is the answer.
//! - With resource models and modelings reported: the replicas that fit in
//!   the nodes of each grade at least as large as the request (a node fits
//!   at least one), bounded by free pods. When a requested resource has no
//!   model, the summary is used instead (Karmada logs and falls back).
//! - Otherwise, per requested resource: free = allocatable − allocated −
//!   allocating; a resource the cluster does not report, or with nothing
//!   free, gives 0; else ⌊free ÷ request⌋ (cpu in millicores). The smallest
//!   over resources and free pods wins.
//!
//! A quantity in the status that does not parse counts as not reported: the
//! cluster gets 0 for it, and the estimate says why.
//!
//! Pure.

use super::requirements::{amount, ReplicaRequests};
use crate::model::kinds::cluster::{Cluster, ResourceList};
use crate::model::quantity::Quantity;

/// How many replicas fit, and what bounds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    pub replicas: i64,
    pub limit: Limit,
}

/// What bounds an [`Estimate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The cluster reports no `status.resourceSummary`.
    NoSummary,
    /// Free pod slots.
    Pods { free: i64 },
    /// A requested resource: free amount ÷ per-replica request (both in the
    /// estimator's unit: millicores for cpu).
    Resource {
        name: String,
        free: i128,
        per_replica: i128,
    },
    /// A requested resource the cluster does not report as allocatable.
    NotReported { name: String },
    /// A quantity in the cluster's status does not parse.
    InvalidStatus { name: String },
    /// The nodes of the cluster's resource models.
    Models,
}

impl Estimate {
    fn new(replicas: i64, limit: Limit) -> Self {
        Estimate { replicas, limit }
    }
}

/// The general estimator for one cluster.
pub fn estimate(cluster: &Cluster, requests: &ReplicaRequests) -> Estimate {
    let Some(summary) = cluster
        .status
        .as_ref()
        .and_then(|s| s.resource_summary.as_ref())
    else {
        return Estimate::new(0, Limit::NoSummary);
    };
    let pods = match free_pods(
        &summary.allocatable,
        &summary.allocated,
        &summary.allocating,
    ) {
        Some(p) => p,
        None => {
            return Estimate::new(
                0,
                Limit::InvalidStatus {
                    name: "pods".into(),
                },
            )
        }
    };
    let by_pods = Estimate::new(pods, Limit::Pods { free: pods });
    if pods <= 0 || requests.is_empty() {
        return by_pods;
    }
    if !cluster.spec.resource_models.is_empty() && !summary.allocatable_modelings.is_empty() {
        if let Some(n) = by_models(cluster, requests) {
            return if n < pods {
                Estimate::new(n, Limit::Models)
            } else {
                by_pods
            };
        }
    }
    let mut best = by_pods;
    for (name, per_replica) in requests.iter() {
        let free = match free_amount(
            name,
            &summary.allocatable,
            &summary.allocated,
            &summary.allocating,
        ) {
            Free::Amount(f) => f,
            Free::NotReported => return Estimate::new(0, Limit::NotReported { name: name.into() }),
            Free::Invalid => return Estimate::new(0, Limit::InvalidStatus { name: name.into() }),
        };
        let fits = i64::try_from(free / per_replica).unwrap_or(i64::MAX);
        if fits < best.replicas {
            best = Estimate::new(
                fits,
                Limit::Resource {
                    name: name.into(),
                    free,
                    per_replica,
                },
            );
        }
    }
    best
}

/// Karmada's `getAllowedPodNumber`: a missing entry counts as 0; `None`
/// when a quantity does not parse.
fn free_pods(
    alloc: &ResourceList,
    allocated: &ResourceList,
    allocating: &ResourceList,
) -> Option<i64> {
    let value = |list: &ResourceList| -> Option<i128> {
        match list.get("pods") {
            None => Some(0),
            Some(q) => q.parse().ok().map(|q: Quantity| q.value_ceil()),
        }
    };
    let free = value(alloc)? - value(allocated)? - value(allocating)?;
    Some(i64::try_from(free.max(0)).unwrap_or(i64::MAX))
}

enum Free {
    Amount(i128),
    NotReported,
    Invalid,
}

/// Free amount of one resource in the estimator's unit; nothing free is
/// reported as `Amount(0)`.
fn free_amount(
    name: &str,
    alloc: &ResourceList,
    allocated: &ResourceList,
    allocating: &ResourceList,
) -> Free {
    let Some(total) = alloc.get(name) else {
        return Free::NotReported;
    };
    let parse = |q: Option<&crate::model::kinds::cluster::QuantityString>| -> Option<i128> {
        match q {
            None => Some(0),
            Some(q) => q.parse().ok().map(|q: Quantity| q.milli()),
        }
    };
    let (Some(t), Some(a), Some(b)) = (
        parse(Some(total)),
        parse(allocated.get(name)),
        parse(allocating.get(name)),
    ) else {
        return Free::Invalid;
    };
    let free = Quantity::from_milli(t - a - b);
    // Karmada's short path tests `Value()` (rounded up) before dividing.
    if free.value_ceil() <= 0 {
        return Free::Amount(0);
    }
    Free::Amount(amount(name, &free))
}

/// Karmada's `getMaximumReplicasBasedOnResourceModels`; `None` when a
/// requested resource has no model (the summary is used then).
fn by_models(cluster: &Cluster, requests: &ReplicaRequests) -> Option<i64> {
    let models = &cluster.spec.resource_models;
    let modelings = cluster
        .status
        .as_ref()
        .and_then(|s| s.resource_summary.as_ref())
        .map(|s| s.allocatable_modelings.as_slice())
        .unwrap_or(&[]);
    // Per model, the lower bound of each resource's range.
    let min_of = |model: usize, name: &str| -> Option<i128> {
        let range = models.get(model)?.ranges.iter().find(|r| r.name == name)?;
        range.min.parse().ok().map(|q: Quantity| amount(name, &q))
    };
    let mut first_grade = 0;
    for (name, per_replica) in requests.iter() {
        // The smallest grade whose minimum covers one replica.
        let mut fitting = None;
        for i in 0..models.len() {
            let min = min_of(i, name)?;
            if min >= per_replica {
                fitting = Some(i);
                break;
            }
        }
        match fitting {
            None => return Some(0),
            Some(i) => first_grade = first_grade.max(i),
        }
    }
    let mut total: i64 = 0;
    for i in first_grade..models.len() {
        // Karmada pairs models and modelings by position.
        let count = modelings.get(i).map_or(0, |m| m.count);
        if count == 0 {
            continue;
        }
        let mut per_node = i64::MAX;
        for (name, per_replica) in requests.iter() {
            let min = min_of(i, name).unwrap_or(0);
            per_node = per_node.min(i64::try_from(min / per_replica).unwrap_or(i64::MAX));
        }
        // The first suitable grade holds at least one replica per node.
        let per_node = per_node.max(1);
        total = total.saturating_add(count.saturating_mul(per_node));
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster(spec: serde_json::Value, summary: serde_json::Value) -> Cluster {
        let mut v = json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
            "metadata": {"name": "c"}, "spec": spec});
        if !summary.is_null() {
            v["status"] = json!({"resourceSummary": summary});
        }
        serde_json::from_value(v).expect("cluster")
    }

    fn req(pairs: &[(&str, i128)]) -> ReplicaRequests {
        ReplicaRequests::from_amounts(pairs.iter().map(|(k, v)| (k.to_string(), *v)))
    }

    #[test]
    fn general_estimator() {
        let summary = json!({
            "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110", "nvidia.com/gpu": "4"},
            "allocated": {"cpu": "6000m", "memory": "24Gi", "pods": "82"},
            "allocating": {"cpu": "500m", "pods": "5"}});
        let cases: &[(&str, serde_json::Value, ReplicaRequests, i64)] = &[
            (
                "no summary",
                serde_json::Value::Null,
                req(&[("cpu", 100)]),
                0,
            ),
            ("no requests: free pods", summary.clone(), req(&[]), 23),
            (
                "cpu bound: 1500m / 500m",
                summary.clone(),
                req(&[("cpu", 500)]),
                3,
            ),
            (
                "memory bound: 8Gi / 3Gi",
                summary.clone(),
                req(&[("cpu", 1), ("memory", 3 << 30)]),
                2,
            ),
            ("pods bound", summary.clone(), req(&[("cpu", 1)]), 23),
            (
                "extended resource",
                summary.clone(),
                req(&[("nvidia.com/gpu", 3)]),
                1,
            ),
            (
                "unreported resource gives 0",
                summary.clone(),
                req(&[("example.com/fpga", 1)]),
                0,
            ),
            (
                "unreported pods give 0",
                json!({"allocatable": {"cpu": "8"}}),
                req(&[("cpu", 1)]),
                0,
            ),
            (
                "over-committed pods give 0",
                json!({"allocatable": {"cpu": "8", "pods": "3"}, "allocating": {"pods": "9"}}),
                req(&[]),
                0,
            ),
            (
                "nothing free gives 0",
                json!({"allocatable": {"cpu": "1", "pods": "3"}, "allocated": {"cpu": "1100m"}}),
                req(&[("cpu", 1)]),
                0,
            ),
            (
                "invalid status quantity gives 0",
                json!({"allocatable": {"cpu": "lots", "pods": "3"}}),
                req(&[("cpu", 1)]),
                0,
            ),
        ];
        for (name, summary, requests, want) in cases {
            let e = estimate(&cluster(json!({}), summary.clone()), requests);
            assert_eq!(e.replicas, *want, "case {name}: {e:?}");
        }
        let e = estimate(&cluster(json!({}), summary.clone()), &req(&[("cpu", 500)]));
        assert_eq!(
            e.limit,
            Limit::Resource {
                name: "cpu".into(),
                free: 1500,
                per_replica: 500
            }
        );
    }

    #[test]
    fn resource_models() {
        let spec = json!({"resourceModels": [
            {"grade": 0, "ranges": [{"name": "cpu", "min": "0", "max": "1"}, {"name": "memory", "min": "0", "max": "4Gi"}]},
            {"grade": 1, "ranges": [{"name": "cpu", "min": "1", "max": "2"}, {"name": "memory", "min": "4Gi", "max": "16Gi"}]},
            {"grade": 2, "ranges": [{"name": "cpu", "min": "2", "max": "4"}, {"name": "memory", "min": "16Gi", "max": "32Gi"}]}]});
        let summary = json!({"allocatable": {"cpu": "100", "memory": "1Ti", "pods": "100"},
            "allocatableModelings": [{"grade": 0, "count": 10}, {"grade": 1, "count": 2}, {"grade": 2, "count": 3}]});
        let c = cluster(spec.clone(), summary);
        // 1 cpu fits from grade 1: grade 1 nodes hold ⌊1/1⌋ = 1, grade 2 ⌊2/1⌋ = 2.
        assert_eq!(estimate(&c, &req(&[("cpu", 1000)])).replicas, 2 + 3 * 2);
        // 1.5 cpu needs grade 2 (min 2): one per node (⌊2/1.5⌋ = 1).
        assert_eq!(estimate(&c, &req(&[("cpu", 1500)])).replicas, 3);
        // Larger than every grade: nothing fits.
        assert_eq!(estimate(&c, &req(&[("cpu", 5000)])).replicas, 0);
        // A resource without a model falls back to the summary.
        let e = estimate(&c, &req(&[("nvidia.com/gpu", 1)]));
        assert_eq!(
            e.limit,
            Limit::NotReported {
                name: "nvidia.com/gpu".into()
            }
        );
        // Free pods still bound it: 5 grade-1 nodes hold 10 each, 4 pods are free.
        let small = cluster(
            spec.clone(),
            json!({"allocatable": {"cpu": "100", "pods": "4"},
                "allocatableModelings": [{"grade": 0, "count": 10}, {"grade": 1, "count": 5}]}),
        );
        assert_eq!(estimate(&small, &req(&[("cpu", 100)])).replicas, 4);
        // Models and modelings pair by position; a grade without a modeling counts 0.
        let partial = cluster(
            spec,
            json!({"allocatable": {"cpu": "100", "pods": "100"}, "allocatableModelings": [{"grade": 0, "count": 10}]}),
        );
        assert_eq!(estimate(&partial, &req(&[("cpu", 100)])).replicas, 0);
    }
}

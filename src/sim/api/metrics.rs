//! metrics.k8s.io: PodMetrics and NodeMetrics computed from the pods'
//! requests and the synthetic load, so that `kubectl top` works.

use crate::sim::cluster::SimCluster;
use crate::sim::controllers::metrics;
use crate::sim::resources::ResourceType;
use serde_json::Value;

/// The metrics objects of `rt` (pods or nodes), in `ns` when given.
pub fn metrics(cluster: &SimCluster, rt: &ResourceType, ns: Option<&str>) -> Vec<Value> {
    let (snapshot, inputs) = {
        let store = cluster.store();
        (
            store.snapshot(),
            crate::sim::runner::inputs(cluster, &store),
        )
    };
    let items = match rt.plural.as_str() {
        "pods" => metrics::pod_metrics(&snapshot, &inputs),
        _ => metrics::node_metrics(&snapshot, &inputs),
    };
    items
        .into_iter()
        .filter(|o| {
            ns.is_none_or(|ns| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns))
        })
        .collect()
}

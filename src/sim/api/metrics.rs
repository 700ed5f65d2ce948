//! metrics.k8s.io PodMetrics and NodeMetrics.
// TEMPORARY until the controllers land (same session).
use crate::sim::cluster::SimCluster;
use crate::sim::resources::ResourceType;
use serde_json::Value;

pub fn metrics(_cluster: &SimCluster, _rt: &ResourceType, _ns: Option<&str>) -> Vec<Value> {
    Vec::new()
}

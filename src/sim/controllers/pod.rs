//! Pods as the workload controllers see them: phase, readiness and
//! availability, resource requests, building a pod from a template, and the
//! order in which surplus pods are deleted.

use super::due::Due;
use super::obj::{i64_at, is_deleting, name, str_at, time_at};
use super::{Inputs, Resource, World};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::cmp::Reverse;

/// `status.phase`, `Pending` when unset.
pub(crate) fn phase(p: &Value) -> &str {
    str_at(p, "/status/phase").unwrap_or("Pending")
}

/// Succeeded or Failed.
pub(crate) fn is_terminal(p: &Value) -> bool {
    matches!(phase(p), "Succeeded" | "Failed")
}

/// Not being deleted and not terminal: what Kubernetes' `FilterActivePods`
/// keeps.
pub(crate) fn is_active(p: &Value) -> bool {
    !is_deleting(p) && !is_terminal(p)
}

pub(crate) fn node_name(p: &Value) -> Option<&str> {
    str_at(p, "/spec/nodeName").filter(|n| !n.is_empty())
}

fn ready_condition(p: &Value) -> Option<&Value> {
    super::obj::find_condition(super::obj::conditions(p), "Ready")
}

/// The Ready condition is True.
pub(crate) fn is_ready(p: &Value) -> bool {
    ready_condition(p).and_then(|c| str_at(c, "/status")) == Some("True")
}

/// Since when the pod has been Ready.
pub(crate) fn ready_since(p: &Value) -> Option<DateTime<Utc>> {
    ready_condition(p)
        .filter(|_| is_ready(p))
        .and_then(|c| time_at(c, "/lastTransitionTime"))
}

/// Ready for at least `min_ready_seconds` (Kubernetes `IsPodAvailable`).
pub(crate) fn is_available(p: &Value, min_ready_seconds: i64, now: DateTime<Utc>) -> bool {
    if !is_active(p) || !is_ready(p) {
        return false;
    }
    min_ready_seconds <= 0
        || ready_since(p).is_some_and(|t| t + chrono::Duration::seconds(min_ready_seconds) <= now)
}

/// When Ready pods become available: `minReadySeconds` after they turned
/// Ready, for each value of it some workload has (which workload owns
/// which pod is the controllers' business; the values are few).
pub(crate) fn availability_due(world: &dyn World, inputs: &Inputs, due: &mut Due) {
    let workloads = ["deployments", "replicasets", "statefulsets", "daemonsets"]
        .map(|plural| Resource::new("apps", plural));
    let mut waits: Vec<i64> = workloads
        .iter()
        .chain(&inputs.generic_workloads)
        .flat_map(|r| world.list(r))
        .filter_map(|w| i64_at(w, "/spec/minReadySeconds"))
        .filter(|m| *m > 0)
        .collect();
    if waits.is_empty() {
        return;
    }
    waits.sort_unstable();
    waits.dedup();
    for p in world.list(&Resource::new("", "pods")) {
        if let Some(t) = ready_since(p).filter(|_| is_active(p)) {
            for m in &waits {
                due.at(t + chrono::Duration::seconds(*m));
            }
        }
    }
}

/// A pod built from a workload's pod template: the template's labels (plus
/// `extra_labels`), annotations and spec, owned by `owner_ref`.
pub(crate) fn from_template(
    template: &Value,
    namespace: &str,
    pod_name: &str,
    owner_ref: Value,
    extra_labels: &[(&str, String)],
) -> Value {
    let mut labels = template
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert((*k).to_string(), json!(v));
    }
    let mut meta = Map::new();
    meta.insert("name".into(), json!(pod_name));
    meta.insert("namespace".into(), json!(namespace));
    meta.insert("labels".into(), Value::Object(labels));
    if let Some(a) = template.pointer("/metadata/annotations") {
        meta.insert("annotations".into(), a.clone());
    }
    meta.insert("ownerReferences".into(), json!([owner_ref]));
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

// One definition of a pod's requests and of quantities, shared with the
// capacity summary (Karmada's allocated/allocating) in `observe`.
pub(crate) use crate::observe::capacity::{pod_requests as requests, quantities};

fn restarts(p: &Value) -> i64 {
    p.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| i64_at(c, "/restartCount")).sum())
        .unwrap_or(0)
}

/// Sorts pods so the ones to delete first come first, as Kubernetes'
/// `ActivePods` ranking: unscheduled before scheduled, Pending before
/// Unknown before Running, not Ready before Ready, Ready for less time
/// first, more restarts first, newer first; then by name.
pub(crate) fn sort_for_deletion(pods: &mut [&Value]) {
    let phase_rank = |p: &Value| match phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };
    pods.sort_by_key(|p| {
        (
            node_name(p).is_some(),
            phase_rank(p),
            is_ready(p),
            Reverse(ready_since(p)),
            Reverse(restarts(p)),
            Reverse(time_at(p, "/metadata/creationTimestamp")),
            name(p).to_string(),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_sum_containers_and_default_to_limits() {
        let p = json!({"spec": {
            "containers": [
                {"resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}},
                {"resources": {"requests": {"cpu": "0.2", "example.com/gpu": 1}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1"}}}],
            "overhead": {"memory": "1Mi"}}});
        let r = requests(&p);
        assert_eq!(r.get("cpu"), Some(&1000));
        assert_eq!(r.get("memory"), Some(&(65 * (1 << 20) * 1000)));
        assert_eq!(r.get("example.com/gpu"), Some(&1000));
    }

    #[test]
    fn deletion_prefers_unscheduled_then_not_ready_then_newest() {
        let pod = |name: &str, node: Option<&str>, ready: bool, created: &str| {
            json!({"metadata": {"name": name, "creationTimestamp": created},
                   "spec": {"nodeName": node},
                   "status": {"phase": if node.is_some() { "Running" } else { "Pending" },
                              "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
                                              "lastTransitionTime": created}]}})
        };
        let a = pod("a", Some("n1"), true, "2024-01-01T00:00:00Z");
        let b = pod("b", Some("n1"), true, "2024-01-01T00:01:00Z");
        let c = pod("c", Some("n1"), false, "2024-01-01T00:00:00Z");
        let d = pod("d", None, false, "2024-01-01T00:00:00Z");
        let mut pods = vec![&a, &b, &c, &d];
        sort_for_deletion(&mut pods);
        let names: Vec<&str> = pods.iter().map(|p| name(p)).collect();
        assert_eq!(names, ["d", "c", "b", "a"]);
    }
}

//! The `pods/binding` subresource, as the store carries out a scheduler's
//! [`Action::Bind`](crate::sim::controllers::Action::Bind): one write sets
//! `spec.nodeName` and the `PodScheduled=True` condition (a pod spec is
//! otherwise immutable; binding is the one way to set its node).
//!
//! Like the API server's binding, which writes to storage directly, it does
//! not go through field management: no manager is recorded for
//! `spec.nodeName`, and a `PodScheduled` condition the scheduler wrote
//! earlier (Unschedulable) stays recorded under the scheduler.
//!
//! Pure: the pod and `now` come in, the bound pod goes out.

use serde_json::{json, Value};

/// Why a pod cannot be bound (409 Conflict on a real API server).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    #[error("pod {pod} is already assigned to node {node:?}")]
    AlreadyBound { pod: String, node: String },
    #[error("pod {0} is being deleted, cannot be assigned to a host")]
    Deleting(String),
}

/// `pod` bound to `node` at `now` (RFC 3339): `spec.nodeName` set, and the
/// `PodScheduled` condition replaced by `True` with its transition time.
pub fn bind(pod: &Value, node: &str, now: &str) -> Result<Value, BindError> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(bound) = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        return Err(BindError::AlreadyBound {
            pod: name.to_string(),
            node: bound.to_string(),
        });
    }
    if pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
    {
        return Err(BindError::Deleting(name.to_string()));
    }
    let mut out = pod.clone();
    // A pod without an object spec or status would not have been admitted;
    // replace whatever is there rather than panic on it.
    if !out.get("spec").is_some_and(Value::is_object) {
        out["spec"] = json!({});
    }
    out["spec"]["nodeName"] = json!(node);
    if !out.get("status").is_some_and(Value::is_object) {
        out["status"] = json!({});
    }
    let scheduled = json!({"type": "PodScheduled", "status": "True", "lastTransitionTime": now});
    let status = &mut out["status"];
    match status.get_mut("conditions").and_then(Value::as_array_mut) {
        Some(conds) => {
            match conds
                .iter_mut()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
            {
                // Kubernetes keeps the transition time when the status was
                // already True (`UpdatePodCondition`).
                Some(c) if c.get("status").and_then(Value::as_str) == Some("True") => {}
                Some(c) => *c = scheduled,
                None => conds.push(scheduled),
            }
        }
        None => status["conditions"] = json!([scheduled]),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2025-01-01T00:00:10Z";

    #[test]
    fn binding_sets_the_node_and_the_condition() {
        let unschedulable = json!({"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu.",
            "lastTransitionTime": "2025-01-01T00:00:00Z"});
        let cases: &[(&str, Value, Result<Value, BindError>)] = &[
            (
                "fresh pod",
                json!({"metadata": {"name": "p"}, "spec": {}, "status": {"phase": "Pending"}}),
                Ok(
                    json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"},
                    "status": {"phase": "Pending", "conditions": [
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": NOW}]}}),
                ),
            ),
            (
                "was unschedulable",
                json!({"metadata": {"name": "p"}, "spec": {},
                    "status": {"conditions": [unschedulable]}}),
                Ok(
                    json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1"},
                    "status": {"conditions": [
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": NOW}]}}),
                ),
            ),
            (
                "already bound",
                json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n2"}}),
                Err(BindError::AlreadyBound {
                    pod: "p".into(),
                    node: "n2".into(),
                }),
            ),
            (
                "being deleted",
                json!({"metadata": {"name": "p", "deletionTimestamp": NOW}, "spec": {}}),
                Err(BindError::Deleting("p".into())),
            ),
        ];
        for (name, pod, want) in cases {
            assert_eq!(&bind(pod, "n1", NOW), want, "{name}");
        }
    }
}

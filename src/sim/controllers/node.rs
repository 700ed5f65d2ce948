//! Nodes as the scheduler and the DaemonSet controller see them: readiness,
//! taints (with the ones Kubernetes' node lifecycle controller would add),
//! tolerations, node selectors and required node affinity.

use super::obj::{find_condition, labels, name, str_at, string_map};
use crate::model::kinds::cluster::{Taint, TaintEffect};
use crate::model::kinds::propagation::Toleration;
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub(crate) const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub(crate) const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// The node's Ready condition status (`True`, `False`, `Unknown`), `None`
/// without one.
fn ready_status(node: &Value) -> Option<&str> {
    let conds = node
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    find_condition(conds, "Ready").and_then(|c| str_at(c, "/status"))
}

/// Ready condition True.
pub(crate) fn is_ready(node: &Value) -> bool {
    ready_status(node) == Some("True")
}

fn taint(key: &str, effect: TaintEffect) -> Taint {
    Taint {
        key: key.to_string(),
        value: None,
        effect,
        time_added: None,
    }
}

/// `spec.taints`, plus what the node lifecycle controller adds: not-ready
/// (Ready False) or unreachable (Ready Unknown or missing) with NoSchedule
/// and NoExecute, and unschedulable:NoSchedule for a cordoned node.
/// Malformed taints are skipped.
pub(crate) fn taints(node: &Value) -> Vec<Taint> {
    let mut out: Vec<Taint> = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| serde_json::from_value(t.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    let implicit = match ready_status(node) {
        Some("True") => None,
        Some("False") => Some(NOT_READY),
        _ => Some(UNREACHABLE),
    };
    if let Some(key) = implicit {
        for effect in [TaintEffect::NoSchedule, TaintEffect::NoExecute] {
            if !out.iter().any(|t| t.key == key && t.effect == effect) {
                out.push(taint(key, effect));
            }
        }
    }
    if is_cordoned(node) && !out.iter().any(|t| t.key == UNSCHEDULABLE) {
        out.push(taint(UNSCHEDULABLE, TaintEffect::NoSchedule));
    }
    out
}

pub(crate) fn is_cordoned(node: &Value) -> bool {
    node.pointer("/spec/unschedulable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The pod's tolerations (malformed ones skipped).
pub(crate) fn tolerations(pod: &Value) -> Vec<Toleration> {
    pod.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| serde_json::from_value(t.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The first taint with one of `effects` that no toleration tolerates.
pub(crate) fn untolerated<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    effects: &[TaintEffect],
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| effects.contains(&t.effect))
        .find(|t| !tolerations.iter().any(|tol| tol.tolerates(t)))
}

/// `spec.nodeSelector` and required node affinity both hold for the node.
pub(crate) fn affinity_matches(pod: &Value, node: &Value) -> bool {
    let node_labels = labels(node);
    let selector = string_map(pod.pointer("/spec/nodeSelector"));
    if !selector.iter().all(|(k, v)| node_labels.get(k) == Some(v)) {
        return false;
    }
    let Some(terms) = pod.pointer(
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
    ) else {
        return true;
    };
    let mut fields = BTreeMap::new();
    fields.insert("metadata.name".to_string(), name(node).to_string());
    // The terms are ORed; a term with no requirement matches nothing.
    terms.as_array().into_iter().flatten().any(|term| {
        let exprs = term.get("matchExpressions").and_then(Value::as_array);
        let field_exprs = term.get("matchFields").and_then(Value::as_array);
        let count = exprs.map_or(0, Vec::len) + field_exprs.map_or(0, Vec::len);
        count > 0
            && exprs
                .into_iter()
                .flatten()
                .all(|r| requirement(r, &node_labels))
            && field_exprs
                .into_iter()
                .flatten()
                .all(|r| requirement(r, &fields))
    })
}

/// One `NodeSelectorRequirement` (In, NotIn, Exists, DoesNotExist, Gt, Lt).
fn requirement(r: &Value, labels: &BTreeMap<String, String>) -> bool {
    let value = str_at(r, "/key").and_then(|k| labels.get(k));
    let values: Vec<&str> = r
        .get("values")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let number = |s: &str| s.parse::<i64>().ok();
    let compare = |f: fn(i64, i64) -> bool| match (value.and_then(|v| number(v)), values.as_slice())
    {
        (Some(v), [bound]) => number(bound).is_some_and(|b| f(v, b)),
        _ => false,
    };
    match str_at(r, "/operator").unwrap_or_default() {
        "In" => value.is_some_and(|v| values.contains(&v.as_str())),
        "NotIn" => value.is_none_or(|v| !values.contains(&v.as_str())),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" => compare(|v, b| v > b),
        "Lt" => compare(|v, b| v < b),
        _ => false,
    }
}

/// The node a DaemonSet-style pod is pinned to: `spec.nodeName`, or the one
/// name of a required `matchFields metadata.name In [..]` term.
pub(crate) fn pinned_node(pod: &Value) -> Option<&str> {
    if let Some(n) = str_at(pod, "/spec/nodeName").filter(|n| !n.is_empty()) {
        return Some(n);
    }
    pod.pointer(
        "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
    )?
    .as_array()?
    .iter()
    .filter_map(|t| t.get("matchFields")?.as_array())
    .flatten()
    .find(|f| str_at(f, "/key") == Some("metadata.name") && str_at(f, "/operator") == Some("In"))
    .and_then(|f| f.pointer("/values/0"))
    .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn affinity_selector_and_taints() {
        let node = json!({"metadata": {"name": "n1", "labels": {"zone": "a", "gen": "5"}},
            "spec": {"taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
        let cases: &[(&str, Value, bool)] = &[
            ("no constraints", json!({"spec": {}}), true),
            (
                "selector ok",
                json!({"spec": {"nodeSelector": {"zone": "a"}}}),
                true,
            ),
            (
                "selector no",
                json!({"spec": {"nodeSelector": {"zone": "b"}}}),
                false,
            ),
            (
                "gt",
                json!({"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["4"]}]}]}}}}}),
                true,
            ),
            (
                "or of terms",
                json!({"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                                       {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}}}),
                true,
            ),
            (
                "empty term",
                json!({"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
                {"nodeSelectorTerms": [{}]}}}}}),
                false,
            ),
        ];
        for (name, pod, want) in cases {
            assert_eq!(affinity_matches(pod, &node), *want, "{name}");
        }
        let t = taints(&node);
        assert_eq!(t.len(), 3, "{t:?}");
        let tol =
            tolerations(&json!({"spec": {"tolerations": [{"key": "gpu", "operator": "Exists"}]}}));
        let left = untolerated(&t, &tol, &[TaintEffect::NoSchedule]);
        assert_eq!(left.map(|t| t.key.as_str()), Some(NOT_READY));
    }
}

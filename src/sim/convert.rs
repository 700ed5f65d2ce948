//! Conversion between served versions of one resource. Objects are stored
//! at one version, as in Kubernetes; a request at another version is
//! converted on the way in and on the way out. The one such resource today
//! is HorizontalPodAutoscaler, stored as autoscaling/v2 and also served as
//! autoscaling/v1 (`kubectl autoscale` writes v1).

use super::resources::ResourceType;
use serde_json::{json, Value};
use std::borrow::Cow;

fn is_hpa_v1(rt: &ResourceType) -> bool {
    rt.group == "autoscaling" && rt.kind == "HorizontalPodAutoscaler" && rt.version == "v1"
}

/// The v1 default target when none is given (the HPA controller's default).
const DEFAULT_CPU_TARGET: i64 = 80;

/// An object sent to `rt`'s endpoint, at the storage version.
pub fn to_storage(rt: &ResourceType, mut object: Value) -> Value {
    if !is_hpa_v1(rt) {
        return object;
    }
    object["apiVersion"] = json!("autoscaling/v2");
    let target = object
        .pointer("/spec/targetCPUUtilizationPercentage")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_CPU_TARGET);
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("targetCPUUtilizationPercentage");
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]),
        );
    }
    if let Some(status) = object.get_mut("status").and_then(Value::as_object_mut) {
        if let Some(current) = status.remove("currentCPUUtilizationPercentage") {
            status.insert(
                "currentMetrics".into(),
                json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}]),
            );
        }
    }
    object
}

/// Whether `rt`'s endpoint serves its objects other than as stored.
pub fn needs_conversion(rt: &ResourceType) -> bool {
    is_hpa_v1(rt)
}

/// A stored object as `rt`'s endpoint serves it (borrowed when no
/// conversion is needed, which is almost always).
pub fn to_served<'a>(rt: &ResourceType, object: &'a Value) -> Cow<'a, Value> {
    if !is_hpa_v1(rt) {
        return Cow::Borrowed(object);
    }
    Cow::Owned(hpa_v2_to_v1(object))
}

fn hpa_v2_to_v1(object: &Value) -> Value {
    let mut out = object.clone();
    out["apiVersion"] = json!("autoscaling/v1");
    let cpu = |metrics: Option<&Value>, pointer: &str| {
        metrics
            .and_then(Value::as_array)
            .and_then(|ms| {
                ms.iter()
                    .find(|m| m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu"))
            })
            .and_then(|m| m.pointer(pointer))
            .cloned()
    };
    let target = cpu(
        object.pointer("/spec/metrics"),
        "/resource/target/averageUtilization",
    );
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(t) = target {
            spec.insert("targetCPUUtilizationPercentage".into(), t);
        }
    }
    let current = cpu(
        object.pointer("/status/currentMetrics"),
        "/resource/current/averageUtilization",
    );
    if let Some(status) = out.get_mut("status").and_then(Value::as_object_mut) {
        status.remove("currentMetrics");
        status.remove("conditions");
        if let Some(c) = current {
            status.insert("currentCPUUtilizationPercentage".into(), c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::Registry;

    #[test]
    fn hpa_v1_round_trips_through_v2_storage() {
        let reg = Registry::default();
        let v1 = reg
            .get("autoscaling", "v1", "horizontalpodautoscalers")
            .unwrap();
        let v2 = reg
            .get("autoscaling", "v2", "horizontalpodautoscalers")
            .unwrap();
        let sent = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 50}});
        let stored = to_storage(v1, sent.clone());
        assert_eq!(stored["apiVersion"], "autoscaling/v2");
        assert_eq!(
            stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            50
        );
        assert_eq!(*to_served(v1, &stored), sent);
        assert_eq!(*to_served(v2, &stored), stored, "v2 is served as stored");
        let defaulted = to_storage(v1, json!({"spec": {"maxReplicas": 3}}));
        assert_eq!(
            defaulted["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
    }
}

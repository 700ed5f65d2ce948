//! The `/scale` subresource: an `autoscaling/v1` Scale view of any resource
//! that declares one (Deployments, ReplicaSets, StatefulSets, and CRDs with
//! a scale subresource), read from and written to the declared paths.

use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use serde_json::{json, Value};

/// The Scale of `object`.
pub fn to_scale(rt: &ResourceType, object: &Value) -> Value {
    let Some(paths) = &rt.scale else {
        return Value::Null;
    };
    let spec = object
        .pointer(&paths.spec_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status = object
        .pointer(&paths.status_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = paths
        .label_selector
        .as_ref()
        .and_then(|p| object.pointer(p))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| selector_string(object.pointer("/spec/selector")))
        .unwrap_or_default();
    let meta = &object["metadata"];
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"]},
        "spec": {"replicas": spec},
        "status": {"replicas": status, "selector": selector},
    })
}

/// `matchLabels` as `a=b,c=d` (what Kubernetes puts in a Scale's selector).
fn selector_string(selector: Option<&Value>) -> Option<String> {
    let labels = selector?.get("matchLabels")?.as_object()?;
    Some(
        labels
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// The object with the replicas of `scale` (a Scale, or the result of
/// patching one) written to its spec path.
pub fn apply_scale(rt: &ResourceType, current: &Value, scale: &Value) -> Result<Value, ApiError> {
    let paths = rt.scale.as_ref().ok_or_else(ApiError::no_such_path)?;
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_request("a Scale needs an integer spec.replicas"))?;
    let name = current
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if replicas < 0 {
        return Err(ApiError::invalid(
            rt,
            name,
            &[crate::sim::error::Cause {
                reason: "FieldValueInvalid".into(),
                message: format!("Invalid value: {replicas}: must be greater than or equal to 0"),
                field: "spec.replicas".into(),
            }],
        ));
    }
    if let Some(rv) = scale
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
    {
        if Some(rv)
            != current
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
        {
            return Err(ApiError::conflict(rt, name));
        }
    }
    let mut next = current.clone();
    set_pointer(&mut next, &paths.spec_replicas, json!(replicas));
    Ok(next)
}

fn set_pointer(target: &mut Value, pointer: &str, value: Value) {
    let mut node = target;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            node[*part] = value;
            return;
        }
        if !node.get(*part).is_some_and(Value::is_object) {
            node[*part] = json!({});
        }
        node = &mut node[*part];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::Registry;

    #[test]
    fn scale_reads_and_writes_the_declared_paths() {
        let reg = Registry::default();
        let rt = reg.get("apps", "v1", "deployments").unwrap();
        let d = json!({"metadata": {"name": "web", "resourceVersion": "5"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 2}});
        let s = to_scale(rt, &d);
        assert_eq!(
            (
                s["spec"]["replicas"].as_i64(),
                s["status"]["selector"].as_str()
            ),
            (Some(2), Some("app=web"))
        );
        let next = apply_scale(rt, &d, &json!({"spec": {"replicas": 4}})).unwrap();
        assert_eq!(next["spec"]["replicas"], 4);
        assert_eq!(
            apply_scale(
                rt,
                &d,
                &json!({"metadata": {"resourceVersion": "4"}, "spec": {"replicas": 4}})
            )
            .unwrap_err()
            .code,
            409
        );
        assert_eq!(
            apply_scale(rt, &d, &json!({"spec": {"replicas": -1}}))
                .unwrap_err()
                .code,
            422
        );
    }
}

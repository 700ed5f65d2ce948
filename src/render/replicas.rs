//! Revising a workload's replicas to a cluster's share, as Karmada's
//! interpreters do (`ReviseReplica`): `spec.replicas` for Deployments,
//! StatefulSets and ReplicaSets; `spec.parallelism` for Jobs; and
//! `spec.replicas` for a custom kind that is scheduled by its integer
//! `spec.replicas` (`model::defaults::template_replicas`), as Karmada's
//! bundled customizations for such kinds (Kruise CloneSet, Argo Rollout, …)
//! do. The field that is divided is the field that is revised: otherwise each
//! cluster would run the whole count.
//!
//! Not yet: Karmada also divides a Job's `spec.completions`, when set, in
//! proportion to the clusters' shares; flotilla leaves it as written.

use serde_json::Value;

/// Sets the cluster's share on a workload. Kinds without replicas are left alone.
pub fn revise(kind: &str, manifest: &mut Value, share: i32) {
    let Some(spec) = manifest.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            spec.insert("replicas".into(), Value::from(share));
        }
        "Job" => {
            spec.insert("parallelism".into(), Value::from(share));
        }
        // Pods and kinds without replicas are not divided. A custom kind is
        // divided only when `spec.replicas` is an i32 (the same test as
        // `template_replicas`), so only then is there a share to write.
        "Pod" => {}
        _ => {
            let scheduled = spec
                .get("replicas")
                .and_then(Value::as_i64)
                .is_some_and(|r| i32::try_from(r).is_ok());
            if scheduled {
                spec.insert("replicas".into(), Value::from(share));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revises_the_field_that_was_divided() {
        let cases: &[(&str, &str, Value, Value)] = &[
            (
                "deployment",
                "Deployment",
                json!({"spec": {"replicas": 6}}),
                json!({"spec": {"replicas": 2}}),
            ),
            (
                "deployment without replicas",
                "Deployment",
                json!({"spec": {}}),
                json!({"spec": {"replicas": 2}}),
            ),
            (
                "job",
                "Job",
                json!({"spec": {"parallelism": 6}}),
                json!({"spec": {"parallelism": 2}}),
            ),
            (
                "custom workload",
                "CloneSet",
                json!({"spec": {"replicas": 6}}),
                json!({"spec": {"replicas": 2}}),
            ),
            (
                "custom kind without replicas",
                "Widget",
                json!({"spec": {"size": 6}}),
                json!({"spec": {"size": 6}}),
            ),
            (
                "custom kind, replicas not an integer",
                "Widget",
                json!({"spec": {"replicas": "6"}}),
                json!({"spec": {"replicas": "6"}}),
            ),
            (
                "custom kind, replicas out of range",
                "Widget",
                json!({"spec": {"replicas": 1_i64 << 40}}),
                json!({"spec": {"replicas": 1_i64 << 40}}),
            ),
            (
                "configmap",
                "ConfigMap",
                json!({"data": {"a": "b"}}),
                json!({"data": {"a": "b"}}),
            ),
            ("no spec", "CloneSet", json!({}), json!({})),
        ];
        for (name, kind, before, want) in cases {
            let mut got = before.clone();
            revise(kind, &mut got, 2);
            assert_eq!(&got, want, "case {name}");
            // A field is revised exactly when scheduling read replicas.
            let scheduled = crate::model::defaults::template_replicas(kind, before).is_some();
            assert_eq!(
                scheduled,
                got != *before,
                "case {name}: scheduled vs revised"
            );
        }
    }
}

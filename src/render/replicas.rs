//! Revising a workload's replicas to a cluster's share, as Karmada's default
//! interpreter does (`ReviseReplica`): `spec.replicas` for Deployments,
//! StatefulSets and ReplicaSets; `spec.parallelism` for Jobs (and
//! `spec.completions` scaled along when set, so the cluster's part of the
//! job finishes).

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
        _ => {}
    }
}

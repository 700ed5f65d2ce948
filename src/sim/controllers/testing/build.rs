//! Builders for test objects (nodes, workloads, HPAs) and small helpers
//! on them, shared by the controller tests.

use super::{nodes, res, Action, Resource, TestWorld};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub(crate) fn node(name: &str, cpu: &str, memory: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    })
}

pub(crate) fn pod_template(app: &str, image: &str, cpu: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "main", "image": image,
            "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]},
    })
}

pub(crate) fn deployment(name: &str, replicas: i64, image: &str, cpu: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image, cpu),
        },
    })
}

pub(crate) fn is_ready(p: &Value) -> bool {
    crate::sim::controllers::pod::is_ready(p)
}

pub(crate) fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    crate::sim::controllers::obj::find_condition(
        crate::sim::controllers::obj::conditions(obj),
        type_,
    )
}

pub(crate) fn statefulsets() -> Resource {
    res("apps", "statefulsets")
}

pub(crate) fn statefulset(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image, "100m"),
        },
    })
}

/// The pod's creation time.
pub(crate) fn created(p: &Value) -> Option<DateTime<Utc>> {
    crate::sim::controllers::obj::time_at(p, "/metadata/creationTimestamp")
}

pub(crate) fn daemonsets() -> Resource {
    res("apps", "daemonsets")
}

pub(crate) fn daemonset(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image, "50m"),
        },
    })
}

/// Sets a node's Ready condition.
pub(crate) fn set_node_ready(w: &mut TestWorld, node: &str, ready: bool) {
    let ready = if ready { "True" } else { "False" };
    let mut status = w.get(&nodes(), "", node).expect("node")["status"].clone();
    status["conditions"] = json!([{"type": "Ready", "status": ready}]);
    w.apply(vec![Action::UpdateStatus {
        resource: nodes(),
        namespace: None,
        name: node.to_string(),
        status,
    }]);
}

pub(crate) fn jobs() -> Resource {
    res("batch", "jobs")
}

pub(crate) fn job(name: &str, completions: i64, parallelism: i64, run_seconds: i64) -> Value {
    let mut template = pod_template(name, "busybox", "100m");
    template["metadata"]["annotations"] =
        json!({"sim.flotilla.io/run-seconds": run_seconds.to_string()});
    template["spec"]["restartPolicy"] = json!("Never");
    json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"completions": completions, "parallelism": parallelism, "template": template},
    })
}

pub(crate) fn clonesets() -> Resource {
    res("apps.kruise.io", "clonesets")
}

pub(crate) fn cloneset(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": pod_template(name, image, "100m"),
        },
    })
}

pub(crate) fn hpas() -> Resource {
    res("autoscaling", "horizontalpodautoscalers")
}

pub(crate) fn hpa(
    kind: &str,
    api_version: &str,
    target: &str,
    min: i64,
    max: i64,
    goal: i64,
) -> Value {
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target, "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": api_version, "kind": kind, "name": target},
            "minReplicas": min, "maxReplicas": max,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": goal}}}],
        },
    })
}

pub(crate) fn pvcs() -> Resource {
    res("", "persistentvolumeclaims")
}

/// A claim as a user (or a claim template) writes it, Pending as the API
/// server defaults it.
pub(crate) fn pvc(name: &str, storage: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": storage}}},
        "status": {"phase": "Pending"},
    })
}

/// A StatefulSet whose pods each get a 1Gi claim from the template
/// `data`, with `policy` as its persistentVolumeClaimRetentionPolicy
/// (unset: Retain, as the API server defaults it).
pub(crate) fn statefulset_with_claims(name: &str, replicas: i64, policy: Option<Value>) -> Value {
    let mut s = statefulset(name, replicas, "pg:1");
    s["spec"]["volumeClaimTemplates"] = json!([{
        "metadata": {"name": "data", "labels": {"tier": "storage"}},
        "spec": {"accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "1Gi"}}},
    }]);
    if let Some(p) = policy {
        s["spec"]["persistentVolumeClaimRetentionPolicy"] = p;
    }
    s
}

//! Garbage collection and metrics.

use crate::sim::controllers::metrics::{node_metrics, pod_metrics};
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn owned_by(kind: &str, api_version: &str, uid: &str) -> Value {
    json!({"apiVersion": api_version, "kind": kind, "name": "x", "uid": uid, "controller": true})
}

fn rs(name: &str, owners: Vec<Value>) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
           "metadata": {"name": name, "namespace": "default", "ownerReferences": owners},
           "spec": {"replicas": 0, "template": pod_template(name, "i", "1m")}})
}

#[test]
fn orphans_go_others_stay() {
    let mut w = TestWorld::new();
    w.create(deployments(), deployment("alive", 0, "i", "1m"));
    let alive = w.get(&deployments(), "default", "alive").expect("d")["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.create(
        replicasets(),
        rs("orphan", vec![owned_by("Deployment", "apps/v1", "gone")]),
    );
    w.create(
        replicasets(),
        rs("kept", vec![owned_by("Deployment", "apps/v1", &alive)]),
    );
    w.create(
        replicasets(),
        rs(
            "two-owners",
            vec![
                owned_by("Deployment", "apps/v1", "gone"),
                owned_by("Deployment", "apps/v1", &alive),
            ],
        ),
    );
    w.create(
        replicasets(),
        rs(
            "unknown-kind",
            vec![owned_by("Rollout", "argoproj.io/v1alpha1", "gone")],
        ),
    );
    // A pod owned by the orphan goes in the next round.
    w.create(pods(), json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "ownerReferences": [owned_by("ReplicaSet", "apps/v1", "uid-3")]},
        "spec": {"containers": []}}));
    w.settle();
    let mut left: Vec<&str> = w
        .list_of(&replicasets())
        .into_iter()
        .filter_map(|r| r["metadata"]["name"].as_str())
        .filter(|n| !n.starts_with("alive-"))
        .collect();
    left.sort();
    assert_eq!(left, ["kept", "two-owners", "unknown-kind"]);
    assert!(w.get(&pods(), "default", "p").is_none());
}

#[test]
fn pods_on_vanished_nodes_and_old_events_go() {
    let mut w = TestWorld::new();
    w.create(
        pods(),
        json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "stray", "namespace": "default"},
        "spec": {"nodeName": "ghost", "containers": []}}),
    );
    w.create(res("", "events"), json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "old", "namespace": "default"}, "lastTimestamp": "2023-12-31T22:00:00Z"}));
    w.create(res("", "events"), json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "new", "namespace": "default"}, "lastTimestamp": "2023-12-31T23:30:00Z"}));
    w.settle();
    assert!(w.get(&pods(), "default", "stray").is_none());
    assert!(w.get(&res("", "events"), "default", "old").is_none());
    assert!(w.get(&res("", "events"), "default", "new").is_some());
}

#[test]
fn metrics_follow_requests_and_utilization() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    let mut d = deployment("web", 2, "nginx", "200m");
    d["metadata"]["annotations"] = json!({"sim.flotilla.io/cpu-utilization": "50"});
    w.create(deployments(), d);
    w.create(deployments(), deployment("idle", 1, "nginx", "1"));
    w.run_for(10, 1, &mut |_| {});
    let pm = pod_metrics(&w, &w.inputs);
    assert_eq!(pm.len(), 3);
    let web: Vec<&Value> = pm
        .iter()
        .filter(|m| m["metadata"]["labels"]["app"] == "web")
        .collect();
    assert_eq!(web.len(), 2);
    assert_eq!(
        web[0]["containers"][0]["usage"],
        json!({"cpu": "100000000n", "memory": "32768Ki"})
    );
    assert_eq!(web[0]["kind"], "PodMetrics");
    let nm = node_metrics(&w, &w.inputs);
    assert_eq!(
        nm[0]["usage"],
        json!({"cpu": "200000000n", "memory": "65536Ki"})
    );
    // The admin API's value is used when there is no annotation.
    w.inputs
        .cpu_utilization
        .insert(("default".into(), "idle".into()), 10.0);
    let pm = pod_metrics(&w, &w.inputs);
    let idle = pm
        .iter()
        .find(|m| m["metadata"]["labels"]["app"] == "idle")
        .expect("idle");
    assert_eq!(idle["containers"][0]["usage"]["cpu"], "100000000n");
}

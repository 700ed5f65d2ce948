//! The simulator's faults, load and nodes through the admin API, observed
//! with kubectl and raw HTTP: what the daemon's own fault tests build on.

mod support;

use std::time::Instant;
use support::sim::{json_of, Sim};

const CONFIGMAP: &str =
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"1"}}"#;

#[test]
fn writes_fail_and_get_rejected_as_configured() {
    let sim = Sim::start(&["--clusters", "1"]);
    let cms = "/api/v1/namespaces/default/configmaps";
    // Admission rejects dry runs too, with a 422 naming the webhook.
    sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"reject": {"matching": "configmaps/c1", "message": "c1 is frozen"}}"#),
    );
    let (code, body) = sim.http(
        "member1",
        "POST",
        &format!("{cms}?dryRun=All"),
        Some(CONFIGMAP),
    );
    assert_eq!(code, 422, "{body}");
    assert!(json_of(&body)["message"]
        .as_str()
        .is_some_and(|m| m.contains("c1 is frozen")));
    sim.admin("member1", "DELETE", "/faults", None);
    // The 2nd write from now fails once; the others pass.
    sim.admin("member1", "POST", "/faults", Some(r#"{"failNthWrite": 2}"#));
    let statuses: Vec<u16> = (1..=3)
        .map(|i| {
            sim.http(
                "member1",
                "POST",
                cms,
                Some(&CONFIGMAP.replace("c1", &format!("n{i}"))),
            )
            .0
        })
        .collect();
    assert_eq!(statuses, [201, 500, 201]);
    // Writes matching a resource fail; reads do not.
    sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"failWritesMatching": "configmaps"}"#),
    );
    assert_eq!(sim.http("member1", "POST", cms, Some(CONFIGMAP)).0, 500);
    assert_eq!(sim.http("member1", "GET", cms, None).0, 200);
    sim.admin("member1", "DELETE", "/faults", None);
    // Latency is added to every request.
    sim.admin("member1", "POST", "/faults", Some(r#"{"latencyMs": 300}"#));
    let t = Instant::now();
    sim.http("member1", "GET", cms, None);
    assert!(t.elapsed().as_millis() >= 300);
    // An error rate of 0.5 fails every second request, deterministically.
    sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"latencyMs": 0, "errorRate": 0.5}"#),
    );
    let codes: Vec<u16> = (0..4)
        .map(|_| sim.http("member1", "GET", cms, None).0)
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 500).count(), 2, "{codes:?}");
    let (code, body) = sim.admin("member1", "POST", "/faults", Some(r#"{"api": "sideways"}"#));
    assert_eq!(code, 400, "{body}");
}

#[test]
fn a_not_ready_node_makes_its_pods_not_ready_and_nodes_come_and_go() {
    let sim = Sim::start(&["--clusters", "1", "--nodes", "1"]);
    sim.kubectl_ok(
        "member1",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"nodesNotReady": true}"#),
    );
    let nodes = sim.kubectl_ok("member1", &["get", "nodes"]);
    assert!(nodes.contains("NotReady"), "{nodes}");
    sim.wait_for(15, "pods to become NotReady", || {
        json_of(&sim.kubectl_ok("member1", &["get", "deploy", "web", "-o", "json"]))["status"]
            ["readyReplicas"]
            .as_i64()
            .unwrap_or(0)
            == 0
    });
    sim.admin("member1", "DELETE", "/faults", None);
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    // A node added through the admin API is schedulable capacity.
    let (code, body) = sim.admin(
        "member1",
        "POST",
        "/nodes",
        Some(r#"{"name": "big-1", "cpu": "32", "memory": "128Gi"}"#),
    );
    assert_eq!(code, 201, "{body}");
    let (_, capacity) = sim.admin("member1", "GET", "/capacity", None);
    assert_eq!(
        json_of(&capacity)["resourceSummary"]["allocatable"]["cpu"],
        "36"
    );
    let (code, _) = sim.admin("member1", "DELETE", "/nodes/big-1", None);
    assert_eq!(code, 200);
    let (_, capacity) = sim.admin("member1", "GET", "/capacity", None);
    assert_eq!(
        json_of(&capacity)["resourceSummary"]["allocatable"]["cpu"],
        "4"
    );
}

#[test]
fn a_bad_sim_config_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sim.yaml");
    std::fs::write(&path, "clusters:\n  - name: a\n    nodez: 3\n").expect("write");
    let out = support::flotilla(&["sim", "--config", path.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2));
    let err = support::stderr(&out);
    assert!(
        err.contains("unknown field `nodez`") && err.contains("line 3"),
        "{err}"
    );
    std::fs::write(
        &path,
        "clusters:\n  - name: a\n    nodeTemplate: {cpu: lots}\n",
    )
    .expect("write");
    let err = support::stderr(&support::flotilla(&[
        "sim",
        "--config",
        path.to_str().unwrap_or_default(),
    ]));
    assert!(err.contains("`lots` is not a quantity"), "{err}");
}

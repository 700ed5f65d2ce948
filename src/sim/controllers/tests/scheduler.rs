//! The scheduler's choices and messages (table), and what the kubelet
//! writes once a pod is bound.

use crate::sim::controllers::testing::*;
use crate::sim::controllers::{scheduler, Action};
use serde_json::{json, Value};

fn pending(name: &str, cpu: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": cpu, "memory": "1Gi"}}}]}})
}

fn bound(name: &str, node: &str, cpu: &str, phase: &str) -> Value {
    let mut p = pending(name, cpu);
    p["spec"]["nodeName"] = json!(node);
    p["status"] = json!({"phase": phase});
    p
}

fn with(mut v: Value, path: &[&str], value: Value) -> Value {
    crate::sim::controllers::obj::set(&mut v, path, value);
    v
}

struct Case {
    name: &'static str,
    nodes: Vec<Value>,
    others: Vec<Value>,
    pod: Value,
    /// The node chosen, or the Unschedulable message.
    want: Result<&'static str, &'static str>,
}

#[test]
fn placement_and_messages() {
    let n = |name| node(name, "4", "8Gi");
    let cases = vec![
        Case {
            name: "least allocated wins",
            nodes: vec![n("n1"), n("n2")],
            others: vec![bound("busy", "n1", "2", "Running")],
            pod: pending("p", "1"),
            want: Ok("n2"),
        },
        Case {
            name: "a tie goes to the first name",
            nodes: vec![n("n2"), n("n1")],
            others: vec![],
            pod: pending("p", "1"),
            want: Ok("n1"),
        },
        Case {
            name: "terminated pods free their requests",
            nodes: vec![node("n1", "1", "8Gi")],
            others: vec![bound("done", "n1", "1", "Succeeded")],
            pod: pending("p", "1"),
            want: Ok("n1"),
        },
        Case {
            name: "insufficient cpu everywhere",
            nodes: vec![n("n1"), n("n2")],
            others: vec![],
            pod: pending("p", "5"),
            want: Err("0/2 nodes are available: 2 Insufficient cpu."),
        },
        Case {
            name: "first failing filter per node, reasons sorted",
            nodes: vec![
                with(n("n1"), &["spec", "taints"], json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])),
                with(n("n2"), &["spec", "unschedulable"], json!(true)),
                node("n3", "1", "512Mi"),
            ],
            others: vec![],
            pod: pending("p", "2"),
            want: Err("0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable."),
        },
        Case {
            name: "a tolerated taint",
            nodes: vec![with(n("n1"), &["spec", "taints"], json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]))],
            others: vec![],
            pod: with(pending("p", "1"), &["spec", "tolerations"], json!([{"key": "dedicated", "operator": "Equal", "value": "gpu"}])),
            want: Ok("n1"),
        },
        Case {
            name: "a NotReady node is tainted not-ready",
            nodes: vec![with(n("n1"), &["status", "conditions"], json!([{"type": "Ready", "status": "False"}]))],
            others: vec![],
            pod: pending("p", "1"),
            want: Err("0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."),
        },
        Case {
            name: "node selector",
            nodes: vec![n("n1"), with(n("n2"), &["metadata", "labels", "disk"], json!("ssd"))],
            others: vec![],
            pod: with(pending("p", "1"), &["spec", "nodeSelector"], json!({"disk": "ssd"})),
            want: Ok("n2"),
        },
        Case {
            name: "required affinity matches nothing",
            nodes: vec![n("n1")],
            others: vec![],
            pod: with(pending("p", "1"), &["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
                json!({"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]})),
            want: Err("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."),
        },
        Case {
            name: "extended resources",
            nodes: vec![n("n1"), with(n("n2"), &["status", "allocatable", "example.com/gpu"], json!("1"))],
            others: vec![],
            pod: with(pending("p", "1"), &["spec", "containers", ], json!([{"name": "c", "resources": {"limits": {"example.com/gpu": 2}}}])),
            want: Err("0/2 nodes are available: 2 Insufficient example.com/gpu."),
        },
        Case {
            name: "pod count",
            nodes: vec![with(n("n1"), &["status", "allocatable", "pods"], json!("1"))],
            others: vec![bound("busy", "n1", "1", "Running")],
            pod: pending("p", "1"),
            want: Err("0/1 nodes are available: 1 Too many pods."),
        },
        Case {
            name: "no nodes",
            nodes: vec![],
            others: vec![],
            pod: pending("p", "1"),
            want: Err("no nodes available to schedule pods"),
        },
    ];
    for case in cases {
        let mut w = TestWorld::new();
        for n in case.nodes {
            w.create(nodes(), n);
        }
        for p in case.others.into_iter().chain([case.pod]) {
            w.create(pods(), p);
        }
        let actions = scheduler::reconcile(&w, &w.inputs);
        let got = actions.iter().find_map(|a| match a {
            Action::Bind { node, .. } => Some(Ok(node.clone())),
            Action::UpdateStatus { status, .. } => Some(Err(status["conditions"][0]["message"]
                .as_str()
                .unwrap_or("")
                .to_string())),
            _ => None,
        });
        let want = case.want.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, Some(want), "{}", case.name);
        // Binding or not, a second run on the result has nothing to add.
        w.apply(actions);
        let again: Vec<Action> = scheduler::reconcile(&w, &w.inputs)
            .into_iter()
            .filter(|a| !matches!(a, Action::Create { .. }))
            .collect();
        assert!(again.is_empty(), "{}: {again:?}", case.name);
    }
}

#[test]
fn priority_first() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "1", "8Gi"));
    w.create(pods(), pending("low", "1"));
    w.create(
        pods(),
        with(pending("high", "1"), &["spec", "priority"], json!(1000)),
    );
    w.settle();
    assert!(w
        .get(&pods(), "default", "high")
        .is_some_and(|p| p["spec"]["nodeName"] == "n1"));
    assert!(w
        .get(&pods(), "default", "low")
        .is_some_and(|p| p["spec"]["nodeName"].is_null()));
}

#[test]
fn kubelet_runs_bound_pods() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    w.create(
        nodes(),
        with(
            node("n2", "4", "8Gi"),
            &["spec", "podCIDR"],
            json!("10.1.7.0/24"),
        ),
    );
    for (name, node) in [("a", "n1"), ("b", "n1"), ("c", "n2")] {
        w.create(
            pods(),
            with(pending(name, "100m"), &["spec", "nodeName"], json!(node)),
        );
    }
    w.settle();
    let get = |w: &TestWorld, n: &str| w.get(&pods(), "default", n).cloned().expect("pod");
    let a = get(&w, "a");
    assert_eq!(a["status"]["phase"], "Running");
    assert_eq!(a["status"]["hostIP"], "172.18.0.2");
    assert_eq!(a["status"]["podIP"], "10.244.0.2");
    assert_eq!(get(&w, "b")["status"]["podIP"], "10.244.0.3");
    assert_eq!(get(&w, "c")["status"]["podIP"], "10.1.7.2");
    assert_eq!(a["status"]["qosClass"], "Burstable");
    assert_eq!(a["status"]["startTime"], "2024-01-01T00:00:00Z");
    assert_eq!(
        a["status"]["containerStatuses"][0]["state"]["running"]["startedAt"],
        "2024-01-01T00:00:00Z"
    );
    let types: Vec<&str> = a["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    assert!(!is_ready(&a));
    assert_eq!(
        condition(&a, "Ready").expect("Ready")["reason"],
        "ContainersNotReady"
    );

    w.run_for(5, 1, &mut |_| {});
    let a = get(&w, "a");
    assert!(is_ready(&a));
    assert_eq!(
        condition(&a, "Ready").expect("Ready")["lastTransitionTime"],
        "2024-01-01T00:00:05Z"
    );
    assert_eq!(a["status"]["containerStatuses"][0]["ready"], true);

    set_node_ready(&mut w, "n1", false);
    w.settle();
    let a = get(&w, "a");
    assert!(!is_ready(&a));
    assert_eq!(
        condition(&a, "Ready").expect("Ready")["reason"],
        "NodeNotReady"
    );
    assert!(is_ready(&get(&w, "c")), "other nodes' pods are unaffected");
    set_node_ready(&mut w, "n1", true);
    w.settle();
    assert!(is_ready(&get(&w, "a")));
    assert_eq!(
        get(&w, "a")["status"]["podIP"],
        "10.244.0.2",
        "addresses are stable"
    );
}

#[test]
fn claims_gate_scheduling() {
    let mounting = |name: &str, claim: &str| {
        with(
            pending(name, "100m"),
            &["spec", "volumes"],
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]),
        )
    };
    let mut bound_claim = pvc("bound", "1Gi");
    bound_claim["status"] = json!({"phase": "Bound"});
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    w.create(pvcs(), pvc("pending", "1Gi"));
    w.create(pvcs(), bound_claim);
    for (pod, claim) in [("a", "bound"), ("b", "pending"), ("c", "missing")] {
        w.create(pods(), mounting(pod, claim));
    }
    let actions = scheduler::reconcile(&w, &w.inputs);
    let mut got: Vec<(String, String)> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Bind { name, node, .. } => Some((name.clone(), node.clone())),
            Action::UpdateStatus { name, status, .. } => Some((
                name.clone(),
                status["conditions"][0]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )),
            _ => None,
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("a".to_string(), "n1".to_string()),
            (
                "c".to_string(),
                r#"0/1 nodes are available: persistentvolumeclaim "missing" not found."#
                    .to_string()
            ),
        ],
        "b waits for its claim to be bound"
    );
}

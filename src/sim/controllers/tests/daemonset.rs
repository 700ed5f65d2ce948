//! DaemonSets end to end: one pod per eligible node, following nodes as
//! they come, go, get tainted or NotReady; rolling update node by node.

use crate::sim::controllers::node::pinned_node;
use crate::sim::controllers::pod::{is_active, node_name};
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn ds_status(w: &TestWorld, field: &str) -> Value {
    w.get(&daemonsets(), "kube-system", "agent").expect("ds")["status"][field].clone()
}

fn nodes_with_pods(w: &TestWorld) -> Vec<String> {
    let mut v: Vec<String> = w
        .list_of(&pods())
        .into_iter()
        .filter(|p| is_active(p))
        .filter_map(|p| node_name(p).map(str::to_string))
        .collect();
    v.sort();
    v
}

#[test]
fn follows_nodes() {
    let mut w = TestWorld::new();
    for n in ["n1", "n2"] {
        w.create(nodes(), node(n, "4", "8Gi"));
    }
    let mut tainted = node("gpu", "4", "8Gi");
    tainted["spec"]["taints"] =
        json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]);
    w.create(nodes(), tainted);
    w.create(daemonsets(), daemonset("agent", "agent:1"));
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(
        nodes_with_pods(&w),
        ["n1", "n2"],
        "the tainted node is skipped"
    );
    assert_eq!(ds_status(&w, "desiredNumberScheduled"), 2);
    assert_eq!(ds_status(&w, "numberReady"), 2);
    let p = w.list_of(&pods())[0];
    assert!(pinned_node(p).is_some());
    let tols = p["spec"]["tolerations"].as_array().map_or(0, Vec::len);
    assert!(tols >= 6, "daemon tolerations: {tols}");

    w.create(nodes(), node("n3", "4", "8Gi"));
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(nodes_with_pods(&w), ["n1", "n2", "n3"]);
    assert_eq!(ds_status(&w, "numberAvailable"), 3);

    w.delete(&nodes(), "", "n2");
    w.run_for(5, 1, &mut |_| {});
    assert_eq!(nodes_with_pods(&w), ["n1", "n3"]);
    assert_eq!(ds_status(&w, "desiredNumberScheduled"), 2);

    // A NotReady node keeps its pod, NotReady; no new pod is placed there.
    set_node_ready(&mut w, "n1", false);
    w.run_for(5, 1, &mut |_| {});
    assert_eq!(nodes_with_pods(&w), ["n1", "n3"]);
    assert_eq!(ds_status(&w, "desiredNumberScheduled"), 1);
    assert_eq!(ds_status(&w, "numberMisscheduled"), 1);
    let on_n1 = w
        .list_of(&pods())
        .into_iter()
        .find(|p| node_name(p) == Some("n1"))
        .expect("pod on n1");
    assert!(!is_ready(on_n1));
    set_node_ready(&mut w, "n1", true);
    w.run_for(5, 1, &mut |_| {});
    assert_eq!(ds_status(&w, "numberReady"), 2);

    // Tolerating the taint adds the gpu node; a selector narrows it down.
    w.edit(&daemonsets(), "kube-system", "agent", |d| {
        d["spec"]["template"]["spec"]["tolerations"] =
            json!([{"key": "dedicated", "operator": "Exists"}]);
        d["spec"]["template"]["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "gpu"});
    });
    w.run_for(30, 1, &mut |_| {});
    assert_eq!(nodes_with_pods(&w), ["gpu"]);
}

#[test]
fn rolling_update_node_by_node() {
    let mut w = TestWorld::new();
    for n in ["n1", "n2", "n3", "n4"] {
        w.create(nodes(), node(n, "4", "8Gi"));
    }
    w.create(daemonsets(), daemonset("agent", "agent:1"));
    w.run_for(10, 1, &mut |_| {});
    w.edit(&daemonsets(), "kube-system", "agent", |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("agent:2");
    });
    w.run_for(60, 1, &mut |w: &TestWorld| {
        let ready = w.count_pods(|p| is_active(p) && is_ready(p));
        assert!(ready >= 3, "only {ready} ready");
    });
    assert_eq!(
        w.count_pods(|p| p["spec"]["containers"][0]["image"] == "agent:2"),
        4
    );
    assert_eq!(ds_status(&w, "updatedNumberScheduled"), 4);
    assert_eq!(ds_status(&w, "numberAvailable"), 4);
}

//! Generic workloads (a CloneSet) end to end: pods owned directly,
//! CloneSet status, recreate updates within maxUnavailable, partition.

use crate::sim::controllers::pod::is_active;
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn status(w: &TestWorld) -> Value {
    w.get(&clonesets(), "default", "web").expect("cloneset")["status"].clone()
}

#[test]
fn cloneset_scales_updates_and_reports() {
    let mut w = TestWorld::new();
    w.inputs.generic_workloads = vec![clonesets()];
    w.create(nodes(), node("n1", "8", "16Gi"));
    w.create(clonesets(), cloneset("web", 4, "nginx:1"));
    w.run_for(10, 1, &mut |_| {});
    let s = status(&w);
    assert_eq!(s["replicas"], 4);
    assert_eq!(s["readyReplicas"], 4);
    assert_eq!(s["availableReplicas"], 4);
    assert_eq!(s["updatedReadyReplicas"], 4);
    assert_eq!(s["labelSelector"], "app=web");
    assert_eq!(s["currentRevision"], s["updateRevision"]);
    let p = w.list_of(&pods())[0];
    assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "CloneSet");
    assert_eq!(
        p["metadata"]["ownerReferences"][0]["apiVersion"],
        "apps.kruise.io/v1alpha1"
    );

    w.edit(&clonesets(), "default", "web", |c| {
        c["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    });
    w.run_for(60, 1, &mut |w: &TestWorld| {
        let ready = w.count_pods(|p| is_active(p) && is_ready(p));
        assert!(
            ready >= 3,
            "maxUnavailable 20% of 4 rounds to one: {ready} ready"
        );
    });
    assert_eq!(
        w.count_pods(|p| p["spec"]["containers"][0]["image"] == "nginx:2"),
        4
    );
    let s = status(&w);
    assert_eq!(s["updatedReplicas"], 4);
    assert_eq!(s["currentRevision"], s["updateRevision"]);

    w.edit(&clonesets(), "default", "web", |c| {
        c["spec"]["replicas"] = json!(2);
        c["spec"]["updateStrategy"] = json!({"partition": 1});
        c["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:3");
    });
    w.run_for(60, 1, &mut |_| {});
    assert_eq!(w.count_pods(is_active), 2);
    assert_eq!(
        w.count_pods(|p| p["spec"]["containers"][0]["image"] == "nginx:3"),
        1
    );
    assert_eq!(status(&w)["expectedUpdatedReplicas"], 1);
}

#[test]
fn types_not_listed_are_left_alone() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    w.create(clonesets(), cloneset("web", 2, "nginx:1"));
    w.run_for(5, 1, &mut |_| {});
    assert_eq!(w.count_pods(|_| true), 0);
}

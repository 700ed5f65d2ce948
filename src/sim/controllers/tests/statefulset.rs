//! StatefulSets end to end: ordered creation and deletion, Parallel,
//! rolling update by descending ordinal, rollout status fields.

use crate::sim::controllers::pod::is_active;
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn sts_pod<'a>(w: &'a TestWorld, name: &str) -> Option<&'a Value> {
    w.get(&pods(), "default", name)
}

/// What `kubectl rollout status sts` waits for.
fn rolled_out(s: &Value) -> bool {
    let g = |p: &str| s.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    g("/status/observedGeneration") >= g("/metadata/generation")
        && g("/status/readyReplicas") == g("/spec/replicas")
        && s["status"]["currentRevision"] == s["status"]["updateRevision"]
}

#[test]
fn ordered_ready_creates_in_order_and_scales_down_from_the_top() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    w.create(statefulsets(), statefulset("db", 3, "pg:1"));
    let mut check = |w: &TestWorld| {
        // A pod exists only if every lower ordinal exists.
        for i in 1..3 {
            if sts_pod(w, &format!("db-{i}")).is_some() {
                assert!(
                    sts_pod(w, &format!("db-{}", i - 1)).is_some(),
                    "db-{i} before db-{}",
                    i - 1
                );
            }
        }
    };
    w.run_for(30, 1, &mut check);
    let times: Vec<_> = (0..3)
        .map(|i| {
            sts_pod(&w, &format!("db-{i}"))
                .and_then(created)
                .expect("pod")
        })
        .collect();
    // Each waits for the previous one to be Ready (5 s).
    assert!(
        times[1] - times[0] >= chrono::Duration::seconds(5),
        "{times:?}"
    );
    assert!(
        times[2] - times[1] >= chrono::Duration::seconds(5),
        "{times:?}"
    );
    let s = w.get(&statefulsets(), "default", "db").expect("sts");
    assert!(rolled_out(s), "{:#}", s["status"]);
    let p = sts_pod(&w, "db-1").expect("db-1");
    assert_eq!(p["spec"]["hostname"], "db-1");
    assert_eq!(p["spec"]["subdomain"], "db");
    assert_eq!(p["metadata"]["labels"]["apps.kubernetes.io/pod-index"], "1");

    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["replicas"] = json!(1)
    });
    let mut order = Vec::new();
    w.run_for(10, 1, &mut |w: &TestWorld| {
        for i in [2, 1] {
            let name = format!("db-{i}");
            if sts_pod(w, &name).is_none() && !order.contains(&name) {
                order.push(name);
            }
        }
    });
    assert_eq!(order, ["db-2", "db-1"]);
    assert_eq!(w.count_pods(is_active), 1);
}

#[test]
fn parallel_creates_everything_at_once() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    let mut s = statefulset("db", 3, "pg:1");
    s["spec"]["podManagementPolicy"] = json!("Parallel");
    w.create(statefulsets(), s);
    w.settle();
    assert_eq!(w.count_pods(is_active), 3);
}

#[test]
fn rolling_update_goes_down_the_ordinals_one_at_a_time() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    w.create(statefulsets(), statefulset("db", 3, "pg:1"));
    w.run_for(30, 1, &mut |_| {});
    let before =
        w.get(&statefulsets(), "default", "db").expect("sts")["status"]["updateRevision"].clone();
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["template"]["spec"]["containers"][0]["image"] = json!("pg:2");
    });
    let mut updated_order: Vec<String> = Vec::new();
    w.run_for(60, 1, &mut |w: &TestWorld| {
        let not_ready = w.count_pods(|p| !is_ready(p));
        let missing = 3 - w.count_pods(is_active);
        assert!(not_ready + missing <= 1, "more than one pod down at once");
        for i in [2, 1, 0] {
            let name = format!("db-{i}");
            let new =
                sts_pod(w, &name).is_some_and(|p| p["spec"]["containers"][0]["image"] == "pg:2");
            if new && !updated_order.contains(&name) {
                updated_order.push(name);
            }
        }
    });
    assert_eq!(updated_order, ["db-2", "db-1", "db-0"]);
    let s = w.get(&statefulsets(), "default", "db").expect("sts");
    assert!(rolled_out(s), "{:#}", s["status"]);
    assert_ne!(s["status"]["updateRevision"], before);
    assert_eq!(s["status"]["updatedReplicas"], 3);
    assert_eq!(s["status"]["currentReplicas"], 3);
}

#[test]
fn partition_keeps_lower_ordinals() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    let mut s = statefulset("db", 3, "pg:1");
    s["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
    w.create(statefulsets(), s);
    w.run_for(30, 1, &mut |_| {});
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["template"]["spec"]["containers"][0]["image"] = json!("pg:2");
    });
    w.run_for(60, 1, &mut |_| {});
    let images: Vec<Value> = (0..3)
        .map(|i| {
            sts_pod(&w, &format!("db-{i}")).expect("pod")["spec"]["containers"][0]["image"].clone()
        })
        .collect();
    assert_eq!(images, [json!("pg:1"), json!("pg:1"), json!("pg:2")]);
    let s = w.get(&statefulsets(), "default", "db").expect("sts");
    assert_eq!(s["status"]["updatedReplicas"], 1);
    assert_ne!(
        s["status"]["currentRevision"],
        s["status"]["updateRevision"]
    );
}

//! HPAs end to end: scale up as soon as utilization rises, down only after
//! the stabilization window, within min/max; missing metrics; generic
//! targets through the annotation.

use crate::sim::controllers::pod::is_active;
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn replicas(w: &TestWorld, r: &crate::sim::controllers::Resource) -> i64 {
    w.get(r, "default", "web").expect("target")["spec"]["replicas"]
        .as_i64()
        .unwrap_or(-1)
}

fn hpa_status(w: &TestWorld) -> Value {
    w.get(&hpas(), "default", "web").expect("hpa")["status"].clone()
}

fn reason(w: &TestWorld, type_: &str) -> Value {
    let h = w.get(&hpas(), "default", "web").expect("hpa");
    condition(h, type_)
        .map(|c| c["reason"].clone())
        .unwrap_or_default()
}

#[test]
fn scales_up_at_once_and_down_after_the_window() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "16", "32Gi"));
    w.create(deployments(), deployment("web", 2, "nginx:1", "200m"));
    w.create(hpas(), hpa("Deployment", "apps/v1", "web", 2, 6, 50));
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 2);
    assert_eq!(reason(&w, "ScalingActive"), "FailedGetResourceMetric");

    let key = ("default".to_string(), "web".to_string());
    w.inputs.cpu_utilization.insert(key.clone(), 80.0);
    // One evaluation per 15 s sync period: 2 → 4, then 4 → 7, capped.
    w.run_for(16, 1, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 4, "the next sync doubles");
    w.run_for(15, 1, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 6, "2 → 4 → 7, capped at 6");
    // The status reports what the last sync saw; one more sync sees 6.
    w.run_for(20, 1, &mut |_| {});
    let s = hpa_status(&w);
    assert_eq!(s["desiredReplicas"], 6);
    assert_eq!(s["currentReplicas"], 6);
    assert_eq!(
        s["currentMetrics"][0]["resource"]["current"]["averageUtilization"],
        80
    );
    assert_eq!(
        s["currentMetrics"][0]["resource"]["current"]["averageValue"],
        "160m"
    );
    assert_eq!(reason(&w, "ScalingLimited"), "TooManyReplicas");
    assert_eq!(reason(&w, "ScalingActive"), "ValidMetricFound");
    w.run_for(20, 1, &mut |_| {});
    assert_eq!(w.count_pods(|p| is_active(p) && is_ready(p)), 6);

    // Within tolerance: nothing moves.
    w.inputs.cpu_utilization.insert(key.clone(), 53.0);
    w.run_for(400, 10, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 6);

    w.inputs.cpu_utilization.insert(key.clone(), 20.0);
    let changed = w.now();
    w.run_for(290, 10, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 6, "held by the 300 s window");
    assert_eq!(reason(&w, "AbleToScale"), "ScaleDownStabilized");
    w.run_for(30, 10, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 3, "ceil(6 × 20 / 50)");
    // At the first sync after the window (syncs are 15 s apart; the test
    // steps 10 s at a time, so that is within 20 s of it).
    let scaled = hpa_status(&w)["lastScaleTime"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("lastScaleTime");
    let after = scaled.with_timezone(&chrono::Utc) - changed;
    assert!(
        (300..=320).contains(&after.num_seconds()),
        "scaled {after} after the change"
    );
    w.run_for(310, 10, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 2, "then the minimum");
    // The recommendation (1) falls below the minimum once the 2 it replaced
    // leaves the window.
    assert_eq!(reason(&w, "ScalingLimited"), "DesiredWithinRange");
    // (Plus up to one sync interval of the test's 10 s steps.)
    w.run_for(330, 10, &mut |_| {});
    assert_eq!(reason(&w, "ScalingLimited"), "TooFewReplicas");
    let history = hpa_status(&w)["sim.flotilla.io/recommendations"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(history <= 3, "history is pruned: {history} points");
    let rescales = w
        .list_of(&res("", "events"))
        .into_iter()
        .filter(|e| e["reason"] == "SuccessfulRescale")
        .count();
    assert_eq!(rescales, 4);
}

#[test]
fn scale_down_window_and_disabled_policies_from_behavior() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "16", "32Gi"));
    w.create(deployments(), deployment("web", 4, "nginx:1", "100m"));
    let mut h = hpa("Deployment", "apps/v1", "web", 1, 10, 50);
    h["spec"]["behavior"] = json!({
        "scaleDown": {"stabilizationWindowSeconds": 0},
        "scaleUp": {"selectPolicy": "Disabled"},
    });
    w.create(hpas(), h);
    w.inputs
        .cpu_utilization
        .insert(("default".into(), "web".into()), 100.0);
    w.run_for(30, 10, &mut |_| {});
    assert_eq!(replicas(&w, &deployments()), 4, "scale-up disabled");
    w.inputs
        .cpu_utilization
        .insert(("default".into(), "web".into()), 10.0);
    w.run_for(16, 1, &mut |_| {});
    assert_eq!(
        replicas(&w, &deployments()),
        1,
        "no window: 4 → 1 at the next sync"
    );
}

#[test]
fn generic_target_with_the_annotation() {
    let mut w = TestWorld::new();
    w.inputs.generic_workloads = vec![clonesets()];
    w.create(nodes(), node("n1", "16", "32Gi"));
    let mut c = cloneset("web", 1, "nginx:1");
    c["metadata"]["annotations"] = json!({"sim.flotilla.io/cpu-utilization": "150"});
    w.create(clonesets(), c);
    w.create(
        hpas(),
        hpa("CloneSet", "apps.kruise.io/v1alpha1", "web", 1, 5, 100),
    );
    // 1 → 2 → 3 → 5, one step per 15 s sync.
    w.run_for(40, 1, &mut |_| {});
    assert_eq!(replicas(&w, &clonesets()), 5);
    assert_eq!(w.count_pods(|p| is_active(p) && is_ready(p)), 5);
}

//! Deployments end to end: scheduling limits, rolling updates within
//! maxSurge/maxUnavailable, Recreate, rollout status fields.

use crate::sim::controllers::obj::str_at;
use crate::sim::controllers::pod::{is_active, node_name};
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

/// What `kubectl rollout status` waits for.
fn rolled_out(d: &Value) -> bool {
    let g = |p: &str| d.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let spec = g("/spec/replicas");
    g("/status/observedGeneration") >= g("/metadata/generation")
        && g("/status/updatedReplicas") == spec
        && g("/status/replicas") == spec
        && g("/status/availableReplicas") == spec
}

#[test]
fn ten_replicas_on_room_for_six() {
    let mut w = TestWorld::new();
    for n in ["n1", "n2", "n3"] {
        w.create(nodes(), node(n, "1", "4Gi"));
    }
    w.create(deployments(), deployment("web", 10, "nginx:1", "500m"));
    w.run_for(30, 1, &mut |_| {});
    assert_eq!(w.count_pods(is_ready), 6);
    let pending: Vec<&Value> = w
        .list_of(&pods())
        .into_iter()
        .filter(|p| node_name(p).is_none())
        .collect();
    assert_eq!(pending.len(), 4);
    for p in pending {
        let c = condition(p, "PodScheduled").expect("PodScheduled");
        assert_eq!(c["status"], "False");
        assert_eq!(c["reason"], "Unschedulable");
        assert_eq!(c["message"], "0/3 nodes are available: 3 Insufficient cpu.");
        assert_eq!(p["status"]["phase"], "Pending");
    }
    let d = w.get(&deployments(), "default", "web").expect("deployment");
    assert_eq!(d["status"]["replicas"], 10);
    assert_eq!(d["status"]["readyReplicas"], 6);
    assert_eq!(d["status"]["availableReplicas"], 6);
    assert_eq!(d["status"]["unavailableReplicas"], 4);
    assert_eq!(
        condition(d, "Available").expect("Available")["status"],
        "False"
    );
    assert!(!rolled_out(d));
    // Two pods per node, spread.
    for n in ["n1", "n2", "n3"] {
        assert_eq!(w.count_pods(|p| node_name(p) == Some(n)), 2, "{n}");
    }
    // After the progress deadline the rollout is reported as stuck.
    w.run_for(600, 60, &mut |_| {});
    let d = w.get(&deployments(), "default", "web").expect("deployment");
    let p = condition(d, "Progressing").expect("Progressing");
    assert_eq!(p["reason"], "ProgressDeadlineExceeded", "{p}");
    // Events were recorded once each.
    let reasons: Vec<&str> = w
        .list_of(&res("", "events"))
        .into_iter()
        .filter_map(|e| str_at(e, "/reason"))
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| **r == "FailedScheduling").count(),
        4
    );
    assert_eq!(reasons.iter().filter(|r| **r == "Scheduled").count(), 6);
    assert_eq!(
        reasons.iter().filter(|r| **r == "SuccessfulCreate").count(),
        10
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == "ScalingReplicaSet")
            .count(),
        1
    );
}

struct Rolling {
    name: &'static str,
    replicas: i64,
    strategy: Value,
    /// Most pods at any time, fewest available pods at any time.
    max_total: usize,
    min_available: usize,
}

#[test]
fn rolling_update_stays_within_surge_and_unavailability() {
    let cases = [
        Rolling {
            name: "defaults 25%/25% of 10: surge 3, unavailable 2",
            replicas: 10,
            strategy: json!({}),
            max_total: 13,
            min_available: 8,
        },
        Rolling {
            name: "surge 1, no unavailability",
            replicas: 4,
            strategy: json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}),
            max_total: 5,
            min_available: 4,
        },
        Rolling {
            name: "no surge, 50% unavailable",
            replicas: 6,
            strategy: json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "50%"}}),
            max_total: 6,
            min_available: 3,
        },
        Rolling {
            name: "both zero means one unavailable",
            replicas: 3,
            strategy: json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
            max_total: 3,
            min_available: 2,
        },
        Rolling {
            name: "recreate",
            replicas: 3,
            strategy: json!({"type": "Recreate"}),
            max_total: 3,
            min_available: 0,
        },
    ];
    for case in cases {
        let mut w = TestWorld::new();
        for n in ["n1", "n2"] {
            w.create(nodes(), node(n, "16", "32Gi"));
        }
        let mut d = deployment("web", case.replicas, "nginx:1", "100m");
        d["spec"]["strategy"] = case.strategy.clone();
        w.create(deployments(), d);
        w.run_for(20, 1, &mut |_| {});
        let d = w.get(&deployments(), "default", "web").expect("deployment");
        assert!(rolled_out(d), "{}: {d:#}", case.name);
        let first_rs = d["metadata"]["annotations"]["deployment.kubernetes.io/revision"].clone();
        assert_eq!(first_rs, "1", "{}", case.name);

        w.edit(&deployments(), "default", "web", |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
        });
        let (mut max_total, mut min_available) = (0, usize::MAX);
        w.run_for(120, 1, &mut |w| {
            max_total = max_total.max(w.count_pods(is_active));
            min_available = min_available.min(w.count_pods(|p| is_active(p) && is_ready(p)));
        });
        assert!(
            max_total <= case.max_total,
            "{}: {max_total} pods at once",
            case.name
        );
        assert!(
            min_available >= case.min_available,
            "{}: only {min_available} available",
            case.name
        );
        let images: Vec<&str> = w
            .list_of(&pods())
            .into_iter()
            .filter_map(|p| str_at(p, "/spec/containers/0/image"))
            .collect();
        assert_eq!(images.len(), case.replicas as usize, "{}", case.name);
        assert!(
            images.iter().all(|i| *i == "nginx:2"),
            "{}: {images:?}",
            case.name
        );
        let d = w.get(&deployments(), "default", "web").expect("deployment");
        assert!(rolled_out(d), "{}: {:#}", case.name, d["status"]);
        assert_eq!(
            d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
        let progressing = condition(d, "Progressing").expect("Progressing");
        assert_eq!(
            progressing["reason"], "NewReplicaSetAvailable",
            "{}",
            case.name
        );
        let rs = w.list_of(&replicasets());
        assert_eq!(rs.len(), 2, "{}", case.name);
        let specs: Vec<i64> = rs
            .iter()
            .filter_map(|r| r["spec"]["replicas"].as_i64())
            .collect();
        assert!(
            specs.contains(&0) && specs.contains(&case.replicas),
            "{}: {specs:?}",
            case.name
        );
    }
}

#[test]
fn rollback_reuses_the_old_replicaset_and_history_is_trimmed() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "16", "32Gi"));
    let mut d = deployment("web", 2, "nginx:1", "100m");
    d["spec"]["revisionHistoryLimit"] = json!(1);
    w.create(deployments(), d);
    w.run_for(10, 1, &mut |_| {});
    for image in ["nginx:2", "nginx:3", "nginx:2"] {
        w.edit(&deployments(), "default", "web", |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
        });
        w.run_for(60, 1, &mut |_| {});
    }
    let d = w.get(&deployments(), "default", "web").expect("deployment");
    assert!(rolled_out(d));
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "4"
    );
    let mut revs: Vec<String> = w
        .list_of(&replicasets())
        .iter()
        .filter_map(|r| {
            str_at(
                r,
                "/metadata/annotations/deployment.kubernetes.io~1revision",
            )
        })
        .map(str::to_string)
        .collect();
    revs.sort();
    // nginx:1 (rev 1) is gone, nginx:3 (rev 3) kept as the one history entry.
    assert_eq!(revs, ["3", "4"]);
}

#[test]
fn paused_deployment_scales_but_does_not_roll_out() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "16", "32Gi"));
    w.create(deployments(), deployment("web", 2, "nginx:1", "100m"));
    w.run_for(10, 1, &mut |_| {});
    w.edit(&deployments(), "default", "web", |d| {
        d["spec"]["paused"] = json!(true);
        d["spec"]["replicas"] = json!(3);
        d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
    });
    w.run_for(30, 1, &mut |_| {});
    assert_eq!(w.list_of(&replicasets()).len(), 1);
    assert_eq!(
        w.count_pods(|p| is_ready(p) && p["spec"]["containers"][0]["image"] == "nginx:1"),
        3
    );
    let d = w.get(&deployments(), "default", "web").expect("deployment");
    assert_eq!(
        condition(d, "Progressing").expect("Progressing")["reason"],
        "DeploymentPaused"
    );
    w.edit(&deployments(), "default", "web", |d| {
        d["spec"]["paused"] = json!(false);
    });
    w.run_for(60, 1, &mut |_| {});
    let d = w.get(&deployments(), "default", "web").expect("deployment");
    assert!(rolled_out(d));
    assert_eq!(
        w.count_pods(|p| p["spec"]["containers"][0]["image"] == "nginx:2"),
        3
    );
}

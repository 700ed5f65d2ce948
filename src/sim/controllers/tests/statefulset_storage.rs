//! StatefulSets with volumeClaimTemplates end to end: claims before pods,
//! bound before their pods are scheduled, and the retention policy on set
//! deletion and on scale-down.

use crate::sim::controllers::pod::is_active;
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn claim<'a>(w: &'a TestWorld, name: &str) -> Option<&'a Value> {
    w.get(&pvcs(), "default", name)
}

fn claim_names(w: &TestWorld) -> Vec<String> {
    w.list_of(&pvcs())
        .into_iter()
        .filter_map(|c| c["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// The kinds of a claim's owners.
fn owner_kinds(w: &TestWorld, name: &str) -> Vec<String> {
    claim(w, name)
        .and_then(|c| c["metadata"]["ownerReferences"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r["kind"].as_str().map(str::to_string))
        .collect()
}

fn start(replicas: i64, policy: Option<Value>) -> TestWorld {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    w.create(
        statefulsets(),
        statefulset_with_claims("db", replicas, policy),
    );
    w
}

#[test]
fn claims_come_before_their_pods_and_are_bound_before_they_are_scheduled() {
    let mut w = start(2, None);
    w.run_for(20, 1, &mut |w: &TestWorld| {
        for p in w.list_of(&pods()) {
            let name = p["metadata"]["name"].as_str().unwrap_or_default();
            let c = claim(w, &format!("data-{name}"));
            assert!(c.is_some(), "{name} before its claim");
            if !p["spec"]["nodeName"].is_null() {
                assert_eq!(
                    c.map(|c| c["status"]["phase"].clone()),
                    Some(json!("Bound")),
                    "{name} scheduled before its claim was bound"
                );
            }
        }
    });
    assert_eq!(w.count_pods(|p| is_active(p) && is_ready(p)), 2);
    let c = claim(&w, "data-db-1").expect("claim");
    assert_eq!(
        c["metadata"]["labels"],
        json!({"app": "db", "tier": "storage"})
    );
    assert_eq!(
        c["status"],
        json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}})
    );
    assert!(owner_kinds(&w, "data-db-1").is_empty(), "Retain: no owner");
    let p = w.get(&pods(), "default", "db-1").expect("pod");
    assert_eq!(
        p["spec"]["volumes"],
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}}])
    );
}

#[test]
fn retained_claims_outlive_scale_down_and_the_set_and_are_reused() {
    let mut w = start(2, None);
    w.run_for(20, 1, &mut |_| {});
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["replicas"] = json!(1)
    });
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(w.count_pods(is_active), 1);
    assert_eq!(claim_names(&w), ["data-db-0", "data-db-1"]);

    w.delete(&statefulsets(), "default", "db");
    w.settle();
    assert_eq!(w.count_pods(|_| true), 0, "pods go with the set");
    assert_eq!(claim_names(&w), ["data-db-0", "data-db-1"]);

    // A new set of the same name mounts the claims it finds.
    let uid = claim(&w, "data-db-1").expect("claim")["metadata"]["uid"].clone();
    w.create(statefulsets(), statefulset_with_claims("db", 2, None));
    w.run_for(20, 1, &mut |_| {});
    assert_eq!(w.count_pods(|p| is_active(p) && is_ready(p)), 2);
    assert_eq!(
        claim(&w, "data-db-1").expect("claim")["metadata"]["uid"],
        uid
    );
}

#[test]
fn when_deleted_delete_claims_go_with_the_set() {
    let mut w = start(
        2,
        Some(json!({"whenDeleted": "Delete", "whenScaled": "Retain"})),
    );
    w.run_for(20, 1, &mut |_| {});
    assert_eq!(owner_kinds(&w, "data-db-0"), ["StatefulSet"]);
    // Scaling down keeps the claim, still owned by the set.
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["replicas"] = json!(1)
    });
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(claim_names(&w), ["data-db-0", "data-db-1"]);
    w.delete(&statefulsets(), "default", "db");
    w.settle();
    assert!(claim_names(&w).is_empty(), "{:?}", claim_names(&w));
}

#[test]
fn when_scaled_delete_claims_go_with_the_pods_scaled_away() {
    let mut w = start(
        3,
        Some(json!({"whenDeleted": "Retain", "whenScaled": "Delete"})),
    );
    w.run_for(30, 1, &mut |_| {});
    assert!(
        owner_kinds(&w, "data-db-2").is_empty(),
        "in range: no owner"
    );
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["replicas"] = json!(1)
    });
    w.run_for(10, 1, &mut |w: &TestWorld| {
        // A pod goes only once its claim is its own, so the claim follows.
        for i in [1, 2] {
            if w.get(&pods(), "default", &format!("db-{i}")).is_none() {
                let name = format!("data-db-{i}");
                let kinds = owner_kinds(w, &name);
                assert!(
                    claim(w, &name).is_none() || kinds == ["Pod"],
                    "{name} owned by {kinds:?}"
                );
            }
        }
    });
    assert_eq!(w.count_pods(is_active), 1);
    assert_eq!(claim_names(&w), ["data-db-0"]);
    w.delete(&statefulsets(), "default", "db");
    w.settle();
    assert_eq!(claim_names(&w), ["data-db-0"], "Retain on deletion");
}

#[test]
fn a_policy_change_reaches_existing_claims() {
    let mut w = start(2, None);
    w.run_for(20, 1, &mut |_| {});
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["persistentVolumeClaimRetentionPolicy"] =
            json!({"whenDeleted": "Delete", "whenScaled": "Retain"});
    });
    w.settle();
    assert_eq!(owner_kinds(&w, "data-db-0"), ["StatefulSet"]);
    assert_eq!(owner_kinds(&w, "data-db-1"), ["StatefulSet"]);
    // And back: no owner, and no empty list either.
    w.edit(&statefulsets(), "default", "db", |s| {
        s["spec"]["persistentVolumeClaimRetentionPolicy"] =
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"});
    });
    w.settle();
    let c = claim(&w, "data-db-0").expect("claim");
    assert!(c["metadata"].get("ownerReferences").is_none(), "{c:#}");
}

#[test]
fn a_claim_being_deleted_holds_its_pod_back() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "8", "16Gi"));
    let mut going = pvc("data-db-0", "1Gi");
    going["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
    w.create(pvcs(), going);
    w.create(statefulsets(), statefulset_with_claims("db", 1, None));
    w.run_for(5, 1, &mut |_| {});
    assert_eq!(w.count_pods(|_| true), 0);
    w.delete(&pvcs(), "default", "data-db-0");
    w.run_for(10, 1, &mut |_| {});
    assert_eq!(w.count_pods(|p| is_active(p) && is_ready(p)), 1);
    assert_eq!(
        claim(&w, "data-db-0").expect("a new claim")["status"]["phase"],
        "Bound"
    );
}

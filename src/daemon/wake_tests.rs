use super::*;
use serde_json::json;

fn manifest() -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": "shop",
            "labels": {"flotilla.io/managed-by": "flotilla"},
            "annotations": {"flotilla.io/hash": "sha256:aa"}},
        "data": {"greeting": "hello"}})
}

fn deployment(ready: i64, rv: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "resourceVersion": rv, "generation": 1,
            "annotations": {"flotilla.io/hash": "sha256:aa"}},
        "spec": {"replicas": 2},
        "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
            "readyReplicas": ready, "availableReplicas": ready}})
}

#[test]
fn only_events_that_call_for_a_write_or_change_status_wake() {
    let m = manifest();
    let mut drifted = m.clone();
    drifted["data"]["greeting"] = json!("tampered");
    let mut rehashed = m.clone();
    rehashed["metadata"]["annotations"]["flotilla.io/hash"] = json!("sha256:bb");
    let mut touched = m.clone();
    touched["metadata"]["resourceVersion"] = json!("9");
    touched["data"]["extra"] = json!("someone else's key");
    let d_manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "annotations": {"flotilla.io/hash": "sha256:aa"}},
        "spec": {"replicas": 2}});
    let desired = Expected {
        desired: Some((&m, drift::Context::default())),
        in_inventory: true,
    };
    let deploy = Expected {
        desired: Some((&d_manifest, drift::Context::default())),
        in_inventory: true,
    };
    let pending_prune = Expected {
        desired: None,
        in_inventory: true,
    };
    let stranger = Expected {
        desired: None,
        in_inventory: false,
    };
    struct Case<'a> {
        name: &'a str,
        expected: Expected<'a>,
        old: Option<&'a Value>,
        new: Option<&'a Value>,
        first_sync: bool,
        want: Option<Reason>,
    }
    let (d1, d2, d2b) = (deployment(1, "1"), deployment(2, "2"), deployment(2, "3"));
    let cases = [
        Case {
            name: "owned field edited",
            expected: desired,
            old: Some(&m),
            new: Some(&drifted),
            first_sync: false,
            want: Some(Reason::Drift),
        },
        Case {
            name: "hash annotation changed",
            expected: desired,
            old: Some(&m),
            new: Some(&rehashed),
            first_sync: false,
            want: Some(Reason::HashDiffers),
        },
        Case {
            name: "deleted",
            expected: desired,
            old: Some(&m),
            new: None,
            first_sync: false,
            want: Some(Reason::Gone),
        },
        Case {
            name: "a field we do not own",
            expected: desired,
            old: Some(&m),
            new: Some(&touched),
            first_sync: false,
            want: None,
        },
        Case {
            name: "our write coming back",
            expected: desired,
            old: Some(&drifted),
            new: Some(&m),
            first_sync: false,
            want: None,
        },
        Case {
            name: "appeared in sync",
            expected: desired,
            old: None,
            new: Some(&m),
            first_sync: false,
            want: Some(Reason::Appeared),
        },
        Case {
            name: "workload became ready",
            expected: deploy,
            old: Some(&d1),
            new: Some(&d2),
            first_sync: false,
            want: Some(Reason::Health),
        },
        Case {
            name: "status bump, same health",
            expected: deploy,
            old: Some(&d2),
            new: Some(&d2b),
            first_sync: false,
            want: None,
        },
        Case {
            name: "first list: drift still counts",
            expected: desired,
            old: None,
            new: Some(&drifted),
            first_sync: true,
            want: Some(Reason::Drift),
        },
        Case {
            name: "first list: in sync is nothing new",
            expected: desired,
            old: None,
            new: Some(&m),
            first_sync: true,
            want: None,
        },
        Case {
            name: "pending prune deleted",
            expected: pending_prune,
            old: Some(&m),
            new: None,
            first_sync: false,
            want: Some(Reason::Gone),
        },
        Case {
            name: "pending prune edited",
            expected: pending_prune,
            old: Some(&m),
            new: Some(&drifted),
            first_sync: false,
            want: None,
        },
        Case {
            name: "not ours to care about",
            expected: stranger,
            old: Some(&m),
            new: None,
            first_sync: false,
            want: None,
        },
    ];
    for c in cases {
        assert_eq!(
            reason(c.expected, c.old, c.new, c.first_sync),
            c.want,
            "{}",
            c.name
        );
    }
}

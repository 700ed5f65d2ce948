//! The filters: cluster affinity, taints, API enablement, spread-field
//! presence, eviction. Readiness reaches them only as taints.

use super::*;

#[test]
fn affinity_filter() {
    let dup = |aff: Value| mk_placement(json!({"clusterAffinity": aff}));
    let cases: &[(&str, Value, &str)] = &[
        ("no affinity selects all", json!({}), "a=2 b=2 c=2"),
        ("labelSelector", json!({"labelSelector": {"matchLabels": {"env": "prod"}}}), "a=2 b=2"),
        ("clusterNames", json!({"clusterNames": ["c", "zz"]}), "c=2"),
        ("exclude wins over names", json!({"clusterNames": ["a", "b"], "exclude": ["a"]}), "b=2"),
        ("provider In", json!({"fieldSelector": {"matchExpressions": [{"key": "provider", "operator": "In", "values": ["aws"]}]}}), "a=2 c=2"),
        ("region NotIn", json!({"fieldSelector": {"matchExpressions": [{"key": "region", "operator": "NotIn", "values": ["us"]}]}}), "a=2"),
        ("zone In needs every zone", json!({"fieldSelector": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["us-1", "eu-1"]}]}}), "a=2"),
        ("all terms must hold", json!({"labelSelector": {"matchLabels": {"env": "prod"}}, "clusterNames": ["b", "c"]}), "b=2"),
        (
            "nothing matches",
            json!({"clusterNames": ["zz"]}),
            "error: 0/3 clusters are available: 3 cluster(s) did not match the placement cluster affinity constraint",
        ),
    ];
    for (name, aff, want) in cases {
        assert_eq!(
            outcome(&run(&dup(aff.clone()), Some(2), &fleet(), None)),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn taint_filter() {
    let tainted = |effect: &str, value: Option<&str>| {
        let mut t = json!({"key": "dedicated", "effect": effect});
        if let Some(v) = value {
            t["value"] = json!(v);
        }
        vec![
            plain("a"),
            mk_cluster("t", json!({}), json!({"taints": [t]}), Value::Null),
        ]
    };
    let cases: &[(&str, Vec<Cluster>, Value, &str)] = &[
        (
            "NoSchedule filters",
            tainted("NoSchedule", Some("gpu")),
            json!([]),
            "a=1",
        ),
        (
            "NoExecute filters",
            tainted("NoExecute", None),
            json!([]),
            "a=1",
        ),
        (
            "PreferNoSchedule is ignored",
            tainted("PreferNoSchedule", None),
            json!([]),
            "a=1 t=1",
        ),
        (
            "Exists without key tolerates all",
            tainted("NoSchedule", Some("gpu")),
            json!([{"operator": "Exists"}]),
            "a=1 t=1",
        ),
        (
            "Equal with value",
            tainted("NoSchedule", Some("gpu")),
            json!([{"key": "dedicated", "operator": "Equal", "value": "gpu"}]),
            "a=1 t=1",
        ),
        (
            "Equal with wrong value",
            tainted("NoSchedule", Some("gpu")),
            json!([{"key": "dedicated", "value": "cpu"}]),
            "a=1",
        ),
        (
            "effect must match",
            tainted("NoSchedule", None),
            json!([{"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}]),
            "a=1",
        ),
        (
            "default toleration covers not-ready NoExecute only",
            vec![
                mk_cluster(
                    "x",
                    json!({}),
                    json!({"taints": [{"key": "cluster.karmada.io/not-ready", "effect": "NoExecute"}]}),
                    Value::Null,
                ),
                mk_cluster(
                    "y",
                    json!({}),
                    json!({"taints": [{"key": "cluster.karmada.io/not-ready", "effect": "NoSchedule"}]}),
                    Value::Null,
                ),
            ],
            json!([]),
            "x=1",
        ),
    ];
    for (name, clusters, tolerations, want) in cases {
        let p = mk_placement(json!({"clusterTolerations": tolerations}));
        assert_eq!(
            outcome(&run(&p, Some(1), clusters, None)),
            *want,
            "case {name}"
        );
    }
    // A cluster already scheduled is not filtered by its taints.
    let p = mk_placement(json!({}));
    let prev = tc(&[("t", 1)]);
    assert_eq!(
        outcome(&run(&p, Some(1), &tainted("NoSchedule", None), Some(&prev))),
        "a=1 t=1"
    );
    // The error names the taint as Kubernetes prints it.
    let only = vec![mk_cluster(
        "t",
        json!({}),
        json!({"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}),
        Value::Null,
    )];
    assert_eq!(
        outcome(&run(&p, Some(1), &only, None)),
        "error: 0/1 clusters are available: 1 cluster(s) had untolerated taint {dedicated=gpu:NoSchedule}"
    );
}

#[test]
fn api_enablement_filter() {
    let status = |kinds: &[&str], complete: &str| {
        json!({"conditions": [{"type": "CompleteAPIEnablements", "status": complete}],
               "apiEnablements": [{"groupVersion": "apps/v1", "resources": kinds.iter().map(|k| json!({"name": k.to_lowercase(), "kind": k})).collect::<Vec<_>>()}]})
    };
    let clusters = vec![
        mk_cluster("no-status", json!({}), json!({}), Value::Null),
        mk_cluster(
            "serves",
            json!({}),
            json!({}),
            status(&["Deployment"], "True"),
        ),
        mk_cluster(
            "lacks",
            json!({}),
            json!({}),
            status(&["StatefulSet"], "True"),
        ),
        mk_cluster(
            "lacks-incomplete",
            json!({}),
            json!({}),
            status(&["StatefulSet"], "False"),
        ),
    ];
    let p = mk_placement(json!({}));
    let cases: &[(&str, Option<Vec<TargetCluster>>, &str)] = &[
        (
            "fresh: only clusters that serve the API (or do not say)",
            None,
            "no-status=1 serves=1",
        ),
        (
            "previously scheduled, API list complete: dropped",
            Some(tc(&[("lacks", 1)])),
            "no-status=1 serves=1",
        ),
        (
            "previously scheduled, API list incomplete: kept",
            Some(tc(&[("lacks-incomplete", 1)])),
            "lacks-incomplete=1 no-status=1 serves=1",
        ),
    ];
    for (name, prev, want) in cases {
        assert_eq!(
            outcome(&run(&p, Some(1), &clusters, prev.as_deref())),
            *want,
            "case {name}"
        );
    }
    let d = run(&p, Some(1), &clusters, None).expect("decision");
    assert!(
        d.reasons["lacks"].contains("does not serve apps/v1 Deployment"),
        "{:?}",
        d.reasons
    );
}

#[test]
fn readiness_is_read_from_taints_only() {
    // NotReady without a taint is still a candidate (as in Karmada).
    let not_ready = mk_cluster(
        "n",
        json!({}),
        json!({}),
        json!({"conditions": [{"type": "Ready", "status": "False"}]}),
    );
    let p = mk_placement(json!({}));
    assert_eq!(
        outcome(&run(&p, Some(1), std::slice::from_ref(&not_ready), None)),
        "n=1"
    );
    // The not-ready NoExecute taint is tolerated for 300 s by default; the
    // NoSchedule one the cluster controller adds at once is not.
    let tainted = |effect: &str| {
        mk_cluster(
            "n",
            json!({}),
            json!({"taints": [{"key": "cluster.karmada.io/not-ready", "effect": effect}]}),
            json!({"conditions": [{"type": "Ready", "status": "False"}]}),
        )
    };
    assert_eq!(
        outcome(&run(&p, Some(1), &[tainted("NoExecute")], None)),
        "n=1"
    );
    assert_eq!(
        outcome(&run(&p, Some(1), &[tainted("NoSchedule")], None)),
        "error: 0/1 clusters are available: 1 cluster(s) had untolerated taint {cluster.karmada.io/not-ready:NoSchedule}"
    );
    let t = p
        .cluster_tolerations
        .iter()
        .find(|t| t.key.as_deref() == Some("cluster.karmada.io/unreachable"))
        .expect("default unreachable toleration");
    assert_eq!(t.toleration_seconds, Some(300));
}

#[test]
fn spread_fields_must_be_present() {
    let clusters = vec![
        mk_cluster(
            "full",
            json!({"team": "a"}),
            json!({"provider": "aws", "region": "eu", "zones": ["eu-1"]}),
            Value::Null,
        ),
        mk_cluster("bare", json!({}), json!({}), Value::Null),
        mk_cluster("old-zone", json!({}), json!({"zone": "eu-2"}), Value::Null),
    ];
    let spread = |c: Value| {
        mk_placement(
            json!({"spreadConstraints": [{"spreadByField": "cluster", "maxGroups": 5}, c]}),
        )
    };
    let cases: &[(&str, Value, &str, &str)] = &[
        (
            "region",
            json!({"spreadByField": "region", "maxGroups": 5}),
            "full=1",
            "has no region, which a spread constraint groups by",
        ),
        (
            "provider",
            json!({"spreadByField": "provider"}),
            "full=1",
            "has no provider, which a spread constraint groups by",
        ),
        (
            "zone (the deprecated field counts)",
            json!({"spreadByField": "zone", "minGroups": 2}),
            "full=1 old-zone=1",
            "has no zones, which a spread constraint groups by",
        ),
        (
            "label",
            json!({"spreadByLabel": "team"}),
            "full=1",
            "has no label team, which a spread constraint groups by",
        ),
    ];
    for (name, c, want, why) in cases {
        let d = run(&spread(c.clone()), Some(1), &clusters, None);
        assert_eq!(outcome(&d), *want, "case {name}");
        let d = d.expect("decision");
        assert_eq!(
            d.reasons["bare"],
            format!("filtered out: {why}"),
            "case {name}"
        );
    }
}

#[test]
fn clusters_being_evicted_from_are_not_chosen() {
    let p = mk_placement(json!({"replicaScheduling": {}}));
    let evicting = vec!["a".to_string()];
    let prev = tc(&[("a", 2), ("b", 2)]);
    let d = run_with(
        &p,
        Some(4),
        &fleet(),
        &Case {
            previous: Some(&prev),
            evicting: &evicting,
            ..Case::default()
        },
    )
    .expect("decision");
    assert_eq!(outcome(&Ok(d.clone())), "b=2 c=2");
    assert_eq!(
        d.reasons["a"],
        "filtered out: the workload is being evicted from it"
    );
    let all = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    assert_eq!(
        outcome(&run_with(
            &p,
            Some(4),
            &fleet(),
            &Case {
                evicting: &all,
                ..Case::default()
            }
        )),
        "error: 0/3 clusters are available: 3 cluster(s) is in the process of eviction"
    );
}

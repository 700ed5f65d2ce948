//! Replica division, one table per mode: Duplicated, static weights,
//! dynamic weights and Aggregated (fresh, scale up, scale down, unchanged,
//! not enough room), and the errors.

use super::*;

#[test]
fn duplicated_and_divided() {
    let clusters = fleet();
    let cases: &[(&str, Value, Option<i32>, &str)] = &[
        (
            "no replicaScheduling is Duplicated",
            json!({}),
            Some(4),
            "a=4 b=4 c=4",
        ),
        (
            "Duplicated without replicas gives 0",
            json!({"replicaScheduling": {"replicaSchedulingType": "Duplicated"}}),
            None,
            "a=0 b=0 c=0",
        ),
        (
            "Divided default: weight 1 each, remainder in rank order",
            json!({"replicaScheduling": {}}),
            Some(7),
            "a=3 b=2 c=2",
        ),
        (
            "Divided 0 replicas lists every cluster",
            json!({"replicaScheduling": {}}),
            Some(0),
            "a=0 b=0 c=0",
        ),
        (
            "Divided without replicas lists every cluster",
            json!({"replicaScheduling": {}}),
            None,
            "a=0 b=0 c=0",
        ),
        (
            "Divided fewer replicas than clusters drops zeros",
            json!({"replicaScheduling": {}}),
            Some(2),
            "a=1 b=1",
        ),
        (
            "static 1:2 of 9",
            json!({"replicaScheduling": {"weightPreference": {"staticWeightList": [
            {"targetCluster": {"clusterNames": ["a"]}, "weight": 1}, {"targetCluster": {"clusterNames": ["b"]}, "weight": 2}]}}}),
            Some(9),
            "a=3 b=6",
        ),
        (
            "static 1:3 of 9 (Karmada's doc: 2:7)",
            json!({"replicaScheduling": {"weightPreference": {"staticWeightList": [
            {"targetCluster": {"clusterNames": ["a"]}, "weight": 1}, {"targetCluster": {"clusterNames": ["b"]}, "weight": 3}]}}}),
            Some(9),
            "a=2 b=7",
        ),
        (
            "max weight among matching entries",
            json!({"replicaScheduling": {"weightPreference": {"staticWeightList": [
            {"targetCluster": {"labelSelector": {"matchLabels": {"env": "prod"}}}, "weight": 1},
            {"targetCluster": {"clusterNames": ["b"]}, "weight": 3}]}}}),
            Some(8),
            "a=2 b=6",
        ),
        (
            "no matching entry: all weigh 1",
            json!({"replicaScheduling": {"weightPreference": {"staticWeightList": [
            {"targetCluster": {"clusterNames": ["zz"]}, "weight": 5}]}}}),
            Some(3),
            "a=1 b=1 c=1",
        ),
        (
            "empty weight preference: all weigh 1",
            json!({"replicaScheduling": {"weightPreference": {}}}),
            Some(4),
            "a=2 b=1 c=1",
        ),
    ];
    for (name, placement, replicas, want) in cases {
        let p = mk_placement(placement.clone());
        assert_eq!(
            outcome(&run(&p, *replicas, &clusters, None)),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn previous_replicas_break_weight_ties() {
    let p = mk_placement(json!({"replicaScheduling": {}}));
    // 7 over 3: the remainder goes to the clusters with most previous replicas.
    let prev = tc(&[("c", 5), ("b", 2)]);
    assert_eq!(
        outcome(&run(&p, Some(7), &fleet(), Some(&prev))),
        "a=2 b=2 c=3"
    );
}

#[test]
fn reasons_explain_every_cluster() {
    let p = mk_placement(
        json!({"clusterAffinity": {"exclude": ["c"]}, "replicaScheduling": {"weightPreference": {"staticWeightList": [
        {"targetCluster": {"clusterNames": ["a"]}, "weight": 1}]}}}),
    );
    let d = run(&p, Some(3), &fleet(), None).expect("decision");
    assert_eq!(d.reasons["a"], "selected: 3 replica(s) (weight 1 of 1)");
    assert!(
        d.reasons["b"].starts_with("passed the filters but got no replicas"),
        "{}",
        d.reasons["b"]
    );
    assert_eq!(
        d.reasons["c"],
        "filtered out: does not match the placement's cluster affinity"
    );
    // A template without replicas (a ConfigMap) is selected, not given 0.
    let dup = mk_placement(json!({"clusterAffinity": {"exclude": ["c"]}}));
    let d = run(&dup, None, &fleet(), None).expect("decision");
    assert_eq!(d.reasons["a"], "selected");
    assert_eq!(outcome(&Ok(d)), "a=0 b=0");
    let d = run(&dup, Some(0), &fleet(), None).expect("decision");
    assert_eq!(d.reasons["a"], "selected: 0 replica(s)");
}

/// Clusters with room for 10, 5 and 3 replicas.
fn rooms() -> Vec<Cluster> {
    vec![roomy("a", 10), roomy("b", 5), roomy("c", 3)]
}

#[test]
fn dynamic_weights() {
    let p = mk_placement(
        json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}),
    );
    let cases: &[(&str, i32, Option<Vec<TargetCluster>>, &str)] = &[
        ("fresh: by room 10:5:3, the remainder by room, not by fraction", 9, None, "a=6 b=2 c=1"),
        ("fresh: remainder to the roomiest", 7, None, "a=4 b=2 c=1"),
        ("fresh: all the room", 18, None, "a=10 b=5 c=3"),
        (
            "not enough room",
            19,
            None,
            "error: failed to assign replicas: not enough room: 19 replicas to place, the selected clusters have room for 18 (1 short); a: room for 10 more (10 free pod(s)); b: room for 5 more (5 free pod(s)); c: room for 3 more (3 free pod(s))",
        ),
        ("unchanged total keeps the previous decision", 4, Some(tc(&[("c", 4)])), "c=4"),
        (
            "not enough room besides what runs",
            22,
            Some(tc(&[("c", 2)])),
            "error: failed to assign replicas: not enough room: 20 replicas to place besides the 2 running, the selected clusters have room for 18 (2 short); c: room for 3 more (3 free pod(s)); a: room for 10 more (10 free pod(s)); b: room for 5 more (5 free pod(s))",
        ),
        // Only the 6 new replicas are divided, by room; c keeps its 2.
        ("scale up keeps what runs", 8, Some(tc(&[("c", 2)])), "a=4 b=1 c=3"),
        // Weighted by the previous 6:3 → 3:1 (remainder to the larger).
        ("scale down in proportion", 4, Some(tc(&[("a", 6), ("b", 3)])), "a=3 b=1"),
        // A previous cluster that no longer passes the filters is dropped;
        // its replicas count as new ones.
        ("previous cluster gone", 6, Some(tc(&[("gone", 4), ("b", 2)])), "a=3 b=3"),
    ];
    for (name, replicas, prev, want) in cases {
        assert_eq!(
            outcome(&run(&p, Some(*replicas), &rooms(), prev.as_deref())),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn aggregated() {
    let p = mk_placement(json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}));
    let cases: &[(&str, i32, Option<Vec<TargetCluster>>, &str)] = &[
        ("fits in the roomiest", 6, None, "a=6"),
        ("as few clusters as hold it, by room", 12, None, "a=8 b=4"),
        ("not enough room", 19, None, "error: failed to assign replicas: not enough room: 19 replicas to place, the selected clusters have room for 18 (1 short); a: room for 10 more (10 free pod(s)); b: room for 5 more (5 free pod(s)); c: room for 3 more (3 free pod(s))"),
        // Scale up fills the clusters already running replicas first.
        ("scale up where it runs", 5, Some(tc(&[("c", 2)])), "c=5"),
        ("scale up spills over, by room", 9, Some(tc(&[("c", 2)])), "a=6 c=3"),
        // Scale down keeps as few of the largest as hold the new total.
        ("scale down empties the small ones", 6, Some(tc(&[("a", 8), ("b", 4)])), "a=6"),
        ("scale down over two", 9, Some(tc(&[("a", 8), ("b", 4)])), "a=6 b=3"),
    ];
    for (name, replicas, prev, want) in cases {
        assert_eq!(
            outcome(&run(&p, Some(*replicas), &rooms(), prev.as_deref())),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn room_comes_from_requests() {
    let summary = |cpu: &str| json!({"resourceSummary": {"allocatable": {"cpu": cpu, "memory": "64Gi", "pods": "100"}, "allocated": {"cpu": "1"}}});
    let clusters = vec![
        mk_cluster("big", json!({}), json!({}), summary("9")),
        mk_cluster("small", json!({}), json!({}), summary("3")),
        mk_cluster("unknown", json!({}), json!({}), Value::Null),
    ];
    let requests = ReplicaRequests::from_amounts([("cpu".to_string(), 500)]);
    let p = mk_placement(
        json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}),
    );
    let d = run_with(
        &p,
        Some(10),
        &clusters,
        &Case {
            requests: Some(&requests),
            ..Case::default()
        },
    )
    .expect("decision");
    // Room 16 and 4: 10 × 16/20 = 8, 10 × 4/20 = 2.
    assert_eq!(outcome(&Ok(d.clone())), "big=8 small=2");
    assert_eq!(
        d.reasons["small"],
        "selected: 2 replica(s) (room for 4 more (cpu: 2 free ÷ 500m per replica); 2 as its share by room)"
    );
    assert_eq!(
        d.reasons["unknown"],
        "passed the filters but got no replicas (room for 0 more (the cluster reports no resourceSummary))"
    );
}

#[test]
#[allow(clippy::type_complexity)] // a table of tuples reads best here
fn errors() {
    let cases: &[(&str, Value, Option<i32>, Vec<Cluster>, &str)] = &[
        ("negative replicas", json!({}), Some(-1), fleet(), "error: the template has negative replicas (-1)"),
        ("no clusters", json!({}), Some(1), vec![], "error: no clusters are defined"),
        ("dynamic weights without capacity", json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}), Some(3), vec![plain("a")],
            "error: failed to assign replicas: not enough room: 3 replicas to place, the selected clusters have room for 0 (3 short); a: room for 0 more (the cluster reports no resourceSummary)"),
        // With no replicas to divide, the division mode does not matter (Karmada's "not a workload" branch).
        ("aggregated, 0 replicas", json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}), Some(0), fleet(), "a=0 b=0 c=0"),
        ("dynamic, no replicas", json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}), None, fleet(), "a=0 b=0 c=0"),
    ];
    for (name, placement, replicas, clusters, want) in cases {
        let p = mk_placement(placement.clone());
        assert_eq!(
            outcome(&run(&p, *replicas, clusters, None)),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn static_weight_remainders_are_explained() {
    // The surprise users report: weights 2:1 over 2 replicas give 2:0.
    let p = mk_placement(
        json!({"replicaScheduling": {"weightPreference": {"staticWeightList": [
        {"targetCluster": {"clusterNames": ["a"]}, "weight": 2},
        {"targetCluster": {"clusterNames": ["b"]}, "weight": 1}]}}}),
    );
    let d = run(&p, Some(2), &fleet(), None).expect("decision");
    assert_eq!(outcome(&Ok(d.clone())), "a=2");
    assert_eq!(
        d.reasons["a"],
        "selected: 2 replica(s) (weight 2 of 3: 2 × 2/3 rounds down to 1, +1 of the 1 left over)"
    );
    assert_eq!(
        d.reasons["b"],
        "passed the filters but got no replicas (weight 1 of 3: 2 × 1/3 rounds down to 0; the 1 left over went to clusters ahead of it (more weight, then more replicas before, then rank))"
    );
    assert_eq!(
        d.reasons["c"],
        "passed the filters but got no replicas (no staticWeightList entry matches it (weight 0))"
    );
}

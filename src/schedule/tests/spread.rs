//! Spread constraints: by cluster and by region exactly as Karmada, and
//! flotilla's zone, provider and label groups.

use super::*;

/// eu: e1 (room 10), e2 (2); us: u1 (6), u2 (5); ap: a1 (1).
fn regions() -> Vec<Cluster> {
    let c = |name: &str, region: &str, zone: &str, room: i64| {
        with_spec(
            name,
            json!({"region": region, "zones": [zone], "provider": "p"}),
            room,
        )
    };
    vec![
        c("e1", "eu", "eu-a", 10),
        c("e2", "eu", "eu-b", 2),
        c("u1", "us", "us-a", 6),
        c("u2", "us", "us-a", 5),
        c("a1", "ap", "ap-a", 1),
    ]
}

fn placement(scheduling: Value, spread: Value) -> Placement {
    let mut v = json!({"spreadConstraints": spread});
    if !scheduling.is_null() {
        v["replicaScheduling"] = scheduling;
    }
    mk_placement(v)
}

fn aggregated() -> Value {
    json!({"replicaDivisionPreference": "Aggregated"})
}

fn dynamic() -> Value {
    json!({"weightPreference": {"dynamicWeight": "AvailableReplicas"}})
}

fn duplicated() -> Value {
    json!({"replicaSchedulingType": "Duplicated"})
}

#[test]
fn by_cluster() {
    #[allow(clippy::type_complexity)] // a table of tuples reads best here
    let cases: &[(&str, Value, Value, i32, Option<Vec<TargetCluster>>, &str)] = &[
        ("Duplicated: the first maxGroups by rank", duplicated(), json!([{"maxGroups": 2}]), 12, None, "e1=12 u1=12"),
        ("Aggregated within the chosen two", aggregated(), json!([{"maxGroups": 2}]), 12, None, "e1=8 u1=4"),
        ("not enough room in maxGroups clusters", aggregated(), json!([{"maxGroups": 1}]), 12, None,
            "error: failed to select clusters: no enough resource when selecting 1 clusters"),
        // a1 ran a replica (locality ranks it first) but lacks room: it is
        // swapped for the cluster with most room left.
        ("swap for room", dynamic(), json!([{"maxGroups": 2}]), 14, Some(tc(&[("a1", 1)])), "e1=9 u1=5"),
        ("too few clusters for minGroups", dynamic(), json!([{"minGroups": 6, "maxGroups": 6}]), 1, None,
            "error: failed to select clusters: the number of feasible clusters is less than spreadConstraint.MinGroups"),
        ("maxGroups 0 selects nothing (Karmada)", dynamic(), json!([{"minGroups": 1}]), 1, None,
            "error: failed to select clusters: no enough resource when selecting 0 clusters"),
        ("maxGroups 0, Duplicated", duplicated(), json!([{"minGroups": 1}]), 1, None, "error: no clusters available to schedule"),
        ("static weights ignore spread constraints",
            json!({"weightPreference": {"staticWeightList": [{"targetCluster": {"clusterNames": ["e2", "a1"]}, "weight": 1}]}}),
            json!([{"maxGroups": 1}]), 4, None, "a1=2 e2=2"),
    ];
    for (name, scheduling, spread, replicas, prev, want) in cases {
        let p = placement(scheduling.clone(), spread.clone());
        assert_eq!(
            outcome(&run(&p, Some(*replicas), &regions(), prev.as_deref())),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn by_region() {
    #[allow(clippy::type_complexity)]
    let cases: &[(&str, Value, Value, i32, &str)] = &[
        // Regions eu and us score 6000 (each holds a half plus one), ap 1000;
        // their best clusters, then the best of the rest up to 3 clusters.
        ("two regions, three clusters", dynamic(),
            json!([{"spreadByField": "cluster", "minGroups": 2, "maxGroups": 3}, {"spreadByField": "region", "minGroups": 2, "maxGroups": 2}]),
            10, "e1=5 u1=3 u2=2"),
        ("too few regions", dynamic(),
            json!([{"spreadByField": "cluster", "minGroups": 2, "maxGroups": 3}, {"spreadByField": "region", "minGroups": 4, "maxGroups": 4}]),
            10, "error: failed to select clusters: the number of feasible region is less than spreadConstraint.MinGroups"),
        ("region maxGroups 0 selects nothing (Karmada)", dynamic(),
            json!([{"spreadByField": "cluster", "minGroups": 2, "maxGroups": 3}, {"spreadByField": "region", "minGroups": 1}]),
            10, "error: failed to select clusters: the number of clusters is less than the cluster spreadConstraint.MinGroups"),
        // Karmada divides by zero here (no cluster of us or ap holds all 8)
        // and panics; flotilla scores such a region 0.
        ("Duplicated, a region without a cluster that fits all", duplicated(),
            json!([{"spreadByField": "cluster", "minGroups": 1, "maxGroups": 2}, {"spreadByField": "region", "minGroups": 1, "maxGroups": 1}]),
            8, "e1=8 e2=8"),
        ("region wins over zone (as in Karmada)", duplicated(),
            json!([{"spreadByField": "cluster", "minGroups": 1, "maxGroups": 2}, {"spreadByField": "zone", "minGroups": 1, "maxGroups": 1},
                   {"spreadByField": "region", "minGroups": 1, "maxGroups": 1}]),
            8, "e1=8 e2=8"),
    ];
    for (name, scheduling, spread, replicas, want) in cases {
        let p = placement(scheduling.clone(), spread.clone());
        assert_eq!(
            outcome(&run(&p, Some(*replicas), &regions(), None)),
            *want,
            "case {name}"
        );
    }
}

#[test]
fn beyond_karmada_zone_provider_label() {
    // Labels: one cluster per team without a cluster constraint; a cluster
    // without the label is filtered out.
    let teams = vec![
        mk_cluster("t1", json!({"team": "x"}), json!({}), Value::Null),
        mk_cluster("t2", json!({"team": "x"}), json!({}), Value::Null),
        mk_cluster("t3", json!({"team": "y"}), json!({}), Value::Null),
        mk_cluster("t4", json!({}), json!({}), Value::Null),
    ];
    let p = placement(
        duplicated(),
        json!([{"spreadByLabel": "team", "minGroups": 2}]),
    );
    let d = run(&p, Some(3), &teams, None).expect("decision");
    assert_eq!(outcome(&Ok(d.clone())), "t1=3 t3=3");
    assert_eq!(
        d.reasons["t1"],
        "selected: 3 replica(s) (spread by label team: the best cluster of label team x)"
    );
    assert_eq!(
        d.reasons["t2"],
        "not selected: its label team has enough clusters chosen (cluster maxGroups 0)"
    );

    // Providers: one per provider, up to the cluster maxGroups.
    let p = placement(
        duplicated(),
        json!([{"spreadByField": "cluster", "maxGroups": 2}, {"spreadByField": "provider", "minGroups": 2}]),
    );
    assert_eq!(outcome(&run(&p, Some(2), &fleet(), None)), "a=2 b=2");

    // Zones: a multi-zone cluster covers each of its zones; c has no zone.
    let p = placement(
        duplicated(),
        json!([{"spreadByField": "cluster", "maxGroups": 3}, {"spreadByField": "zone", "minGroups": 3}]),
    );
    let d = run(&p, Some(1), &fleet(), None).expect("decision");
    assert_eq!(outcome(&Ok(d.clone())), "a=1 b=1");
    assert_eq!(
        d.reasons["c"],
        "filtered out: has no zones, which a spread constraint groups by"
    );
    // Too few zones.
    let p = placement(
        duplicated(),
        json!([{"spreadByField": "cluster", "maxGroups": 3}, {"spreadByField": "zone", "minGroups": 4}]),
    );
    assert_eq!(
        outcome(&run(&p, Some(1), &fleet(), None)),
        "error: failed to select clusters: the number of feasible zone is less than spreadConstraint.MinGroups"
    );
}

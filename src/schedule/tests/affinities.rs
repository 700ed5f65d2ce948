//! `clusterAffinities`: ordered groups with fallback, the term that was
//! used, and starting from the term the previous decision used.

use super::*;

fn groups() -> Placement {
    mk_placement(json!({"clusterAffinities": [
        {"affinityName": "primary", "clusterNames": ["zz"]},
        {"affinityName": "backup", "labelSelector": {"matchLabels": {"env": "prod"}}},
        {"affinityName": "last", "clusterNames": ["c"]}]}))
}

#[test]
fn fall_back_in_order() {
    let d = run(&groups(), Some(2), &fleet(), None).expect("decision");
    assert_eq!(d.affinity_name.as_deref(), Some("backup"));
    // The skipped group says why it could not be used.
    assert_eq!(
        d.notes,
        ["cluster affinity group `primary` skipped: 0/3 clusters are available: 3 cluster(s) did not match the placement cluster affinity constraint"]
    );
    assert_eq!(
        d.reasons["c"],
        "filtered out: does not match the placement's cluster affinity"
    );
    assert_eq!(outcome(&Ok(d)), "a=2 b=2");

    let p = mk_placement(json!({"clusterAffinities": [
        {"affinityName": "one", "clusterNames": ["zz"]}, {"affinityName": "two", "clusterNames": ["yy"]}]}));
    let err = run(&p, Some(2), &fleet(), None).expect_err("no group fits");
    assert_eq!(
        err.to_string(),
        "no cluster affinity group could be scheduled (tried one, two): 0/3 clusters are available: 3 cluster(s) did not match the placement cluster affinity constraint"
    );
}

#[test]
fn a_group_without_room_falls_back() {
    // The first group's clusters have no room for Aggregated replicas.
    let clusters = vec![roomy("small", 1), roomy("large", 10)];
    let p = mk_placement(json!({
        "replicaScheduling": {"replicaDivisionPreference": "Aggregated"},
        "clusterAffinities": [
            {"affinityName": "cheap", "clusterNames": ["small"]},
            {"affinityName": "big", "clusterNames": ["large"]}]}));
    let d = run(&p, Some(4), &clusters, None).expect("decision");
    assert_eq!(d.affinity_name.as_deref(), Some("big"));
    assert_eq!(outcome(&Ok(d.clone())), "large=4");
    assert!(
        d.notes[0].starts_with(
            "cluster affinity group `cheap` skipped: failed to assign replicas: not enough room"
        ),
        "{:?}",
        d.notes
    );
}

#[test]
fn start_from_the_group_used_before() {
    // Karmada keeps a workload in the group it fell back to, even when an
    // earlier group could take it again: no flapping.
    let prev = tc(&[("c", 2)]);
    let d = run_with(
        &groups(),
        Some(2),
        &fleet(),
        &Case {
            previous: Some(&prev),
            previous_affinity: Some("last"),
            ..Case::default()
        },
    )
    .expect("decision");
    assert_eq!(d.affinity_name.as_deref(), Some("last"));
    assert_eq!(outcome(&Ok(d.clone())), "c=2");
    assert_eq!(
        d.notes,
        ["started from cluster affinity group `last`, which the previous decision used"]
    );
    // A name no longer in the policy starts from the first group.
    let d = run_with(
        &groups(),
        Some(2),
        &fleet(),
        &Case {
            previous_affinity: Some("renamed"),
            ..Case::default()
        },
    )
    .expect("decision");
    assert_eq!(d.affinity_name.as_deref(), Some("backup"));
}

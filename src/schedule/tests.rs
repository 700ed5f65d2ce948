//! Table and property tests of the scheduler: one table per filter and per
//! assignment mode, then proptest invariants (sums, weight ratios,
//! determinism, independence from the cluster order).

use super::*;
use crate::model::defaults::default_placement;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A cluster from a compact JSON description (name, labels, spec, status).
fn mk_cluster(name: &str, labels: Value, spec: Value, status: Value) -> Cluster {
    let mut v = json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
        "metadata": {"name": name, "labels": labels}, "spec": spec});
    if !status.is_null() {
        v["status"] = status;
    }
    serde_json::from_value(v).expect("test cluster")
}

fn plain(name: &str) -> Cluster {
    mk_cluster(name, json!({}), json!({}), Value::Null)
}

/// A defaulted placement from JSON.
fn mk_placement(v: Value) -> Placement {
    let mut p: Placement = serde_json::from_value(v).expect("test placement");
    default_placement(&mut p);
    p
}

fn run(
    placement: &Placement,
    replicas: Option<i32>,
    clusters: &[Cluster],
    previous: Option<&[TargetCluster]>,
) -> Result<Decision, ScheduleError> {
    let views: Vec<ClusterView<'_>> = clusters
        .iter()
        .map(|cluster| ClusterView { cluster })
        .collect();
    schedule(&ScheduleInput {
        placement,
        api_version: "apps/v1",
        kind: "Deployment",
        replicas,
        clusters: &views,
        previous,
    })
}

/// The decision as `name=replicas` pairs, or the error text.
fn outcome(r: &Result<Decision, ScheduleError>) -> String {
    match r {
        Ok(d) => d
            .clusters
            .iter()
            .map(|t| format!("{}={}", t.name, t.replicas))
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("error: {e}"),
    }
}

fn tc(pairs: &[(&str, i32)]) -> Vec<TargetCluster> {
    pairs
        .iter()
        .map(|(n, r)| TargetCluster {
            name: n.to_string(),
            replicas: *r,
        })
        .collect()
}

fn fleet() -> Vec<Cluster> {
    vec![
        mk_cluster(
            "a",
            json!({"env": "prod"}),
            json!({"provider": "aws", "region": "eu", "zones": ["eu-1"]}),
            Value::Null,
        ),
        mk_cluster(
            "b",
            json!({"env": "prod"}),
            json!({"provider": "gcp", "region": "us", "zones": ["us-1", "us-2"]}),
            Value::Null,
        ),
        mk_cluster(
            "c",
            json!({"env": "dev"}),
            json!({"provider": "aws", "region": "us"}),
            Value::Null,
        ),
    ]
}

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
            "Divided default: weight 1 each, remainder by name",
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
fn cluster_affinities_fall_back_in_order() {
    let p = mk_placement(json!({"clusterAffinities": [
        {"affinityName": "primary", "clusterNames": ["zz"]},
        {"affinityName": "backup", "labelSelector": {"matchLabels": {"env": "prod"}}},
        {"affinityName": "last", "clusterNames": ["c"]}]}));
    let d = run(&p, Some(2), &fleet(), None).expect("decision");
    assert_eq!(d.affinity_name.as_deref(), Some("backup"));
    // The skipped group says why it could not be used.
    assert_eq!(
        d.reasons.get("(affinity group primary)").map(String::as_str),
        Some("skipped: 0/3 clusters are available: 3 cluster(s) did not match the placement cluster affinity constraint")
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
#[allow(clippy::type_complexity)] // a table of tuples reads best here
fn errors() {
    let cases: &[(&str, Value, Option<i32>, Vec<Cluster>, &str)] = &[
        ("negative replicas", json!({}), Some(-1), fleet(), "error: the template has negative replicas (-1)"),
        ("no clusters", json!({}), Some(1), vec![], "error: no clusters are defined"),
        ("dynamic weight", json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}), Some(3), fleet(),
            "error: `dynamicWeight: AvailableReplicas` (it needs capacity estimation) is not supported by the scheduler yet"),
        ("aggregated", json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}), Some(3), fleet(),
            "error: `replicaDivisionPreference: Aggregated` (it needs capacity estimation) is not supported by the scheduler yet"),
        ("spread", json!({"spreadConstraints": [{"maxGroups": 2}]}), Some(3), fleet(), "error: `spreadConstraints` is not supported by the scheduler yet"),
        // With no replicas to divide, the division mode does not matter (Karmada's "not a workload" branch).
        ("aggregated, 0 replicas", json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}), Some(0), fleet(), "a=0 b=0 c=0"),
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

/// Clusters `c0..cn` with static weights (0 = no entry) and a placement.
fn weighted_case(weights: &[i64]) -> (Vec<Cluster>, Placement) {
    let clusters: Vec<Cluster> = (0..weights.len())
        .map(|i| plain(&format!("c{i}")))
        .collect();
    let list: Vec<Value> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .map(|(i, w)| json!({"targetCluster": {"clusterNames": [format!("c{i}")]}, "weight": w}))
        .collect();
    let p = mk_placement(
        json!({"replicaScheduling": {"weightPreference": {"staticWeightList": list}}}),
    );
    (clusters, p)
}

proptest! {
    #[test]
    fn divided_sums_and_respects_weights(
        weights in proptest::collection::vec(0i64..6, 1..8),
        replicas in 0i32..300,
        previous in proptest::collection::vec(0i32..20, 0..8),
    ) {
        let (clusters, p) = weighted_case(&weights);
        let prev: Vec<TargetCluster> = previous.iter().enumerate().map(|(i, r)| TargetCluster { name: format!("c{i}"), replicas: *r }).collect();
        let d = run(&p, Some(replicas), &clusters, Some(&prev)).expect("schedulable");
        let sum: i32 = d.clusters.iter().map(|t| t.replicas).sum();
        prop_assert_eq!(sum, replicas);
        // Karmada gives everyone weight 1 when no weight is positive.
        let effective: Vec<i64> = if weights.iter().all(|w| *w == 0) { vec![1; weights.len()] } else { weights.clone() };
        let total: i64 = effective.iter().sum();
        for (i, w) in effective.iter().enumerate() {
            let got = d.clusters.iter().find(|t| t.name == format!("c{i}")).map_or(0, |t| t.replicas);
            // |got - w·r/total| ≤ 1, in integers. Not < 1: like Karmada, the
            // remainder goes to the heaviest clusters first, not to the largest
            // fractional parts, so a cluster whose share is exact may get one more.
            let exact_times_total = i64::from(replicas) * w;
            prop_assert!((i64::from(got) * total - exact_times_total).abs() <= total, "c{i}: got {got}, weight {w}/{total} of {replicas}");
            // And never below its floor share.
            prop_assert!(i64::from(got) * total >= exact_times_total - (exact_times_total % total), "c{i} below its floor");
        }
    }

    #[test]
    fn same_input_same_output_in_any_order(
        weights in proptest::collection::vec(0i64..4, 1..8),
        replicas in 0i32..100,
        rotate in 0usize..8,
    ) {
        let (clusters, p) = weighted_case(&weights);
        let first = run(&p, Some(replicas), &clusters, None).expect("schedulable");
        prop_assert_eq!(&run(&p, Some(replicas), &clusters, None).expect("schedulable"), &first);
        let mut shuffled = clusters.clone();
        shuffled.rotate_left(rotate % clusters.len());
        shuffled.reverse();
        prop_assert_eq!(&run(&p, Some(replicas), &shuffled, None).expect("schedulable"), &first);
        let names: Vec<&str> = first.clusters.iter().map(|t| t.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        prop_assert_eq!(names, sorted);
    }
}

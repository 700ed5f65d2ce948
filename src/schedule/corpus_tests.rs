//! Karmada compatibility: runs the cases of `fixtures/karmada/schedule.json`
//! (real Karmada v1.14 scheduler outputs, see its README) through
//! [`schedule`] and compares with Karmada's result.
//!
//! Scored categories must all pass: a case passes when the decision equals
//! `expected` (or one of `possible` when Karmada was nondeterministic), and
//! where Karmada failed, flotilla must fail too. A case that needs a feature
//! this scheduler does not implement yet (dynamic weights, Aggregated, spread
//! constraints) is counted as unsupported, not failed.

use super::*;
use crate::model::defaults::{default_placement, template_replicas};
use crate::model::kinds::propagation::PropagationPolicy;
use serde_json::Value;

/// The categories the first-cut scheduler covers. Every case of them must
/// match Karmada, except those needing a feature of a later issue (counted
/// as unsupported). The remaining categories (weighted-dynamic, aggregated,
/// spread, capacity) are the later issue's.
const SCORED: &[&str] = &[
    "duplicated",
    "weighted-static",
    "divided-default",
    "affinity",
    "taints",
    "affinities",
    "previous-same",
    "previous-ghost",
    "previous-up",
    "previous-down",
];

#[derive(Default, Debug)]
struct Tally {
    pass: usize,
    unsupported: usize,
    fail: Vec<String>,
}

fn expected_clusters(v: &Value) -> Option<Vec<TargetCluster>> {
    v.get("clusters")
        .map(|c| serde_json::from_value(c.clone()).expect("expected clusters"))
}

/// Whether `got` is the outcome `want` describes.
fn matches(got: &Result<Decision, ScheduleError>, want: &Value) -> bool {
    match (got, expected_clusters(want)) {
        (Ok(d), Some(clusters)) => {
            d.clusters == clusters
                && want
                    .get("affinityName")
                    .and_then(Value::as_str)
                    .is_none_or(|name| d.affinity_name.as_deref() == Some(name))
        }
        (Err(_), None) => want.get("error").is_some(),
        _ => false,
    }
}

fn run_case(case: &Value) -> Result<Decision, ScheduleError> {
    let clusters: Vec<Cluster> = serde_json::from_value(case["clusters"].clone())
        .unwrap_or_else(|e| panic!("{}: clusters: {e}", case["id"]));
    let policy: PropagationPolicy = serde_json::from_value(case["policy"].clone())
        .unwrap_or_else(|e| panic!("{}: policy: {e}", case["id"]));
    let mut placement = policy.spec.placement.clone();
    default_placement(&mut placement);
    let template = &case["template"];
    let api_version = template["apiVersion"].as_str().expect("apiVersion");
    let kind = template["kind"].as_str().expect("kind");
    let previous: Option<Vec<TargetCluster>> = serde_json::from_value(case["previous"].clone())
        .unwrap_or_else(|e| panic!("{}: previous: {e}", case["id"]));
    let views: Vec<ClusterView<'_>> = clusters
        .iter()
        .map(|cluster| ClusterView { cluster })
        .collect();
    schedule(&ScheduleInput {
        placement: &placement,
        api_version,
        kind,
        replicas: template_replicas(kind, template),
        clusters: &views,
        previous: previous.as_deref(),
    })
}

#[test]
fn karmada_schedule_corpus() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/karmada/schedule.json"
    );
    let text = std::fs::read_to_string(path).expect("read fixtures/karmada/schedule.json");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("corpus JSON");
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for case in &cases {
        let category = case["category"].as_str().unwrap_or("");
        if !SCORED.contains(&category) {
            continue;
        }
        let id = case["id"].as_str().unwrap_or("?");
        let got = run_case(case);
        let tally = tallies.entry(category.to_string()).or_default();
        let possible = case.get("possible").and_then(Value::as_array);
        let ok = matches(&got, &case["expected"])
            || possible.is_some_and(|p| p.iter().any(|w| matches(&got, w)));
        if ok {
            tally.pass += 1;
        } else if matches!(got, Err(ScheduleError::Unsupported(_))) {
            tally.unsupported += 1;
        } else {
            let got = match &got {
                Ok(d) => {
                    serde_json::to_string(&(&d.clusters, &d.affinity_name)).unwrap_or_default()
                }
                Err(e) => format!("error: {e}"),
            };
            tally
                .fail
                .push(format!("{id}: got {got}, want {}", case["expected"]));
        }
    }
    println!("karmada schedule corpus (pass / unsupported / fail):");
    for (category, t) in &tallies {
        println!(
            "  {category:16} {:3} / {:3} / {:3}",
            t.pass,
            t.unsupported,
            t.fail.len()
        );
        for f in &t.fail {
            println!("    FAIL {f}");
        }
    }
    let failures: Vec<&String> = tallies.values().flat_map(|t| &t.fail).collect();
    assert!(
        failures.is_empty(),
        "{} scored case(s) differ from Karmada: {failures:#?}",
        failures.len()
    );
    for category in SCORED {
        assert!(
            tallies.get(*category).is_some_and(|t| t.pass > 0),
            "category {category} has no passing case"
        );
    }
}

//! Karmada compatibility: runs every case of `fixtures/karmada/schedule.json`
//! (real Karmada v1.14 scheduler outputs, see its README) through
//! [`schedule`] and compares with Karmada's result.
//!
//! Every category is scored. A case passes when the decision equals
//! `expected` (or one of `possible` when Karmada was nondeterministic), and
//! where Karmada failed, flotilla must fail too. The only exceptions are the
//! deliberate differences of `tests/support/karmada_allow.rs` (shared with
//! `tests/karmada_schedule.rs`, which runs the same cases through the
//! binary), and those must still be answered without a panic.

use super::*;
use crate::model::defaults::{default_placement, template_replicas};
use crate::model::kinds::propagation::PropagationPolicy;
use serde_json::Value;

#[path = "../../tests/support/karmada_allow.rs"]
mod allow;

#[derive(Default, Debug)]
struct Tally {
    pass: usize,
    allowed: usize,
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
    let requests = ReplicaRequests::from_template(kind, template)
        .unwrap_or_else(|e| panic!("{}: requests: {e}", case["id"]));
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
        requests: &requests,
        clusters: &views,
        previous: previous.as_deref(),
        previous_affinity: None,
        evicting: &[],
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
        let category = case["category"].as_str().unwrap_or("?");
        let id = case["id"].as_str().unwrap_or("?");
        // A panic here fails the test: allowed or not, a case must be answered.
        let got = run_case(case);
        let tally = tallies.entry(category.to_string()).or_default();
        let possible = case.get("possible").and_then(Value::as_array);
        let ok = matches(&got, &case["expected"])
            || possible.is_some_and(|p| p.iter().any(|w| matches(&got, w)));
        let answer = match &got {
            Ok(d) => serde_json::json!({"clusters": d.clusters, "reasons": d.reasons}),
            Err(e) => serde_json::json!({"error": e.to_string()}),
        };
        if ok {
            tally.pass += 1;
        } else if let Some(rule) = allow::allowed(case, &answer) {
            println!("  allowed {id}: {} ({})", rule.rule, rule.reason);
            tally.allowed += 1;
        } else {
            let got = match &got {
                Ok(d) => serde_json::to_string(&(&d.clusters, &d.affinity_name, &d.reasons))
                    .unwrap_or_default(),
                Err(e) => format!("error: {e}"),
            };
            tally
                .fail
                .push(format!("{id}: got {got}, want {}", case["expected"]));
        }
    }
    println!("karmada schedule corpus, in process (pass / allowed difference / fail):");
    for (category, t) in &tallies {
        println!(
            "  {category:16} {:3} / {:3} / {:3}",
            t.pass,
            t.allowed,
            t.fail.len()
        );
        for f in &t.fail {
            println!("    FAIL {f}");
        }
    }
    let failures: Vec<&String> = tallies.values().flat_map(|t| &t.fail).collect();
    assert!(
        failures.is_empty(),
        "{} case(s) differ from Karmada: {failures:#?}",
        failures.len()
    );
    // Every category of the corpus is present and scored.
    for t in tallies.values() {
        assert!(t.pass > 0, "a category has no passing case: {tallies:#?}");
    }
    assert_eq!(
        tallies.values().map(|t| t.pass + t.allowed).sum::<usize>(),
        cases.len()
    );
}

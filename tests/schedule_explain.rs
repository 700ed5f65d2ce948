//! `flotilla render --explain` through the binary, on a fleet with observed
//! state (`fixtures/schedule/explain`): one workload per division mode, a
//! spread constraint, cluster affinity groups and a shortfall, rendered
//! afresh and from a previous decision. The explanations are golden files;
//! the JSON output carries the same reasons and notes.

mod support;

use serde_json::Value;
use support::{flotilla, root, stderr, stdout};

fn render(extra: &[&str]) -> std::process::Output {
    let dir = root().join("fixtures/schedule/explain");
    let repo = dir.join("repo");
    let state = dir.join("state.yaml");
    let mut args = vec![
        "render",
        repo.to_str().unwrap(),
        "--cluster-state",
        state.to_str().unwrap(),
    ];
    let previous = dir.join("previous.json");
    let previous = previous.to_str().unwrap().to_string();
    if extra.contains(&"--previous") {
        args.push("--previous");
        args.push(&previous);
    }
    args.extend(extra.iter().filter(|a| **a != "--previous"));
    let out = flotilla(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    out
}

#[test]
fn explanations_are_golden() {
    insta::assert_snapshot!("explain-fresh", stdout(&render(&["--explain"])));
    insta::assert_snapshot!(
        "explain-from-previous",
        stdout(&render(&["--explain", "--previous"]))
    );
}

#[test]
fn json_carries_the_same_explanations() {
    let json: Value = serde_json::from_str(&stdout(&render(&["--format", "json"]))).unwrap();
    let placement = |name: &str| {
        json["placements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["resource"]["name"] == name)
            .cloned()
            .unwrap()
    };
    let web = placement("web");
    assert_eq!(
        web["reasons"]["eu-2"],
        "passed the filters but got no replicas (room for 2 more (cpu: 1 free ÷ 500m per replica))"
    );
    let ledger = placement("ledger");
    assert_eq!(ledger["affinityName"], "europe");
    assert!(ledger["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("cluster affinity group `asia` skipped"));
    let cache = placement("cache");
    assert!(cache["error"]
        .as_str()
        .unwrap()
        .contains("40 replicas to place, the selected clusters have room for 22 (18 short)"));
    assert_eq!(cache["clusters"], serde_json::json!([]));

    // From the previous decision: the shortfall keeps where cache ran.
    let json: Value =
        serde_json::from_str(&stdout(&render(&["--format", "json", "--previous"]))).unwrap();
    let cache = json["placements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["resource"]["name"] == "cache")
        .cloned()
        .unwrap();
    assert_eq!(
        cache["clusters"],
        serde_json::json!([{"name": "us-2", "replicas": 5}])
    );
    assert!(cache["error"]
        .as_str()
        .unwrap()
        .contains("besides the 5 running"));
}

//! Karmada compatibility, scheduling: every case of
//! `fixtures/karmada/schedule.json` (real Karmada v1.14 scheduler outputs)
//! becomes a repository — the Clusters (without status), the
//! PropagationPolicy as written, the Deployment — and goes through the real
//! `flotilla render --cluster-state <the complete Clusters> --previous
//! <a render JSON with the previous decision> --format json`, as a user
//! would run it.
//!
//! The workload's placement must equal Karmada's `expected` (or one of
//! `possible` where Karmada's output varied between runs); where Karmada
//! failed, the placement must carry an error. Every category is scored.
//! The deliberate differences are rules in `support/karmada_allow.rs`
//! (shared with the in-process corpus test), each documented in
//! docs/karmada-compatibility.md; a case they allow must still be rendered
//! cleanly (exit 0, no panic).
//!
//! The cases run on all cores, each in its own temporary directory.

#[path = "support/karmada_allow.rs"]
mod karmada_allow;
mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use support::{flotilla, root, stderr, stdout, write_files};

/// Writes the case's repository under `dir/repo` and its cluster state
/// (and previous render) next to it; returns the render arguments.
fn prepare(case: &Value, dir: &Path) -> Vec<String> {
    let repo = dir.join("repo");
    let mut files = Vec::new();
    for c in case["clusters"].as_array().expect("clusters") {
        let mut in_git = c.clone();
        // Status is observed, not written in Git: it comes with --cluster-state.
        in_git
            .as_object_mut()
            .expect("cluster object")
            .remove("status");
        let name = c["metadata"]["name"].as_str().expect("cluster name");
        files.push((format!("clusters/{name}.yaml"), in_git.to_string()));
    }
    files.push((
        "policies/policy.yaml".to_string(),
        case["policy"].to_string(),
    ));
    files.push(("apps/web.yaml".to_string(), case["template"].to_string()));
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    write_files(&repo, &files);

    let state = json!({"apiVersion": "v1", "kind": "List", "items": case["clusters"]});
    let state_path = dir.join("state.yaml");
    std::fs::write(&state_path, state.to_string()).expect("write state");
    let mut args = vec![
        "render".to_string(),
        repo.display().to_string(),
        "--cluster-state".to_string(),
        state_path.display().to_string(),
        "--format".to_string(),
        "json".to_string(),
    ];
    if let Some(previous) = case["previous"].as_array() {
        let t = &case["template"];
        let render = json!({"placements": [{
            "resource": {"apiVersion": t["apiVersion"], "kind": t["kind"],
                "namespace": t["metadata"]["namespace"], "name": t["metadata"]["name"]},
            "clusters": previous,
        }]});
        let prev_path = dir.join("previous.json");
        std::fs::write(&prev_path, render.to_string()).expect("write previous");
        args.push("--previous".to_string());
        args.push(prev_path.display().to_string());
    }
    args
}

/// The outcome of one case.
enum Outcome {
    Pass,
    Allowed(&'static str),
    Fail(String),
}

fn check(case: &Value) -> Outcome {
    let id = case["id"].as_str().unwrap_or("?");
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = prepare(case, tmp.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = flotilla(&args);
    let err = stderr(&out);
    if err.contains("panicked") || out.status.code() != Some(0) {
        return Outcome::Fail(format!("{id}: exit {:?}: {err}", out.status.code()));
    }
    let rendered: Value = match serde_json::from_str(&stdout(&out)) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("{id}: output is not JSON: {e}")),
    };
    let name = &case["template"]["metadata"]["name"];
    let Some(placement) = rendered["placements"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| &p["resource"]["name"] == name))
    else {
        return Outcome::Fail(format!("{id}: no placement for the workload: {rendered}"));
    };
    let answer = match placement["error"].as_str() {
        Some(e) => json!({"error": e}),
        None => json!({"clusters": placement["clusters"], "reasons": placement["reasons"],
            "affinityName": placement["affinityName"]}),
    };
    let matches = |want: &Value| match (want.get("clusters"), answer.get("clusters")) {
        (Some(w), Some(got)) => {
            w == got
                && want
                    .get("affinityName")
                    .is_none_or(|a| a == &answer["affinityName"])
        }
        (None, None) => want.get("error").is_some(),
        _ => false,
    };
    let possible = case["possible"].as_array();
    if matches(&case["expected"]) || possible.is_some_and(|p| p.iter().any(matches)) {
        return Outcome::Pass;
    }
    match karmada_allow::allowed(case, &answer) {
        Some(rule) => Outcome::Allowed(rule.rule),
        None => Outcome::Fail(format!("{id}: got {answer}, want {}", case["expected"])),
    }
}

#[test]
fn karmada_schedule_corpus_through_the_binary() {
    let text = std::fs::read_to_string(root().join("fixtures/karmada/schedule.json"))
        .expect("read the corpus");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("corpus JSON");
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = cases.len().div_ceil(workers).max(1);
    let outcomes: Vec<(String, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|c| (c["category"].as_str().unwrap_or("?").to_string(), check(c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    // category → (pass, allowed, failures)
    let mut tally: BTreeMap<String, (usize, Vec<&str>, Vec<String>)> = BTreeMap::new();
    for (category, outcome) in &outcomes {
        let t = tally.entry(category.clone()).or_default();
        match outcome {
            Outcome::Pass => t.0 += 1,
            Outcome::Allowed(rule) => t.1.push(rule),
            Outcome::Fail(why) => t.2.push(why.clone()),
        }
    }
    println!("karmada schedule corpus through `flotilla render` (pass / allowed / fail):");
    for (category, (pass, allowed, fail)) in &tally {
        println!(
            "  {category:16} {pass:3} / {:3} / {:3}  {}",
            allowed.len(),
            fail.len(),
            allowed.join(" ")
        );
    }
    for rule in karmada_allow::ALLOWED {
        println!("  allowed difference {}: {}", rule.rule, rule.reason);
    }
    let failures: Vec<&String> = tally.values().flat_map(|t| &t.2).collect();
    assert!(
        failures.is_empty(),
        "{} case(s) differ from Karmada: {failures:#?}",
        failures.len()
    );
    assert_eq!(outcomes.len(), cases.len());
    for (category, (pass, _, _)) in &tally {
        assert!(*pass > 0, "category {category} has no passing case");
    }
}

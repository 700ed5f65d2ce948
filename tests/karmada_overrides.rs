//! Karmada compatibility, overrides: every case of
//! `fixtures/karmada/override.json` (real Karmada v1.14 results) becomes a
//! repository — the Cluster, the template, a Duplicated PropagationPolicy to
//! that cluster, the override policies — and goes through the real
//! `flotilla render --format json`. The rendered manifest, minus flotilla's own
//! `flotilla.io/` marks, must equal Karmada's; where Karmada failed, flotilla
//! must report an error for that resource. Cases where Karmada panicked
//! (its bugs) are not scored, but flotilla must answer cleanly.

mod support;

use serde_json::{json, Value};
use support::{flotilla, root, stderr, stdout, write_files};

fn case_repo(case: &Value, dir: &std::path::Path) {
    let mut cluster = case["cluster"].clone();
    let status = cluster.as_object_mut().and_then(|c| c.remove("status"));
    let template = &case["template"];
    let namespace = template["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let cluster_name = cluster["metadata"]["name"].as_str().unwrap().to_string();
    let policy = json!({
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "case", "namespace": namespace},
        "spec": {
            "resourceSelectors": [{"apiVersion": template["apiVersion"], "kind": template["kind"], "name": template["metadata"]["name"]}],
            "placement": {"clusterAffinity": {"clusterNames": [cluster_name]}, "replicaScheduling": {"replicaSchedulingType": "Duplicated"}}
        }
    });
    let mut files = vec![
        ("cluster.yaml", cluster.to_string()),
        ("template.yaml", template.to_string()),
        ("policy.yaml", policy.to_string()),
    ];
    let mut overrides = String::new();
    for p in case["overridePolicies"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            case["clusterOverridePolicies"]
                .as_array()
                .into_iter()
                .flatten(),
        )
    {
        overrides.push_str("---\n");
        overrides.push_str(&p.to_string());
        overrides.push('\n');
    }
    files.push(("overrides.yaml", overrides));
    write_files(dir, &files);
    let mut state = case["cluster"].clone();
    if status.is_none() {
        state.as_object_mut().unwrap().remove("status");
    }
    std::fs::write(dir.join("../state.yaml"), state.to_string()).unwrap();
}

/// Removes flotilla's own labels and annotations (and maps they leave empty).
fn strip_marks(manifest: &mut Value, expected: &Value) {
    for field in ["labels", "annotations"] {
        let Some(map) = manifest["metadata"]
            .get_mut(field)
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        map.retain(|k, _| !k.starts_with("flotilla.io/"));
        if map.is_empty() && expected["metadata"].get(field).is_none() {
            manifest["metadata"].as_object_mut().unwrap().remove(field);
        }
    }
}

#[test]
fn karmada_override_corpus() {
    let text = std::fs::read_to_string(root().join("fixtures/karmada/override.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    let (mut passed, mut unscored) = (0, 0);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        case_repo(case, &repo);
        let state = tmp.path().join("state.yaml");
        let out = flotilla(&[
            "render",
            repo.to_str().unwrap(),
            "--format",
            "json",
            "--cluster-state",
            state.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{id}: flotilla panicked: {err}");
        let expected_error = case["expected"]["error"].as_str();
        if expected_error.is_some_and(|e| e.starts_with("panic:")) {
            unscored += 1;
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{id}: exit {:?}: {err}",
                out.status.code()
            );
            continue;
        }
        if out.status.code() != Some(0) {
            failures.push(format!("{id}: exit {:?}\n{err}", out.status.code()));
            continue;
        }
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let cluster = case["cluster"]["metadata"]["name"].as_str().unwrap();
        let name = case["template"]["metadata"]["name"].as_str().unwrap();
        let placement = json["placements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["resource"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null);
        match expected_error {
            Some(_) => {
                if placement["error"].is_null() {
                    failures.push(format!(
                        "{id}: Karmada failed ({}), flotilla rendered",
                        expected_error.unwrap()
                    ));
                } else {
                    passed += 1;
                }
            }
            None => {
                let manifest = json["clusters"][cluster]
                    .as_array()
                    .and_then(|objs| objs.iter().find(|o| o["metadata"]["name"] == name))
                    .cloned();
                let Some(mut manifest) = manifest else {
                    failures.push(format!(
                        "{id}: nothing rendered for {cluster}: {}",
                        placement
                    ));
                    continue;
                };
                let expected = &case["expected"]["manifest"];
                strip_marks(&mut manifest, expected);
                if &manifest == expected {
                    passed += 1;
                } else {
                    failures.push(format!("{id}:\n  want {expected}\n  got  {manifest}"));
                }
            }
        }
    }
    eprintln!(
        "override corpus: {passed} passed, {} failed, {unscored} not scored (Karmada panics)",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases differ from Karmada:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

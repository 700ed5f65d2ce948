//! Runs every case of `fixtures/karmada/override.json` (real Karmada v1.14
//! override results) through [`applicable`] and [`apply_overrides`].
//!
//! A case passes when the manifest equals Karmada's exactly, or when both
//! failed. Where Karmada itself panicked (`"error": "panic: …"`) flotilla
//! must return an error instead; those cases are counted apart.

use super::{applicable, apply_overrides};
use crate::model::common::{ClusterFacts, ClusterFields, TemplateFacts};
use crate::model::kinds::override_policy::OverridePolicy;
use serde_json::Value;
use std::collections::BTreeMap;

const CORPUS: &str = include_str!("../../../fixtures/karmada/override.json");

fn strings(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    karmada_panics: usize,
}

#[test]
fn karmada_override_corpus() {
    let cases: Vec<Value> = serde_json::from_str(CORPUS).expect("corpus is JSON");
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let category = case["category"].as_str().unwrap_or("?").to_string();
        let policies: Vec<OverridePolicy> = ["clusterOverridePolicies", "overridePolicies"]
            .iter()
            .flat_map(|k| case[*k].as_array().cloned().unwrap_or_default())
            .map(|p| {
                serde_json::from_value(p)
                    .unwrap_or_else(|e| panic!("{id}: policy does not deserialize: {e}"))
            })
            .collect();

        let template = &case["template"];
        let labels = strings(template.pointer("/metadata/labels"));
        let facts = TemplateFacts {
            api_version: template["apiVersion"].as_str().unwrap_or_default(),
            kind: template["kind"].as_str().unwrap_or_default(),
            namespace: template
                .pointer("/metadata/namespace")
                .and_then(Value::as_str),
            name: template
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            labels: &labels,
        };

        let c = &case["cluster"];
        let cluster_labels = strings(c.pointer("/metadata/labels"));
        let zones: Vec<String> = c
            .pointer("/spec/zones")
            .and_then(Value::as_array)
            .map(|z| {
                z.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let cluster = ClusterFacts {
            name: c
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            labels: &cluster_labels,
            fields: ClusterFields {
                provider: c.pointer("/spec/provider").and_then(Value::as_str),
                region: c.pointer("/spec/region").and_then(Value::as_str),
                zones: &zones,
            },
        };

        let ordered = applicable(&facts, &policies);
        let result = apply_overrides(template.clone(), &cluster, &ordered).map(|(m, _)| m);
        let t = tally.entry(category).or_default();
        match (
            &case["expected"]["manifest"],
            case["expected"]["error"].as_str(),
            result,
        ) {
            (_, Some(e), Err(_)) if e.starts_with("panic:") => t.karmada_panics += 1,
            (_, Some(e), Ok(_)) if e.starts_with("panic:") => {
                t.failed += 1;
                failures.push(format!(
                    "{id}: Karmada panics ({e}); flotilla must return an error"
                ));
            }
            (_, Some(_), Err(_)) => t.passed += 1,
            (_, Some(e), Ok(manifest)) => {
                t.failed += 1;
                failures.push(format!(
                    "{id}: Karmada failed with {e:?}, flotilla succeeded:\n{manifest:#}"
                ));
            }
            (want, None, Ok(manifest)) if *want == manifest => t.passed += 1,
            (want, None, Ok(manifest)) => {
                t.failed += 1;
                failures.push(format!(
                    "{id}: manifest differs\n  want {want}\n  got  {manifest}"
                ));
            }
            (_, None, Err(e)) => {
                t.failed += 1;
                failures.push(format!("{id}: flotilla failed: {e}"));
            }
        }
    }
    println!("karmada override corpus ({} cases):", cases.len());
    for (category, t) in &tally {
        println!(
            "  {category:<22} passed {:>3}  failed {:>3}  karmada-panic (clean error) {:>2}",
            t.passed, t.failed, t.karmada_panics
        );
    }
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

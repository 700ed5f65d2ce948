//! The resource types a CustomResourceDefinition declares: one per served
//! version, with its scope, names and status/scale subresources.

use super::{ResourceType, ScalePaths};
use serde_json::Value;

/// The types a CRD object declares (one per served version).
pub fn crd_types(crd: &Value) -> Vec<ResourceType> {
    let s = |p: &str| {
        crd.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let strings = |p: &str| -> Vec<String> {
        crd.pointer(p)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let kind = s("/spec/names/kind");
    let plural = s("/spec/names/plural");
    let singular = match s("/spec/names/singular") {
        s if s.is_empty() => kind.to_lowercase(),
        s => s,
    };
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    versions
        .iter()
        .filter(|v| v.get("served").and_then(Value::as_bool).unwrap_or(true))
        .map(|v| {
            let sub = v.get("subresources");
            let scale = sub.and_then(|s| s.get("scale")).map(|scale| {
                let path = |k: &str| {
                    scale
                        .get(k)
                        .and_then(Value::as_str)
                        .map(json_path_to_pointer)
                };
                ScalePaths {
                    spec_replicas: path("specReplicasPath")
                        .unwrap_or_else(|| "/spec/replicas".into()),
                    status_replicas: path("statusReplicasPath")
                        .unwrap_or_else(|| "/status/replicas".into()),
                    label_selector: path("labelSelectorPath"),
                }
            });
            ResourceType {
                group: s("/spec/group"),
                version: v
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                plural: plural.clone(),
                singular: singular.clone(),
                kind: kind.clone(),
                namespaced: s("/spec/scope") != "Cluster",
                short_names: strings("/spec/names/shortNames"),
                categories: strings("/spec/names/categories"),
                status: sub.and_then(|s| s.get("status")).is_some(),
                scale,
                read_only: false,
            }
        })
        .collect()
}

/// `.spec.replicas` → `/spec/replicas` (the CRD scale paths are simple
/// dotted JSON paths).
fn json_path_to_pointer(path: &str) -> String {
    path.trim_start_matches('.')
        .split('.')
        .fold(String::new(), |acc, part| format!("{acc}/{part}"))
}

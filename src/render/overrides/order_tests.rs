//! Table tests for policy order ([`applicable`]) and rule application
//! ([`apply_overrides`]).

use super::*;
use crate::model::common::ClusterFields;
use serde_json::json;
use std::collections::BTreeMap;

fn policy(kind: &str, ns: Option<&str>, name: &str, spec: Value) -> OverridePolicy {
    let mut meta = json!({"name": name});
    if let Some(ns) = ns {
        meta["namespace"] = json!(ns);
    }
    serde_json::from_value(json!({"apiVersion": "policy.karmada.io/v1alpha1", "kind": kind, "metadata": meta, "spec": spec}))
        .expect("policy")
}

fn names(v: &[&OverridePolicy]) -> Vec<String> {
    v.iter().map(|p| PolicyRef::of(p).to_string()).collect()
}

#[test]
fn applicable_order() {
    let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
    let t = TemplateFacts {
        api_version: "apps/v1",
        kind: "Deployment",
        namespace: Some("default"),
        name: "web",
        labels: &labels,
    };
    let by_name = json!({"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}]});
    let by_label = json!({"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "labelSelector": {"matchLabels": {"app": "web"}}}]});
    let all_deploys =
        json!({"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}]});
    let other = json!({"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap"}]});
    let policies = vec![
        policy("OverridePolicy", Some("default"), "a-name", by_name.clone()),
        policy(
            "OverridePolicy",
            Some("default"),
            "b-label",
            by_label.clone(),
        ),
        policy("OverridePolicy", Some("default"), "c-empty", json!({})),
        policy(
            "OverridePolicy",
            Some("default"),
            "d-all",
            all_deploys.clone(),
        ),
        policy(
            "OverridePolicy",
            Some("other"),
            "e-elsewhere",
            by_name.clone(),
        ),
        policy("OverridePolicy", None, "f-defaulted-ns", by_label.clone()),
        policy("OverridePolicy", Some("default"), "g-other-kind", other),
        policy("ClusterOverridePolicy", None, "z-cluster", by_name),
        policy("ClusterOverridePolicy", None, "y-cluster", all_deploys),
    ];
    let got = names(&applicable(&t, &policies));
    assert_eq!(
        got,
        vec![
            "ClusterOverridePolicy y-cluster",
            "ClusterOverridePolicy z-cluster",
            "OverridePolicy default/c-empty",
            "OverridePolicy default/d-all",
            "OverridePolicy default/b-label",
            "OverridePolicy default/f-defaulted-ns",
            "OverridePolicy default/a-name",
        ]
    );
    let cluster_scoped = TemplateFacts {
        namespace: None,
        ..t
    };
    assert_eq!(
        names(&applicable(&cluster_scoped, &policies)),
        vec![
            "ClusterOverridePolicy y-cluster",
            "ClusterOverridePolicy z-cluster"
        ]
    );
}

#[test]
fn rules_order_and_errors() {
    let labels: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())].into();
    let cluster = ClusterFacts {
        name: "m1",
        labels: &labels,
        fields: ClusterFields::default(),
    };
    let p1 = policy(
        "ClusterOverridePolicy",
        None,
        "cop",
        json!({"overrideRules": [
            {"targetCluster": {"clusterNames": ["m2"]}, "overriders": {"plaintext": [{"path": "/spec/replicas", "operator": "replace", "value": 9}]}},
            {"overriders": {
                "plaintext": [{"path": "/metadata/labels/from", "operator": "replace", "value": "plaintext"}],
                "labelsOverrider": [{"operator": "add", "value": {"from": "labels"}}]}}
        ]}),
    );
    let p2 = policy(
        "OverridePolicy",
        Some("default"),
        "op",
        json!({
        "targetCluster": {"labelSelector": {"matchLabels": {"env": "prod"}}},
        "overriders": {"plaintext": [{"path": "/spec/replicas", "operator": "replace", "value": 3}]}}),
    );
    let m = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}});
    let (m, applied) = apply_overrides(m, &cluster, &[&p1, &p2]).expect("apply");
    assert_eq!(
        m["metadata"]["labels"],
        json!({"from": "plaintext"}),
        "plaintext runs after labels"
    );
    assert_eq!(m["spec"]["replicas"], json!(3));
    let applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
    assert_eq!(
        applied,
        vec![
            "ClusterOverridePolicy cop overrideRules[1]",
            "OverridePolicy default/op overriders"
        ]
    );

    let bad = policy(
        "OverridePolicy",
        Some("default"),
        "bad",
        json!({"overrideRules": [
        {"overriders": {"plaintext": [{"path": "/spec/nope/x", "operator": "replace", "value": 1}]}}]}),
    );
    let err = apply_overrides(m.clone(), &cluster, &[&bad]).expect_err("fails");
    assert_eq!(
        err.to_string(),
        "OverridePolicy default/bad overrideRules[0]: plaintext: replace operation does not apply: doc is missing path: /spec/nope/x: missing value"
    );
    let kill = policy(
        "OverridePolicy",
        Some("default"),
        "kill",
        json!({"overriders": {"plaintext": [{"path": "/kind", "operator": "remove"}]}}),
    );
    assert!(matches!(
        apply_overrides(m, &cluster, &[&kill]),
        Err(OverrideError::KindLost { .. })
    ));
}

//! Tests of PropagationPolicy parsing, checks and referenced clusters: each
//! case is a YAML document and the diagnostics (code, line) it must give.

use super::*;
use crate::model::diag::{Diagnostic, Severity};
use crate::model::yaml;

fn parse(text: &str) -> (PropagationPolicy, yaml::Document) {
    let stream = yaml::parse_stream(text, 1000).expect("yaml");
    let node = stream.documents.into_iter().next().expect("one document");
    let policy = serde_json::from_value(node.value.clone())
        .unwrap_or_else(|e| panic!("policy: {e}\n{text}"));
    (policy, node)
}

fn check(text: &str) -> Vec<Diagnostic> {
    let (policy, node) = parse(text);
    let mut cx = Checker::new("p.yaml", &node);
    policy.check(&mut cx);
    cx.diagnostics
}

const HEAD: &str = "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: web\n  namespace: default\n";

/// A policy whose spec is `spec` (indented by the caller), with a selector.
fn policy(spec: &str) -> String {
    format!("{HEAD}spec:\n  resourceSelectors:\n    - apiVersion: apps/v1\n      kind: Deployment\n      name: web\n{spec}")
}

#[test]
fn parses_the_whole_spec() {
    let text = policy(
        r#"  association: false
  propagateDeps: true
  priority: 10
  preemption: Never
  dependentOverrides: [web-override]
  schedulerName: default-scheduler
  conflictResolution: Overwrite
  preserveResourcesOnDeletion: false
  schedulePriority: {priorityClassSource: KubePriorityClass, priorityClassName: high}
  placement:
    clusterAffinity:
      labelSelector: {matchLabels: {env: prod}}
      fieldSelector: {matchExpressions: [{key: region, operator: In, values: [eu]}]}
      clusterNames: [m1]
      exclude: [m2]
    clusterTolerations:
      - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
      - {key: cluster.karmada.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 60}
    spreadConstraints:
      - {spreadByField: cluster, maxGroups: 3, minGroups: 2}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - {targetCluster: {clusterNames: [m1]}, weight: 2}
"#,
    );
    let (p, _) = parse(&text);
    assert!(!p.is_cluster_scoped());
    assert_eq!(p.spec.priority, Some(10));
    assert_eq!(p.spec.placement.spread_constraints[0].max_groups, 3);
    assert_eq!(
        p.spec.placement.scheduling_type(),
        ReplicaSchedulingType::Divided
    );
    // Static weights make Karmada ignore the spread constraint; only that is said.
    let d = check(&text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].severity, Severity::Warning);
    assert!(
        d[0].message.contains("ignored with static weights"),
        "{d:#?}"
    );
    let back = serde_json::to_value(&p).expect("serialize");
    let again: PropagationPolicy = serde_json::from_value(back).expect("round trip");
    assert_eq!(again, p);
}

#[test]
fn unknown_fields_are_rejected() {
    for bad in [
        "  placement:\n    clusterAfinity: {}\n",
        "  placement:\n    clusterAffinities:\n      - {affinityName: a, clusterName: [x]}\n",
        "  replicas: 3\n",
    ] {
        let text = policy(bad);
        let stream = yaml::parse_stream(&text, 1000).expect("yaml");
        let r: Result<PropagationPolicy, _> =
            serde_json::from_value(stream.documents[0].value.clone());
        assert!(r.is_err(), "accepted: {bad}");
    }
}

#[test]
#[allow(clippy::type_complexity)] // a table of tuples reads best here
fn checks() {
    // (name, spec appended after the selector, expected (code, line) pairs).
    // Line 6 is `spec:`, the selector spans lines 7-10, `spec` starts at 11.
    let cases: &[(&str, &str, &[(Code, u32)])] = &[
        ("valid minimal", "", &[]),
        (
            "both affinity forms",
            "  placement:\n    clusterAffinity: {clusterNames: [a]}\n    clusterAffinities:\n      - {affinityName: x, clusterNames: [a]}\n",
            &[(Code::InvalidValue, 14)],
        ),
        (
            "duplicated and invalid affinityName",
            "  placement:\n    clusterAffinities:\n      - {affinityName: x}\n      - {affinityName: x}\n      - {affinityName: 'Bad Name'}\n",
            &[(Code::InvalidValue, 14), (Code::InvalidValue, 15)],
        ),
        (
            "field selector Exists is rejected by Karmada",
            "  placement:\n    clusterAffinity:\n      fieldSelector: {matchExpressions: [{key: zone, operator: Exists}]}\n",
            &[(Code::InvalidSelector, 13)],
        ),
        (
            "spreadByField and spreadByLabel",
            "  placement:\n    spreadConstraints:\n      - {spreadByField: cluster, spreadByLabel: team, maxGroups: 2}\n",
            &[(Code::InvalidValue, 13)],
        ),
        (
            "maxGroups below minGroups",
            "  placement:\n    spreadConstraints:\n      - {spreadByField: cluster, maxGroups: 1, minGroups: 2}\n",
            &[(Code::InvalidValue, 13)],
        ),
        (
            "region spread without cluster spread",
            "  placement:\n    spreadConstraints:\n      - {spreadByField: region, maxGroups: 2}\n",
            &[(Code::InvalidValue, 13)],
        ),
        (
            "cluster maxGroups unset selects nothing",
            "  placement:\n    spreadConstraints:\n      - {spreadByField: cluster, minGroups: 2}\n",
            &[(Code::InvalidValue, 13)],
        ),
        (
            "zone besides region only filters; a field twice",
            "  placement:\n    spreadConstraints:\n      - {spreadByField: cluster, maxGroups: 3}\n      - {spreadByField: region, maxGroups: 2}\n      - {spreadByField: zone}\n      - {spreadByField: cluster, maxGroups: 4}\n",
            &[(Code::InvalidValue, 15), (Code::InvalidValue, 16)],
        ),
        (
            "negative and zero weights",
            "  placement:\n    replicaScheduling:\n      weightPreference:\n        staticWeightList:\n          - {targetCluster: {clusterNames: [a]}, weight: -1}\n          - {targetCluster: {clusterNames: [b]}, weight: 0}\n",
            &[(Code::NegativeWeight, 15), (Code::InvalidValue, 16)],
        ),
        (
            "toleration without key needs Exists",
            "  placement:\n    clusterTolerations:\n      - {value: x}\n      - {key: k, operator: Exists, value: v}\n      - {key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}\n",
            &[(Code::InvalidValue, 13), (Code::InvalidValue, 14), (Code::InvalidValue, 15)],
        ),
        (
            "invalid label selector in a weight target",
            "  placement:\n    replicaScheduling:\n      weightPreference:\n        staticWeightList:\n          - targetCluster: {labelSelector: {matchLabels: {'-bad': x}}}\n            weight: 1\n",
            &[(Code::InvalidSelector, 15)],
        ),
        ("association", "  association: true\n", &[(Code::UnsupportedField, 11)]),
        ("other scheduler", "  schedulerName: my-scheduler\n", &[(Code::UnsupportedField, 11)]),
        ("lazy activation", "  activationPreference: Lazy\n", &[(Code::UnsupportedField, 11)]),
        ("preserve on deletion", "  preserveResourcesOnDeletion: true\n", &[(Code::UnsupportedField, 11)]),
        (
            "suspension both ways",
            "  suspension:\n    dispatching: true\n    dispatchingOnClusters: {clusterNames: [a]}\n",
            &[(Code::InvalidValue, 12), (Code::UnsupportedField, 12)],
        ),
        (
            "failover without propagateDeps",
            "  failover:\n    application:\n      decisionConditions: {tolerationSeconds: -1}\n      purgeMode: Never\n      gracePeriodSeconds: 10\n",
            &[(Code::InvalidValue, 12), (Code::UnsupportedField, 13), (Code::InvalidValue, 13), (Code::InvalidValue, 15)],
        ),
    ];
    for (name, spec, want) in cases {
        let mut got: Vec<(Code, u32)> = check(&policy(spec))
            .iter()
            .map(|d| (d.code, d.location.line))
            .collect();
        got.sort();
        let mut want = want.to_vec();
        want.sort();
        assert_eq!(got, want, "case {name}: {:#?}", check(&policy(spec)));
    }
}

#[test]
fn preemption_always_needs_named_selectors() {
    let text = format!("{HEAD}spec:\n  preemption: Always\n  resourceSelectors:\n    - apiVersion: apps/v1\n      kind: Deployment\n");
    let d = check(&text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].code, d[0].location.line), (Code::InvalidValue, 9));
}

#[test]
fn no_resource_selectors() {
    let d = check(&format!("{HEAD}spec:\n  placement: {{}}\n"));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::NoResourceSelectors);
    assert_eq!(d[0].severity, Severity::Error);
    assert!(d[0].help.is_some());
}

#[test]
fn warnings_for_ignored_settings() {
    let d = check(&policy(
        "  placement:\n    replicaScheduling:\n      replicaSchedulingType: Duplicated\n      replicaDivisionPreference: Weighted\n",
    ));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Warning);
}

#[test]
fn referenced_clusters_lists_every_name() {
    let (p, _) = parse(&policy(
        r#"  suspension: {dispatchingOnClusters: {clusterNames: [s1]}}
  placement:
    clusterAffinity: {clusterNames: [a, b], exclude: [c]}
    clusterAffinities:
      - {affinityName: g, clusterNames: [d]}
    replicaScheduling:
      weightPreference:
        staticWeightList:
          - {targetCluster: {clusterNames: [e], exclude: [f]}, weight: 1}
"#,
    ));
    let refs = p.referenced_clusters();
    let names: Vec<&str> = refs.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e", "f", "s1"]);
    assert_eq!(refs[2].0, "/spec/placement/clusterAffinity/exclude/0");
    assert_eq!(refs[4].0, "/spec/placement/replicaScheduling/weightPreference/staticWeightList/0/targetCluster/clusterNames/0");
}

#[test]
fn toleration_matching() {
    let taint = |key: &str, value: Option<&str>, effect| Taint {
        key: key.into(),
        value: value.map(Into::into),
        effect,
        time_added: None,
    };
    let tol = |key: Option<&str>, op, value: Option<&str>, effect| Toleration {
        key: key.map(Into::into),
        operator: op,
        value: value.map(Into::into),
        effect,
        toleration_seconds: None,
    };
    use TaintEffect::*;
    use TolerationOperator::*;
    let cases = [
        (
            "exists, no key",
            tol(None, Some(Exists), None, None),
            taint("k", Some("v"), NoSchedule),
            true,
        ),
        (
            "equal default operator",
            tol(Some("k"), None, Some("v"), None),
            taint("k", Some("v"), NoExecute),
            true,
        ),
        (
            "equal wrong value",
            tol(Some("k"), Some(Equal), Some("w"), None),
            taint("k", Some("v"), NoSchedule),
            false,
        ),
        (
            "equal empty value",
            tol(Some("k"), Some(Equal), None, None),
            taint("k", None, NoSchedule),
            true,
        ),
        (
            "wrong key",
            tol(Some("x"), Some(Exists), None, None),
            taint("k", None, NoSchedule),
            false,
        ),
        (
            "wrong effect",
            tol(Some("k"), Some(Exists), None, Some(NoExecute)),
            taint("k", None, NoSchedule),
            false,
        ),
    ];
    for (name, t, taint, want) in cases {
        assert_eq!(t.tolerates(&taint), want, "case {name}");
    }
}

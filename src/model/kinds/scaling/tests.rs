//! Table tests for FederatedHPA and CronFederatedHPA checks: each case is a
//! document, and the diagnostics it must give (code, line, message part).

use super::*;
use crate::model::diag::Diagnostic;
use crate::model::yaml;

/// Parses `text`, deserializes it as `T` and runs `check`.
pub(crate) fn diagnostics<T: serde::de::DeserializeOwned>(
    text: &str,
    check: impl Fn(&T, &mut Checker<'_>),
) -> Vec<Diagnostic> {
    let stream = yaml::parse_stream(text, 10_000).expect("valid yaml");
    let doc = stream.documents.first().expect("one document");
    let value: T = serde_json::from_value(doc.value.clone()).expect("deserializes");
    let mut cx = Checker::new("test.yaml", doc);
    check(&value, &mut cx);
    cx.diagnostics
}

/// Asserts that `got` is exactly `want` as (code, line, message part).
pub(crate) fn assert_diags(case: &str, got: &[Diagnostic], want: &[(Code, u32, &str)]) {
    let summary: Vec<String> = got
        .iter()
        .map(|d| format!("{:?} line {}: {}", d.code, d.location.line, d.message))
        .collect();
    assert_eq!(got.len(), want.len(), "case `{case}`: got {summary:#?}");
    for (d, (code, line, part)) in got.iter().zip(want) {
        assert_eq!(
            (d.code, d.location.line),
            (*code, *line),
            "case `{case}`: got {summary:#?}"
        );
        assert!(
            d.message.contains(part),
            "case `{case}`: `{}` lacks `{part}`",
            d.message
        );
    }
}

const FHPA_HEAD: &str = "apiVersion: autoscaling.karmada.io/v1alpha1\nkind: FederatedHPA\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n";

#[test]
fn federated_hpa_checks() {
    // Lines: the head ends at line 10; the body starts at line 11.
    let cases: &[(&str, &str, &[(Code, u32, &str)])] = &[
        ("valid minimal", "  maxReplicas: 3\n", &[]),
        (
            "valid full",
            "  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 60\n    - type: Pods\n      pods:\n        metric:\n          name: qps\n        target:\n          type: AverageValue\n          averageValue: 500m\n  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 300\n      policies:\n        - type: Percent\n          value: 10\n          periodSeconds: 60\n",
            &[],
        ),
        ("min zero", "  minReplicas: 0\n  maxReplicas: 3\n", &[(Code::InvalidValue, 11, "minReplicas must be at least 1")]),
        ("max below min", "  minReplicas: 5\n  maxReplicas: 3\n", &[(Code::InvalidValue, 12, "maxReplicas (3) is less than minReplicas (5)")]),
        ("max below default min", "  maxReplicas: 0\n", &[(Code::InvalidValue, 11, "maxReplicas must be at least 1")]),
        (
            "external metric",
            "  maxReplicas: 3\n  metrics:\n    - type: External\n      external:\n        metric: {name: queue}\n        target: {type: Value, value: 10}\n",
            &[(Code::InvalidValue, 13, "does not support External")],
        ),
        (
            "source does not match type",
            "  maxReplicas: 3\n  metrics:\n    - type: Pods\n      resource:\n        name: cpu\n        target: {type: Utilization, averageUtilization: 50}\n",
            &[(Code::MissingField, 13, "needs `pods`"), (Code::InvalidValue, 15, "`resource` does not go with")],
        ),
        (
            "resource target without a value",
            "  maxReplicas: 3\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target: {type: Utilization}\n",
            &[(Code::MissingField, 16, "needs `averageUtilization` or `averageValue`")],
        ),
        (
            "non-positive quantities",
            "  maxReplicas: 3\n  metrics:\n    - type: Object\n      object:\n        describedObject: {kind: Ingress, name: main}\n        metric: {name: rps}\n        target: {type: Value, value: \"0\", averageValue: lots}\n",
            &[(Code::InvalidValue, 17, "`value` must be positive"), (Code::InvalidValue, 17, "`averageValue` is not a quantity")],
        ),
        (
            "utilization below one",
            "  maxReplicas: 3\n  metrics:\n    - type: ContainerResource\n      containerResource:\n        name: cpu\n        container: \"\"\n        target: {type: Utilization, averageUtilization: 0}\n",
            &[(Code::InvalidValue, 17, "averageUtilization` must be at least 1"), (Code::MissingField, 16, "`container` must not be empty")],
        ),
        (
            "behavior bounds",
            "  maxReplicas: 3\n  behavior:\n    scaleUp:\n      stabilizationWindowSeconds: 4000\n      policies:\n        - {type: Pods, value: 0, periodSeconds: 1801}\n    scaleDown: {}\n",
            &[
                (Code::InvalidValue, 14, "between 0 and 3600"),
                (Code::InvalidValue, 16, "`value` must be positive"),
                (Code::InvalidValue, 16, "between 1 and 1800"),
                (Code::MissingField, 17, "at least one policy"),
            ],
        ),
    ];
    for (name, body, want) in cases {
        let got = diagnostics(&format!("{FHPA_HEAD}{body}"), FederatedHPA::check);
        assert_diags(name, &got, want);
    }
}

#[test]
fn federated_hpa_target_ref() {
    let text = "apiVersion: autoscaling.karmada.io/v1alpha1\nkind: FederatedHPA\nmetadata: {name: web}\nspec:\n  scaleTargetRef:\n    kind: \"\"\n    name: a/b\n  maxReplicas: 2\n";
    let got = diagnostics(text, FederatedHPA::check);
    assert_diags(
        "target ref",
        &got,
        &[
            (Code::MissingField, 6, "`kind` must not be empty"),
            (Code::InvalidValue, 7, "may not contain"),
        ],
    );
}

#[test]
fn unknown_fields_are_rejected() {
    let text = format!("{FHPA_HEAD}  maxReplicas: 3\n  maxReplica: 4\n");
    let stream = yaml::parse_stream(&text, 10_000).expect("yaml");
    let doc = &stream.documents[0];
    assert!(serde_json::from_value::<FederatedHPA>(doc.value.clone()).is_err());
}

const CRON_HEAD: &str = "apiVersion: autoscaling.karmada.io/v1alpha1\nkind: CronFederatedHPA\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  rules:\n";

const CRON_FHPA_HEAD: &str = "apiVersion: autoscaling.karmada.io/v1alpha1\nkind: CronFederatedHPA\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: autoscaling.karmada.io/v1alpha1\n    kind: FederatedHPA\n    name: web\n  rules:\n";

#[test]
fn cron_federated_hpa_checks() {
    // CRON_HEAD ends at line 11; the first rule starts at line 12.
    let cases: &[(&str, &str, &[(Code, u32, &str)])] = &[
        (
            "valid",
            "    - name: morning\n      schedule: \"0 8 * * 1-5\"\n      targetReplicas: 10\n      timeZone: Europe/Paris\n      successfulHistoryLimit: 5\n      failedHistoryLimit: 0\n    - name: night\n      schedule: \"@daily\"\n      targetReplicas: 2\n      suspend: true\n",
            &[],
        ),
        (
            "bad schedule",
            "    - name: a\n      schedule: \"0 25 * * *\"\n      targetReplicas: 1\n",
            &[(Code::InvalidCron, 13, "field 2 (hour) `25`: 25 is above the maximum 23")],
        ),
        (
            "seconds field",
            "    - name: a\n      schedule: \"0 0 8 * * *\"\n      targetReplicas: 1\n",
            &[(Code::InvalidCron, 13, "found 6")],
        ),
        ("every", "    - name: a\n      schedule: \"@every 5m\"\n      targetReplicas: 1\n", &[(Code::InvalidCron, 13, "`@every 5m`")]),
        (
            "bad time zone",
            "    - name: a\n      schedule: \"0 8 * * *\"\n      targetReplicas: 1\n      timeZone: Europe/Pariss\n",
            &[(Code::InvalidCron, 15, "unknown time zone `Europe/Pariss`")],
        ),
        (
            "duplicate names",
            "    - name: a\n      schedule: \"0 8 * * *\"\n      targetReplicas: 1\n    - name: a\n      schedule: \"0 9 * * *\"\n      targetReplicas: 2\n",
            &[(Code::InvalidValue, 15, "duplicate rule name `a`")],
        ),
        (
            "name too long",
            "    - name: abcdefghijabcdefghijabcdefghijabc\n      schedule: \"0 8 * * *\"\n      targetReplicas: 1\n",
            &[(Code::InvalidValue, 12, "1 to 32 characters")],
        ),
        ("workload without targetReplicas", "    - name: a\n      schedule: \"0 8 * * *\"\n", &[(Code::MissingField, 12, "needs `targetReplicas`")]),
        (
            "history limits",
            "    - name: a\n      schedule: \"0 8 * * *\"\n      targetReplicas: 1\n      successfulHistoryLimit: 0\n      failedHistoryLimit: 33\n",
            &[(Code::InvalidValue, 15, "between 1 and 32"), (Code::InvalidValue, 16, "between 0 and 32")],
        ),
    ];
    for (name, body, want) in cases {
        let got = diagnostics(&format!("{CRON_HEAD}{body}"), CronFederatedHPA::check);
        assert_diags(name, &got, want);
    }
}

#[test]
fn cron_scaling_a_federated_hpa() {
    // CRON_FHPA_HEAD ends at line 10.
    let cases: &[(&str, &str, &[(Code, u32, &str)])] = &[
        ("valid", "    - name: a\n      schedule: \"0 8 * * *\"\n      targetMinReplicas: 2\n      targetMaxReplicas: 5\n", &[]),
        ("neither bound", "    - name: a\n      schedule: \"0 8 * * *\"\n      targetReplicas: 3\n", &[(Code::MissingField, 11, "needs `targetMinReplicas` or")]),
        (
            "bounds reversed",
            "    - name: a\n      schedule: \"0 8 * * *\"\n      targetMinReplicas: 6\n      targetMaxReplicas: 5\n",
            &[(Code::InvalidValue, 14, "targetMaxReplicas (5) is less than targetMinReplicas (6)")],
        ),
    ];
    for (name, body, want) in cases {
        let got = diagnostics(&format!("{CRON_FHPA_HEAD}{body}"), CronFederatedHPA::check);
        assert_diags(name, &got, want);
    }
    let wrong_kind =
        CRON_FHPA_HEAD.replace("kind: FederatedHPA\n    name", "kind: Deployment\n    name");
    let got = diagnostics(
        &format!("{wrong_kind}    - name: a\n      schedule: \"0 8 * * *\"\n"),
        CronFederatedHPA::check,
    );
    assert_diags(
        "wrong kind in the autoscaling group",
        &got,
        &[(Code::InvalidValue, 8, "only FederatedHPA")],
    );
}

#[test]
fn duplicate_rule_note_points_at_the_first() {
    let body = "    - name: a\n      schedule: \"0 8 * * *\"\n      targetReplicas: 1\n    - name: a\n      schedule: \"0 9 * * *\"\n      targetReplicas: 2\n";
    let got = diagnostics(&format!("{CRON_HEAD}{body}"), CronFederatedHPA::check);
    let note = got
        .first()
        .and_then(|d| d.notes.first())
        .and_then(|n| n.location.clone())
        .expect("note");
    assert_eq!((note.line, note.col), (12, 13));
}

#[test]
fn schemas_generate() {
    let fhpa = serde_json::to_string(&schemars::schema_for!(FederatedHPA)).expect("schema");
    assert!(
        fhpa.contains("scaleTargetRef") && fhpa.contains("averageUtilization"),
        "{fhpa}"
    );
    let cron = serde_json::to_string(&schemars::schema_for!(CronFederatedHPA)).expect("schema");
    assert!(cron.contains("targetMinReplicas"), "{cron}");
}

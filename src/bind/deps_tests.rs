//! Dependency extraction tables: every reference Kubernetes' pod visitors
//! know, per workload kind, and the kinds Karmada does not interpret.

use super::dependencies;
use crate::model::common::ObjectRef;
use serde_json::json;

fn dep(kind: &str, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: Some("ns".into()),
        name: name.into(),
    }
}

#[test]
fn dependency_extraction() {
    let pod = json!({
        "serviceAccountName": "runner",
        "imagePullSecrets": [{"name": "registry"}, {"name": ""}],
        "initContainers": [{"name": "init", "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "init-secret", "key": "k"}}}]}],
        "containers": [{
            "name": "app",
            "envFrom": [{"configMapRef": {"name": "env-cm"}}, {"secretRef": {"name": "env-secret"}}],
            "env": [
                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "key-cm", "key": "k"}}},
                {"name": "C", "value": "plain"},
                {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
            ]
        }],
        "ephemeralContainers": [{"name": "debug", "envFrom": [{"configMapRef": {"name": "debug-cm"}}]}],
        "volumes": [
            {"name": "v1", "configMap": {"name": "vol-cm"}},
            {"name": "v2", "secret": {"secretName": "vol-secret"}},
            {"name": "v3", "persistentVolumeClaim": {"claimName": "data"}},
            {"name": "v4", "projected": {"sources": [
                {"configMap": {"name": "proj-cm"}},
                {"secret": {"name": "proj-secret"}},
                {"serviceAccountToken": {"path": "token"}}
            ]}},
            {"name": "v5", "csi": {"driver": "x", "nodePublishSecretRef": {"name": "csi-secret"}}},
            {"name": "v6", "cephfs": {"monitors": [], "secretRef": {"name": "ceph-secret"}}},
            {"name": "v7", "azureFile": {"secretName": "azure-secret", "shareName": "s"}},
            {"name": "v8", "emptyDir": {}},
            {"name": "v9", "configMap": {"name": "env-cm"}}
        ]
    });
    let everything = vec![
        dep("ConfigMap", "debug-cm"),
        dep("ConfigMap", "env-cm"),
        dep("ConfigMap", "key-cm"),
        dep("ConfigMap", "proj-cm"),
        dep("ConfigMap", "vol-cm"),
        dep("PersistentVolumeClaim", "data"),
        dep("Secret", "azure-secret"),
        dep("Secret", "ceph-secret"),
        dep("Secret", "csi-secret"),
        dep("Secret", "env-secret"),
        dep("Secret", "init-secret"),
        dep("Secret", "proj-secret"),
        dep("Secret", "registry"),
        dep("Secret", "vol-secret"),
        dep("ServiceAccount", "runner"),
    ];
    let template = json!({"spec": {"template": {"spec": pod.clone()}}});
    let cases: Vec<(&str, &str, &str, serde_json::Value, Vec<ObjectRef>)> = vec![
        (
            "deployment",
            "apps/v1",
            "Deployment",
            template.clone(),
            everything.clone(),
        ),
        (
            "statefulset",
            "apps/v1",
            "StatefulSet",
            template.clone(),
            everything.clone(),
        ),
        (
            "daemonset",
            "apps/v1",
            "DaemonSet",
            template.clone(),
            everything.clone(),
        ),
        (
            "job",
            "batch/v1",
            "Job",
            template.clone(),
            everything.clone(),
        ),
        (
            "cronjob",
            "batch/v1",
            "CronJob",
            json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod.clone()}}}}}),
            everything.clone(),
        ),
        (
            "pod",
            "v1",
            "Pod",
            json!({"spec": pod.clone()}),
            everything.clone(),
        ),
        (
            "replicaset has no interpreter in Karmada",
            "apps/v1",
            "ReplicaSet",
            template.clone(),
            vec![],
        ),
        (
            "old apiVersion has no interpreter",
            "apps/v1beta2",
            "Deployment",
            template.clone(),
            vec![],
        ),
        (
            "unknown kind",
            "example.com/v1",
            "Widget",
            template.clone(),
            vec![],
        ),
        (
            "default service account is not a dependency",
            "v1",
            "Pod",
            json!({"spec": {"serviceAccountName": "default", "containers": []}}),
            vec![],
        ),
        ("no spec", "apps/v1", "Deployment", json!({}), vec![]),
        (
            "wrong shapes are skipped",
            "apps/v1",
            "Deployment",
            json!({"spec": {"template": {"spec": {"containers": "x", "volumes": [1, {"secret": 3}], "imagePullSecrets": {"name": "x"}, "serviceAccountName": 7}}}}),
            vec![],
        ),
        (
            "ingress tls secrets",
            "networking.k8s.io/v1",
            "Ingress",
            json!({"spec": {"tls": [{"secretName": "b-tls"}, {"secretName": "a-tls"}, {"hosts": ["x"]}, {"secretName": "a-tls"}]}}),
            vec![dep("Secret", "a-tls"), dep("Secret", "b-tls")],
        ),
    ];
    for (name, api_version, kind, manifest, want) in cases {
        assert_eq!(
            dependencies(kind, api_version, "ns", &manifest),
            want,
            "case `{name}`"
        );
    }
}

#[test]
fn volume_takes_first_source_like_kubernetes() {
    // A (malformed) volume with both `secret` and `projected`: Kubernetes'
    // secret visitor stops at `projected`, which comes first in its switch.
    let pod = json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "s"}, "projected": {"sources": []}}]}});
    assert_eq!(dependencies("Pod", "v1", "ns", &pod), vec![]);
}

#[test]
fn cluster_scoped_namespace_gives_no_namespace() {
    let pod = json!({"spec": {"serviceAccountName": "x"}});
    let got = dependencies("Pod", "v1", "", &pod);
    assert_eq!(got.first().and_then(|r| r.namespace.clone()), None);
}

//! A small fleet's status input for the status tests: three clusters in two
//! regions (us-1 unreachable), a Deployment, a Service, a ConfigMap (in
//! conflict on eu-2) and a Secret (rejected on eu-1, drifted on eu-2), one
//! drift on the Deployment, and a bad latest commit.
#![allow(dead_code)]

use flotilla::model::common::ObjectRef;
use flotilla::model::diag::{Code, Diagnostic, Location};
use flotilla::model::kinds::cluster::{ClusterStatus, Taint, TaintEffect};
use flotilla::observe::capacity::{cluster_status, Observed};
use flotilla::observe::health::{health, Health};
use flotilla::schedule::TargetCluster;
use flotilla::status::{
    BadCommit, ClusterError, ClusterInput, Drift, InventoryItem, ResourceCluster, ResourceInput,
    Source, StatusInput,
};
use serde_json::{json, Value};

/// Appears in the Secret's data, its rejection message and its drift path:
/// it must appear nowhere in the tree.
pub const MARKER: &str = "s3cr3t-MARKER-9f2c";

pub const GOOD: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
pub const OLD: &str = "0f0e0d0c0b0a09080706050403020100f0e0d0c0";
pub const BAD: &str = "badbadbadbadbadbadbadbadbadbadbadbadbad0";
pub const NOW: &str = "2026-03-01T12:00:00Z";

pub fn id(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.map(str::to_string),
        name: name.into(),
    }
}

pub fn target(name: &str, replicas: i32) -> TargetCluster {
    TargetCluster {
        name: name.into(),
        replicas,
    }
}

fn hash(n: u8) -> String {
    format!("sha256:{}", format!("{n:02x}").repeat(32))
}

/// A cluster's Karmada status as `observe::capacity` computes it.
fn observed_status(nodes: usize, pods: usize) -> ClusterStatus {
    let node = json!({"status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True"}]}});
    let pod = json!({"spec": {"nodeName": "n1", "containers": [{"resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}}]},
        "status": {"phase": "Running"}});
    let status = cluster_status(&Observed {
        nodes: &vec![node; nodes],
        pods: &vec![pod; pods],
        api_enablements: &[],
        kubernetes_version: "v1.32.4",
        healthy: true,
        // Karmada rewrites lastTransitionTime on every observation: status
        // must not carry it into the files.
        now: NOW,
    });
    serde_json::from_value(status).expect("a Karmada cluster status")
}

fn deployment(ready: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 2},
        "spec": {"replicas": 2},
        "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
            "readyReplicas": ready, "availableReplicas": ready}})
}

pub fn secret() -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "web-creds", "namespace": "shop"},
        "data": {"password": MARKER},
        "stringData": {"token": MARKER}})
}

fn applied(cluster: &str, commit: &str, h: u8, health: Health) -> ResourceCluster {
    ResourceCluster {
        applied_commit: Some(commit.into()),
        hash: Some(hash(h)),
        ..ResourceCluster::new(cluster, health)
    }
}

fn unreachable(cluster: &str, h: u8) -> ResourceCluster {
    applied(
        cluster,
        OLD,
        h,
        Health::unknown("cluster unreachable: not observed"),
    )
}

fn inventory(ns: &str, names: &[(&str, &str, &str, u8)]) -> Vec<InventoryItem> {
    names
        .iter()
        .map(|(api_version, kind, name, h)| InventoryItem {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: Some(ns.to_string()),
            name: name.to_string(),
            hash: hash(*h),
        })
        .collect()
}

pub fn fleet() -> StatusInput {
    let web = id("apps/v1", "Deployment", Some("shop"), "web");
    let svc = id("v1", "Service", Some("shop"), "web");
    let cm = id("v1", "ConfigMap", Some("shop"), "web-config");
    let sec = id("v1", "Secret", Some("shop"), "web-creds");
    let all3 = |r: i32| vec![target("eu-1", r), target("eu-2", r), target("us-1", r)];
    let reasons = |why: &str| {
        ["eu-1", "eu-2", "us-1"]
            .iter()
            .map(|c| (c.to_string(), why.to_string()))
            .collect()
    };
    let policy = Some("PropagationPolicy shop/web".to_string());

    let deployment_in = ResourceInput {
        source_path: Some("apps/web.yaml".into()),
        policy: policy.clone(),
        template_replicas: Some(6),
        placement: all3(2),
        reasons: reasons("selected: 2 replica(s) (weight 1 of 3)"),
        clusters: vec![
            applied("eu-1", GOOD, 1, health(&deployment(2))),
            ResourceCluster {
                drift: Some(Drift {
                    paths: vec![
                        "/spec/template/spec/containers/0/image".into(),
                        "/metadata/labels/tier".into(),
                    ],
                    corrected_at: Some("2026-03-01T11:58:30Z".into()),
                    ..Drift::default()
                }),
                ..applied("eu-2", GOOD, 2, health(&deployment(1)))
            },
            unreachable("us-1", 3),
        ],
        ..ResourceInput::new(web)
    };
    let service_in = ResourceInput {
        source_path: Some("apps/web.yaml".into()),
        policy: policy.clone(),
        placement: all3(0),
        reasons: reasons("selected"),
        clusters: vec![
            applied("eu-1", GOOD, 4, Health::healthy()),
            applied("eu-2", GOOD, 5, Health::healthy()),
            unreachable("us-1", 6),
        ],
        ..ResourceInput::new(svc)
    };
    let configmap_in = ResourceInput {
        source_path: Some("apps/config.yaml".into()),
        policy: policy.clone(),
        placement: all3(0),
        reasons: reasons("dependency of Deployment shop/web"),
        clusters: vec![
            applied("eu-1", GOOD, 7, Health::healthy()),
            ResourceCluster {
                conflict: Some(
                    "exists without the flotilla.io/managed-by label; not adopted (conflictResolution: Abort)"
                        .into(),
                ),
                ..ResourceCluster::new("eu-2", Health::healthy())
            },
            unreachable("us-1", 8),
        ],
        ..ResourceInput::new(cm)
    };
    let secret_in = ResourceInput {
        source_path: Some("apps/secret.yaml".into()),
        policy,
        placement: vec![target("eu-1", 0), target("eu-2", 0)],
        reasons: [
            (
                "eu-1".to_string(),
                "dependency of Deployment shop/web".to_string(),
            ),
            (
                "eu-2".to_string(),
                "dependency of Deployment shop/web".to_string(),
            ),
            (
                "us-1".to_string(),
                "filtered out: had untolerated taint {cluster.karmada.io/unreachable:NoExecute}"
                    .to_string(),
            ),
        ]
        .into_iter()
        .collect(),
        placement_error: Some(format!(
            "cluster eu-1: patch /data/password: value {MARKER}"
        )),
        clusters: vec![
            ResourceCluster {
                rejected: Some(format!(
                    "Secret \"web-creds\" is invalid: data[password]: Invalid value: \"{MARKER}\""
                )),
                // Rejected by the dry run: never created there.
                ..ResourceCluster::new("eu-1", health(&Value::Null))
            },
            ResourceCluster {
                drift: Some(Drift {
                    paths: vec![format!("/data/{MARKER}")],
                    corrected_at: Some("2026-03-01T11:59:00Z".into()),
                    ..Drift::default()
                }),
                ..applied("eu-2", GOOD, 9, health(&secret()))
            },
        ],
        ..ResourceInput::new(sec)
    };

    let eu = |name: &str, pods: usize| ClusterInput {
        last_apply: Some("2026-03-01T11:58:30Z".into()),
        inventory: inventory(
            "shop",
            &[
                ("apps/v1", "Deployment", "web", 1),
                ("v1", "Service", "web", 4),
                ("v1", "ConfigMap", "web-config", 7),
            ],
        ),
        ..ClusterInput::new(name, true).with_status(&observed_status(2, pods))
    };
    let mut eu2 = eu("eu-2", 3);
    eu2.inventory = inventory(
        "shop",
        &[
            ("apps/v1", "Deployment", "web", 2),
            ("v1", "Service", "web", 5),
            ("v1", "Secret", "web-creds", 9),
        ],
    );
    let us1 = ClusterInput {
        ready: Some(flotilla::status::ReadyCondition {
            status: "False".into(),
            reason: Some("ClusterNotReachable".into()),
            message: Some("cluster is not reachable".into()),
        }),
        taints: vec![Taint {
            key: "cluster.karmada.io/unreachable".into(),
            value: None,
            effect: TaintEffect::NoExecute,
            time_added: Some("2026-03-01T11:50:00Z".into()),
        }],
        last_apply: Some("2026-03-01T09:00:00Z".into()),
        errors: vec![ClusterError {
            category: "Unreachable".into(),
            message: "failed to list namespaces: connection refused (127.0.0.1:36443)".into(),
        }],
        inventory: inventory(
            "shop",
            &[
                ("apps/v1", "Deployment", "web", 3),
                ("v1", "Service", "web", 6),
                ("v1", "ConfigMap", "web-config", 8),
            ],
        ),
        ..ClusterInput::new("us-1", false)
    };

    StatusInput {
        source: Source {
            branch: "main".into(),
            commit: GOOD.into(),
            stale: None,
        },
        clusters: vec![eu("eu-1", 2), eu2, us1],
        resources: vec![deployment_in, service_in, configmap_in, secret_in],
        bad_commit: Some(BadCommit {
            commit: BAD.into(),
            diagnostics: vec![
                Diagnostic::error(
                    Code::UnknownField,
                    Location {
                        path: "apps/web.yaml".into(),
                        line: 12,
                        col: 5,
                    },
                    "unknown field `replica` in `spec`",
                )
                .with_help("did you mean `replicas`?"),
                Diagnostic::error(
                    Code::YamlSyntax,
                    Location {
                        path: "apps/config.yaml".into(),
                        line: 3,
                        col: 1,
                    },
                    "mapping values are not allowed in this context",
                ),
            ],
        }),
    }
}

//! The built-in resources of Kubernetes 1.32 that the simulator serves,
//! as one table: group, version, plural, kind, scope, short names, the
//! `all` category and the status and scale subresources.

use super::{ResourceType, ScalePaths};

/// One row of the built-in table.
struct Builtin {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    status: bool,
    scale: bool,
}

const fn b(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        plural,
        kind,
        namespaced,
        short,
        all: false,
        status: false,
        scale: false,
    }
}

impl Builtin {
    /// In the `all` category (`kubectl get all`).
    const fn all(mut self) -> Self {
        self.all = true;
        self
    }
    const fn status(mut self) -> Self {
        self.status = true;
        self
    }
    const fn scale(mut self) -> Self {
        self.scale = true;
        self
    }
}

/// The built-in resources of Kubernetes 1.32 that the simulator serves.
const BUILTINS: &[Builtin] = &[
    b("", "v1", "namespaces", "Namespace", false, &["ns"]).status(),
    b("", "v1", "nodes", "Node", false, &["no"]).status(),
    b("", "v1", "pods", "Pod", true, &["po"]).all().status(),
    b("", "v1", "services", "Service", true, &["svc"])
        .all()
        .status(),
    b("", "v1", "endpoints", "Endpoints", true, &["ep"]),
    b("", "v1", "configmaps", "ConfigMap", true, &["cm"]),
    b("", "v1", "secrets", "Secret", true, &[]),
    b("", "v1", "serviceaccounts", "ServiceAccount", true, &["sa"]),
    b("", "v1", "events", "Event", true, &["ev"]),
    b(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
    )
    .status(),
    b(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        &["pv"],
    )
    .status(),
    b(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        &["quota"],
    )
    .status(),
    b("", "v1", "limitranges", "LimitRange", true, &["limits"]),
    b("apps", "v1", "deployments", "Deployment", true, &["deploy"])
        .all()
        .status()
        .scale(),
    b("apps", "v1", "replicasets", "ReplicaSet", true, &["rs"])
        .all()
        .status()
        .scale(),
    b("apps", "v1", "statefulsets", "StatefulSet", true, &["sts"])
        .all()
        .status()
        .scale(),
    b("apps", "v1", "daemonsets", "DaemonSet", true, &["ds"])
        .all()
        .status(),
    b(
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        &[],
    ),
    b("batch", "v1", "jobs", "Job", true, &[]).all().status(),
    b("batch", "v1", "cronjobs", "CronJob", true, &["cj"])
        .all()
        .status(),
    b(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
    )
    .all()
    .status(),
    b(
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
    )
    .status(),
    b(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
    )
    .status(),
    b(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        &["ing"],
    )
    .status(),
    b(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        &["netpol"],
    ),
    b(
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        &[],
    ),
    b("coordination.k8s.io", "v1", "leases", "Lease", true, &[]),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        &[],
    ),
    b(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        &["sc"],
    ),
    b(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        &["pc"],
    ),
    b(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
    )
    .status(),
];

pub(super) fn builtin() -> Vec<ResourceType> {
    let mut types: Vec<ResourceType> = BUILTINS
        .iter()
        .map(|b| ResourceType {
            group: b.group.into(),
            version: b.version.into(),
            plural: b.plural.into(),
            singular: b.kind.to_lowercase(),
            kind: b.kind.into(),
            namespaced: b.namespaced,
            short_names: b.short.iter().map(|s| s.to_string()).collect(),
            categories: if b.all { vec!["all".into()] } else { vec![] },
            status: b.status,
            scale: b.scale.then(|| ScalePaths {
                spec_replicas: "/spec/replicas".into(),
                status_replicas: "/status/replicas".into(),
                label_selector: Some("/status/selector".into()),
            }),
            read_only: false,
        })
        .collect();
    for (plural, kind, namespaced) in [
        ("pods", "PodMetrics", true),
        ("nodes", "NodeMetrics", false),
    ] {
        types.push(ResourceType {
            group: "metrics.k8s.io".into(),
            version: "v1beta1".into(),
            plural: plural.into(),
            singular: String::new(),
            kind: kind.into(),
            namespaced,
            short_names: vec![],
            categories: vec![],
            status: false,
            scale: None,
            read_only: true,
        });
    }
    types
}

//! Apply order: a total order over rendered objects, so that what others
//! depend on is applied first (prune uses the reverse). Namespaces and CRDs
//! first, then policies and identities, configuration, storage, RBAC,
//! services, workloads, then everything else (custom resources last); ties
//! broken by group, namespace and name.

use crate::model::common::ObjectRef;

/// Kinds in the order they are applied. Unknown kinds come after all of these.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The rank of a kind in apply order.
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// The sort key of an object in apply order.
pub fn apply_key(id: &ObjectRef) -> (usize, &str, &str, Option<&str>, &str) {
    (
        kind_rank(&id.kind),
        id.group(),
        id.kind.as_str(),
        id.namespace.as_deref(),
        id.name.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(api: &str, kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: api.into(),
            kind: kind.into(),
            namespace: None,
            name: name.into(),
        }
    }

    #[test]
    fn dependencies_first() {
        let mut ids = [
            id("example.com/v1", "Widget", "w"),
            id("apps/v1", "Deployment", "web"),
            id("v1", "ConfigMap", "cfg"),
            id("v1", "Namespace", "prod"),
            id(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                "widgets.example.com",
            ),
            id("v1", "ServiceAccount", "sa"),
            id("v1", "Service", "web"),
        ];
        ids.sort_by(|a, b| apply_key(a).cmp(&apply_key(b)));
        let kinds: Vec<&str> = ids.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "CustomResourceDefinition",
                "ServiceAccount",
                "ConfigMap",
                "Service",
                "Deployment",
                "Widget"
            ]
        );
    }
}

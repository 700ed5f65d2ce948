//! The resource types a simulated cluster serves: the built-in table and the
//! types CRDs add at run time. Discovery, OpenAPI, routing and the store all
//! read this one registry, so a CRD shows up everywhere at once.

use serde_json::Value;

/// How a resource's `/scale` subresource maps onto the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePaths {
    /// JSON pointer of the desired replicas, e.g. `/spec/replicas`.
    pub spec_replicas: String,
    /// JSON pointer of the observed replicas, e.g. `/status/replicas`.
    pub status_replicas: String,
    /// JSON pointer of the label selector string, if any.
    pub label_selector: Option<String>,
}

/// One resource type (a group/version/plural).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Whether `/status` is a subresource (spec and status written apart).
    pub status: bool,
    pub scale: Option<ScalePaths>,
    /// Read-only types (metrics) answer get/list only.
    pub read_only: bool,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group: how Kubernetes
    /// names the resource in error messages.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        if self.read_only {
            vec!["get", "list"]
        } else {
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }
}

/// All resource types of one cluster.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry { types: builtin() }
    }
}

impl Registry {
    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group`/`version`/`plural`.
    pub fn get(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of objects with this apiVersion and kind.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.kind == kind && t.api_version() == api_version)
    }

    /// Registers (or replaces) the types a CRD declares; returns whether
    /// anything changed.
    pub fn register_crd(&mut self, crd: &Value) -> bool {
        let new = crd_types(crd);
        let group = crd
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let plural = crd
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let before = self.types.clone();
        self.types
            .retain(|t| !(t.group == group && t.plural == plural));
        self.types.extend(new);
        self.types != before
    }

    /// Removes the types of a deleted CRD.
    pub fn unregister_crd(&mut self, group: &str, plural: &str) {
        self.types
            .retain(|t| !(t.group == group && t.plural == plural));
    }

    /// Every served group (core first), each with its versions.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => groups.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        groups
    }
}

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

fn builtin() -> Vec<ResourceType> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_are_unique_by_group_version_plural() {
        let reg = Registry::default();
        let mut seen = std::collections::BTreeSet::new();
        for t in reg.types() {
            assert!(
                seen.insert((t.group.clone(), t.version.clone(), t.plural.clone())),
                "{t:?}"
            );
        }
        assert_eq!(
            reg.get("apps", "v1", "deployments")
                .unwrap()
                .qualified_plural(),
            "deployments.apps"
        );
        assert_eq!(reg.by_kind("v1", "Pod").unwrap().plural, "pods");
    }

    #[test]
    fn a_crd_registers_each_served_version_with_its_subresources() {
        let crd = json!({
            "spec": {"group": "apps.kruise.io", "scope": "Namespaced",
                     "names": {"kind": "CloneSet", "plural": "clonesets", "shortNames": ["clone"]},
                     "versions": [
                        {"name": "v1alpha1", "served": true, "storage": true,
                         "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.labelSelector"}}},
                        {"name": "v1old", "served": false}]}
        });
        let mut reg = Registry::default();
        assert!(reg.register_crd(&crd));
        assert!(!reg.register_crd(&crd), "registering twice changes nothing");
        let t = reg.get("apps.kruise.io", "v1alpha1", "clonesets").unwrap();
        assert!(t.namespaced && t.status);
        assert_eq!(t.singular, "cloneset");
        assert_eq!(
            t.scale.as_ref().unwrap().label_selector.as_deref(),
            Some("/status/labelSelector")
        );
        assert!(reg.get("apps.kruise.io", "v1old", "clonesets").is_none());
        reg.unregister_crd("apps.kruise.io", "clonesets");
        assert!(reg.by_kind("apps.kruise.io/v1alpha1", "CloneSet").is_none());
    }
}

//! Resource templates: every object in the repository that is not one of
//! flotilla's own kinds — what should run in the member clusters.

use super::common::{ObjectRef, TemplateFacts};
use super::diag::Location;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One resource template, as written in Git.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// apiVersion/kind/namespace/name: the identity, whatever file it is in.
    pub id: ObjectRef,
    pub labels: BTreeMap<String, String>,
    /// The object as written (namespace filled in for namespaced kinds).
    pub manifest: Value,
    pub location: Location,
}

impl Template {
    pub fn facts(&self) -> TemplateFacts<'_> {
        TemplateFacts {
            api_version: &self.id.api_version,
            kind: &self.id.kind,
            namespace: self.id.namespace.as_deref(),
            name: &self.id.name,
            labels: &self.labels,
        }
    }
}

/// Built-in kinds that are cluster-scoped (no namespace). Everything else is
/// namespaced unless a CustomResourceDefinition in the repository says
/// `scope: Cluster`.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
];

/// Decides whether a template kind is namespaced.
#[derive(Debug, Clone, Default)]
pub struct Scopes {
    /// (group, kind) of CRDs in the repository with `scope: Cluster`.
    cluster_scoped_crds: BTreeSet<(String, String)>,
}

impl Scopes {
    /// Learns the scope of custom resources from the repository's CRDs.
    pub fn from_manifests<'a>(manifests: impl Iterator<Item = &'a Value>) -> Self {
        let mut cluster_scoped_crds = BTreeSet::new();
        for m in manifests {
            if m.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                continue;
            }
            let spec = m.get("spec");
            let scope = spec.and_then(|s| s.get("scope")).and_then(Value::as_str);
            let group = spec.and_then(|s| s.get("group")).and_then(Value::as_str);
            let kind = spec
                .and_then(|s| s.pointer("/names/kind"))
                .and_then(Value::as_str);
            if let (Some("Cluster"), Some(group), Some(kind)) = (scope, group, kind) {
                cluster_scoped_crds.insert((group.to_string(), kind.to_string()));
            }
        }
        Scopes {
            cluster_scoped_crds,
        }
    }

    pub fn namespaced(&self, api_version: &str, kind: &str) -> bool {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        !CLUSTER_SCOPED
            .iter()
            .any(|(g, k)| *g == group && *k == kind)
            && !self
                .cluster_scoped_crds
                .contains(&(group.to_string(), kind.to_string()))
    }
}

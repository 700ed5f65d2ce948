//! Resource templates: every object in the repository that is not one of
//! flotilla's own kinds — what should run in the member clusters — and the
//! checks each gets when it is loaded.

use super::check::Checker;
use super::common::{ObjectRef, TemplateFacts};
use super::diag::{Code, Location};
use super::schema;
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

/// A template that passed its checks: what it is and where, before its
/// manifest moves into the repository.
pub(super) struct CheckedTemplate {
    id: ObjectRef,
    labels: BTreeMap<String, String>,
    location: Location,
}

impl CheckedTemplate {
    /// The template, its manifest normalised: a namespaced object carries its
    /// namespace (`default` when it had none); a cluster-scoped one has none.
    pub(super) fn into_template(self, mut manifest: Value) -> Template {
        if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
            match &self.id.namespace {
                Some(ns) => {
                    meta.insert("namespace".into(), Value::from(ns.as_str()));
                }
                None => {
                    meta.remove("namespace");
                }
            }
        }
        Template {
            id: self.id,
            labels: self.labels,
            manifest,
            location: self.location,
        }
    }
}

/// The checks a template gets when it is loaded: a valid namespace for a
/// namespaced kind (none for a cluster-scoped one), string labels and
/// annotations, valid label keys and values, parseable resource quantities
/// in its pod spec.
pub(super) fn check(
    manifest: &Value,
    api_version: &str,
    kind: &str,
    scopes: &Scopes,
    cx: &mut Checker<'_>,
) -> Option<CheckedTemplate> {
    let name = metadata(manifest, "name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let namespace = if scopes.namespaced(api_version, kind) {
        let ns = metadata(manifest, "namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
            .to_string();
        if let Err(why) = super::common::validate_dns_subdomain(&ns) {
            cx.error(
                Code::InvalidValue,
                "/metadata/namespace",
                format!("invalid namespace: {why}"),
            );
            return None;
        }
        Some(ns)
    } else {
        if metadata(manifest, "namespace").is_some() {
            cx.warning(
                Code::InvalidValue,
                "/metadata/namespace",
                format!("{kind} is cluster-scoped; its namespace is ignored"),
            )
            .help("remove `metadata.namespace`");
        }
        None
    };
    let labels = string_map(manifest, "labels", cx, true);
    string_map(manifest, "annotations", cx, false);
    super::pod_resources::check(kind, manifest, cx);
    Some(CheckedTemplate {
        id: ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace,
            name,
        },
        labels,
        location: cx.location(""),
    })
}

/// `metadata.<field>` of an object. Every object is asked for a few of
/// these, so this avoids parsing a JSON pointer (and its allocations) each time.
pub(super) fn metadata<'v>(object: &'v Value, field: &str) -> Option<&'v Value> {
    object.get("metadata")?.get(field)
}

/// Reads the `map[string]string` field `metadata.<field>`, reporting
/// non-string values (a classic: `version: 1` in labels) and invalid label
/// keys/values.
fn string_map(
    manifest: &Value,
    field: &str,
    cx: &mut Checker<'_>,
    labels: bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(value) = metadata(manifest, field) else {
        return out;
    };
    let ptr = || format!("/metadata/{field}");
    let Some(map) = value.as_object() else {
        if !value.is_null() {
            cx.error(
                Code::WrongType,
                &ptr(),
                format!("`{}` must be a mapping of strings", schema::dotted(&ptr())),
            );
        }
        return out;
    };
    for (k, v) in map {
        // Only built when there is something to report.
        let at = || format!("{}/{}", ptr(), super::common::escape_pointer(k));
        match v.as_str() {
            Some(s) => {
                if labels {
                    if let Err(why) = super::common::validate_qualified_name(k) {
                        cx.error(
                            Code::InvalidValue,
                            &at(),
                            format!("invalid label key `{k}`: {why}"),
                        );
                    } else if let Err(why) = super::common::validate_label_value(s) {
                        cx.error(
                            Code::InvalidValue,
                            &at(),
                            format!("invalid label value `{s}`: {why}"),
                        );
                    }
                }
                out.insert(k.clone(), s.to_string());
            }
            None => {
                let at = at();
                cx.error(
                    Code::WrongType,
                    &at,
                    format!("`{}` must be a string, found {v}", schema::dotted(&at)),
                )
                .help(format!(
                    "quote it: `{k}: \"{}\"`",
                    v.to_string().trim_matches('"')
                ));
            }
        }
    }
    out
}

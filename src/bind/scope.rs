//! Resource selectors of a namespaced PropagationPolicy that can never match.
//!
//! Karmada's detector only offers a template to the PropagationPolicies of
//! the template's own namespace, and never offers cluster-scoped templates to
//! them. A selector naming another namespace, or a cluster-scoped kind, is
//! accepted by Karmada's webhook but selects nothing: almost always a
//! mistake, which flotilla reports as a warning (`Code::IneffectiveSelector`).

use crate::model::check::Checker;
use crate::model::common::ResourceSelector;
use crate::model::diag::Code;

/// One resource selector of a namespaced policy that selects nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorScopeProblem {
    /// `resourceSelectors[index].namespace` is not the policy's namespace.
    OtherNamespace { index: usize, namespace: String },
    /// `resourceSelectors[index]` names a well-known cluster-scoped kind.
    ClusterScopedKind { index: usize, kind: String },
}

impl SelectorScopeProblem {
    /// The JSON pointer of the offending field in the policy document.
    pub fn pointer(&self) -> String {
        match self {
            SelectorScopeProblem::OtherNamespace { index, .. } => {
                format!("/spec/resourceSelectors/{index}/namespace")
            }
            SelectorScopeProblem::ClusterScopedKind { index, .. } => {
                format!("/spec/resourceSelectors/{index}/kind")
            }
        }
    }

    /// The diagnostic message, given the policy's namespace.
    pub fn message(&self, policy_namespace: &str) -> String {
        match self {
            SelectorScopeProblem::OtherNamespace { namespace, .. } => format!(
                "this selector names namespace `{namespace}`, but a PropagationPolicy in `{policy_namespace}` only selects objects in `{policy_namespace}`"
            ),
            SelectorScopeProblem::ClusterScopedKind { kind, .. } => {
                format!("`{kind}` is cluster-scoped, and a PropagationPolicy never selects cluster-scoped objects")
            }
        }
    }

    /// What would be right.
    pub fn help(&self) -> &'static str {
        match self {
            SelectorScopeProblem::OtherNamespace { .. } => {
                "move the policy to that namespace, remove `namespace`, or use a ClusterPropagationPolicy"
            }
            SelectorScopeProblem::ClusterScopedKind { .. } => "use a ClusterPropagationPolicy for cluster-scoped objects",
        }
    }
}

/// Kinds that are cluster-scoped in every Kubernetes version, by API group.
/// Custom resources are not known here (their CRD says), so they are not
/// checked.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("apiregistration.k8s.io", "APIService"),
];

/// The selectors of a PropagationPolicy in `policy_namespace` that can never
/// select anything, in selector order.
pub fn check_selector_scope(
    policy_namespace: &str,
    selectors: &[ResourceSelector],
) -> Vec<SelectorScopeProblem> {
    let mut problems = Vec::new();
    for (index, selector) in selectors.iter().enumerate() {
        let group = selector.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        if CLUSTER_SCOPED
            .iter()
            .any(|(g, k)| *g == group && *k == selector.kind)
        {
            problems.push(SelectorScopeProblem::ClusterScopedKind {
                index,
                kind: selector.kind.clone(),
            });
        } else if let Some(ns) = selector
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty() && *ns != policy_namespace)
        {
            problems.push(SelectorScopeProblem::OtherNamespace {
                index,
                namespace: ns.to_string(),
            });
        }
    }
    problems
}

/// Reports [`check_selector_scope`]'s findings as `IneffectiveSelector`
/// warnings on a PropagationPolicy document.
pub fn report_selector_scope(
    cx: &mut Checker<'_>,
    policy_namespace: &str,
    selectors: &[ResourceSelector],
) {
    for problem in check_selector_scope(policy_namespace, selectors) {
        cx.warning(
            Code::IneffectiveSelector,
            &problem.pointer(),
            problem.message(policy_namespace),
        )
        .help(problem.help());
    }
}

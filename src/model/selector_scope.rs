//! Resource selectors of a namespaced policy that can never match.
//!
//! Karmada only offers a template to the PropagationPolicies and
//! OverridePolicies of the template's own namespace, and never offers
//! cluster-scoped templates to them. A selector naming another namespace, or
//! a cluster-scoped kind, is accepted by Karmada's webhook but selects
//! nothing: almost always a mistake, reported as a warning
//! (`Code::IneffectiveSelector`).

use super::check::Checker;
use super::common::ResourceSelector;
use super::diag::Code;
use super::template::Scopes;

/// One resource selector of a namespaced policy that selects nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorScopeProblem {
    /// `resourceSelectors[index].namespace` is not the policy's namespace.
    OtherNamespace { index: usize, namespace: String },
    /// `resourceSelectors[index]` names a cluster-scoped kind.
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

    /// The diagnostic message for a policy of `policy_kind` in `policy_namespace`.
    pub fn message(&self, policy_kind: &str, policy_namespace: &str) -> String {
        match self {
            SelectorScopeProblem::OtherNamespace { namespace, .. } => format!(
                "this selector names namespace `{namespace}`, but a {policy_kind} in `{policy_namespace}` only selects objects in `{policy_namespace}`"
            ),
            SelectorScopeProblem::ClusterScopedKind { kind, .. } => {
                format!("`{kind}` is cluster-scoped, and a {policy_kind} never selects cluster-scoped objects")
            }
        }
    }

    /// What would be right.
    pub fn help(&self, policy_kind: &str) -> String {
        match self {
            SelectorScopeProblem::OtherNamespace { .. } => format!(
                "move the policy to that namespace, remove `namespace`, or use a Cluster{policy_kind}"
            ),
            SelectorScopeProblem::ClusterScopedKind { .. } => {
                format!("use a Cluster{policy_kind} for cluster-scoped objects")
            }
        }
    }
}

/// The selectors of a namespaced policy in `policy_namespace` that can never
/// select anything, in selector order. `scopes` knows the built-in
/// cluster-scoped kinds and those of the repository's CRDs.
pub fn check_selector_scope(
    policy_namespace: &str,
    selectors: &[ResourceSelector],
    scopes: &Scopes,
) -> Vec<SelectorScopeProblem> {
    let mut problems = Vec::new();
    for (index, selector) in selectors.iter().enumerate() {
        if !scopes.namespaced(&selector.api_version, &selector.kind) {
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
/// warnings on a namespaced policy's document.
pub fn report_selector_scope(
    cx: &mut Checker<'_>,
    policy_kind: &str,
    policy_namespace: &str,
    selectors: &[ResourceSelector],
    scopes: &Scopes,
) {
    for problem in check_selector_scope(policy_namespace, selectors, scopes) {
        cx.warning(
            Code::IneffectiveSelector,
            &problem.pointer(),
            problem.message(policy_kind, policy_namespace),
        )
        .help(problem.help(policy_kind));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(api_version: &str, kind: &str, namespace: Option<&str>) -> ResourceSelector {
        ResourceSelector {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            name: None,
            label_selector: None,
        }
    }

    #[test]
    fn selector_scope() {
        let crd = serde_json::json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Fleet"}}
        });
        let scopes = Scopes::from_manifests(std::iter::once(&crd));
        let selectors = vec![
            sel("apps/v1", "Deployment", Some("shop")),
            sel("apps/v1", "Deployment", Some("other")),
            sel("apps/v1", "Deployment", Some("")),
            sel("v1", "Namespace", None),
            sel("rbac.authorization.k8s.io/v1", "ClusterRole", None),
            sel("rbac.authorization.k8s.io/v1", "Role", None),
            sel("example.com/v1", "Fleet", None),
        ];
        let got = check_selector_scope("shop", &selectors, &scopes);
        assert_eq!(
            got,
            vec![
                SelectorScopeProblem::OtherNamespace {
                    index: 1,
                    namespace: "other".into()
                },
                SelectorScopeProblem::ClusterScopedKind {
                    index: 3,
                    kind: "Namespace".into()
                },
                SelectorScopeProblem::ClusterScopedKind {
                    index: 4,
                    kind: "ClusterRole".into()
                },
                SelectorScopeProblem::ClusterScopedKind {
                    index: 6,
                    kind: "Fleet".into()
                },
            ]
        );
        assert_eq!(got[0].pointer(), "/spec/resourceSelectors/1/namespace");
        assert_eq!(got[1].pointer(), "/spec/resourceSelectors/3/kind");
    }

    #[test]
    fn selector_scope_reported_at_the_field() {
        let text = "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  resourceSelectors:\n    - apiVersion: apps/v1\n      kind: Deployment\n      namespace: other\n";
        let stream = crate::model::yaml::parse_stream(text, 10_000).expect("yaml");
        let doc = &stream.documents[0];
        let mut cx = Checker::new("p.yaml", doc);
        let selectors = [sel("apps/v1", "Deployment", Some("other"))];
        report_selector_scope(
            &mut cx,
            "PropagationPolicy",
            "shop",
            &selectors,
            &Scopes::default(),
        );
        assert_eq!(cx.diagnostics.len(), 1);
        let d = &cx.diagnostics[0];
        assert_eq!(d.code, Code::IneffectiveSelector);
        assert_eq!((d.location.line, d.location.col), (10, 18));
        assert!(d.message.contains("`other`"), "{}", d.message);
    }
}

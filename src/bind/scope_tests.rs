//! Selector scope: selectors of a namespaced policy that select nothing.

use super::tests::sel;
use super::*;
use crate::model::check::Checker;

#[test]
fn selector_scope() {
    let selectors = vec![
        sel("Deployment", None, None, Some("shop")),
        sel("Deployment", None, None, Some("other")),
        sel("Deployment", None, None, Some("")),
        ResourceSelector {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: Some("shop".into()),
            label_selector: None,
        },
        ResourceSelector {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "ClusterRole".into(),
            namespace: None,
            name: None,
            label_selector: None,
        },
        ResourceSelector {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "Role".into(),
            namespace: None,
            name: None,
            label_selector: None,
        },
    ];
    let got = check_selector_scope("shop", &selectors);
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
    report_selector_scope(
        &mut cx,
        "shop",
        &[sel("Deployment", None, None, Some("other"))],
    );
    assert_eq!(cx.diagnostics.len(), 1);
    let d = &cx.diagnostics[0];
    assert_eq!(d.code, crate::model::diag::Code::IneffectiveSelector);
    assert_eq!((d.location.line, d.location.col), (10, 18));
    assert!(d.message.contains("`other`"), "{}", d.message);
}

//! Checks across objects: duplicate identities, references to clusters that
//! no Cluster defines, override rules that target no cluster, and policies
//! whose selectors can never match because of their namespace.

use super::check::Checker;
use super::common::ClusterFacts;
use super::diag::{Code, Diagnostic};
use super::kinds::KnownKind;
use super::load::Loaded;
use super::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// The YAML tree of a typed object, kept until the cross checks have run so
/// that they can point into it.
pub(crate) struct KeptNode {
    pub kind: KnownKind,
    pub index: usize,
    pub path: String,
    pub node: Node,
}

pub(crate) fn cross_check(loaded: &mut Loaded, kept: &[KeptNode]) {
    duplicates(loaded);
    let repo = &loaded.repository;
    let cluster_names: BTreeSet<&str> = repo.clusters.iter().map(|c| c.id.name.as_str()).collect();
    let facts: Vec<ClusterFacts<'_>> = repo.clusters.iter().map(|c| c.value.facts()).collect();
    let mut out = Vec::new();
    for k in kept {
        let mut cx = Checker::new(&k.path, &k.node);
        match k.kind {
            KnownKind::PropagationPolicy | KnownKind::ClusterPropagationPolicy => {
                let Some(policy) = repo.propagation_policies.get(k.index) else {
                    continue;
                };
                for (pointer, name) in policy.value.referenced_clusters() {
                    if !cluster_names.contains(name.as_str()) {
                        cx.warning(
                            Code::UnknownCluster,
                            &pointer,
                            format!("no Cluster named `{name}` in the repository"),
                        )
                        .help(nearest_cluster(&name, &cluster_names));
                    }
                }
                namespace_scope(
                    &mut cx,
                    k.kind,
                    policy.id.namespace.as_deref(),
                    policy
                        .value
                        .spec
                        .resource_selectors
                        .iter()
                        .map(|s| s.namespace.as_deref()),
                );
            }
            KnownKind::OverridePolicy | KnownKind::ClusterOverridePolicy => {
                let Some(policy) = repo.override_policies.get(k.index) else {
                    continue;
                };
                if !facts.is_empty() {
                    policy.value.check_targets(&facts, &mut cx);
                }
                namespace_scope(
                    &mut cx,
                    k.kind,
                    policy.id.namespace.as_deref(),
                    policy
                        .value
                        .spec
                        .resource_selectors
                        .iter()
                        .map(|s| s.namespace.as_deref()),
                );
            }
            _ => {}
        }
        out.append(&mut cx.diagnostics);
    }
    loaded.diagnostics.append(&mut out);
}

fn nearest_cluster(name: &str, known: &BTreeSet<&str>) -> String {
    let names: Vec<String> = known.iter().map(|s| s.to_string()).collect();
    match super::schema::nearest(name, &names) {
        Some(n) => format!("did you mean `{n}`? (or add a Cluster object named `{name}`)"),
        None if names.is_empty() => {
            format!("add a `cluster.karmada.io/v1alpha1` Cluster named `{name}`")
        }
        None => format!("known clusters: {}", names.join(", ")),
    }
}

/// A namespaced policy only sees templates in its own namespace (Karmada);
/// a selector naming another namespace can never match.
fn namespace_scope<'a>(
    cx: &mut Checker<'_>,
    kind: KnownKind,
    own: Option<&str>,
    selectors: impl Iterator<Item = Option<&'a str>>,
) {
    if !kind.namespaced() {
        return;
    }
    for (i, ns) in selectors.enumerate() {
        if let (Some(ns), Some(own)) = (ns.filter(|n| !n.is_empty()), own) {
            if ns != own {
                cx.warning(
                    Code::IneffectiveSelector,
                    &format!("/spec/resourceSelectors/{i}/namespace"),
                    format!(
                        "this {} lives in namespace `{own}` and can never select objects in `{ns}`",
                        kind.kind()
                    ),
                )
                .help(format!(
                    "move the policy to namespace `{ns}`, or use a Cluster{} instead",
                    kind.kind()
                ));
            }
        }
    }
}

fn duplicates(loaded: &mut Loaded) {
    let mut first: BTreeMap<_, &super::diag::Location> = BTreeMap::new();
    let mut found = Vec::new();
    let mut ids = loaded.repository.identities();
    ids.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (id, location) in ids {
        match first.get(id) {
            Some(original) => found.push(
                Diagnostic::error(Code::DuplicateObject, location.clone(), format!("{id} ({}) is defined twice", id.api_version))
                    .with_note(Some((*original).clone()), "first defined here")
                    .with_help("an object's identity is apiVersion/kind/namespace/name; remove or rename one of them"),
            ),
            None => {
                first.insert(id, location);
            }
        }
    }
    loaded.diagnostics.append(&mut found);
}

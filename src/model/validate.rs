//! Checks across objects: duplicate identities, references to clusters that
//! no Cluster defines, override rules that target no cluster, and policies
//! whose selectors can never match because of their namespace or scope.

use super::check::Checker;
use super::common::ClusterFacts;
use super::common::ObjectRef;
use super::diag::{Code, Diagnostic, Location};
use super::kinds::KnownKind;
use super::load::Loaded;
use super::selector_scope::report_selector_scope;
use super::template::Scopes;
use super::yaml::{Positions, Spans};
use std::collections::BTreeSet;

/// A typed object as parsed (value and positions), kept until the cross
/// checks have run so that they can point into it.
pub(crate) struct KeptNode {
    pub kind: KnownKind,
    pub index: usize,
    pub path: String,
    pub json: serde_json::Value,
    pub spans: Spans,
}

pub(crate) fn cross_check(loaded: &mut Loaded, kept: &[KeptNode], scopes: &Scopes) {
    duplicates(loaded);
    let repo = &loaded.repository;
    let cluster_names: BTreeSet<&str> = repo.clusters.iter().map(|c| c.id.name.as_str()).collect();
    let facts: Vec<ClusterFacts<'_>> = repo.clusters.iter().map(|c| c.value.facts()).collect();
    let mut out = Vec::new();
    for k in kept {
        let mut cx = Checker::new(&k.path, Positions::new(&k.json, &k.spans));
        let (id, selectors) = match k.kind {
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
                (&policy.id, &policy.value.spec.resource_selectors)
            }
            KnownKind::OverridePolicy | KnownKind::ClusterOverridePolicy => {
                let Some(policy) = repo.override_policies.get(k.index) else {
                    continue;
                };
                if !facts.is_empty() {
                    policy.value.check_targets(&facts, &mut cx);
                }
                (&policy.id, &policy.value.spec.resource_selectors)
            }
            _ => continue,
        };
        if let (true, Some(namespace)) = (k.kind.namespaced(), id.namespace.as_deref()) {
            report_selector_scope(&mut cx, k.kind.kind(), namespace, selectors, scopes);
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

fn duplicates(loaded: &mut Loaded) {
    let mut found = Vec::new();
    let mut ids = loaded.repository.identities();
    // Sorted by identity, then location: the copies of an identity are
    // adjacent, the first of them is the original.
    ids.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut original: Option<(&ObjectRef, &Location)> = None;
    for (id, location) in ids {
        match original {
            Some((first_id, first_location)) if first_id == id => found.push(
                Diagnostic::error(Code::DuplicateObject, location.clone(), format!("{id} ({}) is defined twice", id.api_version))
                    .with_note(Some(first_location.clone()), "first defined here")
                    .with_help("an object's identity is apiVersion/kind/namespace/name; remove or rename one of them"),
            ),
            _ => original = Some((id, location)),
        }
    }
    loaded.diagnostics.append(&mut found);
}

//! What each cluster should hold, computed from one good revision: the
//! render (with the clusters' observed state and the previous placements as
//! inputs) cut per cluster, plus the facts the apply planner needs beside
//! the manifests: which objects may be adopted, and the prune guards.
//!
//! Pure: the loaded repository, observations and previous decisions come in.

use crate::model::cluster_state::{self, ClusterObservation};
use crate::model::common::ObjectRef;
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::propagation::ConflictResolution;
use crate::model::kinds::settings::PruneSettings;
use crate::model::Repository;
use crate::render::{self, PlacementResult, Previous, RenderInput, RenderedObject};
use std::collections::{BTreeMap, BTreeSet};

/// One cluster's share of a revision.
#[derive(Debug, Clone, Default)]
pub struct ClusterDesired {
    /// In apply order.
    pub objects: Vec<RenderedObject>,
    /// Objects whose policy says `conflictResolution: Overwrite`: an
    /// existing unlabelled object of that identity is taken over.
    pub adopt: BTreeSet<ObjectRef>,
}

/// Everything the clusters should hold at one revision.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub revision: String,
    pub instance: String,
    /// Every cluster the repository defines, even those that get nothing
    /// (an empty entry is a statement: "nothing here", which prune guards).
    pub clusters: BTreeMap<String, ClusterDesired>,
    /// The kubeconfig context of each cluster.
    pub contexts: BTreeMap<String, String>,
    pub placements: Vec<PlacementResult>,
    pub prune: PruneSettings,
}

/// Renders `repository` at `revision` for its clusters, with what was
/// observed of them; `instance` overrides the Settings' instance.
pub fn desired(
    repository: &Repository,
    revision: &str,
    instance: Option<&str>,
    observed: &[ClusterObservation],
    previous: &Previous,
) -> Desired {
    let settings = repository.settings();
    let instance = instance.unwrap_or(settings.instance());
    let clusters: Vec<Cluster> = repository
        .clusters
        .iter()
        .map(|c| c.value.clone())
        .collect();
    // Observations of clusters the repository no longer defines are stale
    // leftovers of an earlier revision; they are simply not merged.
    let (clusters, _unknown) = cluster_state::merge(&clusters, observed);
    let rendered = render::render(&RenderInput {
        repository,
        revision,
        instance,
        clusters: &clusters,
        previous,
    });
    let overwrite: BTreeSet<(String, Option<String>, String)> = repository
        .propagation_policies
        .iter()
        .filter(|p| p.value.spec.conflict_resolution == Some(ConflictResolution::Overwrite))
        .map(|p| (p.id.kind.clone(), p.id.namespace.clone(), p.id.name.clone()))
        .collect();
    let adopt: BTreeSet<ObjectRef> = rendered
        .placements
        .iter()
        .filter(|p| {
            overwrite.contains(&(
                p.policy.kind.clone(),
                p.policy.namespace.clone(),
                p.policy.name.clone(),
            ))
        })
        .map(|p| p.resource.clone())
        .collect();
    let contexts = clusters
        .iter()
        .map(|c| (c.metadata.name.clone(), c.context().to_string()))
        .collect();
    let per_cluster = rendered
        .clusters
        .into_iter()
        .map(|(name, objects)| {
            let adopt = objects
                .iter()
                .filter(|o| adopt.contains(&o.id))
                .map(|o| o.id.clone())
                .collect();
            (name, ClusterDesired { objects, adopt })
        })
        .collect();
    Desired {
        revision: revision.to_string(),
        instance: instance.to_string(),
        clusters: per_cluster,
        contexts,
        placements: rendered.placements,
        prune: settings.spec.prune.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTERS: &str = "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: a\n---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: b\n  annotations:\n    flotilla.io/context: kind-b\n";
    const APPS: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: taken\n  namespace: default\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: default\ndata: {k: v}\n";
    const POLICIES: &str = "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: take\n  namespace: default\nspec:\n  conflictResolution: Overwrite\n  resourceSelectors:\n    - {apiVersion: v1, kind: ConfigMap, name: taken}\n  placement:\n    clusterAffinity: {clusterNames: [a]}\n---\napiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: keep\n  namespace: default\nspec:\n  resourceSelectors:\n    - {apiVersion: v1, kind: ConfigMap, name: kept}\n  placement:\n    clusterAffinity: {clusterNames: [a]}\n";
    const SETTINGS: &str = "apiVersion: flotilla.io/v1alpha1\nkind: Settings\nspec:\n  instance: fleet-1\n  prune:\n    maxDeletePercent: 10\n";

    fn desired_of(files: &[(&str, &str)]) -> Desired {
        let loaded = crate::model::load(
            files.iter().map(|(p, t)| (*p, t.as_bytes())),
            &crate::model::LoadLimits::default(),
        );
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        desired(
            &loaded.repository,
            "c0ffee",
            None,
            &[],
            &Previous::default(),
        )
    }

    #[test]
    fn every_cluster_is_listed_with_its_context_and_adoptions() {
        let d = desired_of(&[
            ("clusters.yaml", CLUSTERS),
            ("apps.yaml", APPS),
            ("policies.yaml", POLICIES),
            ("flotilla.yaml", SETTINGS),
        ]);
        assert_eq!(d.revision, "c0ffee");
        assert_eq!(d.instance, "fleet-1");
        assert_eq!(d.prune.max_delete_percent(), 10);
        assert_eq!(
            d.contexts
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
            [("a", "a"), ("b", "kind-b")]
        );
        let a = &d.clusters["a"];
        let names: Vec<&str> = a.objects.iter().map(|o| o.id.name.as_str()).collect();
        assert_eq!(names, ["kept", "taken"]);
        let adopted: Vec<&str> = a.adopt.iter().map(|id| id.name.as_str()).collect();
        assert_eq!(adopted, ["taken"], "only the Overwrite policy's object");
        assert!(
            d.clusters["b"].objects.is_empty(),
            "a cluster that gets nothing is still listed, so prune sees an empty render"
        );
    }
}

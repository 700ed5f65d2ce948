//! The render pipeline: bind every template to its policy, schedule it, and
//! produce each target cluster's manifest — replicas revised to the cluster's
//! share, overrides applied (Karmada's order: revise first, overrides last,
//! "as override rules have the highest priority"), ownership marks and hash.
//!
//! Pure: the repository, the observed cluster state and the previous
//! decisions come in; a [`Rendered`] value comes out.

use super::ownership;
use super::previous::Previous;
use super::replicas;
use crate::bind::{self, PolicyFacts, PolicyScope};
use crate::model::common::ObjectRef;
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::override_policy::OverridePolicy;
use crate::model::kinds::propagation::{PropagationPolicy, ReplicaSchedulingType};
use crate::model::{Located, Repository, Template};
use crate::schedule::{self, ClusterView, ScheduleInput, TargetCluster};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the pipeline needs besides the repository.
pub struct RenderInput<'a> {
    pub repository: &'a Repository,
    /// The commit id, or "worktree".
    pub revision: &'a str,
    /// The flotilla instance name, for the ownership label.
    pub instance: &'a str,
    /// Clusters merged with their observed state (see `cluster_state`).
    pub clusters: &'a [Cluster],
    pub previous: &'a Previous,
}

/// The policy that placed a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

/// The scheduling result for one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacementResult {
    pub resource: ObjectRef,
    pub policy: PolicyRef,
    /// Sorted by name.
    pub clusters: Vec<TargetCluster>,
    #[serde(rename = "affinityName", skip_serializing_if = "Option::is_none")]
    pub affinity_name: Option<String>,
    /// Why each cluster got what it got (or was left out).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, String>,
    pub error: Option<String>,
}

/// One object for one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedObject {
    pub id: ObjectRef,
    pub manifest: Value,
}

/// The whole render: per-cluster manifests in apply order, and placements.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub revision: String,
    pub clusters: BTreeMap<String, Vec<RenderedObject>>,
    pub placements: Vec<PlacementResult>,
}

/// Renders the repository for every cluster.
pub fn render(input: &RenderInput<'_>) -> Rendered {
    let repo = input.repository;
    let policies = &repo.propagation_policies;
    // `applicable` takes the policies as a slice; clone them once per render,
    // not once per template and cluster.
    let override_policies: Vec<OverridePolicy> = repo
        .override_policies
        .iter()
        .map(|l| l.value.clone())
        .collect();
    let facts: Vec<PolicyFacts<'_>> = policies.iter().map(policy_facts).collect();
    let views: Vec<ClusterView<'_>> = input
        .clusters
        .iter()
        .map(|cluster| ClusterView { cluster })
        .collect();
    let by_id: BTreeMap<&ObjectRef, &Template> =
        repo.templates.iter().map(|t| (&t.id, t)).collect();

    let mut out = Rendered {
        revision: input.revision.to_string(),
        ..Rendered::default()
    };
    for name in input.clusters.iter().map(|c| c.metadata.name.clone()) {
        out.clusters.insert(name, Vec::new());
    }
    // Each template's target clusters, before dependencies are added.
    let mut targets: BTreeMap<&ObjectRef, (usize, Vec<TargetCluster>)> = BTreeMap::new();
    for template in &repo.templates {
        let Some(claim) = bind::claim(&template.facts(), &facts) else {
            continue;
        };
        let policy = &policies[claim.policy];
        let placement = schedule_one(template, policy, &views, input.previous);
        if placement.error.is_none() || !placement.clusters.is_empty() {
            targets.insert(&template.id, (claim.policy, placement.clusters.clone()));
        }
        out.placements.push(placement);
    }
    follow_dependencies(
        &repo.templates,
        policies,
        &by_id,
        &mut targets,
        &mut out.placements,
    );

    for (id, (policy_index, clusters)) in &targets {
        let Some(template) = by_id.get(id) else {
            continue;
        };
        let divided = policies[*policy_index]
            .value
            .spec
            .placement
            .scheduling_type()
            == ReplicaSchedulingType::Divided;
        let applicable = super::overrides::applicable(&template.facts(), &override_policies);
        for target in clusters {
            let Some(cluster) = input
                .clusters
                .iter()
                .find(|c| c.metadata.name == target.name)
            else {
                continue;
            };
            match render_for_cluster(
                template,
                cluster,
                divided,
                target.replicas,
                &applicable,
                input,
            ) {
                Ok(manifest) => {
                    if let Some(list) = out.clusters.get_mut(&target.name) {
                        list.push(RenderedObject {
                            id: template.id.clone(),
                            manifest,
                        });
                    }
                }
                Err(e) => {
                    if let Some(p) = out.placements.iter_mut().find(|p| &p.resource == *id) {
                        let msg = format!("cluster {}: {e}", target.name);
                        p.error = Some(match p.error.take() {
                            Some(prev) => format!("{prev}; {msg}"),
                            None => msg,
                        });
                    }
                }
            }
        }
    }
    for list in out.clusters.values_mut() {
        list.sort_by(|a, b| super::order::apply_key(&a.id).cmp(&super::order::apply_key(&b.id)));
    }
    out.placements.sort_by(|a, b| a.resource.cmp(&b.resource));
    out
}

fn policy_facts(p: &Located<PropagationPolicy>) -> PolicyFacts<'_> {
    let scope = match &p.id.namespace {
        Some(namespace) if p.id.kind == "PropagationPolicy" => {
            PolicyScope::Namespaced { namespace }
        }
        _ => PolicyScope::Cluster,
    };
    PolicyFacts {
        scope,
        name: &p.id.name,
        priority: p.value.spec.priority.unwrap_or(0),
        selectors: &p.value.spec.resource_selectors,
        propagate_deps: p.value.spec.propagate_deps,
    }
}

fn policy_ref(p: &Located<PropagationPolicy>) -> PolicyRef {
    PolicyRef {
        kind: p.id.kind.clone(),
        namespace: p.id.namespace.clone(),
        name: p.id.name.clone(),
    }
}

fn schedule_one(
    template: &Template,
    policy: &Located<PropagationPolicy>,
    views: &[ClusterView<'_>],
    previous: &Previous,
) -> PlacementResult {
    let prev = previous.get(&template.id);
    let replicas = crate::model::defaults::template_replicas(&template.id.kind, &template.manifest);
    let input = ScheduleInput {
        placement: &policy.value.spec.placement,
        api_version: &template.id.api_version,
        kind: &template.id.kind,
        replicas,
        clusters: views,
        previous: prev,
    };
    match schedule::schedule(&input) {
        Ok(decision) => PlacementResult {
            resource: template.id.clone(),
            policy: policy_ref(policy),
            clusters: decision.clusters,
            affinity_name: decision.affinity_name,
            reasons: decision.reasons,
            error: None,
        },
        Err(e) => PlacementResult {
            resource: template.id.clone(),
            policy: policy_ref(policy),
            // Not schedulable: keep running where it ran before.
            clusters: prev.map(<[TargetCluster]>::to_vec).unwrap_or_default(),
            affinity_name: None,
            reasons: BTreeMap::new(),
            error: Some(e.to_string()),
        },
    }
}

/// `propagateDeps`: ConfigMaps, Secrets, ServiceAccounts and PVCs that a
/// workload's pod template references go to the workload's clusters too
/// (in addition to wherever their own policy sends them).
fn follow_dependencies<'a>(
    templates: &'a [Template],
    policies: &[Located<PropagationPolicy>],
    by_id: &BTreeMap<&'a ObjectRef, &'a Template>,
    targets: &mut BTreeMap<&'a ObjectRef, (usize, Vec<TargetCluster>)>,
    placements: &mut Vec<PlacementResult>,
) {
    let mut extra: BTreeMap<&'a ObjectRef, (usize, BTreeSet<String>, Vec<String>)> =
        BTreeMap::new();
    for template in templates {
        let Some((policy_index, clusters)) = targets.get(&template.id) else {
            continue;
        };
        if !policies[*policy_index].value.spec.propagate_deps {
            continue;
        }
        let namespace = template.id.namespace.as_deref().unwrap_or("default");
        for dep in bind::dependencies(
            &template.id.kind,
            &template.id.api_version,
            namespace,
            &template.manifest,
        ) {
            let Some((dep_id, _)) = by_id.get_key_value(&dep) else {
                continue;
            };
            let entry = extra
                .entry(dep_id)
                .or_insert_with(|| (*policy_index, BTreeSet::new(), Vec::new()));
            entry.1.extend(clusters.iter().map(|c| c.name.clone()));
            entry.2.push(template.id.to_string());
        }
    }
    for (dep_id, (policy_index, clusters, dependents)) in extra {
        let reason = format!("dependency of {}", dependents.join(", "));
        match targets.get_mut(dep_id) {
            Some((_, own)) => {
                for name in clusters {
                    if !own.iter().any(|c| c.name == name) {
                        own.push(TargetCluster { name, replicas: 0 });
                    }
                }
                own.sort_by(|a, b| a.name.cmp(&b.name));
                if let Some(p) = placements.iter_mut().find(|p| &p.resource == dep_id) {
                    p.clusters = own.clone();
                }
            }
            None => {
                let list: Vec<TargetCluster> = clusters
                    .into_iter()
                    .map(|name| TargetCluster { name, replicas: 0 })
                    .collect();
                let reasons = list
                    .iter()
                    .map(|c| (c.name.clone(), reason.clone()))
                    .collect();
                placements.push(PlacementResult {
                    resource: dep_id.clone(),
                    policy: policy_ref(&policies[policy_index]),
                    clusters: list.clone(),
                    affinity_name: None,
                    reasons,
                    error: None,
                });
                targets.insert(dep_id, (policy_index, list));
            }
        }
    }
}

fn render_for_cluster(
    template: &Template,
    cluster: &Cluster,
    divided: bool,
    share: i32,
    applicable: &[&OverridePolicy],
    input: &RenderInput<'_>,
) -> Result<Value, super::overrides::OverrideError> {
    let mut manifest = template.manifest.clone();
    if divided {
        replicas::revise(&template.id.kind, &mut manifest, share);
    }
    let (mut manifest, _applied) =
        super::overrides::apply_overrides(manifest, &cluster.facts(), applicable)?;
    ownership::mark(
        &mut manifest,
        input.instance,
        &template.location.path,
        input.revision,
    );
    Ok(manifest)
}

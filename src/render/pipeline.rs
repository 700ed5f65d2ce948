//! The render pipeline: bind every template to its policy, schedule it, and
//! produce each target cluster's manifest — replicas revised to the cluster's
//! share, overrides applied (Karmada's order: revise first, overrides last,
//! "as override rules have the highest priority"), ownership marks and hash.
//! Each placement records why every cluster got what it got and which
//! override rules changed its manifest.
//!
//! Pure: the repository, the observed cluster state and the previous
//! decisions come in; a [`Rendered`] value comes out.

use super::ownership;
use super::placement::{policy_ref, schedule_one};
use super::previous::Previous;
use super::replicas;
use crate::bind::{self, PolicyFacts, PolicyScope};
use crate::model::common::ObjectRef;
use crate::model::kinds::cluster::Cluster;
use crate::model::kinds::override_policy::OverridePolicy;
use crate::model::kinds::propagation::{PropagationPolicy, ReplicaSchedulingType};
use crate::model::{Located, Repository, Template};
use crate::schedule::{ClusterView, TargetCluster};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// Why this policy claimed the resource (the binding rule that picked
    /// it); absent for a dependency that no policy of its own selects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// The template's replicas, as scheduled; absent for objects without
    /// replicas (a ConfigMap, a Service).
    #[serde(rename = "templateReplicas", skip_serializing_if = "Option::is_none")]
    pub template_replicas: Option<i32>,
    /// Sorted by name.
    pub clusters: Vec<TargetCluster>,
    #[serde(rename = "affinityName", skip_serializing_if = "Option::is_none")]
    pub affinity_name: Option<String>,
    /// Why each cluster got what it got (or was left out).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, String>,
    /// About the decision as a whole (cluster affinity groups skipped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Per cluster, the override rules applied to its manifest, in the
    /// order they were applied.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, Vec<String>>,
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
        let mut placement = schedule_one(template, policy, &views, input.previous);
        placement.claim = Some(claim.reason);
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

    let placement_of: BTreeMap<ObjectRef, usize> = out
        .placements
        .iter()
        .enumerate()
        .map(|(i, p)| (p.resource.clone(), i))
        .collect();
    for (id, (policy_index, clusters)) in &targets {
        let placement = placement_of.get(*id).copied();
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
                Ok((manifest, applied)) => {
                    if let Some(list) = out.clusters.get_mut(&target.name) {
                        list.push(RenderedObject {
                            id: template.id.clone(),
                            manifest,
                        });
                    }
                    if let Some(p) = placement.and_then(|i| out.placements.get_mut(i)) {
                        if !applied.is_empty() {
                            p.overrides.insert(
                                target.name.clone(),
                                applied.iter().map(ToString::to_string).collect(),
                            );
                        }
                    }
                }
                Err(e) => {
                    if let Some(p) = placement.and_then(|i| out.placements.get_mut(i)) {
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

/// `propagateDeps`: ConfigMaps, Secrets, ServiceAccounts and PVCs that a
/// workload's pod template references go to the workload's clusters too
/// (in addition to wherever their own policy sends them). Each cluster a
/// dependency is added to is explained by the workloads that brought it
/// there, and only by those.
fn follow_dependencies<'a>(
    templates: &'a [Template],
    policies: &[Located<PropagationPolicy>],
    by_id: &BTreeMap<&'a ObjectRef, &'a Template>,
    targets: &mut BTreeMap<&'a ObjectRef, (usize, Vec<TargetCluster>)>,
    placements: &mut Vec<PlacementResult>,
) {
    // Per dependency: the policy of its first dependent, and per cluster
    // the workloads that need it there.
    type ByCluster = BTreeMap<String, Vec<String>>;
    let mut extra: BTreeMap<&'a ObjectRef, (usize, ByCluster)> = BTreeMap::new();
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
                .or_insert_with(|| (*policy_index, BTreeMap::new()));
            for c in clusters {
                entry
                    .1
                    .entry(c.name.clone())
                    .or_default()
                    .push(template.id.to_string());
            }
        }
    }
    let reason = |dependents: &[String]| format!("dependency of {}", dependents.join(", "));
    for (dep_id, (policy_index, by_cluster)) in extra {
        match targets.get_mut(dep_id) {
            Some((_, own)) => {
                let mut placement = placements.iter_mut().find(|p| &p.resource == dep_id);
                for (name, dependents) in &by_cluster {
                    if own.iter().any(|c| &c.name == name) {
                        continue;
                    }
                    own.push(TargetCluster {
                        name: name.clone(),
                        replicas: 0,
                    });
                    // Replaces the reason its own policy gave (e.g. "filtered out").
                    if let Some(p) = placement.as_deref_mut() {
                        p.reasons.insert(name.clone(), reason(dependents));
                    }
                }
                own.sort_by(|a, b| a.name.cmp(&b.name));
                if let Some(p) = placement {
                    p.clusters = own.clone();
                }
            }
            None => {
                let list: Vec<TargetCluster> = by_cluster
                    .keys()
                    .map(|name| TargetCluster {
                        name: name.clone(),
                        replicas: 0,
                    })
                    .collect();
                let reasons = by_cluster
                    .iter()
                    .map(|(name, dependents)| (name.clone(), reason(dependents)))
                    .collect();
                placements.push(PlacementResult {
                    resource: dep_id.clone(),
                    policy: policy_ref(&policies[policy_index]),
                    claim: None,
                    template_replicas: None,
                    clusters: list.clone(),
                    affinity_name: None,
                    reasons,
                    notes: Vec::new(),
                    overrides: BTreeMap::new(),
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
) -> Result<(Value, Vec<super::overrides::AppliedOverride>), super::overrides::OverrideError> {
    let mut manifest = template.manifest.clone();
    if divided {
        replicas::revise(&template.id.kind, &mut manifest, share);
    }
    let (mut manifest, applied) =
        super::overrides::apply_overrides(manifest, &cluster.facts(), applicable)?;
    ownership::mark(
        &mut manifest,
        input.instance,
        &template.location.path,
        input.revision,
    );
    Ok((manifest, applied))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a repository given as (path, YAML) pairs.
    fn render_files(files: &[(&str, &str)]) -> Rendered {
        let loaded = crate::model::load(
            files.iter().map(|(p, t)| (*p, t.as_bytes())),
            &crate::model::LoadLimits::default(),
        );
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let clusters: Vec<Cluster> = loaded
            .repository
            .clusters
            .iter()
            .map(|c| c.value.clone())
            .collect();
        render(&RenderInput {
            repository: &loaded.repository,
            revision: "test",
            instance: "flotilla",
            clusters: &clusters,
            previous: &Previous::default(),
        })
    }

    fn cluster(name: &str) -> String {
        format!(
            "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: {name}\n"
        )
    }

    fn policy(name: &str, api_version: &str, kind: &str, target: &str, cluster: &str) -> String {
        format!(
            "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: {name}\n  namespace: ns\nspec:\n  resourceSelectors:\n    - {{apiVersion: {api_version}, kind: {kind}, name: {target}}}\n  propagateDeps: true\n  placement:\n    clusterAffinity:\n      clusterNames: [{cluster}]\n"
        )
    }

    #[test]
    fn dependencies_are_explained_per_cluster() {
        let pod = "spec:\n      containers:\n        - name: c\n          image: x\n          envFrom: [{configMapRef: {name: shared}}]\n";
        let deploy = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ns\nspec:\n  template:\n    {pod}");
        let cron = format!("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\n  namespace: ns\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        {}", pod.replace("\n  ", "\n      "));
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: ns\n";
        let (c1, c2, c3, c4) = (cluster("c1"), cluster("c2"), cluster("c3"), cluster("c4"));
        let web = policy("web", "apps/v1", "Deployment", "web", "c1");
        let report = policy("report", "batch/v1", "CronJob", "report", "c2");
        // The ConfigMap's own policy sends it to c3 only.
        let own = policy("shared", "v1", "ConfigMap", "shared", "c3");
        let files = [
            ("c1.yaml", c1.as_str()),
            ("c2.yaml", c2.as_str()),
            ("c3.yaml", c3.as_str()),
            ("c4.yaml", c4.as_str()),
            ("deploy.yaml", deploy.as_str()),
            ("cron.yaml", cron.as_str()),
            ("cm.yaml", cm),
            ("web.yaml", web.as_str()),
            ("report.yaml", report.as_str()),
            ("own.yaml", own.as_str()),
        ];
        let rendered = render_files(&files);
        let p = rendered
            .placements
            .iter()
            .find(|p| p.resource.kind == "ConfigMap")
            .expect("ConfigMap placement");
        let names: Vec<&str> = p.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["c1", "c2", "c3"]);
        let reason = |c: &str| p.reasons.get(c).map(String::as_str);
        assert_eq!(reason("c1"), Some("dependency of Deployment ns/web"));
        assert_eq!(reason("c2"), Some("dependency of CronJob ns/report"));
        assert_eq!(reason("c3"), Some("selected"));
        assert_eq!(
            reason("c4"),
            Some("filtered out: does not match the placement's cluster affinity")
        );
        for c in ["c1", "c2", "c3"] {
            assert!(
                rendered.clusters[c]
                    .iter()
                    .any(|o| o.id.kind == "ConfigMap"),
                "ConfigMap rendered for {c}"
            );
        }
    }

    #[test]
    fn applied_override_rules_are_recorded_per_cluster() {
        let (c1, c2) = (cluster("c1"), cluster("c2"));
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ns\n";
        let pp = "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: cfg\n  namespace: ns\nspec:\n  resourceSelectors:\n    - {apiVersion: v1, kind: ConfigMap}\n";
        let label = |v: &str| {
            format!("overriders:\n        labelsOverrider: [{{operator: add, value: {{k: {v}}}}}]")
        };
        let op = format!(
            "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata:\n  name: team\n  namespace: ns\nspec:\n  overrideRules:\n    - targetCluster: {{clusterNames: [c2]}}\n      {}\n",
            label("team")
        );
        let cop = format!(
            "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\nmetadata:\n  name: fleet\nspec:\n  overrideRules:\n    - {}\n",
            label("fleet").replace("\n        ", "\n          ")
        );
        let files = [
            ("c1.yaml", c1.as_str()),
            ("c2.yaml", c2.as_str()),
            ("cm.yaml", cm),
            ("pp.yaml", pp),
            ("op.yaml", op.as_str()),
            ("cop.yaml", cop.as_str()),
        ];
        let rendered = render_files(&files);
        let p = &rendered.placements[0];
        let rules = |c: &str| p.overrides.get(c).cloned().unwrap_or_default();
        assert_eq!(
            rules("c1"),
            ["ClusterOverridePolicy fleet overrideRules[0]"]
        );
        // ClusterOverridePolicies first, then the namespace's OverridePolicies.
        assert_eq!(
            rules("c2"),
            [
                "ClusterOverridePolicy fleet overrideRules[0]",
                "OverridePolicy ns/team overrideRules[0]"
            ]
        );
        let label_of =
            |c: &str| rendered.clusters[c][0].manifest["metadata"]["labels"]["k"].clone();
        assert_eq!(label_of("c1"), "fleet");
        assert_eq!(label_of("c2"), "team");
    }
}

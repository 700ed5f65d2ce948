//! Building the status tree from a [`StatusInput`]: sort everything, turn
//! each resource and cluster into its file, count, write the README from the
//! same values, and withhold whatever of a Secret could quote its data.

use super::files::{
    cluster_path, resource_path, Aggregate, ClusterEntry, ClusterFile, ClusterResources,
    DiagnosticEntry, ErrorsFile, Header, Placement, ResourceFile, ERRORS, README,
};
use super::input::{BadCommit, ClusterInput, ResourceCluster, ResourceInput, StatusInput};
use super::{readme, Tree};
use crate::model::common::ObjectRef;
use crate::model::diag::{self, Diagnostic, Severity};
use crate::observe::health::HealthState;
use serde::Serialize;
use std::collections::BTreeMap;

/// What replaces a message that could quote a Secret's data.
pub(crate) const WITHHELD: &str = "(details withheld for a Secret)";

/// Whether status must not quote the object: a core Secret.
pub(crate) fn is_secret(id: &ObjectRef) -> bool {
    id.group().is_empty() && id.kind == "Secret"
}

/// The status tree: path → file text. Deterministic: the same input in any
/// order gives the same bytes.
pub fn build(input: &StatusInput) -> Tree {
    let mut resources: Vec<ResourceFile> = input.resources.iter().map(resource_file).collect();
    resources.sort_by_key(ResourceFile::id);
    let mut clusters: Vec<ClusterFile> = input
        .clusters
        .iter()
        .map(|c| cluster_file(c, &resources))
        .collect();
    clusters.sort_by(|a, b| a.name.cmp(&b.name));

    let mut tree = Tree::new();
    for r in &resources {
        tree.insert(resource_path(&r.id()), yaml(r));
    }
    for c in &clusters {
        tree.insert(cluster_path(&c.name), yaml(c));
    }
    let errors = input
        .bad_commit
        .as_ref()
        .map(|bad| errors_file(bad, &input.source.commit));
    if let Some(e) = &errors {
        tree.insert(ERRORS.to_string(), yaml(e));
    }
    let header = Header {
        branch: input.source.branch.clone(),
        commit: input.source.commit.clone(),
        stale: input.source.stale.clone(),
        invalid: input.bad_commit.as_ref().map(|b| b.commit.clone()),
    };
    tree.insert(
        README.to_string(),
        readme::render(&header, errors.as_ref(), &clusters, &resources),
    );
    tree
}

/// YAML of a status file. Serializing these plain structs cannot fail (no
/// non-string map keys, no custom serializers); if it ever did, the file
/// says so instead of panicking in the daemon.
pub(crate) fn yaml<T: Serialize>(value: &T) -> String {
    serde_norway::to_string(value).unwrap_or_else(|e| format!("# failed to encode: {e}\n"))
}

fn resource_file(r: &ResourceInput) -> ResourceFile {
    let secret = is_secret(&r.id);
    let mut placement_clusters = r.placement.clone();
    placement_clusters.sort();
    placement_clusters.dedup();
    let placed = |name: &str| placement_clusters.iter().any(|t| t.name == name);
    let (reasons, excluded): (BTreeMap<String, String>, BTreeMap<String, String>) = r
        .reasons
        .iter()
        .map(|(n, why)| (n.clone(), why.clone()))
        .partition(|(name, _)| placed(name));

    let mut clusters: BTreeMap<String, ClusterEntry> = BTreeMap::new();
    for t in &placement_clusters {
        clusters.insert(
            t.name.clone(),
            ClusterEntry {
                health: HealthState::Unknown,
                message: Some("not observed".to_string()),
                ..ClusterEntry::default()
            },
        );
    }
    // Sorted so that a cluster given twice always resolves the same way.
    let mut observed: Vec<&ResourceCluster> = r.clusters.iter().collect();
    observed.sort_by(|a, b| {
        (&a.cluster, a.health.state, &a.applied_commit).cmp(&(
            &b.cluster,
            b.health.state,
            &b.applied_commit,
        ))
    });
    for o in observed {
        let entry = clusters.entry(o.cluster.clone()).or_default();
        fill_entry(entry, o, secret);
    }

    let mut status = Aggregate {
        health: clusters
            .values()
            .map(|e| e.health)
            .max()
            .unwrap_or(HealthState::Healthy),
        clusters: clusters.len(),
        ..Aggregate::default()
    };
    for e in clusters.values() {
        status.healthy += usize::from(e.health == HealthState::Healthy);
        status.drifted += usize::from(e.drift.is_some());
        status.conflicts += usize::from(e.conflict.is_some());
        status.rejected += usize::from(e.rejected.is_some());
        if let Some(rep) = e.replicas {
            *status.ready.get_or_insert(0) += rep.ready;
            *status.desired.get_or_insert(0) += rep.desired;
        }
    }

    ResourceFile {
        api_version: r.id.api_version.clone(),
        kind: r.id.kind.clone(),
        namespace: r.id.namespace.clone(),
        name: r.id.name.clone(),
        source: r.source_path.clone(),
        status,
        placement: Placement {
            policy: r.policy.clone(),
            template_replicas: r.template_replicas,
            clusters: placement_clusters,
            affinity_name: r.affinity_name.clone(),
            reasons,
            excluded,
            notes: r.placement_notes.clone(),
            error: r.placement_error.as_ref().map(|e| {
                if secret {
                    WITHHELD.to_string()
                } else {
                    e.clone()
                }
            }),
        },
        clusters,
    }
}

fn fill_entry(entry: &mut ClusterEntry, o: &ResourceCluster, secret: bool) {
    let quote = |s: &String| {
        if secret {
            WITHHELD.to_string()
        } else {
            s.clone()
        }
    };
    entry.commit = o.applied_commit.clone();
    entry.hash = o.hash.clone();
    entry.health = o.health.state;
    entry.message = Some(o.health.message.clone()).filter(|m| !m.is_empty() && !secret);
    entry.replicas = o.health.replicas;
    entry.drift = o.drift.as_ref().map(|d| {
        let mut d = d.clone();
        if secret {
            // A path names a key of the Secret's data: not data, but nothing
            // of a Secret is listed beyond name, hash and health.
            d.paths.clear();
        }
        d.paths.sort();
        d.paths.dedup();
        d
    });
    entry.conflict = o.conflict.as_ref().map(quote);
    entry.rejected = o.rejected.as_ref().map(quote);
}

fn cluster_file(c: &ClusterInput, resources: &[ResourceFile]) -> ClusterFile {
    let mut counts = ClusterResources::default();
    for r in resources {
        if r.placement.clusters.iter().any(|t| t.name == c.name) {
            counts.placed += 1;
        }
        let Some(e) = r.clusters.get(&c.name) else {
            continue;
        };
        counts.applied += usize::from(e.commit.is_some());
        counts.healthy += usize::from(e.health == HealthState::Healthy);
        counts.drifted += usize::from(e.drift.is_some());
        counts.conflicts += usize::from(e.conflict.is_some());
        counts.rejected += usize::from(e.rejected.is_some());
    }
    let mut taints = c.taints.clone();
    taints.sort_by(|a, b| {
        (&a.key, a.effect, &a.value, &a.time_added).cmp(&(
            &b.key,
            b.effect,
            &b.value,
            &b.time_added,
        ))
    });
    taints.dedup();
    let mut errors = c.errors.clone();
    errors.sort();
    errors.dedup();
    let mut inventory = c.inventory.clone();
    inventory.sort();
    inventory.dedup();
    let held_prune = c.held_prune.clone().map(|mut h| {
        h.objects.sort();
        h.objects.dedup();
        h
    });
    ClusterFile {
        name: c.name.clone(),
        reachable: c.reachable,
        ready: c.ready.clone(),
        kubernetes_version: c.kubernetes_version.clone(),
        nodes: c.nodes,
        taints,
        capacity: c.capacity.clone(),
        last_apply: c.last_apply.clone(),
        resources: counts,
        errors,
        held_prune,
        inventory,
    }
}

fn errors_file(bad: &BadCommit, last_good: &str) -> ErrorsFile {
    let mut diags: Vec<Diagnostic> = bad.diagnostics.clone();
    diag::sort(&mut diags);
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    ErrorsFile {
        commit: bad.commit.clone(),
        last_good: last_good.to_string(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        diagnostics: diags.iter().map(diagnostic_entry).collect(),
    }
}

fn diagnostic_entry(d: &Diagnostic) -> DiagnosticEntry {
    DiagnosticEntry {
        at: d.location.to_string(),
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
        .to_string(),
        code: d.code.id().to_string(),
        message: d.message.clone(),
        notes: d
            .notes
            .iter()
            .map(|n| match &n.location {
                Some(l) => format!("{l}: {}", n.message),
                None => n.message.clone(),
            })
            .collect(),
        help: d.help.clone(),
    }
}

//! What the daemon knows, as the status module's input: the source, each
//! cluster's last report, each resource's placement and how it is doing in
//! each cluster. Pure: the daemon's state in, a [`StatusInput`] out.
//!
//! Only times that mark an event (the first failed fetch, the last write to
//! a cluster, a drift correction) go in, so a steady fleet gives the same
//! input, the same tree, and no commit.

use super::run::State;
use super::worker::ClusterReport;
use crate::apply::{HeldPrune, Hold, HoldKind, Why};
use crate::model::common::ObjectRef;
use crate::model::kinds::cluster::ClusterStatus;
use crate::observe::health::{self, Health};
use crate::render::ownership::{HASH, REVISION};
use crate::status::{
    self, BadCommit, ClusterError, ClusterInput, Drift, InventoryItem, ResourceCluster,
    ResourceInput, StatusInput,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// The status input for `state`, for the watched `branch`.
pub fn status_input(state: &State, branch: &str) -> StatusInput {
    let source = status::Source {
        branch: branch.to_string(),
        commit: state
            .good
            .as_ref()
            .map(|g| g.commit.clone())
            .unwrap_or_default(),
        stale: state.stale.clone(),
    };
    let bad_commit = state.bad.as_ref().map(|b| BadCommit {
        commit: b.commit.clone(),
        diagnostics: b.diagnostics.clone(),
    });
    let Some(desired) = &state.desired else {
        return StatusInput {
            source,
            bad_commit,
            ..StatusInput::default()
        };
    };
    let taints: BTreeMap<&str, _> = state
        .good
        .iter()
        .flat_map(|g| g.repository.clusters.iter())
        .map(|c| (c.value.metadata.name.as_str(), c.value.spec.taints.clone()))
        .collect();
    let clusters = desired
        .clusters
        .keys()
        .map(|name| {
            let mut input = cluster_input(name, state.reports.get(name));
            input.taints = taints.get(name.as_str()).cloned().unwrap_or_default();
            input.last_apply = state.last_write.get(name).cloned();
            input
        })
        .collect();
    let sources: BTreeMap<&ObjectRef, &str> = state
        .good
        .iter()
        .flat_map(|g| g.repository.templates.iter())
        .map(|t| (&t.id, t.location.path.as_str()))
        .collect();
    let resources = desired
        .placements
        .iter()
        .map(|p| {
            let mut input = ResourceInput::from_placement(p);
            input.source_path = sources.get(&p.resource).map(|s| s.to_string());
            input.clusters = desired
                .clusters
                .iter()
                .filter(|(_, cd)| cd.objects.iter().any(|o| o.id == p.resource))
                .map(|(cluster, _)| {
                    resource_cluster(
                        cluster,
                        &p.resource,
                        state.reports.get(cluster),
                        state.drifts.get(&(cluster.clone(), p.resource.clone())),
                    )
                })
                .collect();
            input
        })
        .collect();
    StatusInput {
        source,
        clusters,
        resources,
        bad_commit,
    }
}

fn cluster_input(name: &str, report: Option<&ClusterReport>) -> ClusterInput {
    let Some(report) = report else {
        // Not heard from yet: unknown, which reads as not reachable.
        return ClusterInput::new(name, false);
    };
    let mut input = ClusterInput::new(name, report.reachable);
    if let Some(status) = report
        .observation
        .as_ref()
        .and_then(|o| serde_json::from_value::<ClusterStatus>(o.status.clone()).ok())
    {
        input = input.with_status(&status);
    }
    if let Some(e) = &report.error {
        input.errors.push(ClusterError {
            category: "Reconcile".into(),
            message: e.clone(),
        });
    }
    if let Some(apply) = &report.apply {
        for e in &apply.errors {
            input.errors.push(ClusterError {
                category: e.category().into(),
                message: e.to_string(),
            });
        }
        if let Some(hold) = &apply.held {
            input.errors.push(ClusterError {
                category: "PruneHeld".into(),
                message: held_message(hold, report.held_prune.as_ref()),
            });
        }
    }
    input.held_prune = report.held_prune.as_ref().map(|h| status::HeldPrune {
        commit: h.commit.clone(),
        guard: h.kind.as_str().to_string(),
        objects: h.objects.iter().cloned().collect(),
    });
    input.inventory = report
        .inventory
        .iter()
        .map(|(id, hash)| InventoryItem {
            api_version: id.api_version.clone(),
            kind: id.kind.clone(),
            namespace: id.namespace.clone(),
            name: id.name.clone(),
            hash: hash.to_string(),
        })
        .collect();
    input
}

/// What a held prune says in status: why, how many objects, and what lets
/// it through.
fn held_message(hold: &Hold, record: Option<&HeldPrune>) -> String {
    let count = hold.would_prune.len();
    let what = match hold.reason.kind() {
        Some(HoldKind::OverThreshold) => match record {
            Some(r) => format!(
                "approve with Settings spec.prune.approve: [\"{}\"]",
                r.commit.get(..12).unwrap_or(&r.commit)
            ),
            None => "approve with Settings spec.prune.approve".to_string(),
        },
        Some(HoldKind::EmptyRender) => {
            "set Settings spec.prune.allowEmpty: true if this is meant".to_string()
        }
        None => "nothing is deleted until every object can be read".to_string(),
    };
    format!("{}; {count} objects would be deleted ({what})", hold.reason)
}

fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

fn resource_cluster(
    cluster: &str,
    id: &ObjectRef,
    report: Option<&ClusterReport>,
    drift: Option<&Drift>,
) -> ResourceCluster {
    let Some(report) = report else {
        return ResourceCluster::new(cluster, Health::unknown("not observed yet"));
    };
    let live = report.live.get(id);
    let health = match live {
        Some(object) => health::health(object),
        None if report.reachable && report.error.is_none() => Health::missing(),
        None => Health::unknown("the cluster was not observed"),
    };
    let mut entry = ResourceCluster::new(cluster, health);
    if let Some(object) = live {
        entry.applied_commit = annotation(object, REVISION).map(str::to_string);
        entry.hash = annotation(object, HASH).map(str::to_string);
    }
    entry.drift = drift.cloned();
    if let Some(apply) = &report.apply {
        entry.conflict = apply
            .conflicts
            .iter()
            .find(|c| &c.id == id)
            .map(|c| c.to_string());
        entry.rejected = apply
            .rejected
            .iter()
            .find(|r| &r.id == id)
            .map(|r| r.message.clone());
    }
    entry
}

/// The drift corrections a report made, as status entries stamped `now`.
pub fn corrected_drifts(report: &ClusterReport, now: &str) -> Vec<(ObjectRef, Drift)> {
    let Some(apply) = &report.apply else {
        return Vec::new();
    };
    apply
        .applied
        .iter()
        .filter_map(|(id, why)| match why {
            Why::Drift(fields) => Some((
                id.clone(),
                Drift {
                    paths: fields.iter().map(|f| f.to_string()).collect(),
                    corrected_at: Some(now.to_string()),
                    ..Drift::default()
                },
            )),
            _ => None,
        })
        .collect()
}

/// The paths a correction of `why` is about.
fn why_paths(why: &Why) -> Vec<String> {
    match why {
        Why::Drift(fields) => fields.iter().map(|f| f.to_string()).collect(),
        Why::HashDiffers { .. } => vec![format!("metadata.annotations[{HASH}]")],
        Why::Missing => vec!["(deleted)".to_string()],
        Why::Adopt => Vec::new(),
    }
}

/// Folds a report's deferred corrections and fights into the drift
/// entries of its cluster: a deferred correction is recorded (its last
/// correction time kept), and every entry of the cluster says whether it
/// is fighting now. `at` turns a deadline into RFC 3339 (the same instant
/// always into the same text, so a long fight does not churn status).
pub fn fold_fights(
    drifts: &mut BTreeMap<(String, ObjectRef), Drift>,
    report: &ClusterReport,
    at: impl Fn(Instant) -> String,
) {
    for d in &report.deferred {
        let entry = drifts
            .entry((report.cluster.clone(), d.id.clone()))
            .or_default();
        entry.paths = why_paths(&d.why);
    }
    let fights: BTreeMap<&ObjectRef, _> = report.fights.iter().map(|(id, f)| (id, f)).collect();
    for ((cluster, id), entry) in drifts.iter_mut() {
        if cluster != &report.cluster {
            continue;
        }
        match fights.get(id) {
            Some(f) => {
                entry.fighting = true;
                entry.corrections = Some(f.corrections);
                entry.deferred_until = f.deferred_until.map(&at);
            }
            None => {
                entry.fighting = false;
                entry.corrections = None;
                entry.deferred_until = None;
            }
        }
    }
}

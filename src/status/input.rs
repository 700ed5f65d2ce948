//! What the status tree is built from: plain values the daemon fills from
//! its observations (the source, each cluster, each resource × cluster, the
//! last bad commit). Nothing here reads a cluster or a clock: times are
//! RFC 3339 text passed in, and they should only change when something
//! happened (a correction, an apply that wrote), so that a steady fleet
//! builds the same tree every reconcile.

use crate::model::common::ObjectRef;
use crate::model::diag::Diagnostic;
use crate::model::kinds::cluster::{ClusterStatus, ResourceSummary, Taint};
use crate::observe::health::Health;
use crate::render::PlacementResult;
use crate::schedule::TargetCluster;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything the status tree says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusInput {
    pub source: Source,
    /// In any order; written sorted by name.
    pub clusters: Vec<ClusterInput>,
    /// In any order; written sorted by identity.
    pub resources: Vec<ResourceInput>,
    /// The latest commit when it failed to validate (`status/errors.yaml`
    /// exists only then).
    pub bad_commit: Option<BadCommit>,
}

/// The Git source as the daemon sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The watched branch.
    pub branch: String,
    /// The commit being applied: the latest good one.
    pub commit: String,
    /// Set while fetching fails: the last good fetch's commit stays applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Stale>,
}

/// Why the source is stale and since when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stale {
    /// RFC 3339: the first failed fetch (not the latest: it would change
    /// every interval).
    pub since: String,
    pub reason: String,
}

/// A commit that failed to load or validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCommit {
    pub commit: String,
    /// Every diagnostic of that commit (errors and warnings), any order.
    pub diagnostics: Vec<Diagnostic>,
}

/// One entry of a cluster's inventory: what flotilla applied and confirmed
/// there. Status keeps the list as given (sorted) and reads it back; what it
/// means is `apply::inventory`'s business.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItem {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub hash: String,
}

/// The cluster's Ready condition, without its times (Karmada's
/// `lastTransitionTime` is rewritten on every observation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyCondition {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A reconcile error on one cluster (connection, discovery, apply), with
/// its category (the PascalCase error variant, as the metric's label).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClusterError {
    pub category: String,
    pub message: String,
}

/// Deletions held back on one cluster by a prune guard, as recorded for
/// approval. What the fields mean is `apply::prune`'s business; status
/// keeps them as given (objects sorted) and reads them back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldPrune {
    /// The source commit at which the deletions were first held: Settings
    /// `spec.prune.approve` naming it lets them through (over-threshold).
    pub commit: String,
    /// The guard: `EmptyRender` or `OverThreshold`.
    pub guard: String,
    /// What would be deleted; any order, written sorted.
    pub objects: Vec<ObjectRef>,
}

/// Nodes of a cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nodes {
    pub total: i64,
    pub ready: i64,
}

/// One member cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterInput {
    pub name: String,
    /// Whether its API answered in this reconcile.
    pub reachable: bool,
    pub ready: Option<ReadyCondition>,
    pub kubernetes_version: Option<String>,
    pub nodes: Option<Nodes>,
    /// Any order; written sorted.
    pub taints: Vec<Taint>,
    /// Karmada's `resourceSummary`.
    pub capacity: Option<ResourceSummary>,
    /// RFC 3339: the last apply that wrote something to the cluster.
    pub last_apply: Option<String>,
    /// Any order; written sorted.
    pub errors: Vec<ClusterError>,
    /// Any order; written sorted by identity.
    pub inventory: Vec<InventoryItem>,
    /// Deletions held for approval, if any.
    pub held_prune: Option<HeldPrune>,
}

impl ClusterInput {
    /// A cluster with only its name and reachability.
    pub fn new(name: impl Into<String>, reachable: bool) -> Self {
        ClusterInput {
            name: name.into(),
            reachable,
            ..ClusterInput::default()
        }
    }

    /// Fills the Ready condition, Kubernetes version, nodes and capacity
    /// from a Karmada Cluster status (as `observe::capacity` builds it).
    pub fn with_status(mut self, status: &ClusterStatus) -> Self {
        self.ready = status
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready")
            .map(|c| ReadyCondition {
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            });
        self.kubernetes_version = status.kubernetes_version.clone();
        self.nodes = status.node_summary.as_ref().map(|n| Nodes {
            total: n.total_num.unwrap_or(0),
            ready: n.ready_num.unwrap_or(0),
        });
        self.capacity = status.resource_summary.clone();
        self
    }
}

/// A drift found on one object in one cluster: fields flotilla owns that
/// were changed there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    /// JSON pointers of the drifted fields; any order, written sorted.
    pub paths: Vec<String>,
    /// RFC 3339: when flotilla last wrote the object back (absent while the
    /// correction waits for its backoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_at: Option<String>,
    /// Another writer keeps changing it back: flotilla corrected it more
    /// than once in a row, or a correction is waiting for its backoff.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fighting: bool,
    /// Corrections in a row, while fighting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrections: Option<u32>,
    /// RFC 3339: while a correction waits for its backoff, when it may be
    /// written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_until: Option<String>,
}

/// One resource (a template) and where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInput {
    pub id: ObjectRef,
    /// The template's file in the repository.
    pub source_path: Option<String>,
    /// The placing policy, e.g. `PropagationPolicy shop/web`.
    pub policy: Option<String>,
    pub template_replicas: Option<i32>,
    /// The scheduling decision: target clusters with their replica share.
    pub placement: Vec<TargetCluster>,
    /// With `clusterAffinities`: the group the decision used.
    pub affinity_name: Option<String>,
    /// Why each cluster got what it got, or was left out.
    pub reasons: BTreeMap<String, String>,
    /// About the decision as a whole (cluster affinity groups skipped).
    pub placement_notes: Vec<String>,
    /// When the resource could not be (fully) scheduled or rendered.
    pub placement_error: Option<String>,
    /// What happened in each cluster; any order.
    pub clusters: Vec<ResourceCluster>,
}

impl ResourceInput {
    /// A resource with its identity only.
    pub fn new(id: ObjectRef) -> Self {
        ResourceInput {
            id,
            source_path: None,
            policy: None,
            template_replicas: None,
            placement: Vec::new(),
            affinity_name: None,
            reasons: BTreeMap::new(),
            placement_notes: Vec::new(),
            placement_error: None,
            clusters: Vec::new(),
        }
    }

    /// The placement part, from the render; the daemon adds `clusters`.
    pub fn from_placement(p: &PlacementResult) -> Self {
        let policy = match &p.policy.namespace {
            Some(ns) => format!("{} {ns}/{}", p.policy.kind, p.policy.name),
            None => format!("{} {}", p.policy.kind, p.policy.name),
        };
        ResourceInput {
            policy: Some(policy),
            template_replicas: p.template_replicas,
            placement: p.clusters.clone(),
            affinity_name: p.affinity_name.clone(),
            reasons: p.reasons.clone(),
            placement_notes: p.notes.clone(),
            placement_error: p.error.clone(),
            ..ResourceInput::new(p.resource.clone())
        }
    }
}

/// One resource in one cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceCluster {
    pub cluster: String,
    /// The commit of the manifest last applied and confirmed there.
    pub applied_commit: Option<String>,
    /// Its `flotilla.io/hash`.
    pub hash: Option<String>,
    /// `observe::health` of the live object (Unknown when not observed).
    pub health: Health,
    pub drift: Option<Drift>,
    /// The object exists there without our label and is not adopted.
    pub conflict: Option<String>,
    /// The cluster rejected the revision (server-side dry run).
    pub rejected: Option<String>,
}

impl ResourceCluster {
    /// An entry with its cluster and health only.
    pub fn new(cluster: impl Into<String>, health: Health) -> Self {
        ResourceCluster {
            cluster: cluster.into(),
            health,
            ..ResourceCluster::default()
        }
    }
}

//! The status files (DESIGN.md §5) as types: each is written with
//! serde_norway from these structs and read back into them, so writer and
//! reader cannot disagree. Field order is declaration order; maps are
//! `BTreeMap`s and lists are sorted by the builder: the same values always
//! give the same bytes.

use super::input::{ClusterError, Drift, HeldPrune, InventoryItem, Nodes, ReadyCondition, Stale};
use crate::model::common::ObjectRef;
use crate::model::kinds::cluster::{ResourceSummary, Taint};
use crate::observe::health::{HealthState, Replicas};
use crate::schedule::TargetCluster;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `status/README.md`.
pub const README: &str = "status/README.md";
/// `status/errors.yaml`, present only while the latest commit is bad.
pub const ERRORS: &str = "status/errors.yaml";
/// The directory of the per-cluster files.
pub const CLUSTERS_DIR: &str = "status/clusters/";
/// The directory of the per-resource files.
pub const RESOURCES_DIR: &str = "status/resources/";

/// `status/clusters/<cluster>.yaml`.
pub fn cluster_path(name: &str) -> String {
    format!("{CLUSTERS_DIR}{name}.yaml")
}

/// `status/resources/<namespace or _cluster>/<group or core>.<kind>/<name>.yaml`.
pub fn resource_path(id: &ObjectRef) -> String {
    let group = match id.group() {
        "" => "core",
        g => g,
    };
    let ns = id.namespace.as_deref().unwrap_or("_cluster");
    format!("{RESOURCES_DIR}{ns}/{group}.{}/{}.yaml", id.kind, id.name)
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// `status/resources/...`: one resource, where it is placed and how it is
/// doing in each cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFile {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// The template's file in the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub status: Aggregate,
    pub placement: Placement,
    /// By cluster name: every target cluster and every cluster where the
    /// resource was observed.
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterEntry>,
}

impl ResourceFile {
    /// The resource's identity.
    pub fn id(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

/// The resource over all its clusters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aggregate {
    /// The worst health of its clusters (Healthy when it has none).
    pub health: HealthState,
    /// Clusters listed under `clusters`.
    pub clusters: usize,
    /// Of which Healthy.
    pub healthy: usize,
    /// Ready and desired replicas summed over the clusters that report them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drifted: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conflicts: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected: usize,
}

/// The scheduling decision, as `render::Previous` needs it on restart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_replicas: Option<i32>,
    /// Target clusters and their replica share, sorted by name.
    #[serde(default)]
    pub clusters: Vec<TargetCluster>,
    /// With `clusterAffinities`: the group that was used (scheduling starts
    /// from it next time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity_name: Option<String>,
    /// Target clusters, with why the scheduler gave each its share.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reasons: BTreeMap<String, String>,
    /// Clusters left out, with the scheduler's reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub excluded: BTreeMap<String, String>,
    /// About the decision as a whole (cluster affinity groups skipped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One resource in one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterEntry {
    /// The commit of the manifest applied and confirmed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    pub health: HealthState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Replicas>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

/// `status/clusters/<cluster>.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFile {
    pub name: String,
    pub reachable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<ReadyCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Nodes>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// Karmada's `resourceSummary`: allocatable, allocated, allocating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<ResourceSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_apply: Option<String>,
    /// Counts over the resources placed or observed there.
    pub resources: ClusterResources,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ClusterError>,
    /// Deletions a prune guard holds back, and the commit to approve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_prune: Option<HeldPrune>,
    /// What flotilla applied and confirmed there, sorted by identity.
    #[serde(default)]
    pub inventory: Vec<InventoryItem>,
}

/// How the resources of one cluster are doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterResources {
    /// Resources whose placement includes the cluster.
    pub placed: usize,
    /// Resources with an applied commit there.
    pub applied: usize,
    pub healthy: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drifted: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conflicts: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rejected: usize,
}

/// `status/errors.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorsFile {
    /// The commit that failed to validate.
    pub commit: String,
    /// The commit that stays applied.
    pub last_good: String,
    pub errors: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub warnings: usize,
    pub diagnostics: Vec<DiagnosticEntry>,
}

/// One diagnostic, located as `path:line:col`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosticEntry {
    /// `path:line:col`.
    pub at: String,
    pub severity: String,
    pub code: String,
    pub message: String,
    /// `path:line:col: message`, or the message alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// The machine-readable header of `status/README.md`, kept in an HTML
/// comment on its first line (invisible when the README is displayed), so
/// that `flotilla status` can say which commit is applied and whether the
/// source is stale or invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub branch: String,
    pub commit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Stale>,
    /// The latest commit, when it failed to validate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

const HEADER_START: &str = "<!-- flotilla-status ";
const HEADER_END: &str = " -->";

impl Header {
    /// The README's first line.
    pub fn to_line(&self) -> String {
        // JSON has `>` only inside strings; escaping it keeps `-->` out of
        // the comment whatever a reason says.
        let json = serde_json::to_string(self)
            .unwrap_or_default()
            .replace('>', "\\u003e");
        format!("{HEADER_START}{json}{HEADER_END}")
    }

    /// The header of a README's text, if it has one.
    pub fn parse(readme: &str) -> Option<Header> {
        let line = readme.lines().next()?;
        let json = line.strip_prefix(HEADER_START)?.strip_suffix(HEADER_END)?;
        serde_json::from_str(json).ok()
    }
}

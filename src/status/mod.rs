//! Status in Git (DESIGN.md §5): the files the daemon commits to the status
//! branch, and how they are read back.
//!
//! In: a [`StatusInput`] — the source (commit, stale), each cluster
//! (reachability, Ready, taints, capacity, last apply, errors, inventory),
//! each resource (placement, and per cluster: applied commit, hash,
//! [`Health`](crate::observe::health::Health), drift, conflict, rejection)
//! and the last bad commit's diagnostics. Out: a [`Tree`], path → text:
//!
//! ```text
//! status/README.md                      clusters, applications × clusters, what needs attention
//! status/clusters/<cluster>.yaml        reachability, Ready, taints, capacity, counts, errors,
//!                                       held prune (the commit to approve), inventory
//! status/resources/<ns or _cluster>/<group or core>.<kind>/<name>.yaml
//!                                       placement, per cluster: commit, hash, health, replicas, drift
//! status/errors.yaml                    only while the latest commit is bad
//! ```
//!
//! Back: [`read::placements`] (→ `render::Previous`, so a restarted daemon
//! keeps every placement), [`read::inventories`], [`read::held_prunes`], [`message::summarize`]
//! (old tree vs new → commit message), and [`tables`] for `flotilla status`.
//!
//! Invariants: pure (no I/O, no clock: times come in as RFC 3339 text);
//! deterministic (the same input in any order gives the same bytes; no time
//! that changes every reconcile, so a steady fleet gives an identical tree
//! and no commit); nothing of a Secret but its name, hash, health and
//! whether it drifted or was refused. Must not: read Git or clusters.

mod build;
pub mod files;
pub mod input;
pub mod message;
pub mod read;
mod readme;
pub mod tables;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use build::build;
pub use files::{ClusterFile, ErrorsFile, ResourceFile};
pub use input::{
    BadCommit, ClusterError, ClusterInput, Drift, HeldPrune, InventoryItem, Nodes, ReadyCondition,
    ResourceCluster, ResourceInput, Source, Stale, StatusInput,
};
pub use message::{summarize, CommitMessage};
pub use read::{held_prunes, inventories, placements, Placements, ReadError};

/// The status tree: file path (from the branch root) → file text.
pub type Tree = BTreeMap<String, String>;

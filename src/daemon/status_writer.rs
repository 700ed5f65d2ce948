//! Writes the status tree to the status branch: built from the daemon's
//! state (pure), committed only when it changed and at most once per
//! debounce interval, pushed on a blocking thread. Also reads back, at
//! start, what an earlier run recorded: placements (so every placement is
//! kept across restarts) and each cluster's inventory.

use super::run::State;
use super::source::{lock, SharedClone, SourceError};
use super::status_input::status_input;
use super::worker::Carried;
use crate::apply::{HeldPrune, HoldKind, Inventory};
use crate::model::common::ObjectRef;
use crate::render::Previous;
use crate::source::status_branch::{debounce, Debounce, StatusBranch, StatusError};
use crate::status::{self, Drift, Tree};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What an earlier run left on the status branch.
#[derive(Default)]
pub struct Initial {
    pub previous: Previous,
    /// Each cluster's inventory and held prune.
    pub carried: BTreeMap<String, Carried>,
    /// The source commit the status describes as applied (the last good
    /// one), from the README's header.
    pub applied: Option<String>,
    /// Each cluster's last apply that wrote, as recorded.
    pub last_apply: BTreeMap<String, String>,
    /// The drift corrections recorded, by (cluster, object).
    pub drifts: BTreeMap<(String, ObjectRef), Drift>,
}

pub struct StatusWriter {
    clone: SharedClone,
    branch: StatusBranch,
    watched: String,
    debounce: Duration,
    last_commit: Option<Instant>,
    /// The tree as last committed (or read at start).
    last: Tree,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Task(#[from] SourceError),
}

impl StatusWriter {
    pub fn new(
        clone: SharedClone,
        branch: &str,
        watched: &str,
        debounce: Duration,
    ) -> Result<Self, StatusError> {
        Ok(StatusWriter {
            clone,
            branch: StatusBranch::new(branch, watched)?,
            watched: watched.to_string(),
            debounce,
            last_commit: None,
            last: Tree::new(),
        })
    }

    pub fn branch(&self) -> &str {
        self.branch.branch()
    }

    /// Fetches the remote status branch and reads what it records. A read
    /// that fails is logged and gives nothing: an unknown inventory only
    /// means nothing of it is pruned.
    pub async fn read(&mut self) -> Initial {
        let clone = self.clone.clone();
        let branch = self.branch.clone();
        let files = tokio::task::spawn_blocking(move || {
            let src = lock(&clone);
            if let Err(e) = branch.fetch(&src) {
                tracing::warn!(error = %e, "failed to fetch the status branch; reading the local copy");
            }
            branch.read(&src)
        })
        .await;
        let files = match files {
            Ok(Ok(files)) => files,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "failed to read the status branch; starting without earlier decisions");
                return Initial::default();
            }
            Err(e) => {
                tracing::warn!(error = %e, "status read task failed");
                return Initial::default();
            }
        };
        let tree: Tree = files
            .into_iter()
            .filter_map(|(path, bytes)| String::from_utf8(bytes).ok().map(|t| (path, t)))
            .collect();
        let placements = status::placements(&tree);
        for e in &placements.errors {
            tracing::warn!(error = %e, "a recorded placement could not be read; it starts afresh");
        }
        let mut carried: BTreeMap<String, Carried> = BTreeMap::new();
        for (cluster, items) in status::inventories(&tree) {
            match items {
                Ok(items) => {
                    let mut inventory = Inventory::new();
                    for item in items {
                        let id = ObjectRef {
                            api_version: item.api_version,
                            kind: item.kind,
                            namespace: item.namespace,
                            name: item.name,
                        };
                        inventory.record(id, item.hash);
                    }
                    carried.entry(cluster).or_default().inventory = inventory;
                }
                Err(e) => {
                    tracing::warn!(%cluster, error = %e, "the recorded inventory could not be read; nothing of it will be pruned");
                }
            }
        }
        for (cluster, held) in status::held_prunes(&tree) {
            // A guard this version does not know approves nothing.
            let Some(kind) = HoldKind::parse(&held.guard) else {
                continue;
            };
            carried.entry(cluster).or_default().held_prune = Some(HeldPrune {
                commit: held.commit,
                kind,
                objects: held.objects.into_iter().collect(),
            });
        }
        let applied = tree
            .get(status::files::README)
            .and_then(|readme| status::files::Header::parse(readme))
            .map(|header| header.commit)
            .filter(|commit| !commit.is_empty());
        let (clusters, _) = status::read::cluster_files(&tree);
        let last_apply = clusters
            .into_iter()
            .filter_map(|c| c.last_apply.map(|t| (c.name, t)))
            .collect();
        let (resources, _) = status::read::resource_files(&tree);
        let drifts = resources
            .iter()
            .flat_map(|r| {
                r.clusters.iter().filter_map(|(cluster, entry)| {
                    let drift = entry.drift.clone()?;
                    Some(((cluster.clone(), r.id()), drift))
                })
            })
            .collect();
        self.last = tree;
        Initial {
            previous: Previous::from_map(placements.by_resource),
            carried,
            applied,
            last_apply,
            drifts,
        }
    }

    /// When the next commit may be made, if one is due now.
    pub fn next_write(&self, now: Instant) -> Instant {
        match debounce(self.last_commit, now, self.debounce) {
            Debounce::Now => now,
            Debounce::Until(at) => at,
        }
    }

    /// Builds the tree from `state` and commits it if it changed; returns
    /// the new commit on the remote.
    pub async fn write(&mut self, state: &State) -> Result<Option<String>, WriteError> {
        // The commit the status describes: the good one applied, or the
        // first bad one when nothing good was ever loaded.
        let Some(source_commit) = state
            .good
            .as_ref()
            .map(|g| g.commit.clone())
            .or_else(|| state.bad.as_ref().map(|b| b.commit.clone()))
        else {
            return Ok(None);
        };
        let tree = status::build(&status_input(state, &self.watched));
        if tree == self.last {
            return Ok(None);
        }
        let message = status::summarize(&self.last, &tree)
            .map(|m| m.to_string())
            .unwrap_or_else(|| "status: update".to_string());
        let files: BTreeMap<String, Vec<u8>> = tree
            .iter()
            .map(|(p, t)| (p.clone(), t.as_bytes().to_vec()))
            .collect();
        let clone = self.clone.clone();
        let branch = self.branch.clone();
        let committed = tokio::task::spawn_blocking(move || {
            branch.commit_status(&lock(&clone), &files, &message, &source_commit)
        })
        .await
        .map_err(|e| WriteError::Task(SourceError::Task(e)))??;
        self.last = tree;
        self.last_commit = Some(Instant::now());
        Ok(committed.map(|oid| oid.to_string()))
    }
}

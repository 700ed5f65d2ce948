//! Carrying out a [`ClusterPlan`] on one cluster, through
//! [`ClusterClient`]:
//!
//! 1. **Dry run** every object to apply (server-side, `dryRun=All`). If the
//!    cluster refuses any (admission, validation, a kind it does not
//!    serve), nothing of this revision is applied to it and every
//!    refusal is reported. Objects that cannot be checked yet (in a
//!    Namespace, or of a kind defined by a CRD, that this same plan
//!    creates) are checked as soon as those definitions are applied and,
//!    for CRDs, served; if one of them is refused, nothing past the
//!    definitions is applied.
//! 2. **Apply** in the plan's order; objects of the same kind rank go
//!    together, a few at a time. A drift whose dry run leaves the live
//!    object as it is (the server's normalization) is not written.
//! 3. **Confirm**: the returned object carries the desired hash; only then
//!    does the inventory record it.
//! 4. **Prune**, only if every apply was confirmed and the plan holds no
//!    prune: re-read each object, re-check the rules on that fresh copy,
//!    delete it in reverse apply order with preconditions on its uid and
//!    resourceVersion.
//!
//! The new inventory is the old one plus confirmed applies (and objects
//! observed up to date) minus confirmed deletes and confirmed absences; an
//! error never drops an entry.

use super::cluster::{ClusterClient, ClusterError, Deleted};
use super::drift;
use super::inventory::Inventory;
use super::object::{self, Live};
use super::plan::{ApplyItem, ClusterPlan, Why};
use super::prune::{self, KeepReason};
pub use super::report::{ApplyReport, Rejection};
use super::stages::{layers, Definitions};
use super::Disposition;
use crate::model::common::ObjectRef;
use futures_util::{stream, StreamExt};
use serde_json::Value;
use std::time::Duration;

/// How [`execute`] paces itself.
#[derive(Debug, Clone, Copy)]
pub struct ExecuteOptions {
    /// How long to wait for a kind whose CRD this plan applied to be served.
    pub establish_timeout: Duration,
    /// How many dry runs or applies run at once.
    pub concurrency: usize,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            establish_timeout: Duration::from_secs(30),
            concurrency: 16,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error("cluster {cluster} refused {count} objects of this revision in its dry run; the revision is not applied")]
    Rejected { cluster: String, count: usize },
    #[error("dry run of {id} failed")]
    DryRun {
        id: ObjectRef,
        #[source]
        source: ClusterError,
    },
    #[error("failed to apply {id}")]
    Apply {
        id: ObjectRef,
        #[source]
        source: ClusterError,
    },
    #[error("{id} was applied but the cluster returned hash {returned:?}, not {want}")]
    NotConfirmed {
        id: ObjectRef,
        want: String,
        returned: Option<String>,
    },
    #[error("{api_version} {kind} is not served {waited:?} after its CRD was applied")]
    NotEstablished {
        api_version: String,
        kind: String,
        waited: Duration,
    },
    #[error("failed to read {id} again before pruning it")]
    Reread {
        id: ObjectRef,
        #[source]
        source: ClusterError,
    },
    #[error("failed to delete {id}")]
    Delete {
        id: ObjectRef,
        #[source]
        source: ClusterError,
    },
}

impl ExecuteError {
    pub fn disposition(&self) -> Disposition {
        match self {
            ExecuteError::Rejected { .. } => Disposition::Stall,
            ExecuteError::NotEstablished { .. } => Disposition::Wait,
            ExecuteError::NotConfirmed { .. } => Disposition::Retry,
            ExecuteError::DryRun { source, .. }
            | ExecuteError::Apply { source, .. }
            | ExecuteError::Reread { source, .. }
            | ExecuteError::Delete { source, .. } => source.disposition(),
        }
    }

    /// The variant name, for metrics and `status/errors.yaml`.
    pub fn category(&self) -> &'static str {
        match self {
            ExecuteError::Rejected { .. } => "Rejected",
            ExecuteError::DryRun { .. } => "DryRun",
            ExecuteError::Apply { .. } => "Apply",
            ExecuteError::NotConfirmed { .. } => "NotConfirmed",
            ExecuteError::NotEstablished { .. } => "NotEstablished",
            ExecuteError::Reread { .. } => "Reread",
            ExecuteError::Delete { .. } => "Delete",
        }
    }
}

/// Carries out `plan` on `cluster`; returns what happened and the new
/// inventory (from `inventory`).
pub async fn execute(
    cluster: &ClusterClient,
    plan: &ClusterPlan,
    inventory: &Inventory,
    opts: &ExecuteOptions,
) -> (ApplyReport, Inventory) {
    let mut run = Run {
        cluster,
        plan,
        opts,
        report: ApplyReport {
            cluster: cluster.name().to_string(),
            conflicts: plan.conflicts.clone(),
            ignored: plan.ignored.clone(),
            kept: plan.kept.clone(),
            gone: plan.gone.clone(),
            held: plan.hold.clone(),
            ..ApplyReport::default()
        },
        inventory: inventory.clone(),
        dry: vec![None; plan.apply.len()],
    };
    for id in &plan.gone {
        run.inventory.remove(id);
    }
    for (id, hash) in &plan.unchanged {
        run.inventory.record(id.clone(), hash.clone());
        run.report.unchanged.push(id.clone());
    }
    if !plan.unobserved.is_empty() {
        // The plan holds everything; there is nothing safe to do.
        return (run.report, run.inventory);
    }
    if run.apply_all().await {
        run.prune_all().await;
    } else if !plan.prune.is_empty() {
        run.report.prune_skipped = true;
    }
    (run.report, run.inventory)
}

/// One execution in progress.
struct Run<'a> {
    cluster: &'a ClusterClient,
    plan: &'a ClusterPlan,
    opts: &'a ExecuteOptions,
    report: ApplyReport,
    inventory: Inventory,
    /// The dry-run result of each apply item, once checked.
    dry: Vec<Option<Value>>,
}

impl Run<'_> {
    /// Records an error; an unreachable cluster is reported once, not once
    /// per object that was in flight.
    fn push_error(&mut self, e: ExecuteError) {
        let unreachable = |e: &ExecuteError| {
            matches!(
                e,
                ExecuteError::DryRun {
                    source: ClusterError::Unreachable { .. },
                    ..
                } | ExecuteError::Apply {
                    source: ClusterError::Unreachable { .. },
                    ..
                }
            )
        };
        if !(unreachable(&e) && self.report.errors.iter().any(unreachable)) {
            self.report.errors.push(e);
        }
    }

    /// Dry run, apply and confirm; true if every object was confirmed.
    async fn apply_all(&mut self) -> bool {
        let items = &self.plan.apply;
        if items.is_empty() {
            return true;
        }
        let Some(deferred) = self.deferred().await else {
            return false;
        };
        let now: Vec<usize> = (0..items.len()).filter(|i| !deferred[*i]).collect();
        if !self.dry_run(&now).await {
            return false;
        }
        let mut deferred_checked = false;
        for layer in layers(items) {
            if !deferred_checked && deferred[layer.clone()].iter().any(|d| *d) {
                deferred_checked = true;
                let later: Vec<usize> = (0..items.len()).filter(|i| deferred[*i]).collect();
                // Only kinds this plan defines are worth waiting for; any
                // other unserved kind is refused by the dry run.
                let defs = Definitions::of(items);
                let defined: Vec<usize> = later
                    .iter()
                    .copied()
                    .filter(|i| defs.defines_kind(&items[*i].id))
                    .collect();
                if !self.wait_for_kinds(&defined).await || !self.dry_run(&later).await {
                    return false;
                }
            }
            if !self.apply_layer(layer).await {
                return false;
            }
        }
        true
    }

    /// Which items can only be checked after this plan's Namespaces and
    /// CRDs exist; `None` (with the error recorded) if discovery failed.
    async fn deferred(&mut self) -> Option<Vec<bool>> {
        let items = &self.plan.apply;
        let defs = Definitions::of(items);
        let mut out = Vec::with_capacity(items.len());
        for a in items {
            if defs.in_new_namespace(&a.id) {
                out.push(true);
                continue;
            }
            match self.cluster.resolve(&a.id.api_version, &a.id.kind).await {
                Ok(served) => out.push(served.is_none() && defs.defines_kind(&a.id)),
                Err(source) => {
                    let id = a.id.clone();
                    self.report.errors.push(ExecuteError::DryRun { id, source });
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Dry-runs `which` items; false if any was refused or failed.
    async fn dry_run(&mut self, which: &[usize]) -> bool {
        let cluster = self.cluster;
        let items = &self.plan.apply;
        let results: Vec<(usize, Result<Value, ClusterError>)> =
            stream::iter(which.iter().copied())
                .map(|i| async move {
                    let a = &items[i];
                    (i, cluster.apply(&a.id, &a.body, a.force, true).await)
                })
                .buffered(self.opts.concurrency.max(1))
                .collect()
                .await;
        let mut transient = false;
        for (i, r) in results {
            match r {
                Ok(v) => self.dry[i] = Some(v),
                Err(e) if e.disposition() == Disposition::Stall => {
                    self.report.rejected.push(Rejection {
                        id: items[i].id.clone(),
                        message: rejection_message(&e),
                    });
                }
                Err(source) => {
                    transient = true;
                    let id = items[i].id.clone();
                    self.push_error(ExecuteError::DryRun { id, source });
                }
            }
        }
        if !self.report.rejected.is_empty() && !transient {
            self.report.errors.push(ExecuteError::Rejected {
                cluster: self.cluster.name().to_string(),
                count: self.report.rejected.len(),
            });
        }
        !transient && self.report.rejected.is_empty()
    }

    /// Waits until the kinds of `which` items are served (their CRDs were
    /// just applied); false, with the error recorded, after the timeout.
    async fn wait_for_kinds(&mut self, which: &[usize]) -> bool {
        let started = tokio::time::Instant::now();
        for &i in which {
            let id = &self.plan.apply[i].id;
            loop {
                match self.cluster.resolve(&id.api_version, &id.kind).await {
                    Ok(Some(_)) => break,
                    Ok(None) if started.elapsed() < self.opts.establish_timeout => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Ok(None) => {
                        self.report.errors.push(ExecuteError::NotEstablished {
                            api_version: id.api_version.clone(),
                            kind: id.kind.clone(),
                            waited: self.opts.establish_timeout,
                        });
                        return false;
                    }
                    Err(source) => {
                        let id = id.clone();
                        self.report.errors.push(ExecuteError::DryRun { id, source });
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Applies and confirms the items in `range` (one kind rank), a few at
    /// a time; false if any failed.
    async fn apply_layer(&mut self, range: std::ops::Range<usize>) -> bool {
        let cluster = self.cluster;
        let items = &self.plan.apply;
        let mut to_write = Vec::new();
        for i in range {
            let a = &items[i];
            let normalized = matches!(a.why, Why::Drift(_))
                && matches!((&self.dry[i], &a.live), (Some(d), Some(l)) if drift::unchanged_by(d, l));
            if normalized {
                self.inventory.record(a.id.clone(), a.hash.clone());
                self.report.unchanged.push(a.id.clone());
            } else {
                to_write.push(i);
            }
        }
        let results: Vec<(usize, Result<Value, ClusterError>)> = stream::iter(to_write)
            .map(|i| async move {
                let a = &items[i];
                (i, cluster.apply(&a.id, &a.body, a.force, false).await)
            })
            .buffered(self.opts.concurrency.max(1))
            .collect()
            .await;
        let mut ok = true;
        for (i, r) in results {
            let a: &ApplyItem = &items[i];
            match r {
                Ok(returned) if object::hash(&returned) == Some(a.hash.as_str()) => {
                    self.inventory.record(a.id.clone(), a.hash.clone());
                    if let Some(rv) = object::meta_str(&returned, "resourceVersion") {
                        self.report.versions.push((a.id.clone(), rv.to_string()));
                    }
                    self.report.applied.push((a.id.clone(), a.why.clone()));
                }
                Ok(returned) => {
                    ok = false;
                    self.report.errors.push(ExecuteError::NotConfirmed {
                        id: a.id.clone(),
                        want: a.hash.clone(),
                        returned: object::hash(&returned).map(str::to_string),
                    });
                }
                Err(source) => {
                    ok = false;
                    let id = a.id.clone();
                    self.push_error(ExecuteError::Apply { id, source });
                }
            }
        }
        ok
    }

    /// Re-reads, re-checks and deletes the plan's prune list, in order;
    /// stops at the first error.
    async fn prune_all(&mut self) {
        for id in &self.plan.prune {
            let obj = match self.cluster.get(id).await {
                Ok(Live::Present(obj)) => obj,
                Ok(Live::Absent) => {
                    self.inventory.remove(id);
                    self.report.gone.push(id.clone());
                    continue;
                }
                Err(source) => {
                    let id = id.clone();
                    self.report.errors.push(ExecuteError::Reread { id, source });
                    return;
                }
            };
            if let Err(reason) = prune::judge(&self.plan.instance, id, &obj, &self.inventory) {
                self.report.kept.push((id.clone(), reason));
                continue;
            }
            let uid = object::meta_str(&obj, "uid");
            let rv = object::meta_str(&obj, "resourceVersion");
            match self.cluster.delete(id, uid, rv).await {
                Ok(Deleted::Deleted) => {
                    self.inventory.remove(id);
                    self.report.pruned.push(id.clone());
                }
                Ok(Deleted::AlreadyGone) => {
                    self.inventory.remove(id);
                    self.report.gone.push(id.clone());
                }
                Ok(Deleted::Changed) => {
                    self.report
                        .kept
                        .push((id.clone(), KeepReason::ChangedSinceRead));
                }
                Err(source) => {
                    let id = id.clone();
                    self.report.errors.push(ExecuteError::Delete { id, source });
                    return;
                }
            }
        }
    }
}

/// The server's own words for a refusal.
fn rejection_message(e: &ClusterError) -> String {
    match e {
        ClusterError::Rejected { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

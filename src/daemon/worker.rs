//! One member cluster's worker: whenever the desired state changes, a
//! watched object changes, a resync is due or a backoff expires, it
//! observes the cluster, plans and carries out the plan, and reports. Each
//! cluster has its own worker, so a slow or unreachable cluster never
//! holds up the others; its failures are retried with a capped exponential
//! backoff.
//!
//! The worker's cluster is watched ([`crate::apply::watch`]): an event
//! that calls for a write or changes health ([`super::wake`]) wakes it
//! after a short debounce that coalesces bursts. The resync timer is only
//! a safety net. A pass is [`super::pass`]; this module is the loop and
//! its timers.

use super::backoff::{self, Next};
use super::desired::Desired;
use super::drift_backoff::{Deferred, Fight};
use super::pass::{self, Pass, Trigger, WorkerState};
use crate::apply::{self, ApplyReport, HeldPrune, Inventory};
use crate::model::common::ObjectRef;
use crate::observe::client::Observation;
use crate::server::metrics::Metrics;
use futures_util::FutureExt;
use kube::config::Kubeconfig;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Notify};

/// While workloads are still converging, look again this soon (the
/// watches usually say so sooner).
const CONVERGING: Duration = Duration::from_secs(2);
/// How long a watch event waits for the ones right behind it.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// What one pass over a cluster found and did.
#[derive(Debug)]
pub struct ClusterReport {
    pub cluster: String,
    /// The revision this pass worked towards.
    pub revision: String,
    /// Whether the cluster's API answered.
    pub reachable: bool,
    /// Capacity and readiness, as a Karmada Cluster status.
    pub observation: Option<Observation>,
    /// The live desired objects as read at the start of the pass (health,
    /// replicas); absent objects are missing. Shared with the watch cache.
    pub live: BTreeMap<ObjectRef, Arc<Value>>,
    pub apply: Option<ApplyReport>,
    /// What flotilla has applied and confirmed there.
    pub inventory: Inventory,
    /// Deletions a prune guard holds, with the commit they were first held
    /// at (what an approval names).
    pub held_prune: Option<HeldPrune>,
    /// Why the pass stopped early, if it did.
    pub error: Option<String>,
    /// Every object of the revision is applied and confirmed.
    pub converged: bool,
    /// Corrections the per-object backoff held back in this pass.
    pub deferred: Vec<Deferred>,
    /// Objects in a fight with another writer, as the backoff sees them
    /// after this pass.
    pub fights: Vec<(ObjectRef, Fight)>,
}

/// What a worker needs from the daemon.
pub struct WorkerContext {
    pub cluster: String,
    pub kubeconfig: Arc<Kubeconfig>,
    pub metrics: Arc<Metrics>,
    pub reports: mpsc::Sender<ClusterReport>,
    pub resync: Duration,
    pub execute: apply::ExecuteOptions,
}

/// What a worker carries from one pass to the next (and an earlier run
/// recorded on the status branch): the inventory and the held prune.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub inventory: Inventory,
    pub held_prune: Option<HeldPrune>,
}

/// Runs until `shutdown` turns true; the pass in flight finishes first.
pub async fn run(
    ctx: WorkerContext,
    mut desired: watch::Receiver<Option<Arc<Desired>>>,
    mut carried: Carried,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut state = WorkerState::default();
    let mut failures = 0u32;
    let mut trigger = Trigger::Desired;
    loop {
        let current = desired.borrow_and_update().clone();
        let (delay, on_timer) = match current {
            Some(d) if d.clusters.contains_key(&ctx.cluster) => {
                let started = Instant::now();
                let (report, next) = pass::pass(&ctx, &mut state, &d, &carried, trigger).await;
                ctx.metrics
                    .reconcile_seconds
                    .get_or_create(&Metrics::cluster(&ctx.cluster))
                    .observe(started.elapsed().as_secs_f64());
                carried = Carried {
                    inventory: report.inventory.clone(),
                    held_prune: report.held_prune.clone(),
                };
                let (delay, on_timer) = match next {
                    None => {
                        failures = 0;
                        (ctx.resync, Trigger::Resync)
                    }
                    Some(Pass::Converging) => {
                        failures = 0;
                        (CONVERGING, Trigger::Converging)
                    }
                    Some(Pass::Failed(n)) => {
                        failures = failures.saturating_add(1);
                        (backoff::delay(n, failures), Trigger::Retry)
                    }
                };
                // A deferred correction comes due.
                let due = state
                    .drift
                    .next_due()
                    .map(|at| at.saturating_duration_since(Instant::now()));
                let timer = match due {
                    Some(due) if due < delay => (due, Trigger::Deferred),
                    _ => (delay, on_timer),
                };
                if ctx.reports.send(report).await.is_err() {
                    return;
                }
                timer
            }
            // Nothing to do here yet (no good revision), or the cluster
            // left the repository: its objects stay as they are.
            _ => (backoff::delay(Next::Stall, 1), Trigger::Resync),
        };
        let wake = state.watch_wake();
        trigger = tokio::select! {
            changed = desired.changed() => {
                if changed.is_err() {
                    return;
                }
                Trigger::Desired
            }
            _ = tokio::time::sleep(delay) => on_timer,
            _ = notified(wake.as_deref()) => {
                tokio::time::sleep(DEBOUNCE).await;
                // The events of the debounce are all in the cache now:
                // one pass covers them.
                if let Some(w) = &wake {
                    let _ = w.notified().now_or_never();
                }
                Trigger::Watch
            }
            _ = shutdown.changed() => Trigger::Resync,
        };
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Waits for `wake`, or forever without watches.
async fn notified(wake: Option<&Notify>) {
    match wake {
        Some(w) => w.notified().await,
        None => std::future::pending().await,
    }
}

/// An error and its causes, joined, for a log or report line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let causes = source_chain(e);
    if causes.is_empty() {
        e.to_string()
    } else {
        format!("{e}: {causes}")
    }
}

/// An error's causes, joined.
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = Vec::new();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out.join(": ")
}

//! One member cluster's worker: whenever the desired state changes, a
//! resync is due or a backoff expires, it observes the cluster, plans and
//! carries out the plan, and reports. Each cluster has its own worker, so a
//! slow or unreachable cluster never holds up the others; its failures are
//! retried with a capped exponential backoff.
//!
//! A pass is the list of small sub-steps of docs/daemon.md: connect,
//! observe (capacity and the live objects), plan (pure), execute, report.
//! Each failing step ends the pass with a [`Next`] that sets the delay.

use super::backoff::{self, Next};
use super::desired::Desired;
use crate::apply::{
    self, ApplyReport, ClusterClient, Disposition, HeldPrune, Inventory, Live, PlanInput, Why,
};
use crate::model::common::ObjectRef;
use crate::observe::client::{self as observe_client, Observation};
use crate::server::metrics::Metrics;
use kube::config::Kubeconfig;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// While workloads are still converging, look again this soon.
const CONVERGING: Duration = Duration::from_secs(2);

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
    /// replicas); absent objects are missing.
    pub live: BTreeMap<ObjectRef, Value>,
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
    let mut client: Option<Connection> = None;
    let mut failures = 0u32;
    loop {
        let current = desired.borrow_and_update().clone();
        let delay = match current {
            Some(d) if d.clusters.contains_key(&ctx.cluster) => {
                let started = Instant::now();
                let (report, next) = pass(&ctx, &mut client, &d, &carried).await;
                ctx.metrics
                    .reconcile_seconds
                    .get_or_create(&Metrics::cluster(&ctx.cluster))
                    .observe(started.elapsed().as_secs_f64());
                carried = Carried {
                    inventory: report.inventory.clone(),
                    held_prune: report.held_prune.clone(),
                };
                let delay = match next {
                    None => {
                        failures = 0;
                        ctx.resync
                    }
                    Some(Pass::Converging) => {
                        failures = 0;
                        CONVERGING
                    }
                    Some(Pass::Failed(n)) => {
                        failures = failures.saturating_add(1);
                        backoff::delay(n, failures)
                    }
                };
                if ctx.reports.send(report).await.is_err() {
                    return;
                }
                delay
            }
            // Nothing to do here yet (no good revision), or the cluster
            // left the repository: its objects stay as they are.
            _ => backoff::STALL,
        };
        tokio::select! {
            changed = desired.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// A cluster's clients: the plain one (capacity) and the apply one (which
/// caches discovery).
struct Connection {
    kube: kube::Client,
    apply: ClusterClient,
}

/// How a pass ended when it did not leave the cluster settled.
enum Pass {
    /// Applied, but workloads are not all ready yet.
    Converging,
    Failed(Next),
}

fn next_of(d: Disposition) -> Next {
    match d {
        Disposition::Retry => Next::Retry,
        Disposition::Wait => Next::Wait,
        Disposition::Stall => Next::Stall,
    }
}

async fn pass(
    ctx: &WorkerContext,
    client: &mut Option<Connection>,
    desired: &Desired,
    carried: &Carried,
) -> (ClusterReport, Option<Pass>) {
    let inventory = &carried.inventory;
    let mut report = ClusterReport {
        cluster: ctx.cluster.clone(),
        revision: desired.revision.clone(),
        reachable: false,
        observation: None,
        live: BTreeMap::new(),
        apply: None,
        inventory: inventory.clone(),
        held_prune: carried.held_prune.clone(),
        error: None,
        converged: false,
    };
    // The gauge's guard must not live across an await (it is not Send).
    let reachable = |up: bool| {
        ctx.metrics
            .cluster_reachable
            .get_or_create(&Metrics::cluster(&ctx.cluster))
            .set(i64::from(up));
    };
    // Connect.
    if client.is_none() {
        let context = desired
            .contexts
            .get(&ctx.cluster)
            .map_or(ctx.cluster.as_str(), String::as_str);
        match observe_client::client(&ctx.kubeconfig, context).await {
            Ok(c) => {
                *client = Some(Connection {
                    apply: ClusterClient::new(ctx.cluster.clone(), c.clone()),
                    kube: c,
                })
            }
            Err(e) => {
                reachable(false);
                report.error = Some(error_chain(&e));
                // A kubeconfig without the context will not grow one.
                return (report, Some(Pass::Failed(Next::Stall)));
            }
        }
    }
    let Some(Connection {
        kube,
        apply: cluster,
    }) = client.as_ref()
    else {
        return (report, Some(Pass::Failed(Next::Retry)));
    };
    // Observe capacity and readiness.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let observation = observe_client::observe(kube, &now).await;
    let unreachable = observation.error.clone();
    report.observation = Some(observation);
    if let Some(e) = unreachable {
        reachable(false);
        report.error = Some(e);
        return (report, Some(Pass::Failed(Next::Retry)));
    }
    reachable(true);
    report.reachable = true;
    // Observe the objects: every desired and every inventory object. A
    // failed read fails the pass; it never reads as "absent".
    let cluster_desired = &desired.clusters[&ctx.cluster];
    let ids: Vec<&ObjectRef> = cluster_desired
        .objects
        .iter()
        .map(|o| &o.id)
        .chain(inventory.iter().map(|(id, _)| id))
        .collect();
    let live = match cluster.observe(ids).await {
        Ok(live) => live,
        Err(e) => {
            report.error = Some(error_chain(&e));
            return (report, Some(Pass::Failed(next_of(e.disposition()))));
        }
    };
    report.live = cluster_desired
        .objects
        .iter()
        .filter_map(|o| match live.get(&o.id) {
            Some(Live::Present(v)) => Some((o.id.clone(), v.clone())),
            _ => None,
        })
        .collect();
    // Plan (pure) and carry it out.
    let plan = apply::plan(&PlanInput {
        instance: &desired.instance,
        desired: &cluster_desired.objects,
        live: &live,
        inventory,
        overwrite: &cluster_desired.adopt,
        prune: apply::PruneSettings {
            allow_empty: desired.prune.allow_empty(),
            max_fraction: f64::from(desired.prune.max_delete_percent()) / 100.0,
            approved: desired.prune.approves(&desired.revision),
        },
        // An approval names the commit a hold was reported at; the commit
        // that carries it is a later one.
        approved_hold: carried
            .held_prune
            .as_ref()
            .filter(|h| desired.prune.approves(&h.commit)),
    });
    report.held_prune = HeldPrune::next(
        carried.held_prune.as_ref(),
        &desired.revision,
        plan.hold.as_ref(),
    );
    let (applied, new_inventory) = apply::execute(cluster, &plan, inventory, &ctx.execute).await;
    let label = Metrics::cluster(&ctx.cluster);
    ctx.metrics
        .applied
        .get_or_create(&label)
        .inc_by(applied.applied.len() as u64);
    ctx.metrics
        .pruned
        .get_or_create(&label)
        .inc_by(applied.pruned.len() as u64);
    let drifted = applied
        .applied
        .iter()
        .filter(|(_, why)| matches!(why, Why::Drift(_)))
        .count();
    ctx.metrics
        .drift_corrected
        .get_or_create(&label)
        .inc_by(drifted as u64);
    if applied.wrote() {
        tracing::info!(cluster = %ctx.cluster, revision = %desired.revision, applied = applied.applied.len(), pruned = applied.pruned.len(), "applied");
    }
    let next = applied.disposition().map(|d| Pass::Failed(next_of(d)));
    // What was just written is confirmed but not yet observed running: the
    // next pass (soon) reads it again and decides.
    report.converged = applied.errors.is_empty() && applied.rejected.is_empty() && !applied.wrote();
    report.inventory = new_inventory;
    let wrote = applied.wrote();
    report.apply = Some(applied);
    let next = next.or_else(|| {
        // Just written, or workloads still rolling out: look again soon.
        let settling = wrote
            || report.live.values().any(|v| {
                crate::observe::health::health(v).state
                    == crate::observe::health::HealthState::Progressing
            });
        settling.then_some(Pass::Converging)
    });
    (report, next)
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

//! One pass over one member cluster, as the sub-steps of docs/daemon.md:
//! connect; observe capacity and readiness (when due); watch the kinds
//! flotilla manages there; read the objects (from the watch cache, and
//! one by one only what it cannot answer: [`super::read`]); plan (pure); hold back the
//! corrections the per-object backoff defers; execute; report. Each
//! failing step ends the pass with a [`Pass::Failed`] that sets the delay.
//!
//! A steady cluster whose watches are synced costs no request at all: the
//! cache answers every read, the plan is empty, and capacity is observed
//! again only on a resync (or when a watch failed, which is how an
//! unreachable cluster shows up between resyncs).

use super::backoff::Next;
use super::desired::Desired;
use super::drift_backoff::{self, DriftBackoff};
use super::read;
use super::wake::ClusterInterest;
use super::worker::{error_chain, Carried, ClusterReport, WorkerContext};
use crate::apply::cache::KindKey;
use crate::apply::watch::Watches;
use crate::apply::{self, ClusterClient, Disposition, HeldPrune, Inventory, Live, PlanInput, Why};
use crate::model::common::ObjectRef;
use crate::observe::client::{self as observe_client, Observation};
use crate::observe::health::{self, HealthState};
use crate::server::metrics::Metrics;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Capacity observed longer ago than this is observed again, whatever
/// woke the pass.
const CAPACITY_MAX_AGE: Duration = Duration::from_secs(60);

/// What started a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A new desired state (or the first pass).
    Desired,
    /// A watched object changed.
    Watch,
    /// The resync timer: the safety net.
    Resync,
    /// Workloads were still converging.
    Converging,
    /// The last pass failed.
    Retry,
    /// A deferred drift correction came due.
    Deferred,
}

/// How a pass ended when it did not leave the cluster settled.
pub enum Pass {
    /// Applied, but workloads are not all ready yet.
    Converging,
    Failed(Next),
}

/// What a worker keeps from one pass to the next.
#[derive(Default)]
pub struct WorkerState {
    conn: Option<Connection>,
    /// The per-object backoff of drift corrections.
    pub drift: DriftBackoff<ObjectRef>,
    /// Objects flotilla wrote, with the resourceVersion the write returned,
    /// until the cache has seen that version: read directly meanwhile.
    pending: BTreeMap<ObjectRef, String>,
    /// The last capacity observation and when it was made.
    capacity: Option<(Instant, Observation)>,
    /// The last pass left workloads rolling out: pods are being placed, so
    /// capacity is read again until they settle, and the status of a
    /// converged fleet shows the allocation it settled at (a restart would
    /// otherwise find it changed and commit).
    settling: bool,
    /// What the watches' interest was built from.
    interest: Option<(Arc<Desired>, Inventory)>,
}

impl WorkerState {
    /// Notified when a watch event matters.
    pub fn watch_wake(&self) -> Option<Arc<Notify>> {
        self.conn.as_ref().map(|c| c.watches.wake())
    }
}

/// A cluster's clients: the plain one (capacity), the apply one (which
/// caches discovery) and the watches.
struct Connection {
    kube: kube::Client,
    apply: ClusterClient,
    watches: Watches,
}

fn next_of(d: Disposition) -> Next {
    match d {
        Disposition::Retry => Next::Retry,
        Disposition::Wait => Next::Wait,
        Disposition::Stall => Next::Stall,
    }
}

pub async fn pass(
    ctx: &WorkerContext,
    state: &mut WorkerState,
    desired: &Arc<Desired>,
    carried: &Carried,
    trigger: Trigger,
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
        deferred: Vec::new(),
        fights: state.drift.fights(Instant::now()),
    };
    let label = Metrics::cluster(&ctx.cluster);
    // The gauge's guard must not live across an await (it is not Send).
    let reachable = |up: bool| {
        ctx.metrics
            .cluster_reachable
            .get_or_create(&label)
            .set(i64::from(up));
    };
    // Connect.
    if state.conn.is_none() {
        let context = desired
            .contexts
            .get(&ctx.cluster)
            .map_or(ctx.cluster.as_str(), String::as_str);
        match observe_client::client(&ctx.kubeconfig, context).await {
            Ok(c) => {
                state.conn = Some(Connection {
                    apply: ClusterClient::new(ctx.cluster.clone(), c.clone()),
                    watches: Watches::new(ctx.cluster.clone(), c.clone()),
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
    let Some(conn) = state.conn.as_mut() else {
        return (report, Some(Pass::Failed(Next::Retry)));
    };
    // Observe capacity and readiness, unless a recent observation stands
    // and the watches vouch for the cluster.
    let recent = state
        .capacity
        .as_ref()
        .filter(|(at, o)| o.error.is_none() && at.elapsed() < CAPACITY_MAX_AGE)
        .map(|(_, o)| o.clone());
    let cheap = matches!(trigger, Trigger::Watch | Trigger::Deferred) && !state.settling;
    let observation = match recent {
        Some(o) if cheap && conn.watches.cache().all_synced() => o,
        _ => {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let o = observe_client::observe(&conn.kube, &now).await;
            state.capacity = Some((Instant::now(), o.clone()));
            o
        }
    };
    let unreachable = observation.error.clone();
    report.observation = Some(observation);
    if let Some(e) = unreachable {
        reachable(false);
        report.error = Some(e);
        return (report, Some(Pass::Failed(Next::Retry)));
    }
    reachable(true);
    report.reachable = true;
    // Watch what flotilla manages here.
    let cluster_desired = &desired.clusters[&ctx.cluster];
    let ids: BTreeSet<&ObjectRef> = cluster_desired
        .objects
        .iter()
        .map(|o| &o.id)
        .chain(inventory.iter().map(|(id, _)| id))
        .collect();
    watch(&ctx.cluster, conn, &desired.instance, &ids).await;
    let fresh = state
        .interest
        .as_ref()
        .is_none_or(|(d, inv)| !Arc::ptr_eq(d, desired) || inv != inventory);
    if fresh {
        let interest = ClusterInterest::new(desired.clone(), &ctx.cluster, inventory);
        conn.watches.set_interest(Arc::new(interest));
        state.interest = Some((desired.clone(), inventory.clone()));
    }
    // Read the objects: every desired and every inventory object. A failed
    // read fails the pass; it never reads as "absent".
    state.pending.retain(|id, _| ids.contains(id));
    let observed = match read::read(&conn.watches, &conn.apply, &ids, &mut state.pending).await {
        Ok((observed, reads)) => {
            ctx.metrics
                .object_reads
                .get_or_create(&label)
                .inc_by(reads as u64);
            observed
        }
        Err(e) => {
            report.error = Some(error_chain(&e));
            return (report, Some(Pass::Failed(next_of(e.disposition()))));
        }
    };
    // The plan's own copy (it lives for this pass); the report keeps the
    // cache's.
    let live: BTreeMap<ObjectRef, Live> = observed
        .iter()
        .map(|(id, v)| {
            let l = v
                .as_ref()
                .map_or(Live::Absent, |v| Live::Present((**v).clone()));
            (id.clone(), l)
        })
        .collect();
    report.live = cluster_desired
        .objects
        .iter()
        .filter_map(|o| Some((o.id.clone(), observed.get(&o.id)?.clone()?)))
        .collect();
    // Plan (pure); hold back the corrections of a fight.
    let mut plan = apply::plan(&PlanInput {
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
    let now = Instant::now();
    let wanted: BTreeSet<&ObjectRef> = cluster_desired.objects.iter().map(|o| &o.id).collect();
    state.drift.retain(|id| wanted.contains(id));
    let (deferred, corrections) = drift_backoff::gate(&mut plan, inventory, &mut state.drift, now);
    if !deferred.is_empty() {
        ctx.metrics
            .drift_deferred
            .get_or_create(&label)
            .inc_by(deferred.len() as u64);
        for d in &deferred {
            tracing::info!(
                cluster = %ctx.cluster,
                object = %d.id,
                corrections = d.corrections,
                wait_ms = d.until.saturating_duration_since(now).as_millis() as u64,
                "drift correction deferred: another writer keeps changing it"
            );
        }
    }
    // Carry it out, and tell the backoff what was written.
    let (applied, new_inventory) =
        apply::execute(&conn.apply, &plan, inventory, &ctx.execute).await;
    for (id, _) in &applied.applied {
        if corrections.contains(id) {
            state.drift.corrected(id.clone(), now);
        }
    }
    for id in &applied.unchanged {
        state.drift.in_sync(id, now);
    }
    for (id, rv) in &applied.versions {
        state.pending.insert(id.clone(), rv.clone());
    }
    count(ctx, &label, &applied);
    if applied.wrote() {
        tracing::info!(cluster = %ctx.cluster, revision = %desired.revision, applied = applied.applied.len(), pruned = applied.pruned.len(), ?trigger, "applied");
    }
    let next = applied.disposition().map(|d| Pass::Failed(next_of(d)));
    // What was just written is confirmed but not yet observed running: the
    // next pass (soon) reads it again and decides.
    report.converged = applied.errors.is_empty()
        && applied.rejected.is_empty()
        && !applied.wrote()
        && deferred.is_empty();
    report.inventory = new_inventory;
    report.deferred = deferred;
    report.fights = state.drift.fights(now);
    let wrote = applied.wrote();
    report.apply = Some(applied);
    let next = next.or_else(|| {
        // Just written, or workloads still rolling out: look again soon.
        let settling = wrote
            || report
                .live
                .values()
                .any(|v| health::health(v).state == HealthState::Progressing);
        settling.then_some(Pass::Converging)
    });
    state.settling = matches!(next, Some(Pass::Converging));
    (report, next)
}

/// The metrics of one execution.
fn count(
    ctx: &WorkerContext,
    label: &crate::server::metrics::ClusterLabel,
    applied: &apply::ApplyReport,
) {
    let m = &ctx.metrics;
    m.applied
        .get_or_create(label)
        .inc_by(applied.applied.len() as u64);
    m.pruned
        .get_or_create(label)
        .inc_by(applied.pruned.len() as u64);
    let drifted = applied
        .applied
        .iter()
        .filter(|(_, why)| matches!(why, Why::Drift(_)))
        .count();
    m.drift_corrected
        .get_or_create(label)
        .inc_by(drifted as u64);
}

/// Makes the watches follow the kinds of `ids`. A kind the cluster does
/// not serve has nothing to watch (its objects are absent). If discovery
/// fails, the watches stay as they are: the reads will tell.
async fn watch(cluster: &str, conn: &mut Connection, instance: &str, ids: &BTreeSet<&ObjectRef>) {
    let kinds: BTreeSet<KindKey> = ids.iter().map(|id| KindKey::of(id)).collect();
    let mut resolved = BTreeMap::new();
    for kind in kinds {
        match conn.apply.resolve(&kind.api_version, &kind.kind).await {
            Ok(Some(r)) => {
                resolved.insert(kind, r);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(cluster, kind = %kind, error = %error_chain(&e), "discovery failed; the watches stay as they are");
                return;
            }
        }
    }
    conn.watches.ensure(instance, &resolved);
}

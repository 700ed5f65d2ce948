//! The daemon's main task: fetches the source, keeps the last good
//! revision, renders it into the desired state the cluster workers follow,
//! collects their reports and writes status to Git. One task owns this
//! state; the workers, the HTTP server and the Git I/O (on blocking
//! threads) talk to it through channels.

use super::config::RunConfig;
use super::desired::{self, Desired};
use super::events::Event;
use super::source::{Source, SourceError};
use super::status_input::{corrected_drifts, fold_fights};
use super::status_writer::StatusWriter;
use super::worker::{self, Carried, ClusterReport, WorkerContext};
use crate::model::cluster_state::ClusterObservation;
use crate::model::common::ObjectRef;
use crate::model::diag::Diagnostic;
use crate::model::Repository;
use crate::render::Previous;
use crate::server::metrics::Metrics;
use crate::status::{Drift, Stale};
use kube::config::Kubeconfig;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, watch, Notify};

/// After a failed status write, the next attempt waits this long.
const STATUS_RETRY: Duration = Duration::from_secs(5);

/// The last commit that validated, loaded.
pub struct Good {
    pub commit: String,
    pub repository: Arc<Repository>,
}

/// The latest commit, when it does not validate.
#[derive(Debug, Clone)]
pub struct Bad {
    pub commit: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// Everything the main task knows.
#[derive(Default)]
pub struct State {
    pub good: Option<Good>,
    pub bad: Option<Bad>,
    /// Set while fetching fails: the source may be behind the remote.
    pub stale: Option<Stale>,
    pub previous: Previous,
    pub observations: BTreeMap<String, ClusterObservation>,
    pub reports: BTreeMap<String, ClusterReport>,
    pub desired: Option<Arc<Desired>>,
    /// The last drift correction per (cluster, object).
    pub drifts: BTreeMap<(String, ObjectRef), Drift>,
    /// RFC 3339 time of the last pass that wrote to each cluster.
    pub last_write: BTreeMap<String, String>,
    /// `--instance`, over the Settings' instance.
    pub instance: Option<String>,
    /// A fixed pair of clocks, to write the workers' deadlines (monotonic)
    /// as wall-clock times, the same each time.
    pub anchor: Option<(Instant, chrono::DateTime<chrono::Utc>)>,
}

/// How the main task ended.
#[derive(Debug)]
pub enum Finish {
    /// Asked to stop (a signal, [`super::Daemon::stop`]).
    Stopped,
    /// `once`: every cluster converged on the good revision, status written.
    Converged,
    /// `once`: the branch's commit does not validate; nothing was applied
    /// and `status/errors.yaml` says why.
    Invalid(Bad),
}

pub struct Channels {
    pub trigger: Arc<Notify>,
    pub events: broadcast::Sender<Event>,
    pub shutdown: watch::Receiver<bool>,
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The cluster workers and what they share.
struct Workers {
    desired: watch::Sender<Option<Arc<Desired>>>,
    reports: mpsc::Sender<ClusterReport>,
    shutdown: watch::Sender<bool>,
    running: BTreeMap<String, tokio::task::JoinHandle<()>>,
    /// What an earlier run recorded per cluster, for its first worker.
    carried: BTreeMap<String, Carried>,
}

/// Runs until shutdown (or, with `once`, until every cluster has converged
/// on the good revision and its status is written).
pub async fn main_task(
    config: RunConfig,
    kubeconfig: Arc<Kubeconfig>,
    metrics: Arc<Metrics>,
    mut channels: Channels,
    ready: Arc<std::sync::atomic::AtomicBool>,
) -> Result<Finish, SourceError> {
    let source = Source::open(&config).await?;
    let mut state = State {
        instance: config.instance.clone(),
        ..State::default()
    };
    let mut writer: Option<StatusWriter> = None;
    let (report_tx, mut report_rx) = mpsc::channel::<ClusterReport>(64);
    let mut workers = Workers {
        desired: watch::channel(None).0,
        reports: report_tx,
        shutdown: watch::channel(false).0,
        running: BTreeMap::new(),
        carried: BTreeMap::new(),
    };
    let mut next_fetch = Instant::now();
    let mut status_due: Option<Instant> = None;
    let mut status_retry: Option<Instant> = None;
    let mut finish = Finish::Stopped;
    loop {
        let now = Instant::now();
        if now >= next_fetch {
            let fetched = fetch_and_load(&source, &mut state, &metrics, &channels.events).await;
            next_fetch = Instant::now() + source.interval(&state);
            let mut changed = match fetched {
                Ok(changed) => changed,
                // One reconcile needs the branch's commit now: without it
                // there is nothing to converge on, and waiting would never
                // end. (The daemon keeps its last good revision instead.)
                Err(e) if config.once && state.good.is_none() && state.bad.is_none() => {
                    return Err(e)
                }
                Err(_) => false,
            };
            if writer.is_none() && (state.good.is_some() || state.bad.is_some()) {
                // The status branch is known once a commit is: Settings may
                // name it. Read what an earlier run recorded before the
                // first render, so placements and inventories carry over.
                let (w, applied) = open_writer(&config, &source, &mut state, &mut workers).await?;
                writer = Some(w);
                // A restart onto a bad tip resumes from the last good
                // commit the status branch names, so that its status (and
                // what it applied) is kept rather than written away.
                if let (None, Some(commit)) = (&state.good, applied) {
                    changed |= resume(&source, &mut state, &commit).await;
                }
            }
            if changed {
                rerender(&mut state, &workers.desired, &channels.events);
                spawn_workers(&state, &mut workers, &config, &kubeconfig, &metrics);
            }
            status_due.get_or_insert(now);
        }
        if let (Some(due), Some(w)) = (status_due, writer.as_mut()) {
            // Until every cluster has reported once, status would say they
            // were never observed (and list no inventory): not written; the
            // missing reports bring the write back.
            if Instant::now() >= due && all_reported(&state) {
                status_due = None;
                match w.write(&state).await {
                    Ok(Some(commit)) => {
                        status_retry = None;
                        metrics.status_commits.inc();
                        let _ = channels.events.send(Event::StatusCommitted { commit });
                    }
                    Ok(None) => status_retry = None,
                    Err(e) => {
                        tracing::warn!(error = %worker::error_chain(&e), "failed to write status; retrying");
                        status_retry = Some(Instant::now() + STATUS_RETRY);
                        status_due = status_retry;
                    }
                }
                if config.once && status_due.is_none() {
                    // The bad commit is reported (errors.yaml); stop there.
                    if let Some(bad) = state.bad.clone() {
                        finish = Finish::Invalid(bad);
                        break;
                    }
                }
                if converged(&state) {
                    ready.store(true, std::sync::atomic::Ordering::Release);
                    metrics
                        .last_sync_timestamp
                        .set(chrono::Utc::now().timestamp() as f64);
                    // Written after the report that completed convergence,
                    // so the status branch shows the converged fleet.
                    if config.once && status_due.is_none() {
                        finish = Finish::Converged;
                        break;
                    }
                }
            }
        }
        let wake = status_due.map_or(next_fetch, |d| d.min(next_fetch));
        tokio::select! {
            _ = channels.trigger.notified() => next_fetch = Instant::now(),
            Some(report) = report_rx.recv() => {
                let _ = channels.events.send(Event::from_report(&report, state.desired.as_deref()));
                if record(&mut state, report) {
                    rerender(&mut state, &workers.desired, &channels.events);
                }
                let due = writer.as_ref().map_or(Instant::now(), |w| w.next_write(Instant::now()));
                // After a failed write, new reports do not bring the retry
                // forward: the remote needs time, not more attempts.
                let due = status_retry.map_or(due, |r| r.max(due));
                status_due = Some(status_due.map_or(due, |d| d.min(due)));
            }
            _ = tokio::time::sleep_until(wake.into()) => {}
            _ = channels.shutdown.changed() => {
                if *channels.shutdown.borrow() { break; }
            }
        }
    }
    // Let every worker finish the object in flight, then write the last
    // status: never half a commit.
    let _ = workers.shutdown.send(true);
    for (_, w) in std::mem::take(&mut workers.running) {
        let _ = w.await;
    }
    while let Ok(report) = report_rx.try_recv() {
        record(&mut state, report);
    }
    if let Some(w) = writer.as_mut() {
        if let Err(e) = w.write(&state).await {
            tracing::warn!(error = %worker::error_chain(&e), "failed to write the final status");
        }
    }
    Ok(finish)
}

/// Fetches; on a new commit, loads and validates it. True when a new good
/// revision replaced the last one (the desired state must be recomputed).
/// A failed fetch is recorded (the source is stale) and logged here, and
/// also returned for `once`, which cannot go on without it.
async fn fetch_and_load(
    source: &Source,
    state: &mut State,
    metrics: &Metrics,
    events: &broadcast::Sender<Event>,
) -> Result<bool, SourceError> {
    let commit = match source.fetch().await {
        Ok(commit) => commit,
        Err(e) => {
            // The last good revision stays applied; a failed fetch is never
            // "nothing desired".
            metrics.fetch_errors.inc();
            tracing::warn!(error = %e, "fetch failed; keeping the last good revision");
            let reason = e.to_string();
            // Since the first failure: a time that changed every interval
            // would make a status commit every interval.
            let since = state.stale.take().map_or_else(now_rfc3339, |s| s.since);
            state.stale = Some(Stale {
                since,
                reason: reason.clone(),
            });
            let _ = events.send(Event::FetchFailed {
                error: e.to_string(),
            });
            return Err(e);
        }
    };
    state.stale = None;
    let known = state.good.as_ref().is_some_and(|g| g.commit == commit)
        || state.bad.as_ref().is_some_and(|b| b.commit == commit);
    if known {
        return Ok(false);
    }
    let loaded = match source.load(&commit).await {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::warn!(commit = %commit, error = %e, "failed to read commit; keeping the last good revision");
            return Ok(false);
        }
    };
    if loaded.has_errors() {
        tracing::warn!(commit = %commit, errors = loaded.diagnostics.len(), "commit does not validate; keeping the last good revision");
        metrics.source_valid.set(0);
        let _ = events.send(Event::Invalid {
            commit: commit.clone(),
            errors: loaded.diagnostics.len(),
        });
        state.bad = Some(Bad {
            commit,
            diagnostics: loaded.diagnostics,
        });
        return Ok(false);
    }
    metrics.source_valid.set(1);
    metrics.set_revision(&commit);
    let _ = events.send(Event::Loaded {
        commit: commit.clone(),
    });
    state.bad = None;
    state.good = Some(Good {
        commit,
        repository: Arc::new(loaded.repository),
    });
    Ok(true)
}

/// Recomputes the desired state from the good revision and what is known
/// of the clusters, and hands it to the workers.
fn rerender(
    state: &mut State,
    desired_tx: &watch::Sender<Option<Arc<Desired>>>,
    events: &broadcast::Sender<Event>,
) {
    let Some(good) = &state.good else {
        return;
    };
    let observed: Vec<ClusterObservation> = state.observations.values().cloned().collect();
    let d = desired::desired(
        &good.repository,
        &good.commit,
        state.instance.as_deref(),
        &observed,
        &state.previous,
    );
    // Decisions are sticky: the next render starts from these.
    state.previous = Previous::from_placements(&d.placements);
    let _ = events.send(Event::Rendered {
        commit: d.revision.clone(),
        objects: d
            .clusters
            .iter()
            .map(|(c, o)| (c.clone(), o.objects.len()))
            .collect(),
    });
    let d = Arc::new(d);
    state.desired = Some(d.clone());
    desired_tx.send_replace(Some(d));
}

/// Loads `commit`, the last good one an earlier run recorded, as the good
/// revision; true if it validates.
async fn resume(source: &Source, state: &mut State, commit: &str) -> bool {
    match source.load(commit).await {
        Ok(loaded) if !loaded.has_errors() => {
            tracing::info!(%commit, "resuming from the last good commit the status branch records");
            state.good = Some(Good {
                commit: commit.to_string(),
                repository: Arc::new(loaded.repository),
            });
            true
        }
        Ok(_) => false,
        Err(e) => {
            tracing::warn!(%commit, error = %worker::error_chain(&e), "cannot read the last good commit the status branch records");
            false
        }
    }
}

/// Opens the status branch (the command line's, else the Settings') and
/// reads back what an earlier run recorded; also returns the source commit
/// the status says is applied.
async fn open_writer(
    config: &RunConfig,
    source: &Source,
    state: &mut State,
    workers: &mut Workers,
) -> Result<(StatusWriter, Option<String>), SourceError> {
    let settings = state
        .good
        .as_ref()
        .map(|g| g.repository.settings())
        .unwrap_or_default();
    let branch = config
        .status_branch
        .clone()
        .unwrap_or_else(|| settings.status_branch().to_string());
    let mut writer = StatusWriter::new(
        source.clone_handle(),
        &branch,
        &config.branch,
        config.status_debounce,
    )
    .map_err(SourceError::StatusBranch)?;
    let initial = writer.read().await;
    state.previous = initial.previous;
    // Times of events that happened before the restart: they stay true.
    state.last_write = initial.last_apply;
    state.drifts = initial.drifts;
    workers.carried = initial.carried;
    tracing::info!(branch = %writer.branch(), clusters = workers.carried.len(), "status branch read");
    Ok((writer, initial.applied))
}

/// Starts a worker for every cluster of the desired state that has none.
fn spawn_workers(
    state: &State,
    workers: &mut Workers,
    config: &RunConfig,
    kubeconfig: &Arc<Kubeconfig>,
    metrics: &Arc<Metrics>,
) {
    let Some(d) = &state.desired else {
        return;
    };
    for cluster in d.clusters.keys() {
        if workers.running.contains_key(cluster) {
            continue;
        }
        let ctx = WorkerContext {
            cluster: cluster.clone(),
            kubeconfig: kubeconfig.clone(),
            metrics: metrics.clone(),
            reports: workers.reports.clone(),
            resync: config.resync,
            execute: crate::apply::ExecuteOptions::default(),
        };
        let carried = workers.carried.remove(cluster).unwrap_or_default();
        let task = tokio::spawn(worker::run(
            ctx,
            workers.desired.subscribe(),
            carried,
            workers.shutdown.subscribe(),
        ));
        workers.running.insert(cluster.clone(), task);
    }
}

/// Takes a worker's report into the state; true when the cluster's
/// readiness or served APIs changed (which can change placements).
fn record(state: &mut State, report: ClusterReport) -> bool {
    let now = now_rfc3339();
    if report.apply.as_ref().is_some_and(|a| a.wrote()) {
        state.last_write.insert(report.cluster.clone(), now.clone());
    }
    for (id, drift) in corrected_drifts(&report, &now) {
        state.drifts.insert((report.cluster.clone(), id), drift);
    }
    let (instant, utc) = *state
        .anchor
        .get_or_insert_with(|| (Instant::now(), chrono::Utc::now()));
    fold_fights(&mut state.drifts, &report, |at| {
        let ahead = chrono::Duration::from_std(at.saturating_duration_since(instant))
            .unwrap_or_else(|_| chrono::Duration::zero());
        (utc + ahead).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    let changed = observe(state, &report);
    state.reports.insert(report.cluster.clone(), report);
    changed
}

/// Records a report's observation of the cluster; true when its readiness
/// or served APIs changed.
fn observe(state: &mut State, report: &ClusterReport) -> bool {
    let Some(observation) = &report.observation else {
        return false;
    };
    let status = serde_json::from_value(observation.status.clone()).ok();
    let new = ClusterObservation {
        name: report.cluster.clone(),
        status,
        taints: None,
    };
    let key = |o: &ClusterObservation| {
        o.status.as_ref().map(|s| {
            (
                s.ready(),
                s.api_enablements
                    .iter()
                    .flatten()
                    .map(|a| a.group_version.clone())
                    .collect::<Vec<_>>(),
            )
        })
    };
    let changed = state
        .observations
        .get(&report.cluster)
        .is_none_or(|old| key(old) != key(&new));
    state.observations.insert(report.cluster.clone(), new);
    changed
}

/// Every cluster of the desired state has reported since the start (true
/// without a desired state: a bad commit alone is reported at once).
fn all_reported(state: &State) -> bool {
    state.desired.as_ref().is_none_or(|d| {
        d.clusters
            .keys()
            .all(|name| state.reports.contains_key(name))
    })
}

/// Every cluster of the desired state reported the desired revision
/// applied, with every object present and healthy.
pub fn converged(state: &State) -> bool {
    let Some(d) = &state.desired else {
        return false;
    };
    d.clusters.iter().all(|(name, cd)| {
        state.reports.get(name).is_some_and(|r| {
            r.revision == d.revision
                && r.converged
                && r.error.is_none()
                && cd.objects.iter().all(|o| {
                    r.live.get(&o.id).is_some_and(|v| {
                        crate::observe::health::health(v).state
                            == crate::observe::health::HealthState::Healthy
                    })
                })
        })
    })
}

//! The loop behind one cluster's API. Each wake-up runs the controllers and
//! executes their actions until they have nothing left to do (bounded, so
//! a controller fight cannot starve the API). Then it sleeps until a write
//! or an admin action wakes it, the shared clock jumps, or the next
//! time-driven change is due ([`controllers::due`]: readiness delays, Job
//! run times, HPA syncs, cron schedules; and pending CRDs). A quiet cluster
//! costs nothing between wake-ups, and a wake-up for writes its
//! controllers do not read costs next to nothing. A busy one keeps what its
//! controllers parsed for the next wake-up ([`cache`]).

use super::cluster::{lock, SimCluster};
use super::controllers::{self, due::next_due, Inputs, Resource};
use super::store::Store;
use chrono::{DateTime, Utc};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

mod cache;

use cache::Kept;

/// Rounds per wake-up; the rest waits for a retry.
const MAX_ROUNDS: usize = 20;
/// After a write, wait this long for more before reconciling, so that a
/// burst of writes (an apply of hundreds of objects) costs a few passes
/// over the cluster, not one per write.
const COALESCE: Duration = Duration::from_millis(30);
/// When actions failed (e.g. the object changed meanwhile) or the
/// controllers were still busy after [`MAX_ROUNDS`], the next wake-up comes
/// this soon, doubling while that goes on (a write that keeps failing must
/// not cost a pass every half second).
const RETRY: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(30);
/// The longest sleep: a safety net, should a time-driven change be missing
/// from [`next_due`]. Long, because a pass over a big cluster is not free
/// (fifty clusters of 2,000 objects waking every minute cost a fifth of a
/// core on the benchmark machine).
const FALLBACK: Duration = Duration::from_secs(600);
/// Past a due time before waking, so that the clock read then is past it.
const SLACK: Duration = Duration::from_millis(5);

pub async fn run(cluster: Arc<SimCluster>) {
    let mut advances = cluster.clock.advances();
    let mut retries = 0u32;
    let mut wake_at = Instant::now();
    loop {
        let quiet_at = Instant::now() + cache::QUIET;
        tokio::select! {
            _ = cluster.changed.notified() => tokio::time::sleep(COALESCE).await,
            // Another cluster's admin API moved the shared clock.
            Ok(()) = advances.changed() => {}
            _ = tokio::time::sleep_until(wake_at) => {}
            _ = tokio::time::sleep_until(quiet_at), if cache::global().holds_parsed(&cluster) => {
                let c = cluster.clone();
                // Freeing thousands of parsed objects takes a while.
                tokio::task::spawn_blocking(move || cache::global().quiet(&c));
                continue;
            }
        }
        advances.mark_unchanged();
        let settled = pass(&cluster).await;
        retries = if settled.retry { retries + 1 } else { 0 };
        wake_at = Instant::now() + settled.sleep(cluster.clock.now(), retries);
    }
}

/// Runs [`settle`] on the blocking pool: a pass over a big cluster takes
/// long enough that the API requests queued behind it on a worker thread
/// would wait for it. At most one pass per core runs at a time, so that
/// many busy clusters neither crowd out the API nor all hold a parsed
/// snapshot at once.
async fn pass(cluster: &Arc<SimCluster>) -> Settled {
    static PASSES: OnceLock<Semaphore> = OnceLock::new();
    let passes = PASSES.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    // The semaphore is never closed.
    let _permit = passes.acquire().await.ok();
    let c = cluster.clone();
    let run = move || {
        let (settled, last) = settle(&c, cache::global().take(&c));
        if let Some(last) = last {
            cache::global().put(&c, last);
        }
        settled
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(settled) => settled,
        Err(e) => {
            tracing::error!(cluster = cluster.name(), error = %e, "a controller pass failed");
            Settled {
                changed: 0,
                retry: true,
                due: None,
            }
        }
    }
}

/// What one wake-up did, and when the next one is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// Actions that changed something.
    pub changed: usize,
    /// Some actions failed, or the controllers were still busy.
    pub retry: bool,
    /// The next time-driven change, on the cluster's clock.
    pub due: Option<DateTime<Utc>>,
}

impl Settled {
    /// How long to sleep from `now`, the `retries`-th retry in a row.
    pub fn sleep(&self, now: DateTime<Utc>, retries: u32) -> Duration {
        let due = self
            .due
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO) + SLACK);
        let retry = self
            .retry
            .then(|| (RETRY * 2u32.pow(retries.saturating_sub(1).min(6))).min(RETRY_MAX));
        [due, retry]
            .into_iter()
            .flatten()
            .fold(FALLBACK, Duration::min)
    }
}

/// Runs the controllers until they have nothing left to do, at most
/// [`MAX_ROUNDS`] rounds, starting from what the cluster kept of its last
/// wake-up; returns what to keep for the next.
pub fn settle(cluster: &SimCluster, kept: Option<Kept>) -> (Settled, Option<Kept>) {
    cluster.store().establish_due_crds(cluster.clock.now());
    let mut out = Settled {
        changed: 0,
        retry: false,
        due: None,
    };
    let mut earlier = kept;
    for round in 1..=MAX_ROUNDS {
        // Compute on a snapshot, outside the lock, so API requests are
        // not held up by a pass over the whole cluster.
        let (mut snapshot, inputs) = {
            let store = cluster.store();
            (store.snapshot(), inputs(cluster, &store))
        };
        if let Some(kept) = earlier.take() {
            let unchanged = snapshot.reuse(kept.snapshot);
            if let Some((before, due)) = kept.settled.filter(|_| unchanged) {
                // The writes that woke us touched nothing the controllers
                // read (a ConfigMap, a Service...): they would say nothing.
                if still_settled(&before, due, &inputs) {
                    out.due = [due, cluster.store().next_crd_due()]
                        .into_iter()
                        .flatten()
                        .min();
                    let settled = Some((before, due));
                    return (out, Some(Kept { snapshot, settled }));
                }
            }
        }
        let actions = controllers::run_all(&snapshot, &inputs);
        let done = (!actions.is_empty()).then(|| cluster.store().execute(actions, inputs.now));
        if let Some(done) = &done {
            if !done.failed.is_empty() {
                tracing::debug!(cluster = cluster.name(), failed = ?done.failed, "some controller actions failed; retrying");
                out.retry = true;
            }
            if !done.unchanged.is_empty() {
                // A controller asking for what is already there is a bug
                // that costs a pass per wake-up; say which.
                tracing::debug!(cluster = cluster.name(), unchanged = ?done.unchanged, "controller actions changed nothing");
            }
            out.changed += done.changed;
        }
        if done.as_ref().is_none_or(|d| d.changed == 0) {
            // Nothing changed, so the snapshot is the cluster as it is.
            let due = next_due(&snapshot, &inputs);
            out.due = [due, cluster.store().next_crd_due()]
                .into_iter()
                .flatten()
                .min();
            let settled = done.is_none().then_some((inputs, due));
            return (out, Some(Kept { snapshot, settled }));
        }
        if round == MAX_ROUNDS {
            tracing::debug!(
                cluster = cluster.name(),
                "controllers still busy after {MAX_ROUNDS} rounds; continuing soon"
            );
            out.retry = true;
        }
        earlier = Some(Kept {
            snapshot,
            settled: None,
        });
    }
    (out, earlier)
}

/// Whether controllers that had nothing to do with `before` still have
/// nothing to do with `now` on the same world: the same inputs but the
/// time, and no time-driven change due yet.
fn still_settled(before: &Inputs, due: Option<DateTime<Utc>>, now: &Inputs) -> bool {
    let same = Inputs {
        now: before.now,
        ..now.clone()
    } == *before;
    same && due.is_none_or(|d| now.now < d)
}

/// What the controllers get besides the objects.
pub fn inputs(cluster: &SimCluster, store: &Store) -> Inputs {
    Inputs {
        now: cluster.clock.now(),
        pod_ready_delay: chrono::Duration::milliseconds(
            (cluster.config.pod_ready_delay_seconds * 1000.0) as i64,
        ),
        cpu_utilization: lock(&cluster.load).clone(),
        // Custom resources with a scale subresource run as generic
        // workloads (CloneSet-style); the apps/v1 kinds have their own.
        generic_workloads: store
            .registry()
            .types()
            .iter()
            .filter(|t| t.scale.is_some() && t.group != "apps")
            .map(|t| Resource::new(&t.group, &t.plural))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_controllers_stay_settled_until_an_input_changes_or_time_is_due() {
        let t0 = chrono::Utc::now();
        let before = Inputs {
            now: t0,
            pod_ready_delay: chrono::Duration::seconds(1),
            cpu_utilization: Default::default(),
            generic_workloads: Vec::new(),
        };
        let at = |secs: i64| Inputs {
            now: t0 + chrono::Duration::seconds(secs),
            ..before.clone()
        };
        let mut loaded = at(1);
        loaded
            .cpu_utilization
            .insert(("default".into(), "web".into()), 80.0);
        let mut workloads = at(1);
        workloads.generic_workloads = vec![Resource::new("apps.kruise.io", "clonesets")];
        let due = Some(t0 + chrono::Duration::seconds(10));
        let cases = [
            ("later, nothing due", None, at(100), true),
            ("before the due time", due, at(9), true),
            ("at the due time", due, at(10), false),
            ("the load changed", None, loaded, false),
            ("a workload type appeared", None, workloads, false),
        ];
        for (what, due, now, want) in cases {
            assert_eq!(still_settled(&before, due, &now), want, "{what}");
        }
    }

    #[test]
    fn sleeps_until_due_retries_sooner_and_never_past_the_fallback() {
        let now = chrono::Utc::now();
        let s = |secs: f64| Duration::from_secs_f64(secs);
        let in_ms = |ms: i64| Some(now + chrono::Duration::milliseconds(ms));
        let settled = |retry: bool, due: Option<DateTime<Utc>>| Settled {
            changed: 0,
            retry,
            due,
        };
        let cases = [
            ("nothing due", settled(false, None), 0, FALLBACK),
            ("due in 2 s", settled(false, in_ms(2000)), 0, s(2.005)),
            ("due already", settled(false, in_ms(-10)), 0, SLACK),
            (
                "due in an hour",
                settled(false, in_ms(3_600_000)),
                0,
                FALLBACK,
            ),
            ("a retry", settled(true, in_ms(2000)), 1, s(0.5)),
            ("the third retry in a row", settled(true, None), 3, s(2.0)),
            (
                "retries back off to a cap",
                settled(true, None),
                40,
                RETRY_MAX,
            ),
            (
                "due before the retry",
                settled(true, in_ms(100)),
                5,
                s(0.105),
            ),
        ];
        for (what, settled, retries, want) in cases {
            assert_eq!(settled.sleep(now, retries), want, "{what}");
        }
    }
}

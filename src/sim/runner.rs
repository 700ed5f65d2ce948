//! The loop behind one cluster's API: after every write (and on a short
//! tick, for time-driven changes such as readiness delays) it runs the
//! controllers and executes their actions until they have nothing left to
//! do, bounded per wake-up so a controller fight cannot starve the API.

use super::cluster::{lock, SimCluster};
use super::controllers::{self, Inputs, Resource};
use super::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Rounds per wake-up; the rest waits for the next tick.
const MAX_ROUNDS: usize = 20;
/// Time-driven changes (readiness delays, Job run times, HPA syncs, cron
/// schedules) are noticed within this.
const TICK: Duration = Duration::from_millis(500);
/// After a write, wait this long for more before reconciling, so that a
/// burst of writes (an apply of hundreds of objects) costs a few passes
/// over the cluster, not one per write.
const COALESCE: Duration = Duration::from_millis(30);

pub async fn run(cluster: Arc<SimCluster>) {
    let mut idle_ticks = 0u32;
    loop {
        // Idle clusters back off (0.5 s, 1 s, 2 s, up to 4 s between passes)
        // so that fifty quiet clusters cost little; any write resets it.
        let tick = TICK * 2u32.pow(idle_ticks.min(3));
        tokio::select! {
            _ = cluster.changed.notified() => {
                idle_ticks = 0;
                tokio::time::sleep(COALESCE).await;
            }
            _ = tokio::time::sleep(tick) => {}
        }
        cluster.store().establish_due_crds(cluster.clock.now());
        let mut changed = 0;
        let mut earlier = None;
        for round in 1..=MAX_ROUNDS {
            // Compute on a snapshot, outside the lock, so API requests are
            // not held up by a pass over the whole cluster.
            let (mut snapshot, inputs) = {
                let store = cluster.store();
                (store.snapshot(), inputs(&cluster, &store))
            };
            if let Some(earlier) = earlier.take() {
                snapshot.reuse(earlier);
            }
            let actions = controllers::run_all(&snapshot, &inputs);
            earlier = Some(snapshot);
            if actions.is_empty() {
                break;
            }
            let done = cluster.store().execute(actions, inputs.now);
            if !done.failed.is_empty() {
                tracing::debug!(cluster = cluster.name(), failed = ?done.failed, "some controller actions failed; retrying next round");
            }
            if !done.unchanged.is_empty() {
                // A controller asking for what is already there is a bug
                // that costs a pass per tick; say which.
                tracing::debug!(cluster = cluster.name(), unchanged = ?done.unchanged, "controller actions changed nothing");
            }
            changed += done.changed;
            if done.changed == 0 {
                break;
            }
            if round == MAX_ROUNDS {
                tracing::debug!(
                    cluster = cluster.name(),
                    "controllers still busy after {MAX_ROUNDS} rounds; continuing next tick"
                );
            }
        }
        idle_ticks = if changed == 0 {
            idle_ticks.saturating_add(1)
        } else {
            0
        };
    }
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

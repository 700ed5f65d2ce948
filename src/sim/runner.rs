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
const TICK: Duration = Duration::from_millis(250);

pub async fn run(cluster: Arc<SimCluster>) {
    loop {
        tokio::select! {
            _ = cluster.changed.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
        }
        cluster.store().establish_due_crds(cluster.clock.now());
        for _ in 0..MAX_ROUNDS {
            let mut store = cluster.store();
            let inputs = inputs(&cluster, &store);
            let actions = controllers::run_all(&*store, &inputs);
            if actions.is_empty() {
                break;
            }
            let done = store.execute(actions, inputs.now);
            if !done.failed.is_empty() {
                tracing::debug!(cluster = cluster.name(), failed = ?done.failed, "some controller actions failed; retrying next round");
            }
            if done.applied == 0 {
                break;
            }
        }
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

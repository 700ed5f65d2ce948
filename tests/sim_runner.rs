//! The runner sleeps between wake-ups until a write or the next due time.
//! What must still happen on time: a readiness delay with no write after
//! it, and, when one cluster's admin API moves the clock all clusters
//! share, the time-driven changes of every cluster.

use flotilla::sim::cluster::SimCluster;
use flotilla::sim::config::SimConfig;
use flotilla::sim::server::Simulator;
use flotilla::sim::store::WriteOptions;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Creates an object as an API write does: stored, then the runner woken.
fn create(cluster: &SimCluster, group: &str, plural: &str, object: Value) {
    let opts = WriteOptions {
        dry_run: false,
        field_manager: None,
        now: cluster.clock.now(),
    };
    let mut store = cluster.store();
    let rt = store
        .registry()
        .get(group, "v1", plural)
        .cloned()
        .expect("a served type");
    store
        .create(&rt, Some("default"), object, &opts)
        .expect("created");
    drop(store);
    cluster.changed.notify_one();
}

/// The objects of a type in `default`.
fn list(cluster: &SimCluster, group: &str, plural: &str) -> Vec<Value> {
    let store = cluster.store();
    let rt = store
        .registry()
        .get(group, "v1", plural)
        .cloned()
        .expect("a served type");
    store.list(&rt, Some("default")).expect("parses")
}

async fn wait_for(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < within, "waited {within:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_driven_changes_happen_without_writes_and_on_clock_jumps() {
    let sim = Simulator::start(
        &SimConfig::generated(2, 1),
        "127.0.0.1".parse().expect("ip"),
    )
    .await
    .expect("simulator starts");
    let (first, second) = (&sim.clusters[0].0, &sim.clusters[1].0);

    // A pod turns Ready a second (the default delay) after it was
    // scheduled; nothing writes in between.
    create(
        first,
        "",
        "pods",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
    );
    wait_for("the pod to turn Ready", Duration::from_secs(10), || {
        list(first, "", "pods").iter().any(ready)
    })
    .await;

    // A Job whose pod runs an hour of simulated time, in the second cluster.
    create(
        second,
        "batch",
        "jobs",
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "hour"},
            "spec": {"template": {
                "metadata": {"annotations": {"sim.flotilla.io/run-seconds": "3600"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    wait_for("the Job's pod to run", Duration::from_secs(10), || {
        list(second, "", "pods").iter().any(ready)
    })
    .await;
    // Let the second runner finish its pass and fall asleep.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The first cluster's admin API moves the shared clock; the second
    // cluster's runner, asleep for an hour (or its fallback), must notice.
    first.clock.advance(chrono::Duration::seconds(3600));
    first.changed.notify_one();
    wait_for("the Job to complete", Duration::from_secs(10), || {
        list(second, "batch", "jobs")
            .iter()
            .any(|j| j["status"]["succeeded"] == 1)
    })
    .await;
    sim.shutdown();
}

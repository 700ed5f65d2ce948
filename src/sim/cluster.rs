//! One simulated cluster: its store, its nodes, its faults and counters,
//! and the loop that runs the controllers behind its API.

use super::clock::Clock;
use super::config::{ClusterConfig, NodeConfig};
use super::counters::Counters;
use super::faults::Faults;
use super::store::{Store, WriteOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// How many changes a cluster keeps for watches to resume from.
const CHANGE_LOG: usize = 2_000;

pub struct SimCluster {
    pub config: ClusterConfig,
    store: Mutex<Store>,
    pub clock: Arc<Clock>,
    pub faults: Mutex<Faults>,
    pub counters: Mutex<Counters>,
    /// Synthetic CPU utilization per (namespace, workload), set through the admin API.
    pub load: Mutex<BTreeMap<(String, String), f64>>,
    /// Woken on every write, so controllers react at once.
    pub changed: Notify,
    /// Whether connections are refused (the `api: refuse` fault): the server
    /// closes its listener and open watches end.
    pub refusing: tokio::sync::watch::Sender<bool>,
    /// Bumped by a compaction: every open watch ends with 410 Expired.
    pub compactions: tokio::sync::watch::Sender<u64>,
}

/// Locks a mutex, recovering the data if a holder panicked (the data is
/// still consistent: every store operation completes or returns early).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimCluster {
    pub fn new(config: ClusterConfig, clock: Arc<Clock>) -> Arc<Self> {
        let now = clock.now();
        let mut store = Store::new(&config.name, CHANGE_LOG, now);
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now,
        };
        if let Some(rt) = store.registry().get("", "v1", "nodes").cloned() {
            for node in config.all_nodes() {
                // Names come from a validated config; a failure here would
                // be a duplicate name, which config validation rules out.
                let _ = store.create(&rt, None, node_object(&config, &node), &opts);
            }
        }
        Arc::new(SimCluster {
            config,
            store: Mutex::new(store),
            clock,
            faults: Mutex::new(Faults::default()),
            counters: Mutex::new(Counters::default()),
            load: Mutex::new(BTreeMap::new()),
            changed: Notify::new(),
            refusing: tokio::sync::watch::Sender::new(false),
            compactions: tokio::sync::watch::Sender::new(0),
        })
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

/// A Node object for `node`: capacity = allocatable, Ready, with the
/// well-known topology labels.
pub fn node_object(cluster: &ClusterConfig, node: &NodeConfig) -> Value {
    let name = node.name.clone().unwrap_or_default();
    let mut labels: BTreeMap<String, String> = node.labels.clone();
    labels.insert("kubernetes.io/hostname".into(), name.clone());
    labels.insert("kubernetes.io/os".into(), "linux".into());
    labels.insert("kubernetes.io/arch".into(), "amd64".into());
    if let Some(r) = &cluster.region {
        labels.insert("topology.kubernetes.io/region".into(), r.clone());
    }
    if let Some(z) = &cluster.zone {
        labels.insert("topology.kubernetes.io/zone".into(), z.clone());
    }
    let mut resources = json!({"cpu": node.cpu, "memory": node.memory, "pods": node.pods.to_string(), "ephemeral-storage": "100Gi"});
    for (k, v) in &node.extended {
        resources[k] = json!(v);
    }
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": {"taints": node.taints, "podCIDR": "10.244.0.0/24"},
        "status": {
            "capacity": resources, "allocatable": resources,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
            "nodeInfo": {"kubeletVersion": "v1.32.4-sim", "containerRuntimeVersion": "sim://1", "operatingSystem": "linux", "architecture": "amd64"},
        },
    })
}

//! `metrics.k8s.io/v1beta1` PodMetrics and NodeMetrics computed from the
//! synthetic load, so that `kubectl top` can be served: a running
//! container uses its requests times the utilization of its workload.
//!
//! The utilization of a pod is the [`CPU_UTILIZATION_ANNOTATION`] found
//! first on the pod or up its chain of controllers (pod, ReplicaSet,
//! Deployment, ...), else [`Inputs::cpu_utilization`] for the topmost
//! controller that has an entry, else 0. Memory scales with the same
//! factor (a simplification: there is one synthetic load per workload).

use super::obj::{annotation, controller_uid, fmt_time, labels, name, ns, uid};
use super::pod::{node_name, phase, quantities, requests};
use super::scheduler::nodes;
use super::{Inputs, Resource, World, CPU_UTILIZATION_ANNOTATION};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The owner types walked up from a pod.
const OWNERS: &[(&str, &str)] = &[
    ("apps", "replicasets"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// Index of the objects a pod's controller chain can pass through.
pub(crate) struct Owners<'w> {
    by_uid: BTreeMap<&'w str, &'w Value>,
}

impl<'w> Owners<'w> {
    pub(crate) fn new(world: &'w dyn World, inputs: &Inputs) -> Self {
        let mut by_uid = BTreeMap::new();
        let types = OWNERS
            .iter()
            .map(|(g, p)| Resource::new(g, p))
            .chain(inputs.generic_workloads.iter().cloned());
        for r in types {
            for o in world.list(&r) {
                by_uid.insert(uid(o), o);
            }
        }
        Owners { by_uid }
    }

    /// `obj` and its controllers, bottom-up (at most 8 levels).
    fn chain(&self, obj: &'w Value) -> Vec<&'w Value> {
        let mut chain = vec![obj];
        let mut cur = obj;
        while let Some(next) = controller_uid(cur).and_then(|u| self.by_uid.get(u)) {
            if chain.len() >= 8 {
                break;
            }
            chain.push(next);
            cur = next;
        }
        chain
    }
}

/// The utilization (percent of requests) of `obj` (a pod or a workload).
pub(crate) fn utilization(obj: &Value, owners: &Owners, inputs: &Inputs) -> Option<f64> {
    let chain = owners.chain(obj);
    chain
        .iter()
        .find_map(|o| {
            annotation(o, CPU_UTILIZATION_ANNOTATION)?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .or_else(|| {
            chain.iter().rev().find_map(|o| {
                inputs
                    .cpu_utilization
                    .get(&(ns(o).to_string(), name(o).to_string()))
                    .copied()
            })
        })
        .filter(|u| u.is_finite() && *u >= 0.0)
}

/// Usage of one container, as (nanocores, bytes).
fn usage(c: &Value, factor: f64) -> (i128, i128) {
    let req = quantities(c.pointer("/resources/requests"));
    let lim = quantities(c.pointer("/resources/limits"));
    let get = |r: &str| req.get(r).or_else(|| lim.get(r)).copied().unwrap_or(0) as f64;
    let cpu = (get("cpu") * 1e6 * factor).round() as i128;
    let mem = (get("memory") / 1000.0 * factor).round() as i128;
    (cpu, mem)
}

fn usage_json(cpu: i128, mem: i128) -> Value {
    json!({"cpu": format!("{cpu}n"), "memory": format!("{}Ki", mem / 1024)})
}

/// PodMetrics of every Running pod.
pub fn pod_metrics(world: &dyn World, inputs: &Inputs) -> Vec<Value> {
    let owners = Owners::new(world, inputs);
    let now = fmt_time(inputs.now);
    world
        .list(&super::replicaset::pods())
        .into_iter()
        .filter(|p| phase(p) == "Running" && node_name(p).is_some())
        .map(|p| {
            let factor = utilization(p, &owners, inputs).unwrap_or(0.0) / 100.0;
            let containers: Vec<Value> = p
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    let (cpu, mem) = usage(c, factor);
                    json!({"name": c.get("name").cloned().unwrap_or(Value::Null), "usage": usage_json(cpu, mem)})
                })
                .collect();
            json!({
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "PodMetrics",
                "metadata": {"name": name(p), "namespace": ns(p), "labels": labels(p), "creationTimestamp": now},
                "timestamp": now,
                "window": "15s",
                "containers": containers,
            })
        })
        .collect()
}

/// NodeMetrics of every node: the sum of its running pods' usage.
pub fn node_metrics(world: &dyn World, inputs: &Inputs) -> Vec<Value> {
    let owners = Owners::new(world, inputs);
    let now = fmt_time(inputs.now);
    let mut per_node: BTreeMap<&str, (i128, i128)> = BTreeMap::new();
    for p in world.list(&super::replicaset::pods()) {
        let Some(n) = node_name(p).filter(|_| phase(p) == "Running") else {
            continue;
        };
        let factor = utilization(p, &owners, inputs).unwrap_or(0.0) / 100.0;
        let e = per_node.entry(n).or_default();
        for c in p
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (cpu, mem) = usage(c, factor);
            e.0 += cpu;
            e.1 += mem;
        }
    }
    world
        .list(&nodes())
        .into_iter()
        .map(|n| {
            let (cpu, mem) = per_node.get(name(n)).copied().unwrap_or_default();
            json!({
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "NodeMetrics",
                "metadata": {"name": name(n), "labels": labels(n), "creationTimestamp": now},
                "timestamp": now,
                "window": "15s",
                "usage": usage_json(cpu, mem),
            })
        })
        .collect()
}

/// The CPU a pod of `workload` uses on average, in millicores, at
/// `utilization` percent (for the HPA's `averageValue`).
pub(crate) fn pod_cpu_milli(workload: &Value, utilization: f64) -> i128 {
    let template =
        json!({"spec": workload.pointer("/spec/template/spec").cloned().unwrap_or_default()});
    let req = requests(&template).get("cpu").copied().unwrap_or(0) as f64;
    (req * utilization / 100.0).round() as i128
}

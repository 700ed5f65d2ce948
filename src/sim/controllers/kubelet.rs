//! Kubelet: what happens to a pod once it is bound to a node.
//!
//! A bound pod gets `PodScheduled=True` (its transition time is when it was
//! scheduled), phase Running, `startTime`, host and pod IPs, container
//! statuses and its QoS class at once, and turns Ready
//! `inputs.pod_ready_delay` after it was scheduled, provided its node is
//! Ready: a NotReady node makes its pods NotReady (as the node lifecycle
//! controller does), and Ready again when it recovers.
//!
//! Run-to-completion pods (`restartPolicy` Never or OnFailure, as a Job's)
//! terminate [`RUN_SECONDS_ANNOTATION`] seconds after they were scheduled
//! (default [`DEFAULT_RUN_SECONDS`]), Succeeded, or Failed when
//! [`EXIT_CODE_ANNOTATION`] is not 0 (an OnFailure pod is not restarted in
//! place: it fails as a Never pod does). Terminal pods are left alone.
//! No image pulls, probes, restarts or kubelet events are modelled.
//!
//! Addresses are deterministic: the host IP is the node's InternalIP
//! (else `172.18.0.<index + 2>`), pod IPs come from the node's
//! `spec.podCIDR` (else `10.244.<index>.0/24`, index = position of the node
//! by name), taking the lowest host number from .2 that no running pod on
//! that node holds.

use super::due::Due;
use super::node;
use super::obj::{
    annotation, conditions, find_condition, fmt_time, is_deleting, merge_conditions, name, str_at,
    time_at, uid, Cond,
};
use super::pod::{is_terminal, node_name, quantities};
use super::replicaset::pods;
use super::scheduler::nodes;
use super::{Action, Inputs, World};
use super::{DEFAULT_RUN_SECONDS, EXIT_CODE_ANNOTATION, RUN_SECONDS_ANNOTATION};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let mut node_list = world.list(&nodes());
    node_list.sort_by(|a, b| name(a).cmp(name(b)));
    let node_index: BTreeMap<&str, (u32, &Value)> = node_list
        .iter()
        .enumerate()
        .map(|(i, n)| (name(n), (u32::try_from(i).unwrap_or(u32::MAX), *n)))
        .collect();
    let mut all_pods = world.list(&pods());
    all_pods.sort_by_key(|p| {
        (
            time_at(p, "/metadata/creationTimestamp"),
            uid(p).to_string(),
        )
    });
    let mut ips: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    // Terminated pods hand their addresses back, as the network plugin does.
    for p in all_pods.iter().filter(|p| !is_terminal(p)) {
        if let (Some(n), Some(ip)) = (node_name(p), str_at(p, "/status/podIP")) {
            ips.entry(n).or_default().insert(ip.to_string());
        }
    }
    let mut out = Vec::new();
    for p in all_pods {
        let Some(node_name) = node_name(p) else {
            continue;
        };
        let Some((index, node)) = node_index.get(node_name).copied() else {
            continue;
        };
        if is_deleting(p) || is_terminal(p) || settled(p, node) {
            continue;
        }
        let host_ip = host_ip(node, index);
        let pod_ip = match str_at(p, "/status/podIP") {
            Some(ip) => ip.to_string(),
            None if p.pointer("/spec/hostNetwork") == Some(&json!(true)) => host_ip.clone(),
            None => {
                let used = ips.entry(node_name).or_default();
                let ip = free_ip(node, index, used);
                used.insert(ip.clone());
                ip
            }
        };
        let status = pod_status(p, node, inputs, &host_ip, &pod_ip);
        out.extend(super::obj::status_update(&pods(), p, status));
    }
    out
}

/// A long-running pod that is Running and Ready on a Ready node, with
/// addresses and its containers' statuses: nothing can change until its
/// node does (a shortcut, as most pods are in this state most of the time).
fn settled(p: &Value, node: &Value) -> bool {
    let images = |ptr: &str, key: &str| -> Vec<Option<&str>> {
        p.pointer(ptr)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| str_at(c, key)).collect())
            .unwrap_or_default()
    };
    !matches!(
        str_at(p, "/spec/restartPolicy"),
        Some("Never" | "OnFailure")
    ) && str_at(p, "/status/phase") == Some("Running")
        && super::pod::is_ready(p)
        && node::is_ready(node)
        && str_at(p, "/status/podIP").is_some()
        && images("/spec/containers", "/image") == images("/status/containerStatuses", "/image")
}

/// When the pod was scheduled (`now` if it is not marked yet) and, for a
/// run-to-completion pod, when it terminates.
fn run_times(p: &Value, now: DateTime<Utc>) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let scheduled = find_condition(conditions(p), "PodScheduled")
        .filter(|c| str_at(c, "/status") == Some("True"))
        .and_then(|c| time_at(c, "/lastTransitionTime"))
        .unwrap_or(now);
    let batch = matches!(
        str_at(p, "/spec/restartPolicy"),
        Some("Never" | "OnFailure")
    );
    let finished_at = batch.then(|| {
        let secs = annotation(p, RUN_SECONDS_ANNOTATION)
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(DEFAULT_RUN_SECONDS);
        scheduled + Duration::seconds(secs.max(0))
    });
    (scheduled, finished_at)
}

/// When a bound pod's status next changes with time alone: it turns Ready
/// `pod_ready_delay` after it was scheduled (if its node is Ready, which is
/// not checked here), and a run-to-completion pod terminates.
pub(crate) fn due(world: &dyn World, inputs: &Inputs, due: &mut Due) {
    for p in world.list(&pods()) {
        if node_name(p).is_none() || is_deleting(p) || is_terminal(p) {
            continue;
        }
        let (scheduled, finished_at) = run_times(p, inputs.now);
        due.at(scheduled + inputs.pod_ready_delay);
        if let Some(t) = finished_at {
            due.at(t);
        }
    }
}

fn pod_status(p: &Value, node: &Value, inputs: &Inputs, host_ip: &str, pod_ip: &str) -> Value {
    let now = inputs.now;
    let (scheduled, finished_at) = run_times(p, now);
    let exit_code = annotation(p, EXIT_CODE_ANNOTATION)
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let finished = finished_at.filter(|t| *t <= now);
    let ready =
        finished.is_none() && node::is_ready(node) && scheduled + inputs.pod_ready_delay <= now;
    let containers = |key: &str| -> Vec<&Value> {
        p.pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let names: Vec<&str> = containers("containers")
        .iter()
        .map(|c| str_at(c, "/name").unwrap_or_default())
        .collect();
    let (not_ready_reason, not_ready_msg) = if finished.is_some() {
        ("PodCompleted", String::new())
    } else if !node::is_ready(node) {
        ("NodeNotReady", "Node is not ready".to_string())
    } else {
        (
            "ContainersNotReady",
            format!("containers with unready status: [{}]", names.join(" ")),
        )
    };
    let cond = |type_: &'static str, ok: bool| Cond {
        type_,
        status: if ok { "True" } else { "False" },
        reason: if ok { "" } else { not_ready_reason },
        message: if ok {
            String::new()
        } else {
            not_ready_msg.clone()
        },
    };
    let mut conds = merge_conditions(
        p,
        &[
            cond("PodReadyToStartContainers", finished.is_none()),
            cond("Initialized", true),
            cond("Ready", ready),
            cond("ContainersReady", ready),
            cond("PodScheduled", true),
        ],
        now,
        false,
    );
    // Empty reasons and messages are left out, as Kubernetes omits them.
    for c in conds.iter_mut().filter_map(Value::as_object_mut) {
        c.retain(|k, v| !(matches!(k.as_str(), "reason" | "message") && v == &json!("")));
    }
    if let Some(c) = conds
        .iter_mut()
        .find(|c| str_at(c, "/type") == Some("PodScheduled"))
    {
        c["lastTransitionTime"] = json!(fmt_time(scheduled));
    }
    let started = fmt_time(scheduled);
    let state = |c: &Value| {
        let mut s = container_status(p, c, ready, finished.is_none());
        s["state"] = match finished {
            Some(t) => json!({"terminated": {
                "exitCode": exit_code,
                "reason": if exit_code == 0 { "Completed" } else { "Error" },
                "startedAt": started,
                "finishedAt": fmt_time(t),
            }}),
            None => json!({"running": {"startedAt": started}}),
        };
        s
    };
    let phase = match finished {
        Some(_) if exit_code == 0 => "Succeeded",
        Some(_) => "Failed",
        None => "Running",
    };
    let mut status = json!({
        "phase": phase,
        "conditions": conds,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": started,
        "containerStatuses": containers("containers").into_iter().map(state).collect::<Vec<_>>(),
        "qosClass": qos_class(p),
    });
    let init = containers("initContainers");
    if !init.is_empty() {
        status["initContainerStatuses"] = init
            .into_iter()
            .map(|c| {
                let mut s = container_status(p, c, false, false);
                s["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": started, "finishedAt": started}});
                s
            })
            .collect();
    }
    status
}

fn container_status(p: &Value, c: &Value, ready: bool, started: bool) -> Value {
    let image = str_at(c, "/image").unwrap_or_default();
    let cname = str_at(c, "/name").unwrap_or_default();
    // The repository without its tag, as the runtime reports the digest.
    let repo = match image.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => image,
    };
    json!({
        "name": cname,
        "image": image,
        "imageID": format!("{repo}@sha256:{}", sha256_hex(image)),
        "containerID": format!("containerd://{}", sha256_hex(&format!("{}/{cname}", uid(p)))),
        "ready": ready,
        "started": started,
        "restartCount": 0,
        "lastState": {},
    })
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn ipv4(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

fn host_ip(node: &Value, index: u32) -> String {
    let internal = node
        .pointer("/status/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| str_at(a, "/type") == Some("InternalIP"))
        .and_then(|a| str_at(a, "/address"));
    match internal {
        Some(ip) => ip.to_string(),
        None => Ipv4Addr::from(0xAC12_0002u32.wrapping_add(index)).to_string(),
    }
}

/// The lowest free address of the node's pod range, from `.2`.
fn free_ip(node: &Value, index: u32, used: &BTreeSet<String>) -> String {
    let base = str_at(node, "/spec/podCIDR")
        .and_then(|c| c.split_once('/'))
        .and_then(|(ip, _)| ipv4(ip))
        .unwrap_or_else(|| 0x0AF4_0000u32.wrapping_add(index.wrapping_mul(256)));
    (2u32..)
        .map(|h| Ipv4Addr::from(base.wrapping_add(h)).to_string())
        .find(|ip| !used.contains(ip))
        .unwrap_or_default()
}

/// Kubernetes' QoS class: BestEffort without any cpu/memory request or
/// limit, Guaranteed when every container has cpu and memory limits equal
/// to its requests, else Burstable.
fn qos_class(p: &Value) -> &'static str {
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| p.pointer(&format!("/spec/{k}")).and_then(Value::as_array))
        .flatten()
        .collect();
    let pick = |c: &Value, k: &str| -> BTreeMap<String, i128> {
        quantities(c.pointer(&format!("/resources/{k}")))
            .into_iter()
            .filter(|(r, _)| r == "cpu" || r == "memory")
            .collect()
    };
    if containers
        .iter()
        .all(|c| pick(c, "requests").is_empty() && pick(c, "limits").is_empty())
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let limits = pick(c, "limits");
        let requests = pick(c, "requests");
        limits.len() == 2 && requests.iter().all(|(r, q)| limits.get(r) == Some(q))
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

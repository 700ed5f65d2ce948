//! DaemonSet controller: one pod per node that should run it.
//!
//! A node should run the daemon if the template's `nodeName` (if any),
//! nodeSelector and required node affinity match it and it has no
//! NoSchedule/NoExecute taint the pod does not tolerate, counting the
//! tolerations every daemon pod gets (not-ready and unreachable NoExecute;
//! disk, memory and pid pressure and unschedulable NoSchedule). A node with
//! only an untolerated NoSchedule taint (say it went NotReady) keeps its
//! pod but gets no new one, as Kubernetes' `NodeShouldRunDaemonPod`.
//!
//! Pods are pinned with a required node affinity term `matchFields
//! metadata.name In [<node>]` and go through the scheduler; they are named
//! `<daemonset>-<5 characters>` and labelled `controller-revision-hash` and
//! `pod-template-generation`. Pods on nodes that should not run them, extra
//! pods on a node, Failed pods and pods pinned to vanished nodes are
//! deleted. RollingUpdate replaces pods of an older template, node by node,
//! within `maxUnavailable` (default 1); OnDelete leaves them.

use super::events::Recorder;
use super::node::{affinity_matches, pinned_node, taints, tolerations, untolerated};
use super::obj::{
    by_controller, fresh_name, generation, i64_at, int_or_percent, is_deleting, name, ns,
    owner_ref, safe_encode, set, stable_hash, status_update, str_at, time_at, uid, Names,
};
use super::pod::{from_template, is_active, is_available, is_ready, phase};
use super::replicaset::{delete_pod, pods};
use super::scheduler::nodes;
use super::{Action, Inputs, Resource, World};
use crate::model::kinds::cluster::TaintEffect;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) fn resource() -> Resource {
    Resource::new("apps", "daemonsets")
}

/// The tolerations Kubernetes adds to every daemon pod.
fn daemon_tolerations(host_network: bool) -> Vec<Value> {
    let t = |key: &str, effect: &str| json!({"key": format!("node.kubernetes.io/{key}"), "operator": "Exists", "effect": effect});
    let mut out = vec![
        t("not-ready", "NoExecute"),
        t("unreachable", "NoExecute"),
        t("disk-pressure", "NoSchedule"),
        t("memory-pressure", "NoSchedule"),
        t("pid-pressure", "NoSchedule"),
        t("unschedulable", "NoSchedule"),
    ];
    if host_network {
        out.push(t("network-unavailable", "NoSchedule"));
    }
    out
}

/// The template's pod spec with the daemon tolerations, as a pod.
fn probe_pod(template: &Value) -> Value {
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    let host_network = spec.get("hostNetwork") == Some(&json!(true));
    let mut tols = spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in daemon_tolerations(host_network) {
        if !tols.contains(&t) {
            tols.push(t);
        }
    }
    set(&mut spec, &["tolerations"], json!(tols));
    json!({"spec": spec})
}

/// (should run, may keep running) on `node`.
fn should_run(probe: &Value, node: &Value) -> (bool, bool) {
    let pinned = str_at(probe, "/spec/nodeName").filter(|n| !n.is_empty());
    if pinned.is_some_and(|n| n != name(node)) || !affinity_matches(probe, node) {
        return (false, false);
    }
    let node_taints = taints(node);
    let tols = tolerations(probe);
    let effects = [TaintEffect::NoSchedule, TaintEffect::NoExecute];
    if untolerated(&node_taints, &tols, &effects).is_none() {
        return (true, true);
    }
    let keep = untolerated(&node_taints, &tols, &[TaintEffect::NoExecute]).is_none();
    (false, keep)
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let sets = world.list(&resource());
    if sets.is_empty() {
        return Vec::new();
    }
    let all_pods = world.list(&pods());
    let mut taken = Names::new(&all_pods);
    let owned = by_controller(&all_pods);
    let mut node_list = world.list(&nodes());
    node_list.sort_by(|a, b| name(a).cmp(name(b)));
    let mut events = Recorder::new(world, "daemonset-controller", inputs.now);
    let mut out = Vec::new();
    for ds in sets {
        let Some(template) = ds.pointer("/spec/template").filter(|_| !is_deleting(ds)) else {
            continue;
        };
        let hash = safe_encode(stable_hash(template));
        let probe = probe_pod(template);
        let min_ready = i64_at(ds, "/spec/minReadySeconds").unwrap_or(0);
        let mut on_node: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        let mut delete: Vec<&Value> = Vec::new();
        for p in owned.get(uid(ds)).into_iter().flatten() {
            match pinned_node(p) {
                Some(n) if phase(p) != "Failed" && node_list.iter().any(|x| name(x) == n) => {
                    if is_active(p) {
                        on_node.entry(n).or_default().push(p);
                    }
                }
                _ => delete.push(p),
            }
        }
        let mut create: Vec<&str> = Vec::new();
        let mut st = Counts::default();
        let mut stale: Vec<(&Value, bool)> = Vec::new();
        for node in &node_list {
            let (run, keep) = should_run(&probe, node);
            let mut here = on_node.remove(name(node)).unwrap_or_default();
            here.sort_by_key(|p| {
                (
                    time_at(p, "/metadata/creationTimestamp"),
                    name(p).to_string(),
                )
            });
            if !run {
                st.misscheduled += usize::from(!here.is_empty());
                if !keep {
                    delete.extend(here);
                }
                continue;
            }
            st.desired += 1;
            let Some((first, extra)) = here.split_first() else {
                create.push(name(node));
                continue;
            };
            delete.extend(extra);
            let available = is_available(first, min_ready, inputs.now);
            st.current += 1;
            st.ready += usize::from(is_ready(first));
            st.available += usize::from(available);
            let current = str_at(first, "/metadata/labels/controller-revision-hash") == Some(&hash);
            st.updated += usize::from(current);
            if !current {
                stale.push((first, available));
            }
        }
        if str_at(ds, "/spec/updateStrategy/type") != Some("OnDelete") {
            let max_unavailable = int_or_percent(
                ds.pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable"),
                st.desired as i64,
                true,
                "1",
            )
            .max(1);
            let mut budget = max_unavailable - (st.desired - st.available) as i64;
            // Pods that are not available anyway go first, for free.
            stale.sort_by_key(|(p, available)| (*available, pinned_node(p).map(str::to_string)));
            for (p, available) in stale {
                if available {
                    if budget <= 0 {
                        break;
                    }
                    budget -= 1;
                }
                delete.push(p);
            }
        }
        let ds_owner = owner_ref(ds, "apps/v1", "DaemonSet");
        for node in create {
            let pod_name = fresh_name(name(ds), ns(ds), &format!("{}/{node}", uid(ds)), &mut taken);
            let mut pod = from_template(
                &probe_with_metadata(template, &probe),
                ns(ds),
                &pod_name,
                ds_owner.clone(),
                &[
                    ("controller-revision-hash", hash.clone()),
                    ("pod-template-generation", generation(ds).to_string()),
                ],
            );
            let pin = json!({"nodeSelectorTerms": [{"matchFields": [
                {"key": "metadata.name", "operator": "In", "values": [node]}]}]});
            let path = [
                "spec",
                "affinity",
                "nodeAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
            ];
            set(&mut pod, &path, pin);
            out.push(Action::Create {
                resource: pods(),
                object: pod,
            });
            events.normal(
                &mut out,
                ds,
                "SuccessfulCreate",
                format!("Created pod: {pod_name}"),
            );
        }
        for p in delete {
            out.push(delete_pod(p));
            events.normal(
                &mut out,
                ds,
                "SuccessfulDelete",
                format!("Deleted pod: {}", name(p)),
            );
        }
        let status = json!({
            "observedGeneration": generation(ds),
            "desiredNumberScheduled": st.desired,
            "currentNumberScheduled": st.current,
            "numberMisscheduled": st.misscheduled,
            "numberReady": st.ready,
            "numberAvailable": st.available,
            "numberUnavailable": st.desired - st.available,
            "updatedNumberScheduled": st.updated,
        });
        out.extend(status_update(&resource(), ds, status));
    }
    out
}

#[derive(Default)]
struct Counts {
    desired: usize,
    current: usize,
    misscheduled: usize,
    ready: usize,
    available: usize,
    updated: usize,
}

/// The template with the probe's spec (daemon tolerations added).
fn probe_with_metadata(template: &Value, probe: &Value) -> Value {
    let mut t = template.clone();
    set(&mut t, &["spec"], probe["spec"].clone());
    t
}

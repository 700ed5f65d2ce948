//! Scheduler: binds pending pods to nodes, as kube-scheduler's default
//! profile would for the plugins modelled here.
//!
//! Pods without `spec.nodeName` (not terminal, not being deleted, for the
//! `default-scheduler`) are taken by priority, then age, then name. A node
//! fits if it passes, in Kubernetes' filter order: NodeUnschedulable,
//! TaintToleration (NoSchedule/NoExecute, including the not-ready and
//! unreachable taints a NotReady node gets), NodeAffinity (nodeSelector and
//! required node affinity) and NodeResourcesFit (cpu, memory, pods and
//! extended resources from `status.allocatable` minus the requests of the
//! non-terminal pods already bound there). Among fitting nodes the least
//! allocated (mean free share of cpu and memory) wins, then the name.
//! Pods bound earlier in the same round count, so one round never
//! overcommits a node. Before any of that, VolumeBinding: a pod whose
//! PersistentVolumeClaim is not Bound yet waits (the binder binds it
//! next), and one whose claim is missing or being deleted fits nowhere.
//!
//! Binding is an [`Action::Bind`] (`pods/binding`: `spec.nodeName` and
//! `PodScheduled=True` in one write). A pod that fits nowhere gets
//! `PodScheduled=False, reason Unschedulable` and Kubernetes' message
//! (`0/3 nodes are available: 3 Insufficient cpu.`), plus a
//! FailedScheduling event when that message changes.

use super::claims;
use super::events::Recorder;
use super::node::{affinity_matches, is_cordoned, taints, tolerations, untolerated, UNSCHEDULABLE};
use super::obj::{
    i64_at, is_deleting, merge_conditions, name, ns, set, status_update, str_at, time_at, Cond,
};
use super::pod::{is_terminal, node_name, quantities, requests};
use super::replicaset::pods;
use super::{Action, Inputs, Resource, World};
use crate::model::kinds::cluster::{Taint, TaintEffect};
use crate::model::kinds::propagation::Toleration;
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::BTreeMap;

pub(crate) fn nodes() -> Resource {
    Resource::new("", "nodes")
}

/// The default `pods` capacity of a node that does not state one.
const DEFAULT_MAX_PODS: i128 = 110;

struct Node<'w> {
    obj: &'w Value,
    taints: Vec<Taint>,
    allocatable: BTreeMap<String, i128>,
    used: BTreeMap<String, i128>,
    pods: i128,
}

impl Node<'_> {
    fn max_pods(&self) -> i128 {
        self.allocatable
            .get("pods")
            .map_or(DEFAULT_MAX_PODS, |p| p / 1000)
    }

    /// Why the pod cannot go here (the first failing filter's reasons).
    fn filter(
        &self,
        pod: &Value,
        tols: &[Toleration],
        req: &BTreeMap<String, i128>,
    ) -> Result<(), Vec<String>> {
        let unschedulable = Taint {
            key: UNSCHEDULABLE.into(),
            value: None,
            effect: TaintEffect::NoSchedule,
            time_added: None,
        };
        if is_cordoned(self.obj) && !tols.iter().any(|t| t.tolerates(&unschedulable)) {
            return Err(vec!["node(s) were unschedulable".into()]);
        }
        let effects = [TaintEffect::NoSchedule, TaintEffect::NoExecute];
        if let Some(t) = untolerated(&self.taints, tols, &effects) {
            let value = t.value.as_deref().unwrap_or("");
            return Err(vec![format!(
                "node(s) had untolerated taint {{{}: {value}}}",
                t.key
            )]);
        }
        if !affinity_matches(pod, self.obj) {
            return Err(vec![
                "node(s) didn't match Pod's node affinity/selector".into()
            ]);
        }
        let mut reasons = Vec::new();
        if self.pods + 1 > self.max_pods() {
            reasons.push("Too many pods".to_string());
        }
        for (resource, want) in req.iter().filter(|(r, w)| *r != "pods" && **w > 0) {
            let have = self.allocatable.get(resource).copied().unwrap_or(0);
            let used = self.used.get(resource).copied().unwrap_or(0);
            if used + want > have {
                reasons.push(format!("Insufficient {resource}"));
            }
        }
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(reasons)
        }
    }

    /// LeastAllocated: the mean share of cpu and memory left after placing
    /// `req`, in percent.
    fn score(&self, req: &BTreeMap<String, i128>) -> i128 {
        let free = |r: &str| {
            let have = self.allocatable.get(r).copied().unwrap_or(0);
            let used = self.used.get(r).copied().unwrap_or(0) + req.get(r).copied().unwrap_or(0);
            if have <= 0 {
                0
            } else {
                (have - used).max(0) * 100 / have
            }
        };
        (free("cpu") + free("memory")) / 2
    }

    fn add(&mut self, req: &BTreeMap<String, i128>) {
        for (r, q) in req {
            *self.used.entry(r.clone()).or_default() += q;
        }
        self.pods += 1;
    }
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let all_pods = world.list(&pods());
    let waiting = |p: &Value| node_name(p).is_none() && !is_terminal(p) && !is_deleting(p);
    if !all_pods.iter().any(|p| waiting(p)) {
        return Vec::new();
    }
    let mut nodes: Vec<Node> = world
        .list(&nodes())
        .into_iter()
        .map(|n| {
            let allocatable = match n.pointer("/status/allocatable") {
                Some(a) => quantities(Some(a)),
                None => quantities(n.pointer("/status/capacity")),
            };
            Node {
                obj: n,
                taints: taints(n),
                allocatable,
                used: BTreeMap::new(),
                pods: 0,
            }
        })
        .collect();
    nodes.sort_by(|a, b| name(a.obj).cmp(name(b.obj)));
    let mut pending = Vec::new();
    for p in &all_pods {
        match node_name(p) {
            Some(n) if !is_terminal(p) => {
                if let Some(node) = nodes.iter_mut().find(|x| name(x.obj) == n) {
                    node.add(&requests(p));
                }
            }
            Some(_) => {}
            None if is_terminal(p) || is_deleting(p) => {}
            None => {
                let scheduler = str_at(p, "/spec/schedulerName").unwrap_or("default-scheduler");
                if scheduler == "default-scheduler" {
                    pending.push(*p);
                }
            }
        }
    }
    pending.sort_by_key(|p| {
        (
            Reverse(i64_at(p, "/spec/priority").unwrap_or(0)),
            time_at(p, "/metadata/creationTimestamp"),
            ns(p).to_string(),
            name(p).to_string(),
        )
    });
    let mut events = Recorder::new(world, "default-scheduler", inputs.now);
    let mut out = Vec::new();
    let mut claims = claims::Index::new(world);
    for pod in pending {
        let req = requests(pod);
        // VolumeBinding's pre-filter first: a claim still binding is waited
        // for; a missing one rules out every node.
        let fit = match claims::schedulable(pod, &mut claims) {
            Ok(false) => continue,
            Ok(true) => best_fit(&nodes, pod, &req),
            Err(why) => Err(format!("0/{} nodes are available: {why}.", nodes.len())),
        };
        // `best_fit` returns an index into `nodes`, so the lookup succeeds.
        match fit.map(|i| nodes.get_mut(i)) {
            Ok(Some(node)) => {
                node.add(&req);
                out.push(Action::Bind {
                    namespace: ns(pod).to_string(),
                    name: name(pod).to_string(),
                    node: name(node.obj).to_string(),
                });
                let msg = format!(
                    "Successfully assigned {}/{} to {}",
                    ns(pod),
                    name(pod),
                    name(node.obj)
                );
                events.normal(&mut out, pod, "Scheduled", msg);
            }
            Ok(None) => {}
            Err(msg) => {
                let mut status = pod.get("status").cloned().unwrap_or_else(|| json!({}));
                set(&mut status, &["phase"], json!("Pending"));
                let cond = Cond {
                    type_: "PodScheduled",
                    status: "False",
                    reason: "Unschedulable",
                    message: msg.clone(),
                };
                let conds = merge_conditions(pod, &[cond], inputs.now, false);
                set(&mut status, &["conditions"], json!(conds));
                if let Some(a) = status_update(&pods(), pod, status) {
                    out.push(a);
                    events.warning(&mut out, pod, "FailedScheduling", msg);
                }
            }
        }
    }
    out
}

/// The index of the node that fits `pod` best, or why none does.
fn best_fit(nodes: &[Node], pod: &Value, req: &BTreeMap<String, i128>) -> Result<usize, String> {
    let tols = tolerations(pod);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut best: Option<(i128, usize)> = None;
    for (i, node) in nodes.iter().enumerate() {
        match node.filter(pod, &tols, req) {
            Ok(()) => {
                let score = node.score(req);
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, i));
                }
            }
            Err(rs) => rs
                .into_iter()
                .for_each(|r| *reasons.entry(r).or_default() += 1),
        }
    }
    best.map(|(_, i)| i)
        .ok_or_else(|| unschedulable_message(nodes.len(), &reasons))
}

/// Kubernetes' `FitError` message: the reasons as `count reason`, sorted.
fn unschedulable_message(node_count: usize, reasons: &BTreeMap<String, usize>) -> String {
    if node_count == 0 {
        return "no nodes available to schedule pods".into();
    }
    let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    format!("0/{node_count} nodes are available: {}.", parts.join(", "))
}

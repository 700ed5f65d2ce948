//! Generic workload controller: custom resources with `spec.replicas` and
//! `spec.template` whose pods they own directly (OpenKruise CloneSet and
//! the like). Which resource types qualify is the executor's call
//! ([`Inputs::generic_workloads`], from CRD registration); nothing here
//! names a kind.
//!
//! Pods are named `<name>-<5 characters>` and labelled
//! `controller-revision-hash: <name>-<hash>` and `pod-template-hash`. The
//! count follows `spec.replicas` (surplus pods of an old revision go
//! first); a template change is rolled out CloneSet-style, by recreating
//! pods of the old revision within `spec.updateStrategy.maxUnavailable`
//! (default 20%, at least 1), keeping `partition` pods (a count or a
//! percentage) at the old revision and nothing while
//! `updateStrategy.paused`. Status is CloneSet's: replicas, readyReplicas,
//! availableReplicas, updatedReplicas, updatedReadyReplicas,
//! expectedUpdatedReplicas, currentRevision, updateRevision,
//! observedGeneration and `labelSelector` (the string the scale
//! subresource reports).

use super::events::Recorder;
use super::obj::{
    by_controller, generation, i64_at, int_or_percent, is_deleting, name, owner_ref, safe_encode,
    selector_string, stable_hash, status_update, str_at, uid, Names,
};
use super::pod::{is_active, is_available, is_ready, sort_for_deletion};
use super::replicaset::{pods, Scale};
use super::{Action, Inputs, World};
use serde_json::{json, Value};

fn revision(p: &Value) -> Option<&str> {
    str_at(p, "/metadata/labels/controller-revision-hash")
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let workloads: Vec<(&super::Resource, Vec<&Value>)> = inputs
        .generic_workloads
        .iter()
        .map(|r| (r, world.list(r)))
        .filter(|(_, objs)| !objs.is_empty())
        .collect();
    if workloads.is_empty() {
        return Vec::new();
    }
    let all_pods = world.list(&pods());
    let mut taken = Names::new(&all_pods);
    let owned = by_controller(&all_pods);
    let mut events = Recorder::new(world, "workload-controller", inputs.now);
    let mut out = Vec::new();
    for (resource, objs) in workloads {
        for w in objs {
            let Some(template) = w.pointer("/spec/template").filter(|_| !is_deleting(w)) else {
                continue;
            };
            let replicas = i64_at(w, "/spec/replicas").unwrap_or(1).max(0);
            let hash = safe_encode(stable_hash(template));
            let update_rev = format!("{}-{hash}", name(w));
            let min_ready = i64_at(w, "/spec/minReadySeconds").unwrap_or(0);
            let active: Vec<&Value> = owned
                .get(uid(w))
                .into_iter()
                .flatten()
                .copied()
                .filter(|p| is_active(p))
                .collect();
            let available = |p: &Value| is_available(p, min_ready, inputs.now);
            let (updated, mut old): (Vec<&Value>, Vec<&Value>) = active
                .iter()
                .partition(|p| revision(p) == Some(update_rev.as_str()));
            let api_version = str_at(w, "/apiVersion").unwrap_or_default();
            let kind = str_at(w, "/kind").unwrap_or_default();
            let mut scale = Scale {
                owner: w,
                owner_ref: owner_ref(w, api_version, kind),
                extra_labels: vec![
                    ("controller-revision-hash", update_rev.clone()),
                    ("pod-template-hash", hash.clone()),
                ],
                events: &mut events,
                taken: &mut taken,
                out: &mut out,
            };
            let count = active.len() as i64;
            let partition = int_or_percent(
                w.pointer("/spec/updateStrategy/partition"),
                replicas,
                true,
                "0",
            );
            if count < replicas {
                (count..replicas).for_each(|_| scale.create());
            } else if count > replicas {
                // Old revisions go first, then the usual order.
                sort_for_deletion(&mut old);
                let mut rest = updated.clone();
                sort_for_deletion(&mut rest);
                old.iter()
                    .chain(rest.iter())
                    .take((count - replicas) as usize)
                    .for_each(|p| scale.delete(p));
            } else if w.pointer("/spec/updateStrategy/paused") != Some(&json!(true)) {
                let max_unavailable = int_or_percent(
                    w.pointer("/spec/updateStrategy/maxUnavailable"),
                    replicas,
                    false,
                    "20%",
                )
                .max(1);
                let unavailable = replicas - active.iter().filter(|p| available(p)).count() as i64;
                let mut budget = max_unavailable - unavailable;
                let mut to_update = old.len() as i64 - partition;
                old.sort_by_key(|p| available(p));
                for p in old {
                    if to_update <= 0 {
                        break;
                    }
                    if available(p) {
                        if budget <= 0 {
                            break;
                        }
                        budget -= 1;
                    }
                    to_update -= 1;
                    scale.delete(p);
                }
            }
            let updated_count = updated.len() as i64;
            let current_rev = if updated_count == count && count == replicas {
                update_rev.as_str()
            } else {
                str_at(w, "/status/currentRevision").unwrap_or(update_rev.as_str())
            };
            let status = json!({
                "observedGeneration": generation(w),
                "replicas": count,
                "readyReplicas": active.iter().filter(|p| is_ready(p)).count(),
                "availableReplicas": active.iter().filter(|p| available(p)).count(),
                "updatedReplicas": updated_count,
                "updatedReadyReplicas": updated.iter().filter(|p| is_ready(p)).count(),
                "expectedUpdatedReplicas": (replicas - partition).max(0),
                "currentRevision": current_rev,
                "updateRevision": update_rev,
                "collisionCount": 0,
                "labelSelector": selector_string(w.pointer("/spec/selector")),
            });
            out.extend(status_update(resource, w, status));
        }
    }
    out
}

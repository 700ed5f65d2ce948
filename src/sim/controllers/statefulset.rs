//! StatefulSet controller: ordinal pods `<name>-0 … <name>-(n-1)`.
//!
//! - OrderedReady (the default): pod `i` is created only once pods `0..i`
//!   are Running and Ready; scale-down removes the highest ordinal first,
//!   one at a time, and only while every remaining pod is healthy.
//!   Parallel: every missing pod is created and every surplus pod deleted
//!   at once.
//! - Pods carry `controller-revision-hash: <name>-<hash of the template>`,
//!   `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`,
//!   `spec.hostname` and `spec.subdomain` (the serviceName).
//! - RollingUpdate deletes the highest-ordinal pod (at or above
//!   `partition`) that is not at the update revision, once every pod is
//!   healthy; it comes back at the update revision. OnDelete leaves pods.
//!   Failed pods are deleted and recreated.
//! - Status: replicas, readyReplicas, availableReplicas, currentReplicas,
//!   updatedReplicas, currentRevision (moves to the update revision when
//!   every pod is updated and Ready), updateRevision, observedGeneration.
//! - volumeClaimTemplates: each pod's PersistentVolumeClaims are created
//!   before it, and owned as `persistentVolumeClaimRetentionPolicy` says
//!   (see `storage`). A pod waits while one of its claims is being
//!   deleted, and is not deleted in the round its claims' owners change.
//!
//! Not modelled: ControllerRevision objects (so a pod recreated below the
//! partition gets the update revision too), `spec.ordinals`,
//! maxUnavailable above one.

mod storage;

use super::claims;
use super::events::Recorder;
use super::obj::{
    by_controller, generation, i64_at, is_deleting, name, ns, owner_ref, owner_refs, safe_encode,
    set, stable_hash, status_update, str_at, uid, Names,
};
use super::pod::{from_template, is_active, is_available, is_ready, phase};
use super::replicaset::{delete_pod, pods};
use super::{Action, Inputs, Resource, World};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn resource() -> Resource {
    Resource::new("apps", "statefulsets")
}

pub(crate) const REVISION_LABEL: &str = "controller-revision-hash";

fn revision(p: &Value) -> Option<&str> {
    str_at(p, "/metadata/labels/controller-revision-hash")
}

/// Running and Ready (what OrderedReady waits for).
fn healthy(p: &Value) -> bool {
    is_active(p) && phase(p) == "Running" && is_ready(p)
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let sets = world.list(&resource());
    if sets.is_empty() {
        return Vec::new();
    }
    let all_pods = world.list(&pods());
    let mut taken = Names::new(&all_pods);
    let owned = by_controller(&all_pods);
    let mut events = Recorder::new(world, "statefulset-controller", inputs.now);
    let mut claims = claims::Index::new(world);
    let mut out = Vec::new();
    for sts in sets {
        let Some(template) = sts.pointer("/spec/template").filter(|_| !is_deleting(sts)) else {
            continue;
        };
        let sts_name = name(sts);
        let replicas = i64_at(sts, "/spec/replicas").unwrap_or(1).max(0);
        let update_rev = format!("{sts_name}-{}", safe_encode(stable_hash(template)));
        let current_rev = str_at(sts, "/status/currentRevision")
            .unwrap_or(&update_rev)
            .to_string();
        let mine: Vec<&Value> = owned.get(uid(sts)).cloned().unwrap_or_default();
        // Pods by ordinal; a pod whose name is not `<sts>-<n>` is surplus.
        let mut by_ord: BTreeMap<i64, &Value> = BTreeMap::new();
        let mut surplus: Vec<&Value> = Vec::new();
        for p in &mine {
            match name(p)
                .strip_prefix(sts_name)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|o| o.parse::<i64>().ok())
            {
                Some(o) if o >= 0 && o < replicas => {
                    by_ord.insert(o, p);
                }
                Some(o) if o >= 0 => {
                    by_ord.insert(o, p);
                    surplus.push(p);
                }
                _ => surplus.push(p),
            }
        }
        surplus.sort_by_key(|p| std::cmp::Reverse(ordinal_key(sts_name, p)));
        let mut set = Set {
            sts,
            update_rev: &update_rev,
            events: &mut events,
            claims: &mut claims,
            settling: BTreeSet::new(),
            out: &mut out,
        };
        // Claims of the pods that exist come first: a Pending pod's missing
        // claim is created, owners follow the retention policy.
        for (ord, p) in &by_ord {
            set.keep_claims(p, *ord, *ord < replicas);
        }
        let parallel = str_at(sts, "/spec/podManagementPolicy") == Some("Parallel");
        let mut blocked = false;
        for ord in 0..replicas {
            match by_ord.get(&ord) {
                None => {
                    let pod_name = format!("{sts_name}-{ord}");
                    if !taken.contains(ns(sts), &pod_name) {
                        set.create(template, ord);
                    }
                    blocked = true;
                }
                Some(p) if phase(p) == "Failed" => {
                    set.delete(p);
                    blocked = true;
                }
                Some(p) if !healthy(p) => blocked = true,
                Some(_) => continue,
            }
            if !parallel {
                break;
            }
        }
        // Surplus pods go highest first, waiting for health unless Parallel.
        if parallel {
            surplus.iter().for_each(|p| set.delete(p));
        } else if !blocked {
            if let Some(p) = surplus.first() {
                set.delete(p);
                blocked = true;
            }
        }
        let rolling = str_at(sts, "/spec/updateStrategy/type") != Some("OnDelete");
        if rolling && !blocked && surplus.is_empty() {
            let partition = i64_at(sts, "/spec/updateStrategy/rollingUpdate/partition")
                .unwrap_or(0)
                .max(0);
            let stale = (partition..replicas)
                .rev()
                .filter_map(|o| by_ord.get(&o))
                .find(|p| revision(p) != Some(update_rev.as_str()));
            if let Some(p) = stale {
                set.delete(p);
            }
        }
        out.extend(status(sts, &mine, &current_rev, &update_rev, inputs));
    }
    out
}

fn ordinal_key(sts_name: &str, p: &Value) -> (i64, String) {
    let ord = name(p)
        .strip_prefix(sts_name)
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|o| o.parse().ok())
        .unwrap_or(i64::MAX);
    (ord, name(p).to_string())
}

struct Set<'a, 'w> {
    sts: &'w Value,
    update_rev: &'a str,
    events: &'a mut Recorder<'w>,
    claims: &'a mut claims::Index<'w>,
    /// Pods whose claims' owners change this round: deleting one now could
    /// leave a claim meant to go with it (or take one meant to stay).
    settling: BTreeSet<String>,
    out: &'a mut Vec<Action>,
}

impl Set<'_, '_> {
    fn create(&mut self, template: &Value, ord: i64) {
        let pod_name = format!("{}-{ord}", name(self.sts));
        let wanted = storage::claims(self.sts, ord);
        let mut missing = Vec::new();
        for claim in wanted {
            match self.claims.get(ns(self.sts), name(&claim)) {
                // Its data is going away; the pod waits for it to go.
                Some(c) if is_deleting(c) => return,
                Some(_) => {}
                None => missing.push(claim),
            }
        }
        for claim in missing {
            self.create_claim(claim, &pod_name);
        }
        let mut pod = from_template(
            template,
            ns(self.sts),
            &pod_name,
            owner_ref(self.sts, "apps/v1", "StatefulSet"),
            &[
                (REVISION_LABEL, self.update_rev.to_string()),
                ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
                ("apps.kubernetes.io/pod-index", ord.to_string()),
            ],
        );
        storage::mount(&mut pod, self.sts, ord);
        set(&mut pod, &["spec", "hostname"], json!(pod_name));
        if let Some(svc) = str_at(self.sts, "/spec/serviceName").filter(|s| !s.is_empty()) {
            set(&mut pod, &["spec", "subdomain"], json!(svc));
        }
        self.out.push(Action::Create {
            resource: pods(),
            object: pod,
        });
        let msg = format!(
            "create Pod {pod_name} in StatefulSet {} successful",
            name(self.sts)
        );
        self.events
            .normal(self.out, self.sts, "SuccessfulCreate", msg);
    }

    /// Creates a Pending pod's missing claims and sets the owners of its
    /// claims as the retention policy says.
    fn keep_claims(&mut self, p: &Value, ord: i64, in_range: bool) {
        for claim in storage::claims(self.sts, ord) {
            match self.claims.get(ns(self.sts), name(&claim)) {
                None if in_range && phase(p) == "Pending" && !is_deleting(p) => {
                    self.create_claim(claim, name(p));
                }
                Some(c) if !is_deleting(c) => {
                    let Some(refs) = storage::owners(owner_refs(c), self.sts, Some(p), in_range)
                    else {
                        continue;
                    };
                    let mut updated = c.clone();
                    match updated["metadata"].as_object_mut() {
                        // No owner left: the field goes, as the API omits it.
                        Some(meta) if refs.is_empty() => {
                            meta.shift_remove("ownerReferences");
                        }
                        _ => set(&mut updated, &["metadata", "ownerReferences"], json!(refs)),
                    }
                    self.out.push(Action::Update {
                        resource: claims::resource(),
                        object: updated,
                    });
                    self.settling.insert(name(p).to_string());
                }
                _ => {}
            }
        }
    }

    fn create_claim(&mut self, claim: Value, pod_name: &str) {
        let msg = format!(
            "create Claim {} Pod {pod_name} in StatefulSet {} success",
            name(&claim),
            name(self.sts)
        );
        self.out.push(Action::Create {
            resource: claims::resource(),
            object: claim,
        });
        self.events
            .normal(self.out, self.sts, "SuccessfulCreate", msg);
    }

    fn delete(&mut self, p: &Value) {
        if self.settling.contains(name(p)) {
            return;
        }
        self.out.push(delete_pod(p));
        let msg = format!(
            "delete Pod {} in StatefulSet {} successful",
            name(p),
            name(self.sts)
        );
        self.events
            .normal(self.out, self.sts, "SuccessfulDelete", msg);
    }
}

fn status(
    sts: &Value,
    mine: &[&Value],
    current_rev: &str,
    update_rev: &str,
    inputs: &Inputs,
) -> Option<Action> {
    let min_ready = i64_at(sts, "/spec/minReadySeconds").unwrap_or(0);
    let active: Vec<&Value> = mine.iter().copied().filter(|p| is_active(p)).collect();
    let count = |f: &dyn Fn(&Value) -> bool| active.iter().filter(|p| f(p)).count();
    let replicas = active.len();
    let ready = count(&is_ready);
    let updated = count(&|p| revision(p) == Some(update_rev));
    let done = str_at(sts, "/spec/updateStrategy/type") != Some("OnDelete")
        && updated == replicas
        && ready == replicas;
    let current_rev = if done { update_rev } else { current_rev };
    let mut status = json!({
        "observedGeneration": generation(sts),
        "replicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": count(&|p| is_available(p, min_ready, inputs.now)),
        "currentReplicas": count(&|p| revision(p) == Some(current_rev)),
        "updatedReplicas": updated,
        "currentRevision": current_rev,
        "updateRevision": update_rev,
        "collisionCount": 0,
    });
    if let Some(c) = sts.pointer("/status/conditions") {
        status["conditions"] = c.clone();
    }
    status_update(&resource(), sts, status)
}

//! Garbage collection of what the store's cascading delete leaves behind:
//!
//! - objects whose every ownerReference points (by uid) at an object that no
//!   longer exists are deleted (Background propagation). Only owners of
//!   types this module reads are judged: the workload types, pods, nodes,
//!   PVCs, ControllerRevisions and the generic workloads of
//!   [`Inputs::generic_workloads`]; an object with any other owner is kept;
//! - pods bound to a node that no longer exists are deleted (pod GC);
//! - events older than an hour are deleted (the API server's event TTL).

use super::due::Due;
use super::obj::{is_deleting, name, ns, owner_refs, str_at, time_at, uid};
use super::pod::node_name;
use super::{Action, Inputs, Resource, World};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeSet;

/// The built-in types read here, with their kinds.
const BUILTIN: &[(&str, &str, &str)] = &[
    ("", "pods", "Pod"),
    ("", "nodes", "Node"),
    ("", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ("apps", "deployments", "Deployment"),
    ("apps", "replicasets", "ReplicaSet"),
    ("apps", "statefulsets", "StatefulSet"),
    ("apps", "daemonsets", "DaemonSet"),
    ("apps", "controllerrevisions", "ControllerRevision"),
    ("batch", "jobs", "Job"),
    ("batch", "cronjobs", "CronJob"),
];

/// How long events are kept (the API server's `--event-ttl` default).
const EVENT_TTL_HOURS: i64 = 1;

/// The group of an apiVersion (`apps/v1` → `apps`, `v1` → ``).
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let mut types: Vec<(Resource, Vec<&Value>)> = BUILTIN
        .iter()
        .map(|(g, p, _)| Resource::new(g, p))
        .chain(inputs.generic_workloads.iter().cloned())
        .map(|r| {
            let objs = world.list(&r);
            (r, objs)
        })
        .collect();
    types.dedup_by(|a, b| a.0 == b.0);
    // (group, kind) of every type judged, and every uid that exists.
    let mut kinds: BTreeSet<(String, String)> = BUILTIN
        .iter()
        .map(|(g, _, k)| (g.to_string(), k.to_string()))
        .collect();
    let mut uids: BTreeSet<&str> = BTreeSet::new();
    for (r, objs) in &types {
        for o in objs {
            uids.insert(uid(o));
            if let Some(kind) = str_at(o, "/kind") {
                kinds.insert((r.group.clone(), kind.to_string()));
            }
        }
    }
    let node_names: BTreeSet<&str> = types
        .iter()
        .filter(|(r, _)| r.group.is_empty() && r.plural == "nodes")
        .flat_map(|(_, objs)| objs.iter().map(|n| name(n)))
        .collect();
    let mut out = Vec::new();
    for (r, objs) in &types {
        for o in objs.iter().filter(|o| !is_deleting(o)) {
            let refs = owner_refs(o);
            let orphan = !refs.is_empty()
                && refs.iter().all(|owner| {
                    let kind = (
                        group(str_at(owner, "/apiVersion").unwrap_or_default()).to_string(),
                        str_at(owner, "/kind").unwrap_or_default().to_string(),
                    );
                    kinds.contains(&kind)
                        && !uids.contains(str_at(owner, "/uid").unwrap_or_default())
                });
            let lost_node = r.group.is_empty()
                && r.plural == "pods"
                && node_name(o).is_some_and(|n| !node_names.contains(n));
            if orphan || lost_node {
                out.push(delete(r, o));
            }
        }
    }
    let events = super::events::resource();
    for e in world.list(&events) {
        if event_seen(e).is_some_and(|t| t + Duration::hours(EVENT_TTL_HOURS) < inputs.now) {
            out.push(delete(&events, e));
        }
    }
    out
}

/// When an event was last seen, which its TTL counts from.
fn event_seen(e: &Value) -> Option<DateTime<Utc>> {
    time_at(e, "/lastTimestamp")
        .or_else(|| time_at(e, "/eventTime"))
        .or_else(|| time_at(e, "/metadata/creationTimestamp"))
}

/// When events outlive their TTL.
pub(crate) fn due(world: &dyn World, due: &mut Due) {
    for e in world.list(&super::events::resource()) {
        if let Some(t) = event_seen(e) {
            due.after(t + Duration::hours(EVENT_TTL_HOURS));
        }
    }
}

fn delete(r: &Resource, o: &Value) -> Action {
    Action::Delete {
        resource: r.clone(),
        namespace: Some(ns(o).to_string()).filter(|n| !n.is_empty()),
        name: name(o).to_string(),
    }
}

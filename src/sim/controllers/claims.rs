//! PersistentVolumeClaim binder: every claim that is not being deleted
//! becomes `Bound` at once, with `status.capacity.storage` the storage it
//! requests and `status.accessModes` its `spec.accessModes`.
//!
//! It stands in for the persistent volume controller and a provisioner
//! together, without PersistentVolume objects: no `spec.volumeName`, no
//! bind annotations, no storage classes (every class binds immediately,
//! `WaitForFirstConsumer` included), and no capacity limit. A Bound claim
//! is left alone, so a later change of its request (an expansion) is not
//! reflected.
//!
//! Also here: [`Index`], the claims by namespace and name, and
//! [`schedulable`], whether a pod's claims let the scheduler place it.

use super::obj::{is_deleting, name, ns, status_update, str_at};
use super::{Action, Inputs, Resource, World};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) fn resource() -> Resource {
    Resource::new("", "persistentvolumeclaims")
}

/// `status.phase` is Bound.
pub(crate) fn is_bound(claim: &Value) -> bool {
    str_at(claim, "/status/phase") == Some("Bound")
}

pub fn reconcile(world: &dyn World, _inputs: &Inputs) -> Vec<Action> {
    world
        .list(&resource())
        .into_iter()
        .filter(|c| !is_deleting(c) && !is_bound(c))
        .filter_map(|c| status_update(&resource(), c, bound_status(c)))
        .collect()
}

/// The claims of a world by (namespace, name), read on first use: most
/// rounds ask nothing of them.
pub(crate) struct Index<'w> {
    world: &'w dyn World,
    claims: Option<BTreeMap<(&'w str, &'w str), &'w Value>>,
}

impl<'w> Index<'w> {
    pub(crate) fn new(world: &'w dyn World) -> Self {
        Index {
            world,
            claims: None,
        }
    }

    pub(crate) fn get(&mut self, namespace: &str, claim: &str) -> Option<&'w Value> {
        let world = self.world;
        self.claims
            .get_or_insert_with(|| {
                world
                    .list(&resource())
                    .into_iter()
                    .map(|c| ((ns(c), name(c)), c))
                    .collect()
            })
            .get(&(namespace, claim))
            .copied()
    }
}

/// Whether the claims `pod` mounts let it be scheduled, as the scheduler's
/// VolumeBinding plugin decides: `Ok(true)` when all are Bound (or it
/// mounts none), `Ok(false)` while one is still to be bound (the binder
/// does it next), and `Err` with the reason a claim makes it unschedulable
/// (missing, or being deleted).
pub(crate) fn schedulable(pod: &Value, claims: &mut Index) -> Result<bool, String> {
    let volumes = pod.pointer("/spec/volumes").and_then(Value::as_array);
    let mut bound = true;
    for claim in volumes
        .into_iter()
        .flatten()
        .filter_map(|v| str_at(v, "/persistentVolumeClaim/claimName"))
    {
        match claims.get(ns(pod), claim) {
            None => return Err(format!("persistentvolumeclaim {claim:?} not found")),
            Some(c) if is_deleting(c) => {
                return Err(format!("persistentvolumeclaim {claim:?} is being deleted"))
            }
            Some(c) => bound &= is_bound(c),
        }
    }
    Ok(bound)
}

fn bound_status(claim: &Value) -> Value {
    let mut status = json!({
        "phase": "Bound",
        "accessModes": claim.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!([])),
    });
    if let Some(storage) = claim.pointer("/spec/resources/requests/storage") {
        status["capacity"] = json!({"storage": storage});
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::controllers::testing::{pvc, TestWorld};

    #[test]
    fn claims_bind_with_what_they_request() {
        let mut w = TestWorld::new();
        w.create(resource(), pvc("data", "1Gi"));
        let mut going = pvc("going", "1Gi");
        going["metadata"]["deletionTimestamp"] = json!("2024-01-01T00:00:00Z");
        w.create(resource(), going);
        w.settle();
        let status = |n: &str| w.get(&resource(), "default", n).expect("claim")["status"].clone();
        assert_eq!(
            status("data"),
            json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}})
        );
        assert_eq!(
            status("going")["phase"],
            "Pending",
            "a claim being deleted stays"
        );
        assert!(
            reconcile(&w, &w.inputs).is_empty(),
            "bound claims are left alone"
        );
    }
}

//! Which watch events are worth a pass over their cluster: a managed object
//! whose hash annotation is not the desired one, whose owned fields
//! drifted, that was deleted (or lost our label), or whose health changed
//! (status must say so). Everything else — a controller bumping
//! `observedGeneration`, our own write coming back as it was sent — is
//! taken into the cache and wakes nobody.
//!
//! In: the cluster's desired objects and inventory, and one cache change
//! (before and after). Out: a [`Reason`] or none. Pure; the watches ask it
//! through [`crate::apply::watch::Interest`].

use super::desired::Desired;
use crate::apply::cache::Touched;
use crate::apply::watch::Interest;
use crate::apply::{drift, object, Inventory};
use crate::model::common::ObjectRef;
use crate::observe::health;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Why an event wakes the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Deleted, or no longer carries our label.
    Gone,
    /// Its `flotilla.io/hash` is not the desired one.
    HashDiffers,
    /// A field flotilla owns differs from the desired manifest.
    Drift,
    /// Its health (state, message or replicas) changed.
    Health,
    /// It appeared in the cache (created, or labelled).
    Appeared,
}

/// What is known of the object an event is about.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The desired manifest and its drift context, if it is desired.
    pub desired: Option<(&'a Value, drift::Context)>,
    /// It is in the cluster's inventory.
    pub in_inventory: bool,
}

/// Why a change from `old` to `new` matters, if it does. `first_sync`:
/// the change is the first list of a watch (the worker read the objects
/// itself just before), so only what calls for a write counts.
pub fn reason(
    expected: Expected<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    first_sync: bool,
) -> Option<Reason> {
    let Some((manifest, ctx)) = expected.desired else {
        // Not desired: only the disappearance of an inventory object
        // changes anything (it leaves the inventory).
        return (expected.in_inventory && new.is_none() && !first_sync).then_some(Reason::Gone);
    };
    let Some(new) = new else {
        return (!first_sync).then_some(Reason::Gone);
    };
    if object::hash(new) != object::hash(manifest) {
        return Some(Reason::HashDiffers);
    }
    if !drift::drift(manifest, new, ctx).is_empty() {
        return Some(Reason::Drift);
    }
    if first_sync {
        return None;
    }
    match old {
        None => Some(Reason::Appeared),
        Some(old) => (health::health(old) != health::health(new)).then_some(Reason::Health),
    }
}

/// One cluster's desired objects and inventory, as the watches see them.
pub struct ClusterInterest {
    desired: Arc<Desired>,
    cluster: String,
    /// Desired id → its position in the cluster's objects, and its drift
    /// context.
    index: BTreeMap<ObjectRef, (usize, drift::Context)>,
    inventory: BTreeSet<ObjectRef>,
}

impl ClusterInterest {
    pub fn new(desired: Arc<Desired>, cluster: &str, inventory: &Inventory) -> Self {
        let objects = desired
            .clusters
            .get(cluster)
            .map_or(&[][..], |c| &c.objects[..]);
        let autoscaled = crate::apply::plan::autoscaled_targets(objects);
        let index = objects
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let id = &o.id;
                let ctx = drift::Context {
                    autoscaled: autoscaled.contains(&(
                        id.namespace.as_deref(),
                        id.kind.as_str(),
                        id.name.as_str(),
                    )),
                };
                (id.clone(), (i, ctx))
            })
            .collect();
        ClusterInterest {
            cluster: cluster.to_string(),
            index,
            inventory: inventory.iter().map(|(id, _)| id.clone()).collect(),
            desired,
        }
    }

    /// Why `touched` matters, if it does.
    pub fn reason(&self, touched: &Touched, first_sync: bool) -> Option<Reason> {
        let desired = self.index.get(&touched.id).and_then(|(i, ctx)| {
            let objects = &self.desired.clusters.get(&self.cluster)?.objects;
            Some((&objects.get(*i)?.manifest, *ctx))
        });
        let expected = Expected {
            desired,
            in_inventory: self.inventory.contains(&touched.id),
        };
        reason(
            expected,
            touched.old.as_deref(),
            touched.new.as_deref(),
            first_sync,
        )
    }
}

impl Interest for ClusterInterest {
    fn wakes(&self, touched: &Touched, first_sync: bool) -> bool {
        self.reason(touched, first_sync).is_some()
    }
}

#[cfg(test)]
#[path = "wake_tests.rs"]
mod tests;

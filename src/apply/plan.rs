//! The plan for one cluster: what to apply (and why), what to leave as it
//! is, what conflicts, what to prune, what to keep and whether the prune is
//! held. `plan(&PlanInput) -> ClusterPlan`, pure: the live state comes in
//! as an argument, read by [`super::cluster`].
//!
//! Per desired object, in apply order:
//! - absent → apply (`Missing`, no force: an object that appears meanwhile
//!   conflicts instead of being taken);
//! - annotated `flotilla.io/ignore: "true"` → ignored, never touched;
//! - without our label → a conflict, left alone, unless its policy says
//!   `conflictResolution: Overwrite` → apply (`Adopt`, forced);
//! - ours, live hash ≠ desired hash → apply (`HashDiffers`, forced);
//! - ours, same hash, owned fields drifted → apply (`Drift`, forced);
//! - otherwise unchanged: no write.
//!
//! Forced applies take back fields another manager took by a live edit
//! (self-heal); retained fields are sent with their live value, so no one
//! is fought over them (see [`super::drift`]).
//!
//! Then the inventory objects that are no longer desired go through the
//! prune rules and guards ([`super::prune`]). An object missing from the
//! live map was not observed: the plan then applies and prunes nothing
//! (`HoldReason::IncompleteObservation`), because a failed read is never
//! "absent".

use super::drift::{self, Drifted};
use super::inventory::Inventory;
use super::object::{self, Live};
use super::prune::{self, HeldPrune, Hold, HoldKind, HoldReason, KeepReason, PruneSettings};
use crate::model::common::ObjectRef;
use crate::render::ownership::{content_hash, MANAGED_BY};
use crate::render::RenderedObject;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Everything the plan of one cluster depends on.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The flotilla instance (the value of `flotilla.io/managed-by`).
    pub instance: &'a str,
    /// The rendered objects for this cluster, in apply order.
    pub desired: &'a [RenderedObject],
    /// The live state of every desired and every inventory object.
    pub live: &'a BTreeMap<ObjectRef, Live>,
    pub inventory: &'a Inventory,
    /// Ids whose policy says `conflictResolution: Overwrite`.
    pub overwrite: &'a BTreeSet<ObjectRef>,
    pub prune: PruneSettings,
    /// A hold recorded at an earlier revision whose commit Settings
    /// approve: an over-threshold prune that it covers goes through.
    pub approved_hold: Option<&'a HeldPrune>,
}

/// Why an object is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// It does not exist on the cluster.
    Missing,
    /// Its live `flotilla.io/hash` is not the desired one.
    HashDiffers { live: Option<String> },
    /// Fields flotilla owns were changed on the cluster.
    Drift(Vec<Drifted>),
    /// It exists without our label and its policy adopts it.
    Adopt,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Missing => write!(f, "missing"),
            Why::HashDiffers { live: None } => write!(f, "no hash on the live object"),
            Why::HashDiffers { live: Some(h) } => write!(f, "hash differs (live {h})"),
            Why::Drift(fields) => {
                let list: Vec<String> = fields.iter().map(ToString::to_string).collect();
                write!(f, "drift at {}", list.join(", "))
            }
            Why::Adopt => write!(f, "adopted (conflictResolution: Overwrite)"),
        }
    }
}

/// One object to server-side apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyItem {
    pub id: ObjectRef,
    pub why: Why,
    /// The desired `flotilla.io/hash`: the apply is confirmed when the
    /// returned object carries it.
    pub hash: String,
    /// What to send (the manifest, retained fields at their live values).
    pub body: Value,
    /// Apply with `force`: the object is ours or adopted.
    pub force: bool,
    /// The live object the plan saw (`None` when missing). A drift whose
    /// server-side dry run leaves this object as it is was the server's
    /// normalization, not a change: [`super::execute`] does not write it.
    pub live: Option<Value>,
}

/// An object that exists without our label and is not adopted.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub id: ObjectRef,
    /// The `flotilla.io/managed-by` label it has, if any.
    pub managed_by: Option<String>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.managed_by {
            None => write!(f, "exists without the {MANAGED_BY} label"),
            Some(other) => write!(f, "managed by flotilla instance {other:?}"),
        }
    }
}

/// The plan for one cluster.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterPlan {
    /// The flotilla instance the plan is for (prune re-checks its label).
    pub instance: String,
    /// To apply, in apply order.
    pub apply: Vec<ApplyItem>,
    /// Ours and up to date (id, hash): no write, confirmed in the inventory.
    pub unchanged: Vec<(ObjectRef, String)>,
    pub conflicts: Vec<Conflict>,
    /// Annotated `flotilla.io/ignore: "true"`: never touched.
    pub ignored: Vec<ObjectRef>,
    /// Objects missing from the live map (not observed).
    pub unobserved: Vec<ObjectRef>,
    /// To delete after every apply is confirmed, in reverse apply order.
    pub prune: Vec<ObjectRef>,
    /// No longer desired but kept, with why.
    pub kept: Vec<(ObjectRef, KeepReason)>,
    /// Inventory objects confirmed absent: dropped from the inventory.
    pub gone: Vec<ObjectRef>,
    /// The prune is held (then `prune` is empty).
    pub hold: Option<Hold>,
}

impl ClusterPlan {
    /// Whether carrying out the plan writes nothing to the cluster.
    pub fn is_noop(&self) -> bool {
        self.apply.is_empty() && self.prune.is_empty()
    }
}

impl fmt::Display for ClusterPlan {
    /// One line per object, as `flotilla plan` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.apply {
            writeln!(f, "apply     {}: {}", a.id, a.why)?;
        }
        for (id, _) in &self.unchanged {
            writeln!(f, "unchanged {id}")?;
        }
        for c in &self.conflicts {
            writeln!(f, "conflict  {}: {c}", c.id)?;
        }
        for id in &self.ignored {
            writeln!(f, "ignored   {id}")?;
        }
        for id in &self.unobserved {
            writeln!(f, "unknown   {id}: not observed")?;
        }
        for id in &self.prune {
            writeln!(f, "prune     {id}")?;
        }
        for (id, why) in &self.kept {
            writeln!(f, "keep      {id}: {why}")?;
        }
        for id in &self.gone {
            writeln!(f, "gone      {id}")?;
        }
        if let Some(hold) = &self.hold {
            writeln!(
                f,
                "hold      prune of {}: {}",
                hold.would_prune.len(),
                hold.reason
            )?;
        }
        Ok(())
    }
}

/// Plans one cluster.
pub fn plan(input: &PlanInput<'_>) -> ClusterPlan {
    let mut out = ClusterPlan {
        instance: input.instance.to_string(),
        ..ClusterPlan::default()
    };
    let autoscaled = autoscaled_targets(input.desired);
    for obj in input.desired {
        let id = &obj.id;
        let ctx = drift::Context {
            autoscaled: autoscaled.contains(&(id.namespace.as_deref(), &id.kind, &id.name)),
        };
        let hash = object::hash(&obj.manifest)
            .map(str::to_string)
            .unwrap_or_else(|| content_hash(&obj.manifest));
        let item = |why: Why, live: Option<&Value>, force: bool| ApplyItem {
            id: id.clone(),
            why,
            hash: hash.clone(),
            body: drift::apply_body(&obj.manifest, live, ctx),
            force,
            live: live.cloned(),
        };
        match input.live.get(id) {
            None => out.unobserved.push(id.clone()),
            Some(Live::Absent) => out.apply.push(item(Why::Missing, None, false)),
            Some(Live::Present(live)) if object::is_ignored(live) => out.ignored.push(id.clone()),
            Some(Live::Present(live)) if !object::is_managed_by(live, input.instance) => {
                if input.overwrite.contains(id) {
                    out.apply.push(item(Why::Adopt, Some(live), true));
                } else {
                    out.conflicts.push(Conflict {
                        id: id.clone(),
                        managed_by: object::label(live, MANAGED_BY).map(str::to_string),
                    });
                }
            }
            Some(Live::Present(live)) => {
                let live_hash = object::hash(live);
                if live_hash != Some(hash.as_str()) {
                    let why = Why::HashDiffers {
                        live: live_hash.map(str::to_string),
                    };
                    out.apply.push(item(why, Some(live), true));
                    continue;
                }
                let drifted = drift::drift(&obj.manifest, live, ctx);
                if drifted.is_empty() {
                    out.unchanged.push((id.clone(), hash.clone()));
                } else {
                    out.apply.push(item(Why::Drift(drifted), Some(live), true));
                }
            }
        }
    }

    let desired: BTreeSet<&ObjectRef> = input.desired.iter().map(|o| &o.id).collect();
    let candidates = prune::candidates(input.instance, &desired, input.inventory, input.live);
    out.gone = candidates.gone;
    out.kept = candidates.kept;
    let unobserved = out.unobserved.len()
        + out
            .kept
            .iter()
            .filter(|(_, r)| *r == KeepReason::Unobserved)
            .count();
    let reason = if unobserved > 0 {
        // An incomplete observation plans no writes at all.
        out.apply.clear();
        Some(HoldReason::IncompleteObservation { unobserved })
    } else {
        let approved_earlier = input
            .approved_hold
            .is_some_and(|h| h.kind == HoldKind::OverThreshold && h.covers(&candidates.delete));
        prune::guard(
            input.desired.len(),
            input.inventory.len(),
            candidates.delete.len(),
            &input.prune,
        )
        .filter(|r| !(approved_earlier && r.kind() == Some(HoldKind::OverThreshold)))
    };
    match reason {
        Some(reason) => {
            out.hold = Some(Hold {
                reason,
                would_prune: candidates.delete,
            })
        }
        None => out.prune = candidates.delete,
    }
    out
}

/// `(namespace, kind, name)` of every object a desired
/// HorizontalPodAutoscaler scales (its replicas are the cluster's).
pub fn autoscaled_targets(desired: &[RenderedObject]) -> BTreeSet<(Option<&str>, &str, &str)> {
    desired
        .iter()
        .filter(|o| o.id.kind == "HorizontalPodAutoscaler" && o.id.group() == "autoscaling")
        .filter_map(|o| {
            let target = o.manifest.pointer("/spec/scaleTargetRef")?;
            Some((
                o.id.namespace.as_deref(),
                target.get("kind")?.as_str()?,
                target.get("name")?.as_str()?,
            ))
        })
        .collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

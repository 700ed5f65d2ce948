//! The prune rules: which objects flotilla may delete from a cluster, why
//! every other one is kept, and the guards that hold a prune back.
//!
//! An object is deletable only if all of these hold on the copy just read:
//! it is in the cluster's [`Inventory`] (flotilla applied and confirmed
//! it), it carries `flotilla.io/managed-by=<instance>`, it has no
//! ownerReference with `controller: true`, it is not opted out
//! (`flotilla.io/prune: disabled`, `flotilla.io/ignore: "true"`), and, for
//! Namespaces, CRDs, PersistentVolumes and PersistentVolumeClaims (whose
//! deletion cascades), it is annotated `flotilla.io/prune: confirm`. The
//! label alone is never enough: copying it onto an object does not put the
//! object in the inventory.
//!
//! Guards, over the whole cluster: a render that is empty for a cluster
//! with an inventory prunes nothing unless `allow_empty`; a prune of more
//! than `max_fraction` of the inventory is held unless `approved`. Pure.
//!
//! An approval names a commit, and the commit that carries the approval is
//! a new revision: so a hold is recorded ([`HeldPrune`]) with the commit at
//! which it was first held, and an approval of that commit lets through, at
//! any later revision, the deletions it covers and no others.

use super::inventory::Inventory;
use super::object::{self, Live, IGNORE, PRUNE};
use crate::model::common::ObjectRef;
use crate::render::ownership::MANAGED_BY;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The prune settings of the repository (resolved by the caller: `approved`
/// is true when the approval names the commit being applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PruneSettings {
    /// Prune even when the render for a cluster is empty.
    pub allow_empty: bool,
    /// The largest share of the inventory one prune may delete (0.5).
    pub max_fraction: f64,
    /// A prune over the threshold is approved for this revision.
    pub approved: bool,
}

impl Default for PruneSettings {
    fn default() -> Self {
        PruneSettings {
            allow_empty: false,
            max_fraction: 0.5,
            approved: false,
        }
    }
}

/// Why an object that is no longer desired is not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    /// flotilla never applied and confirmed it on this cluster.
    NotInInventory,
    /// It no longer carries our label (removed, or another instance's).
    NotManaged { label: Option<String> },
    /// `flotilla.io/ignore: "true"`.
    Ignored,
    /// `flotilla.io/prune: disabled`.
    PruneDisabled,
    /// A controller owns it (`Kind/name`); deleting it is the owner's job.
    ControllerOwned { owner: String },
    /// A Namespace, CRD, PV or PVC without `flotilla.io/prune: confirm`.
    NeedsConfirm,
    /// Its state could not be read; nothing is ever pruned on a guess.
    Unobserved,
    /// It changed between the read and the delete (precondition failed).
    ChangedSinceRead,
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::NotInInventory => write!(f, "not in flotilla's inventory"),
            KeepReason::NotManaged { label: None } => write!(f, "no {MANAGED_BY} label"),
            KeepReason::NotManaged { label: Some(l) } => write!(f, "{MANAGED_BY} is {l:?}"),
            KeepReason::Ignored => write!(f, "annotated {IGNORE}: \"true\""),
            KeepReason::PruneDisabled => write!(f, "annotated {PRUNE}: disabled"),
            KeepReason::ControllerOwned { owner } => write!(f, "controlled by {owner}"),
            KeepReason::NeedsConfirm => write!(f, "deleting it cascades; needs {PRUNE}: confirm"),
            KeepReason::Unobserved => write!(f, "its state could not be read"),
            KeepReason::ChangedSinceRead => write!(f, "it changed since it was read"),
        }
    }
}

/// Kinds whose deletion cascades to data or to other objects.
pub fn cascades(id: &ObjectRef) -> bool {
    match id.group() {
        "" => matches!(
            id.kind.as_str(),
            "Namespace" | "PersistentVolume" | "PersistentVolumeClaim"
        ),
        "apiextensions.k8s.io" => id.kind == "CustomResourceDefinition",
        _ => false,
    }
}

/// Whether the live object `obj` (identity `id`) may be deleted by
/// `instance`; if not, why it is kept.
pub fn judge(
    instance: &str,
    id: &ObjectRef,
    obj: &Value,
    inventory: &Inventory,
) -> Result<(), KeepReason> {
    if !inventory.contains(id) {
        return Err(KeepReason::NotInInventory);
    }
    if !object::is_managed_by(obj, instance) {
        return Err(KeepReason::NotManaged {
            label: object::label(obj, MANAGED_BY).map(str::to_string),
        });
    }
    if object::is_ignored(obj) {
        return Err(KeepReason::Ignored);
    }
    let prune = object::annotation(obj, PRUNE);
    if prune == Some("disabled") {
        return Err(KeepReason::PruneDisabled);
    }
    if let Some(owner) = object::controller_owner(obj) {
        return Err(KeepReason::ControllerOwned { owner });
    }
    if cascades(id) && prune != Some("confirm") {
        return Err(KeepReason::NeedsConfirm);
    }
    Ok(())
}

/// The inventory objects that are no longer desired, sorted out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    /// Deletable, in reverse apply order.
    pub delete: Vec<ObjectRef>,
    /// Kept, with why, in identity order.
    pub kept: Vec<(ObjectRef, KeepReason)>,
    /// Confirmed absent: to drop from the inventory.
    pub gone: Vec<ObjectRef>,
}

/// Sorts out the inventory objects not in `desired`, from their live state.
pub fn candidates(
    instance: &str,
    desired: &BTreeSet<&ObjectRef>,
    inventory: &Inventory,
    live: &BTreeMap<ObjectRef, Live>,
) -> Candidates {
    let mut out = Candidates::default();
    for (id, _) in inventory.iter() {
        if desired.contains(id) {
            continue;
        }
        match live.get(id) {
            None => out.kept.push((id.clone(), KeepReason::Unobserved)),
            Some(Live::Absent) => out.gone.push(id.clone()),
            Some(Live::Present(obj)) => match judge(instance, id, obj, inventory) {
                Ok(()) => out.delete.push(id.clone()),
                Err(reason) => out.kept.push((id.clone(), reason)),
            },
        }
    }
    sort_for_prune(&mut out.delete);
    out
}

/// Reverse apply order: dependents before what they depend on.
pub fn sort_for_prune(ids: &mut [ObjectRef]) {
    use crate::render::order::apply_key;
    ids.sort_by(|a, b| apply_key(b).cmp(&apply_key(a)));
}

/// Why a whole prune is held back.
#[derive(Debug, Clone, PartialEq)]
pub enum HoldReason {
    /// Nothing is desired on a cluster that has an inventory.
    EmptyRender,
    /// The prune would delete more than the allowed share of the inventory.
    OverThreshold {
        deleting: usize,
        owned: usize,
        max_fraction: f64,
    },
    /// Some objects could not be read: the plan is not complete.
    IncompleteObservation { unobserved: usize },
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldReason::EmptyRender => write!(
                f,
                "the render for this cluster is empty; prune.allowEmpty is not set"
            ),
            HoldReason::OverThreshold {
                deleting,
                owned,
                max_fraction,
            } => write!(
                f,
                "would delete {deleting} of {owned} owned objects, more than prune.maxDeletePercent ({}%)",
                (max_fraction * 100.0).round()
            ),
            HoldReason::IncompleteObservation { unobserved } => {
                write!(f, "{unobserved} objects could not be read")
            }
        }
    }
}

impl HoldReason {
    /// Which guard this is; `None` for an incomplete observation, which no
    /// setting lifts.
    pub fn kind(&self) -> Option<HoldKind> {
        match self {
            HoldReason::EmptyRender => Some(HoldKind::EmptyRender),
            HoldReason::OverThreshold { .. } => Some(HoldKind::OverThreshold),
            HoldReason::IncompleteObservation { .. } => None,
        }
    }
}

/// The guard that held a prune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HoldKind {
    /// Lifted by Settings `prune.allowEmpty`.
    EmptyRender,
    /// Lifted by Settings `prune.approve` naming the commit of the hold.
    OverThreshold,
}

impl HoldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldKind::EmptyRender => "EmptyRender",
            HoldKind::OverThreshold => "OverThreshold",
        }
    }

    pub fn parse(text: &str) -> Option<HoldKind> {
        match text {
            "EmptyRender" => Some(HoldKind::EmptyRender),
            "OverThreshold" => Some(HoldKind::OverThreshold),
            _ => None,
        }
    }
}

/// A held prune as recorded from one pass to the next (and on the status
/// branch, so a restart keeps it): the source commit at which these
/// deletions were first held, the guard, and the objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPrune {
    pub commit: String,
    pub kind: HoldKind,
    pub objects: BTreeSet<ObjectRef>,
}

impl HeldPrune {
    /// Whether deleting `ids` stays within what was held.
    pub fn covers(&self, ids: &[ObjectRef]) -> bool {
        ids.iter().all(|id| self.objects.contains(id))
    }

    /// The record after a plan at `revision` whose hold is `hold`. It stays
    /// as it is while the same guard holds deletions it covers, so the
    /// commit reported for approval does not move when later commits (the
    /// approval itself, say) leave the deletions as they were; it starts
    /// anew at `revision` when the guard or the deletions grow; it ends
    /// when nothing is held. A hold for an incomplete observation says
    /// nothing about it: the record stays.
    pub fn next(
        previous: Option<&HeldPrune>,
        revision: &str,
        hold: Option<&Hold>,
    ) -> Option<HeldPrune> {
        let hold = hold?;
        let Some(kind) = hold.reason.kind() else {
            return previous.cloned();
        };
        match previous {
            Some(p) if p.kind == kind && p.covers(&hold.would_prune) => Some(p.clone()),
            _ => Some(HeldPrune {
                commit: revision.to_string(),
                kind,
                objects: hold.would_prune.iter().cloned().collect(),
            }),
        }
    }
}

/// A held prune: why, and what it would have deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub reason: HoldReason,
    pub would_prune: Vec<ObjectRef>,
}

/// The cluster-wide guards: whether deleting `deleting` objects out of an
/// inventory of `owned`, with `desired` objects rendered, must be held.
pub fn guard(
    desired: usize,
    owned: usize,
    deleting: usize,
    settings: &PruneSettings,
) -> Option<HoldReason> {
    if deleting == 0 {
        return None;
    }
    if desired == 0 && owned > 0 && !settings.allow_empty {
        return Some(HoldReason::EmptyRender);
    }
    // A NaN setting must not disable the guard.
    let max = if settings.max_fraction.is_nan() {
        0.0
    } else {
        settings.max_fraction
    };
    let over = deleting as f64 > max * owned as f64;
    (over && !settings.approved).then_some(HoldReason::OverThreshold {
        deleting,
        owned,
        max_fraction: settings.max_fraction,
    })
}

#[cfg(test)]
#[path = "prune_tests.rs"]
mod tests;

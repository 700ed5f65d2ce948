//! Apply: make one member cluster equal to its rendered manifests, safely.
//!
//! In: a cluster's [`RenderedObject`](crate::render::RenderedObject)s in
//! apply order, the live state of those objects and of the cluster's
//! [`Inventory`] (what flotilla applied and confirmed there), the ids whose
//! policy adopts existing objects, and the prune settings. Out: a
//! [`ClusterPlan`] (pure, [`plan()`]) and, once a shell has carried it out
//! ([`execute::execute`]), an [`ApplyReport`] and the new inventory.
//!
//! Pure: [`inventory`], [`object`], [`managed`], [`drift`], [`prune`],
//! [`plan`], [`requests`], [`report`], [`stages`], [`cache`] (what the
//! watches saw). I/O: [`cluster`] (one cluster's kube client), [`execute`]
//! and [`watch`] (the watches of flotilla's objects, feeding the cache).
//! See `docs/daemon.md` for where this sits in a reconcile.
//!
//! Invariants, which the tests check against the simulator:
//! - an object is deleted only if it is in the inventory, still carries
//!   `flotilla.io/managed-by=<instance>`, has no controller ownerReference
//!   and is not opted out; cascading kinds need `flotilla.io/prune: confirm`;
//! - an observation that failed is never "absent", so it never prunes;
//! - per cluster and revision, apply is all or nothing (server-side dry run
//!   first), and prune runs only after every apply is confirmed;
//! - an object whose live hash equals the desired hash and whose owned
//!   fields have not drifted is not written.
//!
//! Errors say what the caller should do with them: see [`Disposition`].

pub mod cache;
pub mod cluster;
pub mod drift;
pub mod execute;
pub mod inventory;
pub mod managed;
pub mod object;
pub mod plan;
pub mod prune;
pub mod report;
pub mod requests;
pub mod stages;
pub mod watch;

pub use cluster::{ClusterClient, ClusterError};
pub use execute::{execute, ExecuteError, ExecuteOptions};
pub use inventory::Inventory;
pub use object::Live;
pub use plan::{plan, ApplyItem, ClusterPlan, PlanInput, Why};
pub use prune::{HeldPrune, Hold, HoldKind, KeepReason, PruneSettings};
pub use report::{ApplyReport, Rejection};

/// The field manager of every flotilla write.
pub const FIELD_MANAGER: &str = "flotilla";

/// What the caller does with an error: every error of this module has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Disposition {
    /// Transient (the cluster is unreachable, a request failed, an object
    /// changed under us): try again with a capped exponential backoff.
    Retry,
    /// Nothing is wrong but something is not ready yet (a CRD being
    /// established, a prune held for approval): look again later.
    Wait,
    /// This revision cannot be applied to this cluster (rejected by
    /// admission, a kind the cluster does not serve): report it and do not
    /// retry until the source or the cluster changes.
    Stall,
}

//! What carrying out a cluster's plan did: applied, unchanged, conflicts,
//! rejected, pruned, kept, held, errors. One value per cluster and
//! reconcile; the daemon reports it (status, metrics, logs) in one place.

use super::execute::ExecuteError;
use super::plan::{Conflict, Why};
use super::prune::{Hold, KeepReason};
use super::Disposition;
use crate::model::common::ObjectRef;
use std::fmt;

/// An object the cluster refused (admission, validation, a kind it does
/// not serve, a field conflict); nothing of the revision was applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub id: ObjectRef,
    pub message: String,
}

/// The outcome of one cluster's plan.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub cluster: String,
    /// Applied and confirmed, in apply order, with why.
    pub applied: Vec<(ObjectRef, Why)>,
    /// The resourceVersion each confirmed apply returned (so a watch
    /// cache can be checked for having caught up with the write).
    pub versions: Vec<(ObjectRef, String)>,
    /// Up to date: not written. Includes drifts that a dry run showed to
    /// be the server's normalization.
    pub unchanged: Vec<ObjectRef>,
    /// Existing objects without our label, left alone.
    pub conflicts: Vec<Conflict>,
    /// Annotated `flotilla.io/ignore: "true"`, left alone.
    pub ignored: Vec<ObjectRef>,
    /// Refused by the cluster in the dry run: nothing of this revision was
    /// applied (or, for objects checked after their Namespace or CRD was
    /// created, nothing past those definitions).
    pub rejected: Vec<Rejection>,
    /// Deleted, in reverse apply order.
    pub pruned: Vec<ObjectRef>,
    /// Inventory objects found already gone.
    pub gone: Vec<ObjectRef>,
    /// No longer desired but kept, with why.
    pub kept: Vec<(ObjectRef, KeepReason)>,
    /// The prune was held (by the plan's guards).
    pub held: Option<Hold>,
    /// Prune was skipped because the apply did not complete.
    pub prune_skipped: bool,
    pub errors: Vec<ExecuteError>,
}

impl ApplyReport {
    /// What the caller does next: `Retry` if any error is transient (a
    /// retry may clear the others too), else `Stall` if the revision cannot
    /// be applied, else `Wait` if the prune is held or a definition is not
    /// served yet; `None` when the cluster converged.
    pub fn disposition(&self) -> Option<Disposition> {
        let mut worst: Option<Disposition> = None;
        for d in self.errors.iter().map(ExecuteError::disposition) {
            worst = Some(match (worst, d) {
                (_, Disposition::Retry) | (Some(Disposition::Retry), _) => Disposition::Retry,
                (_, Disposition::Stall) | (Some(Disposition::Stall), _) => Disposition::Stall,
                _ => Disposition::Wait,
            });
        }
        worst.or(self.held.as_ref().map(|_| Disposition::Wait))
    }

    /// Whether anything was written to the cluster.
    pub fn wrote(&self) -> bool {
        !self.applied.is_empty() || !self.pruned.is_empty()
    }
}

impl fmt::Display for ApplyReport {
    /// One line per object, then the hold and the errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (id, why) in &self.applied {
            writeln!(f, "applied   {id}: {why}")?;
        }
        for id in &self.unchanged {
            writeln!(f, "unchanged {id}")?;
        }
        for c in &self.conflicts {
            writeln!(f, "conflict  {}: {c}", c.id)?;
        }
        for id in &self.ignored {
            writeln!(f, "ignored   {id}")?;
        }
        for r in &self.rejected {
            writeln!(f, "rejected  {}: {}", r.id, r.message)?;
        }
        for id in &self.pruned {
            writeln!(f, "pruned    {id}")?;
        }
        for id in &self.gone {
            writeln!(f, "gone      {id}")?;
        }
        for (id, why) in &self.kept {
            writeln!(f, "kept      {id}: {why}")?;
        }
        if let Some(hold) = &self.held {
            writeln!(
                f,
                "held      prune of {}: {}",
                hold.would_prune.len(),
                hold.reason
            )?;
        }
        if self.prune_skipped {
            writeln!(f, "skipped   prune: the apply did not complete")?;
        }
        for e in &self.errors {
            write!(f, "error     {e}")?;
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                write!(f, ": {s}")?;
                source = s.source();
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

//! Divided by room: `dynamicWeight: AvailableReplicas` and Aggregated.
//! Karmada v1.14 `assignByDynamicStrategy` (`pkg/scheduler/core/
//! assignment.go`, `division_algorithm.go`).
//!
//! The previous decision, restricted to the chosen clusters, is the
//! starting point ("scheduled"; Karmada's Steady mode):
//! - same total: kept as it is;
//! - scale up: the scheduled replicas stay; only the new ones are divided,
//!   weighted by each chosen cluster's room (the estimator), clusters with
//!   most room first. Aggregated first moves the clusters that already run
//!   replicas to the front, then keeps as few clusters (in that order) as
//!   hold the new replicas;
//! - scale down: the target is divided weighted by the scheduled replicas
//!   (Aggregated: over as few of the largest as hold it), so no cluster
//!   gains and small ones empty first.
//!
//! Room that does not cover what must be placed is an error naming the
//! shortfall; the caller keeps the previous decision.
//!
//! One deliberate difference: Karmada's scale-down weighs by the whole
//! previous decision, including clusters that are no longer candidates
//! (deleted, excluded by a changed affinity), and can give them replicas.
//! flotilla scales down over the chosen clusters only
//! (docs/karmada-compatibility.md).

use super::super::candidates::Candidate;
use super::super::{ScheduleError, Shortfall, TargetCluster};
use super::dispenser::{take_by_weight, Weighted};
use super::Notes;
use crate::schedule::explain;

/// Which room-based strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Strategy {
    DynamicWeight,
    Aggregated,
}

/// Assigns `replicas` (> 0) over `chosen` by room.
pub(super) fn assign(
    strategy: Strategy,
    replicas: i32,
    chosen: &[&Candidate<'_>],
    previous: &[TargetCluster],
    notes: &mut Notes,
) -> Result<Vec<TargetCluster>, ScheduleError> {
    // Karmada's buildScheduledClusters: the previous entries still chosen.
    let scheduled: Vec<TargetCluster> = previous
        .iter()
        .filter(|t| chosen.iter().any(|c| c.name() == t.name))
        .cloned()
        .collect();
    let assigned: i64 = scheduled.iter().map(|t| i64::from(t.replicas)).sum();
    let wanted = i64::from(replicas);
    if assigned == wanted {
        for t in &scheduled {
            notes.add(
                &t.name,
                format!("kept {} from the previous decision", t.replicas),
            );
        }
        return Ok(scheduled);
    }
    if assigned > wanted {
        // Weighted by what each ran; sorted by it (stable: previous order).
        let mut pool: Vec<Pool> = scheduled
            .iter()
            .map(|t| Pool {
                name: t.name.clone(),
                weight: i64::from(t.replicas),
            })
            .collect();
        pool.sort_by_key(|p| std::cmp::Reverse(p.weight));
        let result = divide(strategy, replicas, pool, &[], chosen)?;
        for t in &result {
            let before = scheduled
                .iter()
                .find(|s| s.name == t.name)
                .map_or(0, |s| s.replicas);
            notes.add(
                &t.name,
                format!("scaled down from {before} in proportion to the previous decision"),
            );
        }
        return Ok(result);
    }
    // Scale up: only the new replicas are placed, weighted by room.
    let new = i32::try_from(wanted - assigned).unwrap_or(replicas);
    let mut pool: Vec<Pool> = chosen
        .iter()
        .map(|c| Pool {
            name: c.name().to_string(),
            weight: c.room,
        })
        .collect();
    pool.sort_by_key(|p| std::cmp::Reverse(p.weight));
    for c in chosen {
        notes.add(c.name(), explain::room(c.room, &c.limit));
    }
    let result = divide(strategy, new, pool, &scheduled, chosen)?;
    for t in &result {
        let before = scheduled
            .iter()
            .find(|s| s.name == t.name)
            .map_or(0, |s| s.replicas);
        let added = t.replicas - before;
        if before > 0 {
            notes.add(&t.name, format!("kept {before} from the previous decision"));
        }
        if added > 0 {
            let note = match (strategy, assigned) {
                (Strategy::DynamicWeight, 0) => format!("{added} as its share by room"),
                (Strategy::DynamicWeight, _) => format!("+{added} new as its share by room"),
                (Strategy::Aggregated, 0) => {
                    format!("{added}: aggregated on as few clusters as hold them, most room first")
                }
                (Strategy::Aggregated, _) => format!(
                    "+{added} new: aggregated on as few clusters as hold them, running ones first"
                ),
            };
            notes.add(&t.name, note);
        }
    }
    Ok(result)
}

/// A cluster and its weight for this division.
#[derive(Debug, Clone)]
struct Pool {
    name: String,
    weight: i64,
}

/// Karmada's `dynamicDivideReplicas`: `target` replicas over `pool`
/// (sorted, heaviest first), on top of `init`.
fn divide(
    strategy: Strategy,
    target: i32,
    mut pool: Vec<Pool>,
    init: &[TargetCluster],
    chosen: &[&Candidate<'_>],
) -> Result<Vec<TargetCluster>, ScheduleError> {
    let room: i64 = pool.iter().map(|p| p.weight.max(0)).sum();
    if room < i64::from(target) {
        return Err(ScheduleError::NotEnoughRoom(Shortfall {
            needed: i64::from(target),
            room,
            running: init.iter().map(|t| i64::from(t.replicas)).sum(),
            clusters: chosen
                .iter()
                .map(|c| (c.name().to_string(), explain::room(c.room, &c.limit)))
                .collect(),
        }));
    }
    if strategy == Strategy::Aggregated {
        // resortAvailableClusters: clusters already running replicas first.
        let runs = |name: &str| init.iter().any(|t| t.name == name && t.replicas > 0);
        let (mut front, back): (Vec<Pool>, Vec<Pool>) =
            pool.into_iter().partition(|p| runs(&p.name));
        front.extend(back);
        pool = front;
        let mut sum = 0i64;
        if let Some(cut) = pool.iter().position(|p| {
            sum += p.weight;
            sum >= i64::from(target)
        }) {
            pool.truncate(cut + 1);
        }
    }
    let entries: Vec<Weighted> = pool
        .iter()
        .map(|p| Weighted {
            name: p.name.clone(),
            weight: p.weight,
            last: init
                .iter()
                .find(|t| t.name == p.name)
                .map_or(0, |t| t.replicas),
        })
        .collect();
    let mut result: Vec<TargetCluster> = init.to_vec();
    for share in take_by_weight(target, &entries) {
        match result.iter_mut().find(|t| t.name == share.name) {
            Some(t) => t.replicas += share.replicas,
            None => result.push(TargetCluster {
                name: share.name,
                replicas: share.replicas,
            }),
        }
    }
    Ok(result)
}

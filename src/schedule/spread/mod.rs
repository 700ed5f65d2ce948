//! The select step: which of the ranked candidates the spread constraints
//! keep, in what order.
//!
//! Karmada v1.14 `spreadconstraint/select_clusters*.go`:
//! - No constraint, or static weights (`Divided`/`Weighted` without
//!   `dynamicWeight`, with a `staticWeightList` or no weight preference at
//!   all): every candidate, in rank order. Karmada ignores spread
//!   constraints for static weights, and so does flotilla.
//! - A region constraint: regions are chosen first ([`select_groups`]: as
//!   few as reach the cluster constraint's minGroups, within the region
//!   constraint's [minGroups, maxGroups], highest score first), then the
//!   best cluster of each, then the best of the rest up to the cluster
//!   constraint's maxGroups.
//! - Only a cluster constraint: the first maxGroups candidates; unless the
//!   placement is Duplicated, the lowest-ranked of them are swapped for
//!   clusters with more room until they hold the template's replicas.
//!
//! Beyond Karmada (which fails with "just support cluster and region spread
//! constraint"): zone, provider and `spreadByLabel` constraints group
//! clusters exactly as regions do (see docs/karmada-compatibility.md), with
//! two differences: their maxGroups 0 means no maximum, and without a
//! cluster constraint one cluster per group is taken. When several group
//! constraints are given, the first of region, zone, provider, label groups
//! and the others only filter (Karmada: region wins, the rest is ignored).

mod groups;
mod select_groups;

use super::candidates::Candidate;
use super::ScheduleError;
use crate::model::kinds::propagation::{
    Placement, ReplicaDivisionPreference, ReplicaSchedulingType, SpreadByField, SpreadConstraint,
};
use groups::{ScoreRule, Topology};
use select_groups::{select_groups, Group};
use std::collections::BTreeMap;

/// The chosen candidates (indexes, in the order assignment sees them) and a
/// note per candidate saying why it was or was not chosen.
#[derive(Debug, Clone, Default)]
pub(super) struct Selection {
    pub chosen: Vec<usize>,
    pub notes: BTreeMap<usize, String>,
}

/// Selects among `candidates` (already ranked).
pub(super) fn select(
    placement: &Placement,
    candidates: &[Candidate<'_>],
    replicas: i32,
) -> Result<Selection, ScheduleError> {
    let all = || Selection {
        chosen: (0..candidates.len()).collect(),
        notes: BTreeMap::new(),
    };
    if placement.spread_constraints.is_empty() || static_weighted(placement) {
        return Ok(all());
    }
    // Karmada keys constraints by field in a map: the last one of a field wins.
    let mut cluster: Option<&SpreadConstraint> = None;
    let mut group: Option<(Topology, &SpreadConstraint)> = None;
    for c in &placement.spread_constraints {
        match Topology::of(c.spread_by_field, c.spread_by_label.as_deref()) {
            None if c.spread_by_field == Some(SpreadByField::Cluster) => cluster = Some(c),
            None => {}
            Some(t) => {
                let replace = match &group {
                    None => true,
                    Some((current, _)) => rank(&t) <= rank(current),
                };
                if replace {
                    group = Some((t, c));
                }
            }
        }
    }
    let duplicated = placement
        .replica_scheduling
        .as_ref()
        .is_none_or(|r| r.replica_scheduling_type == Some(ReplicaSchedulingType::Duplicated));
    match (group, cluster) {
        (Some((topology, constraint)), cluster) => by_group(
            candidates, &topology, constraint, cluster, duplicated, replicas,
        ),
        (None, Some(c)) => by_cluster(candidates, c, (!duplicated).then_some(replicas)),
        (None, None) => Err(ScheduleError::Spread(
            "just support cluster and region spread constraint".into(),
        )),
    }
}

/// Precedence of group topologies when several are given.
fn rank(t: &Topology) -> u8 {
    match t {
        Topology::Region => 0,
        Topology::Zone => 1,
        Topology::Provider => 2,
        Topology::Label(_) => 3,
    }
}

/// Karmada's `shouldIgnoreSpreadConstraint`.
fn static_weighted(p: &Placement) -> bool {
    let Some(rs) = &p.replica_scheduling else {
        return false;
    };
    rs.replica_scheduling_type == Some(ReplicaSchedulingType::Divided)
        && rs.replica_division_preference == Some(ReplicaDivisionPreference::Weighted)
        && rs
            .weight_preference
            .as_ref()
            .is_none_or(|w| !w.static_weight_list.is_empty() && w.dynamic_weight.is_none())
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Karmada's `selectBestClustersByCluster`. `need`: the replicas the chosen
/// clusters must hold together (`None`: Duplicated, room does not matter).
fn by_cluster(
    candidates: &[Candidate<'_>],
    c: &SpreadConstraint,
    need: Option<i32>,
) -> Result<Selection, ScheduleError> {
    let total = count(candidates.len());
    if total < c.min_groups {
        return Err(ScheduleError::Spread(
            "the number of feasible clusters is less than spreadConstraint.MinGroups".into(),
        ));
    }
    let take = usize::try_from(c.max_groups.min(total)).unwrap_or(0);
    let mut chosen: Vec<usize> = (0..candidates.len()).collect();
    if let Some(need) = need {
        // selectClustersByAvailableResource: from the last chosen backwards,
        // swap in the unchosen cluster with the most room (more than the one
        // it replaces) until the chosen ones hold `need`.
        let room = |i: usize| candidates[i].available();
        let holds = |set: &[usize]| set.iter().map(|&i| room(i)).sum::<i64>() >= i64::from(need);
        let mut slot = take;
        while !holds(&chosen[..take]) && slot > 0 {
            slot -= 1;
            let mut best: Option<usize> = None;
            let mut most = room(chosen[slot]);
            for (j, &c) in chosen.iter().enumerate().skip(take) {
                if room(c) > most {
                    most = room(c);
                    best = Some(j);
                }
            }
            if let Some(j) = best {
                chosen.swap(slot, j);
            }
        }
        if !holds(&chosen[..take]) || take == 0 {
            return Err(ScheduleError::Spread(format!(
                "no enough resource when selecting {take} clusters"
            )));
        }
    }
    let notes = chosen
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let note = if pos < take {
                format!("spread by cluster: one of the {take} chosen (maxGroups {})", c.max_groups)
            } else {
                format!(
                    "not selected: spread by cluster takes {take} cluster(s) (maxGroups {}) and ranks others first",
                    c.max_groups
                )
            };
            (i, note)
        })
        .collect();
    chosen.truncate(take);
    Ok(Selection { chosen, notes })
}

/// Karmada's `selectBestClustersByRegion`, for any group topology.
fn by_group(
    candidates: &[Candidate<'_>],
    topology: &Topology,
    group: &SpreadConstraint,
    cluster: Option<&SpreadConstraint>,
    duplicated: bool,
    replicas: i32,
) -> Result<Selection, ScheduleError> {
    let noun = topology.noun();
    let rule = ScoreRule {
        duplicated,
        replicas,
        min_groups: group.min_groups,
    };
    let built = groups::build(candidates, topology, rule);
    if count(built.len()) < group.min_groups {
        return Err(ScheduleError::Spread(format!(
            "the number of feasible {noun} is less than spreadConstraint.MinGroups"
        )));
    }
    // Regions follow Karmada: maxGroups 0 selects none. The extensions read
    // 0 as "no maximum".
    let max_groups = match (topology, group.max_groups) {
        (Topology::Region, m) => m,
        (_, 0) => count(built.len()),
        (_, m) => m,
    };
    let (cluster_min, cluster_max) = cluster.map_or((0, 0), |c| (c.min_groups, c.max_groups));
    let as_groups: Vec<Group> = built
        .iter()
        .map(|g| Group {
            name: g.name.clone(),
            value: count(g.members.len()),
            weight: g.score,
        })
        .collect();
    let picked = select_groups(&as_groups, group.min_groups, max_groups, cluster_min);
    let picked_groups = picked.groups;
    if picked_groups.is_empty() {
        return Err(ScheduleError::Spread(
            "the number of clusters is less than the cluster spreadConstraint.MinGroups".into(),
        ));
    }
    let mut chosen: Vec<usize> = Vec::new();
    let mut rest: Vec<usize> = Vec::new();
    let mut notes = BTreeMap::new();
    for g in &picked_groups {
        let Some(members) = built.iter().find(|b| b.name == g.name).map(|b| &b.members) else {
            continue;
        };
        // The best member not chosen yet (a multi-zone cluster may have been).
        if let Some(&first) = members.iter().find(|i| !chosen.contains(i)) {
            chosen.push(first);
            notes.insert(
                first,
                format!("spread by {noun}: the best cluster of {noun} {}", g.name),
            );
        }
        for &i in members {
            if !chosen.contains(&i) && !rest.contains(&i) {
                rest.push(i);
            }
        }
    }
    rest.retain(|i| !chosen.contains(i));
    // Karmada sorts the rest by score, available replicas and name: the
    // rank order, which the candidate indexes are.
    rest.sort_unstable();
    let need = count(chosen.len() + rest.len()).min(cluster_max);
    let more = usize::try_from(need - count(chosen.len())).unwrap_or(0);
    for (n, &i) in rest.iter().enumerate() {
        if n < more {
            chosen.push(i);
            notes.insert(
                i,
                format!("spread by {noun}: also chosen, up to the cluster maxGroups {cluster_max}"),
            );
        } else {
            notes.insert(i, format!("not selected: its {noun} has enough clusters chosen (cluster maxGroups {cluster_max})"));
        }
    }
    let picked: Vec<&str> = picked_groups.iter().map(|g| g.name.as_str()).collect();
    for i in 0..candidates.len() {
        notes.entry(i).or_insert_with(|| {
            format!("not selected: spread by {noun} chose {}", picked.join(", "))
        });
    }
    Ok(Selection { chosen, notes })
}

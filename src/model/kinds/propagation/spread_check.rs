//! Checks of `placement.spreadConstraints`: Karmada's webhook
//! (`ValidateSpreadConstraint`) as errors, and warnings where Karmada
//! accepts a constraint that cannot work or that it silently ignores.
//!
//! - maxGroups 0 (unset) on a cluster or region constraint: Karmada then
//!   selects no cluster (or region) and every schedule fails.
//! - Static weights: Karmada ignores spread constraints altogether.
//! - Several group constraints (region, zone, provider, label): one groups
//!   (region first, then zone, provider, label), the others only require
//!   their field.
//! - Two constraints on the same field: the last one is used.

use super::{
    Placement, ReplicaDivisionPreference, ReplicaSchedulingType, SpreadByField, SpreadConstraint,
};
use crate::model::check::Checker;
use crate::model::common::validate_qualified_name;
use crate::model::diag::Code;
use std::collections::{BTreeMap, BTreeSet};

const BASE: &str = "/spec/placement/spreadConstraints";

/// What a constraint spreads by, after Karmada's default (no field and no
/// label: cluster).
fn topic(c: &SpreadConstraint) -> String {
    match (c.spread_by_field, c.spread_by_label.as_deref()) {
        (Some(SpreadByField::Cluster), _) => "cluster".into(),
        (Some(SpreadByField::Region), _) => "region".into(),
        (Some(SpreadByField::Zone), _) => "zone".into(),
        (Some(SpreadByField::Provider), _) => "provider".into(),
        (None, Some(l)) if !l.is_empty() => format!("label {l}"),
        (None, _) => "cluster".into(),
    }
}

/// Precedence among group constraints (region first).
fn group_rank(topic: &str) -> Option<u8> {
    match topic {
        "cluster" => None,
        "region" => Some(0),
        "zone" => Some(1),
        "provider" => Some(2),
        _ => Some(3),
    }
}

/// Whether Karmada ignores the spread constraints (static weights).
fn static_weighted(p: &Placement) -> bool {
    let Some(rs) = &p.replica_scheduling else {
        return false;
    };
    let divided = rs
        .replica_scheduling_type
        .unwrap_or(ReplicaSchedulingType::Divided)
        == ReplicaSchedulingType::Divided;
    let weighted = rs
        .replica_division_preference
        .unwrap_or(ReplicaDivisionPreference::Weighted)
        == ReplicaDivisionPreference::Weighted;
    divided
        && weighted
        && rs
            .weight_preference
            .as_ref()
            .is_none_or(|w| !w.static_weight_list.is_empty() && w.dynamic_weight.is_none())
}

pub(super) fn check_spread(p: &Placement, cx: &mut Checker<'_>) {
    let constraints = &p.spread_constraints;
    let mut fields = BTreeSet::new();
    let mut last_of: BTreeMap<String, usize> = BTreeMap::new();
    for (i, c) in constraints.iter().enumerate() {
        check_one(i, c, cx);
        if let Some(f) = c.spread_by_field {
            fields.insert(f);
        }
        let t = topic(c);
        if let Some(earlier) = last_of.insert(t.clone(), i) {
            cx.warning(
                Code::InvalidValue,
                &format!("{BASE}/{i}"),
                format!("a second constraint spreads by {t}: it replaces constraint {earlier}"),
            )
            .help("keep one constraint per field; Karmada keeps the last");
        }
    }
    if !fields.is_empty() && !fields.contains(&SpreadByField::Cluster) {
        cx.error(Code::InvalidValue, BASE, "spreading by a cluster field needs a constraint with `spreadByField: cluster` too")
            .help("add `{spreadByField: cluster, minGroups: N, maxGroups: M}` to say how many clusters to select");
    }
    if constraints.is_empty() {
        return;
    }
    if static_weighted(p) {
        cx.warning(Code::InvalidValue, BASE, "spread constraints are ignored with static weights (as in Karmada): every cluster the weights name is used")
            .help("remove `spreadConstraints`, or divide by `dynamicWeight: AvailableReplicas` or `Aggregated` to have them choose the clusters");
        return;
    }
    let groups: Vec<(u8, &String, usize)> = last_of
        .iter()
        .filter_map(|(t, &i)| group_rank(t).map(|r| (r, t, i)))
        .collect();
    if let Some(&(_, used, _)) = groups.iter().min() {
        for &(_, t, i) in groups.iter().filter(|(_, t, _)| *t != used) {
            cx.warning(
                Code::InvalidValue,
                &format!("{BASE}/{i}"),
                format!("spreading by {t} is ignored: clusters are grouped by {used}; this constraint only requires clusters to have a {t}"),
            )
            .help("keep one group constraint (region, zone, provider or label) besides the cluster one");
        }
    }
    for (t, &i) in &last_of {
        let c = &constraints[i];
        if (t == "cluster" || t == "region") && c.max_groups == 0 {
            cx.warning(
                Code::InvalidValue,
                &format!("{BASE}/{i}"),
                format!("maxGroups is not set: Karmada (and flotilla) then select no {t}, and scheduling fails"),
            )
            .help(format!("set `maxGroups` to the most {t}s to select, at least minGroups"));
        }
    }
}

/// Karmada's `ValidateSpreadConstraint`, for one constraint.
fn check_one(i: usize, c: &SpreadConstraint, cx: &mut Checker<'_>) {
    let at = format!("{BASE}/{i}");
    if c.spread_by_field.is_some() && c.spread_by_label.is_some() {
        cx.error(
            Code::InvalidValue,
            &at,
            "`spreadByField` and `spreadByLabel` cannot both be set",
        )
        .help(
            "spread either by a cluster field (cluster, region, zone, provider) or by a label key",
        );
    }
    if let Some(label) = &c.spread_by_label {
        if let Err(why) = validate_qualified_name(label) {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/spreadByLabel"),
                format!("invalid label key `{label}`: {why}"),
            );
        }
    }
    if c.min_groups < 0 {
        cx.error(
            Code::InvalidValue,
            &format!("{at}/minGroups"),
            "minGroups must be ≥ 0",
        );
    }
    if c.max_groups < 0 {
        cx.error(
            Code::InvalidValue,
            &format!("{at}/maxGroups"),
            "maxGroups must be ≥ 0",
        );
    }
    if c.max_groups > 0 && c.max_groups < c.min_groups {
        cx.error(
            Code::InvalidValue,
            &at,
            format!(
                "maxGroups {} is lower than minGroups {}",
                c.max_groups, c.min_groups
            ),
        )
        .help("maxGroups must be ≥ minGroups");
    }
}

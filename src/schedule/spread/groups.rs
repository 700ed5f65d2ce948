//! Topology groups and their scores: Karmada v1.14
//! `spreadconstraint/group_clusters.go` (`generateRegionInfo`,
//! `calcGroupScore`), for regions and — flotilla's extension — zones,
//! providers and label values.
//!
//! A group lists its clusters in candidate order (score, available
//! replicas, name). A cluster with several zones is in each of them, as in
//! Karmada's `generateZoneInfo`.

use super::super::candidates::Candidate;
use crate::model::kinds::propagation::SpreadByField;
use std::collections::BTreeMap;

/// Karmada's `weightUnit`: what a replica (or a valid cluster) weighs
/// against the clusters' scores in a group score.
const WEIGHT_UNIT: i64 = 1000;

/// What a non-cluster spread constraint groups by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Topology {
    Region,
    Zone,
    Provider,
    Label(String),
}

impl Topology {
    /// The topology of a constraint; `None` for `spreadByField: cluster`.
    pub fn of(field: Option<SpreadByField>, label: Option<&str>) -> Option<Topology> {
        match (field, label) {
            (Some(SpreadByField::Cluster), _) => None,
            (Some(SpreadByField::Region), _) => Some(Topology::Region),
            (Some(SpreadByField::Zone), _) => Some(Topology::Zone),
            (Some(SpreadByField::Provider), _) => Some(Topology::Provider),
            (None, Some(l)) if !l.is_empty() => Some(Topology::Label(l.to_string())),
            (None, _) => None,
        }
    }

    /// For messages: `region`, `zone`, `provider`, `label team`.
    pub fn noun(&self) -> String {
        match self {
            Topology::Region => "region".into(),
            Topology::Zone => "zone".into(),
            Topology::Provider => "provider".into(),
            Topology::Label(l) => format!("label {l}"),
        }
    }

    /// The groups a cluster belongs to (several zones: several groups).
    pub fn keys(&self, c: &Candidate<'_>) -> Vec<String> {
        let facts = c.cluster.facts();
        match self {
            Topology::Region => facts
                .fields
                .region
                .map(str::to_string)
                .into_iter()
                .collect(),
            Topology::Provider => facts
                .fields
                .provider
                .map(str::to_string)
                .into_iter()
                .collect(),
            Topology::Zone => facts.fields.zones.to_vec(),
            Topology::Label(l) => facts.labels.get(l).cloned().into_iter().collect(),
        }
    }
}

/// One group: its name, its clusters (indexes into the candidates, in
/// candidate order) and its score.
#[derive(Debug, Clone)]
pub(crate) struct TopologyGroup {
    pub name: String,
    pub members: Vec<usize>,
    pub score: i64,
}

/// How group scores are computed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScoreRule {
    /// Duplicated (or no replicaScheduling): every cluster runs all replicas.
    pub duplicated: bool,
    pub replicas: i32,
    /// The group constraint's minGroups.
    pub min_groups: i64,
}

/// The groups of `candidates` by `topology`, by name, scored.
pub(crate) fn build(
    candidates: &[Candidate<'_>],
    topology: &Topology,
    rule: ScoreRule,
) -> Vec<TopologyGroup> {
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        for key in topology.keys(c) {
            let members = by_name.entry(key).or_default();
            if !members.contains(&i) {
                members.push(i);
            }
        }
    }
    by_name
        .into_iter()
        .map(|(name, members)| {
            let score = group_score(candidates, &members, rule);
            TopologyGroup {
                name,
                members,
                score,
            }
        })
        .collect()
}

/// Karmada's `calcGroupScore`.
///
/// Divided: the clusters (in candidate order) needed to hold one group's
/// share plus one (`replicas / minGroups + 1`, rounded down): a group that
/// can hold it scores the share × 1000 plus the mean score of the clusters
/// needed; one that cannot, what it holds × 1000 plus the mean score of all
/// its clusters.
///
/// Duplicated: the clusters that can hold all replicas count 1000 each,
/// plus their mean score. Karmada divides by their number even when it is
/// zero and panics; flotilla scores such a group 0 (see
/// docs/karmada-compatibility.md).
fn group_score(candidates: &[Candidate<'_>], members: &[usize], rule: ScoreRule) -> i64 {
    let clusters = members.iter().map(|&i| &candidates[i]);
    if rule.duplicated {
        let target = i64::from(rule.replicas);
        let (valid, sum): (i64, i64) = clusters
            .filter(|c| c.available() >= target)
            .fold((0, 0), |(n, s), c| (n + 1, s + c.score));
        return match valid {
            0 => 0,
            n => n * WEIGHT_UNIT + sum / n,
        };
    }
    let min_groups = i32::try_from(rule.min_groups.max(1)).unwrap_or(i32::MAX);
    let replicas = rule.replicas - rule.replicas % min_groups;
    let target = i64::from(replicas / min_groups + 1);
    let (mut available, mut score, mut valid) = (0i64, 0i64, 0i64);
    for c in clusters {
        available = available.saturating_add(c.available());
        score += c.score;
        valid += 1;
        if available >= target {
            break;
        }
    }
    if available < target {
        let all = i64::try_from(members.len()).unwrap_or(1).max(1);
        return available
            .saturating_mul(WEIGHT_UNIT)
            .saturating_add(score / all);
    }
    target * WEIGHT_UNIT + score / valid.max(1)
}

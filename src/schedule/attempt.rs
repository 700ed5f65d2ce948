//! One scheduling attempt with one cluster affinity: filter, rank, select,
//! assign — Karmada's `genericScheduler.Schedule` — and the explanation of
//! every cluster.

use super::candidates::{rank, Candidate};
use super::divide::{self, Notes};
use super::{explain, filter, spread};
use super::{Decision, ScheduleError, ScheduleInput};
use crate::model::common::ClusterAffinity;
use crate::model::kinds::cluster::Cluster;
use std::collections::BTreeMap;

/// Schedules over `clusters` (sorted by name) with `affinity`.
pub(super) fn run(
    input: &ScheduleInput<'_>,
    clusters: &[&Cluster],
    replicas: i32,
    affinity: Option<&ClusterAffinity>,
) -> Result<Decision, ScheduleError> {
    let previous = input.previous.unwrap_or(&[]);
    let mut reasons = BTreeMap::new();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut passed = Vec::new();
    for cluster in clusters {
        let before = previous.iter().any(|t| t.name == cluster.name());
        match filter::check(cluster, affinity, input, before) {
            Ok(()) => passed.push(*cluster),
            Err(why) => {
                *failures.entry(why.summary()).or_default() += 1;
                reasons.insert(
                    cluster.name().to_string(),
                    format!("filtered out: {}", why.detail()),
                );
            }
        }
    }
    if passed.is_empty() {
        return Err(ScheduleError::NoClusterFits {
            total: clusters.len(),
            reasons: failures,
        });
    }
    let candidates = rank(&passed, replicas, input.requests, previous);
    let selection = spread::select(input.placement, &candidates, replicas)?;
    let chosen: Vec<&Candidate<'_>> = selection.chosen.iter().map(|&i| &candidates[i]).collect();
    let mut is_chosen = vec![false; candidates.len()];
    for &i in &selection.chosen {
        is_chosen[i] = true;
    }
    let mut notes = Notes::default();
    let assigned = divide::assign(input.placement, replicas, &chosen, previous, &mut notes)?;
    for (i, c) in candidates.iter().enumerate() {
        let mut lines: Vec<String> = Vec::new();
        if let Some(n) = selection.notes.get(&i) {
            lines.push(n.clone());
        }
        lines.extend(notes.0.remove(c.name()).unwrap_or_default());
        let got = assigned
            .iter()
            .find(|t| t.name == c.name())
            .map(|t| t.replicas);
        reasons.insert(
            c.name().to_string(),
            explain::placed(got, input.replicas.is_some(), is_chosen[i], &lines),
        );
    }
    Ok(Decision {
        clusters: assigned,
        affinity_name: None,
        reasons,
        notes: Vec::new(),
    })
}

//! One template's placement: its per-replica requests, the scheduler's
//! decision (from the previous one), and what is kept when scheduling fails.
//! Pure.

use super::pipeline::{PlacementResult, PolicyRef};
use super::previous::Previous;
use crate::model::kinds::propagation::PropagationPolicy;
use crate::model::{Located, Template};
use crate::schedule::{self, ClusterView, ReplicaRequests, ScheduleInput, TargetCluster};
use std::collections::BTreeMap;

pub(super) fn policy_ref(p: &Located<PropagationPolicy>) -> PolicyRef {
    PolicyRef {
        kind: p.id.kind.clone(),
        namespace: p.id.namespace.clone(),
        name: p.id.name.clone(),
    }
}

/// Schedules one template under its policy; a template that cannot be
/// scheduled keeps its previous clusters, and the placement says why.
pub(super) fn schedule_one(
    template: &Template,
    policy: &Located<PropagationPolicy>,
    views: &[ClusterView<'_>],
    previous: &Previous,
) -> PlacementResult {
    let prev = previous.get(&template.id);
    let replicas = crate::model::defaults::template_replicas(&template.id.kind, &template.manifest);
    let requests =
        ReplicaRequests::from_template(&template.id.kind, &template.manifest).map_err(|e| {
            let cause = std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"));
            format!("cannot estimate capacity: {e}{cause}")
        });
    let scheduled = requests.and_then(|requests| {
        schedule::schedule(&ScheduleInput {
            placement: &policy.value.spec.placement,
            api_version: &template.id.api_version,
            kind: &template.id.kind,
            replicas,
            requests: &requests,
            clusters: views,
            previous: prev,
            previous_affinity: previous.affinity_name(&template.id),
            evicting: &[],
        })
        .map_err(|e| e.to_string())
    });
    match scheduled {
        Ok(decision) => PlacementResult {
            resource: template.id.clone(),
            policy: policy_ref(policy),
            claim: None,
            template_replicas: replicas,
            clusters: decision.clusters,
            affinity_name: decision.affinity_name,
            reasons: decision.reasons,
            notes: decision.notes,
            overrides: BTreeMap::new(),
            error: None,
        },
        Err(e) => PlacementResult {
            resource: template.id.clone(),
            policy: policy_ref(policy),
            claim: None,
            template_replicas: replicas,
            // Not schedulable: keep running where it ran before.
            clusters: prev.map(<[TargetCluster]>::to_vec).unwrap_or_default(),
            affinity_name: previous.affinity_name(&template.id).map(str::to_string),
            reasons: prev
                .unwrap_or_default()
                .iter()
                .map(|t| {
                    let why = "kept from the previous decision: this one could not be scheduled";
                    (t.name.clone(), why.to_string())
                })
                .collect(),
            notes: Vec::new(),
            overrides: BTreeMap::new(),
            error: Some(e),
        },
    }
}

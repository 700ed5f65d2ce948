//! The filter step: which clusters may run the template at all.
//!
//! Karmada v1.14's filter plugins, run in a fixed order: cluster affinity,
//! taint toleration, API enablement, spread-constraint field presence,
//! eviction. The first that rejects a cluster gives its reason. Karmada
//! keeps its plugins in a map, so which reason a cluster failing several
//! filters reports varies between runs; the fixed order makes ours stable.
//!
//! The filters read taints, not the Ready condition: a NotReady cluster
//! without a taint is still a candidate, as in Karmada, where the cluster
//! controller turns readiness into the `cluster.karmada.io/not-ready` and
//! `cluster.karmada.io/unreachable` taints.

use super::ScheduleInput;
use crate::model::common::ClusterAffinity;
use crate::model::kinds::cluster::{Cluster, Taint, TaintEffect};
use crate::model::kinds::propagation::SpreadByField;

/// Why a cluster was filtered out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rejection {
    Affinity,
    Taint(Taint),
    MissingApi {
        api_version: String,
        kind: String,
    },
    /// A spread constraint groups by a field (or label) the cluster lacks.
    MissingSpreadField(String),
    /// The binding is being evicted from the cluster.
    Evicting,
}

impl Rejection {
    /// The reason as Karmada words it in its `FitError` histogram.
    pub(super) fn summary(&self) -> String {
        match self {
            Rejection::Affinity => {
                "did not match the placement cluster affinity constraint".to_string()
            }
            Rejection::Taint(t) => format!("had untolerated taint {{{}}}", t.describe()),
            Rejection::MissingApi { .. } => "did not have the API resource".to_string(),
            Rejection::MissingSpreadField(field) => format!("did not have {field} property"),
            Rejection::Evicting => "is in the process of eviction".to_string(),
        }
    }

    /// The reason for one cluster, with what would fix it.
    pub(super) fn detail(&self) -> String {
        match self {
            Rejection::Affinity => "does not match the placement's cluster affinity".to_string(),
            Rejection::Taint(t) => format!(
                "has taint {} that the placement does not tolerate",
                t.describe()
            ),
            Rejection::MissingApi { api_version, kind } => {
                format!("does not serve {api_version} {kind} (status.apiEnablements)")
            }
            Rejection::MissingSpreadField(field) => {
                format!("has no {field}, which a spread constraint groups by")
            }
            Rejection::Evicting => "the workload is being evicted from it".to_string(),
        }
    }
}

/// Runs every filter on one cluster. `scheduled_before`: the cluster is in
/// the previous decision (Karmada's `bindingSpec.TargetContains`).
pub(super) fn check(
    cluster: &Cluster,
    affinity: Option<&ClusterAffinity>,
    input: &ScheduleInput<'_>,
    scheduled_before: bool,
) -> Result<(), Rejection> {
    // ClusterAffinity plugin: no affinity means every cluster.
    if let Some(a) = affinity {
        if !a.matches(&cluster.facts()) {
            return Err(Rejection::Affinity);
        }
    }
    // TaintToleration skips a cluster that is already in the previous result:
    // the taint manager evicts from it after a grace period instead.
    if !scheduled_before {
        if let Some(taint) = untolerated_taint(cluster, input) {
            return Err(Rejection::Taint(taint.clone()));
        }
    }
    // APIEnablement: a cluster that does not serve the kind is dropped, even
    // a previously scheduled one, unless its API list is known to be
    // incomplete (condition CompleteAPIEnablements not True): a transient
    // collection failure must not delete running workloads. A cluster whose
    // status says nothing about its APIs (no `--cluster-state`, or an export
    // without them) is not filtered: flotilla does not guess.
    if let Some(status) = &cluster.status {
        let incomplete = status.condition("CompleteAPIEnablements") != Some("True");
        if status.api_enabled(input.api_version, input.kind) == Some(false)
            && !(scheduled_before && incomplete)
        {
            return Err(Rejection::MissingApi {
                api_version: input.api_version.to_string(),
                kind: input.kind.to_string(),
            });
        }
    }
    // SpreadConstraint plugin: grouping by a field needs the field.
    for c in &input.placement.spread_constraints {
        let facts = cluster.facts();
        let missing = match (c.spread_by_field, c.spread_by_label.as_deref()) {
            (Some(SpreadByField::Provider), _) if facts.fields.provider.is_none() => {
                Some("provider".to_string())
            }
            (Some(SpreadByField::Region), _) if facts.fields.region.is_none() => {
                Some("region".to_string())
            }
            (Some(SpreadByField::Zone), _) if facts.fields.zones.is_empty() => {
                Some("zones".to_string())
            }
            // flotilla's extension: spreading by a label needs the label.
            (None, Some(label)) if !label.is_empty() && !facts.labels.contains_key(label) => {
                Some(format!("label {label}"))
            }
            _ => None,
        };
        if let Some(field) = missing {
            return Err(Rejection::MissingSpreadField(field));
        }
    }
    // ClusterEviction: not back onto a cluster it is being evicted from.
    if input.evicting.iter().any(|e| e == cluster.name()) {
        return Err(Rejection::Evicting);
    }
    Ok(())
}

/// Kubernetes' `FindMatchingUntoleratedTaint` with Karmada's predicate: the
/// first NoSchedule or NoExecute taint no toleration tolerates.
/// PreferNoSchedule taints never filter.
fn untolerated_taint<'c>(cluster: &'c Cluster, input: &ScheduleInput<'_>) -> Option<&'c Taint> {
    let tolerations = &input.placement.cluster_tolerations;
    cluster
        .spec
        .taints
        .iter()
        .filter(|t| matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute))
        .find(|t| !tolerations.iter().any(|tol| tol.tolerates(t)))
}

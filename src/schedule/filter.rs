//! The filter step: which clusters may run the template at all.
//!
//! Karmada v1.14's filter plugins, run in a fixed order (affinity, taints,
//! API enablement); the first that rejects a cluster gives its reason.
//! Karmada keeps its plugins in a map, so which reason a cluster failing
//! several filters reports varies between runs; the fixed order makes ours
//! stable. The filters read taints, not the Ready condition: a NotReady
//! cluster without a taint is still a candidate, as in Karmada.

use super::{ScheduleInput, TargetCluster};
use crate::model::common::ClusterAffinity;
use crate::model::kinds::cluster::{Cluster, Taint, TaintEffect};

/// Why a cluster was filtered out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rejection {
    Affinity,
    Taint(Taint),
    MissingApi { api_version: String, kind: String },
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
        }
    }
}

/// Runs every filter on one cluster.
pub(super) fn check(
    cluster: &Cluster,
    affinity: Option<&ClusterAffinity>,
    input: &ScheduleInput<'_>,
    previous: &[TargetCluster],
) -> Result<(), Rejection> {
    // ClusterAffinity plugin: no affinity means every cluster.
    if let Some(a) = affinity {
        if !a.matches(&cluster.facts()) {
            return Err(Rejection::Affinity);
        }
    }
    // TaintToleration skips a cluster that is already in the previous result
    // (`bindingSpec.TargetContains`): the taint manager evicts from it after
    // a grace period instead.
    let scheduled_before = previous.iter().any(|t| t.name == cluster.name());
    if !scheduled_before {
        if let Some(taint) = untolerated_taint(cluster, input) {
            return Err(Rejection::Taint(taint.clone()));
        }
    }
    // APIEnablement: a cluster that does not serve the kind is dropped, even
    // a previously scheduled one, unless its API list is known to be
    // incomplete (condition CompleteAPIEnablements not True): a transient
    // collection failure must not delete running workloads.
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

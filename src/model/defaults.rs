//! The defaults Karmada's API server (CRD defaults), mutating webhooks and
//! scheduler apply before a policy is scheduled, and the replica counts
//! Kubernetes and Karmada's resource interpreter read from templates.
//!
//! One visible place, each rule with a comment citing where Karmada (v1.14)
//! or Kubernetes defines it. The functions mutate in place and are idempotent:
//! defaulting twice is defaulting once. Pure: no I/O.

use crate::model::kinds::cluster::TaintEffect;
use crate::model::kinds::propagation::{
    ConflictResolution, Placement, PreemptionBehavior, PropagationSpec, PurgeMode,
    ReplicaDivisionPreference, ReplicaSchedulingType, SpreadByField, Toleration,
    TolerationOperator, DEFAULT_SCHEDULER_NAME,
};

/// Taint key Karmada's cluster controller puts on a cluster that is not ready.
pub const TAINT_CLUSTER_NOT_READY: &str = "cluster.karmada.io/not-ready";
/// Taint key Karmada's cluster controller puts on a cluster it cannot reach.
pub const TAINT_CLUSTER_UNREACHABLE: &str = "cluster.karmada.io/unreachable";
/// Karmada's `--default-not-ready-toleration-seconds` and
/// `--default-unreachable-toleration-seconds` (webhook flags, both 300).
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// Defaults a placement, in Karmada's order.
pub fn default_placement(p: &mut Placement) {
    if let Some(rs) = p.replica_scheduling.as_mut() {
        // CRD default (`+kubebuilder:default=Divided` on
        // ReplicaSchedulingStrategy.ReplicaSchedulingType, propagation_types.go):
        // a replicaScheduling without a type is Divided. Without any
        // replicaScheduling, Placement.ReplicaSchedulingType() reads Duplicated;
        // nothing is written then.
        if rs.replica_scheduling_type.is_none() {
            rs.replica_scheduling_type = Some(ReplicaSchedulingType::Divided);
        }
        // Webhook: helper.SetReplicaDivisionPreferenceWeighted
        // (pkg/util/helper/policy.go, called from
        // pkg/webhook/propagationpolicy/mutating.go): Divided without a
        // preference becomes Weighted. Without a weightPreference the
        // scheduler then weighs every candidate 1
        // (getDefaultWeightPreference, pkg/scheduler/core/util.go); that
        // happens at assignment time, see `schedule`.
        if rs.replica_scheduling_type == Some(ReplicaSchedulingType::Divided)
            && rs.replica_division_preference.is_none()
        {
            rs.replica_division_preference = Some(ReplicaDivisionPreference::Weighted);
        }
    }
    // Webhook: helper.SetDefaultSpreadConstraints (pkg/util/helper/policy.go):
    // neither field nor label → spreadByField cluster; minGroups 0 → 1.
    for c in &mut p.spread_constraints {
        if c.spread_by_field.is_none() && c.spread_by_label.as_deref().unwrap_or("").is_empty() {
            c.spread_by_field = Some(SpreadByField::Cluster);
        }
        if c.min_groups == 0 {
            c.min_groups = 1;
        }
    }
    // Webhook: helper.AddTolerations(placement, NewNotReadyToleration(300),
    // NewUnreachableToleration(300)) (pkg/webhook/propagationpolicy/mutating.go):
    // tolerate the not-ready and unreachable NoExecute taints for 300 s, unless
    // an equal toleration (same key, operator, value, effect:
    // corev1.Toleration.MatchToleration) is already there.
    for key in [TAINT_CLUSTER_NOT_READY, TAINT_CLUSTER_UNREACHABLE] {
        let t = Toleration {
            key: Some(key.to_string()),
            operator: Some(TolerationOperator::Exists),
            value: None,
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(DEFAULT_TOLERATION_SECONDS),
        };
        if !p
            .cluster_tolerations
            .iter()
            .any(|existing| existing.same_as(&t))
        {
            p.cluster_tolerations.push(t);
        }
    }
}

/// Defaults a whole PropagationPolicy / ClusterPropagationPolicy spec: the
/// placement, plus the CRD defaults of the other fields.
pub fn default_propagation_spec(spec: &mut PropagationSpec) {
    default_placement(&mut spec.placement);
    // CRD defaults in propagation_types.go: priority 0, preemption Never,
    // schedulerName default-scheduler, conflictResolution Abort.
    spec.priority.get_or_insert(0);
    spec.preemption.get_or_insert(PreemptionBehavior::Never);
    if spec.scheduler_name.as_deref().unwrap_or("").is_empty() {
        spec.scheduler_name = Some(DEFAULT_SCHEDULER_NAME.to_string());
    }
    spec.conflict_resolution
        .get_or_insert(ConflictResolution::Abort);
    if let Some(app) = spec.failover.as_mut().and_then(|f| f.application.as_mut()) {
        // CRD defaults: decisionConditions.tolerationSeconds 300, purgeMode
        // Graciously. Webhook: helper.SetDefaultGracePeriodSeconds gives
        // gracePeriodSeconds 600 when the purge mode is Graciously.
        app.decision_conditions
            .toleration_seconds
            .get_or_insert(300);
        let mode = *app.purge_mode.get_or_insert(PurgeMode::Graciously);
        if mode == PurgeMode::Graciously {
            app.grace_period_seconds.get_or_insert(600);
        }
    }
}

/// The replica count Karmada reads from a template (its default resource
/// interpreter, pkg/resourceinterpreter/default/native/replica.go, after
/// Kubernetes' own defaulting). `None`: the template has no replicas.
///
/// - Deployment, StatefulSet, ReplicaSet: `spec.replicas`, defaulting to 1
///   (Kubernetes `SetDefaults_Deployment` and friends).
/// - Job: `spec.parallelism`, defaulting to 1 (Karmada's `jobReplica`).
/// - Pod: 1 (Karmada's `podReplica`: a Pod is one replica).
/// - Any other kind with an integer `spec.replicas` (custom workloads): that
///   value. A ResourceInterpreterCustomization may say otherwise; the
///   interpreter (later issue) takes precedence over this fallback.
///
/// A value that is not an integer in `i32` range gives `None` for custom
/// kinds and the default for workload kinds: validation reports it.
pub fn template_replicas(kind: &str, template: &serde_json::Value) -> Option<i32> {
    let spec_int = |field: &str| {
        template
            .get("spec")
            .and_then(|s| s.get(field))
            .and_then(serde_json::Value::as_i64)
            .and_then(|v| i32::try_from(v).ok())
    };
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => Some(spec_int("replicas").unwrap_or(1)),
        "Job" => Some(spec_int("parallelism").unwrap_or(1)),
        "Pod" => Some(1),
        _ => spec_int("replicas"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::propagation::{ReplicaSchedulingStrategy, SpreadConstraint};
    use serde_json::json;

    fn placement(v: serde_json::Value) -> Placement {
        serde_json::from_value(v).expect("placement")
    }

    #[test]
    fn replica_scheduling_defaults() {
        let cases: &[(
            &str,
            serde_json::Value,
            Option<ReplicaSchedulingType>,
            Option<ReplicaDivisionPreference>,
        )] = &[
            ("absent stays absent (Duplicated)", json!({}), None, None),
            (
                "empty → Divided/Weighted",
                json!({"replicaScheduling": {}}),
                Some(ReplicaSchedulingType::Divided),
                Some(ReplicaDivisionPreference::Weighted),
            ),
            (
                "Divided → Weighted",
                json!({"replicaScheduling": {"replicaSchedulingType": "Divided"}}),
                Some(ReplicaSchedulingType::Divided),
                Some(ReplicaDivisionPreference::Weighted),
            ),
            (
                "Aggregated kept",
                json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}),
                Some(ReplicaSchedulingType::Divided),
                Some(ReplicaDivisionPreference::Aggregated),
            ),
            (
                "Duplicated gets no preference",
                json!({"replicaScheduling": {"replicaSchedulingType": "Duplicated"}}),
                Some(ReplicaSchedulingType::Duplicated),
                None,
            ),
        ];
        for (name, v, ty, pref) in cases {
            let mut p = placement(v.clone());
            default_placement(&mut p);
            let rs = p.replica_scheduling.clone().unwrap_or_default();
            assert_eq!(rs.replica_scheduling_type, *ty, "case {name}");
            assert_eq!(rs.replica_division_preference, *pref, "case {name}");
            if v.get("replicaScheduling").is_none() {
                assert_eq!(
                    p.replica_scheduling, None::<ReplicaSchedulingStrategy>,
                    "case {name}"
                );
            }
        }
    }

    #[test]
    fn spread_constraint_defaults() {
        let mut p = placement(
            json!({"spreadConstraints": [{}, {"spreadByLabel": "team", "minGroups": 2}, {"spreadByField": "region"}]}),
        );
        default_placement(&mut p);
        assert_eq!(
            p.spread_constraints[0],
            SpreadConstraint {
                spread_by_field: Some(SpreadByField::Cluster),
                min_groups: 1,
                ..Default::default()
            }
        );
        assert_eq!(p.spread_constraints[1].spread_by_field, None);
        assert_eq!(p.spread_constraints[1].min_groups, 2);
        assert_eq!(
            p.spread_constraints[2].spread_by_field,
            Some(SpreadByField::Region)
        );
        assert_eq!(p.spread_constraints[2].min_groups, 1);
    }

    #[test]
    fn default_tolerations_added_once() {
        let mut p = placement(json!({"clusterTolerations": [
            {"key": "cluster.karmada.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
            {"key": "cluster.karmada.io/unreachable", "operator": "Exists", "effect": "NoSchedule"}]}));
        default_placement(&mut p);
        // not-ready already tolerated (seconds are not compared); unreachable
        // NoSchedule is a different toleration, so the NoExecute one is added.
        assert_eq!(p.cluster_tolerations.len(), 3);
        assert_eq!(p.cluster_tolerations[0].toleration_seconds, Some(60));
        assert_eq!(
            p.cluster_tolerations[2].key.as_deref(),
            Some(TAINT_CLUSTER_UNREACHABLE)
        );
        assert_eq!(p.cluster_tolerations[2].toleration_seconds, Some(300));
        let once = p.clone();
        default_placement(&mut p);
        assert_eq!(p, once, "idempotent");
    }

    #[test]
    fn spec_defaults() {
        let mut spec: PropagationSpec = serde_json::from_value(
            json!({"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap"}],
            "propagateDeps": true, "failover": {"application": {"decisionConditions": {}}}}),
        )
        .expect("spec");
        default_propagation_spec(&mut spec);
        assert_eq!(spec.priority, Some(0));
        assert_eq!(spec.preemption, Some(PreemptionBehavior::Never));
        assert_eq!(spec.scheduler_name.as_deref(), Some(DEFAULT_SCHEDULER_NAME));
        assert_eq!(spec.conflict_resolution, Some(ConflictResolution::Abort));
        let app = spec.failover.and_then(|f| f.application).expect("app");
        assert_eq!(app.decision_conditions.toleration_seconds, Some(300));
        assert_eq!(app.purge_mode, Some(PurgeMode::Graciously));
        assert_eq!(app.grace_period_seconds, Some(600));
    }

    #[test]
    fn replicas_from_templates() {
        let cases: &[(&str, serde_json::Value, Option<i32>)] = &[
            ("Deployment", json!({"spec": {"replicas": 3}}), Some(3)),
            ("Deployment", json!({"spec": {}}), Some(1)),
            ("Deployment", json!({"spec": {"replicas": 0}}), Some(0)),
            ("StatefulSet", json!({}), Some(1)),
            ("ReplicaSet", json!({"spec": {"replicas": 5}}), Some(5)),
            (
                "Job",
                json!({"spec": {"parallelism": 4, "completions": 10}}),
                Some(4),
            ),
            ("Job", json!({"spec": {}}), Some(1)),
            ("Pod", json!({"spec": {}}), Some(1)),
            ("CloneSet", json!({"spec": {"replicas": 7}}), Some(7)),
            ("CloneSet", json!({"spec": {}}), None),
            ("ConfigMap", json!({"data": {}}), None),
            ("Service", json!({"spec": {"replicas": "x"}}), None),
            ("Deployment", json!({"spec": {"replicas": 1e12}}), Some(1)),
        ];
        for (kind, v, want) in cases {
            assert_eq!(template_replicas(kind, v), *want, "case {kind} {v}");
        }
    }
}

//! `policy.karmada.io/v1alpha1` PropagationPolicy and ClusterPropagationPolicy:
//! which templates go to which clusters, and how replicas are divided.
//!
//! One struct serves both kinds (`kind` tells which), with the whole
//! v1alpha1 spec as Karmada v1.14 defines it
//! (`pkg/apis/policy/v1alpha1/propagation_types.go`). Unknown fields are
//! rejected. [`PropagationPolicy::check`] runs the validations of Karmada's
//! webhook (`pkg/util/validation/validation.go`) plus flotilla's own, and
//! reports the Karmada fields flotilla does not honour yet. Defaults are not
//! applied here: see `model::defaults`.

use crate::model::check::Checker;
use crate::model::common::{
    validate_qualified_name, ClusterAffinity, FieldSelector, LabelSelector, ObjectMeta,
    ResourceSelector,
};
use crate::model::diag::Code;
use crate::model::kinds::cluster::{Taint, TaintEffect};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The scheduler name Karmada defaults to; any other is not honoured.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// A PropagationPolicy or ClusterPropagationPolicy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PropagationPolicy {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PropagationSpec,
}

/// Karmada `PropagationSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PropagationSpec {
    /// Required, at least one; an absent list is a diagnostic, not a parse error.
    #[serde(default)]
    pub resource_selectors: Vec<ResourceSelector>,
    /// Deprecated in favour of `propagateDeps`; not supported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub association: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub propagate_deps: bool,
    #[serde(default)]
    pub placement: Placement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption: Option<PreemptionBehavior>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_overrides: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverBehavior>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict_resolution: Option<ConflictResolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_preference: Option<ActivationPreference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<Suspension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_resources_on_deletion: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_priority: Option<SchedulePriority>,
}

/// Karmada `Placement`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Placement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_affinity: Option<ClusterAffinity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_affinities: Vec<ClusterAffinityTerm>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_tolerations: Vec<Toleration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spread_constraints: Vec<SpreadConstraint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_scheduling: Option<ReplicaSchedulingStrategy>,
}

/// Karmada `ClusterAffinityTerm`: a named cluster group. The affinity fields
/// are written out (serde `flatten` does not combine with
/// `deny_unknown_fields`); [`ClusterAffinityTerm::affinity`] assembles them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterAffinityTerm {
    pub affinity_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<FieldSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl ClusterAffinityTerm {
    /// The term's cluster affinity.
    pub fn affinity(&self) -> ClusterAffinity {
        ClusterAffinity {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            cluster_names: self.cluster_names.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

/// A Kubernetes `Toleration`, as `placement.clusterTolerations` uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<TolerationOperator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    Exists,
    Equal,
}

impl Toleration {
    /// Kubernetes' `Toleration.ToleratesTaint`: an empty effect matches every
    /// effect, an empty key (with `Exists`) every key; `Equal` (the default)
    /// compares values.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        let key = self.key.as_deref().unwrap_or("");
        if !key.is_empty() && key != taint.key {
            return false;
        }
        match self.operator.unwrap_or(TolerationOperator::Equal) {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => {
                self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
            }
        }
    }

    /// Kubernetes' `Toleration.MatchToleration`: same key, operator, value
    /// and effect (tolerationSeconds is not compared). Used when defaulting.
    pub fn same_as(&self, other: &Toleration) -> bool {
        let s = |o: &Option<String>| o.as_deref().unwrap_or("").to_string();
        s(&self.key) == s(&other.key)
            && self.operator == other.operator
            && s(&self.value) == s(&other.value)
            && self.effect == other.effect
    }
}

/// Karmada `SpreadConstraint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpreadConstraint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_by_field: Option<SpreadByField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_by_label: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_groups: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_groups: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SpreadByField {
    Cluster,
    Region,
    Zone,
    Provider,
}

/// Karmada `ReplicaSchedulingStrategy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplicaSchedulingStrategy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_scheduling_type: Option<ReplicaSchedulingType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_division_preference: Option<ReplicaDivisionPreference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_preference: Option<ClusterPreferences>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReplicaSchedulingType {
    Duplicated,
    Divided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReplicaDivisionPreference {
    Aggregated,
    Weighted,
}

/// Karmada `ClusterPreferences`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterPreferences {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_weight_list: Vec<StaticClusterWeight>,
    /// When set, `staticWeightList` is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic_weight: Option<DynamicWeightFactor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StaticClusterWeight {
    pub target_cluster: ClusterAffinity,
    pub weight: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DynamicWeightFactor {
    AvailableReplicas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PreemptionBehavior {
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ConflictResolution {
    Abort,
    Overwrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ActivationPreference {
    Lazy,
}

/// Karmada `FailoverBehavior` (only `application` exists in v1alpha1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FailoverBehavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<ApplicationFailoverBehavior>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApplicationFailoverBehavior {
    #[serde(default)]
    pub decision_conditions: DecisionConditions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_mode: Option<PurgeMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_preservation: Option<StatePreservation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DecisionConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PurgeMode {
    Immediately,
    Graciously,
    Never,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatePreservation {
    pub rules: Vec<StatePreservationRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatePreservationRule {
    pub alias_label_name: String,
    pub json_path: String,
}

/// Karmada `Suspension`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Suspension {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatching: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatching_on_clusters: Option<SuspendClusters>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SuspendClusters {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_names: Vec<String>,
}

/// Karmada `SchedulePriority` (alpha). It orders Karmada's scheduling queue;
/// flotilla schedules every binding in one pure pass, so it has no effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchedulePriority {
    pub priority_class_source: PriorityClassSource,
    pub priority_class_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PriorityClassSource {
    KubePriorityClass,
}

impl Placement {
    /// The replica scheduling type as Karmada reads it
    /// (`Placement.ReplicaSchedulingType()`): no `replicaScheduling` means
    /// Duplicated; an unset type inside it means Divided (the CRD default).
    pub fn scheduling_type(&self) -> ReplicaSchedulingType {
        match &self.replica_scheduling {
            None => ReplicaSchedulingType::Duplicated,
            Some(rs) => rs
                .replica_scheduling_type
                .unwrap_or(ReplicaSchedulingType::Divided),
        }
    }
}

impl PropagationPolicy {
    /// True for `ClusterPropagationPolicy`.
    pub fn is_cluster_scoped(&self) -> bool {
        self.kind == "ClusterPropagationPolicy"
    }

    /// Every cluster name the policy mentions, with the JSON pointer where it
    /// is written, so the caller can warn about clusters that do not exist.
    pub fn referenced_clusters(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut names = |base: &str, a_names: &[String], a_exclude: &[String]| {
            for (i, n) in a_names.iter().enumerate() {
                out.push((format!("{base}/clusterNames/{i}"), n.clone()));
            }
            for (i, n) in a_exclude.iter().enumerate() {
                out.push((format!("{base}/exclude/{i}"), n.clone()));
            }
        };
        let p = &self.spec.placement;
        if let Some(a) = &p.cluster_affinity {
            names(
                "/spec/placement/clusterAffinity",
                &a.cluster_names,
                &a.exclude,
            );
        }
        for (i, t) in p.cluster_affinities.iter().enumerate() {
            names(
                &format!("/spec/placement/clusterAffinities/{i}"),
                &t.cluster_names,
                &t.exclude,
            );
        }
        if let Some(wp) = p
            .replica_scheduling
            .as_ref()
            .and_then(|r| r.weight_preference.as_ref())
        {
            for (i, w) in wp.static_weight_list.iter().enumerate() {
                let base = format!("/spec/placement/replicaScheduling/weightPreference/staticWeightList/{i}/targetCluster");
                names(
                    &base,
                    &w.target_cluster.cluster_names,
                    &w.target_cluster.exclude,
                );
            }
        }
        if let Some(sc) = self
            .spec
            .suspension
            .as_ref()
            .and_then(|s| s.dispatching_on_clusters.as_ref())
        {
            for (i, n) in sc.cluster_names.iter().enumerate() {
                out.push((
                    format!("/spec/suspension/dispatchingOnClusters/clusterNames/{i}"),
                    n.clone(),
                ));
            }
        }
        out
    }

    /// Semantic checks: Karmada's webhook validations, flotilla's own, and
    /// the fields flotilla does not honour yet.
    pub fn check(&self, cx: &mut Checker<'_>) {
        let spec = &self.spec;
        if spec.resource_selectors.is_empty() {
            cx.error(Code::NoResourceSelectors, "/spec", format!("{} `{}` has no resourceSelectors", self.kind, self.metadata.name))
                .help("add `resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]`; an empty list selects nothing (Karmada requires at least one)");
        }
        for (i, rs) in spec.resource_selectors.iter().enumerate() {
            let at = format!("/spec/resourceSelectors/{i}");
            rs.check(cx, &at);
            // Karmada webhook: preemption Always needs named selectors.
            if spec.preemption == Some(PreemptionBehavior::Always)
                && rs.name.as_deref().unwrap_or("").is_empty()
            {
                cx.error(Code::InvalidValue, &at, "a resource selector without `name` is not allowed when `preemption` is Always")
                    .help("name the resource (`name: web`), or set `preemption: Never`; an unnamed selector could preempt unrelated resources");
            }
        }
        check_placement(&spec.placement, cx);
        self.check_failover(cx);
        self.check_unsupported(cx);
    }

    fn check_failover(&self, cx: &mut Checker<'_>) {
        let Some(app) = self
            .spec
            .failover
            .as_ref()
            .and_then(|f| f.application.as_ref())
        else {
            return;
        };
        let base = "/spec/failover/application";
        if !self.spec.propagate_deps {
            cx.error(
                Code::InvalidValue,
                "/spec/failover",
                "application failover is set but `propagateDeps` is false",
            )
            .help("set `propagateDeps: true` so that dependencies move with the application");
        }
        if app
            .decision_conditions
            .toleration_seconds
            .is_some_and(|s| s < 0)
        {
            cx.error(
                Code::InvalidValue,
                &format!("{base}/decisionConditions/tolerationSeconds"),
                "tolerationSeconds must be ≥ 0",
            );
        }
        if let Some(g) = app.grace_period_seconds {
            if app.purge_mode.unwrap_or(PurgeMode::Graciously) != PurgeMode::Graciously {
                cx.error(
                    Code::InvalidValue,
                    &format!("{base}/gracePeriodSeconds"),
                    "gracePeriodSeconds only applies when purgeMode is Graciously",
                )
                .help("remove `gracePeriodSeconds`, or set `purgeMode: Graciously`");
            } else if g <= 0 {
                cx.error(
                    Code::InvalidValue,
                    &format!("{base}/gracePeriodSeconds"),
                    "gracePeriodSeconds must be > 0",
                );
            }
        }
    }

    fn check_unsupported(&self, cx: &mut Checker<'_>) {
        let spec = &self.spec;
        if spec.association {
            cx.error(
                Code::UnsupportedField,
                "/spec/association",
                "`association` is deprecated in Karmada and not supported by flotilla",
            )
            .help("use `propagateDeps: true` instead");
        }
        if let Some(name) = spec
            .scheduler_name
            .as_deref()
            .filter(|n| *n != DEFAULT_SCHEDULER_NAME)
        {
            cx.error(Code::UnsupportedField, "/spec/schedulerName", format!("scheduler `{name}` is not supported"))
                .help(format!("flotilla has one scheduler; remove `schedulerName` or set it to `{DEFAULT_SCHEDULER_NAME}`"));
        }
        if spec
            .failover
            .as_ref()
            .is_some_and(|f| f.application.is_some())
        {
            cx.error(Code::UnsupportedField, "/spec/failover/application", "application failover is not supported yet")
                .help("remove `failover.application`; cluster failover (taints on unhealthy clusters) works without it");
        }
        if spec.activation_preference.is_some() {
            cx.error(Code::UnsupportedField, "/spec/activationPreference", "`activationPreference: Lazy` is not supported: flotilla applies policy changes with the commit that makes them")
                .help("remove `activationPreference`; to roll a policy change out gradually, use a Rollout");
        }
        if let Some(s) = &spec.suspension {
            let dispatching = s.dispatching == Some(true);
            if dispatching && s.dispatching_on_clusters.is_some() {
                cx.error(Code::InvalidValue, "/spec/suspension", "`dispatching` cannot be combined with `dispatchingOnClusters`")
                    .help("use `dispatching: true` to suspend every cluster, or list clusters under `dispatchingOnClusters`");
            }
            if dispatching
                || s.dispatching_on_clusters
                    .as_ref()
                    .is_some_and(|c| !c.cluster_names.is_empty())
            {
                cx.error(
                    Code::UnsupportedField,
                    "/spec/suspension",
                    "suspension of dispatching is not supported yet",
                )
                .help("remove `suspension`; to hold changes back, pause a Rollout instead");
            }
        }
        if spec.preserve_resources_on_deletion == Some(true) {
            cx.error(Code::UnsupportedField, "/spec/preserveResourcesOnDeletion", "`preserveResourcesOnDeletion` is not supported yet")
                .help("remove it; flotilla prunes only objects it applied, and prune of a mass deletion is held for approval");
        }
    }
}

fn check_placement(p: &Placement, cx: &mut Checker<'_>) {
    let base = "/spec/placement";
    if p.cluster_affinity.is_some() && !p.cluster_affinities.is_empty() {
        cx.error(Code::InvalidValue, &format!("{base}/clusterAffinities"), "`clusterAffinities` cannot be combined with `clusterAffinity`")
            .help("keep one: `clusterAffinity` for a single group, or `clusterAffinities` for ordered fallback groups");
    }
    if let Some(a) = &p.cluster_affinity {
        a.check(cx, &format!("{base}/clusterAffinity"));
    }
    let mut seen = BTreeSet::new();
    for (i, term) in p.cluster_affinities.iter().enumerate() {
        let at = format!("{base}/clusterAffinities/{i}");
        let name = &term.affinity_name;
        if name.is_empty() || name.len() > 32 {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/affinityName"),
                "affinityName must be 1 to 32 characters",
            );
        } else if let Err(why) = validate_qualified_name(name) {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/affinityName"),
                format!("invalid affinityName `{name}`: {why}"),
            );
        }
        if !seen.insert(name.as_str()) {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/affinityName"),
                format!("affinityName `{name}` is used by an earlier term"),
            )
            .help("give each cluster affinity term a unique name");
        }
        term.affinity().check(cx, &at);
    }
    for (i, t) in p.cluster_tolerations.iter().enumerate() {
        check_toleration(t, cx, &format!("{base}/clusterTolerations/{i}"));
    }
    spread_check::check_spread(p, cx);
    if let Some(rs) = &p.replica_scheduling {
        check_replica_scheduling(rs, cx);
    }
}

/// The checks of Kubernetes' `validateTolerations`.
fn check_toleration(t: &Toleration, cx: &mut Checker<'_>, at: &str) {
    let key = t.key.as_deref().unwrap_or("");
    if key.is_empty() {
        if t.operator != Some(TolerationOperator::Exists) {
            cx.error(
                Code::InvalidValue,
                at,
                "a toleration without `key` must use `operator: Exists`",
            )
            .help("add `operator: Exists` to tolerate every taint, or name the taint's `key`");
        }
    } else if let Err(why) = validate_qualified_name(key) {
        cx.error(
            Code::InvalidValue,
            &format!("{at}/key"),
            format!("invalid toleration key `{key}`: {why}"),
        );
    }
    if t.operator == Some(TolerationOperator::Exists)
        && t.value.as_deref().is_some_and(|v| !v.is_empty())
    {
        cx.error(
            Code::InvalidValue,
            &format!("{at}/value"),
            "a toleration with `operator: Exists` takes no value",
        )
        .help("remove `value`, or use `operator: Equal`");
    }
    if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
        cx.error(
            Code::InvalidValue,
            &format!("{at}/tolerationSeconds"),
            "tolerationSeconds only applies to `effect: NoExecute`",
        )
        .help("set `effect: NoExecute`, or remove `tolerationSeconds`");
    }
}

fn check_replica_scheduling(rs: &ReplicaSchedulingStrategy, cx: &mut Checker<'_>) {
    let base = "/spec/placement/replicaScheduling";
    if rs.replica_scheduling_type == Some(ReplicaSchedulingType::Duplicated)
        && rs.replica_division_preference.is_some()
    {
        // Karmada accepts it silently; saying so avoids a wrong mental model.
        cx.warning(
            Code::InvalidValue,
            &format!("{base}/replicaDivisionPreference"),
            "replicaDivisionPreference is ignored with `replicaSchedulingType: Duplicated`",
        )
        .help(
            "every selected cluster runs the template's full replicas; use `Divided` to split them",
        );
    }
    let Some(wp) = &rs.weight_preference else {
        return;
    };
    for (i, w) in wp.static_weight_list.iter().enumerate() {
        let at = format!("{base}/weightPreference/staticWeightList/{i}");
        w.target_cluster.check(cx, &format!("{at}/targetCluster"));
        if w.weight < 0 {
            cx.error(
                Code::NegativeWeight,
                &format!("{at}/weight"),
                format!("weight must be ≥ 0, found {}", w.weight),
            )
            .help("give the clusters a positive weight, or remove the entry to give them none");
        } else if w.weight == 0 {
            // The CRD says Minimum=1: Karmada rejects 0 at admission.
            cx.error(Code::InvalidValue, &format!("{at}/weight"), "weight must be at least 1")
                .help("remove the entry (or exclude the clusters in the placement) to give them no replicas");
        }
    }
    if wp.dynamic_weight.is_some() && !wp.static_weight_list.is_empty() {
        cx.warning(
            Code::InvalidValue,
            &format!("{base}/weightPreference/staticWeightList"),
            "`staticWeightList` is ignored when `dynamicWeight` is set",
        )
        .help("remove one of them");
    }
}

mod spread_check;

#[cfg(test)]
mod tests;

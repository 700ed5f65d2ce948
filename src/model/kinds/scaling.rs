//! `autoscaling.karmada.io/v1alpha1` FederatedHPA and CronFederatedHPA, as
//! Karmada v1.14 defines them (`pkg/apis/autoscaling/v1alpha1`), with the
//! checks of Karmada's webhooks (`pkg/util/validation` for FederatedHPA,
//! `pkg/webhook/cronfederatedhpa` for CronFederatedHPA) and the CRD bounds.
//!
//! Parsed and validated here; scaling itself comes in its own issue. A cron
//! rule without `timeZone` runs in the controller's local zone in Karmada;
//! the scaling issue decides what flotilla's deterministic core uses.

pub mod behavior;
pub mod cron;
pub mod metrics;
pub mod quantity;

pub use behavior::HorizontalPodAutoscalerBehavior;
pub use metrics::{CrossVersionObjectReference, MetricSpec};
pub use quantity::Quantity;

use crate::model::check::Checker;
use crate::model::common::ObjectMeta;
use crate::model::diag::{Code, Note};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The API group/version of both kinds.
pub const API_VERSION: &str = "autoscaling.karmada.io/v1alpha1";

/// A FederatedHPA: an HPA computed across all member clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FederatedHPA {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: FederatedHPASpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FederatedHPASpec {
    pub scale_target_ref: CrossVersionObjectReference,
    /// Defaults to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    /// Defaults to 80% average CPU utilization when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behavior: Option<HorizontalPodAutoscalerBehavior>,
}

impl FederatedHPA {
    /// `spec.minReplicas` with Karmada's default.
    pub fn min_replicas(&self) -> i32 {
        self.spec.min_replicas.unwrap_or(1)
    }

    /// Karmada's `ValidateFederatedHPA` on the spec.
    pub fn check(&self, cx: &mut Checker<'_>) {
        let spec = &self.spec;
        // Karmada does not support HPA scale-to-zero, so the lower bound is 1.
        if let Some(min) = spec.min_replicas.filter(|m| *m < 1) {
            cx.error(
                Code::InvalidValue,
                "/spec/minReplicas",
                format!("minReplicas must be at least 1, not {min}"),
            )
            .help("Karmada's FederatedHPA does not scale to zero");
        }
        if spec.max_replicas < 1 {
            cx.error(
                Code::InvalidValue,
                "/spec/maxReplicas",
                format!("maxReplicas must be at least 1, not {}", spec.max_replicas),
            );
        } else if spec.max_replicas < self.min_replicas() {
            cx.error(
                Code::InvalidValue,
                "/spec/maxReplicas",
                format!(
                    "maxReplicas ({}) is less than minReplicas ({})",
                    spec.max_replicas,
                    self.min_replicas()
                ),
            )
            .help("raise maxReplicas or lower minReplicas");
        }
        spec.scale_target_ref.check(cx, "/spec/scaleTargetRef");
        for (i, metric) in spec.metrics.iter().enumerate() {
            metric.check(cx, &format!("/spec/metrics/{i}"));
        }
        if let Some(b) = &spec.behavior {
            b.check(cx, "/spec/behavior");
        }
    }
}

/// A CronFederatedHPA: scheduled changes of a workload's replicas, or of a
/// FederatedHPA's bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CronFederatedHPA {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: CronFederatedHPASpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CronFederatedHPASpec {
    pub scale_target_ref: CrossVersionObjectReference,
    pub rules: Vec<CronFederatedHPARule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CronFederatedHPARule {
    /// Unique within the object, 1 to 32 characters.
    pub name: String,
    /// A standard 5-field cron schedule (see [`cron`]).
    pub schedule: String,
    /// Replicas for a workload target (not a FederatedHPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_replicas: Option<i32>,
    /// New minReplicas for a FederatedHPA target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_min_replicas: Option<i32>,
    /// New maxReplicas for a FederatedHPA target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_max_replicas: Option<i32>,
    /// Defaults to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// An IANA time zone such as `Asia/Shanghai`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// 1 to 32, default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_history_limit: Option<i32>,
    /// 0 to 32, default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_history_limit: Option<i32>,
}

impl CronFederatedHPA {
    /// Whether the target is a FederatedHPA (its bounds are scaled) rather
    /// than a workload (its replicas are set).
    pub fn targets_federated_hpa(&self) -> bool {
        self.spec.scale_target_ref.api_version.as_deref() == Some(API_VERSION)
    }

    /// Karmada's `validateCronFederatedHPASpec`, plus the CRD's bounds and the
    /// consistency of a rule's own targets.
    pub fn check(&self, cx: &mut Checker<'_>) {
        let target = &self.spec.scale_target_ref;
        target.check(cx, "/spec/scaleTargetRef");
        if self.targets_federated_hpa() && target.kind != "FederatedHPA" {
            cx.error(
                Code::InvalidValue,
                "/spec/scaleTargetRef/kind",
                format!(
                    "kind `{}` is not in {API_VERSION}; only FederatedHPA can be scaled there",
                    target.kind
                ),
            )
            .help("use `kind: FederatedHPA`, or the workload's own apiVersion");
            return;
        }
        let mut first_by_name: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, rule) in self.spec.rules.iter().enumerate() {
            let at = format!("/spec/rules/{i}");
            if let Some(first) = first_by_name.get(rule.name.as_str()) {
                let first_loc = cx.location(&format!("/spec/rules/{first}/name"));
                let d = cx.error(
                    Code::InvalidValue,
                    &format!("{at}/name"),
                    format!("duplicate rule name `{}`", rule.name),
                );
                d.notes.push(Note {
                    location: Some(first_loc),
                    message: "first used here".into(),
                });
                d.help("each rule needs its own name: it keys the rule's execution history");
            } else {
                first_by_name.insert(&rule.name, i);
            }
            self.check_rule(cx, rule, &at);
        }
    }

    fn check_rule(&self, cx: &mut Checker<'_>, rule: &CronFederatedHPARule, at: &str) {
        if rule.name.is_empty() || rule.name.chars().count() > 32 {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/name"),
                "a rule name must be 1 to 32 characters",
            );
        }
        if let Err(e) = cron::parse(&rule.schedule) {
            cx.error(
                Code::InvalidCron,
                &format!("{at}/schedule"),
                format!("invalid schedule `{}`: {e}", rule.schedule),
            )
            .help(e.help());
        }
        if let Some(tz) = &rule.time_zone {
            if let Err(why) = cron::check_time_zone(tz) {
                cx.error(Code::InvalidCron, &format!("{at}/timeZone"), why)
                    .help(
                    "use an IANA time zone name such as `UTC`, `Europe/Berlin` or `Asia/Shanghai`",
                );
            }
        }
        if self.targets_federated_hpa() {
            match (rule.target_min_replicas, rule.target_max_replicas) {
                (None, None) => {
                    cx.error(Code::MissingField, at, "a rule scaling a FederatedHPA needs `targetMinReplicas` or `targetMaxReplicas`");
                }
                (Some(min), Some(max)) if min > max => {
                    cx.error(
                        Code::InvalidValue,
                        &format!("{at}/targetMaxReplicas"),
                        format!("targetMaxReplicas ({max}) is less than targetMinReplicas ({min})"),
                    );
                }
                _ => {}
            }
            for (field, v) in [
                ("targetMinReplicas", rule.target_min_replicas),
                ("targetMaxReplicas", rule.target_max_replicas),
            ] {
                if let Some(v) = v.filter(|v| *v < 1) {
                    cx.error(
                        Code::InvalidValue,
                        &format!("{at}/{field}"),
                        format!("{field} must be at least 1, not {v}"),
                    );
                }
            }
        } else {
            match rule.target_replicas {
                None => {
                    cx.error(
                        Code::MissingField,
                        at,
                        format!(
                            "a rule scaling a {} needs `targetReplicas`",
                            self.spec.scale_target_ref.kind
                        ),
                    );
                }
                Some(r) if r < 0 => {
                    cx.error(
                        Code::InvalidValue,
                        &format!("{at}/targetReplicas"),
                        format!("targetReplicas must not be negative, not {r}"),
                    );
                }
                Some(_) => {}
            }
        }
        let limits = [
            ("successfulHistoryLimit", rule.successful_history_limit, 1),
            ("failedHistoryLimit", rule.failed_history_limit, 0),
        ];
        for (field, value, min) in limits {
            if let Some(v) = value.filter(|v| !(min..=32).contains(v)) {
                cx.error(
                    Code::InvalidValue,
                    &format!("{at}/{field}"),
                    format!("{field} must be between {min} and 32, not {v}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! `autoscaling/v2` HorizontalPodAutoscalerBehavior and Kubernetes' checks
//! on it (`validateBehavior`, `validateScalingRules`, `validateScalingPolicy`).

use crate::model::check::Checker;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `autoscaling/v2` HorizontalPodAutoscalerBehavior.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HorizontalPodAutoscalerBehavior {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<HpaScalingRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<HpaScalingRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaScalingRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilization_window_seconds: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_policy: Option<ScalingPolicySelect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<HpaScalingPolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ScalingPolicySelect {
    Max,
    Min,
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HpaScalingPolicy {
    #[serde(rename = "type")]
    pub type_: HpaScalingPolicyType,
    pub value: i32,
    pub period_seconds: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum HpaScalingPolicyType {
    Pods,
    Percent,
}

/// Kubernetes' bounds on scaling rules.
const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
const MAX_PERIOD_SECONDS: i32 = 1800;

impl HorizontalPodAutoscalerBehavior {
    /// Kubernetes' `validateBehavior`.
    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        for (field, rules) in [("scaleUp", &self.scale_up), ("scaleDown", &self.scale_down)] {
            if let Some(rules) = rules {
                rules.check(cx, &format!("{pointer}/{field}"));
            }
        }
    }
}

impl HpaScalingRules {
    fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        if let Some(w) = self
            .stabilization_window_seconds
            .filter(|w| !(0..=MAX_STABILIZATION_WINDOW_SECONDS).contains(w))
        {
            cx.error(
                Code::InvalidValue,
                &format!("{pointer}/stabilizationWindowSeconds"),
                format!("`stabilizationWindowSeconds` must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}, not {w}"),
            );
        }
        if self.policies.is_empty() {
            cx.error(
                Code::MissingField,
                pointer,
                "scaling rules need at least one policy",
            )
            .help("e.g. `policies: [{type: Percent, value: 100, periodSeconds: 15}]`");
        }
        for (i, p) in self.policies.iter().enumerate() {
            let at = format!("{pointer}/policies/{i}");
            if p.value <= 0 {
                cx.error(
                    Code::InvalidValue,
                    &format!("{at}/value"),
                    format!("`value` must be positive, not {}", p.value),
                );
            }
            if !(1..=MAX_PERIOD_SECONDS).contains(&p.period_seconds) {
                cx.error(
                    Code::InvalidValue,
                    &format!("{at}/periodSeconds"),
                    format!(
                        "`periodSeconds` must be between 1 and {MAX_PERIOD_SECONDS}, not {}",
                        p.period_seconds
                    ),
                );
            }
        }
    }
}

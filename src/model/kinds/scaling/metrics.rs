//! The `autoscaling/v2` shapes a FederatedHPA embeds (MetricSpec,
//! HorizontalPodAutoscalerBehavior, CrossVersionObjectReference) and the
//! checks Karmada's webhook applies to them (`pkg/util/validation`, lifted
//! from Kubernetes' HPA validation, with External metrics not supported).

use crate::model::check::Checker;
use crate::model::common::LabelSelector;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `autoscaling/v2` CrossVersionObjectReference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CrossVersionObjectReference {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
}

impl CrossVersionObjectReference {
    /// Kind and name are required and must be valid path segments.
    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        for (field, value) in [("kind", &self.kind), ("name", &self.name)] {
            let at = format!("{pointer}/{field}");
            if value.is_empty() {
                cx.error(
                    Code::MissingField,
                    &at,
                    format!("`{field}` must not be empty"),
                );
            } else if let Err(why) = path_segment(value) {
                cx.error(Code::InvalidValue, &at, format!("`{value}` {why}"));
            }
        }
    }
}

/// Kubernetes' `IsValidPathSegmentName`.
fn path_segment(s: &str) -> Result<(), &'static str> {
    if s == "." || s == ".." {
        return Err("may not be `.` or `..`");
    }
    if s.contains('/') || s.contains('%') {
        return Err("may not contain `/` or `%`");
    }
    Ok(())
}

/// A resource quantity as written in YAML: `500m`, `1Gi`, `100`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Quantity {
    /// `Some(true)` when positive, `Some(false)` when zero or negative, `None`
    /// when the text is not a quantity.
    pub fn is_positive(&self) -> Option<bool> {
        match self {
            Quantity::Int(i) => Some(*i > 0),
            Quantity::Float(f) => Some(*f > 0.0),
            Quantity::Str(s) => quantity_sign(s),
        }
    }
}

/// Parses Kubernetes' quantity grammar far enough to tell the sign:
/// `[+-]digits[.digits](suffix)`, suffix a binary SI (`Ki`…`Ei`), decimal SI
/// (`n u m k M G T P E`) or exponent (`e3`, `E-2`).
fn quantity_sign(s: &str) -> Option<bool> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|e| !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()));
    if !suffix_ok {
        return None;
    }
    let nonzero = number.bytes().any(|c| (b'1'..=b'9').contains(&c));
    Some(nonzero && !negative)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MetricSourceType {
    Object,
    Pods,
    Resource,
    ContainerResource,
    External,
}

/// `autoscaling/v2` MetricSpec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricSpec {
    #[serde(rename = "type")]
    pub type_: MetricSourceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectMetricSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<PodsMetricSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_resource: Option<ContainerResourceMetricSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalMetricSource>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMetricSource {
    pub described_object: CrossVersionObjectReference,
    pub target: MetricTarget,
    pub metric: MetricIdentifier,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodsMetricSource {
    pub metric: MetricIdentifier,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceMetricSource {
    pub name: String,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerResourceMetricSource {
    pub name: String,
    pub target: MetricTarget,
    pub container: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalMetricSource {
    pub metric: MetricIdentifier,
    pub target: MetricTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricIdentifier {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MetricTargetType {
    Utilization,
    Value,
    AverageValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetricTarget {
    #[serde(rename = "type")]
    pub type_: MetricTargetType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_value: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
}

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

impl MetricSpec {
    /// Karmada's `validateMetricSpec`: the source named by `type` must be
    /// given, and no other; External metrics are not supported.
    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        let present = [
            ("object", self.object.is_some()),
            ("pods", self.pods.is_some()),
            ("resource", self.resource.is_some()),
            ("containerResource", self.container_resource.is_some()),
            ("external", self.external.is_some()),
        ];
        let expected = match self.type_ {
            MetricSourceType::Object => "object",
            MetricSourceType::Pods => "pods",
            MetricSourceType::Resource => "resource",
            MetricSourceType::ContainerResource => "containerResource",
            MetricSourceType::External => {
                cx.error(
                    Code::InvalidValue,
                    &format!("{pointer}/type"),
                    "Karmada's FederatedHPA does not support External metrics",
                )
                .help("use Object, Pods, Resource or ContainerResource");
                return;
            }
        };
        if !present
            .iter()
            .any(|(name, given)| *name == expected && *given)
        {
            cx.error(
                Code::MissingField,
                pointer,
                format!("`type: {:?}` needs `{expected}`", self.type_),
            );
        }
        for (name, given) in present {
            if given && name != expected {
                cx.error(
                    Code::InvalidValue,
                    &format!("{pointer}/{name}"),
                    format!("`{name}` does not go with `type: {:?}`", self.type_),
                )
                .help(format!("remove `{name}`, or change `type`"));
            }
        }
        if let Some(o) = &self.object {
            let at = format!("{pointer}/object");
            o.described_object
                .check(cx, &format!("{at}/describedObject"));
            metric_name(cx, &format!("{at}/metric/name"), &o.metric.name);
            o.target.check(cx, &format!("{at}/target"));
            if o.target.value.is_none() && o.target.average_value.is_none() {
                cx.error(
                    Code::MissingField,
                    &format!("{at}/target"),
                    "an Object metric needs `value` or `averageValue`",
                );
            }
        }
        if let Some(p) = &self.pods {
            let at = format!("{pointer}/pods");
            metric_name(cx, &format!("{at}/metric/name"), &p.metric.name);
            p.target.check(cx, &format!("{at}/target"));
            if p.target.average_value.is_none() {
                cx.error(
                    Code::MissingField,
                    &format!("{at}/target"),
                    "a Pods metric needs `averageValue`",
                );
            }
        }
        if let Some(r) = &self.resource {
            resource_source(cx, &format!("{pointer}/resource"), &r.name, &r.target);
        }
        if let Some(r) = &self.container_resource {
            let at = format!("{pointer}/containerResource");
            resource_source(cx, &at, &r.name, &r.target);
            if r.container.is_empty() {
                cx.error(
                    Code::MissingField,
                    &format!("{at}/container"),
                    "`container` must not be empty",
                );
            }
        }
    }
}

fn metric_name(cx: &mut Checker<'_>, pointer: &str, name: &str) {
    if name.is_empty() {
        cx.error(
            Code::MissingField,
            pointer,
            "the metric `name` must not be empty",
        );
    } else if let Err(why) = path_segment(name) {
        cx.error(
            Code::InvalidValue,
            pointer,
            format!("metric name `{name}` {why}"),
        );
    }
}

fn resource_source(cx: &mut Checker<'_>, pointer: &str, name: &str, target: &MetricTarget) {
    if name.is_empty() {
        cx.error(
            Code::MissingField,
            &format!("{pointer}/name"),
            "the resource `name` must not be empty",
        )
        .help("e.g. `cpu` or `memory`");
    }
    target.check(cx, &format!("{pointer}/target"));
    match (&target.average_utilization, &target.average_value) {
        (None, None) => {
            cx.error(
                Code::MissingField,
                &format!("{pointer}/target"),
                "a resource metric needs `averageUtilization` or `averageValue`",
            );
        }
        (Some(_), Some(_)) => {
            cx.error(
                Code::InvalidValue,
                &format!("{pointer}/target/averageValue"),
                "`averageValue` and `averageUtilization` exclude each other",
            );
        }
        _ => {}
    }
}

impl MetricTarget {
    fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        for (field, q) in [
            ("value", &self.value),
            ("averageValue", &self.average_value),
        ] {
            let Some(q) = q else { continue };
            let at = format!("{pointer}/{field}");
            match q.is_positive() {
                Some(true) => {}
                Some(false) => {
                    cx.error(
                        Code::InvalidValue,
                        &at,
                        format!("`{field}` must be positive"),
                    );
                }
                None => {
                    cx.error(
                        Code::InvalidValue,
                        &at,
                        format!("`{field}` is not a quantity"),
                    )
                    .help("e.g. `100`, `500m` or `1Gi`");
                }
            }
        }
        if let Some(u) = self.average_utilization.filter(|u| *u < 1) {
            cx.error(
                Code::InvalidValue,
                &format!("{pointer}/averageUtilization"),
                format!("`averageUtilization` must be at least 1, not {u}"),
            );
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_signs() {
        let cases: &[(&str, Option<bool>)] = &[
            ("1", Some(true)),
            ("500m", Some(true)),
            ("1.5Gi", Some(true)),
            ("0.1", Some(true)),
            ("+2k", Some(true)),
            ("1e3", Some(true)),
            ("2E-2", Some(true)),
            ("0", Some(false)),
            ("0m", Some(false)),
            ("-1", Some(false)),
            ("", None),
            ("abc", None),
            ("1.2.3", None),
            ("5Xi", None),
            ("1e", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                Quantity::Str(text.to_string()).is_positive(),
                *want,
                "case `{text}`"
            );
        }
        assert_eq!(Quantity::Int(0).is_positive(), Some(false));
        assert_eq!(Quantity::Float(0.5).is_positive(), Some(true));
    }
}

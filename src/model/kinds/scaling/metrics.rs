//! The `autoscaling/v2` shapes a FederatedHPA embeds (MetricSpec and
//! CrossVersionObjectReference; behavior is in `behavior.rs`) and the
//! checks Karmada's webhook applies to them (`pkg/util/validation`, lifted
//! from Kubernetes' HPA validation, with External metrics not supported).

use crate::model::check::Checker;
use crate::model::common::LabelSelector;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quantity::Quantity;

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

//! `cluster.karmada.io/v1alpha1 Cluster`: a member cluster.
//!
//! In Git a Cluster says what a cluster *is* (name, labels, provider, region,
//! zones, taints, resource models); how flotilla reaches it is the kubeconfig
//! context named by the annotation `flotilla.io/context`, by default the
//! cluster's name. Credentials never live in Git, so Karmada's connection
//! fields (`apiEndpoint`, `secretRef`, …) are known to the schema but reported
//! as unsupported.
//!
//! `status` is *observed* state, as `kubectl get clusters -o yaml` prints it
//! (or the simulator exports it): it is parsed leniently, so that a newer
//! Karmada adding status fields does not break `--cluster-state`. Quantities
//! stay strings in serde (YAML may give `cpu: 8` as a number, which is
//! accepted too) and are parsed on access.

use crate::model::check::Checker;
use crate::model::common::{
    escape_pointer, validate_qualified_name, ClusterFacts, ClusterFields, ObjectMeta,
};
use crate::model::diag::Code;
use crate::model::quantity::{Quantity, QuantityError};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The annotation naming the kubeconfig context used to reach a cluster.
pub const CONTEXT_ANNOTATION: &str = "flotilla.io/context";

/// A member cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ClusterSpec,
    /// Observed state; never written by users, merged in from `--cluster-state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ClusterStatus>,
}

/// Karmada v1.14 `ClusterSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSpec {
    /// `Push` or `Pull` in Karmada; informational in flotilla, which always
    /// applies from the daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_mode: Option<SyncMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Deprecated in Karmada in favour of `zones`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// Resource models used by the capacity estimator (later issue).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_models: Vec<ResourceModel>,

    // Karmada fields flotilla does not implement: declared so that the schema
    // knows them (and names them in the diagnostic), reported by `check`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_endpoint: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonator_secret_ref: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_tls_verification: Option<serde_json::Value>,
    #[serde(default, rename = "proxyURL", skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_header: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SyncMode {
    Push,
    Pull,
}

/// A Kubernetes `Taint` on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Taint {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub effect: TaintEffect,
    /// RFC 3339 time the taint was added (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<String>,
}

impl Taint {
    /// Kubernetes' `Taint.ToString()`: `key=value:Effect`, or `key:Effect`
    /// without a value.
    pub fn describe(&self) -> String {
        match self.value.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => format!("{}={}:{:?}", self.key, v, self.effect),
            None => format!("{}:{:?}", self.key, self.effect),
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// Karmada `ResourceModel`: a grade and the resource ranges a node of that
/// grade has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceModel {
    pub grade: u32,
    pub ranges: Vec<ResourceModelRange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceModelRange {
    pub name: String,
    pub min: QuantityString,
    pub max: QuantityString,
}

/// A quantity kept as written; YAML numbers (`cpu: 8`) are accepted and
/// turned into their text. Parse with [`QuantityString::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct QuantityString(pub String);

/// In the schema a quantity is a string or a number, as Kubernetes accepts.
impl JsonSchema for QuantityString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "a Kubernetes quantity: `100m`, `1.5`, `64Gi`, `1e3`",
            "anyOf": [{"type": "string"}, {"type": "number"}]
        })
    }
}

impl QuantityString {
    pub fn parse(&self) -> Result<Quantity, QuantityError> {
        self.0.parse()
    }
}

impl<'de> Deserialize<'de> for QuantityString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            U(u64),
            F(f64),
        }
        Ok(QuantityString(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::U(u) => u.to_string(),
            Raw::F(f) => f.to_string(),
        }))
    }
}

/// A Kubernetes `ResourceList`: resource name → quantity.
pub type ResourceList = BTreeMap<String, QuantityString>;

/// Karmada `ClusterStatus`: observed state. Lenient: unknown fields are
/// ignored, every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    /// `None` when the status does not report API enablements; the scheduler
    /// then does not filter by API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_enablements: Option<Vec<ApiEnablement>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_summary: Option<NodeSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_summary: Option<ResourceSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiEnablement {
    #[serde(default)]
    pub group_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ApiResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

/// A `metav1.Condition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(default, rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_num: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_num: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocated: ResourceList,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocating: ResourceList,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocatable_modelings: Vec<AllocatableModeling>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllocatableModeling {
    #[serde(default)]
    pub grade: u32,
    #[serde(default)]
    pub count: i64,
}

/// Reads one resource of a list; a missing resource is `Ok(None)`.
fn read_quantity(list: &ResourceList, resource: &str) -> Result<Option<Quantity>, QuantityError> {
    list.get(resource).map(QuantityString::parse).transpose()
}

impl ResourceSummary {
    pub fn allocatable(&self, resource: &str) -> Result<Option<Quantity>, QuantityError> {
        read_quantity(&self.allocatable, resource)
    }
    pub fn allocated(&self, resource: &str) -> Result<Option<Quantity>, QuantityError> {
        read_quantity(&self.allocated, resource)
    }
    pub fn allocating(&self, resource: &str) -> Result<Option<Quantity>, QuantityError> {
        read_quantity(&self.allocating, resource)
    }
}

impl ClusterStatus {
    /// The status (`"True"`, `"False"`, `"Unknown"`) of the condition of that type.
    pub fn condition(&self, type_: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.type_ == type_)
            .map(|c| c.status.as_str())
    }

    /// `Some(true)` when the `Ready` condition is `True`, `Some(false)` when
    /// it is anything else, `None` when not reported.
    pub fn ready(&self) -> Option<bool> {
        self.condition("Ready").map(|s| s == "True")
    }

    /// Karmada's `helper.IsAPIEnabled`: the cluster serves `kind` in
    /// `group_version`. `None` when the status has no API enablements.
    pub fn api_enabled(&self, group_version: &str, kind: &str) -> Option<bool> {
        self.api_enablements.as_ref().map(|list| {
            list.iter()
                .filter(|e| e.group_version == group_version)
                .any(|e| e.resources.iter().any(|r| r.kind == kind))
        })
    }
}

impl Cluster {
    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The kubeconfig context flotilla uses to reach the cluster: the
    /// `flotilla.io/context` annotation, or the cluster's name.
    pub fn context(&self) -> &str {
        self.metadata
            .annotations
            .get(CONTEXT_ANNOTATION)
            .map(String::as_str)
            .filter(|c| !c.is_empty())
            .unwrap_or(&self.metadata.name)
    }

    /// The zones field selectors read: `spec.zones`, or the deprecated
    /// `spec.zone` when only that is set.
    pub fn zones(&self) -> &[String] {
        if self.spec.zones.is_empty() {
            self.spec
                .zone
                .as_ref()
                .filter(|z| !z.is_empty())
                .map(std::slice::from_ref)
                .unwrap_or(&[])
        } else {
            &self.spec.zones
        }
    }

    /// What affinities and selectors read. Empty provider/region count as
    /// unset, as in Karmada's `extractClusterFields`.
    pub fn facts(&self) -> ClusterFacts<'_> {
        ClusterFacts {
            name: &self.metadata.name,
            labels: &self.metadata.labels,
            fields: ClusterFields {
                provider: self.spec.provider.as_deref().filter(|s| !s.is_empty()),
                region: self.spec.region.as_deref().filter(|s| !s.is_empty()),
                zones: self.zones(),
            },
        }
    }

    /// Semantic checks of a Cluster written in Git.
    pub fn check(&self, cx: &mut Checker<'_>) {
        let spec = &self.spec;
        let unsupported: [(&str, bool); 7] = [
            ("id", spec.id.is_some()),
            ("apiEndpoint", spec.api_endpoint.is_some()),
            ("secretRef", spec.secret_ref.is_some()),
            (
                "impersonatorSecretRef",
                spec.impersonator_secret_ref.is_some(),
            ),
            (
                "insecureSkipTLSVerification",
                spec.insecure_skip_tls_verification.is_some(),
            ),
            ("proxyURL", spec.proxy_url.is_some()),
            ("proxyHeader", spec.proxy_header.is_some()),
        ];
        for (field, present) in unsupported {
            if present {
                cx.error(
                    Code::UnsupportedField,
                    &format!("/spec/{field}"),
                    format!("`spec.{field}` is not supported: flotilla does not connect to clusters from Cluster objects"),
                )
                .help(format!(
                    "remove `{field}`; flotilla reaches a cluster through the kubeconfig context named by annotation `{CONTEXT_ANNOTATION}` (default: the cluster's name)"
                ));
            }
        }
        if spec.zone.is_some() && !spec.zones.is_empty() {
            cx.warning(
                Code::InvalidValue,
                "/spec/zone",
                "`spec.zone` is deprecated and ignored when `spec.zones` is set",
            )
            .help("remove `zone` and list every zone under `zones`");
        }
        for (i, taint) in spec.taints.iter().enumerate() {
            if let Err(why) = validate_qualified_name(&taint.key) {
                cx.error(Code::InvalidValue, &format!("/spec/taints/{i}/key"), format!("invalid taint key `{}`: {why}", taint.key))
                    .help("a taint key is a label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters");
            }
        }
        for (i, model) in spec.resource_models.iter().enumerate() {
            for (j, range) in model.ranges.iter().enumerate() {
                let at = format!("/spec/resourceModels/{i}/ranges/{j}");
                let min = range.min.parse();
                let max = range.max.parse();
                for (field, parsed) in [("min", &min), ("max", &max)] {
                    if let Err(e) = parsed {
                        cx.error(Code::InvalidValue, &format!("{at}/{field}"), e.to_string());
                    }
                }
                if let (Ok(lo), Ok(hi)) = (min, max) {
                    if lo > hi {
                        cx.error(
                            Code::InvalidValue,
                            &at,
                            format!("range of `{}` has min {lo} above max {hi}", range.name),
                        )
                        .help("min must be less than or equal to max");
                    }
                }
            }
        }
        if let Some(ctx) = self.metadata.annotations.get(CONTEXT_ANNOTATION) {
            if ctx.is_empty() {
                cx.error(
                    Code::InvalidValue,
                    &format!("/metadata/annotations/{}", escape_pointer(CONTEXT_ANNOTATION)),
                    "the kubeconfig context is empty",
                )
                .help("name a context of your kubeconfig, or remove the annotation to use the cluster's name");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diag::Diagnostic;
    use crate::model::yaml;

    fn cluster(json: serde_json::Value) -> Cluster {
        serde_json::from_value(json).expect("valid cluster")
    }

    fn check(text: &str) -> Vec<Diagnostic> {
        let stream = yaml::parse_stream(text, 1000).expect("yaml");
        let node = &stream.documents[0];
        let c: Cluster = serde_json::from_value(node.value.clone()).expect("cluster");
        let mut cx = Checker::new("c.yaml", node);
        c.check(&mut cx);
        cx.diagnostics
    }

    #[test]
    fn context_defaults_to_name() {
        let c = cluster(
            serde_json::json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "m1"}}),
        );
        assert_eq!(c.context(), "m1");
        let c = cluster(
            serde_json::json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
            "metadata": {"name": "m1", "annotations": {"flotilla.io/context": "kind-m1"}}}),
        );
        assert_eq!(c.context(), "kind-m1");
    }

    #[test]
    fn zones_fall_back_to_deprecated_zone() {
        let c = cluster(
            serde_json::json!({"apiVersion": "v", "kind": "Cluster", "metadata": {"name": "m"}, "spec": {"zone": "z1", "provider": ""}}),
        );
        assert_eq!(c.facts().fields.zones, ["z1".to_string()]);
        assert_eq!(c.facts().fields.provider, None);
        let c = cluster(
            serde_json::json!({"apiVersion": "v", "kind": "Cluster", "metadata": {"name": "m"}, "spec": {"zone": "z1", "zones": ["a", "b"]}}),
        );
        assert_eq!(c.facts().fields.zones, ["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn status_is_lenient_and_typed() {
        let c = cluster(
            serde_json::json!({"apiVersion": "v", "kind": "Cluster", "metadata": {"name": "m"},
            "status": {"futureField": 1, "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3}],
                "apiEnablements": [{"groupVersion": "apps/v1", "resources": [{"name": "deployments", "kind": "Deployment"}]}],
                "resourceSummary": {"allocatable": {"cpu": 8, "memory": "32Gi"}, "allocated": {"cpu": "4000m"}}}}),
        );
        let st = c.status.as_ref().expect("status");
        assert_eq!(st.ready(), Some(true));
        assert_eq!(st.api_enabled("apps/v1", "Deployment"), Some(true));
        assert_eq!(st.api_enabled("apps/v1", "StatefulSet"), Some(false));
        let rs = st.resource_summary.as_ref().expect("summary");
        assert_eq!(
            rs.allocatable("cpu").unwrap().map(|q| q.milli()),
            Some(8000)
        );
        assert_eq!(rs.allocated("cpu").unwrap().map(|q| q.milli()), Some(4000));
        assert_eq!(rs.allocating("cpu").unwrap(), None);
    }

    #[test]
    fn quantity_schema_accepts_numbers() {
        let schema = serde_json::to_value(schemars::schema_for!(QuantityString)).expect("schema");
        assert_eq!(schema["anyOf"][1]["type"], "number");
    }

    #[test]
    fn spec_rejects_unknown_fields() {
        let r: Result<Cluster, _> =
            serde_json::from_value(serde_json::json!({"apiVersion": "v", "kind": "Cluster",
            "metadata": {"name": "m"}, "spec": {"regoin": "x"}}));
        assert!(r.is_err());
    }

    #[test]
    fn taint_describe_matches_kubernetes() {
        let t = Taint {
            key: "dedicated".into(),
            value: Some("gpu".into()),
            effect: TaintEffect::NoSchedule,
            time_added: None,
        };
        assert_eq!(t.describe(), "dedicated=gpu:NoSchedule");
        let t = Taint {
            key: "maintenance".into(),
            value: None,
            effect: TaintEffect::NoExecute,
            time_added: None,
        };
        assert_eq!(t.describe(), "maintenance:NoExecute");
    }

    #[test]
    fn unsupported_connection_fields() {
        let diags = check(
            "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: m1\nspec:\n  apiEndpoint: https://x\n  secretRef:\n    name: s\n  syncMode: Push\n",
        );
        let codes: Vec<_> = diags.iter().map(|d| (d.code, d.location.line)).collect();
        assert_eq!(
            codes,
            vec![(Code::UnsupportedField, 6), (Code::UnsupportedField, 8)]
        );
        assert!(diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("flotilla.io/context"));
    }
}

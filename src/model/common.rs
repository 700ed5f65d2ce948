//! Types shared by several kinds: object metadata, label selectors, Karmada
//! field selectors and resource selectors, with their matching rules and
//! their validation.
//!
//! Matching follows `k8s.io/apimachinery` label semantics: an empty selector
//! (`{}`) matches everything; a requirement on a missing key fails for `In`
//! and `Exists` and succeeds for `NotIn` and `DoesNotExist`.

use super::check::Checker;
use super::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The part of Kubernetes ObjectMeta that a policy or cluster in Git may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A Kubernetes label selector (`metav1.LabelSelector`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: LabelSelectorOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum LabelSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelSelector {
    /// Whether `labels` satisfy every term of the selector.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self
                .match_expressions
                .iter()
                .all(|r| r.matches(labels.get(&r.key).map(String::as_str)))
    }

    /// Checks keys, values and operator/values consistency; `pointer` is where
    /// the selector sits in the document.
    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        for (key, value) in &self.match_labels {
            let at = format!("{pointer}/matchLabels/{}", escape_pointer(key));
            check_label_key(cx, &at, key);
            if let Err(why) = validate_label_value(value) {
                cx.error(Code::InvalidSelector, &at, format!("invalid label value `{value}`: {why}"))
                    .help("label values are at most 63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric");
            }
        }
        for (i, req) in self.match_expressions.iter().enumerate() {
            let at = format!("{pointer}/matchExpressions/{i}");
            check_label_key(cx, &format!("{at}/key"), &req.key);
            match req.operator {
                LabelSelectorOperator::In | LabelSelectorOperator::NotIn
                    if req.values.is_empty() =>
                {
                    cx.error(
                        Code::InvalidSelector,
                        &format!("{at}/operator"),
                        format!("operator {:?} needs at least one value", req.operator),
                    )
                    .help("add `values: [...]`, or use `Exists` / `DoesNotExist`");
                }
                LabelSelectorOperator::Exists | LabelSelectorOperator::DoesNotExist
                    if !req.values.is_empty() =>
                {
                    cx.error(
                        Code::InvalidSelector,
                        &format!("{at}/values"),
                        format!("operator {:?} takes no values", req.operator),
                    )
                    .help("remove `values`, or use `In` / `NotIn`");
                }
                _ => {}
            }
            for (j, v) in req.values.iter().enumerate() {
                if let Err(why) = validate_label_value(v) {
                    cx.error(
                        Code::InvalidSelector,
                        &format!("{at}/values/{j}"),
                        format!("invalid label value `{v}`: {why}"),
                    );
                }
            }
        }
    }
}

impl LabelSelectorRequirement {
    fn matches(&self, value: Option<&str>) -> bool {
        match self.operator {
            LabelSelectorOperator::In => value.is_some_and(|v| self.values.iter().any(|x| x == v)),
            LabelSelectorOperator::NotIn => {
                value.is_none_or(|v| !self.values.iter().any(|x| x == v))
            }
            LabelSelectorOperator::Exists => value.is_some(),
            LabelSelectorOperator::DoesNotExist => value.is_none(),
        }
    }
}

fn check_label_key(cx: &mut Checker<'_>, pointer: &str, key: &str) {
    if let Err(why) = validate_qualified_name(key) {
        cx.error(Code::InvalidSelector, pointer, format!("invalid label key `{key}`: {why}"))
            .help("a label key is an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters of [A-Za-z0-9-_.]");
    }
}

/// Escapes a key for use as one JSON-pointer segment (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Validates a Kubernetes qualified name (label and annotation keys):
/// `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 of `[A-Za-z0-9-_.]`
/// starting and ending alphanumeric.
pub fn validate_qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        validate_dns_subdomain(prefix).map_err(|e| format!("prefix {e}"))?;
    }
    if name.is_empty() {
        return Err("name part must not be empty".into());
    }
    if name.len() > 63 {
        return Err("name part must be at most 63 characters".into());
    }
    validate_label_chars(name)
}

/// Validates a label value: empty, or ≤ 63 of `[A-Za-z0-9-_.]` with
/// alphanumeric ends.
pub fn validate_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err("must be at most 63 characters".into());
    }
    validate_label_chars(value)
}

fn validate_label_chars(s: &str) -> Result<(), String> {
    let ok_inner = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let ok_ends = s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok_inner && ok_ends {
        Ok(())
    } else {
        Err("must consist of alphanumerics, `-`, `_` or `.`, and start and end with an alphanumeric".into())
    }
}

/// Validates a DNS-1123 subdomain (namespaces, most object names).
pub fn validate_dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    for label in s.split('.') {
        let ok = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!(
                "`{s}` must be lowercase alphanumerics, `-` and `.`, each part starting and ending alphanumeric"
            ));
        }
    }
    Ok(())
}

/// Karmada's `FieldSelector`: requirements on a cluster's `provider`,
/// `region` or `zone` (spec fields, not labels).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSelector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<FieldSelectorRequirement>,
}

/// A `NodeSelectorRequirement` as Karmada uses it for cluster fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSelectorRequirement {
    pub key: ClusterField,
    pub operator: FieldSelectorOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// The cluster fields a field selector may name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ClusterField {
    Provider,
    Region,
    Zone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FieldSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

/// The values of a cluster that field selectors read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterFields<'a> {
    pub provider: Option<&'a str>,
    pub region: Option<&'a str>,
    /// `spec.zones` (and the deprecated `spec.zone`).
    pub zones: &'a [String],
}

impl FieldSelector {
    /// Whether the cluster's fields satisfy every requirement. As in Karmada's
    /// `matchZones` (pkg/util/selector.go), a zone requirement looks at all of
    /// the cluster's zones: `In` needs the cluster to have zones and *every*
    /// one of them listed, `NotIn` needs none of them listed.
    pub fn matches(&self, fields: &ClusterFields<'_>) -> bool {
        self.match_expressions.iter().all(|r| r.matches(fields))
    }

    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        for (i, req) in self.match_expressions.iter().enumerate() {
            let at = format!("{pointer}/matchExpressions/{i}");
            match req.operator {
                FieldSelectorOperator::In | FieldSelectorOperator::NotIn
                    if req.values.is_empty() =>
                {
                    cx.error(
                        Code::InvalidSelector,
                        &format!("{at}/operator"),
                        format!("operator {:?} needs at least one value", req.operator),
                    )
                    .help("add `values: [...]`");
                }
                // Karmada's webhook (ValidatePolicyFieldSelector) admits only
                // In and NotIn for cluster fields.
                FieldSelectorOperator::Exists | FieldSelectorOperator::DoesNotExist => {
                    cx.error(Code::InvalidSelector, &format!("{at}/operator"), format!("operator {:?} is not supported for cluster {:?}", req.operator, req.key))
                        .help("Karmada accepts only `In` and `NotIn` in a field selector; use a label selector for `Exists` / `DoesNotExist`");
                }
                FieldSelectorOperator::Gt | FieldSelectorOperator::Lt => {
                    cx.error(
                        Code::InvalidSelector,
                        &format!("{at}/operator"),
                        format!(
                            "operator {:?} is not meaningful for cluster {:?}",
                            req.operator, req.key
                        ),
                    )
                    .help("use `In`, `NotIn`, `Exists` or `DoesNotExist`");
                }
                _ => {}
            }
        }
    }
}

impl FieldSelectorRequirement {
    fn matches(&self, f: &ClusterFields<'_>) -> bool {
        let values: Vec<&str> = match self.key {
            ClusterField::Provider => f.provider.into_iter().collect(),
            ClusterField::Region => f.region.into_iter().collect(),
            ClusterField::Zone => f.zones.iter().map(String::as_str).collect(),
        };
        let listed = |v: &&str| self.values.iter().any(|x| x == v);
        match self.operator {
            // A multi-zone cluster matches `zone In [...]` only when all its
            // zones are allowed; provider and region have at most one value.
            FieldSelectorOperator::In => !values.is_empty() && values.iter().all(listed),
            FieldSelectorOperator::NotIn => !values.iter().any(listed),
            FieldSelectorOperator::Exists => !values.is_empty(),
            FieldSelectorOperator::DoesNotExist => values.is_empty(),
            // Rejected by validation; a value that got here matches nothing.
            FieldSelectorOperator::Gt | FieldSelectorOperator::Lt => false,
        }
    }
}

/// Karmada's `ResourceSelector`: which resource templates a policy applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceSelector {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
}

impl ResourceSelector {
    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        if let Some(ls) = &self.label_selector {
            ls.check(cx, &format!("{pointer}/labelSelector"));
        }
    }
}

/// What resource selectors look at in a template.
#[derive(Debug, Clone, Copy)]
pub struct TemplateFacts<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
}

/// How specifically a selector matched a template (Karmada's implicit
/// priority): a name match beats a label-selector match, which beats a
/// match-all selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum MatchPriority {
    Mismatch = 0,
    All = 1,
    LabelSelector = 2,
    Name = 3,
}

impl ResourceSelector {
    /// Karmada's `util.ResourceMatches`: apiVersion and kind must be equal,
    /// the namespace too when the selector gives one; then a name, when given,
    /// decides alone (the label selector is ignored); otherwise the label
    /// selector, when given, decides; otherwise everything matches.
    pub fn match_priority(&self, t: &TemplateFacts<'_>) -> MatchPriority {
        if self.api_version != t.api_version || self.kind != t.kind {
            return MatchPriority::Mismatch;
        }
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            if t.namespace != Some(ns) {
                return MatchPriority::Mismatch;
            }
        }
        if let Some(name) = self.name.as_deref().filter(|n| !n.is_empty()) {
            return if name == t.name {
                MatchPriority::Name
            } else {
                MatchPriority::Mismatch
            };
        }
        match &self.label_selector {
            None => MatchPriority::All,
            Some(ls) if ls.matches(t.labels) => MatchPriority::LabelSelector,
            Some(_) => MatchPriority::Mismatch,
        }
    }

    pub fn matches(&self, t: &TemplateFacts<'_>) -> bool {
        self.match_priority(t) != MatchPriority::Mismatch
    }
}

/// The highest priority with which any of `selectors` matches `t`
/// (Karmada's `ResourceMatchSelectorsPriority`).
pub fn best_match(selectors: &[ResourceSelector], t: &TemplateFacts<'_>) -> MatchPriority {
    selectors
        .iter()
        .map(|s| s.match_priority(t))
        .max()
        .unwrap_or(MatchPriority::Mismatch)
}

/// The identity of an object: apiVersion, kind, namespace and name. Two
/// templates with the same identity are the same object, whatever file they
/// are in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// The facts about a member cluster that affinities and selectors read.
#[derive(Debug, Clone, Copy)]
pub struct ClusterFacts<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub fields: ClusterFields<'a>,
}

/// Karmada's `ClusterAffinity`: which clusters a placement (or an override
/// rule's `targetCluster`) selects. All given terms must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterAffinity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<FieldSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl ClusterAffinity {
    /// Karmada's `util.ClusterMatches`: excluded names never match; then the
    /// label selector, the field selector and the name list must all hold
    /// (each only when given).
    pub fn matches(&self, cluster: &ClusterFacts<'_>) -> bool {
        if self.exclude.iter().any(|n| n == cluster.name) {
            return false;
        }
        if let Some(ls) = &self.label_selector {
            if !ls.matches(cluster.labels) {
                return false;
            }
        }
        if let Some(fs) = &self.field_selector {
            if !fs.matches(&cluster.fields) {
                return false;
            }
        }
        self.cluster_names.is_empty() || self.cluster_names.iter().any(|n| n == cluster.name)
    }

    pub fn check(&self, cx: &mut Checker<'_>, pointer: &str) {
        if let Some(ls) = &self.label_selector {
            ls.check(cx, &format!("{pointer}/labelSelector"));
        }
        if let Some(fs) = &self.field_selector {
            fs.check(cx, &format!("{pointer}/fieldSelector"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, op: LabelSelectorOperator, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op,
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn label_selector_matching() {
        use LabelSelectorOperator::*;
        let l = labels(&[("app", "web"), ("env", "prod")]);
        let cases: &[(&str, LabelSelector, bool)] = &[
            ("empty matches all", LabelSelector::default(), true),
            (
                "matchLabels hit",
                LabelSelector {
                    match_labels: labels(&[("app", "web")]),
                    ..Default::default()
                },
                true,
            ),
            (
                "matchLabels miss",
                LabelSelector {
                    match_labels: labels(&[("app", "db")]),
                    ..Default::default()
                },
                false,
            ),
            (
                "In hit",
                LabelSelector {
                    match_expressions: vec![req("env", In, &["prod", "pre"])],
                    ..Default::default()
                },
                true,
            ),
            (
                "In on missing key",
                LabelSelector {
                    match_expressions: vec![req("tier", In, &["x"])],
                    ..Default::default()
                },
                false,
            ),
            (
                "NotIn on missing key",
                LabelSelector {
                    match_expressions: vec![req("tier", NotIn, &["x"])],
                    ..Default::default()
                },
                true,
            ),
            (
                "NotIn hit",
                LabelSelector {
                    match_expressions: vec![req("env", NotIn, &["prod"])],
                    ..Default::default()
                },
                false,
            ),
            (
                "Exists",
                LabelSelector {
                    match_expressions: vec![req("app", Exists, &[])],
                    ..Default::default()
                },
                true,
            ),
            (
                "DoesNotExist",
                LabelSelector {
                    match_expressions: vec![req("app", DoesNotExist, &[])],
                    ..Default::default()
                },
                false,
            ),
        ];
        for (name, sel, want) in cases {
            assert_eq!(sel.matches(&l), *want, "case {name}");
        }
    }

    #[test]
    fn field_selector_matching() {
        let zones = vec!["z1".to_string(), "z2".to_string()];
        let f = ClusterFields {
            provider: Some("aws"),
            region: Some("eu"),
            zones: &zones,
        };
        let sel = |key, operator, values: &[&str]| FieldSelector {
            match_expressions: vec![FieldSelectorRequirement {
                key,
                operator,
                values: values.iter().map(|s| s.to_string()).collect(),
            }],
        };
        use ClusterField::*;
        use FieldSelectorOperator::*;
        assert!(sel(Provider, In, &["aws"]).matches(&f));
        assert!(!sel(Provider, NotIn, &["aws"]).matches(&f));
        // Karmada matchZones: In needs every zone of the cluster listed.
        assert!(!sel(Zone, In, &["z2"]).matches(&f));
        assert!(sel(Zone, In, &["z1", "z2", "z3"]).matches(&f));
        assert!(!sel(Zone, In, &["z1"]).matches(&ClusterFields::default()));
        assert!(!sel(Zone, NotIn, &["z2"]).matches(&f));
        assert!(sel(Zone, NotIn, &["z3"]).matches(&f));
        assert!(sel(Region, Exists, &[]).matches(&f));
        assert!(!sel(Region, In, &["us"]).matches(&f));
        let none = ClusterFields::default();
        assert!(sel(Region, NotIn, &["us"]).matches(&none));
        assert!(!sel(Region, In, &["us"]).matches(&none));
    }

    #[test]
    fn qualified_names() {
        assert!(validate_qualified_name("app").is_ok());
        assert!(validate_qualified_name("example.com/app").is_ok());
        assert!(validate_qualified_name("-app").is_err());
        assert!(validate_qualified_name("Example.com/app").is_err());
        assert!(validate_qualified_name(&"a".repeat(64)).is_err());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("a b").is_err());
    }
}

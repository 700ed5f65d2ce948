//! `policy.karmada.io/v1alpha1` OverridePolicy and ClusterOverridePolicy:
//! per-cluster changes to resource templates, as Karmada v1.14 defines them.
//!
//! Both kinds share one struct; `kind` tells which. The checks here are the
//! ones that need only the policy itself (Karmada's webhook rules plus what a
//! JSON pointer must look like) and, separately, [`OverridePolicy::check_targets`]
//! against the known clusters. Applying the overriders is `render::overrides`.

use crate::model::check::Checker;
use crate::model::common::{
    escape_pointer, validate_label_value, validate_qualified_name, ClusterAffinity, ClusterFacts,
    ObjectMeta, ResourceSelector,
};
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The API version both kinds use.
pub const API_VERSION: &str = "policy.karmada.io/v1alpha1";
/// The namespaced kind.
pub const KIND_NAMESPACED: &str = "OverridePolicy";
/// The cluster-scoped kind.
pub const KIND_CLUSTER: &str = "ClusterOverridePolicy";

/// An OverridePolicy or a ClusterOverridePolicy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OverridePolicy {
    pub api_version: String,
    /// `OverridePolicy` or `ClusterOverridePolicy`.
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: OverrideSpec,
}

/// `OverrideSpec`: which templates, and the rules to apply to them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OverrideSpec {
    /// Empty means every template the policy can see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_selectors: Vec<ResourceSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_rules: Vec<RuleWithCluster>,
    /// Deprecated since Karmada v1.0 (use `overrideRules`); used only when
    /// `overrideRules` is empty. `None` means every cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cluster: Option<ClusterAffinity>,
    /// Deprecated since Karmada v1.0 (use `overrideRules`).
    #[serde(default, skip_serializing_if = "Overriders::is_empty")]
    pub overriders: Overriders,
}

/// One rule: the clusters it targets and what it changes there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleWithCluster {
    /// `None` means every cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cluster: Option<ClusterAffinity>,
    pub overriders: Overriders,
}

/// The overriders of one rule. Karmada applies them in the order image,
/// command, args, labels, annotations, field, plaintext, whatever their
/// order in the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Overriders {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plaintext: Vec<PlaintextOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_overrider: Vec<ImageOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_overrider: Vec<CommandArgsOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args_overrider: Vec<CommandArgsOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels_overrider: Vec<LabelAnnotationOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations_overrider: Vec<LabelAnnotationOverrider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_overrider: Vec<FieldOverrider>,
}

impl Overriders {
    /// True when no overrider is set (Karmada's `emptyOverrides`, which
    /// forgets fieldOverrider; we do not).
    pub fn is_empty(&self) -> bool {
        self.plaintext.is_empty()
            && self.image_overrider.is_empty()
            && self.command_overrider.is_empty()
            && self.args_overrider.is_empty()
            && self.labels_overrider.is_empty()
            && self.annotations_overrider.is_empty()
            && self.field_overrider.is_empty()
    }
}

/// `add`, `remove` or `replace`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OverriderOperator {
    Add,
    Remove,
    Replace,
}

impl OverriderOperator {
    /// The operator as written (`add`, `remove`, `replace`).
    pub fn as_str(self) -> &'static str {
        match self {
            OverriderOperator::Add => "add",
            OverriderOperator::Remove => "remove",
            OverriderOperator::Replace => "replace",
        }
    }
}

/// A JSON patch operation (RFC 6902) on the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlaintextOverrider {
    /// A JSON pointer (RFC 6901) into the manifest.
    pub path: String,
    pub operator: OverriderOperator,
    /// Required for add and replace; must be absent for remove. An explicit
    /// `null` counts as absent, as in Karmada.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// Which part of an image reference an [`ImageOverrider`] changes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum ImageComponent {
    Registry,
    Repository,
    Tag,
}

/// Changes one component of container images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageOverrider {
    /// Without a predicate: every `containers[*].image` of a Pod, ReplicaSet,
    /// Deployment, DaemonSet, StatefulSet or Job (not init containers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<ImagePredicate>,
    pub component: ImageComponent,
    pub operator: OverriderOperator,
    /// Must not be empty for add and replace; ignored for remove.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
}

/// Selects one image field by path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImagePredicate {
    /// Path of the image field, e.g. `/spec/template/spec/initContainers/0/image`.
    pub path: String,
}

/// Appends to or removes from a container's `command` or `args`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CommandArgsOverrider {
    pub container_name: String,
    /// `add` or `remove` (Karmada's schema has no `replace` here).
    pub operator: OverriderOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<String>,
}

/// Adds, removes or replaces labels or annotations of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LabelAnnotationOverrider {
    pub operator: OverriderOperator,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value: BTreeMap<String, String>,
}

/// Patches a JSON or YAML document held in a string field (a ConfigMap key,
/// an annotation). Exactly one of `json` and `yaml` must be set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldOverrider {
    /// JSON pointer to the string field, e.g. `/data/db-config.yaml`.
    pub field_path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<PatchOperation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yaml: Vec<PatchOperation>,
}

/// One operation inside the document a [`FieldOverrider`] edits (Karmada's
/// `JSONPatchOperation` and `YAMLPatchOperation`, which are identical).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchOperation {
    /// JSON pointer inside the decoded document.
    pub sub_path: String,
    pub operator: OverriderOperator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

/// One effective rule of a policy: either an `overrideRules` entry or the
/// deprecated top-level `targetCluster` + `overriders` pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectiveRule<'a> {
    /// Index in `overrideRules`; `None` for the deprecated top-level form.
    pub index: Option<usize>,
    pub target_cluster: Option<&'a ClusterAffinity>,
    pub overriders: &'a Overriders,
}

impl EffectiveRule<'_> {
    /// JSON pointer of the rule in the policy document.
    pub fn pointer(&self) -> String {
        match self.index {
            Some(i) => format!("/spec/overrideRules/{i}"),
            None => "/spec".to_string(),
        }
    }
}

impl OverridePolicy {
    /// True for a ClusterOverridePolicy.
    pub fn is_cluster_scoped(&self) -> bool {
        self.kind == KIND_CLUSTER
    }

    /// The namespace an OverridePolicy lives in; Kubernetes puts an object
    /// without one in `default`. `None` for a ClusterOverridePolicy.
    pub fn effective_namespace(&self) -> Option<&str> {
        if self.is_cluster_scoped() {
            None
        } else {
            Some(
                self.metadata
                    .namespace
                    .as_deref()
                    .filter(|ns| !ns.is_empty())
                    .unwrap_or("default"),
            )
        }
    }

    /// The rules Karmada evaluates: `overrideRules` when non-empty, else the
    /// deprecated top-level pair (the webhook forbids mixing them).
    pub fn effective_rules(&self) -> Vec<EffectiveRule<'_>> {
        if self.spec.override_rules.is_empty() {
            vec![EffectiveRule {
                index: None,
                target_cluster: self.spec.target_cluster.as_ref(),
                overriders: &self.spec.overriders,
            }]
        } else {
            self.spec
                .override_rules
                .iter()
                .enumerate()
                .map(|(i, r)| EffectiveRule {
                    index: Some(i),
                    target_cluster: r.target_cluster.as_ref(),
                    overriders: &r.overriders,
                })
                .collect()
        }
    }

    /// Semantic checks that need only this policy: Karmada's webhook rules,
    /// JSON pointers, selectors, label and annotation keys.
    pub fn check(&self, cx: &mut Checker<'_>) {
        if self.api_version != API_VERSION {
            cx.error(
                Code::InvalidValue,
                "/apiVersion",
                format!("{} must have apiVersion `{API_VERSION}`", self.kind),
            )
            .help(format!("write `apiVersion: {API_VERSION}`"));
        }
        if self.kind != KIND_NAMESPACED && self.kind != KIND_CLUSTER {
            cx.error(
                Code::InvalidValue,
                "/kind",
                format!("unknown override policy kind `{}`", self.kind),
            )
            .help(format!("use `{KIND_NAMESPACED}` or `{KIND_CLUSTER}`"));
        }
        if self.is_cluster_scoped() && self.metadata.namespace.is_some() {
            cx.warning(
                Code::InvalidValue,
                "/metadata/namespace",
                "a ClusterOverridePolicy is cluster-scoped; its namespace is ignored",
            )
            .help("remove `metadata.namespace`, or use an OverridePolicy to limit the policy to one namespace");
        }
        self.check_selectors(cx);
        self.check_form(cx);
        for rule in self.effective_rules() {
            let base = rule.pointer();
            if let Some(tc) = rule.target_cluster {
                tc.check(cx, &format!("{base}/targetCluster"));
            }
            check_overriders(rule.overriders, cx, &format!("{base}/overriders"));
        }
    }

    fn check_selectors(&self, cx: &mut Checker<'_>) {
        let own_ns = self.effective_namespace();
        for (i, sel) in self.spec.resource_selectors.iter().enumerate() {
            let at = format!("/spec/resourceSelectors/{i}");
            sel.check(cx, &at);
            if let (Some(own), Some(sel_ns)) = (own_ns, sel.namespace.as_deref()) {
                if !sel_ns.is_empty() && sel_ns != own {
                    cx.warning(
                        Code::IneffectiveSelector,
                        &format!("{at}/namespace"),
                        format!("this OverridePolicy lives in `{own}` and never sees objects in `{sel_ns}`"),
                    )
                    .help(format!(
                        "move the policy to namespace `{sel_ns}`, or use a ClusterOverridePolicy"
                    ));
                }
            }
        }
    }

    /// Karmada's `ValidateOverrideSpec`: the deprecated pair and
    /// `overrideRules` are exclusive.
    fn check_form(&self, cx: &mut Checker<'_>) {
        if self.spec.override_rules.is_empty() {
            return;
        }
        if self.spec.target_cluster.is_some() {
            cx.error(Code::InvalidValue, "/spec/targetCluster", "overrideRules and targetCluster can't co-exist")
                .help("move `targetCluster` into each `overrideRules` entry (the top-level form is deprecated)");
        }
        if !self.spec.overriders.is_empty() {
            cx.error(Code::InvalidValue, "/spec/overriders", "overrideRules and overriders can't co-exist")
                .help("move these overriders into an `overrideRules` entry (the top-level form is deprecated)");
        }
    }

    /// Warns ([`Code::TargetsNoCluster`]) for every rule whose targetCluster
    /// selects none of `clusters`.
    pub fn check_targets(&self, clusters: &[ClusterFacts<'_>], cx: &mut Checker<'_>) {
        for rule in self.effective_rules() {
            if rule.index.is_none() && rule.overriders.is_empty() && rule.target_cluster.is_none() {
                continue; // an empty policy has no rule to speak of
            }
            let matches = |c: &ClusterFacts<'_>| rule.target_cluster.is_none_or(|tc| tc.matches(c));
            if clusters.iter().any(matches) {
                continue;
            }
            let at = match rule.target_cluster {
                Some(_) => format!("{}/targetCluster", rule.pointer()),
                None => rule.pointer(),
            };
            let what = match rule.index {
                Some(i) => format!("override rule {i}"),
                None => "the policy's targetCluster".to_string(),
            };
            let help = target_help(rule.target_cluster, clusters);
            cx.warning(
                Code::TargetsNoCluster,
                &at,
                format!("{what} targets no known cluster"),
            )
            .help(help);
        }
    }
}

/// What to say when a targetCluster matches nothing: unknown names first
/// (with the nearest known one), else the known clusters.
fn target_help(tc: Option<&ClusterAffinity>, clusters: &[ClusterFacts<'_>]) -> String {
    let known: Vec<&str> = clusters.iter().map(|c| c.name).collect();
    if let Some(tc) = tc {
        for name in &tc.cluster_names {
            if !known.contains(&name.as_str()) {
                let nearest = known
                    .iter()
                    .map(|k| (strsim::levenshtein(k, name), *k))
                    .filter(|(d, _)| *d <= 3)
                    .min();
                return match nearest {
                    Some((_, k)) => format!("`{name}` is not a known cluster; did you mean `{k}`?"),
                    None => format!(
                        "`{name}` is not a known cluster; known clusters: {}",
                        list(&known)
                    ),
                };
            }
        }
    }
    if known.is_empty() {
        "no Cluster is defined in the repository".to_string()
    } else {
        format!(
            "known clusters: {}; check the label and field selectors and `exclude`",
            list(&known)
        )
    }
}

fn list(names: &[&str]) -> String {
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    sorted.join(", ")
}

fn check_overriders(o: &Overriders, cx: &mut Checker<'_>, base: &str) {
    for (i, p) in o.plaintext.iter().enumerate() {
        let at = format!("{base}/plaintext/{i}");
        check_pointer(cx, &format!("{at}/path"), &p.path, "path");
        check_value(cx, &at, p.operator, p.value.is_some());
    }
    for (i, img) in o.image_overrider.iter().enumerate() {
        let at = format!("{base}/imageOverrider/{i}");
        if let Some(pred) = &img.predicate {
            check_pointer(
                cx,
                &format!("{at}/predicate/path"),
                &pred.path,
                "predicate path",
            );
            if pred.path.is_empty() {
                cx.error(
                    Code::InvalidPatchPath,
                    &format!("{at}/predicate/path"),
                    "the predicate path is empty",
                )
                .help("point at an image field, e.g. `/spec/template/spec/initContainers/0/image`");
            }
        }
        match img.operator {
            OverriderOperator::Add | OverriderOperator::Replace if img.value.is_empty() => {
                cx.error(
                    Code::InvalidValue,
                    &at,
                    format!(
                        "imageOverrider operator `{}` needs a value",
                        img.operator.as_str()
                    ),
                )
                .help("set `value`, or use `operator: remove`");
            }
            OverriderOperator::Remove if !img.value.is_empty() => {
                cx.warning(
                    Code::InvalidValue,
                    &format!("{at}/value"),
                    "the value of a `remove` is ignored",
                )
                .help("remove `value`");
            }
            _ => {}
        }
        if img.component == ImageComponent::Tag
            && img.operator == OverriderOperator::Replace
            && !img.value.is_empty()
            && !(is_tag(&img.value) || is_digest(&img.value))
        {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/value"),
                format!("`{}` is neither an image tag nor a digest, so Karmada ignores it", img.value),
            )
            .help("a tag is up to 128 of [A-Za-z0-9_.-] not starting with `.` or `-`; a digest is `algorithm:hex`");
        }
    }
    for (name, list) in [
        ("commandOverrider", &o.command_overrider),
        ("argsOverrider", &o.args_overrider),
    ] {
        for (i, c) in list.iter().enumerate() {
            let at = format!("{base}/{name}/{i}");
            if c.container_name.is_empty() {
                cx.error(
                    Code::InvalidValue,
                    &format!("{at}/containerName"),
                    "containerName is empty",
                )
                .help("name the container whose command or args to change");
            }
            if c.operator == OverriderOperator::Replace {
                cx.error(
                    Code::InvalidValue,
                    &format!("{at}/operator"),
                    format!("{name} supports only `add` and `remove`"),
                )
                .help("use `remove` with the old items and `add` with the new ones, or a plaintext overrider");
            }
        }
    }
    for (name, list, labels) in [
        ("labelsOverrider", &o.labels_overrider, true),
        ("annotationsOverrider", &o.annotations_overrider, false),
    ] {
        for (i, l) in list.iter().enumerate() {
            let at = format!("{base}/{name}/{i}/value");
            for (key, value) in &l.value {
                let key_at = format!("{at}/{}", escape_pointer(key));
                if let Err(why) = validate_qualified_name(key) {
                    cx.error(Code::InvalidValue, &key_at, format!("invalid key `{key}`: {why}")).help(
                        "keys are an optional DNS-subdomain prefix and `/`, then at most 63 of [A-Za-z0-9-_.]",
                    );
                }
                if labels {
                    if let Err(why) = validate_label_value(value) {
                        cx.error(Code::InvalidValue, &key_at, format!("invalid label value `{value}`: {why}"))
                            .help("label values are at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric");
                    }
                }
            }
        }
    }
    for (i, f) in o.field_overrider.iter().enumerate() {
        let at = format!("{base}/fieldOverrider/{i}");
        check_pointer(cx, &format!("{at}/fieldPath"), &f.field_path, "fieldPath");
        match (f.json.is_empty(), f.yaml.is_empty()) {
            (false, false) => {
                cx.error(
                    Code::InvalidValue,
                    &at,
                    "fieldOverrider has both yaml and json set; only one is allowed",
                )
                .help("use `json` when the field holds JSON, `yaml` when it holds YAML");
            }
            (true, true) => {
                cx.error(
                    Code::InvalidValue,
                    &at,
                    "fieldOverrider has neither json nor yaml operations",
                )
                .help("add `json: [...]` or `yaml: [...]` (Karmada would blank the field)");
            }
            _ => {}
        }
        for (fmt, ops) in [("json", &f.json), ("yaml", &f.yaml)] {
            for (j, op) in ops.iter().enumerate() {
                let op_at = format!("{at}/{fmt}/{j}");
                check_pointer(cx, &format!("{op_at}/subPath"), &op.sub_path, "subPath");
                check_value(cx, &op_at, op.operator, op.value.is_some());
            }
        }
    }
}

/// Karmada's `validateOverrideOperator`.
fn check_value(cx: &mut Checker<'_>, at: &str, op: OverriderOperator, has_value: bool) {
    match op {
        OverriderOperator::Add | OverriderOperator::Replace if !has_value => {
            cx.error(
                Code::InvalidValue,
                at,
                format!("value is required for the `{}` operation", op.as_str()),
            )
            .help("set `value` (the JSON value to write)");
        }
        OverriderOperator::Remove if has_value => {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/value"),
                "value is not allowed for the `remove` operation",
            )
            .help("remove `value`");
        }
        _ => {}
    }
}

/// Reports `p` when it is not an RFC 6901 JSON pointer, saying what would be.
fn check_pointer(cx: &mut Checker<'_>, at: &str, p: &str, what: &str) {
    if let Some((why, fix)) = pointer_problem(p) {
        let d = cx.error(
            Code::InvalidPatchPath,
            at,
            format!("invalid {what} `{p}`: {why}"),
        );
        match fix {
            Some(fix) => d.help(format!("write `{fix}`")),
            None => d.help(
                "a JSON pointer is `/`-separated, e.g. `/spec/template/spec/containers/0/image`",
            ),
        };
    } else if p.len() > 1 && p.ends_with('/') {
        cx.warning(
            Code::InvalidPatchPath,
            at,
            format!("{what} `{p}` ends with `/`, so its last segment is the empty key"),
        )
        .help(format!("write `{}`", p.trim_end_matches('/')));
    }
}

/// Whether `s` is an image tag: distribution's `[\w][\w.-]{0,127}`.
pub fn is_tag(s: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = s.chars();
    chars.next().is_some_and(word)
        && s.len() <= 128
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// Whether `s` is an image digest as distribution's grammar reads one:
/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
pub fn is_digest(s: &str) -> bool {
    let Some((alg, hex)) = s.split_once(':') else {
        return false;
    };
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|part| {
        let mut cs = part.chars();
        cs.next().is_some_and(|c| c.is_ascii_alphabetic()) && cs.all(|c| c.is_ascii_alphanumeric())
    });
    hex_ok && alg_ok
}

/// Why `p` is not a JSON pointer, and the pointer the user probably meant.
pub fn pointer_problem(p: &str) -> Option<(String, Option<String>)> {
    if !p.is_empty() && !p.starts_with('/') {
        // `spec.replicas`, `.spec.replicas`, `$.spec.replicas`: JSONPath habits.
        let trimmed = p.trim_start_matches('$').trim_start_matches('.');
        let fix = if !trimmed.contains('/') && trimmed.contains('.') {
            format!("/{}", trimmed.replace('.', "/"))
        } else {
            format!("/{}", trimmed.trim_start_matches('/'))
        };
        return Some((
            "a JSON pointer must be empty or start with `/`".into(),
            Some(fix),
        ));
    }
    let bytes = p.as_bytes();
    let bad_tilde = bytes
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'~' && !matches!(bytes.get(i + 1), Some(b'0') | Some(b'1')));
    if bad_tilde {
        let mut fixed = String::with_capacity(p.len() + 2);
        let mut chars = p.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.peek(), Some('0') | Some('1')) {
                fixed.push_str("~0");
            } else {
                fixed.push(c);
            }
        }
        return Some((
            "`~` must be followed by `0` (for `~`) or `1` (for `/`)".into(),
            Some(fixed),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::yaml::parse_stream;

    fn diags(doc: &str) -> Vec<(Code, String, String)> {
        let stream = parse_stream(doc, 1000).expect("yaml");
        let root = &stream.documents[0];
        let policy: OverridePolicy =
            serde_json::from_value(root.value.clone()).expect("deserialize");
        let mut cx = Checker::new("p.yaml", root);
        policy.check(&mut cx);
        cx.diagnostics
            .into_iter()
            .map(|d| {
                (
                    d.code,
                    format!("{}:{}", d.location.line, d.location.col),
                    d.message,
                )
            })
            .collect()
    }

    const HEAD: &str = "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata: {name: p, namespace: default}\n";

    #[test]
    fn valid_policy_has_no_diagnostics() {
        let doc = format!(
            "{HEAD}spec:\n  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]\n  overrideRules:\n  - targetCluster: {{clusterNames: [a]}}\n    overriders:\n      plaintext: [{{path: /spec/replicas, operator: replace, value: 2}}]\n      imageOverrider: [{{component: Registry, operator: replace, value: r.io}}]\n      fieldOverrider: [{{fieldPath: /data/c.json, json: [{{subPath: /a, operator: remove}}]}}]\n"
        );
        assert_eq!(diags(&doc), vec![]);
    }

    #[test]
    fn table_of_problems() {
        struct Case {
            name: &'static str,
            spec: &'static str,
            want: &'static [(Code, &'static str)],
        }
        let cases = [
            Case {
                name: "dotted plaintext path",
                spec: "  overrideRules:\n  - overriders:\n      plaintext: [{path: spec.replicas, operator: replace, value: 1}]\n",
                want: &[(Code::InvalidPatchPath, "write `/spec/replicas`")],
            },
            Case {
                name: "bad tilde in subPath",
                spec: "  overrideRules:\n  - overriders:\n      fieldOverrider: [{fieldPath: /data/x, yaml: [{subPath: /a~b, operator: remove}]}]\n",
                want: &[(Code::InvalidPatchPath, "write `/a~0b`")],
            },
            Case {
                name: "both forms",
                spec: "  targetCluster: {clusterNames: [a]}\n  overrideRules:\n  - overriders: {}\n",
                want: &[(Code::InvalidValue, "move `targetCluster`")],
            },
            Case {
                name: "json and yaml",
                spec: "  overrideRules:\n  - overriders:\n      fieldOverrider: [{fieldPath: /data/x, json: [{subPath: /a, operator: remove}], yaml: [{subPath: /a, operator: remove}]}]\n",
                want: &[(Code::InvalidValue, "use `json` when")],
            },
            Case {
                name: "add without value",
                spec: "  overrideRules:\n  - overriders:\n      plaintext: [{path: /metadata/labels/x, operator: add}]\n",
                want: &[(Code::InvalidValue, "set `value`")],
            },
            Case {
                name: "command replace",
                spec: "  overrideRules:\n  - overriders:\n      commandOverrider: [{containerName: app, operator: replace, value: [a]}]\n",
                want: &[(Code::InvalidValue, "use `remove` with")],
            },
            Case {
                name: "bad label key",
                spec: "  overrideRules:\n  - overriders:\n      labelsOverrider: [{operator: add, value: {'-bad': x}}]\n",
                want: &[(Code::InvalidValue, "keys are an optional")],
            },
            Case {
                name: "bad selector",
                spec: "  overrideRules:\n  - targetCluster: {labelSelector: {matchExpressions: [{key: env, operator: In}]}}\n    overriders: {}\n",
                want: &[(Code::InvalidSelector, "add `values")],
            },
            Case {
                name: "predicate without slash",
                spec: "  overrideRules:\n  - overriders:\n      imageOverrider: [{predicate: {path: spec/containers/0/image}, component: Tag, operator: replace, value: v1}]\n",
                want: &[(Code::InvalidPatchPath, "write `/spec/containers/0/image`")],
            },
        ];
        for case in cases {
            let doc = format!("{HEAD}spec:\n{}", case.spec);
            let stream = parse_stream(&doc, 1000).expect("yaml");
            let root = &stream.documents[0];
            let policy: OverridePolicy =
                serde_json::from_value(root.value.clone()).expect(case.name);
            let mut cx = Checker::new("p.yaml", root);
            policy.check(&mut cx);
            let got: Vec<(Code, String)> = cx
                .diagnostics
                .iter()
                .map(|d| (d.code, d.help.clone().unwrap_or_default()))
                .collect();
            assert_eq!(got.len(), case.want.len(), "case {}: {got:?}", case.name);
            for ((code, help), (want_code, want_help)) in got.iter().zip(case.want) {
                assert_eq!(code, want_code, "case {}", case.name);
                assert!(
                    help.contains(want_help),
                    "case {}: help {help:?}",
                    case.name
                );
            }
        }
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let v = serde_json::json!({"apiVersion": API_VERSION, "kind": "OverridePolicy", "metadata": {"name": "p"},
            "spec": {"overrideRules": [{"overriders": {"plaintxt": []}}]}});
        assert!(serde_json::from_value::<OverridePolicy>(v).is_err());
    }

    #[test]
    fn targets_no_cluster() {
        let doc = format!(
            "{HEAD}spec:\n  overrideRules:\n  - targetCluster: {{clusterNames: [membr1]}}\n    overriders: {{}}\n  - overriders: {{}}\n"
        );
        let stream = parse_stream(&doc, 1000).expect("yaml");
        let root = &stream.documents[0];
        let policy: OverridePolicy = serde_json::from_value(root.value.clone()).expect("policy");
        let labels = BTreeMap::new();
        let clusters = [ClusterFacts {
            name: "member1",
            labels: &labels,
            fields: Default::default(),
        }];
        let mut cx = Checker::new("p.yaml", root);
        policy.check_targets(&clusters, &mut cx);
        assert_eq!(cx.diagnostics.len(), 1, "{:?}", cx.diagnostics);
        let d = &cx.diagnostics[0];
        assert_eq!(d.code, Code::TargetsNoCluster);
        assert_eq!(
            d.help.as_deref(),
            Some("`membr1` is not a known cluster; did you mean `member1`?")
        );
        assert_eq!((d.location.line, d.location.col), (6, 20));
    }
}

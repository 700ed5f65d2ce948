//! Overrides: per-cluster changes to a rendered manifest, exactly as
//! Karmada v1.14's override manager (`pkg/util/overridemanager`) makes them.
//!
//! In: a template's facts and manifest, the cluster it goes to, and the
//! repository's OverridePolicies and ClusterOverridePolicies. Out: the
//! manifest with the overrides applied, and which policy rules applied (for
//! explanations), or an [`OverrideError`] naming the policy, rule and
//! overrider that failed.
//!
//! Order, as Karmada: [`applicable`] puts ClusterOverridePolicies first, then
//! the OverridePolicies of the template's namespace, each group by implicit
//! priority (match-all, then label selector, then name) and then by name;
//! [`apply_overrides`] walks each policy's rules in document order, and
//! within a rule applies image, command, args, labels, annotations, field,
//! then plaintext overriders. The first failure stops everything (Karmada
//! then does not propagate the object to that cluster).
//!
//! Pure: no I/O. Never panics on user input; where Karmada v1.14 itself
//! panics (an image predicate past the last container) this returns an
//! error instead.

mod command_args;
#[cfg(test)]
mod corpus_tests;
mod field;
mod image;
mod image_ref;
mod labels;
#[cfg(test)]
mod order_tests;
mod yaml_read;
mod yaml_style;
mod yaml_write;

use crate::gojson::patch;
use crate::model::common::{best_match, ClusterFacts, MatchPriority, TemplateFacts};
use crate::model::kinds::override_policy::{
    OverridePolicy, OverriderOperator, Overriders, KIND_NAMESPACED,
};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Which policy: kind, namespace (OverridePolicy only) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PolicyRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl PolicyRef {
    fn of(p: &OverridePolicy) -> Self {
        PolicyRef {
            kind: p.kind.clone(),
            namespace: p.effective_namespace().map(str::to_string),
            name: p.metadata.name.clone(),
        }
    }
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One rule of one policy: `rule` is the index in `spec.overrideRules`, or
/// `None` for the deprecated top-level `targetCluster` + `overriders`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RuleRef {
    pub policy: PolicyRef,
    pub rule: Option<usize>,
}

impl RuleRef {
    /// JSON pointer of the rule's overriders in the policy document.
    pub fn pointer(&self) -> String {
        match self.rule {
            Some(i) => format!("/spec/overrideRules/{i}/overriders"),
            None => "/spec/overriders".to_string(),
        }
    }
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(i) => write!(f, "{} overrideRules[{i}]", self.policy),
            None => write!(f, "{} overriders", self.policy),
        }
    }
}

/// A rule that applied to the manifest.
pub type AppliedOverride = RuleRef;

/// Why applying overrides failed: the step, the rule, the overrider's index
/// in its list and Karmada's reason (its own wording where it has one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("{at}: imageOverrider[{index}]: {reason}")]
    Image {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    #[error("{at}: commandOverrider[{index}]: {reason}")]
    Command {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    #[error("{at}: argsOverrider[{index}]: {reason}")]
    Args {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    #[error("{at}: labelsOverrider[{index}]: {reason}")]
    Labels {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    #[error("{at}: annotationsOverrider[{index}]: {reason}")]
    Annotations {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    #[error("{at}: fieldOverrider[{index}]: {reason}")]
    Field {
        at: RuleRef,
        index: usize,
        reason: String,
    },
    /// The plaintext overriders of a rule form one JSON patch.
    #[error("{at}: plaintext: {reason}")]
    Plaintext { at: RuleRef, reason: String },
    /// A patch left the manifest without an object kind.
    #[error("{at}: the manifest is no longer an object with a kind after {step}")]
    KindLost { at: RuleRef, step: &'static str },
}

impl OverrideError {
    /// The rule that failed.
    pub fn rule(&self) -> &RuleRef {
        match self {
            OverrideError::Image { at, .. }
            | OverrideError::Command { at, .. }
            | OverrideError::Args { at, .. }
            | OverrideError::Labels { at, .. }
            | OverrideError::Annotations { at, .. }
            | OverrideError::Field { at, .. }
            | OverrideError::Plaintext { at, .. }
            | OverrideError::KindLost { at, .. } => at,
        }
    }
}

/// Which policies apply to `template` and in which order:
/// ClusterOverridePolicies first, then OverridePolicies (same namespace as
/// the template only); a policy with empty resourceSelectors matches
/// everything it can see; each group ordered by implicit priority
/// (best_match) ascending then name, as Karmada does.
pub fn applicable<'a>(
    template: &TemplateFacts<'_>,
    policies: &'a [OverridePolicy],
) -> Vec<&'a OverridePolicy> {
    let ranked = |p: &'a OverridePolicy| -> Option<(MatchPriority, &'a OverridePolicy)> {
        let priority = if p.spec.resource_selectors.is_empty() {
            MatchPriority::All
        } else {
            best_match(&p.spec.resource_selectors, template)
        };
        (priority != MatchPriority::Mismatch).then_some((priority, p))
    };
    let order = |mut group: Vec<(MatchPriority, &'a OverridePolicy)>| {
        // Namespace only breaks ties that Karmada cannot have (one group is
        // one namespace), to keep the order total.
        group.sort_by(|(pa, a), (pb, b)| {
            (pa, &a.metadata.name, a.effective_namespace()).cmp(&(
                pb,
                &b.metadata.name,
                b.effective_namespace(),
            ))
        });
        group.into_iter().map(|(_, p)| p)
    };
    let cluster: Vec<_> = policies
        .iter()
        .filter(|p| p.is_cluster_scoped())
        .filter_map(ranked)
        .collect();
    let mut out: Vec<&OverridePolicy> = order(cluster).collect();
    // Karmada looks at OverridePolicies only for namespaced objects.
    if let Some(ns) = template.namespace.filter(|ns| !ns.is_empty()) {
        let namespaced: Vec<_> = policies
            .iter()
            .filter(|p| p.kind == KIND_NAMESPACED && p.effective_namespace() == Some(ns))
            .filter_map(ranked)
            .collect();
        out.extend(order(namespaced));
    }
    out
}

/// Applies the ordered policies' rules whose targetCluster matches `cluster`
/// to `manifest`; within a rule: image, command, args, labels, annotations,
/// field, plaintext. Returns the overridden manifest and the rules applied.
/// On error the manifest is consumed: a half-overridden object is never
/// handed out (Karmada does not propagate it), and no copy is made to roll
/// back to.
pub fn apply_overrides(
    mut manifest: Value,
    cluster: &ClusterFacts<'_>,
    policies: &[&OverridePolicy],
) -> Result<(Value, Vec<AppliedOverride>), OverrideError> {
    let mut applied = Vec::new();
    for policy in policies {
        for rule in policy.effective_rules() {
            if !rule.target_cluster.is_none_or(|tc| tc.matches(cluster)) {
                continue;
            }
            let at = RuleRef {
                policy: PolicyRef::of(policy),
                rule: rule.index,
            };
            apply_rule(&mut manifest, rule.overriders, &at)?;
            applied.push(at);
        }
    }
    Ok((manifest, applied))
}

fn apply_rule(doc: &mut Value, o: &Overriders, at: &RuleRef) -> Result<(), OverrideError> {
    for (index, io) in o.image_overrider.iter().enumerate() {
        image::apply(doc, io).map_err(|reason| OverrideError::Image {
            at: at.clone(),
            index,
            reason,
        })?;
        kind_kept(doc, at, "an imageOverrider")?;
    }
    for (index, c) in o.command_overrider.iter().enumerate() {
        command_args::apply(doc, command_args::Target::Command, c).map_err(|reason| {
            OverrideError::Command {
                at: at.clone(),
                index,
                reason,
            }
        })?;
    }
    for (index, c) in o.args_overrider.iter().enumerate() {
        command_args::apply(doc, command_args::Target::Args, c).map_err(|reason| {
            OverrideError::Args {
                at: at.clone(),
                index,
                reason,
            }
        })?;
    }
    for (index, l) in o.labels_overrider.iter().enumerate() {
        labels::apply(doc, labels::Target::Labels, l).map_err(|reason| OverrideError::Labels {
            at: at.clone(),
            index,
            reason,
        })?;
    }
    for (index, l) in o.annotations_overrider.iter().enumerate() {
        labels::apply(doc, labels::Target::Annotations, l).map_err(|reason| {
            OverrideError::Annotations {
                at: at.clone(),
                index,
                reason,
            }
        })?;
    }
    for (index, f) in o.field_overrider.iter().enumerate() {
        field::apply(doc, f).map_err(|reason| OverrideError::Field {
            at: at.clone(),
            index,
            reason,
        })?;
        kind_kept(doc, at, "a fieldOverrider")?;
    }
    if !o.plaintext.is_empty() {
        let ops: Vec<patch::Operation> = o
            .plaintext
            .iter()
            .map(|p| patch::Operation {
                op: match p.operator {
                    OverriderOperator::Add => patch::Op::Add,
                    OverriderOperator::Remove => patch::Op::Remove,
                    OverriderOperator::Replace => patch::Op::Replace,
                },
                path: p.path.clone(),
                value: p
                    .value
                    .as_ref()
                    .map(crate::gojson::sorted_keys)
                    .unwrap_or(Value::Null),
            })
            .collect();
        patch::apply(doc, &ops).map_err(|reason| OverrideError::Plaintext {
            at: at.clone(),
            reason,
        })?;
        kind_kept(doc, at, "the plaintext patch")?;
    }
    Ok(())
}

/// Karmada decodes the object again after every patch, which fails once it
/// is not an object with a kind.
fn kind_kept(doc: &Value, at: &RuleRef, step: &'static str) -> Result<(), OverrideError> {
    match doc.get("kind") {
        Some(Value::String(k)) if !k.is_empty() => Ok(()),
        _ => Err(OverrideError::KindLost {
            at: at.clone(),
            step,
        }),
    }
}

//! Binding: which propagation policy claims which resource template, and
//! which objects follow a workload when its policy sets `propagateDeps`.
//!
//! In: plain facts about templates ([`TemplateFacts`]) and policies
//! ([`PolicyFacts`]), so that this module does not depend on the policy
//! structs. Out: for each template, the index of the winning policy with how
//! it matched ([`Claim`]); for a workload manifest, the ConfigMaps, Secrets,
//! ServiceAccounts and PersistentVolumeClaims it references ([`dependencies`]).
//!
//! The rules are Karmada v1.14's resource detector (`pkg/detector`):
//! - templates in Karmada's skipped namespaces (`kube-*`, `karmada-system`,
//!   `karmada-cluster`, `karmada-es-*`) are never claimed ([`skip_reason`]);
//! - a namespaced template is first offered to the PropagationPolicies of its
//!   own namespace; only when none matches are ClusterPropagationPolicies
//!   considered (`propagateResource`: `LookForMatchedPolicy`, then
//!   `LookForMatchedClusterPolicy`). Cluster-scoped templates only ever see
//!   ClusterPropagationPolicies;
//! - within a group, the highest explicit `spec.priority` wins, then the
//!   highest implicit priority (name match > labelSelector > match-all), then
//!   the lexically smallest name (`getHighestPriorityPropagationPolicy` and
//!   `getHigherPriorityPropagationPolicy`, which keep `a` when
//!   `a.Name < b.Name`).
//!
//! Karmada also keeps an existing claim (the `propagationpolicy.karmada.io/*`
//! labels on the template) until a preempting policy takes it over; flotilla
//! binds from scratch at every revision, which is what Karmada does for
//! templates and policies created together.
//!
//! Pure: no I/O, clock or randomness; the result does not depend on the order
//! in which policies are given.

mod deps;
#[cfg(test)]
mod deps_tests;
#[cfg(test)]
mod tests;

pub use deps::dependencies;

use crate::model::common::{best_match, MatchPriority, ResourceSelector, TemplateFacts};
use std::cmp::Ordering;

/// Where a policy lives: a namespaced PropagationPolicy or a
/// ClusterPropagationPolicy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyScope<'a> {
    /// A `PropagationPolicy` in `namespace`.
    Namespaced { namespace: &'a str },
    /// A `ClusterPropagationPolicy`.
    Cluster,
}

/// What binding reads from a PropagationPolicy or ClusterPropagationPolicy.
#[derive(Debug, Clone, Copy)]
pub struct PolicyFacts<'a> {
    pub scope: PolicyScope<'a>,
    pub name: &'a str,
    /// `spec.priority` (Karmada's default is 0).
    pub priority: i32,
    pub selectors: &'a [ResourceSelector],
    /// `spec.propagateDeps`: binding does not use it; it is carried so that
    /// callers can decide whether to call [`dependencies`] for the winner.
    pub propagate_deps: bool,
}

impl PolicyFacts<'_> {
    /// `PropagationPolicy ns/name` or `ClusterPropagationPolicy name`.
    pub fn display_name(&self) -> String {
        match self.scope {
            PolicyScope::Namespaced { namespace } => {
                format!("PropagationPolicy {namespace}/{}", self.name)
            }
            PolicyScope::Cluster => format!("ClusterPropagationPolicy {}", self.name),
        }
    }
}

/// The policy that claims a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Index of the winning policy in the slice given to [`claim`].
    pub policy: usize,
    /// How specifically its resource selectors matched.
    pub priority: MatchPriority,
    /// A short, human-readable reason, e.g. `PropagationPolicy default/web
    /// (priority 0) selects it by name`; for a ClusterPropagationPolicy
    /// claiming a namespaced template it adds that no PropagationPolicy of
    /// the namespace does.
    pub reason: String,
}

/// Why Karmada's detector never looks at a template, if it does not: objects
/// in Kubernetes' and Karmada's reserved namespaces are skipped before any
/// policy is consulted (`EventFilter`, `names.IsReservedNamespace` and the
/// default `--skipped-propagating-namespaces=kube-.*`).
pub fn skip_reason(template: &TemplateFacts<'_>) -> Option<&'static str> {
    let ns = template.namespace.unwrap_or("");
    if ns.starts_with("kube-") {
        Some("Karmada never propagates objects in `kube-*` namespaces")
    } else if ns == "karmada-system" || ns == "karmada-cluster" || ns.starts_with("karmada-es-") {
        Some("Karmada never propagates objects in its reserved namespaces")
    } else {
        None
    }
}

/// The policy that claims `template`, if any. See the module header for the
/// rules; `policies` may be in any order.
pub fn claim(template: &TemplateFacts<'_>, policies: &[PolicyFacts<'_>]) -> Option<Claim> {
    if skip_reason(template).is_some() {
        return None;
    }
    let namespace = template.namespace.filter(|ns| !ns.is_empty());
    let namespaced = namespace.and_then(|ns| {
        best_in(template, policies, |p| {
            p.scope == PolicyScope::Namespaced { namespace: ns }
        })
    });
    let (index, priority) =
        namespaced.or_else(|| best_in(template, policies, |p| p.scope == PolicyScope::Cluster))?;
    let policy = policies.get(index)?;
    let how = match priority {
        MatchPriority::Name => "by name",
        MatchPriority::LabelSelector => "by label selector",
        _ => "with a match-all selector",
    };
    let mut reason = format!(
        "{} (priority {}) selects it {how}",
        policy.display_name(),
        policy.priority
    );
    // Whatever its priority, a ClusterPropagationPolicy only gets a
    // namespaced template that no PropagationPolicy of its namespace selects.
    if let (PolicyScope::Cluster, Some(ns)) = (policy.scope, namespace) {
        reason.push_str(&format!(" (no PropagationPolicy in `{ns}` does)"));
    }
    Some(Claim {
        policy: index,
        priority,
        reason,
    })
}

/// [`claim`] for every template, in the same order.
pub fn bind_all(
    templates: &[TemplateFacts<'_>],
    policies: &[PolicyFacts<'_>],
) -> Vec<Option<Claim>> {
    templates.iter().map(|t| claim(t, policies)).collect()
}

/// The best matching policy among those `eligible`, with its implicit
/// priority. Karmada's loop is equivalent to taking the maximum under
/// [`rank`]; computing it as a maximum makes the result independent of input
/// order.
fn best_in(
    template: &TemplateFacts<'_>,
    policies: &[PolicyFacts<'_>],
    eligible: impl Fn(&PolicyFacts<'_>) -> bool,
) -> Option<(usize, MatchPriority)> {
    let mut best: Option<(usize, MatchPriority)> = None;
    for (i, policy) in policies.iter().enumerate() {
        if !eligible(policy) {
            continue;
        }
        let implicit = best_match(policy.selectors, template);
        if implicit == MatchPriority::Mismatch {
            continue;
        }
        let better = match best {
            None => true,
            Some((j, best_implicit)) => match policies.get(j) {
                Some(current) => {
                    rank((policy, implicit, i), (current, best_implicit, j)) == Ordering::Greater
                }
                None => true,
            },
        };
        if better {
            best = Some((i, implicit));
        }
    }
    best
}

/// Karmada's order between two matching policies of the same group: explicit
/// priority, then implicit priority, then the smaller name wins. Names are
/// unique within a group in a valid repository; the index breaks the tie
/// otherwise, only so that the result stays deterministic.
fn rank(
    a: (&PolicyFacts<'_>, MatchPriority, usize),
    b: (&PolicyFacts<'_>, MatchPriority, usize),
) -> Ordering {
    let (pa, ia, xa) = a;
    let (pb, ib, xb) = b;
    pa.priority
        .cmp(&pb.priority)
        .then(ia.cmp(&ib))
        // Smaller name ranks higher: compare reversed. Go compares strings
        // bytewise, as `str::cmp` does.
        .then_with(|| pb.name.cmp(pa.name))
        .then_with(|| pb.scope.cmp(&pa.scope))
        .then_with(|| xb.cmp(&xa))
}

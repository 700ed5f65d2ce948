//! Binding priority as a table of named cases, and a property: the winner
//! does not depend on the order of the policies.

use super::*;
use crate::model::common::LabelSelector;
use proptest::prelude::*;
use std::collections::BTreeMap;

pub(super) fn sel(
    kind: &str,
    name: Option<&str>,
    labels: Option<&[(&str, &str)]>,
    ns: Option<&str>,
) -> ResourceSelector {
    ResourceSelector {
        api_version: if kind == "Deployment" {
            "apps/v1"
        } else {
            "v1"
        }
        .into(),
        kind: kind.into(),
        namespace: ns.map(Into::into),
        name: name.map(Into::into),
        label_selector: labels.map(|l| LabelSelector {
            match_labels: l
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }),
    }
}

fn by_name(n: &str) -> Vec<ResourceSelector> {
    vec![sel("Deployment", Some(n), None, None)]
}
fn by_label() -> Vec<ResourceSelector> {
    vec![sel("Deployment", None, Some(&[("app", "web")]), None)]
}
fn all() -> Vec<ResourceSelector> {
    vec![sel("Deployment", None, None, None)]
}

struct P {
    ns: Option<&'static str>,
    name: &'static str,
    priority: i32,
    selectors: Vec<ResourceSelector>,
}

fn pp(ns: &'static str, name: &'static str, priority: i32, selectors: Vec<ResourceSelector>) -> P {
    P {
        ns: Some(ns),
        name,
        priority,
        selectors,
    }
}
fn cpp(name: &'static str, priority: i32, selectors: Vec<ResourceSelector>) -> P {
    P {
        ns: None,
        name,
        priority,
        selectors,
    }
}

fn facts(ps: &[P]) -> Vec<PolicyFacts<'_>> {
    ps.iter()
        .map(|p| PolicyFacts {
            scope: match p.ns {
                Some(namespace) => PolicyScope::Namespaced { namespace },
                None => PolicyScope::Cluster,
            },
            name: p.name,
            priority: p.priority,
            selectors: &p.selectors,
            propagate_deps: false,
        })
        .collect()
}

fn web_labels() -> BTreeMap<String, String> {
    [("app".to_string(), "web".to_string())].into()
}

fn template<'a>(ns: Option<&'a str>, labels: &'a BTreeMap<String, String>) -> TemplateFacts<'a> {
    TemplateFacts {
        api_version: "apps/v1",
        kind: "Deployment",
        namespace: ns,
        name: "web",
        labels,
    }
}

#[test]
fn binding_priority() {
    struct Case {
        name: &'static str,
        ns: Option<&'static str>,
        policies: Vec<P>,
        want: Option<&'static str>,
    }
    let cases = vec![
        Case {
            name: "no policy",
            ns: Some("default"),
            policies: vec![],
            want: None,
        },
        Case {
            name: "only a policy of another namespace",
            ns: Some("default"),
            policies: vec![pp("other", "a", 0, all())],
            want: None,
        },
        Case {
            name: "selector of another kind",
            ns: Some("default"),
            policies: vec![pp(
                "default",
                "a",
                0,
                vec![sel("ConfigMap", None, None, None)],
            )],
            want: None,
        },
        Case {
            name: "label selector that does not match",
            ns: Some("default"),
            policies: vec![pp(
                "default",
                "a",
                0,
                vec![sel("Deployment", None, Some(&[("app", "db")]), None)],
            )],
            want: None,
        },
        Case {
            name: "name mismatch",
            ns: Some("default"),
            policies: vec![pp("default", "a", 0, by_name("api"))],
            want: None,
        },
        Case {
            name: "name match beats label selector",
            ns: Some("default"),
            policies: vec![
                pp("default", "a", 0, by_label()),
                pp("default", "b", 0, by_name("web")),
            ],
            want: Some("b"),
        },
        Case {
            name: "label selector beats match-all",
            ns: Some("default"),
            policies: vec![
                pp("default", "a", 0, all()),
                pp("default", "b", 0, by_label()),
            ],
            want: Some("b"),
        },
        Case {
            name: "explicit priority beats implicit priority",
            ns: Some("default"),
            policies: vec![
                pp("default", "a", 0, by_name("web")),
                pp("default", "b", 1, all()),
            ],
            want: Some("b"),
        },
        Case {
            name: "negative priority loses to the default",
            ns: Some("default"),
            policies: vec![
                pp("default", "a", -1, by_name("web")),
                pp("default", "b", 0, all()),
            ],
            want: Some("b"),
        },
        Case {
            name: "tie broken by smallest name",
            ns: Some("default"),
            policies: vec![
                pp("default", "zeta", 0, all()),
                pp("default", "alpha", 0, all()),
                pp("default", "mid", 0, all()),
            ],
            want: Some("alpha"),
        },
        Case {
            name: "names compare bytewise (uppercase first)",
            ns: Some("default"),
            policies: vec![pp("default", "a", 0, all()), pp("default", "B", 0, all())],
            want: Some("B"),
        },
        Case {
            name: "best selector of a policy counts",
            ns: Some("default"),
            policies: vec![
                pp(
                    "default",
                    "a",
                    0,
                    vec![
                        sel("Deployment", None, None, None),
                        sel("Deployment", Some("web"), None, None),
                    ],
                ),
                pp("default", "b", 0, by_label()),
            ],
            want: Some("a"),
        },
        Case {
            name: "propagation policy beats a higher-priority cluster policy",
            ns: Some("default"),
            policies: vec![cpp("c", 100, by_name("web")), pp("default", "z", 0, all())],
            want: Some("z"),
        },
        Case {
            name: "cluster policy when no propagation policy matches",
            ns: Some("default"),
            policies: vec![cpp("c", 0, all()), pp("default", "z", 0, by_name("api"))],
            want: Some("c"),
        },
        Case {
            name: "cluster policies ranked like propagation policies",
            ns: Some("default"),
            policies: vec![
                cpp("a", 0, all()),
                cpp("b", 0, by_label()),
                cpp("c", 0, by_name("web")),
                cpp("d", 1, all()),
            ],
            want: Some("d"),
        },
        Case {
            name: "cluster-scoped template ignores propagation policies",
            ns: None,
            policies: vec![pp("default", "a", 9, all()), cpp("c", 0, all())],
            want: Some("c"),
        },
        Case {
            name: "empty namespace is cluster-scoped",
            ns: Some(""),
            policies: vec![pp("", "a", 9, all()), cpp("c", 0, all())],
            want: Some("c"),
        },
        Case {
            name: "selector namespace must equal the template's",
            ns: Some("default"),
            policies: vec![
                pp(
                    "default",
                    "a",
                    0,
                    vec![sel("Deployment", None, None, Some("other"))],
                ),
                cpp("c", 0, vec![sel("Deployment", None, None, Some("default"))]),
            ],
            want: Some("c"),
        },
        Case {
            name: "cluster policy selector restricted to another namespace",
            ns: Some("default"),
            policies: vec![cpp(
                "c",
                0,
                vec![sel("Deployment", None, None, Some("other"))],
            )],
            want: None,
        },
        Case {
            name: "kube-system is skipped",
            ns: Some("kube-system"),
            policies: vec![pp("kube-system", "a", 0, all()), cpp("c", 0, all())],
            want: None,
        },
        Case {
            name: "karmada-es-* is skipped",
            ns: Some("karmada-es-member1"),
            policies: vec![cpp("c", 0, all())],
            want: None,
        },
        Case {
            name: "karmada-apps is not reserved",
            ns: Some("karmada-apps"),
            policies: vec![cpp("c", 0, all())],
            want: Some("c"),
        },
    ];
    let labels = web_labels();
    for case in &cases {
        let policies = facts(&case.policies);
        let got = claim(&template(case.ns, &labels), &policies).map(|c| policies[c.policy].name);
        assert_eq!(got, case.want, "case `{}`", case.name);
    }
}

#[test]
fn claim_reports_priority_and_reason() {
    let labels = web_labels();
    let ps = vec![pp("shop", "web", 3, by_label())];
    let policies = facts(&ps);
    let got = claim(&template(Some("shop"), &labels), &policies).expect("claimed");
    assert_eq!(got.policy, 0);
    assert_eq!(got.priority, MatchPriority::LabelSelector);
    assert_eq!(
        got.reason,
        "PropagationPolicy shop/web (priority 3) selects it by label selector"
    );
    let ts = [
        template(Some("shop"), &labels),
        template(Some("other"), &labels),
    ];
    assert_eq!(bind_all(&ts, &policies), vec![Some(got), None]);

    // A ClusterPropagationPolicy wins a namespaced template only when no
    // PropagationPolicy of the namespace matches; the reason says so.
    let ps = vec![pp("shop", "web", 3, by_label()), cpp("fleet", 100, all())];
    let policies = facts(&ps);
    let reason = |ns| claim(&template(Some(ns), &labels), &policies).map(|c| c.reason);
    assert_eq!(
        reason("shop").as_deref(),
        Some("PropagationPolicy shop/web (priority 3) selects it by label selector")
    );
    assert_eq!(
        reason("tools").as_deref(),
        Some("ClusterPropagationPolicy fleet (priority 100) selects it with a match-all selector (no PropagationPolicy in `tools` does)")
    );
}

fn name_strategy() -> impl Strategy<Value = String> {
    "[a-c]{1,3}"
}

proptest! {
    #[test]
    fn winner_is_independent_of_policy_order(
        specs in proptest::collection::btree_map(
            (any::<bool>(), name_strategy()),
            (-2i32..3, 0u8..4),
            0..10,
        ),
        seed in any::<u64>(),
    ) {
        // Unique (scope, name) pairs, as in a valid repository.
        let ps: Vec<P> = specs
            .iter()
            .map(|((cluster, name), (priority, shape))| {
                let name: &'static str = Box::leak(name.clone().into_boxed_str());
                let selectors = match shape {
                    0 => all(),
                    1 => by_label(),
                    2 => by_name("web"),
                    _ => by_name("api"),
                };
                if *cluster { cpp(name, *priority, selectors) } else { pp("default", name, *priority, selectors) }
            })
            .collect();
        let labels = web_labels();
        let t = template(Some("default"), &labels);
        let policies = facts(&ps);
        let want = claim(&t, &policies).map(|c| (policies[c.policy].scope, policies[c.policy].name, c.priority));
        // A deterministic shuffle driven by the seed.
        let mut shuffled = policies.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let got = claim(&t, &shuffled).map(|c| (shuffled[c.policy].scope, shuffled[c.policy].name, c.priority));
        prop_assert_eq!(got, want);
    }
}

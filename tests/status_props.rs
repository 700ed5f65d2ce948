//! Properties of the status tree over random fleets: the tree does not
//! depend on the order of any input list, and what the daemon reads back
//! (placements, inventories) is what it gave.

use flotilla::model::common::ObjectRef;
use flotilla::model::diag::{Code, Diagnostic, Location};
use flotilla::model::kinds::cluster::{Taint, TaintEffect};
use flotilla::observe::health::{Health, HealthState, Replicas};
use flotilla::schedule::TargetCluster;
use flotilla::status::{
    build, inventories, placements, BadCommit, ClusterError, ClusterInput, Drift, InventoryItem,
    ResourceCluster, ResourceInput, Source, StatusInput,
};
use proptest::prelude::*;
use proptest::sample::subsequence;

const CLUSTERS: &[&str] = &["eu-1", "eu-2", "us-1", "us-2"];
const KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Namespace"),
];
const NAMES: &[&str] = &["web", "api", "db", "cache"];

fn state() -> impl Strategy<Value = HealthState> {
    prop_oneof![
        Just(HealthState::Healthy),
        Just(HealthState::Progressing),
        Just(HealthState::Degraded),
        Just(HealthState::Missing),
        Just(HealthState::Unknown),
    ]
}

fn object_ref(kind: usize, name: &str) -> ObjectRef {
    let (api_version, kind) = KINDS[kind];
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: (kind != "Namespace").then(|| "shop".to_string()),
        name: name.into(),
    }
}

fn observation(cluster: &'static str) -> impl Strategy<Value = ResourceCluster> {
    (
        state(),
        "[a-z ]{0,12}",
        proptest::option::of((0i64..5, 0i64..5)),
        proptest::option::of("[0-9a-f]{40}"),
        proptest::option::of(subsequence(
            vec!["/spec/replicas", "/metadata/labels/a", "/data/x"],
            0..3,
        )),
        proptest::option::of("[a-z ]{1,10}"),
        proptest::option::of("[a-z ]{1,10}"),
    )
        .prop_map(
            move |(state, message, replicas, commit, drift, conflict, rejected)| ResourceCluster {
                cluster: cluster.to_string(),
                hash: commit.as_ref().map(|c| format!("sha256:{c}")),
                applied_commit: commit,
                health: Health {
                    state,
                    message,
                    replicas: replicas.map(|(ready, desired)| Replicas {
                        desired,
                        ready,
                        updated: ready,
                        available: ready,
                    }),
                },
                drift: drift.map(|paths| Drift {
                    paths: paths.into_iter().map(str::to_string).collect(),
                    corrected_at: Some("2026-01-01T00:00:00Z".into()),
                    ..Drift::default()
                }),
                conflict,
                rejected,
            },
        )
}

fn resource(id: ObjectRef) -> impl Strategy<Value = ResourceInput> {
    (
        subsequence(CLUSTERS.to_vec(), 0..=CLUSTERS.len()),
        proptest::collection::vec(0i32..4, CLUSTERS.len()),
        subsequence(CLUSTERS.to_vec(), 0..=CLUSTERS.len()),
        proptest::option::of("[a-z ]{1,10}"),
    )
        .prop_flat_map(move |(placed, replicas, observed, error)| {
            let observations: Vec<_> = observed.into_iter().map(observation).collect();
            let id = id.clone();
            (Just((placed, replicas, error)), observations).prop_map(
                move |((placed, replicas, error), clusters)| {
                    let placement: Vec<TargetCluster> = placed
                        .iter()
                        .zip(&replicas)
                        .map(|(name, r)| TargetCluster {
                            name: name.to_string(),
                            replicas: *r,
                        })
                        .collect();
                    ResourceInput {
                        reasons: CLUSTERS
                            .iter()
                            .map(|c| (c.to_string(), format!("why {c}")))
                            .collect(),
                        placement,
                        placement_error: error,
                        template_replicas: Some(replicas.iter().sum()),
                        clusters,
                        ..ResourceInput::new(id.clone())
                    }
                },
            )
        })
}

fn inventory_item() -> impl Strategy<Value = InventoryItem> {
    (0..KINDS.len(), 0..NAMES.len(), "[0-9a-f]{8}").prop_map(|(k, n, hash)| {
        let id = object_ref(k, NAMES[n]);
        InventoryItem {
            api_version: id.api_version,
            kind: id.kind,
            namespace: id.namespace,
            name: id.name,
            hash: format!("sha256:{hash}"),
        }
    })
}

fn cluster(name: &'static str) -> impl Strategy<Value = ClusterInput> {
    (
        any::<bool>(),
        proptest::collection::vec((0usize..3, 0usize..3), 0..4),
        proptest::collection::vec(("[A-Z][a-z]{2,6}", "[a-z ]{1,10}"), 0..3),
        proptest::collection::vec(inventory_item(), 0..8),
    )
        .prop_map(move |(reachable, taints, errors, inventory)| {
            let effects = [
                TaintEffect::NoSchedule,
                TaintEffect::PreferNoSchedule,
                TaintEffect::NoExecute,
            ];
            ClusterInput {
                taints: taints
                    .into_iter()
                    .map(|(k, e)| Taint {
                        key: format!("key-{k}"),
                        value: None,
                        effect: effects[e],
                        time_added: None,
                    })
                    .collect(),
                errors: errors
                    .into_iter()
                    .map(|(category, message)| ClusterError { category, message })
                    .collect(),
                inventory,
                last_apply: Some("2026-01-01T00:00:00Z".into()),
                ..ClusterInput::new(name, reachable)
            }
        })
}

fn fleet() -> impl Strategy<Value = StatusInput> {
    let ids: Vec<ObjectRef> = (0..KINDS.len())
        .flat_map(|k| NAMES.iter().map(move |n| object_ref(k, n)))
        .collect();
    (
        subsequence(CLUSTERS.to_vec(), 0..=CLUSTERS.len()),
        subsequence(ids, 0..8),
        proptest::collection::vec((1u32..30, 1u32..10, 0usize..3), 0..4),
    )
        .prop_flat_map(|(names, ids, diags)| {
            let clusters: Vec<_> = names.into_iter().map(cluster).collect();
            let resources: Vec<_> = ids.into_iter().map(resource).collect();
            (clusters, resources, Just(diags))
        })
        .prop_map(|(clusters, resources, diags)| {
            let codes = [Code::UnknownField, Code::YamlSyntax, Code::MissingField];
            let mut diagnostics: Vec<Diagnostic> = diags
                .into_iter()
                .map(|(line, col, code)| {
                    Diagnostic::error(
                        codes[code],
                        Location {
                            path: "apps/web.yaml".into(),
                            line,
                            col,
                        },
                        format!("problem {line}:{col}"),
                    )
                })
                .collect();
            diagnostics.dedup_by(|a, b| (&a.location, a.code) == (&b.location, b.code));
            StatusInput {
                source: Source {
                    branch: "main".into(),
                    commit: "0123456789abcdef0123456789abcdef01234567".into(),
                    stale: None,
                },
                bad_commit: (!diagnostics.is_empty()).then(|| BadCommit {
                    commit: "fedcba9876543210fedcba9876543210fedcba98".into(),
                    diagnostics,
                }),
                clusters,
                resources,
            }
        })
}

/// Fisher-Yates with xorshift: a permutation from a seed, without a
/// random-number crate.
fn shuffle<T>(v: &mut [T], seed: &mut u64) {
    for i in (1..v.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Every list of the input, in another order.
fn permuted(input: &StatusInput, seed: u64) -> StatusInput {
    let mut seed = seed | 1;
    let mut out = input.clone();
    shuffle(&mut out.clusters, &mut seed);
    for c in &mut out.clusters {
        shuffle(&mut c.taints, &mut seed);
        shuffle(&mut c.errors, &mut seed);
        shuffle(&mut c.inventory, &mut seed);
    }
    shuffle(&mut out.resources, &mut seed);
    for r in &mut out.resources {
        shuffle(&mut r.placement, &mut seed);
        shuffle(&mut r.clusters, &mut seed);
        for c in &mut r.clusters {
            if let Some(d) = &mut c.drift {
                shuffle(&mut d.paths, &mut seed);
            }
        }
    }
    if let Some(bad) = &mut out.bad_commit {
        shuffle(&mut bad.diagnostics, &mut seed);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_tree_does_not_depend_on_input_order(input in fleet(), seed in any::<u64>()) {
        let a = build(&input);
        let b = build(&permuted(&input, seed));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn placements_and_inventories_read_back(input in fleet()) {
        let tree = build(&input);
        let read = placements(&tree);
        prop_assert!(read.errors.is_empty());
        prop_assert_eq!(read.by_resource.len(), input.resources.len());
        let previous = read.to_previous();
        for r in &input.resources {
            let mut want = r.placement.clone();
            want.sort();
            prop_assert_eq!(read.by_resource.get(&r.id), Some(&want));
            prop_assert_eq!(previous.get(&r.id), Some(want.as_slice()));
        }
        let inv = inventories(&tree);
        prop_assert_eq!(inv.len(), input.clusters.len());
        for c in &input.clusters {
            let mut want = c.inventory.clone();
            want.sort();
            want.dedup();
            let got = inv.get(&c.name).and_then(|r| r.as_ref().ok());
            prop_assert_eq!(got, Some(&want));
        }
    }
}

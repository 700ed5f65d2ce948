//! Property: the render depends on the objects, never on how they are laid
//! out in files. The quickstart plus objects that create ties (policies of
//! equal priority that only name order can separate, a second app) are
//! shuffled into random files in random order; the render, minus the
//! per-object source path and the hash over it, is always the same.

use flotilla::model::{self, LoadLimits};
use flotilla::render::{self, output, Previous, RenderInput};
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;

/// Policies and templates that only deterministic tie-breaking orders.
const TIES: &[&str] = &[
    // Same implicit priority as `web` (name match) for the same Deployment:
    // `web` wins by name order.
    "apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: zz-web, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement:
    clusterAffinity: {clusterNames: [us-test-1]}",
    // Two label-selector policies for `api`: equal priority, `api-a` wins.
    "apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: api-b, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {app: api}}}]
  placement:
    clusterAffinity: {clusterNames: [us-test-1]}",
    "apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: api-a, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {app: api}}}]
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
    replicaScheduling: {replicaSchedulingType: Divided}",
    "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  replicas: 5
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: registry.example.com/shop/api:2.0.0}]",
    // Two override policies of equal priority touching the same label: they
    // apply in name order, so the later name's value is the one that stays.
    "apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: tier-b, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
    - overriders:
        labelsOverrider: [{operator: add, value: {tier: b}}]",
    "apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: tier-a, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
    - overriders:
        labelsOverrider: [{operator: add, value: {tier: a}}]",
];

/// Every object document of the quickstart (except its Settings, which live
/// in `flotilla.yaml` by definition) and the ties above.
fn documents() -> Vec<String> {
    let mut docs = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        &mut docs,
    );
    docs.extend(TIES.iter().map(|d| d.to_string()));
    docs
}

fn collect(dir: &Path, docs: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read example")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, docs);
        } else if path.extension().is_some_and(|e| e == "yaml") && !path.ends_with("flotilla.yaml")
        {
            docs.push(std::fs::read_to_string(&path).expect("read file"));
        }
    }
}

/// Loads and renders `files`, returning the JSON output without the parts
/// that name files.
fn render(files: &[(String, String)]) -> Value {
    let loaded = model::load(
        files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())),
        &LoadLimits::default(),
    );
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let clusters: Vec<_> = loaded
        .repository
        .clusters
        .iter()
        .map(|c| c.value.clone())
        .collect();
    let rendered = render::render(&RenderInput {
        repository: &loaded.repository,
        revision: "worktree",
        instance: "default",
        clusters: &clusters,
        previous: &Previous::default(),
    });
    let mut json =
        serde_json::to_value(output::to_json(&rendered, &[])).expect("the render serializes");
    for objects in json["clusters"]
        .as_object_mut()
        .expect("clusters")
        .values_mut()
    {
        for o in objects.as_array_mut().expect("objects") {
            let ann = o["metadata"]["annotations"]
                .as_object_mut()
                .expect("annotations");
            ann.remove("flotilla.io/source");
            ann.remove("flotilla.io/hash");
        }
    }
    json
}

/// Lays `docs` out as files: `assignment[i]` is the file of document i; each
/// file holds its documents in the given order.
fn layout(docs: &[String], order: &[usize], assignment: &[usize]) -> Vec<(String, String)> {
    let mut files: Vec<(String, Vec<&str>)> = Vec::new();
    for &i in order {
        let name = format!("dir{}/f{}.yaml", assignment[i] % 3, assignment[i]);
        match files.iter_mut().find(|(n, _)| *n == name) {
            Some((_, texts)) => texts.push(&docs[i]),
            None => files.push((name, vec![&docs[i]])),
        }
    }
    files
        .into_iter()
        .map(|(n, texts)| (n, texts.join("\n---\n")))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn render_is_independent_of_file_layout_and_order(
        seed in any::<u64>(),
        files in 1usize..8,
    ) {
        let docs = documents();
        let n = docs.len();
        // A permutation and a file assignment derived from the seed (a
        // simple LCG keeps shrinking meaningful: a smaller seed, fewer files).
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, next() % (i + 1));
        }
        let assignment: Vec<usize> = (0..n).map(|_| next() % files).collect();
        let reference = render(&layout(&docs, &(0..n).collect::<Vec<_>>(), &vec![0; n]));
        let shuffled = render(&layout(&docs, &order, &assignment));
        prop_assert_eq!(reference, shuffled);
    }
}

#[test]
fn the_ties_are_decided_by_name_not_by_position() {
    let docs = documents();
    let n = docs.len();
    let json = render(&layout(&docs, &(0..n).collect::<Vec<_>>(), &vec![0; n]));
    let placement = |name: &str| -> Value {
        json["placements"]
            .as_array()
            .expect("placements")
            .iter()
            .find(|p| p["resource"]["kind"] == "Deployment" && p["resource"]["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no placement for {name}"))
    };
    assert_eq!(placement("web")["policy"]["name"], "web");
    assert_eq!(placement("api")["policy"]["name"], "api-a");
    let web = json["clusters"]["eu-prod-1"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .cloned()
        .expect("web on eu-prod-1");
    assert_eq!(web["metadata"]["labels"]["tier"], "b");
}

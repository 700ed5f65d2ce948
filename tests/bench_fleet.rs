//! The benchmark fleet (`benches/fleet`) stays what `docs/benchmarks.md`
//! says it is: a clean repository (no diagnostics at all) whose render
//! places everything, with ConfigMaps following their Deployments and the
//! overrides applied. A small fleet is rendered (this runs unoptimised);
//! the full-size one is loaded.

#[path = "../benches/fleet/mod.rs"]
mod fleet;

use fleet::Fleet;
use flotilla::model::{self, cluster_state, LoadLimits, Loaded};
use flotilla::render::{self, Previous, RenderInput};

fn load(fleet: Fleet) -> Loaded {
    let files = fleet.files();
    let loaded = model::load(
        files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())),
        &LoadLimits::default(),
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded
}

#[test]
fn document_counts_are_as_stated() {
    for (name, fleet, documents) in [
        ("bench", Fleet::BENCH, 3_132),
        ("ten thousand", Fleet::TEN_THOUSAND_DOCS, 10_000),
    ] {
        assert_eq!(fleet.documents(), documents, "{name}");
        let counted: usize = fleet
            .files()
            .iter()
            .map(|(_, text)| 1 + text.matches("\n---\n").count())
            .sum();
        assert_eq!(counted, documents, "{name}");
    }
}

#[test]
fn bench_fleet_is_clean() {
    let loaded = load(Fleet::BENCH);
    let r = &loaded.repository;
    assert_eq!(r.clusters.len(), 100);
    assert_eq!(r.propagation_policies.len(), 11);
    assert_eq!(r.override_policies.len(), 10);
    assert_eq!(r.templates.len(), 3_010);
}

#[test]
fn small_fleet_renders_everything() {
    let fleet = Fleet {
        clusters: 25,
        namespaces: 4,
        apps: 40,
    };
    let loaded = load(fleet);
    let repository = &loaded.repository;
    let clusters: Vec<_> = repository
        .clusters
        .iter()
        .map(|c| c.value.clone())
        .collect();
    let (clusters, _) = cluster_state::merge(&clusters, &[]);
    let rendered = render::render(&RenderInput {
        repository,
        revision: "worktree",
        instance: "flotilla",
        clusters: &clusters,
        previous: &Previous::default(),
    });
    // Every template is placed somewhere, without error.
    assert_eq!(rendered.placements.len(), repository.templates.len());
    for p in &rendered.placements {
        assert!(p.error.is_none(), "{}: {:?}", p.resource, p.error);
        assert!(!p.clusters.is_empty(), "{} is placed nowhere", p.resource);
    }
    for (cluster, objects) in &rendered.clusters {
        let has = |kind: &str, name: &str| {
            objects
                .iter()
                .any(|o| o.id.kind == kind && o.id.name == name)
        };
        for o in objects.iter().filter(|o| o.id.kind == "Deployment") {
            let name = &o.id.name;
            assert!(
                has("ConfigMap", &format!("{name}-config")),
                "{cluster}: {name}'s ConfigMap"
            );
            let image = o.manifest["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap();
            let region = cluster.split("-prod-").next().unwrap();
            assert!(
                image.contains(".registry.example.com/"),
                "{cluster}: {name} image {image} not overridden"
            );
            if cluster.contains("-prod-") {
                assert!(image.starts_with(region), "{cluster}: {image}");
                assert_eq!(
                    o.manifest["metadata"]["labels"]["example.com/tier"],
                    "production"
                );
            } else {
                assert_eq!(o.manifest["spec"]["replicas"], 1, "{cluster}: {name}");
            }
        }
    }
}

//! Criterion benchmarks of the render path on a synthetic fleet
//! ([`fleet`]: 100 clusters, 1,000 Deployments with their ConfigMaps and
//! Services, 10 propagation and 10 override policies). Commands, machine
//! and figures: `docs/benchmarks.md`.
//!
//! - `render/full`: file texts → [`Rendered`], what `flotilla render` does
//!   between reading the files and printing (parse, validate, bind,
//!   schedule, render, hash);
//! - `parse_validate/10k_docs`: [`model::load`] of exactly 10,000 documents;
//! - `stages/*`: the parts of `render/full` apart (YAML parsing alone, the
//!   whole load, on every core as the CLI does and on one thread, the render
//!   from a loaded repository, the hashing alone), plus encoding the JSON
//!   output (`render --format json`), which the binary also pays for.

mod fleet;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use fleet::Fleet;
use flotilla::model::{self, cluster_state, yaml, LoadLimits, Loaded};
use flotilla::render::{self, output, ownership, Previous, RenderInput, Rendered};
use std::time::Duration;

type Files = Vec<(String, String)>;

/// The limits `flotilla render` and `validate` load with: files parsed on
/// every core.
fn cli_limits() -> LoadLimits {
    LoadLimits {
        parse_threads: std::thread::available_parallelism().map_or(1, usize::from),
        ..LoadLimits::default()
    }
}

fn load_with(files: &Files, limits: &LoadLimits) -> Loaded {
    model::load(
        files.iter().map(|(p, t)| (p.as_str(), t.as_bytes())),
        limits,
    )
}

fn load(files: &Files) -> Loaded {
    load_with(files, &cli_limits())
}

/// The render step of `cli::render::run`: clusters merged with the (here
/// empty) observed state, the instance from the settings, no previous
/// decisions.
fn render_loaded(loaded: &Loaded) -> Rendered {
    let repository = &loaded.repository;
    let clusters: Vec<_> = repository
        .clusters
        .iter()
        .map(|c| c.value.clone())
        .collect();
    let (clusters, _unknown) = cluster_state::merge(&clusters, &[]);
    let settings = repository.settings();
    render::render(&RenderInput {
        repository,
        revision: "worktree",
        instance: settings.instance(),
        clusters: &clusters,
        previous: &Previous::default(),
    })
}

fn full_render(files: &Files) -> Rendered {
    let loaded = load(files);
    assert!(!loaded.has_errors(), "the benchmark fleet is valid");
    render_loaded(&loaded)
}

/// Loads and renders once, checks the fleet is clean, and says how big the
/// output is (the figures quoted in the docs).
fn describe(name: &str, fleet: Fleet, files: &Files) -> (Loaded, Rendered) {
    let loaded = load(files);
    assert!(
        loaded.diagnostics.is_empty(),
        "{name}: {:?}",
        loaded.diagnostics
    );
    let rendered = render_loaded(&loaded);
    let manifests: usize = rendered.clusters.values().map(Vec::len).sum();
    let errors = rendered
        .placements
        .iter()
        .filter(|p| p.error.is_some())
        .count();
    assert_eq!(errors, 0, "{name}: placement errors");
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    eprintln!(
        "{name}: {} files, {} documents, {} KiB of YAML → {} manifests on {} clusters, {} placements",
        files.len(),
        fleet.documents(),
        bytes / 1024,
        manifests,
        rendered.clusters.len(),
        rendered.placements.len(),
    );
    (loaded, rendered)
}

fn bench_full(c: &mut Criterion) {
    let files = Fleet::BENCH.files();
    describe("bench fleet", Fleet::BENCH, &files);
    let mut group = c.benchmark_group("render");
    group.bench_function("full", |b| b.iter(|| full_render(black_box(&files))));
    group.finish();
}

fn bench_parse_validate(c: &mut Criterion) {
    let fleet = Fleet::TEN_THOUSAND_DOCS;
    assert_eq!(fleet.documents(), 10_000);
    let files = fleet.files();
    let loaded = load(&files);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let mut group = c.benchmark_group("parse_validate");
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("10k_docs", |b| b.iter(|| load(black_box(&files))));
    group.finish();
}

fn bench_stages(c: &mut Criterion) {
    let files = Fleet::BENCH.files();
    let (loaded, rendered) = describe("bench fleet", Fleet::BENCH, &files);
    let mut group = c.benchmark_group("stages");
    group.bench_function("yaml_parse", |b| {
        b.iter(|| {
            for (_, text) in &files {
                black_box(yaml::parse_stream(black_box(text), 100_000).is_ok());
            }
        })
    });
    group.bench_function("load", |b| b.iter(|| load(black_box(&files))));
    let one_thread = LoadLimits::default();
    group.bench_function("load_1_thread", |b| {
        b.iter(|| load_with(black_box(&files), &one_thread))
    });
    group.bench_function("render", |b| b.iter(|| render_loaded(black_box(&loaded))));
    group.bench_function("hash", |b| {
        b.iter(|| {
            for objects in rendered.clusters.values() {
                for o in objects {
                    black_box(ownership::content_hash(black_box(&o.manifest)));
                }
            }
        })
    });
    group.bench_function("print_json", |b| {
        b.iter(|| {
            let json = output::to_json(black_box(&rendered), &loaded.diagnostics);
            serde_json::to_writer_pretty(std::io::sink(), &json)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    // Each iteration of `render/full` takes about a second on the reference
    // machine: ten samples keep `cargo bench` to a few minutes.
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_full, bench_parse_validate, bench_stages
}
criterion_main!(benches);

//! Where a simulated cluster's memory goes: a counting global allocator,
//! one simulator with two clusters filled through the kube client exactly
//! as `benches/sim_scale.rs` fills them (the first with 2,000 Deployments,
//! the second with 1,000 whose controller adds 1,000 ReplicaSets), and the
//! live heap broken down into the stored objects, the change log and the
//! rest. Used to size the work recorded in docs/benchmarks.md:
//!
//! ```sh
//! cargo run --release --example sim_memory      # SIM_OBJECTS overrides 2000
//! ```

use futures_util::{stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

/// Counts the bytes live on the heap: as requested, and as glibc malloc
/// rounds them (a 8-byte header, 16-byte granules, 32 bytes at least),
/// which is closer to what the process pays.
struct Counting;

static REQUESTED: AtomicIsize = AtomicIsize::new(0);
static CHUNKS: AtomicIsize = AtomicIsize::new(0);

fn chunk(size: usize) -> isize {
    ((size + 8 + 15) & !15).max(32) as isize
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        REQUESTED.fetch_add(layout.size() as isize, Ordering::Relaxed);
        CHUNKS.fetch_add(chunk(layout.size()), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        REQUESTED.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        CHUNKS.fetch_sub(chunk(layout.size()), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REQUESTED.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        CHUNKS.fetch_add(chunk(new_size) - chunk(layout.size()), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (requested, malloc chunks) live now, in bytes.
fn live() -> (isize, isize) {
    (
        REQUESTED.load(Ordering::Relaxed),
        CHUNKS.load(Ordering::Relaxed),
    )
}

fn mib(b: isize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn report(what: &str, bytes: (isize, isize), objects: usize) {
    println!(
        "  {what:<34} {:>8.1} MiB requested {:>8.1} MiB in malloc chunks ({:>6.0} B/object)",
        mib(bytes.0),
        mib(bytes.1),
        bytes.1 as f64 / objects.max(1) as f64
    );
}

fn deployment(i: usize) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": format!("app-{i:05}"), "labels": {"app": format!("app-{i:05}"), "team": format!("t{}", i % 10)}},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": format!("app-{i:05}")}},
            "template": {"metadata": {"labels": {"app": format!("app-{i:05}")}},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1.0.0",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}
    }))
    .expect("deployment")
}

/// One type per resource (the versions of a resource share its storage).
fn types(store: &flotilla::sim::store::Store) -> Vec<flotilla::sim::resources::ResourceType> {
    let mut rts = store.registry().types().to_vec();
    rts.sort_by(|a, b| (&a.group, &a.plural).cmp(&(&b.group, &b.plural)));
    rts.dedup_by(|a, b| (&a.group, &a.plural) == (&b.group, &b.plural));
    rts
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let objects: usize = std::env::var("SIM_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let config = flotilla::sim::config::SimConfig::generated(2, 3);
    let sim = flotilla::sim::server::Simulator::start(&config, "127.0.0.1".parse().expect("ip"))
        .await
        .expect("simulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig.yaml");
    std::fs::write(&path, sim.kubeconfig()).expect("kubeconfig");
    let kubeconfig = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let empty = live();

    for (i, (cluster, _)) in sim.clusters.iter().enumerate() {
        let options = KubeConfigOptions {
            context: Some(cluster.name().to_string()),
            ..Default::default()
        };
        let cfg = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
            .await
            .expect("config");
        let client = kube::Client::try_from(cfg).expect("client");
        let api: Api<Deployment> = Api::namespaced(client, "default");
        let count = if i == 0 { objects } else { objects / 2 };
        stream::iter(0..count)
            .map(|n| {
                let api = api.clone();
                async move {
                    api.create(&PostParams::default(), &deployment(n))
                        .await
                        .expect("create")
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
    }
    // Let the controllers create the ReplicaSets and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let filled = live();
    let stored: usize = sim
        .clusters
        .iter()
        .map(|(c, _)| c.store().object_count())
        .sum();
    // The RSS includes the client, the runtime and what the controller
    // passes and requests freed to malloc but not to the system.
    println!(
        "{} clusters, {stored} objects stored; RSS {:.0} MiB",
        sim.clusters.len(),
        rss_mib()
    );
    report(
        "everything the two clusters hold",
        (filled.0 - empty.0, filled.1 - empty.1),
        stored,
    );

    // The current objects, parsed (what a controller pass reads, and what
    // the store held before it kept them serialized) and serialized.
    let mut json_bytes = 0;
    let before = live();
    let copies: Vec<serde_json::Value> = sim
        .clusters
        .iter()
        .flat_map(|(c, _)| {
            let store = c.store();
            types(&store)
                .iter()
                .flat_map(|rt| store.list(rt, None).unwrap_or_default())
                .collect::<Vec<_>>()
        })
        .collect();
    let after = live();
    for o in &copies {
        json_bytes += serde_json::to_vec(o).map_or(0, |v| v.len());
    }
    report(
        "current objects, parsed (Value)",
        (after.0 - before.0, after.1 - before.1),
        stored,
    );
    report(
        "the same, serialized JSON",
        (json_bytes as isize, json_bytes as isize),
        stored,
    );
    // One object of each kind, subtree by subtree.
    for kind in ["Deployment", "ReplicaSet"] {
        let Some(o) = copies.iter().rev().find(|o| o["kind"] == kind) else {
            continue;
        };
        println!(
            "  one {kind}: {} bytes of JSON",
            serde_json::to_vec(o).map_or(0, |v| v.len())
        );
        for (field, sub) in [
            ("metadata.managedFields", &o["metadata"]["managedFields"]),
            ("metadata (all)", &o["metadata"]),
            ("spec", &o["spec"]),
            ("status", &o["status"]),
            ("whole", o),
        ] {
            let before = live();
            let copy = sub.clone();
            let after = live();
            println!(
                "    {field:<24} {:>6} B as Value, {:>5} B as JSON",
                after.1 - before.1,
                serde_json::to_vec(&copy).map_or(0, |v| v.len())
            );
        }
        if std::env::var("SIM_DUMP").is_ok() {
            println!("{}", serde_json::to_string_pretty(o).unwrap_or_default());
        }
    }
    drop(copies);

    // The change log: what compaction frees (older versions and the
    // selectable fields of each change's previous version; current versions
    // are shared with the store).
    let before = live();
    for (c, _) in &sim.clusters {
        c.store().compact();
    }
    let after = live();
    report(
        "change log (freed by compaction)",
        (before.0 - after.0, before.1 - after.1),
        stored,
    );
    let kept: usize = sim
        .clusters
        .iter()
        .map(|(c, _)| {
            let store = c.store();
            types(&store)
                .iter()
                .flat_map(|rt| store.list_stored(rt, None))
                .map(|o| o.json().len())
                .sum::<usize>()
        })
        .sum();
    report(
        "stored JSON of the current objects",
        (kept as isize, kept as isize),
        stored,
    );
    sim.shutdown();
}

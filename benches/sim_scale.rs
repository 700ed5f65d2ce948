//! Scale scenario for the simulator (issue 4): one process hosting many
//! clusters with thousands of objects each, measured through the kube
//! client over loopback HTTP, as the daemon will use it.
//!
//! `cargo bench --bench sim_scale` (defaults: 50 clusters with 2,000
//! objects each; `SIM_CLUSTERS` and `SIM_OBJECTS` override). The first
//! cluster holds 2,000 Deployments (the list measurement); every other one
//! holds 1,000 Deployments and the 1,000 ReplicaSets their controller makes. Prints the
//! figures recorded in docs/benchmarks.md. The client runs in the same
//! process, so the peak RSS includes it (an upper bound for the simulator).

#[path = "daemon/process.rs"]
mod process;

use futures_util::{stream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::json;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let clusters = env_usize("SIM_CLUSTERS", 50);
    let objects = env_usize("SIM_OBJECTS", 2000);
    let config = flotilla::sim::config::SimConfig::generated(clusters, 3);
    let sim = flotilla::sim::server::Simulator::start(&config, "127.0.0.1".parse().expect("ip"))
        .await
        .expect("simulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig.yaml");
    std::fs::write(&path, sim.kubeconfig()).expect("kubeconfig");
    let kubeconfig = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let mut clients = Vec::new();
    for (c, _) in &sim.clusters {
        let options = KubeConfigOptions {
            context: Some(c.name().to_string()),
            ..Default::default()
        };
        let cfg = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
            .await
            .expect("config");
        clients.push(kube::Client::try_from(cfg).expect("client"));
    }

    println!("simulator scale scenario: {clusters} clusters x {objects} objects (first cluster: {objects} Deployments)");
    let stored = || -> usize {
        sim.clusters
            .iter()
            .map(|(c, _)| c.store().object_count())
            .sum()
    };
    // Namespaces and nodes.
    let base = stored();
    let started = Instant::now();
    for (i, client) in clients.iter().enumerate() {
        let api: Api<Deployment> = Api::namespaced(client.clone(), "default");
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
        if (i + 1) % 10 == 0 {
            eprintln!(
                "  populated {} clusters ({:.1}s)",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let populate = started.elapsed();
    // Let the controllers catch up: every Deployment gets its ReplicaSet
    // (the API does not wait for them, as a real one does not).
    let created = objects + (clusters - 1) * (objects / 2);
    while stored() < base + 2 * created && started.elapsed() < populate + Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let caught_up = started.elapsed() - populate;
    let (peak_populated, _) = process::rss_mib(std::process::id());

    // The server's part: the raw JSON over HTTP. Then what a typed client
    // pays on top to deserialize it.
    let mut raw = Vec::new();
    let mut bytes = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let request = http::Request::get("/apis/apps/v1/namespaces/default/deployments")
            .body(Vec::new())
            .expect("request");
        bytes = clients[0]
            .request_text(request)
            .await
            .expect("raw list")
            .len();
        raw.push(t.elapsed());
    }
    let raw_median = median(raw);
    let api: Api<Deployment> = Api::namespaced(clients[0].clone(), "default");
    let mut lists = Vec::new();
    let mut items = 0;
    for _ in 0..20 {
        let t = Instant::now();
        items = api
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .len();
        lists.push(t.elapsed());
    }
    let list_median = median(lists);

    let cms: Api<ConfigMap> = Api::namespaced(clients[0].clone(), "default");
    let params = PatchParams::apply("flotilla").force();
    let t = Instant::now();
    for n in 0..1000 {
        let name = format!("cfg-{n:04}");
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"flotilla.io/managed-by": "default"}},
            "data": {"key": format!("value-{n}"), "other": "x".repeat(64)}});
        cms.patch(&name, &params, &Patch::Apply(body))
            .await
            .expect("server-side apply");
    }
    let ssa = t.elapsed();

    // Idle: let the clusters settle (their passes back off), then measure.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let cpu_before = process::cpu_seconds(std::process::id());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_cpu = (process::cpu_seconds(std::process::id()) - cpu_before) / 10.0;
    let (peak, rss) = process::rss_mib(std::process::id());

    println!(
        "create {created} Deployments over HTTP: {:.1}s ({:.0} creates/s); {} objects stored in all",
        populate.as_secs_f64(),
        created as f64 / populate.as_secs_f64(),
        stored()
    );
    println!(
        "controllers caught up (a ReplicaSet for every Deployment) {:.1}s after the last create",
        caught_up.as_secs_f64()
    );
    println!(
        "list {items} Deployments, raw JSON ({:.1} MB; median of 20): {:.1} ms   [target < 50 ms]",
        bytes as f64 / 1e6,
        raw_median.as_secs_f64() * 1000.0
    );
    println!(
        "list {items} Deployments, typed through kube::Api (median of 20): {:.1} ms",
        list_median.as_secs_f64() * 1000.0
    );
    println!(
        "server-side apply 1,000 ConfigMaps, sequential: {:.2} s   [target < 1 s]",
        ssa.as_secs_f64()
    );
    println!(
        "idle CPU with {clusters} clusters' controllers: {:.2} cores",
        idle_cpu
    );
    println!("memory: peak RSS {peak:.0} MiB (after populating {peak_populated:.0} MiB), now {rss:.0} MiB   [target < 2048 MiB]");
    sim.shutdown();
}

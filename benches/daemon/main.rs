//! The daemon's benchmarks (issue 5), through real processes: the release
//! `flotilla sim` and `flotilla run`, a real `git daemon` on loopback, and
//! `kubectl` for the comparison. Run them with
//!
//! ```sh
//! cargo bench --bench daemon                      # all three
//! cargo bench --bench daemon -- latency           # or: cold, throughput
//! ```
//!
//! Sizes can be changed with `BENCH_CLUSTERS`, `BENCH_APPS` and
//! `BENCH_SAMPLES`; the defaults are the issue's. Results are printed as
//! the rows `docs/benchmarks.md` records.
//!
//! - **latency**: 10 clusters × 100 apps, converged; then, `BENCH_SAMPLES`
//!   times, one app's ConfigMap changes in a commit pushed to the git
//!   daemon, a signed push webhook is sent, and the time until every
//!   cluster serves the new version is measured (watchers on every
//!   cluster). The daemon polls once an hour: only the webhook explains a
//!   fast reaction.
//! - **cold**: 1,000 apps × 20 clusters (2,000 objects each, plus the ten
//!   Namespaces) from an empty fleet to `/readyz` (every object applied and
//!   healthy); the daemon's CPU time and peak RSS, and the simulator's CPU
//!   time over the same window, to say which process was the bottleneck.
//! - **throughput**: the same 1,000 rendered objects (500 apps) applied to
//!   a fresh simulated cluster by `kubectl apply --server-side -f` and by
//!   `flotilla run` (from process start until the last object is served),
//!   in the same run, as a ratio.

#[path = "../../tests/support/mod.rs"]
mod support;

mod arrivals;
mod fleet_repo;
mod process;

use arrivals::Arrivals;
use std::path::Path;
use std::time::{Duration, Instant};
use support::daemon::{Daemon, DaemonConfig};
use support::git::GitServer;
use support::sim::Sim;

const WEBHOOK_SECRET: &str = "bench-secret";

/// A daemon with the product's default timers (`--interval` aside), quiet
/// logs and a webhook secret.
fn start_daemon(repo: &str, kubeconfig: &Path, data: &Path, interval: &str) -> Daemon {
    let mut config = DaemonConfig::new(repo, kubeconfig, data);
    config.interval = interval.into();
    config.resync = "30s".into();
    config.status_debounce = "5s".into();
    config.webhook_secret = Some(WEBHOOK_SECRET.into());
    config.log = "warn".into();
    Daemon::start(config)
}

/// Polls `/readyz` until it answers 200 (every cluster converged on the
/// revision); returns when it did.
fn wait_ready(daemon: &Daemon, timeout: Duration) -> Instant {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if support::http::request(&daemon.listen, "GET", "/readyz", &[], None).0 == 200 {
            return Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the daemon did not converge within {timeout:?}:\n{}",
        daemon.log_tail(40)
    );
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cluster_names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("member{i}")).collect()
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // `cargo bench` passes `--bench`; anything else names scenarios.
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |name: &str| chosen.is_empty() || chosen.iter().any(|c| c == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if wants("latency") {
        runtime.block_on(latency());
    }
    if wants("cold") {
        runtime.block_on(cold());
    }
    if wants("throughput") {
        runtime.block_on(throughput());
    }
}

fn files_ref(files: &[(String, String)]) -> Vec<(&str, String)> {
    files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

async fn latency() {
    let clusters = env_or("BENCH_CLUSTERS", 10);
    let apps = env_or("BENCH_APPS", 100);
    let samples = env_or("BENCH_SAMPLES", 50);
    eprintln!("latency: {clusters} clusters × {apps} apps, {samples} webhook-triggered commits");
    let sim = Sim::start(&["--clusters", &clusters.to_string(), "--nodes", "2"]);
    let git = GitServer::start();
    let work = git.create("fleet.git", &files_ref(&fleet_repo::files(clusters, apps)));
    let data = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let daemon = start_daemon(&git.url("fleet.git"), &sim.kubeconfig, data.path(), "1h");
    wait_ready(&daemon, Duration::from_secs(300));
    eprintln!("  converged in {:.1} s", started.elapsed().as_secs_f64());
    let names = cluster_names(clusters);
    let arrivals = Arrivals::watch(&sim.kubeconfig, &names, &["ConfigMap"]).await;
    arrivals
        .wait_count(clusters * apps, Duration::from_secs(60))
        .await;
    let secret = flotilla::server::webhook::WebhookSecret::new(WEBHOOK_SECRET).expect("a secret");
    let mut latencies = Vec::new();
    let mut pushes = Vec::new();
    for i in 0..samples {
        let app = (i * 37) % apps;
        let version = format!("v{}", i + 1);
        let (path, text) = fleet_repo::app_change(app, &version);
        let push_started = Instant::now();
        let commit = work.commit_files(&[(path.as_str(), text)], &format!("app {app}: {version}"));
        let pushed = Instant::now();
        pushes.push(pushed - push_started);
        let body = format!(r#"{{"ref":"refs/heads/main","after":"{commit}"}}"#);
        let signature = secret.sign_hex(body.as_bytes());
        let signature = format!("sha256={signature}");
        let headers = [
            ("X-GitHub-Event", "push"),
            ("X-Hub-Signature-256", signature.as_str()),
        ];
        let (code, _) =
            support::http::request(&daemon.listen, "POST", "/webhook", &headers, Some(&body));
        assert_eq!(code, 202, "the webhook was refused");
        let (ns, name) = fleet_repo::config_of(app);
        let applied = arrivals
            .wait_version(&names, &ns, &name, &version, Duration::from_secs(60))
            .await;
        latencies.push(applied.saturating_duration_since(pushed));
        // Let the status write of this change go by, as between real pushes.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    latencies.sort();
    pushes.sort();
    println!(
        "| latency | {clusters} clusters × {apps} apps, {samples} commits | p50 **{}**, p90 {}, p99 **{}**, max {} | git push itself: p50 {} |",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(*latencies.last().expect("samples")),
        ms(percentile(&pushes, 50.0)),
    );
    drop(daemon);
}

async fn cold() {
    let clusters = env_or("BENCH_CLUSTERS", 20);
    let apps = env_or("BENCH_APPS", 1000);
    // Enough room for one pod per app on every cluster (110 pods a node).
    let nodes = (apps / 100 + 1).to_string();
    eprintln!("cold: {clusters} clusters × {apps} apps, {nodes} nodes each");
    let sim = Sim::start(&["--clusters", &clusters.to_string(), "--nodes", &nodes]);
    let git = GitServer::start();
    let _work = git.create("fleet.git", &files_ref(&fleet_repo::files(clusters, apps)));
    let data = tempfile::tempdir().expect("tempdir");
    let sim_cpu_before = process::cpu_seconds(sim.pid());
    let started = Instant::now();
    let daemon = start_daemon(&git.url("fleet.git"), &sim.kubeconfig, data.path(), "30s");
    let ready = wait_ready(&daemon, Duration::from_secs(900));
    let took = ready - started;
    let cpu = process::cpu_seconds(daemon.pid());
    let sim_cpu = process::cpu_seconds(sim.pid()) - sim_cpu_before;
    let (rss, _) = process::rss_mib(daemon.pid());
    let objects = clusters * (2 * apps + fleet_repo::NAMESPACES);
    println!(
        "| cold converge | {apps} apps × {clusters} clusters ({objects} objects) | **{:.1} s**; daemon CPU {cpu:.1} s ({:.2} cores), peak RSS **{rss:.0} MiB**; simulator CPU {sim_cpu:.1} s ({:.2} cores) |",
        took.as_secs_f64(),
        cpu / took.as_secs_f64(),
        sim_cpu / took.as_secs_f64(),
    );
}

async fn throughput() {
    let apps = env_or("BENCH_APPS", 1000) / 2;
    eprintln!(
        "throughput: {} objects, kubectl apply --server-side vs flotilla run",
        2 * apps + fleet_repo::NAMESPACES
    );
    let nodes = (apps / 100 + 1).to_string();
    let sim = Sim::start(&["--clusters", "2", "--nodes", &nodes]);
    // The repository sends everything to member2 only; member1 gets the
    // very same manifests from kubectl.
    let files: Vec<(String, String)> = fleet_repo::files(2, apps)
        .into_iter()
        .map(|(p, t)| {
            if p == "clusters.yaml" {
                (
                    p,
                    t.split("---")
                        .filter(|d| !d.contains("member1\n"))
                        .collect::<Vec<_>>()
                        .join("---"),
                )
            } else {
                (p, t)
            }
        })
        .collect();
    let scratch = tempfile::tempdir().expect("tempdir");
    let repo = scratch.path().join("repo");
    support::write_files(&repo, &files_ref(&files));
    let rendered = scratch.path().join("rendered");
    let out = support::flotilla(&[
        "render",
        &repo.display().to_string(),
        "--out",
        &rendered.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        support::stderr(&out)
    );
    let manifests = manifests_in_order(&rendered.join("member2"));
    let objects =
        manifests.matches("\nkind: ").count() + usize::from(manifests.starts_with("kind: "));
    let file = scratch.path().join("all.yaml");
    std::fs::write(&file, &manifests).expect("write manifests");

    let names = vec!["member1".to_string(), "member2".to_string()];
    let arrivals = Arrivals::watch(&sim.kubeconfig, &names, &["ConfigMap", "Deployment"]).await;
    let started = Instant::now();
    let kubectl = sim.kubectl(
        "member1",
        &["apply", "--server-side", "-f", &file.display().to_string()],
    );
    let kubectl_took = started.elapsed();
    assert!(
        kubectl.status.success(),
        "kubectl apply failed: {}",
        support::stderr(&kubectl)
    );

    let git = GitServer::start();
    let _work = git.create("fleet.git", &files_ref(&files));
    let data = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let daemon = start_daemon(&git.url("fleet.git"), &sim.kubeconfig, data.path(), "30s");
    let last = arrivals
        .wait_count(4 * apps, Duration::from_secs(300))
        .await;
    let flotilla_took = last - started;
    drop(daemon);
    println!(
        "| apply throughput | {objects} objects into a fresh cluster | kubectl apply --server-side: {:.2} s; flotilla run: {:.2} s (process start to the last object served) | **{:.1}×** |",
        kubectl_took.as_secs_f64(),
        flotilla_took.as_secs_f64(),
        kubectl_took.as_secs_f64() / flotilla_took.as_secs_f64(),
    );
}

/// The rendered files of one cluster as one multi-document YAML, in the
/// render's apply order (Namespaces first), as a user would hand to kubectl.
fn manifests_in_order(dir: &std::path::Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the render").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    // Namespaces (under `_cluster`) first, then the rest by path.
    files.sort_by_key(|p| (!p.to_string_lossy().contains("/_cluster/"), p.clone()));
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read a rendered file"))
        .collect::<Vec<_>>()
        .join("---\n")
}

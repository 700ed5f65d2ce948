//! `flotilla demo`: the whole loop on one machine. Simulated clusters (the
//! quickstart's four, in two regions), a Git repository of the quickstart,
//! and the daemon following it: the fleet converges, a commit scales `web`
//! up and rolls out a new image, the change propagates, and the status
//! branch tells the story. Then it keeps running for a look around, until
//! Ctrl-C (`--once` stops after the scenario).

mod repo;

use crate::daemon::{Daemon, Event, RunConfig};
use crate::model::{self, LoadLimits};
use crate::sim::config::SimConfig;
use crate::sim::server::Simulator;
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Exit after the scenario instead of running until Ctrl-C.
    #[arg(long)]
    once: bool,
    /// Where the repository, kubeconfig and daemon data go (default: a new temporary directory).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Address of the daemon's /metrics, /healthz, /readyz and /webhook.
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: SocketAddr,
    /// Give up on a step after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

/// Nodes per simulated cluster (4 CPU, 16Gi each).
const NODES: usize = 3;

pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("flotilla-demo-{}", std::process::id())),
    };
    if dir.join("repo").exists() || dir.join("remote.git").exists() {
        bail!(
            "`{}` already holds a demo; give another --dir or remove it",
            dir.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(scenario(&args, &dir))?;
    Ok(super::Outcome::Ok)
}

async fn scenario(args: &Args, dir: &Path) -> anyhow::Result<()> {
    let repo_dir = dir.join("repo");
    let remote_dir = dir.join("remote.git");
    let kubeconfig = dir.join("kubeconfig.yaml");
    let timeout = Duration::from_secs(args.timeout);
    let started = Instant::now();

    println!("▸ Starting simulated clusters (the quickstart's Cluster objects)");
    let sim = Simulator::start(&sim_config()?, "127.0.0.1".parse()?).await?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    std::fs::write(&kubeconfig, sim.kubeconfig())
        .with_context(|| format!("failed to write `{}`", kubeconfig.display()))?;
    for (cluster, addr) in &sim.clusters {
        let region = cluster.config.region.as_deref().unwrap_or("-");
        println!("  {:<10} http://{addr}  {region}", cluster.name());
    }

    println!("\n▸ Creating a Git repository from examples/quickstart");
    let first = repo::create(&remote_dir, &repo_dir)?;
    println!("  {} (the daemon follows it)", remote_dir.display());
    println!(
        "  {} (a clone to commit in)  main {}",
        repo_dir.display(),
        &first[..7]
    );

    println!("\n▸ Starting the daemon");
    let daemon = Daemon::start(RunConfig {
        repo: remote_dir.display().to_string(),
        branch: "main".into(),
        kubeconfig: Some(kubeconfig.clone()),
        status_branch: None,
        interval: Some(Duration::from_secs(2)),
        listen: args.listen,
        instance: None,
        data_dir: dir.join("data"),
        resync: Duration::from_secs(10),
        status_debounce: Duration::from_secs(1),
        webhook_secret: None,
        once: false,
    })
    .await?;
    let mut events = daemon.events();
    println!("  metrics on http://{}/metrics\n", daemon.listen);
    converge(&mut events, &first, timeout).await?;
    println!("  converged in {:.1}s", started.elapsed().as_secs_f64());

    println!("\n▸ Committing a change: web scales 8 → 12 replicas and rolls out 1.5.0");
    let second = repo::commit_change(&repo_dir)?;
    println!("  main {}", &second[..7]);
    let changed = Instant::now();
    daemon.trigger.notify_one();
    converge(&mut events, &second, timeout).await?;
    println!("  propagated in {:.1}s", changed.elapsed().as_secs_f64());
    // The status commit that follows convergence.
    wait_for(&mut events, timeout, |e| {
        matches!(e, Event::StatusCommitted { .. })
    })
    .await?;

    println!("\n▸ status/README.md on the status branch");
    match repo::read_at(&remote_dir, "flotilla/status", "status/README.md") {
        Some(text) => println!("{text}"),
        None => bail!("the status branch has no status/README.md"),
    }

    println!("▸ Look around");
    println!("  export KUBECONFIG={}", kubeconfig.display());
    println!("  kubectl --context eu-prod-1 -n shop get deploy,pods,svc,cm");
    println!("  kubectl --context eu-prod-1 -n shop get deploy web -o yaml --show-managed-fields");
    println!(
        "  git -C {} fetch -q && git -C {0} log --stat origin/flotilla/status",
        repo_dir.display()
    );
    println!("  curl http://{}/metrics", daemon.listen);
    println!(
        "  edit {}/apps/web/deployment.yaml, commit and push: the daemon follows main",
        repo_dir.display()
    );

    if !args.once {
        println!("\nRunning until Ctrl-C.");
        let stop = daemon.stop_handle();
        tokio::spawn(async move {
            super::run::shutdown_signal().await;
            stop.stop();
        });
        let printer = tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                if !matches!(event, Event::Cluster(ref p) if p.written == 0 && p.error.is_none()) {
                    println!("  {event}");
                }
            }
        });
        daemon.wait().await?;
        printer.abort();
    } else {
        daemon.stop();
        daemon.wait().await?;
    }
    sim.shutdown();
    Ok(())
}

/// The quickstart's clusters, simulated with their labels and topology.
fn sim_config() -> anyhow::Result<SimConfig> {
    let loaded = model::load(
        repo::QUICKSTART.iter().map(|(p, t)| (*p, t.as_bytes())),
        &LoadLimits::default(),
    );
    if loaded.has_errors() {
        bail!("the embedded quickstart does not validate");
    }
    let clusters = loaded
        .repository
        .clusters
        .iter()
        .map(|c| {
            let mut cc = SimConfig::cluster(&c.value.metadata.name, NODES);
            cc.labels = c.value.metadata.labels.clone();
            cc.provider = c.value.spec.provider.clone();
            cc.region = c.value.spec.region.clone();
            cc.zone = c
                .value
                .spec
                .zone
                .clone()
                .or_else(|| c.value.spec.zones.first().cloned());
            cc
        })
        .collect();
    Ok(SimConfig { clusters })
}

/// Prints progress until every cluster reports `commit` converged.
async fn converge(
    events: &mut broadcast::Receiver<Event>,
    commit: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut clusters: BTreeMap<String, bool> = BTreeMap::new();
    let mut last_line: BTreeMap<String, String> = BTreeMap::new();
    wait_for(events, timeout, |event| {
        match event {
            Event::Rendered { commit: c, objects } if c == commit => {
                // Re-renders as clusters report in usually change nothing.
                if clusters.is_empty() || !objects.keys().eq(clusters.keys()) {
                    println!("  {event}");
                }
                for k in objects.keys() {
                    clusters.entry(k.clone()).or_insert(false);
                }
            }
            Event::Cluster(p) if p.revision == commit => {
                let line = event.to_string();
                // One line per change of a cluster's progress, not per pass.
                if last_line.get(&p.cluster) != Some(&line) {
                    println!("  {line}");
                    last_line.insert(p.cluster.clone(), line);
                }
                clusters.insert(p.cluster.clone(), p.converged);
            }
            Event::Invalid { .. } | Event::FetchFailed { .. } => println!("  {event}"),
            _ => {}
        }
        !clusters.is_empty() && clusters.values().all(|done| *done)
    })
    .await
}

/// Waits for an event for which `done` returns true.
async fn wait_for(
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
    mut done: impl FnMut(&Event) -> bool,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let event = match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => bail!("no progress within {}s", timeout.as_secs()),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) => bail!("the daemon stopped"),
            Ok(Ok(e)) => e,
        };
        if done(&event) {
            return Ok(());
        }
    }
}

//! `flotilla sim`: simulated member clusters on loopback, and
//! `flotilla sim capacity`: a cluster's capacity as a Karmada Cluster.

use crate::sim::config::SimConfig;
use crate::sim::server::Simulator;
use anyhow::Context;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<SimCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, clap::Subcommand)]
enum SimCommand {
    /// Print each cluster of a kubeconfig as a cluster.karmada.io/v1alpha1 Cluster with status
    /// (readiness, API enablements, resource summary); `render --cluster-state` reads it.
    Capacity(super::capacity::Args),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Number of clusters (member1…memberN, alternating regions eu-west-1 and us-east-1).
    #[arg(long, default_value_t = 3, conflicts_with = "config")]
    clusters: usize,
    /// A sim.yaml describing clusters, nodes and faults in detail.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Nodes per generated cluster (4 CPU, 16Gi, 110 pods each).
    #[arg(long, default_value_t = 3, conflicts_with = "config")]
    nodes: usize,
    /// Write a kubeconfig with one context per cluster here.
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
    /// Address to listen on (each cluster gets its own port).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
}

pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    match args.command {
        Some(SimCommand::Capacity(a)) => super::capacity::run(a),
        None => serve(args.serve),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<super::Outcome> {
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read `{}`", path.display()))?;
            SimConfig::parse(&text)
                .with_context(|| format!("invalid simulator config `{}`", path.display()))?
        }
        None => {
            if args.clusters == 0 {
                anyhow::bail!("--clusters must be at least 1");
            }
            SimConfig::generated(args.clusters, args.nodes)
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(async move {
        let sim = Simulator::start(&config, args.bind).await?;
        if let Some(path) = &args.kubeconfig_out {
            std::fs::write(path, sim.kubeconfig()).with_context(|| format!("failed to write kubeconfig `{}`", path.display()))?;
        }
        println!("{:<16} {:<28} {:>5}  REGION", "CLUSTER", "ENDPOINT", "NODES");
        for (cluster, addr) in &sim.clusters {
            println!(
                "{:<16} {:<28} {:>5}  {}",
                cluster.name(),
                format!("http://{addr}"),
                cluster.config.all_nodes().len(),
                cluster.config.region.as_deref().unwrap_or("-")
            );
        }
        if let Some(path) = &args.kubeconfig_out {
            println!("\nkubeconfig: {}   (try: kubectl --kubeconfig {} --context {} get nodes)", path.display(), path.display(), sim.clusters.first().map(|(c, _)| c.name()).unwrap_or("member1"));
        }
        println!("admin API: http://{}/sim/clusters/<cluster>/{{faults,load,nodes,clock,capacity,counters}} (also /sim/… on each endpoint); Ctrl-C to stop", sim.admin);
        use std::io::Write;
        let _ = std::io::stdout().flush();
        shutdown_signal().await;
        sim.shutdown();
        Ok(super::Outcome::Ok)
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

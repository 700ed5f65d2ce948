//! `flotilla run`: the daemon. Arguments are settled into a
//! [`RunConfig`]; the daemon runs until SIGINT or SIGTERM, then finishes
//! the work in flight and writes its last status.

use crate::daemon::config::{default_data_dir, WEBHOOK_SECRET_ENV};
use crate::daemon::{Daemon, Finish, RunConfig};
use crate::model::kinds::settings::parse_duration;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to follow: a URL (file://, git://, https://, ssh://) or a path.
    #[arg(long)]
    repo: String,
    /// The branch to follow.
    #[arg(long, default_value = "main")]
    branch: String,
    /// Kubeconfig with one context per member cluster (default: $KUBECONFIG, ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Branch that status is written to (default: Settings, then flotilla/status).
    #[arg(long)]
    status_branch: Option<String>,
    /// How often to fetch, e.g. 15s or 1m (default: Settings, then 30s).
    #[arg(long, value_parser = duration)]
    interval: Option<Duration>,
    /// Address of /metrics, /healthz, /readyz and /webhook.
    #[arg(long, default_value = "127.0.0.1:9090")]
    listen: SocketAddr,
    /// This daemon's name in ownership labels (default: Settings, then flotilla).
    #[arg(long)]
    instance: Option<String>,
    /// Where the clone and state live (default: $XDG_STATE_HOME/flotilla).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// How often every cluster is re-read in full when nothing else happens: a
    /// safety net, since watches report changes as they happen.
    #[arg(long, value_parser = duration, default_value = "5m")]
    resync: Duration,
    /// Least time between two status commits.
    #[arg(long, value_parser = duration, default_value = "5s")]
    status_debounce: Duration,
    /// Exit once every cluster has converged and its status is written.
    #[arg(long)]
    once: bool,
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

impl Args {
    pub fn settle(self) -> RunConfig {
        RunConfig {
            repo: self.repo,
            branch: self.branch,
            kubeconfig: self.kubeconfig,
            status_branch: self.status_branch,
            interval: self.interval,
            listen: self.listen,
            instance: self.instance,
            data_dir: self.data_dir.unwrap_or_else(default_data_dir),
            resync: self.resync,
            status_debounce: self.status_debounce,
            webhook_secret: std::env::var(WEBHOOK_SECRET_ENV)
                .ok()
                .filter(|s| !s.is_empty()),
            once: self.once,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<super::Outcome> {
    let config = args.settle();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let finish = runtime.block_on(async move {
        let daemon = Daemon::start(config).await?;
        eprintln!(
            "flotilla: serving /metrics, /healthz, /readyz and /webhook on http://{}",
            daemon.listen
        );
        let stop = daemon.stop_handle();
        tokio::spawn(async move {
            shutdown_signal().await;
            eprintln!("flotilla: stopping (finishing the work in flight)…");
            stop.stop();
        });
        daemon.wait().await
    })?;
    match finish {
        Finish::Stopped | Finish::Converged => Ok(super::Outcome::Ok),
        Finish::Invalid(bad) => {
            eprintln!(
                "flotilla: commit {} does not validate ({}); nothing was applied, status/errors.yaml lists the diagnostics:",
                bad.commit,
                super::diagnostics::summary(&bad.diagnostics)
            );
            super::diagnostics::print_human(&bad.diagnostics, &Default::default());
            Ok(super::Outcome::Invalid)
        }
    }
}

/// SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            // Without a SIGTERM handler, only Ctrl-C stops the daemon.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

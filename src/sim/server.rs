//! Serving simulated clusters: one HTTP listener per cluster on loopback,
//! a kubeconfig with one context per cluster, and the supervisor that takes
//! a listener down (connections refused) and up again when the `api` fault
//! says so.

use super::admin;
use super::api;
use super::clock::Clock;
use super::cluster::SimCluster;
use super::config::SimConfig;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;

/// A running simulator.
pub struct Simulator {
    pub clusters: Vec<(Arc<SimCluster>, SocketAddr)>,
    /// The simulator-wide admin API (`/sim/clusters/<name>/…`).
    pub admin: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("failed to listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

impl Simulator {
    /// Starts every cluster of `config` on `bind` (port 0: any free port).
    pub async fn start(config: &SimConfig, bind: IpAddr) -> Result<Self, ServeError> {
        let clock = Arc::new(Clock::default());
        let mut clusters = Vec::new();
        let mut tasks = Vec::new();
        for cc in &config.clusters {
            let cluster = SimCluster::new(cc.clone(), clock.clone());
            let (listener, addr) = listen(bind).await?;
            tasks.push(tokio::spawn(supervise(cluster.clone(), listener, addr)));
            tasks.push(tokio::spawn(super::runner::run(cluster.clone())));
            for fault in &cc.faults {
                tasks.push(tokio::spawn(scheduled_fault(
                    cluster.clone(),
                    fault.clone(),
                )));
            }
            clusters.push((cluster, addr));
        }
        let (listener, admin) = listen(bind).await?;
        let router = admin::global_router(&clusters);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "simulator admin API stopped");
            }
        }));
        Ok(Simulator {
            clusters,
            admin,
            tasks,
        })
    }

    /// A kubeconfig with one context per cluster (context = cluster name).
    pub fn kubeconfig(&self) -> String {
        let clusters: Vec<_> = self
            .clusters
            .iter()
            .map(|(c, addr)| json!({"name": c.name(), "cluster": {"server": format!("http://{addr}")}}))
            .collect();
        let contexts: Vec<_> = self
            .clusters
            .iter()
            .map(|(c, _)| json!({"name": c.name(), "context": {"cluster": c.name(), "user": "sim", "namespace": "default"}}))
            .collect();
        let current = self
            .clusters
            .first()
            .map(|(c, _)| c.name().to_string())
            .unwrap_or_default();
        let config = json!({
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": clusters, "contexts": contexts, "current-context": current,
            "users": [{"name": "sim", "user": {"token": "simulated"}}],
        });
        serde_norway::to_string(&config).unwrap_or_default()
    }

    pub fn shutdown(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// A listener on any free port of `bind`, and its address.
async fn listen(bind: IpAddr) -> Result<(TcpListener, SocketAddr), ServeError> {
    let failed = |source| ServeError::Bind {
        addr: bind.to_string(),
        source,
    };
    let listener = TcpListener::bind(SocketAddr::new(bind, 0))
        .await
        .map_err(failed)?;
    let addr = listener.local_addr().map_err(failed)?;
    Ok((listener, addr))
}

/// Serves `cluster` on `listener`; while the `api: refuse` fault is set, the
/// listener is closed, so connections are refused, and it is bound again on
/// the same address when the fault is cleared.
async fn supervise(cluster: Arc<SimCluster>, listener: TcpListener, addr: SocketAddr) {
    let mut listener = Some(listener);
    let mut refusing = cluster.refusing.subscribe();
    loop {
        if *refusing.borrow_and_update() {
            listener = None;
            if refusing.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match listener.take() {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(cluster = cluster.name(), %addr, error = %e, "failed to listen again; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            },
        };
        let router = api::router(cluster.clone()).nest("/sim", admin::router(cluster.clone()));
        let mut down = cluster.refusing.subscribe();
        let shutdown = async move {
            // Open watches end on their own when the API goes down.
            let _ = down.wait_for(|refusing| *refusing).await;
        };
        // The server drains its connections in the background: waiting for
        // them here would keep the API down after the fault is cleared for
        // as long as one request lingers. On shutdown it closes its
        // listener first, so new connections are refused at once.
        let name = cluster.name().to_string();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(l, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(cluster = %name, error = %e, "simulated API server stopped");
            }
        });
        if refusing.wait_for(|refusing| *refusing).await.is_err() {
            return;
        }
    }
}

/// Applies a fault from the config's schedule when its time comes.
async fn scheduled_fault(cluster: Arc<SimCluster>, fault: super::config::ScheduledFault) {
    tokio::time::sleep(std::time::Duration::from_secs_f64(
        fault.at_seconds.max(0.0),
    ))
    .await;
    match admin::apply_faults(&cluster, &fault.fault) {
        Ok(_) => {
            tracing::info!(cluster = cluster.name(), fault = ?fault.fault, "scheduled fault applied")
        }
        Err(e) => tracing::warn!(cluster = cluster.name(), error = %e, "invalid scheduled fault"),
    }
}

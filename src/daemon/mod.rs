//! The daemon (`flotilla run`): keeps a fleet equal to a Git repository and
//! writes the fleet's state back to it. docs/daemon.md is the map: the
//! pure steps (desired state, plans, status) live in their modules, and
//! this module only sequences them, with timers, triggers and shutdown.

pub mod backoff;
pub mod config;
pub mod desired;
pub mod drift_backoff;
pub mod events;
pub mod pass;
mod read;
mod run;
mod source;
mod status_input;
mod status_writer;
pub mod wake;
pub mod worker;

pub use config::RunConfig;
pub use events::Event;
pub use run::{Bad, Finish};
pub use source::SourceError;

use crate::server::metrics::Metrics;
use crate::server::{self, ServerState};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::{broadcast, watch, Notify};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("failed to read kubeconfig")]
    Kubeconfig(#[source] kube::config::KubeconfigError),
    #[error("failed to listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the daemon task failed")]
    Task(#[source] tokio::task::JoinError),
}

/// A running daemon.
pub struct Daemon {
    /// Where `/metrics`, `/healthz`, `/readyz` and `/webhook` are served.
    pub listen: SocketAddr,
    /// Wakes a fetch at once (what a verified webhook does).
    pub trigger: Arc<Notify>,
    events: broadcast::Sender<Event>,
    /// Subscribed before the daemon started, so no early event is lost.
    first_events: std::sync::Mutex<Option<broadcast::Receiver<Event>>>,
    shutdown: Arc<watch::Sender<bool>>,
    main: tokio::task::JoinHandle<Result<Finish, SourceError>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Daemon {
    /// Starts serving and reconciling; returns once the listener is bound.
    pub async fn start(config: RunConfig) -> Result<Daemon, DaemonError> {
        let kubeconfig = match &config.kubeconfig {
            Some(path) => kube::config::Kubeconfig::read_from(path),
            None => kube::config::Kubeconfig::read(),
        }
        .map_err(DaemonError::Kubeconfig)?;
        let metrics = Arc::new(Metrics::new());
        let ready = Arc::new(AtomicBool::new(false));
        let trigger = Arc::new(Notify::new());
        let (events, first_events) = broadcast::channel(1024);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let shutdown = Arc::new(shutdown);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| DaemonError::Listen {
                addr: config.listen,
                source,
            })?;
        let listen = listener
            .local_addr()
            .map_err(|source| DaemonError::Listen {
                addr: config.listen,
                source,
            })?;
        let router = server::router(ServerState {
            metrics: metrics.clone(),
            ready: ready.clone(),
            trigger: trigger.clone(),
            webhook: server::WebhookConfig {
                secret: config
                    .webhook_secret
                    .clone()
                    .and_then(crate::server::webhook::WebhookSecret::new),
                branch: config.branch.clone(),
            },
        });
        let mut server_shutdown = shutdown_rx.clone();
        let server = tokio::spawn(server::serve(listener, router, async move {
            let _ = server_shutdown.wait_for(|stop| *stop).await;
        }));
        let main = tokio::spawn(run::main_task(
            config,
            Arc::new(kubeconfig),
            metrics,
            run::Channels {
                trigger: trigger.clone(),
                events: events.clone(),
                shutdown: shutdown_rx,
            },
            ready,
        ));
        Ok(Daemon {
            listen,
            trigger,
            events,
            first_events: std::sync::Mutex::new(Some(first_events)),
            shutdown,
            main,
            server,
        })
    }

    /// A stream of what the daemon does: the first call gets every event
    /// since the start, later calls those from now on.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        let first = self
            .first_events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        first.unwrap_or_else(|| self.events.subscribe())
    }

    /// Asks the daemon to stop: the passes in flight finish and the last
    /// status is written.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// A handle that stops the daemon from elsewhere (a signal handler).
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.shutdown.clone())
    }

    /// Waits until the daemon has stopped (after [`Daemon::stop`], or by
    /// itself in `once` mode); says how it ended.
    pub async fn wait(self) -> Result<Finish, DaemonError> {
        let result = self.main.await.map_err(DaemonError::Task)?;
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        Ok(result?)
    }
}

/// Stops a [`Daemon`] (see [`Daemon::stop`]).
#[derive(Clone)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

impl StopHandle {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

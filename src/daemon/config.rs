//! The daemon's settled configuration: `flotilla run`'s arguments, checked
//! once. Values the repository's Settings also carry (status branch, poll
//! interval, instance) are `None` here unless given on the command line;
//! the command line wins, then Settings, then the defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable holding the webhook's HMAC secret.
pub const WEBHOOK_SECRET_ENV: &str = "FLOTILLA_WEBHOOK_SECRET";

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// A URL (file://, git://, https://, ssh://, user@host:path) or a path.
    pub repo: String,
    pub branch: String,
    /// `None`: the kube client's default (KUBECONFIG, ~/.kube/config).
    pub kubeconfig: Option<PathBuf>,
    pub status_branch: Option<String>,
    pub interval: Option<Duration>,
    pub listen: SocketAddr,
    pub instance: Option<String>,
    pub data_dir: PathBuf,
    /// How often every cluster is re-read in full when nothing else
    /// happens (a safety net: watches wake a cluster's worker on change).
    pub resync: Duration,
    /// Least time between two status commits.
    pub status_debounce: Duration,
    /// `None`: webhooks are refused (401), since an unsigned push could
    /// come from anyone.
    pub webhook_secret: Option<String>,
    /// Stop after the first reconcile in which every cluster converged
    /// (tests and scripts).
    pub once: bool,
}

/// The data directory when none is given: `$XDG_STATE_HOME/flotilla`, or
/// `~/.local/state/flotilla`, or `./.flotilla-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(state).join("flotilla");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home).join(".local/state/flotilla");
    }
    PathBuf::from(".flotilla-data")
}

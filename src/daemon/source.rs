//! The daemon's view of its Git source: the clone in the data directory,
//! fetched and read on blocking threads (git2 is synchronous), so the
//! async tasks never wait on the network.

use super::config::RunConfig;
use super::run::State;
use crate::model::kinds::settings::DEFAULT_POLL_INTERVAL;
use crate::model::Loaded;
use crate::source::remote::{Credentials, GitSource, Remote, RemoteError};
use crate::source::{load_repository, SourceError as ReadError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("failed to open the source repository")]
    Open(#[source] RemoteError),
    #[error("failed to fetch the source")]
    Fetch(#[source] RemoteError),
    #[error("failed to read commit {commit}")]
    Read {
        commit: String,
        #[source]
        source: ReadError,
    },
    #[error("cannot use the status branch")]
    StatusBranch(#[source] crate::source::status_branch::StatusError),
    #[error("a git task panicked")]
    Task(#[source] tokio::task::JoinError),
}

/// The clone, shared with the status writer (same repository).
pub type SharedClone = Arc<Mutex<GitSource>>;

pub struct Source {
    clone: SharedClone,
    /// The clone's git directory, read by `load`.
    git_dir: PathBuf,
    interval: Option<Duration>,
}

/// Locks the clone; a panic in another holder left it usable (git2 keeps
/// its state on disk), so the lock is taken over.
pub fn lock(clone: &SharedClone) -> std::sync::MutexGuard<'_, GitSource> {
    clone.lock().unwrap_or_else(|e| e.into_inner())
}

impl Source {
    pub async fn open(config: &RunConfig) -> Result<Self, SourceError> {
        let remote =
            Remote::new(config.repo.clone(), config.branch.clone()).map_err(SourceError::Open)?;
        let data_dir = config.data_dir.clone();
        let clone = tokio::task::spawn_blocking(move || {
            GitSource::open(&data_dir, remote, Credentials::from_env())
        })
        .await
        .map_err(SourceError::Task)?
        .map_err(SourceError::Open)?;
        Ok(Source {
            git_dir: clone.git_dir().to_path_buf(),
            clone: Arc::new(Mutex::new(clone)),
            interval: config.interval,
        })
    }

    pub fn clone_handle(&self) -> SharedClone {
        self.clone.clone()
    }

    /// Fetches the watched branch; returns its tip.
    pub async fn fetch(&self) -> Result<String, SourceError> {
        let clone = self.clone.clone();
        let fetched = tokio::task::spawn_blocking(move || lock(&clone).fetch())
            .await
            .map_err(SourceError::Task)?
            .map_err(SourceError::Fetch)?;
        Ok(fetched.commit)
    }

    /// Reads and loads `commit` of the clone.
    pub async fn load(&self, commit: &str) -> Result<Loaded, SourceError> {
        let git_dir = self.git_dir.clone();
        let rev = commit.to_string();
        tokio::task::spawn_blocking(move || load_repository(&git_dir, Some(&rev)))
            .await
            .map_err(SourceError::Task)?
            .map(|r| r.loaded)
            .map_err(|source| SourceError::Read {
                commit: commit.to_string(),
                source,
            })
    }

    /// The poll interval: the command line's, else the good revision's
    /// Settings, else the default.
    pub fn interval(&self, state: &State) -> Duration {
        self.interval.unwrap_or_else(|| {
            state.good.as_ref().map_or(DEFAULT_POLL_INTERVAL, |g| {
                g.repository.settings().poll_interval()
            })
        })
    }
}

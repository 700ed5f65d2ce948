//! Where a subcommand reads the repository from: `[REPO] [--rev REV]`.

use crate::source::{load_repository, LoadedRepo};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct RepoArgs {
    /// The repository (a directory; with --rev, a Git work tree or bare repository).
    #[arg(default_value = ".")]
    repo: PathBuf,
    /// Read this commit instead of the files on disk.
    #[arg(long)]
    rev: Option<String>,
}

impl RepoArgs {
    pub fn load(&self) -> anyhow::Result<LoadedRepo> {
        Ok(load_repository(&self.repo, self.rev.as_deref())?)
    }
}

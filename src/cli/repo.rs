//! Loading a repository for a subcommand: Settings first (they narrow which
//! files are read), then the snapshot, then the model.

use crate::model::{self, LoadLimits, Loaded};
use crate::source::{self, FileFilter, Limits, Snapshot};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where a subcommand reads the repository from: `[REPO] [--rev REV]`.
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
        load(&self.repo, self.rev.as_deref())
    }
}

/// A loaded repository and the revision it was read at.
pub struct LoadedRepo {
    pub revision: String,
    pub loaded: Loaded,
}

/// Reads `path` (the files on disk, or commit `rev` of the Git repository
/// there) and loads the model. Problems with the content are diagnostics in
/// the result; only a repository that cannot be read at all is an error.
pub fn load(path: &Path, rev: Option<&str>) -> anyhow::Result<LoadedRepo> {
    let limits = Limits::default();
    let settings_snapshot = snapshot(path, rev, &FileFilter::settings_only(), &limits)?;
    let load_limits = LoadLimits {
        max_objects: limits.max_objects,
        max_alias_nodes: limits.max_alias_nodes,
        // Files parse independently, so use every core; the result is the same.
        parse_threads: std::thread::available_parallelism().map_or(1, usize::from),
    };
    let settings = model::load(
        settings_snapshot
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice())),
        &load_limits,
    )
    .repository
    .settings();
    let filter = FileFilter::new(settings.roots(), settings.exclude_patterns());
    let snapshot = snapshot(path, rev, &filter, &limits)?;
    let mut loaded = model::load(
        snapshot
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice())),
        &load_limits,
    );
    loaded.diagnostics.extend(snapshot.diagnostics);
    model::diag::sort(&mut loaded.diagnostics);
    Ok(LoadedRepo {
        revision: snapshot.revision,
        loaded,
    })
}

fn snapshot(
    path: &Path,
    rev: Option<&str>,
    filter: &FileFilter,
    limits: &Limits,
) -> anyhow::Result<Snapshot> {
    match rev {
        Some(rev) => source::read_revision(path, rev, filter, limits)
            .with_context(|| format!("failed to read revision `{rev}` of `{}`", path.display())),
        None => source::read_worktree(path, filter, limits)
            .with_context(|| format!("failed to read repository `{}`", path.display())),
    }
}

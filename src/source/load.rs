//! Reading a repository and loading its model in one step, the way every
//! consumer needs it: Settings first (they narrow which files are read),
//! then the snapshot, then the model. Used by the CLI (a work tree or a
//! commit) and by the daemon (a commit of its clone).

use super::{read_revision, read_worktree, FileFilter, Limits, Snapshot, SourceError};
use crate::model::{self, LoadLimits, Loaded};
use std::path::Path;

/// A loaded repository and the revision it was read at.
pub struct LoadedRepo {
    pub revision: String,
    pub loaded: Loaded,
}

/// Reads `path` (the files on disk, or commit `rev` of the Git repository
/// there) and loads the model. Problems with the content are diagnostics in
/// the result; only a repository that cannot be read at all is an error.
pub fn load_repository(path: &Path, rev: Option<&str>) -> Result<LoadedRepo, SourceError> {
    let limits = Limits::default();
    let load_limits = LoadLimits {
        max_objects: limits.max_objects,
        max_alias_nodes: limits.max_alias_nodes,
        // Files parse independently, so use every core; the result is the same.
        parse_threads: std::thread::available_parallelism().map_or(1, usize::from),
    };
    let settings_snapshot = snapshot(path, rev, &FileFilter::settings_only(), &limits)?;
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
    // Read the settings' commit again, not whatever `rev` names now: a
    // branch could move between the two reads.
    let pinned = rev.map(|_| settings_snapshot.revision.as_str());
    let snapshot = snapshot(path, pinned, &filter, &limits)?;
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
) -> Result<Snapshot, SourceError> {
    match rev {
        Some(rev) => read_revision(path, rev, filter, limits),
        None => read_worktree(path, filter, limits),
    }
}

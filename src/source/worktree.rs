//! Reads the YAML files of a directory on disk.
//!
//! Symlinks are resolved and must stay inside the repository; a symlinked
//! directory is followed once (a loop is reported, not followed forever).
//! File sizes are checked before reading, so an oversized file costs nothing.

use super::{FileFilter, Limits, RepoFile, Snapshot, SourceError};
use crate::model::diag::{Code, Diagnostic, Location};
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads every file `filter` takes under `root`.
pub fn read_worktree(
    root: &Path,
    filter: &FileFilter,
    limits: &Limits,
) -> Result<Snapshot, SourceError> {
    let canonical = fs::canonicalize(root).map_err(|source| SourceError::Root {
        path: root.display().to_string(),
        source,
    })?;
    if !canonical.is_dir() {
        return Err(SourceError::Root {
            path: root.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        });
    }
    let mut walk = Walk {
        root: canonical.clone(),
        filter,
        limits,
        total_bytes: 0,
        visited: BTreeSet::new(),
        snapshot: Snapshot {
            revision: "worktree".into(),
            ..Snapshot::default()
        },
        stopped: false,
    };
    walk.visited.insert(canonical.clone());
    walk.dir(&canonical, "")?;
    walk.snapshot.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walk.snapshot)
}

struct Walk<'a> {
    root: PathBuf,
    filter: &'a FileFilter,
    limits: &'a Limits,
    total_bytes: u64,
    visited: BTreeSet<PathBuf>,
    snapshot: Snapshot,
    stopped: bool,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path, rel: &str) -> Result<(), SourceError> {
        let entries = fs::read_dir(dir).map_err(|source| SourceError::Root {
            path: dir.display().to_string(),
            source,
        })?;
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.problem(
                        Code::Io,
                        rel,
                        format!("failed to list directory: {e}"),
                        None,
                    );
                    continue;
                }
            };
            match entry.file_name().into_string() {
                Ok(name) => names.push((name, entry.path())),
                Err(raw) => {
                    let shown = raw.to_string_lossy().into_owned();
                    self.problem(
                        Code::BadPath,
                        &join(rel, &shown),
                        "file name is not valid UTF-8".into(),
                        Some("rename the file"),
                    );
                }
            }
        }
        names.sort();
        for (name, path) in names {
            if self.stopped {
                return Ok(());
            }
            let rel_path = join(rel, &name);
            self.entry(&path, &rel_path)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, rel: &str) -> Result<(), SourceError> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.problem(
                    Code::Io,
                    rel,
                    format!("failed to read file metadata: {e}"),
                    None,
                );
                return Ok(());
            }
        };
        let (target, is_dir) = if meta.file_type().is_symlink() {
            // Only resolve links the filter would look at; a link in a skipped
            // place is not ours to judge.
            let wanted = self.filter.enter_dir(rel) || self.filter.take_file(rel);
            if !wanted {
                return Ok(());
            }
            match fs::canonicalize(path) {
                Ok(t) if t.starts_with(&self.root) => {
                    let is_dir = t.is_dir();
                    (t, is_dir)
                }
                Ok(_) => {
                    self.problem(Code::BadSymlink, rel, "symlink points outside the repository".into(), Some("replace the link with a copy of the file, or point it inside the repository"));
                    return Ok(());
                }
                Err(e) => {
                    let why = if e.raw_os_error() == Some(40) {
                        "symlink loops".to_string()
                    } else {
                        format!("symlink cannot be resolved: {e}")
                    };
                    self.problem(Code::BadSymlink, rel, why, Some("fix or remove the link"));
                    return Ok(());
                }
            }
        } else {
            (path.to_path_buf(), meta.is_dir())
        };
        if is_dir {
            if !self.filter.enter_dir(rel) {
                return Ok(());
            }
            if !self.visited.insert(target.clone()) {
                self.problem(
                    Code::BadSymlink,
                    rel,
                    "symlinked directory loops back into a directory already read".into(),
                    Some("remove the link"),
                );
                return Ok(());
            }
            let result = self.dir(&target, rel);
            self.visited.remove(&target);
            return result;
        }
        if self.filter.take_file(rel) {
            // A FIFO or device named `*.yaml` would block or stream forever.
            if fs::metadata(&target).map(|m| m.is_file()).unwrap_or(false) {
                self.file(&target, rel);
            } else {
                self.problem(
                    Code::BadPath,
                    rel,
                    "not a regular file".into(),
                    Some("remove it, or rename it so it does not end in .yaml"),
                );
            }
        }
        Ok(())
    }

    fn file(&mut self, path: &Path, rel: &str) {
        if self.snapshot.files.len() >= self.limits.max_files {
            self.problem(
                Code::RepositoryTooLarge,
                rel,
                format!(
                    "repository has more than {} YAML files; the rest are not read",
                    self.limits.max_files
                ),
                Some("narrow `roots` or add `exclude` patterns in flotilla.yaml"),
            );
            self.stopped = true;
            return;
        }
        let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > self.limits.max_file_bytes {
            self.problem(
                Code::FileTooLarge,
                rel,
                format!(
                    "file is {len} bytes, over the limit of {} bytes",
                    self.limits.max_file_bytes
                ),
                Some("split the file, or exclude it in flotilla.yaml"),
            );
            return;
        }
        let mut bytes = Vec::with_capacity(len as usize);
        let read = fs::File::open(path).and_then(|f| {
            f.take(self.limits.max_file_bytes + 1)
                .read_to_end(&mut bytes)
        });
        if let Err(e) = read {
            self.problem(Code::Io, rel, format!("failed to read file: {e}"), None);
            return;
        }
        if bytes.len() as u64 > self.limits.max_file_bytes {
            self.problem(
                Code::FileTooLarge,
                rel,
                format!(
                    "file grew past the limit of {} bytes while being read",
                    self.limits.max_file_bytes
                ),
                None,
            );
            return;
        }
        self.total_bytes += bytes.len() as u64;
        if self.total_bytes > self.limits.max_total_bytes {
            self.problem(
                Code::RepositoryTooLarge,
                rel,
                format!(
                    "repository YAML exceeds {} bytes; the rest is not read",
                    self.limits.max_total_bytes
                ),
                Some("narrow `roots` or add `exclude` patterns in flotilla.yaml"),
            );
            self.stopped = true;
            return;
        }
        self.snapshot.files.push(RepoFile {
            path: rel.to_string(),
            bytes,
        });
    }

    fn problem(&mut self, code: Code, rel: &str, message: String, help: Option<&str>) {
        let mut d = Diagnostic::error(code, Location::file(rel), message);
        d.help = help.map(str::to_string);
        self.snapshot.diagnostics.push(d);
    }
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    }
}

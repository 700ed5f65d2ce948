//! Reads the YAML files of one commit of a Git repository (`--rev`).
//!
//! Only the object database is read, never the working tree. Symlinks stored
//! in the tree are resolved inside the tree: a target outside it, or a chain
//! longer than [`MAX_LINK_HOPS`], is reported.

use super::{FileFilter, Limits, RepoFile, Snapshot, SourceError};
use crate::model::diag::{Code, Diagnostic, Location};
use git2::{ObjectType, Repository, Tree};
use std::path::Path;

/// How many symlinks may be followed for one path before it counts as a loop.
const MAX_LINK_HOPS: usize = 40;
const MODE_LINK: i32 = 0o120000;

/// Reads every file `filter` takes from the commit `rev` of the repository at `repo`.
pub fn read_revision(
    repo: &Path,
    rev: &str,
    filter: &FileFilter,
    limits: &Limits,
) -> Result<Snapshot, SourceError> {
    let repository = Repository::discover(repo).map_err(|source| SourceError::OpenGit {
        path: repo.display().to_string(),
        source,
    })?;
    let commit = repository
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|source| SourceError::Revision {
            rev: rev.to_string(),
            source,
        })?;
    let tree = commit.tree().map_err(|source| SourceError::Revision {
        rev: rev.to_string(),
        source,
    })?;
    // When `repo` is a subdirectory of the work tree, read that subtree.
    let tree = match subdir_of_workdir(&repository, repo) {
        Some(sub) if !sub.is_empty() => {
            let entry =
                tree.get_path(Path::new(&sub))
                    .map_err(|source| SourceError::GitObject {
                        path: sub.clone(),
                        source,
                    })?;
            entry
                .to_object(&repository)
                .and_then(|o| o.peel_to_tree())
                .map_err(|source| SourceError::GitObject { path: sub, source })?
        }
        _ => tree,
    };
    let mut reader = TreeReader {
        repo: &repository,
        root: &tree,
        filter,
        limits,
        total: 0,
        snapshot: Snapshot {
            revision: commit.id().to_string(),
            ..Snapshot::default()
        },
    };
    reader.walk(&tree, "")?;
    reader.snapshot.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(reader.snapshot)
}

fn subdir_of_workdir(repository: &Repository, path: &Path) -> Option<String> {
    let workdir = std::fs::canonicalize(repository.workdir()?).ok()?;
    let path = std::fs::canonicalize(path).ok()?;
    let rel = path.strip_prefix(&workdir).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

struct TreeReader<'a> {
    repo: &'a Repository,
    root: &'a Tree<'a>,
    filter: &'a FileFilter,
    limits: &'a Limits,
    total: u64,
    snapshot: Snapshot,
}

impl TreeReader<'_> {
    fn walk(&mut self, tree: &Tree<'_>, rel: &str) -> Result<(), SourceError> {
        for entry in tree.iter() {
            let Ok(name) = entry.name() else {
                self.problem(Code::BadPath, rel, "file name is not valid UTF-8".into());
                continue;
            };
            let path = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            match entry.kind() {
                Some(ObjectType::Tree) if self.filter.enter_dir(&path) => {
                    let sub = entry
                        .to_object(self.repo)
                        .and_then(|o| o.peel_to_tree())
                        .map_err(|source| SourceError::GitObject {
                            path: path.clone(),
                            source,
                        })?;
                    self.walk(&sub, &path)?;
                }
                Some(ObjectType::Blob) if self.filter.take_file(&path) => {
                    if entry.filemode() == MODE_LINK {
                        self.link(&path)?;
                    } else {
                        self.blob(entry.id(), &path)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Follows a symlink inside the tree to a blob.
    fn link(&mut self, path: &str) -> Result<(), SourceError> {
        let mut current = path.to_string();
        for _ in 0..MAX_LINK_HOPS {
            let entry = match self.root.get_path(Path::new(&current)) {
                Ok(e) => e,
                Err(_) => {
                    self.problem(
                        Code::BadSymlink,
                        path,
                        format!("symlink target `{current}` does not exist in this commit"),
                    );
                    return Ok(());
                }
            };
            if entry.filemode() != MODE_LINK {
                if entry.kind() == Some(ObjectType::Blob) {
                    return self.blob(entry.id(), path);
                }
                // A link to a directory inside the tree: its files are read there already.
                return Ok(());
            }
            let blob =
                self.repo
                    .find_blob(entry.id())
                    .map_err(|source| SourceError::GitObject {
                        path: current.clone(),
                        source,
                    })?;
            let target = String::from_utf8_lossy(blob.content()).into_owned();
            let dir = current.rsplit_once('/').map_or("", |(d, _)| d);
            match resolve_inside(dir, &target) {
                Some(next) => current = next,
                None => {
                    self.problem(
                        Code::BadSymlink,
                        path,
                        format!("symlink target `{target}` points outside the repository"),
                    );
                    return Ok(());
                }
            }
        }
        self.problem(
            Code::BadSymlink,
            path,
            format!("symlink chain longer than {MAX_LINK_HOPS} links (a loop?)"),
        );
        Ok(())
    }

    fn blob(&mut self, id: git2::Oid, path: &str) -> Result<(), SourceError> {
        if self.snapshot.files.len() >= self.limits.max_files {
            self.problem(
                Code::RepositoryTooLarge,
                path,
                format!(
                    "repository has more than {} YAML files",
                    self.limits.max_files
                ),
            );
            return Ok(());
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(|source| SourceError::GitObject {
                path: path.to_string(),
                source,
            })?;
        let size = blob.size() as u64;
        if size > self.limits.max_file_bytes {
            self.problem(
                Code::FileTooLarge,
                path,
                format!(
                    "file is {size} bytes, over the limit of {} bytes",
                    self.limits.max_file_bytes
                ),
            );
            return Ok(());
        }
        self.total += size;
        if self.total > self.limits.max_total_bytes {
            self.problem(
                Code::RepositoryTooLarge,
                path,
                format!(
                    "repository YAML exceeds {} bytes",
                    self.limits.max_total_bytes
                ),
            );
            return Ok(());
        }
        self.snapshot.files.push(RepoFile {
            path: path.to_string(),
            bytes: blob.content().to_vec(),
        });
        Ok(())
    }

    fn problem(&mut self, code: Code, path: &str, message: String) {
        self.snapshot
            .diagnostics
            .push(Diagnostic::error(code, Location::file(path), message));
    }
}

/// Joins a link target to the link's directory and normalises it; `None`
/// when the result would leave the repository (absolute, or too many `..`).
fn resolve_inside(dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve_inside;

    #[test]
    fn link_targets_stay_inside() {
        assert_eq!(
            resolve_inside("a/b", "../c.yaml").as_deref(),
            Some("a/c.yaml")
        );
        assert_eq!(
            resolve_inside("", "x/./y.yaml").as_deref(),
            Some("x/y.yaml")
        );
        assert_eq!(resolve_inside("a", "../../etc/passwd"), None);
        assert_eq!(resolve_inside("a", "/etc/passwd"), None);
    }
}

//! Source: reads a repository snapshot — the YAML files of a working tree or
//! of one Git commit — without ever reading a byte outside the repository.
//!
//! In: a path (and optionally a revision) plus [`Limits`]. Out: a
//! [`Snapshot`]: the revision, the files' repo-relative paths and bytes, and
//! diagnostics for files that could not be taken (symlinks leaving the
//! repository or looping, files over the size limit). Which files are taken
//! is decided by [`FileFilter`] (hidden directories and `.flotilla/` are
//! skipped; `flotilla.yaml` may narrow the roots and exclude patterns).
//!
//! The daemon's Git side lives here too (I/O, git2): [`remote`] keeps a bare
//! clone of the watched branch in the data directory and fetches it;
//! [`status_branch`] reads and writes the status branch in that clone and
//! pushes it. Neither ever writes or prints a credential ([`Redactor`]).

mod filter;
mod git_tree;
mod load;
mod redact;
pub mod remote;
pub mod status_branch;
mod worktree;

pub use filter::FileFilter;
pub use git_tree::read_revision;
pub use load::{load_repository, LoadedRepo};
pub use redact::{redact_userinfo, url_userinfo, Redactor};
pub use remote::{Credentials, Disposition, Fetched, GitSource, Remote, RemoteError};
pub use status_branch::{StatusBranch, StatusError, StatusFiles};
pub use worktree::read_worktree;

use crate::model::diag::Diagnostic;

/// Size limits that protect the reader from hostile or accidental giants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of all files taken, in bytes.
    pub max_total_bytes: u64,
    /// Most YAML files taken.
    pub max_files: usize,
    /// Most objects (YAML documents) in the repository.
    pub max_objects: usize,
    /// Most nodes that YAML aliases may add in one file.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 << 20,
            max_total_bytes: 512 << 20,
            max_files: 50_000,
            max_objects: 200_000,
            max_alias_nodes: 100_000,
        }
    }
}

/// One file of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFile {
    /// Repo-relative path with `/` separators, never containing `..`.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The YAML files of a repository at one revision.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The commit id, or `"worktree"` for files read from disk.
    pub revision: String,
    /// Sorted by path.
    pub files: Vec<RepoFile>,
    /// Problems with files that were not taken.
    pub diagnostics: Vec<Diagnostic>,
}

/// Failures that make the whole snapshot unusable.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("failed to read repository at `{path}`")]
    Root {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to open git repository at `{path}`")]
    OpenGit {
        path: String,
        #[source]
        source: git2::Error,
    },
    #[error("failed to resolve revision `{rev}`")]
    Revision {
        rev: String,
        #[source]
        source: git2::Error,
    },
    #[error("failed to read git object at `{path}`")]
    GitObject {
        path: String,
        #[source]
        source: git2::Error,
    },
}

/// Whether a file name is one flotilla reads.
pub fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

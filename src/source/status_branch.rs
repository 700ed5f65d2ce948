//! The status branch: flotilla's own branch (default `flotilla/status`) in
//! the watched remote, where the fleet's state is committed (I/O, git2;
//! DESIGN.md §5).
//!
//! In: the [`GitSource`] clone, and the status files as a
//! `BTreeMap<path, bytes>` whose paths all start with `status/`. Out: the
//! files at the head of the branch ([`StatusBranch::read`]); a commit made
//! only when the tree changed ([`StatusBranch::commit`]), whose message ends
//! with the trailer `Flotilla-Source: <sha>`; and a push that, when someone
//! else moved the remote branch, rebuilds the same `status/` tree on top of
//! the remote head and tries again, a bounded number of times
//! ([`StatusBranch::push`]). Both histories are kept: nothing is forced.
//!
//! Invariants: the status branch is never the watched branch (refused when
//! built, and checked again on every write), so flotilla's writes never
//! trigger its own reconcile. Files outside `status/` on the branch are kept
//! as they are. A commit is written whole (objects first, then the ref), so
//! a stop never leaves half of one. [`debounce`] is pure.

use super::remote::{is_valid_branch, Disposition};
use super::remote::{GitSource, PushOutcome, RemoteError, TRACKING_PREFIX};
use git2::{Oid, Repository, Signature, Tree, TreeBuilder};
use std::collections::BTreeMap;
use std::time::Duration;

/// The status branch's default name.
pub const DEFAULT_STATUS_BRANCH: &str = "flotilla/status";

/// The directory of the status branch that flotilla owns.
pub const STATUS_DIR: &str = "status";

/// The trailer naming the source commit a status commit describes.
pub const SOURCE_TRAILER: &str = "Flotilla-Source";

/// How many times a rejected push is rebuilt and tried again by default.
pub const DEFAULT_PUSH_ATTEMPTS: u32 = 5;

const MODE_BLOB: i32 = 0o100644;
const MODE_TREE: i32 = 0o040000;

/// The status files: repo path (`status/…`) → content.
pub type StatusFiles = BTreeMap<String, Vec<u8>>;

/// The author and committer of status commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Default for Identity {
    /// `flotilla <flotilla@localhost>`.
    fn default() -> Self {
        Identity {
            name: "flotilla".to_string(),
            email: "flotilla@localhost".to_string(),
        }
    }
}

/// Failures of the status branch.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("the status branch `{branch}` is the watched branch")]
    SameAsWatched { branch: String },
    #[error("invalid status branch name `{branch}`")]
    InvalidBranch { branch: String },
    #[error("invalid status path `{path}`: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("invalid source commit `{sha}`")]
    InvalidSourceCommit { sha: String },
    #[error("failed to read the status branch: {step}")]
    Read {
        step: &'static str,
        #[source]
        source: git2::Error,
    },
    #[error("failed to write the status commit: {step}")]
    Write {
        step: &'static str,
        #[source]
        source: git2::Error,
    },
    #[error("failed to sync the status branch with the remote")]
    Remote {
        #[source]
        source: RemoteError,
    },
    #[error("push of the status branch still rejected after {attempts} attempts: {reason}")]
    Rejected { attempts: u32, reason: String },
}

impl From<RemoteError> for StatusError {
    fn from(source: RemoteError) -> Self {
        StatusError::Remote { source }
    }
}

impl StatusError {
    /// Whether to retry at the next interval or stall until a person acts.
    pub fn disposition(&self) -> Disposition {
        match self {
            StatusError::Remote { source } => source.disposition(),
            StatusError::Rejected { .. } => Disposition::Retry,
            _ => Disposition::Stall,
        }
    }

    /// The variant's name, for metrics labels and `status/errors.yaml`.
    pub fn category(&self) -> &'static str {
        match self {
            StatusError::SameAsWatched { .. } => "SameAsWatched",
            StatusError::InvalidBranch { .. } => "InvalidBranch",
            StatusError::InvalidPath { .. } => "InvalidPath",
            StatusError::InvalidSourceCommit { .. } => "InvalidSourceCommit",
            StatusError::Read { .. } => "Read",
            StatusError::Write { .. } => "Write",
            StatusError::Remote { .. } => "Remote",
            StatusError::Rejected { .. } => "Rejected",
        }
    }
}

/// The status branch of one [`GitSource`].
#[derive(Debug, Clone)]
pub struct StatusBranch {
    branch: String,
    identity: Identity,
    push_attempts: u32,
}

impl StatusBranch {
    /// The status branch `branch`; refused when it is `watched`, the branch
    /// flotilla reconciles from.
    pub fn new(branch: &str, watched: &str) -> Result<Self, StatusError> {
        if !is_valid_branch(branch) {
            return Err(StatusError::InvalidBranch {
                branch: branch.to_string(),
            });
        }
        if branch == watched {
            return Err(StatusError::SameAsWatched {
                branch: branch.to_string(),
            });
        }
        Ok(StatusBranch {
            branch: branch.to_string(),
            identity: Identity::default(),
            push_attempts: DEFAULT_PUSH_ATTEMPTS,
        })
    }

    /// Commits as `identity` instead of `flotilla <flotilla@localhost>`.
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = identity;
        self
    }

    /// Rebuilds a rejected push at most `attempts` times (at least once).
    pub fn with_push_attempts(mut self, attempts: u32) -> Self {
        self.push_attempts = attempts.max(1);
        self
    }

    /// The branch name.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    fn local_ref(&self) -> String {
        format!("refs/heads/{}", self.branch)
    }

    fn tracking_ref(&self) -> String {
        format!("{TRACKING_PREFIX}{}", self.branch)
    }

    fn check(&self, src: &GitSource) -> Result<(), StatusError> {
        if src.remote().branch() == self.branch {
            return Err(StatusError::SameAsWatched {
                branch: self.branch.clone(),
            });
        }
        Ok(())
    }

    /// Fetches the remote's status branch (a daemon does this once at
    /// start, before [`read`](Self::read), to see what an earlier instance
    /// wrote). A missing remote branch is `Ok(None)`.
    pub fn fetch(&self, src: &GitSource) -> Result<Option<String>, StatusError> {
        self.check(src)?;
        Ok(src.fetch_branch(&self.branch)?.map(|o| o.to_string()))
    }

    /// The head of the status branch: the local branch, or the fetched
    /// remote one when it is strictly ahead (the local branch is then moved
    /// there). `None` when neither exists.
    pub fn head(&self, src: &GitSource) -> Result<Option<Oid>, StatusError> {
        let repo = src.repository();
        let local = repo.refname_to_id(&self.local_ref()).ok();
        let remote = repo.refname_to_id(&self.tracking_ref()).ok();
        let head = match (local, remote) {
            (None, r) => r,
            (l, None) => l,
            (Some(l), Some(r)) if l == r => Some(l),
            (Some(l), Some(r)) => {
                let remote_ahead =
                    repo.graph_descendant_of(r, l)
                        .map_err(|source| StatusError::Read {
                            step: "compare local and remote heads",
                            source,
                        })?;
                Some(if remote_ahead { r } else { l })
            }
        };
        if let Some(h) = head {
            if head != local {
                self.set_local(repo, h, "flotilla: fast-forward to the remote status")?;
            }
        }
        Ok(head)
    }

    /// The files under `status/` at the head of the status branch; empty
    /// when there is no status branch yet.
    pub fn read(&self, src: &GitSource) -> Result<StatusFiles, StatusError> {
        let Some(head) = self.head(src)? else {
            return Ok(StatusFiles::new());
        };
        let repo = src.repository();
        let tree = commit_tree(repo, head)?;
        let mut files = StatusFiles::new();
        if let Some(entry) = tree.get_name(STATUS_DIR) {
            if entry.kind() == Some(git2::ObjectType::Tree) {
                let sub = repo.find_tree(entry.id()).map_err(read("find tree"))?;
                collect(repo, &sub, STATUS_DIR, &mut files)?;
            }
        }
        Ok(files)
    }

    /// Commits `files` as the new `status/` tree of the branch, locally,
    /// when it differs from the head's; `None` (and no commit) otherwise.
    /// The message is `message`, a blank line and `Flotilla-Source: <sha>`.
    pub fn commit(
        &self,
        src: &GitSource,
        files: &StatusFiles,
        message: &str,
        source_commit: &str,
    ) -> Result<Option<Oid>, StatusError> {
        self.check(src)?;
        if !is_hex_sha(source_commit) {
            return Err(StatusError::InvalidSourceCommit {
                sha: source_commit.chars().take(80).collect(),
            });
        }
        let repo = src.repository();
        let status = write_status_tree(repo, files)?;
        let head = self.head(src)?;
        let base_tree = match head {
            Some(h) => Some(commit_tree(repo, h)?),
            None => None,
        };
        let tree = replace_status(repo, base_tree.as_ref(), status)?;
        let unchanged = match &base_tree {
            Some(t) => t.id() == tree,
            None => status.is_none(),
        };
        if unchanged {
            return Ok(None);
        }
        let message = with_trailer(message, source_commit);
        let oid = self.write_commit(repo, tree, head, &message)?;
        Ok(Some(oid))
    }

    /// Pushes the local status branch when the remote does not have it yet.
    /// A rejection (someone else pushed) fetches the remote head, rebuilds
    /// our tree on top of it and tries again, up to the attempt limit.
    /// Returns the commit the remote branch now points at, or `None` when
    /// there is no local status branch.
    pub fn push(&self, src: &GitSource) -> Result<Option<Oid>, StatusError> {
        self.check(src)?;
        let repo = src.repository();
        let mut last_reason = String::new();
        for _ in 0..self.push_attempts {
            let Some(local) = repo.refname_to_id(&self.local_ref()).ok() else {
                return Ok(None);
            };
            if src.tracking_tip(&self.branch) == Some(local) {
                return Ok(Some(local));
            }
            match src.push_branch(&self.branch)? {
                PushOutcome::Pushed => {
                    repo.reference(&self.tracking_ref(), local, true, "flotilla: pushed")
                        .map_err(write("record the pushed head"))?;
                    return Ok(Some(local));
                }
                PushOutcome::Rejected { reason } => {
                    tracing::debug!(branch = %self.branch, %reason, "status push rejected; rebuilding on the remote head");
                    last_reason = reason;
                    if let Some(remote) = src.fetch_branch(&self.branch)? {
                        self.rebuild_on(repo, local, remote)?;
                    }
                }
            }
        }
        Err(StatusError::Rejected {
            attempts: self.push_attempts,
            reason: last_reason,
        })
    }

    /// [`commit`](Self::commit) then [`push`](Self::push): `Some(commit)`
    /// now on the remote when the tree changed, `None` when it did not (an
    /// earlier commit that could not be pushed is pushed all the same).
    pub fn commit_status(
        &self,
        src: &GitSource,
        files: &StatusFiles,
        message: &str,
        source_commit: &str,
    ) -> Result<Option<Oid>, StatusError> {
        let committed = self.commit(src, files, message, source_commit)?;
        let pushed = self.push(src)?;
        Ok(committed.and(pushed))
    }

    /// Replaces the local head `local` by a commit on top of `remote` with
    /// the same `status/` tree and message (or by `remote` itself when that
    /// already has it).
    fn rebuild_on(&self, repo: &Repository, local: Oid, remote: Oid) -> Result<(), StatusError> {
        if repo.graph_descendant_of(local, remote).unwrap_or(false) {
            // Already on top of it; the rejection had another cause.
            return Ok(());
        }
        let ours = repo.find_commit(local).map_err(read("find local head"))?;
        let our_tree = ours.tree().map_err(read("read local tree"))?;
        let status = our_tree
            .get_name(STATUS_DIR)
            .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
            .map(|e| e.id());
        let remote_tree = commit_tree(repo, remote)?;
        let tree = replace_status(repo, Some(&remote_tree), status)?;
        if tree == remote_tree.id() {
            return self.set_local(repo, remote, "flotilla: remote has the same status");
        }
        let message = ours.message_raw().unwrap_or("flotilla: status").to_string();
        self.write_commit(repo, tree, Some(remote), &message)?;
        Ok(())
    }

    fn write_commit(
        &self,
        repo: &Repository,
        tree: Oid,
        parent: Option<Oid>,
        message: &str,
    ) -> Result<Oid, StatusError> {
        let sig = Signature::now(&self.identity.name, &self.identity.email)
            .map_err(write("build the signature"))?;
        let tree = repo.find_tree(tree).map_err(write("find the new tree"))?;
        let parent = match parent {
            Some(p) => Some(repo.find_commit(p).map_err(write("find the parent"))?),
            None => None,
        };
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let oid = repo
            .commit(None, &sig, &sig, message, &tree, &parents)
            .map_err(write("create the commit"))?;
        self.set_local(repo, oid, "flotilla: status")?;
        Ok(oid)
    }

    fn set_local(&self, repo: &Repository, oid: Oid, log: &str) -> Result<(), StatusError> {
        repo.reference(&self.local_ref(), oid, true, log)
            .map_err(write("update the branch"))?;
        Ok(())
    }
}

/// When to make the next status commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Debounce<T> {
    /// Commit now.
    Now,
    /// Wait until this time, then commit what is current then.
    Until(T),
}

/// Whether a status commit may be made at `now`, given the time of the last
/// one and the minimum interval between two. Pure; works with `Instant` and
/// `SystemTime`. A last commit later than `now` (a clock that went back)
/// does not hold commits back.
///
/// ```
/// use flotilla::source::status_branch::{debounce, Debounce};
/// use std::time::{Duration, SystemTime};
/// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
/// let min = Duration::from_secs(10);
/// assert_eq!(debounce(None, t0, min), Debounce::Now);
/// assert_eq!(debounce(Some(t0), t0 + Duration::from_secs(3), min), Debounce::Until(t0 + min));
/// assert_eq!(debounce(Some(t0), t0 + min, min), Debounce::Now);
/// ```
pub fn debounce<T>(last_commit: Option<T>, now: T, min_interval: Duration) -> Debounce<T>
where
    T: Copy + Ord + std::ops::Add<Duration, Output = T>,
{
    match last_commit {
        Some(last) if last <= now && last + min_interval > now => {
            Debounce::Until(last + min_interval)
        }
        _ => Debounce::Now,
    }
}

/// `message` followed by a blank line and the `Flotilla-Source` trailer.
pub fn with_trailer(message: &str, source_commit: &str) -> String {
    let body = message.trim_end();
    let body = if body.is_empty() {
        "flotilla: status"
    } else {
        body
    };
    format!("{body}\n\n{SOURCE_TRAILER}: {source_commit}\n")
}

/// The value of the `Flotilla-Source` trailer of a commit message, if any.
pub fn source_trailer(message: &str) -> Option<&str> {
    let prefix = format!("{SOURCE_TRAILER}: ");
    message
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .map(str::trim)
}

fn is_hex_sha(s: &str) -> bool {
    (4..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read(step: &'static str) -> impl FnOnce(git2::Error) -> StatusError {
    move |source| StatusError::Read { step, source }
}

fn write(step: &'static str) -> impl FnOnce(git2::Error) -> StatusError {
    move |source| StatusError::Write { step, source }
}

fn commit_tree(repo: &Repository, commit: Oid) -> Result<Tree<'_>, StatusError> {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(read("read the head's tree"))
}

fn collect(
    repo: &Repository,
    tree: &Tree<'_>,
    prefix: &str,
    out: &mut StatusFiles,
) -> Result<(), StatusError> {
    for entry in tree.iter() {
        let Ok(name) = entry.name() else { continue };
        let path = format!("{prefix}/{name}");
        match entry.kind() {
            Some(git2::ObjectType::Tree) => {
                let sub = repo.find_tree(entry.id()).map_err(read("find tree"))?;
                collect(repo, &sub, &path, out)?;
            }
            Some(git2::ObjectType::Blob) if entry.filemode() != 0o120000 => {
                let blob = repo.find_blob(entry.id()).map_err(read("find blob"))?;
                out.insert(path, blob.content().to_vec());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A directory of the tree being built.
#[derive(Default)]
struct Dir<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
    dirs: BTreeMap<&'a str, Dir<'a>>,
}

/// Writes the `status/` subtree of `files`; `None` when `files` is empty.
fn write_status_tree(repo: &Repository, files: &StatusFiles) -> Result<Option<Oid>, StatusError> {
    let mut root = Dir::default();
    for (path, bytes) in files {
        let bad = |reason| StatusError::InvalidPath {
            path: path.clone(),
            reason,
        };
        let rest = path
            .strip_prefix(STATUS_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| bad("not under `status/`"))?;
        let parts: Vec<&str> = rest.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains(['\\', '\0']))
        {
            return Err(bad("empty, `.` or `..` component, or a backslash"));
        }
        if parts.iter().any(|p| p.eq_ignore_ascii_case(".git")) {
            return Err(bad("`.git` component"));
        }
        let (name, dirs) = parts.split_last().expect("split yields one part at least");
        let mut dir = &mut root;
        for d in dirs {
            if dir.files.contains_key(d) {
                return Err(bad("a file of that name exists"));
            }
            dir = dir.dirs.entry(d).or_default();
        }
        if dir.dirs.contains_key(name) {
            return Err(bad("a directory of that name exists"));
        }
        dir.files.insert(name, bytes);
    }
    if root.files.is_empty() && root.dirs.is_empty() {
        return Ok(None);
    }
    write_dir(repo, &root).map(Some)
}

fn write_dir(repo: &Repository, dir: &Dir<'_>) -> Result<Oid, StatusError> {
    let mut builder = repo.treebuilder(None).map_err(write("start a tree"))?;
    for (name, bytes) in &dir.files {
        let blob = repo.blob(bytes).map_err(write("write a blob"))?;
        builder
            .insert(name, blob, MODE_BLOB)
            .map_err(write("add a file"))?;
    }
    for (name, sub) in &dir.dirs {
        let oid = write_dir(repo, sub)?;
        builder
            .insert(name, oid, MODE_TREE)
            .map_err(write("add a directory"))?;
    }
    builder.write().map_err(write("write a tree"))
}

/// `base` with its `status` entry replaced by `status` (or removed).
fn replace_status(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    status: Option<Oid>,
) -> Result<Oid, StatusError> {
    let mut builder: TreeBuilder<'_> = repo.treebuilder(base).map_err(write("start a tree"))?;
    if builder
        .get(STATUS_DIR)
        .map_err(write("read the tree"))?
        .is_some()
    {
        builder
            .remove(STATUS_DIR)
            .map_err(write("remove the old status"))?;
    }
    if let Some(status) = status {
        builder
            .insert(STATUS_DIR, status, MODE_TREE)
            .map_err(write("add the status"))?;
    }
    builder.write().map_err(write("write the tree"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn debounce_table() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        struct Case {
            name: &'static str,
            last: Option<Instant>,
            now: Instant,
            want: Debounce<Instant>,
        }
        let cases = [
            Case {
                name: "never committed",
                last: None,
                now: t0,
                want: Debounce::Now,
            },
            Case {
                name: "too soon",
                last: Some(t0),
                now: t0 + s(1),
                want: Debounce::Until(t0 + s(10)),
            },
            Case {
                name: "just now",
                last: Some(t0),
                now: t0,
                want: Debounce::Until(t0 + s(10)),
            },
            Case {
                name: "exactly the interval",
                last: Some(t0),
                now: t0 + s(10),
                want: Debounce::Now,
            },
            Case {
                name: "long ago",
                last: Some(t0),
                now: t0 + s(3600),
                want: Debounce::Now,
            },
            Case {
                name: "clock went back",
                last: Some(t0 + s(100)),
                now: t0,
                want: Debounce::Now,
            },
        ];
        for c in cases {
            assert_eq!(debounce(c.last, c.now, s(10)), c.want, "case `{}`", c.name);
        }
        assert_eq!(debounce(Some(t0), t0, Duration::ZERO), Debounce::Now);
    }

    #[test]
    fn trailer() {
        let m = with_trailer("status: 2 clusters changed\n\n", "abc123");
        assert_eq!(m, "status: 2 clusters changed\n\nFlotilla-Source: abc123\n");
        assert_eq!(source_trailer(&m), Some("abc123"));
        assert_eq!(source_trailer("no trailer"), None);
        assert!(with_trailer("", "abcd").starts_with("flotilla: status\n\n"));
    }

    #[test]
    fn names_refused() {
        assert!(matches!(
            StatusBranch::new("main", "main"),
            Err(StatusError::SameAsWatched { .. })
        ));
        assert!(matches!(
            StatusBranch::new("bad name", "main"),
            Err(StatusError::InvalidBranch { .. })
        ));
        assert!(StatusBranch::new(DEFAULT_STATUS_BRANCH, "main").is_ok());
    }

    #[test]
    fn paths_checked() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        for bad in [
            "README.md",
            "status",
            "status/",
            "status//a",
            "status/../x",
            "status/./x",
            "status/.git/config",
            "statusx/a",
            "status/a\\b",
        ] {
            let files = StatusFiles::from([(bad.to_string(), b"x".to_vec())]);
            assert!(
                matches!(
                    write_status_tree(&repo, &files),
                    Err(StatusError::InvalidPath { .. })
                ),
                "{bad}"
            );
        }
        let clash = StatusFiles::from([
            ("status/a".to_string(), b"x".to_vec()),
            ("status/a/b".to_string(), b"y".to_vec()),
        ]);
        assert!(write_status_tree(&repo, &clash).is_err());
        assert_eq!(write_status_tree(&repo, &StatusFiles::new()).unwrap(), None);
        let ok = StatusFiles::from([
            ("status/README.md".to_string(), b"x".to_vec()),
            ("status/clusters/a.yaml".to_string(), b"y".to_vec()),
        ]);
        assert!(write_status_tree(&repo, &ok).unwrap().is_some());
    }
}

//! `flotilla status [--repo PATH|URL] [--status-branch BRANCH] [--app NAME]
//! [--cluster NAME] [--format human|json]`: the tables a person wants, read
//! from the status branch the daemon writes (DESIGN.md §5).
//!
//! Where the status comes from:
//! - a local path (the default `.`): a Git repository, bare or not, read in
//!   place with git2; the branch `refs/heads/<branch>`, else the
//!   remote-tracking `refs/remotes/origin/<branch>` that a plain `git fetch`
//!   brings (the latter is taken when it is strictly ahead of the former);
//! - a URL (`file://`, `git://`, `https://`, `ssh://`, `user@host:path`):
//!   only the status branch is fetched with [`crate::source::remote`] into a
//!   temporary bare repository, removed afterwards. Credentials come from
//!   the environment as for `flotilla run` and are never printed (errors
//!   name the URL with its userinfo masked).
//!
//! Only the files under `status/` at the branch head are read; the tables
//! are [`status::tables`]'s. No status branch is an error (exit 2) that says
//! the daemon has not written status yet.

use super::Outcome;
use crate::source::remote::{is_valid_branch, TRACKING_PREFIX};
use crate::source::status_branch::{DEFAULT_STATUS_BRANCH, STATUS_DIR};
use crate::source::{Credentials, GitSource, Remote, RemoteError};
use crate::status::{self, tables};
use anyhow::{bail, Context};
use git2::{ObjectType, Oid, Repository};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The watched repository: a path (work tree or bare) or a URL (file://, git://, https://, ssh://, user@host:path).
    #[arg(long, default_value = ".")]
    repo: String,
    /// The branch the daemon writes status to (Settings' statusBranch, if it names another).
    #[arg(long, default_value = DEFAULT_STATUS_BRANCH, value_parser = branch_name)]
    status_branch: String,
    /// Only this application: `name`, `namespace/name`, `Kind/name` or `Kind/namespace/name`.
    #[arg(long, value_name = "NAME")]
    app: Option<String>,
    /// Only this cluster.
    #[arg(long, value_name = "NAME")]
    cluster: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: StatusFormat,
}

/// `--format`: the two formats of [`tables::Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatusFormat {
    Human,
    Json,
}

fn branch_name(text: &str) -> Result<String, String> {
    if is_valid_branch(text) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not a valid branch name"))
    }
}

/// Where the status branch is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Local(PathBuf),
    Url(String),
}

impl Location {
    /// A URL when it has a scheme, a path when it exists, and `host:path`
    /// (scp-like) otherwise; anything else is a path that does not exist.
    fn parse(repo: &str) -> anyhow::Result<Location> {
        if repo.contains("://") {
            return Ok(Location::Url(repo.to_string()));
        }
        let path = Path::new(repo);
        if path.exists() {
            return Ok(Location::Local(path.to_path_buf()));
        }
        let scp_like = match (repo.find(':'), repo.find('/')) {
            (Some(colon), Some(slash)) => colon < slash,
            (Some(colon), None) => colon > 0,
            (None, _) => false,
        };
        if scp_like {
            return Ok(Location::Url(repo.to_string()));
        }
        bail!("repository `{repo}` does not exist");
    }
}

/// The settled arguments.
struct Settled {
    location: Location,
    branch: String,
    filter: tables::Filter,
    format: tables::Format,
}

impl Args {
    fn settle(self) -> anyhow::Result<Settled> {
        Ok(Settled {
            location: Location::parse(&self.repo)?,
            branch: self.status_branch,
            filter: tables::Filter {
                app: self.app,
                cluster: self.cluster,
            },
            format: match self.format {
                StatusFormat::Human => tables::Format::Human,
                StatusFormat::Json => tables::Format::Json,
            },
        })
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let args = args.settle()?;
    let files = match &args.location {
        Location::Local(path) => read_local(path, &args.branch)?,
        Location::Url(url) => read_url(url, &args.branch)?,
    };
    let text = tables::render(&files, &args.filter, args.format);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Outcome::Ok)
}

/// The message of a repository without the status branch.
fn no_status(branch: &str, repo: &str, hint: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "no status branch `{branch}` in {repo}: the daemon (`flotilla run`) has not written status yet{hint}"
    )
}

/// The status files of a local repository, bare or not.
fn read_local(path: &Path, branch: &str) -> anyhow::Result<status::Tree> {
    let shown = format!("`{}`", path.display());
    let repo = match Repository::discover(path) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => {
            bail!("{shown} is not a Git repository (nor inside one)")
        }
        Err(e) => return Err(e).with_context(|| format!("failed to open the repository {shown}")),
    };
    let Some(head) = local_head(&repo, branch)
        .with_context(|| format!("failed to read the status branch `{branch}` in {shown}"))?
    else {
        let hint = match repo.find_remote("origin") {
            Ok(_) => " (run `git fetch origin` to bring it from the remote, or pass --repo URL)",
            Err(_) => "",
        };
        return Err(no_status(branch, &shown, hint));
    };
    status_files(&repo, head)
        .with_context(|| format!("failed to read the status branch `{branch}` in {shown}"))
}

/// The head of the status branch: the local branch, else the
/// remote-tracking one; the remote-tracking one too when it is strictly
/// ahead (a `git fetch` brought newer status than the local branch has).
fn local_head(repo: &Repository, branch: &str) -> Result<Option<Oid>, git2::Error> {
    let local = commit_of(repo, &format!("refs/heads/{branch}"))?;
    let remote = commit_of(repo, &format!("{TRACKING_PREFIX}{branch}"))?;
    Ok(match (local, remote) {
        (Some(l), Some(r)) if l != r && repo.graph_descendant_of(r, l)? => Some(r),
        (Some(l), _) => Some(l),
        (None, r) => r,
    })
}

/// The commit `refname` points at; `None` when there is no such reference.
fn commit_of(repo: &Repository, refname: &str) -> Result<Option<Oid>, git2::Error> {
    match repo.find_reference(refname) {
        Ok(r) => Ok(Some(r.peel_to_commit()?.id())),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The status branch of a remote: fetched alone into a temporary bare
/// repository (the one the daemon keeps in its data directory has the same
/// layout), then read like a local one.
fn read_url(url: &str, branch: &str) -> anyhow::Result<status::Tree> {
    // The followed branch is the status branch itself: nothing else is
    // fetched. Errors from here on carry the redacted URL only.
    let remote = Remote::new(url, branch).context("invalid repository URL")?;
    let shown = format!("`{}`", remote.display_url());
    let dir = TempDir::new()?;
    let src = GitSource::open(dir.path(), remote, Credentials::from_env())
        .context("failed to prepare a temporary clone")?;
    match src.fetch() {
        Ok(_) => {}
        Err(RemoteError::BranchMissing { .. }) => return Err(no_status(branch, &shown, "")),
        Err(e) => {
            return Err(e).with_context(|| format!("failed to fetch the status branch `{branch}`"));
        }
    }
    let repo = src.repository();
    let unreadable = || format!("the fetched status branch `{branch}` of {shown} cannot be read");
    let head = commit_of(repo, &format!("{TRACKING_PREFIX}{branch}"))
        .with_context(unreadable)?
        .with_context(unreadable)?;
    status_files(repo, head)
        .with_context(|| format!("failed to read the status branch `{branch}` of {shown}"))
}

/// The files under `status/` in `commit`'s tree (blobs only: symbolic links
/// and submodules are skipped). Bytes that are not UTF-8 are replaced
/// (U+FFFD); a file that then does not parse is reported by the tables.
fn status_files(repo: &Repository, commit: Oid) -> Result<status::Tree, git2::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    let mut files = status::Tree::new();
    if let Some(entry) = tree.get_name(STATUS_DIR) {
        if entry.kind() == Some(ObjectType::Tree) {
            let sub = repo.find_tree(entry.id())?;
            collect(repo, &sub, STATUS_DIR, &mut files)?;
        }
    }
    Ok(files)
}

fn collect(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    prefix: &str,
    out: &mut status::Tree,
) -> Result<(), git2::Error> {
    for entry in tree.iter() {
        let Ok(name) = entry.name() else { continue };
        let path = format!("{prefix}/{name}");
        match entry.kind() {
            Some(ObjectType::Tree) => {
                let sub = repo.find_tree(entry.id())?;
                collect(repo, &sub, &path, out)?;
            }
            Some(ObjectType::Blob) if entry.filemode() != 0o120000 => {
                let blob = repo.find_blob(entry.id())?;
                out.insert(path, String::from_utf8_lossy(blob.content()).into_owned());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for attempt in 0..16u32 {
            let dir = base.join(format!(
                "flotilla-status-{}-{nanos:x}-{attempt}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "failed to create a temporary directory in `{}`",
                            base.display()
                        )
                    })
                }
            }
        }
        Err(last.expect("16 attempts")).with_context(|| {
            format!(
                "failed to create a temporary directory in `{}`",
                base.display()
            )
        })
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

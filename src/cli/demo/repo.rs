//! The demo's Git repositories: a bare one standing in for the Git host,
//! and a working clone with the quickstart (compiled into the binary, so
//! the demo needs nothing but itself) committed and pushed on `main`, and
//! the change the demo pushes once the fleet converged.

use std::path::Path;

/// The quickstart's files, as in `examples/quickstart/`.
pub const QUICKSTART: &[(&str, &str)] = &[
    (
        "flotilla.yaml",
        include_str!("../../../examples/quickstart/flotilla.yaml"),
    ),
    (
        "apps/web/namespace.yaml",
        include_str!("../../../examples/quickstart/apps/web/namespace.yaml"),
    ),
    (
        "apps/web/configmap.yaml",
        include_str!("../../../examples/quickstart/apps/web/configmap.yaml"),
    ),
    (
        "apps/web/deployment.yaml",
        include_str!("../../../examples/quickstart/apps/web/deployment.yaml"),
    ),
    (
        "apps/web/service.yaml",
        include_str!("../../../examples/quickstart/apps/web/service.yaml"),
    ),
    (
        "clusters/eu-prod-1.yaml",
        include_str!("../../../examples/quickstart/clusters/eu-prod-1.yaml"),
    ),
    (
        "clusters/eu-prod-2.yaml",
        include_str!("../../../examples/quickstart/clusters/eu-prod-2.yaml"),
    ),
    (
        "clusters/us-prod-1.yaml",
        include_str!("../../../examples/quickstart/clusters/us-prod-1.yaml"),
    ),
    (
        "clusters/us-test-1.yaml",
        include_str!("../../../examples/quickstart/clusters/us-test-1.yaml"),
    ),
    (
        "policies/namespaces.yaml",
        include_str!("../../../examples/quickstart/policies/namespaces.yaml"),
    ),
    (
        "policies/registry-override.yaml",
        include_str!("../../../examples/quickstart/policies/registry-override.yaml"),
    ),
    (
        "policies/web-propagation.yaml",
        include_str!("../../../examples/quickstart/policies/web-propagation.yaml"),
    ),
];

/// The change the demo commits: scale `web` up and roll out a new image.
pub const CHANGE: (&str, &[(&str, &str)]) = (
    "apps/web/deployment.yaml",
    &[
        ("replicas: 8", "replicas: 12"),
        ("shop/web:1.4.2", "shop/web:1.5.0"),
    ],
);

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("failed to write `{path}`")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to {what} in the demo repository")]
    Git {
        what: &'static str,
        #[source]
        source: git2::Error,
    },
    #[error("`{path}` no longer contains `{text}`; the demo's change needs updating")]
    ChangeOutdated { path: String, text: String },
}

fn git(what: &'static str) -> impl FnOnce(git2::Error) -> RepoError {
    move |source| RepoError::Git { what, source }
}

/// Creates the shared repository `remote` (bare, what the daemon follows
/// and pushes status to, like a Git host) and a working clone `work` with
/// the quickstart committed and pushed on `main`; returns the commit id.
pub fn create(remote: &Path, work: &Path) -> Result<String, RepoError> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main").bare(true);
    git2::Repository::init_opts(remote, &opts).map_err(git("initialize the remote"))?;
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(work, &opts).map_err(git("initialize"))?;
    repo.remote("origin", &remote.display().to_string())
        .map_err(git("add the remote"))?;
    for (path, text) in QUICKSTART {
        write(work, path, text)?;
    }
    commit_and_push(&repo, "Add the quickstart: a web shop in four clusters")
}

/// Commits [`CHANGE`]; returns the commit id.
pub fn commit_change(dir: &Path) -> Result<String, RepoError> {
    let (path, edits) = CHANGE;
    let full = dir.join(path);
    let mut text = std::fs::read_to_string(&full).map_err(|source| RepoError::Write {
        path: path.to_string(),
        source,
    })?;
    for (from, to) in edits {
        if !text.contains(from) {
            return Err(RepoError::ChangeOutdated {
                path: path.to_string(),
                text: from.to_string(),
            });
        }
        text = text.replacen(from, to, 1);
    }
    write(dir, path, &text)?;
    let repo = git2::Repository::open(dir).map_err(git("open"))?;
    commit_and_push(&repo, "web: scale to 12 replicas and roll out 1.5.0")
}

fn write(dir: &Path, path: &str, text: &str) -> Result<(), RepoError> {
    let full = dir.join(path);
    let failed = |source| RepoError::Write {
        path: full.display().to_string(),
        source,
    };
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(&full, text).map_err(|source| RepoError::Write {
        path: full.display().to_string(),
        source,
    })
}

fn commit_and_push(repo: &git2::Repository, message: &str) -> Result<String, RepoError> {
    let mut index = repo.index().map_err(git("read the index"))?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(git("stage files"))?;
    index.write().map_err(git("write the index"))?;
    let tree_id = index.write_tree().map_err(git("write a tree"))?;
    let tree = repo.find_tree(tree_id).map_err(git("read a tree"))?;
    let who = git2::Signature::now("flotilla demo", "demo@flotilla.invalid")
        .map_err(git("make a signature"))?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &who, &who, message, &tree, &parents)
        .map_err(git("commit"))?;
    let mut origin = repo.find_remote("origin").map_err(git("find the remote"))?;
    origin
        .push(&["refs/heads/main:refs/heads/main"], None)
        .map_err(git("push"))?;
    Ok(id.to_string())
}

/// The text of `path` at the tip of `branch` of the repository at `dir`
/// (bare or not), if both exist.
pub fn read_at(dir: &Path, branch: &str, path: &str) -> Option<String> {
    let repo = git2::Repository::open(dir).ok()?;
    let object = repo.revparse_single(&format!("{branch}:{path}")).ok()?;
    let blob = object.peel_to_blob().ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_quickstart_is_the_example_directory() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read quickstart") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if crate::source::is_yaml(&path.to_string_lossy()) {
                    let rel = path.strip_prefix(&root).expect("under root");
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = QUICKSTART.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(
            embedded, on_disk,
            "update QUICKSTART when the example changes"
        );
        let (path, edits) = CHANGE;
        let text = QUICKSTART
            .iter()
            .find(|(p, _)| *p == path)
            .expect("changed file")
            .1;
        for (from, _) in edits {
            assert!(text.contains(from), "{path} lacks `{from}`");
        }
    }
}

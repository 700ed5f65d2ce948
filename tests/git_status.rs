//! The status branch against a real `git daemon` and `file://` remotes: the
//! commit is made only when the tree changes, carries the trailer, is pushed,
//! and is rebuilt on top of anyone else's push. The system `git` checks the
//! result from a fresh clone.

mod support;

use flotilla::source::status_branch::{Identity, SOURCE_TRAILER};
use flotilla::source::{
    Credentials, Disposition, GitSource, Remote, StatusBranch, StatusError, StatusFiles,
};
use std::path::{Path, PathBuf};
use support::git::{chain, git, GitServer, Origin};

const STATUS: &str = "flotilla/status";

fn files(entries: &[(&str, &str)]) -> StatusFiles {
    entries
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn open(data: &Path, url: &str) -> GitSource {
    let src = GitSource::open(
        data,
        Remote::new(url, "main").unwrap(),
        Credentials::default(),
    )
    .unwrap();
    src.fetch().expect("fetch main");
    src
}

/// A fresh clone of `url` by the system git, with the status branch as a
/// local branch so that `git log flotilla/status` works.
fn fresh_clone(tmp: &Path, url: &str, name: &str) -> PathBuf {
    let dir = tmp.join(name);
    git(tmp, &["clone", "-q", url, dir.to_str().unwrap()]);
    git(
        &dir,
        &["fetch", "-q", "origin", &format!("{STATUS}:{STATUS}")],
    );
    dir
}

fn show(dir: &Path, rev_path: &str) -> String {
    git(dir, &["show", rev_path])
}

#[test]
fn status_commit_pushed_only_on_change_with_trailer() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let daemon = GitServer::serve(tmp.path());
    let url = daemon.url("fleet.git");
    let src = open(&tmp.path().join("data"), &url);
    let source = src.last_fetched().unwrap();
    let status = StatusBranch::new(STATUS, "main").unwrap();

    // No status branch yet: empty, not an error.
    assert_eq!(status.fetch(&src).unwrap(), None);
    assert!(status.read(&src).unwrap().is_empty());
    assert_eq!(status.head(&src).unwrap(), None);

    let v1 = files(&[
        ("status/README.md", "# fleet\n| app | eu-1 |\n"),
        ("status/clusters/eu-1.yaml", "reachable: true\n"),
        (
            "status/resources/default/apps.Deployment/web.yaml",
            "health: Healthy\n",
        ),
    ]);
    let first = status
        .commit_status(&src, &v1, "status: 1 cluster, 1 resource", &source)
        .expect("first status commit")
        .expect("a commit is made");
    assert_eq!(
        origin.rev(STATUS).as_deref(),
        Some(first.to_string().as_str())
    );
    assert_eq!(status.read(&src).unwrap(), v1);

    // Same files again: no commit, nothing pushed.
    assert_eq!(
        status
            .commit_status(&src, &v1, "status: unchanged", &source)
            .unwrap(),
        None
    );
    assert_eq!(
        origin.rev(STATUS).as_deref(),
        Some(first.to_string().as_str())
    );

    // A change: one more commit on top.
    let mut v2 = v1.clone();
    v2.insert(
        "status/clusters/eu-1.yaml".into(),
        b"reachable: false\n".to_vec(),
    );
    v2.remove("status/resources/default/apps.Deployment/web.yaml");
    let second = status
        .commit_status(&src, &v2, "status: eu-1 unreachable", &source)
        .unwrap()
        .expect("changed tree is committed");

    // Seen by an independent client in a fresh clone.
    let clone = fresh_clone(tmp.path(), &url, "fresh");
    let log = git(
        &clone,
        &["log", "--format=%H %an <%ae> | %cn <%ce>", STATUS],
    );
    assert_eq!(
        log,
        format!(
            "{second} flotilla <flotilla@localhost> | flotilla <flotilla@localhost>\n\
             {first} flotilla <flotilla@localhost> | flotilla <flotilla@localhost>"
        )
    );
    let message = git(&clone, &["log", "-1", "--format=%B", STATUS]);
    assert_eq!(
        message,
        format!("status: eu-1 unreachable\n\n{SOURCE_TRAILER}: {source}")
    );
    let trailer = git(
        &clone,
        &[
            "log",
            "-1",
            "--format=%(trailers:key=Flotilla-Source,valueonly)",
            STATUS,
        ],
    );
    assert_eq!(trailer, source);
    assert_eq!(
        show(&clone, &format!("{STATUS}:status/clusters/eu-1.yaml")),
        "reachable: false"
    );
    assert_eq!(
        git(&clone, &["ls-tree", "-r", "--name-only", STATUS]),
        "status/README.md\nstatus/clusters/eu-1.yaml"
    );
    // The watched branch did not move.
    assert_eq!(origin.rev("main"), Some(source));
}

#[test]
fn non_fast_forward_is_rebuilt_on_the_remote_head() {
    let tmp = tempfile::tempdir().unwrap();
    let _origin = Origin::new(tmp.path(), "fleet");
    let daemon = GitServer::serve(tmp.path());
    let url = daemon.url("fleet.git");
    let src = open(&tmp.path().join("data"), &url);
    let source = src.last_fetched().unwrap();
    let status = StatusBranch::new(STATUS, "main").unwrap();

    let v1 = files(&[("status/README.md", "v1\n")]);
    let first = status
        .commit_status(&src, &v1, "status: v1", &source)
        .unwrap()
        .unwrap();

    // Someone else pushes to the status branch: a note at the root, and an
    // edit inside status/.
    let other = fresh_clone(tmp.path(), &url, "other");
    git(&other, &["checkout", "-q", STATUS]);
    std::fs::write(other.join("NOTES.md"), "kept by a person\n").unwrap();
    std::fs::write(other.join("status/README.md"), "edited by hand\n").unwrap();
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-q", "-m", "a person's commit"]);
    git(&other, &["push", "-q", "origin", STATUS]);
    let theirs = git(&other, &["rev-parse", "HEAD"]);

    // Our next commit is made on our old head, rejected, and rebuilt on theirs.
    let v2 = files(&[("status/README.md", "v2\n"), ("status/errors.yaml", "[]\n")]);
    let pushed = status
        .commit_status(&src, &v2, "status: v2", &source)
        .expect("rebuilt and pushed")
        .expect("a commit");

    let check = fresh_clone(tmp.path(), &url, "check");
    let log = git(&check, &["log", "--format=%H %s", STATUS]);
    assert_eq!(
        log,
        format!("{pushed} status: v2\n{theirs} a person's commit\n{first} status: v1"),
        "both histories kept, ours on top"
    );
    assert_eq!(
        show(&check, &format!("{STATUS}:NOTES.md")),
        "kept by a person"
    );
    assert_eq!(show(&check, &format!("{STATUS}:status/README.md")), "v2");
    assert_eq!(
        git(
            &check,
            &[
                "log",
                "-1",
                "--format=%(trailers:key=Flotilla-Source,valueonly)",
                STATUS
            ]
        ),
        source
    );
    assert_eq!(status.read(&src).unwrap(), v2);

    // And when the other writer's tree already equals ours, nothing new is
    // committed on top of it.
    git(&other, &["pull", "-q", "origin", STATUS]);
    std::fs::write(other.join("status/README.md"), "v3\n").unwrap();
    git(&other, &["commit", "-q", "-am", "same as flotilla's next"]);
    git(&other, &["push", "-q", "origin", STATUS]);
    let theirs = git(&other, &["rev-parse", "HEAD"]);
    let v3 = files(&[("status/README.md", "v3\n"), ("status/errors.yaml", "[]\n")]);
    let local = status.commit(&src, &v3, "status: v3", &source).unwrap();
    assert!(local.is_some(), "locally the tree changed");
    let at = status.push(&src).unwrap().unwrap();
    assert_eq!(
        at.to_string(),
        theirs,
        "the remote head already had our tree"
    );
}

#[test]
fn a_restarted_daemon_reads_the_status_back_from_the_remote() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let url = origin.file_url();
    let status = StatusBranch::new(STATUS, "main")
        .unwrap()
        .with_identity(Identity {
            name: "fleet-bot".into(),
            email: "bot@fleet.example".into(),
        });
    let v1 = files(&[(
        "status/resources/default/apps.Deployment/web.yaml",
        "placement: [eu-1]\n",
    )]);
    {
        let src = open(&tmp.path().join("data-a"), &url);
        let source = src.last_fetched().unwrap();
        status
            .commit_status(&src, &v1, "status: placements", &source)
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        git(&origin.bare, &["log", "-1", "--format=%an <%ae>", STATUS]),
        "fleet-bot <bot@fleet.example>"
    );
    // Another data directory (a new machine): fetch, then read.
    let src = open(&tmp.path().join("data-b"), &url);
    assert!(status.read(&src).unwrap().is_empty(), "not fetched yet");
    assert!(status.fetch(&src).unwrap().is_some());
    assert_eq!(status.read(&src).unwrap(), v1);
    // Its first commit with the same content is no commit at all.
    let source = src.last_fetched().unwrap();
    assert_eq!(status.commit_status(&src, &v1, "x", &source).unwrap(), None);
}

#[test]
fn a_push_during_an_outage_is_kept_and_sent_later() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let mut daemon = GitServer::serve(tmp.path());
    let src = open(&tmp.path().join("data"), &daemon.url("fleet.git"));
    let source = src.last_fetched().unwrap();
    let status = StatusBranch::new(STATUS, "main").unwrap();

    daemon.stop();
    let v1 = files(&[("status/README.md", "during the outage\n")]);
    let err = status
        .commit_status(&src, &v1, "status: offline", &source)
        .expect_err("remote is down");
    assert_eq!(err.disposition(), Disposition::Retry, "{}", chain(&err));
    let local = status.head(&src).unwrap().expect("committed locally");
    assert_eq!(origin.rev(STATUS), None);

    daemon.restart();
    // Same content: nothing new to commit, but the pending commit is pushed.
    assert_eq!(
        status
            .commit_status(&src, &v1, "status: offline", &source)
            .unwrap(),
        None
    );
    assert_eq!(origin.rev(STATUS), Some(local.to_string()));
}

#[test]
fn the_watched_branch_is_never_the_status_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    assert!(matches!(
        StatusBranch::new("main", "main"),
        Err(StatusError::SameAsWatched { .. })
    ));
    // Built for another watched branch, then used with a source watching it.
    let status = StatusBranch::new("deploy", "main").unwrap();
    let src = GitSource::open(
        &tmp.path().join("data"),
        Remote::new(origin.file_url(), "deploy").unwrap(),
        Credentials::default(),
    )
    .unwrap();
    let err = status
        .commit_status(&src, &files(&[("status/a", "b")]), "m", "abcdef")
        .expect_err("refused");
    assert!(matches!(err, StatusError::SameAsWatched { .. }));
    assert_eq!(err.disposition(), Disposition::Stall);
    assert_eq!(origin.rev("deploy"), None);

    // Paths outside status/ and bad source commits are refused too.
    let status = StatusBranch::new(STATUS, "main").unwrap();
    let src = open(&tmp.path().join("data2"), &origin.file_url());
    let sha = src.last_fetched().unwrap();
    assert!(matches!(
        status.commit(&src, &files(&[("README.md", "x")]), "m", &sha),
        Err(StatusError::InvalidPath { .. })
    ));
    assert!(matches!(
        status.commit(&src, &files(&[("status/a", "x")]), "m", "abc\nEvil: yes"),
        Err(StatusError::InvalidSourceCommit { .. })
    ));
}

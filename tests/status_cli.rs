//! `flotilla status` through the real binary: a repository made with the
//! system `git` whose `flotilla/status` branch holds the tree
//! `status::build` makes of the small fleet of `status_fleet`, read from a
//! work tree (local branch, remote-tracking branch, the current directory),
//! a bare repository and a `file://` URL; filters; and the failures (no
//! status branch, not a repository, a bad branch name, an unreachable URL
//! whose credentials must not be printed), each exit 2.

mod status_fleet;
mod support;

use flotilla::status::tables::{self, Filter, Format};
use flotilla::status::{build, Tree};
use serde_json::Value;
use status_fleet::fleet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::git::{git, Origin};

const STATUS: &str = "flotilla/status";

/// `flotilla <args>` in `dir`, with no user or system git configuration and
/// no credentials from the environment.
fn flotilla(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("FLOTILLA_GIT_TOKEN")
        .env_remove("FLOTILLA_SSH_KEY")
        .env_remove("FLOTILLA_SSH_KEY_PASSPHRASE")
        .env_remove("FLOTILLA_LOG")
        .output()
        .expect("flotilla runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and expects exit 0; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = flotilla(dir, args);
    assert!(
        out.status.success(),
        "flotilla {args:?} failed ({:?}): {}",
        out.status.code(),
        stderr(&out)
    );
    stdout(&out)
}

/// Runs and expects exit 2; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = flotilla(dir, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "flotilla {args:?}: stdout {} stderr {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing on stdout: {}",
        stdout(&out)
    );
    stderr(&out)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let text = ok(dir, args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `(app, cluster)` of each application row of a JSON report.
fn app_rows(report: &Value) -> Vec<(String, String)> {
    report["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|r| {
            (
                r["app"].as_str().unwrap().to_string(),
                r["cluster"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn cluster_names(report: &Value) -> Vec<String> {
    report["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| c["cluster"].as_str().unwrap().to_string())
        .collect()
}

/// A watched repository whose status branch was written by someone else.
struct Fixture {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    origin: Origin,
    /// The repository the status commits are made in: a work tree with
    /// `flotilla/status` checked out as a local branch (and no `main`).
    writer: PathBuf,
    tree: Tree,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().to_path_buf();
        let origin = Origin::new(&base, "fleet");
        let writer = base.join("writer");
        std::fs::create_dir_all(&writer).unwrap();
        git(
            &writer,
            &["init", "-q", &format!("--initial-branch={STATUS}")],
        );
        git(&writer, &["remote", "add", "origin", s(&origin.bare)]);
        let tree = build(&fleet());
        let f = Fixture {
            _tmp: tmp,
            base,
            origin,
            writer,
            tree,
        };
        // A file outside `status/`: the branch may hold others, never read.
        std::fs::write(f.writer.join("NOTES.md"), "not status\n").unwrap();
        f.write_status(&f.tree, "flotilla: status of 1a2b3c4");
        f
    }

    /// Commits `tree` as the whole `status/` directory and pushes it.
    fn write_status(&self, tree: &Tree, message: &str) {
        let _ = std::fs::remove_dir_all(self.writer.join("status"));
        for (path, text) in tree {
            let file = self.writer.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        git(&self.writer, &["add", "-A"]);
        git(&self.writer, &["commit", "-q", "-m", message]);
        git(&self.writer, &["push", "-q", "origin", STATUS]);
    }

    fn expected(&self, filter: &Filter, format: Format) -> String {
        tables::render(&self.tree, filter, format)
    }
}

#[test]
fn human_tables_from_a_work_tree_with_the_local_branch() {
    let f = Fixture::new();
    let out = ok(&f.base, &["status", "--repo", s(&f.writer)]);
    assert_eq!(out, f.expected(&Filter::default(), Format::Human));
    // The clusters table and the applications × clusters table.
    assert!(out.contains("CLUSTER  REACHABLE"), "{out}");
    assert!(out.contains("APP "), "{out}");
    for needle in [
        "eu-1",
        "eu-2",
        "us-1",
        "Deployment shop/web",
        "Service shop/web",
        "ConfigMap shop/web-config",
        "source: main at 1a2b3c4",
    ] {
        assert!(out.contains(needle), "`{needle}` missing:\n{out}");
    }
    let app_lines = out
        .lines()
        .filter(|l| l.starts_with("Deployment shop/web "))
        .count();
    assert_eq!(app_lines, 3, "one row per cluster:\n{out}");
}

#[test]
fn repo_defaults_to_the_current_directory() {
    let f = Fixture::new();
    let out = ok(&f.writer, &["status"]);
    assert_eq!(out, f.expected(&Filter::default(), Format::Human));
    // A subdirectory of the work tree finds its repository, as git does.
    let out = ok(&f.writer.join("status"), &["status"]);
    assert_eq!(out, f.expected(&Filter::default(), Format::Human));
}

#[test]
fn json_has_the_rows() {
    let f = Fixture::new();
    let report = json(
        &f.base,
        &["status", "--repo", s(&f.writer), "--format", "json"],
    );
    assert_eq!(
        serde_json::to_string_pretty(&report).unwrap() + "\n",
        f.expected(&Filter::default(), Format::Json)
    );
    assert_eq!(cluster_names(&report), ["eu-1", "eu-2", "us-1"]);
    let rows = app_rows(&report);
    assert_eq!(rows.len(), 11, "{rows:?}");
    assert_eq!(
        rows[0],
        ("Deployment shop/web".to_string(), "eu-1".to_string())
    );
    assert_eq!(report["source"]["commit"], status_fleet::GOOD);
    assert_eq!(report["invalid"]["commit"], status_fleet::BAD);
    let us1 = &report["clusters"][2];
    assert_eq!(us1["reachable"], false);
    let web_eu2 = &report["apps"][1];
    assert_eq!(web_eu2["cluster"], "eu-2");
    assert_eq!(web_eu2["ready"], 1);
    assert_eq!(web_eu2["desired"], 2);
    assert_eq!(web_eu2["drift"], true);
}

#[test]
fn app_and_cluster_filter() {
    let f = Fixture::new();
    let repo = s(&f.writer);

    let report = json(
        &f.base,
        &[
            "status",
            "--repo",
            repo,
            "--format",
            "json",
            "--cluster",
            "eu-2",
        ],
    );
    assert_eq!(cluster_names(&report), ["eu-2"]);
    let rows = app_rows(&report);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|(_, c)| c == "eu-2"), "{rows:?}");

    let args = [
        "status",
        "--repo",
        repo,
        "--format",
        "json",
        "--app",
        "Deployment/shop/web",
    ];
    let report = json(&f.base, &args);
    let rows = app_rows(&report);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().all(|(a, _)| a == "Deployment shop/web"),
        "{rows:?}"
    );

    // `--app web`: the Deployment and the Service of that name.
    let args = [
        "status",
        "--repo",
        repo,
        "--format",
        "json",
        "--app",
        "web",
        "--cluster",
        "eu-1",
    ];
    let report = json(&f.base, &args);
    assert_eq!(
        app_rows(&report),
        [
            ("Deployment shop/web".to_string(), "eu-1".to_string()),
            ("Service shop/web".to_string(), "eu-1".to_string()),
        ]
    );
    assert_eq!(cluster_names(&report), ["eu-1"]);

    // Human, filtered: the same as the library's table with that filter.
    let filter = Filter {
        app: Some("web-config".into()),
        cluster: Some("us-1".into()),
    };
    let args = [
        "status",
        "--repo",
        repo,
        "--app",
        "web-config",
        "--cluster",
        "us-1",
    ];
    let out = ok(&f.base, &args);
    assert_eq!(out, f.expected(&filter, Format::Human));
    assert!(out.contains("ConfigMap shop/web-config  us-1"), "{out}");
    assert!(!out.contains("eu-1"), "{out}");

    // A filter that matches nothing is not an error: empty tables.
    let args = [
        "status", "--repo", repo, "--format", "json", "--app", "nope",
    ];
    let report = json(&f.base, &args);
    assert!(app_rows(&report).is_empty());
    assert!(cluster_names(&report).is_empty());
}

#[test]
fn a_bare_repository_and_a_file_url() {
    let f = Fixture::new();
    let want = f.expected(&Filter::default(), Format::Human);
    assert_eq!(ok(&f.base, &["status", "--repo", s(&f.origin.bare)]), want);
    assert_eq!(ok(&f.origin.bare, &["status"]), want, "bare, as `.`");
    let url = f.origin.file_url();
    let (pid, out) = with_pid(
        Command::new(env!("CARGO_BIN_EXE_flotilla"))
            .current_dir(&f.base)
            .args(["status", "--repo", &url])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), want);
    assert!(
        temporary_clones(pid).is_empty(),
        "the temporary clone is removed"
    );
    let report = json(
        &f.base,
        &[
            "status",
            "--repo",
            &url,
            "--format",
            "json",
            "--cluster",
            "us-1",
        ],
    );
    assert_eq!(cluster_names(&report), ["us-1"]);
    assert_eq!(app_rows(&report).len(), 3);
    // A bare clone made by git (`git clone --bare`) holds the branch too.
    let clone = f.base.join("clone.git");
    git(&f.base, &["clone", "-q", "--bare", &url, s(&clone)]);
    assert_eq!(ok(&f.base, &["status", "--repo", s(&clone)]), want);
}

#[test]
fn a_remote_tracking_branch_and_a_newer_fetch() {
    let f = Fixture::new();
    // The people's work tree: `main` checked out, the status branch only
    // as `origin/flotilla/status` after a plain fetch.
    let work = &f.origin.work;
    git(work, &["fetch", "-q", "origin"]);
    assert!(git(work, &["branch", "--list", STATUS]).is_empty());
    let want = f.expected(&Filter::default(), Format::Human);
    assert_eq!(ok(&f.base, &["status", "--repo", s(work)]), want);

    // A local branch as well, then newer status fetched: the remote-
    // tracking branch is strictly ahead, so it is the one shown.
    git(work, &["branch", STATUS, &format!("origin/{STATUS}")]);
    let mut newer = fleet();
    newer.source.commit = "2222222222222222222222222222222222222222".into();
    newer.bad_commit = None;
    let newer = build(&newer);
    f.write_status(&newer, "flotilla: status of 2222222");
    assert_eq!(
        ok(&f.base, &["status", "--repo", s(work)]),
        want,
        "not fetched yet"
    );
    git(work, &["fetch", "-q", "origin"]);
    let out = ok(&f.base, &["status", "--repo", s(work)]);
    assert_eq!(
        out,
        tables::render(&newer, &Filter::default(), Format::Human)
    );
    assert!(out.contains("source: main at 2222222"), "{out}");
    assert!(!out.contains("invalid:"), "{out}");
}

#[test]
fn no_status_branch_says_the_daemon_has_not_written_yet() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "empty");
    for repo in [
        s(&origin.work).to_string(),
        s(&origin.bare).to_string(),
        origin.file_url(),
    ] {
        let err = fails(tmp.path(), &["status", "--repo", &repo]);
        assert!(
            err.contains("no status branch `flotilla/status`")
                && err.contains("the daemon (`flotilla run`) has not written status yet"),
            "{repo}: {err}"
        );
        assert_eq!(err.matches("error:").count(), 1, "printed once: {err}");
    }
    // The work tree has a remote: it is told how to bring the branch.
    let err = fails(tmp.path(), &["status", "--repo", s(&origin.work)]);
    assert!(err.contains("run `git fetch origin`"), "{err}");
    // Another branch name is looked for when asked.
    let err = fails(
        tmp.path(),
        &[
            "status",
            "--repo",
            s(&origin.work),
            "--status-branch",
            "ops/status",
        ],
    );
    assert!(err.contains("no status branch `ops/status`"), "{err}");
}

#[test]
fn usage_and_runtime_failures_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let not_repo = tmp.path().join("plain");
    std::fs::create_dir_all(&not_repo).unwrap();
    let err = fails(tmp.path(), &["status", "--repo", s(&not_repo)]);
    assert!(err.contains("is not a Git repository"), "{err}");

    let missing = tmp.path().join("missing");
    let err = fails(tmp.path(), &["status", "--repo", s(&missing)]);
    assert!(err.contains("does not exist"), "{err}");

    let err = fails(tmp.path(), &["status", "--status-branch", "a..b"]);
    assert!(err.contains("not a valid branch name"), "{err}");
    let err = fails(tmp.path(), &["status", "--format", "yaml"]);
    assert!(err.contains("invalid value 'yaml'"), "{err}");
}

#[test]
fn credentials_in_a_url_are_never_printed() {
    let tmp = tempfile::tempdir().unwrap();
    const PASSWORD: &str = "hunter2-PASSWORD-7e1f";
    const TOKEN: &str = "tok-TOKEN-51c9";
    // Port 1 on loopback: refused at once.
    let url = format!("https://alice:{PASSWORD}@127.0.0.1:1/fleet.git");
    let (pid, out) = with_pid(
        Command::new(env!("CARGO_BIN_EXE_flotilla"))
            .current_dir(tmp.path())
            .args(["status", "--repo", &url])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("FLOTILLA_GIT_TOKEN", TOKEN),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1:1"), "names the remote: {err}");
    for secret in [PASSWORD, TOKEN, "alice:"] {
        assert!(!err.contains(secret), "`{secret}` printed: {err}");
        assert!(!stdout(&out).contains(secret));
    }
    assert!(temporary_clones(pid).is_empty(), "removed after a failure");
}

/// Runs `cmd` to the end; its process id and output.
fn with_pid(cmd: &mut Command) -> (u32, Output) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("flotilla runs");
    let pid = child.id();
    (pid, child.wait_with_output().unwrap())
}

/// The temporary clones that process `pid` left behind.
fn temporary_clones(pid: u32) -> Vec<String> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("flotilla-status-{pid}-")))
        .collect()
}

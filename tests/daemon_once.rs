//! `flotilla run --once` through the binary against real processes (`git
//! daemon`, `flotilla sim`; kubectl and git check): one full reconcile,
//! exit 0 with the clusters converged and status written; a clear message
//! and a non-zero exit on a bad commit and on an unreachable remote.

mod support;

use support::daemon::{run_once, DaemonConfig};
use support::fleet::{self, STATUS};
use support::git::GitServer;
use support::sim::Sim;

const BOTH: [&str; 2] = ["member1", "member2"];

#[test]
fn once_converges_writes_status_and_exits() {
    let sim = Sim::start(&["--clusters", "2"]);
    let mut git = GitServer::start();
    let work = git.create("fleet.git", &fleet::repository(2));
    let commit = work.head();
    let data = tempfile::tempdir().expect("tempdir");
    let config = DaemonConfig::new(&git.url("fleet.git"), &sim.kubeconfig, data.path());

    let once = run_once(&config, 90);
    assert!(
        once.status.success(),
        "exit {:?}:\n{}",
        once.status,
        once.stderr
    );
    for cluster in BOTH {
        let ready = sim.jsonpath(
            cluster,
            &["-n", "shop", "deploy", "web"],
            "{.status.readyReplicas}",
        );
        assert_eq!(ready.as_deref(), Some("2"), "{cluster}");
        let greeting = sim.jsonpath(
            cluster,
            &["-n", "shop", "configmap", "web-config"],
            "{.data.greeting}",
        );
        assert_eq!(greeting.as_deref(), Some("hello"), "{cluster}");
    }
    let readme = work
        .remote_file(STATUS, "status/README.md")
        .expect("the status README");
    assert!(
        readme.lines().next().is_some_and(|l| l.contains(&commit)),
        "{readme}"
    );
    assert!(
        readme.contains("| Deployment shop/web | Healthy"),
        "{readme}"
    );
    assert!(!readme.contains("Needs attention"), "{readme}");
    eprintln!("--once took {:?}", once.took);

    // The remote unreachable: an existing clone cannot be brought up to
    // date, so there is no reconcile to run.
    git.stop();
    let once = run_once(&config, 60);
    assert_eq!(once.status.code(), Some(2), "{}", once.stderr);
    assert!(once.stderr.contains("failed to fetch"), "{}", once.stderr);
    // Nor without a clone.
    let fresh = tempfile::tempdir().expect("tempdir");
    let config = DaemonConfig::new(&git.url("fleet.git"), &sim.kubeconfig, fresh.path());
    let once = run_once(&config, 60);
    assert_eq!(once.status.code(), Some(2), "{}", once.stderr);
    assert!(
        once.stderr.contains("failed to fetch the source")
            && once.stderr.contains("Connection refused"),
        "{}",
        once.stderr
    );
}

#[test]
fn once_on_a_bad_commit_reports_it_and_fails() {
    let sim = Sim::start(&["--clusters", "1"]);
    let git = GitServer::start();
    let mut files = fleet::repository(1);
    files.push((
        "apps/broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n".to_string(),
    ));
    let work = git.create("fleet.git", &files);
    let bad = work.head();
    let data = tempfile::tempdir().expect("tempdir");
    let config = DaemonConfig::new(&git.url("fleet.git"), &sim.kubeconfig, data.path());

    let once = run_once(&config, 60);
    assert_eq!(once.status.code(), Some(1), "{}", once.stderr);
    assert!(once.stderr.contains(&bad[..7]), "{}", once.stderr);
    assert!(
        once.stderr.contains("apps/broken.yaml:3:"),
        "{}",
        once.stderr
    );
    // Nothing was applied, and status says why.
    assert!(!sim.exists("member1", &["namespace", "shop"]));
    let errors = work
        .remote_file(STATUS, "status/errors.yaml")
        .expect("errors.yaml");
    assert!(
        errors.contains(&bad) && errors.contains("apps/broken.yaml"),
        "{errors}"
    );
}

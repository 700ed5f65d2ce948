//! `flotilla demo --once` through the real binary: the README's main
//! command, scripted. The fleet converges, the change propagates, and the
//! status README comes back from the status branch.

mod support;

#[test]
fn the_demo_runs_its_scenario_to_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("demo");
    let out = support::flotilla(&[
        "demo",
        "--once",
        "--listen",
        "127.0.0.1:0",
        "--timeout",
        "90",
        "--dir",
        &work.display().to_string(),
    ]);
    let stdout = support::stdout(&out);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        support::stderr(&out)
    );
    for expected in [
        "converged in",
        "propagated in",
        "replicas 6/6 ready ✔",
        "| Deployment shop/web | Healthy",
        "export KUBECONFIG=",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    // The status branch is real Git, readable by the system `git`.
    let log = support::git::git(
        &work.join("remote.git"),
        &["log", "--format=%B", "flotilla/status"],
    );
    assert!(log.contains("Flotilla-Source: "), "{log}");
}

//! The daemon killed with SIGKILL and restarted on the same data directory
//! and remote, real processes only (`git daemon`, `flotilla sim`,
//! `flotilla run`; kubectl, git and the simulator's request counters
//! check): it writes nothing the first run already wrote, keeps every
//! placement, prunes nothing, and keeps what it recorded even when the
//! branch's tip is a bad commit.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::fleet::{self, Fleet, STATUS};

const BOTH: [&str; 2] = ["member1", "member2"];
const CONFIG: &[&str] = &["-n", "shop", "configmap", "web-config"];
const DEPLOY: &[&str] = &["-n", "shop", "deploy", "web"];
const API: &[&str] = &["-n", "shop", "deploy", "api"];

/// `web` and the ConfigMaps everywhere; `api` (5 replicas) divided 2:1, a
/// decision the status branch keeps.
const POLICIES: &str = "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: everywhere
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: Namespace}
    - {apiVersion: apps/v1, kind: Deployment, name: web}
    - {apiVersion: v1, kind: ConfigMap}
  placement:
    replicaScheduling:
      replicaSchedulingType: Duplicated
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: spread
  namespace: shop
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: api}
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - {targetCluster: {clusterNames: [member1]}, weight: 2}
          - {targetCluster: {clusterNames: [member2]}, weight: 1}
";

fn api() -> String {
    fleet::app("1.0.0")
        .split("---\n")
        .nth(1)
        .expect("the Deployment")
        .replace("name: web", "name: api")
        .replace("app: web", "app: api")
        .replace("replicas: 2", "replicas: 5")
}

fn repository() -> Vec<(&'static str, String)> {
    let mut files = fleet::repository(2);
    files.retain(|(path, _)| *path != "policy.yaml");
    files.push(("policy.yaml", POLICIES.to_string()));
    files.push(("apps/api.yaml", api()));
    files
}

/// The `placement` of every resource file on the status branch at `rev`
/// (already fetched), by path.
fn placements(fleet: &Fleet, rev: &str) -> BTreeMap<String, Value> {
    let files = support::git::git(
        &fleet.work.path,
        &["ls-tree", "-r", "--name-only", rev, "status/resources"],
    );
    files
        .lines()
        .map(|path| {
            let text = fleet.work.file_at(rev, path).expect("listed file");
            let file: Value = serde_norway::from_str(&text).expect("YAML");
            (path.to_string(), file["placement"].clone())
        })
        .collect()
}

/// The status branch's commits, oldest first.
fn status_commits(fleet: &Fleet) -> Vec<String> {
    let mut log: Vec<String> = fleet
        .work
        .remote_log(STATUS)
        .iter()
        .map(|entry| entry.split(' ').next().unwrap_or_default().to_string())
        .collect();
    log.reverse();
    log
}

/// `api`'s replicas on `cluster`, as kubectl reads them.
fn api_replicas(fleet: &Fleet, cluster: &str) -> Option<String> {
    fleet.sim.jsonpath(cluster, API, "{.spec.replicas}")
}

/// Write requests by field manager `flotilla`, per cluster.
fn flotilla_writes(fleet: &Fleet) -> Vec<u64> {
    BOTH.iter()
        .map(|c| fleet.sim.counters(c).writes_by("flotilla"))
        .collect()
}

/// Passes the daemon has made over `cluster` since it started.
fn passes(fleet: &Fleet, cluster: &str) -> f64 {
    fleet
        .daemon
        .metric(&format!(
            "flotilla_reconcile_duration_seconds_count{{cluster=\"{cluster}\"}}"
        ))
        .unwrap_or(0.0)
}

/// Waits until the fleet has converged on `commit` and the status branch
/// says so (every resource Healthy, nothing needing attention).
fn wait_converged(fleet: &Fleet, commit: &str) {
    fleet.wait_applied(60, &BOTH, &[CONFIG, DEPLOY, API], commit);
    fleet.wait_ready(60);
    fleet.wait_for(60, "status to show the converged fleet", || {
        fleet.status_file("status/README.md").is_some_and(|r| {
            r.lines().next().is_some_and(|l| l.contains(commit))
                && r.contains("Healthy")
                && !r.contains("Needs attention")
        })
    });
}

#[test]
fn a_killed_daemon_restarts_without_writing_again() {
    let mut fleet = Fleet::start(2, &repository());
    let commit = fleet.work.head();
    wait_converged(&fleet, &commit);
    // kill -9; what the first run left is read once it can add nothing.
    fleet.daemon.kill();
    let before_kill = status_commits(&fleet);
    let head = before_kill.last().expect("a status commit").clone();
    let placed = placements(&fleet, &head);
    assert_eq!(placed.len(), 4, "{placed:#?}");
    let divided = &placed["status/resources/shop/apps.Deployment/api.yaml"]["clusters"];
    assert_eq!(
        divided
            .as_array()
            .map(|c| c.iter().filter_map(|t| t["replicas"].as_i64()).sum::<i64>()),
        Some(5),
        "{divided:#?}"
    );
    let replicas: Vec<_> = BOTH.iter().map(|c| api_replicas(&fleet, c)).collect();
    let writes = flotilla_writes(&fleet);
    assert!(writes.iter().all(|w| *w > 0), "{writes:?}");

    // The same command on the same data directory and remote.
    fleet.daemon.restart();
    // The new process makes several passes over every cluster.
    fleet.wait_for(60, "three passes over each cluster", || {
        BOTH.iter().all(|c| passes(&fleet, c) >= 3.0)
    });
    fleet.wait_ready(30);

    // No duplicate writes, no prune.
    let after = flotilla_writes(&fleet);
    assert_eq!(
        writes, after,
        "writes by field manager flotilla, per cluster"
    );
    for cluster in BOTH {
        let counters = fleet.sim.counters(cluster);
        assert_eq!(counters.deletes(), 0, "{cluster}: {counters:?}");
    }
    // Placements unchanged: in the clusters, and in every status commit
    // the restarted daemon made.
    let now: Vec<_> = BOTH.iter().map(|c| api_replicas(&fleet, c)).collect();
    assert_eq!(replicas, now, "api's replicas per cluster");
    let after_restart = status_commits(&fleet);
    assert_eq!(
        after_restart[..before_kill.len()],
        before_kill[..],
        "the status branch was rewritten"
    );
    for commit in &after_restart[before_kill.len()..] {
        assert_eq!(
            placements(&fleet, commit),
            placed,
            "status commit {commit} changed placements"
        );
    }
    let extra = &after_restart[before_kill.len()..];
    let diffs: Vec<String> = extra
        .iter()
        .map(|c| support::git::git(&fleet.work.path, &["show", "--format=%s", c]))
        .collect();
    assert!(
        extra.is_empty(),
        "a restart into a steady fleet made status commits: {extra:?}\n{}",
        diffs.join("\n")
    );
}

#[test]
fn a_restart_on_a_bad_tip_keeps_what_was_recorded() {
    let mut fleet = Fleet::start(2, &repository());
    let good = fleet.work.head();
    wait_converged(&fleet, &good);
    let head = status_commits(&fleet)
        .last()
        .expect("a status commit")
        .clone();
    let placed = placements(&fleet, &head);

    // The tip goes bad; the daemon is killed and comes back to it.
    let bad = fleet.work.commit_files(
        &[(
            "apps/broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n".to_string(),
        )],
        "broken",
    );
    fleet.wait_for(30, "errors.yaml", || {
        fleet
            .status_file("status/errors.yaml")
            .is_some_and(|t| t.contains(&bad))
    });
    fleet.daemon.kill();
    let writes = flotilla_writes(&fleet);
    fleet.daemon.restart();
    fleet.wait_for(60, "three passes over each cluster", || {
        BOTH.iter().all(|c| passes(&fleet, c) >= 3.0)
    });
    // What was recorded stays: placements, inventories, and the commit
    // that stays applied.
    let head = status_commits(&fleet)
        .last()
        .expect("a status commit")
        .clone();
    assert_eq!(placements(&fleet, &head), placed);
    for cluster in BOTH {
        let status = fleet.cluster_status(cluster).expect("cluster status");
        assert_eq!(
            status["inventory"].as_array().map(Vec::len),
            Some(4),
            "{status:#?}"
        );
    }
    let errors = fleet
        .status_yaml("status/errors.yaml")
        .expect("errors.yaml");
    assert_eq!(errors["commit"], bad.as_str());
    assert_eq!(errors["lastGood"], good.as_str());
    let after = flotilla_writes(&fleet);
    assert_eq!(
        writes, after,
        "writes by field manager flotilla, per cluster"
    );

    // The fix removes web-config: the inventory survived, so it is pruned.
    let fixed = fleet.work.remove(
        &["apps/broken.yaml", "apps/config.yaml"],
        "fix; drop web-config",
    );
    for cluster in BOTH {
        fleet.wait_for(30, &format!("web-config to be pruned on {cluster}"), || {
            !fleet.sim.exists(cluster, CONFIG)
        });
    }
    fleet.wait_for(30, "status at the fix", || {
        fleet.status_file("status/errors.yaml").is_none()
            && fleet
                .status_file("status/README.md")
                .is_some_and(|r| r.lines().next().is_some_and(|l| l.contains(&fixed)))
    });
}

//! The daemon end to end under cluster faults, real processes only
//! (`git daemon`, `flotilla sim`, `flotilla run`; kubectl and git check):
//! a cluster whose API is down while a commit is applied, and a cluster
//! whose admission refuses one object of a revision.

mod support;

use support::fleet::{self, Fleet};

const CONFIG: &[&str] = &["-n", "shop", "configmap", "web-config"];
const DEPLOY: &[&str] = &["-n", "shop", "deploy", "web"];

fn greeting(fleet: &Fleet, cluster: &str) -> Option<String> {
    fleet.sim.jsonpath(cluster, CONFIG, "{.data.greeting}")
}

fn image(fleet: &Fleet, cluster: &str) -> Option<String> {
    fleet
        .sim
        .jsonpath(cluster, DEPLOY, "{.spec.template.spec.containers[0].image}")
}

/// What any real write to web-config or web would change on `cluster`: the
/// ConfigMap's resourceVersion, the Deployment's generation.
fn write_marks(fleet: &Fleet, cluster: &str) -> (Option<String>, Option<String>) {
    (
        fleet
            .sim
            .jsonpath(cluster, CONFIG, "{.metadata.resourceVersion}"),
        fleet
            .sim
            .jsonpath(cluster, DEPLOY, "{.metadata.generation}"),
    )
}

/// The entry of `cluster` in a resource's status file, if the file and the
/// entry exist.
fn resource_entry(fleet: &Fleet, path: &str, cluster: &str) -> Option<serde_json::Value> {
    fleet
        .status_yaml(path)
        .map(|file| file["clusters"][cluster].clone())
        .filter(|entry| !entry.is_null())
}

const CONFIG_STATUS: &str = "status/resources/shop/core.ConfigMap/web-config.yaml";
const DEPLOY_STATUS: &str = "status/resources/shop/apps.Deployment/web.yaml";

#[test]
fn a_cluster_down_during_apply_catches_up_when_it_returns() {
    let fleet = Fleet::start(3, &fleet::repository(3));
    let first = fleet.work.head();
    let all = ["member1", "member2", "member3"];
    fleet.wait_applied(60, &all, &[CONFIG, DEPLOY], &first);

    // member3's API goes down; a commit changes the app everywhere.
    fleet.sim.fault("member3", r#"{"api": "refuse"}"#);
    let next = fleet.work.commit_files(
        &[
            ("apps/web.yaml", fleet::app("1.1.0")),
            (
                "apps/config.yaml",
                fleet::configmap("web-config", "bonjour"),
            ),
        ],
        "web 1.1.0, say bonjour",
    );
    // The others converge without waiting for it.
    fleet.wait_applied(30, &["member1", "member2"], &[CONFIG, DEPLOY], &next);
    for cluster in ["member1", "member2"] {
        assert_eq!(greeting(&fleet, cluster).as_deref(), Some("bonjour"));
        assert_eq!(
            image(&fleet, cluster).as_deref(),
            Some("registry.example.com/web:1.1.0")
        );
    }
    // Status says member3 is unreachable while the others run the commit.
    fleet.wait_for(30, "status to say member3 is unreachable", || {
        fleet
            .cluster_status("member3")
            .is_some_and(|c| c["reachable"] == false)
            && resource_entry(&fleet, CONFIG_STATUS, "member1")
                .is_some_and(|e| e["commit"] == next.as_str() && e["health"] == "Healthy")
    });
    let readme = fleet.status_file("status/README.md").expect("README");
    assert!(readme.contains("cluster member3: unreachable"), "{readme}");
    assert!(
        resource_entry(&fleet, CONFIG_STATUS, "member3")
            .is_none_or(|e| e["commit"] != next.as_str()),
        "member3 cannot have been reported at the new commit"
    );

    // It comes back and catches up by itself: no commit, no trigger.
    fleet.sim.fault("member3", r#"{"api": "up"}"#);
    fleet.wait_applied(45, &["member3"], &[CONFIG, DEPLOY], &next);
    assert_eq!(greeting(&fleet, "member3").as_deref(), Some("bonjour"));
    assert_eq!(
        image(&fleet, "member3").as_deref(),
        Some("registry.example.com/web:1.1.0")
    );
    fleet.wait_for(30, "status to show member3 converged", || {
        fleet
            .cluster_status("member3")
            .is_some_and(|c| c["reachable"] == true)
            && [CONFIG_STATUS, DEPLOY_STATUS].iter().all(|path| {
                resource_entry(&fleet, path, "member3")
                    .is_some_and(|e| e["commit"] == next.as_str() && e["health"] == "Healthy")
            })
    });
}

#[test]
fn an_admission_rejection_keeps_the_whole_revision_off_that_cluster() {
    let fleet = Fleet::start(2, &fleet::repository(2));
    let first = fleet.work.head();
    let both = ["member1", "member2"];
    fleet.wait_applied(60, &both, &[CONFIG, DEPLOY], &first);

    let before = write_marks(&fleet, "member2");
    // member2's admission refuses web-config (dry runs included); the next
    // revision changes the Deployment and web-config and adds a ConfigMap.
    fleet.sim.fault(
        "member2",
        r#"{"reject": {"matching": "configmaps/web-config", "message": "greetings are frozen here"}}"#,
    );
    let next = fleet.work.commit_files(
        &[
            ("apps/web.yaml", fleet::app("1.1.0")),
            (
                "apps/config.yaml",
                fleet::configmap("web-config", "bonjour"),
            ),
            ("apps/extra.yaml", fleet::configmap("extra", "new")),
        ],
        "web 1.1.0, say bonjour, add extra",
    );
    // member1 gets the whole revision.
    fleet.wait_applied(30, &["member1"], &[CONFIG, DEPLOY], &next);
    assert!(fleet
        .sim
        .exists("member1", &["-n", "shop", "configmap", "extra"]));
    // member2 reports the rejection…
    fleet.wait_for(30, "the rejection in status", || {
        resource_entry(&fleet, CONFIG_STATUS, "member2").is_some_and(|e| {
            e["rejected"]
                .as_str()
                .is_some_and(|m| m.contains("greetings are frozen here"))
        })
    });
    let readme = fleet.status_file("status/README.md").expect("README");
    assert!(readme.contains("greetings are frozen here"), "{readme}");
    // …and holds nothing of it: every object as the previous revision
    // left it, the new one absent.
    assert_eq!(greeting(&fleet, "member2").as_deref(), Some("hello"));
    assert_eq!(
        image(&fleet, "member2").as_deref(),
        Some("registry.example.com/web:1.0.0")
    );
    assert_eq!(
        fleet.revision("member2", DEPLOY).as_deref(),
        Some(first.as_str())
    );
    assert_eq!(
        fleet.revision("member2", CONFIG).as_deref(),
        Some(first.as_str())
    );
    assert!(!fleet
        .sim
        .exists("member2", &["-n", "shop", "configmap", "extra"]));
    // Only dry runs reached member2's objects: nothing was written for real.
    let after = write_marks(&fleet, "member2");
    assert_eq!(
        before, after,
        "(ConfigMap resourceVersion, Deployment generation)"
    );
    let counters = fleet.sim.counters("member2");
    assert_eq!(counters.deletes(), 0, "{counters:?}");

    // The policy is lifted and the next commit goes everywhere.
    fleet.sim.clear_faults("member2");
    let fixed = fleet.work.commit_files(
        &[("apps/config.yaml", fleet::configmap("web-config", "hola"))],
        "say hola",
    );
    // (An object whose manifest did not change keeps the revision it was
    // written at: member1's Deployment stays at `next`.)
    fleet.wait_applied(30, &both, &[CONFIG], &fixed);
    fleet.wait_applied(30, &["member2"], &[DEPLOY], &fixed);
    assert_eq!(
        fleet.revision("member1", DEPLOY).as_deref(),
        Some(next.as_str())
    );
    assert_eq!(greeting(&fleet, "member2").as_deref(), Some("hola"));
    assert_eq!(
        image(&fleet, "member2").as_deref(),
        Some("registry.example.com/web:1.1.0")
    );
    assert!(fleet
        .sim
        .exists("member2", &["-n", "shop", "configmap", "extra"]));
    fleet.wait_for(30, "the rejection to clear from status", || {
        resource_entry(&fleet, CONFIG_STATUS, "member2")
            .is_some_and(|e| e["rejected"].is_null() && e["commit"] == fixed.as_str())
    });
}

//! The daemon's prune guards end to end, real processes only (`git
//! daemon`, `flotilla sim`, `flotilla run`; kubectl, git and the
//! simulator's request counters check): a commit that empties the
//! repository and one that removes more than the threshold delete nothing
//! and are reported in status until a Settings approval names the commit;
//! a Namespace removed from Git stays unless it is annotated
//! `flotilla.io/prune: confirm`.

mod support;

use support::fleet::{self, Fleet};

const BOTH: [&str; 2] = ["member1", "member2"];
const CONFIG: &[&str] = &["-n", "shop", "configmap", "web-config"];
const DEPLOY: &[&str] = &["-n", "shop", "deploy", "web"];
const EXTRA: [&str; 3] = ["extra-a", "extra-b", "extra-c"];

/// The `PruneHeld` errors of `cluster`'s status file, as text.
fn held(fleet: &Fleet, cluster: &str) -> Vec<String> {
    fleet
        .cluster_status(cluster)
        .and_then(|c| c["errors"].as_array().cloned())
        .into_iter()
        .flatten()
        .filter(|e| e["category"] == "PruneHeld")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The status branch's README names `commit` as the source applied.
fn status_at(fleet: &Fleet, commit: &str) -> bool {
    fleet
        .status_file("status/README.md")
        .is_some_and(|r| r.lines().next().is_some_and(|l| l.contains(commit)))
}

fn all_present(fleet: &Fleet, cluster: &str) -> bool {
    fleet.sim.exists(cluster, &["namespace", "shop"])
        && fleet.sim.exists(cluster, DEPLOY)
        && fleet.sim.exists(cluster, CONFIG)
        && EXTRA
            .iter()
            .all(|n| fleet.sim.exists(cluster, &["-n", "shop", "configmap", n]))
}

fn settings(approve: &str) -> String {
    format!(
        "apiVersion: flotilla.io/v1alpha1\nkind: Settings\nspec:\n  prune:\n    approve: [\"{approve}\"]\n"
    )
}

#[test]
fn an_empty_render_and_a_mass_removal_are_held_until_approved() {
    let mut files = fleet::repository(2);
    let extra: String = EXTRA
        .iter()
        .map(|n| fleet::configmap(n, "x"))
        .collect::<Vec<_>>()
        .join("---\n");
    files.push(("apps/extra.yaml", extra));
    let fleet = Fleet::start(2, &files);
    let first = fleet.work.head();
    fleet.wait_applied(60, &BOTH, &[CONFIG, DEPLOY], &first);
    // Six objects in each inventory: the Namespace, the Deployment, four
    // ConfigMaps.
    fleet.wait_for(30, "the inventories in status", || {
        BOTH.iter().all(|c| {
            fleet
                .cluster_status(c)
                .is_some_and(|s| s["inventory"].as_array().is_some_and(|i| i.len() == 6))
        })
    });

    // 1. Every template removed: the render is empty, nothing is deleted,
    //    the hold is reported.
    let empty = fleet.work.remove(&["apps"], "remove every template");
    fleet.wait_for(30, "the empty render to be held in status", || {
        status_at(&fleet, &empty)
            && BOTH
                .iter()
                .all(|c| held(&fleet, c).iter().any(|m| m.contains("empty")))
    });
    let readme = fleet.status_file("status/README.md").expect("README");
    assert!(readme.contains("PruneHeld"), "{readme}");
    for cluster in BOTH {
        assert!(all_present(&fleet, cluster), "{cluster} lost objects");
        let counters = fleet.sim.counters(cluster);
        assert_eq!(counters.deletes(), 0, "{cluster}: {counters:?}");
    }

    // 2. The app comes back without its ConfigMaps: 4 of 6 owned objects
    //    would go, over the default 50 %: held, reported with the commit
    //    to approve.
    let mass = fleet
        .work
        .commit_files(&[("apps/web.yaml", fleet::app("1.0.0"))], "only the app");
    fleet.wait_for(30, "the mass removal to be held in status", || {
        status_at(&fleet, &mass)
            && BOTH.iter().all(|c| {
                held(&fleet, c)
                    .iter()
                    .any(|m| m.contains("would delete 4 of 6"))
            })
    });
    for cluster in BOTH {
        let status = fleet.cluster_status(cluster).expect("cluster status");
        let hold = &status["heldPrune"];
        assert_eq!(hold["commit"], mass.as_str(), "{status:#?}");
        assert_eq!(hold["guard"], "OverThreshold", "{status:#?}");
        let mut objects: Vec<String> = hold["objects"]
            .as_array()
            .expect("the held objects")
            .iter()
            .map(|o| format!("{} {}/{}", o["kind"], o["namespace"], o["name"]).replace('"', ""))
            .collect();
        objects.sort();
        assert_eq!(
            objects,
            [
                "ConfigMap shop/extra-a",
                "ConfigMap shop/extra-b",
                "ConfigMap shop/extra-c",
                "ConfigMap shop/web-config"
            ]
        );
        assert!(
            held(&fleet, cluster)
                .iter()
                .any(|m| m.contains(&format!("approve: [\"{}\"]", &mass[..12]))),
            "the message names the commit to approve: {:?}",
            held(&fleet, cluster)
        );
        assert!(all_present(&fleet, cluster), "{cluster} lost objects");
        let counters = fleet.sim.counters(cluster);
        assert_eq!(counters.deletes(), 0, "{cluster}: {counters:?}");
    }

    // 3. Settings approve the held commit: the ConfigMaps go, nothing else.
    let approval = fleet.work.commit_files(
        &[("flotilla.yaml", settings(&mass[..12]))],
        "approve the removal of the ConfigMaps",
    );
    for cluster in BOTH {
        for name in ["web-config", EXTRA[0], EXTRA[1], EXTRA[2]] {
            fleet.wait_for(30, &format!("{name} to be pruned on {cluster}"), || {
                !fleet
                    .sim
                    .exists(cluster, &["-n", "shop", "configmap", name])
            });
        }
        assert!(fleet.sim.exists(cluster, DEPLOY));
        assert!(fleet.sim.exists(cluster, &["namespace", "shop"]));
        let counters = fleet.sim.counters(cluster);
        assert_eq!(counters.deletes(), 4, "{cluster}: {counters:?}");
    }
    fleet.wait_for(30, "the hold to clear from status", || {
        status_at(&fleet, &approval)
            && BOTH.iter().all(|c| {
                held(&fleet, c).is_empty()
                    && fleet
                        .cluster_status(c)
                        .is_some_and(|s| s["heldPrune"].is_null())
            })
    });
}

const NAMESPACES: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: keep-me
---
apiVersion: v1
kind: Namespace
metadata:
  name: drop-me
  annotations:
    flotilla.io/prune: confirm
";

#[test]
fn a_namespace_removed_from_git_stays_unless_confirmed() {
    let mut files = fleet::repository(2);
    files.push(("namespaces.yaml", NAMESPACES.to_string()));
    let fleet = Fleet::start(2, &files);
    let first = fleet.work.head();
    fleet.wait_applied(
        60,
        &BOTH,
        &[&["namespace", "keep-me"], &["namespace", "drop-me"], CONFIG],
        &first,
    );

    let removed = fleet
        .work
        .remove(&["namespaces.yaml"], "remove both namespaces");
    for cluster in BOTH {
        fleet.wait_for(30, &format!("drop-me to be pruned on {cluster}"), || {
            !fleet.sim.exists(cluster, &["namespace", "drop-me"])
        });
    }
    fleet.wait_for(30, "status at the removal", || status_at(&fleet, &removed));
    for cluster in BOTH {
        assert!(
            fleet.sim.exists(cluster, &["namespace", "keep-me"]),
            "a Namespace without flotilla.io/prune: confirm was deleted on {cluster}"
        );
        let deletes: Vec<_> = fleet
            .sim
            .counters(cluster)
            .requests
            .into_iter()
            .filter(|r| r.verb == "delete")
            .collect();
        assert_eq!(deletes.len(), 1, "{cluster}: {deletes:?}");
        assert_eq!(
            (deletes[0].resource.as_str(), deletes[0].count),
            ("namespaces", 1),
            "{cluster}: {deletes:?}"
        );
        // Everything else stays as it was.
        assert_eq!(
            fleet.revision(cluster, CONFIG).as_deref(),
            Some(first.as_str())
        );
    }
}

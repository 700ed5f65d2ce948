//! Unit tables for the status module's small pieces: paths, the README
//! header, app matching, columns, and the commit message of single changes.
//! The whole tree is snapshot-tested in `tests/status_tree.rs`.

use super::files::{resource_path, Header};
use super::input::*;
use super::tables::{self, Filter};
use super::*;
use crate::model::common::ObjectRef;
use crate::observe::health::{Health, HealthState};
use crate::schedule::TargetCluster;

fn id(api_version: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: ns.map(str::to_string),
        name: name.into(),
    }
}

#[test]
fn resource_paths() {
    let cases = [
        (
            id("apps/v1", "Deployment", Some("shop"), "web"),
            "status/resources/shop/apps.Deployment/web.yaml",
        ),
        (
            id("v1", "ConfigMap", Some("shop"), "cfg"),
            "status/resources/shop/core.ConfigMap/cfg.yaml",
        ),
        (
            id("v1", "Namespace", None, "shop"),
            "status/resources/_cluster/core.Namespace/shop.yaml",
        ),
        (
            id(
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                None,
                "system:view",
            ),
            "status/resources/_cluster/rbac.authorization.k8s.io.ClusterRole/system:view.yaml",
        ),
    ];
    for (id, want) in cases {
        assert_eq!(resource_path(&id), want, "{id}");
    }
}

#[test]
fn header_round_trips_whatever_the_reason_says() {
    let h = Header {
        branch: "main".into(),
        commit: "abc".into(),
        stale: Some(Stale {
            since: "2026-01-01T00:00:00Z".into(),
            reason: "a --> b <!-- c \n d \"e\"".into(),
        }),
        invalid: None,
    };
    let line = h.to_line();
    assert!(!line.contains('\n'));
    assert_eq!(line.matches("-->").count(), 1, "{line}");
    assert_eq!(Header::parse(&format!("{line}\n# rest\n")), Some(h));
    assert_eq!(Header::parse("# no header\n"), None);
    assert_eq!(Header::parse(""), None);
}

fn one_resource(health: HealthState, commit: &str) -> StatusInput {
    let mut r = ResourceInput::new(id("apps/v1", "Deployment", Some("shop"), "web"));
    r.placement = vec![TargetCluster {
        name: "c1".into(),
        replicas: 1,
    }];
    r.clusters = vec![ResourceCluster {
        applied_commit: Some(commit.into()),
        ..ResourceCluster::new("c1", Health::new(health, ""))
    }];
    StatusInput {
        source: Source {
            branch: "main".into(),
            commit: commit.into(),
            stale: None,
        },
        clusters: vec![ClusterInput::new("c1", true)],
        resources: vec![r],
        bad_commit: None,
    }
}

#[test]
fn commit_message_cases() {
    let a = build(&one_resource(HealthState::Progressing, "1111111aaaa"));
    let b = build(&one_resource(HealthState::Healthy, "1111111aaaa"));
    let c = build(&one_resource(HealthState::Healthy, "2222222bbbb"));
    let mut gone = b.clone();
    gone.retain(|p, _| !p.starts_with("status/resources/"));
    let mut unreachable_input = one_resource(HealthState::Healthy, "1111111aaaa");
    unreachable_input.clusters[0].reachable = false;
    let unreachable = build(&unreachable_input);
    let mut added_input = one_resource(HealthState::Healthy, "1111111aaaa");
    added_input.clusters.push(ClusterInput::new("c2", true));
    let added = build(&added_input);

    let cases: [(&str, &Tree, &Tree, &str); 7] = [
        (
            "one resource turns healthy",
            &a,
            &b,
            "status: 1 resource changed (web: healthy in 1/1 clusters)",
        ),
        (
            "a new source commit",
            &b,
            &c,
            "status: source at 2222222, 1 resource changed (web: healthy in 1/1 clusters)",
        ),
        (
            "a resource appears",
            &gone,
            &b,
            "status: 1 resource changed (web: healthy in 1/1 clusters)",
        ),
        (
            "a resource is removed",
            &b,
            &gone,
            "status: 1 resource changed",
        ),
        (
            "a cluster becomes unreachable",
            &b,
            &unreachable,
            "status: cluster c1 unreachable",
        ),
        (
            "a cluster is added",
            &b,
            &added,
            "status: cluster c2 added (reachable)",
        ),
        ("the first status commit", &Tree::new(), &b, "status: source at 1111111, 1 resource changed (web: healthy in 1/1 clusters), cluster c1 added (reachable)"),
    ];
    for (name, old, new, want) in cases {
        let got = summarize(old, new).map(|m| m.subject);
        assert_eq!(got.as_deref(), Some(want), "{name}");
    }
    let removed = summarize(&b, &gone).expect("a change");
    assert_eq!(removed.body, "- Deployment shop/web: removed\n");
    assert_eq!(summarize(&a, &a), None);
}

#[test]
fn not_observed_clusters_are_unknown() {
    let mut input = one_resource(HealthState::Healthy, "abc");
    input.resources[0].clusters.clear();
    let tree = build(&input);
    let text = &tree["status/resources/shop/apps.Deployment/web.yaml"];
    assert!(text.contains("health: Unknown"), "{text}");
    assert!(text.contains("message: not observed"), "{text}");
}

#[test]
fn columns_are_aligned() {
    let out = tables::columns(
        &["A", "LONGER", "LAST"],
        &[
            vec!["xx".into(), "y".into(), "z z".into()],
            vec!["x".into(), "".into(), "".into()],
        ],
    );
    assert_eq!(out, "A   LONGER  LAST\nxx  y       z z\nx\n");
}

#[test]
fn tables_of_a_tree_with_only_a_readme() {
    let tree = build(&StatusInput::default());
    let out = tables::render(&tree, &Filter::default(), tables::Format::Human);
    assert_eq!(
        out,
        "CLUSTER  REACHABLE  READY  APPLIED  HEALTHY  DRIFT  CAPACITY  ERROR\n\n\
         APP  CLUSTER  REVISION  REPLICAS  HEALTH  DRIFT  MESSAGE\n"
    );
}

#[test]
fn a_held_prune_is_written_sorted_and_read_back() {
    let mut cluster = ClusterInput::new("member1", true);
    cluster.held_prune = Some(HeldPrune {
        commit: "c0ffee0".into(),
        guard: "OverThreshold".into(),
        objects: vec![
            id("v1", "ConfigMap", Some("shop"), "b"),
            id("v1", "ConfigMap", Some("shop"), "a"),
            id("v1", "ConfigMap", Some("shop"), "a"),
        ],
    });
    let tree = build(&StatusInput {
        clusters: vec![cluster, ClusterInput::new("member2", true)],
        ..StatusInput::default()
    });
    let text = &tree["status/clusters/member1.yaml"];
    assert!(text.contains("heldPrune:"), "{text}");
    assert!(
        !tree["status/clusters/member2.yaml"].contains("heldPrune"),
        "absent when nothing is held"
    );
    let back = held_prunes(&tree);
    assert_eq!(back.len(), 1);
    let held = &back["member1"];
    assert_eq!(
        (held.commit.as_str(), held.guard.as_str()),
        ("c0ffee0", "OverThreshold")
    );
    let names: Vec<&str> = held.objects.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "sorted, once each");
}

#[test]
fn placement_section_explains_the_decision_and_round_trips_its_group() {
    let web = id("apps/v1", "Deployment", Some("shop"), "web");
    let input = StatusInput {
        resources: vec![ResourceInput {
            placement: vec![TargetCluster {
                name: "eu-1".into(),
                replicas: 3,
            }],
            affinity_name: Some("backup".into()),
            reasons: [
                ("eu-1", "selected: 3 replica(s) (weight 1 of 1)"),
                (
                    "us-1",
                    "filtered out: does not match the placement's cluster affinity",
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            placement_notes: vec!["cluster affinity group `primary` skipped: no room".into()],
            ..ResourceInput::new(web.clone())
        }],
        ..StatusInput::default()
    };
    let tree = build(&input);
    let text = &tree[&resource_path(&web)];
    let file = read::parse_resource("x", text).expect("parses");
    assert_eq!(
        file.placement.reasons["eu-1"],
        "selected: 3 replica(s) (weight 1 of 1)"
    );
    assert!(file.placement.excluded["us-1"].starts_with("filtered out"));
    assert_eq!(file.placement.affinity_name.as_deref(), Some("backup"));
    assert_eq!(file.placement.notes.len(), 1);
    // A restarted daemon schedules from the group it used.
    let previous = placements(&tree).to_previous();
    assert_eq!(previous.affinity_name(&web), Some("backup"));
}

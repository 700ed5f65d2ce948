//! The status tree of a small fleet: golden files, Secret redaction, the
//! readers (placements, inventories), the commit message and the
//! `flotilla status` tables.

mod status_fleet;

use flotilla::observe::health::Health;
use flotilla::status::files::{cluster_path, Header, ERRORS, README};
use flotilla::status::tables::{self, Filter, Format};
use flotilla::status::{self, build, inventories, placements, summarize, Stale, Tree};
use status_fleet::*;

/// The whole tree as one text: each file under a `=== path ===` line.
fn dump(tree: &Tree) -> String {
    tree.iter()
        .map(|(path, text)| format!("=== {path} ===\n{text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn complete_tree() {
    let tree = build(&fleet());
    insta::assert_snapshot!("complete_tree", dump(&tree));
}

#[test]
fn secret_data_never_appears() {
    let input = fleet();
    // The marker is in the input: the Secret's object, rejection message,
    // placement error and drift path.
    assert!(format!("{input:?}").contains(MARKER));
    assert!(secret().to_string().contains(MARKER));
    let tree = build(&input);
    for (path, text) in &tree {
        assert!(!text.contains(MARKER), "{path} quotes the Secret's data");
        assert!(!path.contains(MARKER), "{path} quotes the Secret's data");
    }
    // Nor anything made from the tree.
    let empty = Tree::new();
    let message = summarize(&empty, &tree).expect("a change");
    assert!(!message.to_string().contains(MARKER));
    for format in [Format::Human, Format::Json] {
        let out = tables::render(&tree, &Filter::default(), format);
        assert!(!out.contains(MARKER), "{format:?} table quotes the Secret");
    }
    // The Secret is still listed, with its hash and health.
    let secret = &tree["status/resources/shop/core.Secret/web-creds.yaml"];
    assert!(secret.contains("name: web-creds"));
    assert!(secret.contains(&format!("sha256:{}", "09".repeat(32))));
    assert!(secret.contains("health: Healthy"));
}

#[test]
fn a_steady_fleet_builds_the_same_tree() {
    let a = build(&fleet());
    let b = build(&fleet());
    assert_eq!(a, b);
    assert_eq!(summarize(&a, &b), None);
}

#[test]
fn placements_round_trip() {
    let input = fleet();
    let tree = build(&input);
    let read = placements(&tree);
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(read.by_resource.len(), input.resources.len());
    let previous = read.to_previous();
    for r in &input.resources {
        let mut want = r.placement.clone();
        want.sort();
        assert_eq!(read.by_resource.get(&r.id), Some(&want), "{}", r.id);
        assert_eq!(previous.get(&r.id), Some(want.as_slice()), "{}", r.id);
    }
}

#[test]
fn inventories_round_trip() {
    let input = fleet();
    let tree = build(&input);
    let read = inventories(&tree);
    assert_eq!(read.len(), input.clusters.len());
    for c in &input.clusters {
        let mut want = c.inventory.clone();
        want.sort();
        let got = read[&c.name].as_ref().expect("readable inventory");
        assert_eq!(got, &want, "{}", c.name);
    }
}

#[test]
fn files_read_back_to_what_was_written() {
    let tree = build(&fleet());
    let (resources, errors) = status::read::resource_files(&tree);
    assert!(errors.is_empty(), "{errors:?}");
    for r in &resources {
        let path = status::files::resource_path(&r.id());
        assert_eq!(serde_norway::to_string(r).unwrap(), tree[&path], "{path}");
    }
    let (clusters, errors) = status::read::cluster_files(&tree);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(clusters.len(), 3);
    for c in &clusters {
        let path = cluster_path(&c.name);
        assert_eq!(serde_norway::to_string(c).unwrap(), tree[&path], "{path}");
    }
    let errors = status::read::parse_errors(ERRORS, &tree[ERRORS]).expect("errors.yaml");
    assert_eq!(errors.commit, BAD);
    assert_eq!(errors.last_good, GOOD);
    assert_eq!(errors.diagnostics[1].at, "apps/web.yaml:12:5");
    let header = Header::parse(&tree[README]).expect("README header");
    assert_eq!(header.commit, GOOD);
    assert_eq!(header.invalid.as_deref(), Some(BAD));
}

#[test]
fn an_unreadable_inventory_is_an_error_not_empty() {
    let mut tree = build(&fleet());
    tree.insert(cluster_path("eu-1"), "name: [unclosed".to_string());
    tree.insert(
        cluster_path("eu-2"),
        "name: eu-3\nreachable: true\nresources: {placed: 0, applied: 0, healthy: 0}\n".to_string(),
    );
    let read = inventories(&tree);
    assert!(read["eu-1"].is_err());
    assert!(read["eu-2"].is_err(), "a file naming another cluster");
    assert!(read["us-1"].is_ok());
    // The tables still show the rest and say what could not be read.
    let report = tables::report(&tree, &Filter::default());
    assert_eq!(report.clusters.len(), 1);
    assert_eq!(report.unreadable.len(), 2);
    assert!(
        report.unreadable[0].starts_with("failed to parse status file status/clusters/eu-1.yaml: "),
        "{:?}",
        report.unreadable
    );
    assert!(report.unreadable[1].contains("names \"eu-3\""));
}

#[test]
fn errors_yaml_only_while_the_latest_commit_is_bad() {
    let bad = build(&fleet());
    assert!(bad.contains_key(ERRORS));
    let mut input = fleet();
    input.bad_commit = None;
    let good = build(&input);
    assert!(!good.contains_key(ERRORS));
    assert!(!good[README].contains("Invalid"));
    let message = summarize(&bad, &good).expect("a change");
    assert_eq!(message.subject, "status: errors cleared");
    let message = summarize(&good, &bad).expect("a change");
    assert_eq!(message.subject, "status: commit badbadb invalid (2 errors)");
}

#[test]
fn stale_source_is_said_everywhere() {
    let mut input = fleet();
    input.bad_commit = None;
    let fresh = build(&input);
    input.source.stale = Some(Stale {
        since: "2026-03-01T11:00:00Z".into(),
        reason: "failed to fetch git://127.0.0.1:9418/repo: connection refused -->".into(),
    });
    let stale = build(&input);
    assert!(stale[README].contains(
        "**Stale source**: fetching has failed since 2026-03-01T11:00:00Z: failed to fetch"
    ));
    let header = Header::parse(&stale[README]).expect("header survives `-->` in a reason");
    assert_eq!(header.stale, input.source.stale);
    let human = tables::render(&stale, &Filter::default(), Format::Human);
    assert!(human
        .starts_with("source: main at 1a2b3c4\nstale: fetching fails since 2026-03-01T11:00:00Z"));
    let message = summarize(&fresh, &stale).expect("a change");
    assert_eq!(message.subject, "status: source stale");
}

#[test]
fn commit_message_says_what_changed() {
    // Before: us-1 reachable and everything healthy at the previous commit.
    let mut before = fleet();
    before.source.commit = OLD.into();
    before.bad_commit = None;
    for c in &mut before.clusters {
        c.reachable = true;
        c.errors.clear();
        c.taints.clear();
        c.ready = Some(status::ReadyCondition {
            status: "True".into(),
            reason: Some("ClusterReady".into()),
            message: None,
        });
    }
    for r in &mut before.resources {
        for c in &mut r.clusters {
            c.applied_commit = Some(OLD.into());
            c.health = Health {
                replicas: c.health.replicas.map(|mut r| {
                    r.ready = r.desired;
                    r.available = r.desired;
                    r
                }),
                ..Health::healthy()
            };
            c.drift = None;
            c.conflict = None;
            c.rejected = None;
        }
    }
    let old = build(&before);
    let new = build(&fleet());
    let message = summarize(&old, &new).expect("a change");
    insta::assert_snapshot!("commit_message", message.to_string());
}

#[test]
fn tables_human() {
    let tree = build(&fleet());
    insta::assert_snapshot!(
        "tables_human",
        tables::render(&tree, &Filter::default(), Format::Human)
    );
}

#[test]
fn tables_json() {
    let tree = build(&fleet());
    let filter = Filter {
        app: Some("Deployment/web".into()),
        cluster: None,
    };
    insta::assert_snapshot!(
        "tables_json_deployment",
        tables::render(&tree, &filter, Format::Json)
    );
}

#[test]
fn tables_filter_by_app_and_cluster() {
    let tree = build(&fleet());
    let apps = |app: Option<&str>, cluster: Option<&str>| {
        let report = tables::report(
            &tree,
            &Filter {
                app: app.map(str::to_string),
                cluster: cluster.map(str::to_string),
            },
        );
        let apps: Vec<String> = report
            .apps
            .iter()
            .map(|a| format!("{} @ {}", a.app, a.cluster))
            .collect();
        let clusters: Vec<String> = report.clusters.iter().map(|c| c.cluster.clone()).collect();
        (apps, clusters)
    };
    // By name: the Deployment and the Service called web.
    let (a, c) = apps(Some("web"), Some("eu-2"));
    assert_eq!(a, ["Deployment shop/web @ eu-2", "Service shop/web @ eu-2"]);
    assert_eq!(c, ["eu-2"]);
    // By namespace/name, Kind/name and Kind/namespace/name.
    assert_eq!(apps(Some("shop/web-creds"), None).0.len(), 2);
    assert_eq!(apps(Some("service/web"), None).0.len(), 3);
    assert_eq!(apps(Some("ConfigMap/shop/web-config"), None).0.len(), 3);
    // The Secret is not placed on us-1: the clusters table follows the app.
    assert_eq!(apps(Some("web-creds"), None).1, ["eu-1", "eu-2"]);
    // Nothing matches.
    assert_eq!(apps(Some("nope"), None), (vec![], vec![]));
    assert_eq!(apps(None, Some("nope")), (vec![], vec![]));
    // By cluster only: every resource there.
    let (a, c) = apps(None, Some("us-1"));
    assert_eq!(a.len(), 3);
    assert_eq!(c, ["us-1"]);
}

#[test]
fn an_empty_fleet() {
    let tree = build(&flotilla::status::StatusInput::default());
    assert_eq!(tree.keys().collect::<Vec<_>>(), [README]);
    assert!(tree[README].contains("No resources."));
    let report = tables::report(&tree, &Filter::default());
    assert!(report.apps.is_empty() && report.clusters.is_empty());
    assert!(tables::report(&Tree::new(), &Filter::default())
        .source
        .is_none());
}

//! The daemon end to end, with real processes only: a `git daemon` on
//! loopback serving the repository, `flotilla sim` serving two clusters,
//! `flotilla run` following the repository, and the system `git` and
//! `/usr/bin/kubectl` as independent clients checking what it did.
//!
//! One scenario per test, each step building on the last, as a fleet's
//! life does: converge, stay quiet, heal drift, survive a bad commit and an
//! unreachable remote, prune what left Git and nothing else.

mod support;

use support::fleet::{self, Fleet};
use support::sim::Sim;

/// Write requests (anything but get, list, watch) counted by the simulator.
fn writes(sim: &Sim, cluster: &str) -> u64 {
    sim.counters(cluster).writes()
}

fn configmap_greeting(sim: &Sim, cluster: &str) -> Option<String> {
    let out = sim.kubectl(
        cluster,
        &[
            "-n",
            "shop",
            "get",
            "configmap",
            "web-config",
            "-o",
            "jsonpath={.data.greeting}",
        ],
    );
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_fleet_follows_its_repository_safely() {
    let mut fleet = Fleet::start(2, &fleet::repository(2));
    let (sim, work) = (&fleet.sim, &fleet.work);
    // 1. The commit reaches every cluster, and status comes back to Git.
    for cluster in ["member1", "member2"] {
        fleet.wait_for(60, "the Deployment to be ready", || {
            let out = sim.kubectl(
                cluster,
                &[
                    "-n",
                    "shop",
                    "get",
                    "deploy",
                    "web",
                    "-o",
                    "jsonpath={.status.readyReplicas}",
                ],
            );
            String::from_utf8_lossy(&out.stdout) == "2"
        });
        let labels = sim.kubectl_ok(
            cluster,
            &[
                "-n",
                "shop",
                "get",
                "deploy",
                "web",
                "-o",
                "jsonpath={.metadata.labels}",
            ],
        );
        assert!(labels.contains("flotilla.io/managed-by"), "{labels}");
    }
    fleet.wait_for(30, "the status README to say Healthy", || {
        work.remote_file("flotilla/status", "status/README.md")
            .is_some_and(|t| t.contains("Deployment shop/web") && t.contains("Healthy"))
    });
    let resource = work
        .remote_file(
            "flotilla/status",
            "status/resources/shop/apps.Deployment/web.yaml",
        )
        .expect("the Deployment's status file");
    assert!(
        resource.contains("member1") && resource.contains("member2"),
        "{resource}"
    );
    let cluster_file = work
        .remote_file("flotilla/status", "status/clusters/member1.yaml")
        .expect("member1's status file");
    assert!(
        cluster_file.contains("web-config"),
        "the inventory lists what was applied:\n{cluster_file}"
    );
    let log = work.remote_log("flotilla/status");
    assert!(
        log.iter().all(|entry| entry.contains("Flotilla-Source: ")),
        "every status commit names its source: {log:?}"
    );
    assert!(fleet.daemon.metrics().contains("flotilla_source_valid 1"));

    // 2. Steady state: intervals pass, nothing is written anywhere.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let before = (
        writes(sim, "member1"),
        writes(sim, "member2"),
        work.remote_log("flotilla/status").len(),
    );
    std::thread::sleep(std::time::Duration::from_secs(5));
    let after = (
        writes(sim, "member1"),
        writes(sim, "member2"),
        work.remote_log("flotilla/status").len(),
    );
    assert_eq!(
        before, after,
        "a steady fleet costs reads, not writes (cluster writes, status commits)"
    );

    // 3. Drift on an owned field is corrected and reported.
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "patch",
            "configmap",
            "web-config",
            "--type=merge",
            "-p",
            r#"{"data":{"greeting":"tampered"}}"#,
        ],
    );
    fleet.wait_for(30, "the drift to be corrected", || {
        configmap_greeting(sim, "member1").as_deref() == Some("hello")
    });
    fleet.wait_for(30, "the drift to be reported", || {
        work.remote_file(
            "flotilla/status",
            "status/resources/shop/core.ConfigMap/web-config.yaml",
        )
        .is_some_and(|t| t.contains("drift"))
    });

    // 4. A malformed commit is never applied; errors.yaml says why.
    work.commit_files(
        &[(
            "apps/broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n".to_string(),
        )],
        "broken",
    );
    fleet.wait_for(30, "errors.yaml", || {
        work.remote_file("flotilla/status", "status/errors.yaml")
            .is_some_and(|t| t.contains("apps/broken.yaml"))
    });
    assert!(fleet.daemon.metrics().contains("flotilla_source_valid 0"));
    assert_eq!(configmap_greeting(sim, "member1").as_deref(), Some("hello"));

    // 5. Removing a template prunes it, and only it: an unlabelled object
    //    and one with our label copied onto it stay.
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "create",
            "configmap",
            "theirs",
            "--from-literal=k=v",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "create",
            "configmap",
            "copied",
            "--from-literal=k=v",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "label",
            "configmap",
            "copied",
            "flotilla.io/managed-by=flotilla",
        ],
    );
    work.remove(
        &["apps/broken.yaml", "apps/config.yaml"],
        "fix the commit; web-config leaves",
    );
    fleet.wait_for(30, "web-config to be pruned", || {
        configmap_greeting(sim, "member1").is_none()
    });
    fleet.wait_for(30, "errors.yaml to clear", || {
        work.remote_file("flotilla/status", "status/errors.yaml")
            .is_none()
    });
    for kept in ["theirs", "copied"] {
        sim.kubectl_ok("member1", &["-n", "shop", "get", "configmap", kept]);
    }
    sim.kubectl_ok("member1", &["get", "namespace", "shop"]);

    // 6. The remote unreachable: the last good revision stays applied,
    //    drift is still corrected, nothing is pruned.
    fleet.git.stop();
    fleet.wait_for(30, "the fetch errors to be counted", || {
        fleet
            .daemon
            .metrics()
            .lines()
            .any(|l| l.starts_with("flotilla_git_fetch_errors_total") && !l.ends_with(" 0"))
    });
    sim.kubectl_ok(
        "member2",
        &["-n", "shop", "scale", "deploy", "web", "--replicas=2"],
    );
    fleet.set_web_image("member2", "registry.example.com/web:evil");
    fleet.wait_for(
        30,
        "the image drift to be corrected while the remote is down",
        || {
            let out = sim.kubectl(
                "member2",
                &[
                    "-n",
                    "shop",
                    "get",
                    "deploy",
                    "web",
                    "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}",
                ],
            );
            String::from_utf8_lossy(&out.stdout) == "registry.example.com/web:1.0.0"
        },
    );
    sim.kubectl_ok("member2", &["-n", "shop", "get", "deploy", "web"]);
    fleet.git.restart();
    fleet.wait_for(30, "the status to be pushed again", || {
        work.remote_file("flotilla/status", "status/README.md")
            .is_some()
    });
}

/// A POST to the daemon's webhook with `headers`; returns the status code.
fn post_webhook(listen: &str, body: &str, headers: &[(&str, String)]) -> u16 {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    support::http::request(listen, "POST", "/webhook", &headers, Some(body)).0
}

#[test]
fn a_signed_push_webhook_applies_a_commit_at_once() {
    // Polls once an hour: only the webhook can bring the next commit soon.
    let fleet = Fleet::start_with(2, &fleet::repository(2), |c| {
        c.interval = "1h".into();
        c.webhook_secret = Some("s3cret".into());
    });
    let (sim, work, daemon) = (&fleet.sim, &fleet.work, &fleet.daemon);
    fleet.wait_for(60, "the first commit", || {
        configmap_greeting(sim, "member2").as_deref() == Some("hello")
    });

    let commit = work.commit_files(
        &[(
            "apps/config.yaml",
            fleet::configmap("web-config", "bonjour"),
        )],
        "say bonjour",
    );
    let body = format!(r#"{{"ref":"refs/heads/main","after":"{commit}"}}"#);
    let event = ("X-GitHub-Event", "push".to_string());
    // Unsigned and wrongly signed pushes are refused and trigger nothing.
    assert_eq!(
        post_webhook(&daemon.listen, &body, std::slice::from_ref(&event)),
        401
    );
    let wrong = flotilla::server::webhook::WebhookSecret::new("guess")
        .expect("secret")
        .sign_hex(body.as_bytes());
    assert_eq!(
        post_webhook(
            &daemon.listen,
            &body,
            &[
                event.clone(),
                ("X-Hub-Signature-256", format!("sha256={wrong}"))
            ]
        ),
        401
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        configmap_greeting(sim, "member2").as_deref(),
        Some("hello"),
        "a refused webhook triggered a fetch"
    );
    // A signed one is fetched and applied at once.
    let signature = flotilla::server::webhook::WebhookSecret::new("s3cret")
        .expect("secret")
        .sign_hex(body.as_bytes());
    assert_eq!(
        post_webhook(
            &daemon.listen,
            &body,
            &[
                event,
                ("X-Hub-Signature-256", format!("sha256={signature}"))
            ]
        ),
        202
    );
    fleet.wait_for(15, "the pushed commit to be applied", || {
        configmap_greeting(sim, "member2").as_deref() == Some("bonjour")
    });
}

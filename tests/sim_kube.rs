//! The simulator through the kube crate, unchanged: typed `Api` calls and
//! `kube::runtime::watcher`, which must survive a 410 Expired by relisting.

mod support;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher::{self, Event};
use kube::Client;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;
use support::sim::Sim;

async fn client(sim: &Sim, context: &str) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

fn configmap(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(
        json!({"metadata": {"name": name, "labels": {"app": "kube-test"}}, "data": {"v": value}}),
    )
    .expect("configmap")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_api_create_list_patch_delete() {
    let sim = Sim::start(&["--clusters", "1"]);
    let api: Api<ConfigMap> = Api::namespaced(client(&sim, "member1").await, "default");
    let created = api
        .create(&PostParams::default(), &configmap("a", "1"))
        .await
        .expect("create");
    assert!(created.metadata.uid.is_some() && created.metadata.resource_version.is_some());
    let err = api
        .create(&PostParams::default(), &configmap("a", "1"))
        .await
        .expect_err("second create fails");
    match err {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "AlreadyExists")),
        other => panic!("{other:?}"),
    }
    api.create(&PostParams::default(), &configmap("b", "2"))
        .await
        .expect("create b");
    let listed = api
        .list(&ListParams::default().labels("app=kube-test"))
        .await
        .expect("list");
    let names: Vec<String> = listed
        .items
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let paged = api
        .list(&ListParams::default().limit(1))
        .await
        .expect("page");
    assert_eq!(paged.items.len(), 1);
    assert!(paged.metadata.continue_.is_some());
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"v": "applied"}});
    // The create's manager owns data.v: a different value conflicts...
    match api
        .patch(
            "a",
            &PatchParams::apply("kube-test"),
            &Patch::Apply(&config),
        )
        .await
    {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert!(s.message.contains(".data.v"), "{}", s.message);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // ...until the apply forces it.
    let applied = api
        .patch(
            "a",
            &PatchParams::apply("kube-test").force(),
            &Patch::Apply(&config),
        )
        .await
        .expect("forced apply");
    assert_eq!(applied.data.unwrap_or_default()["v"], "applied");
    let managers: Vec<String> = applied
        .metadata
        .managed_fields
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert!(managers.contains(&"kube-test".to_string()), "{managers:?}");
    // A new object is created by an apply (201).
    let fresh = api.patch("c", &PatchParams::apply("kube-test"), &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}))).await.expect("apply creates");
    assert!(fresh.metadata.uid.is_some());
    // Preconditions: a stale uid or resourceVersion is a 409 and deletes
    // nothing; the current ones delete.
    let current = api.get("a").await.expect("get a");
    for stale in [
        Preconditions {
            uid: Some("not-the-uid".into()),
            resource_version: None,
        },
        Preconditions {
            uid: None,
            resource_version: Some("1".into()),
        },
    ] {
        let params = DeleteParams {
            preconditions: Some(stale),
            ..DeleteParams::default()
        };
        match api.delete("a", &params).await {
            Err(kube::Error::Api(s)) => {
                assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
                assert!(s.message.contains("Precondition failed"), "{}", s.message);
            }
            other => panic!("expected a precondition conflict, got {other:?}"),
        }
    }
    assert!(api.get_opt("a").await.expect("get_opt").is_some());
    let exact = DeleteParams {
        preconditions: Some(Preconditions {
            uid: current.metadata.uid.clone(),
            resource_version: current.metadata.resource_version.clone(),
        }),
        ..DeleteParams::default()
    };
    api.delete("a", &exact).await.expect("delete");
    assert!(api.get_opt("a").await.expect("get_opt").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_survives_410_by_relisting() {
    let sim = Sim::start(&["--clusters", "1"]);
    let api: Api<ConfigMap> = Api::namespaced(client(&sim, "member1").await, "default");
    api.create(&PostParams::default(), &configmap("before", "1"))
        .await
        .expect("create");
    let mut stream = watcher::watcher(
        api.clone(),
        watcher::Config::default().labels("app=kube-test"),
    )
    .boxed();
    let mut seen = BTreeSet::new();
    let mut relists = 0;
    let mut step = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < 3 && tokio::time::Instant::now() < deadline {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("watcher event in time");
        match event {
            Some(Ok(Event::Init)) => relists += 1,
            Some(Ok(Event::InitApply(cm) | Event::Apply(cm))) => {
                seen.insert(cm.metadata.name.clone().unwrap_or_default());
            }
            Some(Ok(Event::InitDone)) => {
                step += 1;
                if step == 1 {
                    api.create(&PostParams::default(), &configmap("during", "2"))
                        .await
                        .expect("create");
                }
            }
            Some(Ok(Event::Delete(_))) => {}
            // The watcher reports the 410 and then relists on its own.
            Some(Err(_)) => {}
            None => break,
        }
        if seen.contains("during") && step == 1 {
            step = 2;
            let (code, _) = sim.admin("member1", "POST", "/compact", None);
            assert_eq!(code, 200);
            api.create(&PostParams::default(), &configmap("after", "3"))
                .await
                .expect("create");
        }
    }
    assert_eq!(
        seen,
        BTreeSet::from(["before".to_string(), "during".into(), "after".into()])
    );
    assert!(
        relists >= 2,
        "the watcher relisted after the 410 ({relists} lists)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_list_watch_gets_initial_events_and_the_end_bookmark() {
    let sim = Sim::start(&["--clusters", "1"]);
    let api: Api<ConfigMap> = Api::namespaced(client(&sim, "member1").await, "default");
    for name in ["s1", "s2"] {
        api.create(&PostParams::default(), &configmap(name, "1"))
            .await
            .expect("create");
    }
    // sendInitialEvents=true&resourceVersionMatch=NotOlderThan: the watcher
    // needs the initial-events-end bookmark to report InitDone.
    let mut stream = watcher::watcher(
        api.clone(),
        watcher::Config::default()
            .labels("app=kube-test")
            .streaming_lists(),
    )
    .boxed();
    let mut initial = BTreeSet::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("event in time")
        {
            Some(Ok(Event::InitApply(cm))) => {
                initial.insert(cm.metadata.name.unwrap_or_default());
            }
            Some(Ok(Event::InitDone)) => break,
            Some(Ok(_)) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(initial, BTreeSet::from(["s1".to_string(), "s2".into()]));
    api.create(&PostParams::default(), &configmap("s3", "1"))
        .await
        .expect("create");
    match tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("event in time")
    {
        Some(Ok(Event::Apply(cm))) => assert_eq!(cm.metadata.name.as_deref(), Some("s3")),
        other => panic!("unexpected {other:?}"),
    }
}

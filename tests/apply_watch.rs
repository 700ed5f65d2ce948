//! `apply::watch` against the simulator, without the daemon: a kind's
//! cache is read only after a complete list since its watch last
//! (re)connected; it survives a 410 by relisting; an API that goes away
//! makes it unsynced at once (and wakes the worker), and it comes back by
//! itself; an unlabelled object is never in it, and never "absent".

mod support;

use flotilla::apply::cache::{KindKey, Lookup, Touched};
use flotilla::apply::watch::{Interest, Watches};
use flotilla::apply::ClusterClient;
use flotilla::model::common::ObjectRef;
use futures_util::FutureExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::Client;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use support::sim::Sim;

async fn client(sim: &Sim) -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let options = KubeConfigOptions {
        context: Some("member1".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// Wakes the worker for every change.
struct Everything;

impl Interest for Everything {
    fn wakes(&self, _: &Touched, first_sync: bool) -> bool {
        !first_sync
    }
}

fn id(name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("default".into()),
        name: name.into(),
    }
}

fn configmap(name: &str, labelled: bool) -> ConfigMap {
    let labels = if labelled {
        json!({"flotilla.io/managed-by": "flotilla"})
    } else {
        json!({})
    };
    serde_json::from_value(
        json!({"metadata": {"name": name, "labels": labels}, "data": {"v": "1"}}),
    )
    .expect("configmap")
}

/// Polls `check` every 50 ms for up to `secs` seconds.
async fn eventually(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after {secs}s waiting for {what}");
}

fn value_of(watches: &Watches, name: &str) -> Option<String> {
    match watches.cache().lookup(&id(name)) {
        Lookup::Present(v) => v["data"]["v"].as_str().map(str::to_string),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_is_read_only_after_a_complete_list_since_its_last_reconnect() {
    let sim = Sim::start(&["--clusters", "1"]);
    let client = client(&sim).await;
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for (name, labelled) in [("ours", true), ("theirs", false)] {
        api.create(&PostParams::default(), &configmap(name, labelled))
            .await
            .expect("create");
    }
    let resolved = ClusterClient::new("member1", client.clone())
        .resolve("v1", "ConfigMap")
        .await
        .expect("discovery")
        .expect("ConfigMaps are served");
    let kind = KindKey::of(&id("ours"));
    let kinds = BTreeMap::from([(kind.clone(), resolved)]);
    let mut watches = Watches::new("member1", client.clone());
    watches.set_interest(Arc::new(Everything));
    assert!(watches.ensure("flotilla", &kinds));
    assert!(!watches.ensure("flotilla", &kinds), "nothing to change");
    eventually(10, "the first list", || {
        value_of(&watches, "ours").is_some()
    })
    .await;
    assert_eq!(
        watches.cache().lookup(&id("theirs")),
        Lookup::NotCached,
        "unlabelled: not ours to watch, and never read as absent"
    );

    // A change wakes the worker, and the cache has it.
    let wake = watches.wake();
    let patch = |v: &'static str| {
        let api = api.clone();
        async move {
            api.patch(
                "ours",
                &PatchParams::default(),
                &Patch::Merge(json!({"data": {"v": v}})),
            )
            .await
            .expect("patch");
        }
    };
    patch("2").await;
    tokio::time::timeout(Duration::from_secs(5), wake.notified())
        .await
        .expect("woken by the change");
    assert_eq!(value_of(&watches, "ours").as_deref(), Some("2"));

    // A 410 (the log compacted away): the watcher relists and goes on.
    let (code, _) = sim.admin("member1", "POST", "/compact", None);
    assert_eq!(code, 200);
    patch("3").await;
    eventually(10, "the change after the 410", || {
        value_of(&watches, "ours").as_deref() == Some("3")
    })
    .await;

    // The API goes away: unsynced at once, and the worker is told.
    let _ = wake.notified().now_or_never();
    let (code, body) = sim.admin("member1", "POST", "/faults", Some(r#"{"api":"refuse"}"#));
    assert_eq!(code, 200, "{body}");
    eventually(10, "the cache to be unsynced", || {
        watches.cache().lookup(&id("ours")) == Lookup::Unsynced
    })
    .await;
    tokio::time::timeout(Duration::from_secs(5), wake.notified())
        .await
        .expect("woken by the lost watch");
    // A change made meanwhile is seen once the API is back, after a
    // complete list.
    let (code, _) = sim.admin("member1", "DELETE", "/faults", None);
    assert_eq!(code, 200);
    // The listener is bound again in the background: retry until it is.
    let mut tries = 0;
    while let Err(e) = api
        .patch(
            "ours",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"v": "4"}})),
        )
        .await
    {
        tries += 1;
        assert!(tries < 100, "the API did not come back: {e}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eventually(40, "the relist after the API came back", || {
        value_of(&watches, "ours").as_deref() == Some("4")
    })
    .await;

    // No kinds wanted: the watch stops and its objects are forgotten.
    assert!(watches.ensure("flotilla", &BTreeMap::new()));
    assert_eq!(watches.cache().lookup(&id("ours")), Lookup::Unsynced);
}

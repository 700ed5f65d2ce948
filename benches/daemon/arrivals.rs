//! When objects arrive in the simulated clusters, seen the way any client
//! sees them: a `kube::runtime::watcher` per cluster and kind (labelled
//! `bench=daemon`), recording for each object the ConfigMap `version` (or
//! the object's existence) and the instant the event was received.

use futures_util::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// (cluster, kind, namespace, name).
pub type Key = (String, &'static str, String, String);

/// What the watchers have seen: per object, its `data.version` (empty for
/// objects without one) and when that was first seen.
/// The watchers stop when this is dropped.
#[derive(Default)]
pub struct Arrivals {
    seen: Arc<Mutex<HashMap<Key, (String, Instant)>>>,
    watchers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Arrivals {
    fn drop(&mut self) {
        for w in &self.watchers {
            w.abort();
        }
    }
}

impl Arrivals {
    /// Starts watchers of `kinds` (ConfigMap, Deployment) on every cluster.
    pub async fn watch(kubeconfig: &Path, clusters: &[String], kinds: &[&'static str]) -> Arrivals {
        let mut arrivals = Arrivals::default();
        let config = Kubeconfig::read_from(kubeconfig).expect("read the kubeconfig");
        for cluster in clusters {
            let options = KubeConfigOptions {
                context: Some(cluster.clone()),
                ..KubeConfigOptions::default()
            };
            let client_config = kube::Config::from_custom_kubeconfig(config.clone(), &options)
                .await
                .expect("a client config");
            let client = kube::Client::try_from(client_config).expect("a client");
            for kind in kinds {
                let (group, version) = if *kind == "Deployment" {
                    ("apps", "v1")
                } else {
                    ("", "v1")
                };
                let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
                let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
                let seen = arrivals.seen.clone();
                let cluster = cluster.clone();
                let kind: &'static str = kind;
                arrivals.watchers.push(tokio::spawn(async move {
                    let mut stream = std::pin::pin!(watcher::watcher(
                        api,
                        watcher::Config::default().labels("bench=daemon"),
                    ));
                    while let Some(event) = stream.next().await {
                        let objects = match event {
                            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => vec![o],
                            _ => continue,
                        };
                        let now = Instant::now();
                        let mut seen = seen.lock().expect("arrivals lock");
                        for o in objects {
                            let version = o
                                .data
                                .pointer("/data/version")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_string();
                            let key = (
                                cluster.clone(),
                                kind,
                                o.metadata.namespace.clone().unwrap_or_default(),
                                o.metadata.name.clone().unwrap_or_default(),
                            );
                            match seen.get(&key) {
                                Some((v, _)) if *v == version => {}
                                _ => {
                                    seen.insert(key, (version, now));
                                }
                            }
                        }
                    }
                }));
            }
        }
        arrivals
    }

    /// How many objects have been seen.
    pub fn count(&self) -> usize {
        self.seen.lock().expect("arrivals lock").len()
    }

    /// The latest arrival among all objects seen.
    pub fn last(&self) -> Option<Instant> {
        self.seen
            .lock()
            .expect("arrivals lock")
            .values()
            .map(|(_, t)| *t)
            .max()
    }

    /// Waits until `count` objects have been seen; the instant the last one arrived.
    pub async fn wait_count(&self, count: usize, timeout: Duration) -> Instant {
        let deadline = Instant::now() + timeout;
        loop {
            if self.count() >= count {
                return self.last().expect("objects were seen");
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} objects arrived within {timeout:?}",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the ConfigMap `namespace/name` shows `version` on every
    /// one of `clusters`; the instant the last cluster showed it.
    pub async fn wait_version(
        &self,
        clusters: &[String],
        namespace: &str,
        name: &str,
        version: &str,
        timeout: Duration,
    ) -> Instant {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let seen = self.seen.lock().expect("arrivals lock");
                let times: Vec<Instant> = clusters
                    .iter()
                    .filter_map(|c| {
                        seen.get(&(
                            c.clone(),
                            "ConfigMap",
                            namespace.to_string(),
                            name.to_string(),
                        ))
                        .filter(|(v, _)| v == version)
                        .map(|(_, t)| *t)
                    })
                    .collect();
                if times.len() == clusters.len() {
                    return times.into_iter().max().expect("at least one cluster");
                }
            }
            assert!(
                Instant::now() < deadline,
                "{namespace}/{name} did not reach {version} everywhere within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

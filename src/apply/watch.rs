//! The watches of one member cluster: one `kube::runtime::watcher` per kind
//! flotilla manages there, filtered by its instance label
//! (`flotilla.io/managed-by=<instance>`), feeding the cluster's [`Cache`]
//! and waking the worker when an event matters ([`Interest`] decides).
//!
//! kube's watcher lists, then watches from the list's resourceVersion,
//! resumes after a timeout from the last version it saw, and relists
//! after a 410. Any error is treated as a lost connection: the kind is
//! unsynced at once (the worker then reads objects itself) and its watch
//! starts over with a fresh list after a capped exponential pause, so a
//! kind is only ever read from the cache after a complete list since its
//! last (re)connect.
//!
//! Objects stay raw JSON ([`RawObject`]): what the plan compares is what
//! the server sent, with no typed round trip. I/O; the rules are pure
//! ([`super::cache`], and the daemon's `Interest`).

use super::cache::{Cache, KindKey, Touched, WatchEvent};
use super::requests::Resolved;
use crate::render::ownership::MANAGED_BY;
use futures_util::StreamExt;
use kube::api::{ApiResource, ObjectMeta};
use kube::runtime::watcher;
use kube::Api;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The first pause before a failed watch starts over.
const RESTART_BASE: Duration = Duration::from_secs(1);
/// The longest pause before a failed watch starts over.
const RESTART_CAP: Duration = Duration::from_secs(30);

/// An object as the API server sent it; `meta` holds only what the
/// watcher reads (name, namespace, resourceVersion).
#[derive(Debug, Clone)]
pub struct RawObject {
    meta: ObjectMeta,
    pub value: Value,
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let field = |k: &str| {
            value
                .pointer(&format!("/metadata/{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let meta = ObjectMeta {
            name: field("name"),
            namespace: field("namespace"),
            resource_version: field("resourceVersion"),
            ..ObjectMeta::default()
        };
        Ok(RawObject { meta, value })
    }
}

impl kube::Resource for RawObject {
    type DynamicType = ApiResource;
    type Scope = kube::core::DynamicResourceScope;

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }
    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }
    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }
    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }
    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }
    fn meta(&self) -> &ObjectMeta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
}

/// Whether a change the cache took in is worth a pass over the cluster.
pub trait Interest: Send + Sync {
    /// `first_sync`: the change comes from the first list of a watch the
    /// worker just started (it read everything itself at that time).
    fn wakes(&self, touched: &Touched, first_sync: bool) -> bool;
}

type Shared<T> = Arc<Mutex<T>>;

/// One cluster's watches.
pub struct Watches {
    cluster: String,
    client: kube::Client,
    instance: Option<String>,
    cache: Shared<Cache>,
    wake: Arc<Notify>,
    interest: Shared<Option<Arc<dyn Interest>>>,
    tasks: BTreeMap<KindKey, JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a single synchronous call; a panic elsewhere cannot
    // leave the value half-written.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Watches {
    pub fn new(cluster: impl Into<String>, client: kube::Client) -> Self {
        let default_namespace = client.default_namespace().to_string();
        Watches {
            cluster: cluster.into(),
            client,
            instance: None,
            cache: Arc::new(Mutex::new(Cache::new(default_namespace))),
            wake: Arc::new(Notify::new()),
            interest: Arc::new(Mutex::new(None)),
            tasks: BTreeMap::new(),
        }
    }

    /// Notified when an event matters (one stored permit: bursts coalesce).
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The cache, locked: read it and let go (never across an await).
    pub fn cache(&self) -> MutexGuard<'_, Cache> {
        lock(&self.cache)
    }

    /// What the watches wake the worker for, from now on.
    pub fn set_interest(&self, interest: Arc<dyn Interest>) {
        *lock(&self.interest) = Some(interest);
    }

    /// Watches exactly `kinds` with `instance`'s label: starts what is
    /// missing, stops what is no longer wanted, and starts everything over
    /// when the instance changed. True when the set of watches changed.
    pub fn ensure(&mut self, instance: &str, kinds: &BTreeMap<KindKey, Resolved>) -> bool {
        let mut changed = false;
        if self.instance.as_deref() != Some(instance) {
            changed = !self.tasks.is_empty();
            self.stop_all();
            self.instance = Some(instance.to_string());
        }
        let stale: Vec<KindKey> = self
            .tasks
            .keys()
            .filter(|k| !kinds.contains_key(*k))
            .cloned()
            .collect();
        for kind in stale {
            if let Some(task) = self.tasks.remove(&kind) {
                task.abort();
            }
            lock(&self.cache).untrack(&kind);
            changed = true;
        }
        for (kind, resolved) in kinds {
            if self.tasks.contains_key(kind) {
                continue;
            }
            lock(&self.cache).track(kind.clone(), resolved.namespaced);
            let task = KindWatch {
                cluster: self.cluster.clone(),
                kind: kind.clone(),
                api: Api::all_with(self.client.clone(), &resolved.resource),
                selector: format!("{MANAGED_BY}={instance}"),
                cache: self.cache.clone(),
                wake: self.wake.clone(),
                interest: self.interest.clone(),
            };
            self.tasks.insert(kind.clone(), tokio::spawn(task.run()));
            changed = true;
        }
        if changed {
            tracing::info!(cluster = %self.cluster, kinds = self.tasks.len(), instance, "watching");
        }
        changed
    }

    fn stop_all(&mut self) {
        for (kind, task) in std::mem::take(&mut self.tasks) {
            task.abort();
            lock(&self.cache).untrack(&kind);
        }
    }
}

impl Drop for Watches {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// One kind's watch task.
struct KindWatch {
    cluster: String,
    kind: KindKey,
    api: Api<RawObject>,
    selector: String,
    cache: Shared<Cache>,
    wake: Arc<Notify>,
    interest: Shared<Option<Arc<dyn Interest>>>,
}

impl KindWatch {
    async fn run(self) {
        let config = watcher::Config::default().labels(&self.selector);
        let mut failures = 0u32;
        loop {
            let mut stream = watcher::watcher(self.api.clone(), config.clone()).boxed();
            while let Some(event) = stream.next().await {
                match event {
                    Ok(event) => {
                        if matches!(event, watcher::Event::InitDone) {
                            failures = 0;
                        }
                        self.take(convert(event));
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        // Once per outage: the retries of a watch that
                        // cannot start (an API down, RBAC) say nothing new.
                        if failures == 1 {
                            tracing::warn!(
                                cluster = %self.cluster,
                                kind = %self.kind,
                                error = %e,
                                "watch failed; it starts over with a fresh list, and objects of this kind are read directly meanwhile"
                            );
                        } else {
                            tracing::debug!(cluster = %self.cluster, kind = %self.kind, error = %e, failures, "watch failed again");
                        }
                        let was_synced = {
                            let mut cache = lock(&self.cache);
                            let synced = cache.is_synced(&self.kind);
                            cache.broken(&self.kind);
                            synced
                        };
                        if was_synced {
                            // The worker reads for itself now, and learns
                            // whether the cluster still answers.
                            self.wake.notify_one();
                        }
                        break;
                    }
                }
            }
            tokio::time::sleep(restart_delay(failures)).await;
        }
    }

    /// Feeds one event to the cache and wakes the worker if it matters.
    fn take(&self, event: WatchEvent) {
        let applied = lock(&self.cache).apply(&self.kind, event);
        if applied.touched.is_empty() {
            return;
        }
        let interest = lock(&self.interest).clone();
        let wakes = interest.is_some_and(|i| {
            applied
                .touched
                .iter()
                .any(|t| i.wakes(t, applied.first_sync))
        });
        if wakes {
            tracing::debug!(cluster = %self.cluster, kind = %self.kind, "a watched object changed");
            self.wake.notify_one();
        }
    }
}

/// The pause before a failed watch's `failures`-th fresh start.
fn restart_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(8);
    RESTART_BASE.saturating_mul(1 << doublings).min(RESTART_CAP)
}

fn convert(event: watcher::Event<RawObject>) -> WatchEvent {
    match event {
        watcher::Event::Init => WatchEvent::Init,
        watcher::Event::InitApply(o) => WatchEvent::InitApply(o.value),
        watcher::Event::InitDone => WatchEvent::InitDone,
        watcher::Event::Apply(o) => WatchEvent::Apply(o.value),
        watcher::Event::Delete(o) => WatchEvent::Delete(o.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_to_a_cap() {
        let table = [(0, 1), (1, 1), (2, 2), (5, 16), (6, 30), (100, 30)];
        for (failures, secs) in table {
            assert_eq!(
                restart_delay(failures),
                Duration::from_secs(secs),
                "after {failures} failures"
            );
        }
    }

    #[test]
    fn raw_objects_keep_every_byte_of_json_and_the_watcher_metadata() {
        let text = r#"{"metadata":{"name":"a","namespace":"shop","resourceVersion":"7","creationTimestamp":"2026-01-01T00:00:00.5Z"},"data":{"k":"v"}}"#;
        let o: RawObject = serde_json::from_str(text).expect("parses");
        assert_eq!(o.meta.resource_version.as_deref(), Some("7"));
        assert_eq!(o.meta.name.as_deref(), Some("a"));
        assert_eq!(
            o.value["metadata"]["creationTimestamp"], "2026-01-01T00:00:00.5Z",
            "no typed round trip"
        );
    }
}

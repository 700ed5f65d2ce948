//! The observation cache of one member cluster: what its watches have seen
//! of the objects flotilla manages there, kind by kind. One writer per
//! cluster × kind (kube's reflector store): the watch task feeds events in
//! with a plain synchronous call, the worker reads.
//!
//! In: the events kube's watcher yields ([`WatchEvent`]), per kind. Out: a
//! [`Lookup`] per object identity, and for each event the objects it
//! touched (before and after), so the caller can decide whether the event
//! is worth a pass.
//!
//! Invariants:
//! - a kind is synced from the `InitDone` of a list to the next error or
//!   restart of its watch; a relist's objects replace the old ones at once
//!   at `InitDone`, so nothing half-listed is ever read;
//! - the cache never says an object is absent. The watches see only
//!   objects with flotilla's label, so an object missing from the cache
//!   may exist without it; the caller reads such an object directly. An
//!   unsynced or partial cache therefore never reads as "nothing there",
//!   and never lets anything be pruned.
//!
//! Pure: no I/O, no clock. The watches themselves are [`super::watch`].

use crate::model::common::ObjectRef;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// How many resourceVersions of one object the cache remembers having seen
/// (so a writer can tell whether the cache has caught up with its write).
const SEEN: usize = 4;

/// A watched kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindKey {
    pub api_version: String,
    pub kind: String,
}

impl KindKey {
    pub fn of(id: &ObjectRef) -> KindKey {
        KindKey {
            api_version: id.api_version.clone(),
            kind: id.kind.clone(),
        }
    }
}

impl std::fmt::Display for KindKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.api_version, self.kind)
    }
}

/// kube's `watcher::Event`, with objects as JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A (re)list starts.
    Init,
    /// An object of the list.
    InitApply(Value),
    /// The list is complete: swap it in.
    InitDone,
    /// An object was added or changed (or started to match the label).
    Apply(Value),
    /// An object was deleted (or stopped matching the label).
    Delete(Value),
}

/// What the cache knows of one object.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// As last seen by a synced watch.
    Present(Arc<Value>),
    /// Its kind is synced and the object is not among flotilla's labelled
    /// objects: it may be absent or exist without the label; read it.
    NotCached,
    /// Its kind is not watched, or its watch has not synced since it
    /// (re)started: read it.
    Unsynced,
}

/// An object an event changed: `old` as the cache had it, `new` as it has
/// it now (`None`: not in the cache).
#[derive(Debug, Clone, PartialEq)]
pub struct Touched {
    pub id: ObjectRef,
    pub old: Option<Arc<Value>>,
    pub new: Option<Arc<Value>>,
}

/// The outcome of one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub touched: Vec<Touched>,
    /// The event completed the first list of this kind since it was
    /// tracked (the worker that started the watch read everything itself).
    pub first_sync: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Cached {
    value: Arc<Value>,
    /// The last few resourceVersions seen, newest last.
    seen: VecDeque<String>,
}

type Key = (Option<String>, String);

#[derive(Debug, Default)]
struct KindStore {
    namespaced: bool,
    synced: bool,
    synced_once: bool,
    objects: BTreeMap<Key, Cached>,
    /// The list in progress.
    buffer: BTreeMap<Key, Cached>,
}

/// One cluster's cache.
#[derive(Debug)]
pub struct Cache {
    /// Where a namespaced object without a namespace lives.
    default_namespace: String,
    kinds: BTreeMap<KindKey, KindStore>,
}

fn rv_of(v: &Value) -> Option<&str> {
    v.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
}

impl Cache {
    pub fn new(default_namespace: impl Into<String>) -> Self {
        Cache {
            default_namespace: default_namespace.into(),
            kinds: BTreeMap::new(),
        }
    }

    /// Starts (or restarts) tracking `kind`: empty and unsynced until its
    /// first list completes.
    pub fn track(&mut self, kind: KindKey, namespaced: bool) {
        self.kinds.insert(
            kind,
            KindStore {
                namespaced,
                ..KindStore::default()
            },
        );
    }

    /// Stops tracking `kind` and forgets its objects.
    pub fn untrack(&mut self, kind: &KindKey) {
        self.kinds.remove(kind);
    }

    /// The tracked kinds.
    pub fn kinds(&self) -> impl Iterator<Item = &KindKey> {
        self.kinds.keys()
    }

    /// The watch of `kind` failed: unsynced until its next list completes
    /// (the objects are kept for that list's comparison, never read).
    pub fn broken(&mut self, kind: &KindKey) {
        if let Some(store) = self.kinds.get_mut(kind) {
            store.synced = false;
            store.buffer.clear();
        }
    }

    pub fn is_synced(&self, kind: &KindKey) -> bool {
        self.kinds.get(kind).is_some_and(|s| s.synced)
    }

    /// Whether every tracked kind is synced.
    pub fn all_synced(&self) -> bool {
        self.kinds.values().all(|s| s.synced)
    }

    fn key(&self, store: &KindStore, id: &ObjectRef) -> Key {
        let namespace = store.namespaced.then(|| {
            id.namespace
                .clone()
                .unwrap_or_else(|| self.default_namespace.clone())
        });
        (namespace, id.name.clone())
    }

    /// What the cache knows of `id`.
    pub fn lookup(&self, id: &ObjectRef) -> Lookup {
        match self.kinds.get(&KindKey::of(id)) {
            Some(store) if store.synced => match store.objects.get(&self.key(store, id)) {
                Some(c) => Lookup::Present(c.value.clone()),
                None => Lookup::NotCached,
            },
            _ => Lookup::Unsynced,
        }
    }

    /// Whether the cache has seen `id` at resourceVersion `rv` (it may
    /// have seen later versions since).
    pub fn seen(&self, id: &ObjectRef, rv: &str) -> bool {
        self.kinds.get(&KindKey::of(id)).is_some_and(|store| {
            store
                .objects
                .get(&self.key(store, id))
                .is_some_and(|c| c.seen.iter().any(|s| s == rv))
        })
    }

    /// Feeds one event of `kind`'s watch in.
    pub fn apply(&mut self, kind: &KindKey, event: WatchEvent) -> Applied {
        let Some(store) = self.kinds.get_mut(kind) else {
            // A watch that was just stopped; its last events mean nothing.
            return Applied::default();
        };
        let mut out = Applied::default();
        match event {
            WatchEvent::Init => store.buffer.clear(),
            WatchEvent::InitApply(v) => {
                if let Some((key, value)) = entry(kind, store.namespaced, v) {
                    let cached = fresh(value, store.objects.get(&key));
                    store.buffer.insert(key, cached);
                }
            }
            WatchEvent::InitDone => {
                let listed = std::mem::take(&mut store.buffer);
                let old = std::mem::replace(&mut store.objects, listed);
                out.touched = diff(kind, &old, &store.objects);
                out.first_sync = !store.synced_once;
                store.synced = true;
                store.synced_once = true;
            }
            WatchEvent::Apply(v) => {
                if let Some((key, value)) = entry(kind, store.namespaced, v) {
                    let id = object_ref(kind, &key);
                    let cached = fresh(value, store.objects.get(&key));
                    let new = cached.value.clone();
                    let old = store.objects.insert(key, cached).map(|c| c.value);
                    out.touched.push(Touched {
                        id,
                        old,
                        new: Some(new),
                    });
                }
            }
            WatchEvent::Delete(v) => {
                if let Some((key, _)) = entry(kind, store.namespaced, v) {
                    let id = object_ref(kind, &key);
                    if let Some(old) = store.objects.remove(&key) {
                        out.touched.push(Touched {
                            id,
                            old: Some(old.value),
                            new: None,
                        });
                    }
                }
            }
        }
        out
    }
}

/// The key and the object, with its apiVersion and kind filled in (list
/// items may lack them); `None` for an object without a name.
fn entry(kind: &KindKey, namespaced: bool, mut v: Value) -> Option<(Key, Value)> {
    let meta = v.get("metadata")?;
    let name = meta.get("name").and_then(Value::as_str)?.to_string();
    let namespace = namespaced
        .then(|| meta.get("namespace").and_then(Value::as_str))
        .flatten()
        .map(str::to_string);
    if let Some(obj) = v.as_object_mut() {
        obj.entry("apiVersion")
            .or_insert_with(|| Value::from(kind.api_version.as_str()));
        obj.entry("kind")
            .or_insert_with(|| Value::from(kind.kind.as_str()));
    }
    Some(((namespace, name), v))
}

/// A cache entry for `value`, remembering the versions seen of `previous`.
fn fresh(value: Value, previous: Option<&Cached>) -> Cached {
    let mut seen = previous.map(|c| c.seen.clone()).unwrap_or_default();
    if let Some(rv) = rv_of(&value) {
        if seen.back().map(String::as_str) != Some(rv) {
            seen.push_back(rv.to_string());
        }
        while seen.len() > SEEN {
            seen.pop_front();
        }
    }
    Cached {
        value: Arc::new(value),
        seen,
    }
}

fn object_ref(kind: &KindKey, key: &Key) -> ObjectRef {
    ObjectRef {
        api_version: kind.api_version.clone(),
        kind: kind.kind.clone(),
        namespace: key.0.clone(),
        name: key.1.clone(),
    }
}

/// The objects that differ between two lists (by resourceVersion).
fn diff(kind: &KindKey, old: &BTreeMap<Key, Cached>, new: &BTreeMap<Key, Cached>) -> Vec<Touched> {
    let mut out = Vec::new();
    for (key, o) in old {
        match new.get(key) {
            Some(n) if rv_of(&n.value) == rv_of(&o.value) => {}
            n => out.push(Touched {
                id: object_ref(kind, key),
                old: Some(o.value.clone()),
                new: n.map(|n| n.value.clone()),
            }),
        }
    }
    for (key, n) in new {
        if !old.contains_key(key) {
            out.push(Touched {
                id: object_ref(kind, key),
                old: None,
                new: Some(n.value.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;

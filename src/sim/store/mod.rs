//! One simulated cluster's objects: the single source of truth behind its
//! API. Every write goes through here, gets the next resource version from
//! one counter, and is appended to a bounded change log that watches replay
//! from (an expired version gets 410) and follow (a broadcast channel).
//! Objects are kept serialized ([`Stored`]); the log shares the current
//! versions and keeps, of each replaced one, only what selectors read.
//!
//! The store is synchronous and holds no lock itself; the cluster wraps it
//! in a mutex, so a read-modify-write (a patch) is atomic.

mod admission;
pub mod binding;
mod crd;
mod delete;
mod snapshot;
mod stored;
mod world;
mod write;

pub use delete::Propagation;
pub use snapshot::Snapshot;
pub use stored::Stored;

use super::controllers::Resource;
use super::error::ApiError;
use super::resources::{Registry, ResourceType};
use super::selectable::Selectable;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use tokio::sync::broadcast;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One entry of the change log.
#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub resource: Resource,
    /// `""` for cluster-scoped objects.
    pub namespace: String,
    pub kind: ChangeKind,
    /// The object after the change; for a deletion, its last state at `rv`.
    pub object: Arc<Stored>,
    /// What selectors read of the object before the change (for watches
    /// with selectors: an object that stops matching is a DELETED event to
    /// them).
    pub previous: Option<Arc<Selectable>>,
}

/// Options every write takes.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// `dryRun=All`: compute and return the result, persist nothing.
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub now: DateTime<Utc>,
}

/// Which part of an object a replace writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// metadata and spec (and status, for types without a status subresource).
    Main,
    /// status only.
    Status,
    /// metadata, spec and status at once (`pods/binding`: the node and the
    /// PodScheduled condition).
    All,
}

type Objects = BTreeMap<(String, String), Arc<Stored>>;

/// The objects of one cluster.
pub struct Store {
    registry: Registry,
    objects: BTreeMap<Resource, Objects>,
    rv: u64,
    log: VecDeque<Arc<Change>>,
    log_capacity: usize,
    /// Changes up to and including this version are no longer in the log.
    compacted: u64,
    changes: broadcast::Sender<Arc<Change>>,
    next_uid: u64,
    /// Seeds uids and generated names, so two clusters never share a uid.
    seed: String,
    /// How long a new CRD takes to be Established (a fault), and the CRDs
    /// waiting for it: name → when.
    crd_delay: chrono::Duration,
    crds_pending: BTreeMap<String, DateTime<Utc>>,
    /// The time of the latest write, for writes the store makes on its own
    /// (garbage collection).
    now: DateTime<Utc>,
}

/// The key of a resource type in the store.
pub fn resource_of(rt: &ResourceType) -> Resource {
    Resource::new(&rt.group, &rt.plural)
}

pub fn timestamp(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Store {
    /// An empty cluster with the `default`, `kube-system`, `kube-public`
    /// and `kube-node-lease` namespaces.
    pub fn new(seed: &str, log_capacity: usize, now: DateTime<Utc>) -> Self {
        let (changes, _) = broadcast::channel(4096);
        let mut store = Store {
            registry: Registry::default(),
            objects: BTreeMap::new(),
            rv: 1000,
            log: VecDeque::new(),
            log_capacity,
            compacted: 1000,
            changes,
            next_uid: 0,
            seed: seed.to_string(),
            crd_delay: chrono::Duration::zero(),
            crds_pending: BTreeMap::new(),
            now,
        };
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now,
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            if let Some(rt) = store.registry.get("", "v1", "namespaces").cloned() {
                // Creating a namespace in a fresh store cannot fail.
                let _ = store.create(&rt, None, obj, &opts);
            }
        }
        store
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How many objects the store holds.
    pub fn object_count(&self) -> usize {
        self.objects.values().map(|o| o.len()).sum()
    }

    /// The current resource version.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// Subscribes to changes after the current version.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// Drops the change log, as etcd compaction does: watches and lists
    /// from any earlier version get 410 Expired.
    pub fn compact(&mut self) {
        self.log.clear();
        self.compacted = self.rv;
    }

    /// The logged changes after `rv`, or 410 when they were compacted away.
    pub fn changes_since(&self, rv: u64) -> Result<Vec<Arc<Change>>, ApiError> {
        if rv < self.compacted {
            return Err(ApiError::expired(rv, self.rv));
        }
        Ok(self.log.iter().filter(|c| c.rv > rv).cloned().collect())
    }

    /// The object, parsed.
    pub fn get(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        Ok(Arc::new(self.get_stored(rt, ns, name)?.parse()?))
    }

    /// The object as stored (serialized).
    pub fn get_stored(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Arc<Stored>, ApiError> {
        self.objects
            .get(&resource_of(rt))
            .and_then(|o| o.get(&(ns.unwrap_or_default().to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Every object of `rt` (in `ns`, or everywhere), ordered by namespace
    /// and name, parsed. Lists and watches serve [`Store::list_stored`].
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>) -> Result<Vec<Value>, ApiError> {
        self.list_stored(rt, ns).iter().map(|o| o.parse()).collect()
    }

    /// Every object of `rt` (in `ns`, or everywhere), ordered by namespace and name.
    pub fn list_stored(&self, rt: &ResourceType, ns: Option<&str>) -> Vec<Arc<Stored>> {
        let Some(objects) = self.objects.get(&resource_of(rt)) else {
            return Vec::new();
        };
        match ns {
            Some(ns) => objects
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v.clone())
                .collect(),
            None => objects.values().cloned().collect(),
        }
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        self.objects
            .get(&Resource::new("", "namespaces"))
            .is_some_and(|o| o.contains_key(&(String::new(), ns.to_string())))
    }

    /// Stores `object` under the next resource version and logs the change.
    fn commit(
        &mut self,
        resource: Resource,
        key: (String, String),
        mut object: Value,
        kind: ChangeKind,
    ) -> Value {
        self.rv += 1;
        object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let stored = Arc::new(Stored::new(&object));
        let namespace = key.0.clone();
        let previous = self
            .objects
            .entry(resource.clone())
            .or_default()
            .insert(key, stored.clone());
        let previous = previous.map(|p| p.select.clone());
        self.log_change(resource, namespace, kind, stored, previous);
        object
    }

    fn log_change(
        &mut self,
        resource: Resource,
        namespace: String,
        kind: ChangeKind,
        object: Arc<Stored>,
        previous: Option<Arc<Selectable>>,
    ) {
        let change = Arc::new(Change {
            rv: self.rv,
            resource,
            namespace,
            kind,
            object,
            previous,
        });
        self.log.push_back(change.clone());
        while self.log.len() > self.log_capacity {
            if let Some(old) = self.log.pop_front() {
                self.compacted = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.changes.send(change);
    }
}

pub fn meta_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object.get("metadata")?.get(field)?.as_str()
}

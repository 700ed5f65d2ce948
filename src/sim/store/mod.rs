//! One simulated cluster's objects: the single source of truth behind its
//! API. Every write goes through here, gets the next resource version from
//! one counter, and is appended to a bounded change log that watches replay
//! from (an expired version gets 410) and follow (a broadcast channel).
//!
//! The store is synchronous and holds no lock itself; the cluster wraps it
//! in a mutex, so a read-modify-write (a patch) is atomic.

mod admission;
mod crd;
mod delete;
mod world;

pub use delete::Propagation;

use super::controllers::Resource;
use super::error::ApiError;
use super::resources::{Registry, ResourceType};
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
    pub object: Arc<Value>,
    /// The object before the change (for watches with selectors: an object
    /// that stops matching is a DELETED event to them).
    pub previous: Option<Arc<Value>>,
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
}

type Objects = BTreeMap<(String, String), Arc<Value>>;

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

    pub fn get(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        self.objects
            .get(&resource_of(rt))
            .and_then(|o| o.get(&(ns.unwrap_or_default().to_string(), name.to_string())))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Every object of `rt` (in `ns`, or everywhere), ordered by namespace and name.
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>) -> Vec<Arc<Value>> {
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

    /// Every object of a resource (by store key), for controllers.
    pub fn all(&self, resource: &Resource) -> impl Iterator<Item = &Arc<Value>> {
        self.objects
            .get(resource)
            .into_iter()
            .flat_map(|o| o.values())
    }

    fn namespace_exists(&self, ns: &str) -> bool {
        self.objects
            .get(&Resource::new("", "namespaces"))
            .is_some_and(|o| o.contains_key(&(String::new(), ns.to_string())))
    }

    /// Creates `object` (POST). The namespace comes from the URL.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        mut object: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        if !object.is_object() {
            return Err(ApiError::bad_request(
                "the request body must be a JSON object",
            ));
        }
        self.now = opts.now;
        let ns = self.check_namespace(rt, ns, &object)?;
        admission::require_type(rt, &mut object)?;
        let name = match meta_str(&object, "name") {
            Some(n) => n.to_string(),
            None => match meta_str(&object, "generateName") {
                Some(prefix) => {
                    let name = format!("{prefix}{}", self.suffix());
                    object["metadata"]["name"] = json!(name);
                    name
                }
                None => String::new(),
            },
        };
        admission::validate(rt, &name, &object)?;
        let key = (ns.clone().unwrap_or_default(), name.clone());
        let resource = resource_of(rt);
        if self
            .objects
            .get(&resource)
            .is_some_and(|o| o.contains_key(&key))
        {
            return Err(ApiError::already_exists(rt, &name));
        }
        if let Some(n) = &ns {
            if let Some(Value::Null) | None = object["metadata"].get("namespace") {
                object["metadata"]["namespace"] = json!(n);
            }
            if let Some(nsobj) = self
                .objects
                .get(&Resource::new("", "namespaces"))
                .and_then(|o| o.get(&(String::new(), n.clone())))
            {
                if nsobj.pointer("/metadata/deletionTimestamp").is_some() {
                    return Err(ApiError::forbidden_terminating(rt, &name, n));
                }
            }
        }
        let uid = self.uid();
        let meta = &mut object["metadata"];
        meta["uid"] = json!(uid);
        meta["creationTimestamp"] = json!(timestamp(opts.now));
        meta["generation"] = json!(1);
        if let Some(m) = meta.as_object_mut() {
            m.remove("resourceVersion");
            m.remove("deletionTimestamp");
        }
        admission::default_on_create(rt, &mut object, &uid);
        if opts.dry_run {
            object["metadata"]["resourceVersion"] = json!((self.rv + 1).to_string());
            return Ok(object);
        }
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            self.crd_created(&mut object, opts.now);
        }
        Ok(self.commit(resource, key, object, ChangeKind::Added))
    }

    /// Replaces an object (PUT, or the last step of a PATCH). A
    /// `metadata.resourceVersion` in `object` must match the stored one.
    pub fn replace(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
        mut object: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        if !object.is_object() {
            return Err(ApiError::bad_request(
                "the request body must be a JSON object",
            ));
        }
        self.now = opts.now;
        let ns = self.check_namespace(rt, ns, &object)?;
        admission::require_type(rt, &mut object)?;
        match meta_str(&object, "name") {
            Some(n) if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )))
            }
            Some(_) => {}
            None => object["metadata"]["name"] = json!(name),
        }
        let current = self.get(rt, ns.as_deref(), name)?;
        if let Some(rv) = meta_str(&object, "resourceVersion") {
            if Some(rv) != meta_str(&current, "resourceVersion") {
                return Err(ApiError::conflict(rt, name));
            }
        }
        admission::validate(rt, name, &object)?;
        let mut next = merge_parts(rt, &current, object, part);
        // Server-owned metadata is never taken from the request.
        for field in [
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
        ] {
            match current["metadata"].get(field) {
                Some(v) => next["metadata"][field] = v.clone(),
                None => {
                    if let Some(m) = next["metadata"].as_object_mut() {
                        m.remove(field);
                    }
                }
            }
        }
        if next.get("spec") != current.get("spec")
            || (rt.kind == "CustomResourceDefinition" && next != *current)
        {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            next["metadata"]["generation"] = json!(generation + 1);
        }
        admission::default_on_update(rt, &current, &mut next);
        if strip_rv(&next) == strip_rv(&current) {
            // A no-op write: no new version, no event (as a real API server).
            return Ok((*current).clone());
        }
        if opts.dry_run {
            next["metadata"]["resourceVersion"] = json!((self.rv + 1).to_string());
            return Ok(next);
        }
        if rt.kind == "CustomResourceDefinition" {
            self.crd_updated(&mut next);
        }
        let key = (ns.unwrap_or_default(), name.to_string());
        let removable = next.pointer("/metadata/deletionTimestamp").is_some()
            && next
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .is_none_or(|f| f.is_empty());
        let stored = self.commit(resource_of(rt), key.clone(), next, ChangeKind::Modified);
        if removable {
            // The last finalizer is gone from an object being deleted.
            self.remove(rt, &key.0, &key.1);
        }
        Ok(stored)
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
        let stored = Arc::new(object);
        let namespace = key.0.clone();
        let previous = self
            .objects
            .entry(resource.clone())
            .or_default()
            .insert(key, stored.clone());
        self.log_change(resource, namespace, kind, stored.clone(), previous);
        (*stored).clone()
    }

    fn log_change(
        &mut self,
        resource: Resource,
        namespace: String,
        kind: ChangeKind,
        object: Arc<Value>,
        previous: Option<Arc<Value>>,
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

    /// Resolves the namespace of a request: namespaced types need one that
    /// exists (404 like Kubernetes), and the body may not name another.
    fn check_namespace(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        object: &Value,
    ) -> Result<Option<String>, ApiError> {
        if !rt.namespaced {
            return Ok(None);
        }
        let from_body = meta_str(object, "namespace");
        let ns = match (ns, from_body) {
            (Some(url), Some(body)) if url != body => {
                return Err(ApiError::bad_request(format!(
                    "the namespace of the provided object ({body}) does not match the namespace sent on the request ({url})"
                )))
            }
            (Some(url), _) => url,
            (None, Some(body)) => body,
            (None, None) => return Err(ApiError::bad_request("a namespace is required for a namespaced resource")),
        };
        if !self.namespace_exists(ns) {
            return Err(ApiError::namespace_not_found(ns));
        }
        Ok(Some(ns.to_string()))
    }

    fn uid(&mut self) -> String {
        self.next_uid += 1;
        let hex = digest_hex(format!("{}/{}", self.seed, self.next_uid).as_bytes());
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A five-character suffix for generateName, as Kubernetes makes them.
    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        self.next_uid += 1;
        let hex = digest_hex(format!("{}#{}", self.seed, self.next_uid).as_bytes());
        hex.as_bytes()
            .chunks(2)
            .take(5)
            .map(|pair| {
                let n =
                    u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
                ALPHABET[n as usize % ALPHABET.len()] as char
            })
            .collect()
    }
}

pub fn meta_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object.get("metadata")?.get(field)?.as_str()
}

fn strip_rv(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
        m.remove("managedFields");
    }
    o
}

/// The object a replace stores: a main write keeps the stored status (for
/// types with a status subresource); a status write keeps everything else.
fn merge_parts(rt: &ResourceType, current: &Value, mut incoming: Value, part: Part) -> Value {
    match part {
        Part::Main if rt.status => {
            match current.get("status") {
                Some(s) => incoming["status"] = s.clone(),
                None => {
                    if let Some(o) = incoming.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            incoming
        }
        Part::Main => incoming,
        Part::Status => {
            let mut next = current.clone();
            match incoming.get_mut("status").map(Value::take) {
                Some(s) => next["status"] = s,
                None => {
                    if let Some(o) = next.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            if let Some(rv) = incoming.pointer("/metadata/resourceVersion") {
                next["metadata"]["resourceVersion"] = rv.clone();
            }
            next
        }
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

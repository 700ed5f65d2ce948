//! Deletion: finalizers (an object with finalizers is only marked), the
//! propagation policies (Orphan unlinks dependents; Background and
//! Foreground delete them — synchronously here, so both end in the same
//! state), garbage collection of objects whose owners are all gone, and
//! namespace deletion (its contents go first).

use super::{resource_of, timestamp, ChangeKind, Store, Stored, WriteOptions};
use crate::sim::controllers::Resource;
use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

/// `propagationPolicy` of a DeleteOptions body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        match text {
            "Background" => Ok(Propagation::Background),
            "Foreground" => Ok(Propagation::Foreground),
            "Orphan" => Ok(Propagation::Orphan),
            other => Err(ApiError::bad_request(format!(
                "unsupported propagationPolicy \"{other}\": expected Background, Foreground or Orphan"
            ))),
        }
    }
}

impl Store {
    /// Deletes an object (DELETE). Returns the object as it was last seen:
    /// marked with a deletionTimestamp when finalizers hold it back.
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
        propagation: Propagation,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        self.now = opts.now;
        let current = self.get(rt, ns, name)?;
        let ns_key = ns.unwrap_or_default().to_string();
        if opts.dry_run {
            return Ok((*current).clone());
        }
        let has_finalizers = current
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        let is_namespace = rt.group.is_empty() && rt.kind == "Namespace";
        if has_finalizers || is_namespace {
            let mut marked = (*current).clone();
            if marked.pointer("/metadata/deletionTimestamp").is_none() {
                marked["metadata"]["deletionTimestamp"] = json!(timestamp(opts.now));
                marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
                if is_namespace {
                    marked["status"]["phase"] = json!("Terminating");
                }
                let stored = self.commit(
                    resource_of(rt),
                    (ns_key.clone(), name.to_string()),
                    marked,
                    ChangeKind::Modified,
                );
                if is_namespace {
                    self.empty_namespace(name, opts);
                    if !has_finalizers && self.namespace_is_empty(name) {
                        self.remove(rt, "", name);
                    }
                }
                return Ok(stored);
            }
            return Ok(marked);
        }
        let uid = current
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if propagation == Propagation::Orphan {
            self.orphan_dependents(&uid);
        }
        self.remove(rt, &ns_key, name);
        Ok((*current).clone())
    }

    /// Removes an object for good: logs DELETED, unregisters a CRD's types,
    /// collects garbage, and finishes a terminating namespace that is now empty.
    pub(super) fn remove(&mut self, rt: &ResourceType, ns: &str, name: &str) {
        let resource = resource_of(rt);
        let Some(stored) = self
            .objects
            .get_mut(&resource)
            .and_then(|o| o.remove(&(ns.to_string(), name.to_string())))
        else {
            return;
        };
        // Our own serialization parses; were it not to, the object still
        // goes, and watches see its last state without the new version.
        let object = stored.parse().unwrap_or_else(|e| {
            tracing::error!(error = %e, "deleting an object that does not parse");
            json!({})
        });
        self.rv += 1;
        let mut last = object.clone();
        if last.is_object() {
            last["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        }
        self.log_change(
            resource,
            ns.to_string(),
            ChangeKind::Deleted,
            Arc::new(Stored::new(&last)),
            Some(stored.select.clone()),
        );
        if rt.kind == "CustomResourceDefinition" {
            self.crds_pending.remove(name);
            let group = object
                .pointer("/spec/group")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let plural = object
                .pointer("/spec/names/plural")
                .and_then(Value::as_str)
                .unwrap_or_default();
            // Its objects go with it.
            self.objects.remove(&Resource::new(group, plural));
            self.registry.unregister_crd(group, plural);
        }
        self.collect_garbage();
        if !ns.is_empty() && self.namespace_terminating(ns) && self.namespace_is_empty(ns) {
            if let Some(nsrt) = self.registry.get("", "v1", "namespaces").cloned() {
                self.remove(&nsrt, "", ns);
            }
        }
    }

    /// Every uid that exists.
    fn live_uids(&self) -> BTreeSet<&str> {
        self.objects
            .values()
            .flat_map(|o| o.values())
            .map(|o| &*o.uid)
            .filter(|u| !u.is_empty())
            .collect()
    }

    /// Deletes every object whose owners (by uid) are all gone.
    fn collect_garbage(&mut self) {
        loop {
            let live = self.live_uids();
            let orphans: Vec<(Resource, String, String)> = self
                .objects
                .iter()
                .flat_map(|(r, objs)| objs.iter().map(move |(k, o)| (r, k, o)))
                .filter(|(_, _, o)| o.orphaned(&live))
                .map(|(r, k, _)| (r.clone(), k.0.clone(), k.1.clone()))
                .collect();
            if orphans.is_empty() {
                return;
            }
            let now = self.now;
            for (resource, ns, name) in orphans {
                let Some(rt) = self.type_of(&resource) else {
                    continue;
                };
                let opts = WriteOptions {
                    dry_run: false,
                    field_manager: None,
                    now,
                };
                let ns = (!ns.is_empty()).then_some(ns);
                // Dependents with finalizers are only marked; the rest go.
                let _ = self.delete(&rt, ns.as_deref(), &name, Propagation::Background, &opts);
            }
            // Marked-only objects still exist; stop when a pass removed nothing.
            if !self.has_unmarked_orphans() {
                return;
            }
        }
    }

    fn has_unmarked_orphans(&self) -> bool {
        let live = self.live_uids();
        self.objects
            .values()
            .flat_map(|o| o.values())
            .any(|o| !o.deleting && o.orphaned(&live))
    }

    /// Drops ownerReferences to `uid` from every object.
    fn orphan_dependents(&mut self, uid: &str) {
        let dependents: Vec<(Resource, (String, String), Arc<Stored>)> = self
            .objects
            .iter()
            .flat_map(|(r, objs)| objs.iter().map(move |(k, o)| (r, k, o)))
            .filter(|(_, _, o)| o.refers_to(uid))
            .map(|(r, k, o)| (r.clone(), k.clone(), o.clone()))
            .collect();
        for (resource, key, stored) in dependents {
            let Ok(mut object) = stored.parse() else {
                continue;
            };
            if let Some(refs) = object
                .pointer_mut("/metadata/ownerReferences")
                .and_then(Value::as_array_mut)
            {
                refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid));
            }
            self.commit(resource, key, object, ChangeKind::Modified);
        }
    }

    fn empty_namespace(&mut self, ns: &str, opts: &WriteOptions) {
        let contents: Vec<(Resource, String)> = self
            .objects
            .iter()
            .flat_map(|(r, objs)| {
                objs.keys()
                    .filter(|(n, _)| n == ns)
                    .map(move |(_, name)| (r.clone(), name.clone()))
            })
            .collect();
        for (resource, name) in contents {
            if let Some(rt) = self.type_of(&resource) {
                let _ = self.delete(&rt, Some(ns), &name, Propagation::Background, opts);
            }
        }
    }

    fn namespace_is_empty(&self, ns: &str) -> bool {
        !self
            .objects
            .values()
            .any(|objs| objs.keys().any(|(n, _)| n == ns))
    }

    fn namespace_terminating(&self, ns: &str) -> bool {
        self.objects
            .get(&Resource::new("", "namespaces"))
            .and_then(|o| o.get(&(String::new(), ns.to_string())))
            .is_some_and(|o| o.deleting)
    }

    /// The served type of a store key (its first registered version).
    pub fn type_of(&self, resource: &Resource) -> Option<ResourceType> {
        self.registry
            .types()
            .iter()
            .find(|t| t.group == resource.group && t.plural == resource.plural && !t.read_only)
            .cloned()
    }
}

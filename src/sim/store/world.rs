//! The executor that carries out the controllers' [`Action`]s as writes of
//! the system components (never dry-run), each recorded in `managedFields`
//! as the API server records a client's update: under the component's
//! manager ([`managers`]), operation `Update`, with `subresource: status`
//! for status writes and `scale` for the HPA's. A binding is not recorded.
//! What the controllers read is a [`super::Snapshot`].

use super::{binding, meta_str, timestamp, Part, Propagation, Store, WriteOptions};
use crate::sim::apply::{self, managed};
use crate::sim::controllers::{managers, Action, Resource};
use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// What one round of actions did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Executed {
    /// Actions that changed something (a new resource version).
    pub changed: usize,
    /// Actions that asked for what was already there.
    pub unchanged: Vec<String>,
    /// Actions that failed (e.g. the object changed or went away meanwhile);
    /// the controllers see the new state on their next round.
    pub failed: Vec<String>,
}

impl Store {
    /// Carries out `actions` in order, each recorded in `managedFields`
    /// under the component that makes it ([`managers`]).
    pub fn execute(&mut self, actions: Vec<Action>, now: DateTime<Utc>) -> Executed {
        let mut done = Executed::default();
        for action in actions {
            let before = self.rv;
            let what = describe(&action);
            match self.execute_one(action, now) {
                Ok(()) if self.rv != before => done.changed += 1,
                Ok(()) => done.unchanged.push(what),
                Err(e) => done.failed.push(format!("{what}: {e}")),
            }
        }
        done
    }

    fn execute_one(&mut self, action: Action, now: DateTime<Utc>) -> Result<(), ApiError> {
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now,
        };
        let stamp = timestamp(now);
        match action {
            Action::Create {
                ref resource,
                ref object,
            } => {
                let rt = self.known(resource)?;
                let ns = meta_str(object, "namespace").map(str::to_string);
                let by = FieldManager::new(&rt, managers::manager(&action, None), None, &stamp);
                let tracked = by.record(None, &without_managed_fields(object));
                self.create(&rt, ns.as_deref(), tracked, &opts).map(drop)
            }
            Action::Update {
                ref resource,
                ref object,
            } => {
                let rt = self.known(resource)?;
                let ns = meta_str(object, "namespace").map(str::to_string);
                let name = meta_str(object, "name").unwrap_or_default().to_string();
                let current = self.get(&rt, ns.as_deref(), &name)?;
                let manager = managers::manager(&action, Some(&current));
                let by = FieldManager::new(&rt, manager, None, &stamp);
                // The object keeps the snapshot's resourceVersion: a write
                // since (a user's, another controller's) wins, and the
                // controller recomputes on its next round.
                let tracked = by.record(Some(&current), &without_managed_fields(object));
                self.replace(&rt, ns.as_deref(), &name, tracked, Part::Main, &opts)
                    .map(drop)
            }
            Action::UpdateStatus {
                ref resource,
                ref namespace,
                ref name,
                ref status,
            } => {
                let rt = self.known(resource)?;
                let current = self.get(&rt, namespace.as_deref(), name)?;
                let mut object = (*current).clone();
                object["status"] = status.clone();
                strip_rv(&mut object);
                let (part, sub) = if rt.status {
                    (Part::Status, Some("status"))
                } else {
                    (Part::Main, None)
                };
                let by =
                    FieldManager::new(&rt, managers::manager(&action, Some(&current)), sub, &stamp);
                let tracked = by.record(Some(&current), &object);
                self.replace(&rt, namespace.as_deref(), name, tracked, part, &opts)
                    .map(drop)
            }
            Action::Scale {
                ref resource,
                ref namespace,
                ref name,
                replicas,
            } => {
                let rt = self.known(resource)?;
                let path = rt
                    .scale
                    .as_ref()
                    .map(|s| s.spec_replicas.clone())
                    .ok_or_else(|| {
                        ApiError::internal(format!("{} has no scale subresource", rt.plural))
                    })?;
                let current = self.get(&rt, namespace.as_deref(), name)?;
                let mut object = (*current).clone();
                set_pointer(&mut object, &path, json!(replicas));
                strip_rv(&mut object);
                let by = FieldManager::new(
                    &rt,
                    managers::manager(&action, Some(&current)),
                    Some("scale"),
                    &stamp,
                );
                let tracked = by.record(Some(&current), &object);
                self.replace(&rt, namespace.as_deref(), name, tracked, Part::Main, &opts)
                    .map(drop)
            }
            Action::Bind {
                namespace,
                name,
                node,
            } => {
                let rt = self.known(&Resource::new("", "pods"))?;
                let current = self.get(&rt, Some(&namespace), &name)?;
                let mut bound = binding::bind(&current, &node, &stamp).map_err(|e| {
                    ApiError::conflict_with_causes(
                        format!("Operation cannot be fulfilled on pods/binding {name:?}: {e}"),
                        &[],
                    )
                })?;
                strip_rv(&mut bound);
                self.replace(&rt, Some(&namespace), &name, bound, Part::All, &opts)
                    .map(drop)
            }
            Action::Delete {
                resource,
                namespace,
                name,
            } => {
                let rt = self.known(&resource)?;
                self.delete(
                    &rt,
                    namespace.as_deref(),
                    &name,
                    Propagation::Background,
                    &opts,
                )
                .map(drop)
            }
        }
    }

    fn known(&self, resource: &Resource) -> Result<ResourceType, ApiError> {
        self.type_of(resource).ok_or_else(|| {
            ApiError::internal(format!(
                "controller wrote unknown resource {}/{}",
                resource.group, resource.plural
            ))
        })
    }
}

/// A controller's write as the API server's field manager sees it: who,
/// through which subresource, when.
struct FieldManager<'a> {
    rt: &'a ResourceType,
    manager: &'static str,
    subresource: Option<&'static str>,
    now: &'a str,
}

impl<'a> FieldManager<'a> {
    fn new(
        rt: &'a ResourceType,
        manager: &'static str,
        subresource: Option<&'static str>,
        now: &'a str,
    ) -> Self {
        FieldManager {
            rt,
            manager,
            subresource,
            now,
        }
    }

    /// `after` with its `managedFields` updated for this write of `before`
    /// (`None`: a create), as a client's PUT would be recorded.
    fn record(&self, before: Option<&Value>, after: &Value) -> Value {
        let api_version = self.rt.api_version();
        apply::record_update(
            before,
            after,
            &apply::Writer {
                manager: self.manager,
                api_version: &api_version,
                subresource: self.subresource,
                status_subresource: self.rt.status,
                now: self.now,
            },
        )
    }
}

/// A controller's object without `managedFields`: it is a copy from a
/// snapshot, whose managedFields may be stale, and a controller never
/// means to set them; the write then starts from the stored ones.
fn without_managed_fields(object: &Value) -> Value {
    managed::stripped(object)
}

fn strip_rv(object: &mut Value) {
    if let Some(m) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
}

/// Sets the value at a JSON pointer (a scale subresource's replicas path),
/// making objects of whatever is in the way.
fn set_pointer(target: &mut Value, pointer: &str, value: Value) {
    let mut node = target;
    for part in pointer.trim_start_matches('/').split('/') {
        if !node.is_object() {
            *node = json!({});
        }
        node = &mut node[part];
    }
    *node = value;
}

fn describe(action: &Action) -> String {
    let key = |o: &Value| {
        format!(
            "{}/{}",
            meta_str(o, "namespace").unwrap_or_default(),
            meta_str(o, "name").unwrap_or_default()
        )
    };
    let ns = |n: &Option<String>| n.clone().unwrap_or_default();
    match action {
        Action::Create { resource, object } => {
            format!("create {} {}", resource.plural, key(object))
        }
        Action::Update { resource, object } => {
            format!("update {} {}", resource.plural, key(object))
        }
        Action::UpdateStatus {
            resource,
            namespace,
            name,
            ..
        } => format!("update status {} {}/{name}", resource.plural, ns(namespace)),
        Action::Scale {
            resource,
            namespace,
            name,
            replicas,
        } => format!(
            "scale {} {}/{name} to {replicas}",
            resource.plural,
            ns(namespace)
        ),
        Action::Bind {
            namespace,
            name,
            node,
        } => format!("bind pod {namespace}/{name} to {node}"),
        Action::Delete {
            resource,
            namespace,
            name,
        } => format!("delete {} {}/{name}", resource.plural, ns(namespace)),
    }
}

#[cfg(test)]
mod tests;

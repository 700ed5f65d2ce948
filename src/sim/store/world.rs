//! The executor that carries out the controllers' [`Action`]s as writes of
//! the system (no field manager, never dry-run). What they read is a
//! [`super::Snapshot`].

use super::{Part, Propagation, Store, WriteOptions};
use crate::sim::controllers::{Action, Resource};
use crate::sim::error::ApiError;
use chrono::{DateTime, Utc};
use serde_json::Value;

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
    /// Carries out `actions` in order.
    pub fn execute(&mut self, actions: Vec<Action>, now: DateTime<Utc>) -> Executed {
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now,
        };
        let mut done = Executed::default();
        for action in actions {
            let before = self.rv;
            let what = describe(&action);
            match self.execute_one(action, &opts) {
                Ok(()) if self.rv != before => done.changed += 1,
                Ok(()) => done.unchanged.push(what),
                Err(e) => done.failed.push(format!("{what}: {e}")),
            }
        }
        done
    }

    fn execute_one(&mut self, action: Action, opts: &WriteOptions) -> Result<(), ApiError> {
        match action {
            Action::Create { resource, object } => {
                let rt = self.known(&resource)?;
                let ns = object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                self.create(&rt, ns.as_deref(), object, opts).map(drop)
            }
            Action::Update {
                resource,
                mut object,
            } => {
                let rt = self.known(&resource)?;
                let ns = object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let name = object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                // Controllers write the latest state; they do not race users
                // on resourceVersion.
                if let Some(m) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.remove("resourceVersion");
                }
                self.replace(&rt, ns.as_deref(), &name, object, Part::Main, opts)
                    .map(drop)
            }
            Action::UpdateStatus {
                resource,
                namespace,
                name,
                status,
            } => {
                let rt = self.known(&resource)?;
                let mut object = (*self.get(&rt, namespace.as_deref(), &name)?).clone();
                object["status"] = status;
                if let Some(m) = object.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.remove("resourceVersion");
                }
                let part = if rt.status { Part::Status } else { Part::Main };
                self.replace(&rt, namespace.as_deref(), &name, object, part, opts)
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
                    opts,
                )
                .map(drop)
            }
        }
    }

    fn known(&self, resource: &Resource) -> Result<crate::sim::resources::ResourceType, ApiError> {
        self.type_of(resource).ok_or_else(|| {
            ApiError::internal(format!(
                "controller wrote unknown resource {}/{}",
                resource.group, resource.plural
            ))
        })
    }
}

fn describe(action: &Action) -> String {
    let name = |o: &Value| {
        format!(
            "{}/{}",
            o.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            o.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )
    };
    match action {
        Action::Create { resource, object } => {
            format!("create {} {}", resource.plural, name(object))
        }
        Action::Update { resource, object } => {
            format!("update {} {}", resource.plural, name(object))
        }
        Action::UpdateStatus {
            resource,
            namespace,
            name,
            ..
        } => {
            format!(
                "update status {} {}/{name}",
                resource.plural,
                namespace.as_deref().unwrap_or_default()
            )
        }
        Action::Delete {
            resource,
            namespace,
            name,
        } => {
            format!(
                "delete {} {}/{name}",
                resource.plural,
                namespace.as_deref().unwrap_or_default()
            )
        }
    }
}

//! The store as the controllers see it: a [`World`] to read, and the
//! executor that carries out their [`Action`]s as writes of the system
//! (no field manager, never dry-run).

use super::{Part, Propagation, Store, WriteOptions};
use crate::sim::controllers::{Action, Resource, World};
use crate::sim::error::ApiError;
use chrono::{DateTime, Utc};
use serde_json::Value;

impl World for Store {
    fn list(&self, resource: &Resource) -> Vec<&Value> {
        self.all(resource).map(|v| v.as_ref()).collect()
    }
}

/// What one round of actions did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Executed {
    pub applied: usize,
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
            match self.execute_one(action, &opts) {
                Ok(()) => done.applied += 1,
                Err(e) => done.failed.push(e.to_string()),
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

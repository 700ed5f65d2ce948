//! What runs behind a simulated cluster's API. Each controller is a pure
//! function `(world, inputs) -> Vec<Action>`: it reads a snapshot of the
//! cluster's objects and says what to write; the store's executor carries
//! the actions out (bumping resource versions, emitting watch events) and
//! runs the controllers again until nothing is left to do. No controller
//! does I/O or reads a clock: time and synthetic load come in [`Inputs`].

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// A resource as the store keys it: group and plural (every version of a
/// resource shares one storage, as in Kubernetes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resource {
    /// `""` for the core group.
    pub group: String,
    pub plural: String,
}

impl Resource {
    pub fn new(group: &str, plural: &str) -> Self {
        Resource {
            group: group.to_string(),
            plural: plural.to_string(),
        }
    }
}

/// A read-only view of one cluster's objects.
pub trait World {
    /// Every object of `resource`, in every namespace, in a stable order.
    fn list(&self, resource: &Resource) -> Vec<&Value>;
}

/// What a controller wants written.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create `object` (its metadata has name or generateName, namespace,
    /// labels, ownerReferences; the store fills uid, resourceVersion,
    /// creationTimestamp).
    Create { resource: Resource, object: Value },
    /// Replace the object's metadata and spec (not its status) with those of
    /// `object`; the store keeps status and bumps generation on a spec change.
    Update { resource: Resource, object: Value },
    /// Replace the object's `status` only.
    UpdateStatus {
        resource: Resource,
        namespace: Option<String>,
        name: String,
        status: Value,
    },
    /// Delete the object (the store honours finalizers and runs garbage
    /// collection of dependents).
    Delete {
        resource: Resource,
        namespace: Option<String>,
        name: String,
    },
}

/// Everything besides the objects that controllers depend on.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub now: DateTime<Utc>,
    /// How long a scheduled pod takes to become Ready.
    pub pod_ready_delay: chrono::Duration,
    /// Synthetic CPU utilization (percent of requests) per workload,
    /// keyed by (namespace, workload name), as set through the admin API.
    /// The annotation `sim.flotilla.io/cpu-utilization` on the workload
    /// wins over this.
    pub cpu_utilization: BTreeMap<(String, String), f64>,
}

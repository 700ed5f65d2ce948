//! What runs behind a simulated cluster's API. Each controller is a pure
//! function `(world, inputs) -> Vec<Action>`: it reads a snapshot of the
//! cluster's objects and says what to write; the store's executor carries
//! the actions out (bumping resource versions, emitting watch events) and
//! runs the controllers again until nothing is left to do. No controller
//! does I/O or reads a clock: time and synthetic load come in [`Inputs`].
//!
//! What the executor must know:
//! - [`run_all`] runs every controller on one snapshot; run it again on the
//!   result until it returns nothing (a few rounds), and again when time
//!   reaches [`due::next_due`] of the settled world (readiness delays, job
//!   run times, HPA syncs and cron schedules are all read from
//!   `inputs.now`; `next_due` says when the next one flips). Each
//!   controller is also callable alone (`<module>::reconcile`, a
//!   [`Controller`]).
//! - Within one round an object is created at most once and its status
//!   written at most once, so the order of the actions does not matter.
//!   `Update`s carry the snapshot's `resourceVersion`; rejecting a stale one
//!   (409) is fine, as is dropping any action that fails (AlreadyExists,
//!   NotFound): the next round recomputes it from the world as it then is.
//!   Applied in the order returned, Updates land before the status writes
//!   that would make them stale.
//! - Binding a pod to a node is an [`Action::Bind`] (`pods/binding`): the
//!   store sets `spec.nodeName` and `PodScheduled=True` in one write, as
//!   the API server's binding subresource does. The kubelet then writes
//!   phase, IPs and readiness. The HPA's change of its target's replicas
//!   is an [`Action::Scale`] (the `/scale` subresource): only the replicas
//!   change, whatever else changed since the snapshot.
//! - Every write is recorded in `managedFields` under the component that
//!   makes it, as on a real cluster ([`managers`]): `kube-controller-manager`
//!   for the workload controllers, the HPA and the claim binder,
//!   `kube-scheduler` for the scheduler's status writes, `kubelet` for the
//!   status of bound pods; status writes with `subresource: status`, the
//!   HPA's with `subresource: scale`. A binding is not recorded (the API
//!   server's binding bypasses field management).
//! - Controllers rely on the store for `uid`, `resourceVersion`,
//!   `creationTimestamp` and `generation` (1 on create, +1 on a spec
//!   change), and on ownerReferences with `controller: true` (no adoption of
//!   orphans by selector). A deleted pod is expected to go at once (no
//!   graceful termination is modelled; a pod with a deletionTimestamp is
//!   treated as terminating and left to the store).
//! - Events are `Create`s of `core/v1` Events with deterministic names
//!   (`<object>.<hash>`); [`gc`] deletes them after an hour.
//! - [`Inputs::generic_workloads`] says which custom resources are workloads.
//! - [`metrics::pod_metrics`] and [`metrics::node_metrics`] build
//!   `metrics.k8s.io` objects from the synthetic load (`kubectl top`).
//! - The HPA keeps its recommendation history in its status, under
//!   [`hpa::HISTORY_FIELD`].
//!
//! Layout: one file per controller (`deployment/`, `replicaset`,
//! `statefulset/`, `daemonset`, `job`, `cronjob`, `generic`, `hpa`,
//! `claims` (the PersistentVolumeClaim binder), `scheduler`, `kubelet`,
//! `gc`), `metrics`, `managers` (whom each write is recorded as), `due`
//! (when time alone makes them act; each time-driven controller has a `due`
//! next to its rule), and shared helpers (`obj` for JSON access and hashes,
//! `cond` for conditions, `pod`, `node`, `events`).
//! The tests (`tests/`) run the controllers end to end in `testing`'s
//! in-memory world.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

pub mod claims;
mod cond;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod due;
mod events;
pub mod gc;
pub mod generic;
pub mod hpa;
pub mod job;
pub mod kubelet;
pub mod managers;
pub mod metrics;
mod node;
mod obj;
mod pod;
mod ptr;
pub mod replicaset;
pub mod scheduler;
pub mod statefulset;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

/// Per-pod CPU utilization (percent of requests) of a workload, set on the
/// workload (Deployment, StatefulSet, generic workload, ...); wins over
/// [`Inputs::cpu_utilization`].
pub const CPU_UTILIZATION_ANNOTATION: &str = "sim.flotilla.io/cpu-utilization";
/// How long a pod of a Job (any pod whose `restartPolicy` is `Never` or
/// `OnFailure`) runs before it terminates, in seconds; set on the pod
/// template. Default [`DEFAULT_RUN_SECONDS`].
pub const RUN_SECONDS_ANNOTATION: &str = "sim.flotilla.io/run-seconds";
/// The exit code such a pod terminates with (default 0: Succeeded; any
/// other value: Failed).
pub const EXIT_CODE_ANNOTATION: &str = "sim.flotilla.io/exit-code";
/// How long a run-to-completion pod runs when the template does not say.
pub const DEFAULT_RUN_SECONDS: i64 = 5;

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
    /// Set the replicas of a resource with a scale subresource, through
    /// `/scale` (the HPA's write): nothing else of the object changes.
    Scale {
        resource: Resource,
        namespace: Option<String>,
        name: String,
        replicas: i64,
    },
    /// Bind a pod to `node` through `pods/binding`: `spec.nodeName` and a
    /// `PodScheduled=True` condition in one write; refused (409) when the
    /// pod is already bound.
    Bind {
        namespace: String,
        name: String,
        node: String,
    },
}

/// Everything besides the objects that controllers depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub now: DateTime<Utc>,
    /// How long a scheduled pod takes to become Ready.
    pub pod_ready_delay: chrono::Duration,
    /// Synthetic CPU utilization (percent of requests) per workload,
    /// keyed by (namespace, workload name), as set through the admin API.
    /// The annotation `sim.flotilla.io/cpu-utilization` on the workload
    /// wins over this.
    pub cpu_utilization: BTreeMap<(String, String), f64>,
    /// The custom resource types the generic workload controller runs:
    /// objects with `spec.replicas` and `spec.template` that own their pods
    /// directly (OpenKruise CloneSet and the like). The executor decides
    /// from CRD registration (e.g. types with a scale subresource).
    pub generic_workloads: Vec<Resource>,
}

/// A controller: what to write next, given a snapshot and the inputs.
pub type Controller = fn(&dyn World, &Inputs) -> Vec<Action>;

/// Every controller, in a fixed order. Any order of the returned actions
/// converges; this one also means that, applied in order, the `Update`s of
/// a round (which carry the snapshot's resourceVersion: the HPA's of its
/// target, the Deployment controller's of its ReplicaSets) land before the
/// status writes that would make them stale.
const CONTROLLERS: &[Controller] = &[
    hpa::reconcile,
    cronjob::reconcile,
    deployment::reconcile,
    replicaset::reconcile,
    statefulset::reconcile,
    claims::reconcile,
    daemonset::reconcile,
    job::reconcile,
    generic::reconcile,
    scheduler::reconcile,
    kubelet::reconcile,
    gc::reconcile,
];

/// Runs every controller once on `world`: what should be written next.
/// Empty when the cluster has settled for `inputs.now`.
pub fn run_all(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    CONTROLLERS.iter().flat_map(|c| c(world, inputs)).collect()
}

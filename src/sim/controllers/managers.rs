//! Who the controllers' writes are recorded as in `managedFields`.
//!
//! On a real cluster every controller writes through a client whose user
//! agent names its binary, and the API server records the part before the
//! first `/` as the field manager, with operation `Update`: the workload
//! controllers, the HPA, the volume binder and the garbage collector all
//! run in `kube-controller-manager`; the scheduler is `kube-scheduler`; a
//! pod's status is written by its node's `kubelet`. The store's executor
//! asks [`manager`] for each action it carries out; the subresource
//! (`status`, `scale`) follows from the kind of action.
//!
//! The action says enough to tell: a pod's status belongs to the scheduler
//! while the pod is unbound (it is the only writer of an unbound pod's
//! status: `PodScheduled=False, Unschedulable`) and to the kubelet once it
//! is bound (only the node's kubelet writes it then); an Event is created
//! by the component that reports it.

use super::events;
use super::obj::str_at;
use super::pod::node_name;
use super::{Action, Resource};
use serde_json::Value;

/// The workload controllers, the HPA, the volume binder, garbage collection.
pub const CONTROLLER_MANAGER: &str = "kube-controller-manager";
/// Binding and the scheduler's status writes.
pub const SCHEDULER: &str = "kube-scheduler";
/// The status of bound pods.
pub const KUBELET: &str = "kubelet";

/// The field manager of `action`; `current` is the object it writes as the
/// store holds it now (`None` for a create).
pub fn manager(action: &Action, current: Option<&Value>) -> &'static str {
    match action {
        Action::Create { resource, object } if *resource == events::resource() => {
            reporter(str_at(object, "/reportingComponent"))
        }
        Action::UpdateStatus { resource, .. } if *resource == Resource::new("", "pods") => {
            match current.and_then(node_name) {
                Some(_) => KUBELET,
                None => SCHEDULER,
            }
        }
        Action::Bind { .. } => SCHEDULER,
        _ => CONTROLLER_MANAGER,
    }
}

/// The binary behind an event's reporting component (`default-scheduler`
/// is kube-scheduler's, every `*-controller` kube-controller-manager's).
fn reporter(component: Option<&str>) -> &'static str {
    match component {
        Some("default-scheduler") => SCHEDULER,
        Some("kubelet") => KUBELET,
        _ => CONTROLLER_MANAGER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_write_has_its_components_manager() {
        let pods = Resource::new("", "pods");
        let status = |resource: &Resource| Action::UpdateStatus {
            resource: resource.clone(),
            namespace: Some("default".into()),
            name: "x".into(),
            status: json!({}),
        };
        let event = |component: &str| Action::Create {
            resource: events::resource(),
            object: json!({"reportingComponent": component}),
        };
        let bound = json!({"spec": {"nodeName": "n1"}});
        let unbound = json!({"spec": {}});
        let cases: &[(&str, Action, Option<&Value>, &str)] = &[
            ("bound pod status", status(&pods), Some(&bound), KUBELET),
            (
                "unbound pod status",
                status(&pods),
                Some(&unbound),
                SCHEDULER,
            ),
            (
                "deployment status",
                status(&Resource::new("apps", "deployments")),
                None,
                CONTROLLER_MANAGER,
            ),
            (
                "pod create",
                Action::Create {
                    resource: pods.clone(),
                    object: json!({}),
                },
                None,
                CONTROLLER_MANAGER,
            ),
            (
                "hpa scale",
                Action::Scale {
                    resource: Resource::new("apps", "deployments"),
                    namespace: None,
                    name: "web".into(),
                    replicas: 3,
                },
                None,
                CONTROLLER_MANAGER,
            ),
            (
                "binding",
                Action::Bind {
                    namespace: "default".into(),
                    name: "x".into(),
                    node: "n1".into(),
                },
                Some(&unbound),
                SCHEDULER,
            ),
            (
                "scheduler event",
                event("default-scheduler"),
                None,
                SCHEDULER,
            ),
            (
                "controller event",
                event("statefulset-controller"),
                None,
                CONTROLLER_MANAGER,
            ),
        ];
        for (name, action, current, want) in cases {
            assert_eq!(manager(action, *current), *want, "{name}");
        }
    }
}

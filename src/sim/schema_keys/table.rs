//! The table behind [`super::Schema`]: the structs of the built-in kinds
//! whose fields are not plain maps or atomic lists, as Kubernetes 1.32's Go
//! types tag them. One `static` per struct; objects share them (every pod
//! template points at [`POD_SPEC`]).

use super::{KeyField, ListRule, ListType, Strategy};

/// A struct the table knows: its fields that are not plain maps or atomic
/// lists.
#[derive(Debug)]
pub struct Node {
    pub(super) fields: &'static [(&'static str, Field)],
}

#[derive(Debug)]
pub(super) enum Field {
    /// A nested struct; `true` if it is a Go value struct.
    Struct(&'static Node, bool),
    /// `+structType=atomic` (label selectors of workloads).
    Atomic,
    /// A list with its rule, item schema, and whether it is always present.
    List(ListRule, Option<&'static Node>, bool),
}

pub(super) const ATOMIC_LIST: ListRule = ListRule {
    ssa: ListType::Atomic,
    smp: Strategy::Replace,
};

const fn key(name: &'static str) -> KeyField {
    KeyField {
        name,
        default: None,
    }
}

/// An associative list keyed the same way by both mechanisms (by its
/// single key field).
const fn by(keys: &'static [KeyField], item: Option<&'static Node>) -> Field {
    Field::List(
        ListRule {
            ssa: ListType::Map(keys),
            smp: Strategy::Merge {
                key: Some(keys[0].name),
            },
        },
        item,
        false,
    )
}

pub(super) const NAME: &[KeyField] = &[key("name")];
pub(super) const TYPE: &[KeyField] = &[key("type")];
pub(super) const IP: &[KeyField] = &[key("ip")];
pub(super) const UID: &[KeyField] = &[key("uid")];
pub(super) const MOUNT_PATH: &[KeyField] = &[key("mountPath")];
pub(super) const CONTAINER_PORT: &[KeyField] = &[key("containerPort"), TCP];
pub(super) const SERVICE_PORT: &[KeyField] = &[key("port"), TCP];

/// A list merged by `smp_key` in patches, by `ssa` keys in managed fields.
const fn keyed(ssa: &'static [KeyField], smp_key: &'static str) -> Field {
    Field::List(
        ListRule {
            ssa: ListType::Map(ssa),
            smp: Strategy::Merge { key: Some(smp_key) },
        },
        None,
        false,
    )
}

/// A list of scalars merged as a set.
const SET: Field = Field::List(
    ListRule {
        ssa: ListType::Set,
        smp: Strategy::Merge { key: None },
    },
    None,
    false,
);

pub(super) const TCP: KeyField = KeyField {
    name: "protocol",
    default: Some("TCP"),
};

static EMPTY: Node = Node { fields: &[] };

static OBJECT_META: Node = Node {
    fields: &[("finalizers", SET), ("ownerReferences", by(UID, None))],
};

static CONTAINER: Node = Node {
    fields: &[
        ("ports", keyed(CONTAINER_PORT, "containerPort")),
        ("env", by(NAME, None)),
        ("volumeMounts", by(MOUNT_PATH, None)),
        ("volumeDevices", by(&[key("devicePath")], None)),
        ("resources", Field::Struct(&EMPTY, true)),
    ],
};

static POD_SPEC: Node = Node {
    fields: &[
        (
            "containers",
            Field::List(
                ListRule {
                    ssa: ListType::Map(&[key("name")]),
                    smp: Strategy::Merge { key: Some("name") },
                },
                Some(&CONTAINER),
                true,
            ),
        ),
        ("initContainers", by(NAME, Some(&CONTAINER))),
        ("ephemeralContainers", by(NAME, Some(&CONTAINER))),
        ("volumes", by(NAME, None)),
        ("imagePullSecrets", by(NAME, None)),
        ("hostAliases", by(IP, None)),
        ("resourceClaims", by(NAME, None)),
        ("schedulingGates", by(NAME, None)),
        (
            "topologySpreadConstraints",
            keyed(
                &[key("topologyKey"), key("whenUnsatisfiable")],
                "topologyKey",
            ),
        ),
    ],
};

static POD_TEMPLATE: Node = Node {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META, true)),
        ("spec", Field::Struct(&POD_SPEC, true)),
    ],
};

static CONDITIONS: Node = Node {
    fields: &[("conditions", by(TYPE, None))],
};

static POD_STATUS: Node = Node {
    fields: &[
        ("conditions", by(TYPE, None)),
        ("podIPs", by(IP, None)),
        ("hostIPs", by(IP, None)),
    ],
};

/// Deployments, replica sets, stateful sets, daemon sets and jobs.
static WORKLOAD_SPEC: Node = Node {
    fields: &[
        ("selector", Field::Atomic),
        ("template", Field::Struct(&POD_TEMPLATE, true)),
        ("strategy", Field::Struct(&EMPTY, true)),
        ("updateStrategy", Field::Struct(&EMPTY, true)),
    ],
};

static JOB_TEMPLATE: Node = Node {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META, true)),
        ("spec", Field::Struct(&WORKLOAD_SPEC, true)),
    ],
};

static CRONJOB_SPEC: Node = Node {
    fields: &[("jobTemplate", Field::Struct(&JOB_TEMPLATE, true))],
};

/// Job conditions merge by type in patches but are atomic for apply.
static JOB_STATUS: Node = Node {
    fields: &[(
        "conditions",
        Field::List(
            ListRule {
                ssa: ListType::Atomic,
                smp: Strategy::Merge { key: Some("type") },
            },
            None,
            false,
        ),
    )],
};

static SERVICE_SPEC: Node = Node {
    fields: &[("ports", keyed(SERVICE_PORT, "port"))],
};

static NODE_SPEC: Node = Node {
    fields: &[("podCIDRs", SET)],
};

/// Node addresses merge by type in patches but are atomic for apply.
static NODE_STATUS: Node = Node {
    fields: &[
        ("conditions", by(TYPE, None)),
        (
            "addresses",
            Field::List(
                ListRule {
                    ssa: ListType::Atomic,
                    smp: Strategy::Merge { key: Some("type") },
                },
                None,
                false,
            ),
        ),
    ],
};

static SELECTOR_SPEC: Node = Node {
    fields: &[("selector", Field::Atomic), ("podSelector", Field::Atomic)],
};

/// A built-in object: `metadata`, then `spec` and `status` as Go value
/// structs (present even when empty).
macro_rules! root {
    ($name:ident, $spec:expr, $status:expr) => {
        static $name: Node = Node {
            fields: &[
                ("metadata", Field::Struct(&OBJECT_META, true)),
                ("spec", Field::Struct($spec, true)),
                ("status", Field::Struct($status, true)),
            ],
        };
    };
}

root!(PLAIN, &EMPTY, &EMPTY);
root!(POD, &POD_SPEC, &POD_STATUS);
root!(WORKLOAD, &WORKLOAD_SPEC, &CONDITIONS);
root!(JOB, &WORKLOAD_SPEC, &JOB_STATUS);
root!(CRONJOB, &CRONJOB_SPEC, &EMPTY);
root!(SERVICE, &SERVICE_SPEC, &CONDITIONS);
root!(CONDITIONED, &EMPTY, &CONDITIONS);
root!(NODE, &NODE_SPEC, &NODE_STATUS);
root!(SELECTING, &SELECTOR_SPEC, &CONDITIONS);

static SERVICE_ACCOUNT: Node = Node {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META, true)),
        ("secrets", by(NAME, None)),
    ],
};

pub(super) static CUSTOM_ROOT: Node = Node {
    fields: &[("metadata", Field::Struct(&OBJECT_META, true))],
};

/// Every built-in kind the simulator serves (see `resources::BUILTINS`).
pub(super) static BUILTIN: &[(&str, &str, &Node)] = &[
    ("", "Namespace", &CONDITIONED),
    ("", "Node", &NODE),
    ("", "Pod", &POD),
    ("", "Service", &SERVICE),
    ("", "Endpoints", &PLAIN),
    ("", "ConfigMap", &PLAIN),
    ("", "Secret", &PLAIN),
    ("", "ServiceAccount", &SERVICE_ACCOUNT),
    ("", "Event", &PLAIN),
    ("", "PersistentVolumeClaim", &CONDITIONED),
    ("", "PersistentVolume", &PLAIN),
    ("", "ResourceQuota", &PLAIN),
    ("", "LimitRange", &PLAIN),
    ("apps", "Deployment", &WORKLOAD),
    ("apps", "ReplicaSet", &WORKLOAD),
    ("apps", "StatefulSet", &WORKLOAD),
    ("apps", "DaemonSet", &WORKLOAD),
    ("apps", "ControllerRevision", &PLAIN),
    ("batch", "Job", &JOB),
    ("batch", "CronJob", &CRONJOB),
    ("autoscaling", "HorizontalPodAutoscaler", &CONDITIONED),
    ("policy", "PodDisruptionBudget", &SELECTING),
    ("networking.k8s.io", "Ingress", &PLAIN),
    ("networking.k8s.io", "NetworkPolicy", &SELECTING),
    ("networking.k8s.io", "IngressClass", &PLAIN),
    ("coordination.k8s.io", "Lease", &PLAIN),
    ("rbac.authorization.k8s.io", "Role", &PLAIN),
    ("rbac.authorization.k8s.io", "RoleBinding", &PLAIN),
    ("rbac.authorization.k8s.io", "ClusterRole", &PLAIN),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding", &PLAIN),
    ("storage.k8s.io", "StorageClass", &PLAIN),
    ("scheduling.k8s.io", "PriorityClass", &PLAIN),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        &CONDITIONED,
    ),
];

//! One case per row: an object as Kubernetes (or the simulator's
//! controllers) writes it, and the health expected of it.

use super::*;
use HealthState::*;

struct Case {
    name: &'static str,
    /// The object, in YAML.
    object: &'static str,
    state: HealthState,
    /// A fragment the message must contain ("" for an empty message).
    message: &'static str,
    /// desired, ready, updated, available.
    replicas: Option<[i64; 4]>,
}

const CASES: &[Case] = &[
    // ---- Deployment ----
    Case {
        name: "deployment complete (simulator)",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, generation: 2}
spec: {replicas: 3}
status:
  observedGeneration: 2
  replicas: 3
  updatedReplicas: 3
  readyReplicas: 3
  availableReplicas: 3
  unavailableReplicas: 0
  conditions:
  - {type: Available, status: "True", reason: MinimumReplicasAvailable, message: Deployment has minimum availability.}
  - {type: Progressing, status: "True", reason: NewReplicaSetAvailable, message: ReplicaSet "web-5d4f" has successfully progressed.}
"#,
        state: Healthy,
        message: "",
        replicas: Some([3, 3, 3, 3]),
    },
    Case {
        name: "deployment spec not yet observed",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 3}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3}
"#,
        state: Progressing,
        message: "observe generation 3 (observed 2)",
        replicas: Some([3, 3, 3, 3]),
    },
    Case {
        name: "deployment just created, no status",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 1}
spec: {replicas: 2}
"#,
        state: Progressing,
        message: "observe generation 1",
        replicas: Some([2, 0, 0, 0]),
    },
    Case {
        name: "deployment replicas default to one",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 1}
spec: {}
status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}
"#,
        state: Healthy,
        message: "",
        replicas: Some([1, 1, 1, 1]),
    },
    Case {
        name: "deployment rolling: new replicas not all updated",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 4}
status: {observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4}
"#,
        state: Progressing,
        message: "2 out of 4 new replicas have been updated",
        replicas: Some([4, 4, 2, 4]),
    },
    Case {
        name: "deployment rolling: old replicas pending termination",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 4}
status: {observedGeneration: 2, replicas: 5, updatedReplicas: 4, readyReplicas: 5, availableReplicas: 5}
"#,
        state: Progressing,
        message: "1 old replicas are pending termination",
        replicas: Some([4, 5, 4, 5]),
    },
    Case {
        name: "deployment rolling: updated replicas not available",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3}
status:
  observedGeneration: 2
  replicas: 3
  updatedReplicas: 3
  readyReplicas: 1
  availableReplicas: 1
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable, message: Deployment does not have minimum availability.}
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: ReplicaSet "web-5d4f" is progressing.}
"#,
        state: Progressing,
        message: "1 of 3 updated replicas are available",
        replicas: Some([3, 1, 3, 1]),
    },
    Case {
        name: "deployment past its progress deadline",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 3, progressDeadlineSeconds: 60}
status:
  observedGeneration: 2
  replicas: 3
  updatedReplicas: 3
  readyReplicas: 0
  availableReplicas: 0
  conditions:
  - {type: Available, status: "False", reason: MinimumReplicasUnavailable}
  - {type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: ReplicaSet "web-5d4f" has timed out progressing.}
"#,
        state: Degraded,
        message: "deployment \"web\" exceeded its progress deadline",
        replicas: Some([3, 0, 3, 0]),
    },
    Case {
        name: "deployment cannot create pods (quota)",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 1}
spec: {replicas: 3}
status:
  observedGeneration: 1
  conditions:
  - {type: ReplicaFailure, status: "True", reason: FailedCreate, message: "pods \"web-1\" is forbidden: exceeded quota"}
"#,
        state: Degraded,
        message: "ReplicaFailure=True: FailedCreate: pods \"web-1\" is forbidden: exceeded quota",
        replicas: Some([3, 0, 0, 0]),
    },
    Case {
        name: "deployment paused",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 1, paused: true}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1}
"#,
        state: Progressing,
        message: "paused",
        replicas: Some([1, 1, 1, 1]),
    },
    Case {
        name: "deployment scaled to zero",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 4}
spec: {replicas: 0}
status: {observedGeneration: 4}
"#,
        state: Healthy,
        message: "",
        replicas: Some([0, 0, 0, 0]),
    },
    Case {
        name: "deployment being deleted",
        object: r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 1, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {replicas: 1}
"#,
        state: Progressing,
        message: "being deleted",
        replicas: None,
    },
    Case {
        name: "a Deployment of another group is judged by its conditions",
        object: r#"
apiVersion: example.com/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 3}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    // ---- StatefulSet ----
    Case {
        name: "statefulset complete (simulator)",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3, serviceName: db}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: db-7c9, updateRevision: db-7c9, collisionCount: 0}
"#,
        state: Healthy,
        message: "",
        replicas: Some([3, 3, 3, 3]),
    },
    Case {
        name: "statefulset pods not ready",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 1}
spec: {replicas: 3}
status: {observedGeneration: 1, replicas: 2, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 2, currentRevision: db-7c9, updateRevision: db-7c9}
"#,
        state: Progressing,
        message: "waiting for 2 pods to be ready",
        replicas: Some([3, 1, 2, 1]),
    },
    Case {
        name: "statefulset rolling update in progress",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1, currentRevision: db-7c9, updateRevision: db-8d1}
"#,
        state: Progressing,
        message: "1 pods at revision db-8d1",
        replicas: Some([3, 3, 1, 3]),
    },
    Case {
        name: "statefulset partitioned roll out done",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: db-7c9, updateRevision: db-8d1}
"#,
        state: Healthy,
        message: "partitioned roll out complete",
        replicas: Some([3, 3, 1, 3]),
    },
    Case {
        name: "statefulset partitioned roll out waiting",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}}
status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1, currentRevision: db-7c9, updateRevision: db-8d1}
"#,
        state: Progressing,
        message: "1 out of 2 new pods have been updated",
        replicas: Some([3, 3, 1, 3]),
    },
    Case {
        name: "statefulset OnDelete is healthy once ready",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, generation: 2}
spec: {replicas: 2, updateStrategy: {type: OnDelete}}
status: {observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 0, currentRevision: db-7c9, updateRevision: db-8d1}
"#,
        state: Healthy,
        message: "",
        replicas: Some([2, 2, 0, 2]),
    },
    Case {
        name: "statefulset without observedGeneration",
        object: r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec: {replicas: 1}
status: {replicas: 0}
"#,
        state: Progressing,
        message: "waiting for the controller",
        replicas: Some([1, 0, 0, 0]),
    },
    // ---- DaemonSet ----
    Case {
        name: "daemonset complete (simulator)",
        object: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 3, numberAvailable: 3, numberUnavailable: 0, updatedNumberScheduled: 3}
"#,
        state: Healthy,
        message: "",
        replicas: Some([3, 3, 3, 3]),
    },
    Case {
        name: "daemonset rolling out",
        object: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 2}
status: {observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 1}
"#,
        state: Progressing,
        message: "1 out of 3 new pods have been updated",
        replicas: Some([3, 3, 1, 3]),
    },
    Case {
        name: "daemonset pods not available",
        object: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 3}
"#,
        state: Progressing,
        message: "2 of 3 pods are available",
        replicas: Some([3, 2, 3, 2]),
    },
    Case {
        name: "daemonset OnDelete with old pods is healthy when available",
        object: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 2}
spec: {updateStrategy: {type: OnDelete}}
status: {observedGeneration: 2, desiredNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 0}
"#,
        state: Healthy,
        message: "",
        replicas: Some([2, 2, 0, 2]),
    },
    Case {
        name: "daemonset spec not observed",
        object: r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, generation: 3}
status: {observedGeneration: 2, desiredNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 2}
"#,
        state: Progressing,
        message: "generation 3",
        replicas: Some([2, 2, 2, 2]),
    },
    // ---- Job ----
    Case {
        name: "job complete (simulator)",
        object: r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec: {completions: 1}
status:
  active: 0
  ready: 0
  succeeded: 1
  failed: 0
  startTime: "2026-01-01T00:00:00Z"
  completionTime: "2026-01-01T00:00:10Z"
  conditions:
  - {type: SuccessCriteriaMet, status: "True", reason: CompletionsReached, message: Reached expected number of succeeded pods}
  - {type: Complete, status: "True", reason: CompletionsReached, message: Reached expected number of succeeded pods}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "job failed: backoff limit",
        object: r#"
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status:
  failed: 7
  conditions:
  - {type: FailureTarget, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}
  - {type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}
"#,
        state: Degraded,
        message: "Failed=True: BackoffLimitExceeded: Job has reached the specified backoff limit",
        replicas: None,
    },
    Case {
        name: "job running",
        object: r#"
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec: {completions: 5, parallelism: 2}
status: {active: 2, ready: 2, succeeded: 1, failed: 1}
"#,
        state: Progressing,
        message: "running: 2 active, 1 of 5 completions, 1 failed",
        replicas: None,
    },
    Case {
        name: "job suspended",
        object: r#"
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec: {suspend: true}
status:
  conditions:
  - {type: Suspended, status: "True", reason: JobSuspended, message: Job suspended}
"#,
        state: Progressing,
        message: "job is suspended",
        replicas: None,
    },
    // ---- Pod ----
    Case {
        name: "pod running and ready (simulator kubelet)",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-5d4f-abcde}
spec: {nodeName: node-1, containers: [{name: web, image: "nginx:1.27"}]}
status:
  phase: Running
  conditions:
  - {type: PodReadyToStartContainers, status: "True", lastTransitionTime: "2026-01-01T00:00:00Z"}
  - {type: Initialized, status: "True"}
  - {type: Ready, status: "True"}
  - {type: ContainersReady, status: "True"}
  - {type: PodScheduled, status: "True"}
  containerStatuses:
  - {name: web, ready: true, started: true, restartCount: 0, state: {running: {startedAt: "2026-01-01T00:00:00Z"}}}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "pod running, readiness probe failing",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Running
  conditions:
  - {type: Ready, status: "False", reason: ContainersNotReady, message: "containers with unready status: [web]"}
  containerStatuses:
  - {name: web, ready: false, state: {running: {startedAt: "2026-01-01T00:00:00Z"}}}
"#,
        state: Progressing,
        message: "running: Ready=False: ContainersNotReady: containers with unready status: [web]",
        replicas: None,
    },
    Case {
        name: "pod in a crash loop",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Running
  conditions:
  - {type: Ready, status: "False", reason: ContainersNotReady}
  containerStatuses:
  - name: web
    ready: false
    restartCount: 5
    state: {waiting: {reason: CrashLoopBackOff, message: "back-off 2m40s restarting failed container=web pod=web-1"}}
    lastState: {terminated: {exitCode: 1, reason: Error}}
"#,
        state: Degraded,
        message: "container web: CrashLoopBackOff: back-off 2m40s",
        replicas: None,
    },
    Case {
        name: "pod cannot pull its image",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Pending
  containerStatuses:
  - {name: web, ready: false, state: {waiting: {reason: ImagePullBackOff, message: "Back-off pulling image \"nginx:nope\""}}}
"#,
        state: Degraded,
        message: "container web: ImagePullBackOff",
        replicas: None,
    },
    Case {
        name: "pod init container stuck",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Pending
  initContainerStatuses:
  - {name: init, ready: false, state: {waiting: {reason: CreateContainerConfigError, message: "configmap \"cfg\" not found"}}}
  containerStatuses:
  - {name: web, ready: false, state: {waiting: {reason: PodInitializing}}}
"#,
        state: Degraded,
        message: "container init: CreateContainerConfigError: configmap \"cfg\" not found",
        replicas: None,
    },
    Case {
        name: "pod unschedulable (simulator scheduler)",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Pending
  conditions:
  - {type: PodScheduled, status: "False", reason: Unschedulable, message: "0/3 nodes are available: 3 Insufficient cpu.", lastTransitionTime: "2026-01-01T00:00:00Z"}
"#,
        state: Degraded,
        message: "unschedulable: 0/3 nodes are available: 3 Insufficient cpu.",
        replicas: None,
    },
    Case {
        name: "pod pending, not yet scheduled",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status: {phase: Pending}
"#,
        state: Progressing,
        message: "pending: waiting for the pod to be scheduled",
        replicas: None,
    },
    Case {
        name: "pod creating its containers",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "True"}]
  containerStatuses:
  - {name: web, ready: false, state: {waiting: {reason: ContainerCreating}}}
"#,
        state: Progressing,
        message: "pending: container web: ContainerCreating",
        replicas: None,
    },
    Case {
        name: "pod succeeded",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: job-1}
status: {phase: Succeeded}
"#,
        state: Healthy,
        message: "pod completed",
        replicas: None,
    },
    Case {
        name: "pod failed: evicted",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status: {phase: Failed, reason: Evicted, message: "The node was low on resource: memory."}
"#,
        state: Degraded,
        message: "pod failed: Evicted: The node was low on resource: memory.",
        replicas: None,
    },
    Case {
        name: "pod phase unknown (node lost)",
        object: r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1}
status: {phase: Unknown}
"#,
        state: Unknown,
        message: "pod phase Unknown",
        replicas: None,
    },
    // ---- Service ----
    Case {
        name: "service ClusterIP",
        object: r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: ClusterIP, clusterIP: 10.96.0.10, ports: [{port: 80}]}
status: {loadBalancer: {}}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "service LoadBalancer without ingress",
        object: r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, ports: [{port: 80}]}
status: {loadBalancer: {}}
"#,
        state: Progressing,
        message: "load balancer",
        replicas: None,
    },
    Case {
        name: "service LoadBalancer with ingress",
        object: r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer}
status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    // ---- PersistentVolumeClaim ----
    Case {
        name: "claim bound",
        object: r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
status: {phase: Bound, capacity: {storage: 10Gi}}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "claim pending",
        object: r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
status: {phase: Pending}
"#,
        state: Progressing,
        message: "bound",
        replicas: None,
    },
    Case {
        name: "claim lost",
        object: r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
status: {phase: Lost}
"#,
        state: Degraded,
        message: "lost its volume",
        replicas: None,
    },
    // ---- other kinds ----
    Case {
        name: "configmap is healthy when present",
        object: r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "custom resource with Ready=False",
        object: r#"
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: tls}
status:
  conditions:
  - {type: Ready, status: "False", reason: Pending, message: Issuing certificate as Secret does not exist}
"#,
        state: Degraded,
        message: "Ready=False: Pending: Issuing certificate as Secret does not exist",
        replicas: None,
    },
    Case {
        name: "custom resource with Available=False",
        object: r#"
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
status:
  conditions:
  - {type: Available, status: "False", reason: MissingEndpoints}
"#,
        state: Degraded,
        message: "Available=False: MissingEndpoints",
        replicas: None,
    },
    Case {
        name: "custom resource with Ready=True",
        object: r#"
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: tls}
status:
  conditions:
  - {type: Ready, status: "True"}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
    Case {
        name: "secret: healthy, nothing quoted",
        object: r#"
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: aHVudGVyMg==}
status:
  conditions:
  - {type: Ready, status: "False", message: "aHVudGVyMg=="}
"#,
        state: Healthy,
        message: "",
        replicas: None,
    },
];

#[test]
fn health_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let object: Value = match serde_norway::from_str(case.object) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: bad YAML: {e}", case.name));
                continue;
            }
        };
        let h = health(&object);
        let replicas = h
            .replicas
            .map(|r| [r.desired, r.ready, r.updated, r.available]);
        let message_ok = if case.message.is_empty() {
            h.message.is_empty()
        } else {
            h.message.contains(case.message)
        };
        if h.state != case.state || !message_ok || replicas != case.replicas {
            failures.push(format!(
                "{}: got {:?} {:?} {:?}, want {:?} {:?} {:?}",
                case.name, h.state, h.message, replicas, case.state, case.message, case.replicas
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn null_is_missing_and_junk_is_unknown() {
    assert_eq!(health(&Value::Null).state, Missing);
    assert_eq!(health(&serde_json::json!([1, 2])).state, Unknown);
    // Wrong types read as absent, never a panic.
    let odd = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"generation": "x"}, "spec": {"replicas": "3"},
        "status": {"conditions": "nope", "readyReplicas": []}});
    assert_eq!(health(&odd).state, Progressing);
}

#[test]
fn worst_is_max() {
    let states = [Healthy, Progressing, Degraded, Missing, Unknown];
    assert_eq!(states.iter().max(), Some(&Unknown));
    assert_eq!([Healthy, Progressing, Missing].iter().max(), Some(&Missing));
    assert!(Degraded > Missing && Missing > Progressing && Progressing > Healthy);
}

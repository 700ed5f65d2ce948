//! Message tables for the named API groups the generators create: apps/v1
//! Deployment, batch/v1 Job and CronJob, rbac.authorization.k8s.io/v1,
//! scheduling.k8s.io/v1 PriorityClass, policy/v1 PodDisruptionBudget and
//! networking.k8s.io/v1 Ingress. Field numbers from each group's
//! k8s.io/api `generated.proto`; see `schema` for the row format
//! (`number "json" Card Ty`).
//!
//! Not tabled (skipped if sent): a Job's `podFailurePolicy` and
//! `successPolicy`.

use super::core_v1::{OBJECT_REFERENCE, TYPED_LOCAL_OBJECT_REFERENCE};
use super::meta::{CONDITION, LABEL_SELECTOR, OBJECT_META};
use super::pod::POD_TEMPLATE_SPEC;
use super::schema::message;
use super::schema::Ty::{Bool, IntOrStr, Msg, Str, Time, I32, I64};

// apps/v1

message!(pub DEPLOYMENT = "Deployment" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&DEPLOYMENT_SPEC),
    3 "status" Req Msg(&DEPLOYMENT_STATUS),
});

message!(DEPLOYMENT_SPEC = "DeploymentSpec" {
    1 "replicas" Ptr I32,
    2 "selector" Null Msg(&LABEL_SELECTOR),
    3 "template" Req Msg(&POD_TEMPLATE_SPEC),
    4 "strategy" Req Msg(&DEPLOYMENT_STRATEGY),
    5 "minReadySeconds" Opt I32,
    6 "revisionHistoryLimit" Ptr I32,
    7 "paused" Opt Bool,
    9 "progressDeadlineSeconds" Ptr I32,
    10 "podReplacementPolicy" Ptr Str,
});

message!(DEPLOYMENT_STRATEGY = "DeploymentStrategy" {
    1 "type" Opt Str,
    2 "rollingUpdate" Ptr Msg(&ROLLING_UPDATE_DEPLOYMENT),
});

message!(ROLLING_UPDATE_DEPLOYMENT = "RollingUpdateDeployment" {
    1 "maxUnavailable" Ptr IntOrStr,
    2 "maxSurge" Ptr IntOrStr,
});

message!(DEPLOYMENT_STATUS = "DeploymentStatus" {
    1 "observedGeneration" Opt I64,
    2 "replicas" Opt I32,
    3 "updatedReplicas" Opt I32,
    7 "readyReplicas" Opt I32,
    4 "availableReplicas" Opt I32,
    5 "unavailableReplicas" Opt I32,
    9 "terminatingReplicas" Ptr I32,
    6 "conditions" Rep Msg(&DEPLOYMENT_CONDITION),
    8 "collisionCount" Ptr I32,
});

message!(DEPLOYMENT_CONDITION = "DeploymentCondition" {
    1 "type" Req Str,
    2 "status" Req Str,
    6 "lastUpdateTime" Req Time,
    7 "lastTransitionTime" Req Time,
    4 "reason" Opt Str,
    5 "message" Opt Str,
});

// batch/v1

message!(pub JOB = "Job" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&JOB_SPEC),
    3 "status" Req Msg(&JOB_STATUS),
});

message!(JOB_SPEC = "JobSpec" {
    1 "parallelism" Ptr I32,
    2 "completions" Ptr I32,
    3 "activeDeadlineSeconds" Ptr I64,
    7 "backoffLimit" Ptr I32,
    12 "backoffLimitPerIndex" Ptr I32,
    13 "maxFailedIndexes" Ptr I32,
    4 "selector" Ptr Msg(&LABEL_SELECTOR),
    5 "manualSelector" Ptr Bool,
    6 "template" Req Msg(&POD_TEMPLATE_SPEC),
    8 "ttlSecondsAfterFinished" Ptr I32,
    9 "completionMode" Ptr Str,
    10 "suspend" Ptr Bool,
    14 "podReplacementPolicy" Ptr Str,
    15 "managedBy" Ptr Str,
});

message!(JOB_STATUS = "JobStatus" {
    1 "conditions" Rep Msg(&JOB_CONDITION),
    2 "startTime" Ptr Time,
    3 "completionTime" Ptr Time,
    4 "active" Opt I32,
    5 "succeeded" Opt I32,
    6 "failed" Opt I32,
    11 "terminating" Ptr I32,
    7 "completedIndexes" Opt Str,
    10 "failedIndexes" Ptr Str,
    8 "uncountedTerminatedPods" Ptr Msg(&UNCOUNTED_TERMINATED_PODS),
    9 "ready" Ptr I32,
});

message!(JOB_CONDITION = "JobCondition" {
    1 "type" Req Str,
    2 "status" Req Str,
    3 "lastProbeTime" Req Time,
    4 "lastTransitionTime" Req Time,
    5 "reason" Opt Str,
    6 "message" Opt Str,
});

message!(UNCOUNTED_TERMINATED_PODS = "UncountedTerminatedPods" {
    1 "succeeded" Rep Str,
    2 "failed" Rep Str,
});

message!(pub CRON_JOB = "CronJob" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&CRON_JOB_SPEC),
    3 "status" Req Msg(&CRON_JOB_STATUS),
});

message!(CRON_JOB_SPEC = "CronJobSpec" {
    1 "schedule" Req Str,
    8 "timeZone" Ptr Str,
    2 "startingDeadlineSeconds" Ptr I64,
    3 "concurrencyPolicy" Opt Str,
    4 "suspend" Ptr Bool,
    5 "jobTemplate" Req Msg(&JOB_TEMPLATE_SPEC),
    6 "successfulJobsHistoryLimit" Ptr I32,
    7 "failedJobsHistoryLimit" Ptr I32,
});

message!(JOB_TEMPLATE_SPEC = "JobTemplateSpec" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&JOB_SPEC),
});

message!(CRON_JOB_STATUS = "CronJobStatus" {
    1 "active" Rep Msg(&OBJECT_REFERENCE),
    4 "lastScheduleTime" Ptr Time,
    5 "lastSuccessfulTime" Ptr Time,
});

// rbac.authorization.k8s.io/v1

message!(pub ROLE = "Role" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "rules" RepReq Msg(&POLICY_RULE),
});

message!(pub CLUSTER_ROLE = "ClusterRole" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "rules" RepReq Msg(&POLICY_RULE),
    3 "aggregationRule" Ptr Msg(&AGGREGATION_RULE),
});

message!(POLICY_RULE = "PolicyRule" {
    1 "verbs" RepReq Str,
    2 "apiGroups" Rep Str,
    3 "resources" Rep Str,
    4 "resourceNames" Rep Str,
    5 "nonResourceURLs" Rep Str,
});

message!(AGGREGATION_RULE = "AggregationRule" {
    1 "clusterRoleSelectors" Rep Msg(&LABEL_SELECTOR),
});

message!(pub ROLE_BINDING = "RoleBinding" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "subjects" Rep Msg(&SUBJECT),
    3 "roleRef" Req Msg(&ROLE_REF),
});

message!(pub CLUSTER_ROLE_BINDING = "ClusterRoleBinding" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "subjects" Rep Msg(&SUBJECT),
    3 "roleRef" Req Msg(&ROLE_REF),
});

message!(SUBJECT = "Subject" {
    1 "kind" Req Str,
    2 "apiGroup" Opt Str,
    3 "name" Req Str,
    4 "namespace" Opt Str,
});

message!(ROLE_REF = "RoleRef" { 1 "apiGroup" Req Str, 2 "kind" Req Str, 3 "name" Req Str });

// scheduling.k8s.io/v1

message!(pub PRIORITY_CLASS = "PriorityClass" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "value" Req I32,
    3 "globalDefault" Opt Bool,
    4 "description" Opt Str,
    5 "preemptionPolicy" Ptr Str,
});

// policy/v1

message!(pub POD_DISRUPTION_BUDGET = "PodDisruptionBudget" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&POD_DISRUPTION_BUDGET_SPEC),
    3 "status" Req Msg(&POD_DISRUPTION_BUDGET_STATUS),
});

message!(POD_DISRUPTION_BUDGET_SPEC = "PodDisruptionBudgetSpec" {
    1 "minAvailable" Ptr IntOrStr,
    2 "selector" Ptr Msg(&LABEL_SELECTOR),
    3 "maxUnavailable" Ptr IntOrStr,
    4 "unhealthyPodEvictionPolicy" Ptr Str,
});

message!(POD_DISRUPTION_BUDGET_STATUS = "PodDisruptionBudgetStatus" {
    1 "observedGeneration" Opt I64,
    2 "disruptedPods" Map Time,
    3 "disruptionsAllowed" Req I32,
    4 "currentHealthy" Req I32,
    5 "desiredHealthy" Req I32,
    6 "expectedPods" Req I32,
    7 "conditions" Rep Msg(&CONDITION),
});

// networking.k8s.io/v1

message!(pub INGRESS = "Ingress" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&INGRESS_SPEC),
    3 "status" Req Msg(&INGRESS_STATUS),
});

message!(INGRESS_SPEC = "IngressSpec" {
    4 "ingressClassName" Ptr Str,
    1 "defaultBackend" Ptr Msg(&INGRESS_BACKEND),
    2 "tls" Rep Msg(&INGRESS_TLS),
    3 "rules" Rep Msg(&INGRESS_RULE),
});

message!(INGRESS_BACKEND = "IngressBackend" {
    4 "service" Ptr Msg(&INGRESS_SERVICE_BACKEND),
    3 "resource" Ptr Msg(&TYPED_LOCAL_OBJECT_REFERENCE),
});

message!(INGRESS_SERVICE_BACKEND = "IngressServiceBackend" {
    1 "name" Req Str,
    // A struct with omitempty: always printed.
    2 "port" Req Msg(&SERVICE_BACKEND_PORT),
});

message!(SERVICE_BACKEND_PORT = "ServiceBackendPort" { 1 "name" Opt Str, 2 "number" Opt I32 });

message!(INGRESS_TLS = "IngressTLS" { 1 "hosts" Rep Str, 2 "secretName" Opt Str });

message!(INGRESS_RULE = "IngressRule" {
    1 "host" Opt Str,
    2 "ingressRuleValue" Inline Msg(&INGRESS_RULE_VALUE),
});

message!(INGRESS_RULE_VALUE = "IngressRuleValue" { 1 "http" Ptr Msg(&HTTP_INGRESS_RULE_VALUE) });

message!(HTTP_INGRESS_RULE_VALUE = "HTTPIngressRuleValue" {
    1 "paths" RepReq Msg(&HTTP_INGRESS_PATH),
});

message!(HTTP_INGRESS_PATH = "HTTPIngressPath" {
    1 "path" Opt Str,
    3 "pathType" Null Str,
    2 "backend" Req Msg(&INGRESS_BACKEND),
});

message!(INGRESS_STATUS = "IngressStatus" {
    1 "loadBalancer" Req Msg(&INGRESS_LOAD_BALANCER_STATUS),
});

message!(INGRESS_LOAD_BALANCER_STATUS = "IngressLoadBalancerStatus" {
    1 "ingress" Rep Msg(&INGRESS_LOAD_BALANCER_INGRESS),
});

message!(INGRESS_LOAD_BALANCER_INGRESS = "IngressLoadBalancerIngress" {
    1 "ip" Opt Str,
    2 "hostname" Opt Str,
    4 "ports" Rep Msg(&super::core_v1::PORT_STATUS),
});

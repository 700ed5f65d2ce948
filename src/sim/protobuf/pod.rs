//! Message tables for core/v1 pod templates: `PodTemplateSpec`, `PodSpec`
//! and its scheduling and security parts (containers and volumes are in
//! `container`). Field numbers from k8s.io/api `core/v1/generated.proto`;
//! see `schema` for the row format (`number "json" Card Ty`).
//!
//! Not tabled (skipped if sent): `resourceClaims` and `hostnameOverride`.

use super::container::{CONTAINER, RESOURCE_REQUIREMENTS, VOLUME};
use super::core_v1::LOCAL_OBJECT_REFERENCE;
use super::meta::{LABEL_SELECTOR, OBJECT_META};
use super::schema::message;
use super::schema::Ty::{Bool, Msg, Quantity, Str, I32, I64};

message!(pub POD_TEMPLATE_SPEC = "PodTemplateSpec" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&POD_SPEC),
});

message!(POD_SPEC = "PodSpec" {
    1 "volumes" Rep Msg(&VOLUME),
    20 "initContainers" Rep Msg(&CONTAINER),
    2 "containers" RepReq Msg(&CONTAINER),
    34 "ephemeralContainers" Rep Msg(&EPHEMERAL_CONTAINER),
    3 "restartPolicy" Opt Str,
    4 "terminationGracePeriodSeconds" Ptr I64,
    5 "activeDeadlineSeconds" Ptr I64,
    6 "dnsPolicy" Opt Str,
    7 "nodeSelector" Map Str,
    8 "serviceAccountName" Opt Str,
    9 "serviceAccount" Opt Str,
    21 "automountServiceAccountToken" Ptr Bool,
    10 "nodeName" Opt Str,
    11 "hostNetwork" Opt Bool,
    12 "hostPID" Opt Bool,
    13 "hostIPC" Opt Bool,
    27 "shareProcessNamespace" Ptr Bool,
    14 "securityContext" Ptr Msg(&POD_SECURITY_CONTEXT),
    15 "imagePullSecrets" Rep Msg(&LOCAL_OBJECT_REFERENCE),
    16 "hostname" Opt Str,
    17 "subdomain" Opt Str,
    18 "affinity" Ptr Msg(&AFFINITY),
    19 "schedulerName" Opt Str,
    22 "tolerations" Rep Msg(&TOLERATION),
    23 "hostAliases" Rep Msg(&HOST_ALIAS),
    24 "priorityClassName" Opt Str,
    25 "priority" Ptr I32,
    26 "dnsConfig" Ptr Msg(&POD_DNS_CONFIG),
    28 "readinessGates" Rep Msg(&POD_READINESS_GATE),
    29 "runtimeClassName" Ptr Str,
    30 "enableServiceLinks" Ptr Bool,
    31 "preemptionPolicy" Ptr Str,
    32 "overhead" Map Quantity,
    33 "topologySpreadConstraints" Rep Msg(&TOPOLOGY_SPREAD_CONSTRAINT),
    35 "setHostnameAsFQDN" Ptr Bool,
    36 "os" Ptr Msg(&NAMED),
    37 "hostUsers" Ptr Bool,
    38 "schedulingGates" Rep Msg(&NAMED),
    40 "resources" Ptr Msg(&RESOURCE_REQUIREMENTS),
});

// `PodOS` and `PodSchedulingGate`: both just `{1: name}`, required.
message!(NAMED = "PodOS" { 1 "name" Req Str });

// `EphemeralContainerCommon` has exactly `Container`'s fields and numbers.
message!(EPHEMERAL_CONTAINER = "EphemeralContainer" {
    1 "ephemeralContainerCommon" Inline Msg(&CONTAINER),
    2 "targetContainerName" Opt Str,
});

message!(POD_SECURITY_CONTEXT = "PodSecurityContext" {
    1 "seLinuxOptions" Ptr Msg(&SE_LINUX_OPTIONS),
    8 "windowsOptions" Ptr Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS),
    2 "runAsUser" Ptr I64,
    6 "runAsGroup" Ptr I64,
    3 "runAsNonRoot" Ptr Bool,
    4 "supplementalGroups" Rep I64,
    12 "supplementalGroupsPolicy" Ptr Str,
    5 "fsGroup" Ptr I64,
    7 "sysctls" Rep Msg(&SYSCTL),
    9 "fsGroupChangePolicy" Ptr Str,
    10 "seccompProfile" Ptr Msg(&PROFILE),
    11 "appArmorProfile" Ptr Msg(&PROFILE),
    13 "seLinuxChangePolicy" Ptr Str,
});

message!(pub SECURITY_CONTEXT = "SecurityContext" {
    1 "capabilities" Ptr Msg(&CAPABILITIES),
    2 "privileged" Ptr Bool,
    3 "seLinuxOptions" Ptr Msg(&SE_LINUX_OPTIONS),
    10 "windowsOptions" Ptr Msg(&WINDOWS_SECURITY_CONTEXT_OPTIONS),
    4 "runAsUser" Ptr I64,
    8 "runAsGroup" Ptr I64,
    5 "runAsNonRoot" Ptr Bool,
    6 "readOnlyRootFilesystem" Ptr Bool,
    7 "allowPrivilegeEscalation" Ptr Bool,
    9 "procMount" Ptr Str,
    11 "seccompProfile" Ptr Msg(&PROFILE),
    12 "appArmorProfile" Ptr Msg(&PROFILE),
});

message!(CAPABILITIES = "Capabilities" { 1 "add" Rep Str, 2 "drop" Rep Str });

message!(SE_LINUX_OPTIONS = "SELinuxOptions" {
    1 "user" Opt Str,
    2 "role" Opt Str,
    3 "type" Opt Str,
    4 "level" Opt Str,
});

message!(WINDOWS_SECURITY_CONTEXT_OPTIONS = "WindowsSecurityContextOptions" {
    1 "gmsaCredentialSpecName" Ptr Str,
    2 "gmsaCredentialSpec" Ptr Str,
    3 "runAsUserName" Ptr Str,
    4 "hostProcess" Ptr Bool,
});

// `SeccompProfile` and `AppArmorProfile` share their shape and numbers.
message!(PROFILE = "SeccompProfile" {
    1 "type" Req Str,
    2 "localhostProfile" Ptr Str,
});

message!(SYSCTL = "Sysctl" { 1 "name" Req Str, 2 "value" Req Str });

message!(TOLERATION = "Toleration" {
    1 "key" Opt Str,
    2 "operator" Opt Str,
    3 "value" Opt Str,
    4 "effect" Opt Str,
    5 "tolerationSeconds" Ptr I64,
});

message!(HOST_ALIAS = "HostAlias" { 1 "ip" Req Str, 2 "hostnames" Rep Str });

message!(POD_DNS_CONFIG = "PodDNSConfig" {
    1 "nameservers" Rep Str,
    2 "searches" Rep Str,
    3 "options" Rep Msg(&POD_DNS_CONFIG_OPTION),
});

message!(POD_DNS_CONFIG_OPTION = "PodDNSConfigOption" { 1 "name" Opt Str, 2 "value" Ptr Str });

message!(POD_READINESS_GATE = "PodReadinessGate" { 1 "conditionType" Req Str });

message!(TOPOLOGY_SPREAD_CONSTRAINT = "TopologySpreadConstraint" {
    1 "maxSkew" Req I32,
    2 "topologyKey" Req Str,
    3 "whenUnsatisfiable" Req Str,
    4 "labelSelector" Ptr Msg(&LABEL_SELECTOR),
    5 "minDomains" Ptr I32,
    6 "nodeAffinityPolicy" Ptr Str,
    7 "nodeTaintsPolicy" Ptr Str,
    8 "matchLabelKeys" Rep Str,
});

message!(AFFINITY = "Affinity" {
    1 "nodeAffinity" Ptr Msg(&NODE_AFFINITY),
    2 "podAffinity" Ptr Msg(&POD_AFFINITY),
    3 "podAntiAffinity" Ptr Msg(&POD_AFFINITY),
});

message!(NODE_AFFINITY = "NodeAffinity" {
    1 "requiredDuringSchedulingIgnoredDuringExecution" Ptr Msg(&NODE_SELECTOR),
    2 "preferredDuringSchedulingIgnoredDuringExecution" Rep Msg(&PREFERRED_SCHEDULING_TERM),
});

message!(NODE_SELECTOR = "NodeSelector" {
    1 "nodeSelectorTerms" RepReq Msg(&NODE_SELECTOR_TERM),
});

message!(NODE_SELECTOR_TERM = "NodeSelectorTerm" {
    1 "matchExpressions" Rep Msg(&NODE_SELECTOR_REQUIREMENT),
    2 "matchFields" Rep Msg(&NODE_SELECTOR_REQUIREMENT),
});

message!(NODE_SELECTOR_REQUIREMENT = "NodeSelectorRequirement" {
    1 "key" Req Str,
    2 "operator" Req Str,
    3 "values" Rep Str,
});

message!(PREFERRED_SCHEDULING_TERM = "PreferredSchedulingTerm" {
    1 "weight" Req I32,
    2 "preference" Req Msg(&NODE_SELECTOR_TERM),
});

// `PodAffinity` and `PodAntiAffinity` share their shape and numbers.
message!(POD_AFFINITY = "PodAffinity" {
    1 "requiredDuringSchedulingIgnoredDuringExecution" Rep Msg(&POD_AFFINITY_TERM),
    2 "preferredDuringSchedulingIgnoredDuringExecution" Rep Msg(&WEIGHTED_POD_AFFINITY_TERM),
});

message!(POD_AFFINITY_TERM = "PodAffinityTerm" {
    1 "labelSelector" Ptr Msg(&LABEL_SELECTOR),
    2 "namespaces" Rep Str,
    3 "topologyKey" Req Str,
    4 "namespaceSelector" Ptr Msg(&LABEL_SELECTOR),
    5 "matchLabelKeys" Rep Str,
    6 "mismatchLabelKeys" Rep Str,
});

message!(WEIGHTED_POD_AFFINITY_TERM = "WeightedPodAffinityTerm" {
    1 "weight" Req I32,
    2 "podAffinityTerm" Req Msg(&POD_AFFINITY_TERM),
});

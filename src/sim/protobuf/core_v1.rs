//! Message tables for the core/v1 kinds the generators create other than
//! workloads: Namespace, ConfigMap, Secret, Service, ServiceAccount and
//! ResourceQuota. Field numbers from k8s.io/api `core/v1/generated.proto`;
//! see `schema` for the row format (`number "json" Card Ty`).

use super::meta::{CONDITION, OBJECT_META};
use super::schema::message;
use super::schema::Ty::{Bool, Bytes, IntOrStr, Msg, Quantity, Str, I32};

message!(pub NAMESPACE = "Namespace" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&NAMESPACE_SPEC),
    3 "status" Req Msg(&NAMESPACE_STATUS),
});

message!(NAMESPACE_SPEC = "NamespaceSpec" { 1 "finalizers" Rep Str });

message!(NAMESPACE_STATUS = "NamespaceStatus" {
    1 "phase" Opt Str,
    2 "conditions" Rep Msg(&NAMESPACE_CONDITION),
});

message!(NAMESPACE_CONDITION = "NamespaceCondition" {
    1 "type" Req Str,
    2 "status" Req Str,
    4 "lastTransitionTime" Req super::schema::Ty::Time,
    5 "reason" Opt Str,
    6 "message" Opt Str,
});

message!(pub CONFIG_MAP = "ConfigMap" {
    1 "metadata" Req Msg(&OBJECT_META),
    4 "immutable" Ptr Bool,
    2 "data" Map Str,
    3 "binaryData" Map Bytes,
});

message!(pub SECRET = "Secret" {
    1 "metadata" Req Msg(&OBJECT_META),
    5 "immutable" Ptr Bool,
    2 "data" Map Bytes,
    4 "stringData" Map Str,
    3 "type" Opt Str,
});

message!(pub SERVICE_ACCOUNT = "ServiceAccount" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "secrets" Rep Msg(&OBJECT_REFERENCE),
    3 "imagePullSecrets" Rep Msg(&LOCAL_OBJECT_REFERENCE),
    4 "automountServiceAccountToken" Ptr Bool,
});

message!(pub OBJECT_REFERENCE = "ObjectReference" {
    1 "kind" Opt Str,
    2 "namespace" Opt Str,
    3 "name" Opt Str,
    4 "uid" Opt Str,
    5 "apiVersion" Opt Str,
    6 "resourceVersion" Opt Str,
    7 "fieldPath" Opt Str,
});

message!(pub LOCAL_OBJECT_REFERENCE = "LocalObjectReference" { 1 "name" Opt Str });

message!(pub TYPED_LOCAL_OBJECT_REFERENCE = "TypedLocalObjectReference" {
    1 "apiGroup" Null Str,
    2 "kind" Req Str,
    3 "name" Req Str,
});

message!(pub SERVICE = "Service" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&SERVICE_SPEC),
    3 "status" Req Msg(&SERVICE_STATUS),
});

message!(SERVICE_SPEC = "ServiceSpec" {
    1 "ports" Rep Msg(&SERVICE_PORT),
    2 "selector" Map Str,
    3 "clusterIP" Opt Str,
    18 "clusterIPs" Rep Str,
    4 "type" Opt Str,
    5 "externalIPs" Rep Str,
    7 "sessionAffinity" Opt Str,
    8 "loadBalancerIP" Opt Str,
    9 "loadBalancerSourceRanges" Rep Str,
    10 "externalName" Opt Str,
    11 "externalTrafficPolicy" Opt Str,
    12 "healthCheckNodePort" Opt I32,
    13 "publishNotReadyAddresses" Opt Bool,
    14 "sessionAffinityConfig" Ptr Msg(&SESSION_AFFINITY_CONFIG),
    19 "ipFamilies" Rep Str,
    17 "ipFamilyPolicy" Ptr Str,
    20 "allocateLoadBalancerNodePorts" Ptr Bool,
    21 "loadBalancerClass" Ptr Str,
    22 "internalTrafficPolicy" Ptr Str,
    23 "trafficDistribution" Ptr Str,
});

message!(SERVICE_PORT = "ServicePort" {
    1 "name" Opt Str,
    2 "protocol" Opt Str,
    6 "appProtocol" Ptr Str,
    3 "port" Req I32,
    4 "targetPort" Req IntOrStr,
    5 "nodePort" Opt I32,
});

message!(SESSION_AFFINITY_CONFIG = "SessionAffinityConfig" {
    1 "clientIP" Ptr Msg(&CLIENT_IP_CONFIG),
});

message!(CLIENT_IP_CONFIG = "ClientIPConfig" { 1 "timeoutSeconds" Ptr I32 });

message!(SERVICE_STATUS = "ServiceStatus" {
    1 "loadBalancer" Req Msg(&LOAD_BALANCER_STATUS),
    2 "conditions" Rep Msg(&CONDITION),
});

message!(LOAD_BALANCER_STATUS = "LoadBalancerStatus" {
    1 "ingress" Rep Msg(&LOAD_BALANCER_INGRESS),
});

message!(LOAD_BALANCER_INGRESS = "LoadBalancerIngress" {
    1 "ip" Opt Str,
    2 "hostname" Opt Str,
    3 "ipMode" Ptr Str,
    4 "ports" Rep Msg(&PORT_STATUS),
});

message!(pub PORT_STATUS = "PortStatus" {
    1 "port" Req I32,
    2 "protocol" Req Str,
    3 "error" Ptr Str,
});

message!(pub RESOURCE_QUOTA = "ResourceQuota" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&RESOURCE_QUOTA_SPEC),
    3 "status" Req Msg(&RESOURCE_QUOTA_STATUS),
});

message!(RESOURCE_QUOTA_SPEC = "ResourceQuotaSpec" {
    1 "hard" Map Quantity,
    2 "scopes" Rep Str,
    3 "scopeSelector" Ptr Msg(&SCOPE_SELECTOR),
});

message!(SCOPE_SELECTOR = "ScopeSelector" {
    1 "matchExpressions" Rep Msg(&SCOPED_RESOURCE_SELECTOR_REQUIREMENT),
});

message!(SCOPED_RESOURCE_SELECTOR_REQUIREMENT = "ScopedResourceSelectorRequirement" {
    1 "scopeName" Req Str,
    2 "operator" Req Str,
    3 "values" Rep Str,
});

message!(RESOURCE_QUOTA_STATUS = "ResourceQuotaStatus" {
    1 "hard" Map Quantity,
    2 "used" Map Quantity,
});

//! Message tables for core/v1 containers (ports, env, resources, probes,
//! lifecycle hooks, mounts) and pod volumes. Field numbers from k8s.io/api
//! `core/v1/generated.proto`; see `schema` for the row format
//! (`number "json" Card Ty`).
//!
//! Volume sources tabled: hostPath, emptyDir, secret, nfs,
//! persistentVolumeClaim, downwardAPI, configMap, projected, csi and image.
//! The legacy in-tree cloud and network volume plugins are skipped if sent.

use super::core_v1::LOCAL_OBJECT_REFERENCE;
use super::pod::SECURITY_CONTEXT;
use super::schema::message;
use super::schema::Ty::{Bool, IntOrStr, Msg, Quantity, Str, I32, I64};

message!(pub CONTAINER = "Container" {
    1 "name" Req Str,
    2 "image" Opt Str,
    3 "command" Rep Str,
    4 "args" Rep Str,
    5 "workingDir" Opt Str,
    6 "ports" Rep Msg(&CONTAINER_PORT),
    19 "envFrom" Rep Msg(&ENV_FROM_SOURCE),
    7 "env" Rep Msg(&ENV_VAR),
    8 "resources" Req Msg(&RESOURCE_REQUIREMENTS),
    23 "resizePolicy" Rep Msg(&CONTAINER_RESIZE_POLICY),
    24 "restartPolicy" Ptr Str,
    9 "volumeMounts" Rep Msg(&VOLUME_MOUNT),
    21 "volumeDevices" Rep Msg(&VOLUME_DEVICE),
    10 "livenessProbe" Ptr Msg(&PROBE),
    11 "readinessProbe" Ptr Msg(&PROBE),
    22 "startupProbe" Ptr Msg(&PROBE),
    12 "lifecycle" Ptr Msg(&LIFECYCLE),
    13 "terminationMessagePath" Opt Str,
    20 "terminationMessagePolicy" Opt Str,
    14 "imagePullPolicy" Opt Str,
    15 "securityContext" Ptr Msg(&SECURITY_CONTEXT),
    16 "stdin" Opt Bool,
    17 "stdinOnce" Opt Bool,
    18 "tty" Opt Bool,
});

message!(CONTAINER_PORT = "ContainerPort" {
    1 "name" Opt Str,
    2 "hostPort" Opt I32,
    3 "containerPort" Req I32,
    4 "protocol" Opt Str,
    5 "hostIP" Opt Str,
});

message!(ENV_FROM_SOURCE = "EnvFromSource" {
    1 "prefix" Opt Str,
    2 "configMapRef" Ptr Msg(&ENV_SOURCE),
    3 "secretRef" Ptr Msg(&ENV_SOURCE),
});

// `ConfigMapEnvSource` and `SecretEnvSource` share their shape.
message!(ENV_SOURCE = "ConfigMapEnvSource" {
    1 "localObjectReference" Inline Msg(&LOCAL_OBJECT_REFERENCE),
    2 "optional" Ptr Bool,
});

message!(ENV_VAR = "EnvVar" {
    1 "name" Req Str,
    2 "value" Opt Str,
    3 "valueFrom" Ptr Msg(&ENV_VAR_SOURCE),
});

message!(ENV_VAR_SOURCE = "EnvVarSource" {
    1 "fieldRef" Ptr Msg(&OBJECT_FIELD_SELECTOR),
    2 "resourceFieldRef" Ptr Msg(&RESOURCE_FIELD_SELECTOR),
    3 "configMapKeyRef" Ptr Msg(&KEY_SELECTOR),
    4 "secretKeyRef" Ptr Msg(&KEY_SELECTOR),
});

message!(OBJECT_FIELD_SELECTOR = "ObjectFieldSelector" {
    1 "apiVersion" Opt Str,
    2 "fieldPath" Req Str,
});

message!(RESOURCE_FIELD_SELECTOR = "ResourceFieldSelector" {
    1 "containerName" Opt Str,
    2 "resource" Req Str,
    // A struct with omitempty, so always printed ("0" when unset).
    3 "divisor" Req Quantity,
});

// `ConfigMapKeySelector` and `SecretKeySelector` share their shape.
message!(KEY_SELECTOR = "ConfigMapKeySelector" {
    1 "localObjectReference" Inline Msg(&LOCAL_OBJECT_REFERENCE),
    2 "key" Req Str,
    3 "optional" Ptr Bool,
});

message!(pub RESOURCE_REQUIREMENTS = "ResourceRequirements" {
    1 "limits" Map Quantity,
    2 "requests" Map Quantity,
    3 "claims" Rep Msg(&RESOURCE_CLAIM),
});

message!(RESOURCE_CLAIM = "ResourceClaim" { 1 "name" Req Str, 2 "request" Opt Str });

message!(CONTAINER_RESIZE_POLICY = "ContainerResizePolicy" {
    1 "resourceName" Req Str,
    2 "restartPolicy" Req Str,
});

message!(VOLUME_MOUNT = "VolumeMount" {
    1 "name" Req Str,
    2 "readOnly" Opt Bool,
    7 "recursiveReadOnly" Ptr Str,
    3 "mountPath" Req Str,
    4 "subPath" Opt Str,
    5 "mountPropagation" Ptr Str,
    6 "subPathExpr" Opt Str,
});

message!(VOLUME_DEVICE = "VolumeDevice" { 1 "name" Req Str, 2 "devicePath" Req Str });

message!(PROBE = "Probe" {
    1 "handler" Inline Msg(&PROBE_HANDLER),
    2 "initialDelaySeconds" Opt I32,
    3 "timeoutSeconds" Opt I32,
    4 "periodSeconds" Opt I32,
    5 "successThreshold" Opt I32,
    6 "failureThreshold" Opt I32,
    7 "terminationGracePeriodSeconds" Ptr I64,
});

message!(PROBE_HANDLER = "ProbeHandler" {
    1 "exec" Ptr Msg(&EXEC_ACTION),
    2 "httpGet" Ptr Msg(&HTTP_GET_ACTION),
    3 "tcpSocket" Ptr Msg(&TCP_SOCKET_ACTION),
    4 "grpc" Ptr Msg(&GRPC_ACTION),
});

message!(EXEC_ACTION = "ExecAction" { 1 "command" Rep Str });

message!(HTTP_GET_ACTION = "HTTPGetAction" {
    1 "path" Opt Str,
    2 "port" Req IntOrStr,
    3 "host" Opt Str,
    4 "scheme" Opt Str,
    5 "httpHeaders" Rep Msg(&HTTP_HEADER),
});

message!(HTTP_HEADER = "HTTPHeader" { 1 "name" Req Str, 2 "value" Req Str });

message!(TCP_SOCKET_ACTION = "TCPSocketAction" { 1 "port" Req IntOrStr, 2 "host" Opt Str });

message!(GRPC_ACTION = "GRPCAction" { 1 "port" Req I32, 2 "service" Null Str });

message!(LIFECYCLE = "Lifecycle" {
    1 "postStart" Ptr Msg(&LIFECYCLE_HANDLER),
    2 "preStop" Ptr Msg(&LIFECYCLE_HANDLER),
    3 "stopSignal" Ptr Str,
});

message!(LIFECYCLE_HANDLER = "LifecycleHandler" {
    1 "exec" Ptr Msg(&EXEC_ACTION),
    2 "httpGet" Ptr Msg(&HTTP_GET_ACTION),
    3 "tcpSocket" Ptr Msg(&TCP_SOCKET_ACTION),
    4 "sleep" Ptr Msg(&SLEEP_ACTION),
});

message!(SLEEP_ACTION = "SleepAction" { 1 "seconds" Req I64 });

message!(pub VOLUME = "Volume" {
    1 "name" Req Str,
    2 "volumeSource" Inline Msg(&VOLUME_SOURCE),
});

message!(VOLUME_SOURCE = "VolumeSource" {
    1 "hostPath" Ptr Msg(&HOST_PATH_VOLUME_SOURCE),
    2 "emptyDir" Ptr Msg(&EMPTY_DIR_VOLUME_SOURCE),
    6 "secret" Ptr Msg(&SECRET_VOLUME_SOURCE),
    7 "nfs" Ptr Msg(&NFS_VOLUME_SOURCE),
    10 "persistentVolumeClaim" Ptr Msg(&PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
    16 "downwardAPI" Ptr Msg(&DOWNWARD_API_VOLUME_SOURCE),
    19 "configMap" Ptr Msg(&CONFIG_MAP_VOLUME_SOURCE),
    26 "projected" Ptr Msg(&PROJECTED_VOLUME_SOURCE),
    28 "csi" Ptr Msg(&CSI_VOLUME_SOURCE),
    30 "image" Ptr Msg(&IMAGE_VOLUME_SOURCE),
});

message!(HOST_PATH_VOLUME_SOURCE = "HostPathVolumeSource" { 1 "path" Req Str, 2 "type" Ptr Str });

message!(EMPTY_DIR_VOLUME_SOURCE = "EmptyDirVolumeSource" {
    1 "medium" Opt Str,
    2 "sizeLimit" Ptr Quantity,
});

message!(SECRET_VOLUME_SOURCE = "SecretVolumeSource" {
    1 "secretName" Opt Str,
    2 "items" Rep Msg(&KEY_TO_PATH),
    3 "defaultMode" Ptr I32,
    4 "optional" Ptr Bool,
});

message!(NFS_VOLUME_SOURCE = "NFSVolumeSource" {
    1 "server" Req Str,
    2 "path" Req Str,
    3 "readOnly" Opt Bool,
});

message!(PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE = "PersistentVolumeClaimVolumeSource" {
    1 "claimName" Req Str,
    2 "readOnly" Opt Bool,
});

message!(DOWNWARD_API_VOLUME_SOURCE = "DownwardAPIVolumeSource" {
    1 "items" Rep Msg(&DOWNWARD_API_VOLUME_FILE),
    2 "defaultMode" Ptr I32,
});

message!(DOWNWARD_API_VOLUME_FILE = "DownwardAPIVolumeFile" {
    1 "path" Req Str,
    2 "fieldRef" Ptr Msg(&OBJECT_FIELD_SELECTOR),
    3 "resourceFieldRef" Ptr Msg(&RESOURCE_FIELD_SELECTOR),
    4 "mode" Ptr I32,
});

message!(CONFIG_MAP_VOLUME_SOURCE = "ConfigMapVolumeSource" {
    1 "localObjectReference" Inline Msg(&LOCAL_OBJECT_REFERENCE),
    2 "items" Rep Msg(&KEY_TO_PATH),
    3 "defaultMode" Ptr I32,
    4 "optional" Ptr Bool,
});

message!(KEY_TO_PATH = "KeyToPath" { 1 "key" Req Str, 2 "path" Req Str, 3 "mode" Ptr I32 });

message!(PROJECTED_VOLUME_SOURCE = "ProjectedVolumeSource" {
    1 "sources" RepReq Msg(&VOLUME_PROJECTION),
    2 "defaultMode" Ptr I32,
});

message!(VOLUME_PROJECTION = "VolumeProjection" {
    1 "secret" Ptr Msg(&OBJECT_PROJECTION),
    2 "downwardAPI" Ptr Msg(&DOWNWARD_API_PROJECTION),
    3 "configMap" Ptr Msg(&OBJECT_PROJECTION),
    4 "serviceAccountToken" Ptr Msg(&SERVICE_ACCOUNT_TOKEN_PROJECTION),
});

// `SecretProjection` and `ConfigMapProjection` share their shape.
message!(OBJECT_PROJECTION = "SecretProjection" {
    1 "localObjectReference" Inline Msg(&LOCAL_OBJECT_REFERENCE),
    2 "items" Rep Msg(&KEY_TO_PATH),
    4 "optional" Ptr Bool,
});

message!(DOWNWARD_API_PROJECTION = "DownwardAPIProjection" {
    1 "items" Rep Msg(&DOWNWARD_API_VOLUME_FILE),
});

message!(SERVICE_ACCOUNT_TOKEN_PROJECTION = "ServiceAccountTokenProjection" {
    1 "audience" Opt Str,
    2 "expirationSeconds" Ptr I64,
    3 "path" Req Str,
});

message!(CSI_VOLUME_SOURCE = "CSIVolumeSource" {
    1 "driver" Req Str,
    2 "readOnly" Ptr Bool,
    3 "fsType" Ptr Str,
    4 "volumeAttributes" Map Str,
    5 "nodePublishSecretRef" Ptr Msg(&LOCAL_OBJECT_REFERENCE),
});

message!(IMAGE_VOLUME_SOURCE = "ImageVolumeSource" { 1 "reference" Opt Str, 2 "pullPolicy" Opt Str });

//! Message tables for autoscaling/v1 HorizontalPodAutoscaler, which
//! `kubectl autoscale` sends. Field numbers from k8s.io/api
//! `autoscaling/v1/generated.proto`; see `schema` for the row format.

use super::meta::OBJECT_META;
use super::schema::message;
use super::schema::Ty::{Msg, Str, Time, I32, I64};

message!(pub HORIZONTAL_POD_AUTOSCALER = "HorizontalPodAutoscaler" {
    1 "metadata" Req Msg(&OBJECT_META),
    2 "spec" Req Msg(&HPA_SPEC),
    3 "status" Req Msg(&HPA_STATUS),
});

message!(HPA_SPEC = "HorizontalPodAutoscalerSpec" {
    1 "scaleTargetRef" Req Msg(&CROSS_VERSION_OBJECT_REFERENCE),
    2 "minReplicas" Ptr I32,
    3 "maxReplicas" Req I32,
    4 "targetCPUUtilizationPercentage" Ptr I32,
});

message!(CROSS_VERSION_OBJECT_REFERENCE = "CrossVersionObjectReference" {
    1 "kind" Req Str,
    2 "name" Req Str,
    3 "apiVersion" Opt Str,
});

message!(HPA_STATUS = "HorizontalPodAutoscalerStatus" {
    1 "observedGeneration" Ptr I64,
    2 "lastScaleTime" Ptr Time,
    3 "currentReplicas" Req I32,
    4 "desiredReplicas" Req I32,
    5 "currentCPUUtilizationPercentage" Ptr I32,
});

//! Message tables for k8s.io/apimachinery `meta/v1`: object metadata, label
//! selectors and conditions. Field numbers from
//! `apimachinery/pkg/apis/meta/v1/generated.proto`; see `schema` for the
//! row format (`number "json" Card Ty`).

use super::schema::message;
#[cfg(test)]
use super::schema::Ty::I32;
use super::schema::Ty::{Bool, Json, Msg, Str, Time, I64};

message!(pub OBJECT_META = "ObjectMeta" {
    1 "name" Opt Str,
    2 "generateName" Opt Str,
    3 "namespace" Opt Str,
    4 "selfLink" Opt Str,
    5 "uid" Opt Str,
    6 "resourceVersion" Opt Str,
    7 "generation" Opt I64,
    // A struct with omitempty: always printed, `null` when zero.
    8 "creationTimestamp" Req Time,
    9 "deletionTimestamp" Ptr Time,
    10 "deletionGracePeriodSeconds" Ptr I64,
    11 "labels" Map Str,
    12 "annotations" Map Str,
    13 "ownerReferences" Rep Msg(&OWNER_REFERENCE),
    14 "finalizers" Rep Str,
    17 "managedFields" Rep Msg(&MANAGED_FIELDS_ENTRY),
});

message!(OWNER_REFERENCE = "OwnerReference" {
    5 "apiVersion" Req Str,
    1 "kind" Req Str,
    3 "name" Req Str,
    4 "uid" Req Str,
    6 "controller" Ptr Bool,
    7 "blockOwnerDeletion" Ptr Bool,
});

message!(MANAGED_FIELDS_ENTRY = "ManagedFieldsEntry" {
    1 "manager" Opt Str,
    2 "operation" Opt Str,
    3 "apiVersion" Opt Str,
    4 "time" Ptr Time,
    6 "fieldsType" Opt Str,
    7 "fieldsV1" Ptr Json,
    8 "subresource" Opt Str,
});

message!(pub LABEL_SELECTOR = "LabelSelector" {
    1 "matchLabels" Map Str,
    2 "matchExpressions" Rep Msg(&LABEL_SELECTOR_REQUIREMENT),
});

message!(LABEL_SELECTOR_REQUIREMENT = "LabelSelectorRequirement" {
    1 "key" Req Str,
    2 "operator" Req Str,
    3 "values" Rep Str,
});

message!(pub CONDITION = "Condition" {
    1 "type" Req Str,
    2 "status" Req Str,
    3 "observedGeneration" Opt I64,
    4 "lastTransitionTime" Req Time,
    5 "reason" Req Str,
    6 "message" Req Str,
});

// Used by tests: a message exercising every scalar type once.
#[cfg(test)]
message!(pub SCALARS = "Scalars" {
    1 "s" Opt Str,
    2 "i" Opt I32,
    3 "l" Req I64,
    4 "b" Ptr Bool,
    5 "ints" Rep I32,
    6 "m" Map Str,
    7 "t" Ptr Time,
});

//! Writes that go through field management: PATCH (merge, JSON, strategic
//! merge and server-side apply) and the record of who changed which fields
//! on every other write, so that a later apply conflicts exactly as it would
//! on a real cluster (e.g. after `kubectl scale`).

use super::handlers::options;
use super::path::Target;
use super::{json_response, scale, Request};
use crate::sim::apply::{self, Writer};
use crate::sim::cluster::SimCluster;
use crate::sim::convert::to_served;
use crate::sim::error::ApiError;
use crate::sim::patch::{self as patches, PatchError, PatchKind};
use crate::sim::resources::ResourceType;
use crate::sim::store::{timestamp, Part, Store, WriteOptions};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

/// The field manager of a request: `fieldManager`, or what Kubernetes
/// derives from the user agent (the part before the first `/`).
pub fn manager(req: &Request) -> String {
    match req.query.get("fieldManager") {
        Some(m) => m.to_string(),
        None => match req.user_agent.split('/').next().map(str::trim) {
            Some(ua) if !ua.is_empty() => ua.to_string(),
            _ => "unknown".into(),
        },
    }
}

fn patch_error(e: PatchError) -> ApiError {
    ApiError::from_status(e.code(), e.reason(), &e.status())
}

fn apply_error(e: apply::ApplyError) -> ApiError {
    ApiError::from_status(e.code(), e.reason(), &e.status())
}

fn writer<'a>(
    rt: &ResourceType,
    api_version: &'a str,
    t: &'a Target,
    manager: &'a str,
    now: &'a str,
) -> Writer<'a> {
    Writer {
        manager,
        api_version,
        subresource: t.subresource.as_deref(),
        status_subresource: rt.status,
        now,
    }
}

/// Creates `object`, recording its fields as the manager's.
pub fn create(
    store: &mut Store,
    t: &Target,
    object: Value,
    opts: &WriteOptions,
    manager: &str,
) -> Result<Value, ApiError> {
    let now = timestamp(opts.now);
    let api_version = t.rt.api_version();
    let tracked = apply::record_update(
        None,
        &object,
        &writer(&t.rt, &api_version, t, manager, &now),
    );
    store.create(&t.rt, t.namespace.as_deref(), tracked, opts)
}

/// Replaces the object `t` names with `object` (already patched, or a PUT
/// body), recording the changed fields as the manager's.
pub fn write(
    store: &mut Store,
    t: &Target,
    current: &Value,
    object: Value,
    opts: &WriteOptions,
    manager: &str,
) -> Result<Value, ApiError> {
    let now = timestamp(opts.now);
    let api_version = t.rt.api_version();
    let tracked = apply::record_update(
        Some(current),
        &object,
        &writer(&t.rt, &api_version, t, manager, &now),
    );
    let part = if t.subresource.as_deref() == Some("status") {
        Part::Status
    } else {
        Part::Main
    };
    let name = t.name.as_deref().unwrap_or_default();
    store.replace(&t.rt, t.namespace.as_deref(), name, tracked, part, opts)
}

/// PATCH: computes the new object from the live one and the patch, then
/// writes it like a PUT (server-side apply creates a missing object).
pub fn patch(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let name = t
        .name
        .as_deref()
        .ok_or_else(|| ApiError::method_not_allowed("PATCH needs an object name"))?;
    let builtin = crate::sim::schema_keys::Schema::for_kind(&t.rt.group, &t.rt.kind).is_some();
    let kind = PatchKind::from_content_type(&req.content_type)
        .ok_or_else(|| patch_error(PatchError::unsupported_media_type(builtin)))?;
    let body = patches::parse_body(kind, &req.body).map_err(patch_error)?;
    let opts = options(cluster, req);
    let manager = manager(req);
    let mut store = cluster.store();
    let live = store.get(&t.rt, t.namespace.as_deref(), name).ok();
    let is_scale = t.subresource.as_deref() == Some("scale");
    if kind == PatchKind::Apply {
        if is_scale {
            return Err(ApiError::bad_request("server-side apply to /scale is not supported by the simulator; apply spec.replicas on the object"));
        }
        let now = timestamp(opts.now);
        let api_version = t.rt.api_version();
        let w = writer(&t.rt, &api_version, t, &manager, &now);
        let merged = apply::apply(live.as_deref(), &body, &w, req.query.flag("force"))
            .map_err(apply_error)?;
        return match live {
            None if t.subresource.is_none() => {
                let created = store.create(&t.rt, t.namespace.as_deref(), merged, &opts)?;
                Ok(json_response(
                    StatusCode::CREATED,
                    &to_served(&t.rt, &created),
                ))
            }
            None => Err(ApiError::not_found(&t.rt, name)),
            Some(_) => {
                let part = if t.subresource.as_deref() == Some("status") {
                    Part::Status
                } else {
                    Part::Main
                };
                let stored =
                    store.replace(&t.rt, t.namespace.as_deref(), name, merged, part, &opts)?;
                Ok(json_response(StatusCode::OK, &to_served(&t.rt, &stored)))
            }
        };
    }
    let current = live.ok_or_else(|| ApiError::not_found(&t.rt, name))?;
    let (base, group, object_kind) = if is_scale {
        (scale::to_scale(&t.rt, &current), "autoscaling", "Scale")
    } else {
        ((*current).clone(), t.rt.group.as_str(), t.rt.kind.as_str())
    };
    let patched = patches::patch(kind, group, object_kind, &base, &body).map_err(patch_error)?;
    let object = if is_scale {
        scale::apply_scale(&t.rt, &current, &patched)?
    } else {
        patched
    };
    let stored = write(&mut store, t, &current, object, &opts, &manager)?;
    if is_scale {
        return Ok(json_response(
            StatusCode::OK,
            &scale::to_scale(&t.rt, &stored),
        ));
    }
    Ok(json_response(StatusCode::OK, &to_served(&t.rt, &stored)))
}

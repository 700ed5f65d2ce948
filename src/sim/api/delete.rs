//! DELETE of one object or a collection, with the propagation policy and
//! the uid/resourceVersion preconditions of the DeleteOptions body (or
//! query).

use super::handlers::{decode_body, options, selectors};
use super::path::Target;
use super::{json_response, Request};
use crate::sim::cluster::SimCluster;
use crate::sim::error::ApiError;
use crate::sim::store::Propagation;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

fn delete_options(req: &Request) -> Result<Value, ApiError> {
    if req.body.is_empty() {
        Ok(json!({}))
    } else {
        decode_body(req)
    }
}

fn propagation(req: &Request, body: &Value) -> Result<Propagation, ApiError> {
    match body
        .get("propagationPolicy")
        .and_then(Value::as_str)
        .or_else(|| req.query.get("propagationPolicy"))
    {
        Some(p) => Propagation::parse(p),
        None if body.get("orphanDependents") == Some(&json!(true)) => Ok(Propagation::Orphan),
        None => Ok(Propagation::Background),
    }
}

/// A precondition of the DeleteOptions that the object fails, as the API
/// server words it (409 Conflict): the object changed since the client read it.
fn check_preconditions(
    t: &Target,
    name: &str,
    body: &Value,
    current: &Value,
) -> Result<(), ApiError> {
    for (field, meta, label) in [
        ("uid", "/metadata/uid", "UID"),
        (
            "resourceVersion",
            "/metadata/resourceVersion",
            "ResourceVersion",
        ),
    ] {
        let Some(wanted) = body
            .pointer(&format!("/preconditions/{field}"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let actual = current
            .pointer(meta)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if wanted != actual {
            return Err(ApiError::conflict_with_causes(
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}",
                    t.rt.qualified_plural()
                ),
                &[],
            ));
        }
    }
    Ok(())
}

pub fn delete(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    let body = delete_options(req)?;
    let propagation = propagation(req, &body)?;
    let opts = options(cluster, req);
    let mut store = cluster.store();
    let current = store.get(&t.rt, t.namespace.as_deref(), name)?;
    check_preconditions(t, name, &body, &current)?;
    let deleted = store.delete(&t.rt, t.namespace.as_deref(), name, propagation, &opts)?;
    Ok(json_response(StatusCode::OK, &deleted))
}

pub fn delete_collection(
    cluster: &SimCluster,
    req: &Request,
    t: &Target,
) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(req, &t.rt.kind)?;
    let propagation = propagation(req, &delete_options(req)?)?;
    let opts = options(cluster, req);
    let mut store = cluster.store();
    let victims: Vec<(String, String)> = store
        .list_stored(&t.rt, t.namespace.as_deref())
        .iter()
        .filter(|o| labels.matches_selectable(&o.select) && fields.matches(&o.select))
        .map(|o| {
            (
                o.select.namespace().to_string(),
                o.select.name().to_string(),
            )
        })
        .collect();
    let mut items = Vec::new();
    for (ns, name) in victims {
        let ns = (!ns.is_empty()).then_some(ns);
        items.push(store.delete(&t.rt, ns.as_deref(), &name, propagation, &opts)?);
    }
    let rv = store.resource_version().to_string();
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": format!("{}List", t.rt.kind), "apiVersion": t.rt.api_version(), "metadata": {"resourceVersion": rv}, "items": items}),
    ))
}

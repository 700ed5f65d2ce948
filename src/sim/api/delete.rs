//! DELETE of one object or a collection, with the propagation policy of
//! the DeleteOptions body (or query).

use super::handlers::{decode_body, options, selectors};
use super::path::Target;
use super::{json_response, Request};
use crate::sim::cluster::SimCluster;
use crate::sim::error::ApiError;
use crate::sim::store::Propagation;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

fn propagation(req: &Request) -> Result<Propagation, ApiError> {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        decode_body(req)?
    };
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

pub fn delete(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    let propagation = propagation(req)?;
    let opts = options(cluster, req);
    let deleted =
        cluster
            .store()
            .delete(&t.rt, t.namespace.as_deref(), name, propagation, &opts)?;
    Ok(json_response(StatusCode::OK, &deleted))
}

pub fn delete_collection(
    cluster: &SimCluster,
    req: &Request,
    t: &Target,
) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(req, &t.rt.kind)?;
    let propagation = propagation(req)?;
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

//! Request handling: faults first, then discovery and OpenAPI documents, then
//! the verbs on resources (get, list, watch, create, update, patch, delete,
//! deletecollection) and the status and scale subresources.

use super::list::name_of;
use super::path::{self, Discovery, Route, Target};
use super::{
    discovery, error_response, json_response, openapi, table, typed_response, watch, Request,
};
use crate::sim::cluster::{lock, SimCluster};
use crate::sim::convert;
use crate::sim::error::ApiError;
use crate::sim::faults::Verdict;
use crate::sim::selector::{FieldSelector, LabelSelector};
use crate::sim::store::WriteOptions;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn handle(cluster: &Arc<SimCluster>, req: Request) -> Response {
    let latency = lock(&cluster.faults).latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    match route(cluster, &req) {
        Ok(Handled::Done(response)) => response,
        Ok(Handled::Watch(target)) => watch::serve(cluster.clone(), target, &req),
        Err(e) => error_response(&e),
    }
}

enum Handled {
    Done(Response),
    Watch(Target),
}

fn verb_of(method: &Method, target: &Target, query: &super::Query) -> &'static str {
    match *method {
        Method::GET if target.name.is_some() => "get",
        Method::GET if query.flag("watch") => "watch",
        Method::GET => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if target.name.is_some() => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}

fn route(cluster: &Arc<SimCluster>, req: &Request) -> Result<Handled, ApiError> {
    let parsed = {
        let store = cluster.store();
        match req.path.as_str() {
            "/api" | "/apis" => {
                let core = req.path == "/api";
                let doc = if discovery::wants_aggregated(&req.accept) {
                    return Ok(Handled::Done(typed_response(
                        StatusCode::OK,
                        discovery::AGGREGATED,
                        &discovery::aggregated(store.registry(), core),
                    )));
                } else if core {
                    discovery::api_versions("127.0.0.1")
                } else {
                    discovery::group_list(store.registry())
                };
                return Ok(Handled::Done(json_response(StatusCode::OK, &doc)));
            }
            "/openapi/v3" => {
                return Ok(Handled::Done(json_response(
                    StatusCode::OK,
                    &openapi::root(store.registry()),
                )))
            }
            p if p.starts_with("/openapi/v3/") => {
                let rest = p.trim_start_matches("/openapi/v3/");
                let parts: Vec<&str> = rest.split('/').collect();
                let doc = match parts.as_slice() {
                    ["api", v] => openapi::document(store.registry(), "", v),
                    ["apis", g, v] => openapi::document(store.registry(), g, v),
                    _ => None,
                };
                return doc
                    .map(|d| Handled::Done(json_response(StatusCode::OK, &d)))
                    .ok_or_else(ApiError::no_such_path);
            }
            _ => path::parse(&req.path, store.registry())?,
        }
    };
    let target = match parsed {
        Route::Discovery(d) => {
            let store = cluster.store();
            let doc = match d {
                Discovery::Group(g) => discovery::group(store.registry(), &g),
                Discovery::GroupVersion(g, v) => discovery::resource_list(store.registry(), &g, &v),
            };
            return doc
                .map(|d| Handled::Done(json_response(StatusCode::OK, &d)))
                .ok_or_else(ApiError::no_such_path);
        }
        Route::Resource(t) => *t,
    };
    let verb = verb_of(&req.method, &target, &req.query);
    let mut resource = target.rt.qualified_plural();
    if let Some(sub) = &target.subresource {
        resource = format!("{resource}/{sub}");
    }
    let manager = req.query.get("fieldManager");
    lock(&cluster.counters).record_request(verb, &resource, manager, req.query.dry_run());
    let is_write = !matches!(verb, "get" | "list" | "watch");
    let write = is_write.then(|| {
        (
            target.rt.qualified_plural(),
            target.name.clone().or_else(|| body_name(req)),
        )
    });
    let verdict = lock(&cluster.faults).judge(
        write
            .as_ref()
            .map(|(r, n)| (r.as_str(), n.as_deref(), req.query.dry_run())),
    );
    match verdict {
        Verdict::Pass => {}
        Verdict::Unavailable => {
            return Err(ApiError::service_unavailable(
                "the simulated API server is unavailable (injected fault)",
            ))
        }
        Verdict::Error(why) => return Err(ApiError::internal(why)),
        Verdict::Reject(message) => {
            let name = write.and_then(|(_, n)| n).unwrap_or_default();
            return Err(ApiError::admission_denied(&target.rt, &name, &message));
        }
    }
    if target.rt.read_only {
        return read_only(cluster, req, &target).map(Handled::Done);
    }
    let response = match (&req.method, verb) {
        (_, "watch") => return Ok(Handled::Watch(target)),
        (_, "get") => get(cluster, req, &target)?,
        (_, "list") => super::list::list(cluster, req, &target)?,
        (_, "create") => create(cluster, req, &target)?,
        (_, "update") => update(cluster, req, &target)?,
        (_, "patch") => super::patch::patch(cluster, req, &target)?,
        (_, "delete") => super::delete::delete(cluster, req, &target)?,
        (_, "deletecollection") => super::delete::delete_collection(cluster, req, &target)?,
        _ => {
            return Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource ({})",
                req.method
            )))
        }
    };
    if is_write && !req.query.dry_run() {
        cluster.changed.notify_one();
    }
    Ok(Handled::Done(response))
}

/// The name in a create's body, for fault matching.
fn body_name(req: &Request) -> Option<String> {
    if req.method != Method::POST {
        return None;
    }
    let v: Value = serde_json::from_slice(&req.body).ok()?;
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub fn options(cluster: &SimCluster, req: &Request) -> WriteOptions {
    WriteOptions {
        dry_run: req.query.dry_run(),
        field_manager: req.query.get("fieldManager").map(str::to_string),
        now: cluster.clock.now(),
    }
}

/// Decodes a request body: JSON, YAML, or a Kubernetes protobuf envelope.
pub fn decode_body(req: &Request) -> Result<Value, ApiError> {
    let ct = req
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let parsed = match ct {
        ""
        | "application/json"
        | "application/merge-patch+json"
        | "application/json-patch+json"
        | "application/strategic-merge-patch+json" => {
            serde_json::from_slice(&req.body).map_err(|e| e.to_string())
        }
        "application/yaml" | "application/apply-patch+yaml" => std::str::from_utf8(&req.body)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_norway::from_str(text).map_err(|e| e.to_string())),
        "application/vnd.kubernetes.protobuf" => {
            return crate::sim::protobuf::decode(&req.body).map_err(|e| match e {
                crate::sim::protobuf::ProtobufError::UnknownType { .. } => {
                    ApiError::unsupported_media_type_because(e.to_string())
                }
                other => ApiError::bad_request(other.to_string()),
            });
        }
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    parsed.map_err(|e| ApiError::bad_request(format!("the request body is not valid: {e}")))
}

/// An object, or a one-row Table when the client asks for one.
fn object_response(
    code: StatusCode,
    req: &Request,
    kind: &str,
    object: &Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Response {
    if req.method == Method::GET && table::wants_table(&req.accept) {
        let rv = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return json_response(code, &table::table(kind, &[object], rv, now));
    }
    json_response(code, object)
}

fn get(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let name = t.name.as_deref().unwrap_or_default();
    let object = cluster.store().get(&t.rt, t.namespace.as_deref(), name)?;
    if t.subresource.as_deref() == Some("scale") {
        return Ok(json_response(
            StatusCode::OK,
            &super::scale::to_scale(&t.rt, &object),
        ));
    }
    let served = convert::to_served(&t.rt, &object);
    Ok(object_response(
        StatusCode::OK,
        req,
        &t.rt.kind,
        &served,
        cluster.clock.now(),
    ))
}

pub fn selectors(req: &Request, kind: &str) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let labels = LabelSelector::parse(req.query.get("labelSelector").unwrap_or_default())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let fields = FieldSelector::parse(req.query.get("fieldSelector").unwrap_or_default(), kind)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((labels, fields))
}

fn create(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    if t.name.is_some() {
        return Err(ApiError::method_not_allowed(
            "POST is not allowed on a named object",
        ));
    }
    let object = decode_body(req)?;
    let opts = options(cluster, req);
    let mut store = cluster.store();
    let created = super::patch::create(&mut store, t, object, &opts, &super::patch::manager(req))?;
    Ok(json_response(
        StatusCode::CREATED,
        &convert::to_served(&t.rt, &created),
    ))
}

fn update(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let name = t
        .name
        .as_deref()
        .ok_or_else(|| ApiError::method_not_allowed("PUT needs an object name"))?;
    let body = decode_body(req)?;
    let opts = options(cluster, req);
    let mut store = cluster.store();
    let current = store.get(&t.rt, t.namespace.as_deref(), name)?;
    let object = match t.subresource.as_deref() {
        Some("scale") => super::scale::apply_scale(&t.rt, &current, &body)?,
        _ => body,
    };
    let stored = super::patch::write(
        &mut store,
        t,
        &current,
        object,
        &opts,
        &super::patch::manager(req),
    )?;
    if t.subresource.as_deref() == Some("scale") {
        return Ok(json_response(
            StatusCode::OK,
            &super::scale::to_scale(&t.rt, &stored),
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &convert::to_served(&t.rt, &stored),
    ))
}

/// metrics.k8s.io: computed from the pods and the synthetic load.
fn read_only(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let items = super::metrics::metrics(cluster, &t.rt, t.namespace.as_deref());
    let (labels, _) = selectors(req, "")?;
    let items: Vec<Value> = items
        .into_iter()
        .filter(|o| labels.matches_object(o))
        .collect();
    match &t.name {
        Some(name) => items
            .into_iter()
            .find(|o| name_of(o) == name)
            .map(|o| json_response(StatusCode::OK, &o))
            .ok_or_else(|| ApiError::not_found(&t.rt, name)),
        None => Ok(json_response(
            StatusCode::OK,
            &json!({"kind": format!("{}List", t.rt.kind), "apiVersion": t.rt.api_version(), "metadata": {}, "items": items}),
        )),
    }
}

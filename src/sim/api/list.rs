//! LIST: label and field selectors, `limit`/`continue` paging (the token
//! names the last object returned), and Tables for kubectl.

use super::handlers::selectors;
use super::path::Target;
use super::{json_response, table, Request};
use crate::sim::cluster::SimCluster;
use crate::sim::convert;
use crate::sim::error::ApiError;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

pub fn list(cluster: &SimCluster, req: &Request, t: &Target) -> Result<Response, ApiError> {
    let (labels, fields) = selectors(req, &t.rt.kind)?;
    let limit: usize = req
        .query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let after = match req.query.get("continue") {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let (items, rv) = {
        let store = cluster.store();
        (
            store.list(&t.rt, t.namespace.as_deref()),
            store.resource_version(),
        )
    };
    let mut selected = items.iter().filter(|o| {
        let key = (ns_of(o), name_of(o));
        after
            .as_ref()
            .is_none_or(|a| key > (a.0.as_str(), a.1.as_str()))
            && labels.matches_object(o)
            && fields.matches(o)
    });
    let mut page: Vec<&Value> = Vec::new();
    let mut more = false;
    for o in selected.by_ref() {
        if limit > 0 && page.len() == limit {
            more = true;
            break;
        }
        page.push(o);
    }
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if more {
        if let Some(last) = page.last() {
            metadata["continue"] = json!(encode_continue(ns_of(last), name_of(last)));
            metadata["remainingItemCount"] = json!(selected.count() + 1);
        }
    }
    if table::wants_table(&req.accept) {
        let mut t = table::table(&t.rt.kind, &page, &rv.to_string(), cluster.clock.now());
        t["metadata"] = metadata;
        return Ok(json_response(StatusCode::OK, &t));
    }
    let list = ListBody {
        kind: format!("{}List", t.rt.kind),
        api_version: t.rt.api_version(),
        metadata,
        items: page.iter().map(|o| convert::to_served(&t.rt, o)).collect(),
    };
    Ok(json_response(StatusCode::OK, &list))
}

pub fn ns_of(o: &Value) -> &str {
    o.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn name_of(o: &Value) -> &str {
    o.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn encode_continue(ns: &str, name: &str) -> String {
    format!("{ns}/{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let bad = || ApiError::bad_request(format!("invalid continue token `{token}`"));
    let bytes: Result<Vec<u8>, _> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .ok_or(())
                .and_then(|h| u8::from_str_radix(h, 16).map_err(|_| ()))
        })
        .collect();
    let text = String::from_utf8(bytes.map_err(|_| bad())?).map_err(|_| bad())?;
    let (ns, name) = text.split_once('/').ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

/// A list response, serialized straight from the stored objects.
#[derive(serde::Serialize)]
struct ListBody<'a> {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
    metadata: Value,
    items: Vec<std::borrow::Cow<'a, Value>>,
}

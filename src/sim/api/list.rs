//! LIST: label and field selectors, `limit`/`continue` paging (the token
//! names the last object returned), and Tables for kubectl. The items are
//! the stored JSON, copied as it is.

use super::handlers::selectors;
use super::path::Target;
use super::{json_bytes_response, json_response, table, Request};
use crate::sim::cluster::SimCluster;
use crate::sim::convert;
use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use crate::sim::store::Stored;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

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
            store.list_stored(&t.rt, t.namespace.as_deref()),
            store.resource_version(),
        )
    };
    let mut selected = items.iter().filter(|o| {
        let key = (o.select.namespace(), o.select.name());
        after
            .as_ref()
            .is_none_or(|a| key > (a.0.as_str(), a.1.as_str()))
            && labels.matches_selectable(&o.select)
            && fields.matches(&o.select)
    });
    let mut page: Vec<&Arc<Stored>> = Vec::new();
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
            metadata["continue"] =
                json!(encode_continue(last.select.namespace(), last.select.name()));
            metadata["remainingItemCount"] = json!(selected.count() + 1);
        }
    }
    if table::wants_table(&req.accept) {
        let objects = page
            .iter()
            .map(|o| o.parse())
            .collect::<Result<Vec<_>, _>>()?;
        let rows: Vec<&Value> = objects.iter().collect();
        let mut t = table::table(&t.rt.kind, &rows, &rv.to_string(), cluster.clock.now());
        t["metadata"] = metadata;
        return Ok(json_response(StatusCode::OK, &t));
    }
    let body = body(&t.rt, &metadata, &page)?;
    Ok(json_bytes_response(StatusCode::OK, body))
}

fn text<T: serde::Serialize + ?Sized>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// The list, written around the stored JSON of its items: what
/// serializing `{"kind", "apiVersion", "metadata", "items"}` would give,
/// without parsing them (a version conversion still does).
fn body(rt: &ResourceType, metadata: &Value, page: &[&Arc<Stored>]) -> Result<Vec<u8>, ApiError> {
    let total: usize = page.iter().map(|o| o.json().len() + 1).sum();
    let mut out = Vec::with_capacity(total + 256);
    out.extend_from_slice(b"{\"kind\":");
    out.extend(text(&format!("{}List", rt.kind)));
    out.extend_from_slice(b",\"apiVersion\":");
    out.extend(text(&rt.api_version()));
    out.extend_from_slice(b",\"metadata\":");
    out.extend(text(metadata));
    out.extend_from_slice(b",\"items\":[");
    for (i, o) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if convert::needs_conversion(rt) {
            out.extend(text(&*convert::to_served(rt, &o.parse()?)));
        } else {
            out.extend_from_slice(o.json());
        }
    }
    out.extend_from_slice(b"]}");
    Ok(out)
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

//! Drift: does a live object differ from its desired manifest on the fields
//! flotilla owns, and which fields belong to the member cluster instead.
//!
//! Why compare at the desired manifest's paths rather than at the paths of
//! flotilla's `Apply` entry in `managedFields`: an `Update` by anyone else
//! (`kubectl edit`, `kubectl patch`, a controller) moves the fields it
//! changes to that manager, as Kubernetes does, so after a live edit the
//! edited field is precisely the one *missing* from flotilla's entry. The
//! desired manifest is what flotilla applies, so its paths are the fields
//! flotilla owns by intent; `managedFields` says who holds each one now,
//! which is reported with the drift and decides retention.
//!
//! Only fields present in the desired manifest count (server defaults and
//! fields others added are not drift). Keyed lists (containers by name,
//! ports by port and protocol, …) are matched by key; other lists are
//! atomic. Resource quantities compare by value (`500m` = `0.5`).
//!
//! Retained fields never count, and [`apply_body`] never changes them:
//! `spec.replicas` when an HPA targets the object or another manager holds
//! it; a Service's `spec.clusterIP`, `spec.clusterIPs` and
//! `spec.ports[].nodePort`; a ServiceAccount's `secrets`. The volatile
//! annotations (`flotilla.io/hash`, `flotilla.io/revision`) are compared
//! apart (the hash) or not at all (the revision). Pure.

use super::managed::{self, Entry, FieldPath, Seg};
use crate::model::quantity::Quantity;
use crate::render::ownership::{HASH, REVISION};
use serde_json::{Map, Value};
use std::fmt;

/// A field whose live value differs from the desired one.
#[derive(Debug, Clone, PartialEq)]
pub struct Drifted {
    pub path: FieldPath,
    /// Who holds the field now (`managedFields`), e.g. `kubectl-edit`.
    pub holders: Vec<String>,
}

impl fmt::Display for Drifted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.holders.is_empty() {
            write!(f, "{}", self.path)
        } else {
            write!(f, "{} (held by {})", self.path, self.holders.join(", "))
        }
    }
}

/// What drift needs to know beyond the two objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// A desired HorizontalPodAutoscaler targets this object.
    pub autoscaled: bool,
}

/// The owned fields at which `live` differs from `desired`, in manifest
/// order. Empty: no drift.
pub fn drift(desired: &Value, live: &Value, ctx: Context) -> Vec<Drifted> {
    let w = Walk {
        kind: Kind::of(desired),
        entries: managed::entries(live),
        ctx,
    };
    let mut out = Vec::new();
    w.walk(desired, Some(live), &FieldPath::default(), &mut out);
    out
}

/// The body to server-side apply: the desired manifest without the
/// metadata the server owns, and with retained fields set to their live
/// value (applying the live value changes nothing and fights no one; leaving
/// the field out would drop it where flotilla is its only holder).
pub fn apply_body(desired: &Value, live: Option<&Value>, ctx: Context) -> Value {
    let mut body = desired.clone();
    if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        for server_owned in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
        ] {
            meta.remove(server_owned);
        }
    }
    let Some(live) = live else {
        return body;
    };
    let replicas = FieldPath::fields(&["spec", "replicas"]);
    let entries = managed::entries(live);
    if body.pointer("/spec/replicas").is_some()
        && (ctx.autoscaled || managed::held_by_another(&entries, &replicas))
    {
        if let Some(current) = live.pointer("/spec/replicas") {
            body["spec"]["replicas"] = current.clone();
        }
    }
    body
}

/// Whether a server-side dry run of an apply returned the live object as
/// it is, apart from the bookkeeping a write changes (managed-field times,
/// resourceVersion): then a drift was the server's normalization of what
/// flotilla sends, and writing it would change nothing.
pub fn unchanged_by(dry_run: &Value, live: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
            meta.remove("resourceVersion");
        }
        v
    };
    strip(dry_run) == strip(live)
}

/// The kind of the desired object, for the per-kind rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Service,
    ServiceAccount,
    Secret,
    Other,
}

impl Kind {
    fn of(obj: &Value) -> Kind {
        let api = obj.get("apiVersion").and_then(Value::as_str);
        match (api, obj.get("kind").and_then(Value::as_str)) {
            (Some("v1"), Some("Service")) => Kind::Service,
            (Some("v1"), Some("ServiceAccount")) => Kind::ServiceAccount,
            (Some("v1"), Some("Secret")) => Kind::Secret,
            _ => Kind::Other,
        }
    }
}

struct Walk {
    kind: Kind,
    entries: Vec<Entry>,
    ctx: Context,
}

impl Walk {
    fn push(&self, path: FieldPath, out: &mut Vec<Drifted>) {
        let holders = managed::holders(&self.entries, &path);
        out.push(Drifted { path, holders });
    }

    /// Fields of the member cluster, never drift.
    fn retained(&self, path: &FieldPath) -> bool {
        let shape = path.shape();
        match shape.as_slice() {
            ["spec", "replicas"] => {
                self.ctx.autoscaled || managed::held_by_another(&self.entries, path)
            }
            ["spec", "clusterIP"]
            | ["spec", "clusterIPs", ..]
            | ["spec", "ports", "*", "nodePort"] => self.kind == Kind::Service,
            ["secrets", ..] => self.kind == Kind::ServiceAccount,
            _ => false,
        }
    }

    /// Fields of the manifest that are not compared here.
    fn skipped(&self, path: &FieldPath, key: &str) -> bool {
        match path.shape().as_slice() {
            [] => {
                matches!(key, "apiVersion" | "kind" | "status")
                    || (self.kind == Kind::Secret && key == "stringData")
            }
            ["metadata"] => !matches!(key, "labels" | "annotations"),
            ["metadata", "annotations"] => key == HASH || key == REVISION,
            _ => false,
        }
    }

    fn walk(&self, d: &Value, l: Option<&Value>, path: &FieldPath, out: &mut Vec<Drifted>) {
        if d.is_null() || self.retained(path) {
            return;
        }
        match d {
            Value::Object(dm) => {
                if path.0.is_empty() && self.kind == Kind::Secret {
                    self.string_data(dm, l, out);
                }
                if dm.is_empty() {
                    return;
                }
                let Some(lm) = l.and_then(Value::as_object) else {
                    return self.push(path.clone(), out);
                };
                for (k, dv) in dm {
                    if !self.skipped(path, k) {
                        self.walk(dv, lm.get(k), &path.join(Seg::Field(k.clone())), out);
                    }
                }
            }
            Value::Array(da) => {
                if da.is_empty() {
                    // An empty list owns nothing we could tell apart from
                    // what others added.
                    return;
                }
                let Some(la) = l.and_then(Value::as_array) else {
                    return self.push(path.clone(), out);
                };
                let field = match path.0.last() {
                    Some(Seg::Field(f)) => f.as_str(),
                    _ => "",
                };
                if let Some(keys) = list_keys(field, da) {
                    for de in da {
                        let key = key_of(de, keys);
                        let sub = path.join(Seg::Key(key.clone()));
                        match la.iter().find(|le| same_key(&key_of(le, keys), &key)) {
                            Some(le) => self.walk(de, Some(le), &sub, out),
                            None => self.push(sub, out),
                        }
                    }
                } else if da.len() != la.len() {
                    self.push(path.clone(), out);
                } else if da.iter().all(|v| !v.is_object()) {
                    if da.iter().zip(la).any(|(a, b)| !same(a, b, path)) {
                        self.push(path.clone(), out);
                    }
                } else {
                    for (i, (de, le)) in da.iter().zip(la).enumerate() {
                        self.walk(de, Some(le), &path.join(Seg::Index(i)), out);
                    }
                }
            }
            scalar => {
                if !l.is_some_and(|lv| same(scalar, lv, path)) {
                    self.push(path.clone(), out);
                }
            }
        }
    }

    /// A Secret's `stringData` is write-only: the API server folds it into
    /// `data` (base64). Equal if either holds the desired value.
    fn string_data(&self, dm: &Map<String, Value>, l: Option<&Value>, out: &mut Vec<Drifted>) {
        let Some(Value::Object(sd)) = dm.get("stringData") else {
            return;
        };
        for (k, v) in sd {
            let Some(text) = v.as_str() else { continue };
            let live_plain = l.and_then(|l| l.get("stringData")).and_then(|m| m.get(k));
            let live_b64 = l.and_then(|l| l.get("data")).and_then(|m| m.get(k));
            let equal = live_plain.and_then(Value::as_str) == Some(text)
                || live_b64.and_then(Value::as_str) == Some(base64(text.as_bytes()).as_str());
            if !equal {
                self.push(FieldPath::fields(&["stringData", k]), out);
            }
        }
    }
}

/// The merge keys of a list of objects, by the list's field name (the
/// built-in keyed lists), else `name` when every item has one.
fn list_keys(field: &str, items: &[Value]) -> Option<&'static [&'static str]> {
    if !items.iter().all(Value::is_object) {
        return None;
    }
    let all_have = |k: &str| items.iter().all(|i| i.get(k).is_some());
    let keys: &'static [&'static str] = match field {
        "volumeMounts" | "volumeDevices" if all_have("mountPath") => &["mountPath"],
        "volumeDevices" if all_have("devicePath") => &["devicePath"],
        "ports" if all_have("containerPort") => &["containerPort", "protocol"],
        "ports" if all_have("port") => &["port", "protocol"],
        "hostAliases" if all_have("ip") => &["ip"],
        "topologySpreadConstraints" if all_have("topologyKey") => {
            &["topologyKey", "whenUnsatisfiable"]
        }
        "conditions" if all_have("type") => &["type"],
        _ if all_have("name") => &["name"],
        _ => return None,
    };
    Some(keys)
}

/// The key values of a list item (`protocol` defaults to TCP, as the API
/// server defaults it).
fn key_of(item: &Value, keys: &[&str]) -> Vec<(String, Value)> {
    keys.iter()
        .filter_map(|k| {
            let v = match (item.get(*k), *k) {
                (Some(v), _) => v.clone(),
                (None, "protocol") => Value::String("TCP".into()),
                (None, _) => return None,
            };
            Some(((*k).to_string(), v))
        })
        .collect()
}

fn same_key(a: &[(String, Value)], b: &[(String, Value)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ka, va), (kb, vb))| ka == kb && managed::same_scalar(va, vb))
}

/// Scalars equal as JSON, numbers by value, and resource quantities by
/// quantity (the API server normalizes `0.5` to `500m`).
fn same(a: &Value, b: &Value, path: &FieldPath) -> bool {
    if managed::same_scalar(a, b) {
        return true;
    }
    let in_quantities = path.0.iter().rev().nth(1).is_some_and(|s| {
        matches!(s, Seg::Field(f) if matches!(f.as_str(), "requests" | "limits" | "hard" | "capacity" | "overhead"))
    });
    in_quantities && quantity(a).is_some() && quantity(a) == quantity(b)
}

fn quantity(v: &Value) -> Option<Quantity> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// Standard base64 with padding (what the API server stores in `data`).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;

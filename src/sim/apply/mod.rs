//! Server-side apply and field ownership, after structured-merge-diff and
//! the API server's field manager: [`apply`] merges an applied
//! configuration into the live object, and [`record_update`] records who
//! changed what on every other write (create, PUT, merge, JSON and
//! strategic patches, subresources), so that a later apply conflicts where
//! Kubernetes' would.
//!
//! Ownership lives in `metadata.managedFields` (see [`managed`] and
//! [`FieldSet`]). An apply:
//! 1. merges the configuration into the live object ([`walk::merge`]:
//!    associative lists by key, atomic lists and structs replaced);
//! 2. makes the configuration's fields the manager's `Apply` set;
//! 3. removes the fields the manager applied last time, no longer applies,
//!    and nobody else owns;
//! 4. fails with [`Conflicts`] if that changes a field another manager owns
//!    (unless `force`, which moves those fields to this manager).
//!
//! Fields the server owns are never tracked (`apiVersion`, `kind`,
//! `metadata.name`, `namespace`, `uid`, `resourceVersion`, `generation`,
//! `creationTimestamp`, `managedFields`), and a write to the main resource
//! of a type with a status subresource ignores `status` (a write to
//! `/status` ignores `spec`).
//!
//! The manager is always named: when a request has no `fieldManager`, the
//! HTTP layer passes what Kubernetes derives from the user agent (the part
//! before the first `/`: `kubectl` for `kubectl scale`). Not done (yet):
//! conversion between API versions (paths are compared as written), the cap
//! of ten `Update` entries, and the `before-first-apply` manager for objects
//! that have no managed fields (the store records every create).
//!
//! Pure: `now` is an argument; no I/O.

mod conflict;
mod fieldset;
mod last_applied;
pub mod managed;
#[cfg(test)]
mod tests;
mod walk;

pub use conflict::{Conflict, Conflicts};
pub use fieldset::{path_string, FieldSet, Path, PathElement};

use crate::sim::schema_keys::Schema;
use last_applied::{allowed_by_last_applied, sync_last_applied};
use managed::{Entry, Operation};
use serde_json::{json, Value};

pub use last_applied::LAST_APPLIED;

/// Who writes, through which endpoint, and when.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    /// The field manager (`fieldManager`, or the user-agent prefix).
    pub manager: &'a str,
    /// The apiVersion of the endpoint written to (`apps/v1`); for `/scale`,
    /// the parent's.
    pub api_version: &'a str,
    /// `None` for the main resource, `Some("status")`, `Some("scale")`.
    pub subresource: Option<&'a str>,
    /// Whether the type has a status subresource
    /// ([`crate::sim::resources::ResourceType::status`]).
    pub status_subresource: bool,
    /// The time of the write, RFC 3339 in UTC with seconds
    /// (`2025-01-01T00:00:00Z`), as `managedFields` show it.
    pub now: &'a str,
}

/// Why an apply was refused, with the API server's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// 409: fields other managers own would change.
    #[error(transparent)]
    Conflicts(#[from] Conflicts),
    /// 400: the configuration is not an object.
    #[error("error decoding YAML: the applied configuration is not an object")]
    NotAnObject,
    /// 400: the configuration's apiVersion is not the endpoint's.
    #[error("Incorrect version specified in apply patch. Specified patch version: {specified}, expected: {expected}")]
    WrongVersion { specified: String, expected: String },
    /// 400: the configuration carries `metadata.managedFields`.
    #[error("metadata.managedFields must be nil")]
    ManagedFieldsSet,
    /// 500 with no reason: the configuration breaks the schema (an item of
    /// an associative list without its key, duplicate keys).
    #[error("failed to create typed patch object ({object}): {}", match errors.as_slice() {
        [one] => one.clone(),
        many => format!("errors:\n  {}", many.join("\n  ")),
    })]
    Invalid { object: String, errors: Vec<String> },
}

impl ApplyError {
    pub fn code(&self) -> u16 {
        match self {
            ApplyError::Conflicts(_) => 409,
            ApplyError::Invalid { .. } => 500,
            _ => 400,
        }
    }

    /// The `Status` reason (`""` where Kubernetes gives none).
    pub fn reason(&self) -> &'static str {
        match self {
            ApplyError::Conflicts(_) => "Conflict",
            ApplyError::Invalid { .. } => "",
            _ => "BadRequest",
        }
    }

    /// The whole `Status` response body.
    pub fn status(&self) -> Value {
        if let ApplyError::Conflicts(c) = self {
            return c.status();
        }
        let mut s = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                           "status": "Failure", "message": self.to_string(), "code": self.code()});
        if !self.reason().is_empty() {
            s["reason"] = json!(self.reason());
        }
        s
    }
}

/// Applies configuration `applied` for `w.manager` to `live` (`None`: the
/// object does not exist yet and is created). Returns the new object with
/// its `managedFields`; the HTTP layer sets server fields (uid,
/// resourceVersion, generation) as for any write.
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    w: &Writer,
    force: bool,
) -> Result<Value, ApplyError> {
    let mut out = match apply_once(live, applied, w, force) {
        // Moving from client-side to server-side apply: `kubectl` may take
        // over what its last client-side apply set, if nobody changed it
        // since (`lastAppliedManager`).
        Err(ApplyError::Conflicts(c)) if w.manager == "kubectl" => {
            let allowed = live.map(allowed_by_last_applied).unwrap_or_default();
            let left = c.without(&allowed);
            if !left.is_empty() {
                return Err(left.into());
            }
            apply_once(live, applied, w, true)?
        }
        other => other?,
    };
    if w.manager == "kubectl" {
        sync_last_applied(live, applied, &mut out);
    }
    Ok(out)
}

fn apply_once(
    live: Option<&Value>,
    applied: &Value,
    w: &Writer,
    force: bool,
) -> Result<Value, ApplyError> {
    if !applied.is_object() {
        return Err(ApplyError::NotAnObject);
    }
    let specified = applied
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if specified != w.api_version {
        return Err(ApplyError::WrongVersion {
            specified: specified.to_string(),
            expected: w.api_version.to_string(),
        });
    }
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|m| !m.is_null())
    {
        return Err(ApplyError::ManagedFieldsSet);
    }
    let root = walk::holding(schema_for(applied));
    let ignored = ignored(w);
    let mut config = applied.clone();
    if let Some(m) = config.as_object_mut() {
        for p in ignored.paths() {
            if let [PathElement::Field(f)] = p.as_slice() {
                m.shift_remove(f);
            }
        }
    }
    let set = walk::fields_of(&config, &root)
        .map_err(|errors| ApplyError::Invalid {
            object: describe(applied),
            errors,
        })?
        .difference(&server_fields())
        .recursive_difference(&ignored);

    let live_v = live.map(managed::stripped).unwrap_or_else(|| json!({}));
    let mut entries = live.map(decoded).unwrap_or_default();
    let me = managed::identity(w.manager, Operation::Apply, "", w.subresource);
    let previous = entries
        .iter()
        .position(|e| e.identity() == me)
        .map(|i| entries.remove(i));
    let last = previous
        .as_ref()
        .map(|e| e.fields.clone())
        .unwrap_or_default();

    let mut merged = walk::merge(Some(&live_v), Some(&config), &root).unwrap_or_else(|| json!({}));
    let owned = entries
        .iter()
        .fold(set.clone(), |acc, e| acc.union(&e.fields));
    walk::prune(&mut merged, &last.difference(&owned), &owned, &root);

    let cmp = walk::compare(Some(&live_v), Some(&merged), &root).excluding(&ignored);
    let changed = cmp.modified.union(&cmp.added);
    let conflicts: Vec<(String, String, FieldSet)> = entries
        .iter()
        .map(|e| (e.identity(), e.display(), e.fields.intersection(&changed)))
        .filter(|(_, _, c)| !c.is_empty())
        .collect();
    if !force && !conflicts.is_empty() {
        return Err(Conflicts::new(conflicts).into());
    }
    for e in &mut entries {
        e.fields = e.fields.difference(&changed).difference(&cmp.removed);
    }
    let time = if merged != live_v {
        Some(w.now.to_string())
    } else {
        previous.and_then(|e| e.time)
    };
    entries.push(Entry {
        manager: w.manager.to_string(),
        operation: Operation::Apply,
        api_version: w.api_version.to_string(),
        time,
        subresource: w.subresource.map(str::to_string),
        fields: set,
    });
    managed::encode(&mut merged, &entries);
    Ok(merged)
}

/// Records that `w.manager` changed `before` (`None`: created) into
/// `after` with a write other than apply, and returns `after` with its
/// `managedFields` updated: the manager's `Update` entry gains every field
/// that changed, and other managers lose them.
pub fn record_update(before: Option<&Value>, after: &Value, w: &Writer) -> Value {
    let root = walk::holding(schema_for(after));
    let ignored = ignored(w);
    // A write may set managedFields itself (a subresource may not); `[]` or
    // `[{}]` starts the tracking over.
    let mut entries = match (w.subresource, managed::is_reset(after)) {
        (None, true) => Vec::new(),
        (None, false) => Some(decoded(after))
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| before.map(decoded).unwrap_or_default()),
        (Some(_), _) => before.map(decoded).unwrap_or_default(),
    };
    let b = before.map(managed::stripped).unwrap_or_else(|| json!({}));
    let mut out = managed::stripped(after);
    let cmp = walk::compare(Some(&b), Some(&out), &root).excluding(&ignored);
    let changed = cmp.modified.union(&cmp.added);
    for e in &mut entries {
        e.fields.subtract(&changed);
        e.fields.subtract(&cmp.removed);
    }
    let server = server_fields();
    let mine = changed.difference(&server);
    if !mine.is_empty() {
        let me = managed::identity(w.manager, Operation::Update, w.api_version, w.subresource);
        match entries.iter_mut().find(|e| e.identity() == me) {
            Some(e) => {
                e.fields = e.fields.union(&mine);
                e.time = Some(w.now.to_string());
            }
            None => entries.push(Entry {
                manager: w.manager.to_string(),
                operation: Operation::Update,
                api_version: w.api_version.to_string(),
                time: Some(w.now.to_string()),
                subresource: w.subresource.map(str::to_string),
                fields: mine,
            }),
        }
    }
    for e in &mut entries {
        e.fields.subtract(&server);
    }
    managed::encode(&mut out, &entries);
    out
}

/// The object's managed fields; none if they do not decode (Kubernetes
/// then starts over too).
fn decoded(obj: &Value) -> Vec<Entry> {
    managed::decode(obj).ok().flatten().unwrap_or_default()
}

/// The schema of the object's kind: the table's for built-in kinds,
/// metadata only for custom resources.
fn schema_for(obj: &Value) -> Schema {
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let group = api_version
        .rsplit_once('/')
        .map(|(g, _)| g)
        .unwrap_or_default();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    Schema::for_kind(group, kind).unwrap_or_else(Schema::custom)
}

/// `namespace/name; group/version, Kind=kind`, as the API server names the
/// object in "failed to create typed patch object".
fn describe(obj: &Value) -> String {
    let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let api_version = s("/apiVersion");
    let gv = if api_version.contains('/') {
        api_version.to_string()
    } else {
        format!("/{api_version}")
    };
    format!(
        "{}/{}; {gv}, Kind={}",
        s("/metadata/namespace"),
        s("/metadata/name"),
        s("/kind")
    )
}

fn field_path(fields: &[&str]) -> Path {
    fields
        .iter()
        .map(|f| PathElement::Field(f.to_string()))
        .collect()
}

/// What the server owns (the field manager's `stripMeta`).
fn server_fields() -> FieldSet {
    let mut s = FieldSet::new();
    for p in [
        &["apiVersion"][..],
        &["kind"],
        &["metadata"],
        &["metadata", "name"],
        &["metadata", "namespace"],
        &["metadata", "creationTimestamp"],
        &["metadata", "selfLink"],
        &["metadata", "uid"],
        &["metadata", "clusterName"],
        &["metadata", "generation"],
        &["metadata", "managedFields"],
        &["metadata", "resourceVersion"],
    ] {
        s.insert(&field_path(p));
    }
    s
}

/// What a write through this endpoint may not change (the strategy's reset
/// fields): `status` through the main resource of a type with a status
/// subresource, `spec` through `/status`.
fn ignored(w: &Writer) -> FieldSet {
    let mut s = FieldSet::new();
    match w.subresource {
        None if w.status_subresource => s.insert(&field_path(&["status"])),
        Some("status") => s.insert(&field_path(&["spec"])),
        _ => {}
    }
    s
}

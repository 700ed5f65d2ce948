//! PATCH bodies as the Kubernetes API server applies them: JSON merge patch
//! ([`merge_patch`]), JSON patch (the shared [`crate::gojson::patch`]
//! engine) and strategic merge patch ([`strategic_merge`]). Server-side
//! apply (`application/apply-patch+yaml`) is not a patch of the live object
//! but a merge with field ownership: see [`crate::sim::apply`].
//!
//! In: the live object and the decoded patch body ([`parse_body`]). Out:
//! the patched object, or a [`PatchError`] that knows the HTTP status,
//! reason and `Status` body the API server would answer with. Pure: the
//! HTTP layer does the I/O, preconditions, `resourceVersion` and
//! `generation`.

mod merge;
mod order;
mod strategic;
#[cfg(test)]
mod strategic_tests;

pub use merge::{create_merge_patch, merge_patch};
pub use strategic::strategic_merge;

use crate::gojson::patch as json_patch;
use crate::sim::schema_keys::Schema;
use serde_json::{json, Value};

/// The API server refuses JSON patches with more operations (413).
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// A PATCH request's body type, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/strategic-merge-patch+json` (built-in kinds only).
    Strategic,
    /// `application/apply-patch+yaml`: server-side apply.
    Apply,
}

impl PatchKind {
    /// The kind for a `Content-Type` header (parameters such as `charset`
    /// ignored); `None` for anything else, including
    /// `application/apply-patch+cbor`, which the simulator does not decode.
    pub fn from_content_type(content_type: &str) -> Option<PatchKind> {
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/json-patch+json" => Some(PatchKind::Json),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/apply-patch+yaml" => Some(PatchKind::Apply),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PatchKind::Merge => "application/merge-patch+json",
            PatchKind::Json => "application/json-patch+json",
            PatchKind::Strategic => "application/strategic-merge-patch+json",
            PatchKind::Apply => "application/apply-patch+yaml",
        }
    }
}

/// The patch types a resource accepts, in the API server's order: built-in
/// kinds take strategic merge patches, custom resources do not.
pub fn accepted(builtin: bool) -> &'static [&'static str] {
    if builtin {
        &[
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ]
    } else {
        &[
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
        ]
    }
}

/// Why a patch failed, carrying what the API server answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// 415: a body type the resource does not accept (a strategic merge
    /// patch of a custom resource, an unknown `Content-Type`).
    #[error("the body of the request was in an unknown format - accepted media types include: {}", .accepted.join(", "))]
    UnsupportedMediaType { accepted: &'static [&'static str] },
    /// 400: the body is not a patch of its type, or a directive is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 413: a JSON patch with too many operations.
    #[error(
        "The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {0}"
    )]
    TooManyOperations(usize),
    /// 422: a JSON patch operation failed, or a strategic patch holds a list
    /// of lists. The API server does not say which (the text is for logs).
    #[error("{0}")]
    Unprocessable(String),
    /// 500 with no reason: a strategic merge failure the API server does not
    /// classify (an item without its merge key, a bad `$patch`).
    #[error("{0}")]
    Internal(String),
    /// Server-side apply was passed to [`patch`]; a caller bug.
    #[error("server-side apply is not a patch; use sim::apply")]
    NotAPatch,
}

impl PatchError {
    /// A 415 for a resource of a built-in kind or a custom resource.
    pub fn unsupported_media_type(builtin: bool) -> Self {
        PatchError::UnsupportedMediaType {
            accepted: accepted(builtin),
        }
    }

    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::UnsupportedMediaType { .. } => 415,
            PatchError::BadRequest(_) => 400,
            PatchError::TooManyOperations(_) => 413,
            PatchError::Unprocessable(_) => 422,
            PatchError::Internal(_) | PatchError::NotAPatch => 500,
        }
    }

    /// The `Status` reason (`""` where Kubernetes gives none).
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::UnsupportedMediaType { .. } => "UnsupportedMediaType",
            PatchError::BadRequest(_) => "BadRequest",
            PatchError::TooManyOperations(_) => "RequestEntityTooLarge",
            PatchError::Unprocessable(_) => "Invalid",
            PatchError::Internal(_) | PatchError::NotAPatch => "",
        }
    }

    /// The `Status` message kubectl prints.
    pub fn message(&self) -> String {
        match self {
            PatchError::TooManyOperations(_) => format!("Request entity too large: {self}"),
            PatchError::Unprocessable(_) => {
                "the server rejected our request due to an error in our request".into()
            }
            other => other.to_string(),
        }
    }

    /// The whole `Status` response body.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message(), "reason": self.reason(), "code": self.code(),
        });
        if let PatchError::Unprocessable(_) = self {
            s["details"] = json!({});
        }
        if self.reason().is_empty() {
            if let Some(m) = s.as_object_mut() {
                m.shift_remove("reason");
            }
        }
        s
    }
}

/// Decodes a PATCH body of `kind`: JSON, or YAML (JSON included) for
/// server-side apply.
pub fn parse_body(kind: PatchKind, body: &[u8]) -> Result<Value, PatchError> {
    match kind {
        PatchKind::Apply => serde_norway::from_slice(body)
            .map_err(|e| PatchError::BadRequest(format!("error decoding YAML: {e}"))),
        PatchKind::Merge => serde_json::from_slice(body)
            .map_err(|e| PatchError::BadRequest(format!("error decoding patch: {e}"))),
        PatchKind::Strategic => serde_json::from_slice(body)
            .map_err(|_| PatchError::BadRequest("invalid JSON document".into())),
        PatchKind::Json => {
            serde_json::from_slice(body).map_err(|e| PatchError::BadRequest(e.to_string()))
        }
    }
}

/// Applies a merge, JSON or strategic merge `patch` to `live`, an object of
/// `group`/`kind` (the kind decides strategic merge support and list keys).
pub fn patch(
    kind: PatchKind,
    group: &str,
    object_kind: &str,
    live: &Value,
    patch: &Value,
) -> Result<Value, PatchError> {
    match kind {
        PatchKind::Merge => {
            if !patch.is_object() {
                return Err(PatchError::BadRequest("Invalid JSON Patch".into()));
            }
            Ok(merge_patch(live, patch))
        }
        PatchKind::Json => {
            let ops = json_patch::parse(patch).map_err(PatchError::BadRequest)?;
            if ops.len() > MAX_JSON_PATCH_OPERATIONS {
                return Err(PatchError::TooManyOperations(ops.len()));
            }
            let mut out = live.clone();
            json_patch::apply(&mut out, &ops).map_err(PatchError::Unprocessable)?;
            Ok(out)
        }
        PatchKind::Strategic => {
            let schema = Schema::for_kind(group, object_kind)
                .ok_or(PatchError::unsupported_media_type(false))?;
            strategic_merge(live, patch, schema)
        }
        PatchKind::Apply => Err(PatchError::NotAPatch),
    }
}

/// Go's `%v` of a decoded JSON value, for error texts that quote patches
/// (`map[image:x name:y]`).
pub(crate) fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i128),
            Some(f) => f.to_string(),
            None => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let cases = [
            ("application/merge-patch+json", Some(PatchKind::Merge)),
            (
                "application/json-patch+json; charset=utf-8",
                Some(PatchKind::Json),
            ),
            (
                "Application/Strategic-Merge-Patch+JSON",
                Some(PatchKind::Strategic),
            ),
            ("application/apply-patch+yaml", Some(PatchKind::Apply)),
            ("application/apply-patch+cbor", None),
            ("application/json", None),
        ];
        for (ct, want) in cases {
            assert_eq!(PatchKind::from_content_type(ct), want, "{ct}");
        }
    }

    #[test]
    fn custom_resources_refuse_strategic_merge_with_415() {
        let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"a": 1}});
        let err = patch(
            PatchKind::Strategic,
            "example.com",
            "Widget",
            &cr,
            &json!({}),
        )
        .expect_err("415");
        assert_eq!(err.code(), 415);
        assert_eq!(
            err.status()["message"],
            "the body of the request was in an unknown format - accepted media types include: \
             application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
        );
        let merged = patch(
            PatchKind::Merge,
            "example.com",
            "Widget",
            &cr,
            &json!({"spec": {"b": 2}}),
        )
        .expect("merge patch works for custom resources");
        assert_eq!(merged["spec"], json!({"a": 1, "b": 2}));
    }

    #[test]
    fn json_patch_errors_map_to_api_statuses() {
        let live = json!({"spec": {"replicas": 2}});
        let ok = patch(
            PatchKind::Json,
            "apps",
            "Deployment",
            &live,
            &json!([{"op": "test", "path": "/spec/replicas", "value": 2},
                    {"op": "replace", "path": "/spec/replicas", "value": 3}]),
        );
        assert_eq!(ok, Ok(json!({"spec": {"replicas": 3}})));
        let failed = patch(
            PatchKind::Json,
            "apps",
            "Deployment",
            &live,
            &json!([{"op": "test", "path": "/spec/replicas", "value": 5}]),
        )
        .expect_err("test fails");
        assert_eq!(
            failed,
            PatchError::Unprocessable("testing value /spec/replicas failed: test failed".into())
        );
        assert_eq!(
            failed.status(),
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                   "message": "the server rejected our request due to an error in our request",
                   "reason": "Invalid", "details": {}, "code": 422})
        );
        let bad = patch(PatchKind::Json, "", "Pod", &live, &json!({"op": "add"})).expect_err("400");
        assert_eq!(bad.code(), 400);
        let many = Value::Array(vec![json!({"op": "test", "path": "/spec"}); 10_001]);
        let too_many = patch(PatchKind::Json, "", "Pod", &live, &many).expect_err("413");
        assert_eq!(
            too_many.message(),
            "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
        );
        assert_eq!(
            patch(PatchKind::Merge, "", "Pod", &live, &json!(null)),
            Err(PatchError::BadRequest("Invalid JSON Patch".into()))
        );
    }

    #[test]
    fn bodies_decode_per_type() {
        let yaml = b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"1\"\n";
        assert_eq!(
            parse_body(PatchKind::Apply, yaml).expect("yaml"),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}})
        );
        assert_eq!(
            parse_body(PatchKind::Strategic, b"{"),
            Err(PatchError::BadRequest("invalid JSON document".into()))
        );
        assert_eq!(
            go_fmt(&json!({"name": "a", "port": 80, "x": [1.5, null, true]})),
            "map[name:a port:80 x:[1.5 <nil> true]]"
        );
    }
}

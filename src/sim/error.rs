//! Kubernetes API errors: every failure a simulated API server reports is an
//! [`ApiError`], rendered on the wire as a `Status` object whose `code`,
//! `reason` and `details` are what a real API server sends (clients such as
//! kubectl tell 409 AlreadyExists from 409 Conflict only by `reason`).

use super::resources::ResourceType;
use serde_json::{json, Value};

/// One cause of an Invalid (422) or Conflict (409) error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} ({code}): {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// `details` of the Status: name, group, kind, causes.
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// An error whose whole `Status` body was built elsewhere (patches and
    /// server-side apply know their exact wording).
    pub fn from_status(code: u16, reason: &'static str, status: &Value) -> Self {
        ApiError {
            code,
            reason,
            message: status
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            details: status.get("details").cloned(),
        }
    }

    /// `deployments.apps "web" not found`.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", rt.qualified_plural()),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// `namespaces "shop" not found`, for writes into a missing namespace.
    pub fn namespace_not_found(namespace: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        )
        .with_details(json!({"name": namespace, "kind": "namespaces"}))
    }

    /// An unknown path or resource.
    pub fn no_such_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", rt.qualified_plural()),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// A stale resourceVersion (optimistic concurrency).
    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                rt.qualified_plural()
            ),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// A conflict with causes (server-side apply field-manager conflicts).
    pub fn conflict_with_causes(message: String, causes: &[Cause]) -> Self {
        Self::new(409, "Conflict", message).with_details(json!({"causes": causes_json(causes)}))
    }

    /// 422: `Deployment.apps "bad" is invalid: spec.replicas: …`.
    pub fn invalid(rt: &ResourceType, name: &str, causes: &[Cause]) -> Self {
        let kind = if rt.group.is_empty() {
            rt.kind.clone()
        } else {
            format!("{}.{}", rt.kind, rt.group)
        };
        let summary: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let message = match summary.len() {
            1 => format!("{kind} \"{name}\" is invalid: {}", summary[0]),
            _ => format!("{kind} \"{name}\" is invalid: [{}]", summary.join(", ")),
        };
        Self::new(422, "Invalid", message).with_details(json!({
            "name": name, "group": rt.group, "kind": rt.kind, "causes": causes_json(causes)
        }))
    }

    /// 403: creating in a namespace that is being deleted.
    pub fn forbidden_terminating(rt: &ResourceType, name: &str, namespace: &str) -> Self {
        Self::new(
            403,
            "Forbidden",
            format!("{} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated", rt.qualified_plural()),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.plural}))
    }

    /// An admission webhook's denial (injected through the admin API).
    pub fn admission_denied(rt: &ResourceType, name: &str, message: &str) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("admission webhook \"sim.flotilla.io\" denied the request: {message}"),
        )
        .with_details(json!({"name": name, "group": rt.group, "kind": rt.kind,
            "causes": [{"reason": "FieldValueForbidden", "message": message, "field": ""}]}))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got {content_type}"))
    }

    /// 415 with a message saying why and what to do instead.
    pub fn unsupported_media_type_because(message: String) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 410 for a watch or list from a compacted resourceVersion.
    pub fn expired(requested: u64, current: u64) -> Self {
        Self::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({current})"),
        )
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// The `Status` object sent on the wire.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status
    }
}

fn causes_json(causes: &[Cause]) -> Value {
    causes
        .iter()
        .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::Registry;

    #[test]
    fn messages_match_what_kubectl_prints() {
        let reg = Registry::default();
        let deploy = reg.get("apps", "v1", "deployments").unwrap();
        let ns = reg.get("", "v1", "namespaces").unwrap();
        assert_eq!(
            ApiError::not_found(deploy, "web").message,
            "deployments.apps \"web\" not found"
        );
        assert_eq!(
            ApiError::already_exists(ns, "shop").message,
            "namespaces \"shop\" already exists"
        );
        let invalid = ApiError::invalid(
            deploy,
            "bad",
            &[Cause {
                reason: "FieldValueInvalid".into(),
                message: "Invalid value: -1: must be greater than or equal to 0".into(),
                field: "spec.replicas".into(),
            }],
        );
        assert_eq!(
            invalid.message,
            "Deployment.apps \"bad\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let status = invalid.to_status();
        assert_eq!(status["code"], 422);
        assert_eq!(status["details"]["causes"][0]["field"], "spec.replicas");
    }
}

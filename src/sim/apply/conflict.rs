//! Apply conflicts and the 409 the API server answers with, worded as
//! Kubernetes words them (`internal/conflict.go` of the apiserver's field
//! manager): `Apply failed with 1 conflict: conflict with
//! "kubectl-client-side-apply" using apps/v1: .spec.replicas`, or, for
//! several, one `conflicts with <manager>:` block per manager (managers in
//! identifier order) listing `- <field>` lines.

use super::fieldset::{path_string, FieldSet, Path};
use serde_json::{json, Value};

/// One field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The manager as messages name it: `"kubectl" with subresource
    /// "scale" using apps/v1`.
    pub manager: String,
    /// The field: `.spec.replicas`.
    pub field: String,
    /// Kubernetes' identifier of the manager's entry (the sort key).
    pub(super) identity: String,
    pub(super) path: Path,
}

/// The conflicts of a failed apply, ordered by manager then field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct Conflicts(pub Vec<Conflict>);

impl Conflicts {
    /// Conflicts from each manager's (identity, display name, fields).
    pub(super) fn new(mut per_manager: Vec<(String, String, FieldSet)>) -> Conflicts {
        per_manager.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        for (identity, manager, set) in per_manager {
            for path in set.paths() {
                out.push(Conflict {
                    manager: manager.clone(),
                    field: path_string(&path),
                    identity: identity.clone(),
                    path,
                });
            }
        }
        Conflicts(out)
    }

    /// The conflicts whose field is not in `allowed`.
    pub(super) fn without(&self, allowed: &FieldSet) -> Conflicts {
        Conflicts(
            self.0
                .iter()
                .filter(|c| !allowed.contains(&c.path))
                .cloned()
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `Status` message (kubectl prints it after `error: `).
    pub fn message(&self) -> String {
        if let [one] = self.0.as_slice() {
            return format!(
                "Apply failed with 1 conflict: conflict with {}: {}",
                one.manager, one.field
            );
        }
        let mut lines = Vec::new();
        let mut current: Option<&str> = None;
        for c in &self.0 {
            if current != Some(c.identity.as_str()) {
                lines.push(format!("conflicts with {}:", c.manager));
                current = Some(&c.identity);
            }
            lines.push(format!("- {}", c.field));
        }
        format!(
            "Apply failed with {} conflicts: {}",
            self.0.len(),
            lines.join("\n")
        )
    }

    /// `details.causes`: one `FieldManagerConflict` per field.
    pub fn causes(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|c| {
                    json!({"reason": "FieldManagerConflict",
                           "message": format!("conflict with {}", c.manager),
                           "field": c.field})
                })
                .collect(),
        )
    }

    /// The whole 409 `Status` body.
    pub fn status(&self) -> Value {
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "code": 409, "reason": "Conflict", "message": self.message(),
               "details": {"causes": self.causes()}})
    }
}

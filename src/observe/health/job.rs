//! Jobs: Complete is Healthy, Failed (or about to fail) is Degraded, and
//! anything else — running, suspended, waiting for pods — is Progressing.

use super::{condition, condition_text, condition_true, i64_at, Health};
use serde_json::Value;

pub(super) fn job(j: &Value) -> Health {
    for type_ in ["Failed", "FailureTarget"] {
        if condition_true(j, type_) {
            let text = condition(j, type_)
                .map(|c| condition_text(type_, c))
                .unwrap_or_default();
            return Health::degraded(text);
        }
    }
    if condition_true(j, "Complete") {
        return Health::healthy();
    }
    if j.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return Health::progressing("job is suspended");
    }
    let n = |field: &str| i64_at(j, &format!("/status/{field}")).unwrap_or(0);
    let done = match i64_at(j, "/spec/completions") {
        Some(c) => format!("{} of {c} completions", n("succeeded")),
        None => format!("{} succeeded", n("succeeded")),
    };
    Health::progressing(format!(
        "running: {} active, {done}, {} failed",
        n("active"),
        n("failed")
    ))
}

//! Status conditions as controllers write them: computed ones merged into
//! the current ones so that an unchanged condition keeps its times (as
//! stackable-operator's `compute_conditions` does, with `now` passed in).

use super::obj::{fmt_time, str_at};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// One condition as a controller computes it.
pub(crate) struct Cond<'a> {
    pub type_: &'a str,
    pub status: &'a str,
    pub reason: &'a str,
    pub message: String,
}

/// The object's `status.conditions`.
pub(crate) fn conditions(v: &Value) -> &[Value] {
    super::ptr::at(v, "/status/conditions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(crate) fn find_condition<'a>(conds: &'a [Value], type_: &str) -> Option<&'a Value> {
    conds.iter().find(|c| str_at(c, "/type") == Some(type_))
}

/// `new` as a condition object, keeping `lastTransitionTime` from `old`
/// when the status did not change and `lastUpdateTime` (written only when
/// `update_time`) when nothing changed, so that a controller run twice
/// writes the same thing.
pub(crate) fn merge_condition(
    old: Option<&Value>,
    new: &Cond<'_>,
    now: DateTime<Utc>,
    update_time: bool,
) -> Value {
    let now = fmt_time(now);
    let same_status = old.and_then(|o| str_at(o, "/status")) == Some(new.status);
    let unchanged = same_status
        && old.and_then(|o| str_at(o, "/reason")) == Some(new.reason)
        && old.and_then(|o| str_at(o, "/message")) == Some(new.message.as_str());
    let keep = |field: &str, keep: bool| -> Value {
        match old.and_then(|o| o.get(field)).filter(|_| keep) {
            Some(t) => t.clone(),
            None => Value::String(now.clone()),
        }
    };
    let mut c = Map::new();
    c.insert("type".into(), json!(new.type_));
    c.insert("status".into(), json!(new.status));
    if update_time {
        c.insert("lastUpdateTime".into(), keep("lastUpdateTime", unchanged));
    }
    c.insert(
        "lastTransitionTime".into(),
        keep("lastTransitionTime", same_status),
    );
    c.insert("reason".into(), json!(new.reason));
    c.insert("message".into(), json!(new.message));
    Value::Object(c)
}

/// Merges `new` conditions into the object's current ones, in the order
/// given; conditions of other types are kept after them.
pub(crate) fn merge_conditions(
    obj: &Value,
    new: &[Cond<'_>],
    now: DateTime<Utc>,
    update_time: bool,
) -> Vec<Value> {
    let old = conditions(obj);
    let mut out: Vec<Value> = new
        .iter()
        .map(|c| merge_condition(find_condition(old, c.type_), c, now, update_time))
        .collect();
    out.extend(
        old.iter()
            .filter(|o| !new.iter().any(|c| str_at(o, "/type") == Some(c.type_)))
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_keep_times_when_unchanged() {
        let t0 = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let t1 = t0 + chrono::Duration::seconds(10);
        let c = |status, reason: &'static str| Cond {
            type_: "Available",
            status,
            reason,
            message: "m".into(),
        };
        let first = merge_condition(None, &c("True", "A"), t0, true);
        let same = merge_condition(Some(&first), &c("True", "A"), t1, true);
        assert_eq!(first, same);
        let reason = merge_condition(Some(&first), &c("True", "B"), t1, true);
        assert_eq!(reason["lastTransitionTime"], first["lastTransitionTime"]);
        assert_ne!(reason["lastUpdateTime"], first["lastUpdateTime"]);
        let flipped = merge_condition(Some(&first), &c("False", "B"), t1, false);
        assert_eq!(flipped["lastTransitionTime"], json!(fmt_time(t1)));
        assert!(flipped.get("lastUpdateTime").is_none());
    }
}

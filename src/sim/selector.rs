//! Label and field selectors in their query-string form
//! (`app=web,tier in (a,b),!canary`; `metadata.name=web,status.phase!=Running`),
//! parsed once per request and matched against JSON objects or against
//! the [`Selectable`] extract the store keeps of each version.

use super::selectable::Selectable;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("unable to parse requirement: {0}")]
    Syntax(String),
    #[error("field label not supported: {0}")]
    UnsupportedField(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Exists,
    NotExists,
    Eq(String),
    NotEq(String),
    In(BTreeSet<String>),
    NotIn(BTreeSet<String>),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<(String, Op)>,
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(LabelSelector { requirements })
    }

    pub fn matches(&self, labels: Option<&serde_json::Map<String, Value>>) -> bool {
        self.matches_with(|k| labels.and_then(|l| l.get(k)).and_then(Value::as_str))
    }

    /// Matches a stored version by its labels.
    pub fn matches_selectable(&self, object: &Selectable) -> bool {
        self.matches_with(|k| object.label(k))
    }

    fn matches_with<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements.iter().all(|(key, op)| match op {
            Op::Exists => get(key).is_some(),
            Op::NotExists => get(key).is_none(),
            Op::Eq(v) => get(key) == Some(v.as_str()),
            Op::NotEq(v) => get(key) != Some(v.as_str()),
            Op::In(vs) => get(key).is_some_and(|l| vs.contains(l)),
            Op::NotIn(vs) => get(key).is_none_or(|l| !vs.contains(l)),
        })
    }

    /// Matches an object by its `metadata.labels`.
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(
            object
                .pointer("/metadata/labels")
                .and_then(Value::as_object),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Splits on commas that are not inside `( … )`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(part: &str) -> Result<(String, Op), SelectorError> {
    let syntax = || SelectorError::Syntax(part.to_string());
    if let Some(key) = part.strip_prefix('!') {
        return Ok((valid_key(key.trim(), part)?, Op::NotExists));
    }
    for (sep, neg) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((k, v)) = part.split_once(sep) {
            let key = valid_key(k.trim(), part)?;
            let value = v.trim().to_string();
            return Ok((key, if neg { Op::NotEq(value) } else { Op::Eq(value) }));
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 1 {
        return Ok((valid_key(words[0], part)?, Op::Exists));
    }
    let key = valid_key(words[0], part)?;
    let rest = words[1].trim();
    let (neg, set) = if let Some(s) = rest.strip_prefix("notin") {
        (true, s)
    } else if let Some(s) = rest.strip_prefix("in") {
        (false, s)
    } else {
        return Err(syntax());
    };
    let inner = set
        .trim()
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(syntax)?;
    let values: BTreeSet<String> = inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    Ok((
        key,
        if neg {
            Op::NotIn(values)
        } else {
            Op::In(values)
        },
    ))
}

fn valid_key(key: &str, part: &str) -> Result<String, SelectorError> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if ok {
        Ok(key.to_string())
    } else {
        Err(SelectorError::Syntax(part.to_string()))
    }
}

/// A parsed field selector: equality and inequality on supported fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<(String, bool, String)>,
}

/// Fields every resource can be selected by, and those particular kinds add
/// (the ones clients use: informers, `kubectl get pods --field-selector`).
pub(crate) fn supported(kind: &str, field: &str) -> bool {
    matches!(field, "metadata.name" | "metadata.namespace")
        || match kind {
            "Pod" => matches!(
                field,
                "spec.nodeName"
                    | "status.phase"
                    | "spec.schedulerName"
                    | "status.podIP"
                    | "spec.serviceAccountName"
                    | "spec.restartPolicy"
            ),
            "Event" => {
                field.starts_with("involvedObject.")
                    || matches!(field, "reason" | "type" | "source")
            }
            "Secret" => field == "type",
            "Node" => field == "spec.unschedulable",
            "Namespace" => field == "status.phase",
            "ReplicaSet" | "Job" => field == "status.replicas" || field == "status.successful",
            _ => false,
        }
}

impl FieldSelector {
    /// Parses `text` for objects of `kind`; unsupported fields are an error,
    /// as on a real API server.
    pub fn parse(text: &str, kind: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, neg, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, false, v)
            } else {
                return Err(SelectorError::Syntax(part.to_string()));
            };
            let field = field.trim();
            if !supported(kind, field) {
                return Err(SelectorError::UnsupportedField(field.to_string()));
            }
            requirements.push((field.to_string(), neg, value.trim().to_string()));
        }
        Ok(FieldSelector { requirements })
    }

    pub fn matches(&self, object: &Selectable) -> bool {
        self.requirements
            .iter()
            .all(|(field, neg, value)| (object.field(field) == value) != *neg)
    }

    /// The name this selector pins, if it has `metadata.name=<n>`.
    pub fn pinned_name(&self) -> Option<&str> {
        self.requirements
            .iter()
            .find(|(f, neg, _)| f == "metadata.name" && !neg)
            .map(|(_, _, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors_match_like_kubernetes() {
        let obj = json!({"metadata": {"labels": {"app": "web", "tier": "front"}}});
        let cases = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app!=api", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("missing notin (x)", true),
            ("app", true),
            ("!app", false),
            ("!canary", true),
            ("app=web,tier in (back)", false),
            ("app=web,tier in (back,front),!canary", true),
        ];
        for (sel, want) in cases {
            let s = LabelSelector::parse(sel).unwrap();
            assert_eq!(s.matches_object(&obj), want, "{sel}");
            assert_eq!(s.matches_selectable(&Selectable::of(&obj)), want, "{sel}");
        }
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for bad in ["app in web", "a b c", "=web", "app in (a"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selectors_support_the_documented_fields_only() {
        let pod = json!({"metadata": {"name": "p", "namespace": "d"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let pod = Selectable::of(&pod);
        let s = FieldSelector::parse("spec.nodeName=n1,status.phase!=Pending", "Pod").unwrap();
        assert!(s.matches(&pod));
        assert!(!FieldSelector::parse("metadata.name=q", "Pod")
            .unwrap()
            .matches(&pod));
        assert!(FieldSelector::parse("status.podIP=", "Pod")
            .unwrap()
            .matches(&pod));
        assert_eq!(
            FieldSelector::parse("metadata.name=p", "Pod")
                .unwrap()
                .pinned_name(),
            Some("p")
        );
        assert_eq!(
            FieldSelector::parse("spec.nodeName=n1", "Deployment"),
            Err(SelectorError::UnsupportedField("spec.nodeName".into()))
        );
    }

    #[test]
    fn every_supported_field_is_kept_by_the_store() {
        let kinds = [
            "Pod",
            "Event",
            "Secret",
            "Node",
            "Namespace",
            "ReplicaSet",
            "Job",
            "Deployment",
        ];
        let fields = [
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "status.phase",
            "spec.schedulerName",
            "status.podIP",
            "spec.serviceAccountName",
            "spec.restartPolicy",
            "involvedObject.name",
            "reason",
            "type",
            "source",
            "spec.unschedulable",
            "status.replicas",
            "status.successful",
        ];
        for kind in kinds {
            for field in fields {
                if supported(kind, field) {
                    assert!(crate::sim::selectable::kept(field), "{kind} {field}");
                }
            }
        }
    }
}

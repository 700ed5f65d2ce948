//! JSON Schemas for every kind flotilla reads, and structural validation
//! against them.
//!
//! The schemas are generated from the Rust types (schemars), post-processed
//! for editors (constant `apiVersion`/`kind`, optional fields not nullable)
//! and committed under `schema/`; a test fails when the committed files are
//! stale. Validation errors become diagnostics at the offending node, with
//! the nearest valid name for an unknown field or enum value.

use super::check::Checker;
use super::diag::Code;
use super::kinds::KnownKind;
use jsonschema::error::ValidationErrorKind;
use jsonschema::Validator;
use serde_json::Value;
use std::sync::OnceLock;

/// The schema of `kind`, as committed under `schema/`.
pub fn schema_of(kind: KnownKind) -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let mut schema = kind.generate(settings.into_generator()).to_value();
    simplify_nullable(&mut schema);
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "apiVersion".into(),
            serde_json::json!({ "const": kind.api_version() }),
        );
        props.insert("kind".into(), serde_json::json!({ "const": kind.kind() }));
    }
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            Value::String(format!("{} ({})", kind.kind(), kind.api_version())),
        );
        obj.insert(
            "$id".into(),
            Value::String(format!(
                "https://flotilla.io/schema/{}",
                kind.schema_file_name()
            )),
        );
    }
    schema
}

/// Optional fields are written as "absent", never `null`, in Git: drop the
/// `null` alternatives schemars adds for `Option<T>`, so errors talk about the
/// real type. (Instances have their nulls stripped before validation.)
fn simplify_nullable(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            if let Some(Value::Array(types)) = obj.get("type") {
                let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                if kept.len() == 1 {
                    obj.insert("type".into(), kept[0].clone());
                } else {
                    obj.insert("type".into(), Value::Array(kept));
                }
            }
            let replacement = obj.get("anyOf").and_then(Value::as_array).and_then(|alts| {
                let non_null: Vec<&Value> = alts
                    .iter()
                    .filter(|a| a.get("type") != Some(&Value::from("null")))
                    .collect();
                (non_null.len() == 1 && alts.len() == 2).then(|| non_null[0].clone())
            });
            if let Some(Value::Object(inner)) = replacement {
                obj.remove("anyOf");
                for (k, val) in inner {
                    obj.entry(k).or_insert(val);
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.retain(|x| !x.is_null());
            }
            for child in obj.values_mut() {
                simplify_nullable(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(simplify_nullable),
        _ => {}
    }
}

/// Removes `null` members of objects: in Kubernetes YAML, `field: null` and
/// `field:` mean "not set".
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            obj.retain(|_, x| !x.is_null());
            obj.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

struct Compiled {
    schema: Value,
    validator: Option<Validator>,
}

fn compiled(kind: KnownKind) -> &'static Compiled {
    static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        KnownKind::ALL
            .iter()
            .map(|&k| {
                let schema = schema_of(k);
                // The schemas are generated from our own types; failing to
                // compile one is a bug caught by the schema tests, and then
                // validation falls back to the typed parse alone.
                let validator = jsonschema::validator_for(&schema).ok();
                Compiled { schema, validator }
            })
            .collect()
    });
    &all[kind.index()]
}

/// Validates `instance` (nulls already stripped) against the kind's schema and
/// reports every violation; returns whether it is valid.
pub fn validate(kind: KnownKind, instance: &Value, cx: &mut Checker<'_>) -> bool {
    let c = compiled(kind);
    let Some(validator) = &c.validator else {
        return true;
    };
    let mut valid = true;
    for error in validator.iter_errors(instance) {
        valid = false;
        let pointer = error.instance_path().as_str().to_string();
        let schema_path = error.schema_path().as_str().to_string();
        report(
            &c.schema,
            &pointer,
            &schema_path,
            error.kind(),
            instance,
            cx,
        );
    }
    valid
}

fn report(
    schema: &Value,
    pointer: &str,
    schema_path: &str,
    kind: &ValidationErrorKind,
    instance: &Value,
    cx: &mut Checker<'_>,
) {
    let at = dotted(pointer);
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let parent = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
            let known: Vec<String> = schema
                .pointer(parent)
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            for key in unexpected {
                let field_ptr = format!("{pointer}/{}", super::common::escape_pointer(key));
                let location = cx.key_location(&field_ptr);
                let where_ = if at.is_empty() {
                    "the top level".to_string()
                } else {
                    format!("`{at}`")
                };
                let mut d = super::diag::Diagnostic::error(
                    Code::UnknownField,
                    location,
                    format!("unknown field `{key}` in {where_}"),
                );
                d.help = Some(match nearest(key, &known) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None if known.is_empty() => "remove it".to_string(),
                    None => format!("valid fields here: {}", known.join(", ")),
                });
                cx.diagnostics.push(d);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let where_ = if at.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{at}`")
            };
            cx.error(
                Code::MissingField,
                pointer,
                format!("missing required field `{name}` in {where_}"),
            )
            .help(format!("add `{name}`"));
        }
        ValidationErrorKind::Type { kind } => {
            let found = instance
                .pointer(pointer)
                .map(type_name)
                .unwrap_or("nothing");
            let want = format!("{kind:?}")
                .to_lowercase()
                .replace("single(", "")
                .replace(')', "");
            cx.error(
                Code::WrongType,
                pointer,
                format!("`{at}` must be {}, found {found}", article(&want)),
            )
            .help(format!("write {} here", article(&want)));
        }
        ValidationErrorKind::Enum { options }
        | ValidationErrorKind::Constant {
            expected_value: options,
        } => {
            let allowed: Vec<String> = match options.as_ref() {
                Value::Array(a) => a.iter().map(render_value).collect(),
                other => vec![render_value(other)],
            };
            let found = instance
                .pointer(pointer)
                .map(render_value)
                .unwrap_or_default();
            let d = cx.error(
                Code::InvalidValue,
                pointer,
                format!(
                    "`{at}` must be one of {}, found {found}",
                    allowed.join(", ")
                ),
            );
            let plain: Vec<String> = allowed
                .iter()
                .map(|s| s.trim_matches('"').to_string())
                .collect();
            if let Some(n) = nearest(found.trim_matches('"'), &plain) {
                d.help(format!("did you mean `{n}`?"));
            }
        }
        other => {
            let found = instance
                .pointer(pointer)
                .map(render_value)
                .unwrap_or_default();
            cx.error(
                Code::InvalidValue,
                pointer,
                format!("`{at}` is invalid ({}): {found}", keyword_message(other)),
            );
        }
    }
}

fn keyword_message(kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::MinItems { limit } => format!("needs at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("takes at most {limit} items"),
        ValidationErrorKind::MinLength { limit } => format!("needs at least {limit} characters"),
        ValidationErrorKind::Pattern { pattern } => format!("must match `{pattern}`"),
        ValidationErrorKind::Format { format } => format!("must be a valid {format}"),
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
            "matches none of the allowed forms".into()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one allowed form".into()
        }
        _ => "not allowed here".into(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        other => format!("a {other}"),
    }
}

fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// `/spec/placement/clusterTolerations/0/key` → `spec.placement.clusterTolerations[0].key`.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// The closest candidate by edit distance, if close enough to be a typo.
pub fn nearest(word: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c.clone())
}

/// Every schema as `(file name, pretty JSON)`, for `schema/` and its staleness test.
pub fn all_schema_files() -> Vec<(String, String)> {
    KnownKind::ALL
        .iter()
        .map(|&k| {
            let text = serde_json::to_string_pretty(&schema_of(k)).unwrap_or_default() + "\n";
            (k.schema_file_name(), text)
        })
        .collect()
}

//! Loading: repository files → parsed documents → typed objects and
//! templates → a validated [`Repository`], with every problem found on the
//! way as a diagnostic.
//!
//! Steps, each reporting and moving on: decode UTF-8, parse YAML (positions,
//! duplicate keys, alias budget), split documents and `List`s, check identity
//! (apiVersion, kind, metadata.name), validate typed kinds against their JSON
//! Schema, deserialize, run each kind's own checks, then the cross-object
//! checks (duplicate identities, cluster references, override targets).

use super::check::Checker;
use super::diag::{self, Code, Diagnostic, Location};
use super::kinds::KnownKind;
use super::repository::Repository;
use super::template::{Scopes, Template};
use super::yaml::{self, Node, NodeValue, YamlProblemKind};
use super::{schema, validate};
use serde_json::Value;
use std::collections::BTreeMap;

/// Limits the loader enforces.
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    pub max_objects: usize,
    pub max_alias_nodes: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_objects: 200_000,
            max_alias_nodes: 100_000,
        }
    }
}

/// The result of loading: the model (complete only when `diagnostics` has no
/// error), the diagnostics, and the texts of the files for excerpts.
#[derive(Debug, Default)]
pub struct Loaded {
    pub repository: Repository,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: BTreeMap<String, String>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        diag::has_errors(&self.diagnostics)
    }
}

/// One object of a YAML file, before classification.
pub(crate) struct RawObject {
    pub path: String,
    pub node: Node,
    pub json: Value,
}

/// Loads a repository from its files (repo-relative path, bytes).
pub fn load<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    limits: &LoadLimits,
) -> Loaded {
    let mut loaded = Loaded::default();
    let mut raw = Vec::new();
    for (path, bytes) in files {
        parse_file(path, bytes, limits, &mut raw, &mut loaded);
    }
    if raw.len() > limits.max_objects {
        let at = raw[limits.max_objects].path.clone();
        loaded.diagnostics.push(
            Diagnostic::error(
                Code::RepositoryTooLarge,
                Location::file(at),
                format!(
                    "repository has {} objects, over the limit of {}",
                    raw.len(),
                    limits.max_objects
                ),
            )
            .with_help(
                "split the fleet into several repositories, or narrow `roots` in flotilla.yaml",
            ),
        );
        raw.truncate(limits.max_objects);
    }
    let scopes = Scopes::from_manifests(raw.iter().map(|r| &r.json));
    let mut kept_nodes = Vec::new();
    for object in raw {
        classify(object, &scopes, &mut loaded, &mut kept_nodes);
    }
    validate::cross_check(&mut loaded, &kept_nodes, &scopes);
    loaded.repository.sort();
    diag::sort(&mut loaded.diagnostics);
    loaded
}

fn parse_file(
    path: &str,
    bytes: &[u8],
    limits: &LoadLimits,
    raw: &mut Vec<RawObject>,
    loaded: &mut Loaded,
) {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count() as u32
                + 1;
            loaded.diagnostics.push(
                Diagnostic::error(
                    Code::NotUtf8,
                    Location {
                        path: path.into(),
                        line,
                        col,
                    },
                    "file is not valid UTF-8",
                )
                .with_help("save the file as UTF-8"),
            );
            return;
        }
    };
    loaded.sources.insert(path.to_string(), text.to_string());
    let stream = match yaml::parse_stream(text, limits.max_alias_nodes) {
        Ok(s) => s,
        Err(p) => {
            let (code, help) = match p.kind {
                YamlProblemKind::AliasLimit => (Code::AliasLimit, "expand the aliases by hand; deeply nested aliases are refused to protect the reconciler"),
                _ => (Code::YamlSyntax, "fix the YAML syntax at this position"),
            };
            loaded.diagnostics.push(
                Diagnostic::error(
                    code,
                    Location {
                        path: path.into(),
                        line: p.pos.line,
                        col: p.pos.col,
                    },
                    format!("invalid YAML: {}", p.message),
                )
                .with_help(help),
            );
            return;
        }
    };
    for p in stream.problems {
        loaded.diagnostics.push(
            Diagnostic::error(
                Code::DuplicateKey,
                Location {
                    path: path.into(),
                    line: p.pos.line,
                    col: p.pos.col,
                },
                p.message,
            )
            .with_help("remove one of the two keys"),
        );
    }
    for doc in stream.documents {
        match &doc.value {
            NodeValue::Null => {}
            NodeValue::Map(_) => push_object(path, doc, raw, loaded),
            _ => loaded.diagnostics.push(
                Diagnostic::error(Code::NotAnObject, Location { path: path.into(), line: doc.pos.line, col: doc.pos.col }, "document is not a mapping")
                    .with_help("each YAML document must be a Kubernetes object: a mapping with apiVersion, kind and metadata"),
            ),
        }
    }
}

/// Adds a document, expanding `kind: List` into its items.
fn push_object(path: &str, node: Node, raw: &mut Vec<RawObject>, loaded: &mut Loaded) {
    let is_list = node.get("kind").map(|k| k.to_json()) == Some(Value::from("List"))
        && node.get("apiVersion").map(|k| k.to_json()) == Some(Value::from("v1"));
    if is_list {
        if let Some(NodeValue::Seq(items)) = node.get("items").map(|n| &n.value) {
            for item in items {
                match item.value {
                    NodeValue::Map(_) => push_object(path, item.clone(), raw, loaded),
                    _ => loaded.diagnostics.push(Diagnostic::error(
                        Code::NotAnObject,
                        Location {
                            path: path.into(),
                            line: item.pos.line,
                            col: item.pos.col,
                        },
                        "list item is not a mapping",
                    )),
                }
            }
        }
        return;
    }
    let json = node.to_json();
    raw.push(RawObject {
        path: path.to_string(),
        node,
        json,
    });
}

/// The identity fields every object needs; reports what is missing.
fn identity<'v>(o: &'v RawObject, cx: &mut Checker<'_>) -> Option<(&'v str, &'v str, &'v str)> {
    let field = |ptr: &str| {
        o.json
            .pointer(ptr)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (api_version, kind, mut name) = (
        field("/apiVersion"),
        field("/kind"),
        field("/metadata/name"),
    );
    // Settings are a singleton (`flotilla.yaml`); their name is optional.
    if name.is_none()
        && KnownKind::from_type(api_version.unwrap_or_default(), kind.unwrap_or_default())
            == Some(KnownKind::Settings)
    {
        name = Some("flotilla");
    }
    for (ptr, value, what) in [
        ("/apiVersion", api_version, "apiVersion"),
        ("/kind", kind, "kind"),
        ("/metadata/name", name, "metadata.name"),
    ] {
        if value.is_none() {
            cx.error(
                Code::MissingIdentity,
                ptr,
                format!("object has no `{what}` (or it is not a non-empty string)"),
            )
            .help("every object needs `apiVersion`, `kind` and `metadata.name`");
        }
    }
    Some((api_version?, kind?, name?))
}

fn classify(
    o: RawObject,
    scopes: &Scopes,
    loaded: &mut Loaded,
    kept: &mut Vec<validate::KeptNode>,
) {
    let mut cx = Checker::new(&o.path, &o.node);
    let Some((api_version, kind, _name)) = identity(&o.json, &mut cx) else {
        loaded.diagnostics.append(&mut cx.diagnostics);
        return;
    };
    let (api_version, kind) = (api_version.to_string(), kind.to_string());
    // The object is consumed here: its JSON moves into the repository and,
    // for typed kinds, its tree into `kept`, so nothing is deep-copied.
    let mut kept_kind = None;
    match KnownKind::from_type(&api_version, &kind) {
        Some(k) => {
            let index = typed(k, o.json, &o.path, &mut cx, &mut loaded.repository);
            kept_kind = index.map(|index| (k, index));
        }
        None if is_flotilla_group(&api_version) => unknown_kind(&api_version, &kind, &mut cx),
        None => template(
            o.json,
            &api_version,
            &kind,
            scopes,
            &mut cx,
            &mut loaded.repository,
        ),
    }
    loaded.diagnostics.append(&mut cx.diagnostics);
    if let Some((kind, index)) = kept_kind {
        kept.push(validate::KeptNode {
            kind,
            index,
            path: o.path,
            node: o.node,
        });
    }
}

/// Groups whose kinds flotilla models: an unknown kind there is a mistake,
/// not a template to send to clusters.
fn is_flotilla_group(api_version: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or_default();
    [
        "policy.karmada.io",
        "cluster.karmada.io",
        "autoscaling.karmada.io",
        "config.karmada.io",
        "flotilla.io",
    ]
    .contains(&group)
}

fn unknown_kind(api_version: &str, kind: &str, cx: &mut Checker<'_>) {
    let group = api_version.split('/').next().unwrap_or_default();
    let candidates = KnownKind::in_group(group);
    if let Some(k) = candidates.iter().find(|k| k.kind() == kind) {
        cx.error(
            Code::InvalidValue,
            "/apiVersion",
            format!("`{kind}` is not served as `{api_version}`"),
        )
        .help(format!("use `apiVersion: {}`", k.api_version()));
        return;
    }
    let names: Vec<String> = candidates.iter().map(|k| k.kind().to_string()).collect();
    let d = cx.error(
        Code::InvalidValue,
        "/kind",
        format!("flotilla does not support kind `{kind}` of `{api_version}`"),
    );
    match schema::nearest(kind, &names) {
        Some(n) => d.help(format!("did you mean `{n}`?")),
        None => d.help(format!(
            "supported kinds of this group: {}",
            names.join(", ")
        )),
    };
}

/// Validates and deserializes one of flotilla's kinds; returns its index in
/// the repository's list for that kind.
fn typed(
    k: KnownKind,
    mut json: Value,
    path: &str,
    cx: &mut Checker<'_>,
    repo: &mut Repository,
) -> Option<usize> {
    schema::strip_nulls(&mut json);
    if !schema::validate(k, &json, cx) {
        return None;
    }
    let namespace = metadata(&json, "namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    if k.namespaced() {
        if namespace.is_none() {
            // kubectl puts an object without a namespace into `default`.
            if let Some(meta) = json.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("namespace".into(), Value::from("default"));
            }
        }
    } else if namespace.is_some() {
        cx.error(
            Code::InvalidValue,
            "/metadata/namespace",
            format!("{} is cluster-scoped and has no namespace", k.kind()),
        )
        .help("remove `metadata.namespace`");
        return None;
    }
    if k == KnownKind::Settings && path != "flotilla.yaml" {
        cx.error(
            Code::InvalidSettings,
            "/kind",
            "Settings must be in `flotilla.yaml` at the repository root",
        )
        .help("move this object to flotilla.yaml");
        return None;
    }
    let location = cx.location("");
    repo.push_typed(k, json, location, cx)
}

fn template(
    mut manifest: Value,
    api_version: &str,
    kind: &str,
    scopes: &Scopes,
    cx: &mut Checker<'_>,
    repo: &mut Repository,
) {
    let name = metadata(&manifest, "name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let namespace = if scopes.namespaced(api_version, kind) {
        let ns = metadata(&manifest, "namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
            .to_string();
        if let Err(why) = super::common::validate_dns_subdomain(&ns) {
            cx.error(
                Code::InvalidValue,
                "/metadata/namespace",
                format!("invalid namespace: {why}"),
            );
            return;
        }
        if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("namespace".into(), Value::from(ns.clone()));
        }
        Some(ns)
    } else {
        if metadata(&manifest, "namespace").is_some() {
            cx.warning(
                Code::InvalidValue,
                "/metadata/namespace",
                format!("{kind} is cluster-scoped; its namespace is ignored"),
            )
            .help("remove `metadata.namespace`");
            if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("namespace");
            }
        }
        None
    };
    let labels = string_map(&manifest, "labels", cx, true);
    string_map(&manifest, "annotations", cx, false);
    let location = cx.location("");
    let id = super::common::ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace,
        name,
    };
    repo.templates.push(Template {
        id,
        labels,
        manifest,
        location,
    });
}

/// `metadata.<field>` of an object. Every object is asked for a few of
/// these, so this avoids parsing a JSON pointer (and its allocations) each time.
fn metadata<'v>(object: &'v Value, field: &str) -> Option<&'v Value> {
    object.get("metadata")?.get(field)
}

/// Reads the `map[string]string` field `metadata.<field>`, reporting
/// non-string values (a classic: `version: 1` in labels) and invalid label
/// keys/values.
fn string_map(
    manifest: &Value,
    field: &str,
    cx: &mut Checker<'_>,
    labels: bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(value) = metadata(manifest, field) else {
        return out;
    };
    let ptr = || format!("/metadata/{field}");
    let Some(map) = value.as_object() else {
        if !value.is_null() {
            cx.error(
                Code::WrongType,
                &ptr(),
                format!("`{}` must be a mapping of strings", schema::dotted(&ptr())),
            );
        }
        return out;
    };
    for (k, v) in map {
        // Only built when there is something to report.
        let at = || format!("{}/{}", ptr(), super::common::escape_pointer(k));
        match v.as_str() {
            Some(s) => {
                if labels {
                    if let Err(why) = super::common::validate_qualified_name(k) {
                        cx.error(
                            Code::InvalidValue,
                            &at(),
                            format!("invalid label key `{k}`: {why}"),
                        );
                    } else if let Err(why) = super::common::validate_label_value(s) {
                        cx.error(
                            Code::InvalidValue,
                            &at(),
                            format!("invalid label value `{s}`: {why}"),
                        );
                    }
                }
                out.insert(k.clone(), s.to_string());
            }
            None => {
                let at = at();
                cx.error(
                    Code::WrongType,
                    &at,
                    format!("`{}` must be a string, found {v}", schema::dotted(&at)),
                )
                .help(format!(
                    "quote it: `{k}: \"{}\"`",
                    v.to_string().trim_matches('"')
                ));
            }
        }
    }
    out
}

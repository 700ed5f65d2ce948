//! Loading: repository files → parsed documents → typed objects and
//! templates → a validated [`Repository`], with every problem found on the
//! way as a diagnostic.
//!
//! Steps, each reporting and moving on: decode UTF-8, parse YAML (positions,
//! duplicate keys, alias budget), split documents and `List`s (all in
//! [`super::parse`], file by file, in parallel when allowed), check identity
//! (apiVersion, kind, metadata.name), validate typed kinds against their JSON
//! Schema, deserialize, run each kind's own checks, then the cross-object
//! checks (duplicate identities, cluster references, override targets).

use super::check::Checker;
use super::diag::{self, Code, Diagnostic, Location};
use super::kinds::KnownKind;
use super::parse::{self, RawObject};
use super::repository::Repository;
use super::template::{self, metadata, CheckedTemplate, Scopes};
use super::yaml::Positions;
use super::{schema, validate};
use serde_json::Value;
use std::collections::BTreeMap;

/// Limits the loader enforces, and how many threads it may use.
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    pub max_objects: usize,
    pub max_alias_nodes: usize,
    /// At most this many threads parse files (1, the default: only the
    /// caller's thread). Only the speed depends on it, never the result.
    pub parse_threads: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_objects: 200_000,
            max_alias_nodes: 100_000,
            parse_threads: 1,
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

/// Loads a repository from its files (repo-relative path, bytes).
pub fn load<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    limits: &LoadLimits,
) -> Loaded {
    let files: Vec<(&str, &[u8])> = files.into_iter().collect();
    let mut loaded = Loaded::default();
    let mut raw = Vec::new();
    for parsed in parse::parse_files(&files, limits) {
        loaded.sources.extend(parsed.source);
        loaded.diagnostics.extend(parsed.diagnostics);
        raw.extend(parsed.objects);
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

/// The identity fields every object needs; reports what is missing.
fn identity<'v>(json: &'v Value, cx: &mut Checker<'_>) -> Option<(&'v str, &'v str, &'v str)> {
    let non_empty = |v: Option<&'v Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty());
    let (api_version, kind, mut name) = (
        non_empty(json.get("apiVersion")),
        non_empty(json.get("kind")),
        non_empty(metadata(json, "name")),
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

/// What classification made of an object, once its checks are done.
enum Classified {
    /// A typed object, at this index of its kind's list in the repository.
    Typed(KnownKind, usize),
    Template(CheckedTemplate),
    /// Rejected; the diagnostics say why.
    Nothing,
}

fn classify(
    o: RawObject,
    scopes: &Scopes,
    loaded: &mut Loaded,
    kept: &mut Vec<validate::KeptNode>,
) {
    let mut cx = Checker::new(&o.path, Positions::new(&o.json, &o.spans));
    let Some((api_version, kind, _name)) = identity(&o.json, &mut cx) else {
        loaded.diagnostics.append(&mut cx.diagnostics);
        return;
    };
    let classified = match KnownKind::from_type(api_version, kind) {
        // Typed kinds are deserialized from a copy: the object as parsed is
        // kept for the cross checks to point into.
        Some(k) => typed(k, o.json.clone(), &o.path, &mut cx, &mut loaded.repository)
            .map_or(Classified::Nothing, |index| Classified::Typed(k, index)),
        None if is_flotilla_group(api_version) => {
            unknown_kind(api_version, kind, &mut cx);
            Classified::Nothing
        }
        None => template::check(&o.json, api_version, kind, scopes, &mut cx)
            .map_or(Classified::Nothing, Classified::Template),
    };
    loaded.diagnostics.append(&mut cx.diagnostics);
    // The checks are done with the object as parsed; now it can move.
    match classified {
        Classified::Typed(kind, index) => kept.push(validate::KeptNode {
            kind,
            index,
            path: o.path,
            json: o.json,
            spans: o.spans,
        }),
        Classified::Template(t) => loaded.repository.templates.push(t.into_template(o.json)),
        Classified::Nothing => {}
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

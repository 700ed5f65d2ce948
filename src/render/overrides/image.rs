//! The image overrider: parses container image references as Karmada does
//! (distribution's reference grammar, then Karmada's own registry split) and
//! changes their registry, repository or tag.
//!
//! Karmada details kept on purpose, because they decide the output:
//! - the registry is the part before the first `/` only when it contains
//!   `.` or `:` or is `localhost` (`team/app` has no registry);
//! - a reference with both a tag and a digest keeps only the tag once it is
//!   rewritten;
//! - a Tag `add`/`replace` whose result is neither a tag nor a digest is
//!   silently ignored;
//! - every rewritten image is parsed again by the next overrider, so an
//!   invalid result (`registry:5000/:v2`) fails there;
//! - without a predicate only `containers` (not `initContainers`) of a Pod,
//!   ReplicaSet, Deployment, DaemonSet, StatefulSet or Job are rewritten.

use super::image_ref::parse;
use crate::gojson::patch::{self, Op, Operation};
use crate::model::kinds::override_policy::{ImageComponent, ImageOverrider, OverriderOperator};
use serde_json::Value;
/// The image after one overrider, or why the current one cannot be parsed.
pub(crate) fn override_image(current: &str, o: &ImageOverrider) -> Result<String, String> {
    let mut r = parse(current)
        .map_err(|e| format!("failed to parse image value({current}), error: {e}"))?;
    use OverriderOperator::*;
    match (o.component, o.operator) {
        (ImageComponent::Registry, Add) => r.hostname.push_str(&o.value),
        (ImageComponent::Registry, Replace) => r.hostname = o.value.clone(),
        (ImageComponent::Registry, Remove) => r.hostname.clear(),
        (ImageComponent::Repository, Add) => r.repository.push_str(&o.value),
        (ImageComponent::Repository, Replace) => r.repository = o.value.clone(),
        (ImageComponent::Repository, Remove) => r.repository.clear(),
        (ImageComponent::Tag, Add) => {
            let joined = if r.tag.is_empty() {
                format!("{}{}", r.digest, o.value)
            } else {
                format!("{}{}", r.tag, o.value)
            };
            r.set_tag_or_digest(&joined);
        }
        (ImageComponent::Tag, Replace) => r.set_tag_or_digest(&o.value),
        (ImageComponent::Tag, Remove) => {
            if !r.tag.is_empty() {
                r.tag.clear();
            } else {
                r.digest.clear();
            }
        }
    }
    Ok(r.to_string())
}

/// Applies one image overrider to `doc`.
pub(crate) fn apply(doc: &mut Value, o: &ImageOverrider) -> Result<(), String> {
    let patches = match &o.predicate {
        None => patches_without_predicate(doc, o)?,
        Some(pred) => {
            let image = obtain_image(doc, &pred.path).map_err(|e| match e {
                Obtain::Err(e) => format!(
                    "failed to obtain imageValue with predicate path({}), error: {e}",
                    pred.path
                ),
                Obtain::Panic(e) => format!(
                    "predicate path({}) cannot be followed: {e} (Karmada v1.14 panics here)",
                    pred.path
                ),
            })?;
            if !pred.path.starts_with('/') {
                return Err("imagePath should be start with / character".into());
            }
            vec![Operation {
                op: Op::Replace,
                path: pred.path.clone(),
                value: override_image(&image, o)?.into(),
            }]
        }
    };
    patch::apply(doc, &patches)
}

fn patches_without_predicate(doc: &Value, o: &ImageOverrider) -> Result<Vec<Operation>, String> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    let prefix = match kind {
        "Pod" => "/spec",
        "ReplicaSet" | "Deployment" | "DaemonSet" | "StatefulSet" | "Job" => "/spec/template/spec",
        _ => return Ok(Vec::new()),
    };
    let convert_err =
        |why: &str| format!("failed to convert {kind} from unstructured object: {why}");
    let containers = match doc.pointer(&format!("{prefix}/containers")) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(convert_err("containers is not an array")),
    };
    let mut out = Vec::with_capacity(containers.len());
    for (i, c) in containers.iter().enumerate() {
        // The typed conversion reads a missing image as "".
        let image = match c.get("image") {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(convert_err("a container image is not a string")),
        };
        if !c.is_object() {
            return Err(convert_err("a container is not an object"));
        }
        let value = override_image(image, o)?;
        out.push(Operation {
            op: Op::Replace,
            path: format!("{prefix}/containers/{i}/image"),
            value: value.into(),
        });
    }
    Ok(out)
}

enum Obtain {
    Err(String),
    /// Where Karmada's `obtainImageValue` indexes or asserts without checking.
    Panic(String),
}

/// Karmada's `obtainImageValue`: walks `/`-separated segments (not JSON
/// pointer unescaped), an array segment consuming the following index.
fn obtain_image(doc: &Value, path: &str) -> Result<String, Obtain> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut cur = doc
        .as_object()
        .ok_or_else(|| Obtain::Err("the manifest is not an object".into()))?;
    let mut i = 0;
    while let (Some(&seg), Some(&next)) = (segments.get(i), segments.get(i + 1)) {
        match cur.get(seg) {
            Some(Value::Object(m)) => cur = m,
            Some(Value::Array(items)) => {
                let index: i32 = parse_int32(next).ok_or_else(|| {
                    Obtain::Err(format!("path({next}) of rawObj's is not number"))
                })?;
                let item = usize::try_from(index)
                    .ok()
                    .and_then(|ix| items.get(ix))
                    .ok_or_else(|| {
                        Obtain::Panic(format!(
                            "index out of range [{index}] with length {}",
                            items.len()
                        ))
                    })?;
                cur = item
                    .as_object()
                    .ok_or_else(|| Obtain::Panic(format!("element {index} is not an object")))?;
                i += 1;
            }
            _ => {
                return Err(Obtain::Err(format!(
                "path({seg}) of rawObj's type is not map[string]interface{{}} and []interface{{}}"
            )))
            }
        }
        i += 1;
    }
    let last = segments.last().copied().unwrap_or_default();
    match cur.get(last) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(Obtain::Err(format!(
            "failed to convert path({last}) to string"
        ))),
    }
}

/// Go's `strconv.ParseInt(s, 10, 32)`.
fn parse_int32(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn io(component: ImageComponent, operator: OverriderOperator, value: &str) -> ImageOverrider {
        ImageOverrider {
            predicate: None,
            component,
            operator,
            value: value.into(),
        }
    }

    #[test]
    fn override_table() {
        use ImageComponent::*;
        use OverriderOperator::*;
        let digest =
            "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31";
        let cases: &[(&str, ImageOverrider, &str)] = &[
            (
                "registry.k8s.io/pause:3.9",
                io(Tag, Add, "stable"),
                "registry.k8s.io/pause:3.9stable",
            ),
            ("busybox", io(Tag, Add, "stable"), "busybox:stable"),
            (
                "busybox:stable",
                io(Registry, Replace, "harbor.example.com"),
                "harbor.example.com/busybox:stable",
            ),
            (
                "gcr.io/proj/sub/app:latest",
                io(Repository, Add, "team/app"),
                "gcr.io/proj/sub/appteam/app:latest",
            ),
            (
                "gcr.io/proj/app:latest",
                io(Registry, Add, ".mirror"),
                "gcr.io.mirror/proj/app:latest",
            ),
            (
                "nginx:stable",
                io(Registry, Add, ".mirror"),
                ".mirror/nginx:stable",
            ),
            (
                "docker.io/library/nginx:1.27",
                io(Registry, Remove, ""),
                "library/nginx:1.27",
            ),
            (
                "myregistry.local:5000/team/app:v2",
                io(Repository, Remove, ""),
                "myregistry.local:5000/:v2",
            ),
            (digest, io(Tag, Add, "v9"), digest),
            (digest, io(Tag, Remove, ""), "nginx"),
            (digest, io(Tag, Replace, "1.28"), "nginx:1.28"),
            ("nginx:1.27", io(Tag, Replace, "bad tag!"), "nginx:1.27"),
        ];
        for (image, o, want) in cases {
            assert_eq!(
                override_image(image, o).as_deref(),
                Ok(*want),
                "{image} {o:?}"
            );
        }
    }

    #[test]
    fn predicate_paths() {
        let doc = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "nginx:1"}],
            "initContainers": [{"name": "i", "image": "busybox"}]}}}});
        let mut o = io(ImageComponent::Registry, OverriderOperator::Replace, "r.io");
        o.predicate = Some(crate::model::kinds::override_policy::ImagePredicate {
            path: "/spec/template/spec/initContainers/0/image".into(),
        });
        let mut d = doc.clone();
        apply(&mut d, &o).expect("apply");
        assert_eq!(
            d.pointer("/spec/template/spec/initContainers/0/image"),
            Some(&json!("r.io/busybox"))
        );
        assert_eq!(
            d.pointer("/spec/template/spec/containers/0/image"),
            Some(&json!("nginx:1"))
        );

        for (path, want) in [
            (
                "/spec/template/spec/containers/3/image",
                "Karmada v1.14 panics",
            ),
            ("/spec/template/spec/volumes/0/image", "type is not map"),
            ("/spec/template/spec/containers/x/image", "is not number"),
            ("/spec/template/spec/containers/0/name/x", "type is not map"),
        ] {
            o.predicate =
                Some(crate::model::kinds::override_policy::ImagePredicate { path: path.into() });
            let err = apply(&mut doc.clone(), &o).expect_err(path);
            assert!(err.contains(want), "{path}: {err}");
        }
    }

    #[test]
    fn only_workload_containers_without_predicate() {
        let o = io(ImageComponent::Tag, OverriderOperator::Replace, "v2");
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{"image": "a:1"}], "initContainers": [{"image": "b:1"}]}});
        apply(&mut pod, &o).expect("pod");
        assert_eq!(
            pod,
            json!({"kind": "Pod", "spec": {"containers": [{"image": "a:v2"}], "initContainers": [{"image": "b:1"}]}})
        );
        let mut cm = json!({"kind": "ConfigMap", "spec": {"containers": [{"image": "a:1"}]}});
        let before = cm.clone();
        apply(&mut cm, &o).expect("configmap");
        assert_eq!(cm, before);
    }
}

//! Ownership marks and the content hash (DESIGN.md §4).
//!
//! Every rendered object carries the label `flotilla.io/managed-by=<instance>`
//! and annotations naming its source file, the commit it was rendered from,
//! and `flotilla.io/hash: sha256:<hex>`. The hash covers the canonical JSON
//! (keys sorted, no whitespace) of the object without the hash and revision
//! annotations: a commit that does not change an object's content leaves its
//! hash alone, so a steady fleet costs reads, not writes.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const MANAGED_BY: &str = "flotilla.io/managed-by";
pub const SOURCE: &str = "flotilla.io/source";
pub const REVISION: &str = "flotilla.io/revision";
pub const HASH: &str = "flotilla.io/hash";

/// Adds the ownership label and annotations, then the hash.
pub fn mark(manifest: &mut Value, instance: &str, source_path: &str, revision: &str) {
    let Some(obj) = manifest.as_object_mut() else {
        return;
    };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    insert(meta, "labels", MANAGED_BY, instance);
    insert(meta, "annotations", SOURCE, source_path);
    insert(meta, "annotations", REVISION, revision);
    let hash = content_hash(manifest);
    if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
        insert(meta, "annotations", HASH, &hash);
    }
}

fn insert(meta: &mut Map<String, Value>, field: &str, key: &str, value: &str) {
    let entry = meta
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Some(map) = entry.as_object_mut() {
        map.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// `sha256:<hex>` of the canonical JSON of `manifest` without the hash and
/// revision annotations.
pub fn content_hash(manifest: &Value) -> String {
    // One buffer and one digest per object: this runs for every object on
    // every cluster, so no allocation per key or scalar.
    let mut canonical = Vec::with_capacity(4096);
    write_canonical(manifest, &mut canonical, Level::Top);
    let digest = Sha256::digest(&canonical);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

/// Where in the object a value is: the volatile annotations are skipped in
/// `metadata.annotations` of the object itself, nowhere else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Metadata,
    Annotations,
    Inner,
}

/// Writes canonical JSON (sorted keys, compact) to `out`.
fn write_canonical(v: &Value, out: &mut Vec<u8>, level: Level) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map
                .keys()
                .filter(|k| level != Level::Annotations || (*k != HASH && *k != REVISION))
                .collect();
            keys.sort_unstable();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(k, out);
                out.push(b':');
                let child = match (level, k.as_str()) {
                    (Level::Top, "metadata") => Level::Metadata,
                    (Level::Metadata, "annotations") => Level::Annotations,
                    _ => Level::Inner,
                };
                write_canonical(&map[k], out, child);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out, Level::Inner);
            }
            out.push(b']');
        }
        scalar => write_json(scalar, out),
    }
}

/// serde_json's compact encoding of a string or scalar, as `Value`'s
/// `Display` gives it.
fn write_json<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    // Encoding a string or a scalar into a Vec cannot fail: there is no I/O
    // and no map with non-string keys.
    let _ = serde_json::to_writer(out, v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_revision_and_itself() {
        let mut a =
            json!({"kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1", "b": "2"}});
        let mut b =
            json!({"data": {"b": "2", "a": "1"}, "metadata": {"name": "x"}, "kind": "ConfigMap"});
        mark(&mut a, "flotilla", "apps/x.yaml", "c1");
        mark(&mut b, "flotilla", "apps/x.yaml", "c2");
        assert_eq!(
            a["metadata"]["annotations"][HASH],
            b["metadata"]["annotations"][HASH]
        );
        assert_eq!(
            content_hash(&a),
            a["metadata"]["annotations"][HASH].as_str().unwrap()
        );
        assert_eq!(a["metadata"]["labels"][MANAGED_BY], "flotilla");
    }

    #[test]
    fn hash_changes_with_content() {
        let a = json!({"kind": "ConfigMap", "data": {"a": "1"}});
        let b = json!({"kind": "ConfigMap", "data": {"a": "2"}});
        assert_ne!(content_hash(&a), content_hash(&b));
        assert!(content_hash(&a).starts_with("sha256:") && content_hash(&a).len() == 71);
    }
}

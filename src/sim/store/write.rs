//! Writes: create (POST) and replace (PUT, and the last step of a PATCH),
//! with the checks a real API server makes first (namespace, type, name,
//! resourceVersion precondition, validation) and the metadata it owns
//! (uid, creationTimestamp, generation, resourceVersion).

use super::{admission, meta_str, resource_of, timestamp, ChangeKind, Part, Store, WriteOptions};
use crate::sim::controllers::Resource;
use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use serde_json::{json, Value};

impl Store {
    /// Creates `object` (POST). The namespace comes from the URL.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        mut object: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let ns = self.admit(rt, ns, &mut object, opts)?;
        let name = match meta_str(&object, "name") {
            Some(n) => n.to_string(),
            None => match meta_str(&object, "generateName") {
                Some(prefix) => {
                    let name = format!("{prefix}{}", self.suffix());
                    object["metadata"]["name"] = json!(name);
                    name
                }
                None => String::new(),
            },
        };
        admission::validate(rt, &name, &object)?;
        let key = (ns.clone().unwrap_or_default(), name.clone());
        let resource = resource_of(rt);
        if self
            .objects
            .get(&resource)
            .is_some_and(|o| o.contains_key(&key))
        {
            return Err(ApiError::already_exists(rt, &name));
        }
        if let Some(n) = &ns {
            if let Some(Value::Null) | None = object["metadata"].get("namespace") {
                object["metadata"]["namespace"] = json!(n);
            }
            if let Some(nsobj) = self
                .objects
                .get(&Resource::new("", "namespaces"))
                .and_then(|o| o.get(&(String::new(), n.clone())))
            {
                if nsobj.deleting {
                    return Err(ApiError::forbidden_terminating(rt, &name, n));
                }
            }
        }
        let uid = self.uid();
        let meta = &mut object["metadata"];
        meta["uid"] = json!(uid);
        meta["creationTimestamp"] = json!(timestamp(opts.now));
        meta["generation"] = json!(1);
        if let Some(m) = meta.as_object_mut() {
            m.remove("resourceVersion");
            m.remove("deletionTimestamp");
        }
        admission::default_on_create(rt, &mut object, &uid);
        if opts.dry_run {
            object["metadata"]["resourceVersion"] = json!((self.rv + 1).to_string());
            return Ok(object);
        }
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            self.crd_created(&mut object, opts.now);
        }
        Ok(self.commit(resource, key, object, ChangeKind::Added))
    }

    /// Replaces an object (PUT, or the last step of a PATCH). A
    /// `metadata.resourceVersion` in `object` must match the stored one.
    pub fn replace(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        name: &str,
        mut object: Value,
        part: Part,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let ns = self.admit(rt, ns, &mut object, opts)?;
        match meta_str(&object, "name") {
            Some(n) if n != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({n}) does not match the name on the URL ({name})"
                )))
            }
            Some(_) => {}
            None => object["metadata"]["name"] = json!(name),
        }
        let current = self.get(rt, ns.as_deref(), name)?;
        if let Some(rv) = meta_str(&object, "resourceVersion") {
            if Some(rv) != meta_str(&current, "resourceVersion") {
                return Err(ApiError::conflict(rt, name));
            }
        }
        admission::validate(rt, name, &object)?;
        let mut next = merge_parts(rt, &current, object, part);
        // Server-owned metadata is never taken from the request.
        for field in [
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
        ] {
            match current["metadata"].get(field) {
                Some(v) => next["metadata"][field] = v.clone(),
                None => {
                    if let Some(m) = next["metadata"].as_object_mut() {
                        m.remove(field);
                    }
                }
            }
        }
        if next.get("spec") != current.get("spec")
            || (rt.kind == "CustomResourceDefinition" && next != *current)
        {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            next["metadata"]["generation"] = json!(generation + 1);
        }
        admission::default_on_update(rt, &current, &mut next);
        if strip_rv(&next) == strip_rv(&current) {
            // A no-op write: no new version, no event (as a real API server).
            return Ok((*current).clone());
        }
        if opts.dry_run {
            next["metadata"]["resourceVersion"] = json!((self.rv + 1).to_string());
            return Ok(next);
        }
        if rt.kind == "CustomResourceDefinition" {
            self.crd_updated(&mut next);
        }
        let key = (ns.unwrap_or_default(), name.to_string());
        let removable = next.pointer("/metadata/deletionTimestamp").is_some()
            && next
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .is_none_or(|f| f.is_empty());
        let stored = self.commit(resource_of(rt), key.clone(), next, ChangeKind::Modified);
        if removable {
            // The last finalizer is gone from an object being deleted.
            self.remove(rt, &key.0, &key.1);
        }
        Ok(stored)
    }

    /// What every write checks first: the body is an object, its namespace
    /// exists (and agrees with the URL's), and its type is the URL's.
    fn admit(
        &mut self,
        rt: &ResourceType,
        ns: Option<&str>,
        object: &mut Value,
        opts: &WriteOptions,
    ) -> Result<Option<String>, ApiError> {
        if !object.is_object() {
            return Err(ApiError::bad_request(
                "the request body must be a JSON object",
            ));
        }
        self.now = opts.now;
        let ns = self.check_namespace(rt, ns, object)?;
        admission::require_type(rt, object)?;
        Ok(ns)
    }

    /// Resolves the namespace of a request: namespaced types need one that
    /// exists (404 like Kubernetes), and the body may not name another.
    fn check_namespace(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        object: &Value,
    ) -> Result<Option<String>, ApiError> {
        if !rt.namespaced {
            return Ok(None);
        }
        let from_body = meta_str(object, "namespace");
        let ns = match (ns, from_body) {
            (Some(url), Some(body)) if url != body => {
                return Err(ApiError::bad_request(format!(
                    "the namespace of the provided object ({body}) does not match the namespace sent on the request ({url})"
                )))
            }
            (Some(url), _) => url,
            (None, Some(body)) => body,
            (None, None) => return Err(ApiError::bad_request("a namespace is required for a namespaced resource")),
        };
        if !self.namespace_exists(ns) {
            return Err(ApiError::namespace_not_found(ns));
        }
        Ok(Some(ns.to_string()))
    }

    fn uid(&mut self) -> String {
        self.next_uid += 1;
        let hex = digest_hex(format!("{}/{}", self.seed, self.next_uid).as_bytes());
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// A five-character suffix for generateName, as Kubernetes makes them.
    fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        self.next_uid += 1;
        let hex = digest_hex(format!("{}#{}", self.seed, self.next_uid).as_bytes());
        hex.as_bytes()
            .chunks(2)
            .take(5)
            .map(|pair| {
                let n =
                    u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16).unwrap_or(0);
                ALPHABET[n as usize % ALPHABET.len()] as char
            })
            .collect()
    }
}

fn strip_rv(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
        m.remove("managedFields");
    }
    o
}

/// The object a replace stores: a main write keeps the stored status (for
/// types with a status subresource); a status write keeps everything else
/// but `managedFields`; a write of all parts (a binding) keeps nothing.
fn merge_parts(rt: &ResourceType, current: &Value, mut incoming: Value, part: Part) -> Value {
    match part {
        Part::Main if rt.status => {
            match current.get("status") {
                Some(s) => incoming["status"] = s.clone(),
                None => {
                    if let Some(o) = incoming.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            incoming
        }
        Part::Main | Part::All => incoming,
        Part::Status => {
            let mut next = current.clone();
            match incoming.get_mut("status").map(Value::take) {
                Some(s) => next["status"] = s,
                None => {
                    if let Some(o) = next.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            if let Some(rv) = incoming.pointer("/metadata/resourceVersion") {
                next["metadata"]["resourceVersion"] = rv.clone();
            }
            // Who wrote the status is recorded too (`subresource: status`).
            match incoming
                .pointer_mut("/metadata/managedFields")
                .map(Value::take)
            {
                Some(m) => next["metadata"]["managedFields"] = m,
                None => {
                    if let Some(meta) = next["metadata"].as_object_mut() {
                        meta.remove("managedFields");
                    }
                }
            }
            next
        }
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

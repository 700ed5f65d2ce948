//! Resource URLs: `/api/v1/…` and `/apis/<group>/<version>/…`, with an
//! optional `namespaces/<ns>/` and an optional name and subresource.

use crate::sim::error::ApiError;
use crate::sim::resources::{Registry, ResourceType};

/// What a resource URL addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub rt: ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// A URL under `/api` or `/apis` that is not a resource: discovery of a
/// group or group-version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// `/apis/<group>`
    Group(String),
    /// `/api/v1` or `/apis/<group>/<version>`
    GroupVersion(String, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Resource(Box<Target>),
    Discovery(Discovery),
}

/// Parses `path` against the registry; unknown resources are 404 the way
/// Kubernetes words it.
pub fn parse(path: &str, registry: &Registry) -> Result<Route, ApiError> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group] => return Ok(Route::Discovery(Discovery::Group(group.to_string()))),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(ApiError::no_such_path()),
    };
    if rest.is_empty() {
        return Ok(Route::Discovery(Discovery::GroupVersion(
            group.into(),
            version.into(),
        )));
    }
    let served = |plural: &str| registry.get(group, version, plural).cloned();
    // `namespaces/<ns>/<plural>…` addresses a namespaced resource unless the
    // third segment is a subresource of the namespace itself.
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, more @ ..] if served(plural).is_some_and(|t| t.namespaced) => {
            (Some(ns.to_string()), {
                let mut v = vec![*plural];
                v.extend_from_slice(more);
                v
            })
        }
        other => (None, other.to_vec()),
    };
    let (plural, name, subresource) = match rest.as_slice() {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(name.to_string()), None),
        [plural, name, sub] => (*plural, Some(name.to_string()), Some(sub.to_string())),
        _ => return Err(ApiError::no_such_path()),
    };
    let rt = served(plural).ok_or_else(ApiError::no_such_path)?;
    if namespace.is_none() && rt.namespaced && name.is_some() {
        // A namespaced object needs its namespace in the URL.
        return Err(ApiError::no_such_path());
    }
    if let Some(sub) = &subresource {
        let ok = match sub.as_str() {
            "status" => true,
            "scale" => rt.scale.is_some(),
            "finalize" => rt.kind == "Namespace",
            _ => false,
        };
        if !ok {
            return Err(ApiError::no_such_path());
        }
    }
    Ok(Route::Resource(Box::new(Target {
        rt,
        namespace,
        name,
        subresource,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Target {
        match parse(path, &Registry::default()).unwrap() {
            Route::Resource(t) => *t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn resource_urls_parse() {
        let t = target("/apis/apps/v1/namespaces/shop/deployments/web/scale");
        assert_eq!(
            (
                t.rt.kind.as_str(),
                t.namespace.as_deref(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            ("Deployment", Some("shop"), Some("web"), Some("scale"))
        );
        let t = target("/api/v1/namespaces/shop");
        assert_eq!(
            (t.rt.kind.as_str(), t.namespace, t.name.as_deref()),
            ("Namespace", None, Some("shop"))
        );
        let t = target("/api/v1/namespaces/shop/status");
        assert_eq!(
            (
                t.rt.kind.as_str(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            ("Namespace", Some("shop"), Some("status"))
        );
        let t = target("/api/v1/pods");
        assert_eq!((t.namespace, t.name), (None, None));
        let t = target("/api/v1/namespaces/default/pods");
        assert_eq!(t.namespace.as_deref(), Some("default"));
        let t = target("/api/v1/nodes/n1");
        assert_eq!(t.name.as_deref(), Some("n1"));
    }

    #[test]
    fn unknown_things_are_404() {
        let reg = Registry::default();
        for bad in [
            "/apis/apps/v1/widgets",
            "/api/v1/namespaces/x/pods/p/scale",
            "/api/v1/pods/p",
            "/nope",
            "/apis/apps/v1/namespaces/x/deployments/a/b/c",
        ] {
            assert_eq!(parse(bad, &reg).unwrap_err().code, 404, "{bad}");
        }
        assert_eq!(
            parse("/apis/apps", &reg).unwrap(),
            Route::Discovery(Discovery::Group("apps".into()))
        );
        assert_eq!(
            parse("/api/v1", &reg).unwrap(),
            Route::Discovery(Discovery::GroupVersion("".into(), "v1".into()))
        );
    }
}

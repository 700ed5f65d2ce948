//! The printed forms of a render: the JSON document that tests and users
//! script against, a YAML stream, and the file layout of `--out DIR`.
//! Pure: values in, text out. Byte-identical for identical inputs.

use super::pipeline::Rendered;
use crate::model::diag::Diagnostic;
use serde_json::{json, Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("failed to encode manifest {name} as YAML")]
    Yaml {
        name: String,
        #[source]
        source: serde_norway::Error,
    },
}

/// `{"revision", "clusters": {name: [manifest]}, "placements": [...], "diagnostics": [...]}`.
pub fn to_json(rendered: &Rendered, diagnostics: &[Diagnostic]) -> Value {
    let mut clusters = Map::new();
    for (name, objects) in &rendered.clusters {
        clusters.insert(
            name.clone(),
            Value::Array(objects.iter().map(|o| o.manifest.clone()).collect()),
        );
    }
    json!({
        "revision": rendered.revision,
        "clusters": clusters,
        "placements": rendered.placements,
        "diagnostics": diagnostics,
    })
}

/// All clusters' manifests as one YAML stream, each cluster introduced by a
/// comment line.
pub fn to_yaml_stream(rendered: &Rendered) -> Result<String, OutputError> {
    let mut out = String::new();
    for (cluster, objects) in &rendered.clusters {
        out.push_str(&format!(
            "# cluster: {cluster} ({} objects)\n",
            objects.len()
        ));
        for o in objects {
            out.push_str("---\n");
            out.push_str(&yaml(&o.manifest, &o.id.to_string())?);
        }
    }
    Ok(out)
}

/// Files for `--out DIR`: `<cluster>/<namespace or _cluster>/<group>.<kind>.<name>.yaml`
/// (the core group is written `core`).
pub fn out_files(rendered: &Rendered) -> Result<Vec<(String, String)>, OutputError> {
    let mut files = Vec::new();
    for (cluster, objects) in &rendered.clusters {
        for o in objects {
            let group = match o.id.group() {
                "" => "core",
                g => g,
            };
            let ns = o.id.namespace.as_deref().unwrap_or("_cluster");
            let path = format!("{cluster}/{ns}/{group}.{}.{}.yaml", o.id.kind, o.id.name);
            files.push((path, yaml(&o.manifest, &o.id.to_string())?));
        }
    }
    Ok(files)
}

fn yaml(v: &Value, name: &str) -> Result<String, OutputError> {
    serde_norway::to_string(v).map_err(|source| OutputError::Yaml {
        name: name.to_string(),
        source,
    })
}

//! The printed forms of a render: the JSON document that tests and users
//! script against, a YAML stream, and the file layout of `--out DIR`.
//! Pure: values in, text out. Byte-identical for identical inputs.

use super::pipeline::{PlacementResult, Rendered, RenderedObject};
use crate::model::diag::Diagnostic;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("failed to encode manifest {name} as YAML")]
    Yaml {
        name: String,
        #[source]
        source: serde_norway::Error,
    },
}

/// The JSON document: `{"revision", "clusters": {name: [manifest]},
/// "placements": [...], "diagnostics": [...]}`, borrowed from the render so
/// that printing it copies nothing (a fleet's render is hundreds of MB as
/// values).
#[derive(Serialize)]
pub struct JsonDocument<'a> {
    revision: &'a str,
    clusters: Clusters<'a>,
    placements: &'a [PlacementResult],
    diagnostics: &'a [Diagnostic],
}

/// Each cluster's manifests, in cluster name order.
struct Clusters<'a>(&'a BTreeMap<String, Vec<RenderedObject>>);

impl Serialize for Clusters<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|(name, objects)| (name, Manifests(objects))),
        )
    }
}

struct Manifests<'a>(&'a [RenderedObject]);

impl Serialize for Manifests<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|o| &o.manifest))
    }
}

/// The render as the JSON document tests and users script against; write
/// it with `serde_json::to_writer_pretty`.
pub fn to_json<'a>(rendered: &'a Rendered, diagnostics: &'a [Diagnostic]) -> JsonDocument<'a> {
    JsonDocument {
        revision: &rendered.revision,
        clusters: Clusters(&rendered.clusters),
        placements: &rendered.placements,
        diagnostics,
    }
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

//! The JSON Schemas under `schema/` are generated from the Rust types; this
//! test fails when they are stale. Regenerate with
//! `FLOTILLA_UPDATE_SCHEMAS=1 cargo test --test schemas`.

use flotilla::model::schema::all_schema_files;
use std::path::PathBuf;

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema");
    let update = std::env::var_os("FLOTILLA_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, text) in all_schema_files() {
        assert!(
            text.len() > 100,
            "{name}: schema generation produced almost nothing"
        );
        let path = dir.join(&name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas (run FLOTILLA_UPDATE_SCHEMAS=1 cargo test --test schemas): {stale:?}"
    );
}

#[test]
fn schemas_pin_api_version_and_kind_and_reject_unknown_fields() {
    for (name, text) in all_schema_files() {
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            schema["properties"]["apiVersion"]["const"].is_string(),
            "{name}"
        );
        assert!(schema["properties"]["kind"]["const"].is_string(), "{name}");
        // validation falls back to the typed parse when a schema does not
        // compile; make sure none takes that path.
        assert!(
            jsonschema::validator_for(&schema).is_ok(),
            "{name}: schema does not compile"
        );
        assert_eq!(
            schema["additionalProperties"],
            serde_json::Value::Bool(false),
            "{name}"
        );
    }
}

//! PATCH and the writes that record field ownership.
// TEMPORARY until the patch/apply modules land (same session).

use super::path::Target;
use super::Request;
use crate::sim::cluster::SimCluster;
use crate::sim::error::ApiError;
use crate::sim::resources::ResourceType;
use crate::sim::store::{Part, Store, WriteOptions};
use axum::response::Response;
use serde_json::Value;

#[allow(clippy::too_many_arguments)]
pub fn write(
    store: &mut Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    _current: &Value,
    object: Value,
    part: Part,
    opts: &WriteOptions,
    _ua: &str,
) -> Result<Value, ApiError> {
    store.replace(rt, ns, name, object, part, opts)
}

pub fn track_create(
    _store: &mut Store,
    _rt: &ResourceType,
    created: Value,
    _opts: &WriteOptions,
    _ua: &str,
) -> Result<Value, ApiError> {
    Ok(created)
}

pub fn patch(_cluster: &SimCluster, req: &Request, _t: &Target) -> Result<Response, ApiError> {
    Err(ApiError::unsupported_media_type(&req.content_type))
}

//! Protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`)
//! turned into the JSON object the API server works with.
//!
//! In: the body kubectl's generator commands (`kubectl create namespace|
//! deployment|configmap|secret|service|job|cronjob|role|...`) POST, which is
//! the magic `k8s\0` followed by a `runtime.Unknown` envelope
//! `{1: TypeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding,
//! 4: contentType}` whose `raw` is the k8s.io/api protobuf message.
//! Out: the object as `encoding/json` would print the same Go value, i.e.
//! what kubectl would have sent as JSON (`kind`, `apiVersion`, `metadata`
//! with `creationTimestamp: null`, `spec`, empty structs as `{}`...).
//!
//! Pure: no I/O. Only the kinds the generators create have schema tables
//! ([`supported_kinds`]); any other kind is [`ProtobufError::UnknownType`],
//! whose message points the user at `kubectl create -f`/`apply`, which send
//! JSON. Within a known message, fields missing from the tables are skipped,
//! as a real API server skips fields newer than itself.
//!
//! Layout: `wire` reads the protobuf wire format; `schema` is the
//! table-driven decoder; `meta`, `core_v1`, `pod`, `container` and `apis` hold
//! the message tables, transcribed from k8s.io/api and
//! k8s.io/apimachinery `generated.proto` (field numbers) and `types.go`
//! (json names, pointers and `omitempty`).

mod apis;
mod autoscaling;
mod container;
mod core_v1;
mod meta;
mod pod;
mod schema;
#[cfg(test)]
mod tests;
mod value;
mod wire;

pub use wire::WireError;

use schema::{decode_message, Message};
use serde_json::{Map, Value};
use wire::{Reader, Wire};

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: [u8; 4] = *b"k8s\0";

/// Why a protobuf body could not be turned into JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    #[error("protobuf body does not start with the magic bytes \"k8s\\0\"")]
    BadMagic,
    #[error("malformed protobuf in {message}")]
    Malformed {
        message: &'static str,
        #[source]
        source: WireError,
    },
    #[error("field {field} ({number}) of {message} has wire type {found}, expected {expected}")]
    WrongWireType {
        message: &'static str,
        field: &'static str,
        number: u32,
        found: u8,
        expected: u8,
    },
    #[error("field {field} of {message}: {reason}")]
    InvalidValue {
        message: &'static str,
        field: &'static str,
        reason: &'static str,
    },
    #[error("protobuf envelope has no {0}")]
    MissingTypeMeta(&'static str),
    #[error("unsupported protobuf content encoding {0:?}")]
    ContentEncoding(String),
    #[error(
        "{kind} ({api_version}) cannot be sent as protobuf to this simulator; \
         use `kubectl create -f` or `kubectl apply -f`, which send JSON"
    )]
    UnknownType { api_version: String, kind: String },
}

/// Every `(apiVersion, kind)` with a schema, and its top-level message.
static KINDS: &[(&str, &str, &Message)] = &[
    ("v1", "Namespace", &core_v1::NAMESPACE),
    ("v1", "ConfigMap", &core_v1::CONFIG_MAP),
    ("v1", "Secret", &core_v1::SECRET),
    ("v1", "Service", &core_v1::SERVICE),
    ("v1", "ServiceAccount", &core_v1::SERVICE_ACCOUNT),
    ("v1", "ResourceQuota", &core_v1::RESOURCE_QUOTA),
    ("apps/v1", "Deployment", &apis::DEPLOYMENT),
    ("batch/v1", "Job", &apis::JOB),
    ("batch/v1", "CronJob", &apis::CRON_JOB),
    ("rbac.authorization.k8s.io/v1", "Role", &apis::ROLE),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        &apis::CLUSTER_ROLE,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        &apis::ROLE_BINDING,
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &apis::CLUSTER_ROLE_BINDING,
    ),
    (
        "scheduling.k8s.io/v1",
        "PriorityClass",
        &apis::PRIORITY_CLASS,
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        &apis::POD_DISRUPTION_BUDGET,
    ),
    ("networking.k8s.io/v1", "Ingress", &apis::INGRESS),
    (
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        &autoscaling::HORIZONTAL_POD_AUTOSCALER,
    ),
];

/// The `(apiVersion, kind)` pairs [`decode`] understands.
pub fn supported_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    KINDS
        .iter()
        .map(|(api_version, kind, _)| (*api_version, *kind))
}

/// Decodes a `application/vnd.kubernetes.protobuf` request body into the
/// JSON object Kubernetes would have received as JSON.
///
/// ```
/// use flotilla::sim::protobuf::decode;
/// // k8s\0 + Unknown{typeMeta{"v1", "Namespace"}, raw: Namespace{metadata{name: "shop"}}}
/// let body = b"k8s\0\x0a\x0f\x0a\x02v1\x12\x09Namespace\x12\x08\x0a\x06\x0a\x04shop";
/// let ns = decode(body).unwrap();
/// assert_eq!(ns["kind"], "Namespace");
/// assert_eq!(ns["metadata"]["name"], "shop");
/// assert_eq!(ns["spec"], serde_json::json!({}));
/// ```
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let envelope = body.strip_prefix(&MAGIC).ok_or(ProtobufError::BadMagic)?;
    let unknown = Envelope::parse(envelope)?;
    if !unknown.content_encoding.is_empty() {
        return Err(ProtobufError::ContentEncoding(unknown.content_encoding));
    }
    let message = KINDS
        .iter()
        .find(|(v, k, _)| *v == unknown.api_version && *k == unknown.kind)
        .map(|(_, _, message)| *message)
        .ok_or_else(|| ProtobufError::UnknownType {
            api_version: unknown.api_version.clone(),
            kind: unknown.kind.clone(),
        })?;
    let mut object = Map::new();
    object.insert("kind".into(), Value::String(unknown.kind));
    object.insert("apiVersion".into(), Value::String(unknown.api_version));
    object.extend(decode_message(message, unknown.raw)?);
    Ok(Value::Object(object))
}

/// `runtime.Unknown`, the envelope around every protobuf object.
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
}

schema::message!(TYPE_META = "TypeMeta" { 1 "apiVersion" Req schema::Ty::Str, 2 "kind" Req schema::Ty::Str });

impl<'a> Envelope<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, ProtobufError> {
        let malformed = |source| ProtobufError::Malformed {
            message: "Unknown",
            source,
        };
        let mut envelope = Envelope {
            api_version: String::new(),
            kind: String::new(),
            raw: &[],
            content_encoding: String::new(),
        };
        let mut reader = Reader::new(bytes);
        while let Some((num, wire)) = reader.next_field().map_err(malformed)? {
            match (num, wire) {
                (1, Wire::Len(b)) => {
                    let mut type_meta = decode_message(&TYPE_META, b)?;
                    envelope.api_version = take_string(&mut type_meta, "apiVersion");
                    envelope.kind = take_string(&mut type_meta, "kind");
                }
                (2, Wire::Len(b)) => envelope.raw = b,
                (3, Wire::Len(b)) => {
                    envelope.content_encoding = String::from_utf8_lossy(b).into_owned()
                }
                // contentType (4) is always empty in practice: raw is protobuf.
                _ => {}
            }
        }
        if envelope.api_version.is_empty() {
            return Err(ProtobufError::MissingTypeMeta("apiVersion"));
        }
        if envelope.kind.is_empty() {
            return Err(ProtobufError::MissingTypeMeta("kind"));
        }
        Ok(envelope)
    }
}

fn take_string(object: &mut Map<String, Value>, key: &str) -> String {
    match object.remove(key) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

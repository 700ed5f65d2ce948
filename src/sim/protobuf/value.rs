//! Single values: how one protobuf scalar, or one of apimachinery's special
//! types (`Time`, `IntOrString`, `Quantity`, `RawExtension`), becomes JSON,
//! following the Go types' `MarshalJSON`, and what each type's zero value
//! prints as.

use super::schema::{check_wire, decode_message, malformed, message, Field, Message, Ty};
use super::wire::{Reader, Wire};
use super::ProtobufError;
use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;

// The small apimachinery messages the special types are carried in.
message!(TIMESTAMP = "Timestamp" { 1 "seconds" Req Ty::I64, 2 "nanos" Req Ty::I32 });
message!(INT_OR_STRING = "IntOrString" {
    1 "type" Req Ty::I64, 2 "intVal" Req Ty::I32, 3 "strVal" Req Ty::Str,
});
message!(QUANTITY = "Quantity" { 1 "string" Req Ty::Str });

/// One value of type `ty`.
pub(super) fn scalar(
    msg: &'static Message,
    field: &Field,
    ty: Ty,
    wire: Wire,
) -> Result<Value, ProtobufError> {
    check_wire(msg, field, ty, &wire)?;
    let (v, bytes) = match wire {
        Wire::Varint(v) => (v, &[][..]),
        Wire::Len(bytes) => (0, bytes),
        _ => (0, &[][..]),
    };
    // Go truncates an over-long varint to the field's width, as `as` does.
    Ok(match ty {
        Ty::Str => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        Ty::I32 => Value::from(v as i32),
        Ty::I64 => Value::from(v as i64),
        Ty::Bool => Value::Bool(v != 0),
        Ty::Bytes => Value::String(base64(bytes)),
        Ty::Time => time(msg, field, bytes)?,
        Ty::IntOrStr => {
            let ios = decode_message(&INT_OR_STRING, bytes)?;
            match ios.get("type").and_then(Value::as_i64) {
                Some(0) => ios.get("intVal").cloned().unwrap_or(Value::from(0)),
                Some(1) => ios.get("strVal").cloned().unwrap_or_default(),
                _ => return Err(invalid(msg, field, "IntOrString type is neither 0 nor 1")),
            }
        }
        Ty::Quantity => decode_message(&QUANTITY, bytes)?
            .remove("string")
            .unwrap_or_default(),
        Ty::Json => raw_json(msg, field, bytes)?,
        Ty::Msg(m) => Value::Object(decode_message(m, bytes)?),
    })
}

/// What the Go zero value of `ty` looks like in JSON.
pub(super) fn zero(msg: &'static Message, field: &Field, ty: Ty) -> Result<Value, ProtobufError> {
    Ok(match ty {
        Ty::Str => Value::from(""),
        Ty::I32 | Ty::I64 | Ty::IntOrStr => Value::from(0),
        Ty::Bool => Value::Bool(false),
        Ty::Quantity => Value::from("0"),
        Ty::Bytes | Ty::Time | Ty::Json => Value::Null,
        Ty::Msg(_) => scalar(msg, field, ty, Wire::Len(&[]))?,
    })
}

pub(super) fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(b) => !b,
        Value::Null => true,
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// `metav1.Time`: its protobuf unmarshaller keeps whole seconds (it drops
/// `nanos` on purpose, to match its JSON form), JSON prints RFC 3339 in UTC,
/// and Go's zero time (empty bytes on the wire) is `null`.
fn time(msg: &'static Message, field: &Field, bytes: &[u8]) -> Result<Value, ProtobufError> {
    /// 0001-01-01T00:00:00Z, Go's zero `time.Time`, in Unix seconds.
    const GO_ZERO: i64 = -62_135_596_800;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let seconds = decode_message(&TIMESTAMP, bytes)?
        .get("seconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if seconds == GO_ZERO {
        return Ok(Value::Null);
    }
    let t = DateTime::<Utc>::from_timestamp(seconds, 0)
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| invalid(msg, field, "timestamp outside years 0 to 9999"))?;
    Ok(Value::from(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
}

/// `RawExtension` and `FieldsV1` are `{1: bytes raw}` holding JSON.
fn raw_json(msg: &'static Message, field: &Field, bytes: &[u8]) -> Result<Value, ProtobufError> {
    let mut raw: &[u8] = &[];
    let mut reader = Reader::new(bytes);
    while let Some((num, wire)) = reader.next_field().map_err(malformed(msg))? {
        if let (1, Wire::Len(b)) = (num, wire) {
            raw = b;
        }
    }
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(raw).map_err(|_| invalid(msg, field, "embedded raw bytes are not JSON"))
}

fn invalid(msg: &'static Message, field: &Field, reason: &'static str) -> ProtobufError {
    ProtobufError::InvalidValue {
        message: msg.name,
        field: field.json,
        reason,
    }
}

/// Standard base64 with padding, as Go's `encoding/json` writes `[]byte`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

//! Table-driven decoding of one protobuf message into the JSON object the
//! Kubernetes API would hold for it.
//!
//! A [`Message`] is a static table of [`Field`] rows: the protobuf field
//! number (from k8s.io/api's `generated.proto`), the JSON name (the Go
//! struct's json tag), the value type ([`Ty`]) and how the Go struct encodes
//! it in JSON ([`Card`]). Rows are listed in Go struct order, which is the
//! key order `encoding/json` (and so `kubectl -o json`) produces. Adding a
//! kind is adding tables, never code.
//!
//! Why [`Card`] is needed: gogo-protobuf, which Kubernetes uses, writes every
//! non-pointer scalar even when it is zero, and every non-pointer struct even
//! when it is empty. So the wire alone cannot say whether `""` should be
//! omitted (`omitempty`) or kept, or whether `0` was set explicitly
//! (a `*int32`); the table says what the Go type says.
//!
//! Decoding follows the Go unmarshaller: unknown field numbers are skipped
//! (as a real API server does with fields newer than itself), the last
//! occurrence of a scalar wins, repeated occurrences of an embedded message
//! merge, strings are decoded lossily as Go's JSON encoder would print them,
//! and map keys come out sorted.

use super::value::{is_zero, scalar, zero};
use super::wire::{Reader, Wire, WireError};
use super::ProtobufError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One protobuf message type.
#[derive(Debug)]
pub struct Message {
    /// The Go type name, for error messages (`ObjectMeta`).
    pub name: &'static str,
    pub fields: &'static [Field],
}

/// One field of a [`Message`].
#[derive(Debug)]
pub struct Field {
    pub num: u32,
    pub json: &'static str,
    pub card: Card,
    pub ty: Ty,
}

/// A field's value type. Maps always have string keys; [`Ty`] is the
/// value type for them and the element type for repeated fields.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    I32,
    I64,
    Bool,
    /// `[]byte`: base64 in JSON.
    Bytes,
    /// `metav1.Time`: RFC 3339 with seconds precision, `null` when zero.
    Time,
    /// `intstr.IntOrString`: a JSON number or string.
    IntOrStr,
    /// `resource.Quantity`: its canonical string, passed through.
    Quantity,
    /// `runtime.RawExtension` / `metav1.FieldsV1`: embedded JSON.
    Json,
    Msg(&'static Message),
}

/// How the Go field is declared, which decides what JSON gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// A value with `omitempty`: left out when zero (`""`, `0`, `false`,
    /// empty bytes). A struct is never zero to `encoding/json`, so a
    /// message-typed field is better declared [`Card::Req`].
    Opt,
    /// A pointer with `omitempty`: present exactly when on the wire.
    Ptr,
    /// A pointer without `omitempty`: `null` when absent.
    Null,
    /// A value without `omitempty` (or a struct): always present, the zero
    /// value when absent from the wire.
    Req,
    /// An embedded struct (`json:",inline"`): its fields join the parent.
    Inline,
    /// A slice with `omitempty`: left out when empty.
    Rep,
    /// A slice without `omitempty`: `null` when empty (a nil Go slice).
    RepReq,
    /// A `map[string]T` with `omitempty` (every map in the tables has it).
    Map,
}

/// Declares a `static` [`Message`]; each row is `number "json" Card Ty`.
macro_rules! message {
    ($(#[$attr:meta])* $vis:vis $id:ident = $name:literal { $($num:literal $json:literal $card:ident $ty:expr),* $(,)? }) => {
        $(#[$attr])*
        $vis static $id: $crate::sim::protobuf::schema::Message = $crate::sim::protobuf::schema::Message {
            name: $name,
            fields: &[$($crate::sim::protobuf::schema::Field {
                num: $num,
                json: $json,
                card: $crate::sim::protobuf::schema::Card::$card,
                ty: $ty,
            }),*],
        };
    };
}
pub(crate) use message;

/// What has been read for one field so far.
#[derive(Default)]
struct Slot<'a> {
    /// The last occurrence of a singular non-message field.
    last: Option<Wire<'a>>,
    /// Every occurrence of a singular message, concatenated: decoding the
    /// concatenation is protobuf's merge.
    merged: Option<Vec<u8>>,
    items: Vec<Value>,
    entries: BTreeMap<String, Value>,
}

/// Decodes `bytes` as `msg` into a JSON object.
pub fn decode_message(
    msg: &'static Message,
    bytes: &[u8],
) -> Result<Map<String, Value>, ProtobufError> {
    let mut slots: Vec<Slot> = msg.fields.iter().map(|_| Slot::default()).collect();
    let mut reader = Reader::new(bytes);
    while let Some((num, wire)) = reader.next_field().map_err(malformed(msg))? {
        let Some(i) = msg.fields.iter().position(|f| f.num == num) else {
            continue;
        };
        let (field, slot) = (&msg.fields[i], &mut slots[i]);
        match field.card {
            Card::Rep | Card::RepReq => push_repeated(msg, field, wire, &mut slot.items)?,
            Card::Map => {
                let (key, value) = map_entry(msg, field, wire)?;
                slot.entries.insert(key, value);
            }
            _ => match (field.ty, wire) {
                (Ty::Msg(_), Wire::Len(b)) => slot
                    .merged
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(b),
                _ => {
                    check_wire(msg, field, field.ty, &wire)?;
                    slot.last = Some(wire);
                }
            },
        }
    }
    let mut out = Map::new();
    for (field, slot) in msg.fields.iter().zip(slots) {
        emit(msg, field, slot, &mut out)?;
    }
    Ok(out)
}

fn emit(
    msg: &'static Message,
    field: &Field,
    slot: Slot,
    out: &mut Map<String, Value>,
) -> Result<(), ProtobufError> {
    let value = match (field.card, field.ty) {
        (Card::Rep | Card::RepReq, _) if !slot.items.is_empty() => Value::Array(slot.items),
        (Card::Map, _) if !slot.entries.is_empty() => {
            Value::Object(slot.entries.into_iter().collect())
        }
        (Card::RepReq, _) => Value::Null,
        (Card::Rep | Card::Map, _) => return Ok(()),
        (card, Ty::Msg(m)) => {
            if slot.merged.is_none() && matches!(card, Card::Ptr | Card::Null) {
                if card == Card::Null {
                    out.insert(field.json.to_string(), Value::Null);
                }
                return Ok(());
            }
            let object = decode_message(m, slot.merged.as_deref().unwrap_or_default())?;
            if card == Card::Inline {
                out.extend(object);
                return Ok(());
            }
            Value::Object(object)
        }
        (card, ty) => match slot.last {
            Some(wire) => {
                let value = scalar(msg, field, ty, wire)?;
                if card == Card::Opt && is_zero(&value) {
                    return Ok(());
                }
                value
            }
            None => match card {
                Card::Req => zero(msg, field, ty)?,
                Card::Null => Value::Null,
                _ => return Ok(()),
            },
        },
    };
    out.insert(field.json.to_string(), value);
    Ok(())
}

fn push_repeated(
    msg: &'static Message,
    field: &Field,
    wire: Wire,
    items: &mut Vec<Value>,
) -> Result<(), ProtobufError> {
    // Repeated numbers may come packed: one length-delimited run of varints.
    if let (Ty::I32 | Ty::I64 | Ty::Bool, Wire::Len(bytes)) = (field.ty, wire) {
        let mut reader = Reader::new(bytes);
        while !reader.is_empty() {
            let v = reader.varint().map_err(malformed(msg))?;
            items.push(scalar(msg, field, field.ty, Wire::Varint(v))?);
        }
        return Ok(());
    }
    items.push(scalar(msg, field, field.ty, wire)?);
    Ok(())
}

/// A map entry is an embedded message `{1: key, 2: value}`.
fn map_entry(
    msg: &'static Message,
    field: &Field,
    wire: Wire,
) -> Result<(String, Value), ProtobufError> {
    let Wire::Len(bytes) = wire else {
        return Err(wrong_wire(msg, field, &wire, 2));
    };
    let (mut key, mut value) = (String::new(), None);
    let mut reader = Reader::new(bytes);
    while let Some((num, wire)) = reader.next_field().map_err(malformed(msg))? {
        match (num, wire) {
            (1, Wire::Len(k)) => key = String::from_utf8_lossy(k).into_owned(),
            (1, other) => return Err(wrong_wire(msg, field, &other, 2)),
            (2, wire) => value = Some(scalar(msg, field, field.ty, wire)?),
            _ => {}
        }
    }
    let value = match value {
        Some(value) => value,
        None => zero(msg, field, field.ty)?,
    };
    Ok((key, value))
}

/// Wraps a wire error with the message being read.
pub(super) fn malformed(msg: &'static Message) -> impl Fn(WireError) -> ProtobufError {
    move |source| ProtobufError::Malformed {
        message: msg.name,
        source,
    }
}

pub(super) fn check_wire(
    msg: &'static Message,
    field: &Field,
    ty: Ty,
    wire: &Wire,
) -> Result<(), ProtobufError> {
    let expected = match ty {
        Ty::I32 | Ty::I64 | Ty::Bool => 0,
        _ => 2,
    };
    if wire.wire_type() == expected {
        Ok(())
    } else {
        Err(wrong_wire(msg, field, wire, expected))
    }
}

pub(super) fn wrong_wire(
    msg: &'static Message,
    field: &Field,
    wire: &Wire,
    expected: u8,
) -> ProtobufError {
    ProtobufError::WrongWireType {
        message: msg.name,
        field: field.json,
        number: field.num,
        found: wire.wire_type(),
        expected,
    }
}

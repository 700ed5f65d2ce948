//! Tests: bodies captured from kubectl against the JSON kubectl prints for
//! the same command (`fixtures/protobuf/`), the wire reader, the decoder's
//! JSON rules, the envelope's errors, and a proptest that no input panics.

use super::meta::SCALARS;
use super::schema::decode_message;
use super::value::base64;
use super::wire::{Reader, Wire, WireError};
use super::{decode, ProtobufError, MAGIC};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixtures() -> Vec<(String, Vec<u8>, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/protobuf");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/protobuf exists") {
        let path = entry.expect("readable directory").path();
        if path.extension().is_some_and(|e| e == "pb") {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let body = std::fs::read(&path).expect("readable .pb");
            let text =
                std::fs::read_to_string(path.with_extension("json")).expect("each .pb has a .json");
            let expected = serde_json::from_str(&text).expect(".json is JSON");
            cases.push((name, body, expected));
        }
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// Every captured body decodes to exactly what `kubectl create ...
/// --dry-run=client -o json` printed, key order included (serde_json keeps
/// insertion order here), with no normalisation: `creationTimestamp: null`,
/// `status: {}`, `resources: {}` and `rules: null` come out of the decoder
/// because the Go structs print them.
#[test]
fn captured_bodies_decode_to_kubectls_json() {
    let cases = fixtures();
    assert!(
        cases.len() >= 28,
        "expected the captured fixtures, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, body, expected) in &cases {
        match decode(body) {
            Ok(actual) if ordered(&actual) == ordered(expected) => {}
            Ok(actual) => failures.push(format!(
                "{name}:\n  expected {expected}\n  actual   {actual}"
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Cutting a real body anywhere gives an error or a shorter object, never a panic.
#[test]
fn every_truncation_of_a_real_body_is_handled() {
    for (name, body, _) in fixtures() {
        for end in 0..body.len() {
            let _ = decode(&body[..end]);
        }
        assert!(decode(&body[..3]).is_err(), "{name}");
    }
}

/// Compact JSON text: comparing it checks key order too, which `Value`'s
/// equality ignores.
fn ordered(value: &Value) -> String {
    value.to_string()
}

// A tiny encoder for hand-made inputs.
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn field_varint(num: u32, v: u64) -> Vec<u8> {
    let mut out = varint(u64::from(num) << 3);
    out.extend(varint(v));
    out
}

fn field_len(num: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = varint((u64::from(num) << 3) | 2);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let type_meta = [
        field_len(1, api_version.as_bytes()),
        field_len(2, kind.as_bytes()),
    ]
    .concat();
    [MAGIC.to_vec(), field_len(1, &type_meta), field_len(2, raw)].concat()
}

#[test]
fn varints_decode_up_to_ten_bytes() {
    let cases: &[(&[u8], Result<u64, WireError>)] = &[
        (&[0x00], Ok(0)),
        (&[0x7f], Ok(127)),
        (&[0xac, 0x02], Ok(300)),
        (
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            Ok(u64::MAX),
        ),
        (
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            Err(WireError::VarintOverflow),
        ),
        (&[0x80; 11], Err(WireError::VarintOverflow)),
        (&[0x80], Err(WireError::Truncated)),
        (&[], Err(WireError::Truncated)),
    ];
    for (bytes, expected) in cases {
        assert_eq!(Reader::new(bytes).varint(), *expected, "{bytes:02x?}");
    }
    for v in [0, 1, 127, 128, 300, 1 << 35, u64::MAX] {
        assert_eq!(Reader::new(&varint(v)).varint(), Ok(v));
    }
}

#[test]
fn fields_of_every_wire_type_are_read_and_bounds_checked() {
    let mut bytes = field_varint(1, 150);
    bytes.extend([(2 << 3) | 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend(field_len(3, b"abc"));
    bytes.extend([(4 << 3) | 5, 2, 0, 0, 0]);
    let mut reader = Reader::new(&bytes);
    assert_eq!(reader.next_field(), Ok(Some((1, Wire::Varint(150)))));
    assert_eq!(reader.next_field(), Ok(Some((2, Wire::Fixed64(1)))));
    assert_eq!(reader.next_field(), Ok(Some((3, Wire::Len(b"abc")))));
    assert_eq!(reader.next_field(), Ok(Some((4, Wire::Fixed32(2)))));
    assert_eq!(reader.next_field(), Ok(None));

    let cases: &[(&[u8], WireError)] = &[
        (&[0x1a, 0x05, b'a'], WireError::Truncated),
        (&[0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f], WireError::Truncated),
        (&[0x11, 0, 0, 0], WireError::Truncated),
        (&[0x25, 0], WireError::Truncated),
        (&[0x08], WireError::Truncated),
        (&[0x00, 0x00], WireError::FieldZero),
        (&[0x0b], WireError::WireType(3)),
        (&[0x0c], WireError::WireType(4)),
        (&[0x0e], WireError::WireType(6)),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            Reader::new(bytes).next_field(),
            Err(*expected),
            "{bytes:02x?}"
        );
    }
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let bytes = [
        field_len(99, b"ignored"),
        field_varint(1000, 7),
        vec![(77 << 3) | 1, 0, 0, 0, 0, 0, 0, 0, 0],
        vec![(78 << 3) | 5, 0, 0, 0, 0],
        field_len(1, b"kept"),
    ]
    .concat();
    let object = decode_message(&SCALARS, &bytes).expect("skips unknown fields");
    assert_eq!(Value::Object(object), json!({"s": "kept", "l": 0}));
}

#[test]
fn a_wrong_wire_type_is_an_error_naming_the_field() {
    let err = decode_message(&SCALARS, &field_len(2, b"x")).expect_err("int field sent as bytes");
    assert_eq!(
        err,
        ProtobufError::WrongWireType {
            message: "Scalars",
            field: "i",
            number: 2,
            found: 2,
            expected: 0
        }
    );
    assert_eq!(
        err.to_string(),
        "field i (2) of Scalars has wire type 2, expected 0"
    );
    assert!(
        decode_message(&SCALARS, &field_varint(1, 1)).is_err(),
        "string sent as varint"
    );
    assert!(
        decode_message(&SCALARS, &field_varint(6, 1)).is_err(),
        "map entry sent as varint"
    );
}

#[test]
fn json_follows_go_rules() {
    // Zero values: Opt omits, Req prints, Ptr prints when sent.
    let zeros = [field_len(1, b""), field_varint(2, 0), field_varint(4, 0)].concat();
    assert_eq!(
        Value::Object(decode_message(&SCALARS, &zeros).expect("decodes")),
        json!({"l": 0, "b": false})
    );
    // Negative int32 is a ten-byte varint; the last scalar wins; repeated
    // numbers may be packed or not; map keys are sorted; time is RFC 3339.
    let timestamp = [field_varint(1, 1_700_000_000), field_varint(2, 999)].concat();
    let bytes = [
        field_varint(2, 5),
        field_varint(2, (-3i64) as u64),
        field_varint(3, (-1i64) as u64),
        field_varint(5, 1),
        field_len(5, &[varint(2), varint(300)].concat()),
        field_len(6, &[field_len(1, b"z"), field_len(2, b"1")].concat()),
        field_len(6, &[field_len(1, b"a"), field_len(2, b"2")].concat()),
        field_len(7, &timestamp),
    ]
    .concat();
    let object = Value::Object(decode_message(&SCALARS, &bytes).expect("decodes"));
    assert_eq!(
        object.to_string(),
        json!({"i": -3, "l": -1, "ints": [1, 2, 300], "m": {"a": "2", "z": "1"}, "t": "2023-11-14T22:13:20Z"})
            .to_string()
    );
    // An empty Time is Go's zero time: null.
    let object = decode_message(&SCALARS, &field_len(7, b"")).expect("decodes");
    assert_eq!(object.get("t"), Some(&Value::Null));
}

#[test]
fn base64_matches_the_standard_alphabet_with_padding() {
    let cases: &[(&[u8], &str)] = &[
        (b"", ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (&[0, 1, 2, 0xff, 0xfe, 0x80], "AAEC//6A"),
    ];
    for (bytes, expected) in cases {
        assert_eq!(base64(bytes), *expected);
    }
}

#[test]
fn envelope_errors_are_specific() {
    assert_eq!(
        decode(b"{\"kind\":\"Namespace\"}"),
        Err(ProtobufError::BadMagic)
    );
    assert_eq!(decode(b""), Err(ProtobufError::BadMagic));

    let err = decode(&envelope("example.com/v1", "Widget", b"")).expect_err("no schema");
    assert_eq!(
        err,
        ProtobufError::UnknownType {
            api_version: "example.com/v1".into(),
            kind: "Widget".into()
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("Widget (example.com/v1)") && message.contains("kubectl create -f"),
        "{message}"
    );

    let mut body = envelope("v1", "Namespace", b"");
    body.extend(field_len(3, b"gzip"));
    assert_eq!(
        decode(&body),
        Err(ProtobufError::ContentEncoding("gzip".into()))
    );

    assert_eq!(
        decode(&envelope("", "Namespace", b"")),
        Err(ProtobufError::MissingTypeMeta("apiVersion"))
    );
    assert_eq!(
        decode(&envelope("v1", "", b"")),
        Err(ProtobufError::MissingTypeMeta("kind"))
    );

    let truncated = [MAGIC.to_vec(), vec![0x0a, 0x10, 0x0a]].concat();
    assert!(matches!(
        decode(&truncated),
        Err(ProtobufError::Malformed {
            message: "Unknown",
            source: WireError::Truncated
        })
    ));
}

#[test]
fn an_empty_object_decodes_to_gos_zero_value() {
    let namespace = decode(&envelope("v1", "Namespace", b"")).expect("decodes");
    assert_eq!(
        namespace.to_string(),
        json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"creationTimestamp": null}, "spec": {}, "status": {}})
            .to_string()
    );
    let role = decode(&envelope("rbac.authorization.k8s.io/v1", "Role", b"")).expect("decodes");
    assert_eq!(role["rules"], Value::Null);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
        let _ = decode(&[MAGIC.to_vec(), bytes.clone()].concat());
    }

    /// Arbitrary object bytes inside a valid envelope reach the tables.
    #[test]
    fn arbitrary_objects_never_panic(
        kind in proptest::sample::select(super::supported_kinds().collect::<Vec<_>>()),
        raw in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let _ = decode(&envelope(kind.0, kind.1, &raw));
    }

    /// Mutating a real body anywhere never panics.
    #[test]
    fn mutated_real_bodies_never_panic(index in any::<proptest::sample::Index>(), byte in any::<u8>()) {
        for (_, mut body, _) in fixtures() {
            let i = index.index(body.len());
            body[i] = byte;
            let _ = decode(&body);
        }
    }
}

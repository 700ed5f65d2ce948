//! Reading YAML the way Karmada's YAML field overrider does:
//! `sigs.k8s.io/yaml`'s `YAMLToJSON`, built on go-yaml v2.
//!
//! Plain scalars resolve with go-yaml v2's YAML 1.1 rules (`yes`, `on`, `y`
//! are booleans, also as keys; `0x1f`, `1_000`, `017` are integers;
//! date-like values stay strings), keys become JSON strings, `<<` merges,
//! and aliases expand within a budget. [`resolve`] is also what the writer
//! uses to decide which strings need quotes.

use super::yaml_write::go_format_g;
use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

const MAX_ALIAS_NODES: usize = 10_000;

/// `YAMLToJSON`: the first document of `text` as a JSON value.
pub(crate) fn to_json(text: &str) -> Result<Value, String> {
    let mut r = Reader::default();
    for item in Parser::new_from_str(text) {
        let (event, _) = item.map_err(|e| {
            format!(
                "error converting YAML to JSON: yaml: line {}: {}",
                e.marker().line(),
                e.info()
            )
        })?;
        if r.on_event(event)? {
            break;
        }
    }
    Ok(r.document.unwrap_or(Value::Null))
}

#[derive(Default)]
struct Reader {
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, Value>,
    alias_nodes: usize,
    document: Option<Value>,
}

enum Frame {
    Seq(usize, Vec<Value>),
    Map(usize, Map<String, Value>, Option<String>, Vec<Value>),
}

impl Reader {
    /// Handles one event; true once the first document is complete.
    fn on_event(&mut self, event: Event<'_>) -> Result<bool, String> {
        match event {
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(anchor, Vec::new())),
            Event::MappingStart(anchor, _) => {
                self.stack
                    .push(Frame::Map(anchor, Map::new(), None, Vec::new()))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, value) = match self.stack.pop() {
                    Some(Frame::Seq(a, items)) => (a, Value::Array(items)),
                    Some(Frame::Map(a, mut m, _, merges)) => {
                        // `<<` merges: keys the mapping sets itself win.
                        for src in merges {
                            let sources = match src {
                                Value::Array(items) => items,
                                other => vec![other],
                            };
                            for s in sources {
                                if let Value::Object(sm) = s {
                                    for (k, v) in sm {
                                        m.entry(k).or_insert(v);
                                    }
                                }
                            }
                        }
                        (a, Value::Object(m))
                    }
                    None => return Ok(false),
                };
                self.remember(anchor, &value);
                return self.push(value, false);
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.as_ref().map(|t| t.suffix.to_string());
                let is_merge = style == ScalarStyle::Plain && text == "<<";
                let value = if style != ScalarStyle::Plain || tag.as_deref() == Some("str") {
                    Value::String(text.to_string())
                } else {
                    resolve_for_decode(&text)?
                };
                self.remember(anchor, &value);
                return self.push(value, is_merge);
            }
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or("yaml: unknown anchor referenced")?;
                self.alias_nodes += count(&value);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(format!(
                        "yaml: aliases expand to more than {MAX_ALIAS_NODES} nodes"
                    ));
                }
                return self.push(value, false);
            }
            Event::DocumentEnd => return Ok(self.document.is_some()),
            _ => {}
        }
        Ok(false)
    }

    fn remember(&mut self, anchor: usize, value: &Value) {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
    }

    fn push(&mut self, value: Value, is_merge_key: bool) -> Result<bool, String> {
        match self.stack.last_mut() {
            None => {
                self.document = Some(value);
                Ok(false)
            }
            Some(Frame::Seq(_, items)) => {
                items.push(value);
                Ok(false)
            }
            Some(Frame::Map(_, m, pending, merges)) => {
                match pending.take() {
                    None if is_merge_key => *pending = Some("<<\u{0}merge".into()),
                    None => *pending = Some(json_key(&value)?),
                    Some(k) if k == "<<\u{0}merge" => merges.push(value),
                    Some(k) => {
                        // go-yaml v2 lets a repeated key overwrite the earlier one.
                        m.insert(k, value);
                    }
                }
                Ok(false)
            }
        }
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(|x| 1 + count(x)).sum(),
        _ => 0,
    }
}

/// How `sigs.k8s.io/yaml` turns a decoded key into a JSON object key.
fn json_key(key: &Value) -> Result<String, String> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        Value::Number(n) if n.is_f64() => Ok(go_format_g(
            n.as_f64().unwrap_or_default() as f32 as f64,
            true,
        )),
        other => Err(format!("unsupported map key: {other}")),
    }
}

/// A plain scalar as go-yaml v2 decodes it into `interface{}`, then as
/// `encoding/json` would write it.
fn resolve_for_decode(text: &str) -> Result<Value, String> {
    Ok(match resolve(text) {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Number(i.into()),
        Resolved::Uint(u) => Value::Number(u.into()),
        Resolved::Float(f) => Number::from_f64(f).map(Value::Number).ok_or_else(|| {
            format!(
                "error converting YAML to JSON: json: unsupported value: {}",
                go_format_g(f, false)
            )
        })?,
        // Timestamps decode as strings into interface{} (go-yaml v2 compat).
        Resolved::Timestamp | Resolved::Str => Value::String(text.to_string()),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Timestamp,
    Str,
}

/// go-yaml v2's `resolve("", s)` for a plain scalar.
pub(super) fn resolve(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Null;
    };
    if first == b'.' {
        return match s.parse::<f64>() {
            Ok(f) if s.len() > 1 && !s[1..].starts_with(['+', '-']) => Resolved::Float(f),
            _ => Resolved::Str,
        };
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Resolved::Str;
    }
    if is_timestamp(s) {
        return Resolved::Timestamp;
    }
    let plain = s.replace('_', "");
    if let Some(r) = go_parse_int(&plain) {
        return r;
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Resolved::Float(f);
        }
    }
    if let Some(bin) = plain.strip_prefix("0b") {
        if let Ok(i) = i64::from_str_radix(bin, 2) {
            return Resolved::Int(i);
        }
        if let Ok(u) = u64::from_str_radix(bin, 2) {
            return Resolved::Uint(u);
        }
    } else if let Some(bin) = plain.strip_prefix("-0b") {
        if let Ok(i) = i64::from_str_radix(&format!("-{bin}"), 2) {
            return Resolved::Int(i);
        }
    }
    Resolved::Str
}

/// `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<Resolved> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    if magnitude <= i64::MAX as u64 {
        Some(Resolved::Int(magnitude as i64))
    } else if !s.starts_with('+') {
        Some(Resolved::Uint(magnitude))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && digits(frac),
        Some((int, frac)) => !int.is_empty() && digits(int) && digits(frac),
        None => !mant.is_empty() && digits(mant),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mant_ok && exp_ok
}

/// go-yaml v2's timestamp formats: `YYYY-M-D` alone, or followed by
/// `T`/`t`/space and `H:M:S[.frac]` with an optional zone after `T`/`t`.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some((rest.as_bytes()[i], &rest[i + 1..]))),
        None => (rest, None),
    };
    let num12 = |x: &str| (1..=2).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit());
    let date_ok = matches!(date.split_once('-'), Some((m, d)) if num12(m) && num12(d));
    let Some((sep, time)) = time else {
        return date_ok;
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) if sep != b' ' => (&time[..i], &time[i..]),
        _ => (time, ""),
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let clock_ok = parts.len() == 3 && parts.iter().all(|p| num12(p));
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || matches!(zone[1..].split_once(':'), Some((h, m)) if h.len() == 2 && m.len() == 2 && num12(h) && num12(m));
    date_ok && clock_ok && frac_ok && zone_ok
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: go-yaml v2 quotes these.
pub(super) fn is_base60_float(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match t.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (t, None),
    };
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or_default();
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.bytes().all(|c| c.is_ascii_digit() || c == b'_');
    let rest: Vec<&str> = parts.collect();
    let rest_ok = !rest.is_empty()
        && rest.iter().all(|p| {
            let b = p.as_bytes();
            match b.len() {
                1 => b[0].is_ascii_digit(),
                2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
                _ => false,
            }
        });
    let frac_ok = frac.is_none_or(|f| f.bytes().all(|c| c.is_ascii_digit() || c == b'_'));
    head_ok && rest_ok && frac_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reading_follows_yaml_1_1() {
        let v = to_json(
            "a: yes\nb: 0x1f\nc: 1_000\nd: 017\ne: 2001-12-14\nf: '1'\ng: ~\nh: 1.5\ni: on\n",
        )
        .expect("yaml");
        assert_eq!(
            v,
            json!({"a": true, "b": 31, "c": 1000, "d": 15, "e": "2001-12-14", "f": "1", "g": null, "h": 1.5, "i": true})
        );
        assert_eq!(
            to_json("base: &b {x: 1}\nderived:\n  <<: *b\n  z: 2\n").expect("merge"),
            json!({"base": {"x": 1}, "derived": {"x": 1, "z": 2}})
        );
        // YAML 1.1 keys: `y` is the boolean true, written back as "true".
        assert_eq!(
            to_json("y: 1\n1: 2\n").expect("keys"),
            json!({"true": 1, "1": 2})
        );
        assert!(to_json("a: [").is_err());
        assert!(to_json("a: .nan").is_err());
    }
}

//! Writing YAML the way Karmada's YAML field overrider does:
//! `sigs.k8s.io/yaml`'s `JSONToYAML`, i.e. go-yaml v2's emitter.
//!
//! Keys in go-yaml v2's "natural" order, two-space indentation, sequences
//! not indented under a mapping key, strings that would read back as another
//! type double-quoted, strings that cannot be plain single-quoted, multi-line
//! strings as literal blocks, long lines folded at column 80. No serde YAML
//! serializer writes this (serde_yaml/serde_norway single-quote `'y'` where
//! go-yaml writes `"y"`), hence this file.

use super::yaml_style::{is_break, is_printable, select_style, Style};
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// `JSONToYAML`: `v` written as go-yaml v2 writes it.
pub(crate) fn from_json(v: &Value) -> String {
    // libyaml starts a stream as if right after an indentation.
    let mut e = Emitter {
        indention: true,
        whitespace: true,
        ..Emitter::default()
    };
    match v {
        Value::Object(m) if !m.is_empty() => e.mapping(m, 0),
        Value::Array(a) if !a.is_empty() => e.sequence(a, 0),
        other => e.inline_value(other, 2),
    }
    if e.column > 0 || !e.indention {
        e.out.push('\n');
    }
    e.out
}

const BEST_WIDTH: usize = 80;

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
    /// True right after a line break or indentation only.
    indention: bool,
    /// True when the last character written was whitespace.
    whitespace: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_str(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml's `write_indent`.
    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// libyaml's `write_indicator`.
    fn indicator(
        &mut self,
        s: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put_str(s);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn mapping(&mut self, m: &Map<String, Value>, indent: usize) {
        let mut entries: Vec<(&String, &Value)> = m.iter().collect();
        entries.sort_by(|a, b| natural_cmp(a.0, b.0));
        for (k, v) in entries {
            self.write_indent(indent);
            self.scalar(k, indent + 2, true);
            self.indicator(":", false, false, false);
            self.node_value(v, indent, true);
        }
    }

    fn sequence(&mut self, a: &[Value], indent: usize) {
        for item in a {
            self.write_indent(indent);
            self.indicator("-", true, false, true);
            self.node_value(item, indent, false);
        }
    }

    /// A mapping value or sequence item whose parent sits at `indent`.
    fn node_value(&mut self, v: &Value, indent: usize, in_mapping: bool) {
        match v {
            Value::Object(m) if !m.is_empty() => self.mapping(m, indent + 2),
            // A sequence under a mapping key is not indented.
            Value::Array(a) if !a.is_empty() => {
                self.sequence(a, if in_mapping { indent } else { indent + 2 })
            }
            other => self.inline_value(other, indent + 2),
        }
    }

    fn inline_value(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Null => self.plain("null"),
            Value::Bool(b) => self.plain(if *b { "true" } else { "false" }),
            Value::Number(n) => self.plain(&yaml_number(n)),
            Value::String(s) => self.scalar(s, indent, false),
            Value::Array(_) => self.indicator("[]", true, false, false),
            Value::Object(_) => self.indicator("{}", true, false, false),
        }
    }

    fn plain(&mut self, s: &str) {
        if !self.whitespace {
            self.put(' ');
        }
        self.put_str(s);
        self.whitespace = false;
        self.indention = false;
    }

    fn scalar(&mut self, s: &str, indent: usize, simple_key: bool) {
        match select_style(s, simple_key) {
            Style::Plain => self.write_plain(s, indent, !simple_key),
            Style::Single => self.write_single(s, indent, !simple_key),
            Style::Double => self.write_double(s, indent, !simple_key),
            Style::Literal => self.write_literal(s, indent),
        }
    }

    fn write_plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.indicator("'", false, false, false);
    }

    fn write_double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c if (c as u32) <= 0xff => self.put_str(&format!("x{:02X}", c as u32)),
                    c if (c as u32) <= 0xffff => self.put_str(&format!("u{:04X}", c as u32)),
                    c => self.put_str(&format!("U{:08X}", c as u32)),
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i + 1 != chars.len()
                {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
    }

    fn write_literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.put('2');
        }
        match (chars.last(), chars.len()) {
            (Some(last), _) if !is_break(*last) => self.put('-'),
            (Some(_), 1) => self.put('+'),
            (Some(_), n) if chars.get(n - 2).is_some_and(|c| is_break(*c)) => self.put('+'),
            _ => {}
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// A JSON number as go-yaml v2 prints it after `JSONToYAML`: integers as
/// integers (a float without a fraction reads back as one), other floats in
/// Go's `%g` shortest form.
fn yaml_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return (f as i64).to_string();
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return (f as u64).to_string();
        }
    }
    go_format_g(f, true)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, with go-yaml's names for
/// the special values when `yaml` is set.
pub(super) fn go_format_g(f: f64, yaml: bool) -> String {
    if f.is_nan() {
        return if yaml { ".nan" } else { "NaN" }.into();
    }
    if f.is_infinite() {
        return match (f > 0.0, yaml) {
            (true, true) => ".inf",
            (false, true) => "-.inf",
            (true, false) => "+Inf",
            (false, false) => "-Inf",
        }
        .into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (head, tail) = digits.split_at(1);
        let frac = if tail.is_empty() {
            String::new()
        } else {
            format!(".{tail}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{head}{frac}e{esign}{:02}", exp.abs())
    } else {
        let dp = exp + 1;
        let nd = digits.len() as i32;
        let body = if dp <= 0 {
            format!("0.{}{digits}", "0".repeat((-dp) as usize))
        } else if dp >= nd {
            format!("{digits}{}", "0".repeat((dp - nd) as usize))
        } else {
            format!("{}.{}", &digits[..dp as usize], &digits[dp as usize..])
        };
        format!("{sign}{body}")
    }
}

/// go-yaml v2's key order: letters by code point, digit runs by value,
/// non-letters before letters.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let digit = |c: char| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric());
    let value = |c: char| c.to_digit(10).unwrap_or(0) as i64;
    let less = |x: bool| if x { Ordering::Less } else { Ordering::Greater };
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return less(bl);
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(value(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(value(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::super::yaml_read::to_json;
    use super::*;
    use serde_json::json;

    #[test]
    fn writing_matches_go_yaml_v2() {
        let cases: Vec<(Value, &str)> = vec![
            (json!({"log": {"level": "warn"}, "replicas": 3, "features": ["b"]}), "features:\n- b\nlog:\n  level: warn\nreplicas: 3\n"),
            (json!({"extra": ["x", "y"]}), "extra:\n- x\n- \"y\"\n"),
            (json!({"s": ["", "true", "1.5", "0x1f", "2001-12-14", "1:20", "null", "NaN", "-"]}), "s:\n- \"\"\n- \"true\"\n- \"1.5\"\n- \"0x1f\"\n- \"2001-12-14\"\n- \"1:20\"\n- \"null\"\n- NaN\n- '-'\n"),
            (json!({"q": ["a: b", "#x", " lead", "it's", "tab\there", "é", "😀"]}), "q:\n- 'a: b'\n- '#x'\n- ' lead'\n- it's\n- \"tab\\there\"\n- é\n- \"\\U0001F600\"\n"),
            (json!({"m": "line1\nline2\n", "n": "a\nb", "e": {}, "l": []}), "e: {}\nl: []\nm: |\n  line1\n  line2\n\"n\": |-\n  a\n  b\n"),
            (json!([{"a": 1, "b": [1, [2, 3]]}, {}]), "- a: 1\n  b:\n  - 1\n  - - 2\n    - 3\n- {}\n"),
            (json!({"f": [2.5, 1.0, 1234567.5, 0.00001, 1e300]}), "f:\n- 2.5\n- 1\n- 1.2345675e+06\n- 1e-05\n- 1e+300\n"),
            (json!({"k10": 1, "k9": 2, "a_b": 3, "ab": 4, "B": 5}), "B: 5\na_b: 3\nab: 4\nk9: 2\nk10: 1\n"),
        ];
        for (v, want) in cases {
            assert_eq!(from_json(&v), want, "value {v}");
        }
    }

    #[test]
    fn long_lines_fold_at_80() {
        let long = "word ".repeat(30);
        let long = long.trim_end();
        let out = from_json(&json!({ "k": long }));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{out}");
        assert!(lines[1].starts_with("  word"), "{out}");
        assert_eq!(to_json(&out).expect("reads back"), json!({ "k": long }));
    }
}

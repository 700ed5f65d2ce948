//! Resource quantities as a FederatedHPA's metric targets carry them
//! (`500m`, `1Gi`, `100`): enough of Kubernetes' quantity grammar to tell a
//! valid, positive value, which is all the webhook checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A resource quantity as written in YAML: `500m`, `1Gi`, `100`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Quantity {
    /// `Some(true)` when positive, `Some(false)` when zero or negative, `None`
    /// when the text is not a quantity.
    pub fn is_positive(&self) -> Option<bool> {
        match self {
            Quantity::Int(i) => Some(*i > 0),
            Quantity::Float(f) => Some(*f > 0.0),
            Quantity::Str(s) => quantity_sign(s),
        }
    }
}

/// Parses Kubernetes' quantity grammar far enough to tell the sign:
/// `[+-]digits[.digits](suffix)`, suffix a binary SI (`Ki`…`Ei`), decimal SI
/// (`n u m k M G T P E`) or exponent (`e3`, `E-2`).
fn quantity_sign(s: &str) -> Option<bool> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|e| !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()));
    if !suffix_ok {
        return None;
    }
    let nonzero = number.bytes().any(|c| (b'1'..=b'9').contains(&c));
    Some(nonzero && !negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_signs() {
        let cases: &[(&str, Option<bool>)] = &[
            ("1", Some(true)),
            ("500m", Some(true)),
            ("1.5Gi", Some(true)),
            ("0.1", Some(true)),
            ("+2k", Some(true)),
            ("1e3", Some(true)),
            ("2E-2", Some(true)),
            ("0", Some(false)),
            ("0m", Some(false)),
            ("-1", Some(false)),
            ("", None),
            ("abc", None),
            ("1.2.3", None),
            ("5Xi", None),
            ("1e", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                Quantity::Str(text.to_string()).is_positive(),
                *want,
                "case `{text}`"
            );
        }
        assert_eq!(Quantity::Int(0).is_positive(), Some(false));
        assert_eq!(Quantity::Float(0.5).is_positive(), Some(true));
    }
}

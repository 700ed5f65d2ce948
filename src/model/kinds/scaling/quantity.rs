//! Resource quantities as a FederatedHPA's metric targets carry them
//! (`500m`, `1Gi`, `100`): the YAML may hold a number or a string; the
//! webhook checks only that the value is a valid, positive quantity.

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

/// The sign of a quantity written as text, by the shared quantity parser
/// (`model::quantity`); `None` when the text is not a quantity.
fn quantity_sign(s: &str) -> Option<bool> {
    s.parse::<crate::model::quantity::Quantity>()
        .ok()
        .map(|q| q.milli() > 0)
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

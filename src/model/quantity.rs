//! Kubernetes resource quantities (`100m`, `1.5`, `64Gi`, `1e3`, `500M`),
//! parsed exactly into integer milli-units.
//!
//! In: the text of a quantity as Kubernetes accepts it. Out: a [`Quantity`]
//! holding the value in thousandths (`cpu: 100m` is 100, `memory: 1Ki` is
//! 1_024_000) and the notation it was written in, so that `Display` writes it
//! back in the same family (binary, decimal SI, decimal exponent).
//!
//! Why milli-units: every request and capacity the scheduler compares is an
//! integer number of millis in Kubernetes (`Quantity.MilliValue()`); integers
//! keep the estimator exact and its output reproducible. Values finer than a
//! milli (`1n`, `0.0001`) are rounded away from zero to the next milli, as
//! Kubernetes does when it scales a quantity up to milli precision.
//!
//! Pure: text in, number out; no allocation beyond the error message.

use std::fmt;
use std::str::FromStr;

/// Why a quantity could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantity is empty")]
    Empty,
    #[error("quantity `{0}` has no digits; expected a number like `100m`, `1.5`, `64Gi` or `1e3`")]
    NoDigits(String),
    #[error("quantity `{quantity}` has an unknown suffix `{suffix}`; expected one of n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent like e3")]
    BadSuffix { quantity: String, suffix: String },
    #[error("quantity `{0}` is too large")]
    TooLarge(String),
}

/// How a quantity was written; `Display` keeps the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Powers of two: `Ki`, `Mi`, … `Ei`.
    BinarySi,
    /// Powers of ten with SI letters (`m`, `k`, `M`, …) or no suffix.
    DecimalSi,
    /// Powers of ten as an exponent: `1e3`, `5E-3`.
    DecimalExponent,
}

/// A parsed quantity: its exact value in milli-units and its notation.
///
/// Equality and ordering compare the value only: `1Ki` equals `1024`.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    milli: i128,
    format: Format,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.milli == other.milli
    }
}
impl Eq for Quantity {}
impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.milli.cmp(&other.milli)
    }
}

impl Quantity {
    /// A quantity of `milli` thousandths, written in decimal SI.
    pub const fn from_milli(milli: i128) -> Self {
        Quantity {
            milli,
            format: Format::DecimalSi,
        }
    }

    /// The value in thousandths (`100m` → 100, `2` → 2000).
    pub const fn milli(&self) -> i128 {
        self.milli
    }

    /// The value in whole units, rounded up (Kubernetes `Quantity.Value()`).
    pub fn value_ceil(&self) -> i128 {
        div_away_from_zero(self.milli, 1000)
    }

    pub const fn format(&self) -> Format {
        self.format
    }

    /// Whether the value is zero.
    pub const fn is_zero(&self) -> bool {
        self.milli == 0
    }
}

/// Parses a Kubernetes quantity.
///
/// ```
/// use flotilla::model::quantity::Quantity;
/// assert_eq!("100m".parse::<Quantity>().unwrap().milli(), 100);
/// assert_eq!("1.5".parse::<Quantity>().unwrap().milli(), 1500);
/// assert_eq!("1Ki".parse::<Quantity>().unwrap().milli(), 1_024_000);
/// assert_eq!("1e3".parse::<Quantity>().unwrap().milli(), 1_000_000);
/// ```
impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(QuantityError::Empty);
        }
        let too_large = || QuantityError::TooLarge(s.to_string());
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        // The number: digits, optionally one `.` and more digits.
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let (number, suffix) = rest.split_at(num_len);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if frac_part.contains('.') {
            return Err(QuantityError::BadSuffix {
                quantity: s.to_string(),
                suffix: format!("{frac_part}{suffix}"),
            });
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(QuantityError::NoDigits(s.to_string()));
        }
        // mantissa / 10^frac_digits is the number as written.
        let mut mantissa: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        let frac_digits = u32::try_from(frac_part.len()).map_err(|_| too_large())?;

        // The suffix as (numerator, denominator, format).
        let (mul, div, format): (i128, i128, Format) = match suffix {
            "" => (1, 1, Format::DecimalSi),
            "n" => (1, 1_000_000_000, Format::DecimalSi),
            "u" => (1, 1_000_000, Format::DecimalSi),
            "m" => (1, 1_000, Format::DecimalSi),
            "k" => (1_000, 1, Format::DecimalSi),
            "M" => (1_000_000, 1, Format::DecimalSi),
            "G" => (1_000_000_000, 1, Format::DecimalSi),
            "T" => (10i128.pow(12), 1, Format::DecimalSi),
            "P" => (10i128.pow(15), 1, Format::DecimalSi),
            "E" => (10i128.pow(18), 1, Format::DecimalSi),
            "Ki" => (1 << 10, 1, Format::BinarySi),
            "Mi" => (1 << 20, 1, Format::BinarySi),
            "Gi" => (1 << 30, 1, Format::BinarySi),
            "Ti" => (1 << 40, 1, Format::BinarySi),
            "Pi" => (1 << 50, 1, Format::BinarySi),
            "Ei" => (1 << 60, 1, Format::BinarySi),
            other => {
                let exp = other
                    .strip_prefix(['e', 'E'])
                    .and_then(|e| e.parse::<i32>().ok())
                    .filter(|_| other.len() > 1)
                    .ok_or_else(|| QuantityError::BadSuffix {
                        quantity: s.to_string(),
                        suffix: other.to_string(),
                    })?;
                // Beyond 10^36 nothing fits an i128 of millis anyway.
                if !(-36..=36).contains(&exp) {
                    return Err(too_large());
                }
                let p = 10i128.pow(exp.unsigned_abs());
                if exp >= 0 {
                    (p, 1, Format::DecimalExponent)
                } else {
                    (1, p, Format::DecimalExponent)
                }
            }
        };
        let numerator = mantissa
            .checked_mul(mul)
            .and_then(|n| n.checked_mul(1000))
            .ok_or_else(too_large)?;
        let denominator = 10i128
            .checked_pow(frac_digits)
            .and_then(|d| d.checked_mul(div))
            .ok_or_else(too_large)?;
        let magnitude = div_away_from_zero(numerator, denominator);
        Ok(Quantity {
            milli: if negative { -magnitude } else { magnitude },
            format,
        })
    }
}

/// `n / d` rounded away from zero (`d > 0`).
fn div_away_from_zero(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d == 0 {
        q
    } else if n > 0 {
        q + 1
    } else {
        q - 1
    }
}

/// Writes the quantity back in its family, in the largest unit that keeps it
/// an integer (as Kubernetes' canonical form does): `1536Mi`, `1500m`, `2k`,
/// `1e3`. A binary quantity that is not a whole number of bytes falls back to
/// decimal SI.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.milli;
        if m == 0 {
            return f.write_str("0");
        }
        if m % 1000 != 0 {
            return match self.format {
                Format::DecimalExponent => write!(f, "{m}e-3"),
                _ => write!(f, "{m}m"),
            };
        }
        let units = m / 1000;
        match self.format {
            Format::BinarySi => {
                const SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                let mut v = units;
                let mut i = 0;
                while i + 1 < SUFFIXES.len() && v % 1024 == 0 {
                    v /= 1024;
                    i += 1;
                }
                write!(f, "{v}{}", SUFFIXES[i])
            }
            Format::DecimalSi => {
                const SUFFIXES: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
                let mut v = units;
                let mut i = 0;
                while i + 1 < SUFFIXES.len() && v % 1000 == 0 {
                    v /= 1000;
                    i += 1;
                }
                write!(f, "{v}{}", SUFFIXES[i])
            }
            Format::DecimalExponent => {
                let mut v = units;
                let mut e = 0;
                while v % 1000 == 0 {
                    v /= 1000;
                    e += 3;
                }
                if e == 0 {
                    write!(f, "{v}")
                } else {
                    write!(f, "{v}e{e}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        let cases: &[(&str, i128)] = &[
            ("0", 0),
            ("1", 1000),
            ("100m", 100),
            ("1.5", 1500),
            ("0.1", 100),
            (".5", 500),
            ("5.", 5000),
            ("+2", 2000),
            ("-2", -2000),
            ("4000m", 4000),
            ("64Gi", 64 * (1 << 30) * 1000),
            ("16384Mi", 16384 * (1 << 20) * 1000),
            ("1.5Gi", 1536 * (1 << 20) * 1000),
            ("500M", 500_000_000_000),
            ("1k", 1_000_000),
            ("1e3", 1_000_000),
            ("1E3", 1_000_000),
            ("5e-3", 5),
            ("1E", 10i128.pow(21)),
            ("1Ei", (1i128 << 60) * 1000),
            // Finer than a milli rounds away from zero (Kubernetes MilliValue).
            ("1n", 1),
            ("1u", 1),
            ("0.0001", 1),
            ("-1n", -1),
            ("250u", 1),
            ("1000000n", 1),
        ];
        for (text, want) in cases {
            let q: Quantity = text.parse().unwrap_or_else(|e| panic!("case {text}: {e}"));
            assert_eq!(q.milli(), *want, "case {text}");
        }
    }

    #[test]
    fn rejects_garbage() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("m", "no digits"),
            ("abc", "no digits"),
            ("1x", "unknown suffix"),
            ("1KI", "unknown suffix"),
            ("1.2.3", "unknown suffix"),
            ("1e", "unknown suffix"),
            ("1 Gi", "unknown suffix"),
            ("1e400", "too large"),
            ("99999999999999999999999999999999999999999", "too large"),
            ("1e30E", "unknown suffix"),
        ];
        for (text, want) in cases {
            let err = text.parse::<Quantity>().expect_err(text).to_string();
            assert!(err.contains(want), "case {text:?}: {err}");
        }
    }

    #[test]
    fn displays_in_the_same_family() {
        let cases: &[(&str, &str)] = &[
            ("0", "0"),
            ("100m", "100m"),
            ("1.5", "1500m"),
            ("2000m", "2"),
            ("1.5Gi", "1536Mi"),
            ("64Gi", "64Gi"),
            ("1024Ki", "1Mi"),
            ("1000", "1k"),
            ("500M", "500M"),
            ("1e3", "1e3"),
            ("1e-3", "1e-3"),
            ("0.5Ki", "512"),
            ("-1k", "-1k"),
        ];
        for (text, want) in cases {
            let q: Quantity = text.parse().unwrap_or_else(|e| panic!("case {text}: {e}"));
            assert_eq!(q.to_string(), *want, "case {text}");
            let back: Quantity = q
                .to_string()
                .parse()
                .unwrap_or_else(|e| panic!("case {text} round trip: {e}"));
            assert_eq!(back, q, "case {text} round trip");
        }
    }

    #[test]
    fn compares_by_value() {
        let a: Quantity = "1Ki".parse().unwrap();
        let b: Quantity = "1024".parse().unwrap();
        assert_eq!(a, b);
        assert!("1Gi".parse::<Quantity>().unwrap() > "1G".parse::<Quantity>().unwrap());
        assert_eq!("1500m".parse::<Quantity>().unwrap().value_ceil(), 2);
    }
}

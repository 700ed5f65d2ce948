//! Cron schedules as Karmada v1.14 accepts them in a CronFederatedHPA rule.
//!
//! Two parsers stand between a schedule and its execution in Karmada: the
//! webhook checks it with `gronx` (5 or 6 fields, its own `@` tags), and the
//! controller schedules it with gocron, which calls robfig/cron's
//! `ParseStandard` (exactly 5 fields, or a descriptor). A schedule runs only
//! if both accept it, so this module accepts their intersection:
//!
//! - five fields: minute (0-59), hour (0-23), day of month (1-31), month
//!   (1-12 or `jan`-`dec`), day of week (0-6 or `sun`-`sat`, Sunday is 0);
//!   each a comma list of `*`, `?`, `n`, `a-b`, with an optional `/step`
//!   (`n/step` means `n-max/step`), exactly as robfig's `getRange`;
//! - the descriptors both know: `@yearly`, `@annually`, `@monthly`,
//!   `@weekly`, `@daily`, `@hourly`.
//!
//! Rejected with a specific message: `@midnight` and `@every` (robfig only),
//! `TZ=`/`CRON_TZ=` prefixes (the rule's `timeZone` is the place for a zone),
//! six-field specs with seconds.
//!
//! Not the `cron` crate: it follows Quartz, where day of week runs 1-7 from
//! Sunday, so it would reject Karmada's `0 9 * * 0` and misread `1-5`.
//!
//! The parsed [`CronSchedule`] keeps robfig's field sets, so that computing
//! fire times later uses the very same semantics.

use thiserror::Error;

/// A parsed standard cron schedule: the set of allowed values of each field
/// as a bit mask (bit `n` set = value `n` allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CronSchedule {
    pub minutes: u64,
    pub hours: u64,
    pub days_of_month: u64,
    pub months: u64,
    pub days_of_week: u64,
    /// Day of month or day of week was an unrestricted `*`/`?`. robfig then
    /// requires both day fields to match; otherwise either one suffices.
    pub day_star: bool,
}

/// Why a schedule is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("the schedule is empty")]
    Empty,
    #[error("expected 5 fields (minute hour day-of-month month day-of-week), found {found}")]
    FieldCount { found: usize },
    #[error("field {position} ({name}) `{text}`: {problem}")]
    Field {
        position: usize,
        name: &'static str,
        text: String,
        problem: String,
    },
    #[error("`{0}` is not a schedule Karmada accepts")]
    Descriptor(String),
    #[error("a time zone prefix is not accepted by Karmada's webhook")]
    TimeZonePrefix,
}

impl Error {
    /// What would be right, for the diagnostic's help line.
    pub fn help(&self) -> String {
        let example = "a valid schedule is `0 9 * * 1-5` (09:00, Monday to Friday) or `@hourly`";
        match self {
            Error::Descriptor(d) if d.starts_with("@every") => {
                format!("`@every` is accepted by the controller but rejected by Karmada's webhook; write five fields, e.g. `*/15 * * * *` for every 15 minutes; {example}")
            }
            Error::Descriptor(d) if d == "@midnight" => "use `@daily` or `0 0 * * *`".into(),
            Error::Descriptor(_) => {
                format!("the accepted descriptors are @yearly, @annually, @monthly, @weekly, @daily and @hourly; {example}")
            }
            Error::TimeZonePrefix => {
                "remove the prefix and set the rule's `timeZone`, e.g. `timeZone: Europe/Paris`"
                    .into()
            }
            Error::FieldCount { found: 6 } => {
                format!("Karmada schedules have no seconds field; drop the first field; {example}")
            }
            _ => example.into(),
        }
    }
}

struct Bounds {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Bounds; 5] = [
    Bounds {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Bounds {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Bounds {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    // Index 0 is unused: months are 1-based.
    Bounds {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
    },
    Bounds {
        name: "day of week",
        min: 0,
        max: 6,
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    },
];

/// The descriptors both of Karmada's parsers accept, and their meaning.
const DESCRIPTORS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Parses a schedule as Karmada would run it.
///
/// ```
/// use flotilla::model::kinds::scaling::cron::parse;
/// assert!(parse("30 8 * * mon-fri").is_ok());
/// assert!(parse("0 9 * * 7").is_err()); // robfig's day of week ends at 6
/// ```
pub fn parse(spec: &str) -> Result<CronSchedule, Error> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(Error::Empty);
    }
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        return Err(Error::TimeZonePrefix);
    }
    let spec = if spec.starts_with('@') {
        DESCRIPTORS
            .iter()
            .find(|(d, _)| *d == spec)
            .map(|(_, fields)| *fields)
            .ok_or_else(|| Error::Descriptor(spec.to_string()))?
    } else {
        spec
    };
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(Error::FieldCount {
            found: fields.len(),
        });
    }
    let mut sets = [0u64; 5];
    let mut stars = [false; 5];
    for (i, (text, bounds)) in fields.iter().zip(FIELDS.iter()).enumerate() {
        let field_error = |problem: String| Error::Field {
            position: i + 1,
            name: bounds.name,
            text: text.to_string(),
            problem,
        };
        // robfig splits on commas and drops empty parts (`strings.FieldsFunc`).
        for part in text.split(',').filter(|p| !p.is_empty()) {
            let (bits, star) = range(part, bounds).map_err(field_error)?;
            if let Some(set) = sets.get_mut(i) {
                *set |= bits;
            }
            if let Some(s) = stars.get_mut(i) {
                *s |= star;
            }
        }
    }
    let [minutes, hours, days_of_month, months, days_of_week] = sets;
    Ok(CronSchedule {
        minutes,
        hours,
        days_of_month,
        months,
        days_of_week,
        day_star: stars[2] || stars[4],
    })
}

/// One comma-separated part of a field: robfig's `getRange`. Returns the bits
/// and whether it was an unrestricted star.
fn range(expr: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let slashes: Vec<&str> = expr.split('/').collect();
    let hyphens: Vec<&str> = slashes.first().copied().unwrap_or("").split('-').collect();
    let first = hyphens.first().copied().unwrap_or("");
    let (start, mut end, mut star) = if first == "*" || first == "?" {
        (b.min, b.max, true)
    } else {
        let start = value(first, b)?;
        let end = match hyphens.as_slice() {
            [_] => start,
            [_, high] => value(high, b)?,
            _ => return Err("too many hyphens".into()),
        };
        (start, end, false)
    };
    let step = match slashes.as_slice() {
        [_] => 1,
        [_, step] => {
            let step = number(step)?;
            // `n/step` runs from n to the end of the field.
            if hyphens.len() == 1 && !star {
                end = b.max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
        _ => return Err("too many slashes".into()),
    };
    if start < b.min {
        return Err(format!("{start} is below the minimum {}", b.min));
    }
    if end > b.max {
        return Err(format!("{end} is above the maximum {}", b.max));
    }
    if start > end {
        return Err(format!("range start {start} is after its end {end}"));
    }
    if step == 0 {
        return Err("the step must be a positive number".into());
    }
    let bits = (start..=end)
        .step_by(step as usize)
        .fold(0u64, |acc, v| acc | (1u64 << v));
    Ok((bits, star))
}

/// A number or, for months and days of week, a name (case-insensitive).
fn value(text: &str, b: &Bounds) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = b.names.iter().position(|n| !n.is_empty() && *n == lower) {
        return u32::try_from(i).map_err(|_| "name out of range".to_string());
    }
    number(text)
}

/// Go's `strconv.Atoi` on a non-negative value (an optional `+` is allowed,
/// as Go allows it).
fn number(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if text.starts_with('-') {
        return Err(format!("negative number `{text}` is not allowed"));
    }
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not a number"));
    }
    // Anything too long for u32 is out of every field's range anyway.
    digits
        .parse::<u32>()
        .map_err(|_| format!("`{text}` is out of range"))
}

/// Checks a time zone name as Go's `time.LoadLocation` would (the IANA
/// database), except `Local`, which depends on the machine.
pub fn check_time_zone(name: &str) -> Result<(), String> {
    match name {
        // Go: "" and "UTC" are UTC.
        "" | "UTC" => Ok(()),
        "Local" => Err("`Local` depends on the machine running the controller; name a zone".into()),
        _ => name
            .parse::<chrono_tz::Tz>()
            .map(|_| ())
            .map_err(|_| format!("unknown time zone `{name}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        let cases: &[(&str, &str)] = &[
            ("every minute", "* * * * *"),
            ("weekdays", "0 9 * * 1-5"),
            ("names", "30 8 * jan-mar MON-fri"),
            ("sunday is 0", "0 0 * * 0"),
            ("steps", "*/15 0-12/3 1/10 * ?"),
            ("lists with empty parts", "1,,2 * * * *"),
            ("plus sign as Go's Atoi", "+5 * * * *"),
            ("extra spaces", "  0   9 * *  *  "),
            ("descriptor", "@hourly"),
            ("annually", "@annually"),
        ];
        for (name, spec) in cases {
            assert!(parse(spec).is_ok(), "case `{name}`: {:?}", parse(spec));
        }
    }

    #[test]
    fn rejected() {
        let cases: &[(&str, &str, &str)] = &[
            ("empty", "", "empty"),
            ("four fields", "* * * *", "found 4"),
            ("seconds", "0 0 9 * * *", "found 6"),
            (
                "minute too big",
                "60 * * * *",
                "field 1 (minute) `60`: 60 is above the maximum 59",
            ),
            (
                "day of month zero",
                "0 0 0 * *",
                "field 3 (day of month) `0`: 0 is below the minimum 1",
            ),
            (
                "day of week 7",
                "0 0 * * 7",
                "field 5 (day of week) `7`: 7 is above the maximum 6",
            ),
            (
                "reversed range",
                "0 10-2 * * *",
                "range start 10 is after its end 2",
            ),
            ("zero step", "*/0 * * * *", "step must be a positive number"),
            ("letters", "x * * * *", "`x` is not a number"),
            ("negative", "0 -1 * * *", "`` is not a number"),
            (
                "name in the wrong field",
                "0 0 * * jan",
                "`jan` is not a number",
            ),
            ("too many hyphens", "1-2-3 * * * *", "too many hyphens"),
            ("too many slashes", "*/2/3 * * * *", "too many slashes"),
            ("quartz L", "0 0 L * *", "`L` is not a number"),
            ("every", "@every 1h", "`@every 1h` is not a schedule"),
            ("midnight", "@midnight", "`@midnight`"),
            ("case-sensitive descriptor", "@Daily", "`@Daily`"),
            ("time zone prefix", "TZ=UTC 0 9 * * *", "time zone prefix"),
        ];
        for (name, spec, want) in cases {
            let err = parse(spec).expect_err(name).to_string();
            assert!(
                err.contains(want),
                "case `{name}`: got `{err}`, want `{want}`"
            );
        }
    }

    #[test]
    fn semantics_follow_robfig() {
        let s = parse("5/20 * * * *").expect("valid");
        assert_eq!(s.minutes, (1 << 5) | (1 << 25) | (1 << 45));
        let weekly = parse("@weekly").expect("valid");
        assert_eq!((weekly.days_of_week, weekly.day_star), (1, true));
        let both = parse("0 0 1 * 1").expect("valid");
        assert!(!both.day_star, "restricted day fields match either way");
        assert!(
            parse("0 0 */2 * *").expect("valid").day_star,
            "day of week is a star"
        );
        assert!(
            !parse("0 0 */2 * 1").expect("valid").day_star,
            "a step > 1 is not a star"
        );
        assert_eq!(parse("0 0 * feb *").expect("valid").months, 1 << 2);
    }

    #[test]
    fn time_zones() {
        for ok in [
            "",
            "UTC",
            "Europe/Paris",
            "America/New_York",
            "Etc/GMT+5",
            "Asia/Kolkata",
        ] {
            assert!(check_time_zone(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Local",
            "Mars/Olympus",
            "europe/paris",
            "CEST",
            "../etc/passwd",
        ] {
            assert!(check_time_zone(bad).is_err(), "{bad}");
        }
    }
}

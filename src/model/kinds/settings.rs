//! `flotilla.io/v1alpha1` Settings: the repository-level configuration read
//! from `flotilla.yaml` at the repository root.
//!
//! Every field is optional; [`Settings::default()`] is what a repository
//! without the file gets. The accessors apply the defaults, so callers never
//! see an absent value: the whole tree is read (minus hidden directories and
//! `exclude`), status goes to `flotilla/status`, the poll interval is 30s and
//! the instance is `flotilla` (the value of the `flotilla.io/managed-by`
//! label, so two daemons on one fleet must differ).
//!
//! Problems are reported with `Code::InvalidSettings`; an accessor over an
//! invalid value falls back to the default, since a repository with an
//! invalid `flotilla.yaml` is not applied anyway.

mod glob;
mod prune;

pub use glob::Pattern;
pub use prune::{PruneSettings, DEFAULT_MAX_DELETE_PERCENT};

use crate::model::check::Checker;
use crate::model::common::validate_label_value;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use thiserror::Error;

/// The API version of Settings.
pub const API_VERSION: &str = "flotilla.io/v1alpha1";
/// The file Settings are read from, at the repository root.
pub const FILE_NAME: &str = "flotilla.yaml";
pub const DEFAULT_STATUS_BRANCH: &str = "flotilla/status";
pub const DEFAULT_INSTANCE: &str = "flotilla";
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Polling a Git remote more often than this only adds load.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Why a settings value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("invalid duration `{text}`: {reason}")]
    InvalidDuration { text: String, reason: String },
    #[error("invalid pattern `{pattern}`: {reason}")]
    InvalidPattern { pattern: String, reason: String },
}

/// The Settings object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: SettingsMeta,
    #[serde(default)]
    pub spec: SettingsSpec,
}

/// Metadata of Settings: unlike other kinds, the name is optional (there is
/// one Settings object per repository).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsSpec {
    /// Repository-relative directories to read; empty means the whole tree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roots: Vec<String>,
    /// Glob patterns (`*`, `**`, `?`) of paths not to read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// The branch status is written to; default `flotilla/status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_branch: Option<String>,
    /// How often the remote is polled, e.g. `15s`, `2m`, `1h30m`; default 30s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_interval: Option<String>,
    /// This daemon's name in ownership labels; default `flotilla`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Guards around deleting what flotilla applied.
    #[serde(default, skip_serializing_if = "is_default")]
    pub prune: PruneSettings,
}

fn is_default(p: &PruneSettings) -> bool {
    *p == PruneSettings::default()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_version: API_VERSION.into(),
            kind: "Settings".into(),
            metadata: SettingsMeta::default(),
            spec: SettingsSpec::default(),
        }
    }
}

impl Settings {
    /// The roots, normalized (`./apps/` is `apps`), without the invalid
    /// ones; empty means the whole tree.
    pub fn roots(&self) -> Vec<String> {
        let roots: Vec<String> = self
            .spec
            .roots
            .iter()
            .filter_map(|r| normalize_root(r).ok())
            .collect();
        // `.` among the roots means everything.
        if roots.iter().any(String::is_empty) {
            Vec::new()
        } else {
            roots
        }
    }

    /// The valid exclude patterns, compiled.
    pub fn exclude_patterns(&self) -> Vec<Pattern> {
        self.spec
            .exclude
            .iter()
            .filter_map(|p| Pattern::new(p).ok())
            .collect()
    }

    pub fn status_branch(&self) -> &str {
        self.spec
            .status_branch
            .as_deref()
            .filter(|b| check_branch(b).is_ok())
            .unwrap_or(DEFAULT_STATUS_BRANCH)
    }

    pub fn poll_interval(&self) -> Duration {
        self.spec
            .poll_interval
            .as_deref()
            .and_then(|t| parse_duration(t).ok())
            .filter(|d| *d >= MIN_POLL_INTERVAL)
            .unwrap_or(DEFAULT_POLL_INTERVAL)
    }

    pub fn instance(&self) -> &str {
        self.spec
            .instance
            .as_deref()
            .filter(|i| check_instance(i).is_ok())
            .unwrap_or(DEFAULT_INSTANCE)
    }

    /// Whether a repository-relative file path is read: under a root, in no
    /// hidden directory below the root (which also keeps `.flotilla/` and
    /// `.git/` out), and not excluded. File extensions are the caller's
    /// business. For many paths, compile once with [`Selector`].
    pub fn selects(&self, path: &str) -> bool {
        Selector::new(self).selects(path)
    }
}

/// [`Settings::selects`] with the roots and patterns prepared once.
#[derive(Debug, Clone)]
pub struct Selector {
    roots: Vec<String>,
    exclude: Vec<Pattern>,
}

impl Selector {
    pub fn new(settings: &Settings) -> Self {
        Selector {
            roots: settings.roots(),
            exclude: settings.exclude_patterns(),
        }
    }

    pub fn selects(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        let below_root = if self.roots.is_empty() {
            Some(path)
        } else {
            self.roots.iter().find_map(|root| {
                path.strip_prefix(root.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
            })
        };
        let Some(rest) = below_root else { return false };
        if rest
            .split('/')
            .any(|c| c.starts_with('.') && c != "." && c != "..")
        {
            return false;
        }
        !self.exclude.iter().any(|p| p.matches(path))
    }
}

impl Settings {
    /// Reports every unusable value with `Code::InvalidSettings`.
    pub fn check(&self, cx: &mut Checker<'_>) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, root) in self.spec.roots.iter().enumerate() {
            let at = format!("/spec/roots/{i}");
            match normalize_root(root) {
                Err(why) => {
                    cx.error(Code::InvalidSettings, &at, format!("root `{root}` {why}"))
                        .help("roots are directories relative to the repository root, e.g. `apps` or `clusters/prod`");
                }
                Ok(norm) => {
                    if let Some(first) = seen.get(&norm) {
                        cx.error(
                            Code::InvalidSettings,
                            &at,
                            format!("root `{root}` is already listed as roots[{first}]"),
                        );
                    } else {
                        seen.insert(norm, i);
                    }
                }
            }
        }
        for (i, pattern) in self.spec.exclude.iter().enumerate() {
            if let Err(e) = Pattern::new(pattern) {
                cx.error(Code::InvalidSettings, &format!("/spec/exclude/{i}"), e.to_string())
                    .help("use `*` (within a name), `**` (any directories) and `?`, e.g. `**/testdata` or `*.tmpl.yaml`");
            }
        }
        if let Some(branch) = &self.spec.status_branch {
            if let Err(why) = check_branch(branch) {
                cx.error(
                    Code::InvalidSettings,
                    "/spec/statusBranch",
                    format!("status branch `{branch}` {why}"),
                )
                .help(format!(
                    "use a plain branch name such as `{DEFAULT_STATUS_BRANCH}`"
                ));
            }
        }
        if let Some(text) = &self.spec.poll_interval {
            match parse_duration(text) {
                Err(e) => {
                    cx.error(Code::InvalidSettings, "/spec/pollInterval", e.to_string())
                        .help("write a whole number with a unit, e.g. `15s`, `2m` or `1h30m`");
                }
                Ok(d) if d < MIN_POLL_INTERVAL => {
                    cx.error(
                        Code::InvalidSettings,
                        "/spec/pollInterval",
                        format!("poll interval `{text}` is shorter than 1s"),
                    )
                    .help("poll at most once a second; push webhooks give faster reactions");
                }
                Ok(_) => {}
            }
        }
        self.spec.prune.check(cx);
        if let Some(instance) = &self.spec.instance {
            if let Err(why) = check_instance(instance) {
                cx.error(Code::InvalidSettings, "/spec/instance", format!("instance `{instance}` {why}"))
                    .help("the instance is a label value: up to 63 of [A-Za-z0-9-_.], e.g. `flotilla-prod`");
            }
        }
    }
}

/// `./apps/` → `apps`; `.` → `` (the whole tree). Rejects what could leave
/// the repository or is not a plain relative path.
fn normalize_root(root: &str) -> Result<String, &'static str> {
    if root.trim().is_empty() {
        return Err("is empty");
    }
    if root.starts_with('/') || root.contains('\\') || root.as_bytes().get(1) == Some(&b':') {
        return Err("is not a relative path");
    }
    let mut parts = Vec::new();
    for part in root.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("leaves the repository (`..`)"),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// A subset of `git check-ref-format` for a branch name.
fn check_branch(b: &str) -> Result<(), &'static str> {
    if b.is_empty() {
        return Err("is empty");
    }
    if b.starts_with("refs/") {
        return Err("is a full ref; give the branch name without `refs/heads/`");
    }
    let bad_char = b.chars().any(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    });
    if bad_char || b.contains("..") || b.contains("@{") || b == "@" {
        return Err("is not a valid git branch name");
    }
    if b.starts_with('/')
        || b.ends_with('/')
        || b.ends_with('.')
        || b.starts_with('-')
        || b.contains("//")
    {
        return Err("is not a valid git branch name");
    }
    if b.split('/')
        .any(|c| c.starts_with('.') || c.ends_with(".lock"))
    {
        return Err("is not a valid git branch name");
    }
    Ok(())
}

fn check_instance(i: &str) -> Result<(), String> {
    if i.is_empty() {
        return Err("is empty".into());
    }
    validate_label_value(i)
}

/// Parses a duration such as `15s`, `2m`, `1h30m` or `500ms`: one or more
/// whole numbers, each followed by a unit (`ms`, `s`, `m`, `h`).
///
/// ```
/// use flotilla::model::kinds::settings::parse_duration;
/// assert_eq!(parse_duration("1m30s").unwrap().as_secs(), 90);
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let bad = |reason: &str| Error::InvalidDuration {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad("expected a whole number"));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let millis_per_unit: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "" => return Err(bad("a unit is missing (ms, s, m or h)")),
            _ => return Err(bad("the unit must be ms, s, m or h")),
        };
        let value: u64 = number.parse().map_err(|_| bad("the number is too large"))?;
        total = value
            .checked_mul(millis_per_unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| bad("the duration is too long"))?;
        rest = next;
    }
    if total == 0 {
        return Err(bad("it must be longer than zero"));
    }
    Ok(Duration::from_millis(total))
}

#[cfg(test)]
mod tests;

//! `spec.prune` of Settings: the guards around deleting what flotilla
//! applied (issue 5 §2). Defaults are the safe ones: an empty render prunes
//! nothing, and a commit that would delete more than half of a cluster's
//! owned objects is held until someone approves that commit.

use crate::model::check::Checker;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The share of a cluster's owned objects one commit may delete without an
/// approval, in percent.
pub const DEFAULT_MAX_DELETE_PERCENT: u8 = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PruneSettings {
    /// Whether a render that is empty for a cluster that has objects may
    /// delete them all; default false (an empty render is far more often a
    /// mistake than an intent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_empty: Option<bool>,
    /// Most of a cluster's owned objects (percent, 0–100) one commit may
    /// delete before the deletion is held for approval; default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delete_percent: Option<u8>,
    /// Source commits (full or abbreviated ids, at least 7 characters) whose
    /// held deletions are approved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approve: Vec<String>,
}

impl PruneSettings {
    pub fn allow_empty(&self) -> bool {
        self.allow_empty.unwrap_or(false)
    }

    pub fn max_delete_percent(&self) -> u8 {
        self.max_delete_percent
            .filter(|p| *p <= 100)
            .unwrap_or(DEFAULT_MAX_DELETE_PERCENT)
    }

    /// Whether the held deletions of source commit `commit` are approved.
    pub fn approves(&self, commit: &str) -> bool {
        self.approve
            .iter()
            .any(|a| a.len() >= 7 && commit.starts_with(a.as_str()))
    }

    pub fn check(&self, cx: &mut Checker<'_>) {
        if let Some(p) = self.max_delete_percent.filter(|p| *p > 100) {
            cx.error(
                Code::InvalidSettings,
                "/spec/prune/maxDeletePercent",
                format!("maxDeletePercent {p} is over 100"),
            )
            .help("give a percentage from 0 (hold every deletion) to 100 (never hold)");
        }
        for (i, a) in self.approve.iter().enumerate() {
            if a.len() < 7 || !a.chars().all(|c| c.is_ascii_hexdigit()) {
                cx.error(
                    Code::InvalidSettings,
                    &format!("/spec/prune/approve/{i}"),
                    format!("`{a}` is not a commit id"),
                )
                .help("name the source commit whose held deletions you approve, e.g. `3f2c9ab` (7 or more hex digits)");
            }
        }
    }
}

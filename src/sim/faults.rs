//! Injected faults and the decision, per request, of which one applies.
//! Set and cleared through the admin API (`/sim/faults`) or a `sim.yaml`
//! schedule; the decisions are deterministic (an error rate fails every
//! n-th request, not a random one), so tests that use them are repeatable.

use serde::Deserialize;
use serde_json::Value;

/// The body of `POST /sim/faults`: every field optional; a field given
/// replaces that fault, `DELETE /sim/faults` clears them all.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultSpec {
    /// `"refuse"` (connections are refused), `"unavailable"` (503), or `"up"`.
    pub api: Option<String>,
    /// Added latency on every request, in milliseconds.
    pub latency_ms: Option<u64>,
    /// Fraction of requests (0..=1) answered 500.
    pub error_rate: Option<f64>,
    /// Fail the n-th write from now (1 = the next one).
    pub fail_nth_write: Option<u64>,
    /// Fail every write to resources matching this (`deployments`, or
    /// `deployments.apps`, or `deployments/web`).
    pub fail_writes_matching: Option<String>,
    /// Reject at admission (422, dry runs included) writes matching this.
    pub reject: Option<Rejection>,
    /// Mark every node NotReady (true) or Ready again (false).
    pub nodes_not_ready: Option<bool>,
    /// Seconds before a newly created CRD is Established and served.
    pub crd_establish_delay_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rejection {
    /// `deployments`, `deployments.apps` or `deployments/web`.
    pub matching: String,
    pub message: String,
}

/// How the API is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Down {
    Refuse,
    Unavailable,
}

/// The faults in force.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub down: Option<Down>,
    pub latency_ms: u64,
    pub error_every: Option<u64>,
    pub fail_write_in: Option<u64>,
    pub fail_writes_matching: Option<String>,
    pub reject: Option<Rejection>,
    pub nodes_not_ready: bool,
    pub crd_establish_delay_seconds: f64,
    requests: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    #[error("`api` must be \"refuse\", \"unavailable\" or \"up\", not `{0}`")]
    Api(String),
    #[error("`errorRate` must be between 0 and 1, not {0}")]
    Rate(f64),
}

/// What a request runs into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Unavailable,
    Error(String),
    Reject(String),
}

impl Faults {
    /// Applies a fault spec on top of the faults in force.
    pub fn apply(&mut self, spec: &FaultSpec) -> Result<(), FaultError> {
        if let Some(api) = &spec.api {
            self.down = match api.as_str() {
                "refuse" => Some(Down::Refuse),
                "unavailable" => Some(Down::Unavailable),
                "up" => None,
                other => return Err(FaultError::Api(other.to_string())),
            };
        }
        if let Some(ms) = spec.latency_ms {
            self.latency_ms = ms;
        }
        if let Some(rate) = spec.error_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(FaultError::Rate(rate));
            }
            self.error_every = (rate > 0.0).then(|| (1.0 / rate).round().max(1.0) as u64);
        }
        if let Some(n) = spec.fail_nth_write {
            self.fail_write_in = (n > 0).then_some(n);
        }
        if let Some(m) = &spec.fail_writes_matching {
            self.fail_writes_matching = (!m.is_empty()).then(|| m.clone());
        }
        if let Some(r) = &spec.reject {
            self.reject = (!r.matching.is_empty()).then(|| r.clone());
        }
        if let Some(b) = spec.nodes_not_ready {
            self.nodes_not_ready = b;
        }
        if let Some(s) = spec.crd_establish_delay_seconds {
            self.crd_establish_delay_seconds = s.max(0.0);
        }
        Ok(())
    }

    /// Decides the fate of one API request. `write` is set for mutating
    /// verbs, with the resource (`deployments.apps`) and name.
    pub fn judge(&mut self, write: Option<(&str, Option<&str>, bool)>) -> Verdict {
        if self.down == Some(Down::Unavailable) {
            return Verdict::Unavailable;
        }
        self.requests += 1;
        if let Some(every) = self.error_every {
            if self.requests % every == 0 {
                return Verdict::Error("injected error (errorRate)".into());
            }
        }
        let Some((resource, name, dry_run)) = write else {
            return Verdict::Pass;
        };
        if let Some(r) = &self.reject {
            if matches(&r.matching, resource, name) {
                return Verdict::Reject(r.message.clone());
            }
        }
        if dry_run {
            return Verdict::Pass;
        }
        if let Some(n) = self.fail_write_in {
            if n <= 1 {
                self.fail_write_in = None;
                return Verdict::Error("injected error (failNthWrite)".into());
            }
            self.fail_write_in = Some(n - 1);
        }
        if let Some(m) = &self.fail_writes_matching {
            if matches(m, resource, name) {
                return Verdict::Error(format!("injected error (failWritesMatching {m})"));
            }
        }
        Verdict::Pass
    }

    /// The faults in force, for `GET /sim/faults`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "api": match self.down { Some(Down::Refuse) => "refuse", Some(Down::Unavailable) => "unavailable", None => "up" },
            "latencyMs": self.latency_ms,
            "errorEvery": self.error_every,
            "failNthWrite": self.fail_write_in,
            "failWritesMatching": self.fail_writes_matching,
            "reject": self.reject.as_ref().map(|r| serde_json::json!({"matching": r.matching, "message": r.message})),
            "nodesNotReady": self.nodes_not_ready,
            "crdEstablishDelaySeconds": self.crd_establish_delay_seconds,
        })
    }
}

/// `pattern` is `plural`, `plural.group` or either followed by `/name`.
fn matches(pattern: &str, resource: &str, name: Option<&str>) -> bool {
    let (res, want_name) = match pattern.split_once('/') {
        Some((r, n)) => (r, Some(n)),
        None => (pattern, None),
    };
    let plural = resource.split('.').next().unwrap_or(resource);
    (res == resource || res == plural) && want_name.is_none_or(|n| Some(n) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_deterministic() {
        let mut f = Faults::default();
        f.apply(&FaultSpec {
            error_rate: Some(0.5),
            ..Default::default()
        })
        .unwrap();
        let verdicts: Vec<bool> = (0..4).map(|_| f.judge(None) != Verdict::Pass).collect();
        assert_eq!(verdicts, [false, true, false, true]);
        let mut f = Faults::default();
        f.apply(&FaultSpec {
            fail_nth_write: Some(2),
            ..Default::default()
        })
        .unwrap();
        let w = Some(("deployments.apps", Some("web"), false));
        assert_eq!(f.judge(w), Verdict::Pass);
        assert!(matches!(f.judge(w), Verdict::Error(_)));
        assert_eq!(f.judge(w), Verdict::Pass);
    }

    #[test]
    fn rejection_applies_to_dry_runs_and_matches_by_name() {
        let mut f = Faults::default();
        let reject = Rejection {
            matching: "deployments/web".into(),
            message: "denied by policy".into(),
        };
        f.apply(&FaultSpec {
            reject: Some(reject),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            f.judge(Some(("deployments.apps", Some("web"), true))),
            Verdict::Reject("denied by policy".into())
        );
        assert_eq!(
            f.judge(Some(("deployments.apps", Some("api"), true))),
            Verdict::Pass
        );
        assert_eq!(
            f.apply(&FaultSpec {
                api: Some("sideways".into()),
                ..Default::default()
            }),
            Err(FaultError::Api("sideways".into()))
        );
    }
}

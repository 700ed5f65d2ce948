//! Where a workload template keeps its pod spec, and the check of the
//! resource quantities in it (requests, limits, overhead).
//!
//! The scheduler's capacity estimator divides by these requests, so a
//! quantity that does not parse is reported here, at load, with its place in
//! the file — not as a scheduling failure later. Pure.

use super::check::Checker;
use super::common::escape_pointer;
use super::diag::Code;
use super::quantity::Quantity;
use serde_json::Value;

/// The JSON pointer of a template's pod spec, by kind (where Karmada's
/// default interpreter and its bundled customizations read it): a Pod's
/// `spec`, a CronJob's job template, and `spec.template.spec` for
/// Deployments, StatefulSets, ReplicaSets, DaemonSets, Jobs and custom
/// workloads shaped like them.
pub fn pod_spec_pointer(kind: &str) -> &'static str {
    match kind {
        "Pod" => "/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => "/spec/template/spec",
    }
}

/// Reports every resource quantity of the pod spec that does not parse.
pub(super) fn check(kind: &str, manifest: &Value, cx: &mut Checker<'_>) {
    let base = pod_spec_pointer(kind);
    let Some(spec) = manifest.pointer(base).filter(|v| v.is_object()) else {
        return;
    };
    for list in ["containers", "initContainers"] {
        for (i, c) in spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for field in ["requests", "limits"] {
                let at = format!("{base}/{list}/{i}/resources/{field}");
                check_list(c.pointer(&format!("/resources/{field}")), &at, cx);
            }
        }
    }
    check_list(spec.get("overhead"), &format!("{base}/overhead"), cx);
}

fn check_list(list: Option<&Value>, at: &str, cx: &mut Checker<'_>) {
    let Some(map) = list.and_then(Value::as_object) else {
        return;
    };
    for (name, raw) in map {
        let text = match raw {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        if let Err(e) = text.parse::<Quantity>() {
            cx.error(
                Code::InvalidValue,
                &format!("{at}/{}", escape_pointer(name)),
                format!("invalid quantity for `{name}`: {e}"),
            )
            .help("write a Kubernetes quantity, e.g. `500m` or `1` for cpu, `256Mi` for memory");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::diag::Code;
    use crate::model::{load, LoadLimits};

    #[test]
    fn bad_quantities_are_reported_where_they_are() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            requests: {cpu: lots, memory: 1Gi}\n            limits:\n              nvidia.com/gpu: 1x\n";
        let loaded = load([("web.yaml", text.as_bytes())], &LoadLimits::default());
        let found: Vec<(Code, u32, String)> = loaded
            .diagnostics
            .iter()
            .map(|d| (d.code, d.location.line, d.message.clone()))
            .collect();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].0, Code::InvalidValue);
        assert_eq!(found[0].1, 12);
        assert!(
            found[0].2.starts_with("invalid quantity for `cpu`"),
            "{found:#?}"
        );
        assert_eq!(found[1].1, 14);
    }
}

//! HorizontalPodAutoscaler controller (autoscaling/v2, CPU utilization).
//!
//! Targets: Deployments, StatefulSets, ReplicaSets and generic workloads
//! (matched by apiVersion group, kind and name). The utilization is the
//! synthetic one (as in [`super::metrics`]: the
//! [`super::CPU_UTILIZATION_ANNOTATION`] on the workload, else
//! [`Inputs::cpu_utilization`]); it is read as the *per-pod* utilization
//! and does not fall as pods are added, so a sustained value above target
//! drives the workload to `maxReplicas` and one below to `minReplicas`, as
//! a real cluster under ever-growing (or vanishing) load would. Without a
//! value the HPA reports `ScalingActive=False` and leaves the target alone.
//!
//! desired = ceil(current × utilization / target), or current within the
//! 10% tolerance; then stabilized as Kubernetes does (the lowest
//! recommendation of the scale-up window, default 0 s, and the highest of
//! the scale-down window, default 300 s; a `selectPolicy: Disabled`
//! direction never scales), then clamped to min/max. The target's
//! `spec.replicas` is written through its `/scale` subresource
//! ([`Action::Scale`]), which is what makes a later server-side apply of
//! `spec.replicas` by another manager conflict, as on a real cluster.
//!
//! Controllers keep no memory, so the recommendation history lives in the
//! HPA's status under `sim.flotilla.io/recommendations`, as change points
//! `{time, replicas}` (each value holds until the next point), which keeps
//! writes to when the recommendation changes.
//!
//! Not modelled: scaling rate policies (`behavior.*.policies`), metrics
//! other than cpu Utilization, the ready-pod corrections Kubernetes applies.

use super::due::Due;
use super::events::Recorder;
use super::metrics::{pod_cpu_milli, utilization, Owners};
use super::obj::{
    fmt_time, generation, i64_at, is_deleting, merge_conditions, name, ns, status_update, str_at,
    time_at, Cond,
};
use super::{Action, Inputs, Resource, World};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

pub(crate) fn resource() -> Resource {
    Resource::new("autoscaling", "horizontalpodautoscalers")
}

/// Where the recommendation history is kept in the HPA's status.
pub const HISTORY_FIELD: &str = "sim.flotilla.io/recommendations";

/// Status field with the time of the last evaluation: an HPA is evaluated
/// once per sync period, as Kubernetes' controller does
/// (`--horizontal-pod-autoscaler-sync-period`, 15 s), not on every change.
pub const LAST_EVALUATED_FIELD: &str = "sim.flotilla.io/lastEvaluated";
const SYNC_PERIOD_SECONDS: i64 = 15;

const TOLERANCE: f64 = 0.1;

fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The target's resource and object.
fn find_target<'w>(
    world: &'w dyn World,
    inputs: &Inputs,
    hpa: &Value,
) -> Option<(Resource, &'w Value)> {
    let kind = str_at(hpa, "/spec/scaleTargetRef/kind")?;
    let target_name = str_at(hpa, "/spec/scaleTargetRef/name")?;
    let api_group = group(str_at(hpa, "/spec/scaleTargetRef/apiVersion").unwrap_or_default());
    let builtin = match kind {
        "Deployment" => Some(Resource::new("apps", "deployments")),
        "StatefulSet" => Some(Resource::new("apps", "statefulsets")),
        "ReplicaSet" => Some(Resource::new("apps", "replicasets")),
        _ => None,
    };
    let candidates = builtin.into_iter().chain(
        inputs
            .generic_workloads
            .iter()
            .filter(|r| r.group == api_group)
            .cloned(),
    );
    candidates.into_iter().find_map(|r| {
        let found = world.list(&r).into_iter().find(|o| {
            ns(o) == ns(hpa)
                && name(o) == target_name
                && str_at(o, "/kind").is_none_or(|k| k == kind)
        })?;
        Some((r, found))
    })
}

/// The cpu target utilization: the first cpu `Utilization` metric, the v1
/// field, or Kubernetes' default of 80%.
fn target_utilization(hpa: &Value) -> Option<f64> {
    let metrics = hpa.pointer("/spec/metrics").and_then(Value::as_array);
    match metrics.filter(|m| !m.is_empty()) {
        Some(ms) => ms
            .iter()
            .find(|m| {
                str_at(m, "/type") == Some("Resource")
                    && str_at(m, "/resource/name") == Some("cpu")
                    && str_at(m, "/resource/target/type") == Some("Utilization")
            })
            .and_then(|m| i64_at(m, "/resource/target/averageUtilization")),
        None => Some(i64_at(hpa, "/spec/targetCPUUtilizationPercentage").unwrap_or(80)),
    }
    .filter(|t| *t > 0)
    .map(|t| t as f64)
}

/// The recommendation history: (time, replicas), oldest first.
fn history(hpa: &Value) -> Vec<(DateTime<Utc>, i64)> {
    hpa.pointer(&format!("/status/{}", HISTORY_FIELD.replace('/', "~1")))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| Some((time_at(e, "/time")?, i64_at(e, "/replicas")?)))
        .collect()
}

fn window(hpa: &Value, dir: &str, default: i64) -> i64 {
    i64_at(
        hpa,
        &format!("/spec/behavior/{dir}/stabilizationWindowSeconds"),
    )
    .unwrap_or(default)
    .max(0)
}

/// The extreme (by `pick`) of the recommendations in force during the
/// last `seconds`.
fn in_window(
    hist: &[(DateTime<Utc>, i64)],
    now: DateTime<Utc>,
    seconds: i64,
    pick: fn(i64, i64) -> i64,
) -> Option<i64> {
    let cutoff = now - Duration::seconds(seconds);
    hist.iter()
        .enumerate()
        .filter(|(i, _)| hist.get(i + 1).is_none_or(|(next, _)| *next > cutoff))
        .map(|(_, (_, r))| *r)
        .reduce(pick)
}

/// When each HPA is next evaluated: a sync period after the last time
/// (the stabilization windows are judged then too, as in Kubernetes).
pub(crate) fn due(world: &dyn World, due: &mut Due) {
    for hpa in world.list(&resource()) {
        if let Some(t) = last_evaluated(hpa).filter(|_| !is_deleting(hpa)) {
            due.at(t + Duration::seconds(SYNC_PERIOD_SECONDS));
        }
    }
}

fn last_evaluated(hpa: &Value) -> Option<DateTime<Utc>> {
    time_at(
        hpa,
        &format!("/status/{}", LAST_EVALUATED_FIELD.replace('/', "~1")),
    )
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let hpas = world.list(&resource());
    if hpas.is_empty() {
        return Vec::new();
    }
    let owners = Owners::new(world, inputs);
    let mut events = Recorder::new(world, "horizontal-pod-autoscaler", inputs.now);
    let mut out = Vec::new();
    let now = inputs.now;
    for hpa in hpas {
        if is_deleting(hpa) {
            continue;
        }
        let last = last_evaluated(hpa);
        let spec_seen = i64_at(hpa, "/status/observedGeneration") == Some(generation(hpa));
        if spec_seen && last.is_some_and(|t| now - t < Duration::seconds(SYNC_PERIOD_SECONDS)) {
            continue;
        }
        let min = i64_at(hpa, "/spec/minReplicas").unwrap_or(1).max(1);
        let max = i64_at(hpa, "/spec/maxReplicas").unwrap_or(min).max(min);
        let mut hist = history(hpa);
        let mut status = json!({"observedGeneration": generation(hpa)});
        for k in ["lastScaleTime", "currentReplicas", "desiredReplicas"] {
            if let Some(v) = hpa.pointer(&format!("/status/{k}")) {
                status[k] = v.clone();
            }
        }
        let target = find_target(world, inputs, hpa);
        let replicas = |t: &Value| i64_at(t, "/spec/replicas").unwrap_or(1);
        let util = target
            .as_ref()
            .and_then(|(_, t)| utilization(t, &owners, inputs));
        let target_util = target_utilization(hpa);
        let cond = |type_, status, reason, message: &str| Cond {
            type_,
            status,
            reason,
            message: message.to_string(),
        };
        let conds: Vec<Cond> = match (&target, util, target_util) {
            (None, _, _) => {
                let what = str_at(hpa, "/spec/scaleTargetRef/name").unwrap_or_default();
                vec![cond("AbleToScale", "False", "FailedGetScale",
                    &format!("the HPA controller was unable to get the target's current scale: {what} not found"))]
            }
            (Some((_, t)), _, _) if replicas(t) == 0 => vec![
                cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
                cond("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero"),
            ],
            (Some(_), _, None) => vec![
                cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
                cond("ScalingActive", "False", "FailedGetResourceMetric", "the HPA was unable to compute the replica count: the simulator serves cpu Utilization metrics only"),
            ],
            (Some(_), None, _) => vec![
                cond("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale"),
                cond("ScalingActive", "False", "FailedGetResourceMetric",
                    "the HPA was unable to compute the replica count: no synthetic cpu utilization is set for the target (annotation sim.flotilla.io/cpu-utilization or the admin API)"),
            ],
            (Some((res, obj)), Some(util), Some(goal)) => {
                let current = replicas(obj);
                let ratio = util / goal;
                let raw = if (ratio - 1.0).abs() <= TOLERANCE {
                    current
                } else {
                    (current as f64 * ratio).ceil() as i64
                };
                match hist.last_mut() {
                    Some((t, r)) if *t == now => *r = raw,
                    Some((_, r)) if *r == raw => {}
                    _ => hist.push((now, raw)),
                }
                let up = in_window(&hist, now, window(hpa, "scaleUp", 0), i64::min).unwrap_or(raw);
                let down = in_window(&hist, now, window(hpa, "scaleDown", 300), i64::max).unwrap_or(raw);
                let mut rec = current.max(up).min(down);
                let disabled = |dir: &str| str_at(hpa, &format!("/spec/behavior/{dir}/selectPolicy")) == Some("Disabled");
                if (rec > current && disabled("scaleUp")) || (rec < current && disabled("scaleDown")) {
                    rec = current;
                }
                let desired = rec.clamp(min, max);
                status["currentReplicas"] = json!(current);
                status["desiredReplicas"] = json!(desired);
                status["currentMetrics"] = json!([{"type": "Resource", "resource": {"name": "cpu", "current": {
                    "averageUtilization": util.round() as i64,
                    "averageValue": format!("{}m", pod_cpu_milli(obj, util)),
                }}}]);
                let able = if desired != current {
                    out.push(Action::Scale {
                        resource: res.clone(),
                        namespace: Some(ns(obj).to_string()).filter(|n| !n.is_empty()),
                        name: name(obj).to_string(),
                        replicas: desired,
                    });
                    status["lastScaleTime"] = json!(fmt_time(now));
                    let why = if desired > current { "above" } else { "below" };
                    events.normal(&mut out, hpa, "SuccessfulRescale", format!(
                        "New size: {desired}; reason: cpu resource utilization (percentage of request) {why} target"));
                    cond("AbleToScale", "True", "SucceededRescale", &format!("the HPA controller was able to update the target scale to {desired}"))
                } else if raw < current && rec > raw {
                    cond("AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
                } else if raw > current && rec < raw {
                    cond("AbleToScale", "True", "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
                } else {
                    cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
                };
                let limited = if rec > max {
                    cond("ScalingLimited", "True", "TooManyReplicas", "the desired replica count is more than the maximum replica count")
                } else if rec < min {
                    cond("ScalingLimited", "True", "TooFewReplicas", "the desired replica count is less than the minimum replica count")
                } else {
                    cond("ScalingLimited", "False", "DesiredWithinRange", "the desired count is within the acceptable range")
                };
                vec![able, cond("ScalingActive", "True", "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"), limited]
            }
        };
        status["conditions"] = json!(merge_conditions(hpa, &conds, now, false));
        // Points older than the longest window (but the one in force) go.
        let longest = window(hpa, "scaleUp", 0).max(window(hpa, "scaleDown", 300));
        let cutoff = now - Duration::seconds(longest);
        while hist.len() > 1 && hist[1].0 <= cutoff {
            hist.remove(0);
        }
        let points: Vec<Value> = hist
            .iter()
            .map(|(t, r)| json!({"time": fmt_time(*t), "replicas": r}))
            .collect();
        if !points.is_empty() {
            status[HISTORY_FIELD] = json!(points);
        }
        status[LAST_EVALUATED_FIELD] = json!(fmt_time(now));
        out.extend(status_update(&resource(), hpa, status));
    }
    out
}

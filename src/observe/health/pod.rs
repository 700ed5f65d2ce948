//! Pods: Running and Ready, or Succeeded, is Healthy. A pod that will not
//! get better by waiting is Degraded: Failed, a container in a crash loop
//! or unable to get its image or configuration, or no node to run on. (An
//! unschedulable pod may still be placed when nodes are added, but in a
//! fleet it usually means the cluster is out of capacity: worth a red cell.)
//! Everything else is Progressing.

use super::{condition, condition_text, condition_true, str_at, Health, HealthState};
use serde_json::Value;

/// Waiting reasons that mean a container will not start by itself.
const STUCK: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreStartHookError",
    "PostStartHookError",
];

fn container_statuses(p: &Value) -> impl Iterator<Item = &Value> {
    ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .filter_map(|k| p.pointer(&format!("/status/{k}")).and_then(Value::as_array))
        .flatten()
}

/// `container <name>: <reason>: <message>` for a waiting container.
fn waiting_text(c: &Value) -> Option<(&str, String)> {
    let reason = str_at(c, "/state/waiting/reason")?;
    let name = str_at(c, "/name").unwrap_or("?");
    let mut text = format!("container {name}: {reason}");
    if let Some(m) = str_at(c, "/state/waiting/message").filter(|m| !m.is_empty()) {
        text.push_str(": ");
        text.push_str(m);
    }
    Some((reason, text))
}

pub(super) fn pod(p: &Value) -> Health {
    let phase = str_at(p, "/status/phase").unwrap_or("Pending");
    match phase {
        "Succeeded" => return Health::new(HealthState::Healthy, "pod completed"),
        "Failed" => {
            let reason = str_at(p, "/status/reason");
            let message = str_at(p, "/status/message");
            let text = match (reason, message) {
                (Some(r), Some(m)) => format!("pod failed: {r}: {m}"),
                (Some(s), None) | (None, Some(s)) => format!("pod failed: {s}"),
                (None, None) => "pod failed".to_string(),
            };
            return Health::degraded(text);
        }
        "Pending" | "Running" => {}
        other => return Health::unknown(format!("pod phase {other}")),
    }
    if let Some((_, text)) = container_statuses(p)
        .filter_map(waiting_text)
        .find(|(reason, _)| STUCK.contains(reason))
    {
        return Health::degraded(text);
    }
    if let Some(c) = condition(p, "PodScheduled") {
        if str_at(c, "/status") == Some("False") && str_at(c, "/reason") == Some("Unschedulable") {
            let message = str_at(c, "/message").unwrap_or_default();
            return Health::degraded(
                format!("unschedulable: {message}")
                    .trim_end_matches(": ")
                    .to_string(),
            );
        }
    }
    if phase == "Running" && condition_true(p, "Ready") {
        return Health::healthy();
    }
    let why = container_statuses(p)
        .filter_map(waiting_text)
        .map(|(_, text)| text)
        .next()
        .or_else(|| condition(p, "Ready").map(|c| condition_text("Ready", c)))
        .unwrap_or_else(|| "waiting for the pod to be scheduled".to_string());
    Health::progressing(format!("{}: {why}", phase.to_lowercase()))
}

//! Deployment status: counts from the pods of its ReplicaSets and the
//! Available and Progressing conditions, as `syncRolloutStatus` writes them
//! (what `kubectl rollout status` reads).

use super::{resource, Sync};
use crate::sim::controllers::due::Due;
use crate::sim::controllers::obj::{
    bool_at, conditions, find_condition, fmt_time, generation, i64_at, merge_condition,
    status_update, str_at, time_at, Cond,
};
use crate::sim::controllers::{Action, World};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

pub(super) fn update(s: &Sync, created: bool, now: DateTime<Utc>) -> Option<Action> {
    let d = s.d;
    let sets = || s.old.iter().chain(s.new.as_ref());
    let replicas: i64 = sets().map(|r| r.active).sum();
    let updated = s.new.as_ref().map_or(0, |n| n.active);
    let ready: i64 = sets().map(|r| r.ready).sum();
    let available: i64 = sets().map(|r| r.available).sum();
    let old = |k: &str| i64_at(d, &format!("/status/{k}")).unwrap_or(0);
    let progressed = created
        || sets().any(|r| r.spec != r.orig_spec)
        || updated > old("updatedReplicas")
        || ready > old("readyReplicas")
        || available > old("availableReplicas")
        || replicas - updated < old("replicas") - old("updatedReplicas");

    let available_cond = if available >= s.replicas - s.max_unavailable {
        Cond {
            type_: "Available",
            status: "True",
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.".into(),
        }
    } else {
        Cond {
            type_: "Available",
            status: "False",
            reason: "MinimumReplicasUnavailable",
            message: "Deployment does not have minimum availability.".into(),
        }
    };
    let old_conds = conditions(d);
    let mut conds = vec![merge_condition(
        find_condition(old_conds, "Available"),
        &available_cond,
        now,
        true,
    )];
    let complete = s.new.is_some()
        && updated == s.replicas
        && replicas == s.replicas
        && available == s.replicas;
    conds.extend(progressing(s, complete, progressed, created, now));
    conds.extend(
        old_conds
            .iter()
            .filter(|c| !matches!(str_at(c, "/type"), Some("Available" | "Progressing")))
            .cloned(),
    );
    let mut status = json!({
        "observedGeneration": generation(d),
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (s.replicas - available).max(0),
        "conditions": conds,
    });
    if let Some(c) = d.pointer("/status/collisionCount") {
        status["collisionCount"] = c.clone();
    }
    status_update(&resource(), d, status)
}

/// When a Deployment still progressing runs out of its progress deadline
/// (it counts from the Progressing condition's lastUpdateTime).
pub(crate) fn due(world: &dyn World, due: &mut Due) {
    for d in world.list(&resource()) {
        let current = find_condition(conditions(d), "Progressing");
        let settled = matches!(
            current.and_then(|c| str_at(c, "/reason")),
            Some("NewReplicaSetAvailable" | "ProgressDeadlineExceeded")
        );
        if settled || bool_at(d, "/spec/paused") {
            continue;
        }
        if let Some(t) = current.and_then(|c| time_at(c, "/lastUpdateTime")) {
            due.after(t + Duration::seconds(progress_deadline(d)));
        }
    }
}

fn progress_deadline(d: &Value) -> i64 {
    i64_at(d, "/spec/progressDeadlineSeconds").unwrap_or(600)
}

/// The Progressing condition, or the current one when nothing decides.
fn progressing(
    s: &Sync,
    complete: bool,
    progressed: bool,
    created: bool,
    now: DateTime<Utc>,
) -> Option<Value> {
    let d = s.d;
    let current = find_condition(conditions(d), "Progressing");
    let reason = current.and_then(|c| str_at(c, "/reason"));
    let rs = s.new.as_ref().map_or("", |n| n.name.as_str());
    let deadline = progress_deadline(d);
    let timed_out = current
        .and_then(|c| time_at(c, "/lastUpdateTime"))
        .is_some_and(|t| t + Duration::seconds(deadline) < now);
    let (status, reason, message, touch) = if bool_at(d, "/spec/paused") {
        (
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused".to_string(),
            false,
        )
    } else if complete {
        let msg = format!("ReplicaSet \"{rs}\" has successfully progressed.");
        ("True", "NewReplicaSetAvailable", msg, false)
    } else if created {
        let msg = format!("Created new replica set \"{rs}\"");
        ("True", "NewReplicaSetCreated", msg, true)
    } else if progressed || current.is_none() || reason == Some("DeploymentPaused") {
        let msg = format!("ReplicaSet \"{rs}\" is progressing.");
        ("True", "ReplicaSetUpdated", msg, true)
    } else if matches!(
        reason,
        Some("NewReplicaSetAvailable" | "ProgressDeadlineExceeded")
    ) || !timed_out
    {
        return current.cloned();
    } else {
        let msg = format!("ReplicaSet \"{rs}\" has timed out progressing.");
        ("False", "ProgressDeadlineExceeded", msg, false)
    };
    let cond = Cond {
        type_: "Progressing",
        status,
        reason,
        message,
    };
    let mut c = merge_condition(current, &cond, now, true);
    if touch {
        // Progress moves lastUpdateTime even with an unchanged message: the
        // deadline counts from the last progress.
        c["lastUpdateTime"] = json!(fmt_time(now));
    }
    Some(c)
}

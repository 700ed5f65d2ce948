//! Job controller: runs pods to completion.
//!
//! Keeps `min(parallelism, completions - succeeded)` pods active (with no
//! `completions`: `parallelism` until one pod succeeds, then none new), named
//! `<job>-<5 characters>` and labelled with the job name and uid. The pods
//! "run" in the kubelet for [`super::RUN_SECONDS_ANNOTATION`] seconds (5 by
//! default) and succeed, or fail with [`super::EXIT_CODE_ANNOTATION`].
//! The Job completes (`Complete`, reason CompletionsReached, with
//! `completionTime`) once enough pods succeeded, and fails (`Failed`,
//! BackoffLimitExceeded or DeadlineExceeded) after more than `backoffLimit`
//! (6) failed pods or `activeDeadlineSeconds`; a finished Job's remaining
//! pods are deleted, and the Job itself `ttlSecondsAfterFinished` later.
//! `suspend` deletes the active pods and sets `Suspended`.
//!
//! Not modelled: the Indexed completion mode, pod failure policies and the
//! exponential back-off between retries (a failed pod is replaced at once).

use super::due::Due;
use super::events::Recorder;
use super::obj::{
    by_controller, conditions, find_condition, fmt_time, i64_at, is_deleting, merge_conditions,
    name, ns, status_update, str_at, time_at, uid, Cond, Names,
};
use super::pod::{is_active, is_ready, phase};
use super::replicaset::{pods, Scale};
use super::{Action, Inputs, Resource, World};
use chrono::Duration;
use serde_json::{json, Value};

pub(crate) fn resource() -> Resource {
    Resource::new("batch", "jobs")
}

/// Whether the Job has a `Complete` or `Failed` condition that is True.
pub(crate) fn finished(job: &Value) -> Option<&'static str> {
    ["Complete", "Failed"].into_iter().find(|t| {
        find_condition(conditions(job), t).and_then(|c| str_at(c, "/status")) == Some("True")
    })
}

/// When the pod's last container terminated.
fn finished_at(p: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    p.pointer("/status/containerStatuses")?
        .as_array()?
        .iter()
        .filter_map(|c| time_at(c, "/state/terminated/finishedAt"))
        .max()
}

/// When a finished Job was done (its completionTime, else when it failed).
fn done_at(job: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    time_at(job, "/status/completionTime").or_else(|| {
        find_condition(conditions(job), "Failed").and_then(|c| time_at(c, "/lastTransitionTime"))
    })
}

/// When a running Job reaches `activeDeadlineSeconds`, and when a finished
/// one is deleted (`ttlSecondsAfterFinished`).
pub(crate) fn due(world: &dyn World, due: &mut Due) {
    for job in world.list(&resource()) {
        if is_deleting(job) {
            continue;
        }
        if finished(job).is_some() {
            if let (Some(ttl), Some(t)) =
                (i64_at(job, "/spec/ttlSecondsAfterFinished"), done_at(job))
            {
                due.at(t + Duration::seconds(ttl));
            }
        } else if let (Some(s), Some(t)) = (
            i64_at(job, "/spec/activeDeadlineSeconds"),
            time_at(job, "/status/startTime"),
        ) {
            due.at(t + Duration::seconds(s));
        }
    }
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let jobs = world.list(&resource());
    if jobs.is_empty() {
        return Vec::new();
    }
    let all_pods = world.list(&pods());
    let mut taken = Names::new(&all_pods);
    let owned = by_controller(&all_pods);
    let mut events = Recorder::new(world, "job-controller", inputs.now);
    let mut out = Vec::new();
    let now = inputs.now;
    for job in jobs {
        if is_deleting(job) || job.pointer("/spec/template").is_none() {
            continue;
        }
        let mine: Vec<&Value> = owned.get(uid(job)).cloned().unwrap_or_default();
        let active: Vec<&Value> = mine.iter().copied().filter(|p| is_active(p)).collect();
        let count = |p: &str, field: &str| {
            let pods = mine.iter().filter(|x| phase(x) == p).count() as i64;
            pods.max(i64_at(job, &format!("/status/{field}")).unwrap_or(0))
        };
        let succeeded = count("Succeeded", "succeeded");
        let failed = count("Failed", "failed");
        let completions = i64_at(job, "/spec/completions");
        let parallelism = i64_at(job, "/spec/parallelism").unwrap_or(1).max(0);
        let suspended = job.pointer("/spec/suspend") == Some(&json!(true));
        let start = time_at(job, "/status/startTime").or((!suspended).then_some(now));
        let deadline = i64_at(job, "/spec/activeDeadlineSeconds")
            .zip(start)
            .is_some_and(|(s, t)| t + Duration::seconds(s) <= now);
        let mut verdict: Option<(&str, &str, &str)> = None;
        let mut completion_time = time_at(job, "/status/completionTime");
        let done = match finished(job) {
            Some(_) => true,
            None if failed > i64_at(job, "/spec/backoffLimit").unwrap_or(6) => {
                verdict = Some((
                    "Failed",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                ));
                true
            }
            None if deadline => {
                verdict = Some((
                    "Failed",
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline",
                ));
                true
            }
            None if completions.map_or(succeeded > 0 && active.is_empty(), |c| succeeded >= c) => {
                verdict = Some((
                    "Complete",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                ));
                // When the last pod finished, which a coarse clock may pass.
                let last_finish = mine
                    .iter()
                    .filter(|p| phase(p) == "Succeeded")
                    .filter_map(|p| finished_at(p))
                    .max();
                completion_time = completion_time.or(last_finish).or(Some(now));
                true
            }
            None => false,
        };
        let want = match (done || suspended, completions) {
            (true, _) => 0,
            (false, Some(c)) => parallelism.min(c - succeeded).max(0),
            // Once one pod succeeded no new one starts; the others finish.
            (false, None) if succeeded > 0 => active.len() as i64,
            (false, None) => parallelism,
        };
        let mut scale = Scale {
            owner: job,
            owner_ref: super::obj::owner_ref(job, "batch/v1", "Job"),
            extra_labels: vec![
                ("batch.kubernetes.io/controller-uid", uid(job).to_string()),
                ("batch.kubernetes.io/job-name", name(job).to_string()),
                ("controller-uid", uid(job).to_string()),
                ("job-name", name(job).to_string()),
            ],
            events: &mut events,
            taken: &mut taken,
            out: &mut out,
        };
        scale.to(&active, usize::try_from(want).unwrap_or(0));
        if let Some((type_, reason, msg)) = verdict {
            let kind = if type_ == "Failed" {
                "Warning"
            } else {
                "Normal"
            };
            let event_reason = if type_ == "Failed" {
                reason
            } else {
                "Completed"
            };
            let event_msg = if type_ == "Failed" {
                msg
            } else {
                "Job completed"
            };
            if kind == "Warning" {
                events.warning(&mut out, job, event_reason, event_msg.into());
            } else {
                events.normal(&mut out, job, event_reason, event_msg.into());
            }
        }
        if let Some(ttl) = i64_at(job, "/spec/ttlSecondsAfterFinished") {
            let finished_at = completion_time.or_else(|| {
                find_condition(conditions(job), "Failed")
                    .and_then(|c| time_at(c, "/lastTransitionTime"))
            });
            if finished(job).is_some()
                && finished_at.is_some_and(|t| t + Duration::seconds(ttl) <= now)
            {
                out.push(Action::Delete {
                    resource: resource(),
                    namespace: Some(ns(job).to_string()),
                    name: name(job).to_string(),
                });
                continue;
            }
        }
        let mut conds = Vec::new();
        if suspended || find_condition(conditions(job), "Suspended").is_some() {
            conds.push(Cond {
                type_: "Suspended",
                status: if suspended { "True" } else { "False" },
                reason: if suspended {
                    "JobSuspended"
                } else {
                    "JobResumed"
                },
                message: if suspended {
                    "Job suspended"
                } else {
                    "Job resumed"
                }
                .into(),
            });
        }
        if let Some((type_, reason, msg)) = verdict {
            conds.push(Cond {
                type_,
                status: "True",
                reason,
                message: msg.into(),
            });
        }
        let mut status = json!({
            "active": active.len(),
            "ready": active.iter().filter(|p| is_ready(p)).count(),
            "succeeded": succeeded,
            "failed": failed,
            "conditions": merge_conditions(job, &conds, now, false),
        });
        if let Some(t) = start {
            status["startTime"] = json!(fmt_time(t));
        }
        if let Some(t) = completion_time {
            status["completionTime"] = json!(fmt_time(t));
        }
        if status["conditions"].as_array().is_some_and(Vec::is_empty) {
            if let Some(s) = status.as_object_mut() {
                s.remove("conditions");
            }
        }
        out.extend(status_update(&resource(), job, status));
    }
    out
}

//! CronJob controller: creates a Job from `spec.jobTemplate` at each
//! scheduled time.
//!
//! The schedule is parsed by the crate's robfig-compatible parser
//! ([`crate::model::kinds::scaling::cron`]: five fields or a descriptor;
//! `@every` and `TZ=` prefixes are not accepted there) and read in
//! `spec.timeZone` (UTC by default). At each round the latest scheduled
//! minute in `(lastScheduleTime or creation, now]` (looking back at most a
//! week) gets a Job named `<cronjob>-<minutes since the epoch>`, as
//! Kubernetes names it, unless `startingDeadlineSeconds` has passed, the
//! CronJob is suspended, or `concurrencyPolicy: Forbid` and a Job is still
//! running (`Replace` deletes the running ones). Finished Jobs beyond
//! `successfulJobsHistoryLimit` (3) and `failedJobsHistoryLimit` (1) are
//! deleted, oldest first. Status: `active`, `lastScheduleTime`,
//! `lastSuccessfulTime`.

use super::due::Due;
use super::events::Recorder;
use super::job::{self, finished};
use super::obj::{
    by_controller, fmt_time, i64_at, is_deleting, name, ns, owner_ref, set, status_update, str_at,
    time_at, uid,
};
use super::{Action, Inputs, Resource, World};
use crate::model::kinds::scaling::cron::{self, CronSchedule};
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use serde_json::{json, Value};

pub(crate) fn resource() -> Resource {
    Resource::new("batch", "cronjobs")
}

/// How far back a missed schedule is still looked for.
const LOOKBACK_MINUTES: i64 = 7 * 24 * 60;

fn bit(set: u64, n: u32) -> bool {
    n < 64 && set & (1u64 << n) != 0
}

/// Whether the schedule fires at the minute `t` (robfig's matching, in the
/// given zone).
fn fires<Tz: TimeZone>(s: &CronSchedule, t: DateTime<Tz>) -> bool {
    let dom = bit(s.days_of_month, t.day());
    let dow = bit(s.days_of_week, t.weekday().num_days_from_sunday());
    let day = if s.day_star { dom && dow } else { dom || dow };
    bit(s.minutes, t.minute()) && bit(s.hours, t.hour()) && bit(s.months, t.month()) && day
}

/// The latest minute in `(after, now]` at which the schedule fires.
fn latest_fire(
    s: &CronSchedule,
    tz: Option<chrono_tz::Tz>,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let floor = now.with_second(0).and_then(|t| t.with_nanosecond(0))?;
    (0..LOOKBACK_MINUTES)
        .map(|m| floor - Duration::minutes(m))
        .take_while(|t| *t > after)
        .find(|t| match tz {
            Some(tz) => fires(s, t.with_timezone(&tz)),
            None => fires(s, *t),
        })
}

/// The first minute after `now` at which the schedule fires (looking a
/// week ahead).
fn next_fire(
    s: &CronSchedule,
    tz: Option<chrono_tz::Tz>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let floor = now.with_second(0).and_then(|t| t.with_nanosecond(0))?;
    (1..=LOOKBACK_MINUTES)
        .map(|m| floor + Duration::minutes(m))
        .find(|t| match tz {
            Some(tz) => fires(s, t.with_timezone(&tz)),
            None => fires(s, *t),
        })
}

/// When an unsuspended CronJob's schedule next fires.
pub(crate) fn due(world: &dyn World, inputs: &Inputs, due: &mut Due) {
    for cj in world.list(&resource()) {
        if is_deleting(cj) || cj.pointer("/spec/suspend") == Some(&json!(true)) {
            continue;
        }
        let Some(schedule) = str_at(cj, "/spec/schedule").and_then(|s| cron::parse(s).ok()) else {
            continue;
        };
        let tz = str_at(cj, "/spec/timeZone").and_then(|z| z.parse::<chrono_tz::Tz>().ok());
        match next_fire(&schedule, tz, inputs.now) {
            Some(t) => due.at(t),
            // Nothing within a week (e.g. February 30th): look again then.
            None => due.at(inputs.now + Duration::minutes(LOOKBACK_MINUTES)),
        }
    }
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let cronjobs = world.list(&resource());
    if cronjobs.is_empty() {
        return Vec::new();
    }
    let jobs = world.list(&job::resource());
    let owned = by_controller(&jobs);
    let mut events = Recorder::new(world, "cronjob-controller", inputs.now);
    let mut out = Vec::new();
    for cj in cronjobs {
        if is_deleting(cj) {
            continue;
        }
        let mine: Vec<&Value> = owned.get(uid(cj)).cloned().unwrap_or_default();
        let (mut active, done): (Vec<&Value>, Vec<&Value>) =
            mine.iter().partition(|j| finished(j).is_none());
        let mut status = json!({});
        if let Some(t) = cj.pointer("/status/lastScheduleTime") {
            status["lastScheduleTime"] = t.clone();
        }
        let schedule = str_at(cj, "/spec/schedule").and_then(|s| cron::parse(s).ok());
        let tz = str_at(cj, "/spec/timeZone").and_then(|z| z.parse::<chrono_tz::Tz>().ok());
        let suspended = cj.pointer("/spec/suspend") == Some(&json!(true));
        let after = time_at(cj, "/status/lastScheduleTime")
            .or_else(|| time_at(cj, "/metadata/creationTimestamp"))
            .unwrap_or(inputs.now);
        let due = schedule
            .filter(|_| !suspended)
            .and_then(|s| latest_fire(&s, tz, after, inputs.now))
            .filter(|t| {
                i64_at(cj, "/spec/startingDeadlineSeconds")
                    .is_none_or(|d| *t + Duration::seconds(d) >= inputs.now)
            });
        let policy = str_at(cj, "/spec/concurrencyPolicy").unwrap_or("Allow");
        if let Some(t) = due.filter(|_| policy != "Forbid" || active.is_empty()) {
            let job_name = format!("{}-{}", name(cj), t.timestamp() / 60);
            if !mine.iter().any(|j| name(j) == job_name) {
                if policy == "Replace" {
                    for j in active.drain(..) {
                        out.push(delete(j));
                        events.normal(
                            &mut out,
                            cj,
                            "SuccessfulDelete",
                            format!("Deleted job {}", name(j)),
                        );
                    }
                }
                out.push(Action::Create {
                    resource: job::resource(),
                    object: new_job(cj, &job_name, t),
                });
                events.normal(
                    &mut out,
                    cj,
                    "SuccessfulCreate",
                    format!("Created job {job_name}"),
                );
            }
            status["lastScheduleTime"] = json!(fmt_time(t));
        }
        // History: keep the newest finished Jobs of each outcome.
        for (outcome, field, default) in [
            ("Complete", "successfulJobsHistoryLimit", 3),
            ("Failed", "failedJobsHistoryLimit", 1),
        ] {
            let mut these: Vec<&Value> = done
                .iter()
                .copied()
                .filter(|j| finished(j) == Some(outcome))
                .collect();
            these.sort_by_key(|j| {
                (
                    time_at(j, "/metadata/creationTimestamp"),
                    name(j).to_string(),
                )
            });
            let limit = usize::try_from(i64_at(cj, &format!("/spec/{field}")).unwrap_or(default))
                .unwrap_or(0);
            let excess = these.len().saturating_sub(limit);
            for j in &these[..excess] {
                out.push(delete(j));
            }
        }
        let last_success = done
            .iter()
            .filter(|j| finished(j) == Some("Complete"))
            .filter_map(|j| time_at(j, "/status/completionTime"))
            .max();
        if let Some(t) = last_success {
            status["lastSuccessfulTime"] = json!(fmt_time(t));
        }
        let refs: Vec<Value> = active
            .iter()
            .map(|j| json!({"apiVersion": "batch/v1", "kind": "Job", "name": name(j), "namespace": ns(j), "uid": uid(j)}))
            .collect();
        if !refs.is_empty() {
            status["active"] = json!(refs);
        }
        out.extend(status_update(&resource(), cj, status));
    }
    out
}

fn delete(j: &Value) -> Action {
    Action::Delete {
        resource: job::resource(),
        namespace: Some(ns(j).to_string()),
        name: name(j).to_string(),
    }
}

fn new_job(cj: &Value, job_name: &str, t: DateTime<Utc>) -> Value {
    let template = cj.pointer("/spec/jobTemplate").cloned().unwrap_or_default();
    let mut meta = template
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    set(&mut meta, &["name"], json!(job_name));
    set(&mut meta, &["namespace"], json!(ns(cj)));
    set(
        &mut meta,
        &[
            "annotations",
            "batch.kubernetes.io/cronjob-scheduled-timestamp",
        ],
        json!(fmt_time(t)),
    );
    set(
        &mut meta,
        &["ownerReferences"],
        json!([owner_ref(cj, "batch/v1", "CronJob")]),
    );
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

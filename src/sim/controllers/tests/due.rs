//! When the controllers are next due without a write ([`next_due`]): one
//! row per time-driven rule, and the rule that times already past or
//! already acted on are not offered again. (`TestWorld::run_for` checks
//! the other direction on every controller test: nothing becomes due that
//! `next_due` did not announce.)

use crate::sim::controllers::due::next_due;
use crate::sim::controllers::testing::*;
use crate::sim::controllers::Resource;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

fn at(seconds: i64) -> String {
    (t0() + Duration::seconds(seconds)).to_rfc3339()
}

fn after(seconds: i64) -> Option<DateTime<Utc>> {
    Some(t0() + Duration::seconds(seconds))
}

/// Just after `seconds` (a strict comparison in the controller).
fn just_after(seconds: i64) -> Option<DateTime<Utc>> {
    Some(t0() + Duration::seconds(seconds) + Duration::milliseconds(1))
}

/// A pod bound to `n1`, scheduled at t0 + `scheduled` s, Ready since t0 +
/// `ready` s when given.
fn pod(scheduled: i64, ready: Option<i64>, restart: &str, run_seconds: Option<i64>) -> Value {
    let mut conds = vec![
        json!({"type": "PodScheduled", "status": "True", "lastTransitionTime": at(scheduled)}),
    ];
    if let Some(r) = ready {
        conds.push(json!({"type": "Ready", "status": "True", "lastTransitionTime": at(r)}));
    }
    let mut annotations = json!({});
    if let Some(s) = run_seconds {
        annotations["sim.flotilla.io/run-seconds"] = json!(s.to_string());
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "annotations": annotations},
        "spec": {"nodeName": "n1", "restartPolicy": restart, "containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Running", "conditions": conds}})
}

fn job(spec: Value, status: Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "default"},
        "spec": spec, "status": status})
}

fn cronjob(schedule: &str, extra: Value) -> Value {
    let mut spec = json!({"schedule": schedule, "jobTemplate": {"spec": {}}});
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "default"},
        "spec": spec})
}

fn progressing(reason: &str, updated: i64, spec: Value) -> Value {
    let mut d = deployment("d", 1, "i", "1m");
    if let (Some(s), Some(e)) = (d["spec"].as_object_mut(), spec.as_object()) {
        s.extend(e.clone());
    }
    d["status"] = json!({"conditions": [{"type": "Progressing", "status": "True", "reason": reason,
        "lastUpdateTime": at(updated), "lastTransitionTime": at(updated)}]});
    d
}

#[test]
fn next_due_table() {
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h", "namespace": "default"},
        "status": {"sim.flotilla.io/lastEvaluated": at(3)}});
    let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "default"},
        "lastTimestamp": at(10)});
    let min_ready = |m: i64| {
        let mut d = deployment("d", 1, "i", "1m");
        d["spec"]["minReadySeconds"] = json!(m);
        d
    };
    let cases: Vec<(&str, i64, Vec<(Resource, Value)>, Option<DateTime<Utc>>)> = vec![
        ("an empty cluster", 0, vec![], None),
        (
            "a pod turns Ready after the delay",
            1,
            vec![(pods(), pod(0, None, "Always", None))],
            after(5),
        ),
        (
            "a Ready pod has nothing due",
            10,
            vec![(pods(), pod(0, Some(5), "Always", None))],
            None,
        ),
        (
            "a Job's pod terminates after its run time",
            10,
            vec![(pods(), pod(0, Some(5), "Never", Some(30)))],
            after(30),
        ),
        (
            "a pod becomes available after minReadySeconds",
            10,
            vec![
                (pods(), pod(0, Some(5), "Always", None)),
                (deployments(), min_ready(20)),
            ],
            after(25),
        ),
        (
            "availability already reached",
            30,
            vec![
                (pods(), pod(0, Some(5), "Always", None)),
                (deployments(), min_ready(20)),
            ],
            None,
        ),
        (
            "a Job's active deadline",
            10,
            vec![(
                jobs(),
                job(
                    json!({"activeDeadlineSeconds": 60}),
                    json!({"startTime": at(0)}),
                ),
            )],
            after(60),
        ),
        (
            "a finished Job's TTL",
            10,
            vec![(
                jobs(),
                job(
                    json!({"ttlSecondsAfterFinished": 100}),
                    json!({"completionTime": at(5), "conditions": [{"type": "Complete", "status": "True"}]}),
                ),
            )],
            after(105),
        ),
        (
            "a failed Job's TTL counts from the failure",
            10,
            vec![(
                jobs(),
                job(
                    json!({"ttlSecondsAfterFinished": 100}),
                    json!({"conditions": [{"type": "Failed", "status": "True", "lastTransitionTime": at(7)}]}),
                ),
            )],
            after(107),
        ),
        (
            "a finished Job without TTL",
            10,
            vec![(
                jobs(),
                job(
                    json!({"activeDeadlineSeconds": 60}),
                    json!({"startTime": at(0), "conditions": [{"type": "Complete", "status": "True"}]}),
                ),
            )],
            None,
        ),
        (
            "a CronJob fires at the next scheduled minute",
            61,
            vec![(res("batch", "cronjobs"), cronjob("*/5 * * * *", json!({})))],
            after(300),
        ),
        (
            "on the minute, the next one",
            300,
            vec![(res("batch", "cronjobs"), cronjob("*/5 * * * *", json!({})))],
            after(600),
        ),
        (
            "in its time zone",
            0,
            vec![(
                res("batch", "cronjobs"),
                cronjob("30 1 * * *", json!({"timeZone": "Europe/Paris"})),
            )],
            after(30 * 60),
        ),
        (
            "a suspended CronJob never",
            0,
            vec![(
                res("batch", "cronjobs"),
                cronjob("* * * * *", json!({"suspend": true})),
            )],
            None,
        ),
        (
            "an HPA every sync period",
            10,
            vec![(res("autoscaling", "horizontalpodautoscalers"), hpa)],
            after(18),
        ),
        (
            "a progress deadline",
            100,
            vec![(
                deployments(),
                progressing("ReplicaSetUpdated", 50, json!({})),
            )],
            just_after(650),
        ),
        (
            "its own progress deadline",
            100,
            vec![(
                deployments(),
                progressing(
                    "NewReplicaSetCreated",
                    50,
                    json!({"progressDeadlineSeconds": 60}),
                ),
            )],
            just_after(110),
        ),
        (
            "a complete rollout has none",
            100,
            vec![(
                deployments(),
                progressing("NewReplicaSetAvailable", 50, json!({})),
            )],
            None,
        ),
        (
            "a paused rollout has none",
            100,
            vec![(
                deployments(),
                progressing("ReplicaSetUpdated", 50, json!({"paused": true})),
            )],
            None,
        ),
        (
            "an event's TTL",
            20,
            vec![(res("", "events"), event)],
            just_after(3610),
        ),
        (
            "the earliest wins",
            1,
            vec![
                (pods(), pod(0, None, "Always", None)),
                (
                    deployments(),
                    progressing("ReplicaSetUpdated", 0, json!({})),
                ),
            ],
            after(5),
        ),
    ];
    for (what, now, objects, want) in cases {
        let mut w = TestWorld::new();
        w.inputs.now = t0() + Duration::seconds(now);
        for (resource, object) in objects {
            w.objects.entry(resource).or_default().push(object);
        }
        assert_eq!(next_due(&w, &w.inputs), want, "{what}");
    }
}

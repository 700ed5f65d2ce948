//! Jobs and CronJobs end to end: pods run for their configured time and
//! succeed; completions, parallelism, backoff limit, TTL, schedules,
//! concurrency policy and history.

use crate::sim::controllers::pod::{is_active, phase};
use crate::sim::controllers::testing::*;
use serde_json::{json, Value};

fn the_job<'a>(w: &'a TestWorld, name: &str) -> &'a Value {
    w.get(&jobs(), "default", name).expect("job")
}

#[test]
fn completes_with_completions_and_parallelism() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    w.create(jobs(), job("batch", 3, 2, 10));
    let mut most_active = 0;
    w.run_for(60, 1, &mut |w: &TestWorld| {
        most_active = most_active.max(w.count_pods(is_active))
    });
    assert_eq!(most_active, 2);
    let j = the_job(&w, "batch");
    assert_eq!(j["status"]["succeeded"], 3, "{:#}", j["status"]);
    assert_eq!(j["status"]["active"], 0);
    let c = condition(j, "Complete").expect("Complete");
    assert_eq!(c["status"], "True");
    assert_eq!(c["reason"], "CompletionsReached");
    assert_eq!(j["status"]["startTime"], "2024-01-01T00:00:00Z");
    // Two waves of 10 s each.
    assert_eq!(j["status"]["completionTime"], "2024-01-01T00:00:20Z");
    assert_eq!(w.count_pods(|p| phase(p) == "Succeeded"), 3);
    let p = w.list_of(&pods())[0];
    assert_eq!(
        p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(
        p["metadata"]["labels"]["batch.kubernetes.io/job-name"],
        "batch"
    );
}

#[test]
fn fails_after_the_backoff_limit_and_ttl_cleans_up() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    let mut j = job("flaky", 1, 1, 2);
    j["spec"]["backoffLimit"] = json!(2);
    j["spec"]["ttlSecondsAfterFinished"] = json!(30);
    j["spec"]["template"]["metadata"]["annotations"]["sim.flotilla.io/exit-code"] = json!("1");
    w.create(jobs(), j);
    w.run_for(20, 1, &mut |_| {});
    let j = the_job(&w, "flaky");
    assert_eq!(j["status"]["failed"], 3);
    let c = condition(j, "Failed").expect("Failed");
    assert_eq!(c["reason"], "BackoffLimitExceeded");
    assert_eq!(w.count_pods(|p| phase(p) == "Failed"), 3);
    w.run_for(40, 5, &mut |_| {});
    assert!(
        w.get(&jobs(), "default", "flaky").is_none(),
        "deleted after its TTL"
    );
    assert_eq!(w.count_pods(|_| true), 0, "its pods are collected");
}

fn cronjob(schedule: &str, policy: &str, run_seconds: i64) -> Value {
    let j = job("tick", 1, 1, run_seconds);
    json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "tick", "namespace": "default"},
        "spec": {"schedule": schedule, "concurrencyPolicy": policy,
                 "jobTemplate": {"spec": j["spec"].clone()}},
    })
}

#[test]
fn cronjob_runs_on_schedule_and_keeps_history() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    w.create(res("batch", "cronjobs"), cronjob("*/5 * * * *", "Allow", 5));
    w.run_for(31 * 60, 10, &mut |_| {});
    let names: Vec<String> = w
        .list_of(&jobs())
        .into_iter()
        .filter_map(|j| j["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    // Six runs (00:05 … 00:30); the three newest successful ones are kept.
    let minute = |m: i64| format!("tick-{}", t0().timestamp() / 60 + m);
    assert_eq!(names, [minute(20), minute(25), minute(30)]);
    let cj = w
        .get(&res("batch", "cronjobs"), "default", "tick")
        .expect("cronjob");
    assert_eq!(cj["status"]["lastScheduleTime"], "2024-01-01T00:30:00Z");
    assert_eq!(cj["status"]["lastSuccessfulTime"], "2024-01-01T00:30:05Z");
    assert!(cj["status"].get("active").is_none());
}

#[test]
fn cronjob_forbid_skips_while_running() {
    let mut w = TestWorld::new();
    w.create(nodes(), node("n1", "4", "8Gi"));
    // Each run takes 7 minutes: the 00:02 run is skipped, 00:04 waits for 00:07.
    w.create(
        res("batch", "cronjobs"),
        cronjob("*/2 * * * *", "Forbid", 420),
    );
    let mut most = 0;
    w.run_for(10 * 60, 10, &mut |w: &TestWorld| {
        let running = w
            .list_of(&jobs())
            .into_iter()
            .filter(|j| condition(j, "Complete").is_none())
            .count();
        most = most.max(running);
    });
    assert_eq!(most, 1);
    assert_eq!(
        w.list_of(&jobs()).len(),
        2,
        "00:02, then the next run after it finished"
    );
}

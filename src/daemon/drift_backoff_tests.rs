use super::*;
use crate::apply::ApplyItem;
use proptest::prelude::*;
use serde_json::json;

const P: Policy = Policy::DEFAULT;

fn at(t0: Instant, secs: f64) -> Instant {
    t0 + Duration::from_secs_f64(secs)
}

/// What a drift seen at `t` (seconds) found, and whether it was written.
fn drift(b: &mut DriftBackoff<&'static str>, t0: Instant, t: f64) -> Result<u32, f64> {
    match b.check(&"web", at(t0, t)) {
        Verdict::Correct => Ok(b.corrected("web", at(t0, t))),
        Verdict::Defer { until, .. } => Err(until.duration_since(t0).as_secs_f64()),
    }
}

#[test]
fn delays_double_up_to_the_cap() {
    let table = [(1, 1), (2, 2), (3, 4), (9, 256), (10, 300), (64, 300)];
    for (n, secs) in table {
        assert_eq!(P.delay(n), Duration::from_secs(secs), "correction {n}");
    }
}

#[test]
fn a_fight_is_corrected_ever_less_often() {
    struct Case {
        name: &'static str,
        /// A drift seen at this second...
        at: f64,
        /// ...is written (the corrections in a row), or deferred until.
        want: Result<u32, f64>,
    }
    let cases = [
        Case {
            name: "first correction is immediate",
            at: 0.0,
            want: Ok(1),
        },
        Case {
            name: "within a second: deferred",
            at: 0.5,
            want: Err(1.0),
        },
        Case {
            name: "due: corrected",
            at: 1.0,
            want: Ok(2),
        },
        Case {
            name: "2 s after the second",
            at: 2.9,
            want: Err(3.0),
        },
        Case {
            name: "third",
            at: 3.0,
            want: Ok(3),
        },
        Case {
            name: "then 4 s",
            at: 6.0,
            want: Err(7.0),
        },
        Case {
            name: "fourth",
            at: 7.5,
            want: Ok(4),
        },
        Case {
            name: "then 8 s",
            at: 15.0,
            want: Err(15.5),
        },
    ];
    let t0 = Instant::now();
    let mut b = DriftBackoff::new(P);
    for c in cases {
        assert_eq!(drift(&mut b, t0, c.at), c.want, "{}", c.name);
    }
    let fights = b.fights(at(t0, 15.0));
    assert_eq!(fights.len(), 1);
    assert_eq!(fights[0].1.corrections, 4);
    assert_eq!(fights[0].1.deferred_until, Some(at(t0, 15.5)));
    assert_eq!(b.next_due(), Some(at(t0, 15.5)));
}

#[test]
fn time_in_sync_forgives_a_doubling_per_period_then_forgets() {
    let t0 = Instant::now();
    let mut b = DriftBackoff::new(P);
    for t in [0.0, 1.0, 3.0] {
        drift(&mut b, t0, t).expect("due");
    }
    // Three in a row; in sync from 4 s on.
    b.in_sync(&"web", at(t0, 4.0));
    b.in_sync(&"web", at(t0, 4.0 + 299.0));
    assert_eq!(
        b.fights(at(t0, 303.0))[0].1.corrections,
        3,
        "not yet a full period"
    );
    assert!(
        b.fights(at(t0, 304.0)).is_empty(),
        "in sync for a period: no longer a fight"
    );
    // A drift after one period in sync: corrected at once, and the streak
    // went 3 → 2 → 3 (the next wait is 4 s, not 1 s).
    assert_eq!(drift(&mut b, t0, 305.0), Ok(3));
    assert_eq!(drift(&mut b, t0, 306.0), Err(309.0));
    // Long enough in sync and the object is forgotten.
    b.in_sync(&"web", at(t0, 310.0));
    b.in_sync(&"web", at(t0, 310.0 + 3.0 * 300.0));
    assert!(b.is_empty(), "forgotten after three periods in sync");
    assert_eq!(drift(&mut b, t0, 2000.0), Ok(1));
}

#[test]
fn a_human_edit_now_and_then_is_always_corrected_at_once() {
    let t0 = Instant::now();
    let mut b = DriftBackoff::new(P);
    for hour in 0..5 {
        let t = f64::from(hour) * 3600.0;
        assert!(drift(&mut b, t0, t).is_ok(), "hour {hour}");
        b.in_sync(&"web", at(t0, t + 1.0));
        b.in_sync(&"web", at(t0, t + 1800.0));
    }
    assert!(b.fights(at(t0, 5.0 * 3600.0)).is_empty());
}

#[test]
fn in_sync_clears_a_deferral_and_retain_forgets() {
    let t0 = Instant::now();
    let mut b = DriftBackoff::new(P);
    drift(&mut b, t0, 0.0).expect("first");
    assert!(drift(&mut b, t0, 0.1).is_err());
    assert!(b.next_due().is_some());
    b.in_sync(&"web", at(t0, 0.2));
    assert_eq!(b.next_due(), None, "the other writer put it back");
    b.retain(|k| *k != "web");
    assert!(b.is_empty());
}

fn id(name: &str) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("shop".into()),
        name: name.into(),
    }
}

fn item(name: &str, why: Why, hash: &str) -> ApplyItem {
    ApplyItem {
        id: id(name),
        why,
        hash: hash.into(),
        body: json!({}),
        force: true,
        live: None,
    }
}

#[test]
fn gate_holds_back_corrections_only() {
    let t0 = Instant::now();
    let mut inventory = Inventory::new();
    for name in ["drifted", "deleted", "annotated", "adopted"] {
        inventory.record(id(name), "sha256:new");
    }
    inventory.record(id("upgraded"), "sha256:old");
    let mut backoff = DriftBackoff::new(P);
    for name in ["drifted", "deleted", "annotated", "upgraded", "created"] {
        backoff.corrected(id(name), t0);
    }
    let mut plan = ClusterPlan {
        apply: vec![
            item("drifted", Why::Drift(Vec::new()), "sha256:new"),
            item("deleted", Why::Missing, "sha256:new"),
            item("annotated", Why::HashDiffers { live: None }, "sha256:new"),
            item("adopted", Why::Adopt, "sha256:new"),
            item("upgraded", Why::HashDiffers { live: None }, "sha256:new"),
            item("created", Why::Missing, "sha256:new"),
        ],
        ..ClusterPlan::default()
    };
    let (deferred, corrections) = gate(&mut plan, &inventory, &mut backoff, at(t0, 0.5));
    let names = |ids: Vec<&ObjectRef>| ids.into_iter().map(|i| i.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(deferred.iter().map(|d| &d.id).collect()),
        ["drifted", "deleted", "annotated"]
    );
    assert!(deferred.iter().all(|d| d.until == at(t0, 1.0)));
    assert!(corrections.is_empty());
    assert_eq!(
        names(plan.apply.iter().map(|a| &a.id).collect()),
        ["adopted", "upgraded", "created"],
        "a new revision, a creation and an adoption are never held back"
    );
    let (deferred, corrections) = gate(&mut plan, &inventory, &mut backoff, at(t0, 2.0));
    assert!(deferred.is_empty());
    assert!(corrections.is_empty(), "none of those is a correction");
}

/// A drift or an in-sync observation, `gap_ms` after the previous one.
#[derive(Debug, Clone)]
struct Step {
    gap_ms: u64,
    drift: bool,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = (
        prop_oneof![0u64..2_000, 0u64..20_000, 0u64..700_000],
        prop::bool::weighted(0.8),
    )
        .prop_map(|(gap_ms, drift)| Step { gap_ms, drift });
    prop::collection::vec(step, 1..400)
}

proptest! {
    /// However often another writer drifts the object, and however it
    /// pauses, the writes in any window stay within the bound.
    #[test]
    fn writes_in_any_window_are_bounded(steps in steps(), base_ms in 100u64..2_000, cap_s in 5u64..400) {
        let policy = Policy {
            base: Duration::from_millis(base_ms),
            cap: Duration::from_secs(cap_s).max(Duration::from_millis(base_ms)),
            reset_after: Duration::from_secs(cap_s),
        };
        let t0 = Instant::now();
        let mut b = DriftBackoff::new(policy);
        let mut now = t0;
        let mut writes = Vec::new();
        for s in &steps {
            now += Duration::from_millis(s.gap_ms);
            if s.drift {
                if b.check(&"x", now) == Verdict::Correct {
                    b.corrected("x", now);
                    writes.push(now);
                }
            } else {
                b.in_sync(&"x", now);
            }
        }
        for (i, start) in writes.iter().enumerate() {
            for (j, end) in writes.iter().enumerate().skip(i) {
                let n = (j - i + 1) as f64;
                let w = end.duration_since(*start).as_secs_f64();
                let bound = (w / policy.base.as_secs_f64() + 1.0).log2()
                    + w / policy.cap.as_secs_f64()
                    + w / policy.reset_after.as_secs_f64()
                    + 1.0;
                prop_assert!(n <= bound + 1e-9, "{n} writes in {w:.3}s > {bound:.3}");
            }
        }
    }
}

//! Property tests: divisions sum to the replicas, static weights hold
//! within rounding, scaling down never adds and scaling up never removes
//! replicas on a cluster, and the same input (in any cluster order) gives
//! the same decision.

use super::*;
use proptest::prelude::*;

fn weighted_case(weights: &[i64]) -> (Vec<Cluster>, Placement) {
    let clusters: Vec<Cluster> = (0..weights.len())
        .map(|i| plain(&format!("c{i}")))
        .collect();
    let list: Vec<Value> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .map(|(i, w)| json!({"targetCluster": {"clusterNames": [format!("c{i}")]}, "weight": w}))
        .collect();
    let p = mk_placement(
        json!({"replicaScheduling": {"weightPreference": {"staticWeightList": list}}}),
    );
    (clusters, p)
}

proptest! {
    #[test]
    fn divided_sums_and_respects_weights(
        weights in proptest::collection::vec(0i64..6, 1..8),
        replicas in 0i32..300,
        previous in proptest::collection::vec(0i32..20, 0..8),
    ) {
        let (clusters, p) = weighted_case(&weights);
        let prev: Vec<TargetCluster> = previous.iter().enumerate().map(|(i, r)| TargetCluster { name: format!("c{i}"), replicas: *r }).collect();
        let d = run(&p, Some(replicas), &clusters, Some(&prev)).expect("schedulable");
        let sum: i32 = d.clusters.iter().map(|t| t.replicas).sum();
        prop_assert_eq!(sum, replicas);
        // Karmada gives everyone weight 1 when no weight is positive.
        let effective: Vec<i64> = if weights.iter().all(|w| *w == 0) { vec![1; weights.len()] } else { weights.clone() };
        let total: i64 = effective.iter().sum();
        for (i, w) in effective.iter().enumerate() {
            let got = d.clusters.iter().find(|t| t.name == format!("c{i}")).map_or(0, |t| t.replicas);
            // |got - w·r/total| ≤ 1, in integers. Not < 1: like Karmada, the
            // remainder goes to the heaviest clusters first, not to the largest
            // fractional parts, so a cluster whose share is exact may get one more.
            let exact_times_total = i64::from(replicas) * w;
            prop_assert!((i64::from(got) * total - exact_times_total).abs() <= total, "c{i}: got {got}, weight {w}/{total} of {replicas}");
            // And never below its floor share.
            prop_assert!(i64::from(got) * total >= exact_times_total - (exact_times_total % total), "c{i} below its floor");
        }
    }

    #[test]
    fn same_input_same_output_in_any_order(
        weights in proptest::collection::vec(0i64..4, 1..8),
        replicas in 0i32..100,
        rotate in 0usize..8,
    ) {
        let (clusters, p) = weighted_case(&weights);
        let first = run(&p, Some(replicas), &clusters, None).expect("schedulable");
        prop_assert_eq!(&run(&p, Some(replicas), &clusters, None).expect("schedulable"), &first);
        let mut shuffled = clusters.clone();
        shuffled.rotate_left(rotate % clusters.len());
        shuffled.reverse();
        prop_assert_eq!(&run(&p, Some(replicas), &shuffled, None).expect("schedulable"), &first);
        let names: Vec<&str> = first.clusters.iter().map(|t| t.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        prop_assert_eq!(names, sorted);
    }
}

/// Clusters `c0..cn` with the given room each.
fn room_case(rooms: &[i64]) -> Vec<Cluster> {
    rooms
        .iter()
        .enumerate()
        .map(|(i, r)| roomy(&format!("c{i}"), *r))
        .collect()
}

fn by_room(aggregated: bool) -> Placement {
    if aggregated {
        mk_placement(json!({"replicaScheduling": {"replicaDivisionPreference": "Aggregated"}}))
    } else {
        mk_placement(
            json!({"replicaScheduling": {"weightPreference": {"dynamicWeight": "AvailableReplicas"}}}),
        )
    }
}

fn previous_of(previous: &[i32]) -> Vec<TargetCluster> {
    previous
        .iter()
        .enumerate()
        .filter(|(_, r)| **r > 0)
        .map(|(i, r)| TargetCluster {
            name: format!("c{i}"),
            replicas: *r,
        })
        .collect()
}

fn replicas_on(d: &Decision, name: &str) -> i32 {
    d.clusters
        .iter()
        .find(|t| t.name == name)
        .map_or(0, |t| t.replicas)
}

proptest! {
    #[test]
    fn by_room_sums_or_names_the_shortfall(
        rooms in proptest::collection::vec(0i64..20, 1..7),
        replicas in 1i32..80,
        previous in proptest::collection::vec(0i32..10, 0..7),
        aggregated in any::<bool>(),
    ) {
        let clusters = room_case(&rooms);
        let prev = previous_of(&previous[..previous.len().min(rooms.len())]);
        match run(&by_room(aggregated), Some(replicas), &clusters, Some(&prev)) {
            Ok(d) => {
                prop_assert_eq!(d.clusters.iter().map(|t| t.replicas).sum::<i32>(), replicas);
                prop_assert!(d.clusters.iter().all(|t| t.replicas > 0));
            }
            Err(ScheduleError::NotEnoughRoom(s)) => prop_assert!(s.room < s.needed, "{s}"),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn scaling_down_never_adds_and_up_never_removes(
        rooms in proptest::collection::vec(0i64..20, 1..7),
        previous in proptest::collection::vec(0i32..10, 1..7),
        change in -30i32..30,
        aggregated in any::<bool>(),
    ) {
        let clusters = room_case(&rooms);
        let prev = previous_of(&previous[..previous.len().min(rooms.len())]);
        let before: i32 = prev.iter().map(|t| t.replicas).sum();
        let replicas = (before + change).max(1);
        let Ok(d) = run(&by_room(aggregated), Some(replicas), &clusters, Some(&prev)) else {
            return Ok(());
        };
        for t in &prev {
            let now = replicas_on(&d, &t.name);
            if replicas < before {
                prop_assert!(now <= t.replicas, "{}: {} → {now} while scaling down", t.name, t.replicas);
            } else {
                prop_assert!(now >= t.replicas, "{}: {} → {now} while scaling up", t.name, t.replicas);
            }
        }
        if replicas < before {
            // Nothing new appears when scaling down.
            prop_assert!(d.clusters.iter().all(|t| prev.iter().any(|p| p.name == t.name)));
        }
    }

    #[test]
    fn by_room_is_deterministic_in_any_order(
        rooms in proptest::collection::vec(0i64..20, 1..7),
        replicas in 1i32..60,
        previous in proptest::collection::vec(0i32..10, 0..7),
        aggregated in any::<bool>(),
        rotate in 0usize..7,
    ) {
        let clusters = room_case(&rooms);
        let prev = previous_of(&previous[..previous.len().min(rooms.len())]);
        let p = by_room(aggregated);
        let first = run(&p, Some(replicas), &clusters, Some(&prev));
        let mut shuffled = clusters.clone();
        shuffled.rotate_left(rotate % clusters.len());
        shuffled.reverse();
        prop_assert_eq!(&run(&p, Some(replicas), &shuffled, Some(&prev)), &first);
        prop_assert_eq!(&run(&p, Some(replicas), &clusters, Some(&prev)), &first);
    }
}

proptest! {
    #[test]
    fn spread_is_deterministic_in_any_order(
        spec in proptest::collection::vec((0usize..4, 0i64..15), 1..8),
        cluster_max in 1i64..5,
        region_min in 1i64..3,
        replicas in 0i32..40,
        duplicated in any::<bool>(),
        rotate in 0usize..8,
    ) {
        let regions = ["eu", "us", "ap", "sa"];
        let clusters: Vec<Cluster> = spec
            .iter()
            .enumerate()
            .map(|(i, (r, room))| with_spec(&format!("c{i}"), json!({"region": regions[*r]}), *room))
            .collect();
        let scheduling = if duplicated {
            json!({"replicaSchedulingType": "Duplicated"})
        } else {
            json!({"replicaDivisionPreference": "Aggregated"})
        };
        let p = mk_placement(json!({"replicaScheduling": scheduling, "spreadConstraints": [
            {"spreadByField": "cluster", "minGroups": 1, "maxGroups": cluster_max},
            {"spreadByField": "region", "minGroups": region_min, "maxGroups": region_min + 1}]}));
        let first = run(&p, Some(replicas), &clusters, None);
        let mut shuffled = clusters.clone();
        shuffled.rotate_left(rotate % clusters.len());
        shuffled.reverse();
        prop_assert_eq!(&run(&p, Some(replicas), &shuffled, None), &first);
        if let Ok(d) = &first {
            // Never more clusters than the cluster constraint allows.
            prop_assert!(d.clusters.len() as i64 <= cluster_max.max(region_min + 1));
        }
    }
}

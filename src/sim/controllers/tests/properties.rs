//! Properties over random clusters: the controllers always settle (no
//! actions left after a bounded number of rounds, at every tick), whatever
//! order each round's actions are applied in, and a Deployment ends with
//! exactly as many Ready pods as the nodes fit, and rolls out whenever
//! the nodes leave room for it.

use crate::sim::controllers::pod::{is_active, node_name};
use crate::sim::controllers::testing::*;
use proptest::prelude::*;
use serde_json::json;

/// Millicores: node sizes and pod requests.
const NODE_CPU: [i64; 3] = [1000, 2000, 4000];
const POD_CPU: [i64; 3] = [250, 500, 1000];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn settles_and_fills_the_nodes(
        node_sizes in prop::collection::vec(0..NODE_CPU.len(), 1..4),
        pod_size in 0..POD_CPU.len(),
        replicas in 0i64..14,
        seed in any::<u64>(),
        with_extras in any::<bool>(),
    ) {
        let mut w = TestWorld::new();
        w.shuffle = Some(seed | 1);
        let req = POD_CPU[pod_size];
        let mut fit = 0;
        for (i, s) in node_sizes.iter().enumerate() {
            w.create(nodes(), node(&format!("n{i}"), &format!("{}m", NODE_CPU[*s]), "64Gi"));
            fit += NODE_CPU[*s] / req;
        }
        w.create(deployments(), deployment("web", replicas, "nginx:1", &format!("{req}m")));
        if with_extras {
            // Workloads that request no cpu, so the fit stays exact.
            let mut s = statefulset("db", 2, "pg:1");
            s["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
            w.create(statefulsets(), s);
            let mut d = daemonset("agent", "agent:1");
            d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
            w.create(daemonsets(), d);
        }
        w.run_for(30, 1, &mut |_| {});
        let web = |p: &serde_json::Value| p["metadata"]["labels"]["app"] == "web";
        let want = replicas.min(fit) as usize;
        prop_assert_eq!(w.count_pods(|p| web(p) && is_active(p) && is_ready(p)), want);
        prop_assert_eq!(w.count_pods(|p| web(p) && is_active(p)), replicas as usize);
        prop_assert_eq!(w.count_pods(|p| web(p) && node_name(p).is_none()), replicas as usize - want);

        // A rolling update under the same constraints settles too.
        w.edit(&deployments(), "default", "web", |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
        });
        w.run_for(120, 2, &mut |_| {});
        // It completes when there is room to surge or leave to be short
        // (maxSurge and maxUnavailable default to 25%, rounded up and down).
        let (surge, unavailable) = ((replicas + 3) / 4, replicas / 4);
        if replicas <= fit && (unavailable >= 1 || replicas + surge <= fit) {
            let new = |p: &serde_json::Value| p["spec"]["containers"][0]["image"] == "nginx:2";
            prop_assert_eq!(w.count_pods(|p| web(p) && new(p) && is_ready(p)), replicas as usize);
            prop_assert_eq!(w.count_pods(|p| web(p)), replicas as usize);
        }
        let d = w.get(&deployments(), "default", "web").expect("deployment");
        prop_assert!(d["status"]["readyReplicas"].as_i64().unwrap_or(0) <= replicas);
    }
}

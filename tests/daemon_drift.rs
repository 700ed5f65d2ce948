//! Live edits the daemon must leave alone, real processes only (`git
//! daemon`, `flotilla sim`, `flotilla run`; kubectl and the simulator's
//! request counters check): replicas a HorizontalPodAutoscaler owns and a
//! Service's allocated nodePort are the member cluster's, while an edit to
//! an owned field of the same objects is corrected. (daemon_e2e.rs covers
//! owned-field drift on its own: a ConfigMap's data, a Deployment's image.)

mod support;

use support::fleet::{self, Fleet};

const DEPLOY: &[&str] = &["-n", "shop", "deploy", "web"];
const SERVICE: &[&str] = &["-n", "shop", "service", "web"];
const HPA: &[&str] = &["-n", "shop", "hpa", "web"];

const SCALED: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 6
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 80}
";

fn get(fleet: &Fleet, what: &[&str], path: &str) -> String {
    fleet
        .sim
        .jsonpath("member1", what, path)
        .unwrap_or_else(|| panic!("{what:?} exists"))
}

#[test]
fn retained_fields_are_left_alone_while_owned_fields_are_corrected() {
    let mut files = fleet::repository(1);
    files.push(("apps/scaled.yaml", SCALED.to_string()));
    let fleet = Fleet::start(1, &files);
    let commit = fleet.work.head();
    fleet.wait_applied(60, &["member1"], &[DEPLOY, SERVICE, HPA], &commit);
    let node_port = get(&fleet, SERVICE, "{.spec.ports[0].nodePort}");
    assert!(
        node_port.parse::<u16>().is_ok_and(|p| p >= 30000),
        "an allocated nodePort: {node_port:?}"
    );
    let moved_port = if node_port == "30999" {
        "30998"
    } else {
        "30999"
    };

    // Retained fields edited: replicas (the HPA's) and the nodePort…
    fleet.sim.kubectl_ok(
        "member1",
        &["-n", "shop", "scale", "deploy", "web", "--replicas=4"],
    );
    let patch = format!(
        r#"[{{"op": "replace", "path": "/spec/ports/0/nodePort", "value": {moved_port}}},
            {{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9090}}]"#
    );
    // …together with owned ones: the Service's targetPort and the image.
    fleet.sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "patch",
            "service",
            "web",
            "--type=json",
            "-p",
            &patch,
        ],
    );
    fleet.set_web_image("member1", "registry.example.com/web:evil");

    // The owned fields come back…
    fleet.wait_for(30, "the targetPort to be corrected", || {
        get(&fleet, SERVICE, "{.spec.ports[0].targetPort}") == "8080"
    });
    fleet.wait_for(30, "the image to be corrected", || {
        get(&fleet, DEPLOY, "{.spec.template.spec.containers[0].image}")
            == "registry.example.com/web:1.0.0"
    });
    // …and the retained ones stay as the cluster set them, over several
    // passes after the corrections.
    let writes = fleet.sim.counters("member1").writes_by("flotilla");
    let passes = |f: &Fleet| {
        f.daemon
            .metric("flotilla_reconcile_duration_seconds_count{cluster=\"member1\"}")
            .unwrap_or(0.0)
    };
    let start = passes(&fleet);
    fleet.wait_for(30, "three more passes", || passes(&fleet) >= start + 3.0);
    assert_eq!(get(&fleet, DEPLOY, "{.spec.replicas}"), "4");
    assert_eq!(
        get(&fleet, SERVICE, "{.spec.ports[0].nodePort}"),
        moved_port
    );
    assert_eq!(get(&fleet, SERVICE, "{.spec.ports[0].targetPort}"), "8080");
    let counters = fleet.sim.counters("member1");
    assert_eq!(
        counters.writes_by("flotilla"),
        writes,
        "flotilla fought over a retained field: {counters:?}"
    );
    // The correction is reported as drift; the retained edits are not.
    fleet.wait_for(30, "the Service's drift in status", || {
        fleet
            .status_file("status/resources/shop/core.Service/web.yaml")
            .is_some_and(|t| t.contains("targetPort") && !t.contains("nodePort"))
    });
    let deploy = fleet
        .status_file("status/resources/shop/apps.Deployment/web.yaml")
        .expect("the Deployment's status");
    assert!(!deploy.contains("/spec/replicas"), "{deploy}");
}

//! The objects a workload depends on, as Karmada v1.14's default dependencies
//! interpreter finds them (`pkg/resourceinterpreter/default/native/
//! dependencies.go`, `helper.GetDependenciesFromPodTemplate` and the
//! `VisitPodSecretNames` / `VisitPodConfigmapNames` visitors lifted from
//! Kubernetes).
//!
//! Karmada registers the interpreter for exactly these kinds: `apps/v1`
//! Deployment, StatefulSet, DaemonSet; `batch/v1` Job, CronJob; `v1` Pod; and
//! `networking.k8s.io/v1` Ingress (its TLS secrets). ReplicaSet has none, so
//! a ReplicaSet's ConfigMaps do not follow it in Karmada, and do not here.
//!
//! The manifest is untrusted input: a field of the wrong shape is skipped,
//! never a panic.

use crate::model::common::ObjectRef;
use serde_json::Value;

/// The ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims a
/// workload references, in `namespace`, sorted and without duplicates. Empty
/// for kinds Karmada's default interpreter does not know.
///
/// ```
/// let deploy = serde_json::json!({"spec": {"template": {"spec": {
///     "serviceAccountName": "web",
///     "containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "web-env"}}]}]
/// }}}});
/// let deps = flotilla::bind::dependencies("Deployment", "apps/v1", "shop", &deploy);
/// let names: Vec<_> = deps.iter().map(|d| format!("{}/{}", d.kind, d.name)).collect();
/// assert_eq!(names, ["ConfigMap/web-env", "ServiceAccount/web"]);
/// ```
pub fn dependencies(
    kind: &str,
    api_version: &str,
    namespace: &str,
    manifest: &Value,
) -> Vec<ObjectRef> {
    let mut names = Names::default();
    match (api_version, kind) {
        ("apps/v1", "Deployment" | "StatefulSet" | "DaemonSet") | ("batch/v1", "Job") => {
            pod_spec(manifest.pointer("/spec/template/spec"), &mut names);
        }
        ("batch/v1", "CronJob") => pod_spec(
            manifest.pointer("/spec/jobTemplate/spec/template/spec"),
            &mut names,
        ),
        ("v1", "Pod") => pod_spec(manifest.get("spec"), &mut names),
        ("networking.k8s.io/v1", "Ingress") => {
            for tls in array(manifest.pointer("/spec/tls")) {
                names.secrets.push(string(tls.get("secretName")));
            }
        }
        _ => {}
    }
    names.into_refs(namespace)
}

#[derive(Default)]
struct Names<'a> {
    config_maps: Vec<&'a str>,
    secrets: Vec<&'a str>,
    service_accounts: Vec<&'a str>,
    claims: Vec<&'a str>,
}

impl Names<'_> {
    fn into_refs(self, namespace: &str) -> Vec<ObjectRef> {
        let namespace = Some(namespace.to_string()).filter(|ns| !ns.is_empty());
        let groups = [
            ("ConfigMap", self.config_maps),
            ("Secret", self.secrets),
            ("ServiceAccount", self.service_accounts),
            ("PersistentVolumeClaim", self.claims),
        ];
        let mut refs: Vec<ObjectRef> = groups
            .into_iter()
            .flat_map(|(kind, names)| names.into_iter().map(move |name| (kind, name)))
            // Kubernetes' visitors skip empty names (`skipEmptyNames`).
            .filter(|(_, name)| !name.is_empty())
            .map(|(kind, name)| ObjectRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: namespace.clone(),
                name: name.into(),
            })
            .collect();
        refs.sort();
        refs.dedup();
        refs
    }
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn string(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or("")
}

fn pod_spec<'a>(spec: Option<&'a Value>, names: &mut Names<'a>) {
    let Some(spec) = spec else { return };
    for reference in array(spec.get("imagePullSecrets")) {
        names.secrets.push(string(reference.get("name")));
    }
    // Init, regular and ephemeral containers (`AllContainers`).
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for container in array(spec.get(list)) {
            container_refs(container, names);
        }
    }
    for volume in array(spec.get("volumes")) {
        volume_refs(volume, names);
    }
    // `getServiceAccountNames`: the default account exists everywhere and is
    // not a dependency. The deprecated `serviceAccount` field is not read.
    let sa = string(spec.get("serviceAccountName"));
    if sa != "default" {
        names.service_accounts.push(sa);
    }
}

fn container_refs<'a>(container: &'a Value, names: &mut Names<'a>) {
    for source in array(container.get("envFrom")) {
        if let Some(r) = source.get("configMapRef") {
            names.config_maps.push(string(r.get("name")));
        }
        if let Some(r) = source.get("secretRef") {
            names.secrets.push(string(r.get("name")));
        }
    }
    for var in array(container.get("env")) {
        if let Some(r) = var.pointer("/valueFrom/configMapKeyRef") {
            names.config_maps.push(string(r.get("name")));
        }
        if let Some(r) = var.pointer("/valueFrom/secretKeyRef") {
            names.secrets.push(string(r.get("name")));
        }
    }
}

/// Volume sources that name a Secret, in the order of Kubernetes' `switch`
/// in `VisitPodSecretNames`, and the field holding the name.
const SECRET_SOURCES: &[(&str, &str)] = &[
    ("azureFile", "/secretName"),
    ("cephfs", "/secretRef/name"),
    ("cinder", "/secretRef/name"),
    ("flexVolume", "/secretRef/name"),
    ("projected", ""),
    ("rbd", "/secretRef/name"),
    ("secret", "/secretName"),
    ("scaleIO", "/secretRef/name"),
    ("iscsi", "/secretRef/name"),
    ("storageos", "/secretRef/name"),
    ("csi", "/nodePublishSecretRef/name"),
];

fn volume_refs<'a>(volume: &'a Value, names: &mut Names<'a>) {
    // A valid volume has exactly one source. Kubernetes' visitors take the
    // first listed source in `switch` order; so do we, per visitor.
    let present = |key: &str| volume.get(key).filter(|v| !v.is_null());
    if let Some((key, field)) = SECRET_SOURCES
        .iter()
        .find(|(key, _)| present(key).is_some())
    {
        if let Some(source) = present(key) {
            if *key == "projected" {
                for p in array(source.get("sources")) {
                    if let Some(s) = p.get("secret").filter(|v| !v.is_null()) {
                        names.secrets.push(string(s.get("name")));
                    }
                }
            } else {
                names.secrets.push(string(source.pointer(field)));
            }
        }
    }
    if let Some(projected) = present("projected") {
        for p in array(projected.get("sources")) {
            if let Some(c) = p.get("configMap").filter(|v| !v.is_null()) {
                names.config_maps.push(string(c.get("name")));
            }
        }
    } else if let Some(cm) = present("configMap") {
        names.config_maps.push(string(cm.get("name")));
    }
    if let Some(pvc) = present("persistentVolumeClaim") {
        names.claims.push(string(pvc.get("claimName")));
    }
}

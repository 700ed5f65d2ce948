//! A synthetic fleet repository for the benchmarks, the memory measurement
//! and the test that keeps both honest.
//!
//! In: a [`Fleet`] size. Out: the repository's files as (repo-relative
//! path, YAML text), written the way people write them (one file per
//! cluster, one multi-document file per app, one file of policies per team),
//! so that parsing costs what it costs on a real repository.
//!
//! The shape, for [`Fleet::BENCH`] (100 clusters, 10 namespaces, 1,000 apps):
//! - clusters spread round-robin over five regions; within a region 60 % are
//!   `env: prod`, 20 % `staging`, 20 % `test`, over three zones;
//! - per namespace `team-NN`: a Namespace, and per app a Deployment (2 to 8
//!   replicas) whose pod template references its ConfigMap, the ConfigMap
//!   and a Service;
//! - per namespace one PropagationPolicy selecting that team's Deployments
//!   and Services by label, with `propagateDeps: true`. Team 4k: Duplicated
//!   on the staging and test clusters of one region; team 4k+2: Duplicated
//!   on the prod clusters of one region; odd teams: Divided over the prod
//!   clusters of two regions, static weights 2:1;
//! - per namespace one OverridePolicy on its Deployments: the image registry
//!   rewritten per region, a label added on prod clusters, and a plaintext
//!   patch setting `replicas: 1` on staging and test clusters;
//! - a ClusterPropagationPolicy sending the team namespaces everywhere, and
//!   `flotilla.yaml`.
//!
//! Deterministic: the same size gives the same bytes.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// The regions clusters are spread over, with their cloud provider.
const REGIONS: [(&str, &str); 5] = [
    ("eu-west-1", "aws"),
    ("eu-central-1", "aws"),
    ("us-east-1", "gcp"),
    ("us-west-2", "gcp"),
    ("ap-southeast-1", "azure"),
];

/// How big a fleet to generate.
#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    pub clusters: usize,
    pub namespaces: usize,
    /// Deployments; each comes with a ConfigMap and a Service.
    pub apps: usize,
}

impl Fleet {
    /// The fleet the render benchmark and the memory measurement use.
    pub const BENCH: Fleet = Fleet {
        clusters: 100,
        namespaces: 10,
        apps: 1_000,
    };

    /// A fleet of exactly 10,000 documents, for the parse + validate benchmark.
    pub const TEN_THOUSAND_DOCS: Fleet = Fleet {
        clusters: 101,
        namespaces: 10,
        apps: 3_289,
    };

    /// How many YAML documents [`Fleet::files`] contains.
    pub fn documents(&self) -> usize {
        // Clusters, Namespaces, 3 per app, 2 policies per namespace, the
        // namespaces' ClusterPropagationPolicy and the Settings.
        self.clusters + self.namespaces + 3 * self.apps + 2 * self.namespaces + 2
    }

    /// The repository's files, sorted by path.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![("flotilla.yaml".to_string(), settings())];
        for i in 0..self.clusters {
            let c = cluster(i);
            files.push((format!("clusters/{}.yaml", c.name), c.yaml()));
        }
        for ns in 0..self.namespaces {
            files.push((format!("apps/{}/namespace.yaml", team(ns)), namespace(ns)));
            files.push((
                format!("policies/{}.yaml", team(ns)),
                format!("{}---\n{}", propagation(ns), overrides(ns)),
            ));
        }
        for app in 0..self.apps {
            let ns = app % self.namespaces;
            files.push((
                format!("apps/{}/{}.yaml", team(ns), app_name(app)),
                app_docs(app, ns),
            ));
        }
        files.push(("policies/namespaces.yaml".to_string(), namespaces_policy()));
        files.sort();
        files
    }
}

/// Writes `files` under `dir`, creating directories as needed.
pub fn write(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn team(ns: usize) -> String {
    format!("team-{ns:02}")
}

fn app_name(app: usize) -> String {
    format!("app-{app:04}")
}

fn settings() -> String {
    "# Repository settings for flotilla.\n\
     apiVersion: flotilla.io/v1alpha1\n\
     kind: Settings\n\
     spec:\n  statusBranch: flotilla/status\n  pollInterval: 15s\n"
        .to_string()
}

struct ClusterDef {
    name: String,
    env: &'static str,
    region: &'static str,
    provider: &'static str,
    zone: String,
}

impl ClusterDef {
    fn yaml(&self) -> String {
        format!(
            "apiVersion: cluster.karmada.io/v1alpha1\n\
             kind: Cluster\n\
             metadata:\n  name: {name}\n  labels:\n    env: {env}\n    region: {region}\n    provider: {provider}\n\
             spec:\n  provider: {provider}\n  region: {region}\n  zones: [{zone}]\n",
            name = self.name,
            env = self.env,
            region = self.region,
            provider = self.provider,
            zone = self.zone,
        )
    }
}

fn cluster(i: usize) -> ClusterDef {
    let (region, provider) = REGIONS[i % REGIONS.len()];
    let nth = i / REGIONS.len();
    let env = match nth % 5 {
        0..=2 => "prod",
        3 => "staging",
        _ => "test",
    };
    let zone = format!("{region}{}", ['a', 'b', 'c'][nth % 3]);
    ClusterDef {
        name: format!("{region}-{env}-{i:03}"),
        env,
        region,
        provider,
        zone,
    }
}

fn namespace(ns: usize) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}\n  labels:\n    team: {t}\n",
        t = team(ns)
    )
}

/// A Deployment, its ConfigMap and its Service, as one multi-document file.
fn app_docs(app: usize, ns: usize) -> String {
    let (name, t) = (app_name(app), team(ns));
    let tier = if app % 2 == 0 { "frontend" } else { "backend" };
    let replicas = 2 + app % 7;
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {t}
  labels:
    app: {name}
    team: {t}
    tier: {tier}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
        team: {t}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{t}/{name}:1.{minor}.0
          ports:
            - containerPort: 8080
              name: http
          envFrom:
            - configMapRef:
                name: {name}-config
          env:
            - name: APP_NAME
              value: {name}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {t}
  labels:
    app: {name}
    team: {t}
data:
  LOG_LEVEL: info
  LISTEN_ADDR: \"0.0.0.0:8080\"
  UPSTREAM_URL: http://{upstream}.{t}.svc.cluster.local
  FEATURE_FLAGS: checkout,search,recommendations
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {t}
  labels:
    app: {name}
    team: {t}
spec:
  selector:
    app: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
",
        minor = app % 10,
        upstream = app_name(app / 2),
    );
    out
}

fn propagation(ns: usize) -> String {
    let t = team(ns);
    let (r1, _) = REGIONS[(ns / 2) % REGIONS.len()];
    let (r2, _) = REGIONS[(ns / 2 + 1) % REGIONS.len()];
    let placement = match ns % 4 {
        0 => format!(
            "    clusterAffinity:
      labelSelector:
        matchLabels:
          region: {r1}
        matchExpressions:
          - key: env
            operator: In
            values: [staging, test]
    replicaScheduling:
      replicaSchedulingType: Duplicated
"
        ),
        2 => format!(
            "    clusterAffinity:
      labelSelector:
        matchLabels:
          env: prod
          region: {r1}
    replicaScheduling:
      replicaSchedulingType: Duplicated
"
        ),
        _ => format!(
            "    clusterAffinity:
      labelSelector:
        matchLabels:
          env: prod
        matchExpressions:
          - key: region
            operator: In
            values: [{r1}, {r2}]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - targetCluster:
              labelSelector:
                matchLabels:
                  region: {r1}
            weight: 2
          - targetCluster:
              labelSelector:
                matchLabels:
                  region: {r2}
            weight: 1
"
        ),
    };
    format!(
        "apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: {t}
  namespace: {t}
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      labelSelector:
        matchLabels:
          team: {t}
    - apiVersion: v1
      kind: Service
      labelSelector:
        matchLabels:
          team: {t}
  propagateDeps: true
  placement:
{placement}"
    )
}

fn overrides(ns: usize) -> String {
    let t = team(ns);
    let mut rules = String::new();
    for (region, _) in REGIONS {
        let _ = write!(
            rules,
            "    - targetCluster:
        labelSelector:
          matchLabels:
            region: {region}
      overriders:
        imageOverrider:
          - component: Registry
            operator: replace
            value: {region}.registry.example.com
"
        );
    }
    format!(
        "apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: {t}-overrides
  namespace: {t}
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
  overrideRules:
{rules}    - targetCluster:
        labelSelector:
          matchLabels:
            env: prod
      overriders:
        labelsOverrider:
          - operator: add
            value:
              example.com/tier: production
    - targetCluster:
        labelSelector:
          matchExpressions:
            - key: env
              operator: In
              values: [staging, test]
      overriders:
        plaintext:
          - path: /spec/replicas
            operator: replace
            value: 1
"
    )
}

fn namespaces_policy() -> String {
    "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: team-namespaces
spec:
  resourceSelectors:
    - apiVersion: v1
      kind: Namespace
      labelSelector:
        matchExpressions:
          - key: team
            operator: Exists
  placement:
    replicaScheduling:
      replicaSchedulingType: Duplicated
"
    .to_string()
}

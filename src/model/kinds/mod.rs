//! The typed kinds flotilla understands. Each kind file holds the serde types
//! (unknown fields rejected, JSON Schema derived) and the semantic checks that
//! need only the object itself; this file is the registry that maps
//! `apiVersion`/`kind` to them.

pub mod cluster;
pub mod interpreter;
pub mod override_policy;
pub mod propagation;
pub mod scaling;
pub mod settings;

use schemars::generate::SchemaGenerator;
use schemars::Schema;

/// Every kind with a typed model. Anything else is a resource template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KnownKind {
    Cluster,
    PropagationPolicy,
    ClusterPropagationPolicy,
    OverridePolicy,
    ClusterOverridePolicy,
    FederatedHpa,
    CronFederatedHpa,
    InterpreterCustomization,
    Settings,
}

impl KnownKind {
    pub const ALL: [KnownKind; 9] = [
        KnownKind::Cluster,
        KnownKind::PropagationPolicy,
        KnownKind::ClusterPropagationPolicy,
        KnownKind::OverridePolicy,
        KnownKind::ClusterOverridePolicy,
        KnownKind::FederatedHpa,
        KnownKind::CronFederatedHpa,
        KnownKind::InterpreterCustomization,
        KnownKind::Settings,
    ];

    /// Position in [`KnownKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn api_version(self) -> &'static str {
        match self {
            KnownKind::Cluster => "cluster.karmada.io/v1alpha1",
            KnownKind::PropagationPolicy
            | KnownKind::ClusterPropagationPolicy
            | KnownKind::OverridePolicy
            | KnownKind::ClusterOverridePolicy => "policy.karmada.io/v1alpha1",
            KnownKind::FederatedHpa | KnownKind::CronFederatedHpa => {
                "autoscaling.karmada.io/v1alpha1"
            }
            KnownKind::InterpreterCustomization => "config.karmada.io/v1alpha1",
            KnownKind::Settings => "flotilla.io/v1alpha1",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            KnownKind::Cluster => "Cluster",
            KnownKind::PropagationPolicy => "PropagationPolicy",
            KnownKind::ClusterPropagationPolicy => "ClusterPropagationPolicy",
            KnownKind::OverridePolicy => "OverridePolicy",
            KnownKind::ClusterOverridePolicy => "ClusterOverridePolicy",
            KnownKind::FederatedHpa => "FederatedHPA",
            KnownKind::CronFederatedHpa => "CronFederatedHPA",
            KnownKind::InterpreterCustomization => "ResourceInterpreterCustomization",
            KnownKind::Settings => "Settings",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        matches!(
            self,
            KnownKind::PropagationPolicy
                | KnownKind::OverridePolicy
                | KnownKind::FederatedHpa
                | KnownKind::CronFederatedHpa
        )
    }

    /// The kind for an `apiVersion`/`kind` pair, if flotilla models it.
    pub fn from_type(api_version: &str, kind: &str) -> Option<KnownKind> {
        KnownKind::ALL
            .into_iter()
            .find(|k| k.api_version() == api_version && k.kind() == kind)
    }

    /// The kinds of a group flotilla owns, for "did you mean" on a misspelt kind.
    pub fn in_group(group: &str) -> Vec<KnownKind> {
        KnownKind::ALL
            .into_iter()
            .filter(|k| k.api_version().split('/').next() == Some(group))
            .collect()
    }

    /// `schema/<group>_<version>_<Kind>.json`.
    pub fn schema_file_name(self) -> String {
        format!(
            "{}_{}.json",
            self.api_version().replace('/', "_"),
            self.kind()
        )
    }

    /// The root schema of the Rust type behind this kind.
    pub fn generate(self, generator: SchemaGenerator) -> Schema {
        match self {
            KnownKind::Cluster => generator.into_root_schema_for::<cluster::Cluster>(),
            KnownKind::PropagationPolicy | KnownKind::ClusterPropagationPolicy => {
                generator.into_root_schema_for::<propagation::PropagationPolicy>()
            }
            KnownKind::OverridePolicy | KnownKind::ClusterOverridePolicy => {
                generator.into_root_schema_for::<override_policy::OverridePolicy>()
            }
            KnownKind::FederatedHpa => generator.into_root_schema_for::<scaling::FederatedHPA>(),
            KnownKind::CronFederatedHpa => {
                generator.into_root_schema_for::<scaling::CronFederatedHPA>()
            }
            KnownKind::InterpreterCustomization => {
                generator.into_root_schema_for::<interpreter::ResourceInterpreterCustomization>()
            }
            KnownKind::Settings => generator.into_root_schema_for::<settings::Settings>(),
        }
    }
}

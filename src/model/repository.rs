//! The validated repository: every typed object and template, each with the
//! place it came from. Lists are sorted by identity, so nothing downstream
//! depends on file order.

use super::check::Checker;
use super::common::ObjectRef;
use super::diag::{Code, Location};
use super::kinds::cluster::Cluster;
use super::kinds::interpreter::ResourceInterpreterCustomization;
use super::kinds::override_policy::OverridePolicy;
use super::kinds::propagation::PropagationPolicy;
use super::kinds::scaling::{CronFederatedHPA, FederatedHPA};
use super::kinds::settings::Settings;
use super::kinds::KnownKind;
use super::template::Template;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A typed object with its identity and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub id: ObjectRef,
    pub location: Location,
    pub value: T,
}

/// Everything the repository says, typed.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// `flotilla.yaml`, when present.
    pub settings: Option<Located<Settings>>,
    pub clusters: Vec<Located<Cluster>>,
    /// PropagationPolicies and ClusterPropagationPolicies (defaults applied).
    pub propagation_policies: Vec<Located<PropagationPolicy>>,
    /// OverridePolicies and ClusterOverridePolicies.
    pub override_policies: Vec<Located<OverridePolicy>>,
    pub federated_hpas: Vec<Located<FederatedHPA>>,
    pub cron_federated_hpas: Vec<Located<CronFederatedHPA>>,
    pub interpreters: Vec<Located<ResourceInterpreterCustomization>>,
    pub templates: Vec<Template>,
}

impl Repository {
    /// Deserializes a schema-valid object of kind `k`, runs its own checks and
    /// stores it; returns its index in the list for its kind.
    pub(crate) fn push_typed(
        &mut self,
        k: KnownKind,
        json: Value,
        location: Location,
        cx: &mut Checker<'_>,
    ) -> Option<usize> {
        let id = ObjectRef {
            api_version: k.api_version().to_string(),
            kind: k.kind().to_string(),
            namespace: json
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_string),
            name: json
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        match k {
            KnownKind::Cluster => add(
                &mut self.clusters,
                id,
                json,
                location,
                cx,
                |c: &mut Cluster, cx| c.check(cx),
            ),
            KnownKind::PropagationPolicy | KnownKind::ClusterPropagationPolicy => add(
                &mut self.propagation_policies,
                id,
                json,
                location,
                cx,
                |p: &mut PropagationPolicy, cx| {
                    p.check(cx);
                    super::defaults::default_propagation_spec(&mut p.spec);
                },
            ),
            KnownKind::OverridePolicy | KnownKind::ClusterOverridePolicy => add(
                &mut self.override_policies,
                id,
                json,
                location,
                cx,
                |p: &mut OverridePolicy, cx| p.check(cx),
            ),
            KnownKind::FederatedHpa => add(
                &mut self.federated_hpas,
                id,
                json,
                location,
                cx,
                |h: &mut FederatedHPA, cx| h.check(cx),
            ),
            KnownKind::CronFederatedHpa => add(
                &mut self.cron_federated_hpas,
                id,
                json,
                location,
                cx,
                |h: &mut CronFederatedHPA, cx| h.check(cx),
            ),
            KnownKind::InterpreterCustomization => add(
                &mut self.interpreters,
                id,
                json,
                location,
                cx,
                |r: &mut ResourceInterpreterCustomization, cx| r.check(cx),
            ),
            KnownKind::Settings => {
                let mut list = Vec::new();
                let index = add(&mut list, id, json, location, cx, |s: &mut Settings, cx| {
                    s.check(cx)
                });
                self.settings = list.pop();
                index
            }
        }
    }

    /// Sorts every list by identity.
    pub(crate) fn sort(&mut self) {
        self.clusters.sort_by(|a, b| a.id.cmp(&b.id));
        self.propagation_policies.sort_by(|a, b| a.id.cmp(&b.id));
        self.override_policies.sort_by(|a, b| a.id.cmp(&b.id));
        self.federated_hpas.sort_by(|a, b| a.id.cmp(&b.id));
        self.cron_federated_hpas.sort_by(|a, b| a.id.cmp(&b.id));
        self.interpreters.sort_by(|a, b| a.id.cmp(&b.id));
        self.templates.sort_by(|a, b| a.id.cmp(&b.id));
    }

    /// Every object's identity and location, for the duplicate check.
    pub fn identities(&self) -> Vec<(&ObjectRef, &Location)> {
        let mut all: Vec<(&ObjectRef, &Location)> = Vec::new();
        all.extend(self.settings.iter().map(|l| (&l.id, &l.location)));
        all.extend(self.clusters.iter().map(|l| (&l.id, &l.location)));
        all.extend(
            self.propagation_policies
                .iter()
                .map(|l| (&l.id, &l.location)),
        );
        all.extend(self.override_policies.iter().map(|l| (&l.id, &l.location)));
        all.extend(self.federated_hpas.iter().map(|l| (&l.id, &l.location)));
        all.extend(
            self.cron_federated_hpas
                .iter()
                .map(|l| (&l.id, &l.location)),
        );
        all.extend(self.interpreters.iter().map(|l| (&l.id, &l.location)));
        all.extend(self.templates.iter().map(|t| (&t.id, &t.location)));
        all
    }

    /// The Settings in force (defaults when there is no `flotilla.yaml`).
    pub fn settings(&self) -> Settings {
        self.settings
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default()
    }
}

fn add<T: DeserializeOwned>(
    list: &mut Vec<Located<T>>,
    id: ObjectRef,
    json: Value,
    location: Location,
    cx: &mut Checker<'_>,
    check: impl FnOnce(&mut T, &mut Checker<'_>),
) -> Option<usize> {
    match serde_json::from_value::<T>(json) {
        Ok(mut value) => {
            check(&mut value, cx);
            list.push(Located {
                id,
                location,
                value,
            });
            Some(list.len() - 1)
        }
        Err(e) => {
            // The schema accepted it, so this is a rule serde enforces that
            // the schema does not express (e.g. integer range).
            cx.error(
                Code::InvalidValue,
                "",
                format!("invalid {}: {e}", location.path),
            );
            None
        }
    }
}

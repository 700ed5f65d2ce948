//! `config.karmada.io/v1alpha1` ResourceInterpreterCustomization, as Karmada
//! v1.14 defines it (`pkg/apis/config/v1alpha1`): Lua scripts that tell
//! Karmada how to read replicas, status, health and dependencies of a kind.
//!
//! Parsed and validated here: the target is named, at least one
//! customization is given and no script is blank. Running the scripts (Lua
//! 5.1) comes in a later issue, which will also compile them as Karmada's
//! webhook does. [`conflicts`] finds two customizations of the same operation
//! for the same target, which Karmada's webhook rejects.

use crate::model::check::Checker;
use crate::model::common::ObjectMeta;
use crate::model::diag::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A ResourceInterpreterCustomization (cluster-scoped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceInterpreterCustomization {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ResourceInterpreterCustomizationSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceInterpreterCustomizationSpec {
    pub target: CustomizationTarget,
    pub customizations: CustomizationRules,
}

/// The kind the customization applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomizationTarget {
    pub api_version: String,
    pub kind: String,
}

/// The interpretation rules; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CustomizationRules {
    /// `function Retain(desiredObj, observedObj)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<LuaScript>,
    /// `function GetReplicas(desiredObj)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_resource: Option<LuaScript>,
    /// `function ReviseReplica(desiredObj, desiredReplica)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_revision: Option<LuaScript>,
    /// `function ReflectStatus(observedObj)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reflection: Option<LuaScript>,
    /// `function AggregateStatus(desiredObj, statusItems)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_aggregation: Option<LuaScript>,
    /// `function InterpretHealth(observedObj)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_interpretation: Option<LuaScript>,
    /// `function GetDependencies(desiredObj)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_interpretation: Option<LuaScript>,
}

/// One rule: its Lua script (Karmada's `LocalValueRetention`,
/// `ReplicaResourceRequirement`, … all have exactly this shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LuaScript {
    pub lua_script: String,
}

/// The operations a customization can define, in the order of Karmada's
/// `AllResourceInterpreterCustomizationRules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    Retain,
    InterpretReplica,
    ReviseReplica,
    InterpretStatus,
    AggregateStatus,
    InterpretHealth,
    InterpretDependency,
}

impl Operation {
    pub const ALL: [Operation; 7] = [
        Operation::Retain,
        Operation::InterpretReplica,
        Operation::ReviseReplica,
        Operation::InterpretStatus,
        Operation::AggregateStatus,
        Operation::InterpretHealth,
        Operation::InterpretDependency,
    ];

    /// The field of `spec.customizations` that defines it.
    pub fn field(self) -> &'static str {
        match self {
            Operation::Retain => "retention",
            Operation::InterpretReplica => "replicaResource",
            Operation::ReviseReplica => "replicaRevision",
            Operation::InterpretStatus => "statusReflection",
            Operation::AggregateStatus => "statusAggregation",
            Operation::InterpretHealth => "healthInterpretation",
            Operation::InterpretDependency => "dependencyInterpretation",
        }
    }

    /// The Lua function the script must define.
    pub fn function(self) -> &'static str {
        match self {
            Operation::Retain => "Retain",
            Operation::InterpretReplica => "GetReplicas",
            Operation::ReviseReplica => "ReviseReplica",
            Operation::InterpretStatus => "ReflectStatus",
            Operation::AggregateStatus => "AggregateStatus",
            Operation::InterpretHealth => "InterpretHealth",
            Operation::InterpretDependency => "GetDependencies",
        }
    }
}

impl CustomizationRules {
    /// The script for `op`, if given.
    pub fn script(&self, op: Operation) -> Option<&str> {
        let rule = match op {
            Operation::Retain => &self.retention,
            Operation::InterpretReplica => &self.replica_resource,
            Operation::ReviseReplica => &self.replica_revision,
            Operation::InterpretStatus => &self.status_reflection,
            Operation::AggregateStatus => &self.status_aggregation,
            Operation::InterpretHealth => &self.health_interpretation,
            Operation::InterpretDependency => &self.dependency_interpretation,
        };
        rule.as_ref().map(|r| r.lua_script.as_str())
    }
}

impl ResourceInterpreterCustomization {
    /// The operations this object defines, in [`Operation::ALL`] order.
    pub fn operations(&self) -> Vec<Operation> {
        Operation::ALL
            .into_iter()
            .filter(|op| self.spec.customizations.script(*op).is_some())
            .collect()
    }

    pub fn check(&self, cx: &mut Checker<'_>) {
        for (field, value) in [
            ("apiVersion", &self.spec.target.api_version),
            ("kind", &self.spec.target.kind),
        ] {
            if value.trim().is_empty() {
                cx.error(
                    Code::MissingField,
                    &format!("/spec/target/{field}"),
                    format!("the target's `{field}` must not be empty"),
                );
            }
        }
        let ops = self.operations();
        if ops.is_empty() {
            cx.error(Code::MissingField, "/spec/customizations", "no customization is given")
                .help("add at least one of retention, replicaResource, replicaRevision, statusReflection, statusAggregation, healthInterpretation, dependencyInterpretation");
        }
        for op in ops {
            let blank = self
                .spec
                .customizations
                .script(op)
                .is_some_and(|s| s.trim().is_empty());
            if blank {
                cx.error(
                    Code::MissingField,
                    &format!("/spec/customizations/{}/luaScript", op.field()),
                    "the Lua script is empty",
                )
                .help(format!(
                    "define `function {}(...)`, or remove `{}`",
                    op.function(),
                    op.field()
                ));
            }
        }
    }
}

/// Two customizations of the same operation for the same target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Indexes into the slice given to [`conflicts`]; `first < second`.
    pub first: usize,
    pub second: usize,
    pub operation: Operation,
}

/// Pairs of customizations that Karmada's webhook would not admit together
/// (`validateCustomizationRule`): same target, both defining the same
/// operation. `dependencyInterpretation` is exempt: Karmada runs every
/// dependency script and merges the results. A pair with the same name is
/// one object and is not a conflict.
pub fn conflicts(rics: &[&ResourceInterpreterCustomization]) -> Vec<Conflict> {
    let mut out = Vec::new();
    for (i, a) in rics.iter().enumerate() {
        for (j, b) in rics.iter().enumerate().skip(i + 1) {
            if a.spec.target != b.spec.target || a.metadata.name == b.metadata.name {
                continue;
            }
            for op in Operation::ALL {
                let both = a.spec.customizations.script(op).is_some()
                    && b.spec.customizations.script(op).is_some();
                if both && op != Operation::InterpretDependency {
                    out.push(Conflict {
                        first: i,
                        second: j,
                        operation: op,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::yaml;

    fn parse(
        text: &str,
    ) -> (
        ResourceInterpreterCustomization,
        Vec<crate::model::diag::Diagnostic>,
    ) {
        let stream = yaml::parse_stream(text, 10_000).expect("yaml");
        let doc = &stream.documents[0];
        let ric: ResourceInterpreterCustomization =
            serde_json::from_value(doc.value.clone()).expect("deserializes");
        let mut cx = Checker::new("ric.yaml", doc);
        ric.check(&mut cx);
        (ric, cx.diagnostics)
    }

    const HEAD: &str = "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\nmetadata:\n  name: workload\nspec:\n  target:\n    apiVersion: apps.example.io/v1\n    kind: Workload\n  customizations:\n";

    #[test]
    fn checks() {
        // HEAD ends at line 9.
        let cases: &[(&str, &str, &[(Code, u32, &str)])] = &[
            (
                "valid",
                "    replicaResource:\n      luaScript: |\n        function GetReplicas(obj)\n          return obj.spec.replicas, {}\n        end\n    healthInterpretation:\n      luaScript: \"function InterpretHealth(o) return true end\"\n",
                &[],
            ),
            ("none", "    {}\n", &[(Code::MissingField, 10, "no customization")]),
            (
                "blank script",
                "    retention:\n      luaScript: \"  \\n\"\n    statusAggregation:\n      luaScript: x\n",
                &[(Code::MissingField, 11, "the Lua script is empty")],
            ),
        ];
        for (name, body, want) in cases {
            let (_, got) = parse(&format!("{HEAD}{body}"));
            let summary: Vec<_> = got
                .iter()
                .map(|d| (d.code, d.location.line, d.message.clone()))
                .collect();
            assert_eq!(got.len(), want.len(), "case `{name}`: {summary:?}");
            for (d, (code, line, part)) in got.iter().zip(*want) {
                assert_eq!(
                    (d.code, d.location.line),
                    (*code, *line),
                    "case `{name}`: {summary:?}"
                );
                assert!(d.message.contains(part), "case `{name}`: {summary:?}");
            }
        }
    }

    #[test]
    fn empty_target_and_unknown_fields() {
        let text = "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\nmetadata: {name: x}\nspec:\n  target: {apiVersion: \"\", kind: W}\n  customizations:\n    retention: {luaScript: x}\n";
        let (_, got) = parse(text);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].code, got[0].location.line), (Code::MissingField, 5));
        let bad = format!("{HEAD}    retention:\n      script: x\n");
        let stream = yaml::parse_stream(&bad, 10_000).expect("yaml");
        assert!(serde_json::from_value::<ResourceInterpreterCustomization>(
            stream.documents[0].value.clone()
        )
        .is_err());
    }

    #[test]
    fn conflicting_customizations() {
        let ric = |name: &str, kind: &str, body: &str| {
            let text = format!("apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\nmetadata: {{name: {name}}}\nspec:\n  target: {{apiVersion: v1, kind: {kind}}}\n  customizations:\n{body}");
            parse(&text).0
        };
        let a = ric("a", "W", "    retention: {luaScript: x}\n    dependencyInterpretation: {luaScript: x}\n    healthInterpretation: {luaScript: x}\n");
        let b = ric(
            "b",
            "W",
            "    retention: {luaScript: y}\n    dependencyInterpretation: {luaScript: y}\n",
        );
        let c = ric("c", "Other", "    retention: {luaScript: y}\n");
        let d = ric("d", "W", "    healthInterpretation: {luaScript: y}\n");
        assert_eq!(
            a.operations(),
            vec![
                Operation::Retain,
                Operation::InterpretHealth,
                Operation::InterpretDependency
            ]
        );
        assert_eq!(
            conflicts(&[&a, &b, &c, &d]),
            vec![
                Conflict {
                    first: 0,
                    second: 1,
                    operation: Operation::Retain
                },
                Conflict {
                    first: 0,
                    second: 3,
                    operation: Operation::InterpretHealth
                },
            ]
        );
    }

    #[test]
    fn schema_generates() {
        let schema =
            serde_json::to_string(&schemars::schema_for!(ResourceInterpreterCustomization))
                .expect("schema");
        assert!(
            schema.contains("dependencyInterpretation") && schema.contains("luaScript"),
            "{schema}"
        );
    }
}

//! Table tests for Settings: defaults, checks with positions, durations and
//! path selection.

use super::*;
use crate::model::yaml;

fn parse(text: &str) -> (Settings, Vec<crate::model::diag::Diagnostic>) {
    let stream = yaml::parse_stream(text, 10_000).expect("yaml");
    let doc = stream.documents.first().expect("a document");
    let settings: Settings = serde_json::from_value(doc.value.clone()).expect("deserializes");
    let mut cx = Checker::new(FILE_NAME, doc);
    settings.check(&mut cx);
    (settings, cx.diagnostics)
}

const HEAD: &str = "apiVersion: flotilla.io/v1alpha1\nkind: Settings\nspec:\n";

#[test]
fn defaults() {
    let s = Settings::default();
    assert_eq!(s.roots(), Vec::<String>::new());
    assert_eq!(s.status_branch(), "flotilla/status");
    assert_eq!(s.poll_interval(), Duration::from_secs(30));
    assert_eq!(s.instance(), "flotilla");
    let (parsed, diags) = parse("apiVersion: flotilla.io/v1alpha1\nkind: Settings\n");
    assert!(diags.is_empty());
    assert_eq!(parsed, s, "a file with no spec is the default");
}

#[test]
fn values_and_normalization() {
    let (s, diags) = parse(&format!(
        "{HEAD}  roots: [./apps/, clusters//prod]\n  exclude: [\"**/testdata\"]\n  statusBranch: ops/status\n  pollInterval: 1m30s\n  instance: flotilla-prod\n"
    ));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        s.roots(),
        vec!["apps".to_string(), "clusters/prod".to_string()]
    );
    assert_eq!(s.status_branch(), "ops/status");
    assert_eq!(s.poll_interval(), Duration::from_secs(90));
    assert_eq!(s.instance(), "flotilla-prod");
    let (dot, _) = parse(&format!("{HEAD}  roots: [apps, .]\n"));
    assert!(dot.roots().is_empty(), "`.` means the whole tree");
}

#[test]
fn checks() {
    // HEAD ends at line 3.
    let cases: &[(&str, &str, &[(u32, &str)])] = &[
        (
            "absolute root",
            "  roots: [/etc]\n",
            &[(4, "root `/etc` is not a relative path")],
        ),
        (
            "dotdot root",
            "  roots: [apps/../../x]\n",
            &[(4, "leaves the repository")],
        ),
        (
            "windows root",
            "  roots: [\"C:\\\\repo\"]\n",
            &[(4, "is not a relative path")],
        ),
        ("empty root", "  roots: [\"\"]\n", &[(4, "is empty")]),
        (
            "duplicate root",
            "  roots:\n    - apps\n    - ./apps/\n",
            &[(6, "already listed as roots[0]")],
        ),
        (
            "bad pattern",
            "  exclude:\n    - ok/*\n    - \"[abc]\"\n",
            &[(6, "`[` is not supported")],
        ),
        (
            "bad duration",
            "  pollInterval: 5 minutes\n",
            &[(4, "invalid duration `5 minutes`")],
        ),
        (
            "too short",
            "  pollInterval: 500ms\n",
            &[(4, "shorter than 1s")],
        ),
        (
            "full ref",
            "  statusBranch: refs/heads/status\n",
            &[(4, "full ref")],
        ),
        (
            "bad branch",
            "  statusBranch: \"status..x\"\n",
            &[(4, "not a valid git branch name")],
        ),
        (
            "lock in a middle component",
            "  statusBranch: a.lock/b\n",
            &[(4, "not a valid git branch name")],
        ),
        (
            "lock component",
            "  statusBranch: a/b.lock\n",
            &[(4, "not a valid git branch name")],
        ),
        (
            "bad instance",
            "  instance: \"my instance\"\n",
            &[(4, "instance `my instance`")],
        ),
        ("empty instance", "  instance: \"\"\n", &[(4, "is empty")]),
        (
            "prune percent over 100",
            "  prune:\n    maxDeletePercent: 150\n",
            &[(5, "maxDeletePercent 150 is over 100")],
        ),
        (
            "prune approval not a commit",
            "  prune:\n    approve: [abc, 3f2c9ab]\n",
            &[(5, "`abc` is not a commit id")],
        ),
    ];
    for (name, body, want) in cases {
        let (_, got) = parse(&format!("{HEAD}{body}"));
        let summary: Vec<_> = got
            .iter()
            .map(|d| (d.location.line, d.message.clone()))
            .collect();
        assert_eq!(got.len(), want.len(), "case `{name}`: {summary:?}");
        for (d, (line, part)) in got.iter().zip(*want) {
            assert_eq!(
                (d.code, d.location.line),
                (Code::InvalidSettings, *line),
                "case `{name}`: {summary:?}"
            );
            assert!(d.message.contains(part), "case `{name}`: {summary:?}");
        }
    }
}

#[test]
fn invalid_values_fall_back_to_defaults() {
    let (s, _) = parse(&format!("{HEAD}  statusBranch: \"a b\"\n  pollInterval: soon\n  instance: \"-x\"\n  roots: [/abs, apps]\n"));
    assert_eq!(s.status_branch(), DEFAULT_STATUS_BRANCH);
    assert_eq!(s.poll_interval(), DEFAULT_POLL_INTERVAL);
    assert_eq!(s.instance(), DEFAULT_INSTANCE);
    assert_eq!(s.roots(), vec!["apps".to_string()]);
}

#[test]
fn unknown_fields_are_rejected() {
    let stream = yaml::parse_stream(&format!("{HEAD}  root: [apps]\n"), 10_000).expect("yaml");
    assert!(serde_json::from_value::<Settings>(stream.documents[0].value.clone()).is_err());
}

#[test]
fn durations() {
    let ok: &[(&str, u64)] = &[
        ("15s", 15_000),
        ("2m", 120_000),
        ("1h30m", 5_400_000),
        ("500ms", 500),
        ("1m1s1ms", 61_001),
    ];
    for (text, millis) in ok {
        assert_eq!(
            parse_duration(text).map(|d| d.as_millis() as u64),
            Ok(*millis),
            "{text}"
        );
    }
    let bad: &[(&str, &str)] = &[
        ("", "empty"),
        ("15", "unit is missing"),
        ("s", "whole number"),
        ("1.5h", "unit must be"),
        ("-1s", "whole number"),
        ("3d", "unit must be"),
        ("0s", "longer than zero"),
        ("99999999999999999999s", "too large"),
        ("9999999999999999h", "too long"),
        ("1 m", "unit must be"),
    ];
    for (text, want) in bad {
        let err = parse_duration(text).expect_err(text).to_string();
        assert!(err.contains(want), "`{text}`: `{err}` lacks `{want}`");
    }
}

#[test]
fn path_selection() {
    let (s, _) = parse(&format!("{HEAD}  roots: [apps, clusters]\n  exclude: [\"**/testdata\", \"*.tmpl.yaml\", apps/legacy/]\n"));
    let cases: &[(&str, bool)] = &[
        ("apps/web/deploy.yaml", true),
        ("./apps/web/deploy.yaml", true),
        ("clusters/member1.yaml", true),
        ("other/x.yaml", false),
        ("appsx/x.yaml", false),
        ("apps/web/testdata/x.yaml", false),
        ("apps/web/deploy.tmpl.yaml", false),
        ("apps/legacy/old.yaml", false),
        ("apps/.hidden/x.yaml", false),
        ("apps/web/.x.yaml", false),
    ];
    let selector = Selector::new(&s);
    for (path, want) in cases {
        assert_eq!(selector.selects(path), *want, "path `{path}`");
    }
    let default = Settings::default();
    assert!(default.selects("apps/web.yaml"));
    assert!(default.selects("flotilla.yaml"));
    assert!(!default.selects(".flotilla/cache.yaml"));
    assert!(!default.selects(".github/workflows/ci.yaml"));
}

#[test]
fn schema_generates() {
    let schema = serde_json::to_string(&schemars::schema_for!(Settings)).expect("schema");
    assert!(
        schema.contains("pollInterval") && schema.contains("statusBranch"),
        "{schema}"
    );
}

#[test]
fn prune_guards() {
    let d = Settings::default();
    assert!(!d.spec.prune.allow_empty());
    assert_eq!(d.spec.prune.max_delete_percent(), 50);
    assert!(!d.spec.prune.approves("3f2c9ab0d1e2"));
    let (s, diags) = parse(&format!(
        "{HEAD}  prune:\n    allowEmpty: true\n    maxDeletePercent: 20\n    approve: [3f2c9ab]\n"
    ));
    assert!(diags.is_empty(), "{diags:?}");
    assert!(s.spec.prune.allow_empty());
    assert_eq!(s.spec.prune.max_delete_percent(), 20);
    assert!(s.spec.prune.approves("3f2c9ab0d1e2"));
    assert!(!s.spec.prune.approves("3f2c9ac0d1e2"));
}

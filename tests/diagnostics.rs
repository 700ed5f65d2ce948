//! Every invalid fixture under `fixtures/invalid/` gives its diagnostic at the
//! right place, through the real binary: the code and position are asserted,
//! and the full human output (message, excerpt, help) is a golden snapshot.

mod support;

use support::{flotilla, root, stderr, stdout};

/// (fixture, code, path:line:col of the diagnostic, exit code)
const CASES: &[(&str, &str, &str, i32)] = &[
    ("yaml-syntax", "F101", "app.yaml:7:8", 1),
    ("alias-bomb", "F102", "app.yaml:10:33", 1),
    ("not-an-object", "F103", "app.yaml:1:1", 1),
    ("missing-identity", "F104", "app.yaml:4:3", 1),
    ("duplicate-key", "F105", "app.yaml:7:3", 1),
    ("not-utf8", "F002", "app.yaml:4:12", 1),
    ("symlink-escape", "F005", "passwd.yaml:1:1", 1),
    ("symlink-loop", "F005", "a.yaml:1:1", 1),
    ("unknown-field", "F201", "policy.yaml:10:5", 1),
    ("wrong-type", "F202", "policy.yaml:9:13", 1),
    ("missing-field", "F203", "policy.yaml:7:7", 1),
    ("invalid-value", "F204", "policy.yaml:11:30", 1),
    ("duplicate-object", "F301", "b.yaml:2:1", 1),
    ("invalid-selector", "F302", "policy.yaml:12:23", 1),
    ("invalid-patch-path", "F303", "override.yaml:14:19", 1),
    ("negative-weight", "F304", "policy.yaml:17:21", 1),
    ("no-resource-selectors", "F305", "policy.yaml:6:3", 1),
    ("unknown-cluster", "F306", "policy.yaml:11:31", 0),
    ("invalid-cron", "F307", "cron.yaml:12:17", 1),
    ("targets-no-cluster", "F308", "override.yaml:11:9", 0),
    ("unsupported-field", "F309", "cluster2.yaml:6:16", 1),
    ("ineffective-selector", "F310", "policy.yaml:10:18", 0),
    ("invalid-settings", "F311", "flotilla.yaml:4:11", 1),
];

#[test]
fn every_fixture_reports_its_diagnostic_at_the_right_place() {
    let mut failures = Vec::new();
    for (fixture, code, at, exit) in CASES {
        let dir = root().join("fixtures/invalid").join(fixture);
        let out = flotilla(&["validate", dir.to_str().unwrap(), "--format", "json"]);
        let json: serde_json::Value = match serde_json::from_str(&stdout(&out)) {
            Ok(j) => j,
            Err(e) => {
                failures.push(format!(
                    "{fixture}: no JSON output ({e}); stderr: {}",
                    stderr(&out)
                ));
                continue;
            }
        };
        let diags = json["diagnostics"].as_array().cloned().unwrap_or_default();
        let found = diags.iter().any(|d| {
            let loc = &d["location"];
            d["code"] == *code
                && format!(
                    "{}:{}:{}",
                    loc["path"].as_str().unwrap_or(""),
                    loc["line"],
                    loc["col"]
                ) == *at
        });
        if !found {
            failures.push(format!(
                "{fixture}: expected {code} at {at}, got {}",
                serde_json::to_string(&diags).unwrap()
            ));
        }
        if out.status.code() != Some(*exit) {
            failures.push(format!(
                "{fixture}: expected exit {exit}, got {:?}",
                out.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures wrong:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_directory_is_covered() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    covered.sort();
    assert_eq!(dirs, covered);
}

#[test]
fn human_diagnostics_are_golden() {
    for (fixture, ..) in CASES {
        let dir = root().join("fixtures/invalid").join(fixture);
        let out = flotilla(&["validate", dir.to_str().unwrap()]);
        insta::assert_snapshot!(format!("validate-{fixture}"), stderr(&out));
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = flotilla(&["validate", "--format", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let out = flotilla(&["validate", "/nonexistent/repo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("failed to read repository"),
        "{}",
        stderr(&out)
    );
}

//! The decision modules of the watches and the drift backoff are pure
//! (STYLE: time comes in as an argument): the observation cache, the wake
//! rules and the per-object backoff read no clock and make no request. A
//! grep over their sources keeps it so (their tests may use a clock).

use std::path::Path;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "kube::",
    "git2",
    "axum",
    "std::env",
    "std::fs",
    "std::net",
    "SystemTime",
    "Instant::now",
    "Utc::now",
    "Local::now",
    "rand::",
];

const PURE: &[&str] = &[
    "src/apply/cache.rs",
    "src/daemon/wake.rs",
    "src/daemon/drift_backoff.rs",
];

#[test]
fn cache_wake_rules_and_drift_backoff_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for file in PURE {
        let text = std::fs::read_to_string(root.join(file)).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN {
                if code.contains(word) {
                    found.push(format!("{file}:{}: {word}", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "impure code in pure modules:\n{}",
        found.join("\n")
    );
}

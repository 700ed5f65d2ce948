//! The examples through the real binary: each validates cleanly, and its
//! render (JSON and the explanation) is a golden snapshot. Rendering twice,
//! and from a copy whose files are laid out differently, gives identical bytes.

mod support;

use support::{flotilla, root, stderr, stdout};

fn examples() -> Vec<String> {
    // Example repositories are directories; `*.rs` files there are cargo examples.
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn examples_validate_cleanly() {
    for name in examples() {
        let dir = root().join("examples").join(&name);
        let out = flotilla(&["validate", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("warning["),
            "{name} has warnings: {}",
            stderr(&out)
        );
    }
}

#[test]
fn example_renders_are_golden() {
    for name in examples() {
        let dir = root().join("examples").join(&name);
        let out = flotilla(&["render", dir.to_str().unwrap(), "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        insta::assert_json_snapshot!(format!("render-{name}"), json);
        let explain = flotilla(&["render", dir.to_str().unwrap(), "--explain"]);
        insta::assert_snapshot!(format!("explain-{name}"), stdout(&explain));
    }
}

#[test]
fn render_is_byte_identical_whatever_the_file_layout() {
    let src = root().join("examples/quickstart");
    let first = flotilla(&["render", src.to_str().unwrap(), "--format", "json"]);
    let again = flotilla(&["render", src.to_str().unwrap(), "--format", "json"]);
    assert_eq!(first.stdout, again.stdout);
    // The same objects, all in one file in reverse order, under other names.
    let tmp = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    collect_yaml(&src, &mut docs);
    docs.reverse();
    let (settings, rest): (Vec<_>, Vec<_>) = docs
        .into_iter()
        .partition(|(p, _)| p.ends_with("flotilla.yaml"));
    for (_, text) in settings {
        std::fs::write(tmp.path().join("flotilla.yaml"), text).unwrap();
    }
    let all: Vec<String> = rest.into_iter().map(|(_, t)| t).collect();
    std::fs::create_dir_all(tmp.path().join("z")).unwrap();
    std::fs::write(tmp.path().join("z/everything.yaml"), all.join("\n---\n")).unwrap();
    let moved = flotilla(&["render", tmp.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    let strip = |out: &std::process::Output| {
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Only the source annotation (the file path) and the hash over it may differ.
        for objs in v["clusters"].as_object_mut().unwrap().values_mut() {
            for o in objs.as_array_mut().unwrap() {
                let ann = o["metadata"]["annotations"].as_object_mut().unwrap();
                ann.remove("flotilla.io/source");
                ann.remove("flotilla.io/hash");
            }
        }
        v
    };
    assert_eq!(strip(&first), strip(&moved));
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

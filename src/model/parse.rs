//! Parsing: the repository's files → raw objects (each object's JSON value
//! and the positions of its nodes), with a diagnostic for every file or
//! document that cannot be used (not UTF-8, invalid YAML, duplicate keys,
//! a document or `List` item that is not a mapping).
//!
//! Files are independent, so they are parsed on up to
//! [`LoadLimits::parse_threads`] threads. The result does not depend on the
//! number of threads: each file's result is put back in the order the files
//! were given, and a file's objects keep their document order.
//!
//! Pure: bytes in, values out; no I/O.

use super::diag::{Code, Diagnostic, Location};
use super::load::LoadLimits;
use super::yaml::{self, Children, Document, Spans, YamlProblemKind};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One object of a YAML file, before classification.
pub(crate) struct RawObject {
    pub path: String,
    pub json: Value,
    pub spans: Spans,
}

/// What one file gave.
#[derive(Default)]
pub(crate) struct ParsedFile {
    /// The file's path and text, when it is UTF-8 (for excerpts).
    pub source: Option<(String, String)>,
    pub objects: Vec<RawObject>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every file, in parallel when `limits` allows it; the results are
/// in the order of `files`.
pub(crate) fn parse_files(files: &[(&str, &[u8])], limits: &LoadLimits) -> Vec<ParsedFile> {
    let threads = limits.parse_threads.clamp(1, files.len().max(1));
    if threads == 1 {
        return files
            .iter()
            .map(|(path, bytes)| parse_file(path, bytes, limits))
            .collect();
    }
    // Each thread takes the next unparsed file until none is left, so a
    // thread slowed down by a large file (or a busy core) does not hold up
    // the others; results are then put back in file order.
    let next = AtomicUsize::new(0);
    let per_thread: Vec<Vec<(usize, ParsedFile)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((path, bytes)) = files.get(i) else {
                            return done;
                        };
                        done.push((i, parse_file(path, bytes, limits)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| match w.join() {
                Ok(done) => done,
                // A panic while parsing is a bug; let it surface as one.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let mut slots: Vec<Option<ParsedFile>> = files.iter().map(|_| None).collect();
    for (i, parsed) in per_thread.into_iter().flatten() {
        slots[i] = Some(parsed);
    }
    slots.into_iter().flatten().collect()
}

fn parse_file(path: &str, bytes: &[u8], limits: &LoadLimits) -> ParsedFile {
    let mut out = ParsedFile::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count() as u32
                + 1;
            out.diagnostics.push(
                Diagnostic::error(
                    Code::NotUtf8,
                    Location {
                        path: path.into(),
                        line,
                        col,
                    },
                    "file is not valid UTF-8",
                )
                .with_help("save the file as UTF-8"),
            );
            return out;
        }
    };
    out.source = Some((path.to_string(), text.to_string()));
    let stream = match yaml::parse_stream(text, limits.max_alias_nodes) {
        Ok(s) => s,
        Err(p) => {
            let (code, help) = match p.kind {
                YamlProblemKind::AliasLimit => (Code::AliasLimit, "expand the aliases by hand; deeply nested aliases are refused to protect the reconciler"),
                _ => (Code::YamlSyntax, "fix the YAML syntax at this position"),
            };
            out.diagnostics.push(
                Diagnostic::error(
                    code,
                    Location {
                        path: path.into(),
                        line: p.pos.line,
                        col: p.pos.col,
                    },
                    format!("invalid YAML: {}", p.message),
                )
                .with_help(help),
            );
            return out;
        }
    };
    for p in stream.problems {
        out.diagnostics.push(
            Diagnostic::error(
                Code::DuplicateKey,
                Location {
                    path: path.into(),
                    line: p.pos.line,
                    col: p.pos.col,
                },
                p.message,
            )
            .with_help("remove one of the two keys"),
        );
    }
    for doc in stream.documents {
        let pos = doc.spans.pos;
        match &doc.value {
            Value::Null => {}
            Value::Object(_) => push_object(path, doc, &mut out),
            _ => out.diagnostics.push(
                Diagnostic::error(Code::NotAnObject, Location { path: path.into(), line: pos.line, col: pos.col }, "document is not a mapping")
                    .with_help("each YAML document must be a Kubernetes object: a mapping with apiVersion, kind and metadata"),
            ),
        }
    }
    out
}

/// Adds a document, expanding `kind: List` into its items.
fn push_object(path: &str, doc: Document, out: &mut ParsedFile) {
    let Document { value, spans } = doc;
    let is = |key: &str, want: &str| value.get(key).and_then(Value::as_str) == Some(want);
    if !(is("kind", "List") && is("apiVersion", "v1")) {
        out.objects.push(RawObject {
            path: path.to_string(),
            json: value,
            spans,
        });
        return;
    }
    let (Value::Object(map), Children::Map(children)) = (value, spans.children) else {
        return;
    };
    let Some((items, item_spans)) = map
        .into_iter()
        .zip(children)
        .find(|((key, _), _)| key == "items")
        .map(|((_, items), (_, spans))| (items, spans))
    else {
        return;
    };
    let (Value::Array(items), Children::Seq(item_spans)) = (items, item_spans.children) else {
        return;
    };
    for (value, spans) in items.into_iter().zip(item_spans) {
        if value.is_object() {
            push_object(path, Document { value, spans }, out);
        } else {
            out.diagnostics.push(Diagnostic::error(
                Code::NotAnObject,
                Location {
                    path: path.into(),
                    line: spans.pos.line,
                    col: spans.pos.col,
                },
                "list item is not a mapping",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a parse gave, in a comparable form.
    fn summary(parsed: &[ParsedFile]) -> Vec<String> {
        parsed
            .iter()
            .map(|p| {
                let objects: Vec<String> = p
                    .objects
                    .iter()
                    .map(|o| format!("{} {}", o.path, o.json))
                    .collect();
                format!("{:?} {objects:?} {:?}", p.source, p.diagnostics)
            })
            .collect()
    }

    #[test]
    fn threads_change_nothing_but_speed() {
        let mut files: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| {
                let text = match i % 5 {
                    0 => format!("kind: ConfigMap\nmetadata: {{name: c{i}}}\n---\nkind: Secret\n"),
                    1 => "apiVersion: v1\nkind: List\nitems: [{kind: A}, 3, {kind: B}]\n".into(),
                    2 => "a: [\n".into(),
                    3 => "k: 1\nk: 2\n---\n- not a mapping\n".into(),
                    _ => String::new(),
                };
                (format!("f{i:02}.yaml"), text.into_bytes())
            })
            .collect();
        files.push(("bad.yaml".into(), vec![b'a', b':', 0xff]));
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        let with = |parse_threads| {
            let limits = LoadLimits {
                parse_threads,
                ..LoadLimits::default()
            };
            summary(&parse_files(&files, &limits))
        };
        let one = with(1);
        assert_eq!(one.len(), files.len());
        // The List's two mappings are objects and its `3` a diagnostic.
        assert_eq!(one[1].matches("f01.yaml {").count(), 2, "{}", one[1]);
        assert!(one[1].contains("NotAnObject") && one[2].contains("YamlSyntax"));
        for threads in [2, 3, 8, 100] {
            assert_eq!(with(threads), one, "{threads} threads");
        }
    }
}

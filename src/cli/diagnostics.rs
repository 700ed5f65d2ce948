//! Printing diagnostics: human (with source excerpts) or JSON, to stderr.

use crate::model::diag::{render_human, Diagnostic};
use std::collections::BTreeMap;
use std::io::Write;

pub fn print_human(diags: &[Diagnostic], sources: &BTreeMap<String, String>) {
    let mut err = std::io::stderr().lock();
    for d in diags {
        let text = render_human(d, sources.get(&d.location.path).map(String::as_str));
        let _ = writeln!(err, "{text}");
    }
}

/// A one-line summary such as `2 errors, 1 warning`.
pub fn summary(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

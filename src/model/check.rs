//! The context semantic checks write into: it turns a JSON pointer into the
//! document (`/spec/placement/clusterAffinity`) into `path:line:col`.
//!
//! Kind modules validate their typed values and report by pointer; they never
//! see positions or files.

use super::diag::{Code, Diagnostic, Location};
use super::yaml::Positions;

/// Collects diagnostics for one document.
pub struct Checker<'a> {
    path: &'a str,
    root: Positions<'a>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub fn new(path: &'a str, root: impl Into<Positions<'a>>) -> Self {
        Checker {
            path,
            root: root.into(),
            diagnostics: Vec::new(),
        }
    }

    /// Where the value at `pointer` starts (or its deepest existing ancestor).
    pub fn location(&self, pointer: &str) -> Location {
        let pos = self.root.pos_at(pointer, false);
        Location {
            path: self.path.to_string(),
            line: pos.line,
            col: pos.col,
        }
    }

    /// Where the key of the field at `pointer` starts.
    pub fn key_location(&self, pointer: &str) -> Location {
        let pos = self.root.pos_at(pointer, true);
        Location {
            path: self.path.to_string(),
            line: pos.line,
            col: pos.col,
        }
    }

    /// Reports an error at the value `pointer` names; returns it for adding help or notes.
    pub fn error(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, self.location(pointer), message);
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Reports a warning at the value `pointer` names.
    pub fn warning(
        &mut self,
        code: Code,
        pointer: &str,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::warning(code, self.location(pointer), message);
        self.diagnostics.push(d);
        self.diagnostics.last_mut().expect("just pushed")
    }
}

impl Diagnostic {
    /// Sets the help line in place (for use with [`Checker::error`]).
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

//! Binding: which policy claims which template.

//! Source: reading the repository from disk or Git.

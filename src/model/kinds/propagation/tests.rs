//! Tests of PropagationPolicy parsing and checks.

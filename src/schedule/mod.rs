//! Scheduling: which clusters get how many replicas.

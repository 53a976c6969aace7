//! The kestrel command: state tests and benchmarks.

//! Benchmarks of Kestrel against revm.

//! `differential`: see `kestrel_fuzz::differential` for the input and the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kestrel_fuzz::differential(data));

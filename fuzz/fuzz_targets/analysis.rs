//! `analysis`: see `kestrel_fuzz::analysis` for the input and the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kestrel_fuzz::analysis(data));

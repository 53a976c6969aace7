//! `fixture_loaders`: see `kestrel_fuzz::fixture_loaders` for the input and the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kestrel_fuzz::fixture_loaders(data));

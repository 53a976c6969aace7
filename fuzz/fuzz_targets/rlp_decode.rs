//! `rlp_decode`: see `kestrel_fuzz::rlp_decode` for the input and the properties.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kestrel_fuzz::rlp_decode(data));

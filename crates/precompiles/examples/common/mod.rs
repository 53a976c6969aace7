//! Helpers the precompile examples and the criterion bench share (included with `#[path]`; a
//! folder without `main.rs`, so cargo does not build it as an example of its own).
#![allow(dead_code)] // each includer uses some of them

/// Bytes of a hex string, with or without `0x` (panics on bad hex: inputs are the workloads').
pub(crate) fn hex_bytes(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex")).collect()
}

/// The median of `v` (the upper one of an even count).
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Deterministic filler bytes (xorshift64*).
pub(crate) fn filler(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// A `len`-byte MODEXP modulus of filler bytes from `seed`, top bit set, odd or even.
pub(crate) fn modulus(len: usize, odd: bool, seed: u64) -> Vec<u8> {
    let mut modulus = filler(len, seed);
    modulus[0] |= 0x80;
    if odd {
        modulus[len - 1] |= 1;
    } else {
        modulus[len - 1] &= !1;
    }
    modulus
}

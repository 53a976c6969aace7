//! Portable F: plain `u64` arithmetic, the reference every SIMD backend must equal.

use super::{SIGMA, finish, initial_v};

/// The mixing function G (RFC 7693 §3.1).
#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// One round: the column step then the diagonal step, with schedule row `s`. (`% 16`
/// is free, and spares the remainder rounds, whose row is not a constant, a bounds check.)
#[inline(always)]
fn round(v: &mut [u64; 16], m: &[u64; 16], s: &[usize; 16]) {
    let w = |i: usize| m[s[i] % 16];
    g(v, 0, 4, 8, 12, w(0), w(1));
    g(v, 1, 5, 9, 13, w(2), w(3));
    g(v, 2, 6, 10, 14, w(4), w(5));
    g(v, 3, 7, 11, 15, w(6), w(7));
    g(v, 0, 5, 10, 15, w(8), w(9));
    g(v, 1, 6, 11, 12, w(10), w(11));
    g(v, 2, 7, 8, 13, w(12), w(13));
    g(v, 3, 4, 9, 14, w(14), w(15));
}

/// The compression function F (RFC 7693 §3.2) with a caller-chosen round count.
pub(super) fn compress(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    let mut v = initial_v(h, t, last);
    // Whole passes over the ten schedule rows, then the remainder. `round` is inlined with
    // a constant row each time, so every message index is a constant: no bounds checks.
    let (passes, rest) = (rounds / 10, rounds % 10);
    for _ in 0..passes {
        round(&mut v, m, &SIGMA[0]);
        round(&mut v, m, &SIGMA[1]);
        round(&mut v, m, &SIGMA[2]);
        round(&mut v, m, &SIGMA[3]);
        round(&mut v, m, &SIGMA[4]);
        round(&mut v, m, &SIGMA[5]);
        round(&mut v, m, &SIGMA[6]);
        round(&mut v, m, &SIGMA[7]);
        round(&mut v, m, &SIGMA[8]);
        round(&mut v, m, &SIGMA[9]);
    }
    for row in &SIGMA[..rest as usize] {
        round(&mut v, m, row);
    }
    finish(h, &v);
}

//! BLAKE2 F compression (0x09): EIP-152.
//!
//! Input (exactly 213 bytes): `rounds` (u32 big-endian) ‖ `h` (8 × u64 little-endian) ‖
//! `m` (16 × u64 LE) ‖ `t0`, `t1` (u64 LE) ‖ `f` (one byte, 0 or 1). Output: the new `h`,
//! 64 bytes little-endian. Gas is one per round, charged before any mixing, so the
//! `2^32 - 1` round worst case only runs when someone paid for it.

use std::sync::atomic::{AtomicU8, Ordering};

use kestrel_primitives::Bytes;

use crate::{Precompile, PrecompileError, PrecompileOutput, PrecompileResult, charge};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(test)]
mod tests;

/// The only accepted input length.
const INPUT_LEN: usize = 213;
/// Gas per round.
const GAS_PER_ROUND: u64 = 1;

/// BLAKE2b initialisation vector (RFC 7693 §2.6).
const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Message schedule (RFC 7693 §2.7); round `r` uses row `r % 10`.
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// EIP-152 BLAKE2 F: errors on a length other than 213 or a final flag other than 0/1.
pub(crate) fn blake2f(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run(input, gas_limit, compress)
}

/// A compression function F with EIP-152's arguments.
pub(crate) type CompressFn = fn(u32, &mut [u64; 8], &[u64; 16], [u64; 2], bool);

/// [`blake2f`] on the compression function `f`. Inlined into each caller, so the dispatched
/// path calls [`compress`] directly.
#[inline(always)]
fn run(input: &[u8], gas_limit: u64, f: CompressFn) -> PrecompileResult {
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return Err(PrecompileError::Failure("blake2f: input must be 213 bytes"));
    };
    let rounds = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
    let gas_used = charge(u64::from(rounds) * GAS_PER_ROUND, gas_limit)?;
    let last = match input[212] {
        0 => false,
        1 => true,
        _ => return Err(PrecompileError::Failure("blake2f: final flag must be 0 or 1")),
    };

    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&input[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let mut h: [u64; 8] = core::array::from_fn(|i| word(4 + 8 * i));
    let m: [u64; 16] = core::array::from_fn(|i| word(68 + 8 * i));
    let t = [word(196), word(204)];

    f(rounds, &mut h, &m, t, last);

    let mut out = [0u8; 64];
    for (chunk, v) in out.chunks_exact_mut(8).zip(h) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}

/// The working vector's starting value (RFC 7693 §3.2): `h ‖ IV`, with the offset
/// counter folded into `v[12..14]` and `v[14]` inverted for the final block.
#[inline]
fn initial_v(h: &[u64; 8], t: [u64; 2], last: bool) -> [u64; 16] {
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] = !v[14];
    }
    v
}

/// The feed-forward: `h[i] ^= v[i] ^ v[i + 8]`.
#[inline]
fn finish(h: &mut [u64; 8], v: &[u64; 16]) {
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// [`BACKEND`] before the first compression.
const UNCHOSEN: u8 = 0;
/// [`portable::compress`].
const PORTABLE: u8 = 1;
/// The AVX2 kernel.
const AVX2: u8 = 2;
/// The AVX-512VL kernel.
const AVX512: u8 = 3;

/// The backend [`compress`] uses, chosen by its first call: one byte load per call, where the
/// feature tests it replaces were three. Only [`choose`] stores, and a SIMD value only after
/// detecting the features that kernel is compiled for.
static BACKEND: AtomicU8 = AtomicU8::new(UNCHOSEN);

/// The compression function F (RFC 7693 §3.2) with a caller-chosen round count, on the
/// fastest backend this CPU has, or the portable one in portable mode
/// ([`kestrel_primitives::cpu::portable_only`]). Every backend gives the same result bit for bit.
///
/// A round is a chain of dependent operations, so a backend's speed is the latency of
/// that chain: on AMD Zen 4 about 7.4 ns a round with AVX-512VL, 8.3 with AVX2 (as revm's
/// AVX2 kernel), while the scalar code, bound by throughput, takes about 9.8.
pub(crate) fn compress(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    let mut backend = BACKEND.load(Ordering::Relaxed);
    if backend == UNCHOSEN {
        backend = choose();
    }
    #[cfg(target_arch = "x86_64")]
    match backend {
        // SAFETY: `choose` stores AVX512 only after detecting AVX2, AVX-512F and AVX-512VL.
        AVX512 => return unsafe { avx512::compress(rounds, h, m, t, last) },
        // SAFETY: `choose` stores AVX2 only after detecting AVX2.
        AVX2 => return unsafe { avx2::compress(rounds, h, m, t, last) },
        _ => {}
    }
    let _ = backend;
    portable::compress(rounds, h, m, t, last);
}

/// Picks [`compress`]'s backend once. Racing first calls compute the same answer.
#[cold]
fn choose() -> u8 {
    let backend = if kestrel_primitives::cpu::portable_only() { PORTABLE } else { fastest_backend() };
    BACKEND.store(backend, Ordering::Relaxed);
    backend
}

/// The fastest backend this CPU runs (std caches CPUID's answers). AVX-512 wherever it is
/// present, AMD Zen 4 included: the kernel uses only 256-bit operations, so Zen 4's
/// half-width 512-bit units, which decide keccak's choice there, do not matter (7.4 ns a
/// round against AVX2's 8.3 on Zen 4). Its XOR-and-rotate steps take two cycles where `vprorq`
/// is slow and where it is fast alike, so no CPU is known where AVX2 would win.
fn fastest_backend() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") && has!("avx512f") && has!("avx512vl") {
            return AVX512;
        }
        if has!("avx2") {
            return AVX2;
        }
    }
    PORTABLE
}

/// BLAKE2F on each backend this CPU runs, whatever [`compress`] dispatches to, for benchmarks
/// that time them side by side.
pub(crate) fn backends() -> Vec<(&'static str, Precompile)> {
    let mut list: Vec<(&'static str, Precompile)> =
        vec![("portable", |input, gas| run(input, gas, portable::compress))];
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") {
            list.push(("avx2", |input, gas| {
                // SAFETY: listed only after AVX2 was detected.
                run(input, gas, |r, h, m, t, f| unsafe { avx2::compress(r, h, m, t, f) })
            }));
        }
        if has!("avx2") && has!("avx512f") && has!("avx512vl") {
            list.push(("avx512", |input, gas| {
                // SAFETY: listed only after AVX2, AVX-512F and AVX-512VL were detected.
                run(input, gas, |r, h, m, t, f| unsafe { avx512::compress(r, h, m, t, f) })
            }));
        }
    }
    list
}

/// The backend [`compress`] uses in this process: `"avx512"`, `"avx2"` or `"portable"`.
pub(crate) fn backend_name() -> &'static str {
    let mut backend = BACKEND.load(Ordering::Relaxed);
    if backend == UNCHOSEN {
        backend = choose();
    }
    match backend {
        AVX512 => "avx512",
        AVX2 => "avx2",
        _ => "portable",
    }
}

//! Keccak-256 with the whole Keccak-f[1600] state in five AVX-512 registers.
//!
//! Each register holds one row of the state: lane `x` of register `y` is `A[x, y]` (lanes 5..8
//! are unused and never flow into lanes 0..5). With rows in registers, theta's column parity is
//! two three-way xors (`vpternlogq`) and chi is one `vpternlogq` per row. Pi moves every lane to
//! another row; it is done in two steps that need no transposition:
//!
//! 1. Pi sends `A[x, y]` to `B[y, 2x + 3y]`, so output row `Y` takes lane `x = X + 3Y` of input
//!    row `X`, for `X` in 0..5: one lane from each row and each column. Blending the five input
//!    rows with masks (no data movement across lanes) gathers output row `Y`'s lanes, still at
//!    their input columns, into one register `T_Y`. This needs only the round's input, so the
//!    blends run in parallel with theta's parity.
//! 2. Theta's `D[x]` depends only on the column and rho's offset only on the input lane, both
//!    known per column of `T_Y`: theta and rho are applied to `T_Y` directly. Chi then needs
//!    `B[X]`, `B[X + 1]` and `B[X + 2]` of the output row, which are `T_Y` read through three
//!    fixed lane rotations (`vpermq`), one of them often the identity.
//!
//! Iota xors the round constant into `A[0, 0]` after chi. Chi's output lane 0 is `B[0] ^ (!B[1]
//! & B[2])`, linear in `B[0]`, so the constant is xored into the copy of `T_0` that serves as
//! `B[0]` while the two rotations for `B[1]` and `B[2]` (which read the lane unchanged, for
//! output lanes 3 and 4) are in flight: off the critical path.
//!
//! A round is 20 blends, 12 `vpternlogq`, 14 `vpermq` (2 for theta, 12 for chi), 6 rotations
//! and a masked xor. Its dependency chain is parity (two ops) → rotate → `vpermq` → xor → rho →
//! `vpermq` → chi; on Zen 5 (2-cycle vector ops, 5-cycle `vpermq`) that is 22 cycles, and the
//! loop runs at about 32 because chi's and rho's rotations all wait on theta's `D` and queue on
//! the two shuffle pipes (DESIGN.md, "Keccak-f[1600] on AVX-512").

use core::arch::x86_64::{
    __m512i, _mm256_storeu_si256, _mm512_castsi512_si256, _mm512_mask_blend_epi64, _mm512_mask_set1_epi8,
    _mm512_mask_xor_epi64, _mm512_maskz_loadu_epi8, _mm512_maskz_loadu_epi64, _mm512_maskz_set1_epi8,
    _mm512_permutexvar_epi64, _mm512_rol_epi64, _mm512_rolv_epi64, _mm512_set1_epi64, _mm512_setzero_si512,
    _mm512_ternarylogic_epi64, _mm512_xor_si512,
};

/// Bytes absorbed per permutation by Keccak-256 (1088-bit rate).
const RATE: usize = 136;

/// Iota's round constants.
const RC: [u64; 24] = [
    0x0000000000000001,
    0x0000000000008082,
    0x800000000000808a,
    0x8000000080008000,
    0x000000000000808b,
    0x0000000080000001,
    0x8000000080008081,
    0x8000000000008009,
    0x000000000000008a,
    0x0000000000000088,
    0x0000000080008009,
    0x000000008000000a,
    0x000000008000808b,
    0x800000000000008b,
    0x8000000000008089,
    0x8000000000008003,
    0x8000000000008002,
    0x8000000000000080,
    0x000000000000800a,
    0x800000008000000a,
    0x8000000080008081,
    0x8000000000008080,
    0x0000000080000001,
    0x8000000080008008,
];

/// Rho's rotation of `A[x, y]`, as `RHO[y][x]`.
const RHO: [[u64; 5]; 5] =
    [[0, 1, 62, 28, 27], [36, 44, 6, 55, 20], [3, 10, 43, 25, 39], [41, 45, 15, 21, 8], [18, 2, 61, 56, 14]];

/// Column `x` of input row `row` that pi sends to output row `y` (`x = row + 3y mod 5`).
const fn source_column(row: usize, y: usize) -> usize {
    (row + 3 * y) % 5
}

/// A `vpermq` index that rotates lanes 0..5 down by `k` (lane `i` reads lane `i + k mod 5`) and
/// keeps lanes 5..8.
const fn rotation(k: usize) -> __m512i {
    let mut idx = [5i64, 5, 5, 5, 5, 5, 6, 7];
    let mut i = 0;
    while i < 5 {
        idx[i] = ((i + k) % 5) as i64;
        i += 1;
    }
    // SAFETY: `__m512i` is 64 plain bytes; every bit pattern is a valid value.
    unsafe { core::mem::transmute::<[i64; 8], __m512i>(idx) }
}

/// Rho's rotations for the gathered register `T_y`: lane `x` came from input row
/// `x - 3y mod 5`.
const fn rho_of_gather(y: usize) -> __m512i {
    let mut rot = [0i64; 8];
    let mut x = 0;
    while x < 5 {
        rot[x] = RHO[(x + 2 * y) % 5][x] as i64;
        x += 1;
    }
    // SAFETY: `__m512i` is 64 plain bytes; every bit pattern is a valid value.
    unsafe { core::mem::transmute::<[i64; 8], __m512i>(rot) }
}

const ROT: [__m512i; 5] = [rotation(0), rotation(1), rotation(2), rotation(3), rotation(4)];
const RHO_T: [__m512i; 5] =
    [rho_of_gather(0), rho_of_gather(1), rho_of_gather(2), rho_of_gather(3), rho_of_gather(4)];

/// `vpternlogq` truth tables: `a ^ b ^ c`, and chi's `a ^ (!b & c)`.
const XOR3: i32 = 0x96;
const CHI: i32 = 0xD2;

/// Reads lane `i` of `v` for `i` in `0..5` as lane `i + k mod 5`; the identity costs nothing.
#[inline]
#[target_feature(enable = "avx512f")]
fn rotate_lanes<const K: usize>(v: __m512i) -> __m512i {
    if K.is_multiple_of(5) { v } else { _mm512_permutexvar_epi64(ROT[K % 5], v) }
}

/// The single-lane masks `1 << x`, hidden from the optimizer: with constant masks LLVM lowers
/// the blends of [`gather`] to chains of inserts and 128-bit shuffles (`vinserti64x4`,
/// `vshufi64x2`), which take the shuffle ports and 4 to 5 cycles each, instead of `vpblendmq`s
/// on mask registers. Five masks stay in five of the seven mask registers.
#[inline]
fn lane_masks() -> [u8; 5] {
    core::hint::black_box([1, 2, 4, 8, 16])
}

/// Output row `Y` of pi, its lanes still at their input columns (see the module docs), blended
/// from the input rows `a` with the masks of [`lane_masks`].
#[inline]
#[target_feature(enable = "avx512f")]
fn gather<const Y: usize>(a: &[__m512i; 5], lane: &[u8; 5]) -> __m512i {
    // A chain four deep, one mask per step: the gathers have until theta's `D` is ready (about
    // eleven cycles) and a balanced tree would need masks of two lanes, more than fit.
    let mut t = a[0];
    for (row, a_row) in a.iter().enumerate().skip(1) {
        t = _mm512_mask_blend_epi64(lane[source_column(row, Y)], t, *a_row);
    }
    t
}

/// Theta (given `D` as its two halves), rho and chi of the gathered output row `Y`, and for row
/// 0 iota with the round constant `rc`.
#[inline]
#[target_feature(enable = "avx512f")]
fn finish_row<const Y: usize>(t: __m512i, d_prev: __m512i, d_next: __m512i, rc: u64) -> __m512i {
    let t = _mm512_rolv_epi64(_mm512_ternarylogic_epi64::<XOR3>(t, d_prev, d_next), RHO_T[Y]);
    // Output lane X is at column X + 3Y of `t`.
    match Y {
        0 => _mm512_ternarylogic_epi64::<CHI>(
            _mm512_mask_xor_epi64(t, 1, t, _mm512_set1_epi64(rc as i64)),
            rotate_lanes::<1>(t),
            rotate_lanes::<2>(t),
        ),
        1 => {
            _mm512_ternarylogic_epi64::<CHI>(rotate_lanes::<3>(t), rotate_lanes::<4>(t), rotate_lanes::<5>(t))
        }
        2 => {
            _mm512_ternarylogic_epi64::<CHI>(rotate_lanes::<6>(t), rotate_lanes::<7>(t), rotate_lanes::<8>(t))
        }
        3 => _mm512_ternarylogic_epi64::<CHI>(
            rotate_lanes::<9>(t),
            rotate_lanes::<10>(t),
            rotate_lanes::<11>(t),
        ),
        _ => _mm512_ternarylogic_epi64::<CHI>(
            rotate_lanes::<12>(t),
            rotate_lanes::<13>(t),
            rotate_lanes::<14>(t),
        ),
    }
}

/// Keccak-f[1600] on the rows `a`.
#[inline]
#[target_feature(enable = "avx512f")]
fn permute(a: &mut [__m512i; 5]) {
    rounds(a, &RC);
}

/// The rounds of Keccak-f[1600] with the constants `rcs`.
#[inline]
#[target_feature(enable = "avx512f")]
fn rounds(a: &mut [__m512i; 5], rcs: &[u64]) {
    let lane = lane_masks();
    for &rc in rcs {
        let c = _mm512_ternarylogic_epi64::<XOR3>(
            _mm512_ternarylogic_epi64::<XOR3>(a[0], a[1], a[2]),
            a[3],
            a[4],
        );
        // D[x] = C[x - 1] ^ rotl(C[x + 1], 1), kept as its two halves: they are xored into the
        // lanes by the same `vpternlogq`.
        let d_prev = rotate_lanes::<4>(c);
        let d_next = rotate_lanes::<1>(_mm512_rol_epi64::<1>(c));
        let t0 = gather::<0>(a, &lane);
        let t1 = gather::<1>(a, &lane);
        let t2 = gather::<2>(a, &lane);
        let t3 = gather::<3>(a, &lane);
        let t4 = gather::<4>(a, &lane);
        *a = [
            finish_row::<0>(t0, d_prev, d_next, rc),
            finish_row::<1>(t1, d_prev, d_next, rc),
            finish_row::<2>(t2, d_prev, d_next, rc),
            finish_row::<3>(t3, d_prev, d_next, rc),
            finish_row::<4>(t4, d_prev, d_next, rc),
        ];
    }
}

/// Xors one 136-byte block into the first 17 lanes of the state: rows 0..3 whole and two lanes
/// of row 3, which is the state's linear lane order.
///
/// # Safety
/// `block` must point to 136 readable bytes.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn absorb(a: &mut [__m512i; 5], block: *const u8) {
    // SAFETY: the masked loads read lanes 0..5 at byte offsets 0, 40 and 80 (up to byte 120)
    // and lanes 0..2 at offset 120 (up to byte 136), all inside the caller's 136 bytes; masked
    // off lanes are not accessed.
    unsafe {
        for (row, offset, mask) in [(0, 0, 0x1f), (1, 40, 0x1f), (2, 80, 0x1f), (3, 120, 0x03)] {
            let lanes = _mm512_maskz_loadu_epi64(mask, block.add(offset).cast());
            a[row] = _mm512_xor_si512(a[row], lanes);
        }
    }
}

/// Xors the last, partial block `tail` (shorter than 136 bytes) and Keccak's pad10*1 (the 0x01
/// domain byte after the data, 0x80 in the block's last byte) into the state, straight from
/// `tail` with byte-masked loads: no copy into a padded buffer.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn absorb_last(a: &mut [__m512i; 5], tail: &[u8]) {
    debug_assert!(tail.len() < RATE);
    let len = tail.len();
    for (y, row) in a.iter_mut().enumerate().take(4) {
        let start = 40 * y;
        // The row's bytes of data (0 to 40) as a byte mask, and the pad byte's bit if the data
        // ends in this row.
        let data_bytes = len.saturating_sub(start).min(40);
        let data_mask = (1u64 << data_bytes) - 1;
        let pad_mask = if (start..start + 40).contains(&len) { 1u64 << (len - start) } else { 0 };
        // SAFETY: the load touches only the bytes whose mask bits are set, `start..start +
        // data_bytes`, which lie inside `tail`; masked-off bytes are not accessed. The pointer
        // is formed with `wrapping_add` because it may point past `tail` when no byte is read.
        let bytes = unsafe { _mm512_maskz_loadu_epi8(data_mask, tail.as_ptr().wrapping_add(start).cast()) };
        *row = _mm512_xor_si512(*row, _mm512_mask_set1_epi8(bytes, pad_mask, 0x01));
    }
    // 0x80 into byte 135: byte 15 of row 3 (xored, since it may hold the 0x01 too).
    a[3] = _mm512_xor_si512(a[3], _mm512_maskz_set1_epi8(1 << 15, 0x80u8 as i8));
}

/// Keccak-256 of `data`.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut a = [_mm512_setzero_si512(); 5];
    let (blocks, tail) = data.as_chunks::<RATE>();
    for block in blocks {
        // SAFETY: `block` is 136 bytes.
        unsafe { absorb(&mut a, block.as_ptr()) };
        permute(&mut a);
    }
    absorb_last(&mut a, tail);
    permute(&mut a);
    let mut out = [0u8; 32];
    // SAFETY: `out` has room for the 32 bytes of lanes 0..4 of row 0, which are the digest
    // (lanes are little-endian, as the state's bytes are).
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), _mm512_castsi512_si256(a[0])) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::arch::x86_64::{_mm512_mask_storeu_epi64, _mm512_maskz_loadu_epi64};

    /// The textbook Keccak-f[1600] on `A[x + 5y]`.
    fn reference(a: &mut [u64; 25], rcs: &[u64]) {
        for &rc in rcs {
            let c: [u64; 5] = core::array::from_fn(|x| (0..5).fold(0, |p, y| p ^ a[x + 5 * y]));
            for x in 0..5 {
                let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
                for y in 0..5 {
                    a[x + 5 * y] ^= d;
                }
            }
            let mut b = [0u64; 25];
            for x in 0..5 {
                for y in 0..5 {
                    b[y + 5 * ((2 * x + 3 * y) % 5)] = a[x + 5 * y].rotate_left(RHO[y][x] as u32);
                }
            }
            for x in 0..5 {
                for y in 0..5 {
                    a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
                }
            }
            a[0] ^= rc;
        }
    }

    #[test]
    fn permutation_matches_reference() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            println!("SKIPPED on this CPU: no avx512f");
            return;
        }
        let mut state: [u64; 25] =
            core::array::from_fn(|i| (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut expected = state;
        reference(&mut expected, &RC);
        // SAFETY: the CPU has AVX-512F; each row reads and writes 5 lanes of the 25.
        unsafe {
            let mut rows: [__m512i; 5] =
                core::array::from_fn(|y| _mm512_maskz_loadu_epi64(0x1f, state[5 * y..].as_ptr().cast()));
            rounds(&mut rows, &RC);
            for (y, row) in rows.iter().enumerate() {
                _mm512_mask_storeu_epi64(state[5 * y..].as_mut_ptr().cast(), 0x1f, *row);
            }
        }
        assert_eq!(state, expected);
    }
}

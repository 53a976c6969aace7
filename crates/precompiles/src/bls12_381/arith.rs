//! Curve arithmetic on decoded points, through blst's C API.
//!
//! The raw functions are used rather than blst's safe wrappers, which spread MSMs and
//! Miller loops over blst's own thread pool: MSMs here share their work between the calling
//! thread and rayon's pool instead ([`crate::parallel`], up to [`crate::max_threads`]
//! threads); pairings stay on the calling thread.

use core::ptr;

use blst::{
    blst_final_exp, blst_fp, blst_fp2, blst_fp12, blst_fp12_is_one, blst_map_to_g1, blst_map_to_g2,
    blst_miller_loop_n, blst_p1, blst_p1_add_or_double, blst_p1_add_or_double_affine, blst_p1_affine,
    blst_p1_double, blst_p1_from_affine, blst_p1_mult, blst_p1s_mult_pippenger,
    blst_p1s_mult_pippenger_scratch_sizeof, blst_p1s_tile_pippenger, blst_p2, blst_p2_add_or_double,
    blst_p2_add_or_double_affine, blst_p2_affine, blst_p2_double, blst_p2_from_affine, blst_p2_mult,
    blst_p2s_mult_pippenger, blst_p2s_mult_pippenger_scratch_sizeof, blst_p2s_tile_pippenger, limb_t,
};

use std::sync::Arc;

use super::codec::{self, G1_LEN, G2_LEN, SCALAR_LEN};
use crate::{PrecompileError, parallel};

/// Bits of every scalar handed to blst: scalars are reduced below r < 2^255 first.
const SCALAR_BITS: usize = 255;

/// `a + b` for any two points on the G1 curve (subgroup membership not required), by
/// one mixed (Jacobian + affine) addition.
pub(crate) fn g1_add(a: &blst_p1_affine, b: &blst_p1_affine) -> blst_p1 {
    let (mut pa, mut out) = (blst_p1::default(), blst_p1::default());
    // SAFETY: all pointers are to valid, initialised values on this stack frame; blst
    // maps the all-zero affine point to infinity and its addition handles infinity (on
    // either side), doubling and P + (-P).
    unsafe {
        blst_p1_from_affine(&mut pa, a);
        blst_p1_add_or_double_affine(&mut out, &pa, b);
    }
    out
}

/// `a + b` for any two points on the G2 curve (subgroup membership not required).
pub(crate) fn g2_add(a: &blst_p2_affine, b: &blst_p2_affine) -> blst_p2 {
    let (mut pa, mut out) = (blst_p2::default(), blst_p2::default());
    // SAFETY: as in `g1_add`.
    unsafe {
        blst_p2_from_affine(&mut pa, a);
        blst_p2_add_or_double_affine(&mut out, &pa, b);
    }
    out
}

/// A curve an MSM runs over: G1 or G2, through blst's C API.
pub(crate) trait Curve {
    /// An affine point, as decoded.
    type Affine: Copy + Default + Send + Sync;
    /// A Jacobian point, as computed.
    type Point: Copy + Default + Send;
    /// Bytes of one encoded point.
    const LEN: usize;
    /// Decodes a point and checks it is on the curve and in the subgroup.
    fn decode(input: &[u8]) -> Result<Self::Affine, PrecompileError>;
    /// True for the point at infinity.
    fn is_inf(point: &Self::Affine) -> bool;
    /// `scalar * point` (blst's GLV multiplication).
    fn mult(point: &Self::Affine, scalar: &[u8; SCALAR_LEN]) -> Self::Point;
    /// blst's Pippenger over `n >= 2` terms on the calling thread.
    fn pippenger(points: &[Self::Affine], scalars: &[[u8; SCALAR_LEN]]) -> Self::Point;
    /// One tile of a tiled Pippenger: `sum(window(scalars[i], bit0) * points[i])`, the
    /// signed (Booth) digits of bits `bit0..bit0 + window` of each scalar; `n >= 1`.
    fn tile(points: &[Self::Affine], scalars: &[[u8; SCALAR_LEN]], bit0: usize, window: usize)
    -> Self::Point;
    /// `acc += other`, any two points.
    fn add(acc: &mut Self::Point, other: &Self::Point);
    /// `acc = 2 * acc`.
    fn double(acc: &mut Self::Point);
}

/// G1.
pub(crate) struct G1;
/// G2.
pub(crate) struct G2;

/// Implements [`Curve`] for one group from blst's function names.
macro_rules! curve {
    ($curve:ident, $affine:ty, $point:ty, $len:expr, $decode:path, $is_inf:path, $from_affine:ident,
     $mult:ident, $sizeof:ident, $pippenger:ident, $tile:ident, $add:ident, $double:ident) => {
        impl Curve for $curve {
            type Affine = $affine;
            type Point = $point;
            const LEN: usize = $len;

            fn decode(input: &[u8]) -> Result<$affine, PrecompileError> {
                $decode(input, true)
            }

            fn is_inf(point: &$affine) -> bool {
                $is_inf(point)
            }

            fn mult(point: &$affine, scalar: &[u8; SCALAR_LEN]) -> $point {
                let (mut p, mut out) = (<$point>::default(), <$point>::default());
                // SAFETY: valid, initialised values; the scalar is 32 little-endian bytes,
                // of which blst reads the low 255 bits.
                unsafe {
                    $from_affine(&mut p, point);
                    $mult(&mut out, &p, scalar.as_ptr(), SCALAR_BITS);
                }
                out
            }

            fn pippenger(points: &[$affine], scalars: &[[u8; SCALAR_LEN]]) -> $point {
                let mut out = <$point>::default();
                let n = points.len().min(scalars.len());
                if n == 0 {
                    return out;
                }
                // SAFETY: a pure size query.
                let scratch_bytes = unsafe { $sizeof(n) };
                let mut scratch: Vec<limb_t> = vec![0; scratch_bytes.div_ceil(size_of::<limb_t>())];
                // blst reads `[first, NULL]` as "one contiguous array starting at `first`".
                let p: [*const $affine; 2] = [points.as_ptr(), ptr::null()];
                let s: [*const u8; 2] = [scalars.as_ptr().cast::<u8>(), ptr::null()];
                // SAFETY: `points` holds at least `n` affine points and `scalars` at least
                // `n` little-endian 32-byte scalars, contiguous, which is ceil(255 / 8) = 32
                // bytes per scalar as blst strides them; `scratch` has the size blst asked
                // for, 8-byte aligned.
                unsafe { $pippenger(&mut out, p.as_ptr(), n, s.as_ptr(), SCALAR_BITS, scratch.as_mut_ptr()) };
                out
            }

            fn tile(points: &[$affine], scalars: &[[u8; SCALAR_LEN]], bit0: usize, window: usize) -> $point {
                let mut out = <$point>::default();
                let n = points.len().min(scalars.len());
                if n == 0 || window == 0 || bit0 > SCALAR_BITS {
                    return out;
                }
                // blst's own tiled MSM (the `blst` crate's `MultiPoint::mult`) sizes a
                // tile's buckets as `sizeof(xyzz) << (window - 1)`, `sizeof(xyzz)` being
                // the scratch size for zero points.
                // SAFETY: a pure size query.
                let bucket_bytes = unsafe { $sizeof(0) };
                let mut scratch: Vec<limb_t> =
                    vec![0; (bucket_bytes << (window - 1)).div_ceil(size_of::<limb_t>())];
                let p: [*const $affine; 2] = [points.as_ptr(), ptr::null()];
                let s: [*const u8; 2] = [scalars.as_ptr().cast::<u8>(), ptr::null()];
                // SAFETY: as in `pippenger`, with `bit0 <= 255` and `window >= 1`; blst
                // shortens the top window itself when `bit0 + window > 255` (a window at
                // bit 255 holds the carry of the signed digit below it), and `scratch`
                // holds the `2^(window - 1)` buckets a window of that width uses.
                unsafe {
                    $tile(
                        &mut out,
                        p.as_ptr(),
                        n,
                        s.as_ptr(),
                        SCALAR_BITS,
                        scratch.as_mut_ptr(),
                        bit0,
                        window,
                    )
                };
                out
            }

            fn add(acc: &mut $point, other: &$point) {
                let a = *acc;
                // SAFETY: valid, initialised points; blst's addition handles infinity on
                // either side, doubling and P + (-P).
                unsafe { $add(acc, &a, other) };
            }

            fn double(acc: &mut $point) {
                let a = *acc;
                // SAFETY: a valid, initialised point.
                unsafe { $double(acc, &a) };
            }
        }
    };
}

curve!(
    G1,
    blst_p1_affine,
    blst_p1,
    G1_LEN,
    codec::decode_g1,
    codec::g1_is_inf,
    blst_p1_from_affine,
    blst_p1_mult,
    blst_p1s_mult_pippenger_scratch_sizeof,
    blst_p1s_mult_pippenger,
    blst_p1s_tile_pippenger,
    blst_p1_add_or_double,
    blst_p1_double
);
curve!(
    G2,
    blst_p2_affine,
    blst_p2,
    G2_LEN,
    codec::decode_g2,
    codec::g2_is_inf,
    blst_p2_from_affine,
    blst_p2_mult,
    blst_p2s_mult_pippenger_scratch_sizeof,
    blst_p2s_mult_pippenger,
    blst_p2s_tile_pippenger,
    blst_p2_add_or_double,
    blst_p2_double
);

/// `sum(scalars[i] * points[i])` on the calling thread. Every point must be in its group
/// and not infinity, every scalar below r and nonzero (the caller drops other terms);
/// empty gives infinity.
pub(crate) fn msm<C: Curve>(points: &[C::Affine], scalars: &[[u8; SCALAR_LEN]]) -> C::Point {
    match points.len().min(scalars.len()) {
        // The all-zero Jacobian point (Z = 0) is infinity.
        0 => C::Point::default(),
        // One term: a plain (GLV) scalar multiplication, without Pippenger's buckets and
        // scratch buffer.
        1 => C::mult(&points[0], &scalars[0]),
        _ => C::pippenger(points, scalars),
    }
}

/// Decoded MSM terms: the points and their scalars.
pub(crate) type Terms<C> = (Vec<<C as Curve>::Affine>, Vec<[u8; SCALAR_LEN]>);

/// The terms of an MSM input (`k` terms of a point then a 32-byte scalar), decoded and
/// subgroup-checked in order; infinity and zero-scalar terms are dropped (they add
/// nothing, and blst's MSM is written for the others), after their point is validated.
pub(crate) fn decode_terms<C: Curve>(input: &[u8]) -> Result<Terms<C>, PrecompileError> {
    let k = input.len() / (C::LEN + SCALAR_LEN);
    let mut points = Vec::with_capacity(k);
    let mut scalars = Vec::with_capacity(k);
    for term in input.chunks_exact(C::LEN + SCALAR_LEN) {
        let (point, scalar) = term.split_at(C::LEN);
        // Every point is validated, even one whose term is then dropped.
        let point = C::decode(point)?;
        if let (false, Some(scalar)) = (C::is_inf(&point), codec::decode_scalar(scalar)) {
            points.push(point);
            scalars.push(scalar);
        }
    }
    Ok((points, scalars))
}

/// From this many terms on, the MSM runs as blst's tiled Pippenger, the scalars' windows
/// spread over the threads; below it each thread decodes and sums its share of the terms
/// on its own. Chosen by callgrind's count of the work on two threads (BENCHMARKS.md,
/// session 9): shares are less work up to 16 terms (G1 -0.9 %, G2 -2.9 % at 16), tiles
/// from 24 (G1 -2.2 %, G2 -1.4 %). blst's own threshold is 32.
pub(crate) const TILED_FROM: usize = 24;

/// The MSM of a whole input (`k >= 1` terms of a point then a scalar), on the calling
/// thread and up to `threads - 1` helpers from rayon's pool ([`crate::parallel`]): the
/// same sum as [`decode_terms`] then [`msm`], and the same first failure in input order.
pub(crate) fn msm_input<C: Curve + 'static>(
    input: &[u8],
    threads: usize,
) -> Result<C::Point, PrecompileError> {
    let pair = C::LEN + SCALAR_LEN;
    let k = input.len() / pair;
    if threads <= 1 || k < 2 {
        let (points, scalars) = decode_terms::<C>(input)?;
        return Ok(msm::<C>(&points, &scalars));
    }
    // The helpers may outlive this call (one that starts late finds no task left), so what
    // they read is owned: one copy of the input, small beside the curve work.
    let shared: Arc<[u8]> = Arc::from(input);
    if k < TILED_FROM {
        // One share of the terms per thread, each decoded (the subgroup checks are a good
        // part of the work) and summed where it was decoded. Up to two terms per thread,
        // every term is its own task (Pippenger over two points saves nothing over two
        // multiplications), so a helper that is descheduled mid-task holds up the caller
        // by one term at most.
        let per = if k <= 2 * threads { 1 } else { k.div_ceil(threads.min(k)) };
        let parts = parallel::map(k.div_ceil(per), threads, move |i| {
            let share = shared.get(i * per * pair..((i + 1) * per * pair).min(shared.len())).unwrap_or(&[]);
            decode_terms::<C>(share).map(|(points, scalars)| msm::<C>(&points, &scalars))
        });
        let mut sum = C::Point::default();
        for part in parts {
            C::add(&mut sum, &part?);
        }
        return Ok(sum);
    }
    // Decode in shares finer than one per thread, so a slow share does not hold the rest.
    let per = k.div_ceil(threads * 4).max(1);
    let parts = parallel::map(k.div_ceil(per), threads, move |i| {
        decode_terms::<C>(shared.get(i * per * pair..((i + 1) * per * pair).min(shared.len())).unwrap_or(&[]))
    });
    let (mut points, mut scalars) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for part in parts {
        let (p, s) = part?;
        points.extend_from_slice(&p);
        scalars.extend_from_slice(&s);
    }
    Ok(tiled_msm::<C>(Arc::new((points, scalars)), threads))
}

/// blst's tiled Pippenger (as the `blst` crate's `MultiPoint::mult` lays it out): the
/// scalars cut into rows of `window` bits and the points into `nx` ranges, every tile a
/// task, the rows then summed from the top with `window` doublings between.
fn tiled_msm<C: Curve + 'static>(terms: Arc<Terms<C>>, threads: usize) -> C::Point {
    let n = terms.0.len().min(terms.1.len());
    if n < 2 {
        return msm::<C>(&terms.0, &terms.1);
    }
    let (nx, ny, window) = breakdown(SCALAR_BITS, pippenger_window(n), threads);
    let dx = n / nx;
    // Task `t` is row `t / nx` (bits from `row * window`) of point range `t % nx`.
    let tiles = parallel::map(nx * ny, threads, move |t| {
        let (row, col) = (t / nx, t % nx);
        let x = col * dx;
        let end = if col + 1 == nx { n } else { x + dx };
        C::tile(&terms.0[x..end], &terms.1[x..end], row * window, window)
    });
    let mut sum = C::Point::default();
    for row in (0..ny).rev() {
        for tile in tiles.get(row * nx..(row + 1) * nx).unwrap_or(&[]) {
            C::add(&mut sum, tile);
        }
        if row != 0 {
            for _ in 0..window {
                C::double(&mut sum);
            }
        }
    }
    sum
}

/// Bits of `l` (the `blst` crate's `num_bits`).
fn num_bits(l: usize) -> usize {
    usize::BITS as usize - l.leading_zeros() as usize
}

/// The Pippenger window for `n` points (the `blst` crate's `pippenger_window_size`).
fn pippenger_window(n: usize) -> usize {
    let bits = num_bits(n);
    if bits > 13 {
        bits - 4
    } else if bits > 5 {
        bits - 3
    } else {
        2
    }
}

/// The `blst` crate's `breakdown`: how many point ranges (`nx`) and rows (`ny`) of
/// `window` bits to cut an MSM into for `threads` threads; `nx * window * ny` covers
/// every bit and `window >= 1`.
fn breakdown(nbits: usize, window: usize, threads: usize) -> (usize, usize, usize) {
    let mut nx = 1usize;
    let mut wnd = window;
    if nbits > window * threads {
        wnd = num_bits(threads / 4);
        if window + wnd > 18 {
            wnd = window - wnd;
        } else {
            wnd = (nbits / window).div_ceil(threads);
            wnd = if (nbits / (window + 1)).div_ceil(threads) < wnd { window + 1 } else { window };
        }
    } else if window > 3 {
        nx = 2;
        wnd = window - 2;
        while wnd > 1 && (nbits / wnd + 1) * nx < threads {
            nx += 1;
            wnd = window - num_bits(3 * nx / 2);
        }
        nx -= 1;
        wnd = window - num_bits(3 * nx / 2);
    }
    let ny = nbits / wnd.max(1) + 1;
    wnd = nbits / ny + 1;
    (nx.max(1), ny, wnd)
}

/// True when `prod(e(g1[i], g2[i]))` is the identity of GT. Every point must be in its
/// subgroup and not infinity (pairs with infinity contribute 1 and are dropped by the
/// caller); an empty product is the identity.
pub(crate) fn pairing_is_one(g1: &[blst_p1_affine], g2: &[blst_p2_affine]) -> bool {
    let n = g1.len().min(g2.len());
    if n == 0 {
        return true;
    }
    let (mut miller, mut product) = (blst_fp12::default(), blst_fp12::default());
    let q: [*const blst_p2_affine; 2] = [g2.as_ptr(), ptr::null()];
    let p: [*const blst_p1_affine; 2] = [g1.as_ptr(), ptr::null()];
    // SAFETY: `g1` and `g2` each hold at least `n` contiguous affine points, described to
    // blst as `[first, NULL]`; blst processes them in fixed-size batches on the stack.
    // The outputs are valid, exclusively borrowed fp12 values.
    unsafe {
        blst_miller_loop_n(&mut miller, q.as_ptr(), p.as_ptr(), n);
        blst_final_exp(&mut product, &miller);
        blst_fp12_is_one(&product)
    }
}

/// The simplified-SWU map of one field element to G1, with the cofactor cleared.
pub(crate) fn map_fp_to_g1(u: &blst_fp) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: `u` is a valid field element; a NULL second element asks blst for the
    // single-element map (map_to_curve then clear_cofactor), as EIP-2537 specifies.
    unsafe { blst_map_to_g1(&mut out, u, ptr::null()) };
    out
}

/// The simplified-SWU map of one Fp2 element to G2, with the cofactor cleared.
pub(crate) fn map_fp2_to_g2(u: &blst_fp2) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: as in `map_fp_to_g1`.
    unsafe { blst_map_to_g2(&mut out, u, ptr::null()) };
    out
}

#[cfg(test)]
mod tests {
    use blst::{blst_p1_generator, blst_p2_generator};

    use super::*;

    /// Deterministic pseudo-random bytes (xorshift64*).
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
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

    /// An MSM input of `k` terms `(s_i * G, t_i)`, with some infinities and zero scalars.
    fn input<C: Curve>(
        k: usize,
        seed: u64,
        generator: C::Point,
        encode: fn(&C::Point) -> Vec<u8>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..k {
            let s = bytes(32, seed + 2 * i as u64);
            let mut point = generator;
            let mut g = C::Point::default();
            // s * G by double-and-add over the bytes, through the trait's own operations.
            for byte in &s {
                for bit in (0..8).rev() {
                    C::double(&mut g);
                    if byte >> bit & 1 == 1 {
                        C::add(&mut g, &point);
                    }
                }
            }
            point = g;
            if i % 11 == 5 {
                point = C::Point::default();
            }
            out.extend(encode(&point));
            let mut scalar = bytes(32, seed + 2 * i as u64 + 1);
            if i % 13 == 7 {
                scalar.fill(0);
            }
            out.extend(scalar);
        }
        out
    }

    fn g1_bytes(p: &blst_p1) -> Vec<u8> {
        codec::encode_g1(p)
    }

    fn g2_bytes(p: &blst_p2) -> Vec<u8> {
        codec::encode_g2(p)
    }

    /// The threaded paths (shares, tiles, and tiles split by points with many threads)
    /// give the single-threaded sum.
    #[test]
    fn threaded_msm_matches_single_thread() {
        // SAFETY: blst's generators are static, initialised points.
        let (g1, g2) = unsafe { (*blst_p1_generator(), *blst_p2_generator()) };
        for k in [1usize, 2, 3, 5, 23, 24, 31, 33, 70] {
            let i1 = input::<G1>(k, k as u64, g1, g1_bytes);
            let i2 = input::<G2>(k, k as u64 + 99, g2, g2_bytes);
            let one1 = codec::encode_g1(&msm_input::<G1>(&i1, 1).unwrap());
            let one2 = codec::encode_g2(&msm_input::<G2>(&i2, 1).unwrap());
            for threads in [2usize, 3, 8, 64] {
                assert_eq!(
                    codec::encode_g1(&msm_input::<G1>(&i1, threads).unwrap()),
                    one1,
                    "G1 k={k} t={threads}"
                );
                assert_eq!(
                    codec::encode_g2(&msm_input::<G2>(&i2, threads).unwrap()),
                    one2,
                    "G2 k={k} t={threads}"
                );
            }
        }
        // A bad point anywhere fails every path.
        let mut bad = input::<G1>(40, 5, g1, g1_bytes);
        bad[35 * (G1_LEN + SCALAR_LEN) + 100] ^= 1;
        for threads in [1usize, 2, 8] {
            assert!(msm_input::<G1>(&bad, threads).is_err());
            assert!(msm_input::<G1>(&bad[..3 * (G1_LEN + SCALAR_LEN)], threads).is_ok());
        }
    }

    #[test]
    fn breakdown_covers_every_bit() {
        for n in [2usize, 32, 100, 128, 256, 1000, 5000] {
            for threads in [1usize, 2, 3, 4, 8, 16, 64, 128] {
                let (nx, ny, window) = breakdown(SCALAR_BITS, pippenger_window(n), threads);
                assert!(nx >= 1 && window >= 1 && window * ny >= SCALAR_BITS, "n={n} t={threads}");
                // The top row starts at bit 255 at most (there it holds the carry of the
                // signed digits below).
                assert!(window * (ny - 1) <= SCALAR_BITS, "n={n} t={threads}");
            }
        }
    }
}

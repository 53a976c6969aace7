//! The shape shared by the x86-64 SIMD backends: the 4×4 working vector as four 256-bit
//! rows, G on four columns at once.
//!
//! Rows are `a = v[0..4]`, `b = v[4..8]`, `c = v[8..12]`, `d = v[12..16]`, so the column
//! step is one vector G. For the diagonal step `a`, `c` and `d` are rotated by lanes while
//! `b` stays put: `b` is the last value G produces, so permuting it would put the
//! permute's latency on the round's critical path, while `a`, `c`, `d` are ready early and
//! their permutes overlap the tail of G. Lane `i` then holds diagonal `(i + 3) % 4`, and
//! the diagonal message words are loaded in that order.
//!
//! One round is a chain of dependent operations (G is inherently serial), so speed is
//! latency: the backends differ in how many cycles each XOR-and-rotate step of G takes and
//! in which instructions do the lane permutations, so each module supplies those
//! (`xor_ror32` .. `xor_ror63`, `lanes_up1`, `lanes_down1`, `swap_halves`).
//!
//! Latencies measured on this project's AMD Zen 4 host (dependent chains, in cycles):
//! `vpaddq`, `vpxor`, `vpsrlq`/`vpsllq`, `vpshufd`, `vpternlogq` 1; `vpshufb`, `vprorq` 2;
//! `valignq`, `vperm2i128` 3; `vpermq` 4. So on Zen 4 the AVX2 G is 15 cycles (the byte
//! shuffles for rotations by 24 and 16 take two, the rotation by 63 two more) and the
//! AVX-512 one 12 (see `avx512`).

/// Expands to the kernel (`g`, `round`, `schedule`, `compress`) for the target features
/// `$features`, using the module's own `xor_ror32`, `xor_ror24`, `xor_ror16`, `xor_ror63` (each
/// `(early ^ late)` rotated right, `early` being the operand G set first) and `opaque`.
macro_rules! kernel {
    ($features:literal) => {
        use core::arch::x86_64 as x86;

        use super::{SIGMA, initial_v};

        /// The four message vectors of one round: column x, column y, diagonal x, diagonal y.
        type Schedule = [x86::__m256i; 4];

        /// G on all four lanes. `a + x` is formed, and hidden from the optimiser, before
        /// `b` is added: otherwise LLVM reassociates to `(a + b) + x` and puts two
        /// additions, not one, after the freshly computed `b`.
        #[inline]
        #[target_feature(enable = $features)]
        fn g(r: &mut [x86::__m256i; 4], x: x86::__m256i, y: x86::__m256i) {
            let [mut a, mut b, mut c, mut d] = *r;
            a = x86::_mm256_add_epi64(opaque(x86::_mm256_add_epi64(a, x)), b);
            d = xor_ror32(d, a);
            c = x86::_mm256_add_epi64(c, d);
            b = xor_ror24(b, c);
            a = x86::_mm256_add_epi64(opaque(x86::_mm256_add_epi64(a, y)), b);
            d = xor_ror16(d, a);
            c = x86::_mm256_add_epi64(c, d);
            b = xor_ror63(b, c);
            *r = [a, b, c, d];
        }

        /// One round: column G, diagonalise, diagonal G, undiagonalise.
        #[inline]
        #[target_feature(enable = $features)]
        fn round(r: &mut [x86::__m256i; 4], s: &Schedule) {
            g(r, s[0], s[1]);
            // Lane i of a / c / d takes lane i+3 / i+1 / i+2 (mod 4); b stays.
            r[0] = lanes_up1(r[0]);
            r[2] = lanes_down1(r[2]);
            r[3] = swap_halves(r[3]);
            g(r, s[2], s[3]);
            r[0] = lanes_down1(r[0]);
            r[2] = lanes_up1(r[2]);
            r[3] = swap_halves(r[3]);
        }

        /// The message vectors for schedule row `s` (`x86::_mm256_set_epi64x` lists lanes 3..0).
        #[inline]
        #[target_feature(enable = $features)]
        fn schedule(m: &[u64; 16], s: &[usize; 16]) -> Schedule {
            let w = |i: usize| m[s[i] % 16] as i64;
            [
                x86::_mm256_set_epi64x(w(6), w(4), w(2), w(0)),
                x86::_mm256_set_epi64x(w(7), w(5), w(3), w(1)),
                x86::_mm256_set_epi64x(w(12), w(10), w(8), w(14)),
                x86::_mm256_set_epi64x(w(13), w(11), w(9), w(15)),
            ]
        }

        /// F (RFC 7693 §3.2) with any round count; bit for bit equal to the portable F.
        #[target_feature(enable = $features)]
        pub(super) fn compress(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
            let v = initial_v(h, t, last);
            let mut r: [x86::__m256i; 4] = core::array::from_fn(|i| {
                // SAFETY: each pointer addresses four initialised `u64`s (32 bytes) inside
                // `v`; `loadu` has no alignment requirement.
                unsafe { x86::_mm256_loadu_si256(v[4 * i..].as_ptr().cast()) }
            });

            if rounds < 10 {
                // Fewer rounds than schedule rows: each row is used once, so no table (whose
                // zeroing alone was a 1280-byte memset a call). A loop over all ten rows with
                // an exit, not over `SIGMA[..rounds]`: LLVM unrolls it, so every message
                // index is a constant.
                for (i, s) in SIGMA.iter().enumerate() {
                    if i == rounds as usize {
                        break;
                    }
                    round(&mut r, &schedule(m, s));
                }
            } else {
                // Each schedule row is built once, during the first pass (where it overlaps
                // the latency-bound rounds), then reused: with 2^32 rounds a round's message
                // cost is four L1 loads folded into the additions. `from_fn` calls in index
                // order, so the rounds run in order.
                let table: [Schedule; 10] = core::array::from_fn(|i| {
                    let s = schedule(m, &SIGMA[i]);
                    round(&mut r, &s);
                    s
                });
                let left = rounds - 10;
                for _ in 0..left / 10 {
                    for s in &table {
                        round(&mut r, s);
                    }
                }
                for s in &table[..(left % 10) as usize] {
                    round(&mut r, s);
                }
            }

            // h ^= v[0..8] ^ v[8..16], one 256-bit half of h at a time.
            for (half, low, high) in [(0, r[0], r[2]), (4, r[1], r[3])] {
                let hp = h[half..].as_mut_ptr().cast::<x86::__m256i>();
                // SAFETY: `hp` addresses h[half..half + 4] (half is 0 or 4), 32 bytes
                // inside `h`; `loadu`/`storeu` have no alignment requirement.
                unsafe {
                    let x =
                        x86::_mm256_xor_si256(x86::_mm256_loadu_si256(hp), x86::_mm256_xor_si256(low, high));
                    x86::_mm256_storeu_si256(hp, x);
                }
            }
        }
    };
}

pub(super) use kernel;

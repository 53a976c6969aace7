//! AVX-512VL F (see `simd` for the layout): every XOR-and-rotate step of G in two cycles.
//!
//! G's steps have the form `ror(early ^ late, n)`, where `early` was computed half a G
//! before `late`. Rotation distributes over XOR, and rotating `late` is
//! `(late >> n) ^ (late << (64 - n))` (disjoint bits), so each step is one three-way XOR
//! (`vpternlogq`) of `ror(early, n)`, computed off the critical path, and two shifts of
//! `late` that run in parallel: two cycles after `late`. Done as XOR then rotate it is three
//! on AMD Zen 4, where `vprorq` and `vpshufb` take two cycles each; on cores where they take
//! one it is two either way.

use core::arch::x86_64::{
    __m256i, _mm256_ror_epi64, _mm256_shuffle_epi32, _mm256_slli_epi64, _mm256_srli_epi64,
    _mm256_ternarylogic_epi64, _mm256_xor_si256,
};

use super::avx2::opaque;

/// `(early ^ late)`, each 64-bit lane rotated right by 32: a swap of its 32-bit halves,
/// which `vpshufd` does in one cycle, so XOR then shuffle is two cycles as it is.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn xor_ror32(early: __m256i, late: __m256i) -> __m256i {
    _mm256_shuffle_epi32::<0b10_11_00_01>(_mm256_xor_si256(early, late))
}

/// `(early ^ late)`, each 64-bit lane rotated right by `N` (`M` = 64 - `N`).
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn xor_ror<const N: i32, const M: i32>(early: __m256i, late: __m256i) -> __m256i {
    // 0x96: the truth table of a ^ b ^ c.
    _mm256_ternarylogic_epi64::<0x96>(
        _mm256_ror_epi64::<N>(early),
        _mm256_srli_epi64::<N>(late),
        _mm256_slli_epi64::<M>(late),
    )
}

/// `(early ^ late)`, each 64-bit lane rotated right by 24.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn xor_ror24(early: __m256i, late: __m256i) -> __m256i {
    xor_ror::<24, 40>(early, late)
}

/// `(early ^ late)`, each 64-bit lane rotated right by 16.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn xor_ror16(early: __m256i, late: __m256i) -> __m256i {
    xor_ror::<16, 48>(early, late)
}

/// `(early ^ late)`, each 64-bit lane rotated right by 63.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn xor_ror63(early: __m256i, late: __m256i) -> __m256i {
    xor_ror::<63, 1>(early, late)
}

// The diagonal permutations as two-source shuffles (`valignq`, `vperm2i128`): three cycles
// on Zen 4 where the one-source `vpermq` takes four, and their latency is only just hidden
// behind G's tail. The second source is `x` itself, laundered through `opaque`, so LLVM does
// not fold the shuffle back into a one-source `vpermq`.

/// Lane `i` takes lane `i + 3` (mod 4).
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn lanes_up1(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_alignr_epi64::<3>(x, opaque(x))
}

/// Lane `i` takes lane `i + 1` (mod 4).
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn lanes_down1(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_alignr_epi64::<1>(x, opaque(x))
}

/// Lane `i` takes lane `i + 2` (mod 4).
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn swap_halves(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_permute2x128_si256::<0x21>(x, opaque(x))
}

super::simd::kernel!("avx2,avx512f,avx512vl");

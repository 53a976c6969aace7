//! AVX2 F (see `simd` for the layout). Rotations by 32, 24 and 16 are byte shuffles; by
//! 63 it is `(x + x) | (x >> 63)`, one cycle longer than a true rotate.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi64, _mm256_or_si256, _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_shuffle_epi32,
    _mm256_srli_epi64, _mm256_xor_si256,
};

/// Returns `x` unchanged, but the optimiser can no longer see where it came from. Used to
/// keep LLVM from re-deriving constant shuffles (it turns `vpshufb` by 16 into a slower
/// `vpshuflw` + `vpshufhw` pair) and from reassociating additions onto the critical path.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn opaque(mut x: __m256i) -> __m256i {
    // SAFETY: the template is empty: no instruction runs, no memory, stack or flags are
    // touched; the compiler merely treats `x`'s register as rewritten.
    unsafe {
        core::arch::asm!("/* {0} */", inout(ymm_reg) x, options(pure, nomem, nostack, preserves_flags));
    }
    x
}

/// Rotates each 64-bit lane right by 32: swap its two 32-bit halves.
#[inline]
#[target_feature(enable = "avx2")]
fn ror32(x: __m256i) -> __m256i {
    _mm256_shuffle_epi32::<0b10_11_00_01>(x)
}

/// Rotates each 64-bit lane right by 24: byte `k` of a lane takes byte `k + 3` (mod 8).
#[inline]
#[target_feature(enable = "avx2")]
fn ror24(x: __m256i) -> __m256i {
    let mask = _mm256_setr_epi8(
        3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, //
        3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10,
    );
    _mm256_shuffle_epi8(x, opaque(mask))
}

/// Rotates each 64-bit lane right by 16: byte `k` of a lane takes byte `k + 2` (mod 8).
#[inline]
#[target_feature(enable = "avx2")]
fn ror16(x: __m256i) -> __m256i {
    let mask = _mm256_setr_epi8(
        2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, //
        2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9,
    );
    _mm256_shuffle_epi8(x, opaque(mask))
}

/// Rotates each 64-bit lane right by 63, i.e. left by 1.
#[inline]
#[target_feature(enable = "avx2")]
fn ror63(x: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_add_epi64(x, x), _mm256_srli_epi64::<63>(x))
}

/// `(early ^ late)`, each 64-bit lane rotated right by 32.
#[inline]
#[target_feature(enable = "avx2")]
fn xor_ror32(early: __m256i, late: __m256i) -> __m256i {
    ror32(_mm256_xor_si256(early, late))
}

/// `(early ^ late)`, each 64-bit lane rotated right by 24.
#[inline]
#[target_feature(enable = "avx2")]
fn xor_ror24(early: __m256i, late: __m256i) -> __m256i {
    ror24(_mm256_xor_si256(early, late))
}

/// `(early ^ late)`, each 64-bit lane rotated right by 16.
#[inline]
#[target_feature(enable = "avx2")]
fn xor_ror16(early: __m256i, late: __m256i) -> __m256i {
    ror16(_mm256_xor_si256(early, late))
}

/// `(early ^ late)`, each 64-bit lane rotated right by 63.
#[inline]
#[target_feature(enable = "avx2")]
fn xor_ror63(early: __m256i, late: __m256i) -> __m256i {
    ror63(_mm256_xor_si256(early, late))
}

/// Lane `i` takes lane `i + 3` (mod 4).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn lanes_up1(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_permute4x64_epi64::<0b10_01_00_11>(x)
}

/// Lane `i` takes lane `i + 1` (mod 4).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn lanes_down1(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_permute4x64_epi64::<0b00_11_10_01>(x)
}

/// Lane `i` takes lane `i + 2` (mod 4).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn swap_halves(x: __m256i) -> __m256i {
    core::arch::x86_64::_mm256_permute4x64_epi64::<0b01_00_11_10>(x)
}

super::simd::kernel!("avx2");

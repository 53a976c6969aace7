//! AVX-512VL F (see `simd` for the layout): the same kernel as AVX2, but every rotation
//! is one `vprorq`, which takes a cycle off each G's critical path.

use core::arch::x86_64::{__m256i, _mm256_ror_epi64};

use super::avx2::opaque;

/// Rotates each 64-bit lane right by 32.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn ror32(x: __m256i) -> __m256i {
    _mm256_ror_epi64::<32>(x)
}

/// Rotates each 64-bit lane right by 24.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn ror24(x: __m256i) -> __m256i {
    _mm256_ror_epi64::<24>(x)
}

/// Rotates each 64-bit lane right by 16.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn ror16(x: __m256i) -> __m256i {
    _mm256_ror_epi64::<16>(x)
}

/// Rotates each 64-bit lane right by 63.
#[inline]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn ror63(x: __m256i) -> __m256i {
    _mm256_ror_epi64::<63>(x)
}

super::simd::kernel!("avx2,avx512f,avx512vl");

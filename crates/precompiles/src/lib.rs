//! Kestrel's precompiled contracts, from Frontier's ecrecover to Osaka's P256VERIFY.
//!
//! [`Precompiles::for_spec`] hands out one immutable set per fork, built once per process.
//! A set maps an address to a plain function `fn(input, gas_limit) -> PrecompileResult`;
//! every function decides its gas before doing any work, so an under-funded call costs
//! nothing but the gas check. The set's address list doubles as the warm set that EIP-2929
//! pre-warms at the start of every transaction.

use core::sync::atomic::{AtomicUsize, Ordering};

mod blake2;
mod bls12_381;
mod bn254;
mod ecrecover;
mod hash;
mod kzg;
mod modexp;
mod p256;
mod parallel;
mod set;
mod sha256;

pub use ecrecover::recover_signer;
pub use hash::identity_gas;
pub use set::{IDENTITY, Precompile, Precompiles};

/// Every backend of every precompile that has more than one, each as a plain precompile
/// function, so tests and benchmarks can run them side by side whatever this build
/// selected. Not a stable API.
#[doc(hidden)]
pub mod backends {
    use crate::{PrecompileResult, bn254, ecrecover, modexp};

    /// MODEXP (EIP-7883 price) on Kestrel's Montgomery implementation.
    pub fn modexp_mont(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::Mont>(input, gas_limit, modexp::Pricing::Eip7883)
    }

    /// MODEXP (EIP-7883 price) on `aurora-engine-modexp`.
    pub fn modexp_aurora(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::Aurora>(input, gas_limit, modexp::Pricing::Eip7883)
    }

    /// MODEXP (EIP-7883 price) on Kestrel's Montgomery / CRT path only, whatever the
    /// exponent (the selected one takes the plain path for tiny exponents).
    pub fn modexp_montgomery_only(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::MontOnly>(input, gas_limit, modexp::Pricing::Eip7883)
    }

    /// MODEXP (EIP-7883 price) on Kestrel's plain path only (schoolbook products, long
    /// division), whatever the exponent.
    pub fn modexp_plain_only(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::PlainOnly>(input, gas_limit, modexp::Pricing::Eip7883)
    }

    /// MODEXP (EIP-2565 price) on Kestrel's Montgomery implementation.
    pub fn modexp_mont_berlin(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::Mont>(input, gas_limit, modexp::Pricing::Eip2565)
    }

    /// MODEXP (EIP-2565 price) on `aurora-engine-modexp`.
    pub fn modexp_aurora_berlin(input: &[u8], gas_limit: u64) -> PrecompileResult {
        modexp::run::<modexp::Aurora>(input, gas_limit, modexp::Pricing::Eip2565)
    }

    /// P256VERIFY on RustCrypto's `p256` verifier (the selected one is Kestrel's variable-time
    /// verification over `p256`'s field, see `p256.rs`).
    pub fn p256verify_rustcrypto(input: &[u8], gas_limit: u64) -> PrecompileResult {
        crate::p256::p256verify_rustcrypto(input, gas_limit)
    }

    /// P256VERIFY as the Osaka set selects it.
    pub fn p256verify(input: &[u8], gas_limit: u64) -> PrecompileResult {
        crate::p256::p256verify(input, gas_limit)
    }

    /// ECRECOVER on RustCrypto's `k256`.
    pub fn ecrecover_k256(input: &[u8], gas_limit: u64) -> PrecompileResult {
        ecrecover::ecrecover_with::<ecrecover::k256::K256>(input, gas_limit)
    }

    /// ECRECOVER on libsecp256k1.
    #[cfg(feature = "native")]
    pub fn ecrecover_libsecp(input: &[u8], gas_limit: u64) -> PrecompileResult {
        ecrecover::ecrecover_with::<ecrecover::libsecp::Libsecp>(input, gas_limit)
    }

    /// ECADD (EIP-1108 price) on arkworks.
    pub fn bn254_add_ark(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::add::<bn254::ark::Ark>(input, gas_limit, bn254::ISTANBUL.0)
    }

    /// ECADD (EIP-1108 price) on `substrate-bn`.
    pub fn bn254_add_substrate(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::add::<bn254::substrate::Substrate>(input, gas_limit, bn254::ISTANBUL.0)
    }

    /// ECMUL (EIP-1108 price) on arkworks.
    pub fn bn254_mul_ark(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::mul::<bn254::ark::Ark>(input, gas_limit, bn254::ISTANBUL.1)
    }

    /// ECMUL (EIP-1108 price) on `substrate-bn`.
    pub fn bn254_mul_substrate(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::mul::<bn254::substrate::Substrate>(input, gas_limit, bn254::ISTANBUL.1)
    }

    /// ECPAIRING (EIP-1108 price) on arkworks.
    pub fn bn254_pairing_ark(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::pairing::<bn254::ark::Ark>(input, gas_limit, bn254::ISTANBUL.2)
    }

    /// ECPAIRING (EIP-1108 price) on `substrate-bn`.
    pub fn bn254_pairing_substrate(input: &[u8], gas_limit: u64) -> PrecompileResult {
        bn254::pairing::<bn254::substrate::Substrate>(input, gas_limit, bn254::ISTANBUL.2)
    }

    /// The backend each CPU-dispatched hash runs in this process, as `(hash, backend)`: what
    /// portable mode ([`kestrel_primitives::cpu`]) changes. Asking decides the switch if nothing
    /// did before.
    pub fn dispatched() -> [(&'static str, &'static str); 3] {
        [
            ("keccak256", kestrel_primitives::keccak::backend_name()),
            ("blake2f", crate::blake2::backend_name()),
            ("sha256", crate::sha256::backend_name()),
        ]
    }

    /// BLAKE2F on every compression backend this CPU runs, by name, whatever the dispatch
    /// chose.
    pub fn blake2f_backends() -> Vec<(&'static str, crate::Precompile)> {
        crate::blake2::backends()
    }

    /// SHA-256 on the portable implementation portable mode uses, whatever the switch says.
    pub fn sha256_portable(data: &[u8]) -> [u8; 32] {
        crate::sha256::portable(data)
    }
}

use kestrel_primitives::Bytes;

/// Most threads a precompile may use; 0 until [`set_max_threads`] is called.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Caps the threads one precompile call may use (BLS12-381 MSMs spread over rayon's pool);
/// 1 keeps every precompile on the calling thread. Unset, the cap is rayon's pool size,
/// which is what revm's blst MSMs use too. A block executor that already runs one
/// transaction per core may prefer 1. Results never depend on it.
pub fn set_max_threads(threads: usize) {
    MAX_THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// The cap [`set_max_threads`] set, else the size of rayon's pool.
pub fn max_threads() -> usize {
    match MAX_THREADS.load(Ordering::Relaxed) {
        0 => rayon::current_num_threads(),
        n => n,
    }
}

/// A successful precompile call: the gas it used and its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrecompileOutput {
    /// Gas used; never more than the call's gas limit.
    pub gas_used: u64,
    /// Returned bytes.
    pub bytes: Bytes,
}

/// Why a precompile call failed. Every failure consumes all gas given to the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecompileError {
    /// The gas limit does not cover the cost.
    OutOfGas,
    /// The input is malformed (bad point, bad length, …); the text says what.
    Failure(&'static str),
}

/// The result of a precompile call.
pub type PrecompileResult = Result<PrecompileOutput, PrecompileError>;

/// Charges `cost` against `gas_limit`: `Ok(cost)` when affordable, else `OutOfGas`.
#[inline]
pub(crate) fn charge(cost: u64, gas_limit: u64) -> Result<u64, PrecompileError> {
    if cost > gas_limit { Err(PrecompileError::OutOfGas) } else { Ok(cost) }
}

/// `base + word * ceil(len / 32)`, saturating: the shape of every per-word price
/// (SHA256, RIPEMD160, IDENTITY). Saturation only matters for inputs no gas limit covers.
#[inline]
pub(crate) fn word_cost(len: usize, base: u64, word: u64) -> u64 {
    let words = (len as u64).div_ceil(32);
    base.saturating_add(word.saturating_mul(words))
}

/// Copies `input[offset..offset + out.len()]` into `out`, reading zeros past the end of
/// `input` (the spec's `buffer_read`). Never panics, whatever `offset` is.
#[inline]
pub(crate) fn read_padded(input: &[u8], offset: usize, out: &mut [u8]) {
    let available = input.get(offset..).unwrap_or(&[]);
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    out[n..].fill(0);
}

/// A fixed-size window of `input` at `offset`, zero-padded past its end.
#[inline]
pub(crate) fn read_array<const N: usize>(input: &[u8], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    read_padded(input, offset, &mut out);
    out
}

//! MODEXP (0x05): EIP-198, repriced by EIP-2565 (Berlin) and EIP-7883 (Osaka), bounded by EIP-7823.
//!
//! Input: `base_len`, `exp_len`, `mod_len` (each 32 bytes, big-endian) ‖ base ‖ exponent ‖
//! modulus, every read past the end of the input returning zeros. Output: `base^exp % mod`,
//! `mod_len` bytes big-endian.
//!
//! Gas comes first and allocates nothing. The lengths are 256-bit; they are clamped to
//! [`LEN_CLAMP`] and priced in saturating `u128` arithmetic, and any clamped length prices
//! the call (with a non-zero modulus or base length) above every `u64` gas limit, so
//! clamping never changes a result.
//!
//! After the gas is paid, nothing but the output and (when the input ends inside it) the
//! modulus is allocated: the operands are laid out base, exponent, modulus, so a non-zero
//! modulus means the base and exponent lie wholly inside the input and can be borrowed,
//! and a modulus starting past the input is zero. A modulus longer than [`MAX_MOD_LEN`]
//! fails instead of running: paying for one takes more than 10^13 gas.
//!
//! The arithmetic is a [`Backend`]: Kestrel's own Montgomery exponentiation with a CRT
//! split for even moduli ([`mont`]) by default, `aurora-engine-modexp` as the second
//! implementation the tests and benchmarks compare it with.

mod mont;

use std::borrow::Cow;

use kestrel_primitives::{Bytes, U256};

use crate::{PrecompileError, PrecompileOutput, PrecompileResult, read_array, read_padded};

/// The three pricing rules MODEXP has had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pricing {
    /// EIP-198 (Byzantium..Istanbul).
    Eip198,
    /// EIP-2565 (Berlin..Prague).
    Eip2565,
    /// EIP-7883 (Osaka), with EIP-7823's 1024-byte bound on every length.
    Eip7883,
}

/// EIP-7823: the largest base, exponent or modulus length accepted from Osaka.
const OSAKA_MAX_LEN: u128 = 1024;

/// Lengths are clamped here before pricing: 2^80 bytes of base or modulus cost ~2^150 gas
/// and 2^80 exponent bytes at least 2^83 / 20, both far above `u64::MAX`.
const LEN_CLAMP: u128 = 1 << 80;

/// Largest modulus length actually run: the output is that long, so it is allocated.
/// Paying for 64 MiB takes over 10^13 gas under any pricing, far beyond any block.
const MAX_MOD_LEN: u128 = 1 << 26;

/// `base^exp mod modulus`.
pub(crate) trait Backend {
    /// Writes `base^exp mod modulus` big-endian into `out`, which is `modulus.len()` bytes;
    /// `modulus` is not zero.
    fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> Result<(), PrecompileError>;
}

/// Kestrel's own Montgomery / CRT implementation.
pub(crate) struct Mont;

impl Backend for Mont {
    #[inline]
    fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> Result<(), PrecompileError> {
        mont::modexp(base, exp, modulus, out);
        Ok(())
    }
}

/// Kestrel's Montgomery / CRT implementation whatever the exponent (tests and benchmarks).
pub(crate) struct MontOnly;

impl Backend for MontOnly {
    fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> Result<(), PrecompileError> {
        mont::modexp_with(base, exp, modulus, out, mont::Method::Montgomery);
        Ok(())
    }
}

/// Kestrel's plain products and long division whatever the exponent (tests and benchmarks).
pub(crate) struct PlainOnly;

impl Backend for PlainOnly {
    fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> Result<(), PrecompileError> {
        mont::modexp_with(base, exp, modulus, out, mont::Method::Plain);
        Ok(())
    }
}

/// `aurora-engine-modexp`.
pub(crate) struct Aurora;

impl Backend for Aurora {
    fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> Result<(), PrecompileError> {
        let result = aurora_engine_modexp::modexp(base, exp, modulus);
        let significant = strip_leading_zeros(&result);
        // The result is below the modulus, so it fits; checked rather than trusted.
        if significant.len() > out.len() {
            return Err(PrecompileError::Failure("modexp: result wider than modulus"));
        }
        let start = out.len() - significant.len();
        out[..start].fill(0);
        out[start..].copy_from_slice(significant);
        Ok(())
    }
}

/// The backend this build uses.
pub(crate) type Selected = Mont;

/// EIP-198 pricing.
pub(crate) fn modexp_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run::<Selected>(input, gas_limit, Pricing::Eip198)
}

/// EIP-2565 pricing.
pub(crate) fn modexp_berlin(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run::<Selected>(input, gas_limit, Pricing::Eip2565)
}

/// EIP-7883 pricing; EIP-7823 length bound (a length above 1024 bytes is an error).
pub(crate) fn modexp_osaka(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run::<Selected>(input, gas_limit, Pricing::Eip7883)
}

/// Reads a 32-byte big-endian length at `offset`, clamped to [`LEN_CLAMP`].
fn read_len(input: &[u8], offset: usize) -> u128 {
    let word = U256::from_be_bytes(read_array::<32>(input, offset));
    u128::try_from(word).map_or(LEN_CLAMP, |n| n.min(LEN_CLAMP))
}

/// The lengths and exponent head a MODEXP call is priced from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    /// Base length in bytes, clamped to [`LEN_CLAMP`].
    pub(crate) base_len: u128,
    /// Exponent length in bytes, clamped to [`LEN_CLAMP`].
    pub(crate) exp_len: u128,
    /// Modulus length in bytes, clamped to [`LEN_CLAMP`].
    pub(crate) mod_len: u128,
    /// Bit length of the first `min(32, exp_len)` exponent bytes read as an integer.
    pub(crate) exp_head_bits: u32,
}

impl Header {
    /// Parses the header; never allocates.
    pub(crate) fn parse(input: &[u8]) -> Header {
        let base_len = read_len(input, 0);
        let exp_len = read_len(input, 32);
        let mod_len = read_len(input, 64);
        let head_len = exp_len.min(32) as usize;
        // An exponent starting beyond the address space starts beyond the input: head 0.
        let exp_head_bits = match usize::try_from(base_len).ok().and_then(|b| b.checked_add(96)) {
            Some(exp_start) => {
                let mut head = [0u8; 32];
                read_padded(input, exp_start, &mut head[32 - head_len..]);
                U256::from_be_bytes(head).bit_len() as u32
            }
            None => 0,
        };
        Header { base_len, exp_len, mod_len, exp_head_bits }
    }

    /// EIP-198's "adjusted exponent length" with `per_byte` bits per exponent byte past the
    /// first 32 (8 before Osaka, 16 from EIP-7883), floored at 1.
    fn iterations(&self, per_byte: u128) -> u128 {
        let head = u128::from(self.exp_head_bits.saturating_sub(1));
        let tail = self.exp_len.saturating_sub(32) * per_byte;
        (tail + head).max(1)
    }

    /// The gas this call costs under `pricing`, exact up to `u64::MAX`; `None` means more
    /// than any `u64` gas limit.
    pub(crate) fn gas(&self, pricing: Pricing) -> Option<u64> {
        // With lengths at most 2^80 only the products below can overflow; they saturate.
        let max_len = self.base_len.max(self.mod_len);
        let words = max_len.div_ceil(8);
        let cost = match pricing {
            Pricing::Eip198 => {
                // x² for x ≤ 64, x²/4 + 96x − 3072 for x ≤ 1024, x²/16 + 480x − 199680 above.
                let x = max_len;
                let complexity = if x <= 64 {
                    x * x
                } else if x <= 1024 {
                    x * x / 4 + 96 * x - 3072
                } else {
                    x.saturating_mul(x) / 16 + 480 * x - 199_680
                };
                complexity.saturating_mul(self.iterations(8)) / 20
            }
            Pricing::Eip2565 => {
                let complexity = words.saturating_mul(words);
                (complexity.saturating_mul(self.iterations(8)) / 3).max(200)
            }
            Pricing::Eip7883 => {
                let complexity =
                    if max_len <= 32 { 16 } else { words.saturating_mul(words).saturating_mul(2) };
                complexity.saturating_mul(self.iterations(16)).max(500)
            }
        };
        u64::try_from(cost).ok()
    }
}

/// MODEXP under `pricing` on backend `B`.
pub(crate) fn run<B: Backend>(input: &[u8], gas_limit: u64, pricing: Pricing) -> PrecompileResult {
    let header = Header::parse(input);
    if pricing == Pricing::Eip7883
        && (header.base_len > OSAKA_MAX_LEN
            || header.exp_len > OSAKA_MAX_LEN
            || header.mod_len > OSAKA_MAX_LEN)
    {
        return Err(PrecompileError::Failure("modexp: length above the EIP-7823 bound"));
    }
    let gas_used = match header.gas(pricing) {
        Some(cost) if cost <= gas_limit => cost,
        _ => return Err(PrecompileError::OutOfGas),
    };

    // The output is `mod_len` bytes, so an empty modulus means an empty output, whatever
    // the base and exponent (the spec's early return covers base_len == mod_len == 0).
    if header.mod_len == 0 {
        return Ok(PrecompileOutput { gas_used, bytes: Bytes::new() });
    }
    let Some(mod_len) = usize::try_from(header.mod_len).ok().filter(|&n| n as u128 <= MAX_MOD_LEN) else {
        return Err(PrecompileError::Failure("modexp: modulus beyond any realistic gas limit"));
    };
    let mut out = vec![0u8; mod_len];

    // Operands are laid out base, exponent, modulus. If any byte of the modulus lies inside
    // the input, the base and exponent lie wholly inside it and can be borrowed; otherwise
    // the modulus is zero and so is the output (the spec's special case).
    let mod_start = 96 + header.base_len + header.exp_len; // ≤ 2^82: no overflow
    let present = usize::try_from(mod_start).ok().and_then(|start| input.get(start..)).unwrap_or(&[]);
    let present = &present[..present.len().min(mod_len)];
    if present.iter().all(|&b| b == 0) {
        return Ok(PrecompileOutput { gas_used, bytes: Bytes::from(out) });
    }
    // `present` is non-empty, so `mod_start < input.len()` and both lengths fit in usize.
    let exp_start = 96 + header.base_len as usize;
    let exp_end = exp_start + header.exp_len as usize;
    let (Some(base), Some(exponent)) = (input.get(96..exp_start), input.get(exp_start..exp_end)) else {
        return Err(PrecompileError::Failure("modexp: operands outside the input"));
    };
    let modulus: Cow<'_, [u8]> = if present.len() == mod_len {
        Cow::Borrowed(present)
    } else {
        // Cut short by the end of the input: the missing low-order bytes are zeros.
        let mut padded = vec![0u8; mod_len];
        padded[..present.len()].copy_from_slice(present);
        Cow::Owned(padded)
    };

    B::modexp(base, exponent, &modulus, &mut out)?;
    Ok(PrecompileOutput { gas_used, bytes: Bytes::from(out) })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

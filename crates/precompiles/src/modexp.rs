//! MODEXP (0x05): EIP-198, repriced by EIP-2565 (Berlin) and EIP-7883 (Osaka), bounded by EIP-7823.
//!
//! Input: `base_len`, `exp_len`, `mod_len` (each 32 bytes, big-endian) ‖ base ‖ exponent ‖
//! modulus, every read past the end of the input returning zeros. Output: `base^exp % mod`,
//! `mod_len` bytes big-endian.
//!
//! The lengths are 256-bit, so gas is computed from lengths clamped to `u64` in `u128`
//! arithmetic: a clamped length already prices the call far above any `u64` gas limit, so
//! clamping never changes the outcome, and nothing is allocated before the gas is paid.
//! After that, the buffers are bounded by what the gas bought (base and modulus grow with
//! the square root of the gas, the exponent linearly).

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
const OSAKA_MAX_LEN: u64 = 1024;

/// EIP-198 pricing.
pub(crate) fn modexp_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run(input, gas_limit, Pricing::Eip198)
}

/// EIP-2565 pricing.
pub(crate) fn modexp_berlin(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run(input, gas_limit, Pricing::Eip2565)
}

/// EIP-7883 pricing; EIP-7823 length bound (a length above 1024 bytes is an error).
pub(crate) fn modexp_osaka(input: &[u8], gas_limit: u64) -> PrecompileResult {
    run(input, gas_limit, Pricing::Eip7883)
}

/// Reads a 32-byte big-endian length at `offset`, clamped to `u64::MAX`.
fn read_len(input: &[u8], offset: usize) -> u64 {
    let word = U256::from_be_bytes(read_array::<32>(input, offset));
    u64::try_from(word).unwrap_or(u64::MAX)
}

/// The lengths and exponent head a MODEXP call is priced from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    /// Base length in bytes (clamped to `u64::MAX`).
    pub(crate) base_len: u64,
    /// Exponent length in bytes (clamped to `u64::MAX`).
    pub(crate) exp_len: u64,
    /// Modulus length in bytes (clamped to `u64::MAX`).
    pub(crate) mod_len: u64,
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
        let tail = u128::from(self.exp_len.saturating_sub(32)) * per_byte;
        (tail + head).max(1)
    }

    /// The gas this call costs under `pricing`, exact up to `u64::MAX`; `None` means more
    /// than any `u64` gas limit.
    pub(crate) fn gas(&self, pricing: Pricing) -> Option<u64> {
        let max_len = u128::from(self.base_len.max(self.mod_len));
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

/// A `len`-byte window of `input` at `offset`, borrowed when it lies inside the input and
/// zero-padded otherwise. Callers have already paid for `len` bytes.
fn window(input: &[u8], offset: usize, len: usize) -> Cow<'_, [u8]> {
    match offset.checked_add(len).and_then(|end| input.get(offset..end)) {
        Some(slice) => Cow::Borrowed(slice),
        None => {
            let mut buf = vec![0u8; len];
            read_padded(input, offset, &mut buf);
            Cow::Owned(buf)
        }
    }
}

fn run(input: &[u8], gas_limit: u64, pricing: Pricing) -> PrecompileResult {
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

    // Every length is now paid for, so it fits in memory; these conversions cannot fail
    // for a call the gas covered, but an error beats a panic if they ever do.
    let too_long = || PrecompileError::Failure("modexp: length exceeds address space");
    let base_len = usize::try_from(header.base_len).map_err(|_| too_long())?;
    let exp_len = usize::try_from(header.exp_len).map_err(|_| too_long())?;
    let mod_len = usize::try_from(header.mod_len).map_err(|_| too_long())?;
    let exp_start = base_len.checked_add(96).ok_or_else(too_long)?;
    let mod_start = exp_start.checked_add(exp_len).ok_or_else(too_long)?;

    let modulus = window(input, mod_start, mod_len);
    let mut out = vec![0u8; mod_len];
    // A zero modulus yields zeros (the spec's special case); skip the arithmetic.
    if modulus.iter().any(|&b| b != 0) {
        let base = window(input, 96, base_len);
        let exponent = window(input, exp_start, exp_len);
        let result = aurora_engine_modexp::modexp(&base, &exponent, &modulus);
        // The result is below the modulus, so it fits; trim defensively all the same.
        let significant = strip_leading_zeros(&result);
        if significant.len() > mod_len {
            return Err(PrecompileError::Failure("modexp: result wider than modulus"));
        }
        out[mod_len - significant.len()..].copy_from_slice(significant);
    }
    Ok(PrecompileOutput { gas_used, bytes: Bytes::from(out) })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

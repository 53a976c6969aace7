//! Hex parsing with the quirks of the state-test fixtures.
//!
//! The fixtures come from several fillers over ten years, so numbers appear as `0x` (zero),
//! with odd digit counts (`0x1`), with redundant leading zeros, and in legacy files with a
//! `0x:bigint ` marker in front of values that do not fit the filler's own integer type
//! (`stTransactionTest/ValueOverflow*`). Numbers wider than their target type are a
//! [`HexError::Overflow`], never truncated: those tests expect the transaction to be rejected.

use core::fmt;

use kestrel::primitives::{Address, B256, Bytes, U256};

/// Why a hex string did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HexError {
    /// The string does not start with `0x`.
    MissingPrefix,
    /// A character that is not a hex digit, at this byte offset of the digits.
    InvalidDigit(usize),
    /// An odd number of digits where whole bytes are required.
    OddLength,
    /// The number needs `bits` bits but the target holds only `max_bits`.
    Overflow {
        /// Significant bits of the value (rounded up to whole digits).
        bits: usize,
        /// Width of the target type.
        max_bits: usize,
    },
    /// A fixed-size value (address, hash) with the wrong number of bytes.
    WrongLength {
        /// Bytes the target needs.
        expected: usize,
        /// Bytes the string holds.
        got: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::MissingPrefix => f.write_str("missing 0x prefix"),
            HexError::InvalidDigit(at) => write!(f, "invalid hex digit at offset {at}"),
            HexError::OddLength => f.write_str("odd number of hex digits in a byte string"),
            HexError::Overflow { bits, max_bits } => {
                write!(f, "value overflow: about {bits} bits do not fit in {max_bits} bits")
            }
            HexError::WrongLength { expected, got } => {
                write!(f, "expected {expected} bytes, got {got}")
            }
        }
    }
}

impl std::error::Error for HexError {}

/// The digits after `0x`, with the legacy `0x:bigint ` marker removed.
fn digits(s: &str) -> Result<&str, HexError> {
    let s = s.trim();
    // retesteth writes integers wider than its own int type as `0x:bigint 0x…`; the value is
    // the ordinary hex number after the marker.
    let s = s.strip_prefix("0x:bigint ").map_or(s, str::trim_start);
    s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).ok_or(HexError::MissingPrefix)
}

fn nibble(c: u8, at: usize) -> Result<u8, HexError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(HexError::InvalidDigit(at)),
    }
}

/// Parses a big-endian hex number of at most `max_bits` bits into 32 bytes.
fn number_be(s: &str, max_bits: usize) -> Result<[u8; 32], HexError> {
    let d = digits(s)?.as_bytes();
    // Validate every digit first so that a bad digit is reported as such, not as overflow.
    for (i, &c) in d.iter().enumerate() {
        nibble(c, i)?;
    }
    let first = d.iter().position(|&c| c != b'0').unwrap_or(d.len());
    let sig = &d[first..];
    let bits = sig.len() * 4;
    if bits > max_bits {
        return Err(HexError::Overflow { bits, max_bits });
    }
    let mut out = [0u8; 32];
    // Fill from the least significant digit, so odd digit counts need no special case.
    for (k, &c) in sig.iter().rev().enumerate() {
        let v = nibble(c, first + sig.len() - 1 - k)?;
        out[31 - k / 2] |= if k % 2 == 0 { v } else { v << 4 };
    }
    Ok(out)
}

/// Parses a number of at most 256 bits; `0x` is zero, odd digit counts and leading zeros
/// are accepted.
pub fn parse_u256(s: &str) -> Result<U256, HexError> {
    number_be(s, 256).map(U256::from_be_bytes)
}

/// Parses a number of at most 64 bits, with the same leniency as [`parse_u256`].
pub fn parse_u64(s: &str) -> Result<u64, HexError> {
    let be = number_be(s, 64)?;
    let mut low = [0u8; 8];
    low.copy_from_slice(&be[24..]);
    Ok(u64::from_be_bytes(low))
}

/// Parses a byte string; `0x` is empty. An odd digit count is an error because padding
/// would have to guess which end the missing nibble belongs to.
pub fn parse_bytes(s: &str) -> Result<Bytes, HexError> {
    let d = digits(s)?.as_bytes();
    if d.len() % 2 != 0 {
        return Err(HexError::OddLength);
    }
    let mut out = Vec::with_capacity(d.len() / 2);
    for (i, pair) in d.chunks_exact(2).enumerate() {
        out.push(nibble(pair[0], 2 * i)? << 4 | nibble(pair[1], 2 * i + 1)?);
    }
    Ok(Bytes::from(out))
}

fn fixed<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let b = parse_bytes(s)?;
    <[u8; N]>::try_from(b.as_ref()).map_err(|_| HexError::WrongLength { expected: N, got: b.len() })
}

/// Parses a 20-byte address written with exactly 40 digits.
pub fn parse_address(s: &str) -> Result<Address, HexError> {
    fixed::<20>(s).map(Address::from)
}

/// Parses a 32-byte hash written with exactly 64 digits.
pub fn parse_b256(s: &str) -> Result<B256, HexError> {
    fixed::<32>(s).map(B256::from)
}

/// Parses a 32-byte word written as a number (`0x020000` is the word with value 0x020000);
/// used for `currentRandom`, which some fillers shorten.
pub fn parse_word(s: &str) -> Result<B256, HexError> {
    number_be(s, 256).map(B256::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_fixture_spellings() {
        assert_eq!(parse_u256("0x"), Ok(U256::ZERO));
        assert_eq!(parse_u256("0x0"), Ok(U256::ZERO));
        assert_eq!(parse_u256("0x1"), Ok(U256::from(1)));
        assert_eq!(parse_u256("0x1312D00"), Ok(U256::from(0x1312d00u64)));
        assert_eq!(parse_u256("0x00000a"), Ok(U256::from(10)));
        assert_eq!(parse_u64("0xffffffffffffffff"), Ok(u64::MAX));
        assert_eq!(parse_u64("0x0000000000000000000001"), Ok(1));
        let max = format!("0x{}", "f".repeat(64));
        assert_eq!(parse_u256(&max), Ok(U256::MAX));
        // Leading zeros beyond 64 digits are not an overflow.
        assert_eq!(parse_u256(&format!("0x00{}", "f".repeat(64))), Ok(U256::MAX));
    }

    #[test]
    fn bigint_marker_and_overflow() {
        assert_eq!(parse_u256("0x:bigint 0x05"), Ok(U256::from(5)));
        // The exact value of stTransactionTest/ValueOverflow: 2^256 + 1.
        let v = "0x:bigint 0x10000000000000000000000000000000000000000000000000000000000000001";
        assert_eq!(parse_u256(v), Err(HexError::Overflow { bits: 260, max_bits: 256 }));
        assert_eq!(parse_u64("0x10000000000000000"), Err(HexError::Overflow { bits: 68, max_bits: 64 }));
    }

    #[test]
    fn malformed_numbers_are_errors() {
        assert_eq!(parse_u256("12"), Err(HexError::MissingPrefix));
        assert_eq!(parse_u256(""), Err(HexError::MissingPrefix));
        assert_eq!(parse_u256("0x1g"), Err(HexError::InvalidDigit(1)));
        // A bad digit in an over-long string is reported as the bad digit.
        assert_eq!(parse_u64(&format!("0x{}z", "1".repeat(40))), Err(HexError::InvalidDigit(40)));
    }

    #[test]
    fn bytes_and_fixed() {
        assert_eq!(parse_bytes("0x"), Ok(Bytes::new()));
        assert_eq!(parse_bytes("0x6001FF"), Ok(Bytes::from(vec![0x60, 0x01, 0xff])));
        assert_eq!(parse_bytes("0x600"), Err(HexError::OddLength));
        let a = "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba";
        assert_eq!(parse_address(a).map(|a| a.0[0]), Ok(0x2a));
        assert_eq!(parse_address("0x2adc"), Err(HexError::WrongLength { expected: 20, got: 2 }));
        assert!(parse_b256(a).is_err());
        assert_eq!(parse_word("0x020000").map(|w| w[29]), Ok(2));
    }
}

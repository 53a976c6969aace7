//! RLP decoding (Yellow Paper appendix B) with canonical-form checks and named errors.
//!
//! Decoding is a cursor over a byte slice: [`Rlp::list`] returns a cursor over the list's
//! payload, so a structure is read field by field without allocating and without recursion
//! on the native stack (callers descend one level per known field, never per nesting depth
//! of the input). Every length is checked against the remaining input before use, so a huge
//! declared length is an error, never an allocation.
//!
//! Encoding uses `alloy-rlp` (see the crate docs).

use core::fmt;

use kestrel_primitives::{Address, B256, U256};

/// Why RLP input was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RlpError {
    /// The input ends before the item does.
    InputTooShort,
    /// A length prefix with a leading zero byte, or a long form for a length under 56.
    NonCanonicalSize,
    /// A single byte below 0x80 encoded as a one-byte string.
    NonCanonicalSingleByte,
    /// An integer with leading zero bytes.
    LeadingZero,
    /// An integer wider than its field.
    Overflow,
    /// A string where a list is required.
    ExpectedList,
    /// A list where a string is required.
    ExpectedString,
    /// A fixed-size field (address, hash, bloom, nonce) of the wrong length.
    WrongLength {
        /// Bytes the field needs.
        expected: usize,
        /// Bytes it has.
        got: usize,
    },
    /// A list with more or fewer items than its structure has.
    WrongItemCount,
    /// Bytes left over after the outermost item or at the end of a list.
    TrailingBytes,
}

impl fmt::Display for RlpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RlpError::InputTooShort => f.write_str("input too short"),
            RlpError::NonCanonicalSize => f.write_str("non-canonical length prefix"),
            RlpError::NonCanonicalSingleByte => f.write_str("non-canonical single byte"),
            RlpError::LeadingZero => f.write_str("integer with leading zero bytes"),
            RlpError::Overflow => f.write_str("integer overflows its field"),
            RlpError::ExpectedList => f.write_str("expected a list"),
            RlpError::ExpectedString => f.write_str("expected a string"),
            RlpError::WrongLength { expected, got } => write!(f, "expected {expected} bytes, got {got}"),
            RlpError::WrongItemCount => f.write_str("wrong number of list items"),
            RlpError::TrailingBytes => f.write_str("trailing bytes"),
        }
    }
}

impl std::error::Error for RlpError {}

/// One decoded item: where it starts and ends, and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// The whole encoding, prefix included.
    pub raw: &'a [u8],
    /// The payload after the prefix.
    pub payload: &'a [u8],
    /// True for a list.
    pub is_list: bool,
}

/// Reads the big-endian length of `len_of_len` bytes at the start of `buf`.
fn long_length(buf: &[u8], len_of_len: usize) -> Result<usize, RlpError> {
    let bytes = buf.get(..len_of_len).ok_or(RlpError::InputTooShort)?;
    if bytes[0] == 0 {
        return Err(RlpError::NonCanonicalSize);
    }
    if len_of_len > core::mem::size_of::<usize>() {
        // Longer than any input this process could hold.
        return Err(RlpError::InputTooShort);
    }
    let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if len < 56 {
        return Err(RlpError::NonCanonicalSize);
    }
    Ok(len)
}

/// Decodes the item at the start of `buf`.
pub fn item(buf: &[u8]) -> Result<Item<'_>, RlpError> {
    let &first = buf.first().ok_or(RlpError::InputTooShort)?;
    let (header, len, is_list) = match first {
        0x00..=0x7f => return Ok(Item { raw: &buf[..1], payload: &buf[..1], is_list: false }),
        0x80..=0xb7 => (1, usize::from(first - 0x80), false),
        0xb8..=0xbf => {
            let n = usize::from(first - 0xb7);
            (1 + n, long_length(&buf[1..], n)?, false)
        }
        0xc0..=0xf7 => (1, usize::from(first - 0xc0), true),
        0xf8..=0xff => {
            let n = usize::from(first - 0xf7);
            (1 + n, long_length(&buf[1..], n)?, true)
        }
    };
    let end = header.checked_add(len).ok_or(RlpError::InputTooShort)?;
    let raw = buf.get(..end).ok_or(RlpError::InputTooShort)?;
    let payload = &raw[header..];
    if !is_list && len == 1 && payload[0] < 0x80 {
        return Err(RlpError::NonCanonicalSingleByte);
    }
    Ok(Item { raw, payload, is_list })
}

/// Decodes `buf` as exactly one item (nothing may follow it).
pub fn single(buf: &[u8]) -> Result<Item<'_>, RlpError> {
    let it = item(buf)?;
    if it.raw.len() != buf.len() {
        return Err(RlpError::TrailingBytes);
    }
    Ok(it)
}

/// A cursor over the items of a list's payload.
#[derive(Clone, Copy, Debug)]
pub struct Rlp<'a> {
    buf: &'a [u8],
}

impl<'a> Rlp<'a> {
    /// A cursor over `payload`, the inside of a list.
    pub fn new(payload: &'a [u8]) -> Self {
        Self { buf: payload }
    }

    /// A cursor over the list that is all of `buf`.
    pub fn list_of(buf: &'a [u8]) -> Result<Self, RlpError> {
        let it = single(buf)?;
        if !it.is_list {
            return Err(RlpError::ExpectedList);
        }
        Ok(Self::new(it.payload))
    }

    /// True when no item is left.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// The next item, whatever it is.
    pub fn item(&mut self) -> Result<Item<'a>, RlpError> {
        if self.buf.is_empty() {
            return Err(RlpError::WrongItemCount);
        }
        let it = item(self.buf)?;
        self.buf = &self.buf[it.raw.len()..];
        Ok(it)
    }

    /// The next item as a list cursor.
    pub fn list(&mut self) -> Result<Rlp<'a>, RlpError> {
        let it = self.item()?;
        if !it.is_list {
            return Err(RlpError::ExpectedList);
        }
        Ok(Rlp::new(it.payload))
    }

    /// The next item as a byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8], RlpError> {
        let it = self.item()?;
        if it.is_list {
            return Err(RlpError::ExpectedString);
        }
        Ok(it.payload)
    }

    /// The next item as a string of exactly `N` bytes.
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N], RlpError> {
        let b = self.bytes()?;
        b.try_into().map_err(|_| RlpError::WrongLength { expected: N, got: b.len() })
    }

    /// The next item as a canonical big-endian integer of at most `max` bytes.
    fn int_bytes(&mut self, max: usize) -> Result<&'a [u8], RlpError> {
        let b = self.bytes()?;
        if b.first() == Some(&0) {
            return Err(RlpError::LeadingZero);
        }
        if b.len() > max {
            return Err(RlpError::Overflow);
        }
        Ok(b)
    }

    /// The next item as a `u64`.
    pub fn u64(&mut self) -> Result<u64, RlpError> {
        Ok(self.int_bytes(8)?.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// The next item as a `U256`.
    pub fn u256(&mut self) -> Result<U256, RlpError> {
        Ok(U256::from_be_slice(self.int_bytes(32)?))
    }

    /// The next item as a 20-byte address.
    pub fn address(&mut self) -> Result<Address, RlpError> {
        Ok(Address::from(self.fixed::<20>()?))
    }

    /// The next item as a 32-byte hash.
    pub fn b256(&mut self) -> Result<B256, RlpError> {
        Ok(B256::from(self.fixed::<32>()?))
    }

    /// The next item as a call target: an address, or the empty string for a creation.
    pub fn to(&mut self) -> Result<Option<Address>, RlpError> {
        let b = self.bytes()?;
        match b.len() {
            0 => Ok(None),
            20 => Ok(Some(Address::from_slice(b))),
            got => Err(RlpError::WrongLength { expected: 20, got }),
        }
    }

    /// Fails unless every item was read.
    pub fn finish(&self) -> Result<(), RlpError> {
        if self.buf.is_empty() { Ok(()) } else { Err(RlpError::WrongItemCount) }
    }
}

/// Appends the list header for a payload of `len` bytes, then the payload.
pub fn encode_list(payload: &[u8], out: &mut Vec<u8>) {
    alloy_rlp::Header { list: true, payload_length: payload.len() }.encode(out);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(single(&[0x05]).unwrap().payload, &[0x05]);
        assert_eq!(single(&[0x81, 0x05]), Err(RlpError::NonCanonicalSingleByte));
        assert_eq!(single(&[0x81, 0x80]).unwrap().payload, &[0x80]);
        // Long form for a 2-byte string.
        assert_eq!(single(&[0xb8, 0x02, 1, 2]), Err(RlpError::NonCanonicalSize));
        // Length with a leading zero.
        let mut v = vec![0xb9, 0x00, 0x40];
        v.extend_from_slice(&[1; 64]);
        assert_eq!(single(&v), Err(RlpError::NonCanonicalSize));
        assert_eq!(single(&[0x82, 1]), Err(RlpError::InputTooShort));
        assert_eq!(single(&[0x80, 0x80]), Err(RlpError::TrailingBytes));
        assert_eq!(single(&[]), Err(RlpError::InputTooShort));
    }

    #[test]
    fn huge_lengths_are_refused_without_allocating() {
        assert_eq!(
            single(&[0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(RlpError::InputTooShort)
        );
        assert_eq!(
            single(&[0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(RlpError::InputTooShort)
        );
        assert_eq!(single(&[0xfb, 0x01, 0, 0, 0]), Err(RlpError::InputTooShort));
    }

    #[test]
    fn integers() {
        let mut r = Rlp::new(&[0x80, 0x7f, 0x82, 0x01, 0x00, 0x82, 0x00, 0x01]);
        assert_eq!(r.u64(), Ok(0));
        assert_eq!(r.u64(), Ok(127));
        assert_eq!(r.u64(), Ok(256));
        assert_eq!(r.u64(), Err(RlpError::LeadingZero));
        let mut r = Rlp::new(&[0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(r.u64(), Err(RlpError::Overflow));
        let mut r = Rlp::new(&[0xc0]);
        assert_eq!(r.u64(), Err(RlpError::ExpectedString));
        assert_eq!(Rlp::new(&[]).u64(), Err(RlpError::WrongItemCount));
    }

    #[test]
    fn lists_and_fixed() {
        let mut r = Rlp::list_of(&[0xc3, 0x01, 0xc1, 0x02]).unwrap();
        assert_eq!(r.u64(), Ok(1));
        let mut inner = r.list().unwrap();
        assert_eq!(inner.u64(), Ok(2));
        assert!(inner.finish().is_ok());
        assert!(r.finish().is_ok());
        assert_eq!(Rlp::list_of(&[0x80]).unwrap_err(), RlpError::ExpectedList);
        assert_eq!(Rlp::new(&[0x82, 1, 2]).address(), Err(RlpError::WrongLength { expected: 20, got: 2 }));
        assert_eq!(Rlp::new(&[0x80]).to(), Ok(None));
    }
}

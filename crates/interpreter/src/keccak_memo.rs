//! Recent KECCAK256 results of 64-byte inputs.
//!
//! Solidity places `mapping[key]` at keccak256(key . slot), 64 bytes, and compiled code often
//! hashes the same pair several times in one transaction (a balance read, then its write; WETH9's
//! `transfer` hashes its sender's slot twice), and consecutive transactions touch the same
//! A permutation costs ~4,700 instructions; a line here is a 64-byte compare. The memo lives in
//! the [`Buffers`](crate::Buffers) and serves every frame of one transaction; it is scoped to the
//! transaction (a generation number, bumped when the buffers open one) so that a benchmark
//! repeating one transaction measures only the reuse inside it. keccak256 is a pure function, so
//! a hit is exact.

use kestrel_primitives::{B256, keccak256};

/// Lines of the memo (a power of two): 96 bytes each.
const LINES: usize = 64;

/// A direct-mapped memo of keccak256 over 64-byte inputs.
#[derive(Clone)]
pub(crate) struct KeccakMemo {
    lines: Box<[Line; LINES]>,
    /// Lines of another generation are empty.
    generation: u32,
}

#[derive(Clone, Copy)]
struct Line {
    input: [u8; 64],
    hash: B256,
    generation: u32,
}

impl Default for KeccakMemo {
    fn default() -> Self {
        let empty = Line { input: [0; 64], hash: B256::ZERO, generation: 0 };
        Self { lines: Box::new([empty; LINES]), generation: 1 }
    }
}

impl core::fmt::Debug for KeccakMemo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("KeccakMemo")
    }
}

impl KeccakMemo {
    /// Forgets every line (a new transaction starts).
    #[inline]
    pub(crate) fn forget(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After 2^32 transactions an old line's generation could match again.
            self.lines.iter_mut().for_each(|l| l.generation = 0);
            self.generation = 1;
        }
    }

    /// keccak256 of `input`.
    #[inline]
    pub(crate) fn hash(&mut self, input: &[u8; 64]) -> B256 {
        // The key's last byte and the slot's: what varies between the pairs of one contract.
        let line = &mut self.lines[(input[31] ^ input[63].rotate_left(3)) as usize % LINES];
        if line.generation != self.generation || line.input != *input {
            *line = Line { input: *input, hash: keccak256(input), generation: self.generation };
        }
        line.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_and_misses_give_keccak256() {
        let mut memo = KeccakMemo::default();
        let mut input = [0u8; 64];
        for round in 0..3 {
            for i in 0..200u32 {
                input[28..32].copy_from_slice(&i.to_be_bytes());
                input[63] = (i % 7) as u8;
                assert_eq!(memo.hash(&input), keccak256(input), "round {round}, input {i}");
            }
        }
        assert_eq!(memo.hash(&[0; 64]), keccak256([0u8; 64]));
        memo.forget();
        assert_eq!(memo.hash(&[0; 64]), keccak256([0u8; 64]));
        assert_eq!(memo.hash(&input), keccak256(input));
    }
}

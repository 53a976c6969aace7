//! Padding and JUMPDEST analysis.

use kestrel_primitives::{B256, keccak256};

use crate::opcode::{JUMPDEST, PUSH1, PUSH32};

/// Zero bytes appended to every code: a PUSH32 as the last byte reads 32 bytes of immediate
/// inside the buffer, and the byte after that is a STOP.
pub const PADDING: usize = 33;

/// Analysed contract code: padded bytes, the JUMPDEST bitmap and the code hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytecode {
    padded: Box<[u8]>,
    len: usize,
    jumpdests: Box<[u64]>,
    hash: B256,
}

impl Bytecode {
    /// Analyses `code`, hashing it.
    pub fn new(code: &[u8]) -> Self {
        Self::with_hash(code, keccak256(code))
    }

    /// Analyses `code` whose keccak256 hash the caller already knows.
    pub fn with_hash(code: &[u8], hash: B256) -> Self {
        let mut padded = Vec::with_capacity(code.len() + PADDING);
        padded.extend_from_slice(code);
        padded.resize(code.len() + PADDING, 0);
        let jumpdests = analyze_jumpdests(code);
        Self { padded: padded.into_boxed_slice(), len: code.len(), jumpdests, hash }
    }

    /// The code as deployed, without padding.
    #[inline]
    pub fn original(&self) -> &[u8] {
        &self.padded[..self.len]
    }

    /// The code followed by [`PADDING`] zero bytes.
    #[inline]
    pub fn padded(&self) -> &[u8] {
        &self.padded
    }

    /// The code length without padding.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for empty code.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// keccak256 of the code.
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// True when `pc` holds a JUMPDEST opcode (not PUSH data) inside the code.
    #[inline]
    pub fn is_jumpdest(&self, pc: usize) -> bool {
        match self.jumpdests.get(pc / 64) {
            Some(word) => word & (1u64 << (pc % 64)) != 0,
            None => false,
        }
    }
}

/// Marks every JUMPDEST that is an opcode, skipping PUSH immediates (a PUSH truncated by the end
/// of the code swallows the rest). Runs of zero bytes (STOP, common in padding-heavy data
/// sections) are skipped eight at a time.
fn analyze_jumpdests(code: &[u8]) -> Box<[u64]> {
    let mut bitmap = vec![0u64; code.len().div_ceil(64)];
    let mut pc = 0;
    while pc < code.len() {
        if pc + 8 <= code.len() && code[pc..pc + 8] == [0u8; 8] {
            pc += 8;
            continue;
        }
        let op = code[pc];
        if op == JUMPDEST {
            bitmap[pc / 64] |= 1u64 << (pc % 64);
            pc += 1;
        } else if (PUSH1..=PUSH32).contains(&op) {
            pc += 1 + (op - PUSH1 + 1) as usize;
        } else {
            pc += 1;
        }
    }
    bitmap.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious byte-by-byte analysis, to check the fast one against.
    fn reference(code: &[u8]) -> Vec<bool> {
        let mut out = vec![false; code.len()];
        let mut pc = 0;
        while pc < code.len() {
            let op = code[pc];
            if op == JUMPDEST {
                out[pc] = true;
            }
            pc += if (PUSH1..=PUSH32).contains(&op) { 2 + (op - PUSH1) as usize } else { 1 };
        }
        out
    }

    #[test]
    fn jumpdest_in_push_data_is_not_a_target() {
        // PUSH2 0x5b5b JUMPDEST
        let code = Bytecode::new(&[0x61, 0x5b, 0x5b, 0x5b]);
        assert!(!code.is_jumpdest(1));
        assert!(!code.is_jumpdest(2));
        assert!(code.is_jumpdest(3));
        assert!(!code.is_jumpdest(4));
        assert!(!code.is_jumpdest(usize::MAX));
    }

    #[test]
    fn truncated_push_swallows_the_rest() {
        let code = Bytecode::new(&[0x5b, 0x7f, 0x5b, 0x5b]);
        assert!(code.is_jumpdest(0));
        assert!(!code.is_jumpdest(2));
        assert!(!code.is_jumpdest(3));
        assert_eq!(code.padded().len(), 4 + PADDING);
        assert!(code.padded()[4..].iter().all(|&b| b == 0));
    }

    #[test]
    fn zero_runs_are_skipped_but_not_what_follows() {
        let mut raw = vec![0u8; 70];
        raw.push(JUMPDEST);
        let code = Bytecode::new(&raw);
        assert!(code.is_jumpdest(70));
        assert!((0..70).all(|pc| !code.is_jumpdest(pc)));
    }

    proptest! {
        #[test]
        fn matches_reference(code in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(JUMPDEST), Just(PUSH1), Just(PUSH32), any::<u8>()], 0..300)) {
            let analysed = Bytecode::new(&code);
            let expected = reference(&code);
            for (pc, &is_dest) in expected.iter().enumerate() {
                prop_assert_eq!(analysed.is_jumpdest(pc), is_dest, "pc {}", pc);
            }
            prop_assert!(!analysed.is_jumpdest(code.len()));
        }
    }
}

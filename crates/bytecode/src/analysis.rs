//! Padding and JUMPDEST analysis.

use kestrel_primitives::{B256, keccak256};

use crate::opcode::{JUMPDEST, PUSH1, PUSH32, info};

/// Zero bytes appended to every code: a PUSH32 as the last byte reads 32 bytes of immediate
/// inside the buffer, and the byte after that is a STOP.
pub const PADDING: usize = 33;

/// Analysed contract code: padded bytes, the JUMPDEST bitmap, the static gas of every basic
/// block and the code hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytecode {
    padded: Box<[u8]>,
    len: usize,
    jumpdests: Box<[u64]>,
    block_gas: Box<[u16]>,
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
        let block_gas = analyze_blocks(code);
        Self { padded: padded.into_boxed_slice(), len: code.len(), jumpdests, block_gas, hash }
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

impl Bytecode {
    /// The static gas of the basic block starting at `pc` (a JUMPDEST, the byte after a JUMPI,
    /// or 0), at least as the cheapest fork prices it, saturated at `u16::MAX`; 0 elsewhere.
    /// `pc` may be the code length (a fall-through off the end).
    #[inline]
    pub fn block_gas(&self, pc: usize) -> u16 {
        self.block_gas.get(pc).copied().unwrap_or(0)
    }

    /// The block gas table: `code length + 1` entries, indexed by pc.
    #[inline]
    pub fn block_gas_table(&self) -> &[u16] {
        &self.block_gas
    }
}

/// The static gas of each basic block, at the pc where it starts (`code.len() + 1` entries).
///
/// A block starts at pc 0, at every JUMPDEST and after every opcode that ends one (jumps and
/// halts); it ends before the next JUMPDEST or after an opcode that ends it. Each opcode counts
/// its least static gas over the forks that define it, so the sum is a lower bound of what any
/// fork charges for running the block through: a frame with less gas than that cannot finish the
/// block and must halt inside it. Bytes no fork defines end a block (they halt).
fn analyze_blocks(code: &[u8]) -> Box<[u16]> {
    let mut gas = vec![0u16; code.len() + 1];
    let mut start = 0;
    let mut total: u32 = 0;
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == JUMPDEST && pc != start {
            gas[start] = total.min(u16::MAX as u32) as u16;
            (start, total) = (pc, 0);
        }
        let (cost, immediate, ends) = match info(op) {
            Some(i) => (i.min_gas, i.immediate as usize, i.ends_block),
            None => (0, 0, true),
        };
        total += cost as u32;
        pc += 1 + immediate;
        if ends {
            gas[start] = total.min(u16::MAX as u32) as u16;
            (start, total) = (pc.min(code.len()), 0);
        }
    }
    gas[start] = total.min(u16::MAX as u32) as u16;
    gas.into_boxed_slice()
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

    #[test]
    fn block_gas_counts_each_block_from_its_start() {
        use crate::opcode::{ADD, JUMP, JUMPI, MULMOD, STOP};
        // 0: PUSH1 1, PUSH1 2, ADD (9) | 5: JUMPDEST, PUSH1 0, JUMPI (1+3+10) | 9: MULMOD, STOP (8)
        // | 11: JUMPDEST, PUSH1 0, JUMP (1+3+8) | 15: ADD (a block after JUMP: 3)
        let code =
            [PUSH1, 1, PUSH1, 2, ADD, JUMPDEST, PUSH1, 0, JUMPI, MULMOD, STOP, JUMPDEST, PUSH1, 0, JUMP, ADD];
        let analysed = Bytecode::new(&code);
        assert_eq!(analysed.block_gas(0), 9);
        assert_eq!(analysed.block_gas(5), 14);
        assert_eq!(analysed.block_gas(9), 8);
        assert_eq!(analysed.block_gas(11), 12);
        assert_eq!(analysed.block_gas(15), 3);
        assert_eq!(analysed.block_gas(code.len()), 0);
        assert_eq!(analysed.block_gas_table().len(), code.len() + 1);
        // Inside a block, and past the end: nothing.
        assert_eq!(analysed.block_gas(2), 0);
        assert_eq!(analysed.block_gas(usize::MAX), 0);
    }

    #[test]
    fn block_gas_uses_the_cheapest_fork_and_saturates() {
        // SLOAD costs 50 in Frontier, more later (and 100 warm from Berlin): the bound is 50.
        let code = [PUSH1, 0, crate::opcode::SLOAD];
        assert_eq!(Bytecode::new(&code).block_gas(0), 53);
        // 10,000 MULMODs are 80,000 gas: saturated, still a lower bound.
        let long = vec![crate::opcode::MULMOD; 10_000];
        assert_eq!(Bytecode::new(&long).block_gas(0), u16::MAX);
        // A byte no fork defines ends its block.
        assert_eq!(Bytecode::new(&[PUSH1, 0, 0x0c, PUSH1, 0]).block_gas(3), 3);
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

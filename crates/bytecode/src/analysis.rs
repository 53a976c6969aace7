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
    /// The static gas of the straight-line run starting at the opcode at `pc` up to the next
    /// opcode that jumps or halts, at least as the cheapest fork prices it, saturated at
    /// `u16::MAX`; 0 between opcodes and past the end. `pc` may be the code length (a
    /// fall-through off the end).
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

/// For every opcode, the static gas of the straight-line run from it to the next opcode that
/// jumps or halts (inclusive); `code.len() + 1` entries, 0 between opcodes and at the end.
///
/// Control only arrives at pc 0, at a jump's target and after a JUMPI that falls through;
/// from there execution is straight-line (a JUMPDEST on the way changes nothing) until an
/// opcode that jumps or halts. Each opcode counts its least static gas over the forks that
/// define it, so the sum is a lower bound of what any fork charges for that run: a frame with
/// less gas cannot finish it and must halt inside it. Bytes no fork defines end a run (they
/// halt). Saturated at `u16::MAX`, which keeps it a lower bound.
fn analyze_blocks(code: &[u8]) -> Box<[u16]> {
    let mut ops: Vec<(usize, u16, bool)> = Vec::with_capacity(code.len());
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        let (cost, immediate, ends) = match info(op) {
            Some(i) => (i.min_gas, i.immediate as usize, i.ends_block),
            None => (0, 0, true),
        };
        ops.push((pc, cost, ends));
        pc += 1 + immediate;
    }
    let mut gas = vec![0u16; code.len() + 1];
    let mut rest: u32 = 0;
    for &(pc, cost, ends) in ops.iter().rev() {
        rest = cost as u32 + if ends { 0 } else { rest };
        rest = rest.min(u16::MAX as u32);
        gas[pc] = rest as u16;
    }
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
    fn block_gas_counts_the_run_up_to_the_next_jump_or_halt() {
        use crate::opcode::{ADD, JUMP, JUMPI, MULMOD, STOP};
        // 0: PUSH1 1, PUSH1 2, ADD | 5: JUMPDEST, PUSH1 0, JUMPI | 9: MULMOD, STOP
        // | 11: JUMPDEST, PUSH1 0, JUMP | 15: ADD
        let code =
            [PUSH1, 1, PUSH1, 2, ADD, JUMPDEST, PUSH1, 0, JUMPI, MULMOD, STOP, JUMPDEST, PUSH1, 0, JUMP, ADD];
        let analysed = Bytecode::new(&code);
        // A JUMPDEST reached by falling through does not end the run: pc 0 pays through JUMPI.
        assert_eq!(analysed.block_gas(0), 9 + 14);
        assert_eq!(analysed.block_gas(5), 14);
        assert_eq!(analysed.block_gas(9), 8);
        assert_eq!(analysed.block_gas(11), 12);
        assert_eq!(analysed.block_gas(15), 3);
        // Every opcode has its rest of the run; immediates and the end have nothing.
        assert_eq!(analysed.block_gas(2), 3 + 3 + 14);
        assert_eq!(analysed.block_gas(3), 0);
        assert_eq!(analysed.block_gas(code.len()), 0);
        assert_eq!(analysed.block_gas(usize::MAX), 0);
        assert_eq!(analysed.block_gas_table().len(), code.len() + 1);
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

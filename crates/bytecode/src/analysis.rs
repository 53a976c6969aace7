//! Padding and JUMPDEST analysis.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use kestrel_primitives::gas::frontier::STACK_LIMIT;
use kestrel_primitives::{B256, keccak256};

use crate::opcode::{IMMEDIATE_SIZE, JUMPDEST, PUSH1, info};
use crate::program::{Program, STEPS};

/// Zero bytes appended to every code: a PUSH32 as the last byte reads 32 bytes of immediate
/// inside the buffer, and the byte after that is a STOP.
pub const PADDING: usize = 33;

/// What must hold where control arrives at a straight-line run, for the run to finish without
/// an out-of-gas or stack halt: the run's static gas and its stack bounds.
///
/// A run goes from an opcode to the next opcode that jumps or halts (inclusive). Checking these
/// three figures on arrival lets the fast interpreter skip every per-opcode stack check and
/// bound its work by the gas left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct RunEntry {
    /// Static gas of the run at the cheapest fork's prices, saturated at `u16::MAX` (a lower
    /// bound: a frame with less gas must halt inside the run).
    pub gas: u16,
    /// Stack items the run needs on arrival (no opcode of it underflows with this many).
    pub stack_required: u16,
    /// The most items the run adds on top of its arrival height, at any point.
    pub stack_growth: u16,
    /// How many arrival heights from `stack_required` up pass both stack bounds:
    /// `1025 - stack_growth - stack_required`, or 0 when none does. A height `h` is fine exactly
    /// when `h - stack_required`, wrapping, is below this, so the dispatch checks both bounds
    /// with one unsigned compare.
    pub stack_room: u16,
}

impl RunEntry {
    /// The entry of a run with these figures (`stack_room` derived).
    pub const fn new(gas: u16, stack_required: u16, stack_growth: u16) -> Self {
        let room = (STACK_LIMIT + 1).saturating_sub(stack_growth as usize + stack_required as usize);
        Self { gas, stack_required, stack_growth, stack_room: room as u16 }
    }
}

/// The empty run (between opcodes, past the end): costs nothing and fits any stack.
impl Default for RunEntry {
    fn default() -> Self {
        Self::new(0, 0, 0)
    }
}

/// Analysed contract code: padded bytes, the JUMPDEST bitmap, the run entry of every opcode and
/// the code hash; once translated, its [`Program`] too.
///
/// The buffers are `Vec`s so that [`reanalyze`](Self::reanalyze) can reuse them: a host
/// recycling one `Bytecode` for the init code of successive creations allocates only when the
/// code is longer than any it analysed before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytecode {
    padded: Vec<u8>,
    len: usize,
    jumpdests: Vec<u64>,
    runs: Vec<RunEntry>,
    hash: B256,
    shape: Shape,
    program: ProgramSlot,
}

/// Counts the analysis' walk finds on the way, so translation sizes its vectors without a walk
/// of its own: upper bounds of the instructions, constants and arrival points a
/// [`Program`] of this code can have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Opcodes (a run of eight STOPs skipped at once counts one: after the first, the rest is
    /// dead code without a JUMPDEST).
    pub ops: usize,
    /// PUSHn and PC opcodes.
    pub constants: usize,
    /// JUMPDEST, JUMPI and opcodes a frame resumes after.
    pub arrivals: usize,
}

/// The program translated from a [`Bytecode`], attached to it once ready.
///
/// Analysed code is shared by hash ([`crate::AnalysisCache`]), so a frame finds the program of
/// code it has run before without a lookup in the
/// [`ProgramCache`](crate::program::ProgramCache), and borrows it from the code it holds
/// anyway: no reference count moves per frame (with a weak reference here, upgrading and
/// dropping it was most of a zero-gas call's cost). The program lives as long as the analysis,
/// so the [`AnalysisCache`](crate::AnalysisCache)'s budget bounds both. A cache, not part of
/// the code's identity: two `Bytecode`s of the same code are equal whether or not either has
/// its program.
#[derive(Clone, Debug, Default)]
struct ProgramSlot(OnceLock<Arc<Program>>);

impl PartialEq for ProgramSlot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ProgramSlot {}

/// Code with its keccak256 hash, computed here: the only way to give a [`Bytecode`] its
/// identity.
///
/// A code hash names code in every cache of the process ([`crate::AnalysisCache`],
/// [`ProgramCache`](crate::program::ProgramCache)) and a translated [`Program`] is attached to
/// analysed code by hash, so a hash the caller only claims (a database's, say) must never become
/// one: a program of other code would run on this code's bytes. A caller that needs the hash
/// anyway (CREATE2's address) computes it once, here, and passes the pair on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashedCode<'a> {
    code: &'a [u8],
    hash: B256,
}

impl<'a> HashedCode<'a> {
    /// `code` and its keccak256 hash.
    pub fn new(code: &'a [u8]) -> Self {
        Self { code, hash: keccak256(code) }
    }

    /// The code.
    #[inline]
    pub fn code(&self) -> &'a [u8] {
        self.code
    }

    /// keccak256 of the code.
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }
}

impl Bytecode {
    /// Analyses `code`, hashing it.
    pub fn new(code: &[u8]) -> Self {
        Self::from_hashed(HashedCode::new(code))
    }

    /// Analyses code already hashed (see [`HashedCode`]).
    pub fn from_hashed(code: HashedCode<'_>) -> Self {
        let mut analysed = Self {
            padded: Vec::new(),
            len: 0,
            jumpdests: Vec::new(),
            runs: Vec::new(),
            hash: B256::ZERO,
            shape: Shape::default(),
            program: ProgramSlot::default(),
        };
        analysed.reanalyze(code);
        analysed
    }

    /// Replaces this analysis with that of `code`, reusing the buffers: allocates only when the
    /// code is longer than every code this value held before. The result equals
    /// `Bytecode::from_hashed(code)`: a program attached to the old code is dropped.
    pub fn reanalyze(&mut self, code: HashedCode<'_>) {
        let HashedCode { code, hash } = code;
        self.padded.clear();
        self.padded.reserve_exact(code.len() + PADDING);
        self.padded.extend_from_slice(code);
        self.padded.resize(code.len() + PADDING, 0);
        self.len = code.len();
        self.shape = with_starts(|starts| {
            let shape = walk(code, &mut self.jumpdests, starts);
            analyze_runs(code, starts, &mut self.runs);
            shape
        });
        self.hash = hash;
        // The old code's program must not run the new code (`program()` is trusted). Dropping
        // it is sound: `&mut self` means no frame holds this analysis, and so none borrows the
        // program through it (the compiled runner relies on that).
        self.program.0.take();
    }

    /// What the analysis counted (see [`Shape`]).
    #[inline]
    pub(crate) fn shape(&self) -> Shape {
        self.shape
    }

    /// The program translated from this code, once one was attached.
    #[inline]
    pub fn program(&self) -> Option<&Arc<Program>> {
        self.program.0.get()
    }

    /// Attaches `program` when it was translated from this code (same hash and length) and
    /// none was attached yet; returns whether it is now the attached one.
    pub fn attach_program(&self, program: &Arc<Program>) -> bool {
        if program.hash() != self.hash || program.code_len() != self.len {
            return false;
        }
        Arc::ptr_eq(self.program.0.get_or_init(|| program.clone()), program)
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
    /// The run starting at the opcode at `pc` (see [`RunEntry`]); all zero between opcodes and
    /// past the end. `pc` may be the code length (a fall-through off the end: an empty run).
    #[inline]
    pub fn run_entry(&self, pc: usize) -> RunEntry {
        self.runs.get(pc).copied().unwrap_or_default()
    }

    /// The run entries: `code length + 1` of them, indexed by pc.
    #[inline]
    pub fn run_table(&self) -> &[RunEntry] {
        &self.runs
    }
}

/// True when the table's only opcodes with immediates are PUSH1..PUSH32 (checked at compile
/// time): then the walk computes an immediate's size instead of loading it.
const PUSH_ONLY_IMMEDIATES: bool = {
    let mut op = 0;
    let mut only = true;
    while op < 256 {
        only &= push_size(op as u8) == IMMEDIATE_SIZE[op] as usize;
        op += 1;
    }
    only
};

/// PUSHn's `n`, 0 for every other byte: computed, no load.
#[inline(always)]
const fn push_size(op: u8) -> usize {
    if op.wrapping_sub(PUSH1) < 32 { (op - PUSH1) as usize + 1 } else { 0 }
}

/// Bytes of immediate data after `op`: the opcode table's [`IMMEDIATE_SIZE`], computed rather
/// than loaded while only PUSHes have immediates (the walk's critical path).
#[inline(always)]
const fn immediate_size(op: u8) -> usize {
    if PUSH_ONLY_IMMEDIATES { push_size(op) } else { IMMEDIATE_SIZE[op as usize] as usize }
}

thread_local! {
    /// The opcode-start bitmap of the analyses on this thread, kept from one to the next: it is
    /// scratch (a bit per code byte, 1/48 of the run table), so a cached analysis does not keep
    /// it, and an analysis allocates it only for code longer than any this thread saw before.
    static STARTS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's opcode-start scratch (a fresh `Vec` should it be unavailable,
/// as while the thread's locals are torn down).
fn with_starts<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    let taken = STARTS.try_with(|cell| cell.try_borrow_mut().map(|mut s| core::mem::take(&mut *s)).ok());
    let mut starts = taken.ok().flatten().unwrap_or_default();
    let result = f(&mut starts);
    let _ = STARTS.try_with(|cell| {
        if let Ok(mut s) = cell.try_borrow_mut() {
            *s = starts;
        }
    });
    result
}

/// Walks the opcodes once, skipping immediates (a PUSH truncated by the end of the code
/// swallows the rest), and fills `jumpdests` (a bit per byte, set at JUMPDEST opcodes, not in
/// PUSH data) and `starts` (a bit per byte, set where an opcode starts, for the backward pass
/// of [`analyze_runs`]; in a run of zero bytes skipped at once, only at its first STOP); both
/// keep their capacity. Runs of zero bytes (STOP, common in padding-heavy data sections) are
/// skipped eight at a time. The next pc is computed arithmetically, not from a table: it is the
/// walk's critical path.
fn walk(code: &[u8], jumpdests: &mut Vec<u64>, starts: &mut Vec<u64>) -> Shape {
    let words = code.len().div_ceil(64);
    jumpdests.clear();
    jumpdests.resize(words, 0);
    starts.clear();
    starts.resize(words, 0);
    let mut shape = Shape::default();
    let mut pc = 0;
    while pc < code.len() {
        starts[pc / 64] |= 1u64 << (pc % 64);
        shape.ops += 1;
        if pc + 8 <= code.len() && code[pc..pc + 8] == [0u8; 8] {
            pc += 8;
            continue;
        }
        let op = code[pc];
        if op == JUMPDEST {
            jumpdests[pc / 64] |= 1u64 << (pc % 64);
        }
        let step = &STEPS[op as usize];
        shape.constants += step.constant as usize;
        shape.arrivals += step.arrival as usize;
        pc += 1 + immediate_size(op);
    }
    shape
}

/// Fills `runs` with, for every opcode, the [`RunEntry`] of the straight-line run from it to the
/// next opcode that jumps or halts (inclusive); `code.len() + 1` entries, zero between opcodes
/// and at the end. `runs` keeps its capacity: nothing is allocated when it is large enough.
///
/// Control only arrives at pc 0, at a jump's target, after a JUMPI that falls through and where
/// a frame resumes after a call; from there execution is straight-line (a JUMPDEST on the way
/// changes nothing) until an opcode that jumps or halts. Each opcode counts its least static
/// gas over the forks that define it, so the gas is a lower bound of what any fork charges for
/// the run; stack effects do not depend on the fork. Bytes no fork defines end a run (they
/// halt). Computed backwards over the opcode starts of [`walk`]: a run's needs are its first
/// opcode's, combined with the rest's. A STOP's entry is all zero, so the STOPs after the first
/// of a skipped zero run need no visit.
fn analyze_runs(code: &[u8], starts: &[u64], runs: &mut Vec<RunEntry>) {
    runs.clear();
    runs.resize(code.len() + 1, RunEntry::default());
    let (mut gas, mut required, mut growth) = (0u32, 0i32, 0i32);
    let saturate = |v: i64| v.clamp(0, u16::MAX as i64) as u16;
    for (word, &bits) in starts.iter().enumerate().rev() {
        let mut bits = bits;
        while bits != 0 {
            let bit = 63 - bits.leading_zeros() as usize;
            bits &= !(1u64 << bit);
            let pc = word * 64 + bit;
            let (cost, inputs, outputs, ends) = match info(code[pc]) {
                Some(i) => (i.min_gas, i.inputs as i32, i.outputs as i32, i.ends_block),
                None => (0, 0, 0, true),
            };
            let net = outputs - inputs;
            if ends {
                (gas, required, growth) = (0, 0, 0);
            }
            gas = (cost as u32 + gas).min(u16::MAX as u32);
            // This opcode needs `inputs`; the rest needs `required` on top of what it leaves.
            required = inputs.max(required - net);
            growth = net.max(0).max(net + growth);
            // Saturating keeps both meaningful: a run that needs more than 1024 items, or grows
            // by more than 1024, fails its check whatever the stack holds, as it must.
            required = required.min(u16::MAX as i32);
            growth = growth.min(u16::MAX as i32);
            runs[pc] = RunEntry::new(gas as u16, saturate(required as i64), saturate(growth as i64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::{PUSH1, PUSH32};
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
            // The PUSH sizes written out, other immediates (none outside test builds) from the table.
            pc += if (PUSH1..=PUSH32).contains(&op) {
                2 + (op - PUSH1) as usize
            } else {
                1 + IMMEDIATE_SIZE[op as usize] as usize
            };
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
    fn runs_count_gas_up_to_the_next_jump_or_halt() {
        use crate::opcode::{ADD, JUMP, JUMPI, MULMOD, STOP};
        // 0: PUSH1 1, PUSH1 2, ADD | 5: JUMPDEST, PUSH1 0, JUMPI | 9: MULMOD, STOP
        // | 11: JUMPDEST, PUSH1 0, JUMP | 15: ADD
        let code =
            [PUSH1, 1, PUSH1, 2, ADD, JUMPDEST, PUSH1, 0, JUMPI, MULMOD, STOP, JUMPDEST, PUSH1, 0, JUMP, ADD];
        let analysed = Bytecode::new(&code);
        let gas = |pc| analysed.run_entry(pc).gas;
        // A JUMPDEST reached by falling through does not end the run: pc 0 pays through JUMPI.
        assert_eq!(gas(0), 9 + 14);
        assert_eq!(gas(5), 14);
        assert_eq!(gas(9), 8);
        assert_eq!(gas(11), 12);
        assert_eq!(gas(15), 3);
        // Every opcode has its rest of the run; immediates and the end have nothing.
        assert_eq!(gas(2), 3 + 3 + 14);
        assert_eq!(analysed.run_entry(3), RunEntry::default());
        assert_eq!(analysed.run_entry(code.len()), RunEntry::default());
        assert_eq!(analysed.run_entry(usize::MAX), RunEntry::default());
        assert_eq!(analysed.run_table().len(), code.len() + 1);
    }

    #[test]
    fn runs_know_their_stack_bounds() {
        use crate::opcode::{ADD, DUP1, POP, STOP};
        let stack = |code: &[u8], pc| {
            let e = Bytecode::new(code).run_entry(pc);
            (e.stack_required, e.stack_growth)
        };
        // PUSH1, PUSH1, ADD: needs nothing, peaks 2 above arrival.
        assert_eq!(stack(&[PUSH1, 1, PUSH1, 2, ADD], 0), (0, 2));
        // ADD first needs 2; then PUSH1 PUSH1 ADD peaks at arrival - 1 + 2.
        assert_eq!(stack(&[ADD, PUSH1, 1, PUSH1, 2, ADD], 0), (2, 1));
        // POP POP POP, then DUP1: needs 4 (DUP1 reads what the POPs left).
        assert_eq!(stack(&[POP, POP, POP, DUP1], 0), (4, 0));
        // A halt ends the run: what follows does not count.
        assert_eq!(stack(&[PUSH1, 1, STOP, POP, POP], 0), (0, 1));
        assert_eq!(stack(&[PUSH1, 1, STOP, POP, POP], 3), (2, 0));
    }

    #[test]
    fn stack_room_is_both_bounds_in_one_compare() {
        for (required, growth) in
            [(0, 0), (2, 1), (0, 1024), (1024, 0), (3, 1022), (500, 600), (20_001, 0), (0, u16::MAX)]
        {
            let e = RunEntry::new(0, required, growth);
            for height in 0..=1100usize {
                let fits = height >= required as usize && height + growth as usize <= 1024;
                let one_compare = height.wrapping_sub(e.stack_required as usize) < e.stack_room as usize;
                assert_eq!(one_compare, fits, "required {required}, growth {growth}, height {height}");
            }
        }
        assert_eq!(RunEntry::default().stack_room, 1025);
    }

    #[test]
    fn run_gas_uses_the_cheapest_fork_and_saturates() {
        // SLOAD costs 50 in Frontier, more later (and 100 warm from Berlin): the bound is 50.
        let code = [PUSH1, 0, crate::opcode::SLOAD];
        assert_eq!(Bytecode::new(&code).run_entry(0).gas, 53);
        // 10,000 MULMODs are 80,000 gas: saturated, still a lower bound.
        let long = vec![crate::opcode::MULMOD; 10_000];
        let entry = Bytecode::new(&long).run_entry(0);
        assert_eq!((entry.gas, entry.stack_required), (u16::MAX, 20_001));
        // A byte no fork defines ends its run.
        assert_eq!(Bytecode::new(&[PUSH1, 0, 0x0c, PUSH1, 0]).run_entry(3).gas, 3);
    }

    /// The run table the straightforward way: every opcode forwards, then backwards.
    fn reference_runs(code: &[u8]) -> Vec<RunEntry> {
        let mut ops = Vec::new();
        let mut pc = 0;
        while pc < code.len() {
            ops.push(pc);
            pc += 1 + IMMEDIATE_SIZE[code[pc] as usize] as usize;
        }
        let mut runs = vec![RunEntry::default(); code.len() + 1];
        let (mut gas, mut required, mut growth) = (0i64, 0i64, 0i64);
        for &pc in ops.iter().rev() {
            let (cost, inputs, outputs, ends) = match info(code[pc]) {
                Some(i) => (i.min_gas as i64, i.inputs as i64, i.outputs as i64, i.ends_block),
                None => (0, 0, 0, true),
            };
            if ends {
                (gas, required, growth) = (0, 0, 0);
            }
            let net = outputs - inputs;
            gas = (gas + cost).min(u16::MAX as i64);
            required = inputs.max(required - net).min(u16::MAX as i64);
            growth = net.max(0).max(net + growth).min(u16::MAX as i64);
            runs[pc] = RunEntry::new(
                gas as u16,
                required.clamp(0, u16::MAX as i64) as u16,
                growth.clamp(0, u16::MAX as i64) as u16,
            );
        }
        runs
    }

    /// A program attached to the old code must not stay attached to the new.
    #[test]
    fn reanalysis_drops_the_old_program() {
        let mut code = Bytecode::new(&[PUSH1, 1, 0x00]);
        let program = Arc::new(crate::program::Program::translate(&code).expect("short code"));
        assert!(code.attach_program(&program));
        let other = [PUSH1, 2, 0x00];
        code.reanalyze(HashedCode::new(&other));
        assert!(code.program().is_none());
        assert!(!code.attach_program(&program));
    }

    proptest! {
        /// A recycled analysis is the fresh analysis of its new code, whether that is longer or
        /// shorter than the old one.
        #[test]
        fn reanalysis_equals_a_fresh_analysis(
            first in proptest::collection::vec(
                prop_oneof![Just(0u8), Just(JUMPDEST), Just(PUSH1), Just(PUSH32), any::<u8>()], 0..300),
            second in proptest::collection::vec(
                prop_oneof![Just(0u8), Just(JUMPDEST), Just(PUSH1), Just(PUSH32), any::<u8>()], 0..300),
        ) {
            let mut recycled = Bytecode::new(&first);
            recycled.reanalyze(HashedCode::new(&second));
            let fresh = Bytecode::new(&second);
            prop_assert_eq!(&recycled, &fresh);
            prop_assert_eq!(recycled.shape(), fresh.shape());
            prop_assert_eq!(recycled.padded().len(), second.len() + PADDING);
        }

        #[test]
        fn runs_match_reference(code in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(0u8), Just(JUMPDEST), Just(PUSH1), Just(PUSH32), Just(0x56u8),
                        Just(0x01u8), Just(0x80u8), any::<u8>()], 0..400)) {
            let analysed = Bytecode::new(&code);
            prop_assert_eq!(analysed.run_table(), &reference_runs(&code)[..]);
            // Zero runs long enough to be skipped eight at a time, anywhere (PUSH data too).
            let stretched: Vec<u8> =
                code.iter().flat_map(|&b| if b == 0 { vec![0; 11] } else { vec![b] }).collect();
            let long = Bytecode::new(&stretched);
            prop_assert_eq!(long.run_table(), &reference_runs(&stretched)[..]);
            let ops = {
                let (mut n, mut pc) = (0, 0);
                while pc < code.len() {
                    n += 1;
                    pc += 1 + IMMEDIATE_SIZE[code[pc] as usize] as usize;
                }
                n
            };
            prop_assert!(analysed.shape().ops <= ops);
        }

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

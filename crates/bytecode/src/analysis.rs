//! Padding and JUMPDEST analysis.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use kestrel_primitives::{B256, keccak256};

use crate::jumpdests;
use crate::opcode::{IMMEDIATE_SIZE, PUSH1};
use crate::program::{Program, STEPS};
use crate::runs::{RUN_CHUNK, RunChunk, RunEntry, RunSlot, RunTable, run_from};

/// Zero bytes appended to every code: a PUSH32 as the last byte reads 32 bytes of immediate
/// inside the buffer, and the byte after that is a STOP.
pub const PADDING: usize = 33;

/// Analysed contract code: padded bytes, the JUMPDEST bitmap, the run entries (computed where
/// control arrives, on first arrival) and the code hash; once translated, its [`Program`] too.
///
/// The JUMPDEST bitmap and the padded code share one buffer (one allocation fewer for each
/// code a block touches), a `Vec` so that [`reanalyze`](Self::reanalyze) can reuse it: a host
/// recycling one `Bytecode` for the init code of successive creations allocates only when the
/// code is longer than any it analysed before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytecode {
    /// The JUMPDEST bitmap's `words` words (bit `pc % 64` of word `pc / 64`), then the code and
    /// [`PADDING`] zero bytes in the following words (read through [`padded`](Self::padded)).
    buf: Vec<u64>,
    /// `len.div_ceil(64)`, kept rather than derived: `padded()` runs at every register reload
    /// (frame entry and after each host-shaped opcode), and deriving it there cost 4 % of the
    /// interpreter's instructions on fibonacci and snailtracer (session 10).
    words: usize,
    len: usize,
    runs: RunTable,
    hash: B256,
    keccak: KeccakSlot,
    program: ProgramSlot,
    seen: SeenFlag,
}

/// Counts of a walk over the code, so translation sizes its vectors once: upper bounds of the
/// instructions, constants and arrival points a [`Program`] of this code can have. Counted when
/// a translation asks ([`Bytecode::shape`]), not by every analysis: most code is never
/// translated, and the counting doubled the analysis' walk.
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

/// Whether this analysis was seen by Auto mode's tiering ([`Bytecode::first_sighting`]). A
/// cache of the code's history, not part of its identity.
#[derive(Debug, Default)]
struct SeenFlag(std::sync::atomic::AtomicBool);

impl Clone for SeenFlag {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for SeenFlag {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SeenFlag {}

/// keccak256 of a [`Bytecode`]'s code, computed on first use ([`Bytecode::code_hash`]). A cache,
/// not part of the code's identity (it is a function of the code).
#[derive(Clone, Debug, Default)]
struct KeccakSlot(OnceLock<B256>);

impl PartialEq for KeccakSlot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for KeccakSlot {}

/// Code with its keccak256 hash, computed here.
///
/// A translated [`Program`] is attached to analysed code only when their keccak256 hashes
/// agree, so that hash must be one Kestrel computed: a hash the caller only claims (a
/// database's, say) could name other code, whose program would run on this code's bytes. A
/// caller that needs the hash anyway (CREATE2's address) computes it once, here, and passes the
/// pair on; code analysed without it ([`crate::AnalysisCache`]) hashes itself only when a
/// program is about to be attached ([`Bytecode::code_hash`]).
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
        let mut analysed = Self::named(code.code, code.hash);
        analysed.keccak = KeccakSlot(OnceLock::from(code.hash));
        analysed
    }

    /// Analyses `code` known by `name` (a database's code hash, unchecked: [`hash`](Self::hash)
    /// returns it, and the keccak256 is computed only if a program is to be attached). The
    /// analysis cache names code so, checking bytes instead of hashes on a hit: hashing is a
    /// third of a cold 24 KiB contract's analysis.
    pub(crate) fn named(code: &[u8], name: B256) -> Self {
        let mut analysed = Self {
            buf: Vec::new(),
            words: 0,
            len: 0,
            runs: RunTable::default(),
            hash: B256::ZERO,
            keccak: KeccakSlot::default(),
            program: ProgramSlot::default(),
            seen: SeenFlag::default(),
        };
        analysed.analyze(code);
        analysed.hash = name;
        analysed
    }

    /// Replaces this analysis with that of `code`, reusing the code and JUMPDEST buffers (they
    /// grow only for code longer than any this value held before; the run table is new). The result equals
    /// `Bytecode::from_hashed(code)`: a program attached to the old code is dropped.
    pub fn reanalyze(&mut self, code: HashedCode<'_>) {
        self.analyze(code.code);
        self.hash = code.hash;
        self.keccak = KeccakSlot(OnceLock::from(code.hash));
    }

    /// The analysis of `code`, its hashes left for the caller to set.
    #[allow(unsafe_code)]
    fn analyze(&mut self, code: &[u8]) {
        let words = code.len().div_ceil(64);
        let code_words = (code.len() + PADDING).div_ceil(8);
        self.buf.clear();
        self.buf.resize(words + code_words, 0);
        // SAFETY: `buf` now holds `code_words` zeroed words after the bitmap's, at least
        // `code.len()` bytes; `u8` has alignment 1 and writing bytes into initialised `u64`s
        // leaves valid `u64`s; the slice is the only borrow of `buf` while it lives.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().add(words).cast::<u8>(), code.len())
        };
        bytes.copy_from_slice(code);
        self.words = words;
        self.len = code.len();
        jumpdests::scan(code, &mut self.buf[..words]);
        // Always a fresh table: zeroing the old one in place would touch every page of it.
        self.runs = RunTable::zeroed(code.len() + 1);
        self.keccak = KeccakSlot::default();
        self.seen = SeenFlag::default();
        // The old code's program must not run the new code (`program()` is trusted). Dropping
        // it is sound: `&mut self` means no frame holds this analysis, and so none borrows the
        // program through it (the compiled runner relies on that).
        self.program.0.take();
    }

    /// The counts of the code's opcodes (see [`Shape`]), walking it.
    pub(crate) fn shape(&self) -> Shape {
        let code = self.original();
        let mut shape = Shape::default();
        let mut pc = 0;
        while pc < code.len() {
            shape.ops += 1;
            let op = code[pc];
            if op == 0 && code.get(pc..pc + 8) == Some(&[0u8; 8]) {
                pc += 8;
                continue;
            }
            let step = &STEPS[op as usize];
            shape.constants += step.constant as usize;
            shape.arrivals += step.arrival as usize;
            pc += 1 + immediate_size(op);
        }
        shape
    }

    /// True the first time it is asked of this analysis: Auto mode counts a code's first
    /// sighting here rather than in the program cache's map, so code run once (most code a
    /// block touches) never takes the map's write lock.
    #[inline]
    pub fn first_sighting(&self) -> bool {
        !self.seen.0.load(Ordering::Relaxed) && !self.seen.0.swap(true, Ordering::Relaxed)
    }

    /// The program translated from this code, once one was attached.
    #[inline]
    pub fn program(&self) -> Option<&Arc<Program>> {
        self.program.0.get()
    }

    /// Attaches `program` when it was translated from this code (same keccak256 and length)
    /// and none was attached yet; returns whether it is now the attached one. Hashes the code
    /// if nothing did yet ([`code_hash`](Self::code_hash)).
    pub fn attach_program(&self, program: &Arc<Program>) -> bool {
        if program.code_len() != self.len || program.hash() != self.code_hash() {
            return false;
        }
        Arc::ptr_eq(self.program.0.get_or_init(|| program.clone()), program)
    }

    /// The code as deployed, without padding.
    #[inline]
    pub fn original(&self) -> &[u8] {
        &self.padded()[..self.len]
    }

    /// The code followed by [`PADDING`] zero bytes.
    #[inline]
    #[allow(unsafe_code)]
    pub fn padded(&self) -> &[u8] {
        debug_assert!((self.buf.len() - self.words) * 8 >= self.len + PADDING);
        // SAFETY: `analyze` left `(len + PADDING).div_ceil(8)` words after the bitmap's `words`,
        // so the `len + PADDING` bytes from word `words` lie inside `buf`, initialised; `u8` has
        // alignment 1 and any byte is a valid `u8`; the borrow of `self` keeps the buffer alive
        // and unchanged. (Unchecked: frames take this pointer on every entry.)
        unsafe {
            std::slice::from_raw_parts(self.buf.as_ptr().add(self.words).cast::<u8>(), self.len + PADDING)
        }
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

    /// The hash this code is known by in the caches: its keccak256 when it was analysed with
    /// it ([`Bytecode::new`], [`HashedCode`]), otherwise the hash a database gave for it (the
    /// [`AnalysisCache`](crate::AnalysisCache) compares bytes before it shares an analysis, and
    /// programs are attached by [`code_hash`](Self::code_hash) only).
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// keccak256 of the code, computed on first use when the code was analysed without it.
    pub fn code_hash(&self) -> B256 {
        *self.keccak.0.get_or_init(|| keccak256(self.original()))
    }

    /// True when `pc` holds a JUMPDEST opcode (not PUSH data) inside the code.
    #[inline]
    #[allow(unsafe_code)]
    pub fn is_jumpdest(&self, pc: usize) -> bool {
        if pc >= self.len {
            return false;
        }
        // SAFETY: `pc < len`, so `pc / 64 < len.div_ceil(64) == words <= buf.len()`. (Unchecked:
        // this is every JUMP's check, and a second bounds test cost 2-4 % of jump-heavy code.)
        let word = unsafe { *self.buf.get_unchecked(pc / 64) };
        word & (1u64 << (pc % 64)) != 0
    }
}

impl Bytecode {
    /// The run starting at `pc` (see [`RunEntry`]), computed and kept on first use: the code read
    /// from `pc` as if an opcode started there (between opcodes that is not the code's meaning;
    /// control never arrives there). `pc` may be the code length (a fall-through off the end:
    /// an empty run); past that, the empty run.
    #[inline]
    pub fn run_entry(&self, pc: usize) -> RunEntry {
        match self.runs.slot(pc) {
            Some(slot) => slot.get().unwrap_or_else(|| self.fill_run(pc)),
            None => RunEntry::default(),
        }
    }

    /// Computes and keeps the entry of the run at `pc` (at most the code length).
    #[cold]
    #[inline(never)]
    pub fn fill_run(&self, pc: usize) -> RunEntry {
        let run = run_from(self.padded(), pc);
        if pc < self.runs.len {
            self.runs.chunks[pc / RUN_CHUNK].writable_slot(pc).store(run);
        }
        run
    }

    /// The slot of `pc`'s run entry, if `pc` is at most the code length.
    #[inline]
    pub fn run_slot(&self, pc: usize) -> Option<&RunSlot> {
        self.runs.slot(pc)
    }

    /// The run table's chunk pointers, one per [`RUN_CHUNK`] pcs from 0: the fast interpreter
    /// reads the slot of a pc `<=` the code length as `chunks[pc / RUN_CHUNK].slot(pc)` where
    /// control arrives, and calls [`fill_run`](Self::fill_run) when it is empty.
    #[inline]
    pub fn run_chunks(&self) -> &[RunChunk] {
        &self.runs.chunks
    }
}

/// True when the table's only opcodes with immediates are PUSH1..PUSH32 (checked at compile
/// time): then the walk computes an immediate's size instead of loading it.
pub(crate) const PUSH_ONLY_IMMEDIATES: bool = {
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
pub(crate) const fn immediate_size(op: u8) -> usize {
    if PUSH_ONLY_IMMEDIATES { push_size(op) } else { IMMEDIATE_SIZE[op as usize] as usize }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::{JUMPDEST, PUSH1, PUSH32, info};
    use crate::runs::{Chunk, EMPTY_CHUNK, EMPTY_SLOT};
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
        // Every opcode has its rest of the run; the end has nothing.
        assert_eq!(gas(2), 3 + 3 + 14);
        assert_eq!(analysed.run_entry(code.len()), RunEntry::default());
        assert_eq!(analysed.run_entry(usize::MAX), RunEntry::default());
        assert!(analysed.run_slot(code.len()).is_some() && analysed.run_slot(code.len() + 1).is_none());
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

    /// The entries filled so far, one per slot.
    fn filled(code: &Bytecode) -> usize {
        (0..=code.len()).filter(|&pc| code.run_slot(pc).is_some_and(|slot| slot.get().is_some())).count()
    }

    #[test]
    fn entries_are_computed_where_control_arrives_and_kept() {
        use crate::opcode::{ADD, JUMP};
        let code = Bytecode::new(&[PUSH1, 4, JUMP, ADD, JUMPDEST, PUSH1, 1, 0x00]);
        assert_eq!(filled(&code), 0, "nothing computed before an arrival");
        let at_dest = code.run_entry(4);
        assert_eq!(filled(&code), 1);
        assert_eq!(code.run_slot(4).and_then(RunSlot::get), Some(at_dest));
        assert_eq!(code.run_entry(4), at_dest);
        assert_eq!(filled(&code), 1, "a second look reads the kept entry");
        // A clone and a reanalysis of equal code start empty and compute the same entries.
        let copy = code.clone();
        assert_eq!(filled(&copy), 0);
        assert_eq!(copy.run_entry(4), at_dest);
        assert_eq!(copy, code);
        let mut recycled = code.clone();
        recycled.reanalyze(HashedCode::new(code.original()));
        assert_eq!(filled(&recycled), 0);
        // No computed entry reads as an empty slot, and an empty slot fails every check.
        for e in [
            RunEntry::default(),
            at_dest,
            RunEntry::new(u16::MAX, u16::MAX, u16::MAX),
            RunEntry::new(0, 0, 1025),
        ] {
            assert_ne!(e, EMPTY_SLOT);
        }
        assert!((0..=1024usize).all(|h| h.wrapping_sub(EMPTY_SLOT.stack_required as usize) >= EMPTY_SLOT.stack_room as usize));
    }

    /// Chunks of a table are allocated where entries are computed, and nowhere else; clones
    /// and reanalyses get tables of their own.
    #[test]
    fn chunks_are_allocated_where_entries_are_computed() {
        let code: Vec<u8> =
            (0..20_000u32).map(|i| [PUSH1, 7, 0x01, JUMPDEST, 0x56][i as usize % 5]).collect();
        let analysed = Bytecode::new(&code);
        let empty = &EMPTY_CHUNK as *const Chunk as *mut Chunk;
        let allocated = |c: &Bytecode| {
            c.run_chunks().iter().filter(|chunk| chunk.0.load(Ordering::Relaxed) != empty).count()
        };
        assert_eq!(analysed.run_chunks().len(), (code.len() + 1).div_ceil(RUN_CHUNK));
        assert_eq!(allocated(&analysed), 0);
        let reference = reference_runs(&code);
        for pc in [3, 8, 10_003, 19_998] {
            assert_eq!(normalised(analysed.run_entry(pc)), normalised(reference[pc]), "pc {pc}");
        }
        assert_eq!(allocated(&analysed), 3, "pcs 3 and 8 share a chunk");
        let copy = analysed.clone();
        assert_eq!((filled(&copy), allocated(&copy)), (0, 0));
        assert_eq!(copy.run_entry(3), analysed.run_entry(3));
        drop(analysed);
        let mut recycled = copy.clone();
        recycled.reanalyze(HashedCode::new(&code[..50]));
        assert!(recycled.run_slot(50).is_some() && recycled.run_slot(51).is_none());
        assert_eq!(copy.run_entry(8), normalised(reference[8]));
        // Past the end nothing is allocated or kept.
        assert_eq!(copy.fill_run(code.len() + 5), RunEntry::default());
        assert_eq!(allocated(&copy), 1);
    }

    /// Threads racing to fill the same slots all read the one entry.
    #[test]
    fn racing_fills_agree() {
        let code: Vec<u8> = (0..600u32).map(|i| [PUSH1, 1, 0x01, JUMPDEST, 0x50][i as usize % 5]).collect();
        let analysed = Arc::new(Bytecode::new(&code));
        let expected = reference_runs(&code);
        std::thread::scope(|s| {
            for _ in 0..4 {
                let analysed = analysed.clone();
                let (expected, code) = (&expected, &code);
                s.spawn(move || {
                    for pc in (0..code.len()).filter(|pc| pc % 5 != 1) {
                        assert_eq!(analysed.run_entry(pc), normalised(expected[pc]), "pc {pc}");
                    }
                });
            }
        });
    }

    /// Entries as the checks read them: a run needing or adding more than the stack holds fails
    /// whatever the figure beyond that (the backward reference saturates step by step, the
    /// forward walk at the end, so they may name different impossible figures).
    fn normalised(e: RunEntry) -> RunEntry {
        RunEntry::new(e.gas, e.stack_required.min(1025), e.stack_growth.min(1025))
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
            // At every opcode start and at the end (where control can arrive), zero runs long
            // enough to be skipped eight at a time included (PUSH data too).
            let stretched: Vec<u8> =
                code.iter().flat_map(|&b| if b == 0 { vec![0; 11] } else { vec![b] }).collect();
            for code in [&code, &stretched] {
                let analysed = Bytecode::new(code);
                let reference = reference_runs(code);
                let mut pc = 0;
                while pc < code.len() {
                    prop_assert_eq!(normalised(analysed.run_entry(pc)), normalised(reference[pc]), "pc {}", pc);
                    pc += 1 + IMMEDIATE_SIZE[code[pc] as usize] as usize;
                }
                prop_assert_eq!(analysed.run_entry(code.len()), RunEntry::default());
            }
            let ops = {
                let (mut n, mut pc) = (0, 0);
                while pc < code.len() {
                    n += 1;
                    pc += 1 + IMMEDIATE_SIZE[code[pc] as usize] as usize;
                }
                n
            };
            prop_assert!(Bytecode::new(&code).shape().ops <= ops);
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

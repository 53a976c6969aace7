//! The compiled tier's program: legacy bytecode translated once (per code hash) into a stream of
//! instructions that the interpreter's compiled runner executes.
//!
//! What translation changes, and why each change is exact:
//!
//! - **Arrival entries.** Control arrives at pc 0, at a JUMPDEST (a jump's target), after a JUMPI
//!   (its fall-through) and after an opcode whose handler may suspend the frame (CALL, CREATE: a
//!   frame resumes there). Each arrival point gets an [`Entry`]: the run check the interpreter
//!   makes there (the analysis' [`RunEntry`]: least static gas of the straight-line run, the
//!   stack it needs and the most it grows), and the instruction it starts at.
//! - **Static gas once per segment.** A segment runs from an arrival point, or from just after a
//!   `flush` opcode, to the next `flush` opcode (inclusive). Every opcode whose static gas is the
//!   same in all forks that define it is charged with its segment, in one subtraction when the
//!   segment starts (at the entry, or after the preceding flush opcode's handler). Inside a
//!   segment only `accumulate` opcodes run, which never look at the gas; the segment's flush
//!   opcode checks the deficit exactly as the interpreter's accumulation does, and sees exactly
//!   the gas it would see in the interpreter (all charges up to it, none after). Opcodes whose
//!   gas differs between forks are all `flush` opcodes and charge themselves from the fork's
//!   table, as in the interpreter.
//! - **Fused pushes.** A run of PUSH1..PUSH32 (and PC, a push of a constant) becomes one
//!   instruction appending all the values; no arrival point lies inside a fused run.
//! - **Static jumps.** PUSHn + JUMP / JUMPI with no arrival point between them becomes a jump to
//!   the target's entry, resolved here; to a byte that is not a JUMPDEST, an instruction that
//!   halts with `InvalidJump` where the interpreter would (after the same gas check).
//! - **Dead code** (after a jump or halt, up to the next JUMPDEST) is not translated: no arrival
//!   point lies in it. JUMPDEST itself leaves no instruction (its gas is in its segment).
//!
//! The opcode facts the translator needs (whose gas is fixed, which opcodes flush, which may
//! suspend) and the numbering of the fused instructions are generated from the opcode table
//! into `generated/program.rs`.

use kestrel_primitives::{B256, U256};

mod cache;
mod translator;
mod validate;
pub use cache::{CacheStats, ExecutionMode, ProgramCache};
pub use translator::TranslatorPolicy;

use crate::opcode::{DUP1, DUP16, Decode, ISZERO, JUMP, JUMPDEST, JUMPI, PC, SWAP1, info};
use crate::{Bytecode, RunEntry};

mod generated {
    include!("../generated/program.rs");
}

/// The instruction kinds that are not opcodes, and the per-opcode facts translation uses.
pub mod kind {
    pub use super::generated::{
        DUP_ADD, DUP_AND, DUP_BYTE, DUP_EQ, DUP_GT, DUP_LT, DUP_MUL, DUP_OR, DUP_SGT, DUP_SHL, DUP_SHR,
        DUP_SLT, DUP_SUB, ISZERO_JUMPI, ISZERO_JUMPI_INVALID, JUMP_INVALID, JUMP_STATIC, JUMPI_INVALID,
        JUMPI_STATIC, PUSH_ADD, PUSH_AND, PUSH_BYTE, PUSH_EQ, PUSH_GT, PUSH_LT, PUSH_MUL, PUSH_OR, PUSH_RUN,
        PUSH_SGT, PUSH_SHL, PUSH_SHR, PUSH_SLT, PUSH_SMALL, PUSH_SUB, SWAP1_JUMP, UNDEFINED,
    };
}

use generated::{DUP_FUSION, FACTS, PUSH_FUSION, VARYING_GAS};

/// What the translator knows of one opcode byte beyond [`crate::opcode::OpInfo`].
#[derive(Clone, Copy, Debug)]
struct OpFacts {
    /// The static gas when it is the same in every fork that defines the opcode, else
    /// [`VARYING_GAS`] (the opcode charges itself from the fork's table).
    fixed_gas: u16,
    /// The accumulated gas is checked before the handler runs (the end of a segment).
    flush: bool,
    /// The handler may suspend the frame (a host-shaped opcode that does not end the frame):
    /// the next pc is where the frame resumes.
    resumes: bool,
}

/// How the translator's loop treats a byte, derived at compile time from [`FACTS`] and the
/// opcode info, so the common opcode costs one table load.
#[derive(Clone, Copy)]
pub(crate) struct Step {
    /// The static gas added to the open segments (0 for gas that differs between forks).
    gas: u16,
    /// Bytes of immediate data.
    immediate: u8,
    /// An opcode that only becomes its own instruction: defined, no flush, does not end or
    /// suspend anything, not a push, jump or JUMPDEST.
    plain: bool,
    /// Pushes a constant (an immediate that decodes as a value, PC): counted when sizing the
    /// constants.
    pub(crate) constant: bool,
    /// The immediate is an operand the handler takes: translation keeps it in the instruction.
    operand: bool,
    /// Counted among the arrival points when sizing the entries: JUMPDEST, JUMPI, and the
    /// opcodes a frame resumes after.
    pub(crate) arrival: bool,
}

/// [`Step`] of every byte.
pub(crate) static STEPS: [Step; 256] = {
    let mut steps =
        [Step { gas: 0, immediate: 0, plain: false, constant: false, operand: false, arrival: false }; 256];
    let mut op = 0;
    while op < 256 {
        let facts = FACTS[op];
        let (immediate, decode, ends) = match info(op as u8) {
            Some(i) => (i.immediate, i.decode, i.ends_block),
            None => (0, Decode::None, true),
        };
        let special = matches!(op as u8, JUMP | JUMPI | JUMPDEST | PC) || immediate > 0;
        steps[op] = Step {
            gas: if facts.fixed_gas == VARYING_GAS { 0 } else { facts.fixed_gas },
            immediate,
            plain: !ends && !special && !facts.flush && !facts.resumes,
            constant: matches!(decode, Decode::Value) || op as u8 == PC,
            operand: matches!(decode, Decode::Operand),
            arrival: matches!(op as u8, JUMPDEST | JUMPI) || facts.resumes,
        };
        op += 1;
    }
    steps
};

/// One instruction of a [`Program`]: 16 bytes.
///
/// `kind` is the opcode byte for opcodes run by their own handler, or one of the [`kind`]s
/// (fused pushes, resolved jumps) numbered in bytes no fork defines.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inst {
    /// The opcode, or a [`kind`].
    pub kind: u8,
    /// PUSH_RUN: the number of values.
    pub count: u8,
    /// Unused.
    pub pad: u16,
    /// The pc of the opcode (for a fused run, of its first).
    pub pc: u32,
    /// PUSH_SMALL: the low half of the value. PUSH_RUN: the first value's index in the
    /// constants. Static jumps: the target's entry. Dynamic JUMPI and `JUMPI_INVALID`: the
    /// fall-through's entry. A `flush` opcode: the static gas of the segment that follows.
    pub a: u32,
    /// PUSH_SMALL: the high half of the value. `JUMPI_STATIC`: the fall-through's entry.
    pub b: u32,
}

impl Inst {
    /// An instruction of `kind` at `pc` carrying the value `small` as `a | b << 32` (PUSH_SMALL
    /// and the fused push + operator kinds).
    fn small(kind: u8, pc: u32, small: u64) -> Self {
        Self { kind, pc, a: small as u32, b: (small >> 32) as u32, ..Self::default() }
    }
}

/// An arrival point: what the interpreter checks there, and where the program goes on.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The first instruction.
    pub inst: u32,
    /// The fixed static gas of the segment starting here, charged on arrival.
    pub charge: u32,
    /// The run check of the interpreter at this pc (see [`RunEntry`]).
    pub run: RunEntry,
    /// True at a JUMPDEST (a valid target of a dynamic jump).
    pub jumpdest: bool,
}

/// Bytecode translated for the compiled runner (see the module docs). Immutable, `Send + Sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    insts: Box<[Inst]>,
    consts: Box<[U256]>,
    entries: Box<[Entry]>,
    /// Entry index + 1 of every pc that is an arrival point; 0 elsewhere. `len + 1` long.
    by_pc: Box<[u32]>,
    hash: B256,
    code_len: usize,
}

/// No entry at this pc.
const NO_ENTRY: u32 = 0;

/// Longest code translated: indices must fit a `u32` with room to spare. Longer code (only
/// possible as huge initcode before EIP-3860) runs in the interpreter.
pub const MAX_CODE_LEN: usize = 1 << 26;

/// Most values in one fused push.
const MAX_RUN: usize = u8::MAX as usize;

impl Program {
    /// Translates analysed code, or `None` when it is longer than [`MAX_CODE_LEN`].
    pub fn translate(code: &Bytecode) -> Option<Program> {
        if code.len() > MAX_CODE_LEN {
            return None;
        }
        let scratch = SCRATCH.take();
        let (program, scratch) = Translator::new(code, scratch).run();
        if scratch.insts.capacity() <= Scratch::KEEP {
            SCRATCH.set(scratch);
        }
        // The compiled runner trusts these indices; debug builds prove them for every program.
        #[cfg(debug_assertions)]
        if let Err(violation) = program.validate(code) {
            panic!("translation of {} produced an unsound program: {violation}", code.code_hash());
        }
        Some(program)
    }

    /// The instructions.
    #[inline(always)]
    pub fn insts(&self) -> &[Inst] {
        &self.insts
    }

    /// The values of fused pushes.
    #[inline(always)]
    pub fn consts(&self) -> &[U256] {
        &self.consts
    }

    /// The arrival entries.
    #[inline(always)]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at `pc` (an arrival point), if any.
    #[inline(always)]
    pub fn entry_at(&self, pc: usize) -> Option<&Entry> {
        match self.by_pc.get(pc) {
            Some(&i) if i != NO_ENTRY => self.entries.get(i as usize - 1),
            _ => None,
        }
    }

    /// The entry of a dynamic jump to `target`: `None` unless `target` is a JUMPDEST.
    #[inline(always)]
    pub fn jump_entry(&self, target: usize) -> Option<&Entry> {
        self.entry_at(target).filter(|e| e.jumpdest)
    }

    /// The hash of the code this program was translated from.
    #[inline]
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// The length of the code this program was translated from.
    #[inline]
    pub fn code_len(&self) -> usize {
        self.code_len
    }

    /// Bytes this program holds on the heap (for the cache's budget).
    pub fn heap_bytes(&self) -> usize {
        self.insts.len() * size_of::<Inst>()
            + self.consts.len() * size_of::<U256>()
            + self.entries.len() * size_of::<Entry>()
            + self.by_pc.len() * size_of::<u32>()
    }
}

/// A place whose segment charge is being summed: an entry, or the instruction of a flush
/// opcode (its `a`).
#[derive(Clone, Copy)]
enum Open {
    Entry(u32),
    AfterInst(u32),
}

/// The translator's growing vectors, kept per thread between translations.
///
/// Translation fills vectors sized by upper bounds and then copies them into the program's
/// exact-size boxes. Fresh upper-bound vectors, shrunk or freed after every translation, made
/// the allocator map, fault in and unmap their memory each time (burntpix's 23 KB: 73 µs, 185 µs
/// with tighter bounds); reused ones are already in memory.
#[derive(Default)]
struct Scratch {
    insts: Vec<Inst>,
    consts: Vec<U256>,
    entries: Vec<Entry>,
    open: Vec<(Open, u64)>,
    pending: Vec<u32>,
    fixups: Vec<(usize, U256)>,
}

impl Scratch {
    /// Largest instruction capacity kept for the next translation (1 MiB of instructions;
    /// deployed code needs at most 24,577): huge init code does not pin its memory.
    const KEEP: usize = 1 << 16;
}

std::thread_local! {
    static SCRATCH: core::cell::Cell<Scratch> = core::cell::Cell::new(Scratch::default());
}

struct Translator<'a> {
    code: &'a Bytecode,
    insts: Vec<Inst>,
    consts: Vec<U256>,
    entries: Vec<Entry>,
    by_pc: Vec<u32>,
    /// Fixed static gas of every translated opcode so far.
    cum: u64,
    /// Places whose segment is still open, with `cum` where it started.
    open: Vec<(Open, u64)>,
    /// The pcs of the pushes not yet emitted; their values are the last entries of `consts`.
    pending: Vec<u32>,
    /// Static jumps to resolve at the end: instruction index and target.
    fixups: Vec<(usize, U256)>,
}

impl<'a> Translator<'a> {
    fn new(code: &'a Bytecode, scratch: Scratch) -> Self {
        let n = code.len();
        // Upper bounds, so no vector grows (growth was most of translation's time): one
        // instruction per opcode, one constant per push, one entry per pc 0, JUMPDEST, JUMPI
        // and resume point, plus the final STOP. The analysis counted them on its walk (a walk
        // here was half of translation's time: the next pc depends on the byte at this one).
        let shape = code.shape();
        let (ops, pushes, arrivals) = (shape.ops + 1, shape.constants, shape.arrivals + 2);
        let Scratch { mut insts, mut consts, mut entries, mut open, mut pending, mut fixups } = scratch;
        open.clear();
        pending.clear();
        fixups.clear();
        insts.clear();
        insts.reserve(ops);
        consts.clear();
        consts.reserve(pushes);
        entries.clear();
        entries.reserve(arrivals);
        Self { code, insts, consts, entries, by_pc: vec![NO_ENTRY; n + 1], cum: 0, open, pending, fixups }
    }

    /// Emits the pending pushes, if any.
    #[inline(always)]
    fn flush_pushes(&mut self) {
        if !self.pending.is_empty() {
            self.emit_pushes();
        }
    }

    /// Emits the pending pushes: one PUSH_SMALL for a single value below 2^64 (its constant
    /// taken back), else fused runs over the constants they already wrote.
    #[inline(never)]
    fn emit_pushes(&mut self) {
        let first = self.consts.len() - self.pending.len();
        if let [pc] = self.pending[..]
            && let Ok(small) = u64::try_from(self.consts[first])
        {
            self.consts.pop();
            self.insts.push(Inst::small(kind::PUSH_SMALL, pc, small));
        } else {
            for (i, chunk) in self.pending.chunks(MAX_RUN).enumerate() {
                self.insts.push(Inst {
                    kind: kind::PUSH_RUN,
                    count: chunk.len() as u8,
                    pc: chunk[0],
                    a: (first + i * MAX_RUN) as u32,
                    ..Inst::default()
                });
            }
        }
        self.pending.clear();
    }

    /// Appends a push of `value` at `pc` to the pending ones.
    #[inline(always)]
    fn push_value(&mut self, pc: usize, value: U256) {
        self.pending.push(pc as u32);
        self.consts.push(value);
    }

    /// Takes back the last pending push (a jump's target), if any.
    #[inline(always)]
    fn pop_pending(&mut self) -> Option<U256> {
        self.pending.pop()?;
        self.consts.pop()
    }

    /// The kind of the last instruction when the next one may fuse with it: no arrival point
    /// lies between them (no entry starts at the next instruction).
    fn fusable_previous(&self) -> Option<u8> {
        let next = self.insts.len() as u32;
        if self.entries.last().is_some_and(|e| e.inst == next) {
            return None;
        }
        self.insts.last().map(|i| i.kind)
    }

    /// Makes `pc` an arrival point (pending pushes are emitted first), returning its entry.
    fn arrive(&mut self, pc: usize, jumpdest: bool) -> u32 {
        self.flush_pushes();
        let at = self.by_pc[pc];
        if at != NO_ENTRY {
            let entry = &mut self.entries[at as usize - 1];
            entry.jumpdest |= jumpdest;
            return at - 1;
        }
        let index = self.entries.len() as u32;
        self.entries.push(Entry {
            inst: self.insts.len() as u32,
            charge: 0,
            run: self.code.run_entry(pc),
            jumpdest,
        });
        self.by_pc[pc] = index + 1;
        self.open.push((Open::Entry(index), self.cum));
        index
    }

    /// Ends the open segments at a flush opcode (its fixed gas already counted).
    fn close_segments(&mut self) {
        for (place, start) in self.open.drain(..) {
            let charge = (self.cum - start).min(u32::MAX as u64) as u32;
            match place {
                Open::Entry(i) => self.entries[i as usize].charge = charge,
                Open::AfterInst(i) => self.insts[i as usize].a = charge,
            }
        }
    }

    fn run(mut self) -> (Program, Scratch) {
        let code = self.code.padded();
        let len = self.code.len();
        let mut pc = 0usize;
        let mut reachable = true;
        self.arrive(0, self.code.is_jumpdest(0));
        while pc < len {
            let op = code[pc];
            let step = STEPS[op as usize];
            if step.plain && reachable {
                // Most opcodes: one instruction, the gas added to the open segments.
                self.cum += step.gas as u64;
                // A push of a constant below 2^64 + operator: one instruction with the constant
                // (pending pushes never span an arrival point).
                let pushed = PUSH_FUSION[op as usize];
                if pushed != 0
                    && let Some(&first) = self.pending.last()
                    && let Ok(small) = u64::try_from(self.consts[self.consts.len() - 1])
                {
                    self.pop_pending();
                    self.flush_pushes();
                    self.insts.push(Inst::small(pushed, first, small));
                    pc += 1;
                    continue;
                }
                self.flush_pushes();
                // DUPn + operator, no arrival point between: one instruction that reads item n in
                // place (neither can fail: both are in the run checked on arrival).
                let fused = DUP_FUSION[op as usize];
                if fused != 0
                    && let Some(previous @ DUP1..=DUP16) = self.fusable_previous()
                {
                    let dup = self.insts.last_mut().expect("a previous instruction");
                    dup.kind = fused;
                    dup.a = (previous - DUP1 + 1) as u32;
                } else {
                    self.insts.push(Inst { kind: op, pc: pc as u32, ..Inst::default() });
                }
                pc += 1;
                continue;
            }
            let immediate = step.immediate as usize;
            let next = pc + 1 + immediate;
            if op == JUMPDEST {
                reachable = true;
                self.arrive(pc, true);
            }
            if !reachable {
                pc = next;
                continue;
            }
            let facts = FACTS[op as usize];
            if facts.fixed_gas != VARYING_GAS {
                self.cum += facts.fixed_gas as u64;
            }
            match op {
                JUMPDEST => {}
                // PUSHn: the only opcodes whose immediate is a value (the table says so).
                _ if step.constant && op != PC => {
                    // The padding holds 33 zero bytes: a truncated push reads zeros.
                    let n = immediate;
                    let value = if n <= 8 {
                        let mut raw = [0u8; 8];
                        raw.copy_from_slice(&code[pc + 1..pc + 9]);
                        U256::from(u64::from_be_bytes(raw) >> (64 - 8 * n))
                    } else {
                        let mut word = [0u8; 32];
                        word[32 - n..].copy_from_slice(&code[pc + 1..pc + 1 + n]);
                        U256::from_be_bytes(word)
                    };
                    self.push_value(pc, value);
                }
                PC => self.push_value(pc, U256::from(pc)),
                JUMP | JUMPI => {
                    // A push right before the jump, with no arrival point between, is its target.
                    let target = self.pop_pending();
                    self.flush_pushes();
                    // Superinstructions (see DESIGN.md for the profile): ISZERO + static JUMPI
                    // and SWAP1 + dynamic JUMP, when no arrival point lies between the two.
                    let previous = self.fusable_previous();
                    let kind = match (op, target.is_some(), previous) {
                        (JUMPI, true, Some(ISZERO)) => kind::ISZERO_JUMPI,
                        (JUMP, false, Some(SWAP1)) => kind::SWAP1_JUMP,
                        (JUMP, true, _) => kind::JUMP_STATIC,
                        (JUMPI, true, _) => kind::JUMPI_STATIC,
                        _ => op,
                    };
                    if kind == kind::ISZERO_JUMPI || kind == kind::SWAP1_JUMP {
                        self.insts.pop();
                    }
                    let index = self.insts.len();
                    self.insts.push(Inst { kind, pc: pc as u32, ..Inst::default() });
                    if let Some(value) = target {
                        self.fixups.push((index, value));
                    }
                    self.close_segments();
                    if op == JUMPI {
                        let fall = self.arrive(next.min(len), false);
                        if target.is_some() {
                            self.insts[index].b = fall;
                        } else {
                            self.insts[index].a = fall;
                        }
                    } else {
                        reachable = false;
                    }
                }
                _ => {
                    self.flush_pushes();
                    let Some(op_info) = info(op) else {
                        self.insts.push(Inst { kind: kind::UNDEFINED, pc: pc as u32, ..Inst::default() });
                        self.close_segments();
                        reachable = false;
                        pc = next;
                        continue;
                    };
                    let index = self.insts.len() as u32;
                    // An operand travels in `b` (`a` holds a flush opcode's segment charge).
                    let b = if step.operand { code[pc + 1] as u32 } else { 0 };
                    self.insts.push(Inst { kind: op, pc: pc as u32, b, ..Inst::default() });
                    // Control goes on after the opcode unless it jumps or ends the frame; an
                    // opcode that suspends the frame (CALL, CREATE: they end the analysis' runs)
                    // goes on where the frame resumes.
                    let continues = !op_info.ends_block || facts.resumes;
                    if facts.flush {
                        self.close_segments();
                        if continues {
                            self.open.push((Open::AfterInst(index), self.cum));
                        }
                    }
                    if !continues {
                        reachable = false;
                    } else if facts.resumes {
                        self.arrive(next.min(len), false);
                    }
                }
            }
            pc = next;
        }
        // Running off the end (or past it, after a truncated push) meets the padding's STOP.
        self.flush_pushes();
        self.insts.push(Inst { kind: crate::opcode::STOP, pc: pc as u32, ..Inst::default() });
        self.close_segments();
        for (index, target) in core::mem::take(&mut self.fixups) {
            let entry = usize::try_from(target)
                .ok()
                .filter(|&t| self.code.is_jumpdest(t))
                .map(|t| self.by_pc[t])
                .filter(|&e| e != NO_ENTRY);
            let inst = &mut self.insts[index];
            match entry {
                Some(e) => inst.a = e - 1,
                None => {
                    inst.kind = match inst.kind {
                        kind::JUMP_STATIC => kind::JUMP_INVALID,
                        kind::ISZERO_JUMPI => kind::ISZERO_JUMPI_INVALID,
                        _ => kind::JUMPI_INVALID,
                    };
                    // The fall-through of JUMPI_INVALID moves to `a`, as for a dynamic JUMPI.
                    inst.a = inst.b;
                }
            }
        }
        let program = Program {
            insts: self.insts.as_slice().into(),
            consts: self.consts.as_slice().into(),
            entries: self.entries.as_slice().into(),
            by_pc: self.by_pc.into_boxed_slice(),
            hash: self.code.code_hash(),
            code_len: len,
        };
        let Self { insts, consts, entries, open, pending, fixups, .. } = self;
        (program, Scratch { insts, consts, entries, open, pending, fixups })
    }
}

#[cfg(test)]
mod tests;

//! Target `analysis`: arbitrary bytes as contract code, through the JUMPDEST and run analysis
//! ([`Bytecode::new`]) and the compiled tier's translation ([`Program::translate`]).
//!
//! `Program::validate` (the bytecode crate's own check of what the compiled runner relies
//! on) must accept every program. Every further check compares the fast code with a byte-by-byte reference walk written here, or
//! with an invariant of the program that the compiled runner relies on without checking
//! (an entry index it follows, a constant it reads, a static jump target it trusts).

use kestrel_bytecode::opcode::{
    self, DUP1, DUP16, IMMEDIATE_SIZE, ISZERO, JUMP, JUMPDEST, JUMPI, PC, PUSH1, PUSH32, STOP, SWAP1, info,
};
use kestrel_bytecode::program::{Entry, Inst, Program, kind};
use kestrel_bytecode::{Bytecode, PADDING, RunEntry};
use kestrel_primitives::{U256, keccak256};

/// Analyses and translates `data` as code and checks every property; panics on a violation.
pub fn analysis(data: &[u8]) {
    let reference = Reference::walk(data);
    let code = Bytecode::new(data);
    check_analysis(data, &code, &reference);

    let program = Program::translate(&code).expect("fuzz inputs are far below MAX_CODE_LEN");
    // The bytecode crate's own soundness check (debug builds run it inside `translate` too),
    // then the independent checks here.
    if let Err(violation) = program.validate(&code) {
        panic!("Program::validate: {violation}");
    }
    check_program(&code, &reference, &program);

    // Translation reuses per-thread scratch vectors: a translation of other (here shorter)
    // code in between must not change the next translation of this code.
    let shorter = Bytecode::new(&data[..data.len() / 2]);
    let _ = Program::translate(&shorter);
    let again = Program::translate(&code).expect("translated once already");
    assert_eq!(again, program, "translation is not deterministic");
    // A second analysis of the same bytes is the same analysis.
    assert_eq!(Bytecode::new(data), code, "analysis is not deterministic");
}

/// The obvious byte-by-byte analysis.
struct Reference {
    /// Every pc where an opcode starts, ascending (PUSH data skipped; a truncated PUSH
    /// swallows the rest of the code).
    starts: Vec<usize>,
    /// Per byte: a JUMPDEST opcode (not PUSH data).
    jumpdest: Vec<bool>,
}

impl Reference {
    fn walk(code: &[u8]) -> Self {
        let mut starts = Vec::new();
        let mut jumpdest = vec![false; code.len()];
        let mut pc = 0;
        while pc < code.len() {
            starts.push(pc);
            jumpdest[pc] = code[pc] == JUMPDEST;
            pc += 1 + IMMEDIATE_SIZE[code[pc] as usize] as usize;
        }
        Self { starts, jumpdest }
    }

    fn is_start(&self, pc: usize) -> bool {
        self.starts.binary_search(&pc).is_ok()
    }

    /// The opcode start after the one at `pc`, if any.
    fn next(&self, pc: usize) -> Option<usize> {
        let i = self.starts.binary_search(&pc).ok()?;
        self.starts.get(i + 1).copied()
    }

    /// The opcode start before the one at `pc`, if any.
    fn previous(&self, pc: usize) -> Option<usize> {
        let i = self.starts.binary_search(&pc).ok()?;
        i.checked_sub(1).map(|j| self.starts[j])
    }

    /// The run table the straightforward way: every opcode forwards, then backwards, each
    /// counting its least static gas, its stack needs and growth, a jump, halt or undefined
    /// byte ending the run (see `RunEntry`).
    fn runs(&self, code: &[u8]) -> Vec<RunEntry> {
        let mut runs = vec![RunEntry::default(); code.len() + 1];
        let (mut gas, mut required, mut growth) = (0i64, 0i64, 0i64);
        for &pc in self.starts.iter().rev() {
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
}

fn check_analysis(data: &[u8], code: &Bytecode, reference: &Reference) {
    let len = data.len();
    assert_eq!(code.original(), data);
    assert_eq!(code.len(), len);
    assert_eq!(code.is_empty(), data.is_empty());
    assert_eq!(code.hash(), keccak256(data));
    assert_eq!(code.padded().len(), len + PADDING);
    assert!(code.padded()[len..].iter().all(|&b| b == 0), "padding is not zero");

    for (pc, &expected) in reference.jumpdest.iter().enumerate() {
        assert_eq!(code.is_jumpdest(pc), expected, "JUMPDEST bitmap at pc {pc}");
    }
    // Past the end nothing is a JUMPDEST, the bitmap's last word's spare bits included.
    for pc in len..len + 130 {
        assert!(!code.is_jumpdest(pc), "JUMPDEST past the end at pc {pc}");
    }
    assert!(!code.is_jumpdest(usize::MAX));

    assert!(code.run_slot(len).is_some() && code.run_slot(len + 1).is_none(), "run table length");
    assert_eq!(code.run_chunks().len(), (len + 1).div_ceil(kestrel_bytecode::RUN_CHUNK), "run table chunks");
    assert!(
        (0..=len).all(|pc| code.run_slot(pc).is_some_and(|slot| slot.get().is_none())),
        "entries are computed on arrival"
    );
    // Where control can arrive (every opcode start, and the end), the entry is the reference's,
    // as the checks read it: beyond 1024 items a need or a growth fails whatever its figure.
    let normalised = |e: RunEntry| RunEntry::new(e.gas, e.stack_required.min(1025), e.stack_growth.min(1025));
    let runs = reference.runs(data);
    for &pc in &reference.starts {
        let entry = code.run_entry(pc);
        assert_eq!(
            normalised(entry),
            normalised(runs[pc]),
            "run table differs from the reference at pc {pc}"
        );
        // `stack_room` is derived: both stack bounds in one compare.
        assert_eq!(entry, RunEntry::new(entry.gas, entry.stack_required, entry.stack_growth), "pc {pc}");
        assert_eq!(code.run_slot(pc).and_then(|slot| slot.get()), Some(entry), "kept after the first look");
    }
    assert_eq!(code.run_entry(len), RunEntry::default(), "the run at the end is empty");
    assert_eq!(code.run_entry(usize::MAX), RunEntry::default());
}

/// The value a PUSHn or PC at `pc` pushes (`None` for any other opcode). A PUSH truncated by
/// the end of the code reads the padding's zeros, as the EVM reads zeros past the code.
fn pushed_value(padded: &[u8], pc: usize) -> Option<U256> {
    let op = padded[pc];
    if op == PC {
        return Some(U256::from(pc));
    }
    if !(PUSH1..=PUSH32).contains(&op) {
        return None;
    }
    let n = (op - PUSH1) as usize + 1;
    Some(U256::from_be_slice(&padded[pc + 1..pc + 1 + n]))
}

/// The operator a fused `PUSH_*` or `DUP_*` instruction applies.
fn fused_operator(k: u8) -> Option<(bool, u8)> {
    use opcode::{ADD, AND, BYTE, EQ, GT, LT, MUL, OR, SGT, SHL, SHR, SLT, SUB};
    let table: [(u8, u8, u8); 13] = [
        (kind::PUSH_ADD, kind::DUP_ADD, ADD),
        (kind::PUSH_SUB, kind::DUP_SUB, SUB),
        (kind::PUSH_MUL, kind::DUP_MUL, MUL),
        (kind::PUSH_LT, kind::DUP_LT, LT),
        (kind::PUSH_GT, kind::DUP_GT, GT),
        (kind::PUSH_SLT, kind::DUP_SLT, SLT),
        (kind::PUSH_SGT, kind::DUP_SGT, SGT),
        (kind::PUSH_EQ, kind::DUP_EQ, EQ),
        (kind::PUSH_AND, kind::DUP_AND, AND),
        (kind::PUSH_OR, kind::DUP_OR, OR),
        (kind::PUSH_BYTE, kind::DUP_BYTE, BYTE),
        (kind::PUSH_SHL, kind::DUP_SHL, SHL),
        (kind::PUSH_SHR, kind::DUP_SHR, SHR),
    ];
    table.iter().find_map(|&(push, dup, op)| {
        if k == push {
            Some((true, op))
        } else if k == dup {
            Some((false, op))
        } else {
            None
        }
    })
}

/// The 64-bit value a `PUSH_SMALL` or fused push instruction carries.
fn small_value(inst: &Inst) -> U256 {
    U256::from(u64::from(inst.a) | (u64::from(inst.b) << 32))
}

fn check_program(code: &Bytecode, reference: &Reference, program: &Program) {
    let len = code.len();
    let padded = code.padded();
    let insts = program.insts();
    let entries = program.entries();
    assert_eq!(program.hash(), code.hash());
    assert_eq!(program.code_len(), len);

    // Every entry is reached from exactly one pc, an opcode start or the end of the code.
    let mut entry_pc: Vec<Option<usize>> = vec![None; entries.len()];
    for pc in 0..=len + PADDING {
        let Some(entry) = program.entry_at(pc) else { continue };
        let index = index_of(entries, entry);
        assert!(entry_pc[index].is_none(), "entry {index} at pcs {:?} and {pc}", entry_pc[index]);
        entry_pc[index] = Some(pc);
        assert!(pc == len || reference.is_start(pc), "entry at pc {pc}, inside PUSH data or past the end");
        check_entry(code, insts, pc, entry);
    }
    assert!(entry_pc.iter().all(Option::is_some), "an entry no pc reaches");
    assert!(program.entry_at(0).is_some(), "control arrives at pc 0 but it has no entry");
    assert!(program.entry_at(usize::MAX).is_none());
    // Dynamic jumps may land exactly on JUMPDESTs.
    for pc in 0..len + PADDING {
        let lands = program.jump_entry(pc).is_some();
        assert_eq!(lands, code.is_jumpdest(pc), "jump_entry({pc}) but is_jumpdest says otherwise");
    }
    let entry_of = |pc: usize| -> u32 {
        let entry = program.entry_at(pc).unwrap_or_else(|| panic!("no entry at pc {pc}"));
        index_of(entries, entry) as u32
    };

    let last = insts.last().expect("a program ends with its STOP");
    assert_eq!(last.kind, STOP, "the last instruction is not the final STOP");
    let mut consts_used = 0usize;
    let mut previous_pc = 0u32;
    for (i, inst) in insts.iter().enumerate() {
        let pc = inst.pc as usize;
        assert!(inst.pc >= previous_pc, "instruction {i} at pc {pc} goes backwards");
        previous_pc = inst.pc;
        // The final STOP may sit past a truncated PUSH, inside the padding.
        assert!(pc < len + PADDING, "instruction {i} at pc {pc} past the padding");
        let op = padded[pc];
        let at = |what: &str| format!("instruction {i} ({:#04x}) at pc {pc}: {what}", inst.kind);
        // The operand a fused instruction takes from the opcode before it.
        let previous_push = || reference.previous(pc).and_then(|p| pushed_value(padded, p));
        let fall_through = || entry_of((pc + 1).min(len));
        match inst.kind {
            kind::PUSH_SMALL => {
                assert_eq!(pushed_value(padded, pc), Some(small_value(inst)), "{}", at("PUSH_SMALL value"));
            }
            kind::PUSH_RUN => {
                let count = inst.count as usize;
                assert!(count > 0, "{}", at("empty PUSH_RUN"));
                assert_eq!(inst.a as usize, consts_used, "{}", at("PUSH_RUN constants out of order"));
                let values = program.consts().get(consts_used..consts_used + count);
                let values = values.unwrap_or_else(|| panic!("{}", at("PUSH_RUN past the constants")));
                let mut p = pc;
                for (n, value) in values.iter().enumerate() {
                    assert_eq!(pushed_value(padded, p), Some(*value), "{}", at(&format!("value {n}")));
                    if n + 1 < count {
                        p = reference.next(p).unwrap_or_else(|| panic!("{}", at("run past the code")));
                    }
                }
                consts_used += count;
            }
            k @ (kind::JUMP_STATIC | kind::JUMPI_STATIC | kind::ISZERO_JUMPI) => {
                assert_eq!(op, if k == kind::JUMP_STATIC { JUMP } else { JUMPI }, "{}", at("opcode"));
                let target = previous_push().unwrap_or_else(|| panic!("{}", at("no push before")));
                let entry = entries.get(inst.a as usize).unwrap_or_else(|| panic!("{}", at("target entry")));
                assert!(entry.jumpdest, "{}", at("static target is not a JUMPDEST entry"));
                assert_eq!(
                    U256::from(entry_pc[inst.a as usize].unwrap_or(usize::MAX)),
                    target,
                    "{}",
                    at("target")
                );
                if k != kind::JUMP_STATIC {
                    assert_eq!(inst.b, fall_through(), "{}", at("fall-through entry"));
                }
                if k == kind::ISZERO_JUMPI {
                    let push = reference.previous(pc).and_then(|p| reference.previous(p));
                    assert_eq!(push.map(|p| padded[p]), Some(ISZERO), "{}", at("no ISZERO before"));
                }
            }
            k @ (kind::JUMP_INVALID | kind::JUMPI_INVALID | kind::ISZERO_JUMPI_INVALID) => {
                assert_eq!(op, if k == kind::JUMP_INVALID { JUMP } else { JUMPI }, "{}", at("opcode"));
                let target = previous_push().unwrap_or_else(|| panic!("{}", at("no push before")));
                let valid = usize::try_from(target).is_ok_and(|t| code.is_jumpdest(t));
                assert!(!valid, "{}", at(&format!("target {target} is a JUMPDEST")));
                if k != kind::JUMP_INVALID {
                    assert_eq!(inst.a, fall_through(), "{}", at("fall-through entry"));
                }
            }
            kind::SWAP1_JUMP => {
                assert_eq!(op, JUMP, "{}", at("opcode"));
                let swap = reference.previous(pc).map(|p| padded[p]);
                assert_eq!(swap, Some(SWAP1), "{}", at("no SWAP1 before"));
            }
            kind::UNDEFINED => assert!(info(op).is_none(), "{}", at("defined opcode")),
            JUMPI => {
                assert_eq!(op, JUMPI, "{}", at("opcode"));
                assert_eq!(inst.a, fall_through(), "{}", at("fall-through entry"));
            }
            k => match fused_operator(k) {
                Some((true, operator)) => {
                    assert_eq!(
                        pushed_value(padded, pc),
                        Some(small_value(inst)),
                        "{}",
                        at("fused push value")
                    );
                    let next = reference.next(pc).map(|p| padded[p]);
                    assert_eq!(next, Some(operator), "{}", at("fused operator"));
                }
                Some((false, operator)) => {
                    assert!((DUP1..=DUP16).contains(&op), "{}", at("fused DUP"));
                    assert_eq!(inst.a, u32::from(op - DUP1 + 1), "{}", at("DUP depth"));
                    let next = reference.next(pc).map(|p| padded[p]);
                    assert_eq!(next, Some(operator), "{}", at("fused operator"));
                }
                None => {
                    // An opcode run by its own handler. Fused kinds are numbered in bytes no
                    // fork defines, so an unknown kind that is a defined opcode is this one.
                    assert!(info(k).is_some(), "{}", at("unknown instruction kind: update this checker"));
                    assert_eq!(op, k, "{}", at("kind is not the opcode at its pc"));
                }
            },
        }
    }
    assert_eq!(consts_used, program.consts().len(), "constants no PUSH_RUN reads");
}

/// Checks one arrival entry at `pc` against the analysis.
fn check_entry(code: &Bytecode, insts: &[Inst], pc: usize, entry: &Entry) {
    assert_eq!(entry.run, code.run_entry(pc), "entry at pc {pc}: run check differs from the analysis");
    assert_eq!(entry.jumpdest, code.is_jumpdest(pc), "entry at pc {pc}: jumpdest flag");
    let first = insts.get(entry.inst as usize);
    let first = first.unwrap_or_else(|| panic!("entry at pc {pc}: instruction {} out of range", entry.inst));
    assert!(first.pc as usize >= pc, "entry at pc {pc} starts at an earlier instruction");
    if let Some(before) = (entry.inst as usize).checked_sub(1).map(|i| insts[i]) {
        assert!((before.pc as usize) < pc, "entry at pc {pc} skips instruction at pc {}", before.pc);
    }
    // The segment charge is fixed gas the run check's least gas already covers: the segment
    // ends at a flush opcode, and every opcode that ends a run flushes.
    if entry.run.gas < u16::MAX {
        assert!(
            entry.charge <= u32::from(entry.run.gas),
            "entry at pc {pc}: charges {} but the run's least gas is {}",
            entry.charge,
            entry.run.gas
        );
    }
}

/// The index of `entry` in `entries` (it is a reference into that slice).
fn index_of(entries: &[Entry], entry: &Entry) -> usize {
    let offset = (entry as *const Entry as usize).wrapping_sub(entries.as_ptr() as usize);
    let index = offset / size_of::<Entry>();
    assert!(index < entries.len() && std::ptr::eq(&entries[index], entry), "entry outside the entries");
    index
}

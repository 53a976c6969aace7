//! The compiled tier's runner: executes a [`Program`] (bytecode translated once per code hash
//! by `kestrel_bytecode::program`) with the interpreter's own handlers.
//!
//! The generated loop (`generated/compiled_runner.rs`) keeps the same registers as the fast
//! interpreter ([`Regs`]: stack pointer and gas; its instruction pointer is unused) plus a
//! pointer to the current [`Inst`]. Where control arrives (pc 0, a jump's target, a JUMPI's
//! fall-through, a resumed call), it makes the interpreter's run check and charges the fixed
//! static gas of the segment that starts there ([`arrive`]); inside a segment no opcode touches
//! the gas, and each `flush` opcode checks the deficit and then charges the next segment.

use std::marker::PhantomData;
use std::sync::Arc;

use kestrel_bytecode::program::{Entry, Inst, Program};
use kestrel_primitives::U256;

use crate::memory::to_saturated;
use crate::regs::Regs;
use crate::stack::Sp;
use crate::static_gas::UNDEFINED_GAS;
use crate::{Buffers, Frame, Host, Status, Step};

/// Runs `f` on the program attached to its code, from the arrival point at `f`'s pc; `None`
/// when the frame does not run compiled, has no program, or its pc is no arrival point of the
/// program (the caller interprets instead). The caller checked the frame ([`Frame::enter`]).
///
/// A frame keeps the runner it started with: a program is only used from pc 0 or from a pc
/// where it resumed on the same program.
#[inline]
pub(crate) fn run<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Option<Status> {
    let program = f.code.program().filter(|_| f.compiled).map(Arc::as_ptr)?;
    // SAFETY: the frame's `Arc<Bytecode>` keeps its code, and the program attached to it once
    // and for good, alive for this whole call: `Frame::code` is private and set only by
    // `Frame::new`, and a `Bytecode`'s program is only dropped through `&mut Bytecode`, which
    // no one can have while the frame shares it. So the program outlives the reference while the
    // handlers borrow the frame. It was translated from this very code: it is attached only to
    // code of its hash, and a `Bytecode`'s hash is one Kestrel computed (`HashedCode`). Cloning
    // an `Arc` instead cost two atomic operations per run, most of a zero-gas call's time.
    let program = unsafe { &*program };
    crate::generated::compiled_runner::run_program(f, b, host, program)
}

/// The interpreter's run check where control arrives at `e`, then the charge of the segment
/// that starts there (see [`Regs::check_run`]).
#[inline(always)]
pub(crate) fn arrive(r: &mut Regs, e: &Entry) -> Step {
    r.check_entry(&e.run)?;
    r.gas.remaining -= e.charge as i64;
    Ok(())
}

/// Writes the stack length and the gas back into the frame (the pc is only kept where a frame
/// resumes: host handlers see the opcode's pc, and CALL and CREATE move it past themselves).
#[inline(always)]
pub(crate) fn save(r: &Regs, f: &mut Frame) {
    f.stack.set_from(r.sp);
    f.gas = r.gas;
}

/// The compiled runner's instruction pointer: an instruction of one program.
///
/// The one place the runner moves through a program without bounds checks. Sound because a
/// [`Program`] can only be made by translation (its fields are private) and translation keeps
/// three invariants, proved for every program in debug builds by [`Program::validate`]: every
/// entry starts at an instruction, the last instruction is a STOP (which does not go on), and
/// every instruction that goes on has a successor.
#[derive(Clone, Copy)]
pub(crate) struct Ip<'p> {
    at: *const Inst,
    program: PhantomData<&'p Program>,
}

impl<'p> Ip<'p> {
    /// The first instruction of `e`, an entry of `p`.
    #[inline(always)]
    pub(crate) fn at(p: &'p Program, e: &Entry) -> Self {
        debug_assert!((e.inst as usize) < p.insts().len());
        // SAFETY: every entry of a program starts at one of its instructions (see `Ip`).
        Self { at: unsafe { p.insts().as_ptr().add(e.inst as usize) }, program: PhantomData }
    }

    /// The instruction pointed at.
    #[inline(always)]
    pub(crate) fn inst(self) -> &'p Inst {
        // SAFETY: `at` points at an instruction of the program `'p` borrows: it starts at an
        // entry's and moves only to a successor (see `Ip`).
        unsafe { &*self.at }
    }

    /// Moves to the next instruction, after one that goes on.
    #[inline(always)]
    pub(crate) fn next(&mut self) {
        // SAFETY: only an instruction that goes on moves here, and it has a successor (the
        // program ends with a STOP, which never does): the result points at an instruction.
        self.at = unsafe { self.at.add(1) };
    }
}

/// Entry `i` of `p`, where `i` is an entry index the translator wrote into an instruction of `p`
/// (a static jump's target, a JUMPI's fall-through).
#[inline(always)]
pub(crate) fn entry(p: &Program, i: u32) -> &Entry {
    debug_assert!((i as usize) < p.entries().len());
    // SAFETY: the entry indices in a program's instructions are its own entries' (translation
    // writes them; `Program::validate` checks them in debug builds), and `p` is only ever the
    // program the instruction came from.
    unsafe { p.entries().get_unchecked(i as usize) }
}

/// The immediate operand translation kept of an `operand`-shaped opcode.
#[inline(always)]
#[cfg_attr(not(feature = "test-opcodes"), allow(dead_code))]
pub(crate) fn operand(inst: &Inst) -> u8 {
    inst.b as u8
}

/// PUSH_SMALL: one value below 2^64.
#[inline(always)]
pub(crate) fn push_small(sp: &mut Sp, inst: &Inst) {
    sp.push(small_value(inst));
}

/// The value below 2^64 of a PUSH_SMALL or fused PUSH + operator: `a | b << 32`.
#[inline(always)]
pub(crate) fn small_value(inst: &Inst) -> U256 {
    U256::from_limbs([inst.a as u64 | (inst.b as u64) << 32, 0, 0, 0])
}

/// PUSH_RUN: `count` values from the constants of `p`, the program `inst` is from.
#[inline(always)]
pub(crate) fn push_run(sp: &mut Sp, p: &Program, inst: &Inst) {
    let start = inst.a as usize;
    let count = inst.count as usize;
    debug_assert!(start + count <= p.consts().len());
    // SAFETY: a PUSH_RUN's values are among its program's constants (translation writes them;
    // `Program::validate` checks them in debug builds).
    let values = unsafe { p.consts().get_unchecked(start..start + count) };
    for value in values {
        sp.push(*value);
    }
}

/// SWAP1 then a pop: returns the second item and leaves the top in its place (SWAP1 + JUMP).
#[inline(always)]
pub(crate) fn swap1_pop(sp: &mut Sp) -> U256 {
    let top = sp.pop_limbs();
    let second = sp.pop_limbs();
    sp.push(top);
    second
}

/// Before an opcode's handler in the compiled tier: whether it exists in the running fork
/// (`late`: introduced after Frontier, so `gas`, read from the fork's table, may be
/// [`UNDEFINED_GAS`]), the static gas a segment charge cannot hold (`varying`: it differs between
/// forks), and a `flush` opcode's deficit check. Fixed static gas was charged with the segment.
#[inline(always)]
pub(crate) fn charge(r: &mut Regs, gas: u16, late: bool, varying: bool, flush: bool) -> Step {
    if late && gas == UNDEFINED_GAS {
        return Err(Status::InvalidOpcode);
    }
    if varying {
        r.gas.remaining -= gas as i64;
    }
    if flush { r.gas.flush() } else { Ok(()) }
}

/// After a `flush` opcode that goes on: the fixed static gas of the segment that follows it,
/// which translation stored in the instruction.
#[inline(always)]
pub(crate) fn charge_segment(r: &mut Regs, inst: &Inst) {
    r.gas.remaining -= inst.a as i64;
}

/// Calls a host-shaped handler from the compiled tier: the stack and gas go out to the frame
/// with the opcode's pc (the host may look at the frame; CALL and CREATE move the pc past
/// themselves for the resume), and come back in after the call. A macro for the reason
/// `crate::arm`'s conventions are.
macro_rules! host {
    ($r:ident, $f:ident, $b:ident, $host:ident, $inst:ident, $handler:expr) => {{
        $f.stack.set_from($r.sp);
        $f.gas = $r.gas;
        $f.pc = $inst.pc as usize;
        let result = $handler($f, $b, $host);
        $r.sp = $f.stack.sp();
        $r.gas = $f.gas;
        result
    }};
}
pub(crate) use host;

/// Arrives at entry `e` of `p` (the run check and the segment's charge): its first instruction.
#[inline(always)]
fn go<'p>(r: &mut Regs, p: &'p Program, e: &Entry) -> Result<Ip<'p>, Status> {
    arrive(r, e)?;
    Ok(Ip::at(p, e))
}

/// Arrives at the JUMPDEST `target` of `p`, or halts: a jump known only at run time.
#[inline(always)]
fn go_dynamic<'p>(r: &mut Regs, p: &'p Program, target: U256) -> Result<Ip<'p>, Status> {
    match p.jump_entry(to_saturated(target)) {
        Some(e) => go(r, p, e),
        None => Err(Status::InvalidJump),
    }
}

/// JUMP to a target known only at run time.
#[inline(always)]
pub(crate) fn jump<'p>(r: &mut Regs, p: &'p Program) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    let target = r.sp.pop_limbs();
    go_dynamic(r, p, target)
}

/// JUMPI to a target known only at run time; `inst.a` is the fall-through's entry.
#[inline(always)]
pub(crate) fn jumpi<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    let target = r.sp.pop_limbs();
    if r.sp.pop_is_zero() { go(r, p, entry(p, inst.a)) } else { go_dynamic(r, p, target) }
}

/// JUMP_STATIC: PUSHn + JUMP to a JUMPDEST, entry `inst.a`.
#[inline(always)]
pub(crate) fn jump_static<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    go(r, p, entry(p, inst.a))
}

/// JUMPI_STATIC: PUSHn + JUMPI to a JUMPDEST: entry `inst.a` when taken, else `inst.b`.
#[inline(always)]
pub(crate) fn jumpi_static<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    if r.sp.pop_is_zero() { go(r, p, entry(p, inst.b)) } else { go(r, p, entry(p, inst.a)) }
}

/// JUMP_INVALID: PUSHn + JUMP to a byte that is not a JUMPDEST.
#[inline(always)]
pub(crate) fn jump_invalid(r: &mut Regs) -> Step {
    r.gas.flush()?;
    Err(Status::InvalidJump)
}

/// JUMPI_INVALID: PUSHn + JUMPI to a byte that is not a JUMPDEST: halts when taken, else entry
/// `inst.a`.
#[inline(always)]
pub(crate) fn jumpi_invalid<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    if r.sp.pop_is_zero() { go(r, p, entry(p, inst.a)) } else { Err(Status::InvalidJump) }
}

/// ISZERO_JUMPI: ISZERO + PUSHn + JUMPI to a JUMPDEST: entry `inst.a` when the top is zero, else
/// `inst.b`.
#[inline(always)]
pub(crate) fn iszero_jumpi<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    if r.sp.pop_is_zero() { go(r, p, entry(p, inst.a)) } else { go(r, p, entry(p, inst.b)) }
}

/// ISZERO_JUMPI_INVALID: ISZERO + PUSHn + JUMPI to a byte that is not a JUMPDEST: halts when the
/// top is zero, else entry `inst.a`.
#[inline(always)]
pub(crate) fn iszero_jumpi_invalid<'p>(r: &mut Regs, p: &'p Program, inst: &Inst) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    if r.sp.pop_is_zero() { Err(Status::InvalidJump) } else { go(r, p, entry(p, inst.a)) }
}

/// SWAP1_JUMP: SWAP1 + JUMP, to the second item, which the top replaces.
#[inline(always)]
pub(crate) fn swap1_jump<'p>(r: &mut Regs, p: &'p Program) -> Result<Ip<'p>, Status> {
    r.gas.flush()?;
    let target = swap1_pop(&mut r.sp);
    go_dynamic(r, p, target)
}

/// DUPn + operator: the top becomes item `inst.a` (1-based) `op` the top, no copy made.
#[inline(always)]
pub(crate) fn dup_then(sp: &mut Sp, inst: &Inst, op: impl FnOnce(U256, U256) -> U256) {
    let (a, b) = sp.dup_top(inst.a as usize);
    sp.set_top(op(a, b));
}

/// DUPn + comparison: as [`dup_then`], for an operator whose result is a flag.
#[inline(always)]
pub(crate) fn dup_then_flag(sp: &mut Sp, inst: &Inst, op: impl FnOnce(U256, U256) -> bool) {
    let (a, b) = sp.dup_top(inst.a as usize);
    sp.set_top_flag(op(a, b));
}

/// PUSHn + operator: the top becomes the constant `a | b << 32` `op` the top, nothing pushed.
#[inline(always)]
pub(crate) fn push_then(sp: &mut Sp, inst: &Inst, op: impl FnOnce(U256, U256) -> U256) {
    let (a, b) = (small_value(inst), sp.top_value());
    sp.set_top(op(a, b));
}

/// PUSHn + comparison: as [`push_then`], for an operator whose result is a flag.
#[inline(always)]
pub(crate) fn push_then_flag(sp: &mut Sp, inst: &Inst, op: impl FnOnce(U256, U256) -> bool) {
    let (a, b) = (small_value(inst), sp.top_value());
    sp.set_top_flag(op(a, b));
}

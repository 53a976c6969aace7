//! The dispatch loop's registers: instruction pointer, stack pointer and gas.

use kestrel_primitives::U256;

use crate::memory::to_saturated;
use crate::stack::Sp;
use kestrel_bytecode::{RUN_CHUNK, RunChunk, RunEntry};

use crate::{Frame, Gas, STACK_LIMIT, Status, Step};

/// The machine state the dispatch loop keeps in locals while it runs a frame.
///
/// [`Regs::load`] copies it out of the [`Frame`] when the loop starts and [`Regs::save`]
/// writes it back wherever something outside the loop may look: around host-shaped handlers,
/// before a tracer call, and when the loop returns. In between, the frame's `pc`, stack length
/// and gas are stale, so the handlers that run on registers (stack and frame shapes) read and
/// write only these.
///
/// Because a `Regs` never has its address taken by a function that is not inlined into the
/// loop, the compiler keeps its fields in machine registers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    /// The opcode being executed, inside the frame's padded code.
    ip: *const u8,
    /// The start of the frame's padded code.
    code: *const u8,
    /// The run table's chunks (see [`RunChunk`]).
    runs: *const RunChunk,
    /// The operand stack's top.
    pub(crate) sp: Sp,
    /// The frame's gas.
    pub(crate) gas: Gas,
}

impl Regs {
    /// The registers of `f` as it rests.
    #[inline(always)]
    pub(crate) fn load(f: &mut Frame) -> Self {
        let code = f.code.padded().as_ptr();
        debug_assert!(f.pc < f.code.padded().len());
        // SAFETY: `f.pc` is inside the padded code: frames start at 0 and every pc the loop
        // saves points at an opcode of the code or at the STOP in the padding.
        let ip = unsafe { code.add(f.pc) };
        let runs = f.code.run_chunks().as_ptr();
        Self { ip, code, runs, sp: f.stack.sp(), gas: f.gas }
    }

    /// Writes the registers back into `f`.
    #[inline(always)]
    pub(crate) fn save(&self, f: &mut Frame) {
        f.pc = self.pc();
        f.stack.set_from(self.sp);
        f.gas = self.gas;
    }

    /// The opcode at the instruction pointer.
    #[inline(always)]
    pub(crate) fn opcode(&self) -> u8 {
        // SAFETY: `ip` always points into the padded code (see `load` and `advance`); the
        // frame's `Arc<Bytecode>` keeps the buffer alive and unchanged while the loop runs.
        unsafe { *self.ip }
    }

    /// The program counter: the instruction pointer's offset in the code.
    #[inline(always)]
    pub(crate) fn pc(&self) -> usize {
        // SAFETY: both pointers are into the same padded code buffer, `ip >= code`.
        unsafe { self.ip.offset_from(self.code) as usize }
    }

    /// Moves past the current opcode and its `immediate` bytes.
    #[inline(always)]
    pub(crate) fn advance(&mut self, bytes: usize) {
        // SAFETY: an opcode's immediates end inside the padding (a PUSH32 on the last code byte
        // ends at the padding's final STOP), and running off the code lands on that STOP, which
        // ends the frame: `ip` never leaves the buffer.
        self.ip = unsafe { self.ip.add(bytes) };
    }

    /// The byte after the opcode: the immediate operand of an `operand`-shaped opcode.
    #[inline(always)]
    #[cfg_attr(not(feature = "test-opcodes"), allow(dead_code))]
    pub(crate) fn operand(&self) -> u8 {
        // SAFETY: the padding holds 33 readable bytes after any opcode of the code.
        unsafe { *self.ip.add(1) }
    }

    /// The `N` bytes after the opcode, as a big-endian word (PUSHn). The padding guarantees
    /// 33 readable bytes after any opcode of the code, and bytes past the end read as zero.
    #[inline(always)]
    pub(crate) fn immediate<const N: usize>(&self) -> U256 {
        if N <= 8 {
            // SAFETY: 8 bytes after the opcode are inside the padded buffer (33 bytes of padding).
            let raw = unsafe { self.ip.add(1).cast::<[u8; 8]>().read_unaligned() };
            let value = u64::from_be_bytes(raw) >> (64 - 8 * N);
            U256::from_limbs([value, 0, 0, 0])
        } else {
            let mut word = [0u8; 32];
            // SAFETY: `N <= 32` bytes after the opcode are inside the padded buffer.
            unsafe { core::ptr::copy_nonoverlapping(self.ip.add(1), word.as_mut_ptr().add(32 - N), N) };
            U256::from_be_bytes(word)
        }
    }

    /// Checks, where control arrives at a straight-line run, that the run can finish: the gas
    /// left covers its static gas, and the stack holds what it needs and has room for what it
    /// adds. Running it otherwise would end in an out-of-gas or stack halt anyway, and halting
    /// here keeps an underfunded frame from running a long block first, and lets the fast
    /// runner skip every per-opcode stack check inside the run.
    #[inline(always)]
    pub(crate) fn check_run(&self, f: &Frame) -> Step {
        let pc = self.pc();
        // SAFETY: the table has a chunk for every pc up to the code length, and the check runs
        // at an opcode of the code (pc 0, a frame's resume point, a jump's target) or after a
        // JUMPI (at most the code length).
        let run = unsafe { &*self.runs.add(pc / RUN_CHUNK) }.slot(pc).load();
        // An empty slot reads as a run no stack fits (see `RunSlot`): only a failed check asks.
        if self.gas.remaining >= run.gas as i64
            && self.sp.len().wrapping_sub(run.stack_required as usize) < run.stack_room as usize
        {
            return Ok(());
        }
        // A copy goes out of line, never `self`: a `Regs` whose address escapes lives in memory.
        check_run_slow(*self, f, pc)
    }

    /// Whether the gas left covers `run`'s static gas and the stack its needs and growth.
    #[inline(always)]
    pub(crate) fn check_entry(&self, run: &RunEntry) -> Step {
        // The second test (with the reserve of limits above i64::MAX) runs only on the rare path.
        if self.gas.remaining < run.gas as i64 && self.gas.remaining() < run.gas as u64 {
            return Err(Status::OutOfGas);
        }
        // Both stack bounds in one compare (see `RunEntry::stack_room`); which one failed is
        // worked out only on the way out.
        let height = self.sp.len();
        if height.wrapping_sub(run.stack_required as usize) >= run.stack_room as usize {
            return Err(stack_error(height, run));
        }
        Ok(())
    }

    /// Jumps to `target` when it is a JUMPDEST of `f`'s code (JUMP and a taken JUMPI).
    #[inline(always)]
    pub(crate) fn jump(&mut self, f: &Frame, target: U256) -> Step {
        let target = to_saturated(target);
        if !f.code.is_jumpdest(target) {
            return Err(Status::InvalidJump);
        }
        // SAFETY: a JUMPDEST is a byte of the code, so the target is inside the buffer.
        self.ip = unsafe { self.code.add(target) };
        Ok(())
    }
}

/// A failed run check: fills the slot on the first arrival at `pc`, then checks exactly.
#[cold]
#[inline(never)]
fn check_run_slow(r: Regs, f: &Frame, pc: usize) -> Step {
    r.check_entry(&f.code.run_entry(pc))
}

/// The halt of a run whose stack bounds `height` fails: underflow when it has too few items,
/// otherwise overflow.
#[cold]
fn stack_error(height: usize, run: &RunEntry) -> Status {
    if height < run.stack_required as usize {
        Status::StackUnderflow
    } else {
        debug_assert!(height + run.stack_growth as usize > STACK_LIMIT);
        Status::StackOverflow
    }
}

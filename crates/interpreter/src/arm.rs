//! What every generated dispatch arm is made of, written once: leaving the loop, an opcode's
//! static gas and stack checks, and the two calling conventions of handlers that need more than
//! the stack pointer.
//!
//! The generated runners (`generated/runner.rs`, `generated/compiled_runner.rs`) are a `match`
//! whose arms call these in an order the opcode table decides. Every function here is
//! `#[inline(always)]` and takes its table facts as constants, so each arm compiles to what a
//! hand-written arm would: the fast runner's accumulate-only arms to one subtraction.

use crate::regs::Regs;
use crate::static_gas::UNDEFINED_GAS;
use crate::{Frame, Status, Step};

/// Yields the `Ok` value of a `Result<_, Status>`, or leaves the dispatch loop labelled `$loop`
/// with its status. The one exit of every arm: the tracing runner reports the status to its
/// tracer once, after the loop.
macro_rules! ok {
    ($loop:lifetime, $step:expr) => {
        match $step {
            Ok(value) => value,
            Err(status) => break $loop status,
        }
    };
}
pub(crate) use ok;

/// Whether the opcode exists in the running fork, its stack bounds (tracing runner only: the
/// fast runner checked the whole straight-line run where control arrived, see
/// [`Regs::check_run`]) and its static `gas`, before its handler runs.
///
/// `late`: the opcode was introduced after Frontier, so `gas` (read from the fork's table) may
/// be [`UNDEFINED_GAS`]. `inputs`: items the opcode pops; `growth`: items it adds beyond them.
/// The fast runner subtracts `gas` without a check and tests the sign only at `flush`
/// opcodes (see [`crate::Gas`]); the tracing runner charges exactly, opcode by opcode.
#[inline(always)]
pub(crate) fn charge<const TRACE: bool>(
    r: &mut Regs,
    gas: u16,
    late: bool,
    inputs: usize,
    growth: usize,
    flush: bool,
) -> Step {
    if late && gas == UNDEFINED_GAS {
        return Err(Status::InvalidOpcode);
    }
    if TRACE {
        if inputs > 0 && r.sp.has_fewer_than(inputs) {
            return Err(Status::StackUnderflow);
        }
        if growth > 0 && r.sp.has_no_room_for(growth) {
            return Err(Status::StackOverflow);
        }
        return r.gas.charge(gas as u64);
    }
    r.gas.remaining -= gas as i64;
    if flush { r.gas.flush() } else { Ok(()) }
}

/// Where a handler leaves control at the start of a straight-line run (a jump's target, JUMPI's
/// fall-through): the fast runner checks that the run can finish (see [`Regs::check_run`]).
#[inline(always)]
pub(crate) fn arrive<const TRACE: bool>(r: &Regs, f: &Frame) -> Step {
    if TRACE { Ok(()) } else { r.check_run(f) }
}

// The calling conventions are macros, not functions: a handler called inside a small
// `#[inline(always)]` wrapper is inlined into the wrapper (Rust's MIR inliner sees a small
// caller) and so into the loop, where LLVM alone keeps the big rare handlers out of line. With
// wrapper functions, snailtracer ran 6.5 % more instructions (DESIGN.md, "Generated code").

/// Calls a frame-shaped handler on the loop's registers `$r`.
///
/// The handler works on a copy of the registers that is written back after it: should the
/// compiler keep the handler out of line, only the copy's address escapes, so the loop's own
/// registers stay in machine registers.
macro_rules! frame {
    ($r:ident, $f:ident, $b:ident, $handler:expr) => {{
        let mut regs = $r;
        let result = $handler(&mut regs, $f, $b);
        $r = regs;
        result
    }};
}
pub(crate) use frame;

/// Calls a host-shaped handler from the interpreter: the host may look at the frame (and CALL and
/// CREATE move its pc), so the registers go out before the call and come back in after it, and
/// only then does a halt leave the loop.
macro_rules! host {
    ($r:ident, $f:ident, $b:ident, $host:ident, $handler:expr) => {{
        $r.save($f);
        let result = $handler($f, $b, $host);
        $r = $crate::regs::Regs::load($f);
        result
    }};
}
pub(crate) use host;

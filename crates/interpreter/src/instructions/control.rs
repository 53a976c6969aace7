//! Control flow: STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, RETURN, REVERT (EIP-140), INVALID.

use kestrel_primitives::U256;

use crate::memory::expand;
use crate::regs::Regs;
use crate::stack::Sp;
use crate::{Buffers, Frame, Status, Step};

/// STOP.
#[inline(always)]
pub(crate) fn op_stop(_r: &mut Regs, _f: &mut Frame, _b: &mut Buffers) -> Step {
    Err(Status::Stop)
}

/// JUMP.
#[inline(always)]
pub(crate) fn op_jump(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    let target = r.sp.pop_limbs();
    r.jump(f, target)
}

/// JUMPI.
#[inline(always)]
pub(crate) fn op_jumpi(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    let target = r.sp.pop_limbs();
    if r.sp.pop_is_zero() {
        r.advance(1);
        Ok(())
    } else {
        r.jump(f, target)
    }
}

/// PC.
#[inline(always)]
pub(crate) fn op_pc(r: &mut Regs, _f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(U256::from(r.pc()));
    Ok(())
}

/// GAS: the gas left after paying for this opcode.
#[inline(always)]
pub(crate) fn op_gas(r: &mut Regs, _f: &mut Frame, _b: &mut Buffers) -> Step {
    r.sp.push(U256::from(r.gas.remaining()));
    Ok(())
}

/// JUMPDEST: a marker; costs its static gas only.
#[inline(always)]
pub(crate) fn op_jumpdest(_s: &mut Sp) {}

/// Pops the output range, expands memory over it and records it as the frame's output.
#[inline]
fn set_output(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [offset, len] = r.sp.popn::<2>();
    f.output = expand(&mut r.gas, b, f.memory_base, offset, len)?;
    Ok(())
}

/// RETURN.
#[inline]
pub(crate) fn op_return(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    set_output(r, f, b)?;
    Err(Status::Return)
}

/// REVERT (EIP-140).
#[inline]
pub(crate) fn op_revert(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    set_output(r, f, b)?;
    Err(Status::Revert)
}

/// INVALID (0xFE): the designated invalid instruction.
#[inline]
pub(crate) fn op_invalid(_r: &mut Regs, _f: &mut Frame, _b: &mut Buffers) -> Step {
    Err(Status::InvalidFe)
}

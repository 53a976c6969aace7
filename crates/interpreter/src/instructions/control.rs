//! Control flow: STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, RETURN, REVERT (EIP-140), INVALID.

use kestrel_primitives::U256;

use crate::memory::{expand, to_saturated};
use crate::{Buffers, Frame, Stack, Status, Step};

/// STOP.
#[inline(always)]
pub fn op_stop(_f: &mut Frame, _b: &mut Buffers) -> Step {
    Err(Status::Stop)
}

/// Moves the pc to `target` when it is a JUMPDEST opcode of the code.
#[inline(always)]
fn jump_to(f: &mut Frame, target: U256) -> Step {
    let target = to_saturated(target);
    if !f.code.is_jumpdest(target) {
        return Err(Status::InvalidJump);
    }
    f.pc = target;
    Ok(())
}

/// JUMP.
#[inline(always)]
pub fn op_jump(f: &mut Frame, _b: &mut Buffers) -> Step {
    let target = f.stack.pop();
    jump_to(f, target)
}

/// JUMPI.
#[inline(always)]
pub fn op_jumpi(f: &mut Frame, _b: &mut Buffers) -> Step {
    let [target, condition] = f.stack.popn::<2>();
    if condition.is_zero() {
        f.pc += 1;
        Ok(())
    } else {
        jump_to(f, target)
    }
}

/// PC.
#[inline(always)]
pub fn op_pc(f: &mut Frame, _b: &mut Buffers) -> Step {
    f.stack.push(U256::from(f.pc));
    Ok(())
}

/// GAS: the gas left after paying for this opcode.
#[inline(always)]
pub fn op_gas(f: &mut Frame, _b: &mut Buffers) -> Step {
    f.stack.push(U256::from(f.gas.remaining()));
    Ok(())
}

/// JUMPDEST: a marker; costs its static gas only.
#[inline(always)]
pub fn op_jumpdest(_s: &mut Stack) {}

/// Pops the output range, expands memory over it and records it as the frame's output.
#[inline]
fn set_output(f: &mut Frame, b: &mut Buffers) -> Step {
    let [offset, len] = f.stack.popn::<2>();
    f.output = expand(f, b, offset, len)?;
    Ok(())
}

/// RETURN.
#[inline]
pub fn op_ret(f: &mut Frame, b: &mut Buffers) -> Step {
    set_output(f, b)?;
    Err(Status::Return)
}

/// REVERT (EIP-140).
#[inline]
pub fn op_revert(f: &mut Frame, b: &mut Buffers) -> Step {
    set_output(f, b)?;
    Err(Status::Revert)
}

/// INVALID (0xFE): the designated invalid instruction.
#[inline]
pub fn op_invalid(_f: &mut Frame, _b: &mut Buffers) -> Step {
    Err(Status::InvalidFe)
}

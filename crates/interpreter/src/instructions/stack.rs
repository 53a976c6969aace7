//! Stack manipulation: POP, PUSH0 (EIP-3855), PUSH1..PUSH32, DUP1..DUP16, SWAP1..SWAP16.

use kestrel_primitives::U256;

use crate::regs::Regs;
use crate::stack::Sp;
use crate::{Buffers, Frame, Step};

/// POP.
#[inline(always)]
pub(crate) fn op_pop(s: &mut Sp) {
    s.pop();
}

/// PUSH0 (EIP-3855).
#[inline(always)]
pub(crate) fn op_push0(s: &mut Sp) {
    s.push(U256::ZERO);
}

/// PUSHn: pushes the `N` bytes after the opcode. The code is padded, so the read never runs
/// past the buffer, and bytes past the end of the real code read as zero as the spec requires.
#[inline(always)]
pub(crate) fn op_push<const N: usize>(r: &mut Regs, _f: &mut Frame, _b: &mut Buffers) -> Step {
    let value = r.immediate::<N>();
    r.sp.push(value);
    Ok(())
}

/// DUPn.
#[inline(always)]
pub(crate) fn op_dup<const N: usize>(s: &mut Sp) {
    s.dup(N);
}

/// DUPN, a table-only opcode of test builds (EIP-663's semantics, EIP-8024's shape): the
/// `operand + 1`-th item copied to the top. Its stack need depends on the operand, so the
/// handler checks it (the run check covers only the growth the table states).
#[cfg(feature = "test-opcodes")]
#[inline(always)]
pub(crate) fn op_dupn(s: &mut Sp, operand: u8) -> Step {
    let n = operand as usize + 1;
    if s.len() < n {
        return Err(crate::Status::StackUnderflow);
    }
    s.dup(n);
    Ok(())
}

/// SWAPn.
#[inline(always)]
pub(crate) fn op_swap<const N: usize>(s: &mut Sp) {
    s.swap(N);
}

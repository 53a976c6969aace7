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

/// SWAPn.
#[inline(always)]
pub(crate) fn op_swap<const N: usize>(s: &mut Sp) {
    s.swap(N);
}

//! Stack manipulation: POP, PUSH0 (EIP-3855), PUSH1..PUSH32, DUP1..DUP16, SWAP1..SWAP16.

use kestrel_primitives::U256;

use crate::{Buffers, Frame, Stack, Step};

/// POP.
#[inline(always)]
pub fn op_pop(s: &mut Stack) {
    s.pop();
}

/// PUSH0 (EIP-3855).
#[inline(always)]
pub fn op_push0(s: &mut Stack) {
    s.push(U256::ZERO);
}

/// PUSHn: pushes the `N` bytes after the opcode. The code is padded, so the read never runs
/// past the buffer, and bytes past the end of the real code read as zero as the spec requires.
#[inline(always)]
pub fn op_push<const N: usize>(f: &mut Frame, _b: &mut Buffers) -> Step {
    let start = f.pc + 1;
    let bytes = &f.code.padded()[start..start + N];
    let mut word = [0u8; 32];
    word[32 - N..].copy_from_slice(bytes);
    f.stack.push(U256::from_be_bytes(word));
    Ok(())
}

/// DUPn.
#[inline(always)]
pub fn op_dup<const N: usize>(s: &mut Stack) {
    s.dup(N);
}

/// SWAPn.
#[inline(always)]
pub fn op_swap<const N: usize>(s: &mut Stack) {
    s.swap(N);
}

//! Memory: KECCAK256, MLOAD, MSTORE, MSTORE8, MSIZE, MCOPY (EIP-5656).

use kestrel_primitives::gas::frontier::{COPY_WORD, KECCAK256_WORD};
use kestrel_primitives::{KECCAK_EMPTY, U256, keccak256};

use crate::memory::{copy_cost, expand, expand_to, size, to_small};
use crate::regs::Regs;
use crate::{Buffers, Frame, Step};

/// KECCAK256 of a memory range.
#[inline]
pub(crate) fn op_keccak256(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [offset, len] = r.sp.popn::<2>();
    let (offset, len) = expand(&mut r.gas, b, f.memory_base, offset, len)?;
    r.gas.charge(copy_cost(KECCAK256_WORD, len))?;
    let hash = if len == 0 {
        KECCAK_EMPTY
    } else {
        let Buffers { memory, keccak_memo, .. } = b;
        let start = f.memory_base + offset;
        let input = &memory[start..start + len];
        match <&[u8; 64]>::try_from(input) {
            Ok(pair) => keccak_memo.hash(pair),
            Err(_) => keccak256(input),
        }
    };
    r.sp.push(hash.into());
    Ok(())
}

/// Expands memory to cover a 32-byte word at `offset` and returns its absolute start.
#[inline(always)]
fn word_at(
    r: &mut Regs,
    f: &mut Frame,
    b: &mut Buffers,
    offset: U256,
    len: u64,
) -> Result<usize, crate::Status> {
    let offset = to_small(offset)?;
    expand_to(&mut r.gas, b, f.memory_base, offset as u64 + len)?;
    Ok(f.memory_base + offset)
}

/// MLOAD.
#[inline(always)]
pub(crate) fn op_mload(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let offset = r.sp.pop();
    let start = word_at(r, f, b, offset, 32)?;
    let word: [u8; 32] = b.memory[start..start + 32].try_into().expect("32-byte slice");
    r.sp.push(U256::from_be_bytes(word));
    Ok(())
}

/// MSTORE.
#[inline(always)]
pub(crate) fn op_mstore(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [offset, value] = r.sp.popn::<2>();
    let start = word_at(r, f, b, offset, 32)?;
    b.memory[start..start + 32].copy_from_slice(&value.to_be_bytes::<32>());
    Ok(())
}

/// MSTORE8.
#[inline(always)]
pub(crate) fn op_mstore8(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [offset, value] = r.sp.popn::<2>();
    let start = word_at(r, f, b, offset, 1)?;
    b.memory[start] = value.byte(0);
    Ok(())
}

/// MSIZE.
#[inline(always)]
pub(crate) fn op_msize(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let bytes = size(f.memory_base, b);
    r.sp.push(U256::from(bytes));
    Ok(())
}

/// MCOPY (EIP-5656): copies within memory, ranges may overlap.
#[inline]
pub(crate) fn op_mcopy(r: &mut Regs, f: &mut Frame, b: &mut Buffers) -> Step {
    let [dest, src, len] = r.sp.popn::<3>();
    let len = to_small(len)?;
    if len == 0 {
        return Ok(());
    }
    let (dest, src) = (to_small(dest)?, to_small(src)?);
    expand_to(&mut r.gas, b, f.memory_base, dest.max(src) as u64 + len as u64)?;
    r.gas.charge(copy_cost(COPY_WORD, len))?;
    let base = f.memory_base;
    b.memory.copy_within(base + src..base + src + len, base + dest);
    Ok(())
}

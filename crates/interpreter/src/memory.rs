//! Memory expansion and stack-word conversions shared by the memory-touching handlers.

use kestrel_primitives::U256;

use crate::gas::{memory_cost, words};
use crate::{Buffers, Gas, Status};

/// The largest memory offset plus length a frame may reach, in bytes, and the most memory all
/// live frames of a transaction (with its call data) may hold together.
///
/// Reaching it costs about 3.5 × 10¹³ gas (`3w + w²/512` at 2²⁷ words), far above any block gas
/// limit, so refusing larger ranges as out-of-gas changes no outcome reachable on a real chain and
/// keeps every allocation bounded.
pub const MEMORY_LIMIT: u64 = u32::MAX as u64;

/// A stack word as a `usize` that must be small (an offset or length into memory or data):
/// anything at or above [`MEMORY_LIMIT`] cannot be paid for and halts out-of-gas.
#[inline(always)]
pub fn to_small(value: U256) -> Result<usize, Status> {
    let limbs = value.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 || limbs[0] >= MEMORY_LIMIT {
        return Err(Status::OutOfGas);
    }
    Ok(limbs[0] as usize)
}

/// A stack word as a `usize`, saturating: for offsets into data that are read with zero fill,
/// where a huge offset simply reads zeros.
#[inline(always)]
pub fn to_saturated(value: U256) -> usize {
    let limbs = value.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 || limbs[0] > usize::MAX as u64 {
        usize::MAX
    } else {
        limbs[0] as usize
    }
}

/// Current size in bytes (always a multiple of 32) of the frame whose memory starts at `base`.
#[inline(always)]
pub fn size(base: usize, b: &Buffers) -> usize {
    b.memory.len() - base
}

/// Makes `[offset, offset + len)` addressable, charging the expansion cost (only the difference
/// between the new and old size's cost) before allocating. A zero `len` touches nothing, whatever
/// the offset. Returns the range as `usize`s.
#[inline]
pub fn expand(
    gas: &mut Gas,
    b: &mut Buffers,
    base: usize,
    offset: U256,
    len: U256,
) -> Result<(usize, usize), Status> {
    let len = to_small(len)?;
    if len == 0 {
        return Ok((0, 0));
    }
    let offset = to_small(offset)?;
    expand_to(gas, b, base, offset as u64 + len as u64)?;
    Ok((offset, len))
}

/// Makes the first `end` bytes of the memory at `base` addressable (no-op when they already
/// are), charging `gas` for growth before allocating.
#[inline(always)]
pub fn expand_to(gas: &mut Gas, b: &mut Buffers, base: usize, end: u64) -> Result<(), Status> {
    let current = size(base, b) as u64;
    if end <= current {
        return Ok(());
    }
    let (cost, new_len) = growth(base, current, end)?;
    gas.charge(cost)?;
    // A failed allocation below the limit halts out-of-gas too, instead of aborting the process.
    b.memory.try_reserve(new_len - b.memory.len()).map_err(|_| Status::OutOfGas)?;
    b.memory.resize(new_len, 0);
    Ok(())
}

/// The cost of growing the memory at `base` from `current` to cover `end` bytes, and the
/// buffer's new length. Out of line and free of references to the caller's gas, so the dispatch
/// loop's gas register never has its address taken.
///
/// All frames share one buffer, so [`MEMORY_LIMIT`] also bounds the total of a transaction: a
/// thousand frames asking for a GiB each would otherwise abort the process. Reaching it costs at
/// least about 3.5 × 10¹⁰ gas (1024 frames of 4 MiB), still far above any block gas limit.
#[inline(never)]
fn growth(base: usize, current: u64, end: u64) -> Result<(u64, usize), Status> {
    let new_words = words(end);
    let new_len = base as u64 + new_words * 32;
    if end > MEMORY_LIMIT || new_len > MEMORY_LIMIT {
        return Err(Status::OutOfGas);
    }
    Ok((memory_cost(new_words) - memory_cost(current / 32), new_len as usize))
}

/// Copies `len` bytes of `src` starting at `src_offset` into `memory` (the frame's window) at
/// `dest`, filling with zeros past the end of `src` (CALLDATACOPY, CODECOPY, EXTCODECOPY).
/// Memory must be expanded already.
#[inline]
pub fn copy_padded(memory: &mut [u8], dest: usize, src: &[u8], src_offset: usize, len: usize) {
    if len == 0 {
        return;
    }
    let target = &mut memory[dest..dest + len];
    let available = if src_offset < src.len() { (src.len() - src_offset).min(len) } else { 0 };
    if available > 0 {
        target[..available].copy_from_slice(&src[src_offset..src_offset + available]);
    }
    target[available..].fill(0);
}

/// The memory window starting at `base`, mutable.
#[inline(always)]
pub fn window(base: usize, b: &mut Buffers) -> &mut [u8] {
    &mut b.memory[base..]
}

/// The cost of copying `len` bytes at `per_word` gas per 32-byte word.
#[inline(always)]
pub fn copy_cost(per_word: u64, len: usize) -> u64 {
    per_word * words(len as u64)
}

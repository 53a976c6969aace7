//! Gas accounting for one frame.
//!
//! `remaining` is signed on purpose: opcodes with only static gas subtract their cost without a
//! check (the table's `accumulate` mode), and the check `remaining < 0` runs only at the next
//! `flush` opcode (dynamic gas, jumps, calls, halts). That is observably the same as checking at
//! every opcode: between two flush points execution is straight-line, the skipped checks could
//! only have found an out-of-gas halt, and an out-of-gas halt consumes all of the frame's gas and
//! reverts everything the frame did, whichever opcode it is blamed on. Straight-line code is at
//! most the code length long, so the deficit cannot overflow an `i64`.
//!
//! Gas limits above `i64::MAX` (valid before Osaka's EIP-7825 cap when the block allows them)
//! keep the part that does not fit in `reserve`. A flush that finds `remaining < 0` moves the
//! reserve in before declaring out-of-gas, so the hot path is still one sign test, and GAS,
//! CALL's 63/64 rule and the final gas left all see the exact amount.

use kestrel_primitives::gas::frontier::{MEMORY_QUAD_DIVISOR, MEMORY_WORD};

use crate::Status;

/// The gas of one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gas {
    /// The gas the frame started with.
    pub limit: u64,
    /// Gas left; negative only between an accumulated static cost and the next flush.
    pub remaining: i64,
    /// The refund counter (may go negative inside a frame under EIP-2200 rules).
    pub refunded: i64,
    /// Gas left beyond what `remaining` holds; non-zero only for limits above `i64::MAX`.
    pub reserve: u64,
}

impl Gas {
    /// A frame's gas with `limit` available; any `u64` is exact.
    pub fn new(limit: u64) -> Self {
        let mut gas = Self { limit, remaining: 0, refunded: 0, reserve: 0 };
        gas.set_left(limit);
        gas
    }

    /// Sets the gas left to `left`, splitting it between `remaining` and `reserve`.
    #[inline(always)]
    fn set_left(&mut self, left: u64) {
        (self.remaining, self.reserve) = split(left);
    }

    /// Gas left, as an unsigned amount (zero while a deficit is pending).
    #[inline(always)]
    pub fn remaining(&self) -> u64 {
        self.reserve.saturating_add_signed(self.remaining)
    }

    /// Gas spent so far.
    #[inline]
    pub fn spent(&self) -> u64 {
        self.limit - self.remaining()
    }

    /// Checks the accumulated static gas: the flush point of the accumulation scheme.
    #[inline(always)]
    pub fn flush(&mut self) -> Result<(), Status> {
        if self.remaining < 0 {
            (self.remaining, self.reserve) = refill(self.remaining, self.reserve)?;
        }
        Ok(())
    }

    /// Charges `cost` now, failing with out-of-gas when it is not covered.
    #[inline(always)]
    pub fn charge(&mut self, cost: u64) -> Result<(), Status> {
        if self.reserve == 0 {
            // `remaining <= i64::MAX` holds all the gas: one compare, as before reserves.
            if cost > self.remaining.max(0) as u64 {
                return Err(Status::OutOfGas);
            }
            self.remaining -= cost as i64;
            Ok(())
        } else {
            (self.remaining, self.reserve) = charge_reserved(self.remaining, self.reserve, cost)?;
            Ok(())
        }
    }

    /// Adds back gas a child frame did not use (never more than this frame handed out, so the
    /// sum stays within the limit).
    #[inline]
    pub fn reimburse(&mut self, amount: u64) {
        let left = self.remaining().saturating_add(amount);
        self.set_left(left);
    }
}

/// `left` split into the `i64` part and the reserve beyond `i64::MAX`.
#[inline(always)]
fn split(left: u64) -> (i64, u64) {
    let low = left.min(i64::MAX as u64);
    (low as i64, left - low)
}

/// A deficit at a flush: out of gas, unless the reserve covers it. Takes and returns values
/// (no reference to a `Gas`), so the dispatch loop's gas register never has its address taken.
#[cold]
#[inline(never)]
fn refill(remaining: i64, reserve: u64) -> Result<(i64, u64), Status> {
    let left = i128::from(reserve) + i128::from(remaining);
    if left < 0 {
        return Err(Status::OutOfGas);
    }
    // `left` is below the reserve, so it fits a u64.
    Ok(split(left as u64))
}

/// [`Gas::charge`] when part of the gas waits in the reserve; by value, like [`refill`].
#[cold]
#[inline(never)]
fn charge_reserved(remaining: i64, reserve: u64, cost: u64) -> Result<(i64, u64), Status> {
    let left = reserve.saturating_add_signed(remaining);
    if cost > left {
        return Err(Status::OutOfGas);
    }
    Ok(split(left - cost))
}

/// The memory cost of `words` 32-byte words: `3w + w²/512`.
#[inline]
pub const fn memory_cost(words: u64) -> u64 {
    MEMORY_WORD * words + words * words / MEMORY_QUAD_DIVISOR
}

/// Number of 32-byte words needed for `len` bytes.
#[inline]
pub const fn words(len: u64) -> u64 {
    len.div_ceil(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deficit_is_caught_at_flush() {
        let mut gas = Gas::new(5);
        gas.remaining -= 3;
        assert!(gas.flush().is_ok());
        gas.remaining -= 3;
        assert_eq!(gas.flush(), Err(Status::OutOfGas));
        assert_eq!(gas.remaining(), 0);
    }

    #[test]
    fn charge_is_exact() {
        let mut gas = Gas::new(10);
        assert!(gas.charge(10).is_ok());
        assert_eq!(gas.charge(1), Err(Status::OutOfGas));
        assert_eq!(gas.spent(), 10);
    }

    /// Limits above `i64::MAX` are exact: used to be clamped, so a transaction with gas limit
    /// 2^64 - 1 reported 2^63 gas used.
    #[test]
    fn limits_above_i64_max_are_exact() {
        let mut gas = Gas::new(u64::MAX);
        assert_eq!(gas.remaining(), u64::MAX);
        assert_eq!(gas.spent(), 0);
        gas.remaining -= 3;
        assert!(gas.flush().is_ok());
        assert_eq!(gas.remaining(), u64::MAX - 3);
        assert!(gas.charge(u64::MAX - 10).is_ok());
        assert_eq!(gas.remaining(), 7);
        gas.reimburse(u64::MAX - 20);
        assert_eq!(gas.remaining(), u64::MAX - 13);
        assert_eq!(gas.spent(), 13);
        // A deficit at the boundary between `remaining` and `reserve`.
        let mut gas = Gas::new(i64::MAX as u64 + 2);
        gas.remaining = -1;
        gas.reserve = 1;
        assert!(gas.flush().is_ok());
        assert_eq!(gas.remaining(), 0);
        gas.remaining -= 1;
        assert_eq!(gas.flush(), Err(Status::OutOfGas));
    }

    #[test]
    fn memory_cost_formula() {
        assert_eq!(memory_cost(0), 0);
        assert_eq!(memory_cost(1), 3);
        assert_eq!(memory_cost(32), 3 * 32 + 2);
        assert_eq!(words(33), 2);
    }
}

//! Gas accounting for one frame.
//!
//! `remaining` is signed on purpose: opcodes with only static gas subtract their cost without a
//! check (the table's `accumulate` mode), and the check `remaining < 0` runs only at the next
//! `flush` opcode (dynamic gas, jumps, calls, halts). That is observably the same as checking at
//! every opcode: between two flush points execution is straight-line, the skipped checks could
//! only have found an out-of-gas halt, and an out-of-gas halt consumes all of the frame's gas and
//! reverts everything the frame did, whichever opcode it is blamed on. Straight-line code is at
//! most the code length long, so the deficit cannot overflow an `i64`.

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
}

impl Gas {
    /// A frame's gas with `limit` available. Limits above `i64::MAX` are clamped (no real
    /// transaction gets near them; the host rejects such transactions before they run).
    pub fn new(limit: u64) -> Self {
        let limit = limit.min(i64::MAX as u64);
        Self { limit, remaining: limit as i64, refunded: 0 }
    }

    /// Gas left, as an unsigned amount (zero while a deficit is pending).
    #[inline]
    pub fn remaining(&self) -> u64 {
        self.remaining.max(0) as u64
    }

    /// Gas spent so far.
    #[inline]
    pub fn spent(&self) -> u64 {
        self.limit - self.remaining()
    }

    /// Checks the accumulated static gas: the flush point of the accumulation scheme.
    #[inline(always)]
    pub fn flush(&self) -> Result<(), Status> {
        if self.remaining < 0 { Err(Status::OutOfGas) } else { Ok(()) }
    }

    /// Charges `cost` now, failing with out-of-gas when it is not covered.
    #[inline(always)]
    pub fn charge(&mut self, cost: u64) -> Result<(), Status> {
        if cost > self.remaining() {
            return Err(Status::OutOfGas);
        }
        self.remaining -= cost as i64;
        Ok(())
    }

    /// Adds back gas a child frame did not use.
    #[inline]
    pub fn reimburse(&mut self, amount: u64) {
        self.remaining += amount.min(i64::MAX as u64) as i64;
    }

    /// Spends everything: the effect of an exceptional halt.
    #[inline]
    pub fn spend_all(&mut self) {
        self.remaining = 0;
    }
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

    #[test]
    fn memory_cost_formula() {
        assert_eq!(memory_cost(0), 0);
        assert_eq!(memory_cost(1), 3);
        assert_eq!(memory_cost(32), 3 * 32 + 2);
        assert_eq!(words(33), 2);
    }
}

//! Counting executed opcodes (geth's `--opcode.count`).

use super::{Halt, Inspector, StepInfo};

/// Counts every opcode the tracing runner executes, by byte, across transactions until
/// [`reset`](Self::reset).
#[derive(Clone, Debug)]
pub struct OpcodeCounter {
    counts: [u64; 256],
}

impl Default for OpcodeCounter {
    fn default() -> Self {
        Self { counts: [0; 256] }
    }
}

impl OpcodeCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// How often `op` ran.
    pub fn count(&self, op: u8) -> u64 {
        self.counts[op as usize]
    }

    /// Every opcode that ran at least once, with its count, by byte.
    pub fn counts(&self) -> impl Iterator<Item = (u8, u64)> + '_ {
        (0..=255u8).map(|op| (op, self.counts[op as usize])).filter(|&(_, n)| n > 0)
    }

    /// Opcodes run in all.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Back to zero.
    pub fn reset(&mut self) {
        self.counts = [0; 256];
    }

    /// geth's `--opcode.count` file: a JSON object from opcode name to count.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (op, n)) in self.counts().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("\"{}\":{n}", super::geth_op_name(op)));
        }
        out.push('}');
        out
    }
}

impl Inspector for OpcodeCounter {
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        self.counts[step.op() as usize] += 1;
        Ok(())
    }
}

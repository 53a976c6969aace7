//! A tiny EVM assembler: opcodes, pushes and labels resolved when the code is finished.
//!
//! Labels are always pushed with PUSH2, so the code's layout does not depend on where they
//! land and one pass places everything; the generated code stays far below 64 KiB (a label
//! past it would not fit, and [`Asm::finish`] then points the push at the code's end, which is
//! an invalid jump target rather than a wrong valid one).

use kestrel::primitives::{Address, U256};

/// The opcodes the generator names, from the opcode table (the rest it only ever emits as
/// random bytes).
pub mod op {
    pub use kestrel::bytecode::opcode::*;
}

/// A position in the code, known once placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// Code under construction.
#[derive(Clone, Debug, Default)]
pub struct Asm {
    code: Vec<u8>,
    labels: Vec<Option<usize>>,
    /// (position of a PUSH2 immediate, label it names).
    fixups: Vec<(usize, Label)>,
}

impl Asm {
    /// Empty code.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes emitted so far.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// True when nothing has been emitted.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    /// One opcode.
    pub fn op(&mut self, op: u8) {
        self.code.push(op);
    }

    /// Raw bytes (random code, data).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.code.extend_from_slice(bytes);
    }

    /// Pushes `value` with the shortest PUSHn (PUSH1 for zero, so the code runs before
    /// Shanghai too).
    pub fn push(&mut self, value: U256) {
        let bytes = value.to_be_bytes::<32>();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(31);
        let n = 32 - skip;
        self.code.push(op::PUSH1 + (n as u8 - 1));
        self.code.extend_from_slice(&bytes[skip..]);
    }

    /// Pushes a small number.
    pub fn push_u64(&mut self, value: u64) {
        self.push(U256::from(value));
    }

    /// Pushes an address with PUSH20, as compilers do.
    pub fn push_address(&mut self, address: Address) {
        self.code.push(op::PUSH20);
        self.code.extend_from_slice(address.as_slice());
    }

    /// A new, unplaced label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Places `label` here and emits a JUMPDEST for it.
    pub fn jumpdest(&mut self, label: Label) {
        self.labels[label.0] = Some(self.code.len());
        self.code.push(op::JUMPDEST);
    }

    /// Places `label` here without emitting anything (data, or a byte inside push data).
    pub fn mark(&mut self, label: Label) {
        self.labels[label.0] = Some(self.code.len());
    }

    /// Pushes the position of `label` (PUSH2, resolved by [`finish`](Self::finish)).
    pub fn push_label(&mut self, label: Label) {
        self.code.push(op::PUSH2);
        self.fixups.push((self.code.len(), label));
        self.code.extend_from_slice(&[0, 0]);
    }

    /// The finished code. An unplaced label, or one beyond 16 bits, resolves to the code's
    /// length clamped to 16 bits: never a JUMPDEST, so a jump to it halts.
    pub fn finish(mut self) -> Vec<u8> {
        let end = self.code.len().min(0xffff);
        for (at, label) in std::mem::take(&mut self.fixups) {
            let target = self.labels[label.0].filter(|&p| p <= 0xffff).unwrap_or(end);
            self.code[at..at + 2].copy_from_slice(&(target as u16).to_be_bytes());
        }
        self.code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_are_minimal() {
        let mut a = Asm::new();
        a.push(U256::ZERO);
        a.push(U256::from(0x1234));
        a.push(U256::MAX);
        let code = a.finish();
        assert_eq!(&code[..5], &[op::PUSH1, 0, op::PUSH2, 0x12, 0x34]);
        assert_eq!(code[5], op::PUSH32);
        assert_eq!(code.len(), 5 + 33);
    }

    #[test]
    fn labels_resolve_forwards_and_backwards() {
        let mut a = Asm::new();
        let back = a.label();
        let fwd = a.label();
        a.jumpdest(back);
        a.push_label(fwd);
        a.op(op::JUMP);
        a.push_label(back);
        a.jumpdest(fwd);
        let code = a.finish();
        assert_eq!(code, vec![op::JUMPDEST, op::PUSH2, 0, 8, op::JUMP, op::PUSH2, 0, 0, op::JUMPDEST]);
    }

    #[test]
    fn an_unplaced_label_points_past_the_code() {
        let mut a = Asm::new();
        let nowhere = a.label();
        a.push_label(nowhere);
        assert_eq!(a.finish(), vec![op::PUSH2, 0, 3]);
    }
}

//! A tiny EVM assembler for tests: `Asm::new().push(1).push(2).op(ADD).build()`.
//!
//! Pushes pick the smallest PUSHn that holds the value (PUSH1 for zero, so the code runs in
//! every fork; use [`Asm::push0`] for the Shanghai opcode). Labels are JUMPDESTs that
//! `jump`/`jumpi`/`push_label` refer to by name; they are resolved in [`Asm::build`] as PUSH2.

use std::collections::HashMap;

use kestrel_bytecode::opcode::*;
use kestrel_primitives::{Address, U256};

/// Anything that can be pushed as a 256-bit word.
pub trait Word {
    /// The word.
    fn word(self) -> U256;
}

impl Word for U256 {
    fn word(self) -> U256 {
        self
    }
}

impl Word for u64 {
    fn word(self) -> U256 {
        U256::from(self)
    }
}

impl Word for u32 {
    fn word(self) -> U256 {
        U256::from(self)
    }
}

impl Word for usize {
    fn word(self) -> U256 {
        U256::from(self)
    }
}

impl Word for u128 {
    fn word(self) -> U256 {
        U256::from(self)
    }
}

/// Negative values are pushed as two's complement.
impl Word for i64 {
    fn word(self) -> U256 {
        if self < 0 { U256::from(self.unsigned_abs()).wrapping_neg() } else { U256::from(self as u64) }
    }
}

impl Word for i32 {
    fn word(self) -> U256 {
        (self as i64).word()
    }
}

impl Word for Address {
    fn word(self) -> U256 {
        U256::from_be_slice(self.as_slice())
    }
}

/// The number of bytes PUSHn needs for `value` (at least 1).
pub fn push_width(value: U256) -> usize {
    value.byte_len().max(1)
}

/// The assembler.
#[derive(Clone, Debug, Default)]
pub struct Asm {
    code: Vec<u8>,
    labels: HashMap<String, usize>,
    fixups: Vec<(usize, String)>,
}

impl Asm {
    /// Empty code.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current length (the pc of the next byte).
    pub fn pc(&self) -> usize {
        self.code.len()
    }

    /// Appends one opcode.
    pub fn op(mut self, op: u8) -> Self {
        self.code.push(op);
        self
    }

    /// Appends several opcodes.
    pub fn ops(mut self, ops: &[u8]) -> Self {
        self.code.extend_from_slice(ops);
        self
    }

    /// Appends raw bytes.
    pub fn raw(self, bytes: &[u8]) -> Self {
        self.ops(bytes)
    }

    /// Pushes `value` with the smallest PUSHn.
    pub fn push(self, value: impl Word) -> Self {
        let value = value.word();
        self.push_n(push_width(value), value)
    }

    /// Pushes `value` with PUSH`n` exactly (the low `n` bytes of `value`).
    pub fn push_n(mut self, n: usize, value: impl Word) -> Self {
        assert!((1..=32).contains(&n), "PUSH width {n}");
        let bytes = value.word().to_be_bytes::<32>();
        self.code.push(PUSH1 + (n as u8 - 1));
        self.code.extend_from_slice(&bytes[32 - n..]);
        self
    }

    /// PUSH0.
    pub fn push0(self) -> Self {
        self.op(PUSH0)
    }

    /// Pushes the values so that the first one ends on top: `args(&[a, b])` leaves `a` on top,
    /// the usual argument order of opcodes (`a` is the first operand).
    pub fn args<W: Word + Copy>(mut self, values: &[W]) -> Self {
        for v in values.iter().rev() {
            self = self.push(*v);
        }
        self
    }

    /// A JUMPDEST named `name`.
    pub fn label(mut self, name: &str) -> Self {
        let previous = self.labels.insert(name.to_owned(), self.code.len());
        assert!(previous.is_none(), "label {name} defined twice");
        self.code.push(JUMPDEST);
        self
    }

    /// A plain JUMPDEST.
    pub fn jumpdest(self) -> Self {
        self.op(JUMPDEST)
    }

    /// PUSH2 of the label's pc, resolved at build time.
    pub fn push_label(mut self, name: &str) -> Self {
        self.code.push(PUSH2);
        self.fixups.push((self.code.len(), name.to_owned()));
        self.code.extend_from_slice(&[0, 0]);
        self
    }

    /// JUMP to a label.
    pub fn jump(self, name: &str) -> Self {
        self.push_label(name).op(JUMP)
    }

    /// JUMPI to a label (the condition must already be on the stack).
    pub fn jumpi(self, name: &str) -> Self {
        self.push_label(name).op(JUMPI)
    }

    /// `MSTORE` the top of the stack at 0 and `RETURN` those 32 bytes.
    pub fn ret_top(self) -> Self {
        self.push(0u64).op(MSTORE).push(32u64).push(0u64).op(RETURN)
    }

    /// The code, labels resolved.
    pub fn build(mut self) -> Vec<u8> {
        for (at, name) in &self.fixups {
            let target = *self.labels.get(name).unwrap_or_else(|| panic!("unknown label {name}"));
            let target = u16::try_from(target).expect("label within PUSH2 range");
            self.code[*at..*at + 2].copy_from_slice(&target.to_be_bytes());
        }
        self.code
    }
}

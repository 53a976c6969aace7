//! A tiny EVM assembler: opcodes, pushes and labels resolved when the code is finished.
//!
//! Labels are always pushed with PUSH2, so the code's layout does not depend on where they
//! land and one pass places everything; the generated code stays far below 64 KiB (a label
//! past it would not fit, and [`Asm::finish`] then points the push at the code's end, which is
//! an invalid jump target rather than a wrong valid one).

use kestrel::primitives::{Address, U256};

/// The opcodes the generator names; the rest it only ever emits as random bytes.
#[allow(missing_docs)]
pub mod op {
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const MUL: u8 = 0x02;
    pub const SUB: u8 = 0x03;
    pub const DIV: u8 = 0x04;
    pub const SDIV: u8 = 0x05;
    pub const MOD: u8 = 0x06;
    pub const SMOD: u8 = 0x07;
    pub const ADDMOD: u8 = 0x08;
    pub const MULMOD: u8 = 0x09;
    pub const EXP: u8 = 0x0a;
    pub const SIGNEXTEND: u8 = 0x0b;
    pub const LT: u8 = 0x10;
    pub const GT: u8 = 0x11;
    pub const SLT: u8 = 0x12;
    pub const SGT: u8 = 0x13;
    pub const EQ: u8 = 0x14;
    pub const ISZERO: u8 = 0x15;
    pub const AND: u8 = 0x16;
    pub const OR: u8 = 0x17;
    pub const XOR: u8 = 0x18;
    pub const NOT: u8 = 0x19;
    pub const BYTE: u8 = 0x1a;
    pub const SHL: u8 = 0x1b;
    pub const SHR: u8 = 0x1c;
    pub const SAR: u8 = 0x1d;
    pub const CLZ: u8 = 0x1e;
    pub const KECCAK256: u8 = 0x20;
    pub const ADDRESS: u8 = 0x30;
    pub const BALANCE: u8 = 0x31;
    pub const ORIGIN: u8 = 0x32;
    pub const CALLER: u8 = 0x33;
    pub const CALLVALUE: u8 = 0x34;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CALLDATACOPY: u8 = 0x37;
    pub const CODESIZE: u8 = 0x38;
    pub const CODECOPY: u8 = 0x39;
    pub const GASPRICE: u8 = 0x3a;
    pub const EXTCODESIZE: u8 = 0x3b;
    pub const EXTCODECOPY: u8 = 0x3c;
    pub const RETURNDATASIZE: u8 = 0x3d;
    pub const RETURNDATACOPY: u8 = 0x3e;
    pub const EXTCODEHASH: u8 = 0x3f;
    pub const BLOCKHASH: u8 = 0x40;
    pub const COINBASE: u8 = 0x41;
    pub const TIMESTAMP: u8 = 0x42;
    pub const NUMBER: u8 = 0x43;
    pub const PREVRANDAO: u8 = 0x44;
    pub const GASLIMIT: u8 = 0x45;
    pub const CHAINID: u8 = 0x46;
    pub const SELFBALANCE: u8 = 0x47;
    pub const BASEFEE: u8 = 0x48;
    pub const BLOBHASH: u8 = 0x49;
    pub const BLOBBASEFEE: u8 = 0x4a;
    pub const POP: u8 = 0x50;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const MSTORE8: u8 = 0x53;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMP: u8 = 0x56;
    pub const JUMPI: u8 = 0x57;
    pub const PC: u8 = 0x58;
    pub const MSIZE: u8 = 0x59;
    pub const GAS: u8 = 0x5a;
    pub const JUMPDEST: u8 = 0x5b;
    pub const TLOAD: u8 = 0x5c;
    pub const TSTORE: u8 = 0x5d;
    pub const MCOPY: u8 = 0x5e;
    pub const PUSH0: u8 = 0x5f;
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const PUSH20: u8 = 0x73;
    pub const PUSH32: u8 = 0x7f;
    pub const DUP1: u8 = 0x80;
    pub const DUP2: u8 = 0x81;
    pub const SWAP1: u8 = 0x90;
    pub const LOG0: u8 = 0xa0;
    pub const CREATE: u8 = 0xf0;
    pub const CALL: u8 = 0xf1;
    pub const CALLCODE: u8 = 0xf2;
    pub const RETURN: u8 = 0xf3;
    pub const DELEGATECALL: u8 = 0xf4;
    pub const CREATE2: u8 = 0xf5;
    pub const STATICCALL: u8 = 0xfa;
    pub const REVERT: u8 = 0xfd;
    pub const INVALID: u8 = 0xfe;
    pub const SELFDESTRUCT: u8 = 0xff;
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

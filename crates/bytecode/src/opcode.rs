//! Opcode constants and static facts, generated from `crates/interpreter/opcodes.toml`.

mod generated {
    include!("generated/opcodes.rs");
}

pub use generated::*;

/// How an opcode's immediate bytes decode, as the opcode table states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    /// No immediate.
    None,
    /// A big-endian value the opcode pushes (PUSHn).
    Value,
    /// One byte the opcode's handler interprets (an index, as EIP-8024's DUPN).
    Operand,
}

/// Static facts about one opcode, as the opcode table states them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The mnemonic, e.g. `"ADD"`.
    pub name: &'static str,
    /// Bytes of immediate data following the opcode (PUSHn: n), which the interpreter steps
    /// over and JUMPDEST analysis skips.
    pub immediate: u8,
    /// How the immediate decodes.
    pub decode: Decode,
    /// Stack items consumed.
    pub inputs: u8,
    /// Stack items produced.
    pub outputs: u8,
    /// The least static gas of the opcode in any fork that defines it.
    pub min_gas: u16,
    /// True when the opcode ends a basic block (it jumps or ends the frame).
    pub ends_block: bool,
}

/// One defined row of the generated [`OPCODE_INFO`], its fields in declaration order.
const fn row(
    name: &'static str,
    immediate: u8,
    decode: Decode,
    inputs: u8,
    outputs: u8,
    min_gas: u16,
    ends_block: bool,
) -> Option<OpInfo> {
    Some(OpInfo { name, immediate, decode, inputs, outputs, min_gas, ends_block })
}

/// The facts for `op`, or `None` when no fork assigns it.
#[inline]
pub const fn info(op: u8) -> Option<&'static OpInfo> {
    OPCODE_INFO[op as usize].as_ref()
}

/// The mnemonic of `op`, or `"UNKNOWN"`.
pub const fn name(op: u8) -> &'static str {
    match info(op) {
        Some(i) => i.name,
        None => "UNKNOWN",
    }
}

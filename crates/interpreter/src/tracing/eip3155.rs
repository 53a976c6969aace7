//! An EIP-3155 JSON-lines tracer: one object per executed opcode.

use std::io::Write;

use kestrel_bytecode::opcode;

use super::{Control, Tracer};
use crate::{Buffers, Frame, Status};

/// Writes one EIP-3155 line per opcode (`pc`, `op`, `gas`, `gasCost`, `memSize`, `stack`,
/// `depth`, `refund`, `opName`, and `error` when the opcode halted) to `out`.
///
/// `gasCost` is the gas the opcode consumed, measured around it; for CALL and CREATE it therefore
/// includes the gas handed to the child. Write errors are ignored: tracing never changes execution.
#[derive(Debug)]
pub struct Eip3155Tracer<W: Write> {
    out: W,
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    pc: usize,
    op: u8,
    gas: u64,
    mem_size: usize,
    stack: String,
    depth: usize,
    refund: i64,
}

impl<W: Write> Eip3155Tracer<W> {
    /// A tracer writing to `out`.
    pub fn new(out: W) -> Self {
        Self { out, pending: None }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Tracer for Eip3155Tracer<W> {
    fn step(&mut self, frame: &Frame, buffers: &Buffers, op: u8) -> Control {
        let mut stack = String::from("[");
        for (i, item) in frame.stack().as_slice().iter().enumerate() {
            if i > 0 {
                stack.push(',');
            }
            stack.push_str(&format!("\"{item:#x}\""));
        }
        stack.push(']');
        self.pending = Some(Pending {
            pc: frame.pc,
            op,
            gas: frame.gas.remaining(),
            mem_size: buffers.memory.len().saturating_sub(frame.memory_base),
            stack,
            depth: frame.depth + 1,
            refund: frame.gas.refunded,
        });
        Control::Continue
    }

    fn step_end(&mut self, frame: &Frame, _buffers: &Buffers, _op: u8, status: Option<Status>) {
        let Some(p) = self.pending.take() else { return };
        let after = if status.is_some_and(|s| s.is_halt()) { 0 } else { frame.gas.remaining() };
        let cost = p.gas.saturating_sub(after);
        let error = match status {
            Some(s) if s.is_halt() => format!(",\"error\":\"{s:?}\""),
            _ => String::new(),
        };
        let _ = writeln!(
            self.out,
            "{{\"pc\":{},\"op\":{},\"gas\":\"{:#x}\",\"gasCost\":\"{:#x}\",\"memSize\":{},\"stack\":{},\"depth\":{},\"refund\":{},\"opName\":\"{}\"{}}}",
            p.pc,
            p.op,
            p.gas,
            cost,
            p.mem_size,
            p.stack,
            p.depth,
            p.refund,
            opcode::name(p.op),
            error
        );
    }
}

//! EIP-3155 traces as go-ethereum's JSON logger writes them (`evm statetest --trace`,
//! `evm t8n --trace`), field for field, so goevmlab and other trace differs read them as geth's.
//!
//! What geth does, and this writer with it:
//! - one line per opcode, written before it runs: `pc`, `op`, `gas`, `gasCost`, `memory` (when
//!   asked, omitted when empty), `memSize`, `stack`, `returnData` (when asked, omitted when
//!   empty), `depth` (1 at the top), `refund` (the transaction's counter), `opName`, and `error`
//!   for an opcode that failed before running (out of gas, stack underflow or overflow). geth
//!   logs an opcode after pricing it, and SSTORE's and SELFDESTRUCT's pricing changes the refund
//!   counter: their lines show the counter with their own change (go-ethereum's
//!   `cmd/evm/testdata/32` pins it);
//! - an opcode that fails while running (REVERT, an invalid jump, an undefined opcode, a write
//!   in a static frame, RETURNDATACOPY out of bounds) is written again, with the error, and the
//!   stack and memory as it left them (geth's `OnFault`);
//! - every frame's end, a precompile's or an empty account's too, writes
//!   `{"output":"…","gasUsed":"0x…","error":"…"}` (`error` omitted on success).

use std::fmt::Write as _;
use std::io::Write;

use kestrel_bytecode::opcode;
use kestrel_interpreter::{Status, static_gas};

use super::{FrameEnd, Halt, Inspector, NotRun, StepEnd, StepInfo};

/// Which optional fields the trace carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Eip3155Config {
    /// `memory`: the frame's memory, hex (geth's `--trace.memory` / `EnableMemory`).
    pub memory: bool,
    /// `returnData`: the last call's return data, hex (`EnableReturnData`).
    pub return_data: bool,
}

/// The EIP-3155 writer: an [`Inspector`] writing geth's JSON lines to `out`.
///
/// A write error stops the output (the rest of the trace is dropped) and is kept for
/// [`take_error`](Self::take_error): tracing never changes execution.
#[derive(Debug)]
pub struct Eip3155<W: Write> {
    out: W,
    config: Eip3155Config,
    /// The line of the running opcode up to `gas` (`head`) and from `memory` on (`tail`):
    /// `gasCost` goes between them once the opcode has run.
    head: String,
    tail: String,
    /// The error of the opcode that halted the running frame, for the frame's end line.
    frame_error: Option<String>,
    /// True while the running opcode is the STOP of a frame without code (a creation with
    /// empty init code), which geth does not run at all.
    skip: bool,
    error: Option<std::io::Error>,
}

impl<W: Write> Eip3155<W> {
    /// A writer to `out` with the optional fields of `config`.
    pub fn new(out: W, config: Eip3155Config) -> Self {
        Self {
            out,
            config,
            head: String::new(),
            tail: String::new(),
            frame_error: None,
            skip: false,
            error: None,
        }
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The first write error, if any (the trace stopped there).
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }

    fn write_line(&mut self, line: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(line.as_bytes())
        {
            self.error = Some(e);
        }
    }

    /// `"memory":…,"memSize":…,"stack":[…],"returnData":…,"depth":…,"refund":…,"opName":"…"`
    /// of `step` (return data only when `with_return_data`: geth's fault line has none).
    fn render_tail(&self, step: &StepInfo<'_>, with_return_data: bool) -> String {
        let mut t = String::with_capacity(64 + 70 * step.stack().len());
        let memory = step.memory();
        if self.config.memory && !memory.is_empty() {
            t.push_str(",\"memory\":\"0x");
            push_hex(&mut t, memory);
            t.push('"');
        }
        let _ = write!(t, ",\"memSize\":{},\"stack\":[", memory.len());
        for (i, item) in step.stack().iter().enumerate() {
            if i > 0 {
                t.push(',');
            }
            let _ = write!(t, "\"{item:#x}\"");
        }
        t.push(']');
        let return_data = step.return_data();
        if with_return_data && self.config.return_data && !return_data.is_empty() {
            t.push_str(",\"returnData\":\"0x");
            push_hex(&mut t, return_data);
            t.push('"');
        }
        let _ = write!(
            t,
            ",\"depth\":{},\"refund\":{},\"opName\":\"{}\"",
            step.depth() + 1,
            step.refund(),
            geth_op_name(step.op())
        );
        t
    }
}

impl<W: Write + Send> Inspector for Eip3155<W> {
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        self.skip = step.frame().code().is_empty();
        if self.skip {
            return Ok(());
        }
        self.head.clear();
        let _ =
            write!(self.head, "{{\"pc\":{},\"op\":{},\"gas\":\"{:#x}\"", step.pc(), step.op(), step.gas());
        self.tail = self.render_tail(step, true);
        Ok(())
    }

    fn step_end(&mut self, end: &StepEnd<'_>) {
        if self.skip {
            return;
        }
        let op = end.info.op();
        let status = end.status.filter(|s| s.is_revert() || s.is_halt());
        let Some(status) = status else {
            if matches!(op, opcode::SSTORE | opcode::SELFDESTRUCT) {
                self.tail = with_refund(&self.tail, end.info.refund());
            }
            let line = format!("{},\"gasCost\":\"{:#x}\"{}}}\n", self.head, end.cost, self.tail);
            self.write_line(&line);
            return;
        };
        let error = geth_step_error(status, op, end.info.stack().len());
        self.frame_error = Some(error.clone());
        if fails_before_running(status) {
            // geth checks the stack and charges the gas before it logs the opcode: one line,
            // with the error, costing what geth had priced (the static gas at least).
            let spec = end.info.frame().spec;
            let cost = if end.cost == 0 { static_gas(spec, op).map_or(0, u64::from) } else { end.cost };
            let line =
                format!("{},\"gasCost\":\"{:#x}\"{},\"error\":\"{}\"}}\n", self.head, cost, self.tail, error);
            self.write_line(&line);
        } else {
            // Logged before it ran, then again by geth's OnFault with the error and the frame
            // as the opcode left it.
            let line = format!("{},\"gasCost\":\"{:#x}\"{}}}\n", self.head, end.cost, self.tail);
            self.write_line(&line);
            let tail = self.render_tail(&end.info, false);
            let line = format!(
                "{{\"pc\":{},\"op\":{},\"gas\":\"{:#x}\",\"gasCost\":\"{:#x}\"{},\"error\":\"{}\"}}\n",
                end.info.pc(),
                op,
                end.gas_before,
                end.cost,
                tail,
                error
            );
            self.write_line(&line);
        }
    }

    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        let step_error = self.frame_error.take();
        let mut line = String::with_capacity(48 + 2 * end.output.len());
        line.push_str("{\"output\":\"");
        push_hex(&mut line, end.output);
        let _ = write!(line, "\",\"gasUsed\":\"{:#x}\"", end.gas_used);
        let error = match end.not_run {
            Some(NotRun::InsufficientBalance) => Some("insufficient balance for transfer".to_owned()),
            Some(NotRun::DepthLimit) => Some("max call depth exceeded".to_owned()),
            Some(NotRun::NonceOverflow) => Some("nonce uint64 overflow".to_owned()),
            None if end.status.is_success() => None,
            // No opcode failed, yet out of gas: a creation that could not pay for its code.
            None if end.status == Status::OutOfGas && step_error.is_none() => {
                Some("contract creation code storage out of gas".to_owned())
            }
            None => Some(step_error.unwrap_or_else(|| geth_error(end.status).to_owned())),
        };
        if let Some(error) = error {
            let _ = write!(line, ",\"error\":\"{error}\"");
        }
        line.push_str("}\n");
        self.write_line(&line);
    }
}

/// True for the failures geth finds before it logs the opcode (stack bounds, gas).
/// `tail` with its `"refund"` field set to `refund`.
fn with_refund(tail: &str, refund: i64) -> String {
    const KEY: &str = ",\"refund\":";
    let Some(start) = tail.rfind(KEY) else { return tail.to_owned() };
    let digits = start + KEY.len();
    let end = tail[digits..].find(',').map_or(tail.len(), |i| digits + i);
    format!("{}{refund}{}", &tail[..digits], &tail[end..])
}

fn fails_before_running(status: Status) -> bool {
    matches!(status, Status::OutOfGas | Status::StackUnderflow | Status::StackOverflow | Status::Interrupted)
}

/// geth's error text for a failed opcode: the stack errors name the stack length and the bound.
fn geth_step_error(status: Status, op: u8, stack_len: usize) -> String {
    let info = opcode::info(op);
    match status {
        Status::StackUnderflow => {
            format!("stack underflow ({stack_len} <=> {})", info.map_or(0, |i| i.inputs))
        }
        Status::StackOverflow => {
            let limit = info.map_or(1024, |i| 1024 + i.inputs as usize - i.outputs as usize);
            format!("stack limit reached {stack_len} ({limit})")
        }
        Status::InvalidOpcode | Status::InvalidFe => format!("invalid opcode: {}", geth_op_name(op)),
        other => geth_error(other).to_owned(),
    }
}

/// geth's error text for how a frame ended (`""` for a success).
pub fn geth_error(status: Status) -> &'static str {
    match status {
        Status::Stop | Status::Return | Status::SelfDestruct | Status::Call | Status::Create => "",
        Status::Revert => "execution reverted",
        Status::OutOfGas => "out of gas",
        Status::InvalidOpcode | Status::InvalidFe => "invalid opcode",
        Status::InvalidJump => "invalid jump destination",
        Status::StackUnderflow => "stack underflow",
        Status::StackOverflow => "stack overflow",
        Status::StaticViolation => "write protection",
        Status::ReturnDataOutOfBounds => "return data out of bounds",
        Status::CodeTooLarge => "max code size exceeded",
        Status::InvalidCodePrefix => "invalid code: must not begin with 0xef",
        Status::CreateCollision => "contract address collision",
        // geth returns the precompile's own error; Kestrel's precompiles do not name theirs.
        Status::PrecompileFailure => "precompile failed",
        Status::Interrupted => "execution interrupted by the inspector",
        Status::BuffersMismatch | Status::NotRunnable => "internal error",
    }
}

/// The opcode's name as geth prints it: its own table, where 0x44 is `DIFFICULTY` and the
/// bytes of opcodes Kestrel does not run (EOF, proposals) have names; others are
/// `opcode 0x.. not defined`.
pub fn geth_op_name(op: u8) -> std::borrow::Cow<'static, str> {
    let name = match op {
        0x44 => "DIFFICULTY",
        0x4b => "SLOTNUM",
        0xd0 => "DATALOAD",
        0xd1 => "DATALOADN",
        0xd2 => "DATASIZE",
        0xd3 => "DATACOPY",
        0xe0 => "RJUMP",
        0xe1 => "RJUMPI",
        0xe2 => "RJUMPV",
        0xe3 => "CALLF",
        0xe4 => "RETF",
        0xe5 => "JUMPF",
        0xe6 => "DUPN",
        0xe7 => "SWAPN",
        0xe8 => "EXCHANGE",
        0xec => "EOFCREATE",
        0xee => "RETURNCONTRACT",
        0xf7 => "RETURNDATALOAD",
        0xf8 => "EXTCALL",
        0xf9 => "EXTDELEGATECALL",
        0xfb => "EXTSTATICCALL",
        _ => match opcode::info(op) {
            Some(info) => info.name,
            None => return format!("opcode {op:#x} not defined").into(),
        },
    };
    name.into()
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(2 * bytes.len());
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

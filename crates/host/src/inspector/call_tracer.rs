//! geth's `callTracer`: the transaction's calls as a tree, in geth's JSON shape.

use std::fmt::Write as _;

use kestrel_primitives::{Address, B256, TxEnv, U256};

use super::{FrameEnd, FrameKind, FrameStart, Inspector, NotRun, TxEnd, geth_error};

/// One call of the tree.
#[derive(Clone, Debug, Default)]
struct Call {
    kind: Option<FrameKind>,
    from: Address,
    to: Option<Address>,
    value: Option<U256>,
    gas: u64,
    gas_used: u64,
    input: Vec<u8>,
    output: Vec<u8>,
    error: Option<String>,
    revert_reason: Option<String>,
    calls: Vec<Call>,
    logs: Vec<CallLog>,
}

/// A log of a call.
#[derive(Clone, Debug)]
struct CallLog {
    address: Address,
    topics: Vec<B256>,
    data: Vec<u8>,
    /// Its index in the transaction.
    index: usize,
    /// How many calls the frame had made before it (geth's `position`).
    position: usize,
}

/// geth's `callTracer` (config `withLog`): collects the call tree of each transaction;
/// [`json`](Self::json) renders the last one as geth does (`type`, `from`, `to`, `value`, `gas`,
/// `gasUsed`, `input`, `output`, `error`, `revertReason`, `calls`, `logs`).
#[derive(Clone, Debug, Default)]
pub struct CallTracer {
    with_log: bool,
    gas_limit: u64,
    stack: Vec<Call>,
    done: Option<Call>,
    log_index: usize,
}

impl CallTracer {
    /// A tracer; `with_log` collects the logs of calls that did not fail (geth's `withLog`).
    pub fn new(with_log: bool) -> Self {
        Self { with_log, ..Self::default() }
    }

    /// The last transaction's call tree as geth's JSON; `None` before one ran (or when it was
    /// rejected).
    pub fn json(&self) -> Option<String> {
        let mut out = String::new();
        render(self.done.as_ref()?, &mut out);
        Some(out)
    }
}

impl Inspector for CallTracer {
    fn transaction_start(&mut self, tx: &TxEnv) {
        self.gas_limit = tx.gas_limit;
        self.stack.clear();
        self.done = None;
        self.log_index = 0;
    }

    fn transaction_end(&mut self, end: &TxEnd<'_>) {
        if end.error.is_some() {
            self.done = None;
            return;
        }
        if let Some(top) = &mut self.done {
            top.gas_used = end.gas_used;
            if self.with_log {
                clear_failed_logs(top, false);
            }
        }
    }

    fn frame_enter(&mut self, start: &FrameStart<'_>) {
        let value = match start.kind {
            FrameKind::StaticCall => None,
            _ => Some(start.value),
        };
        let gas = if start.depth == 0 { self.gas_limit } else { start.gas_limit };
        self.stack.push(Call {
            kind: Some(start.kind),
            from: start.caller,
            to: Some(start.target),
            value,
            gas,
            input: start.input.to_vec(),
            ..Call::default()
        });
    }

    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        let Some(mut call) = self.stack.pop() else { return };
        call.gas_used = end.gas_used;
        let error = match end.not_run {
            Some(NotRun::InsufficientBalance) => Some("insufficient balance for transfer"),
            Some(NotRun::DepthLimit) => Some("max call depth exceeded"),
            Some(NotRun::NonceOverflow) => Some("nonce uint64 overflow"),
            None if end.status.is_success() => None,
            None => Some(geth_error(end.status)),
        };
        match error {
            None => call.output = end.output.to_vec(),
            Some(error) => {
                call.error = Some(error.to_owned());
                if matches!(call.kind, Some(FrameKind::Create | FrameKind::Create2)) {
                    call.to = None;
                }
                if end.status.is_revert() && !end.output.is_empty() {
                    call.output = end.output.to_vec();
                    call.revert_reason = revert_reason(end.output);
                }
            }
        }
        match self.stack.last_mut() {
            Some(parent) => parent.calls.push(call),
            None => self.done = Some(call),
        }
    }

    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        if !self.with_log {
            return;
        }
        let index = self.log_index;
        self.log_index += 1;
        if let Some(call) = self.stack.last_mut() {
            let position = call.calls.len();
            call.logs.push(CallLog {
                address: *address,
                topics: topics.to_vec(),
                data: data.to_vec(),
                index,
                position,
            });
        }
    }
}

/// Drops the logs of failed calls and of everything under them (geth's `clearFailedLogs`).
fn clear_failed_logs(call: &mut Call, parent_failed: bool) {
    let failed = parent_failed || call.error.is_some();
    if failed {
        call.logs.clear();
    }
    for child in &mut call.calls {
        clear_failed_logs(child, failed);
    }
}

/// The message of an `Error(string)` revert, as geth's `abi.UnpackRevert` reads it.
fn revert_reason(output: &[u8]) -> Option<String> {
    let data = output.strip_prefix(&[0x08, 0xc3, 0x79, 0xa0])?;
    let word = |at: usize| -> Option<usize> {
        let w = data.get(at..at.checked_add(32)?)?;
        if w[..24].iter().any(|&b| b != 0) {
            return None;
        }
        usize::try_from(u64::from_be_bytes(w[24..].try_into().ok()?)).ok()
    };
    let offset = word(0)?;
    let len = word(offset)?;
    let start = offset.checked_add(32)?;
    let bytes = data.get(start..start.checked_add(len)?)?;
    String::from_utf8(bytes.to_vec()).ok()
}

fn hex(out: &mut String, bytes: &[u8]) {
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One call in geth's field order.
fn render(call: &Call, out: &mut String) {
    let _ = write!(
        out,
        "{{\"from\":\"{:#x}\",\"gas\":\"{:#x}\",\"gasUsed\":\"{:#x}\"",
        call.from, call.gas, call.gas_used
    );
    if let Some(to) = call.to {
        let _ = write!(out, ",\"to\":\"{to:#x}\"");
    }
    out.push_str(",\"input\":\"");
    hex(out, &call.input);
    out.push('"');
    if !call.output.is_empty() {
        out.push_str(",\"output\":\"");
        hex(out, &call.output);
        out.push('"');
    }
    if let Some(error) = &call.error {
        out.push_str(",\"error\":");
        json_string(out, error);
    }
    if let Some(reason) = &call.revert_reason {
        out.push_str(",\"revertReason\":");
        json_string(out, reason);
    }
    if !call.calls.is_empty() {
        out.push_str(",\"calls\":[");
        for (i, child) in call.calls.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            render(child, out);
        }
        out.push(']');
    }
    if !call.logs.is_empty() {
        out.push_str(",\"logs\":[");
        for (i, CallLog { address, topics, data, index, position }) in call.logs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"address\":\"{address:#x}\",\"topics\":[");
            for (j, topic) in topics.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{topic:#x}\"");
            }
            out.push_str("],\"data\":\"");
            hex(out, data);
            let _ = write!(out, "\",\"index\":\"{index:#x}\",\"position\":\"{position:#x}\"}}");
        }
        out.push(']');
    }
    if let Some(value) = call.value {
        let _ = write!(out, ",\"value\":\"{value:#x}\"");
    }
    let _ = write!(out, ",\"type\":\"{}\"}}", call.kind.map_or("CALL", FrameKind::name));
}

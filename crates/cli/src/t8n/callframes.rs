//! geth's `--trace.callframes`: the EIP-3155 lines, plus one line when each frame starts
//! (`{"from","to","gas","value","type"}`, `input` too with `--trace.memory`), and a frame of its
//! own for each SELFDESTRUCT (its enter line and an empty exit line), as geth's
//! `NewJSONLoggerWithCallFrames` writes them.

use std::fmt::Write as _;
use std::io::Write;

use kestrel::host::Inspector;
use kestrel::host::inspector::{
    Eip3155, FrameEnd, FrameStart, Halt, StateEvent, StateView, StepEnd, StepInfo, TxEnd,
};
use kestrel::interpreter::SStoreValues;
use kestrel::primitives::{Address, B256, TxEnv, U256};

/// [`Eip3155`] with geth's call-frame lines.
pub struct CallFrames<W: Write> {
    inner: Eip3155<W>,
    /// Add the frame's input (geth shows it with memory).
    input: bool,
    /// A SELFDESTRUCT's lines, written once its opcode line is: geth logs the opcode first.
    pending: Vec<String>,
}

impl<W: Write> CallFrames<W> {
    /// Wraps `inner`; `input` adds each frame's input.
    pub fn new(inner: Eip3155<W>, input: bool) -> Self {
        Self { inner, input, pending: Vec::new() }
    }

    fn write(&mut self, line: &str) {
        // A write error stops nothing: the trace file is best effort, as geth's.
        let _ = self.inner.get_mut().write_all(line.as_bytes());
    }
}

fn enter_line(
    from: &Address,
    to: &Address,
    input: Option<&[u8]>,
    gas: u64,
    value: &U256,
    kind: &str,
) -> String {
    let mut line = format!("{{\"from\":\"{from:#x}\",\"to\":\"{to:#x}\"");
    if let Some(input) = input.filter(|i| !i.is_empty()) {
        line.push_str(",\"input\":\"0x");
        for b in input {
            let _ = write!(line, "{b:02x}");
        }
        line.push('"');
    }
    let _ = writeln!(line, ",\"gas\":\"{gas:#x}\",\"value\":\"{value:#x}\",\"type\":\"{kind}\"}}");
    line
}

impl<W: Write + Send> Inspector for CallFrames<W> {
    fn transaction_start(&mut self, tx: &TxEnv) {
        self.inner.transaction_start(tx)
    }
    fn transaction_end(&mut self, end: &TxEnd<'_>) {
        self.inner.transaction_end(end)
    }
    fn frame_enter(&mut self, start: &FrameStart<'_>) {
        let input = self.input.then_some(start.input);
        let line =
            enter_line(&start.caller, &start.target, input, start.gas_limit, &start.value, start.kind.name());
        self.write(&line);
        self.inner.frame_enter(start)
    }
    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        self.inner.frame_exit(end)
    }
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        self.inner.step(step)
    }
    fn step_end(&mut self, end: &StepEnd<'_>) {
        self.inner.step_end(end);
        for line in std::mem::take(&mut self.pending) {
            self.write(&line);
        }
    }
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        self.inner.log(address, topics, data)
    }
    fn selfdestruct(&mut self, address: &Address, beneficiary: &Address, balance: &U256) {
        self.pending.push(enter_line(address, beneficiary, None, 0, balance, "SELFDESTRUCT"));
        self.pending.push("{\"output\":\"\",\"gasUsed\":\"0x0\"}\n".to_owned());
        self.inner.selfdestruct(address, beneficiary, balance)
    }
    fn storage_read(&mut self, address: &Address, key: &U256, value: &U256) {
        self.inner.storage_read(address, key, value)
    }
    fn storage_write(&mut self, address: &Address, key: &U256, values: &SStoreValues) {
        self.inner.storage_write(address, key, values)
    }
    fn account_load(&mut self, address: &Address) {
        self.inner.account_load(address)
    }
    fn code_load(&mut self, address: &Address, code: &[u8]) {
        self.inner.code_load(address, code)
    }
    fn state(&mut self, event: StateEvent<'_>, view: &mut dyn StateView) {
        self.inner.state(event, view)
    }
}

//! Shared test support: the assembler, the two-runner harness and reference arithmetic.
//!
//! Every test runs its code through [`Ctx::run`], which executes it four times (fast and
//! tracing runner, each at memory base 0 and inside a non-empty parent window) and asserts the
//! runs agree before returning one [`Outcome`].

#![allow(dead_code, unreachable_pub, unused_imports)]

pub mod asm;
pub mod mock_host;
pub mod reference;
pub mod strategies;

use std::sync::Arc;

use kestrel_bytecode::Bytecode;
use kestrel_bytecode::program::Program;
use kestrel_interpreter::{
    Buffers, Control, Frame, FrameInit, FrameRequest, Stack, Status, Tracer, run, run_compiled, run_traced,
};
use kestrel_primitives::{Address, SpecId, U256, address};
pub use mock_host::MockHost;

pub use asm::{Asm, Word};
pub use kestrel_bytecode::opcode::*;

/// The running contract (ADDRESS).
pub const ME: Address = address!("00000000000000000000000000000000000c0de1");
/// The frame's caller (CALLER).
pub const CALLER_ADDR: Address = address!("00000000000000000000000000000000ca11e401");
/// The transaction's sender (ORIGIN).
pub const ORIGIN_ADDR: Address = address!("000000000000000000000000000000000041541e");
/// Another account, cold unless a test warms it.
pub const OTHER: Address = address!("00000000000000000000000000000000000b0b00");

/// Default gas limit of a test frame.
pub const DEFAULT_GAS: u64 = 1_000_000;

/// The setup of one frame: fork, gas, context and the world it runs against.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Fork.
    pub spec: SpecId,
    /// Gas limit.
    pub gas: u64,
    /// ADDRESS.
    pub address: Address,
    /// CALLER.
    pub caller: Address,
    /// CALLVALUE.
    pub value: U256,
    /// Inside STATICCALL.
    pub is_static: bool,
    /// Call data.
    pub input: Vec<u8>,
    /// Return data of a previous call (RETURNDATASIZE / RETURNDATACOPY).
    pub return_data: Vec<u8>,
    /// The world.
    pub host: MockHost,
}

impl Ctx {
    /// A frame of `spec` with [`DEFAULT_GAS`] gas; ADDRESS and CALLER are warm as in a real transaction.
    pub fn new(spec: SpecId) -> Self {
        let mut host = MockHost::default();
        host.tx.caller = ORIGIN_ADDR;
        host.warm_accounts.insert(ME);
        host.warm_accounts.insert(CALLER_ADDR);
        Self {
            spec,
            gas: DEFAULT_GAS,
            address: ME,
            caller: CALLER_ADDR,
            value: U256::ZERO,
            is_static: false,
            input: Vec::new(),
            return_data: Vec::new(),
            host,
        }
    }

    /// Sets the gas limit.
    pub fn gas(mut self, gas: u64) -> Self {
        self.gas = gas;
        self
    }

    /// Sets the call data.
    pub fn input(mut self, input: &[u8]) -> Self {
        self.input = input.to_vec();
        self
    }

    /// Runs inside STATICCALL.
    pub fn static_call(mut self) -> Self {
        self.is_static = true;
        self
    }

    /// Edits the host.
    pub fn with_host(mut self, edit: impl FnOnce(&mut MockHost)) -> Self {
        edit(&mut self.host);
        self
    }

    /// Runs `code` through both runners, with and without a parent memory window, asserts they
    /// agree and returns the outcome of the tracing run.
    pub fn run(&self, code: &[u8]) -> Outcome {
        self.run_resumed(code, |_, _| {})
    }

    /// Like [`Ctx::run`], but when the frame stops for a CALL or CREATE, `resume` plays the
    /// caller loop (sets the return data, calls `finish_call` / `finish_create`) and the frame
    /// runs on to its end.
    pub fn run_resumed(&self, code: &[u8], resume: impl Fn(&mut Frame, &mut Buffers)) -> Outcome {
        let code = Arc::new(Bytecode::new(code));
        let fast = self.run_one(&code, false, false, &resume);
        let traced = self.run_one(&code, true, false, &resume);
        assert_agree(&fast, &traced, "fast vs traced");
        // A child frame's memory and call data start after its parent's: the results must not
        // depend on where the window starts, and the parent's bytes must stay untouched.
        let fast_nested = self.run_one(&code, false, true, &resume);
        assert_identical(&fast, &fast_nested, "fast at base 0 vs nested");
        let traced_nested = self.run_one(&code, true, true, &resume);
        assert_identical(&traced, &traced_nested, "traced at base 0 vs nested");
        // The compiled tier: the same effects as the fast runner, at both memory bases.
        let program = Arc::new(Program::translate(&code).expect("test code is short"));
        for nested in [false, true] {
            let compiled = self.run_program(&code, &program, nested, &resume);
            assert_same_effects(&fast, &compiled, if nested { "compiled nested" } else { "compiled" });
        }
        traced
    }

    fn run_one(
        &self,
        code: &Arc<Bytecode>,
        traced: bool,
        nested: bool,
        resume: &dyn Fn(&mut Frame, &mut Buffers),
    ) -> Outcome {
        self.run_with(code, None, traced, nested, resume)
    }

    /// Runs `code` in the compiled tier on `program`.
    pub fn run_program(
        &self,
        code: &Arc<Bytecode>,
        program: &Arc<Program>,
        nested: bool,
        resume: &dyn Fn(&mut Frame, &mut Buffers),
    ) -> Outcome {
        self.run_with(code, Some(program), false, nested, resume)
    }

    fn run_with(
        &self,
        code: &Arc<Bytecode>,
        program: Option<&Arc<Program>>,
        traced: bool,
        nested: bool,
        resume: &dyn Fn(&mut Frame, &mut Buffers),
    ) -> Outcome {
        // Call data is a window of the shared memory before the frame's own window: the parent's
        // memory when nested (here its last bytes), else the transaction's data.
        let parent_memory: Vec<u8> = if nested { (0..96u8).map(|i| i ^ 0xa5).collect() } else { Vec::new() };
        let mut buffers = Buffers::default();
        buffers.memory = parent_memory.clone();
        buffers.memory.extend_from_slice(&self.input);
        let before = buffers.memory.clone();
        buffers.return_data = self.return_data.clone();
        let mut host = self.host.clone();
        let init = FrameInit {
            value: self.value,
            is_static: self.is_static,
            address: self.address,
            caller: self.caller,
            ..frame_init(code.clone(), self.spec, self.gas, parent_memory.len()..before.len())
        };
        let mut frame = Frame::new(Stack::new(), init, &buffers).expect("the call data is in memory");
        // The program runs when attached to the code (a translation of the same code, if
        // another is attached already).
        frame.set_compiled(program.is_some_and(|p| code.attach_program(p) || code.program().is_some()));
        let mut tracer = Recorder::default();
        let mut go = |frame: &mut Frame, buffers: &mut Buffers| {
            if traced {
                run_traced(frame, buffers, &mut host, &mut tracer)
            } else if frame.is_compiled() {
                run_compiled(frame, buffers, &mut host)
            } else {
                run(frame, buffers, &mut host)
            }
        };
        let mut status = go(&mut frame, &mut buffers);
        if matches!(status, Status::Call | Status::Create) {
            resume(&mut frame, &mut buffers);
            if frame.request().is_none() {
                status = go(&mut frame, &mut buffers);
            }
        }
        assert_eq!(
            &buffers.memory[..before.len()],
            &before[..],
            "the caller's memory or the call data changed"
        );
        let output = if matches!(status, Status::Return | Status::Revert) {
            frame.output(&buffers).to_vec()
        } else {
            Vec::new()
        };
        Outcome {
            status,
            gas_limit: self.gas,
            gas_left: frame.gas.remaining(),
            refunded: frame.gas.refunded,
            stack: frame.stack().as_slice().to_vec(),
            memory: frame.memory(&buffers).to_vec(),
            output,
            request: frame.request().cloned(),
            return_window: frame.return_window(),
            pc: frame.pc(),
            host,
            trace: tracer.steps,
        }
    }
}

/// The setup of a frame at depth 0 running `code` as [`ME`] called by [`CALLER_ADDR`] without
/// value, with call data `input` of the buffers it will be created over.
pub fn frame_init(
    code: Arc<Bytecode>,
    spec: SpecId,
    gas_limit: u64,
    input: std::ops::Range<usize>,
) -> FrameInit {
    FrameInit {
        code,
        spec,
        gas_limit,
        address: ME,
        caller: CALLER_ADDR,
        value: U256::ZERO,
        is_static: false,
        depth: 0,
        input,
    }
}

/// Runs `code` in a default frame of `spec`.
pub fn exec(spec: SpecId, code: &[u8]) -> Outcome {
    Ctx::new(spec).run(code)
}

/// One opcode as the tracing runner saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// Where it ran.
    pub pc: usize,
    /// The opcode.
    pub op: u8,
    /// Gas left before it.
    pub gas_before: u64,
    /// Gas left after it.
    pub gas_after: u64,
    /// Stack height before it.
    pub stack_before: usize,
    /// `Some` when it stopped the frame.
    pub status: Option<Status>,
}

impl TraceStep {
    /// Gas the step cost.
    pub fn cost(&self) -> u64 {
        self.gas_before - self.gas_after
    }
}

#[derive(Default)]
struct Recorder {
    steps: Vec<TraceStep>,
}

impl Tracer for Recorder {
    fn step(&mut self, frame: &Frame, _buffers: &Buffers, op: u8) -> Control {
        // The tracing runner charges exactly, so gas is never in deficit here.
        assert!(frame.gas.remaining >= 0, "tracing runner in gas deficit");
        self.steps.push(TraceStep {
            pc: frame.pc(),
            op,
            gas_before: frame.gas.remaining(),
            gas_after: 0,
            stack_before: frame.stack().len(),
            status: None,
        });
        Control::Continue
    }

    fn step_end(&mut self, frame: &Frame, _buffers: &Buffers, op: u8, status: Option<Status>) {
        let last = self.steps.last_mut().expect("step before step_end");
        assert_eq!(last.op, op);
        last.gas_after = frame.gas.remaining();
        last.status = status;
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Why the frame stopped.
    pub status: Status,
    /// The gas limit it ran with.
    pub gas_limit: u64,
    /// Gas left (meaningless after an exceptional halt, which consumes everything).
    pub gas_left: u64,
    /// The refund counter.
    pub refunded: i64,
    /// The stack, bottom first.
    pub stack: Vec<U256>,
    /// The frame's memory.
    pub memory: Vec<u8>,
    /// RETURN/REVERT data.
    pub output: Vec<u8>,
    /// A pending CALL/CREATE request.
    pub request: Option<FrameRequest>,
    /// Where a pending call's output goes.
    pub return_window: (usize, usize),
    /// The final pc.
    pub pc: usize,
    /// The world afterwards.
    pub host: MockHost,
    /// The tracing runner's steps (empty for fast runs).
    pub trace: Vec<TraceStep>,
}

impl Outcome {
    /// Gas spent.
    pub fn gas_used(&self) -> u64 {
        self.gas_limit - self.gas_left
    }

    /// The top of the stack.
    pub fn top(&self) -> U256 {
        *self.stack.last().expect("empty stack")
    }

    /// The request of a CALL-family opcode.
    pub fn call(&self) -> &kestrel_interpreter::CallRequest {
        match &self.request {
            Some(FrameRequest::Call(c)) => c,
            other => panic!("expected a call request, got {other:?} ({:?})", self.status),
        }
    }

    /// The request of CREATE/CREATE2.
    pub fn create(&self) -> &kestrel_interpreter::CreateRequest {
        match &self.request {
            Some(FrameRequest::Create(c)) => c,
            other => panic!("expected a create request, got {other:?} ({:?})", self.status),
        }
    }

    /// Asserts the frame ended with `status`.
    #[track_caller]
    pub fn expect(&self, status: Status) -> &Self {
        assert_eq!(
            self.status,
            status,
            "status; trace tail: {:?}",
            self.trace.iter().rev().take(3).collect::<Vec<_>>()
        );
        self
    }
}

/// Compares the parts of the host the interpreter can change (MockHost has no `PartialEq`).
pub fn host_diff(a: &MockHost, b: &MockHost) -> Option<&'static str> {
    if a.balances != b.balances {
        return Some("balances");
    }
    if a.storage != b.storage {
        return Some("storage");
    }
    if a.original_storage != b.original_storage {
        return Some("original storage");
    }
    if a.transient != b.transient {
        return Some("transient storage");
    }
    if a.warm_accounts != b.warm_accounts {
        return Some("warm accounts");
    }
    if a.warm_slots != b.warm_slots {
        return Some("warm slots");
    }
    if a.logs != b.logs {
        return Some("logs");
    }
    if a.destroyed != b.destroyed {
        return Some("selfdestructs");
    }
    None
}

/// Fast and tracing runner agreement, as far as gas accumulation and block checks allow:
///
/// - both halt exceptionally, or both end the same way. Where the tracing runner (which charges
///   every opcode exactly) halts, the fast runner may halt with another reason, earlier or later:
///   it checks a whole block's static gas on entry and accumulated static gas only at flush
///   opcodes. Every exceptional halt has the same effect (all gas consumed, the frame's memory
///   and state changes discarded by its caller), so nothing else of a halted frame is compared;
/// - otherwise (success, revert, a call/create request): the same gas, refund, stack, memory,
///   output, request, pc and host effects.
#[track_caller]
pub fn assert_agree(fast: &Outcome, traced: &Outcome, what: &str) {
    if fast.status != traced.status || traced.status.is_halt() {
        assert!(
            traced.status.is_halt() && fast.status.is_halt(),
            "{what}: status {:?} vs {:?}",
            fast.status,
            traced.status
        );
        return;
    }
    assert_eq!(fast.memory, traced.memory, "{what}: memory");
    if let Some(part) = host_diff(&fast.host, &traced.host) {
        panic!("{what}: host {part} differs");
    }
    assert_eq!(fast.gas_left, traced.gas_left, "{what}: gas left");
    assert_eq!(fast.refunded, traced.refunded, "{what}: refund");
    assert_eq!(fast.stack, traced.stack, "{what}: stack");
    assert_eq!(fast.output, traced.output, "{what}: output");
    assert_eq!(fast.request, traced.request, "{what}: request");
    assert_eq!(fast.return_window, traced.return_window, "{what}: return window");
    assert_eq!(fast.pc, traced.pc, "{what}: pc");
}

/// The compiled tier against the fast runner: the same status, and unless the frame halted
/// exceptionally (which consumes all its gas and drops its effects whatever the deficit), the
/// same gas, refund, stack, memory, output, request and host effects; the pc where a frame
/// resumes after a call or create. (The compiled tier charges fixed static gas once per
/// segment, so the gas left at an exceptional halt between flush points may differ.)
#[track_caller]
pub fn assert_same_effects(fast: &Outcome, compiled: &Outcome, what: &str) {
    assert_eq!(fast.status, compiled.status, "{what}: status");
    if fast.status.is_halt() {
        return;
    }
    assert_eq!(fast.gas_left, compiled.gas_left, "{what}: gas left");
    assert_eq!(fast.refunded, compiled.refunded, "{what}: refund");
    assert_eq!(fast.stack, compiled.stack, "{what}: stack");
    assert_eq!(fast.memory, compiled.memory, "{what}: memory");
    assert_eq!(fast.output, compiled.output, "{what}: output");
    assert_eq!(fast.request, compiled.request, "{what}: request");
    if matches!(fast.status, Status::Call | Status::Create) {
        assert_eq!(fast.pc, compiled.pc, "{what}: resume pc");
    }
    if let Some(part) = host_diff(&fast.host, &compiled.host) {
        panic!("{what}: host {part} differs");
    }
}

/// Two runs of the same runner must agree on everything.
#[track_caller]
pub fn assert_identical(a: &Outcome, b: &Outcome, what: &str) {
    assert_eq!(a.status, b.status, "{what}: status");
    assert_eq!(a.gas_left, b.gas_left, "{what}: gas left");
    assert_eq!(a.refunded, b.refunded, "{what}: refund");
    assert_eq!(a.stack, b.stack, "{what}: stack");
    assert_eq!(a.memory, b.memory, "{what}: memory");
    assert_eq!(a.output, b.output, "{what}: output");
    assert_eq!(a.request, b.request, "{what}: request");
    assert_eq!(a.pc, b.pc, "{what}: pc");
    assert_eq!(a.trace, b.trace, "{what}: trace");
    if let Some(part) = host_diff(&a.host, &b.host) {
        panic!("{what}: host {part} differs");
    }
}

/// The word `v` as a U256 (shorthand).
pub fn w(v: impl Word) -> U256 {
    v.word()
}

/// 2^n.
pub fn pow2(n: usize) -> U256 {
    U256::from(1u64) << n
}

/// Runs `op` on `args` (the first argument on top of the stack) followed by STOP, and returns
/// the outcome (which must be STOP).
#[track_caller]
pub fn apply(spec: SpecId, op: u8, args: &[U256]) -> Outcome {
    let code = Asm::new().args(args).op(op).op(STOP).build();
    let outcome = exec(spec, &code);
    outcome.expect(Status::Stop);
    outcome
}

/// The single result of `op` on `args` in Osaka.
#[track_caller]
pub fn eval(op: u8, args: &[U256]) -> U256 {
    let outcome = apply(SpecId::LATEST, op, args);
    assert_eq!(outcome.stack.len(), 1, "one result");
    outcome.top()
}

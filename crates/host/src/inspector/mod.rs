//! Inspector hooks: what a debugger, a tracer or a fuzzer sees of a transaction.
//!
//! An [`Inspector`] is attached to the [`Evm`](crate::Evm) with
//! [`set_inspector`](crate::Evm::set_inspector). While one is attached every frame runs in the
//! interpreter's tracing runner and every hook below is called; without one the `Evm` runs the
//! fast runner and the frame loop's instantiation that has no hook at all (the frame loop is
//! generic over its hooks, so the untraced path carries no test for an inspector). Hooks get
//! references into the `Evm`'s own buffers: nothing is copied for them.
//!
//! Built in: [`Eip3155`] (geth's JSON-lines opcode trace), [`OpcodeCounter`],
//! [`CallTracer`] (geth's `callTracer` JSON) and [`PrestateTracer`] (geth's `prestateTracer`).

use kestrel_interpreter::{Buffers, CallKind, Frame, SStoreValues, Status};
use kestrel_primitives::{Address, B256, Bytes, TxEnv, U256};
use kestrel_state::{AccountView, Database, Journal};

mod call_tracer;
mod counter;
mod eip3155;
pub(crate) mod hooks;
mod prestate;

pub use call_tracer::CallTracer;
pub use counter::OpcodeCounter;
pub use eip3155::{Eip3155, Eip3155Config, geth_error, geth_op_name};
pub use prestate::PrestateTracer;

/// The state as it is when [`Inspector::state`] is called. Reading warms nothing and costs no
/// gas: an inspector that looks changes nothing of the execution.
pub trait StateView {
    /// The account at `address` (balance, nonce, code hash, whether it exists).
    fn account(&mut self, address: &Address) -> AccountView;
    /// The code at `address` (a delegation's designator, not the delegate's code).
    fn code(&mut self, address: &Address) -> Bytes;
    /// Storage slot `key` of `address`.
    fn storage(&mut self, address: &Address, key: &U256) -> U256;
}

/// When [`Inspector::state`] is called.
#[derive(Clone, Copy, Debug)]
pub enum StateEvent<'a> {
    /// The transaction is about to be validated: nothing of it has changed the state yet.
    TransactionStart {
        /// The transaction.
        tx: &'a TxEnv,
        /// The block's beneficiary.
        coinbase: Address,
    },
    /// An account was met: BALANCE, EXTCODESIZE, EXTCODEHASH, EXTCODECOPY, a SELFDESTRUCT
    /// beneficiary, or the address a CREATE or CREATE2 is about to use.
    Account(Address),
    /// The target of a CALL-family opcode.
    CallTarget(Address),
    /// The transaction was executed: the view holds its end state (gas refunded and the
    /// beneficiary paid; accounts it destroys are deleted only once it is finalised).
    TransactionEnd,
}

/// A [`StateView`] over the journal.
pub(crate) struct JournalView<'a, DB: Database>(pub(crate) &'a mut Journal<DB>);

impl<DB: Database> StateView for JournalView<'_, DB> {
    fn account(&mut self, address: &Address) -> AccountView {
        self.0.peek_account(address)
    }
    fn code(&mut self, address: &Address) -> Bytes {
        self.0.code_with_hash(address).0
    }
    fn storage(&mut self, address: &Address, key: &U256) -> U256 {
        self.0.peek_storage(address, key)
    }
}

/// An inspector's request to stop the transaction, with the error it names. The transaction
/// then fails with [`TxError::Halted`](crate::TxError::Halted) and changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Halt(pub String);

/// What opened a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// CALL, or a transaction's call.
    Call,
    /// CALLCODE.
    CallCode,
    /// DELEGATECALL.
    DelegateCall,
    /// STATICCALL.
    StaticCall,
    /// CREATE, or a contract-creating transaction.
    Create,
    /// CREATE2.
    Create2,
}

impl FrameKind {
    /// The opcode's name as geth's tracers spell it (`CALL`, `CREATE2` …).
    pub fn name(self) -> &'static str {
        match self {
            FrameKind::Call => "CALL",
            FrameKind::CallCode => "CALLCODE",
            FrameKind::DelegateCall => "DELEGATECALL",
            FrameKind::StaticCall => "STATICCALL",
            FrameKind::Create => "CREATE",
            FrameKind::Create2 => "CREATE2",
        }
    }

    pub(crate) fn of_call(kind: CallKind) -> Self {
        match kind {
            CallKind::Call => FrameKind::Call,
            CallKind::CallCode => FrameKind::CallCode,
            CallKind::DelegateCall => FrameKind::DelegateCall,
            CallKind::StaticCall => FrameKind::StaticCall,
        }
    }
}

/// A frame about to start: a CALL or CREATE (or the transaction's own) that may still fail its
/// depth, balance or collision check, run a precompile, or find no code.
#[derive(Clone, Copy, Debug)]
pub struct FrameStart<'a> {
    /// What opened it.
    pub kind: FrameKind,
    /// The caller (CALLER in the new frame).
    pub caller: Address,
    /// The account whose storage the frame uses; for a creation, the new address.
    pub target: Address,
    /// The account whose code runs (differs for DELEGATECALL, CALLCODE and EIP-7702 delegation).
    pub code_address: Address,
    /// The value passed (CALLVALUE; for DELEGATECALL, the caller's).
    pub value: U256,
    /// Call data, or a creation's init code.
    pub input: &'a [u8],
    /// Gas given to the frame (with a value call's stipend).
    pub gas_limit: u64,
    /// 0 for the transaction's own frame.
    pub depth: usize,
    /// True when state changes are forbidden (STATICCALL, or inside one).
    pub is_static: bool,
}

/// Why a frame that never ran code ended, when it failed before running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRun {
    /// The caller could not pay the value.
    InsufficientBalance,
    /// The call depth limit (1024) was reached.
    DepthLimit,
    /// The creator's nonce is at its maximum.
    NonceOverflow,
}

/// A frame that ended (or a request that completed without running code).
#[derive(Clone, Copy, Debug)]
pub struct FrameEnd<'a> {
    /// How it ended: a success status, [`Status::Revert`], or a halt.
    pub status: Status,
    /// Set when the request failed before anything ran (`status` is then [`Status::Stop`] with
    /// nothing done, as the caller sees it: a failed call).
    pub not_run: Option<NotRun>,
    /// Returned or reverted data; for a successful creation, the deployed code.
    pub output: &'a [u8],
    /// Gas the frame used of its limit.
    pub gas_used: u64,
    /// Gas the frame was given.
    pub gas_limit: u64,
    /// For a successful creation, the new contract.
    pub created: Option<Address>,
    /// 0 for the transaction's own frame.
    pub depth: usize,
}

impl FrameEnd<'_> {
    /// True when the frame's changes were kept.
    pub fn is_success(&self) -> bool {
        self.status.is_success() && self.not_run.is_none()
    }
}

/// An opcode as the tracing runner shows it: before it runs ([`Inspector::step`]), and after
/// ([`Inspector::step_end`], with the frame as the opcode left it).
#[derive(Clone, Copy, Debug)]
pub struct StepInfo<'a> {
    pub(crate) frame: &'a Frame,
    pub(crate) buffers: &'a Buffers,
    pub(crate) op: u8,
    pub(crate) refund_base: i64,
}

impl<'a> StepInfo<'a> {
    /// The frame.
    pub fn frame(&self) -> &'a Frame {
        self.frame
    }
    /// The program counter.
    pub fn pc(&self) -> usize {
        self.frame.pc()
    }
    /// The opcode byte.
    pub fn op(&self) -> u8 {
        self.op
    }
    /// Gas left in the frame.
    pub fn gas(&self) -> u64 {
        self.frame.gas.remaining()
    }
    /// The stack, bottom first.
    pub fn stack(&self) -> &'a [U256] {
        self.frame.stack().as_slice()
    }
    /// The frame's memory.
    pub fn memory(&self) -> &'a [u8] {
        self.frame.memory(self.buffers)
    }
    /// The return data of the frame's last call.
    pub fn return_data(&self) -> &'a [u8] {
        &self.buffers.return_data
    }
    /// Call depth, 0 for the transaction's own frame (EIP-3155 prints this plus one).
    pub fn depth(&self) -> usize {
        self.frame.depth
    }
    /// The transaction's refund counter: the refunds of every live frame (a reverted frame's
    /// are gone) plus the authorizations' (EIP-7702), as geth's state counter holds it.
    pub fn refund(&self) -> i64 {
        self.refund_base + self.frame.gas.refunded
    }
}

/// A step that ended, with what it cost.
#[derive(Clone, Copy, Debug)]
pub struct StepEnd<'a> {
    /// The frame after the opcode.
    pub info: StepInfo<'a>,
    /// Gas left before the opcode.
    pub gas_before: u64,
    /// Gas the opcode charged: for CALL and CREATE with the gas handed to the child; for an
    /// opcode that halted, what it charged before failing (the halt then consumes the rest).
    pub cost: u64,
    /// `Some` when the opcode stopped the frame (a halt, REVERT, RETURN, STOP, SELFDESTRUCT) or
    /// handed control to a child ([`Status::Call`] / [`Status::Create`]).
    pub status: Option<Status>,
}

/// How a transaction ended, for [`Inspector::transaction_end`].
#[derive(Clone, Copy, Debug)]
pub struct TxEnd<'a> {
    /// The outermost frame's status; `None` when the transaction was not executed (invalid,
    /// a database error, or halted by the inspector).
    pub status: Option<Status>,
    /// Gas charged to the sender (after refunds); 0 when not executed.
    pub gas_used: u64,
    /// The transaction's output.
    pub output: &'a [u8],
    /// Why it was not executed.
    pub error: Option<&'a crate::TxError>,
}

/// Hooks into a transaction's execution. Every method has a default that does nothing, so an
/// inspector implements only what it needs. `Send`, because the [`Evm`](crate::Evm) that owns
/// it is.
#[allow(unused_variables)]
pub trait Inspector: Send {
    /// A transaction starts (before validation).
    fn transaction_start(&mut self, tx: &TxEnv) {}
    /// The transaction ended (executed, rejected or halted).
    fn transaction_end(&mut self, end: &TxEnd<'_>) {}
    /// A frame is about to start.
    fn frame_enter(&mut self, start: &FrameStart<'_>) {}
    /// A frame ended: after its opcodes, or at once for a precompile, an account without code
    /// or a request refused before running.
    fn frame_exit(&mut self, end: &FrameEnd<'_>) {}
    /// Before an opcode runs. `Err` stops the transaction with that error: the opcode does not
    /// run, and every frame unwinds without running another opcode.
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        Ok(())
    }
    /// After an opcode ran (or failed).
    fn step_end(&mut self, end: &StepEnd<'_>) {}
    /// LOG0..LOG4 of `address` (also inside frames that revert later).
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {}
    /// SELFDESTRUCT of `address`, moving `balance` to `beneficiary`.
    fn selfdestruct(&mut self, address: &Address, beneficiary: &Address, balance: &U256) {}
    /// SLOAD of `key` in `address` read `value`.
    fn storage_read(&mut self, address: &Address, key: &U256, value: &U256) {}
    /// SSTORE of `key` in `address`: the value at the start of the transaction, before this
    /// write, and written.
    fn storage_write(&mut self, address: &Address, key: &U256, values: &SStoreValues) {}
    /// An account was read: BALANCE, EXTCODESIZE, EXTCODEHASH, EXTCODECOPY, a CALL target or a
    /// SELFDESTRUCT beneficiary.
    fn account_load(&mut self, address: &Address) {}
    /// Code was loaded: a frame's code at `address` (not for precompiles), or EXTCODECOPY.
    fn code_load(&mut self, address: &Address, code: &[u8]) {}
    /// A point where the inspector may read the state ([`StateEvent`] says which), for
    /// inspectors that record it, such as [`PrestateTracer`].
    fn state(&mut self, event: StateEvent<'_>, view: &mut dyn StateView) {}
}

/// Adapts an interpreter [`Tracer`](kestrel_interpreter::Tracer) (what
/// [`Evm::set_tracer`](crate::Evm::set_tracer) takes) to the step hooks.
pub(crate) struct TracerInspector(pub(crate) Box<dyn kestrel_interpreter::Tracer>);

impl Inspector for TracerInspector {
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        match self.0.step(step.frame, step.buffers, step.op) {
            kestrel_interpreter::Control::Continue => Ok(()),
            kestrel_interpreter::Control::Halt => Err(Halt("halted by the tracer".to_owned())),
        }
    }

    fn step_end(&mut self, end: &StepEnd<'_>) {
        self.0.step_end(end.info.frame, end.info.buffers, end.info.op, end.status);
    }
}

/// An inspector shared with its owner: the `Evm` holds one handle, the owner another to read
/// what it gathered (hooks lock it; it is never contended).
impl<I: Inspector> Inspector for std::sync::Arc<std::sync::Mutex<I>> {
    fn transaction_start(&mut self, tx: &TxEnv) {
        lock(self).transaction_start(tx)
    }
    fn transaction_end(&mut self, end: &TxEnd<'_>) {
        lock(self).transaction_end(end)
    }
    fn frame_enter(&mut self, start: &FrameStart<'_>) {
        lock(self).frame_enter(start)
    }
    fn frame_exit(&mut self, end: &FrameEnd<'_>) {
        lock(self).frame_exit(end)
    }
    fn step(&mut self, step: &StepInfo<'_>) -> Result<(), Halt> {
        lock(self).step(step)
    }
    fn step_end(&mut self, end: &StepEnd<'_>) {
        lock(self).step_end(end)
    }
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        lock(self).log(address, topics, data)
    }
    fn selfdestruct(&mut self, address: &Address, beneficiary: &Address, balance: &U256) {
        lock(self).selfdestruct(address, beneficiary, balance)
    }
    fn storage_read(&mut self, address: &Address, key: &U256, value: &U256) {
        lock(self).storage_read(address, key, value)
    }
    fn storage_write(&mut self, address: &Address, key: &U256, values: &SStoreValues) {
        lock(self).storage_write(address, key, values)
    }
    fn account_load(&mut self, address: &Address) {
        lock(self).account_load(address)
    }
    fn code_load(&mut self, address: &Address, code: &[u8]) {
        lock(self).code_load(address, code)
    }
    fn state(&mut self, event: StateEvent<'_>, view: &mut dyn StateView) {
        lock(self).state(event, view)
    }
}

/// The shared inspector, whatever a panicking hook left.
fn lock<I>(shared: &std::sync::Mutex<I>) -> std::sync::MutexGuard<'_, I> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

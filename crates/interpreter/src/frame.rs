//! A call frame and the buffers all frames of a transaction share.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kestrel_bytecode::Bytecode;
use kestrel_primitives::{Address, B256, SpecId, U256};

use crate::{Gas, Stack, Status};

/// Byte buffers shared by every frame of a transaction, reused from one transaction to the next.
///
/// Frames run strictly nested, so memory is a stack of windows: a child's memory starts where
/// its parent's ends and is truncated away when the child returns. A frame's call data is a
/// window of `memory` too: the transaction's data sits at the start, before the first frame's
/// memory, and a child's call data is the range of its caller's memory that CALL named, which
/// cannot change while the child runs. Nothing is copied when a frame starts, and nothing is
/// allocated once the buffers have grown to the transaction's high-water mark.
///
/// Every access the runners make to these buffers is bounds-checked, so their contents are
/// public. Which buffers a frame belongs to is not: each `Buffers` has an identity, renewed by
/// every [`open_transaction`](Self::open_transaction), that its frames carry, and the runners
/// refuse a frame of other buffers or of an earlier transaction ([`Status::BuffersMismatch`]).
///
/// [`Status::BuffersMismatch`]: crate::Status::BuffersMismatch
#[derive(Debug)]
pub struct Buffers {
    /// The transaction's call data, then the memory of all live frames, each a window starting
    /// at its `Frame::memory_base`.
    pub memory: Vec<u8>,
    /// The return data of the last call made by the running frame (EIP-211).
    pub return_data: Vec<u8>,
    /// Recent KECCAK256 results of 64-byte inputs (mapping slots).
    pub(crate) keccak_memo: crate::keccak_memo::KeccakMemo,
    /// Which buffers, and which transaction of them, frames opened now belong to.
    identity: BuffersId,
}

/// The identity of a [`Buffers`] and of its current transaction: unique in the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BuffersId {
    /// Unique per `Buffers` value (a process-wide counter, read once when it is made).
    buffers: u64,
    /// Transactions opened on these buffers so far.
    transaction: u64,
}

impl Default for Buffers {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self {
            memory: Vec::new(),
            return_data: Vec::new(),
            keccak_memo: Default::default(),
            identity: BuffersId { buffers: NEXT.fetch_add(1, Ordering::Relaxed), transaction: 0 },
        }
    }
}

impl Buffers {
    /// Empties every buffer, keeping capacity.
    pub fn clear(&mut self) {
        self.memory.clear();
        self.return_data.clear();
    }

    /// Starts a transaction: empties the buffers and writes `data` at the start of memory, where
    /// the outermost frame finds its call data (or its initcode) as a window
    /// ([`window`](Self::window) with no caller).
    ///
    /// Frames of the previous transaction no longer run on these buffers.
    pub fn open_transaction(&mut self, data: &[u8]) {
        self.identity.transaction = self.identity.transaction.wrapping_add(1);
        self.clear();
        self.keccak_memo.forget();
        self.memory.extend_from_slice(data);
    }

    /// `len` bytes at `offset` of the memory of `caller`, the innermost live frame (`None`: the
    /// transaction's data), as a range of [`memory`](Self::memory): where a request's call data
    /// or initcode lies. The interpreter expanded the caller's memory over it before asking.
    #[inline]
    /// The sums saturate: a window past the end of memory is one no caller can use, and
    /// [`Frame::new`] refuses it.
    pub fn window(&self, caller: Option<&Frame>, offset: usize, len: usize) -> Range<usize> {
        let start = caller.map_or(0, Frame::memory_base).saturating_add(offset);
        start..start.saturating_add(len)
    }

    /// Opens the windows of a new innermost frame and returns it ([`Frame::new`]): its memory
    /// starts at the end of [`memory`](Self::memory), its call data is `init.input`, and the
    /// return data it sees starts empty.
    pub fn open_frame(&mut self, stack: Stack, init: FrameInit) -> Result<Frame, FrameError> {
        self.return_data.clear();
        Frame::new(stack, init, self)
    }

    /// Closes the windows of `frame`, the innermost live frame, as it ends: its memory goes, and
    /// the return data its parent sees becomes its RETURN/REVERT output when `keep_output`,
    /// else nothing.
    pub fn close_frame(&mut self, frame: &Frame, keep_output: bool) {
        self.return_data.clear();
        if keep_output {
            let output = slice(&self.memory, frame.memory_base, frame.output.0, frame.output.1);
            self.return_data.extend_from_slice(output);
        }
        self.memory.truncate(frame.memory_base);
    }

    /// Makes `data` (a precompile's output) the return data the running frame sees.
    pub fn set_return_data(&mut self, data: &[u8]) {
        self.return_data.clear();
        self.return_data.extend_from_slice(data);
    }

    /// Makes the bytes of `window` (a range of [`memory`](Self::memory), such as a call's input
    /// from [`window`](Self::window)) the return data: IDENTITY's output, copied once. A range
    /// outside memory leaves the return data empty.
    pub fn set_return_data_from_memory(&mut self, window: Range<usize>) {
        self.return_data.clear();
        if let Some(bytes) = self.memory.get(window) {
            self.return_data.extend_from_slice(bytes);
        }
    }
}

/// The kind of a CALL-family request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// CALL: runs the target's code in the target's context.
    Call,
    /// CALLCODE: runs the target's code in the caller's context, value transferred to self.
    CallCode,
    /// DELEGATECALL: runs the target's code in the caller's context with the caller's caller and value.
    DelegateCall,
    /// STATICCALL: CALL without value, state changes forbidden (EIP-214).
    StaticCall,
}

/// A child call a frame asks its caller loop to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRequest {
    /// Which CALL opcode made the request.
    pub kind: CallKind,
    /// The account whose storage and balance the child runs with (ADDRESS in the child).
    pub target: Address,
    /// The account whose code runs (the EIP-7702 delegate when the callee is delegated).
    pub code_address: Address,
    /// True when `code_address` came from an EIP-7702 delegation (precompiles are not run then).
    pub delegated: bool,
    /// CALLER in the child.
    pub caller: Address,
    /// CALLVALUE in the child.
    pub value: U256,
    /// True when `value` moves from `caller` to `target` (CALL and CALLCODE).
    pub transfers_value: bool,
    /// The child's call data: offset into the calling frame's memory.
    pub input_offset: usize,
    /// The child's call data length.
    pub input_len: usize,
    /// Gas given to the child, stipend included.
    pub gas_limit: u64,
    /// True when the child must not change state.
    pub is_static: bool,
}

/// How CREATE derives the new address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateScheme {
    /// CREATE: from sender and nonce.
    Create,
    /// CREATE2 (EIP-1014): from sender, salt and initcode hash.
    Create2 {
        /// The salt.
        salt: B256,
    },
}

/// A contract creation a frame asks its caller loop to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRequest {
    /// CREATE or CREATE2.
    pub scheme: CreateScheme,
    /// The creator.
    pub caller: Address,
    /// Endowment.
    pub value: U256,
    /// Initcode: offset into the calling frame's memory.
    pub init_offset: usize,
    /// Initcode length.
    pub init_len: usize,
    /// Gas given to the child.
    pub gas_limit: u64,
}

/// What a suspended frame waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameRequest {
    /// A CALL-family child.
    Call(CallRequest),
    /// A CREATE/CREATE2 child.
    Create(CreateRequest),
}

/// What a new frame runs, and in which context: the named arguments of [`Frame::new`].
#[derive(Clone, Debug)]
pub struct FrameInit {
    /// The code to run.
    pub code: Arc<Bytecode>,
    /// The fork rules in force.
    pub spec: SpecId,
    /// Gas given to the frame.
    pub gas_limit: u64,
    /// ADDRESS: the account whose storage the frame uses.
    pub address: Address,
    /// CALLER.
    pub caller: Address,
    /// CALLVALUE.
    pub value: U256,
    /// True inside STATICCALL.
    pub is_static: bool,
    /// Call depth (0 for the transaction's frame).
    pub depth: usize,
    /// The frame's call data: a range of [`Buffers::memory`] before its end (the caller's
    /// memory, or the transaction's data).
    pub input: Range<usize>,
}

/// Why [`Frame::new`], [`Frame::finish_call`] or [`Frame::finish_create`] refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The frame does not wait for a child (or the buffers are not its own): there is no
    /// result to take.
    NotWaiting,
    /// The call data range does not lie inside the buffers' memory.
    InputOutOfBounds {
        /// The range asked for.
        input: Range<usize>,
        /// The memory's length.
        memory_len: usize,
    },
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NotWaiting => write!(f, "the frame does not wait for a child on these buffers"),
            Self::InputOutOfBounds { input, memory_len } => {
                write!(f, "call data {input:?} is not inside the {memory_len} bytes of memory")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// One call frame: everything that belongs to a single execution context.
///
/// What the runners rely on without checking is private: the code (and the program attached to
/// it), the program counter, the stack, the windows into [`Buffers`], the pending request and
/// the frame's place in its life. [`Frame::new`] derives them, only the runners move them on,
/// and [`run`](crate::run) and [`run_compiled`](crate::run_compiled) refuse, before running
/// anything, a frame that is not theirs to run: buffers that are not its own
/// ([`Status::BuffersMismatch`](crate::Status::BuffersMismatch)), or a frame that has finished
/// or waits for its child ([`Status::NotRunnable`](crate::Status::NotRunnable)). So no
/// sequence of safe calls makes a runner read outside the frame's code, stack or memory.
#[derive(Debug)]
pub struct Frame {
    /// The operand stack.
    pub(crate) stack: Stack,
    /// Program counter into the padded code: an opcode of the code, or the STOP in the padding.
    pub(crate) pc: usize,
    /// Gas.
    pub gas: Gas,
    /// The code being run.
    pub(crate) code: Arc<Bytecode>,
    /// The fork rules in force.
    pub spec: SpecId,
    /// ADDRESS: the account whose storage this frame uses.
    pub address: Address,
    /// CALLER.
    pub caller: Address,
    /// CALLVALUE.
    pub value: U256,
    /// True inside STATICCALL.
    pub is_static: bool,
    /// Call depth (0 for the transaction's frame).
    pub depth: usize,
    /// Start of this frame's memory in [`Buffers::memory`].
    pub(crate) memory_base: usize,
    /// This frame's call data in [`Buffers::memory`]: start and length, before `memory_base`.
    pub(crate) input: (usize, usize),
    /// RETURN/REVERT data: offset and length in this frame's memory, expanded over.
    pub(crate) output: (usize, usize),
    /// Where a pending call's output goes in this frame's memory: offset and length, expanded
    /// over.
    pub(crate) return_window: (usize, usize),
    /// The child this frame waits for, after [`Status::Call`](crate::Status::Call) or
    /// [`Status::Create`](crate::Status::Create).
    pub(crate) request: Option<FrameRequest>,
    /// True when the frame runs in the compiled tier ([`run_compiled`](crate::run_compiled)) on
    /// the program attached to `code` ([`Bytecode::program`]).
    pub(crate) compiled: bool,
    /// Where the frame is in its life.
    state: FrameState,
    /// The buffers (and their transaction) this frame's windows are in.
    buffers: BuffersId,
}

/// Where a [`Frame`] is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameState {
    /// New, or resumed after its child: the runners may run it.
    Runnable,
    /// Suspended by CALL or CREATE until [`Frame::finish_call`] / [`Frame::finish_create`].
    Waiting,
    /// Stopped or halted: it never runs again.
    Finished,
}

impl Frame {
    /// A frame at pc 0 whose memory starts at the end of `buffers.memory` and whose call data is
    /// `init.input` of it. `stack` is taken from a pool and cleared.
    pub fn new(mut stack: Stack, init: FrameInit, buffers: &Buffers) -> Result<Self, FrameError> {
        let memory_len = buffers.memory.len();
        if init.input.start > init.input.end || init.input.end > memory_len {
            return Err(FrameError::InputOutOfBounds { input: init.input, memory_len });
        }
        stack.clear();
        Ok(Self {
            stack,
            pc: 0,
            gas: Gas::new(init.gas_limit),
            code: init.code,
            spec: init.spec,
            address: init.address,
            caller: init.caller,
            value: init.value,
            is_static: init.is_static,
            depth: init.depth,
            memory_base: memory_len,
            input: (init.input.start, init.input.len()),
            output: (0, 0),
            return_window: (0, 0),
            request: None,
            compiled: false,
            state: FrameState::Runnable,
            buffers: buffers.identity,
        })
    }

    /// Checks, where a runner is entered, that it may run this frame on `buffers`.
    #[inline]
    pub(crate) fn enter(&self, buffers: &Buffers) -> Result<(), Status> {
        if self.state != FrameState::Runnable {
            return Err(Status::NotRunnable);
        }
        if !self.fits(buffers) {
            return Err(Status::BuffersMismatch);
        }
        Ok(())
    }

    /// Records how a run ended: suspended for a child, or finished for good.
    #[inline]
    pub(crate) fn leave(&mut self, status: Status) {
        self.state = match status {
            Status::Call | Status::Create => FrameState::Waiting,
            _ => FrameState::Finished,
        };
    }

    /// The operand stack, as the frame last left it.
    #[inline]
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The frame's stack, to be reused for another frame ([`Frame::new`] clears it).
    #[inline]
    pub fn into_stack(self) -> Stack {
        self.stack
    }

    /// The code being run.
    #[inline]
    pub fn code(&self) -> &Arc<Bytecode> {
        &self.code
    }

    /// The child this frame waits for, after [`Status::Call`] or [`Status::Create`].
    #[inline]
    pub fn request(&self) -> Option<&FrameRequest> {
        self.request.as_ref()
    }

    /// Takes the child this frame waits for, to run it; the frame still waits for its result
    /// ([`finish_call`](Self::finish_call) / [`finish_create`](Self::finish_create)).
    #[inline]
    pub fn take_request(&mut self) -> Option<FrameRequest> {
        self.request.take()
    }

    /// Where a pending call's output goes in this frame's memory: offset and length.
    #[inline]
    pub fn return_window(&self) -> (usize, usize) {
        self.return_window
    }

    /// True when the frame has finished: it stopped or halted, and never runs again.
    #[inline]
    pub fn is_finished(&self) -> bool {
        self.state == FrameState::Finished
    }

    /// True when the frame waits for its child's result.
    #[inline]
    pub fn is_waiting(&self) -> bool {
        self.state == FrameState::Waiting
    }

    /// True when [`run_compiled`](crate::run_compiled) runs this frame on the program attached
    /// to its code.
    #[inline]
    pub fn is_compiled(&self) -> bool {
        self.compiled
    }

    /// Chooses the tier [`run_compiled`](crate::run_compiled) runs this frame in: the program
    /// attached to its code when `compiled` and one is attached, else the interpreter. Any
    /// choice is safe at any time: the compiled runner resumes only at a pc where the program
    /// has an arrival point, and interprets otherwise.
    #[inline]
    pub fn set_compiled(&mut self, compiled: bool) {
        self.compiled = compiled;
    }

    /// The program counter.
    #[inline]
    pub fn pc(&self) -> usize {
        self.pc
    }

    /// Where this frame's memory starts in [`Buffers::memory`].
    #[inline]
    pub fn memory_base(&self) -> usize {
        self.memory_base
    }

    /// Where this frame's call data lies in [`Buffers::memory`]: start and length.
    #[inline]
    pub fn input_range(&self) -> (usize, usize) {
        self.input
    }

    /// True when `buffers` are the ones this frame was opened on, in the same transaction, and
    /// still hold its windows: its call data and the start of its memory lie inside them.
    /// [`run`](crate::run) checks it before running.
    #[inline]
    pub fn fits(&self, buffers: &Buffers) -> bool {
        self.buffers == buffers.identity
            && self.memory_base <= buffers.memory.len()
            && self.input.0 + self.input.1 <= self.memory_base
    }

    /// This frame's call data.
    #[inline]
    pub fn input<'b>(&self, buffers: &'b Buffers) -> &'b [u8] {
        slice(&buffers.memory, self.input.0, 0, self.input.1)
    }

    /// This frame's memory (the frame must be the innermost live one); empty when `buffers` do
    /// not hold it.
    #[inline]
    pub fn memory<'b>(&self, buffers: &'b Buffers) -> &'b [u8] {
        buffers.memory.get(self.memory_base..).unwrap_or_default()
    }

    /// This frame's RETURN/REVERT data; empty when `buffers` do not hold it.
    pub fn output<'b>(&self, buffers: &'b Buffers) -> &'b [u8] {
        slice(&buffers.memory, self.memory_base, self.output.0, self.output.1)
    }

    /// Resumes after a CALL-family child: pushes the success flag, copies the child's output
    /// (already in [`Buffers::return_data`]) into the return window, takes back unspent gas and,
    /// on success, the child's refunds.
    ///
    /// Refused, changing nothing, unless the frame waits for a child and `buffers` are its own.
    pub fn finish_call(
        &mut self,
        buffers: &mut Buffers,
        success: bool,
        gas_left: u64,
        refunded: i64,
    ) -> Result<(), FrameError> {
        if self.state != FrameState::Waiting || !self.fits(buffers) {
            return Err(FrameError::NotWaiting);
        }
        self.gas.reimburse(gas_left);
        if success {
            self.gas.refunded += refunded;
        }
        let (offset, len) = self.return_window;
        let n = len.min(buffers.return_data.len());
        // The CALL expanded memory over the window, so it is inside; checked all the same.
        let start = self.memory_base.saturating_add(offset);
        if let Some(target) = buffers.memory.get_mut(start..start.saturating_add(n)) {
            target.copy_from_slice(&buffers.return_data[..n]);
        }
        self.resume(U256::from(success as u8));
        Ok(())
    }

    /// Resumes after a CREATE child: pushes the new address (or zero), takes back unspent gas
    /// and, on success, the child's refunds. The caller sets [`Buffers::return_data`].
    ///
    /// Refused, changing nothing, unless the frame waits for a child.
    pub fn finish_create(
        &mut self,
        created: Option<Address>,
        gas_left: u64,
        refunded: i64,
    ) -> Result<(), FrameError> {
        if self.state != FrameState::Waiting {
            return Err(FrameError::NotWaiting);
        }
        self.gas.reimburse(gas_left);
        let word = match created {
            Some(address) => {
                self.gas.refunded += refunded;
                address.into_word().into()
            }
            None => U256::ZERO,
        };
        self.resume(word);
        Ok(())
    }

    /// Pushes a child's result and makes the frame runnable again. The CALL or CREATE that
    /// suspended it popped more items than this pushes, so the stack has room.
    fn resume(&mut self, result: U256) {
        self.stack.push(result);
        self.request = None;
        self.state = FrameState::Runnable;
    }
}

/// `len` bytes at `base + offset` of `memory`; empty when they are not all inside.
#[inline]
fn slice(memory: &[u8], base: usize, offset: usize, len: usize) -> &[u8] {
    let start = base.saturating_add(offset);
    memory.get(start..start.saturating_add(len)).unwrap_or_default()
}

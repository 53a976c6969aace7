//! The frame loop's two instantiations: [`Fast`] (no hook, the fast or compiled runner) and
//! [`Inspecting`] (every hook, the tracing runner).

use std::sync::{Mutex, MutexGuard};

use kestrel_interpreter::{
    Access, Buffers, CallTarget, Control, Frame, Host, SStoreValues, SelfDestructResult, Status, Tracer,
    run_compiled, run_traced,
};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, TxEnv, U256};
use kestrel_state::{Database, Journal};

use super::{FrameEnd, FrameStart, Inspector, JournalView, StateEvent, StepEnd, StepInfo};
use crate::context::Context;

/// What the frame loop calls around frames. `ACTIVE` is a constant, so the hooks of [`Fast`]
/// and the code that prepares their arguments vanish from its instantiation.
pub(crate) trait Hooks {
    /// True when hooks are called (and frames run in the tracing runner).
    const ACTIVE: bool;
    /// Runs `frame` until it stops or asks for a child. `refund_base` is the refund of the
    /// frames below it (and the authorizations').
    fn run_frame<DB: Database>(
        &mut self,
        frame: &mut Frame,
        buffers: &mut Buffers,
        ctx: &mut Context<DB>,
        refund_base: i64,
    ) -> Status;
    /// See [`Inspector::frame_enter`].
    fn enter(&mut self, start: &FrameStart<'_>);
    /// See [`Inspector::frame_exit`].
    fn exit(&mut self, end: &FrameEnd<'_>);
    /// See [`Inspector::code_load`].
    fn code_load(&mut self, address: &Address, code: &[u8]);
    /// [`Inspector::state`] with [`StateEvent::Account`], for a creation's address.
    fn account_state<DB: Database>(&mut self, address: &Address, journal: &mut Journal<DB>);
}

/// No hooks: frames run in the fast (or compiled) runner.
pub(crate) struct Fast;

impl Hooks for Fast {
    const ACTIVE: bool = false;

    #[inline(always)]
    fn run_frame<DB: Database>(
        &mut self,
        frame: &mut Frame,
        buffers: &mut Buffers,
        ctx: &mut Context<DB>,
        _refund_base: i64,
    ) -> Status {
        run_compiled(frame, buffers, ctx)
    }

    #[inline(always)]
    fn enter(&mut self, _start: &FrameStart<'_>) {}

    #[inline(always)]
    fn exit(&mut self, _end: &FrameEnd<'_>) {}

    #[inline(always)]
    fn code_load(&mut self, _address: &Address, _code: &[u8]) {}

    #[inline(always)]
    fn account_state<DB: Database>(&mut self, _address: &Address, _journal: &mut Journal<DB>) {}
}

/// Every hook, to `inspector`; frames run in the tracing runner.
pub(crate) struct Inspecting<'i> {
    pub(crate) inspector: &'i mut dyn Inspector,
    /// Set by the first step the inspector refused: every later step is refused too, so each
    /// frame left unwinds without running another opcode.
    pub(crate) halt: Option<String>,
}

impl Hooks for Inspecting<'_> {
    const ACTIVE: bool = true;

    fn run_frame<DB: Database>(
        &mut self,
        frame: &mut Frame,
        buffers: &mut Buffers,
        ctx: &mut Context<DB>,
        refund_base: i64,
    ) -> Status {
        // The host (storage, logs, accounts) and the step hooks both reach the inspector while
        // the runner holds them at once; they take turns, never nest. A `Mutex` rather than a
        // `RefCell` because a `Tracer` must be `Send`; it is never contended.
        let inspector = Mutex::new(&mut *self.inspector);
        let mut host = InspectedHost { ctx, inspector: &inspector };
        let mut steps =
            Steps { inspector: &inspector, halt: &mut self.halt, refund_base, gas_before: 0, shown: false };
        run_traced(frame, buffers, &mut host, &mut steps)
    }

    fn enter(&mut self, start: &FrameStart<'_>) {
        self.inspector.frame_enter(start);
    }

    fn exit(&mut self, end: &FrameEnd<'_>) {
        self.inspector.frame_exit(end);
    }

    fn code_load(&mut self, address: &Address, code: &[u8]) {
        self.inspector.code_load(address, code);
    }

    fn account_state<DB: Database>(&mut self, address: &Address, journal: &mut Journal<DB>) {
        self.inspector.state(StateEvent::Account(*address), &mut JournalView(journal));
    }
}

/// The interpreter's [`Tracer`] side of an [`Inspecting`] run.
struct Steps<'a, 'i> {
    inspector: &'a Mutex<&'a mut (dyn Inspector + 'i)>,
    halt: &'a mut Option<String>,
    refund_base: i64,
    gas_before: u64,
    /// True when the inspector saw the running opcode's `step` (not when a halt refused it
    /// unseen), so it sees `step_end` exactly for the steps it saw.
    shown: bool,
}

impl Tracer for Steps<'_, '_> {
    fn step(&mut self, frame: &Frame, buffers: &Buffers, op: u8) -> Control {
        if self.halt.is_some() {
            self.shown = false;
            return Control::Halt;
        }
        self.gas_before = frame.gas.remaining();
        self.shown = true;
        let info = StepInfo { frame, buffers, op, refund_base: self.refund_base };
        match lock(self.inspector).step(&info) {
            Ok(()) => Control::Continue,
            Err(halt) => {
                *self.halt = Some(halt.0);
                Control::Halt
            }
        }
    }

    fn step_end(&mut self, frame: &Frame, buffers: &Buffers, op: u8, status: Option<Status>) {
        if !self.shown {
            return;
        }
        let info = StepInfo { frame, buffers, op, refund_base: self.refund_base };
        let cost = self.gas_before.saturating_sub(frame.gas.remaining());
        let end = StepEnd { info, gas_before: self.gas_before, cost, status };
        lock(self.inspector).step_end(&end);
    }
}

/// The [`Host`] of an [`Inspecting`] run: the `Evm`'s own, reporting to the inspector.
struct InspectedHost<'a, 'i, DB: Database> {
    ctx: &'a mut Context<DB>,
    inspector: &'a Mutex<&'a mut (dyn Inspector + 'i)>,
}

impl<DB: Database> InspectedHost<'_, '_, DB> {
    fn account_load(&mut self, address: &Address) {
        self.account_event(address, StateEvent::Account(*address));
    }

    /// [`Inspector::account_load`], then [`Inspector::state`] with `event`.
    fn account_event(&mut self, address: &Address, event: StateEvent<'_>) {
        let mut inspector = lock(self.inspector);
        inspector.account_load(address);
        inspector.state(event, &mut JournalView(&mut self.ctx.journal));
    }
}

impl<DB: Database> Host for InspectedHost<'_, '_, DB> {
    fn block(&self) -> &BlockEnv {
        self.ctx.block()
    }

    fn tx(&self) -> &TxEnv {
        self.ctx.tx()
    }

    fn effective_gas_price(&self) -> U256 {
        self.ctx.effective_gas_price()
    }

    fn chain_id(&self) -> u64 {
        self.ctx.chain_id()
    }

    fn blob_base_fee(&self) -> U256 {
        self.ctx.blob_base_fee()
    }

    fn block_hash(&mut self, number: u64) -> B256 {
        self.ctx.block_hash(number)
    }

    fn balance(&mut self, address: &Address) -> Access<U256> {
        self.account_load(address);
        self.ctx.balance(address)
    }

    fn code(&mut self, address: &Address) -> Access<Bytes> {
        self.account_load(address);
        let code = self.ctx.code(address);
        lock(self.inspector).code_load(address, &code.value);
        code
    }

    fn code_size(&mut self, address: &Address) -> Access<usize> {
        self.account_load(address);
        self.ctx.code_size(address)
    }

    fn code_hash(&mut self, address: &Address) -> Access<B256> {
        self.account_load(address);
        self.ctx.code_hash(address)
    }

    fn call_target(&mut self, address: &Address) -> CallTarget {
        self.account_event(address, StateEvent::CallTarget(*address));
        self.ctx.call_target(address)
    }

    fn sload(&mut self, address: &Address, key: &U256) -> Access<U256> {
        let value = self.ctx.sload(address, key);
        lock(self.inspector).storage_read(address, key, &value.value);
        value
    }

    fn sstore(&mut self, address: &Address, key: &U256, value: &U256) -> Access<SStoreValues> {
        let values = self.ctx.sstore(address, key, value);
        lock(self.inspector).storage_write(address, key, &values.value);
        values
    }

    fn tload(&mut self, address: &Address, key: &U256) -> U256 {
        self.ctx.tload(address, key)
    }

    fn tstore(&mut self, address: &Address, key: &U256, value: &U256) {
        self.ctx.tstore(address, key, value)
    }

    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        lock(self.inspector).log(address, topics, data);
        self.ctx.log(address, topics, data)
    }

    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult> {
        self.account_load(target);
        let balance = self.ctx.journal.peek_account(address).balance;
        lock(self.inspector).selfdestruct(address, target, &balance);
        self.ctx.selfdestruct(address, target)
    }
}

/// The inspector, whatever a panicking hook left (a panic unwinds out of the whole run).
fn lock<'m, 'a, 'i>(
    m: &'m Mutex<&'a mut (dyn Inspector + 'i)>,
) -> MutexGuard<'m, &'a mut (dyn Inspector + 'i)> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

//! The frame loop: calls and creates run as frames on a heap stack, never by native recursion.
//!
//! The transaction's own call or creation is a request like any CALL or CREATE, and takes the
//! same path. A request either completes at once (a precompile, empty code, a failed depth or
//! balance check, a create collision) and the parent resumes, or pushes a child frame. A frame
//! runs until it stops or asks for a child ([`Status::Call`] / [`Status::Create`]). When a frame
//! stops, its checkpoint is committed or reverted, its output becomes the parent's return data,
//! and the parent resumes.

use std::sync::Arc;

use kestrel_bytecode::program::ExecutionMode;
use kestrel_bytecode::{Bytecode, Caches, HashedCode};
use kestrel_interpreter::{
    Buffers, CallRequest, CreateRequest, CreateScheme, Frame, FrameInit, FrameRequest, Stack, Status,
};
use kestrel_precompiles::{IDENTITY, identity_gas};
use kestrel_primitives::gas::{eip3860, frontier};
use kestrel_primitives::{Address, Bytes, KECCAK_EMPTY, SpecId};
use kestrel_state::{Checkpoint, CreateError, Database, Journal};

use crate::address::{create_address, create2_address};
use crate::context::Context;
use crate::inspector::hooks::Hooks;
use crate::inspector::{FrameEnd, FrameKind, FrameStart, NotRun};

/// The frames of a transaction and what they share: the live frames with the host's
/// bookkeeping beside each, the pool of stacks and the shared buffers. Kept from one
/// transaction to the next, so a steady stream of transactions allocates nothing for them.
#[derive(Debug, Default)]
pub(crate) struct FrameStack {
    /// The live frames, the running one last.
    frames: Vec<LiveFrame>,
    /// Stacks of finished frames, for the next ones.
    stacks: Vec<Stack>,
    /// Memory, call data and return data of every live frame.
    buffers: Buffers,
    /// Which tier runs the frames (the interpreter whenever a tracer is set).
    pub(crate) mode: ExecutionMode,
    /// The mode of the running transaction.
    active_mode: ExecutionMode,
    /// Analysed code and translated programs by code hash (the process-wide ones by default).
    pub(crate) caches: Caches,
    /// Analysed code used recently, direct-mapped by code hash (see [`FrameStack::load_code`]).
    recent_code: [Option<Arc<Bytecode>>; RECENT_CODE],
    /// Analyses of init code, recycled from one creation to the next (see [`init_code_analysis`]).
    init_codes: Vec<Arc<Bytecode>>,
}

/// Lines of [`FrameStack::recent_code`].
const RECENT_CODE: usize = 8;

/// Most init-code analyses [`FrameStack::init_codes`] keeps: enough for creations nested a few
/// deep (a factory's constructor creating); deeper ones allocate theirs.
const INIT_CODE_POOL: usize = 4;

/// Longest init code whose analysis is kept for reuse (EIP-3860's limit): before Shanghai init
/// code is bounded only by gas, and a pooled analysis keeps its buffers, so a rare huge one is
/// dropped instead of pinning megabytes for the `Evm`'s lifetime.
const MAX_POOLED_INIT_CODE: usize = eip3860::MAX_INITCODE_SIZE;

/// A live frame and what the host keeps beside it.
#[derive(Debug)]
struct LiveFrame {
    frame: Frame,
    /// What a revert of this frame goes back to.
    checkpoint: Checkpoint,
    /// For a create frame, the address being created.
    created: Option<Address>,
}

/// How a frame, or a request that never became one, ended.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) status: Status,
    /// Why a request failed before running anything (only the inspector's frame exit reads it).
    not_run: Option<NotRun>,
    pub(crate) gas_left: u64,
    pub(crate) refund: i64,
    /// What the parent resumes with.
    resume: Resume,
}

impl Ended {
    /// A request that never ran: all its gas goes back.
    fn not_run(gas: u64, resume: Resume) -> Self {
        Self { status: Status::Stop, not_run: None, gas_left: gas, refund: 0, resume }
    }

    /// A request refused before running: all its gas goes back, the parent sees a failure.
    fn refused(gas: u64, resume: Resume, why: NotRun) -> Self {
        Self { not_run: Some(why), ..Self::not_run(gas, resume) }
    }

    /// The address a successful creation made.
    pub(crate) fn created(&self) -> Option<Address> {
        match self.resume {
            Resume::Create { address } => address,
            Resume::Call { .. } => None,
        }
    }
}

/// How the parent resumes: as after a call, or as after a create.
#[derive(Clone, Copy, Debug)]
enum Resume {
    /// Push the success flag.
    Call { success: bool },
    /// Push the new address, or zero.
    Create { address: Option<Address> },
}

impl FrameStack {
    /// Runs the frames of later transactions with `caches`; forgets the recent code, which came
    /// from the caches before.
    pub(crate) fn set_caches(&mut self, caches: Caches) {
        self.caches = caches;
        self.recent_code = Default::default();
    }

    /// The output of the transaction that ran last: the return data its outermost frame (or
    /// precompile) left, which a child's output would have been for its parent. Empty for a
    /// creation, a halt, or code that never ran.
    pub(crate) fn output(&self) -> &[u8] {
        &self.buffers.return_data
    }

    /// Drops the frames a panicking transaction left behind (their stacks go back to the pool)
    /// and empties the buffers.
    pub(crate) fn abandon(&mut self) {
        while let Some(live) = self.frames.pop() {
            self.stacks.push(live.frame.into_stack());
        }
        self.buffers.clear();
    }

    /// Runs the transaction's own call or creation, `request`, and every frame it leads to;
    /// returns how the outermost one ended. Validation has checked what the transaction's
    /// request would otherwise check here (balance, nonce, depth) and the caller has bumped the
    /// sender's nonce.
    ///
    /// `hooks` is [`Fast`](crate::inspector::hooks::Fast) (no hook; the fast or compiled runner)
    /// or an inspector's (every hook; the tracing runner): one instantiation each.
    pub(crate) fn run<DB: Database, H: Hooks>(
        &mut self,
        ctx: &mut Context<DB>,
        hooks: &mut H,
        refund_base: i64,
        request: FrameRequest,
    ) -> Ended {
        self.buffers.open_transaction(&ctx.tx.data);
        // Traces come from the interpreter's tracing runner, opcode by opcode.
        self.active_mode = if H::ACTIVE { ExecutionMode::Interpreter } else { self.mode };
        let mut started = self.start(ctx, hooks, request);
        loop {
            let ended = match started.take() {
                Some(ended) => ended,
                None => {
                    // The transaction's refund counter, for the inspector: the frames below
                    // the running one hold their refunds until they end.
                    let below = if H::ACTIVE {
                        let n = self.frames.len().saturating_sub(1);
                        self.frames[..n].iter().map(|l| l.frame.gas.refunded).sum::<i64>()
                    } else {
                        0
                    };
                    let live = self.frames.last_mut().expect("a live frame");
                    let status =
                        hooks.run_frame(&mut live.frame, &mut self.buffers, ctx, refund_base + below);
                    if let Status::Call | Status::Create = status {
                        started = match live.frame.take_request() {
                            Some(request) => self.start(ctx, hooks, request),
                            None => Some(Ended::not_run(0, Resume::Call { success: false })),
                        };
                        continue;
                    }
                    self.finish_frame(ctx, hooks, status)
                }
            };
            let Some(parent) = self.frames.last_mut() else { return ended };
            let parent = &mut parent.frame;
            // The parent waits for this child on these buffers: it cannot refuse.
            let resumed = match ended.resume {
                Resume::Call { success } => {
                    parent.finish_call(&mut self.buffers, success, ended.gas_left, ended.refund)
                }
                Resume::Create { address } => parent.finish_create(address, ended.gas_left, ended.refund),
            };
            debug_assert!(resumed.is_ok(), "the parent waits for its child");
        }
    }

    /// Starts `request` of the running frame (or of the transaction, when no frame runs yet):
    /// completes it at once, or pushes the child frame (`None`).
    #[inline(always)]
    fn start<DB: Database, H: Hooks>(
        &mut self,
        ctx: &mut Context<DB>,
        hooks: &mut H,
        request: FrameRequest,
    ) -> Option<Ended> {
        self.buffers.return_data.clear();
        let gas_limit = match &request {
            FrameRequest::Call(req) => req.gas_limit,
            FrameRequest::Create(req) => req.gas_limit,
        };
        let ended = match request {
            FrameRequest::Call(req) => self.start_call(ctx, hooks, req),
            FrameRequest::Create(req) => self.start_create(ctx, hooks, req),
        };
        if H::ACTIVE
            && let Some(ended) = &ended
        {
            // Completed at once: a precompile's output is the return data now.
            hooks.exit(&FrameEnd {
                status: ended.status,
                not_run: ended.not_run,
                output: &self.buffers.return_data,
                gas_used: gas_limit.saturating_sub(ended.gas_left),
                gas_limit,
                created: ended.created(),
                depth: self.frames.len(),
            });
        }
        ended
    }

    /// Starts a CALL-family request.
    fn start_call<DB: Database, H: Hooks>(
        &mut self,
        ctx: &mut Context<DB>,
        hooks: &mut H,
        req: CallRequest,
    ) -> Option<Ended> {
        let caller = self.frames.last().map(|live| &live.frame);
        let is_root = caller.is_none();
        if H::ACTIVE {
            let input = self.buffers.window(caller, req.input_offset, req.input_len);
            hooks.enter(&FrameStart {
                kind: FrameKind::of_call(req.kind),
                caller: req.caller,
                target: req.target,
                code_address: req.code_address,
                value: req.value,
                input: &self.buffers.memory[input],
                gas_limit: req.gas_limit,
                depth: self.frames.len(),
                is_static: req.is_static,
            });
        }
        let refused = |gas, why| Some(Ended::refused(gas, Resume::Call { success: false }, why));
        if let Some(caller) = caller {
            if req.transfers_value
                && !req.value.is_zero()
                && ctx.journal.peek_account(&caller.address).balance < req.value
            {
                return refused(req.gas_limit, NotRun::InsufficientBalance);
            }
            if self.frames.len() > frontier::CALL_DEPTH_LIMIT {
                return refused(req.gas_limit, NotRun::DepthLimit);
            }
        }
        // The child reads its call data straight from its caller's memory: no copy.
        let input = self.buffers.window(caller, req.input_offset, req.input_len);
        let checkpoint = ctx.journal.checkpoint();
        ctx.journal.touch(&req.target);
        if req.transfers_value && !req.value.is_zero() {
            let _ = ctx.journal.transfer(&req.caller, &req.target, req.value);
        }
        if !req.delegated
            && let Some(precompile) = ctx.precompiles.get(&req.code_address)
        {
            // The output becomes the return data: the caller's, or for the transaction's own
            // call, its output.
            let result = if req.code_address == IDENTITY {
                // Its output is its input: copied once, from memory into the return data,
                // rather than into a new buffer and from there into the return data.
                identity_gas(input.len(), req.gas_limit)
                    .inspect(|_| self.buffers.set_return_data_from_memory(input))
            } else {
                precompile(&self.buffers.memory[input], req.gas_limit).map(|out| {
                    self.buffers.set_return_data(&out.bytes);
                    out.gas_used
                })
            };
            let (status, gas_left) = match result {
                Ok(gas_used) => {
                    ctx.journal.commit_checkpoint(checkpoint);
                    (Status::Return, req.gas_limit - gas_used)
                }
                Err(_) => {
                    revert(&mut ctx.journal, checkpoint, is_root);
                    (Status::PrecompileFailure, 0)
                }
            };
            let resume = Resume::Call { success: status.is_success() };
            return Some(Ended { status, not_run: None, gas_left, refund: 0, resume });
        }
        let code = self.load_code(&mut ctx.journal, &req.code_address);
        if H::ACTIVE {
            hooks.code_load(&req.code_address, code.original());
        }
        if code.is_empty() {
            ctx.journal.commit_checkpoint(checkpoint);
            return Some(Ended::not_run(req.gas_limit, Resume::Call { success: true }));
        }
        let init = FrameInit {
            code,
            spec: ctx.spec,
            gas_limit: req.gas_limit,
            address: req.target,
            caller: req.caller,
            value: req.value,
            is_static: req.is_static,
            depth: self.frames.len(),
            input,
        };
        self.push(init, checkpoint, None);
        None
    }

    /// Starts a CREATE/CREATE2 request.
    fn start_create<DB: Database, H: Hooks>(
        &mut self,
        ctx: &mut Context<DB>,
        hooks: &mut H,
        req: CreateRequest,
    ) -> Option<Ended> {
        let caller = self.frames.last().map(|live| &live.frame);
        let is_root = caller.is_none();
        let failed = |gas, why| Some(Ended::refused(gas, Resume::Create { address: None }, why));
        let creator = ctx.journal.peek_account(&req.caller);
        if H::ACTIVE {
            // The address the creation has (or would have had): computed again below, on the
            // path without hooks only once the checks pass.
            let nonce = if is_root { creator.nonce.wrapping_sub(1) } else { creator.nonce };
            let range = self.buffers.window(caller, req.init_offset, req.init_len);
            let init_code = &self.buffers.memory[range];
            let (kind, target) = match req.scheme {
                CreateScheme::Create => (FrameKind::Create, create_address(&req.caller, nonce)),
                CreateScheme::Create2 { salt } => {
                    let hash = kestrel_primitives::keccak256(init_code);
                    (FrameKind::Create2, create2_address(&req.caller, &salt, &hash))
                }
            };
            hooks.enter(&FrameStart {
                kind,
                caller: req.caller,
                target,
                code_address: target,
                value: req.value,
                input: init_code,
                gas_limit: req.gas_limit,
                depth: self.frames.len(),
                is_static: false,
            });
            // The address as it is before the creation touches it.
            hooks.account_state(&target, &mut ctx.journal);
        }
        if !is_root {
            let why = if creator.balance < req.value {
                Some(NotRun::InsufficientBalance)
            } else if creator.nonce == u64::MAX {
                Some(NotRun::NonceOverflow)
            } else if self.frames.len() > frontier::CALL_DEPTH_LIMIT {
                Some(NotRun::DepthLimit)
            } else {
                None
            };
            if let Some(why) = why {
                return failed(req.gas_limit, why);
            }
        }
        // The transaction bumped its sender's nonce when it bought its gas: the address comes
        // from the nonce before (the spec's `nonce - 1`).
        let nonce = if is_root { creator.nonce - 1 } else { creator.nonce };
        let init_code = &self.buffers.memory[self.buffers.window(caller, req.init_offset, req.init_len)];
        // One hash serves CREATE2's address and the analysis.
        let init_code = HashedCode::new(init_code);
        let address = match req.scheme {
            CreateScheme::Create => create_address(&req.caller, nonce),
            CreateScheme::Create2 { salt } => create2_address(&req.caller, &salt, &init_code.hash()),
        };
        let code = init_code_analysis(&mut self.init_codes, init_code);
        ctx.journal.warm_account(&address);
        if !is_root {
            ctx.journal.inc_nonce(&req.caller);
        }
        let checkpoint = match ctx.journal.create_account_checkpoint(&req.caller, &address, req.value) {
            Ok(cp) => cp,
            Err(CreateError::Collision) => {
                let resume = Resume::Create { address: None };
                return Some(Ended {
                    status: Status::CreateCollision,
                    not_run: None,
                    gas_left: 0,
                    refund: 0,
                    resume,
                });
            }
            Err(CreateError::InsufficientBalance) => {
                return failed(req.gas_limit, NotRun::InsufficientBalance);
            }
        };
        let init = FrameInit {
            code,
            spec: ctx.spec,
            gas_limit: req.gas_limit,
            address,
            caller: req.caller,
            value: req.value,
            is_static: false,
            depth: self.frames.len(),
            input: 0..0,
        };
        self.push(init, checkpoint, Some(address));
        None
    }

    /// The analysed code of `address`, shared by code hash across the process.
    ///
    /// The last codes run are kept by hash, so a contract called in every transaction is found
    /// without loading its bytes from the journal or taking the process-wide cache's lock (a
    /// code hash names its code, as it does for that cache).
    // Always: both frame-loop instantiations call it, and with two callers LLVM stopped inlining
    // it into the fast one's `start_call` (measured, callgrind).
    #[inline(always)]
    fn load_code<DB: Database>(&mut self, journal: &mut Journal<DB>, address: &Address) -> Arc<Bytecode> {
        let hash = journal.code_hash_of(address);
        let line = hash.0[0] as usize % RECENT_CODE;
        if let Some(code) = &self.recent_code[line]
            && code.hash() == hash
        {
            return code.clone();
        }
        let (code, hash) = journal.code_with_hash(address);
        let analysed = self.caches.analysis.get_or_analyze(hash, &code);
        if analysed.hash() == hash {
            self.recent_code[line] = Some(analysed.clone());
        }
        analysed
    }

    /// Pushes the frame `init` describes, with a stack from the pool.
    fn push(&mut self, init: FrameInit, checkpoint: Checkpoint, created: Option<Address>) {
        let stack = self.stacks.pop().unwrap_or_default();
        // Every call data window lies in memory the caller has already expanded, or in the
        // transaction's data at the start of the buffer.
        let mut frame = self.buffers.open_frame(stack, init).expect("call data lies inside memory");
        // A frame whose gas cannot pay for the run at pc 0 halts there, out of gas, in either
        // tier: it needs no program.
        let compiled = frame.gas.remaining() >= u64::from(frame.code().run_entry(0).gas)
            && self.caches.programs.prepare(self.active_mode, frame.code());
        frame.set_compiled(compiled);
        self.frames.push(LiveFrame { frame, checkpoint, created });
    }

    /// Pops the stopped top frame: deposits code for a create, commits or reverts its
    /// checkpoint, sets the parent's return data and frees the frame's buffers.
    fn finish_frame<DB: Database, H: Hooks>(
        &mut self,
        ctx: &mut Context<DB>,
        hooks: &mut H,
        status: Status,
    ) -> Ended {
        let LiveFrame { frame, checkpoint, created } = self.frames.pop().expect("a stopped frame");
        let is_root = self.frames.is_empty();
        let spec = ctx.spec;
        let mut status = status;
        let mut gas_left = if status.is_halt() { 0 } else { frame.gas.remaining() };

        if let Some(address) = created
            && status.is_success()
        {
            let code = if status == Status::Return { frame.output(&self.buffers) } else { &[] };
            let deposit = frontier::CODE_DEPOSIT * code.len() as u64;
            let mut deployed = true;
            if spec.is_enabled_in(SpecId::London) && code.first() == Some(&0xef) {
                status = Status::InvalidCodePrefix;
            } else if deposit > gas_left {
                if spec.is_enabled_in(SpecId::Homestead) {
                    status = Status::OutOfGas;
                } else {
                    // Frontier: a creation that cannot pay for its code succeeds without code.
                    deployed = false;
                }
            } else if spec.is_enabled_in(SpecId::SpuriousDragon) && code.len() > eip3860::MAX_CODE_SIZE {
                status = Status::CodeTooLarge;
            }
            if status.is_success() && deployed {
                gas_left -= deposit;
                // Interned: deploying code deployed (or run) before shares its buffer, and new
                // code is analysed once, here, for its first call.
                let (hash, code) = match code.is_empty() {
                    true => (KECCAK_EMPTY, Bytes::new()),
                    false => self.caches.analysis.intern(code),
                };
                ctx.journal.set_code_with_hash(&address, code, hash);
            }
            if !status.is_success() {
                gas_left = 0;
            }
        }

        if status.is_success() {
            ctx.journal.commit_checkpoint(checkpoint);
        } else {
            revert(&mut ctx.journal, checkpoint, is_root);
        }

        // The parent's return data (for the outermost frame, the transaction's output): a call's
        // output, a create's revert data, else nothing.
        let keep_output = status == Status::Revert || (status == Status::Return && created.is_none());
        if H::ACTIVE {
            // A creation's output is the code it returned (geth's tracers show it).
            let output = match status {
                Status::Return | Status::Revert => frame.output(&self.buffers),
                _ => &[],
            };
            hooks.exit(&FrameEnd {
                status,
                not_run: None,
                output,
                gas_used: frame.gas.limit.saturating_sub(gas_left),
                gas_limit: frame.gas.limit,
                created: created.filter(|_| status.is_success()),
                depth: frame.depth,
            });
        }
        self.buffers.close_frame(&frame, keep_output);
        let refund = frame.gas.refunded;
        self.stacks.push(frame.into_stack());
        let success = status.is_success();
        let resume = match created {
            Some(address) => Resume::Create { address: success.then_some(address) },
            None => Resume::Call { success },
        };
        Ended { status, not_run: None, gas_left, refund, resume }
    }
}

/// The analysis of init code `code`, reusing `pool`: the pooled
/// analysis of the same code as is (a factory deploying again), else a pooled analysis nothing
/// holds any more re-filled in place (its buffers only grow), else a new one, kept in the pool
/// while it has room. In steady state a creation allocates nothing for its init code.
fn init_code_analysis(pool: &mut Vec<Arc<Bytecode>>, code: HashedCode<'_>) -> Arc<Bytecode> {
    if let Some(same) = pool.iter().find(|analysis| analysis.hash() == code.hash()) {
        return same.clone();
    }
    let len = code.code().len();
    if len <= MAX_POOLED_INIT_CODE {
        // `get_mut` succeeds only when the pool holds the sole reference: no frame runs it and
        // no translator has it queued, so re-filling it changes nothing anyone sees.
        if let Some(free) = pool.iter_mut().position(|slot| Arc::get_mut(slot).is_some()) {
            if let Some(analysis) = Arc::get_mut(&mut pool[free]) {
                analysis.reanalyze(code);
            }
            return pool[free].clone();
        }
    }
    let analysis = Arc::new(Bytecode::from_hashed(code));
    if pool.len() < INIT_CODE_POOL && len <= MAX_POOLED_INIT_CODE {
        pool.push(analysis.clone());
    }
    analysis
}

/// Reverts a frame's changes; the outermost frame's revert keeps no RIPEMD-160 touch
/// ([`Journal::revert_top_frame`]).
fn revert<DB: Database>(journal: &mut Journal<DB>, checkpoint: Checkpoint, is_root: bool) {
    if is_root {
        journal.revert_top_frame(checkpoint);
    } else {
        journal.revert_to(checkpoint);
    }
}

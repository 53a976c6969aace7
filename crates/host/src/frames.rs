//! The frame loop: calls and creates run as frames on a heap stack, never by native recursion.
//!
//! A frame runs until it stops or asks for a child ([`Status::Call`] / [`Status::Create`]). A
//! request either completes at once (a precompile, empty code, a failed depth or balance check,
//! a create collision) and the parent resumes, or pushes a child frame. When a frame stops, its
//! checkpoint is committed or reverted, its output becomes the parent's return data, and the
//! parent resumes.

use std::ops::Range;
use std::sync::Arc;

use kestrel_bytecode::{AnalysisCache, Bytecode};
use kestrel_interpreter::{
    CallRequest, CreateRequest, CreateScheme, Frame, FrameInit, FrameRequest, Status, run, run_traced,
};
use kestrel_primitives::gas::{eip3860, frontier};
use kestrel_primitives::{Address, Bytes, SpecId, U256, keccak256};
use kestrel_state::{Checkpoint, CreateError, Database, delegation_address};

use crate::address::{create_address, create2_address};
use crate::evm::{Evm, RootOutcome};

/// Bookkeeping for a live frame beside the interpreter's [`Frame`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameMeta {
    checkpoint: Checkpoint,
    /// For a create frame, the address being created.
    created: Option<Address>,
}

/// How a child ended, as its parent sees it.
struct ChildOutcome {
    status: Status,
    gas_left: u64,
    refund: i64,
}

impl ChildOutcome {
    /// A child that never ran: all its gas goes back.
    fn not_run(gas: u64) -> Self {
        Self { status: Status::Stop, gas_left: gas, refund: 0 }
    }
}

/// How the parent resumes: as after a call, or as after a create.
#[derive(Clone, Copy)]
enum Resume {
    /// Push the success flag.
    Call { success: bool },
    /// Push the new address, or zero.
    Create { address: Option<Address> },
}

impl<DB: Database> Evm<DB>
where
    DB::Error: core::fmt::Debug,
{
    /// Loads the analysed code of `address`, shared by code hash across the process.
    fn load_code(&mut self, address: &Address) -> Arc<Bytecode> {
        let (code, hash) = self.ctx.journal.code_with_hash(address);
        AnalysisCache::global().get_or_analyze(hash, &code)
    }

    /// Pushes a frame running `code` whose call data is the range `input` of the buffers' memory
    /// (the caller's memory or the transaction's data); its own memory starts at the end.
    #[allow(clippy::too_many_arguments)]
    fn push_frame(
        &mut self,
        code: Arc<Bytecode>,
        gas: u64,
        address: Address,
        caller: Address,
        value: U256,
        is_static: bool,
        input: Range<usize>,
        meta: FrameMeta,
    ) {
        let depth = self.frames.len();
        let stack = self.stacks.pop().unwrap_or_default();
        self.buffers.return_data.clear();
        let init = FrameInit {
            code,
            spec: self.ctx.spec,
            gas_limit: gas,
            address,
            caller,
            value,
            is_static,
            depth,
            input,
        };
        // The host derives every call data range from memory the caller has already expanded,
        // or from the transaction's data at the start of the buffer.
        let frame = Frame::new(stack, init, &self.buffers).expect("call data lies inside memory");
        self.frames.push(frame);
        self.metas.push(meta);
    }

    /// The transaction's call to `to`.
    pub(crate) fn run_root_call(&mut self, to: Address, gas: u64) -> RootOutcome {
        self.buffers.clear();
        self.buffers.memory.extend_from_slice(&self.ctx.tx.data);
        let tx = &self.ctx.tx;
        let (caller, value) = (tx.caller, tx.value);
        let checkpoint = self.ctx.journal.checkpoint();
        self.ctx.journal.touch(&to);
        // Validation made sure the sender can pay the value.
        if !value.is_zero() {
            let _ = self.ctx.journal.transfer(&caller, &to, value);
        }
        // EIP-7702: a delegated account runs its delegate's code, and never a precompile.
        let mut code_address = to;
        let mut delegated = false;
        if self.ctx.spec.is_enabled_in(SpecId::Prague) {
            let code = self.ctx.journal.code(&to).value;
            if let Some(delegate) = delegation_address(&code) {
                self.ctx.journal.warm_account(&delegate);
                code_address = delegate;
                delegated = true;
            }
        }
        if !delegated && let Some(precompile) = self.precompiles.get(&code_address) {
            let result = precompile(&self.ctx.tx.data, gas);
            return match result {
                Ok(out) => RootOutcome {
                    status: Status::Return,
                    gas_left: gas - out.gas_used,
                    refund: 0,
                    output: out.bytes,
                    created: None,
                },
                Err(_) => {
                    self.ctx.journal.revert_top_frame(checkpoint);
                    RootOutcome {
                        status: Status::PrecompileFailure,
                        gas_left: 0,
                        refund: 0,
                        output: Bytes::new(),
                        created: None,
                    }
                }
            };
        }
        let code = self.load_code(&code_address);
        if code.is_empty() {
            return RootOutcome {
                status: Status::Stop,
                gas_left: gas,
                refund: 0,
                output: Bytes::new(),
                created: None,
            };
        }
        let input = 0..self.ctx.tx.data.len();
        self.push_frame(code, gas, to, caller, value, false, input, FrameMeta { checkpoint, created: None });
        self.run_frames()
    }

    /// The transaction's contract creation at `created`.
    pub(crate) fn run_root_create(&mut self, created: Address, gas: u64) -> RootOutcome {
        self.buffers.clear();
        let tx = &self.ctx.tx;
        let (caller, value) = (tx.caller, tx.value);
        self.ctx.journal.warm_account(&created);
        let checkpoint = match self.ctx.journal.create_account_checkpoint(&caller, &created, value) {
            Ok(cp) => cp,
            Err(_) => {
                return RootOutcome {
                    status: Status::CreateCollision,
                    gas_left: 0,
                    refund: 0,
                    output: Bytes::new(),
                    created: None,
                };
            }
        };
        let code = Arc::new(Bytecode::new(&self.ctx.tx.data));
        self.push_frame(
            code,
            gas,
            created,
            caller,
            value,
            false,
            0..0,
            FrameMeta { checkpoint, created: Some(created) },
        );
        self.run_frames()
    }

    /// Runs the frame stack until the outermost frame stops.
    fn run_frames(&mut self) -> RootOutcome {
        loop {
            let frame = self.frames.last_mut().expect("a live frame");
            let status = match self.tracer.as_deref_mut() {
                None => run(frame, &mut self.buffers, &mut self.ctx),
                Some(tracer) => run_traced(frame, &mut self.buffers, &mut self.ctx, tracer),
            };
            let (outcome, resume) = match status {
                Status::Call | Status::Create => {
                    let request = self.frames.last_mut().and_then(|f| f.request.take());
                    let done = match request {
                        Some(FrameRequest::Call(req)) => self.start_call(req),
                        Some(FrameRequest::Create(req)) => self.start_create(req),
                        None => Some((ChildOutcome::not_run(0), Resume::Call { success: false })),
                    };
                    match done {
                        None => continue,
                        Some(done) => done,
                    }
                }
                _ => {
                    let (outcome, created, output) = self.finish_frame(status);
                    let success = outcome.status.is_success();
                    if self.frames.is_empty() {
                        return RootOutcome {
                            status: outcome.status,
                            gas_left: outcome.gas_left,
                            refund: outcome.refund,
                            output,
                            created,
                        };
                    }
                    let resume = match created {
                        Some(address) => Resume::Create { address: success.then_some(address) },
                        None => Resume::Call { success },
                    };
                    (outcome, resume)
                }
            };
            let parent = self.frames.last_mut().expect("a parent frame");
            match resume {
                Resume::Call { success } => {
                    parent.finish_call(&mut self.buffers, success, outcome.gas_left, outcome.refund)
                }
                Resume::Create { address } => parent.finish_create(address, outcome.gas_left, outcome.refund),
            }
        }
    }

    /// Handles a CALL-family request: completes it at once or pushes the child frame (`None`).
    fn start_call(&mut self, req: CallRequest) -> Option<(ChildOutcome, Resume)> {
        let parent = self.frames.last().expect("the calling frame");
        let (parent_base, parent_address) = (parent.memory_base(), parent.address);
        let not_run = |gas| Some((ChildOutcome::not_run(gas), Resume::Call { success: false }));
        self.buffers.return_data.clear();
        if req.transfers_value
            && !req.value.is_zero()
            && self.ctx.journal.peek_account(&parent_address).balance < req.value
        {
            return not_run(req.gas_limit);
        }
        if self.frames.len() > frontier::CALL_DEPTH_LIMIT {
            return not_run(req.gas_limit);
        }
        let checkpoint = self.ctx.journal.checkpoint();
        self.ctx.journal.touch(&req.target);
        if req.transfers_value && !req.value.is_zero() {
            let _ = self.ctx.journal.transfer(&req.caller, &req.target, req.value);
        }
        if !req.delegated
            && let Some(precompile) = self.precompiles.get(&req.code_address)
        {
            let start = parent_base + req.input_offset;
            let result = precompile(&self.buffers.memory[start..start + req.input_len], req.gas_limit);
            let outcome = match result {
                Ok(out) => {
                    self.buffers.return_data.extend_from_slice(&out.bytes);
                    self.ctx.journal.commit_checkpoint(checkpoint);
                    ChildOutcome { status: Status::Return, gas_left: req.gas_limit - out.gas_used, refund: 0 }
                }
                Err(_) => {
                    self.ctx.journal.revert_to(checkpoint);
                    ChildOutcome { status: Status::PrecompileFailure, gas_left: 0, refund: 0 }
                }
            };
            let success = outcome.status.is_success();
            return Some((outcome, Resume::Call { success }));
        }
        let code = self.load_code(&req.code_address);
        if code.is_empty() {
            self.ctx.journal.commit_checkpoint(checkpoint);
            return Some((ChildOutcome::not_run(req.gas_limit), Resume::Call { success: true }));
        }
        // The child reads its call data straight from this frame's memory: no copy.
        let input = parent_base + req.input_offset..parent_base + req.input_offset + req.input_len;
        self.push_frame(
            code,
            req.gas_limit,
            req.target,
            req.caller,
            req.value,
            req.is_static,
            input,
            FrameMeta { checkpoint, created: None },
        );
        None
    }

    /// Handles a CREATE/CREATE2 request: completes it at once or pushes the child frame (`None`).
    fn start_create(&mut self, req: CreateRequest) -> Option<(ChildOutcome, Resume)> {
        let parent_base = self.frames.last().expect("the creating frame").memory_base();
        let failed = |gas| Some((ChildOutcome::not_run(gas), Resume::Create { address: None }));
        self.buffers.return_data.clear();
        let creator = self.ctx.journal.peek_account(&req.caller);
        if creator.balance < req.value
            || creator.nonce == u64::MAX
            || self.frames.len() > frontier::CALL_DEPTH_LIMIT
        {
            return failed(req.gas_limit);
        }
        let start = parent_base + req.init_offset;
        let init_code = &self.buffers.memory[start..start + req.init_len];
        let address = match req.scheme {
            CreateScheme::Create => create_address(&req.caller, creator.nonce),
            CreateScheme::Create2 { salt } => create2_address(&req.caller, &salt, &keccak256(init_code)),
        };
        let code = Arc::new(Bytecode::new(init_code));
        self.ctx.journal.warm_account(&address);
        self.ctx.journal.inc_nonce(&req.caller);
        let checkpoint = match self.ctx.journal.create_account_checkpoint(&req.caller, &address, req.value) {
            Ok(cp) => cp,
            Err(CreateError::Collision) => {
                return Some((
                    ChildOutcome { status: Status::CreateCollision, gas_left: 0, refund: 0 },
                    Resume::Create { address: None },
                ));
            }
            Err(CreateError::InsufficientBalance) => return failed(req.gas_limit),
        };
        self.push_frame(
            code,
            req.gas_limit,
            address,
            req.caller,
            req.value,
            false,
            0..0,
            FrameMeta { checkpoint, created: Some(address) },
        );
        None
    }

    /// Pops the finished top frame: deposits code for a create, commits or reverts its
    /// checkpoint, sets the parent's return data and frees the frame's buffers. Returns the
    /// outcome, the created address (for a create frame, whatever the outcome) and, for the
    /// outermost frame, its output.
    fn finish_frame(&mut self, status: Status) -> (ChildOutcome, Option<Address>, Bytes) {
        let frame = self.frames.pop().expect("a finished frame");
        let meta = self.metas.pop().expect("its bookkeeping");
        let is_root = self.frames.is_empty();
        let spec = self.ctx.spec;
        let mut status = status;
        let mut gas_left = if status.is_halt() { 0 } else { frame.gas.remaining() };
        let (out_offset, out_len) = match status {
            Status::Return | Status::Revert => frame.output,
            _ => (0, 0),
        };
        let out_start = frame.memory_base() + out_offset;

        if let Some(address) = meta.created
            && status.is_success()
        {
            let code = &self.buffers.memory[out_start..out_start + out_len];
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
                let code = Bytes::copy_from_slice(code);
                self.ctx.journal.set_code(&address, code);
            }
            if !status.is_success() {
                gas_left = 0;
            }
        }

        if status.is_success() {
            self.ctx.journal.commit_checkpoint(meta.checkpoint);
        } else if is_root {
            self.ctx.journal.revert_top_frame(meta.checkpoint);
        } else {
            self.ctx.journal.revert_to(meta.checkpoint);
        }

        // The parent's return data: a call's output, a create's revert data, else nothing.
        let keep_output = status == Status::Revert || (status.is_success() && meta.created.is_none());
        let output_range = if keep_output { out_start..out_start + out_len } else { 0..0 };
        let output = if is_root {
            Bytes::copy_from_slice(&self.buffers.memory[output_range.clone()])
        } else {
            Bytes::new()
        };
        let kestrel_interpreter::Buffers { memory, return_data } = &mut self.buffers;
        return_data.clear();
        return_data.extend_from_slice(&memory[output_range]);
        memory.truncate(frame.memory_base());
        let refund = frame.gas.refunded;
        self.stacks.push(frame.stack);
        (ChildOutcome { status, gas_left, refund }, meta.created, output)
    }
}

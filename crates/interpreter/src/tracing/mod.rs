//! Tracing hooks for the tracing runner.
//!
//! The runner's one generated body is instantiated twice: the fast [`run`](crate::run) has no
//! tracing code at all; [`run_traced`](crate::run_traced) calls a [`Tracer`] around every opcode
//! and charges static gas opcode by opcode (no accumulation, no basic-block checks), so a trace
//! shows exact gas at every step.

use crate::{Buffers, Frame, Status};

/// Receives one call before and one after every opcode the tracing runner executes.
///
/// `Send`, because the host's `Evm` owns its tracer and must itself be `Send`: an embedder
/// moves it to a worker thread or holds it across an `.await` in a multi-threaded runtime.
pub trait Tracer: Send {
    /// Before `op` runs at `frame.pc`, with the gas left before paying for it.
    fn step(&mut self, frame: &Frame, buffers: &Buffers, op: u8);
    /// After `op` ran; `status` is `Some` when the opcode stopped the frame.
    fn step_end(&mut self, frame: &Frame, buffers: &Buffers, op: u8, status: Option<Status>);
}

/// A tracer that does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopTracer;

impl Tracer for NoopTracer {
    #[inline(always)]
    fn step(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8) {}
    #[inline(always)]
    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

mod eip3155;
pub use eip3155::Eip3155Tracer;

//! Tracing hooks for the tracing runner.
//!
//! The runner's one generated body is instantiated twice: the fast [`run`](crate::run) has no
//! tracing code at all; [`run_traced`](crate::run_traced) calls a [`Tracer`] around every opcode
//! and charges static gas opcode by opcode (no accumulation, no basic-block checks), so a trace
//! shows exact gas at every step.

use crate::{Buffers, Frame, Status};

/// What a tracer's [`step`](Tracer::step) wants done with the opcode it was shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Control {
    /// Run the opcode.
    #[default]
    Continue,
    /// Do not run it: the frame halts with [`Status::Interrupted`] (and the tracer's
    /// [`step_end`](Tracer::step_end) sees that status). A tracer that wants the whole
    /// transaction stopped keeps answering `Halt` (the host asks again in every frame that
    /// resumes), or the host ends it (see the host's inspector).
    Halt,
}

/// Receives one call before and one after every opcode the tracing runner executes.
///
/// `Send`, because the host's `Evm` owns its tracer and must itself be `Send`: an embedder
/// moves it to a worker thread or holds it across an `.await` in a multi-threaded runtime.
pub trait Tracer: Send {
    /// Before `op` runs at `frame.pc`, with the gas left before paying for it. Returning
    /// [`Control::Halt`] stops the frame before the opcode runs.
    fn step(&mut self, frame: &Frame, buffers: &Buffers, op: u8) -> Control;
    /// After `op` ran; `status` is `Some` when the opcode stopped the frame.
    fn step_end(&mut self, frame: &Frame, buffers: &Buffers, op: u8, status: Option<Status>);
}

/// A tracer that does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopTracer;

impl Tracer for NoopTracer {
    #[inline(always)]
    fn step(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8) -> Control {
        Control::Continue
    }
    #[inline(always)]
    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

mod eip3155;
pub use eip3155::Eip3155Tracer;

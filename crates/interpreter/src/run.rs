//! Where the runners are entered: each checks, once, that the frame is its to run, before the
//! loops that rely on the frame's invariants without checking them.

use crate::generated::runner::{interpret, interpret_traced};
use crate::{Buffers, Frame, Host, Status, Tracer};

/// Runs `f` in the interpreter until it stops, halts, or asks for a child frame
/// ([`Status::Call`] / [`Status::Create`]; resume it with [`Frame::finish_call`] /
/// [`Frame::finish_create`]).
///
/// Runs nothing, and returns [`Status::BuffersMismatch`], when `b` are not the buffers `f` was
/// opened on in the current transaction, or no longer hold its windows ([`Frame::fits`]); and
/// [`Status::NotRunnable`] when `f` has finished or waits for its child.
pub fn run<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Status {
    if let Err(status) = f.enter(b) {
        return status;
    }
    let status = interpret(f, b, host);
    f.leave(status);
    status
}

/// Like [`run`], but charges static gas opcode by opcode and calls `tracer` before and after
/// every opcode, with the frame up to date.
pub fn run_traced<H: Host + ?Sized, T: Tracer + ?Sized>(
    f: &mut Frame,
    b: &mut Buffers,
    host: &mut H,
    tracer: &mut T,
) -> Status {
    if let Err(status) = f.enter(b) {
        return status;
    }
    let status = interpret_traced(f, b, host, tracer);
    f.leave(status);
    status
}

/// Like [`run`], on the program attached to the frame's code when the frame is
/// [compiled](Frame::is_compiled) and resumes at an arrival point of it, else in the
/// interpreter.
pub fn run_compiled<H: Host + ?Sized>(f: &mut Frame, b: &mut Buffers, host: &mut H) -> Status {
    if let Err(status) = f.enter(b) {
        return status;
    }
    let status = match crate::compiled::run(f, b, host) {
        Some(status) => status,
        None => interpret(f, b, host),
    };
    f.leave(status);
    status
}

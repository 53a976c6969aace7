//! Misuse of the interpreter's public API, as a hostile embedder would try it: each attempt is
//! refused at run time (a status or an error, with nothing run or changed) or does not compile
//! (`tests/compile_fail/`, checked by `trybuild`). The fast runners read the frame's code, run
//! table, program and stack without bounds checks; these tests show that no safe call sequence
//! breaks what those reads rely on.

mod common;

use std::sync::Arc;

use common::MockHost;
use common::*;
use kestrel_bytecode::program::Program;
use kestrel_bytecode::{Bytecode, HashedCode};
use kestrel_interpreter::{
    Buffers, Frame, FrameError, FrameRequest, Stack, Status, run, run_compiled, run_traced,
};
use kestrel_primitives::{SpecId, U256};

/// CALL 0x00..00 with 1,000 gas, no value, empty windows: the frame suspends.
fn call_code() -> Vec<u8> {
    Asm::new()
        .push(0u64)
        .push(0u64)
        .push(0u64)
        .push(0u64)
        .push(0u64)
        .push(0u64)
        .push(1000u64)
        .op(CALL)
        .push(0x42u64)
        .op(ADD)
        .push(0u64)
        .op(MSTORE)
        .push(32u64)
        .push(0u64)
        .op(RETURN)
        .build()
}

fn frame_of(code: &[u8], buffers: &Buffers) -> Frame {
    let init = frame_init(Arc::new(Bytecode::new(code)), SpecId::Osaka, 1_000_000, 0..0);
    Frame::new(Stack::new(), init, buffers).expect("empty call data")
}

/// A runner, as the tests call it.
type Runner = fn(&mut Frame, &mut Buffers, &mut MockHost) -> Status;

/// The three runners, by name, for the assertions' messages.
fn runners() -> [(&'static str, Runner); 3] {
    [
        ("run", |f, b, h| run(f, b, h)),
        ("run_traced", |f, b, h| run_traced(f, b, h, &mut kestrel_interpreter::NoopTracer)),
        ("run_compiled", |f, b, h| run_compiled(f, b, h)),
    ]
}

/// A frame that stopped never runs again: whatever its pc, stack and gas say, every runner
/// refuses it before reading anything.
#[test]
fn a_finished_frame_is_not_resumed() {
    let code = Asm::new().push(1u64).push(2u64).op(ADD).op(STOP).build();
    for (name, go) in runners() {
        let mut buffers = Buffers::default();
        let mut frame = frame_of(&code, &buffers);
        assert_eq!(go(&mut frame, &mut buffers, &mut MockHost::default()), Status::Stop, "{name}");
        assert!(frame.is_finished());
        let (pc, stack, gas) = (frame.pc(), frame.stack().as_slice().to_vec(), frame.gas);
        for (again, go_again) in runners() {
            let status = go_again(&mut frame, &mut buffers, &mut MockHost::default());
            assert_eq!(status, Status::NotRunnable, "{name} then {again}");
        }
        assert_eq!((frame.pc(), frame.stack().as_slice(), frame.gas), (pc, &stack[..], gas), "{name}");
    }
}

/// A frame that waits for its child runs again only after the child's result is in; the
/// result is taken once, and only by a waiting frame.
#[test]
fn a_waiting_frame_runs_only_after_its_result() {
    for (name, go) in runners() {
        let mut buffers = Buffers::default();
        let mut frame = frame_of(&call_code(), &buffers);
        let mut host = MockHost::default();
        assert_eq!(go(&mut frame, &mut buffers, &mut host), Status::Call, "{name}");
        assert!(frame.is_waiting() && matches!(frame.request(), Some(FrameRequest::Call(_))));
        let height = frame.stack().len();
        assert_eq!(go(&mut frame, &mut buffers, &mut host), Status::NotRunnable, "{name}: no result yet");
        assert_eq!(frame.finish_create(None, 0, 0), Ok(()), "{name}: any child result resumes it");
        assert_eq!(frame.stack().len(), height + 1);
        assert_eq!(frame.finish_call(&mut buffers, true, 0, 0), Err(FrameError::NotWaiting), "{name}: twice");
        assert_eq!(frame.stack().len(), height + 1, "{name}: a refused result pushes nothing");
        assert_eq!(go(&mut frame, &mut buffers, &mut host), Status::Return, "{name}");
        assert_eq!(frame.finish_create(None, 0, 0), Err(FrameError::NotWaiting), "{name}: finished");
    }
    // A new frame waits for nothing either.
    let mut buffers = Buffers::default();
    let mut frame = frame_of(&call_code(), &buffers);
    assert_eq!(frame.finish_call(&mut buffers, true, 5, 5), Err(FrameError::NotWaiting));
    assert!(frame.stack().is_empty());
}

/// Buffers other than the frame's own, buffers of a later transaction, and the frame's own
/// buffers after they lost its memory: refused before anything runs, and its result is refused
/// from them too.
#[test]
fn a_frame_runs_only_on_its_own_buffers() {
    for (name, go) in runners() {
        let mut own = Buffers::default();
        own.memory = vec![1; 64];
        let init = frame_init(Arc::new(Bytecode::new(&call_code())), SpecId::Osaka, 1_000_000, 0..64);
        let mut frame = Frame::new(Stack::new(), init, &own).expect("call data inside memory");
        let mut other = Buffers::default();
        other.memory = vec![1; 64];
        assert_eq!(go(&mut frame, &mut other, &mut MockHost::default()), Status::BuffersMismatch, "{name}");
        assert_eq!((frame.pc(), frame.stack().len()), (0, 0), "{name}: nothing ran");
        assert_eq!(go(&mut frame, &mut own, &mut MockHost::default()), Status::Call, "{name}");
        assert_eq!(
            frame.finish_call(&mut other, true, 0, 0),
            Err(FrameError::NotWaiting),
            "{name}: a result from other buffers"
        );
        // A new transaction on the same buffers ends the old frames.
        let mut later = Buffers::default();
        later.open_transaction(&[1; 64]);
        let init = frame_init(Arc::new(Bytecode::new(&call_code())), SpecId::Osaka, 1_000_000, 0..64);
        let mut old = Frame::new(Stack::new(), init, &later).expect("call data inside memory");
        later.open_transaction(&[1; 64]);
        assert!(!old.fits(&later));
        assert_eq!(go(&mut old, &mut later, &mut MockHost::default()), Status::BuffersMismatch, "{name}");
        // Its own buffers, truncated under it.
        own.memory.truncate(10);
        assert_eq!(frame.finish_call(&mut own, true, 0, 0), Err(FrameError::NotWaiting), "{name}: truncated");
    }
}

/// Windows near `usize::MAX`: the sums saturate, and a frame over them is refused.
#[test]
fn windows_near_the_top_of_the_address_space_are_refused() {
    let mut buffers = Buffers::default();
    buffers.memory = vec![0; 64];
    let window = buffers.window(None, usize::MAX - 3, 10);
    assert_eq!(window, usize::MAX - 3..usize::MAX);
    let init = frame_init(Arc::new(Bytecode::new(&[STOP])), SpecId::Osaka, 1_000, window);
    assert!(Frame::new(Stack::new(), init, &buffers).is_err());
    let frame = frame_of(&[STOP], &buffers);
    let nested = buffers.window(Some(&frame), usize::MAX, usize::MAX);
    assert_eq!(nested, usize::MAX..usize::MAX);
    // Reading a finished frame's windows through other buffers gives nothing, not a panic.
    assert!(frame.output(&Buffers::default()).is_empty());
    assert!(frame.input(&Buffers::default()).is_empty());
}

/// The compiled flag is a preference, not a promise: without a program, or at a pc where the
/// program has no arrival point, the frame is interpreted, with the interpreter's result.
#[test]
fn the_compiled_flag_without_a_program_interprets() {
    let code = call_code();
    let reference = {
        let mut buffers = Buffers::default();
        let mut frame = frame_of(&code, &buffers);
        let mut host = MockHost::default();
        assert_eq!(run(&mut frame, &mut buffers, &mut host), Status::Call);
        frame.finish_call(&mut buffers, true, 500, 0).expect("waits");
        assert_eq!(run(&mut frame, &mut buffers, &mut host), Status::Return);
        (frame.output(&buffers).to_vec(), frame.gas.remaining())
    };
    // Compiled from the start, without a program.
    let mut buffers = Buffers::default();
    let mut frame = frame_of(&code, &buffers);
    frame.set_compiled(true);
    assert!(frame.code().program().is_none());
    let mut host = MockHost::default();
    assert_eq!(run_compiled(&mut frame, &mut buffers, &mut host), Status::Call);
    let after_call = code.iter().position(|&op| op == CALL).expect("a CALL") + 1;
    assert_eq!(frame.pc(), after_call);
    // The program appears while the frame waits, and the flag is switched on and off: the
    // frame resumes where it stopped, on the program's arrival point or in the interpreter.
    let program = Arc::new(Program::translate(frame.code()).expect("short code"));
    assert!(frame.code().attach_program(&program));
    frame.finish_call(&mut buffers, true, 500, 0).expect("waits");
    assert_eq!(run_compiled(&mut frame, &mut buffers, &mut host), Status::Return);
    assert_eq!((frame.output(&buffers).to_vec(), frame.gas.remaining()), reference);
    for compiled_first in [true, false] {
        let mut buffers = Buffers::default();
        let mut frame = frame_of(&code, &buffers);
        assert!(frame.code().attach_program(&program) || frame.code().program().is_some());
        frame.set_compiled(compiled_first);
        let mut host = MockHost::default();
        assert_eq!(run_compiled(&mut frame, &mut buffers, &mut host), Status::Call);
        frame.set_compiled(!compiled_first);
        frame.finish_call(&mut buffers, true, 500, 0).expect("waits");
        assert_eq!(run_compiled(&mut frame, &mut buffers, &mut host), Status::Return);
        assert_eq!((frame.output(&buffers).to_vec(), frame.gas.remaining()), reference, "{compiled_first}");
    }
}

/// A program translated from other code is never attached, even when that code has the same
/// length and its first opcodes match, so a frame never runs another code's program; and the
/// only way to give code a hash is to have Kestrel compute it.
#[test]
fn a_program_of_other_code_is_not_attached() {
    // Same length; the decoy's CALL resumes at pc 16, inside PUSH32 data of `code`.
    let decoy = Bytecode::new(&call_code());
    let n = decoy.len();
    let code = Bytecode::new(&[&[PUSH1, 0, PUSH32][..], &vec![JUMPDEST; n - 4], &[STOP]].concat());
    assert_eq!(code.len(), decoy.len());
    let foreign = Arc::new(Program::translate(&decoy).expect("short code"));
    assert!(!code.attach_program(&foreign));
    assert!(code.program().is_none());
    // Recycling an analysis for other code drops the program it had.
    let mut recycled = Bytecode::new(&call_code());
    let own = Arc::new(Program::translate(&recycled).expect("short code"));
    assert!(recycled.attach_program(&own));
    recycled.reanalyze(HashedCode::new(code.original()));
    assert!(recycled.program().is_none());
    assert!(!recycled.attach_program(&own));
    assert_eq!(recycled.hash(), code.hash());
}

/// A stack handed to a new frame is cleared, whatever it held; a frame's stack comes back out
/// for reuse only by giving up the frame.
#[test]
fn a_reused_stack_starts_empty() {
    let buffers = Buffers::default();
    let mut full = Stack::new();
    for i in 0..1024u64 {
        full.push(U256::from(i));
    }
    let init = frame_init(Arc::new(Bytecode::new(&[POP, STOP])), SpecId::Osaka, 1_000, 0..0);
    let mut frame = Frame::new(full, init, &buffers).expect("empty call data");
    assert!(frame.stack().is_empty());
    let mut buffers = buffers;
    assert_eq!(run(&mut frame, &mut buffers, &mut MockHost::default()), Status::StackUnderflow);
    assert!(frame.into_stack().is_empty());
}

/// What does not compile: writing the frame's code, pc, stack, windows or request; building a
/// `HashedCode` or a `Program` by hand; reaching the loop's stack pointer.
///
/// The expected compiler messages are those of the pinned toolchain (`rust-toolchain.toml`);
/// under another compiler (a nightly sanitizer run) the wording differs, and the test says it
/// skips instead of comparing.
#[test]
fn misuse_does_not_compile() {
    const PINNED: &str = "rustc 1.95.0 ";
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(PINNED) {
        println!("SKIPPED: compile-fail messages are pinned to {PINNED}; this compiler is {version:?}");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}

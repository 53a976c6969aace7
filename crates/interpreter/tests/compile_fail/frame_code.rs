//! Replacing the code under a paused frame: the runner would resume at a pc of the old code
//! in the new one (past its end, or inside PUSH data where no run check exists).
use std::sync::Arc;

use kestrel_bytecode::Bytecode;
use kestrel_interpreter::Frame;

fn swap_code(frame: &mut Frame) {
    frame.code = Arc::new(Bytecode::new(&[0x00]));
}

fn main() {}

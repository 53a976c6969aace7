//! Moving a frame's pc, or swapping its stack, between runs.
use kestrel_interpreter::{Frame, Stack};

fn move_pc(frame: &mut Frame) {
    frame.pc = 3;
}

fn swap_stack(frame: &mut Frame) {
    std::mem::swap(&mut frame.stack, &mut Stack::new());
}

fn main() {}

//! The dispatch loop's unchecked stack pointer, from outside the crate.
use kestrel_interpreter::Stack;

fn raw(stack: &mut Stack) {
    let _ = stack.sp();
}

fn main() {}

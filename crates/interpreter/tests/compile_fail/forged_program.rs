//! A program assembled by hand, with jumps to entries that do not exist.
use kestrel_bytecode::program::Program;

fn forge() -> Program {
    Program { insts: Box::new([]), consts: Box::new([]), entries: Box::new([]), by_pc: Box::new([]), hash: Default::default(), code_len: 0 }
}

fn main() {}

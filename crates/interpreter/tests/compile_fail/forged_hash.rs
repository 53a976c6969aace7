//! A hash Kestrel did not compute becoming the identity of code: a program translated from
//! other code would attach to it.
use kestrel_bytecode::{Bytecode, HashedCode};
use kestrel_primitives::B256;

fn forge(code: &[u8], claimed: B256) -> Bytecode {
    Bytecode::from_hashed(HashedCode { code, hash: claimed })
}

fn main() {}

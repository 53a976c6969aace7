//! The analysis of code under a hash the caller only claims (the API before `HashedCode`).
use kestrel_bytecode::Bytecode;
use kestrel_primitives::B256;

fn claim(code: &[u8], claimed: B256) -> Bytecode {
    Bytecode::with_hash(code, claimed)
}

fn main() {}

//! EIP-1884 (Istanbul): repricing for trie-size-dependent opcodes, and SELFBALANCE.

/// SLOAD cost from Istanbul until Berlin.
pub const SLOAD: u64 = 800;
/// BALANCE cost from Istanbul until Berlin.
pub const BALANCE: u64 = 700;
/// EXTCODEHASH cost from Istanbul until Berlin (400 before, EIP-1052).
pub const EXTCODEHASH: u64 = 700;
/// EXTCODEHASH cost in Constantinople and Petersburg (EIP-1052).
pub const EXTCODEHASH_EIP1052: u64 = 400;

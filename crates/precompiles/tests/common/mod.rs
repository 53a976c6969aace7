//! Helpers shared by the precompile integration tests.

#![allow(dead_code, unreachable_pub)]

use kestrel_precompiles::{PrecompileError, PrecompileResult, Precompiles};
use kestrel_primitives::{Address, SpecId};

/// The address of the precompile numbered `index` (0x01..=0x11, 0x100).
pub fn address(index: u16) -> Address {
    let mut a = [0u8; 20];
    a[18..].copy_from_slice(&index.to_be_bytes());
    Address::from(a)
}

/// Calls precompile `index` of `spec`'s set; panics if it is not in the set.
pub fn call(spec: SpecId, index: u16, input: &[u8], gas: u64) -> PrecompileResult {
    let precompile = Precompiles::for_spec(spec)
        .get(&address(index))
        .unwrap_or_else(|| panic!("{index:#x} is not a precompile in {spec:?}"));
    precompile(input, gas)
}

/// Decodes hex (whitespace and a `0x` prefix allowed).
pub fn hex(s: &str) -> Vec<u8> {
    let clean: String = s.split_whitespace().collect();
    kestrel_primitives::hex::decode(clean.trim_start_matches("0x")).expect("valid hex")
}

/// A 32-byte big-endian word holding `n`.
pub fn word(n: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

/// Asserts that `input` costs exactly `cost` with output `expected`: it succeeds with
/// `cost` gas (and with plenty), and runs out of gas with `cost - 1`.
pub fn assert_exact(spec: SpecId, index: u16, input: &[u8], cost: u64, expected: &[u8]) {
    for gas in [cost, cost.saturating_add(1_000_000)] {
        let out = call(spec, index, input, gas)
            .unwrap_or_else(|e| panic!("{index:#x} in {spec:?} with gas {gas}: {e:?}"));
        assert_eq!(out.gas_used, cost, "{index:#x} in {spec:?}: gas");
        assert_eq!(&out.bytes[..], expected, "{index:#x} in {spec:?}: output");
    }
    if cost > 0 {
        assert_eq!(
            call(spec, index, input, cost - 1),
            Err(PrecompileError::OutOfGas),
            "{index:#x} in {spec:?}: gas {} must not suffice",
            cost - 1
        );
    }
}

/// Asserts that `input` fails (not for lack of gas) even with plenty of gas.
pub fn assert_failure(spec: SpecId, index: u16, input: &[u8]) {
    match call(spec, index, input, 100_000_000) {
        Err(PrecompileError::Failure(_)) => {}
        other => panic!("{index:#x} in {spec:?}: expected a failure, got {other:?}"),
    }
}

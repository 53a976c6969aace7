//! BLAKE2 F (EIP-152): the EIP's test vectors, gas and failure rules.

mod common;

use common::{assert_exact, assert_failure, call, hex};
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::SpecId;

const SPEC: SpecId = SpecId::Istanbul;

/// EIP-152's input: `rounds` ‖ h ‖ m ("abc" padded) ‖ t = (3, 0) ‖ `f`.
fn eip152_input(rounds: u32, f: u8) -> Vec<u8> {
    [
        rounds.to_be_bytes().to_vec(),
        hex("48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5\
             d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"),
        hex("6162630000000000000000000000000000000000000000000000000000000000"),
        vec![0u8; 96],
        hex("03000000000000000000000000000000"),
        vec![f],
    ]
    .concat()
}

#[test]
fn eip152_vectors_0_to_2_fail() {
    // Vector 0: 212 bytes; vector 1: 214 bytes; vector 2: final flag 2.
    let good = eip152_input(12, 1);
    assert_failure(SPEC, 9, &good[1..]);
    assert_failure(SPEC, 9, &[good.as_slice(), &[0]].concat());
    assert_failure(SPEC, 9, &eip152_input(12, 2));
    assert_failure(SPEC, 9, &eip152_input(0, 0xff));
    assert_failure(SPEC, 9, &[]);
}

#[test]
fn eip152_vectors_3_to_6() {
    // Vector 3: zero rounds, free.
    assert_exact(
        SPEC,
        9,
        &eip152_input(0, 1),
        0,
        &hex("08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5\
              d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b"),
    );
    // Vector 4: twelve rounds, i.e. BLAKE2b-512("abc").
    assert_exact(
        SPEC,
        9,
        &eip152_input(12, 1),
        12,
        &hex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
              7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
    );
    // Vector 5: not the final block.
    assert_exact(
        SPEC,
        9,
        &eip152_input(12, 0),
        12,
        &hex("75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752\
              98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735"),
    );
    // Vector 6: one round.
    assert_exact(
        SPEC,
        9,
        &eip152_input(1, 1),
        1,
        &hex("b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb\
              a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421"),
    );
}

/// Vector 7: 2^32 − 1 rounds. Seconds in release, minutes unoptimised: run with
/// `cargo test --release -p kestrel-precompiles --test blake2f -- --ignored`.
#[test]
#[ignore = "2^32 - 1 rounds; run in release"]
fn eip152_vector_7_max_rounds() {
    assert_exact(
        SPEC,
        9,
        &eip152_input(u32::MAX, 1),
        u64::from(u32::MAX),
        &hex("fc59093aafa9ab43daae0e914c57635c5402d8e3d2130eb9b3cc181de7f0ecf9\
              b22bf99a7815ce16419e200e01846e6b5df8cc7703041bbceb571de6631d2615"),
    );
}

#[test]
fn max_rounds_without_gas_is_rejected_before_work() {
    // Charged first: an underfunded 2^32 − 1 round call returns at once.
    assert_eq!(
        call(SPEC, 9, &eip152_input(u32::MAX, 1), u64::from(u32::MAX) - 1),
        Err(PrecompileError::OutOfGas)
    );
    assert_eq!(call(SPEC, 9, &eip152_input(u32::MAX, 1), 0), Err(PrecompileError::OutOfGas));
}

#[test]
fn present_from_istanbul_only() {
    let address = common::address(9);
    for spec in SpecId::ALL {
        assert_eq!(Precompiles::for_spec(spec).contains(&address), spec >= SpecId::Istanbul, "{spec:?}");
    }
}

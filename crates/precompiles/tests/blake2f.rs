//! BLAKE2 F (EIP-152): the EIP's test vectors, gas and failure rules.

mod common;

use common::{assert_exact, assert_failure, call, hex};
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::SpecId;
use proptest::prelude::*;

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

/// A deliberately plain F, written from RFC 7693 §3.2 independently of the crate's code
/// (which may run a SIMD backend): the precompile must match it on any input.
fn reference_f(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: [u64; 2], last: bool) {
    const IV: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    const SIGMA: [[usize; 16]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ];
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] ^= u64::MAX;
    }
    const G: [[usize; 4]; 8] = [
        [0, 4, 8, 12],
        [1, 5, 9, 13],
        [2, 6, 10, 14],
        [3, 7, 11, 15],
        [0, 5, 10, 15],
        [1, 6, 11, 12],
        [2, 7, 8, 13],
        [3, 4, 9, 14],
    ];
    for i in 0..rounds as usize {
        let s = &SIGMA[i % 10];
        for (j, &[a, b, c, d]) in G.iter().enumerate() {
            let (x, y) = (m[s[2 * j]], m[s[2 * j + 1]]);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
            v[d] = (v[d] ^ v[a]).rotate_right(32);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(24);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
            v[d] = (v[d] ^ v[a]).rotate_right(16);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(63);
        }
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

proptest! {
    /// The precompile (on whatever backend this CPU selects) equals the plain reference,
    /// and charges exactly one gas per round.
    #[test]
    fn matches_plain_reference(
        rounds in prop_oneof![0u32..=64, 65u32..=3_000],
        h in any::<[u64; 8]>(),
        m in any::<[u64; 16]>(),
        t in any::<[u64; 2]>(),
        last in any::<bool>(),
    ) {
        let mut input = rounds.to_be_bytes().to_vec();
        for w in h.iter().chain(&m).chain(&t) {
            input.extend_from_slice(&w.to_le_bytes());
        }
        input.push(u8::from(last));
        let out = call(SPEC, 9, &input, u64::from(rounds)).expect("valid input, enough gas");
        let mut want = h;
        reference_f(rounds, &mut want, &m, t, last);
        let want: Vec<u8> = want.iter().flat_map(|w| w.to_le_bytes()).collect();
        prop_assert_eq!(out.gas_used, u64::from(rounds));
        prop_assert_eq!(&out.bytes[..], &want[..]);
    }
}

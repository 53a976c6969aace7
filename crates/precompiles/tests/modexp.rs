//! MODEXP: EIP-198 examples, EIP-2565 and EIP-7883 gas tables, EIP-7823 bounds, absurd
//! lengths, and a reference comparison on small numbers.

mod common;

use common::{assert_exact, assert_failure, call, hex, word};
use kestrel_precompiles::PrecompileError;
use kestrel_primitives::SpecId;
use proptest::prelude::*;

const BYZANTIUM: SpecId = SpecId::Byzantium;
const BERLIN: SpecId = SpecId::Berlin;
const OSAKA: SpecId = SpecId::Osaka;

/// secp256k1's field prime p, the modulus of the EIP-198 examples.
const P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
const P_MINUS_1: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
const P_MINUS_2: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2d";

/// Header (three 32-byte lengths) followed by `body`.
fn input(base_len: u64, exp_len: u64, mod_len: u64, body: &[u8]) -> Vec<u8> {
    [word(base_len).as_slice(), &word(exp_len), &word(mod_len), body].concat()
}

/// A header whose length words are given in full (for lengths beyond u64).
fn raw_input(lens: [[u8; 32]; 3], body: &[u8]) -> Vec<u8> {
    [lens[0].as_slice(), &lens[1], &lens[2], body].concat()
}

fn one_word(v: u8) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[31] = v;
    w
}

#[test]
fn eip198_example_fermat() {
    // 3^(p-1) mod p = 1.
    let data = input(1, 32, 32, &[&[3u8][..], &hex(P_MINUS_1), &hex(P)].concat());
    // EIP-198: 32² · 255 / 20; EIP-2565: 4² · 255 / 3; EIP-7883: 16 · 255.
    assert_exact(BYZANTIUM, 5, &data, 13056, &one_word(1));
    assert_exact(BERLIN, 5, &data, 1360, &one_word(1));
    assert_exact(OSAKA, 5, &data, 4080, &one_word(1));
}

#[test]
fn eip198_example_empty_base() {
    // An empty base is 0: 0^(p-2) mod p = 0.
    let data = input(0, 32, 32, &[hex(P_MINUS_2), hex(P)].concat());
    assert_exact(BYZANTIUM, 5, &data, 13056, &one_word(0));
    assert_exact(BERLIN, 5, &data, 1360, &one_word(0));
    assert_exact(OSAKA, 5, &data, 4080, &one_word(0));
}

/// The "nagydani" shapes of the EIP-2565 test table: base and modulus `len` bytes.
fn nagydani(len: u64, exponent: &[u8]) -> Vec<u8> {
    let body = [vec![7u8; len as usize], exponent.to_vec(), vec![5u8; len as usize]].concat();
    input(len, exponent.len() as u64, len, &body)
}

#[test]
fn eip2565_and_eip7883_gas_tables() {
    // (length, exponent, EIP-198 gas, EIP-2565 gas, EIP-7883 gas): the first two columns
    // are EIP-2565's published table; the EIP-7883 column follows its formula.
    let table: [(u64, &[u8], u64, u64, u64); 15] = [
        (64, &[2], 204, 200, 500),
        (64, &[3], 204, 200, 500),
        (64, &[1, 0, 1], 3276, 341, 2048),
        (128, &[2], 665, 200, 512),
        (128, &[3], 665, 200, 512),
        (128, &[1, 0, 1], 10649, 1365, 8192),
        (256, &[2], 1894, 341, 2048),
        (256, &[3], 1894, 341, 2048),
        (256, &[1, 0, 1], 30310, 5461, 32768),
        (512, &[2], 5580, 1365, 8192),
        (512, &[3], 5580, 1365, 8192),
        (512, &[1, 0, 1], 89292, 21845, 131072),
        (1024, &[2], 17868, 5461, 32768),
        (1024, &[3], 17868, 5461, 32768),
        (1024, &[1, 0, 1], 285900, 87381, 524288),
    ];
    for (len, exp, byzantium, berlin, osaka) in table {
        let data = nagydani(len, exp);
        for (spec, cost) in [(BYZANTIUM, byzantium), (BERLIN, berlin), (OSAKA, osaka)] {
            let out = call(spec, 5, &data, cost).unwrap_or_else(|e| panic!("{len} {exp:?} {spec:?}: {e:?}"));
            assert_eq!(out.gas_used, cost, "{len} {exp:?} {spec:?}");
            assert_eq!(out.bytes.len() as u64, len);
            assert_eq!(call(spec, 5, &data, cost - 1), Err(PrecompileError::OutOfGas));
        }
    }
}

#[test]
fn pricing_follows_the_fork() {
    let data = nagydani(64, &[1, 0, 1]);
    let gas = |spec| call(spec, 5, &data, u64::MAX).unwrap().gas_used;
    for spec in [SpecId::Byzantium, SpecId::Constantinople, SpecId::Petersburg, SpecId::Istanbul] {
        assert_eq!(gas(spec), 3276, "{spec:?}");
    }
    for spec in
        [SpecId::Berlin, SpecId::London, SpecId::Paris, SpecId::Shanghai, SpecId::Cancun, SpecId::Prague]
    {
        assert_eq!(gas(spec), 341, "{spec:?}");
    }
    assert_eq!(gas(SpecId::Osaka), 2048);
}

#[test]
fn long_exponent_iterations() {
    // exp_len 40: iterations = mult · (40 − 32) + bitlen(first 32 bytes) − 1.
    let mut exp = vec![0u8; 40];
    exp[0] = 1; // head bit length 249
    let data = input(1, 40, 1, &[&[2u8][..], &exp, &[7]].concat());
    // 2^(2^312) mod 7: 2 has order 3 mod 7 and 2^312 ≡ 1 (mod 3), so the result is 2.
    assert_exact(BYZANTIUM, 5, &data, (8 * 8 + 248) / 20, &[2]);
    assert_exact(BERLIN, 5, &data, 200, &[2]);
    assert_exact(OSAKA, 5, &data, 16 * (16 * 8 + 248), &[2]);
}

#[test]
fn zero_lengths_and_zero_modulus() {
    for spec in [BYZANTIUM, BERLIN, OSAKA] {
        let min = match spec {
            BYZANTIUM => 0,
            BERLIN => 200,
            _ => 500,
        };
        // Empty input: every length is zero, output empty.
        assert_exact(spec, 5, &[], min, &[]);
        // Modulus of zero value: zeros of the modulus length.
        assert_exact(
            spec,
            5,
            &input(1, 1, 2, &[5, 3, 0, 0]),
            if spec == BYZANTIUM { 0 } else { min },
            &[0, 0],
        );
        // mod_len = 0 with a base: empty output, priced by the base length.
        let out = call(spec, 5, &input(40, 1, 0, &[9; 41]), u64::MAX).unwrap();
        assert!(out.bytes.is_empty());
    }
    // x^0 mod 1 = 0 and x^0 mod m = 1 otherwise.
    assert_exact(BERLIN, 5, &input(1, 0, 1, &[5, 1]), 200, &[0]);
    assert_exact(BERLIN, 5, &input(1, 0, 2, &[5, 0, 9]), 200, &[0, 1]);
}

#[test]
fn input_past_the_end_reads_zeros() {
    // The modulus is cut short: bytes [0x01] then zeros, so it is 0x0100 = 256.
    let data = input(1, 1, 2, &[3, 5, 1]);
    assert_exact(BERLIN, 5, &data, 200, &[0, 243]); // 3^5 = 243 < 256
    // Only the header: base 0, exponent 0, modulus 0 → zeros.
    assert_exact(BERLIN, 5, &input(1, 1, 3, &[]), 200, &[0, 0, 0]);
}

#[test]
fn absurd_lengths_never_allocate() {
    let mut big = [0u8; 32];
    big[0] = 0x80; // 2^255
    let max = [0xffu8; 32];
    let zero = [0u8; 32];
    let one = word(1);
    let limits = [0, 200, 1_000_000, u64::MAX];

    // base_len = mod_len = 0: gas does not depend on the exponent length; empty output.
    for exp_len in [big, max, word(u64::MAX)] {
        let data = raw_input([zero, exp_len, zero], &[0xff; 64]);
        assert_exact(BYZANTIUM, 5, &data, 0, &[]);
        assert_exact(BERLIN, 5, &data, 200, &[]);
        assert_failure(OSAKA, 5, &data);
    }
    // Any huge base or modulus length is out of gas (Osaka: an error either way).
    for lens in [[big, one, one], [one, one, big], [max, max, max], [word(u64::MAX), zero, one]] {
        let data = raw_input(lens, &[1; 10]);
        for gas in limits {
            assert_eq!(call(BYZANTIUM, 5, &data, gas), Err(PrecompileError::OutOfGas));
            assert_eq!(call(BERLIN, 5, &data, gas), Err(PrecompileError::OutOfGas));
            assert!(call(OSAKA, 5, &data, gas).is_err());
        }
    }
    // A huge exponent with a 1-byte modulus is out of gas too.
    let data = raw_input([one, big, one], &[2, 1, 7]);
    for gas in limits {
        assert_eq!(call(BERLIN, 5, &data, gas), Err(PrecompileError::OutOfGas));
    }
    // A 2^64-byte exponent under EIP-198 costs 8·(2^64 − 32)/20 ≈ 7.4·10^18 gas: within u64,
    // so it is priced exactly (not clamped), and the exponent, past the end of the input,
    // is never materialised: the modulus after it is zero, so the output is one zero byte.
    let mut two64 = [0u8; 32];
    two64[23] = 1;
    let data = raw_input([zero, two64, one], &[]);
    let cost = (8 * ((1u128 << 64) - 32) / 20) as u64;
    assert_exact(BYZANTIUM, 5, &data, cost, &[0]);
    // The same with a 3 MiB modulus is out of gas.
    let data = raw_input([zero, two64, word(3 << 20)], &[]);
    assert_eq!(call(BYZANTIUM, 5, &data, u64::MAX), Err(PrecompileError::OutOfGas));
    // A paid-for modulus beyond 64 MiB is refused rather than allocated (needs > 10^13 gas).
    let data = input(0, 0, (1 << 26) + 1, &[]);
    assert!(matches!(call(BYZANTIUM, 5, &data, u64::MAX), Err(PrecompileError::Failure(_))));
    // A huge base past the end of the input with a short modulus: zeros, no allocation.
    let data = input(1 << 20, 0, 4, &[]);
    assert_eq!(&call(BYZANTIUM, 5, &data, u64::MAX).unwrap().bytes[..], &[0, 0, 0, 0]);
}

#[test]
fn eip7823_bounds() {
    // 1024 bytes is the largest accepted length for each of the three.
    let ok = input(1024, 1, 1024, &[]);
    assert!(call(OSAKA, 5, &ok, u64::MAX).is_ok());
    assert!(call(OSAKA, 5, &input(1, 1024, 1, &[]), u64::MAX).is_ok());
    for data in
        [input(1025, 1, 1, &[]), input(1, 1025, 1, &[]), input(1, 1, 1025, &[]), input(0, 1025, 0, &[])]
    {
        assert_failure(OSAKA, 5, &data);
        // Before Osaka the same inputs are merely priced.
        assert!(call(BERLIN, 5, &data, u64::MAX).is_ok());
    }
}

/// Reference `base^exp mod m` on numbers that fit in u64.
fn reference_modpow(base: u64, exp: u64, m: u64) -> u64 {
    if m == 0 {
        return 0;
    }
    let m = u128::from(m);
    let (mut result, mut b, mut e) = (1u128 % m, u128::from(base) % m, exp);
    while e > 0 {
        if e & 1 == 1 {
            result = result * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    result as u64
}

proptest! {
    #[test]
    fn matches_reference_on_small_numbers(
        base in any::<u64>(), exp in any::<u64>(), m in any::<u64>(),
        pad in 0usize..3,
    ) {
        // Leading zero bytes in any operand must not matter; the output is mod_len wide.
        let b = [vec![0u8; pad], base.to_be_bytes().to_vec()].concat();
        let e = [vec![0u8; 2 - pad], exp.to_be_bytes().to_vec()].concat();
        let md = [vec![0u8; pad + 1], m.to_be_bytes().to_vec()].concat();
        let data = input(b.len() as u64, e.len() as u64, md.len() as u64, &[b, e, md.clone()].concat());
        let want = reference_modpow(base, exp, m);
        for spec in [BYZANTIUM, BERLIN, OSAKA] {
            let out = call(spec, 5, &data, u64::MAX).unwrap();
            prop_assert_eq!(out.bytes.len(), md.len());
            let mut tail = [0u8; 8];
            tail.copy_from_slice(&out.bytes[md.len() - 8..]);
            prop_assert_eq!(u64::from_be_bytes(tail), want);
            prop_assert!(out.bytes[..md.len() - 8].iter().all(|&x| x == 0));
        }
    }
}

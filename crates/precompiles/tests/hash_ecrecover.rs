//! SHA256, RIPEMD160, IDENTITY and ECRECOVER: vectors and edge cases, in every fork.

mod common;

use common::{assert_exact, call, hex, word};
use kestrel_primitives::SpecId;

/// The classic go-ethereum ECRECOVER vector: hash, v = 28, r, s.
const HASH: &str = "456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3";
const R: &str = "9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608";
const S: &str = "4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada";
/// secp256k1 group order n.
const N: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

fn ecrecover_input(v: u64, r: &[u8], s: &[u8]) -> Vec<u8> {
    [hex(HASH), word(v).to_vec(), r.to_vec(), s.to_vec()].concat()
}

fn address_word(a: &str) -> Vec<u8> {
    [vec![0u8; 12], hex(a)].concat()
}

#[test]
fn hashes_in_every_fork() {
    for spec in SpecId::ALL {
        assert_exact(
            spec,
            2,
            b"abc",
            72,
            &hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        );
        assert_exact(
            spec,
            2,
            &[],
            60,
            &hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        );
        assert_exact(spec, 3, b"abc", 720, &address_word("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"));
        assert_exact(spec, 3, &[], 600, &address_word("9c1185a5c5e9fc54612808977ee8f548b2258d31"));
        assert_exact(spec, 4, &[], 15, &[]);
        let data: Vec<u8> = (0..=64u8).collect();
        // 65 bytes = 3 words.
        assert_exact(spec, 4, &data, 15 + 3 * 3, &data);
    }
}

#[test]
fn per_word_prices_round_up() {
    let spec = SpecId::Osaka;
    for (len, words) in [(0usize, 0u64), (1, 1), (32, 1), (33, 2), (64, 2), (65, 3)] {
        let data = vec![0xab; len];
        assert_eq!(call(spec, 2, &data, u64::MAX).unwrap().gas_used, 60 + 12 * words);
        assert_eq!(call(spec, 3, &data, u64::MAX).unwrap().gas_used, 600 + 120 * words);
        assert_eq!(call(spec, 4, &data, u64::MAX).unwrap().gas_used, 15 + 3 * words);
    }
}

#[test]
fn ecrecover_recovers_the_signer() {
    let expected = address_word("7156526fbd7a3c72969b54f64e42c10fbb768c8a");
    for spec in SpecId::ALL {
        assert_exact(spec, 1, &ecrecover_input(28, &hex(R), &hex(S)), 3000, &expected);
    }
    // The other parity recovers a different key (checked against the Python spec).
    assert_exact(
        SpecId::Frontier,
        1,
        &ecrecover_input(27, &hex(R), &hex(S)),
        3000,
        &address_word("e077fd3c958303e36309b9ee20ae9d3d59817232"),
    );
    // Extra input past 128 bytes is ignored.
    let mut long = ecrecover_input(28, &hex(R), &hex(S));
    long.extend_from_slice(&[0xff; 40]);
    assert_exact(SpecId::Osaka, 1, &long, 3000, &expected);
}

#[test]
fn ecrecover_accepts_high_s() {
    // (r, n - s) with the other parity is the same signature mirrored: same signer.
    let n = kestrel_primitives::U256::from_be_slice(&hex(N));
    let s = kestrel_primitives::U256::from_be_slice(&hex(S));
    let high_s = (n - s).to_be_bytes::<32>();
    assert_exact(
        SpecId::Osaka,
        1,
        &ecrecover_input(27, &hex(R), &high_s),
        3000,
        &address_word("7156526fbd7a3c72969b54f64e42c10fbb768c8a"),
    );
}

#[test]
fn ecrecover_invalid_signatures_return_empty() {
    let (r, s, n) = (hex(R), hex(S), hex(N));
    let zero = [0u8; 32];
    let ff = [0xffu8; 32];
    let mut v_wide = word(28);
    v_wide[0] = 1; // 2^248 + 28: v is a whole word, not its low byte.
    let cases: Vec<Vec<u8>> = vec![
        ecrecover_input(0, &r, &s),
        ecrecover_input(1, &r, &s),
        ecrecover_input(26, &r, &s),
        ecrecover_input(29, &r, &s),
        [hex(HASH), v_wide.to_vec(), r.clone(), s.clone()].concat(),
        ecrecover_input(28, &zero, &s),
        ecrecover_input(28, &r, &zero),
        ecrecover_input(28, &n, &s),
        ecrecover_input(28, &r, &n),
        ecrecover_input(28, &ff, &s),
        ecrecover_input(28, &r, &ff),
        // r = 5: 5³ + 7 = 132 is not a square mod p, so no point has x = 5.
        ecrecover_input(28, &word(5), &s),
        vec![],
        vec![0u8; 31],
        hex(HASH),
    ];
    for (i, input) in cases.iter().enumerate() {
        let out = call(SpecId::Osaka, 1, input, 3000).unwrap_or_else(|e| panic!("case {i}: {e:?}"));
        assert_eq!(out.gas_used, 3000, "case {i}");
        assert!(out.bytes.is_empty(), "case {i}: {:?}", out.bytes);
    }
}

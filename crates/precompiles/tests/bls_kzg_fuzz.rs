//! Property tests: no input of any length makes the BLS12-381 or KZG precompiles panic,
//! and every success stays within its gas limit with an output of the promised size.

mod bls_common;

use bls_common::*;
use kestrel_precompiles::PrecompileError;
use kestrel_primitives::SpecId;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// The BLS addresses with their unit input length and output length.
const BLS: [(u8, usize, usize); 7] = [
    (G1ADD, 256, 128),
    (G1MSM, 160, 128),
    (G2ADD, 512, 256),
    (G2MSM, 288, 256),
    (PAIRING, 384, 32),
    (MAP_FP_TO_G1, 64, 128),
    (MAP_FP2_TO_G2, 128, 256),
];

const G1_GEN: &str = "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
const G2_GEN: &str = "00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb80000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";

/// A valid input of `k` units for `addr`, built from the generators.
fn valid(addr: u8, k: usize) -> Vec<u8> {
    let (g1, g2) = (hex(G1_GEN), hex(G2_GEN));
    let unit = match addr {
        G1ADD => cat(&[&g1, &g1]),
        G1MSM => cat(&[&g1, &scalar(5)]),
        G2ADD => cat(&[&g2, &g2]),
        G2MSM => cat(&[&g2, &scalar(5)]),
        PAIRING => cat(&[&g1, &g2]),
        MAP_FP_TO_G1 => fp("05"),
        _ => cat(&[&fp("05"), &fp("07")]),
    };
    unit.repeat(k)
}

/// Runs one call and checks the invariants every outcome must keep.
fn check(addr: u8, input: &[u8], gas: u64, out_len: usize) -> Result<(), TestCaseError> {
    match call_in(SpecId::Prague, addr, input, gas) {
        Ok(out) => {
            prop_assert!(out.gas_used <= gas);
            prop_assert_eq!(out.bytes.len(), out_len);
        }
        Err(PrecompileError::OutOfGas | PrecompileError::Failure(_)) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(
        which in 0..BLS.len(),
        input in prop::collection::vec(any::<u8>(), 0..1300),
        gas in prop_oneof![Just(u64::MAX), 0..200_000u64],
    ) {
        let (addr, _, out_len) = BLS[which];
        check(addr, &input, gas, out_len)?;
    }

    #[test]
    fn random_bytes_of_valid_length_never_panic(
        which in 0..BLS.len(),
        k in 1..4usize,
        seed in prop::collection::vec(any::<u8>(), 64),
        small in any::<bool>(),
    ) {
        let (addr, unit, out_len) = BLS[which];
        // Small values keep the padding zero and most field elements below p, so decoding
        // gets past the first checks more often.
        let input: Vec<u8> = (0..unit * k)
            .map(|i| {
                let b = seed[i % seed.len()].wrapping_mul(i as u8 | 1);
                if small && i % 64 < 17 { 0 } else { b }
            })
            .collect();
        check(addr, &input, u64::MAX, out_len)?;
    }

    #[test]
    fn mutated_valid_inputs_never_panic(
        which in 0..BLS.len(),
        k in 1..4usize,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in prop_oneof![Just(0usize), 0..3usize],
    ) {
        let (addr, _, out_len) = BLS[which];
        let mut input = valid(addr, k);
        for (at, x) in flips {
            let i = at.index(input.len());
            input[i] ^= x;
        }
        input.truncate(input.len() - cut);
        check(addr, &input, u64::MAX, out_len)?;
    }

    #[test]
    fn point_evaluation_never_panics(
        input in prop::collection::vec(any::<u8>(), 0..400),
        gas in prop_oneof![Just(u64::MAX), 0..100_000u64],
    ) {
        check(POINT_EVALUATION, &input, gas, 64)?;
    }

    #[test]
    fn random_points_with_matching_hash_never_panic(
        commitment in prop::collection::vec(any::<u8>(), 48),
        proof in prop::collection::vec(any::<u8>(), 48),
        flags in (0..4u8, 0..4u8),
        z in prop::collection::vec(any::<u8>(), 32),
        y in prop::collection::vec(any::<u8>(), 32),
    ) {
        // The versioned hash matches, so the commitment and proof bytes reach the point
        // decoder; the top bits are mostly forced to "compressed", with or without the
        // infinity and sign flags, so decoding gets past the flag checks.
        let (mut commitment, mut proof) = (commitment, proof);
        for (point, flag) in [(&mut commitment, flags.0), (&mut proof, flags.1)] {
            point[0] = match flag {
                0 => point[0],
                1 => point[0] | 0x80,
                2 => (point[0] & 0x1f) | 0x80,
                _ => (point[0] & 0x1f) | 0xa0,
            };
        }
        let mut hash: [u8; 32] = Sha256::digest(&commitment).into();
        hash[0] = 0x01;
        let input = cat(&[&hash, &z, &y, &commitment, &proof]);
        check(POINT_EVALUATION, &input, u64::MAX, 64)?;
    }

    #[test]
    fn mutated_point_evaluation_never_panics(
        at in 32..192usize,
        x in 1..=255u8,
    ) {
        // The zero-polynomial input with one byte of z, y, commitment or proof changed;
        // a changed commitment also breaks the versioned hash.
        let mut inf = [0u8; 48];
        inf[0] = 0xc0;
        let mut hash: [u8; 32] = Sha256::digest(inf).into();
        hash[0] = 0x01;
        let mut input = cat(&[&hash, &scalar(1), &scalar(0), &inf, &inf]);
        input[at] ^= x;
        check(POINT_EVALUATION, &input, u64::MAX, 64)?;
    }
}

//! EIP-4844 point evaluation (0x0a): valid proofs built with c-kzg from blobs, the
//! zero-polynomial vector, and every class of invalid input.

mod bls_common;

use bls_common::*;
use c_kzg::{BYTES_PER_BLOB, Blob, Bytes32};
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::{Address, SpecId};
use sha2::{Digest, Sha256};

/// The compressed encoding of the G1 point at infinity.
fn infinity48() -> [u8; 48] {
    let mut p = [0u8; 48];
    p[0] = 0xc0;
    p
}

/// `0x01 ++ sha256(commitment)[1..]`.
fn versioned_hash(commitment: &[u8]) -> Vec<u8> {
    let mut h: [u8; 32] = Sha256::digest(commitment).into();
    h[0] = 0x01;
    h.to_vec()
}

fn input(hash: &[u8], z: &[u8], y: &[u8], commitment: &[u8], proof: &[u8]) -> Vec<u8> {
    cat(&[hash, z, y, commitment, proof])
}

/// A deterministic blob whose field elements are canonical (top byte zero).
fn blob(seed: u64) -> Box<Blob> {
    let mut bytes = vec![0u8; BYTES_PER_BLOB];
    let mut x = seed | 1;
    for (i, b) in bytes.iter_mut().enumerate() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = if i % 32 == 0 { 0 } else { x as u8 };
    }
    Box::new(Blob::from_bytes(&bytes).expect("blob length"))
}

/// A valid (input, y) for the polynomial of `blob(seed)` at `z`.
fn valid_input(seed: u64, z: [u8; 32]) -> Vec<u8> {
    let settings = c_kzg::ethereum_kzg_settings(0);
    let blob = blob(seed);
    let commitment = settings.blob_to_kzg_commitment(&blob).expect("commitment");
    let (proof, y) = settings.compute_kzg_proof(&blob, &Bytes32::new(z)).expect("proof");
    let commitment = commitment.to_bytes().into_inner();
    input(&versioned_hash(&commitment), &z, &y[..], &commitment, &proof.to_bytes().into_inner())
}

fn expected_output() -> Vec<u8> {
    cat(&[&scalar(4096), &hex(R_HEX)])
}

fn call(input: &[u8], gas: u64) -> Result<Vec<u8>, PrecompileError> {
    call_in(SpecId::Cancun, POINT_EVALUATION, input, gas).map(|o| {
        assert_eq!(o.gas_used, 50_000);
        o.bytes.to_vec()
    })
}

fn is_failure(r: Result<Vec<u8>, PrecompileError>) -> bool {
    matches!(r, Err(PrecompileError::Failure(_)))
}

#[test]
fn zero_polynomial_opens_to_zero_anywhere() {
    // Commitment and proof of the zero polynomial are both infinity; it is 0 at every z.
    let inf = infinity48();
    for z in [scalar(0), scalar(1), scalar(u64::MAX), be_sub(&hex(R_HEX), &scalar(1))] {
        let good = input(&versioned_hash(&inf), &z, &scalar(0), &inf, &inf);
        assert_eq!(call(&good, 50_000), Ok(expected_output()));
        let wrong_y = input(&versioned_hash(&inf), &z, &scalar(1), &inf, &inf);
        assert!(is_failure(call(&wrong_y, 50_000)));
    }
}

#[test]
fn proofs_from_blobs_verify() {
    for (seed, z_low) in [(1u64, 7u64), (0xdead_beef, 123_456_789)] {
        let mut z = [0u8; 32];
        z[24..].copy_from_slice(&z_low.to_be_bytes());
        z[1] = 0x42; // make z large but still below r
        let good = valid_input(seed, z);
        assert_eq!(call(&good, 50_000), Ok(expected_output()));
        assert_eq!(call(&good, 49_999), Err(PrecompileError::OutOfGas));

        // Any change to y, z, the proof or the commitment breaks the proof.
        let mut bad_y = good.clone();
        bad_y[95] ^= 1;
        assert!(is_failure(call(&bad_y, 50_000)));
        let mut bad_z = good.clone();
        bad_z[63] ^= 1;
        assert!(is_failure(call(&bad_z, 50_000)));
        let mut bad_proof = good.clone();
        bad_proof[191] ^= 1;
        assert!(is_failure(call(&bad_proof, 50_000)));
        // A different (valid) commitment with its own matching versioned hash.
        let other = valid_input(seed + 1, z);
        let mismatched = cat(&[&other[..32], &good[32..96], &other[96..144], &good[144..]]);
        assert!(is_failure(call(&mismatched, 50_000)));
    }
}

#[test]
fn versioned_hash_must_match_commitment() {
    let good = valid_input(3, [0u8; 32]);
    for version in [0x00u8, 0x02, 0xff] {
        let mut bad = good.clone();
        bad[0] = version;
        assert!(is_failure(call(&bad, 50_000)), "version {version:#x}");
    }
    let mut bad = good.clone();
    bad[31] ^= 1;
    assert!(is_failure(call(&bad, 50_000)));
}

#[test]
fn field_elements_must_be_canonical() {
    // With the zero polynomial, y = 0 is right for every z; z = r is still rejected.
    let inf = infinity48();
    let r = hex(R_HEX);
    let hash = versioned_hash(&inf);
    assert!(is_failure(call(&input(&hash, &r, &scalar(0), &inf, &inf), 50_000)));
    assert!(is_failure(call(&input(&hash, &[0xff; 32], &scalar(0), &inf, &inf), 50_000)));
    // y = r is 0 modulo r, yet not canonical.
    assert!(is_failure(call(&input(&hash, &scalar(5), &r, &inf, &inf), 50_000)));
}

#[test]
fn points_must_be_valid_compressed_g1() {
    let inf = infinity48();
    // An uncompressed-flag / garbage commitment with a matching versioned hash.
    for bad_point in [[0u8; 48], [0xff; 48], {
        let mut p = infinity48();
        p[47] = 1; // infinity flag with nonzero bits
        p
    }] {
        let as_commitment = input(&versioned_hash(&bad_point), &scalar(1), &scalar(0), &bad_point, &inf);
        assert!(is_failure(call(&as_commitment, 50_000)));
        let as_proof = input(&versioned_hash(&inf), &scalar(1), &scalar(0), &inf, &bad_point);
        assert!(is_failure(call(&as_proof, 50_000)));
    }
}

#[test]
fn input_length_is_exact() {
    let good = valid_input(9, [0u8; 32]);
    assert!(is_failure(call(&[], 50_000)));
    assert!(is_failure(call(&good[..191], 50_000)));
    assert!(is_failure(call(&cat(&[&good, &[0]]), 50_000)));
    // The length is checked before gas, as in the spec.
    assert!(is_failure(call(&good[..191], 0)));
    assert_eq!(call(&good, 0), Err(PrecompileError::OutOfGas));
}

#[test]
fn active_from_cancun() {
    let a = Address::with_last_byte(POINT_EVALUATION);
    assert!(!Precompiles::for_spec(SpecId::Shanghai).contains(&a));
    for spec in [SpecId::Cancun, SpecId::Prague, SpecId::Osaka] {
        assert!(Precompiles::for_spec(spec).contains(&a));
    }
}

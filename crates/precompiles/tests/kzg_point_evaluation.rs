//! EIP-4844 point evaluation (0x0a): valid proofs built with c-kzg from blobs, the
//! zero and constant polynomials, every class of invalid input, and a cross-check of the
//! verdict against c-kzg's own `verify_kzg_proof` on many random openings (which also
//! pins the precompile's `[τ]G2` constant to the trusted setup c-kzg embeds).

mod bls_common;

use bls_common::*;
use c_kzg::{BYTES_PER_BLOB, Blob, Bytes32, Bytes48};
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::{Address, SpecId};
use sha2::{Digest, Sha256};

/// The compressed encoding of the G1 point at infinity.
fn infinity48() -> [u8; 48] {
    let mut p = [0u8; 48];
    p[0] = 0xc0;
    p
}

/// The compressed point with x = 4: on the curve (4^3 + 4 is a square mod p) but outside
/// the subgroup G1. Its y is one of [`NON_SUBGROUP_Y`] (the clear sign bit picks which);
/// neither point is in G1.
fn non_subgroup_g1() -> [u8; 48] {
    let mut p = [0u8; 48];
    p[0] = 0x80;
    p[47] = 4;
    p
}

/// The two square roots of 4^3 + 4 mod p, big-endian: the y coordinates of x = 4.
const NON_SUBGROUP_Y: [&str; 2] = [
    "0a989badd40d6212b33cffc3f3763e9bc760f988c9926b26da9dd85e928483446346b8ed00e1de5d5ea93e354abe706c",
    "0f68763c6572848797dea7f24fd56e3b9d1651fc29f2a7988c92fa42642c72dfbb654711b07221a25b55c1cab5413a3f",
];

/// `0x01 ++ sha256(commitment)[1..]`.
fn versioned_hash(commitment: &[u8]) -> Vec<u8> {
    let mut h: [u8; 32] = Sha256::digest(commitment).into();
    h[0] = 0x01;
    h.to_vec()
}

fn input(hash: &[u8], z: &[u8], y: &[u8], commitment: &[u8], proof: &[u8]) -> Vec<u8> {
    cat(&[hash, z, y, commitment, proof])
}

/// A deterministic pseudo-random byte stream (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A uniformly random canonical field element below r (top byte below 0x73).
    fn field_element(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_be_bytes());
        }
        out[0] %= 0x73;
        out
    }
}

/// A deterministic blob whose field elements are canonical (top byte zero).
fn blob(seed: u64) -> Box<Blob> {
    let mut rng = Rng(seed.wrapping_mul(2).wrapping_add(1));
    let mut bytes = vec![0u8; BYTES_PER_BLOB];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = if i % 32 == 0 { 0 } else { rng.next() as u8 };
    }
    blob_from(&bytes)
}

fn blob_from(bytes: &[u8]) -> Box<Blob> {
    Box::new(Blob::from_bytes(bytes).expect("blob length"))
}

/// The blob's commitment, and the proof and value of its polynomial at `z`, from c-kzg.
fn open(blob: &Blob, z: [u8; 32]) -> ([u8; 48], [u8; 32], [u8; 48]) {
    let (y, proof) = prove(blob, z);
    (commit(blob), y, proof)
}

/// The blob's commitment, from c-kzg.
fn commit(blob: &Blob) -> [u8; 48] {
    let settings = c_kzg::ethereum_kzg_settings(0);
    settings.blob_to_kzg_commitment(blob).expect("commitment").to_bytes().into_inner()
}

/// The value of the blob's polynomial at `z` and its proof, from c-kzg.
fn prove(blob: &Blob, z: [u8; 32]) -> ([u8; 32], [u8; 48]) {
    let settings = c_kzg::ethereum_kzg_settings(0);
    let (proof, y) = settings.compute_kzg_proof(blob, &Bytes32::new(z)).expect("proof");
    (y_bytes(&y), proof.to_bytes().into_inner())
}

fn y_bytes(y: &Bytes32) -> [u8; 32] {
    y[..].try_into().expect("32 bytes")
}

/// A valid input for the polynomial of `blob(seed)` at `z`.
fn valid_input(seed: u64, z: [u8; 32]) -> Vec<u8> {
    let (commitment, y, proof) = open(&blob(seed), z);
    input(&versioned_hash(&commitment), &z, &y, &commitment, &proof)
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
    let mut bad_points = vec![[0u8; 48], [0xff; 48], non_subgroup_g1()];
    for (at, bits) in [(47, 0x01), (1, 0x80), (0, 0x20), (0, 0x01)] {
        // The infinity flag with any other bit set (sign bit included) is not canonical.
        let mut p = infinity48();
        p[at] |= bits;
        bad_points.push(p);
    }
    // x = p (the field modulus) with the compression bit: not a canonical x.
    let mut x_is_p = [0u8; 48];
    x_is_p.copy_from_slice(&hex(P_HEX));
    x_is_p[0] |= 0x80;
    bad_points.push(x_is_p);
    for bad_point in bad_points {
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

#[test]
fn the_non_subgroup_point_is_on_the_curve_but_not_in_g1() {
    // Checks the fixture itself with the EIP-2537 precompiles: G1ADD only needs the point
    // on the curve, G1MSM also needs it in G1.
    for y in NON_SUBGROUP_Y {
        let point = cat(&[&fp("04"), &fp(y)]);
        let sum = call_in(SpecId::Prague, G1ADD, &cat(&[&point, &[0u8; 128]]), 1_000);
        assert_eq!(sum.expect("on the curve").bytes.as_ref(), point.as_slice());
        let msm = call_in(SpecId::Prague, G1MSM, &cat(&[&point, &scalar(1)]), 100_000);
        assert!(matches!(msm, Err(PrecompileError::Failure(_))));
    }
}

/// c-kzg's verdict on an opening: `Some(valid)`, or `None` when it rejects an argument's
/// encoding (non-canonical scalar, bad point).
fn ckzg_verdict(c: &[u8; 48], z: &[u8; 32], y: &[u8; 32], p: &[u8; 48]) -> Option<bool> {
    let settings = c_kzg::ethereum_kzg_settings(0);
    settings.verify_kzg_proof(&Bytes48::new(*c), &Bytes32::new(*z), &Bytes32::new(*y), &Bytes48::new(*p)).ok()
}

/// Whether the precompile accepts an opening, given the matching versioned hash.
fn our_verdict(c: &[u8; 48], z: &[u8; 32], y: &[u8; 32], p: &[u8; 48]) -> bool {
    match call(&input(&versioned_hash(c), z, y, c, p), 50_000) {
        Ok(out) => {
            assert_eq!(out, expected_output());
            true
        }
        Err(PrecompileError::Failure(_)) => false,
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the cross-checked openings fell out; every one of them agreed.
#[derive(Debug, Default)]
struct Tally {
    /// Both accept.
    valid: usize,
    /// Well-formed, but c-kzg says false; we reject.
    wrong: usize,
    /// c-kzg rejects an argument's encoding; we reject.
    malformed: usize,
}

impl Tally {
    /// Asserts that the precompile accepts exactly when c-kzg verifies, and counts it.
    fn check(&mut self, what: &str, c: &[u8; 48], z: &[u8; 32], y: &[u8; 32], p: &[u8; 48]) {
        let theirs = ckzg_verdict(c, z, y, p);
        let ours = our_verdict(c, z, y, p);
        assert_eq!(
            ours,
            theirs == Some(true),
            "{what}: c-kzg {theirs:?}, precompile {ours}\n c={}\n z={}\n y={}\n p={}",
            to_hex(c),
            to_hex(z),
            to_hex(y),
            to_hex(p)
        );
        match theirs {
            Some(true) => self.valid += 1,
            Some(false) => self.wrong += 1,
            None => self.malformed += 1,
        }
    }
}

fn xor_byte<const N: usize>(mut a: [u8; N], at: usize, x: u8) -> [u8; N] {
    a[at % N] ^= x;
    a
}

/// `v + r`: the same residue, no longer canonical (fits, as v < r and 2r < 2^256).
fn plus_r(v: &[u8; 32]) -> [u8; 32] {
    be_add(v, &hex(R_HEX)).try_into().expect("32 bytes")
}

/// Random blobs the cross-check opens by default: each c-kzg proof takes ~0.1 s in a
/// test build, so a longer run is asked for with `KESTREL_KZG_CROSS_CHECK_BLOBS=<n>`.
const DEFAULT_CROSS_CHECK_BLOBS: usize = 12;

#[test]
fn agrees_with_c_kzg_on_random_openings() {
    let blobs = match std::env::var("KESTREL_KZG_CROSS_CHECK_BLOBS") {
        Ok(n) => n.parse().expect("KESTREL_KZG_CROSS_CHECK_BLOBS must be a count"),
        Err(_) => DEFAULT_CROSS_CHECK_BLOBS,
    };
    const POINTS: usize = 4;
    let mut rng = Rng(0x4844);
    let mut tally = Tally::default();
    let mut previous_commitment = None;
    for seed in 0..blobs as u64 {
        let blob = blob(0x1000 + seed);
        let c = commit(&blob);
        let openings: Vec<_> = (0..POINTS)
            .map(|_| {
                let z = rng.field_element();
                let (y, p) = prove(&blob, z);
                (c, z, y, p)
            })
            .collect();
        for (i, (c, z, y, p)) in openings.iter().enumerate() {
            tally.check("valid opening", c, z, y, p);
            tally.check("y low bit flipped", c, z, &xor_byte(*y, 31, 1), p);
            tally.check("z low bit flipped", c, &xor_byte(*z, 31, 1), y, p);
            tally.check("random y", c, z, &rng.field_element(), p);
            let (_, other_z, other_y, other_p) = &openings[(i + 1) % POINTS];
            tally.check("proof of another point", c, z, y, other_p);
            tally.check("value of another point", c, z, other_y, p);
            tally.check("another point's z and y", c, other_z, other_y, p);
            tally.check("commitment and proof swapped", p, z, y, c);
            if let Some(other_c) = &previous_commitment {
                tally.check("another blob's commitment", other_c, z, y, p);
            }
            let (at, x) = (rng.next() as usize, rng.next() as u8 | 1);
            tally.check("proof byte changed", c, z, y, &xor_byte(*p, at, x));
            tally.check("commitment byte changed", &xor_byte(*c, at, x), z, y, p);
            tally.check("z + r", c, &plus_r(z), y, p);
            tally.check("y + r", c, z, &plus_r(y), p);
        }
        previous_commitment = Some(openings[0].0);
    }
    eprintln!("random openings: {tally:?}");
    assert_eq!(tally.valid, blobs * POINTS);
    // The changed-byte cases land on either side; the rest are fixed.
    assert!(tally.wrong >= blobs * POINTS * 7);
    assert!(tally.malformed >= blobs * POINTS * 2);
}

#[test]
fn agrees_with_c_kzg_on_special_openings() {
    let mut rng = Rng(0xdead_4844);
    let mut tally = Tally::default();
    let inf = infinity48();
    let r_minus_1: [u8; 32] = be_sub(&hex(R_HEX), &scalar(1)).try_into().expect("32 bytes");
    let special_z = [[0u8; 32], scalar(1).try_into().expect("32 bytes"), r_minus_1];
    let blob_seeds = [7u64, 8, 9];

    // The zero polynomial: commitment and every proof are infinity, every value zero.
    let zero_blob = blob_from(&vec![0u8; BYTES_PER_BLOB]);
    for z in special_z.iter().copied().chain([rng.field_element()]) {
        let (c, y, p) = open(&zero_blob, z);
        assert_eq!((c, y, p), (inf, [0u8; 32], inf));
        tally.check("zero polynomial", &c, &z, &y, &p);
        tally.check("zero polynomial, y = 1", &c, &z, &scalar(1).try_into().expect("32"), &p);
        let (_, _, other_p) = open(&blob(blob_seeds[0]), z);
        tally.check("infinity commitment, finite proof", &c, &z, &y, &other_p);
    }

    // A constant polynomial v: commitment [v]G1, proof infinity, value v everywhere.
    let v = rng.field_element();
    let constant_blob = blob_from(&v.repeat(BYTES_PER_BLOB / 32));
    for z in special_z.iter().copied().chain([rng.field_element()]) {
        let (c, y, p) = open(&constant_blob, z);
        assert_eq!((y, p), (v, inf));
        tally.check("constant polynomial", &c, &z, &y, &p);
        tally.check("constant polynomial, wrong y", &c, &z, &xor_byte(y, 31, 1), &p);
        tally.check("constant polynomial, zero y", &c, &z, &[0u8; 32], &p);
    }

    // Blobs with a zero first element: at z = 1 (the domain's first point) y is 0 while
    // commitment and proof are ordinary points.
    for seed in blob_seeds {
        let mut bytes = blob(seed).to_vec();
        bytes[..32].fill(0);
        let blob = blob_from(&bytes);
        for z in special_z {
            let (c, y, p) = open(&blob, z);
            if z == special_z[1] {
                assert_eq!(y, [0u8; 32]);
            }
            assert_ne!(p, inf);
            tally.check("zero-led blob", &c, &z, &y, &p);
            tally.check("zero-led blob, infinity proof", &c, &z, &y, &inf);
            tally.check("zero-led blob, infinity commitment", &inf, &z, &y, &p);
            tally.check("non-subgroup proof", &c, &z, &y, &non_subgroup_g1());
            tally.check("non-subgroup commitment", &non_subgroup_g1(), &z, &y, &p);
        }
    }
    eprintln!("special openings: {tally:?}");
    assert_eq!(tally.valid, 4 + 4 + 9);
}

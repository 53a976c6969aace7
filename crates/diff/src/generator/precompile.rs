//! Inputs for the precompiles: valid ones built from known points and signatures, the edges
//! around them (values at and above the field or group order, points off the curve or outside
//! the subgroup, wrong lengths, huge declared lengths), and random bytes.

use std::sync::OnceLock;

use kestrel::primitives::{U256, keccak256};
use sha2::{Digest, Sha256};

use crate::rng::Rng;

/// Decodes a hex constant written in this file (all of them are well-formed).
fn hx(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0)).collect()
}

/// A 32-byte big-endian word of `v`.
fn word(v: U256) -> [u8; 32] {
    v.to_be_bytes::<32>()
}

fn dec(s: &str) -> U256 {
    U256::from_str_radix(s, 10).unwrap_or_default()
}

/// The secp256k1 group order.
const SECP_N: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
/// The alt_bn128 base field prime.
const BN_P: &str = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
/// The alt_bn128 group order.
const BN_R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
/// The alt_bn128 G2 generator as EIP-197 encodes it: x imaginary, x real, y imaginary, y real.
const BN_G2: [&str; 4] = [
    "11559732032986387107991004021392285783925812861821192530917403151452391805634",
    "10857046999023057135944570762232829481370756359578518086990519993285655852781",
    "4082367875863433681332203403145435568316851327593401208105741076214120093531",
    "8495653923123431417604973247489272438418190587263600148770280649306958101930",
];
/// The BLS12-381 base field prime (48 bytes).
const BLS_P: &str =
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
/// The BLS12-381 subgroup order (the KZG field modulus).
const BLS_Q: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
/// EIP-2537's G1 generator (x, y) and a second point P1.
const BLS_G1: [&str; 2] = [
    "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
    "08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1",
];
const BLS_P1: [&str; 2] = [
    "112b98340eee2777cc3c14163dea3ec97977ac3dc5c70da32e6e87578f44912e902ccef9efe28d4a78b8999dfbca9426",
    "186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a21",
];
/// On the curve, outside the subgroup (from Kestrel's precompile tests, computed with py_ecc).
const BLS_NON_SUB_G1: [&str; 2] = [
    "082e62c0979629891459b2ff8909d7fdd7cb7135b954da0d7580171199359d22d74bfe3bc303bd10505190a0466fff6f",
    "18cf8f6c5e632caeb58f451b9c333b5e4e597382b390d190250b5faf230d3781f353956656aa3366ee4dd1f3f07a1d4e",
];
/// EIP-2537's G2 generator (x.c0, x.c1, y.c0, y.c1) and a second point P2.
const BLS_G2: [&str; 4] = [
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8",
    "13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e",
    "0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801",
    "0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be",
];
const BLS_P2: [&str; 4] = [
    "103121a2ceaae586d240843a398967325f8eb5a93e8fea99b62b9f88d8556c80dd726a4b30e84a36eeabaf3592937f27",
    "086b990f3da2aeac0a36143b7d7c824428215140db1bb859338764cb58458f081d92664f9053b50b3fbd2e4723121b68",
    "0f9e7ba9a86a8f7624aa2b42dcc8772e1af4ae115685e60abc2c9b90242167acef3d0be4050bf935eed7c3b6fc7ba77e",
    "0d22c3652d0dc6f0fc9316e14268477c2049ef772e852108d269d9c38dba1d4802e8dae479818184c08f9a569d878451",
];
const BLS_NON_SUB_G2: [&str; 4] = [
    "1284db4b9ad0849f9e7327c70cc56fed3a04cf1ef88f07cc8d4d7090d9b04bfd7ca5fee92d745594444d2f6d21860877",
    "047d40ac7b4562724c0d0473e9b59f58d6ca834b45013c0751c34d58bd5adde6bdfca45ba734284891f6e65f9c1e790b",
    "0fbae4d1ce94f3643723996cf0bdff7abfe5add3365b84620710af84a004fab74528be0d944bceb5639329d719e038f4",
    "183707f8893ae629701a504259b323fcf60cfae399d13c5f803688ecf72b6e981710fe31cf910eac5ebe5001a55d37e4",
];
/// A valid P-256 signature (hash, r, s, qx, qy) from Kestrel's P256VERIFY tests, and one whose
/// hash is n + 5 (verification reduces it).
const P256_VALID: &str = "abababababababababababababababababababababababababababababababab
    474d0fa27e13db8e3cc654c6de6ebc97b812b63cefe3ca02debd8c8d3db5e2ad
    4fce5d4578e723626b5007cc54a2cafa2161ff123ab7af2a25c29c9c7405b389
    6ff03b949241ce1dadd43519e6960e0a85b41a69a05c328103aa2bce1594ca16
    3c4f753a55bf01dc53f6c0b0c7eee78b40c6ff7d25a96e2282b989cef71c144a";
const P256_HASH_ABOVE_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632556
    7a3f5471e13083f457e1a9c0805c6d1462eeb0a92c0b940c0ef65281c87b787f
    adcad6acf5d73615bcb435ef3415b4c0a91a0968e22fd0542d25ad176c67e230
    088bb9ff22ab291a74c86fc677ba897baadee370cc6129b82d170ba3fc26415c
    442da9a716067956d91eaa02b93ad409490e87cd5e758ea6a331a1deb75ba846";
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

/// A valid ecrecover input (hash, v, r, s), signed once with a fixed key.
fn ecrecover_valid() -> &'static [u8] {
    static INPUT: OnceLock<Vec<u8>> = OnceLock::new();
    INPUT.get_or_init(|| {
        let hash = keccak256(b"kestrel-diff ecrecover");
        let key = crate::generator::keys::signing_key(0);
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(hash.as_slice());
        match key.sign_prehash_recoverable(hash.as_slice()) {
            Ok((sig, recid)) => {
                out.extend_from_slice(&word(U256::from(27 + u64::from(recid.to_byte()))));
                out.extend_from_slice(&sig.to_bytes());
            }
            // Cannot happen for a valid key and a 32-byte prehash; random bytes are still an
            // input worth sending.
            Err(_) => out.resize(128, 0x11),
        }
        out
    })
}

/// A random 32-byte word near the interesting values of a field or group of order `m`.
fn near(rng: &mut Rng, m: U256) -> U256 {
    match rng.below(6) {
        0 => m,
        1 => m - U256::from(1),
        2 => m + U256::from(rng.below(3)),
        3 => U256::from(rng.below(4)),
        4 => rng.u256() % m,
        _ => rng.interesting_u256(),
    }
}

/// The alt_bn128 G1 points worth trying: the generator, infinity, its negation, off-curve and
/// out-of-field coordinates.
fn bn_g1(rng: &mut Rng) -> [u8; 64] {
    let p = dec(BN_P);
    let (x, y) = match rng.below(7) {
        0 | 1 => (U256::from(1), U256::from(2)),
        2 => (U256::ZERO, U256::ZERO),
        3 => (U256::from(1), p - U256::from(2)),
        4 => (U256::from(1), U256::from(3)),
        5 => (near(rng, p), near(rng, p)),
        _ => (rng.u256(), rng.u256()),
    };
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&word(x));
    out[32..].copy_from_slice(&word(y));
    out
}

fn bn_g2(rng: &mut Rng) -> [u8; 128] {
    let mut out = [0u8; 128];
    match rng.below(5) {
        0..=2 => {
            for (i, c) in BN_G2.iter().enumerate() {
                out[32 * i..32 * i + 32].copy_from_slice(&word(dec(c)));
            }
        }
        3 => {}
        _ => {
            for i in 0..4 {
                out[32 * i..32 * i + 32].copy_from_slice(&word(near(rng, dec(BN_P))));
            }
        }
    }
    if rng.chance(1, 8) {
        let i = rng.index(128);
        out[i] ^= 1 << rng.below(8);
    }
    out
}

/// One BLS12-381 base-field element as EIP-2537 encodes it: 16 zero bytes and 48 bytes.
fn bls_fp(value: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[64 - value.len().min(48)..].copy_from_slice(&value[value.len().saturating_sub(48)..]);
    out
}

fn bls_g1(rng: &mut Rng) -> Vec<u8> {
    let pick = |c: [&str; 2]| [bls_fp(&hx(c[0])), bls_fp(&hx(c[1]))].concat();
    let mut out = match rng.below(8) {
        0 | 1 => pick(BLS_G1),
        2 => pick(BLS_P1),
        3 => vec![0; 128],
        4 => pick(BLS_NON_SUB_G1),
        5 => [bls_fp(&hx(BLS_P)), bls_fp(&hx(BLS_G1[1]))].concat(),
        _ => rng.bytes(128),
    };
    bls_damage(rng, &mut out);
    out
}

fn bls_g2(rng: &mut Rng) -> Vec<u8> {
    let pick = |c: [&str; 4]| c.iter().flat_map(|s| bls_fp(&hx(s))).collect::<Vec<u8>>();
    let mut out = match rng.below(7) {
        0 | 1 => pick(BLS_G2),
        2 => pick(BLS_P2),
        3 => vec![0; 256],
        4 => pick(BLS_NON_SUB_G2),
        _ => rng.bytes(256),
    };
    bls_damage(rng, &mut out);
    out
}

/// Sometimes breaks an encoding: a non-zero padding byte, or a flipped bit.
fn bls_damage(rng: &mut Rng, bytes: &mut [u8]) {
    match rng.below(10) {
        0 => {
            let i = rng.index(bytes.len() / 64) * 64 + rng.index(16);
            bytes[i] = 1;
        }
        1 => {
            let i = rng.index(bytes.len());
            bytes[i] ^= 1 << rng.below(8);
        }
        _ => {}
    }
}

fn bls_scalar(rng: &mut Rng) -> [u8; 32] {
    let q = U256::from_be_slice(&hx(BLS_Q));
    word(near(rng, q))
}

/// The versioned hash of the KZG commitment to the zero polynomial (the point at infinity).
fn zero_commitment_hash() -> [u8; 32] {
    let mut commitment = [0u8; 48];
    commitment[0] = 0xc0;
    let mut h: [u8; 32] = Sha256::digest(commitment).into();
    h[0] = 0x01;
    h
}

/// An input for the precompile at `address` (any address: unknown ones get random bytes).
pub fn input(rng: &mut Rng, address: u16) -> Vec<u8> {
    if rng.chance(1, 12) {
        let n = rng.below(300) as usize;
        return rng.bytes(n);
    }
    let mut out = match address {
        0x01 => {
            let mut v = ecrecover_valid().to_vec();
            match rng.below(8) {
                0 => v[63] = rng.pick(&[0u8, 1, 26, 29, 255]),
                1 => v[32] = 1,
                2 => v[64..96].copy_from_slice(&word(U256::from_str_radix(SECP_N, 16).unwrap_or_default())),
                3 => v[96..128].fill(0),
                4 => v[..32].copy_from_slice(&rng.bytes(32)),
                _ => {}
            }
            v
        }
        0x02..=0x04 => {
            let n = rng.pick(&[0usize, 1, 31, 32, 33, 55, 56, 64, 100, 257]);
            rng.bytes(n)
        }
        0x05 => {
            let len = |rng: &mut Rng| match rng.below(10) {
                0 => U256::ZERO,
                1..=5 => U256::from(rng.range(1, 66)),
                6 => U256::from(rng.pick(&[128u64, 256, 512, 1024, 1025])),
                7 => U256::from(1) << rng.pick(&[32usize, 64, 128, 255]),
                8 => U256::MAX,
                _ => U256::from(rng.below(600)),
            };
            let (b, e, m) = (len(rng), len(rng), len(rng));
            let mut v = Vec::new();
            v.extend_from_slice(&word(b));
            v.extend_from_slice(&word(e));
            v.extend_from_slice(&word(m));
            // Only short bodies are materialised: the declared lengths may be huge.
            let body = |x: U256| if x <= U256::from(200) { x.as_limbs()[0] as usize } else { 0 };
            let total = body(b) + body(e) + body(m);
            let mut data = rng.bytes(total);
            if rng.chance(1, 4)
                && let Some(last) = data.last_mut()
            {
                *last = 0;
            }
            v.extend_from_slice(&data);
            v
        }
        0x06 => [bn_g1(rng), bn_g1(rng)].concat(),
        0x07 => {
            let r = dec(BN_R);
            let scalar = match rng.below(5) {
                0 => U256::ZERO,
                1 => U256::from(rng.range(1, 3)),
                2 => near(rng, r),
                3 => U256::MAX,
                _ => rng.u256(),
            };
            [bn_g1(rng).as_slice(), &word(scalar)].concat()
        }
        0x08 => {
            let pairs = rng.pick(&[0usize, 1, 1, 2, 2, 3]);
            let mut v = Vec::new();
            for _ in 0..pairs {
                v.extend_from_slice(&bn_g1(rng));
                v.extend_from_slice(&bn_g2(rng));
            }
            v
        }
        0x09 => {
            let rounds: u32 = match rng.below(6) {
                0 => 0,
                1 => 1,
                2 => 12,
                3 => rng.below(2000) as u32,
                4 => 0xffff_ffff,
                _ => rng.below(64) as u32,
            };
            let mut v = rounds.to_be_bytes().to_vec();
            v.extend_from_slice(&rng.bytes(64 + 128 + 16));
            v.push(match rng.below(6) {
                0 => 2,
                1 => rng.next_u64() as u8,
                2..=3 => 1,
                _ => 0,
            });
            v
        }
        0x0a => {
            let mut v = Vec::with_capacity(192);
            v.extend_from_slice(&zero_commitment_hash());
            let q = U256::from_be_slice(&hx(BLS_Q));
            v.extend_from_slice(&word(match rng.below(4) {
                0 => near(rng, q),
                _ => U256::from(rng.below(1000)),
            }));
            v.extend_from_slice(&[0u8; 32]);
            let mut infinity = [0u8; 48];
            infinity[0] = 0xc0;
            v.extend_from_slice(&infinity);
            v.extend_from_slice(&infinity);
            match rng.below(6) {
                0 => v[0] = 0x02,
                1 => v[95] = 1,
                2 => v[96] = 0x80,
                _ => {}
            }
            v
        }
        0x0b => [bls_g1(rng), bls_g1(rng)].concat(),
        0x0c => {
            let k = rng.pick(&[0usize, 1, 1, 2, 3]);
            (0..k).flat_map(|_| [bls_g1(rng), bls_scalar(rng).to_vec()].concat()).collect()
        }
        0x0d => [bls_g2(rng), bls_g2(rng)].concat(),
        0x0e => {
            let k = rng.pick(&[0usize, 1, 1, 2]);
            (0..k).flat_map(|_| [bls_g2(rng), bls_scalar(rng).to_vec()].concat()).collect()
        }
        0x0f => {
            let k = rng.pick(&[0usize, 1, 1, 2]);
            (0..k).flat_map(|_| [bls_g1(rng), bls_g2(rng)].concat()).collect()
        }
        0x10 => {
            let p = hx(BLS_P);
            let fe = if rng.chance(1, 4) { p } else { rng.bytes(47) };
            let mut v = bls_fp(&fe).to_vec();
            bls_damage(rng, &mut v);
            v
        }
        0x11 => {
            let p = hx(BLS_P);
            let mut v =
                [bls_fp(&rng.bytes(47)), bls_fp(&if rng.chance(1, 4) { p } else { rng.bytes(47) })].concat();
            bls_damage(rng, &mut v);
            v
        }
        0x100 => {
            let mut v = hx(if rng.coin() { P256_VALID } else { P256_HASH_ABOVE_N });
            match rng.below(8) {
                0 => v[32..64].fill(0),
                1 => v[64..96].copy_from_slice(&hx(P256_N)),
                2 => v[96..128].copy_from_slice(&hx(P256_P)),
                3 => {
                    let i = rng.index(160);
                    v[i] ^= 1 << rng.below(8);
                }
                4 => v[128..160].fill(0),
                _ => {}
            }
            v
        }
        _ => {
            let n = rng.below(200) as usize;
            rng.bytes(n)
        }
    };
    // A length off by a little is the commonest input-validation edge.
    match rng.below(16) {
        0 if !out.is_empty() => {
            out.pop();
        }
        1 => out.push(0),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_decode_to_their_lengths() {
        assert_eq!(hx(BLS_P).len(), 48);
        assert_eq!(hx(BLS_Q).len(), 32);
        assert_eq!(hx(P256_VALID).len(), 160);
        assert_eq!(hx(P256_HASH_ABOVE_N).len(), 160);
        assert!(dec(BN_P) > dec(BN_R));
        assert_eq!(ecrecover_valid().len(), 128);
    }

    /// Every precompile gets inputs of its usual length most of the time.
    #[test]
    fn usual_lengths_dominate() {
        let mut rng = Rng::for_case(3, 3);
        for (address, len) in [(0x06u16, 128usize), (0x09, 213), (0x0a, 192), (0x0b, 256), (0x100, 160)] {
            let hits = (0..200).filter(|_| input(&mut rng, address).len() == len).count();
            assert!(hits > 100, "{address:#x}: {hits}");
        }
    }

    /// The zero polynomial's opening is accepted by Kestrel's point evaluation (the input is
    /// the valid one the generator mutates from).
    #[test]
    fn zero_polynomial_input_is_valid() {
        use kestrel::precompiles::Precompiles;
        let mut v = zero_commitment_hash().to_vec();
        v.extend_from_slice(&word(U256::from(5)));
        v.extend_from_slice(&[0u8; 32]);
        let mut infinity = [0u8; 48];
        infinity[0] = 0xc0;
        v.extend_from_slice(&infinity);
        v.extend_from_slice(&infinity);
        let set = Precompiles::for_spec(kestrel::primitives::SpecId::Cancun);
        let address = kestrel::primitives::Address::with_last_byte(0x0a);
        let precompile = set.get(&address).expect("point evaluation in Cancun");
        assert!(precompile(&v, 100_000).is_ok());
    }
}

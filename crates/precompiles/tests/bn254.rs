//! BN254 ECADD, ECMUL and ECPAIRING (EIP-196, EIP-197) at both price levels (EIP-1108).
//! Expected values were cross-checked against the Python execution spec (py_ecc).

mod common;

use common::{assert_exact, assert_failure, call, hex};
use kestrel_primitives::SpecId;
use substrate_bn::{AffineG2, Fq, Fq2, G2};

const BYZANTIUM: SpecId = SpecId::Byzantium;
const ISTANBUL: SpecId = SpecId::Istanbul;

/// The base field modulus p.
const P: &str = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
/// The group order r.
const R: &str = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
/// G1 generator (1, 2).
const G1: &str = "0000000000000000000000000000000000000000000000000000000000000001\
                  0000000000000000000000000000000000000000000000000000000000000002";
/// −G1 = (1, p − 2).
const NEG_G1: &str = "0000000000000000000000000000000000000000000000000000000000000001\
                      30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45";
/// 2·G1.
const TWO_G1: &str = "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3\
                      15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4";
/// G2 generator, encoded x_im, x_re, y_im, y_re (EIP-197).
const G2_GEN: &str = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2\
                      1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed\
                      090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b\
                      12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";
/// 2·G2.
const TWO_G2: &str = "203e205db4f19b37b60121b83a7333706db86431c6d835849957ed8c3928ad79\
                      27dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62aee49f8130962b4b3b9\
                      195e8aa5b7827463722b8c153931579d3505566b4edf48d498e185f0509de152\
                      04bb53b8977e5f92a0bc372742c4830944a59b4fe6b1c0466e2a6dad122b5d2e";

fn cat(parts: &[&str]) -> Vec<u8> {
    parts.iter().flat_map(|p| hex(p)).collect()
}

fn one() -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[31] = 1;
    w
}

#[test]
fn add_vectors_and_prices() {
    for (spec, cost) in [(BYZANTIUM, 500), (ISTANBUL, 150), (SpecId::Osaka, 150)] {
        assert_exact(spec, 6, &cat(&[G1, G1]), cost, &hex(TWO_G1));
        // Infinity is the identity, written (0, 0); short input is zero-padded.
        assert_exact(spec, 6, &hex(G1), cost, &hex(G1));
        assert_exact(spec, 6, &[], cost, &[0; 64]);
        assert_exact(spec, 6, &cat(&[G1, NEG_G1]), cost, &[0; 64]);
        // Bytes past 128 are ignored.
        let mut long = cat(&[G1, G1]);
        long.extend_from_slice(&[0xff; 32]);
        assert_exact(spec, 6, &long, cost, &hex(TWO_G1));
    }
}

#[test]
fn mul_vectors_and_prices() {
    let two = {
        let mut w = vec![0u8; 32];
        w[31] = 2;
        w
    };
    let r_minus_1 = {
        let mut w = hex(R);
        w[31] -= 1;
        w
    };
    for (spec, cost) in [(BYZANTIUM, 40_000), (ISTANBUL, 6_000)] {
        assert_exact(spec, 7, &[hex(G1), two.clone()].concat(), cost, &hex(TWO_G1));
        assert_exact(spec, 7, &[hex(G1), hex(R)].concat(), cost, &[0; 64]);
        assert_exact(spec, 7, &[hex(G1), r_minus_1.clone()].concat(), cost, &hex(NEG_G1));
        // Scalars are full 256-bit numbers, not reduced field elements.
        assert_exact(
            spec,
            7,
            &[hex(G1), vec![0xff; 32]].concat(),
            cost,
            &hex("2f588cffe99db877a4434b598ab28f81e0522910ea52b45f0adaa772b2d5d352\
                  12f42fa8fd34fb1b33d8c6a718b6590198389b26fc9d8808d971f8b009777a97"),
        );
        // Missing scalar bytes are zeros: 0·G = infinity.
        assert_exact(spec, 7, &hex(G1), cost, &[0; 64]);
        assert_exact(spec, 7, &[], cost, &[0; 64]);
    }
}

#[test]
fn invalid_g1_points_fail() {
    let p = hex(P);
    let mut bad_y = hex(G1);
    bad_y[63] = 3; // (1, 3) is not on y² = x³ + 3
    // x = p is not a field element even though p ≡ 0.
    let x_is_p = [p.clone(), vec![0u8; 32]].concat();
    let mut x_plus_p = hex(NEG_G1);
    x_plus_p[..32].copy_from_slice(&p);
    x_plus_p[31] += 1; // (1 + p, p − 2): on the curve mod p but not canonical
    for spec in [BYZANTIUM, ISTANBUL] {
        for point in [&bad_y, &x_is_p, &x_plus_p] {
            assert_failure(spec, 6, &[point.clone(), hex(G1)].concat());
            assert_failure(spec, 6, &[hex(G1), point.clone()].concat());
            assert_failure(spec, 7, &[point.clone(), one()].concat());
            assert_failure(spec, 8, &[point.clone(), hex(G2_GEN)].concat());
        }
    }
}

#[test]
fn pairing_vectors_and_prices() {
    for (spec, base, per_pair) in [(BYZANTIUM, 100_000, 80_000), (ISTANBUL, 45_000, 34_000)] {
        // Empty input: the empty product is 1.
        assert_exact(spec, 8, &[], base, &one());
        // e(G1, G2) · e(−G1, G2) = 1.
        assert_exact(spec, 8, &cat(&[G1, G2_GEN, NEG_G1, G2_GEN]), base + 2 * per_pair, &one());
        // e(2·G1, G2) · e(−G1, 2·G2) = 1: bilinearity.
        assert_exact(spec, 8, &cat(&[TWO_G1, G2_GEN, NEG_G1, TWO_G2]), base + 2 * per_pair, &one());
        // e(G1, G2) alone is not 1.
        assert_exact(spec, 8, &cat(&[G1, G2_GEN]), base + per_pair, &[0; 32]);
        // Pairs with an infinity factor contribute 1.
        let inf_g1 = "00".repeat(64);
        let inf_g2 = "00".repeat(128);
        assert_exact(spec, 8, &cat(&[&inf_g1, G2_GEN, G1, &inf_g2]), base + 2 * per_pair, &one());
    }
}

#[test]
fn pairing_length_must_be_a_multiple_of_192() {
    let pair = cat(&[G1, G2_GEN]);
    for len in [1, 64, 191, 193, 200, 383] {
        let input: Vec<u8> = pair.iter().copied().cycle().take(len).collect();
        assert_failure(ISTANBUL, 8, &input);
    }
}

/// A point on the twist y² = x³ + 3/(9 + i) that is not in the order-r subgroup (the twist's
/// cofactor is large, so the first point found by increasing x is outside it).
fn g2_point_outside_subgroup() -> Vec<u8> {
    for k in 1u64..1000 {
        let x = Fq2::new(Fq::from_str(&k.to_string()).unwrap(), Fq::one());
        let Some(y) = (x * x * x + G2::b()).sqrt() else { continue };
        assert_eq!(y * y, x * x * x + G2::b(), "on the curve");
        if AffineG2::new(x, y).is_ok() {
            continue; // in the subgroup after all: try the next x
        }
        let mut out = vec![0u8; 128];
        for (i, f) in [x.imaginary(), x.real(), y.imaginary(), y.real()].into_iter().enumerate() {
            f.to_big_endian(&mut out[32 * i..32 * (i + 1)]).unwrap();
        }
        return out;
    }
    panic!("no point found");
}

#[test]
fn invalid_g2_points_fail() {
    let outside = g2_point_outside_subgroup();
    assert_failure(ISTANBUL, 8, &[hex(G1), outside.clone()].concat());
    assert_failure(BYZANTIUM, 8, &[hex(G1), outside.clone()].concat());
    // Outside the subgroup is an error even when the G1 half is infinity.
    assert_failure(ISTANBUL, 8, &[vec![0u8; 64], outside].concat());
    // Not on the curve.
    let mut off = hex(G2_GEN);
    off[127] ^= 1;
    assert_failure(ISTANBUL, 8, &[hex(G1), off].concat());
    // A coordinate equal to p.
    let mut big = hex(G2_GEN);
    big[..32].copy_from_slice(&hex(P));
    assert_failure(ISTANBUL, 8, &[hex(G1), big].concat());
    // The second pair is bad: the whole call fails.
    let mut bad = cat(&[G1, G2_GEN, G1]);
    bad.extend_from_slice(&[0xff; 128]);
    assert_failure(ISTANBUL, 8, &bad);
}

#[test]
fn out_of_gas_before_validation() {
    // An invalid point still costs nothing more than the gas check when gas is short.
    let bad = vec![0xff; 128];
    assert_eq!(call(ISTANBUL, 6, &bad, 149), Err(kestrel_precompiles::PrecompileError::OutOfGas));
    assert_eq!(call(ISTANBUL, 8, &[0u8; 191], 44_999), Err(kestrel_precompiles::PrecompileError::OutOfGas));
}

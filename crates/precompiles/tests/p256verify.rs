//! P256VERIFY (EIP-7951): valid signatures, every rejection rule, gas and availability.
//! Expected values were cross-checked against the Python execution spec.

mod common;

use common::{assert_exact, call, hex};
use kestrel_precompiles::{PrecompileError, Precompiles};
use kestrel_primitives::{SpecId, U256};

const OSAKA: SpecId = SpecId::Osaka;
const INDEX: u16 = 0x100;
const COST: u64 = 6900;

/// The valid signature of the `precompile-p256verify` workload: hash, r, s, qx, qy.
const VALID: &str = "abababababababababababababababababababababababababababababababab\
                     474d0fa27e13db8e3cc654c6de6ebc97b812b63cefe3ca02debd8c8d3db5e2ad\
                     4fce5d4578e723626b5007cc54a2cafa2161ff123ab7af2a25c29c9c7405b389\
                     6ff03b949241ce1dadd43519e6960e0a85b41a69a05c328103aa2bce1594ca16\
                     3c4f753a55bf01dc53f6c0b0c7eee78b40c6ff7d25a96e2282b989cef71c144a";
/// A valid signature whose hash, n + 5, is not reduced: verification reduces it mod n.
const HASH_ABOVE_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632556\
                            7a3f5471e13083f457e1a9c0805c6d1462eeb0a92c0b940c0ef65281c87b787f\
                            adcad6acf5d73615bcb435ef3415b4c0a91a0968e22fd0542d25ad176c67e230\
                            088bb9ff22ab291a74c86fc677ba897baadee370cc6129b82d170ba3fc26415c\
                            442da9a716067956d91eaa02b93ad409490e87cd5e758ea6a331a1deb75ba846";
/// The group order n.
const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// The field prime p.
const P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

fn one() -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[31] = 1;
    w
}

/// `VALID` with bytes `at..at + 32` replaced by `word`.
fn with_word(at: usize, word: &[u8]) -> Vec<u8> {
    let mut v = hex(VALID);
    v[at..at + 32].copy_from_slice(word);
    v
}

#[test]
fn valid_signatures_verify() {
    assert_exact(OSAKA, INDEX, &hex(VALID), COST, &one());
    assert_exact(OSAKA, INDEX, &hex(HASH_ABOVE_N), COST, &one());
    // The same signature over the reduced hash, 5, verifies too.
    let mut reduced = hex(HASH_ABOVE_N);
    reduced[..32].copy_from_slice(&common::word(5));
    assert_exact(OSAKA, INDEX, &reduced, COST, &one());
}

#[test]
fn high_s_is_accepted() {
    // No malleability rule: (r, n − s) verifies as well as (r, s).
    let n = U256::from_be_slice(&hex(N));
    let s = U256::from_be_slice(&hex(VALID)[64..96]);
    assert_exact(OSAKA, INDEX, &with_word(64, &(n - s).to_be_bytes::<32>()), COST, &one());
}

#[test]
fn invalid_inputs_return_empty_output() {
    let valid = hex(VALID);
    let zero = [0u8; 32];
    let (n, p) = (hex(N), hex(P));
    let mut flipped_hash = valid.clone();
    flipped_hash[0] ^= 1;
    let mut off_curve = valid.clone();
    off_curve[159] ^= 1;
    let mut negated_y = valid.clone();
    let y = U256::from_be_slice(&valid[128..]);
    negated_y[128..].copy_from_slice(&(U256::from_be_slice(&p) - y).to_be_bytes::<32>());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("159 bytes", valid[..159].to_vec()),
        ("161 bytes", [valid.as_slice(), &[0]].concat()),
        ("320 bytes", [valid.as_slice(), valid.as_slice()].concat()),
        ("wrong hash", flipped_hash),
        ("r = 0", with_word(32, &zero)),
        ("r = n", with_word(32, &n)),
        ("r = 2^256 - 1", with_word(32, &[0xff; 32])),
        ("s = 0", with_word(64, &zero)),
        ("s = n", with_word(64, &n)),
        ("qx = p", with_word(96, &p)),
        ("qy = p", with_word(128, &p)),
        ("point at infinity (0, 0)", [&valid[..96], &zero[..], &zero[..]].concat()),
        ("off the curve", off_curve),
        ("other key (negated y)", negated_y),
        ("qx = 2^256 - 1", with_word(96, &[0xff; 32])),
    ];
    for (name, input) in cases {
        let out = call(OSAKA, INDEX, &input, COST).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(out.gas_used, COST, "{name}");
        assert!(out.bytes.is_empty(), "{name}: {:?}", out.bytes);
    }
}

#[test]
fn gas_is_charged_first() {
    assert_eq!(call(OSAKA, INDEX, &hex(VALID), COST - 1), Err(PrecompileError::OutOfGas));
    // Even a malformed input costs the full price (and fails only for lack of gas).
    assert_eq!(call(OSAKA, INDEX, &[], COST - 1), Err(PrecompileError::OutOfGas));
    assert_eq!(call(OSAKA, INDEX, &[], COST).unwrap().gas_used, COST);
}

#[test]
fn present_from_osaka_only() {
    let address = common::address(INDEX);
    for spec in SpecId::ALL {
        assert_eq!(Precompiles::for_spec(spec).contains(&address), spec == SpecId::Osaka, "{spec:?}");
    }
}

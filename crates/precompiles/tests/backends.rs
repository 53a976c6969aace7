//! Every precompile with more than one backend gives the same output and gas (or the same
//! error) on each, for random inputs and for the edge values of its input format.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField};
use kestrel_precompiles::{PrecompileResult, backends};
use kestrel_primitives::U256;
use proptest::prelude::*;

mod secp256k1_reference;

/// A precompile function.
type Run = fn(&[u8], u64) -> PrecompileResult;

/// Runs every backend on `input` with plenty of gas, and with one gas too few, and asserts
/// they agree.
fn agree(name: &str, runs: &[(&str, Run)], input: &[u8]) {
    let (first_name, first) = runs[0];
    let expected = first(input, 1 << 40);
    for (other_name, other) in &runs[1..] {
        let got = other(input, 1 << 40);
        assert_eq!(got, expected, "{name}: {other_name} vs {first_name} on {}", hex(input));
    }
    if let Ok(out) = &expected {
        for (other_name, other) in runs {
            let short = other(input, out.gas_used - 1);
            assert!(short.is_err(), "{name}: {other_name} ran with one gas too few");
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ECRECOVER backends this build has, after the independent reference they are compared
/// with (so a `pure-rust` build, with `k256` alone, still compares two implementations).
fn ecrecover_runs() -> Vec<(&'static str, Run)> {
    let runs =
        [("reference", secp256k1_reference::ecrecover as Run), ("k256", backends::ecrecover_k256 as Run)]
            .into_iter();
    #[cfg(feature = "native")]
    let runs = runs.chain([("libsecp", backends::ecrecover_libsecp as Run)]);
    runs.collect()
}

const BN_ADD: [(&str, Run); 2] =
    [("ark", backends::bn254_add_ark), ("substrate", backends::bn254_add_substrate)];
const BN_MUL: [(&str, Run); 2] =
    [("ark", backends::bn254_mul_ark), ("substrate", backends::bn254_mul_substrate)];
const BN_PAIRING: [(&str, Run); 2] =
    [("ark", backends::bn254_pairing_ark), ("substrate", backends::bn254_pairing_substrate)];

/// secp256k1's group order n.
const SECP_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba,
    0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// Interesting 32-byte words for secp256k1 scalars.
fn secp_edges() -> Vec<[u8; 32]> {
    let mut n_minus_1 = SECP_N;
    n_minus_1[31] -= 1;
    let mut n_plus_1 = SECP_N;
    n_plus_1[31] += 1;
    let mut one = [0u8; 32];
    one[31] = 1;
    // x = 1 is no x-coordinate of secp256k1 (1 + 7 = 8 is not a square mod p).
    vec![[0u8; 32], one, n_minus_1, SECP_N, n_plus_1, [0xff; 32], {
        let mut w = [0u8; 32];
        w[31] = 2;
        w
    }]
}

fn ecrecover_input(hash: &[u8; 32], v: u8, r: &[u8; 32], s: &[u8; 32]) -> Vec<u8> {
    let mut input = hash.to_vec();
    let mut vw = [0u8; 32];
    vw[31] = v;
    input.extend_from_slice(&vw);
    input.extend_from_slice(r);
    input.extend_from_slice(s);
    input
}

/// The 32-byte ECRECOVER output for the key with secret `k`, computed by the reference.
fn signer_word(k: U256) -> [u8; 32] {
    let (x, y) = secp256k1_reference::public_key(k).expect("a secret below n");
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&secp256k1_reference::address(x, y));
    word
}

/// The reference itself on known signers: the private key 1 (address of G), and the classic
/// go-ethereum ECRECOVER vector with both parities.
#[test]
fn ecrecover_reference_matches_known_signers() {
    assert_eq!(
        signer_word(U256::from(1))[12..],
        kestrel_primitives::hex!("7e5f4552091a69125d5dfcb7b8c2659029395bdf")
    );
    let vector = |v: u8| {
        let mut input =
            kestrel_primitives::hex!("456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3")
                .to_vec();
        input.extend_from_slice(&[0u8; 31]);
        input.push(v);
        input.extend_from_slice(&kestrel_primitives::hex!(
            "9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608\
             4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada"
        ));
        secp256k1_reference::ecrecover(&input, 3000).unwrap().bytes
    };
    assert_eq!(vector(28)[12..], kestrel_primitives::hex!("7156526fbd7a3c72969b54f64e42c10fbb768c8a"));
    assert_eq!(vector(27)[12..], kestrel_primitives::hex!("e077fd3c958303e36309b9ee20ae9d3d59817232"));
}

#[test]
fn ecrecover_edges() {
    let runs = ecrecover_runs();
    let hash = [0x42u8; 32];
    // A real signature, then every edge value in r and s.
    let key = k256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let (sig, recid) = key.sign_prehash_recoverable(&hash).unwrap();
    let bytes = sig.to_bytes();
    let (r, s): ([u8; 32], [u8; 32]) = (bytes[..32].try_into().unwrap(), bytes[32..].try_into().unwrap());
    let v = 27 + u8::from(recid.is_y_odd());
    let good = ecrecover_input(&hash, v, &r, &s);
    let signer = signer_word(U256::from_be_bytes([7u8; 32]));
    for (name, run) in &runs {
        assert_eq!(run(&good, 3000).unwrap().bytes[..], signer, "{name} recovers the signer");
    }
    agree("ecrecover", &runs, &good);
    for edge in secp_edges() {
        for v in [0, 1, 26, 27, 28, 29] {
            agree("ecrecover", &runs, &ecrecover_input(&hash, v, &edge, &s));
            agree("ecrecover", &runs, &ecrecover_input(&hash, v, &r, &edge));
            agree("ecrecover", &runs, &ecrecover_input(&edge, v, &r, &s));
        }
    }
    // v with high bytes set, and every truncation of the input.
    let mut high_v = good.clone();
    high_v[32] = 1;
    agree("ecrecover", &runs, &high_v);
    for len in 0..=good.len() + 1 {
        let mut input = good.clone();
        input.resize(len, 0);
        agree("ecrecover", &runs, &input);
    }
}

/// A G1 point as 64 bytes.
fn g1_bytes(p: G1Affine) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
        out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
    }
    out
}

/// A G2 point as 128 bytes (x_im, x_re, y_im, y_re).
fn g2_bytes(p: G2Affine) -> Vec<u8> {
    let mut out = vec![0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, fq) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            out[32 * i..32 * i + 32].copy_from_slice(&fq.into_bigint().to_bytes_be());
        }
    }
    out
}

fn g1_mul(k: u64) -> G1Affine {
    (G1Projective::generator() * Fr::from(k)).into_affine()
}

fn g2_mul(k: u64) -> G2Affine {
    (G2Projective::generator() * Fr::from(k)).into_affine()
}

/// Interesting 32-byte words for BN254 coordinates and scalars.
fn bn_edges() -> Vec<Vec<u8>> {
    let p = Fq::MODULUS.to_bytes_be();
    let r = Fr::MODULUS.to_bytes_be();
    let minus_one = |mut w: Vec<u8>| {
        w[31] -= 1;
        w
    };
    let mut one = vec![0u8; 32];
    one[31] = 1;
    vec![vec![0u8; 32], one, p.clone(), minus_one(p), r.clone(), minus_one(r), vec![0xff; 32]]
}

#[test]
fn bn254_edges() {
    let g = g1_bytes(g1_mul(1));
    let g5 = g1_bytes(g1_mul(5));
    let edges = bn_edges();
    for a in &edges {
        for b in &edges {
            let point = [a.as_slice(), b.as_slice()].concat();
            agree("bn254 add", &BN_ADD, &[point.as_slice(), &g].concat());
            agree("bn254 add", &BN_ADD, &[g.as_slice(), &point].concat());
            agree("bn254 mul", &BN_MUL, &[point.as_slice(), a].concat());
        }
        agree("bn254 mul", &BN_MUL, &[g5.as_slice(), a].concat());
    }
    for len in [0, 1, 31, 32, 63, 64, 95, 96, 127, 128, 129, 200] {
        let long: Vec<u8> = [g.as_slice(), &g5, &g5].concat();
        agree("bn254 add", &BN_ADD, &long[..len.min(long.len())]);
        agree("bn254 mul", &BN_MUL, &long[..len.min(long.len())]);
    }
    // Pairings: empty, infinity, a true product, a false one, bad coordinates, wrong lengths.
    let q = g2_bytes(g2_mul(1));
    let q3 = g2_bytes(g2_mul(3));
    let neg15 = g1_bytes((G1Projective::generator() * -Fr::from(15u64)).into_affine());
    let true_pairs = [g5.as_slice(), &q3, &neg15, &q].concat();
    assert_eq!(backends::bn254_pairing_ark(&true_pairs, 1 << 40).unwrap().bytes[31], 1);
    agree("bn254 pairing", &BN_PAIRING, &[]);
    agree("bn254 pairing", &BN_PAIRING, &true_pairs);
    agree("bn254 pairing", &BN_PAIRING, &[g5.as_slice(), &q3, &g5, &q].concat());
    agree("bn254 pairing", &BN_PAIRING, &[vec![0u8; 64], q.clone()].concat());
    agree("bn254 pairing", &BN_PAIRING, &[g.clone(), vec![0u8; 128]].concat());
    agree("bn254 pairing", &BN_PAIRING, &true_pairs[..191]);
    for edge in &edges {
        for at in 0..6 {
            let mut input = true_pairs.clone();
            input[at * 32..at * 32 + 32].copy_from_slice(edge);
            agree("bn254 pairing", &BN_PAIRING, &input);
            // A G2 coordinate in the second pair.
            let mut input = true_pairs.clone();
            let off = 192 + 64 + (at % 4) * 32;
            input[off..off + 32].copy_from_slice(edge);
            agree("bn254 pairing", &BN_PAIRING, &input);
        }
    }
    // A point on the twist curve but outside the order-r subgroup: (x, y) with x = 1·i + 0.
    let mut off_subgroup = vec![0u8; 128];
    off_subgroup[31] = 1;
    agree("bn254 pairing", &BN_PAIRING, &[g.clone(), off_subgroup].concat());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn ecrecover_random(hash in any::<[u8; 32]>(), v in 26u8..30, r in any::<[u8; 32]>(), s in any::<[u8; 32]>()) {
        agree("ecrecover", &ecrecover_runs(), &ecrecover_input(&hash, v, &r, &s));
    }

    #[test]
    fn ecrecover_signed(key_number in 1u64.., hash in any::<[u8; 32]>()) {
        let mut secret = [0u8; 32];
        secret[24..].copy_from_slice(&key_number.to_be_bytes());
        let key = k256::ecdsa::SigningKey::from_bytes(&secret.into()).unwrap();
        let (sig, recid) = key.sign_prehash_recoverable(&hash).unwrap();
        let bytes = sig.to_bytes();
        let input = ecrecover_input(&hash, 27 + u8::from(recid.is_y_odd()), &bytes[..32].try_into().unwrap(), &bytes[32..].try_into().unwrap());
        // The signer's address from its secret, on the reference's own arithmetic.
        let signer = signer_word(U256::from(key_number));
        for (name, run) in ecrecover_runs() {
            prop_assert_eq!(&run(&input, 3000).unwrap().bytes[..], &signer[..], "{}", name);
        }
        agree("ecrecover", &ecrecover_runs(), &input);
    }

    #[test]
    fn bn254_random_bytes(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        agree("bn254 add", &BN_ADD, &input);
        agree("bn254 mul", &BN_MUL, &input);
        agree("bn254 pairing", &BN_PAIRING, &input);
    }

    #[test]
    fn bn254_random_points(a in 0u64.., b in 0u64.., scalar in any::<[u8; 32]>()) {
        let (pa, pb) = (g1_bytes(g1_mul(a)), g1_bytes(g1_mul(b)));
        agree("bn254 add", &BN_ADD, &[pa.as_slice(), &pb].concat());
        agree("bn254 add", &BN_ADD, &[pa.as_slice(), &pa].concat());
        agree("bn254 mul", &BN_MUL, &[pa.as_slice(), &scalar].concat());
    }
}

const MODEXP: [(&str, Run); 4] = [
    ("mont", backends::modexp_mont),
    ("montgomery_only", backends::modexp_montgomery_only),
    ("plain_only", backends::modexp_plain_only),
    ("aurora", backends::modexp_aurora),
];

/// A MODEXP input from its three operands.
fn modexp_input(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
    let mut input = Vec::new();
    for len in [base.len(), exp.len(), modulus.len()] {
        let mut word = [0u8; 32];
        word[24..].copy_from_slice(&(len as u64).to_be_bytes());
        input.extend_from_slice(&word);
    }
    [input.as_slice(), base, exp, modulus].concat()
}

#[test]
fn modexp_edges() {
    let words: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![1],
        vec![2],
        vec![3],
        vec![0xff; 8],
        vec![0x80, 0, 0, 0, 0, 0, 0, 0],
        [vec![1], vec![0; 8]].concat(),
        [vec![1], vec![0; 32]].concat(),
        [vec![0x80], vec![0; 31]].concat(),
        vec![0xff; 32],
        [vec![0xff; 31], vec![0xfe]].concat(),
        vec![0xff; 33],
        [vec![0; 3], vec![0xab; 20]].concat(),
        [vec![0xab; 20], vec![0; 9]].concat(),
    ];
    for m in &words {
        for b in &words {
            for e in &words {
                agree("modexp", &MODEXP, &modexp_input(b, e, m));
            }
        }
    }
}

fn modulus_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..80),
        // Powers of two times small odd numbers, and pure powers of two.
        (0usize..70, 1u8..=255, 0usize..600).prop_map(|(len, top, shift)| {
            let mut m = vec![0u8; len + 1];
            m[0] = top;
            let mut v = [vec![0u8; 1], m].concat();
            // Shift left by `shift` bits (in bytes and bits), keeping it short.
            let bytes = shift / 8;
            v.extend(std::iter::repeat_n(0, bytes.min(40)));
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn modexp_random(
        base in proptest::collection::vec(any::<u8>(), 0..100),
        exp in proptest::collection::vec(any::<u8>(), 0..40),
        modulus in modulus_strategy(),
    ) {
        agree("modexp", &MODEXP, &modexp_input(&base, &exp, &modulus));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn modexp_large(
        base in proptest::collection::vec(any::<u8>(), 0..600),
        exp in proptest::collection::vec(any::<u8>(), 0..6),
        modulus in proptest::collection::vec(any::<u8>(), 60..300),
        trailing_zeros in 0usize..40,
    ) {
        let mut even = modulus.clone();
        even.extend(std::iter::repeat_n(0, trailing_zeros));
        agree("modexp", &MODEXP, &modexp_input(&base, &exp, &modulus));
        agree("modexp", &MODEXP, &modexp_input(&base, &exp, &even));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn bn254_random_pairings(a in 0u64..1000, b in 0u64..1000, c in 0u64..1000) {
        // e(aG, bH) · e(−abG, H) · e(cG, H)^0: true exactly when the product cancels.
        let neg_ab = g1_bytes((G1Projective::generator() * -(Fr::from(a) * Fr::from(b))).into_affine());
        let input = [g1_bytes(g1_mul(a)), g2_bytes(g2_mul(b)), neg_ab, g2_bytes(g2_mul(1))].concat();
        agree("bn254 pairing", &BN_PAIRING, &input);
        let input = [g1_bytes(g1_mul(a)), g2_bytes(g2_mul(b)), g1_bytes(g1_mul(c)), g2_bytes(g2_mul(1))].concat();
        agree("bn254 pairing", &BN_PAIRING, &input);
    }
}

// P256VERIFY: the selected variable-time verification against `p256`'s `verify_prehash`.

const P256_RUNS: [(&str, Run); 2] =
    [("rustcrypto", backends::p256verify_rustcrypto as Run), ("selected", backends::p256verify as Run)];

/// P-256's group order n and field prime p, big-endian.
const P256_N: [u8; 32] = p256_word("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P256_P: [u8; 32] = p256_word("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

const fn p256_word(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 64 {
        let c = b[i];
        let d = if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
        out[i / 2] |= if i % 2 == 0 { d << 4 } else { d };
        i += 1;
    }
    out
}

/// 160 bytes `hash ‖ r ‖ s ‖ qx ‖ qy` of a signature of `hash` by secret `d` (RFC 6979 nonce).
fn p256_signed(d: &[u8; 32], hash: &[u8; 32]) -> Option<Vec<u8>> {
    use p256::ecdsa::{Signature, SigningKey, signature::hazmat::PrehashSigner};
    let key = SigningKey::from_slice(d).ok()?;
    let signature: Signature = key.sign_prehash(hash).ok()?;
    let point = key.verifying_key().to_encoded_point(false);
    let mut input = hash.to_vec();
    input.extend_from_slice(&signature.to_bytes());
    input.extend_from_slice(&point.as_bytes()[1..]);
    Some(input)
}

fn minus(word: &[u8; 32], k: u8) -> [u8; 32] {
    let mut out = *word;
    let mut borrow = k;
    for b in out.iter_mut().rev() {
        let (v, o) = b.overflowing_sub(borrow);
        *b = v;
        borrow = u8::from(o);
    }
    out
}

#[test]
fn p256verify_edges() {
    let mut one = [0u8; 32];
    one[31] = 1;
    // Secret keys 1, 2, 3 and n − 1, n − 2: public keys ±G, ±2G, 3G, whose multiples meet the
    // generator's table in the interleaved sum (additions that are doublings or cancel).
    let mut secrets = vec![one, minus(&P256_N, 1), minus(&P256_N, 2)];
    for k in [2u8, 3] {
        let mut w = [0u8; 32];
        w[31] = k;
        secrets.push(w);
    }
    let hashes = [[0u8; 32], one, P256_N, minus(&P256_N, 1), [0xff; 32], P256_P];
    for d in &secrets {
        for hash in &hashes {
            let Some(input) = p256_signed(d, hash) else { continue };
            assert_eq!(
                backends::p256verify(&input, 1 << 20).unwrap().bytes.len(),
                32,
                "a valid signature verifies"
            );
            agree("p256verify", &P256_RUNS, &input);
            // Every word replaced by an edge value.
            for at in 0..5 {
                for word in [[0u8; 32], one, P256_N, minus(&P256_N, 1), P256_P, minus(&P256_P, 1), [0xff; 32]]
                {
                    let mut bad = input.clone();
                    bad[32 * at..32 * at + 32].copy_from_slice(&word);
                    agree("p256verify", &P256_RUNS, &bad);
                }
            }
            // r and s swapped, s negated (n − s), every truncation.
            let mut swapped = input.clone();
            swapped[32..96].rotate_left(32);
            agree("p256verify", &P256_RUNS, &swapped);
            for len in [0, 1, 32, 159, 161] {
                let mut v = input.clone();
                v.resize(len, 7);
                agree("p256verify", &P256_RUNS, &v);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn p256verify_signed(d in any::<[u8; 32]>(), hash in any::<[u8; 32]>(), flip in 0usize..1400) {
        if let Some(input) = p256_signed(&d, &hash) {
            agree("p256verify", &P256_RUNS, &input);
            prop_assert_eq!(backends::p256verify(&input, 1 << 20).unwrap().bytes.len(), 32);
            // One bit flipped anywhere (most flips past 1280 leave it as it is).
            let mut bad = input.clone();
            if flip < 1280 {
                bad[flip / 8] ^= 1 << (flip % 8);
            }
            agree("p256verify", &P256_RUNS, &bad);
        }
    }

    #[test]
    fn p256verify_random(input in proptest::collection::vec(any::<u8>(), 160)) {
        agree("p256verify", &P256_RUNS, &input);
    }
}

/// Leading zero bytes in front of `bytes`.
fn pad(zeros: usize, bytes: &[u8]) -> Vec<u8> {
    [vec![0u8; zeros], bytes.to_vec()].concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The plain path (tiny exponents) against Montgomery / CRT and aurora: odd, even, zero
    /// and one moduli, zero and tiny exponents, leading zeros everywhere, bases longer
    /// than the modulus.
    #[test]
    fn modexp_tiny_exponents(
        base in proptest::collection::vec(any::<u8>(), 0..300),
        base_zeros in 0usize..10,
        exp in prop_oneof![Just(vec![]), Just(vec![0]), Just(vec![1]), Just(vec![2]), Just(vec![3]),
            proptest::collection::vec(any::<u8>(), 0..3)],
        exp_zeros in 0usize..5,
        modulus in prop_oneof![
            proptest::collection::vec(any::<u8>(), 1..200),
            Just(vec![0]), Just(vec![1]), Just(vec![2]), Just(vec![0, 1]),
            (proptest::collection::vec(any::<u8>(), 1..100), 1usize..20)
                .prop_map(|(m, z)| [m, vec![0u8; z]].concat()),
        ],
        mod_zeros in 0usize..10,
        odd in any::<bool>(),
    ) {
        let mut modulus = modulus;
        if let Some(last) = modulus.last_mut() && odd {
            *last |= 1;
        }
        agree(
            "modexp",
            &MODEXP,
            &modexp_input(&pad(base_zeros, &base), &pad(exp_zeros, &exp), &pad(mod_zeros, &modulus)),
        );
    }
}

//! Target `precompiles`: every precompile of every fork's set against revm's
//! (`revm-precompile`, default backends), and every alternative Kestrel backend against the
//! one the build selected.
//!
//! The input is read with [`arbitrary::Unstructured`]: a precompile (any of 0x01..=0x11 and
//! 0x100, including ones a fork does not have: then both sets must lack it), a fork, a gas
//! limit, and an input that is either raw bytes or shaped for the precompile (valid lengths,
//! valid points and signatures built on the spot), so the fuzzer reaches the arithmetic and
//! not only the length checks. Properties:
//!
//! - both sets have the precompile or neither has it;
//! - both succeed with the same output and gas, or both fail (a failure of either kind
//!   consumes all gas, so which kind does not matter to consensus);
//! - a success uses at most the gas limit, and, when the input asks for the probe, exactly
//!   that gas is enough and one less is out of gas (gas is decided before the work);
//! - every backend of ECRECOVER (libsecp256k1, k256), MODEXP (Montgomery, aurora) and the
//!   BN254 operations (arkworks, substrate-bn) agrees with the selected one. The pure-Rust
//!   build (`--no-default-features --features pure-rust`) selects other backends; all of them
//!   are reachable from this one build through `kestrel_precompiles::backends`, except the
//!   CPU-selected ones (BLAKE2 F on AVX-512VL/AVX2, SHA-256 on SHA-NI): a run with
//!   `KESTREL_PORTABLE=1` fuzzes their portable code instead.

use arbitrary::{Result, Unstructured};
use kestrel_precompiles::{PrecompileResult, Precompiles, backends};
use kestrel_primitives::{Address, SpecId};
use revm_precompile::{PrecompileSpecId, PrecompileStatus, Precompiles as RevmPrecompiles};

/// Every precompile address any fork has: 0x01..=0x11 and P256VERIFY at 0x100.
const INDICES: [u16; 18] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    0x100,
];

/// No call gets more gas than a block holds: bounds the work of the priciest inputs (BLAKE2 F
/// rounds, MODEXP before EIP-2565) without hiding any price boundary a real call can meet.
const MAX_GAS: u64 = 60_000_000;

/// Runs one call built from `data` through both sets and every backend; panics on a
/// disagreement.
pub fn precompiles(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(call) = Call::build(&mut u) {
        check(&call);
    }
}

/// One precompile call.
#[derive(Debug)]
pub struct Call {
    /// The address' low two bytes.
    pub index: u16,
    /// The fork whose set is used.
    pub spec: SpecId,
    /// The call's gas limit.
    pub gas: u64,
    /// The call data.
    pub input: Vec<u8>,
    /// Also call with exactly the gas used, and with one less.
    pub probe_gas: bool,
}

fn address(index: u16) -> Address {
    let mut a = [0u8; 20];
    a[18..].copy_from_slice(&index.to_be_bytes());
    Address::from(a)
}

/// The revm precompile set in force in `spec` (it names only the forks that changed one).
fn revm_spec(spec: SpecId) -> PrecompileSpecId {
    [
        (SpecId::Osaka, PrecompileSpecId::OSAKA),
        (SpecId::Prague, PrecompileSpecId::PRAGUE),
        (SpecId::Cancun, PrecompileSpecId::CANCUN),
        (SpecId::Berlin, PrecompileSpecId::BERLIN),
        (SpecId::Istanbul, PrecompileSpecId::ISTANBUL),
        (SpecId::Byzantium, PrecompileSpecId::BYZANTIUM),
    ]
    .into_iter()
    .find(|&(fork, _)| spec.is_enabled_in(fork))
    .map_or(PrecompileSpecId::HOMESTEAD, |(_, id)| id)
}

impl Call {
    /// Reads a call: index, fork, gas, probe flag, then the input (raw or shaped).
    pub fn build(u: &mut Unstructured<'_>) -> Result<Self> {
        let index = *u.choose(&INDICES)?;
        let spec = *u.choose(&SpecId::ALL)?;
        let gas = match u.int_in_range(0..=3u8)? {
            0 => MAX_GAS,
            1 => u64::from(u.arbitrary::<u16>()?),
            2 => u64::from(u.arbitrary::<u32>()?),
            _ => u.arbitrary::<u64>()?,
        }
        .min(MAX_GAS);
        let probe_gas = u.arbitrary()?;
        let input = if u.arbitrary()? { shaped::input(index, u)? } else { u.bytes(u.len())?.to_vec() };
        Ok(Self { index, spec, gas, input, probe_gas })
    }
}

/// The outcome that matters to consensus: output and gas of a success, or a failure.
fn outcome(result: &PrecompileResult) -> Option<(&[u8], u64)> {
    result.as_ref().ok().map(|o| (&o.bytes[..], o.gas_used))
}

fn revm_outcome(result: &revm_precompile::PrecompileResult) -> Option<(&[u8], u64)> {
    match result {
        Ok(o) if o.status == PrecompileStatus::Success => Some((&o.bytes[..], o.gas_used)),
        _ => None,
    }
}

/// Calls the precompile of `call` in both sets and every backend, and compares.
pub fn check(call: &Call) {
    let address = address(call.index);
    let ours = Precompiles::for_spec(call.spec).get(&address);
    let theirs = RevmPrecompiles::new(revm_spec(call.spec)).get(&address);
    assert_eq!(ours.is_some(), theirs.is_some(), "{address} in {:?}: only one set has it", call.spec);
    let (Some(ours), Some(theirs)) = (ours, theirs) else { return };

    let result = ours(&call.input, call.gas);
    let reference = theirs.execute(&call.input, call.gas, 0);
    assert_eq!(
        outcome(&result),
        revm_outcome(&reference),
        "{address} in {:?}, gas {}: Kestrel {result:?}, revm {reference:?}",
        call.spec,
        call.gas
    );

    if let Ok(out) = &result {
        assert!(out.gas_used <= call.gas, "{address}: used {} of {} gas", out.gas_used, call.gas);
        if call.probe_gas {
            let exact = ours(&call.input, out.gas_used);
            assert_eq!(outcome(&exact), outcome(&result), "{address}: exactly the gas used is not enough");
            if let Some(less) = out.gas_used.checked_sub(1) {
                let short = ours(&call.input, less);
                assert_eq!(
                    short,
                    Err(kestrel_precompiles::PrecompileError::OutOfGas),
                    "{address}: one gas less than used is not out of gas"
                );
            }
        }
    }

    for (name, backend) in alternatives(call.index, call.spec) {
        let other = backend(&call.input, call.gas);
        assert_eq!(
            outcome(&other),
            outcome(&result),
            "{address} in {:?}: backend {name} {other:?}, selected {result:?}",
            call.spec
        );
    }
}

/// A Kestrel backend by name.
type Backend = (&'static str, fn(&[u8], u64) -> PrecompileResult);

/// The backends `kestrel_precompiles::backends` has for this precompile at this fork's price.
fn alternatives(index: u16, spec: SpecId) -> Vec<Backend> {
    let istanbul = spec.is_enabled_in(SpecId::Istanbul);
    match index {
        0x01 => vec![("libsecp256k1", backends::ecrecover_libsecp), ("k256", backends::ecrecover_k256)],
        0x05 if spec.is_enabled_in(SpecId::Osaka) => {
            vec![("mont", backends::modexp_mont), ("aurora", backends::modexp_aurora)]
        }
        0x05 if spec.is_enabled_in(SpecId::Berlin) => {
            vec![("mont", backends::modexp_mont_berlin), ("aurora", backends::modexp_aurora_berlin)]
        }
        0x06 if istanbul => {
            vec![("ark", backends::bn254_add_ark), ("substrate", backends::bn254_add_substrate)]
        }
        0x07 if istanbul => {
            vec![("ark", backends::bn254_mul_ark), ("substrate", backends::bn254_mul_substrate)]
        }
        0x08 if istanbul => {
            vec![("ark", backends::bn254_pairing_ark), ("substrate", backends::bn254_pairing_substrate)]
        }
        _ => Vec::new(),
    }
}

/// Inputs shaped for each precompile.
mod shaped {
    use super::*;
    use k256::ecdsa::SigningKey as K256Key;
    use p256::ecdsa::SigningKey as P256Key;
    use p256::ecdsa::signature::hazmat::PrehashSigner;

    /// BN254 G1 generator (1, 2).
    const BN_G1: [u8; 64] = {
        let mut g = [0u8; 64];
        g[31] = 1;
        g[63] = 2;
        g
    };
    /// BN254 G2 generator, encoded x_im, x_re, y_im, y_re (EIP-197).
    pub(super) const BN_G2: &str = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2\
                         1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed\
                         090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b\
                         12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";
    /// BN254 group order.
    pub(super) const BN_R: &str = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
    /// BLS12-381 G1 generator, EIP-2537 encoding (each coordinate padded to 64 bytes).
    const BLS_G1: &str = "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
    /// BLS12-381 G2 generator, EIP-2537 encoding.
    const BLS_G2: &str = "00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb80000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";
    /// BLS12-381 group order r.
    pub(super) const BLS_R: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
    /// The BLS12-381 G1 generator, compressed (a KZG commitment or proof).
    const KZG_G1: &str =
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";

    pub(super) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("constant hex")).collect()
    }

    /// `order - k` for a big-endian `k < order` (both 32 bytes): the scalar of `-k·G`.
    pub(super) fn negate(order: &str, k: &[u8; 32]) -> [u8; 32] {
        let n = kestrel_primitives::U256::from_be_slice(&hex(order));
        let k = kestrel_primitives::U256::from_be_bytes(*k) % n;
        (n - k).to_be_bytes()
    }

    /// A scalar: small (so the fuzzer can steer it), or any 32 bytes.
    fn scalar(u: &mut Unstructured<'_>) -> Result<[u8; 32]> {
        if u.arbitrary()? {
            let mut s = [0u8; 32];
            s[24..].copy_from_slice(&u.arbitrary::<u64>()?.to_be_bytes());
            Ok(s)
        } else {
            u.arbitrary()
        }
    }

    /// The output of revm's precompile `index` (Prague set) on `input`: how valid points are
    /// made (a multiple of a generator is a point of the curve and of the subgroup).
    fn reference(index: u16, input: &[u8]) -> Vec<u8> {
        let set = RevmPrecompiles::new(PrecompileSpecId::PRAGUE);
        match set.get(&address(index)).map(|p| p.execute(input, MAX_GAS, 0)) {
            Some(Ok(o)) if o.status == PrecompileStatus::Success => o.bytes.to_vec(),
            _ => unreachable!("a multiple of a generator is a valid point"),
        }
    }

    pub(super) fn bn_g1(k: &[u8; 32]) -> Vec<u8> {
        reference(0x07, &[&BN_G1[..], k].concat())
    }

    pub(super) fn bls_g1(k: &[u8; 32]) -> Vec<u8> {
        reference(0x0c, &[&hex(BLS_G1)[..], k].concat())
    }

    pub(super) fn bls_g2(k: &[u8; 32]) -> Vec<u8> {
        reference(0x0e, &[&hex(BLS_G2)[..], k].concat())
    }

    /// Mostly-valid input for precompile `index`, with one field perhaps spoiled by the
    /// fuzzer: the tail of the data is appended (an over-long input is a case too).
    pub(super) fn input(index: u16, u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let mut out = match index {
            0x01 => ecrecover(u)?,
            0x05 => modexp(u)?,
            0x06 => [bn_g1(&scalar(u)?), bn_g1(&scalar(u)?)].concat(),
            0x07 => [bn_g1(&scalar(u)?), scalar(u)?.to_vec()].concat(),
            0x08 => bn_pairing(u)?,
            0x09 => blake2f(u)?,
            0x0a => point_evaluation(u)?,
            0x0b => [bls_g1(&scalar(u)?), bls_g1(&scalar(u)?)].concat(),
            0x0c => (0..u.int_in_range(0..=3)?)
                .map(|_| Ok([bls_g1(&scalar(u)?), scalar(u)?.to_vec()].concat()))
                .collect::<Result<Vec<_>>>()?
                .concat(),
            0x0d => [bls_g2(&scalar(u)?), bls_g2(&scalar(u)?)].concat(),
            0x0e => (0..u.int_in_range(0..=3)?)
                .map(|_| Ok([bls_g2(&scalar(u)?), scalar(u)?.to_vec()].concat()))
                .collect::<Result<Vec<_>>>()?
                .concat(),
            0x0f => bls_pairing(u)?,
            0x10 => field_elements(u, 1)?,
            0x11 => field_elements(u, 2)?,
            0x100 => p256verify(u)?,
            // SHA-256, RIPEMD-160, IDENTITY take any bytes.
            _ => Vec::new(),
        };
        // Spoil one byte, sometimes: a point off the curve, a bad flag, a wrong hash.
        // (Exhausted data reads as zero: no spoiling.)
        if !out.is_empty() && u.arbitrary::<u8>()? >= 192 {
            let at = u.choose_index(out.len())?;
            out[at] ^= u.arbitrary::<u8>()?.max(1);
        }
        out.extend_from_slice(u.bytes(u.len())?);
        Ok(out)
    }

    /// A valid signature from a key and message the input picks, with v 27/28.
    fn ecrecover(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let hash: [u8; 32] = u.arbitrary()?;
        let key: [u8; 32] = u.arbitrary()?;
        let Ok(key) = K256Key::from_bytes(&key.into()) else { return Ok(hash.to_vec()) };
        let Ok((signature, recovery)) = key.sign_prehash_recoverable(&hash) else { return Ok(hash.to_vec()) };
        let mut v = [0u8; 32];
        v[31] = 27 + u8::from(recovery.is_y_odd());
        Ok([&hash[..], &v, &signature.to_bytes()[..]].concat())
    }

    /// A valid P-256 signature from a key and message the input picks: hash, r, s, x, y.
    fn p256verify(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let hash: [u8; 32] = u.arbitrary()?;
        let key: [u8; 32] = u.arbitrary()?;
        let Ok(key) = P256Key::from_bytes(&key.into()) else { return Ok(hash.to_vec()) };
        let signature: p256::ecdsa::Signature = match key.sign_prehash(&hash) {
            Ok(s) => s,
            Err(_) => return Ok(hash.to_vec()),
        };
        let point = key.verifying_key().to_encoded_point(false);
        Ok([&hash[..], &signature.to_bytes()[..], &point.as_bytes()[1..]].concat())
    }

    /// A MODEXP header with small lengths (sometimes at EIP-7823's 1024-byte bound), and
    /// operands of those lengths.
    fn modexp(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let length = |u: &mut Unstructured<'_>| -> Result<usize> {
            Ok(match u.int_in_range(0..=9u8)? {
                0 => 1023 + usize::from(u.int_in_range(0..=2u8)?),
                1 => usize::from(u.arbitrary::<u8>()?),
                _ => usize::from(u.int_in_range(0..=40u8)?),
            })
        };
        let (base, exp, modulus) = (length(u)?, length(u)?, length(u)?);
        let mut out = Vec::new();
        for n in [base, exp, modulus] {
            let mut word = [0u8; 32];
            word[24..].copy_from_slice(&(n as u64).to_be_bytes());
            out.extend_from_slice(&word);
        }
        // Operands, up to what the input has left (a short input is zero-padded).
        let operands = (base + exp + modulus).min(u.len());
        out.extend_from_slice(u.bytes(operands)?);
        Ok(out)
    }

    /// Pairs `(a_i·G1, G2)` then, when balanced, `(-Σa_i·G1, G2)`: the product is one.
    fn bn_pairing(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let g2 = hex(BN_G2);
        let pairs = u.int_in_range(0..=3)?;
        let mut out = Vec::new();
        for _ in 0..pairs {
            let a = scalar(u)?;
            out.extend(bn_g1(&a));
            out.extend(&g2);
            if u.arbitrary()? {
                out.extend(bn_g1(&negate(BN_R, &a)));
                out.extend(&g2);
            }
        }
        Ok(out)
    }

    /// As [`bn_pairing`], on BLS12-381 with points in G2 too.
    fn bls_pairing(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let pairs = u.int_in_range(1..=2)?;
        let mut out = Vec::new();
        for _ in 0..pairs {
            let (a, b) = (scalar(u)?, scalar(u)?);
            let g2 = bls_g2(&b);
            out.extend(bls_g1(&a));
            out.extend(&g2);
            if u.arbitrary()? {
                out.extend(bls_g1(&negate(BLS_R, &a)));
                out.extend(&g2);
            }
        }
        Ok(out)
    }

    /// `count` field elements of 64 bytes, 16 zero bytes then 48 (mostly below p).
    fn field_elements(u: &mut Unstructured<'_>, count: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..count {
            let mut fe = [0u8; 64];
            u.fill_buffer(&mut fe[16..])?;
            // A top byte below p's (0x1a) keeps the element in the field.
            fe[16] %= 0x1a;
            out.extend_from_slice(&fe);
        }
        Ok(out)
    }

    /// 213 bytes: rounds (few, so a call stays cheap), state, message, counters, flag.
    fn blake2f(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let rounds = u32::from(u.arbitrary::<u8>()?);
        let mut out = rounds.to_be_bytes().to_vec();
        let mut body = [0u8; 208];
        u.fill_buffer(&mut body)?;
        out.extend_from_slice(&body);
        out.push(u.int_in_range(0..=1u8)?);
        Ok(out)
    }

    /// Versioned hash, z, y, commitment, proof. Commitment and proof are the point at
    /// infinity (the zero polynomial: valid exactly when y = 0) or the generator; the
    /// versioned hash is the commitment's, so the pairing check is reached.
    fn point_evaluation(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        use sha2::{Digest, Sha256};
        let mut infinity = vec![0u8; 48];
        infinity[0] = 0xc0;
        let generator = hex(KZG_G1);
        let commitment = if u.arbitrary()? { infinity.clone() } else { generator.clone() };
        let proof = if u.arbitrary()? { infinity } else { generator };
        let mut hash: [u8; 32] = Sha256::digest(&commitment).into();
        hash[0] = 0x01;
        let mut z = [0u8; 32];
        u.fill_buffer(&mut z[1..])?;
        let mut y = [0u8; 32];
        if u.arbitrary()? {
            u.fill_buffer(&mut y[1..])?;
        }
        Ok([&hash[..], &z, &y, &commitment, &proof].concat())
    }
}

#[cfg(test)]
mod tests {
    use super::shaped::*;
    use super::*;

    fn run(index: u16, input: &[u8]) -> Vec<u8> {
        let set = Precompiles::for_spec(SpecId::Osaka);
        set.get(&address(index)).expect("present")(input, MAX_GAS).expect("valid input").bytes.to_vec()
    }

    /// The shaped pairings are right: `(a·G1, G2)` with `(-a·G1, G2)` pairs to one, and
    /// without the negation it does not (so the generators and orders are right).
    #[test]
    fn balanced_pairings_are_one() {
        let a = {
            let mut a = [0u8; 32];
            a[31] = 5;
            a
        };
        let g2 = hex(BN_G2);
        let balanced = [bn_g1(&a), g2.clone(), bn_g1(&negate(BN_R, &a)), g2.clone()].concat();
        assert_eq!(run(0x08, &balanced).last(), Some(&1));
        let unbalanced = [bn_g1(&a), g2.clone(), bn_g1(&a), g2].concat();
        assert_eq!(run(0x08, &unbalanced).last(), Some(&0));
        let g2 = bls_g2(&a);
        let balanced = [bls_g1(&a), g2.clone(), bls_g1(&negate(BLS_R, &a)), g2.clone()].concat();
        assert_eq!(run(0x0f, &balanced).last(), Some(&1));
        let unbalanced = [bls_g1(&a), g2.clone(), bls_g1(&a), g2].concat();
        assert_eq!(run(0x0f, &unbalanced).last(), Some(&0));
    }

    /// Shaped signatures verify (ECRECOVER recovers an address, P256VERIFY returns one).
    #[test]
    fn shaped_signatures_are_valid() {
        for index in [0x01u16, 0x100] {
            let data = [7u8; 64];
            let input = shaped::input(index, &mut Unstructured::new(&data)).expect("enough data");
            assert_eq!(run(index, &input).len(), 32, "{index:#x}");
        }
    }
}

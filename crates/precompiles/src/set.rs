//! The per-fork precompile sets, built once per process.

use std::sync::OnceLock;

use kestrel_primitives::{Address, SpecId};

use crate::PrecompileResult;

/// A precompile: its input and gas limit in, gas used and output (or an error) out.
pub type Precompile = fn(input: &[u8], gas_limit: u64) -> PrecompileResult;

/// The address of IDENTITY (0x04), a precompile in every fork.
pub const IDENTITY: Address = Address::with_last_byte(4);

/// The address of P256VERIFY (EIP-7951), the one precompile outside 0x01..=0x11.
const P256VERIFY_INDEX: u16 = 0x100;

/// The precompiles active in one fork.
#[derive(Debug)]
pub struct Precompiles {
    /// Indexed by the low byte of the address, for 0x01..=0x11.
    low: [Option<Precompile>; 0x12],
    /// P256VERIFY at 0x0100, from Osaka.
    p256verify: Option<Precompile>,
    /// Every active address, ascending; the EIP-2929 warm set.
    addresses: Vec<Address>,
}

impl Precompiles {
    /// The set for `spec`, built on first use and shared for the life of the process.
    pub fn for_spec(spec: SpecId) -> &'static Precompiles {
        static SETS: OnceLock<Vec<Precompiles>> = OnceLock::new();
        &SETS.get_or_init(|| SpecId::ALL.iter().map(|&s| Precompiles::build(s)).collect())[spec.index()]
    }

    /// The precompile at `address`, if `address` is one in this fork.
    #[inline]
    pub fn get(&self, address: &Address) -> Option<Precompile> {
        let bytes = address.as_slice();
        // Fast reject: every precompile address has 18 leading zero bytes.
        if bytes[..18].iter().any(|&b| b != 0) {
            return None;
        }
        let index = u16::from_be_bytes([bytes[18], bytes[19]]);
        if index == P256VERIFY_INDEX {
            return self.p256verify;
        }
        self.low.get(index as usize).copied().flatten()
    }

    /// True when `address` is a precompile in this fork.
    #[inline]
    pub fn contains(&self, address: &Address) -> bool {
        self.get(address).is_some()
    }

    /// Every precompile address in this fork, ascending.
    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }

    fn build(spec: SpecId) -> Precompiles {
        let mut low: [Option<Precompile>; 0x12] = [None; 0x12];
        // Frontier.
        low[0x01] = Some(crate::ecrecover::ecrecover);
        low[0x02] = Some(crate::hash::sha256);
        low[0x03] = Some(crate::hash::ripemd160);
        low[0x04] = Some(crate::hash::identity);
        // Byzantium: EIP-198 MODEXP, EIP-196/197 BN254.
        if spec.is_enabled_in(SpecId::Byzantium) {
            low[0x05] = Some(if spec.is_enabled_in(SpecId::Osaka) {
                crate::modexp::modexp_osaka
            } else if spec.is_enabled_in(SpecId::Berlin) {
                crate::modexp::modexp_berlin
            } else {
                crate::modexp::modexp_byzantium
            });
            // EIP-1108 (Istanbul) repriced the BN254 operations.
            let istanbul = spec.is_enabled_in(SpecId::Istanbul);
            low[0x06] = Some(if istanbul { crate::bn254::add_istanbul } else { crate::bn254::add_byzantium });
            low[0x07] = Some(if istanbul { crate::bn254::mul_istanbul } else { crate::bn254::mul_byzantium });
            low[0x08] =
                Some(if istanbul { crate::bn254::pairing_istanbul } else { crate::bn254::pairing_byzantium });
        }
        // Istanbul: EIP-152 BLAKE2 F.
        if spec.is_enabled_in(SpecId::Istanbul) {
            low[0x09] = Some(crate::blake2::blake2f);
        }
        // Cancun: EIP-4844 point evaluation.
        if spec.is_enabled_in(SpecId::Cancun) {
            low[0x0a] = Some(crate::kzg::point_evaluation);
        }
        // Prague: EIP-2537 BLS12-381.
        if spec.is_enabled_in(SpecId::Prague) {
            low[0x0b] = Some(crate::bls12_381::g1_add);
            low[0x0c] = Some(crate::bls12_381::g1_msm);
            low[0x0d] = Some(crate::bls12_381::g2_add);
            low[0x0e] = Some(crate::bls12_381::g2_msm);
            low[0x0f] = Some(crate::bls12_381::pairing);
            low[0x10] = Some(crate::bls12_381::map_fp_to_g1);
            low[0x11] = Some(crate::bls12_381::map_fp2_to_g2);
        }
        // Osaka: EIP-7951 P256VERIFY.
        let p256verify: Option<Precompile> =
            spec.is_enabled_in(SpecId::Osaka).then_some(crate::p256::p256verify as Precompile);

        let mut addresses: Vec<Address> =
            (0..0x12u8).filter(|&i| low[i as usize].is_some()).map(Address::with_last_byte).collect();
        if p256verify.is_some() {
            let mut a = [0u8; 20];
            a[18..].copy_from_slice(&P256VERIFY_INDEX.to_be_bytes());
            addresses.push(Address::from(a));
        }
        Precompiles { low, p256verify, addresses }
    }
}

//! The per-fork sets (`Precompiles::for_spec`), and a property test that no precompile of
//! any fork panics, overspends or behaves non-deterministically on arbitrary input.

mod common;

use common::address;
use kestrel_precompiles::Precompiles;
use kestrel_primitives::{Address, SpecId};
use proptest::prelude::*;

/// The precompile numbers active in `spec`, from the fork history.
fn expected_indices(spec: SpecId) -> Vec<u16> {
    let last = match spec {
        SpecId::Frontier | SpecId::Homestead | SpecId::TangerineWhistle | SpecId::SpuriousDragon => 0x04,
        SpecId::Byzantium | SpecId::Constantinople | SpecId::Petersburg => 0x08,
        SpecId::Istanbul | SpecId::Berlin | SpecId::London | SpecId::Paris | SpecId::Shanghai => 0x09,
        SpecId::Cancun => 0x0a,
        SpecId::Prague | SpecId::Osaka => 0x11,
    };
    let mut v: Vec<u16> = (1..=last).collect();
    if spec == SpecId::Osaka {
        v.push(0x100);
    }
    v
}

#[test]
fn addresses_per_fork() {
    for spec in SpecId::ALL {
        let set = Precompiles::for_spec(spec);
        let expected: Vec<Address> = expected_indices(spec).into_iter().map(address).collect();
        assert_eq!(set.addresses(), expected.as_slice(), "{spec:?}");
        for a in &expected {
            assert!(set.contains(a) && set.get(a).is_some(), "{spec:?} {a}");
        }
    }
}

#[test]
fn non_precompiles_are_absent() {
    let mut high = [0u8; 20];
    high[0] = 1;
    high[19] = 1; // 0x01…01: right low byte, wrong high bytes
    for spec in SpecId::ALL {
        let set = Precompiles::for_spec(spec);
        for a in
            [address(0), address(0x12), address(0xff), address(0x101), address(0x0201), Address::from(high)]
        {
            assert!(!set.contains(&a) && set.get(&a).is_none(), "{spec:?} {a}");
        }
    }
}

#[test]
fn sets_are_shared() {
    for spec in SpecId::ALL {
        assert!(std::ptr::eq(Precompiles::for_spec(spec), Precompiles::for_spec(spec)));
    }
}

/// An input length: anything short, or one of the lengths precompiles care about.
fn input_strategy() -> impl Strategy<Value = Vec<u8>> {
    let interesting =
        prop::sample::select(vec![0usize, 1, 31, 32, 63, 64, 96, 127, 128, 160, 192, 213, 256, 384, 512]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..700),
        interesting.prop_flat_map(|n| prop::collection::vec(any::<u8>(), n..=n)),
        // Mostly-zero bytes reach deeper (small lengths, infinity points, zero scalars).
        prop::collection::vec(prop::sample::select(vec![0u8, 0, 0, 0, 1, 2, 0xff]), 0..600),
    ]
}

fn check(spec_index: usize, pick: prop::sample::Index, input: &[u8], gas: u64) -> Result<(), TestCaseError> {
    let spec = SpecId::ALL[spec_index];
    let set = Precompiles::for_spec(spec);
    let addr = *pick.get(set.addresses());
    let precompile = set.get(&addr).expect("listed address resolves");
    let first = precompile(input, gas);
    if let Ok(out) = &first {
        prop_assert!(out.gas_used <= gas, "{spec:?} {addr}: used {} of {gas}", out.gas_used);
    }
    prop_assert_eq!(&first, &precompile(input, gas), "{:?} {}: not deterministic", spec, addr);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn no_precompile_panics(
        spec_index in 0..SpecId::COUNT,
        pick in any::<prop::sample::Index>(),
        input in input_strategy(),
        gas in prop_oneof![0u64..200_000, 0u64..5_000_000],
    ) {
        check(spec_index, pick, &input, gas)?;
    }

    /// MODEXP with small, plausible lengths and unlimited gas: the arithmetic itself runs.
    #[test]
    fn modexp_small_lengths_never_panic(
        spec_index in 4..SpecId::COUNT,
        lens in prop::array::uniform3(0u64..200),
        body in prop::collection::vec(any::<u8>(), 0..700),
    ) {
        let mut input = Vec::new();
        for len in lens {
            input.extend_from_slice(&common::word(len));
        }
        input.extend_from_slice(&body);
        let set = Precompiles::for_spec(SpecId::ALL[spec_index]);
        let modexp = set.get(&address(5)).expect("modexp from Byzantium");
        let out = modexp(&input, u64::MAX).expect("small lengths are always affordable");
        prop_assert_eq!(out.bytes.len() as u64, lens[2]);
    }
}

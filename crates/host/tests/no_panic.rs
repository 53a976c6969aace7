//! Whole transactions over random contracts never panic, in any fork: the `Evm` returns a result
//! or a rejection whatever the bytecode does with calls, creates and self-destructs.

use kestrel_host::Evm;
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};
use proptest::prelude::*;

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");
const OTHER: Address = address!("c000000000000000000000000000000000000002");

/// Bytecode biased towards the opcodes that reach the host: small pushes feeding CALL, CREATE,
/// SSTORE, LOG, SELFDESTRUCT and memory opcodes, mixed with random bytes.
fn program() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => (0u8..=0x40).prop_map(|v| vec![0x60, v]),
        1 => Just(vec![0x73].into_iter().chain(OTHER.into_iter()).collect::<Vec<u8>>()),
        1 => Just(vec![0x61, 0xff, 0xff]),
        1 => prop::sample::select(vec![0xf0u8, 0xf1, 0xf2, 0xf4, 0xf5, 0xfa, 0xff, 0x55, 0x54, 0xa1, 0x3e, 0x5e, 0xf3, 0xfd, 0x5a, 0x5c, 0x5d])
            .prop_map(|op| vec![op]),
        2 => any::<u8>().prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_contracts_never_panic(
        code in program(),
        other in program(),
        data in prop::collection::vec(any::<u8>(), 0..64),
        spec in prop::sample::select(SpecId::ALL.to_vec()),
        value in 0u64..3,
        create in any::<bool>(),
    ) {
        let mut db = InMemoryDb::new();
        db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
        db.insert_account(CONTRACT, AccountInfo::new(U256::from(5), 1, code.clone().into()));
        db.insert_account(OTHER, AccountInfo::new(U256::ZERO, 1, other.into()));
        let mut evm = Evm::new(&mut db, spec, 1);
        evm.set_block(BlockEnv { number: 300, gas_limit: 10_000_000, ..Default::default() });
        let tx = TxEnv {
            caller: SENDER,
            gas_limit: 1_000_000,
            gas_price: U256::from(1),
            to: (!create).then_some(CONTRACT),
            value: U256::from(value),
            data: if create { code.into() } else { data.into() },
            ..Default::default()
        };
        let first = evm.transact_commit(tx.clone());
        prop_assert!(first.is_ok(), "a funded, well-formed transaction is valid: {first:?}");
        let gas_used = first.as_ref().map(|r| r.gas_used).unwrap_or_default();
        prop_assert!(gas_used <= 1_000_000);
        // Run it again on the changed state: the Evm's reused buffers must not leak anything.
        let again = evm.transact_discard(TxEnv { nonce: 1, ..tx });
        prop_assert!(again.is_ok());
    }
}

//! The blob base fee (EIP-4844) for excess blob gas far beyond anything a real chain reaches:
//! every transaction still validates in bounded time, BLOBBASEFEE sees the saturated fee, and a
//! blob transaction cannot pay it.

use kestrel_host::{Evm, InvalidTransaction, TxError};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");

/// BLOBBASEFEE PUSH0 SSTORE STOP: stores the blob base fee in slot 0.
const STORE_BLOBBASEFEE: [u8; 4] = [0x4a, 0x5f, 0x55, 0x00];

fn evm(db: &mut InMemoryDb, spec: SpecId) -> Evm<&mut InMemoryDb> {
    db.insert_account(SENDER, AccountInfo::new(U256::MAX, 0, Bytes::new()));
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&STORE_BLOBBASEFEE)));
    let mut evm = Evm::new(db, spec, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, excess_blob_gas: Some(u64::MAX), ..Default::default() });
    evm
}

fn tx() -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller: SENDER,
        gas_limit: 100_000,
        gas_price: U256::from(1),
        gas_priority_fee: Some(U256::ZERO),
        to: Some(CONTRACT),
        chain_id: Some(1),
        ..Default::default()
    }
}

#[test]
fn huge_excess_blob_gas_saturates_the_blob_base_fee() {
    for spec in [SpecId::Cancun, SpecId::Prague, SpecId::Osaka] {
        let mut db = InMemoryDb::new();
        let mut evm = evm(&mut db, spec);
        let result = evm.transact(tx()).expect("a non-blob transaction does not pay the blob fee");
        assert!(result.is_success(), "{spec:?}: {result:?}");
        assert_eq!(evm.journal_mut().sload(&CONTRACT, &U256::ZERO).value, U256::MAX, "{spec:?}");

        let mut hash = B256::ZERO;
        hash[0] = 1;
        let blob = TxEnv {
            tx_type: 3,
            nonce: 1,
            blob_hashes: vec![hash],
            max_fee_per_blob_gas: Some(U256::MAX),
            ..tx()
        };
        assert_eq!(evm.transact(blob), Err(TxError::Invalid(InvalidTransaction::InsufficientFunds)));
    }
}

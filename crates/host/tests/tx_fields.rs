//! A transaction must carry exactly the fields of its type (and fork): anything else is refused
//! with a named error before it can act, e.g. an authorization list on a type-2 transaction.

use kestrel_host::{Evm, InvalidTransaction, TxError, TxField};
use kestrel_primitives::{
    AccessListItem, Address, Authorization, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address,
};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const AUTHORITY: Address = address!("a000000000000000000000000000000000000002");
const TARGET: Address = address!("c000000000000000000000000000000000000001");

fn evm(db: &mut InMemoryDb, spec: SpecId) -> Evm<&mut InMemoryDb> {
    db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    let mut evm = Evm::new(db, spec, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, excess_blob_gas: Some(0), ..Default::default() });
    evm
}

fn base(tx_type: u8) -> TxEnv {
    TxEnv {
        tx_type,
        caller: SENDER,
        gas_limit: 100_000,
        gas_price: U256::from(10),
        gas_priority_fee: (tx_type >= 2).then_some(U256::from(1)),
        to: Some(TARGET),
        chain_id: (tx_type >= 1).then_some(1),
        max_fee_per_blob_gas: (tx_type == 3).then_some(U256::from(1)),
        blob_hashes: if tx_type == 3 { vec![B256::right_padding_from(&[1])] } else { vec![] },
        ..Default::default()
    }
}

fn delegation() -> Vec<Authorization> {
    vec![Authorization { address: TARGET, authority: Some(AUTHORITY), ..Default::default() }]
}

fn unexpected(tx_type: u8, field: TxField) -> Result<(), TxError> {
    Err(TxError::Invalid(InvalidTransaction::UnexpectedField { tx_type, field }))
}

fn missing(tx_type: u8, field: TxField) -> Result<(), TxError> {
    Err(TxError::Invalid(InvalidTransaction::MissingField { tx_type, field }))
}

fn run(spec: SpecId, tx: TxEnv) -> Result<(), TxError> {
    let mut db = InMemoryDb::new();
    let mut evm = evm(&mut db, spec);
    evm.transact(tx).map(|_| ())
}

#[test]
fn authorization_list_on_a_type_2_transaction_is_refused() {
    let mut db = InMemoryDb::new();
    let mut cancun = evm(&mut db, SpecId::Cancun);
    let tx = TxEnv { authorization_list: delegation(), ..base(2) };
    assert_eq!(cancun.transact(tx).map(|_| ()), unexpected(2, TxField::AuthorizationList));
    assert!(cancun.journal_mut().code(&AUTHORITY).value.is_empty(), "no delegation installed");
    // The same list on its own type, in its fork, does install one.
    let mut db = InMemoryDb::new();
    let mut prague = evm(&mut db, SpecId::Prague);
    let tx = TxEnv { authorization_list: delegation(), ..base(4) };
    assert!(prague.transact(tx).unwrap().is_success());
    assert!(!prague.journal_mut().code(&AUTHORITY).value.is_empty());
}

#[test]
fn every_type_accepts_its_own_fields() {
    for tx_type in 0..=3 {
        assert_eq!(run(SpecId::Prague, base(tx_type)), Ok(()), "type {tx_type}");
    }
    let access_list = vec![AccessListItem { address: TARGET, storage_keys: vec![B256::ZERO] }];
    for tx_type in 1..=3 {
        assert_eq!(run(SpecId::Prague, TxEnv { access_list: access_list.clone(), ..base(tx_type) }), Ok(()));
    }
    // EIP-155: a legacy transaction may carry a chain id from Spurious Dragon on.
    assert_eq!(run(SpecId::SpuriousDragon, TxEnv { chain_id: Some(1), ..base(0) }), Ok(()));
    assert_eq!(run(SpecId::Frontier, base(0)), Ok(()));
}

#[test]
fn fields_of_other_types_are_refused() {
    let spec = SpecId::Osaka;
    let access_list = vec![AccessListItem { address: TARGET, storage_keys: vec![] }];
    let blob = base(3);
    assert_eq!(run(spec, TxEnv { access_list, ..base(0) }), unexpected(0, TxField::AccessList));
    for tx_type in [0, 1] {
        let tx = TxEnv { gas_priority_fee: Some(U256::from(1)), ..base(tx_type) };
        assert_eq!(run(spec, tx), unexpected(tx_type, TxField::GasPriorityFee));
    }
    for tx_type in [0, 1, 2, 4] {
        let tx = TxEnv {
            blob_hashes: blob.blob_hashes.clone(),
            authorization_list: delegation(),
            ..base(tx_type)
        };
        assert_eq!(run(spec, tx), unexpected(tx_type, TxField::BlobHashes));
        let tx = TxEnv {
            max_fee_per_blob_gas: Some(U256::from(1)),
            authorization_list: delegation(),
            ..base(tx_type)
        };
        assert_eq!(run(spec, tx), unexpected(tx_type, TxField::MaxFeePerBlobGas));
    }
    for tx_type in [0, 1, 2, 3] {
        let tx = TxEnv { authorization_list: delegation(), ..base(tx_type) };
        assert_eq!(run(spec, tx), unexpected(tx_type, TxField::AuthorizationList));
    }
    // Before EIP-155 a legacy transaction has no chain id.
    assert_eq!(
        run(SpecId::Homestead, TxEnv { chain_id: Some(1), ..base(0) }),
        unexpected(0, TxField::ChainId)
    );
}

#[test]
fn required_fields_are_checked() {
    let spec = SpecId::Osaka;
    for tx_type in 1..=4 {
        let tx = TxEnv { chain_id: None, authorization_list: delegation(), ..base(tx_type) };
        assert_eq!(run(spec, tx), missing(tx_type, TxField::ChainId));
    }
    for tx_type in 2..=4 {
        let tx = TxEnv { gas_priority_fee: None, authorization_list: delegation(), ..base(tx_type) };
        assert_eq!(run(spec, tx), missing(tx_type, TxField::GasPriorityFee));
    }
    assert_eq!(
        run(spec, TxEnv { max_fee_per_blob_gas: None, ..base(3) }),
        missing(3, TxField::MaxFeePerBlobGas)
    );
}

/// The blob-count rejections, fork by fork, as the execution-spec tests name them: until Osaka
/// a transaction over the block's maximum is TYPE_3_TX_BLOB_COUNT_EXCEEDED; from Osaka that is
/// the blob gas allowance, and the count name belongs to EIP-7594's per-transaction limit.
#[test]
fn blob_count_rejections_by_fork() {
    let blobs = |n: usize| TxEnv { blob_hashes: vec![B256::right_padding_from(&[1]); n], ..base(3) };
    let invalid = |e| Err(TxError::Invalid(e));
    let cases = [
        (SpecId::Cancun, 7, invalid(InvalidTransaction::BlobCountExceeded)),
        (SpecId::Cancun, 6, Ok(())),
        (SpecId::Prague, 10, invalid(InvalidTransaction::BlobCountExceeded)),
        (SpecId::Prague, 9, Ok(())),
        (SpecId::Osaka, 10, invalid(InvalidTransaction::BlobGasAllowanceExceeded)),
        (SpecId::Osaka, 7, invalid(InvalidTransaction::BlobCountExceeded)),
        (SpecId::Osaka, 6, Ok(())),
        (SpecId::Cancun, 0, invalid(InvalidTransaction::NoBlobs)),
    ];
    for (spec, count, expected) in cases {
        assert_eq!(run(spec, blobs(count)), expected, "{spec:?} with {count} blobs");
    }
}

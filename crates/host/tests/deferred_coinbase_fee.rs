//! `Evm::set_defer_coinbase_fee`: the coinbase is neither paid nor read, the fee is reported
//! instead, and it is what the coinbase is paid without deferring; a lazily warmed coinbase
//! that is used after all is as warm (EIP-3651) as a prewarmed one, and so are the precompiles
//! (EIP-2929).

use kestrel_host::Evm;
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, Database, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const BOB: Address = address!("b000000000000000000000000000000000000002");
const COINBASE: Address = address!("cb00000000000000000000000000000000000003");
/// BALANCE(COINBASE), POP, STOP.
const READER: Address = address!("c000000000000000000000000000000000000004");
/// STATICCALL of the identity precompile (0x04) with no data, POP, STOP.
const PRECOMPILE_CALLER: Address = address!("c000000000000000000000000000000000000005");

/// An in-memory database that counts the lookups of the coinbase.
#[derive(Debug)]
struct Counting {
    inner: InMemoryDb,
    coinbase_reads: usize,
}

impl Database for Counting {
    type Error = core::convert::Infallible;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.coinbase_reads += usize::from(*address == COINBASE);
        self.inner.basic(address)
    }
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.inner.code_by_hash(code_hash)
    }
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.inner.storage(address, key)
    }
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.inner.has_storage(address)
    }
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.inner.block_hash(number)
    }
}

fn evm(defer: bool) -> Evm<Counting> {
    let mut db = InMemoryDb::new();
    db.insert_account(
        SENDER,
        AccountInfo { balance: U256::from(10u64).pow(U256::from(18)), ..Default::default() },
    );
    db.insert_account(COINBASE, AccountInfo { balance: U256::from(1), ..Default::default() });
    db.insert_account(READER, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x41, 0x31, 0x50, 0x00])));
    let call = [0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 4, 0x5a, 0xfa, 0x50, 0x00];
    db.insert_account(PRECOMPILE_CALLER, AccountInfo::new(U256::ZERO, 1, Bytes::copy_from_slice(&call)));
    let mut evm = Evm::new(Counting { inner: db, coinbase_reads: 0 }, SpecId::Shanghai, 1);
    evm.set_block(BlockEnv {
        coinbase: COINBASE,
        basefee: U256::from(7),
        gas_limit: 30_000_000,
        ..Default::default()
    });
    evm.set_defer_coinbase_fee(defer);
    evm
}

fn tx(to: Address) -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller: SENDER,
        to: Some(to),
        value: U256::from(1),
        gas_limit: 100_000,
        gas_price: U256::from(10),
        gas_priority_fee: Some(U256::from(2)),
        chain_id: Some(1),
        ..Default::default()
    }
}

#[test]
fn a_deferred_fee_is_reported_not_paid() {
    let mut paid = evm(false);
    let result = paid.transact(tx(BOB)).unwrap();
    let coinbase = paid.journal().changes().accounts.iter().find(|c| c.address == COINBASE).cloned();
    let fee = U256::from(result.gas_used) * U256::from(2);
    assert_eq!(coinbase.and_then(|c| c.info).map(|i| i.balance), Some(U256::from(1) + fee));
    assert_eq!(paid.deferred_coinbase_fee(), U256::ZERO);

    let mut deferred = evm(true);
    let result = deferred.transact(tx(BOB)).unwrap();
    assert_eq!(U256::from(result.gas_used) * U256::from(2), fee);
    assert_eq!(deferred.deferred_coinbase_fee(), fee);
    assert!(deferred.journal().changes().accounts.iter().all(|c| c.address != COINBASE));
    assert_eq!(deferred.db().coinbase_reads, 0, "the coinbase was not even loaded");
}

#[test]
fn a_lazily_warmed_coinbase_is_warm_when_used() {
    let mut paid = evm(false);
    let eager = paid.transact(tx(READER)).unwrap();
    let mut deferred = evm(true);
    let lazy = deferred.transact(tx(READER)).unwrap();
    assert_eq!(lazy.gas_used, eager.gas_used, "BALANCE of the coinbase costs the warm price in both");
    assert_eq!(deferred.db().coinbase_reads, 1, "loaded once, when BALANCE read it");
}

#[test]
fn lazily_warmed_precompiles_are_warm_when_called() {
    let eager = evm(false).transact(tx(PRECOMPILE_CALLER)).unwrap();
    let lazy = evm(true).transact(tx(PRECOMPILE_CALLER)).unwrap();
    assert!(eager.is_success() && lazy.is_success());
    assert_eq!(lazy.gas_used, eager.gas_used, "the precompile costs the warm price in both");
}

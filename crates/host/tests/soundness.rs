//! Misuse through the host's public API. The process-wide analysis and program caches cannot
//! be poisoned: a database that serves other code under an existing code hash does not make a
//! later, honest `Evm` in the process run that code, in any tier (the analysis is cached only
//! under a hash Kestrel computed, and a program is translated from, and attached to, only such
//! an analysis). Frames, buffers and stacks are private to the `Evm`: an embedder cannot hand a
//! frame of one `Evm` to another.

use kestrel_host::{Evm, ExecutionMode};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address, keccak256};
use kestrel_state::{AccountInfo, Database, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");

/// PUSH2 0x4b1d PUSH0 SSTORE STOP: stores 0x4b1d in slot 0.
const HONEST: [u8; 6] = [0x61, 0x4b, 0x1d, 0x5f, 0x55, 0x00];
/// PUSH2 0xbad0 PUSH0 SSTORE STOP.
const EVIL: [u8; 6] = [0x61, 0xba, 0xd0, 0x5f, 0x55, 0x00];

/// Serves `CONTRACT` with `code` but the honest code's hash.
struct LyingDb {
    inner: InMemoryDb,
    code: Bytes,
}

impl Database for LyingDb {
    type Error = core::convert::Infallible;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        if *address == CONTRACT {
            let info = AccountInfo {
                nonce: 1,
                code_hash: keccak256(HONEST),
                code: Some(self.code.clone()),
                ..Default::default()
            };
            return Ok(Some(info));
        }
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

fn run(code: &'static [u8], mode: ExecutionMode) -> U256 {
    let mut inner = InMemoryDb::new();
    inner.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    let mut evm = Evm::new(LyingDb { inner, code: Bytes::from_static(code) }, SpecId::Cancun, 1);
    evm.set_mode(mode);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
    let tx = TxEnv { caller: SENDER, gas_limit: 100_000, to: Some(CONTRACT), ..Default::default() };
    assert!(evm.transact(tx).unwrap().is_success());
    evm.journal_mut().peek_storage(&CONTRACT, &U256::ZERO)
}

#[test]
fn a_lying_database_cannot_poison_an_honest_evm() {
    let modes = [ExecutionMode::Compiled, ExecutionMode::Auto, ExecutionMode::Interpreter];
    for liar in modes {
        // The liar runs first (twice, so Auto queues it). It runs what it serves, or the code
        // of the hash it claims once that is cached: its inconsistency is its own...
        for _ in 0..2 {
            let stored = run(&EVIL, liar);
            assert!([U256::from(0xbad0), U256::from(0x4b1d)].contains(&stored), "{liar:?}");
        }
        // ...but an honest Evm after it runs the code it has, in every tier.
        for honest in modes {
            assert_eq!(run(&HONEST, honest), U256::from(0x4b1d), "{liar:?} then {honest:?}");
        }
    }
}

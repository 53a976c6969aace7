//! Synthetic blocks for tests and benchmarks of the block executor: a genesis state, a parent
//! header and one valid Shanghai block of a chosen workload (independent ETH transfers,
//! ERC-20-style transfers between distinct holders, swaps on one constant-product pair, or a
//! mix with the awkward cases of parallel execution).
//!
//! Transactions are not signed with keys: each carries a fixed valid signature over a made-up
//! signing hash, and its sender is whatever address that signature recovers to (funded in the
//! genesis state). Recovery costs what it costs for a real transaction, which is what matters
//! here. The header's execution-dependent fields are filled in from the executor's own
//! answers, so the block is valid for the sequential path by construction.

use kestrel_host::Evm;
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, keccak256};
use kestrel_state::{AccountInfo, InMemoryDb};

use crate::config::ChainConfig;
use crate::error::{BlockError, Field};
use crate::execute::execute_block;
use crate::header::{Block, Header};
use crate::receipt::{Bloom, bloom_or, logs_bloom};
use crate::state::Overlay;
use crate::tx::Transaction;
use crate::validate::EMPTY_OMMERS_HASH;

/// What the block's transactions do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Each transaction sends 1 wei from its own sender to its own new recipient.
    Transfers,
    /// Each transaction moves tokens of one ERC-20-style contract (balances in a keccak-keyed
    /// mapping, a `Transfer` log) between its own two holders.
    Erc20,
    /// Every transaction swaps on one constant-product pair: each reads and writes the two
    /// reserves, so each depends on the one before.
    Swaps,
    /// A mix: the three above, senders with several transactions (nonce chains), transactions
    /// reading the coinbase's balance, paying it value, with no priority fee, reverting, and
    /// creating a contract.
    Mixed,
}

/// A genesis state with a parent header and a valid block on top.
#[derive(Debug)]
pub struct SyntheticBlock {
    /// The chain (Shanghai from genesis, chain id 1).
    pub config: ChainConfig,
    /// The state before the block.
    pub db: InMemoryDb,
    /// The parent (genesis) header.
    pub parent: Header,
    /// The block.
    pub block: Block,
}

/// The coinbase of synthetic blocks.
pub const COINBASE: Address = Address::repeat_byte(0xcb);
/// The ERC-20-style token.
pub const TOKEN: Address = Address::repeat_byte(0x70);
/// The constant-product pair.
pub const PAIR: Address = Address::repeat_byte(0x9a);
/// A contract storing the coinbase's balance (BALANCE of COINBASE) in slot 0.
pub const COINBASE_READER: Address = Address::repeat_byte(0xcc);
/// A contract that always reverts.
pub const REVERTER: Address = Address::repeat_byte(0xee);

const CHAIN_ID: u64 = 1;
const BASE_FEE: u64 = 7;
const GAS_LIMIT: u64 = 1_000_000_000;
/// secp256k1's generator x coordinate: a valid `r` for any made-up signing hash.
const GX: U256 =
    U256::from_limbs([0x59F2815B16F81798, 0x029BFCDB2DCE28D9, 0x55A06295CE870B07, 0x79BE667EF9DCBBAC]);

/// A tiny assembler for the contracts below.
struct Asm(Vec<u8>);

impl Asm {
    fn op(mut self, ops: &[u8]) -> Self {
        self.0.extend_from_slice(ops);
        self
    }
    fn push1(self, v: u8) -> Self {
        self.op(&[0x60, v])
    }
    fn push32(mut self, v: B256) -> Self {
        self.0.push(0x7f);
        self.0.extend_from_slice(v.as_slice());
        self
    }
}

const CALLER: u8 = 0x33;
const CALLDATALOAD: u8 = 0x35;
const MSTORE: u8 = 0x52;
const SHA3: u8 = 0x20;
const SLOAD: u8 = 0x54;
const SSTORE: u8 = 0x55;
const ADD: u8 = 0x01;
const MUL: u8 = 0x02;
const SUB: u8 = 0x03;
const DIV: u8 = 0x04;
const DUP1: u8 = 0x80;
const DUP3: u8 = 0x82;
const DUP4: u8 = 0x83;
const SWAP1: u8 = 0x90;
const LOG3: u8 = 0xa3;
const STOP: u8 = 0x00;

/// `transfer(to, amount)` with the arguments as two plain words: balances at
/// keccak(holder . 0), no balance check (the holders are funded), a `Transfer` log.
fn token_code() -> Bytes {
    let transfer_sig = keccak256("Transfer(address,address,uint256)");
    let slot_of =
        |a: Asm| a.push1(0).op(&[MSTORE]).push1(0).push1(32).op(&[MSTORE]).push1(64).push1(0).op(&[SHA3]);
    let a = slot_of(Asm(Vec::new()).op(&[CALLER]));
    let a = a.op(&[DUP1, SLOAD]).push1(32).op(&[CALLDATALOAD, SWAP1, SUB, SWAP1, SSTORE]);
    let a = slot_of(a.push1(0).op(&[CALLDATALOAD]));
    let a = a.op(&[DUP1, SLOAD]).push1(32).op(&[CALLDATALOAD, ADD, SWAP1, SSTORE]);
    let a = a.push1(32).op(&[CALLDATALOAD]).push1(64).op(&[MSTORE]);
    let a = a.push1(0).op(&[CALLDATALOAD, CALLER]).push32(transfer_sig).push1(32).push1(64).op(&[LOG3, STOP]);
    Bytes::from(a.0)
}

/// `swap(amount_in)`: out = r1 * in / (r0 + in); the reserves (slots 0 and 1) move, and the
/// caller's balance at keccak(caller . 2) grows by `out`.
fn pair_code() -> Bytes {
    let a = Asm(Vec::new()).push1(0).op(&[SLOAD]).push1(1).op(&[SLOAD]).push1(0).op(&[CALLDATALOAD]);
    // [r0, r1, in] → r0 + in stored in slot 0.
    let a = a.op(&[DUP3, 0x81 /* DUP2 */, ADD, DUP1]).push1(0).op(&[SSTORE]);
    // [r0, r1, in, r0+in] → out = r1 * in / (r0 + in).
    let a = a.op(&[DUP3, DUP3, MUL, DIV]);
    // [r0, r1, in, out] → r1 - out stored in slot 1.
    let a = a.op(&[DUP1, DUP4, SUB]).push1(1).op(&[SSTORE]);
    let a = a
        .op(&[CALLER])
        .push1(0)
        .op(&[MSTORE])
        .push1(2)
        .push1(32)
        .op(&[MSTORE])
        .push1(64)
        .push1(0)
        .op(&[SHA3]);
    let a = a.op(&[DUP1, SLOAD, DUP3, ADD, SWAP1, SSTORE, STOP]);
    Bytes::from(a.0)
}

/// Stores BALANCE(COINBASE) in slot 0.
fn coinbase_reader_code() -> Bytes {
    Bytes::from(Asm(Vec::new()).op(&[0x41 /* COINBASE */, 0x31 /* BALANCE */]).push1(0).op(&[SSTORE, STOP]).0)
}

/// REVERT(0, 0) after writing a slot (the write must not survive).
fn reverter_code() -> Bytes {
    Bytes::from(Asm(Vec::new()).push1(1).push1(0).op(&[SSTORE]).push1(0).push1(0).op(&[0xfd]).0)
}

/// The mapping slot of `holder` at mapping index `index` (keccak(holder . index)).
fn mapping_slot(holder: Address, index: u8) -> U256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(holder.as_slice());
    buf[63] = index;
    U256::from_be_bytes(keccak256(buf).0)
}

/// A transaction of `key`'s made-up signer (see the module doc), with `env` (its chain id,
/// type and fees filled in here).
fn transaction(key: u64, mut env: TxEnv, tip: u64) -> Transaction {
    env.tx_type = 2;
    env.chain_id = Some(CHAIN_ID);
    env.gas_price = U256::from(BASE_FEE + tip);
    env.gas_priority_fee = Some(U256::from(tip));
    let signing_hash = keccak256(key.to_be_bytes());
    let mut encoded = vec![2u8];
    encoded.extend_from_slice(signing_hash.as_slice());
    encoded.extend_from_slice(&env.nonce.to_be_bytes());
    Transaction {
        env,
        v: U256::ZERO,
        r: GX,
        s: U256::from(0x1234_5678u64),
        signing_hash,
        legacy_chain_id: None,
        encoded: Bytes::from(encoded),
    }
}

/// The sender of `key`'s transactions.
fn signer(key: u64) -> Result<Address, BlockError> {
    transaction(key, TxEnv::default(), 0)
        .recover_sender(SpecId::Shanghai, CHAIN_ID)
        .map_err(|e| BlockError::Database(format!("synthetic signer {key}: {e}")))
}

fn call(to: Address, data: Vec<u8>, gas_limit: u64) -> TxEnv {
    TxEnv { to: Some(to), data: Bytes::from(data), gas_limit, ..TxEnv::default() }
}

fn words(words: &[U256]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes::<32>()).collect()
}

/// Builds a block of `n` transactions of `workload`.
pub fn build(workload: Workload, n: usize) -> Result<SyntheticBlock, BlockError> {
    let config = ChainConfig::for_network("Shanghai", CHAIN_ID, |_| None)
        .ok_or_else(|| BlockError::Database("no Shanghai config".into()))?;
    let mut db = InMemoryDb::new();
    let ether = U256::from(10u64).pow(U256::from(18));
    db.insert_account(TOKEN, AccountInfo::new(U256::ZERO, 1, token_code()));
    db.insert_account(PAIR, AccountInfo::new(U256::ZERO, 1, pair_code()));
    db.insert_account(COINBASE_READER, AccountInfo::new(U256::ZERO, 1, coinbase_reader_code()));
    db.insert_account(REVERTER, AccountInfo::new(U256::ZERO, 1, reverter_code()));
    let reserve = U256::from(10u64).pow(U256::from(30));
    db.insert_storage(PAIR, U256::ZERO, reserve);
    db.insert_storage(PAIR, U256::from(1), reserve);

    let mut txs = Vec::with_capacity(n);
    let mut nonces = std::collections::HashMap::<u64, u64>::new();
    let fund = |db: &mut InMemoryDb, key: u64| -> Result<Address, BlockError> {
        let sender = signer(key)?;
        if db.account(&sender).is_none() {
            db.insert_account(sender, AccountInfo { balance: ether, ..AccountInfo::default() });
        }
        Ok(sender)
    };
    for i in 0..n {
        let key = i as u64;
        let kind = match workload {
            Workload::Transfers => 0,
            Workload::Erc20 => 1,
            Workload::Swaps => 2,
            Workload::Mixed => i % 9,
        };
        // Mixed blocks reuse a few senders for nonce chains (kinds 5 and 6 share key 1000).
        let key = if workload == Workload::Mixed && (kind == 5 || kind == 6) { 1000 } else { key };
        let sender = fund(&mut db, key)?;
        let nonce = nonces.entry(key).or_default();
        let (env, tip) = match kind {
            0 | 5 => {
                let to = Address::from_word(keccak256((i as u64 + 1_000_000).to_be_bytes()));
                (TxEnv { to: Some(to), value: U256::from(1), gas_limit: 21_000, ..TxEnv::default() }, 1)
            }
            1 => {
                let to = Address::from_word(keccak256((i as u64 + 2_000_000).to_be_bytes()));
                db.insert_storage(TOKEN, mapping_slot(sender, 0), U256::from(1_000_000));
                (call(TOKEN, words(&[U256::from_be_slice(to.as_slice()), U256::from(1 + i)]), 100_000), 2)
            }
            2 => (call(PAIR, words(&[U256::from(1_000_000 + i)]), 100_000), 1),
            3 => (call(COINBASE_READER, Vec::new(), 100_000), 1),
            4 => {
                (TxEnv { to: Some(COINBASE), value: U256::from(5), gas_limit: 21_000, ..TxEnv::default() }, 1)
            }
            6 => (call(TOKEN, words(&[U256::from(7), U256::ZERO]), 100_000), 0),
            7 => (call(REVERTER, Vec::new(), 100_000), 3),
            _ => {
                // Creates a contract whose code is one STOP: init code returning one zero byte.
                let init = vec![0x60, 0x01, 0x60, 0x00, 0xf3];
                (TxEnv { to: None, data: Bytes::from(init), gas_limit: 100_000, ..TxEnv::default() }, 1)
            }
        };
        let env = TxEnv { nonce: *nonce, ..env };
        *nonce += 1;
        txs.push(transaction(key, env, tip));
    }

    let parent = Header {
        parent_hash: B256::ZERO,
        ommers_hash: EMPTY_OMMERS_HASH,
        coinbase: Address::ZERO,
        state_root: B256::ZERO,
        transactions_root: B256::ZERO,
        receipts_root: B256::ZERO,
        logs_bloom: [0; 256],
        difficulty: U256::ZERO,
        number: 0,
        gas_limit: GAS_LIMIT,
        gas_used: GAS_LIMIT / 2,
        timestamp: 1_000,
        extra_data: Bytes::new(),
        mix_hash: B256::ZERO,
        nonce: [0; 8],
        base_fee_per_gas: Some(U256::from(BASE_FEE)),
        withdrawals_root: Some(B256::ZERO),
        blob_gas_used: None,
        excess_blob_gas: None,
        parent_beacon_block_root: None,
        requests_hash: None,
        hash: B256::repeat_byte(0x11),
    };
    let header = Header {
        parent_hash: parent.hash,
        coinbase: COINBASE,
        number: 1,
        timestamp: 1_012,
        hash: B256::repeat_byte(0x22),
        ..parent.clone()
    };
    let mut block = Block {
        header,
        transactions: txs,
        ommers: Vec::new(),
        ommers_list_hash: EMPTY_OMMERS_HASH,
        withdrawals: Some(Vec::new()),
        rlp_length: 0,
    };
    // Fill in what execution decides, one refused field at a time.
    for _ in 0..8 {
        match execute_block(&config, &parent, &block, &mut db) {
            Ok(_) => return Ok(SyntheticBlock { config, db, parent, block }),
            Err(BlockError::Mismatch { field: Field::LogsBloom, .. }) => {
                let bloom = bloom_of(&config, &block, &mut db)?;
                block.header.logs_bloom = bloom;
            }
            Err(BlockError::Mismatch { field, computed, header }) => {
                let h = &mut block.header;
                match field {
                    Field::GasUsed => h.gas_used = U256::from_be_bytes(computed.0).to::<u64>(),
                    Field::TransactionsRoot => h.transactions_root = computed,
                    Field::StateRoot => h.state_root = computed,
                    Field::ReceiptsRoot => h.receipts_root = computed,
                    Field::WithdrawalsRoot => h.withdrawals_root = Some(computed),
                    _ => return Err(BlockError::Mismatch { field, header, computed }),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(BlockError::Database("synthetic block: header did not settle".into()))
}

/// The block's logs bloom (the executor reports only its hash), from running its transactions.
fn bloom_of(config: &ChainConfig, block: &Block, db: &mut InMemoryDb) -> Result<Bloom, BlockError> {
    let h = &block.header;
    let mut evm = Evm::new(Overlay::new(db), SpecId::Shanghai, config.chain_id);
    evm.set_block(BlockEnv {
        number: h.number,
        coinbase: h.coinbase,
        timestamp: h.timestamp,
        gas_limit: h.gas_limit,
        basefee: h.base_fee_per_gas.unwrap_or_default(),
        difficulty: h.difficulty,
        prevrandao: Some(h.mix_hash),
        ..BlockEnv::default()
    });
    let mut bloom = [0u8; 256];
    for tx in &block.transactions {
        let mut env = tx.env.clone();
        env.caller = tx
            .recover_sender(SpecId::Shanghai, config.chain_id)
            .map_err(|e| BlockError::Database(e.to_string()))?;
        let result = evm.transact_commit_ref(env).map_err(|e| BlockError::Database(e.to_string()))?;
        bloom_or(&mut bloom, &logs_bloom(result.logs));
    }
    Ok(bloom)
}

/// One timing of a synthetic block.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Gas the block used.
    pub gas_used: u64,
    /// Median wall time of one execution (no commit), in nanoseconds.
    pub median_ns: u64,
    /// Millions of gas per second at the median.
    pub mgas_per_s: f64,
    /// Wall time of every timed execution, in nanoseconds, in order.
    pub times_ns: Vec<u64>,
}

/// Times `iterations` executions (no commit) of `block` with `options`, after one untimed run
/// that warms the code caches.
pub fn measure(
    block: &SyntheticBlock,
    options: &crate::ExecOptions,
    iterations: u32,
) -> Result<Measurement, BlockError> {
    let mut all = measure_interleaved(block, std::slice::from_ref(options), iterations)?;
    all.pop().ok_or_else(|| BlockError::Database("no measurement".into()))
}

/// [`measure`] for several configurations at once, interleaved run by run (each round runs
/// every configuration once), so that a machine whose load changes during the measurement
/// shifts them all alike. One [`Measurement`] per configuration, in order.
pub fn measure_interleaved(
    block: &SyntheticBlock,
    configurations: &[crate::ExecOptions],
    iterations: u32,
) -> Result<Vec<Measurement>, BlockError> {
    let mut db = block.db.clone();
    let mut gas_used = 0;
    let mut times = vec![Vec::with_capacity(iterations as usize); configurations.len()];
    for round in 0..=iterations {
        for (c, options) in configurations.iter().enumerate() {
            let start = std::time::Instant::now();
            let outcome =
                crate::execute_block_with(&block.config, &block.parent, &block.block, &mut db, options)?;
            if round > 0 {
                times[c].push(start.elapsed().as_nanos() as u64);
            }
            gas_used = outcome.gas_used;
        }
    }
    Ok(times
        .into_iter()
        .map(|times_ns| {
            let mut sorted = times_ns.clone();
            sorted.sort_unstable();
            let median_ns = sorted.get(sorted.len() / 2).copied().unwrap_or(1).max(1);
            Measurement {
                gas_used,
                median_ns,
                mgas_per_s: gas_used as f64 * 1e3 / median_ns as f64,
                times_ns,
            }
        })
        .collect())
}

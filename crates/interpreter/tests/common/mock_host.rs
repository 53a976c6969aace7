//! An in-memory [`Host`] for unit tests of the interpreter.

use std::collections::{HashMap, HashSet};

use kestrel_primitives::{
    Address, B256, BlockEnv, Bytes, KECCAK_EMPTY, Log, LogData, TxEnv, U256, keccak256,
};

use kestrel_interpreter::{Access, CallTarget, Host, SStoreValues, SelfDestructResult};

/// A simple host over hash maps: balances, code, storage with original values, warm sets,
/// transient storage and logs. Everything is public so tests can set up and inspect state.
#[derive(Clone, Debug, Default)]
pub struct MockHost {
    /// Block context.
    pub block: BlockEnv,
    /// Transaction context.
    pub tx: TxEnv,
    /// Chain id.
    pub chain_id: u64,
    /// Balances.
    pub balances: HashMap<Address, U256>,
    /// Code by account.
    pub code: HashMap<Address, Bytes>,
    /// Nonces (only existence and emptiness matter to the interpreter).
    pub nonces: HashMap<Address, u64>,
    /// Current storage.
    pub storage: HashMap<(Address, U256), U256>,
    /// Storage at the start of the transaction.
    pub original_storage: HashMap<(Address, U256), U256>,
    /// Transient storage.
    pub transient: HashMap<(Address, U256), U256>,
    /// Warm accounts.
    pub warm_accounts: HashSet<Address>,
    /// Warm slots.
    pub warm_slots: HashSet<(Address, U256)>,
    /// Logs emitted.
    pub logs: Vec<Log>,
    /// Accounts that self-destructed, with their beneficiaries.
    pub destroyed: Vec<(Address, Address)>,
    /// Block hashes by number.
    pub block_hashes: HashMap<u64, B256>,
}

impl MockHost {
    fn warm(&mut self, address: &Address) -> bool {
        self.warm_accounts.insert(*address)
    }

    fn exists(&self, address: &Address) -> bool {
        self.balances.contains_key(address)
            || self.code.contains_key(address)
            || self.nonces.contains_key(address)
    }

    fn is_empty(&self, address: &Address) -> bool {
        self.balances.get(address).is_none_or(|b| b.is_zero())
            && self.code.get(address).is_none_or(|c| c.is_empty())
            && self.nonces.get(address).is_none_or(|n| *n == 0)
    }
}

impl Host for MockHost {
    fn block(&self) -> &BlockEnv {
        &self.block
    }

    fn tx(&self) -> &TxEnv {
        &self.tx
    }

    fn effective_gas_price(&self) -> U256 {
        self.tx.gas_price
    }

    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn blob_base_fee(&self) -> U256 {
        U256::from(1)
    }

    fn block_hash(&mut self, number: u64) -> B256 {
        self.block_hashes.get(&number).copied().unwrap_or_default()
    }

    fn balance(&mut self, address: &Address) -> Access<U256> {
        let is_cold = self.warm(address);
        Access { value: self.balances.get(address).copied().unwrap_or_default(), is_cold }
    }

    fn code(&mut self, address: &Address) -> Access<Bytes> {
        let is_cold = self.warm(address);
        Access { value: self.code.get(address).cloned().unwrap_or_default(), is_cold }
    }

    fn code_size(&mut self, address: &Address) -> Access<usize> {
        let is_cold = self.warm(address);
        Access { value: self.code.get(address).map_or(0, |c| c.len()), is_cold }
    }

    fn code_hash(&mut self, address: &Address) -> Access<B256> {
        let is_cold = self.warm(address);
        let value = if !self.exists(address) || self.is_empty(address) {
            B256::ZERO
        } else {
            self.code.get(address).map_or(KECCAK_EMPTY, keccak256)
        };
        Access { value, is_cold }
    }

    fn call_target(&mut self, address: &Address) -> CallTarget {
        let is_cold = self.warm(address);
        CallTarget { is_cold, exists: self.exists(address), is_empty: self.is_empty(address), delegate: None }
    }

    fn sload(&mut self, address: &Address, key: &U256) -> Access<U256> {
        let is_cold = self.warm_slots.insert((*address, *key));
        Access { value: self.storage.get(&(*address, *key)).copied().unwrap_or_default(), is_cold }
    }

    fn sstore(&mut self, address: &Address, key: &U256, value: &U256) -> Access<SStoreValues> {
        let slot = (*address, *key);
        let is_cold = self.warm_slots.insert(slot);
        let present = self.storage.get(&slot).copied().unwrap_or_default();
        let original = *self.original_storage.entry(slot).or_insert(present);
        self.storage.insert(slot, *value);
        Access { value: SStoreValues { original, present, new: *value }, is_cold }
    }

    fn tload(&mut self, address: &Address, key: &U256) -> U256 {
        self.transient.get(&(*address, *key)).copied().unwrap_or_default()
    }

    fn tstore(&mut self, address: &Address, key: &U256, value: &U256) {
        self.transient.insert((*address, *key), *value);
    }

    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        let data = LogData::new_unchecked(topics.to_vec(), Bytes::copy_from_slice(data));
        self.logs.push(Log { address: *address, data });
    }

    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult> {
        let is_cold = self.warm(target);
        // The facts describe the beneficiary before any balance moves.
        let (target_exists, target_is_empty) = (self.exists(target), self.is_empty(target));
        let balance = self.balances.remove(address).unwrap_or_default();
        let result = SelfDestructResult {
            had_value: !balance.is_zero(),
            target_exists,
            target_is_empty,
            previously_destroyed: self.destroyed.iter().any(|(a, _)| a == address),
        };
        *self.balances.entry(*target).or_default() += balance;
        self.destroyed.push((*address, *target));
        Access { value: result, is_cold }
    }
}

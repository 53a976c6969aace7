//! The [`Host`] the interpreter sees: the journal plus the block and transaction.

use kestrel_interpreter::{Access, CallTarget, Host, SStoreValues, SelfDestructResult};
use kestrel_precompiles::Precompiles;
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256};
use kestrel_state::{Database, Journal};

/// Everything outside the frames: state and environment. Kept apart from the frame stack and
/// buffers so the interpreter can borrow both at once.
pub(crate) struct Context<DB: Database> {
    pub(crate) journal: Journal<DB>,
    pub(crate) spec: SpecId,
    /// The fork's precompiles, which are also warm from the start of every transaction.
    pub(crate) precompiles: &'static Precompiles,
    pub(crate) block: BlockEnv,
    pub(crate) tx: TxEnv,
    pub(crate) chain_id: u64,
    pub(crate) effective_gas_price: U256,
    pub(crate) blob_base_fee: U256,
}

impl<DB: Database> Host for Context<DB> {
    #[inline]
    fn block(&self) -> &BlockEnv {
        &self.block
    }

    #[inline]
    fn tx(&self) -> &TxEnv {
        &self.tx
    }

    #[inline]
    fn effective_gas_price(&self) -> U256 {
        self.effective_gas_price
    }

    #[inline]
    fn chain_id(&self) -> u64 {
        self.chain_id
    }

    #[inline]
    fn blob_base_fee(&self) -> U256 {
        self.blob_base_fee
    }

    fn block_hash(&mut self, number: u64) -> B256 {
        self.journal.block_hash(number)
    }

    #[inline]
    fn balance(&mut self, address: &Address) -> Access<U256> {
        self.journal.balance(address)
    }

    fn code(&mut self, address: &Address) -> Access<Bytes> {
        self.journal.code(address)
    }

    fn code_size(&mut self, address: &Address) -> Access<usize> {
        self.journal.code_size(address)
    }

    fn code_hash(&mut self, address: &Address) -> Access<B256> {
        self.journal.code_hash(address)
    }

    fn call_target(&mut self, address: &Address) -> CallTarget {
        self.journal.call_target(address)
    }

    #[inline]
    fn sload(&mut self, address: &Address, key: &U256) -> Access<U256> {
        self.journal.sload(address, key)
    }

    #[inline]
    fn sstore(&mut self, address: &Address, key: &U256, value: &U256) -> Access<SStoreValues> {
        self.journal.sstore(address, key, *value)
    }

    #[inline]
    fn tload(&mut self, address: &Address, key: &U256) -> U256 {
        self.journal.tload(address, key)
    }

    #[inline]
    fn tstore(&mut self, address: &Address, key: &U256, value: &U256) {
        self.journal.tstore(address, key, *value)
    }

    #[inline]
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        self.journal.log(address, topics, data)
    }

    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult> {
        self.journal.selfdestruct(address, target)
    }
}

//! The [`Host`] trait: everything an executing frame needs from outside itself.
//!
//! The interpreter owns the frame (stack, memory, gas, pc); the host owns the world (accounts,
//! storage, logs, block and transaction context). Arguments go in by reference and results come
//! back as small `Copy` values (defined in `kestrel-primitives`, where the journal returns the
//! same ones), so a call through the trait costs no allocation. The host knows
//! the fork it runs; the trait carries no per-EIP switches, only facts (warm or cold, empty or
//! not), and the interpreter turns facts into gas.

pub use kestrel_primitives::{Access, CallTarget, SStoreValues, SelfDestructResult};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, TxEnv, U256};

/// The interpreter's view of the world outside the current frame.
///
/// Implemented by the `Evm` in `kestrel-host` over its journal, and by
/// a mock host for tests (`tests/common/mock_host.rs`).
pub trait Host {
    /// The block being executed.
    fn block(&self) -> &BlockEnv;
    /// The transaction being executed.
    fn tx(&self) -> &TxEnv;
    /// The effective gas price the sender pays (GASPRICE).
    fn effective_gas_price(&self) -> U256;
    /// The chain id (CHAINID).
    fn chain_id(&self) -> u64;
    /// The blob base fee (BLOBBASEFEE, EIP-7516).
    fn blob_base_fee(&self) -> U256;
    /// The hash of block `number`; the interpreter has already checked it lies in the
    /// 256-block window below the current block.
    fn block_hash(&mut self, number: u64) -> B256;

    /// The balance of `address`.
    fn balance(&mut self, address: &Address) -> Access<U256>;
    /// The code of `address`, unpadded (EXTCODECOPY). A delegated account (EIP-7702) returns its
    /// 23-byte designator, not the delegate's code.
    fn code(&mut self, address: &Address) -> Access<Bytes>;
    /// The code size of `address` (EXTCODESIZE).
    fn code_size(&mut self, address: &Address) -> Access<usize>;
    /// The code hash of `address` (EXTCODEHASH): zero for an account that does not exist or is
    /// empty (EIP-1052, EIP-161).
    fn code_hash(&mut self, address: &Address) -> Access<B256>;
    /// Facts about a CALL family target, warming it (and its EIP-7702 delegate).
    fn call_target(&mut self, address: &Address) -> CallTarget;

    /// Reads storage slot `key` of `address` (SLOAD).
    fn sload(&mut self, address: &Address, key: &U256) -> Access<U256>;
    /// Writes `value` to slot `key` of `address` (SSTORE) and returns the values the gas rules need.
    fn sstore(&mut self, address: &Address, key: &U256, value: &U256) -> Access<SStoreValues>;
    /// Reads transient storage (TLOAD, EIP-1153).
    fn tload(&mut self, address: &Address, key: &U256) -> U256;
    /// Writes transient storage (TSTORE, EIP-1153).
    fn tstore(&mut self, address: &Address, key: &U256, value: &U256);
    /// Records a log (LOG0..LOG4) of `address` with `topics` (at most four) and `data`. Borrowed,
    /// so that the host can copy them into buffers it reuses instead of allocating a `Log`.
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]);
    /// Schedules `address` for destruction, moving its balance to `target` (SELFDESTRUCT; the host
    /// applies EIP-6780 from Cancun). `is_cold` reports the beneficiary's access.
    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult>;
}

//! The [`Host`] trait: everything an executing frame needs from outside itself.
//!
//! The interpreter owns the frame (stack, memory, gas, pc); the host owns the world (accounts,
//! storage, logs, block and transaction context). Arguments go in by reference and results come
//! back as small `Copy` values, so a call through the trait costs no allocation. The host knows
//! the fork it runs; the trait carries no per-EIP switches, only facts (warm or cold, empty or
//! not), and the interpreter turns facts into gas.

use kestrel_primitives::{Address, B256, BlockEnv, Bytes, Log, TxEnv, U256};

/// A value read from state together with whether this access was the first in the
/// transaction (cold, EIP-2929). Before Berlin the interpreter ignores `is_cold`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access<T> {
    /// The value read.
    pub value: T,
    /// True when this was the first access to the account or slot in the transaction.
    pub is_cold: bool,
}

impl<T> Access<T> {
    /// A warm access of `value`.
    pub const fn warm(value: T) -> Self {
        Self { value, is_cold: false }
    }
}

/// What SSTORE gas rules need to know about a slot (EIP-1283/2200/3529 net metering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SStoreValues {
    /// The slot's value at the start of the transaction.
    pub original: U256,
    /// The slot's value before this SSTORE.
    pub present: U256,
    /// The value being stored.
    pub new: U256,
}

/// What the CALL family needs to know about its target for gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// True when this was the first access to the target in the transaction.
    pub is_cold: bool,
    /// False when the account does not exist in state (pre-EIP-161 "new account" rule).
    pub exists: bool,
    /// True when the account is empty per EIP-161 (no code, zero nonce, zero balance) or absent.
    pub is_empty: bool,
    /// The EIP-7702 delegate the target's code points to, with its own cold flag; `None`
    /// before Prague or when the target is not delegated.
    pub delegate: Option<Access<Address>>,
}

/// The outcome of SELFDESTRUCT, for its gas and refund rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfDestructResult {
    /// True when the destroyed account had a non-zero balance.
    pub had_value: bool,
    /// True when the beneficiary existed before (pre-EIP-161 rule).
    pub target_exists: bool,
    /// True when the beneficiary is empty per EIP-161.
    pub target_is_empty: bool,
    /// True when the account was already scheduled for destruction in this transaction
    /// (no second refund before EIP-3529).
    pub previously_destroyed: bool,
}

/// The interpreter's view of the world outside the current frame.
///
/// Implemented by the `Evm` in `kestrel-host` over its journal, and by
/// [`MockHost`](crate::MockHost) for tests.
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
    /// Records a log (LOG0..LOG4).
    fn log(&mut self, log: Log);
    /// Schedules `address` for destruction, moving its balance to `target` (SELFDESTRUCT; the host
    /// applies EIP-6780 from Cancun). `is_cold` reports the beneficiary's access.
    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult>;
}

//! The block and transaction a Kestrel execution runs in: plain data, filled by the embedder
//! (a node, the state-test runner) and read by the interpreter and the host.

use crate::{Address, B256, Bytes, U256};

/// The block a transaction executes in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockEnv {
    /// Block number (NUMBER).
    pub number: u64,
    /// Beneficiary of fees (COINBASE).
    pub coinbase: Address,
    /// Unix timestamp (TIMESTAMP).
    pub timestamp: u64,
    /// Block gas limit (GASLIMIT).
    pub gas_limit: u64,
    /// Base fee per gas (BASEFEE, EIP-1559); zero before London.
    pub basefee: U256,
    /// Difficulty (DIFFICULTY) before Paris.
    pub difficulty: U256,
    /// PREVRANDAO (EIP-4399) from Paris; replaces difficulty.
    pub prevrandao: Option<B256>,
    /// Excess blob gas (EIP-4844) from Cancun; `None` before.
    pub excess_blob_gas: Option<u64>,
    /// Blob base-fee update fraction in force (EIP-4844, EIP-7691); `None` means the fork default.
    pub blob_base_fee_update_fraction: Option<u64>,
    /// Maximum blobs per block in force; `None` means the fork default.
    pub max_blobs_per_block: Option<u64>,
}

/// An access-list entry (EIP-2930): an address and storage keys to pre-warm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessListItem {
    /// The address to warm.
    pub address: Address,
    /// The storage keys of `address` to warm.
    pub storage_keys: Vec<B256>,
}

/// A signed EIP-7702 authorization tuple, not yet recovered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authorization {
    /// Chain id the authorization is valid on (0 = any chain).
    pub chain_id: U256,
    /// The address whose code the authority delegates to.
    pub address: Address,
    /// The authority's nonce the authorization is valid for.
    pub nonce: u64,
    /// Signature y parity.
    pub y_parity: U256,
    /// Signature r.
    pub r: U256,
    /// Signature s.
    pub s: U256,
    /// The authority, when the embedder already recovered it (`None` = recover from the signature).
    pub authority: Option<Address>,
}

/// The transaction being executed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxEnv {
    /// Transaction type (0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702).
    pub tx_type: u8,
    /// Sender (ORIGIN, and the first frame's CALLER).
    pub caller: Address,
    /// Gas limit.
    pub gas_limit: u64,
    /// Legacy gas price, or the max fee per gas for EIP-1559 style transactions.
    pub gas_price: U256,
    /// Max priority fee per gas (EIP-1559); `None` for legacy and EIP-2930 transactions.
    pub gas_priority_fee: Option<U256>,
    /// Recipient; `None` creates a contract.
    pub to: Option<Address>,
    /// Value transferred.
    pub value: U256,
    /// Call data or initcode.
    pub data: Bytes,
    /// Sender nonce the transaction carries.
    pub nonce: u64,
    /// Chain id; `None` for pre-EIP-155 legacy transactions.
    pub chain_id: Option<u64>,
    /// Access list (EIP-2930).
    pub access_list: Vec<AccessListItem>,
    /// Blob versioned hashes (EIP-4844).
    pub blob_hashes: Vec<B256>,
    /// Max fee per blob gas (EIP-4844).
    pub max_fee_per_blob_gas: Option<U256>,
    /// Authorization list (EIP-7702).
    pub authorization_list: Vec<Authorization>,
}

//! Block headers and bodies from RLP.

use core::fmt;

use kestrel_primitives::{Address, B256, Bytes, U256, keccak256};

use crate::rlp::{self, Rlp, RlpError};
use crate::tx::{Transaction, TxDecodeError};

/// A block header. Fields a fork added are `None` in headers of earlier forks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// keccak256 of the parent header's RLP.
    pub parent_hash: B256,
    /// keccak256 of the ommers list's RLP.
    pub ommers_hash: B256,
    /// Fee recipient.
    pub coinbase: Address,
    /// State trie root after the block.
    pub state_root: B256,
    /// Transactions trie root.
    pub transactions_root: B256,
    /// Receipts trie root.
    pub receipts_root: B256,
    /// The logs bloom of all receipts.
    pub logs_bloom: [u8; 256],
    /// Difficulty (zero from Paris).
    pub difficulty: U256,
    /// Block number.
    pub number: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// Unix timestamp.
    pub timestamp: u64,
    /// Extra data (at most 32 bytes).
    pub extra_data: Bytes,
    /// Mix hash; PREVRANDAO from Paris (EIP-4399).
    pub mix_hash: B256,
    /// Proof-of-work nonce (zero from Paris).
    pub nonce: [u8; 8],
    /// EIP-1559 base fee (London).
    pub base_fee_per_gas: Option<U256>,
    /// EIP-4895 withdrawals root (Shanghai).
    pub withdrawals_root: Option<B256>,
    /// EIP-4844 blob gas used (Cancun).
    pub blob_gas_used: Option<u64>,
    /// EIP-4844 excess blob gas (Cancun).
    pub excess_blob_gas: Option<u64>,
    /// EIP-4788 parent beacon block root (Cancun).
    pub parent_beacon_block_root: Option<B256>,
    /// EIP-7685 requests hash (Prague).
    pub requests_hash: Option<B256>,
    /// keccak256 of this header's RLP, as decoded.
    pub hash: B256,
}

impl Header {
    /// Decodes a header from its whole RLP encoding.
    pub fn decode(raw: &[u8]) -> Result<Self, RlpError> {
        let item = rlp::single(raw)?;
        Self::decode_item(item)
    }

    /// Decodes a header from an item; its hash is keccak256 of the item's encoding.
    pub fn decode_item(item: rlp::Item<'_>) -> Result<Self, RlpError> {
        if !item.is_list {
            return Err(RlpError::ExpectedList);
        }
        let mut r = Rlp::new(item.payload);
        let mut h = Header {
            parent_hash: r.b256()?,
            ommers_hash: r.b256()?,
            coinbase: r.address()?,
            state_root: r.b256()?,
            transactions_root: r.b256()?,
            receipts_root: r.b256()?,
            logs_bloom: r.fixed::<256>()?,
            difficulty: r.u256()?,
            number: r.u64()?,
            gas_limit: r.u64()?,
            gas_used: r.u64()?,
            timestamp: r.u64()?,
            extra_data: Bytes::copy_from_slice(r.bytes()?),
            mix_hash: r.b256()?,
            nonce: r.fixed::<8>()?,
            base_fee_per_gas: None,
            withdrawals_root: None,
            blob_gas_used: None,
            excess_blob_gas: None,
            parent_beacon_block_root: None,
            requests_hash: None,
            hash: keccak256(item.raw),
        };
        // Optional trailing fields, in fork order; which ones a fork requires is checked
        // against the fork by the executor.
        if !r.is_empty() {
            h.base_fee_per_gas = Some(r.u256()?);
        }
        if !r.is_empty() {
            h.withdrawals_root = Some(r.b256()?);
        }
        if !r.is_empty() {
            h.blob_gas_used = Some(r.u64()?);
            h.excess_blob_gas = Some(r.u64()?);
            h.parent_beacon_block_root = Some(r.b256()?);
        }
        if !r.is_empty() {
            h.requests_hash = Some(r.b256()?);
        }
        r.finish()?;
        Ok(h)
    }
}

/// An EIP-4895 withdrawal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// Withdrawal index.
    pub index: u64,
    /// Validator index.
    pub validator_index: u64,
    /// Recipient.
    pub address: Address,
    /// Amount in gwei.
    pub amount: u64,
}

impl Withdrawal {
    /// The withdrawal's RLP, the value in the withdrawals trie.
    pub fn rlp(&self) -> Vec<u8> {
        let mut payload = Vec::with_capacity(48);
        alloy_rlp::Encodable::encode(&self.index, &mut payload);
        alloy_rlp::Encodable::encode(&self.validator_index, &mut payload);
        alloy_rlp::Encodable::encode(&self.address, &mut payload);
        alloy_rlp::Encodable::encode(&self.amount, &mut payload);
        let mut out = Vec::with_capacity(payload.len() + 2);
        rlp::encode_list(&payload, &mut out);
        out
    }
}

/// Why block bytes do not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockDecodeError {
    /// The block's own structure (or its header, or an ommer's).
    Rlp(RlpError),
    /// Transaction `index`.
    Transaction {
        /// Position in the block.
        index: usize,
        /// Why.
        error: TxDecodeError,
    },
}

impl fmt::Display for BlockDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockDecodeError::Rlp(e) => write!(f, "block RLP: {e}"),
            BlockDecodeError::Transaction { index, error } => write!(f, "transaction {index}: {error}"),
        }
    }
}

impl std::error::Error for BlockDecodeError {}

impl From<RlpError> for BlockDecodeError {
    fn from(e: RlpError) -> Self {
        BlockDecodeError::Rlp(e)
    }
}

/// A block: header, transactions, ommers and (from Shanghai) withdrawals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The transactions, in order.
    pub transactions: Vec<Transaction>,
    /// Ommer (uncle) headers.
    pub ommers: Vec<Header>,
    /// keccak256 of the ommers list's RLP.
    pub ommers_list_hash: B256,
    /// Withdrawals, when the body has the field.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// Length of the block's whole RLP encoding (EIP-7934).
    pub rlp_length: usize,
}

impl Block {
    /// Decodes a block from its whole RLP encoding.
    pub fn decode(raw: &[u8]) -> Result<Self, BlockDecodeError> {
        let mut r = Rlp::list_of(raw)?;
        let header = Header::decode_item(r.item()?)?;
        let mut txs = r.list()?;
        let mut transactions = Vec::new();
        while !txs.is_empty() {
            let item = txs.item()?;
            let index = transactions.len();
            let tx = Transaction::decode_block_item(item)
                .map_err(|error| BlockDecodeError::Transaction { index, error })?;
            transactions.push(tx);
        }
        let ommers_item = r.item()?;
        if !ommers_item.is_list {
            return Err(RlpError::ExpectedList.into());
        }
        let mut list = Rlp::new(ommers_item.payload);
        let mut ommers = Vec::new();
        while !list.is_empty() {
            ommers.push(Header::decode_item(list.item()?)?);
        }
        let withdrawals = if r.is_empty() {
            None
        } else {
            let mut list = r.list()?;
            let mut out = Vec::new();
            while !list.is_empty() {
                let mut w = list.list()?;
                out.push(Withdrawal {
                    index: w.u64()?,
                    validator_index: w.u64()?,
                    address: w.address()?,
                    amount: w.u64()?,
                });
                w.finish()?;
            }
            Some(out)
        };
        r.finish()?;
        Ok(Block {
            header,
            transactions,
            ommers,
            ommers_list_hash: keccak256(ommers_item.raw),
            withdrawals,
            rlp_length: raw.len(),
        })
    }
}

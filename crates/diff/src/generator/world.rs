//! The accounts a case's code and transaction can name, decided before any code is written.

use kestrel::primitives::{Address, SpecId, U256};

/// The cast of one case: who exists, who does not, and where CREATE will land.
#[derive(Clone, Debug)]
pub struct World {
    /// The fork.
    pub spec: SpecId,
    /// The block number (BLOCKHASH arguments are chosen around it).
    pub block_number: u64,
    /// The transaction's sender.
    pub sender: Address,
    /// The pre-state contracts (never empty).
    pub contracts: Vec<Address>,
    /// Every keyed account (the sender's key among them): EOAs, possibly delegated.
    pub keyed: Vec<Address>,
    /// An address that is either absent or an empty account.
    pub empty: Address,
    /// An address that is never in the pre-state.
    pub absent: Address,
    /// Addresses CREATE from the sender or a contract will use next (never empty).
    pub create_targets: Vec<Address>,
    /// How many blob hashes the transaction carries.
    pub blob_count: usize,
}

/// Pre-state contract `i`.
pub fn contract_address(i: usize) -> Address {
    Address::from_word(U256::from(0xc0de00 + i as u64).into())
}

/// The address that is an empty account when the case has one.
pub const EMPTY: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe0, 0xe0, 0xe0]);

/// An address no case puts in its pre-state.
pub const ABSENT: Address = Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad]);

/// The usual coinbase: absent from the pre-state.
pub const COINBASE: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xee]);

//! The [`Database`] the journal reads pre-transaction state from, and the [`StateChanges`] a
//! finished transaction hands back for a [`DatabaseCommit`] to apply.

use crate::AccountInfo;
use kestrel_primitives::{Address, B256, Bytes, U256};

/// Read access to the state before the current transaction.
///
/// The journal calls each method at most once per account, slot or code hash while its cache
/// holds the answer, so an implementation may be slow-ish (disk, network). Errors do not travel
/// through every opcode: the journal records the first one (see
/// [`Journal::take_error`](crate::Journal::take_error)), carries on with a default value, and
/// the caller turns the recorded error into a transaction error once the frames are done.
pub trait Database {
    /// The error a lookup can fail with.
    type Error;

    /// The account at `address`, or `None` when it does not exist in the state trie.
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error>;

    /// The code whose keccak256 is `code_hash`; only asked for hashes that some account returned
    /// by [`basic`](Self::basic) carries without code.
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error>;

    /// The value of storage slot `key` of `address`; zero when unset.
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error>;

    /// True when `address` has at least one non-zero storage slot. CREATE needs it: an address
    /// with non-empty storage counts as occupied (EIP-7610).
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error>;

    /// The hash of block `number` (BLOCKHASH); zero when unknown.
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error>;
}

impl<D: Database + ?Sized> Database for &mut D {
    type Error = D::Error;

    #[inline]
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        (**self).basic(address)
    }
    #[inline]
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        (**self).code_by_hash(code_hash)
    }
    #[inline]
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        (**self).storage(address, key)
    }
    #[inline]
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        (**self).has_storage(address)
    }
    #[inline]
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        (**self).block_hash(number)
    }
}

/// A database that can take a transaction's net state changes.
pub trait DatabaseCommit {
    /// Applies `changes`: account deletions and storage wipes first, then account updates, then
    /// slot writes. Applying the same changes twice is harmless.
    fn commit(&mut self, changes: &StateChanges);
}

impl<D: DatabaseCommit + ?Sized> DatabaseCommit for &mut D {
    fn commit(&mut self, changes: &StateChanges) {
        (**self).commit(changes)
    }
}

/// The new state of one account after a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChange {
    /// The account.
    pub address: Address,
    /// The new account, with its code; `None` when the account was deleted (SELFDESTRUCT, or an
    /// empty touched account under EIP-161). Deletion always removes the storage too.
    pub info: Option<AccountInfo>,
    /// True when the account's storage from before the transaction is gone: it was deleted, or
    /// created by CREATE in this transaction (the spec's `destroy_storage` on creation). The
    /// slots written afterwards are listed in [`StateChanges::storage`].
    pub storage_cleared: bool,
}

/// One storage slot's new value after a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageChange {
    /// The account owning the slot.
    pub address: Address,
    /// The slot.
    pub key: U256,
    /// The new value; zero means the slot is cleared.
    pub value: U256,
}

/// The net effect of one transaction on the state, as
/// [`Journal::finalize`](crate::Journal::finalize) reports it.
///
/// Only real changes are listed: an account whose values ended where they started, or a slot
/// written back to its original value, does not appear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateChanges {
    /// Changed, created and deleted accounts, in the order they were first modified.
    pub accounts: Vec<AccountChange>,
    /// Changed slots of accounts that were not deleted, in the order they were first written.
    pub storage: Vec<StorageChange>,
}

impl StateChanges {
    /// True when the transaction changed nothing.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.storage.is_empty()
    }

    /// Empties both lists, keeping their capacity.
    pub fn clear(&mut self) {
        self.accounts.clear();
        self.storage.clear();
    }
}

/// Read access to the state through a shared reference, for databases that several threads read
/// at once (the parallel block executor's workers), as revm's `DatabaseRef`.
///
/// The methods mean what [`Database`]'s do. A `DatabaseRef` becomes a [`Database`] through
/// [`WrapDatabaseRef`] (or by reference: `&T` is a `Database` for any `T: DatabaseRef`).
pub trait DatabaseRef {
    /// The error a lookup can fail with.
    type Error;

    /// The account at `address`, or `None` when it does not exist in the state trie.
    fn basic_ref(&self, address: &Address) -> Result<Option<AccountInfo>, Self::Error>;

    /// The code whose keccak256 is `code_hash`.
    fn code_by_hash_ref(&self, code_hash: &B256) -> Result<Bytes, Self::Error>;

    /// The value of storage slot `key` of `address`; zero when unset.
    fn storage_ref(&self, address: &Address, key: &U256) -> Result<U256, Self::Error>;

    /// True when `address` has at least one non-zero storage slot (EIP-7610).
    fn has_storage_ref(&self, address: &Address) -> Result<bool, Self::Error>;

    /// The hash of block `number` (BLOCKHASH); zero when unknown.
    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error>;
}

impl<D: DatabaseRef + ?Sized> DatabaseRef for &D {
    type Error = D::Error;

    #[inline]
    fn basic_ref(&self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        (**self).basic_ref(address)
    }
    #[inline]
    fn code_by_hash_ref(&self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        (**self).code_by_hash_ref(code_hash)
    }
    #[inline]
    fn storage_ref(&self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        (**self).storage_ref(address, key)
    }
    #[inline]
    fn has_storage_ref(&self, address: &Address) -> Result<bool, Self::Error> {
        (**self).has_storage_ref(address)
    }
    #[inline]
    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        (**self).block_hash_ref(number)
    }
}

/// A [`DatabaseRef`] used as a [`Database`]: each `&mut self` lookup forwards to the `&self` one.
/// Wrap a reference (`WrapDatabaseRef(&db)`) to give an `Evm` read access to a database that
/// other threads read at the same time.
#[derive(Clone, Copy, Debug, Default)]
pub struct WrapDatabaseRef<T>(pub T);

impl<T: DatabaseRef> Database for WrapDatabaseRef<T> {
    type Error = T::Error;

    #[inline]
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.0.basic_ref(address)
    }
    #[inline]
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.0.code_by_hash_ref(code_hash)
    }
    #[inline]
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.0.storage_ref(address, key)
    }
    #[inline]
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.0.has_storage_ref(address)
    }
    #[inline]
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.0.block_hash_ref(number)
    }
}

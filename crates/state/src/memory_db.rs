//! [`InMemoryDb`]: the whole state in hash maps, for the state-test runner, benchmarks and tests.

use crate::{AccountInfo, Database, DatabaseCommit, DatabaseRef, StateChanges, account::has_no_code};
use alloy_primitives::map::{AddressMap, B256Map, HashMap};
use core::convert::Infallible;
use kestrel_primitives::{Address, B256, Bytes, KECCAK_EMPTY, U256};

/// One account of an [`InMemoryDb`]: its info and its non-zero storage slots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbAccount {
    /// Balance, nonce, code hash and code (always `Some`).
    pub info: AccountInfo,
    /// Non-zero storage slots; a zero value is never stored, as in the storage trie.
    pub storage: HashMap<U256, U256>,
}

/// A complete state held in memory: accounts with their storage, code by hash, block hashes.
///
/// Lookups never fail (`Error = Infallible`). Storage keeps only non-zero values, so
/// `has_storage` and iteration see exactly what a storage trie would hold.
#[derive(Clone, Debug, Default)]
pub struct InMemoryDb {
    accounts: AddressMap<DbAccount>,
    contracts: B256Map<Bytes>,
    block_hashes: HashMap<u64, B256>,
}

impl InMemoryDb {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces the account at `address`, keeping its storage. When `info.code` is
    /// `Some`, the code hash is recomputed from it (so a caller cannot store a mismatched pair);
    /// when it is `None`, the code must already be known by hash, else the account gets none.
    pub fn insert_account(&mut self, address: Address, mut info: AccountInfo) {
        self.normalise_code(&mut info);
        self.accounts.entry(address).or_default().info = info;
    }

    /// Sets storage slot `key` of `address` to `value` (zero deletes the slot). Storing into an
    /// absent address first creates it as an empty account, since storage cannot exist without
    /// an account in the state trie.
    pub fn insert_storage(&mut self, address: Address, key: U256, value: U256) {
        let storage = &mut self.accounts.entry(address).or_default().storage;
        if value.is_zero() {
            storage.remove(&key);
        } else {
            storage.insert(key, value);
        }
    }

    /// Records the hash of block `number` for BLOCKHASH.
    pub fn insert_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }

    /// Removes the account at `address` with its storage.
    pub fn remove_account(&mut self, address: &Address) -> Option<DbAccount> {
        self.accounts.remove(address)
    }

    /// The account at `address`, with its storage.
    pub fn account(&self, address: &Address) -> Option<&DbAccount> {
        self.accounts.get(address)
    }

    /// The value of slot `key` of `address`; zero when unset or the account is absent.
    pub fn storage_value(&self, address: &Address, key: &U256) -> U256 {
        self.accounts.get(address).and_then(|a| a.storage.get(key).copied()).unwrap_or(U256::ZERO)
    }

    /// Every account with its storage, in no particular order (for the state root).
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &DbAccount)> {
        self.accounts.iter()
    }

    /// The number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// True when no account exists.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Makes `info.code` and `info.code_hash` agree and registers the code by hash.
    fn normalise_code(&mut self, info: &mut AccountInfo) {
        match &info.code {
            Some(code) if code.is_empty() => info.code_hash = KECCAK_EMPTY,
            Some(code) => {
                info.code_hash = crate::code_hash_of(code);
                self.contracts.entry(info.code_hash).or_insert_with(|| code.clone());
            }
            None if has_no_code(&info.code_hash) => {
                info.code_hash = KECCAK_EMPTY;
                info.code = Some(Bytes::new());
            }
            None => {
                let code = self.contracts.get(&info.code_hash).cloned();
                if code.is_none() {
                    info.code_hash = KECCAK_EMPTY;
                }
                info.code = Some(code.unwrap_or_default());
            }
        }
    }
}

impl DatabaseRef for InMemoryDb {
    type Error = Infallible;

    fn basic_ref(&self, address: &Address) -> Result<Option<AccountInfo>, Infallible> {
        Ok(self.accounts.get(address).map(|a| a.info.clone()))
    }

    fn code_by_hash_ref(&self, code_hash: &B256) -> Result<Bytes, Infallible> {
        Ok(self.contracts.get(code_hash).cloned().unwrap_or_default())
    }

    fn storage_ref(&self, address: &Address, key: &U256) -> Result<U256, Infallible> {
        Ok(self.storage_value(address, key))
    }

    fn has_storage_ref(&self, address: &Address) -> Result<bool, Infallible> {
        Ok(self.accounts.get(address).is_some_and(|a| !a.storage.is_empty()))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Infallible> {
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

// The `&mut self` reads are the shared ones: the database does not change when read.
impl Database for InMemoryDb {
    type Error = Infallible;

    #[inline]
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Infallible> {
        self.basic_ref(address)
    }

    #[inline]
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Infallible> {
        self.code_by_hash_ref(code_hash)
    }

    #[inline]
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Infallible> {
        self.storage_ref(address, key)
    }

    #[inline]
    fn has_storage(&mut self, address: &Address) -> Result<bool, Infallible> {
        self.has_storage_ref(address)
    }

    #[inline]
    fn block_hash(&mut self, number: u64) -> Result<B256, Infallible> {
        self.block_hash_ref(number)
    }
}

impl DatabaseCommit for InMemoryDb {
    fn commit(&mut self, changes: &StateChanges) {
        for change in &changes.accounts {
            match &change.info {
                None => {
                    self.accounts.remove(&change.address);
                }
                Some(info) => {
                    let mut info = info.clone();
                    self.normalise_code(&mut info);
                    let account = self.accounts.entry(change.address).or_default();
                    account.info = info;
                    if change.storage_cleared {
                        account.storage.clear();
                    }
                }
            }
        }
        for slot in &changes.storage {
            // The journal never lists slots of deleted accounts; skipping an absent account here
            // keeps a hand-made change list from resurrecting one.
            if let Some(account) = self.accounts.get_mut(&slot.address) {
                if slot.value.is_zero() {
                    account.storage.remove(&slot.key);
                } else {
                    account.storage.insert(slot.key, slot.value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountChange, StorageChange};
    use kestrel_primitives::{address, bytes, keccak256};

    const A: Address = address!("00000000000000000000000000000000000000aa");
    const B: Address = address!("00000000000000000000000000000000000000bb");

    #[test]
    fn insert_and_read_back() {
        let mut db = InMemoryDb::new();
        db.insert_account(A, AccountInfo::new(U256::from(7), 3, bytes!("6000")));
        db.insert_storage(A, U256::from(1), U256::from(9));
        let info = db.basic(&A).unwrap().unwrap();
        assert_eq!(info.balance, U256::from(7));
        assert_eq!(info.nonce, 3);
        assert_eq!(info.code_hash, keccak256([0x60, 0x00]));
        assert_eq!(db.code_by_hash(&info.code_hash).unwrap(), bytes!("6000"));
        assert_eq!(db.storage(&A, &U256::from(1)).unwrap(), U256::from(9));
        assert_eq!(db.storage(&A, &U256::from(2)).unwrap(), U256::ZERO);
        assert!(db.has_storage(&A).unwrap());
        assert_eq!(db.basic(&B).unwrap(), None);
        assert!(!db.has_storage(&B).unwrap());
    }

    #[test]
    fn zero_storage_is_not_kept() {
        let mut db = InMemoryDb::new();
        db.insert_storage(A, U256::from(1), U256::from(1));
        db.insert_storage(A, U256::from(1), U256::ZERO);
        assert!(!db.has_storage(&A).unwrap());
        // Storage cannot exist without an account: the address now holds an empty account.
        assert_eq!(db.basic(&A).unwrap(), Some(AccountInfo::default()));
    }

    #[test]
    fn mismatched_code_hash_is_corrected() {
        let mut db = InMemoryDb::new();
        let info =
            AccountInfo { code_hash: B256::repeat_byte(1), ..AccountInfo::new(U256::ZERO, 0, bytes!("01")) };
        db.insert_account(A, info);
        assert_eq!(db.basic(&A).unwrap().unwrap().code_hash, keccak256([1]));
        // Unknown hash without code: treated as no code rather than a dangling reference.
        db.insert_account(
            B,
            AccountInfo { code_hash: B256::repeat_byte(2), code: None, ..Default::default() },
        );
        assert_eq!(db.basic(&B).unwrap().unwrap().code_hash, KECCAK_EMPTY);
    }

    #[test]
    fn commit_applies_deletions_wipes_and_writes() {
        let mut db = InMemoryDb::new();
        db.insert_account(A, AccountInfo::new(U256::from(1), 1, bytes!("00")));
        db.insert_storage(A, U256::from(1), U256::from(1));
        db.insert_account(B, AccountInfo::default());
        db.insert_storage(B, U256::from(5), U256::from(5));
        db.insert_block_hash(10, B256::repeat_byte(3));
        let changes = StateChanges {
            accounts: vec![
                AccountChange { address: A, info: None, storage_cleared: true },
                AccountChange {
                    address: B,
                    info: Some(AccountInfo { nonce: 1, ..Default::default() }),
                    storage_cleared: true,
                },
            ],
            storage: vec![
                StorageChange { address: B, key: U256::from(6), value: U256::from(6) },
                StorageChange { address: A, key: U256::from(1), value: U256::from(2) },
            ],
        };
        db.commit(&changes);
        assert_eq!(db.basic(&A).unwrap(), None);
        assert_eq!(db.storage_value(&A, &U256::from(1)), U256::ZERO);
        assert_eq!(db.basic(&B).unwrap().unwrap().nonce, 1);
        assert_eq!(db.storage_value(&B, &U256::from(5)), U256::ZERO);
        assert_eq!(db.storage_value(&B, &U256::from(6)), U256::from(6));
        assert_eq!(db.block_hash(10).unwrap(), B256::repeat_byte(3));
        assert_eq!(db.block_hash(11).unwrap(), B256::ZERO);
        // Idempotent.
        let before = db.accounts.clone();
        db.commit(&changes);
        assert_eq!(db.accounts, before);
        assert_eq!(db.len(), 1);
    }
}

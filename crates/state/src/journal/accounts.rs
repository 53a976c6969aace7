//! Account operations: warming, reads (BALANCE, EXTCODE*, CALL targets), value transfer,
//! nonces, code, EIP-161 touches, CREATE and SELFDESTRUCT.

use super::entry::Entry;
use super::{CREATED, Checkpoint, CreateError, DESTROYED, InsufficientBalance, Journal};
use crate::{AccountView, Database, account::delegation_address, code_hash_of};
use kestrel_primitives::{
    Access, Address, B256, Bytes, CallTarget, KECCAK_EMPTY, SelfDestructResult, SpecId, U256,
};

impl<DB: Database> Journal<DB> {
    #[inline]
    fn view(&self, handle: u32) -> AccountView {
        let acct = &self.accounts[handle as usize];
        AccountView {
            balance: acct.balance,
            nonce: acct.nonce,
            code_hash: acct.code_hash,
            exists: acct.exists,
        }
    }

    /// Warms `address` (EIP-2929): access lists, sender, recipient, coinbase (EIP-3651), CALL
    /// targets. Returns true when it was cold. Warming inside a frame is undone by its revert.
    #[inline]
    pub fn warm_account(&mut self, address: &Address) -> bool {
        let handle = self.account_handle(address);
        self.warm_handle(handle)
    }

    /// Warms `address` for the whole transaction: sender, recipient and coinbase before the
    /// transaction's first checkpoint. Not journaled, since no revert inside the transaction
    /// reaches back before its first checkpoint and warm marks end with the transaction anyway;
    /// that saves an entry and its undo per address.
    #[inline]
    pub fn prewarm_account(&mut self, address: &Address) {
        let handle = self.account_handle(address);
        self.accounts[handle as usize].warm = self.tx;
    }

    /// [`prewarm_account`](Self::prewarm_account) without reading the database: the account
    /// is warm for the rest of the transaction as if prewarmed, but loaded only when something
    /// uses it. The parallel block executor warms the coinbase (EIP-3651) this way, so that a
    /// transaction that never looks at the coinbase does not read it, and the fees of the
    /// transactions before it (settled later, in block order) are not among its reads.
    pub fn prewarm_account_lazily(&mut self, address: &Address) {
        match self.account_index.get(address) {
            Some(&handle) => self.accounts[handle as usize].warm = self.tx,
            None => {
                if self.lazy_warm_tx != self.tx {
                    self.lazy_warm.clear();
                    self.lazy_warm_tx = self.tx;
                }
                self.lazy_warm.push(*address);
            }
        }
    }

    /// [`prewarm_account_lazily`](Self::prewarm_account_lazily) for each of `addresses` (the
    /// parallel executor's workers warm the precompiles this way: a transaction that calls
    /// none of them then reads none of them).
    pub fn prewarm_accounts_lazily(&mut self, addresses: &[Address]) {
        for address in addresses {
            self.prewarm_account_lazily(address);
        }
    }

    /// [`prewarm_account`](Self::prewarm_account) for each of `addresses`, typically the fork's
    /// precompiles. The list of the previous call is kept with its arena handles, so passing
    /// the same list every transaction costs one comparison and a store per address instead of
    /// an index lookup each.
    pub fn prewarm_accounts(&mut self, addresses: &[Address]) {
        if as_bytes(&self.prewarmed.addresses) != as_bytes(addresses) {
            self.prewarmed.addresses.clear();
            self.prewarmed.handles.clear();
            for address in addresses {
                let handle = self.account_handle(address);
                self.prewarmed.handles.push(handle);
            }
            self.prewarmed.addresses.extend_from_slice(addresses);
        }
        let tx = self.tx;
        for &handle in &self.prewarmed.handles {
            self.accounts[handle as usize].warm = tx;
        }
    }

    /// The account at `address`, warming it.
    #[inline]
    pub fn account(&mut self, address: &Address) -> Access<AccountView> {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        Access::new(self.view(handle), is_cold)
    }

    /// The account at `address` without warming it (transaction validation, inspection).
    #[inline]
    pub fn peek_account(&mut self, address: &Address) -> AccountView {
        let handle = self.account_handle(address);
        self.view(handle)
    }

    /// The balance of `address` (BALANCE, SELFBALANCE), warming it.
    #[inline]
    pub fn balance(&mut self, address: &Address) -> Access<U256> {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        Access::new(self.accounts[handle as usize].balance, is_cold)
    }

    /// Makes sure the code of account `handle` is loaded and returns it (empty on a database
    /// error, which is recorded).
    fn load_code(&mut self, handle: u32) -> Bytes {
        let acct = &self.accounts[handle as usize];
        if let Some(code) = &acct.code {
            return code.clone();
        }
        let hash = acct.code_hash;
        let code = match self.db.code_by_hash(&hash) {
            Ok(code) => code,
            Err(e) => {
                self.record_failed_load(e, super::FailedLoad::Code(handle));
                Bytes::new()
            }
        };
        self.accounts[handle as usize].code = Some(code.clone());
        code
    }

    /// The code of `address` (EXTCODECOPY, and the code a frame runs), warming it. A delegated
    /// account (EIP-7702) returns its 23-byte designator, not the delegate's code.
    #[inline]
    pub fn code(&mut self, address: &Address) -> Access<Bytes> {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        Access::new(self.load_code(handle), is_cold)
    }

    /// The code hash of `address` (`KECCAK_EMPTY` without code), without warming or loading the
    /// code: enough for a host that already holds the analysed code of that hash.
    #[inline]
    pub fn code_hash_of(&mut self, address: &Address) -> B256 {
        let handle = self.account_handle(address);
        self.accounts[handle as usize].code_hash
    }

    /// The code of `address` and its hash, without warming: what the host needs to run a frame
    /// (the hash keys its jump-table cache).
    pub fn code_with_hash(&mut self, address: &Address) -> (Bytes, B256) {
        let handle = self.account_handle(address);
        (self.load_code(handle), self.accounts[handle as usize].code_hash)
    }

    /// The code size of `address` (EXTCODESIZE), warming it.
    #[inline]
    pub fn code_size(&mut self, address: &Address) -> Access<usize> {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        let size = if self.accounts[handle as usize].code_hash == KECCAK_EMPTY {
            0
        } else {
            self.load_code(handle).len()
        };
        Access::new(size, is_cold)
    }

    /// EXTCODEHASH of `address`, warming it: zero when the account is absent or empty
    /// (EIP-1052 with EIP-161), else the hash of its code (`KECCAK_EMPTY` when it has none).
    #[inline]
    pub fn code_hash(&mut self, address: &Address) -> Access<B256> {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        let acct = &self.accounts[handle as usize];
        let hash = if acct.is_empty() { B256::ZERO } else { acct.code_hash };
        Access::new(hash, is_cold)
    }

    /// The EIP-7702 delegate whose code `address` runs: from Prague, the account named by a
    /// delegation designator in its code; `None` otherwise. Never warms.
    pub fn delegate(&mut self, address: &Address) -> Option<Address> {
        let handle = self.account_handle(address);
        self.delegate_of(handle)
    }

    /// True when `address` has code that is not, from Prague, an EIP-7702 delegation
    /// designator: such a sender is refused (EIP-3607) and such an authority is skipped
    /// (EIP-7702). Never warms.
    pub fn has_non_delegation_code(&mut self, address: &Address) -> bool {
        let handle = self.account_handle(address);
        if self.accounts[handle as usize].code_hash == KECCAK_EMPTY {
            return false;
        }
        !self.load_code(handle).is_empty() && self.delegate_of(handle).is_none()
    }

    /// The EIP-7702 delegate whose code a call to `address` runs, warmed (the spec's
    /// `access_delegation`), with its own cold flag: what the transaction's own call needs.
    /// Does not warm `address`.
    pub fn call_delegate(&mut self, address: &Address) -> Option<Access<Address>> {
        let handle = self.account_handle(address);
        self.access_delegate(handle)
    }

    /// [`call_delegate`](Self::call_delegate) of account `handle`.
    #[inline(always)]
    fn access_delegate(&mut self, handle: u32) -> Option<Access<Address>> {
        self.delegate_of(handle).map(|delegate| {
            let delegate_handle = self.account_handle(&delegate);
            Access::new(delegate, self.warm_handle(delegate_handle))
        })
    }

    /// EIP-7702's delegation rule, the one place it lives: from Prague, an account whose code is
    /// a designator (`0xef0100 ++ address`) runs the code of the address it names. Calls by the
    /// interpreter ([`call_target`](Self::call_target)) and by the transaction
    /// ([`call_delegate`](Self::call_delegate)) resolve through it.
    fn delegate_of(&mut self, handle: u32) -> Option<Address> {
        if !self.spec.is_enabled_in(SpecId::Prague)
            || self.accounts[handle as usize].code_hash == KECCAK_EMPTY
        {
            return None;
        }
        delegation_address(&self.load_code(handle))
    }

    /// Facts about a CALL-family target for gas, warming it and its EIP-7702 delegate (one
    /// level only, as the spec's `access_delegation`).
    pub fn call_target(&mut self, address: &Address) -> CallTarget {
        let handle = self.account_handle(address);
        let is_cold = self.warm_handle(handle);
        let acct = &self.accounts[handle as usize];
        let (exists, is_empty) = (acct.exists, acct.is_empty());
        let delegate = self.access_delegate(handle);
        CallTarget { is_cold, exists, is_empty, delegate }
    }

    /// Touches `address` the way a message call touches its target before Paris (the spec's
    /// `touch_account`): an absent account comes into existence empty, and from Spurious Dragon
    /// an empty touched account is deleted at the end of the transaction (EIP-161). From Paris
    /// the spec has no such touch and this does nothing.
    pub fn touch(&mut self, address: &Address) {
        if self.spec.is_enabled_in(SpecId::Paris) {
            return;
        }
        let handle = self.account_handle(address);
        self.modify(handle);
    }

    /// Sets the balance of account `handle`, journaled, touching it.
    pub(crate) fn set_balance_of(&mut self, handle: u32, balance: U256) {
        self.modify(handle);
        let acct = &mut self.accounts[handle as usize];
        if acct.balance != balance {
            self.entries.push(Entry::BalanceChanged { account: handle, prev: acct.balance });
            acct.balance = balance;
        }
    }

    /// Sets the balance of `address` (gas purchase and refund), touching it.
    pub fn set_balance(&mut self, address: &Address, balance: U256) {
        let handle = self.account_handle(address);
        self.set_balance_of(handle, balance);
    }

    /// Adds `value` to the balance of `address` (fees to the coinbase, withdrawals), touching
    /// it. Wraps at 2^256, which no real supply reaches.
    pub fn add_balance(&mut self, address: &Address, value: U256) {
        let handle = self.account_handle(address);
        let balance = self.accounts[handle as usize].balance.wrapping_add(value);
        self.set_balance_of(handle, balance);
    }

    /// Subtracts `value` from the balance of `address`, touching it; fails without any change
    /// when the balance is smaller.
    pub fn sub_balance(&mut self, address: &Address, value: U256) -> Result<(), InsufficientBalance> {
        let handle = self.account_handle(address);
        let balance = self.accounts[handle as usize].balance;
        let rest = balance.checked_sub(value).ok_or(InsufficientBalance)?;
        self.set_balance_of(handle, rest);
        Ok(())
    }

    /// Moves `value` from `from` to `to`, touching both like the spec's `move_ether` (even for
    /// a zero value; message calls move value only when it is non-zero). Fails without any
    /// change when `from` holds less than `value`.
    pub fn transfer(&mut self, from: &Address, to: &Address, value: U256) -> Result<(), InsufficientBalance> {
        let from_handle = self.account_handle(from);
        let from_balance = self.accounts[from_handle as usize].balance;
        let rest = from_balance.checked_sub(value).ok_or(InsufficientBalance)?;
        let to_handle = self.account_handle(to);
        if from_handle == to_handle {
            self.modify(from_handle);
            return Ok(());
        }
        self.set_balance_of(from_handle, rest);
        let to_balance = self.accounts[to_handle as usize].balance.wrapping_add(value);
        self.set_balance_of(to_handle, to_balance);
        Ok(())
    }

    fn set_nonce_of(&mut self, handle: u32, nonce: u64) {
        self.modify(handle);
        let acct = &mut self.accounts[handle as usize];
        if acct.nonce != nonce {
            self.entries.push(Entry::NonceChanged { account: handle, prev: acct.nonce });
            acct.nonce = nonce;
        }
    }

    /// Increments the nonce of `address`, touching it, and returns the new nonce; `None`, with
    /// nothing changed, when the nonce is already `u64::MAX`.
    pub fn inc_nonce(&mut self, address: &Address) -> Option<u64> {
        let handle = self.account_handle(address);
        let nonce = self.accounts[handle as usize].nonce.checked_add(1)?;
        self.set_nonce_of(handle, nonce);
        Some(nonce)
    }

    /// Sets the nonce of `address`, touching it.
    pub fn set_nonce(&mut self, address: &Address, nonce: u64) {
        let handle = self.account_handle(address);
        self.set_nonce_of(handle, nonce);
    }

    /// Sets the code of `address` (contract deployment, EIP-7702 delegation; empty code clears
    /// it), touching it. Hashes the code once here.
    pub fn set_code(&mut self, address: &Address, code: Bytes) {
        let hash = code_hash_of(&code);
        self.set_code_with_hash(address, code, hash);
    }

    /// [`set_code`](Self::set_code) for a caller that already hashed `code`: `hash` must be its
    /// keccak256 (`KECCAK_EMPTY` for empty code), as [`code_hash_of`] gives; the journal
    /// does not check it in release builds.
    pub fn set_code_with_hash(&mut self, address: &Address, code: Bytes, hash: B256) {
        debug_assert_eq!(hash, code_hash_of(&code), "set_code_with_hash: the hash is not the code's");
        let handle = self.account_handle(address);
        self.modify(handle);
        let acct = &mut self.accounts[handle as usize];
        let prev_code = acct.code.replace(code);
        self.side.code.push((acct.code_hash, prev_code));
        self.entries.push(Entry::CodeChanged { account: handle });
        acct.code_hash = hash;
    }

    /// True when creating a contract at `address` collides with an existing one: non-zero
    /// nonce, non-empty code (EIP-684) or non-empty storage (EIP-7610). Never warms.
    pub fn is_collision(&mut self, address: &Address) -> bool {
        let handle = self.account_handle(address);
        let acct = &self.accounts[handle as usize];
        acct.nonce != 0 || acct.code_hash != KECCAK_EMPTY || self.has_storage_of(handle)
    }

    /// Starts the frame of a CREATE/CREATE2 (or a creating transaction) whose new account is
    /// `target`, endowed with `value` by `caller`, and returns the checkpoint to commit or revert
    /// when the init code finishes.
    ///
    /// Before calling, the host has done what the spec does first: the depth, nonce-overflow and
    /// balance checks, warming `target` and incrementing the caller's nonce (which a collision
    /// does not undo). This then checks for a collision (returning `Collision` with nothing
    /// changed), takes the checkpoint, marks `target` created in this transaction (EIP-6780),
    /// sets its nonce to 1 from Spurious Dragon (EIP-161) and moves `value`. The new account
    /// keeps a balance it already had; its storage is empty, since non-empty storage collides.
    pub fn create_account_checkpoint(
        &mut self,
        caller: &Address,
        target: &Address,
        value: U256,
    ) -> Result<Checkpoint, CreateError> {
        if self.is_collision(target) {
            return Err(CreateError::Collision);
        }
        let caller_handle = self.account_handle(caller);
        if self.accounts[caller_handle as usize].balance < value {
            return Err(CreateError::InsufficientBalance);
        }
        let checkpoint = self.checkpoint();
        let handle = self.account_handle(target);
        self.modify(handle);
        self.set_flag(handle, CREATED);
        if self.spec.is_enabled_in(SpecId::SpuriousDragon) {
            self.set_nonce_of(handle, 1);
        }
        if !value.is_zero() && self.transfer(caller, target, value).is_err() {
            self.revert_to(checkpoint);
            return Err(CreateError::InsufficientBalance);
        }
        Ok(checkpoint)
    }

    /// SELFDESTRUCT of `address` in favour of `target`, warming `target`; the facts for gas are
    /// taken before any balance moves.
    ///
    /// Before Cancun: the balance goes to `target` and `address` is scheduled for deletion at
    /// the end of the transaction (a balance sent to itself is burned). From Cancun (EIP-6780)
    /// the balance moves (nothing is burned when `target == address`), and only an account
    /// created in this transaction is zeroed and scheduled for deletion.
    pub fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult> {
        let target_handle = self.account_handle(target);
        let is_cold = self.warm_handle(target_handle);
        let handle = self.account_handle(address);
        let (target_exists, target_is_empty, target_balance) = {
            let t = &self.accounts[target_handle as usize];
            (t.exists, t.is_empty(), t.balance)
        };
        let acct = &self.accounts[handle as usize];
        let (balance, flags) = (acct.balance, acct.flags);
        let outcome = SelfDestructResult {
            had_value: !balance.is_zero(),
            target_exists,
            target_is_empty,
            previously_destroyed: flags & DESTROYED != 0,
        };
        if self.spec.is_enabled_in(SpecId::Cancun) {
            if handle == target_handle {
                self.modify(handle);
            } else {
                self.set_balance_of(handle, U256::ZERO);
                self.set_balance_of(target_handle, target_balance.wrapping_add(balance));
            }
            if flags & CREATED != 0 {
                self.set_balance_of(handle, U256::ZERO);
                self.set_flag(handle, DESTROYED);
            }
        } else {
            self.set_balance_of(target_handle, target_balance.wrapping_add(balance));
            self.set_balance_of(handle, U256::ZERO);
            self.set_flag(handle, DESTROYED);
        }
        Access::new(outcome, is_cold)
    }
}

/// The bytes of `addresses`, for one `memcmp` instead of a comparison per address (an element
/// loop over 18 precompiles cost ~230 instructions per transaction).
fn as_bytes(addresses: &[Address]) -> &[u8] {
    // SAFETY: `Address` is `#[repr(transparent)]` over `[u8; 20]` (alloy's `FixedBytes<20>`),
    // so a slice of `n` addresses is `20 * n` initialised bytes with no padding, valid for the
    // same lifetime as `addresses`.
    unsafe { core::slice::from_raw_parts(addresses.as_ptr().cast::<u8>(), core::mem::size_of_val(addresses)) }
}

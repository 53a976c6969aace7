//! geth's `prestateTracer` (eth/tracers/native/prestate.go): the accounts a transaction
//! touched as they were before it (balance, nonce, code, code hash, the storage slots it
//! used), or in diff mode `{post, pre}`: what it changed, before and after.
//!
//! Accounts are recorded when first met, as geth looks them up: at the transaction's start the
//! sender, the recipient (or the address it creates), the beneficiary and the EIP-7702
//! authorities; then every account an opcode reads, every call target (and from Prague its
//! delegate), every address a creation uses. Storage slots are recorded at their first SLOAD
//! or SSTORE with the value they held before it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use kestrel_primitives::{Address, B256, Bytes, KECCAK_EMPTY, SpecId, TxEnv, U256};
use kestrel_state::delegation_address;

use super::{FrameKind, FrameStart, Inspector, SStoreValues, StateEvent, StateView};
use crate::address::create_address;
use crate::authorization::recover_authority;

/// One account as geth's tracer prints it; `None` fields are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Account {
    balance: Option<U256>,
    code: Option<Bytes>,
    code_hash: Option<B256>,
    nonce: u64,
    storage: BTreeMap<B256, B256>,
    /// Absent or empty when first met (left out of the result, as geth does without
    /// `includeEmpty`).
    empty: bool,
}

/// geth's `prestateTracer`, default mode or `diffMode`. One result per transaction: each
/// transaction start clears what the last one gathered.
#[derive(Clone, Debug)]
pub struct PrestateTracer {
    spec: SpecId,
    diff_mode: bool,
    pre: BTreeMap<Address, Account>,
    post: BTreeMap<Address, Account>,
    created: BTreeSet<Address>,
    deleted: BTreeSet<Address>,
}

impl PrestateTracer {
    /// A tracer for transactions under `spec` (SELFDESTRUCT's Cancun rule and Prague's
    /// delegations depend on it); `diff_mode` as geth's `{"diffMode": true}`.
    pub fn new(spec: SpecId, diff_mode: bool) -> Self {
        Self {
            spec,
            diff_mode,
            pre: BTreeMap::new(),
            post: BTreeMap::new(),
            created: BTreeSet::new(),
            deleted: BTreeSet::new(),
        }
    }

    /// The last transaction's result as geth's JSON: the pre-state map, or in diff mode
    /// `{"post": …, "pre": …}`.
    pub fn result_json(&self) -> String {
        if self.diff_mode {
            format!("{{\"post\":{},\"pre\":{}}}", state_map(&self.post), state_map(&self.pre))
        } else {
            state_map(&self.pre)
        }
    }

    fn lookup(&mut self, address: Address, view: &mut dyn StateView) {
        if self.pre.contains_key(&address) {
            return;
        }
        let a = view.account(&address);
        let code = view.code(&address);
        let mut account = Account {
            balance: Some(a.balance),
            code: (!code.is_empty()).then_some(code),
            code_hash: (a.code_hash != B256::ZERO && a.code_hash != KECCAK_EMPTY).then_some(a.code_hash),
            nonce: a.nonce,
            storage: BTreeMap::new(),
            empty: false,
        };
        // geth's `exists`: a nonce, code, storage or balance (storage is empty when first met).
        account.empty = account.nonce == 0 && account.code.is_none() && a.balance.is_zero();
        self.pre.insert(address, account);
    }

    /// Prague's delegations: a call to a delegated account also reads its delegate.
    fn lookup_delegate(&mut self, address: Address, view: &mut dyn StateView) {
        if self.spec.is_enabled_in(SpecId::Prague)
            && let Some(target) = delegation_address(&view.code(&address))
        {
            self.lookup(target, view);
        }
    }

    fn lookup_storage(&mut self, address: &Address, key: &U256, value: &U256) {
        if let Some(account) = self.pre.get_mut(address) {
            account.storage.entry(B256::from(*key)).or_insert_with(|| B256::from(*value));
        }
    }

    fn start(&mut self, tx: &TxEnv, coinbase: Address, view: &mut dyn StateView) {
        self.pre.clear();
        self.post.clear();
        self.created.clear();
        self.deleted.clear();
        let from = tx.caller;
        let to = match tx.to {
            None => {
                let to = create_address(&from, view.account(&from).nonce);
                self.created.insert(to);
                to
            }
            Some(to) => {
                self.lookup_delegate(to, view);
                to
            }
        };
        self.lookup(from, view);
        self.lookup(to, view);
        self.lookup(coinbase, view);
        for auth in &tx.authorization_list {
            if let Some(authority) = recover_authority(auth) {
                self.lookup(authority, view);
            }
        }
    }

    /// geth's `processDiffState`: keeps, of each account met, what changed.
    fn diff(&mut self, view: &mut dyn StateView) {
        let addresses: Vec<Address> = self.pre.keys().copied().collect();
        for address in addresses {
            if self.deleted.contains(&address) {
                // A deleted account stays in `pre` and has no `post`.
                continue;
            }
            let Some(pre) = self.pre.get_mut(&address) else { continue };
            let now = view.account(&address);
            let mut post = Account::default();
            let mut modified = false;
            if Some(now.balance) != pre.balance {
                modified = true;
                post.balance = Some(now.balance);
            }
            if now.nonce != pre.nonce {
                modified = true;
                post.nonce = now.nonce;
            }
            let code_hash = if now.code_hash == B256::ZERO { KECCAK_EMPTY } else { now.code_hash };
            if code_hash != pre.code_hash.unwrap_or(KECCAK_EMPTY) {
                modified = true;
                post.code_hash = Some(code_hash);
            }
            let code = view.code(&address);
            if code[..] != *pre.code.as_ref().map_or(&[][..], |c| &c[..]) {
                modified = true;
                post.code = Some(code);
            }
            let keys: Vec<B256> = pre.storage.keys().copied().collect();
            for key in keys {
                let before = pre.storage[&key];
                let after = B256::from(view.storage(&address, &U256::from_be_bytes(key.0)));
                if before == after || before == B256::ZERO {
                    // geth drops unchanged slots, and zero slots, from `pre`.
                    pre.storage.remove(&key);
                }
                if before != after {
                    modified = true;
                    if after != B256::ZERO {
                        post.storage.insert(key, after);
                    }
                }
            }
            if modified {
                self.post.insert(address, post);
            } else {
                self.pre.remove(&address);
            }
        }
    }
}

impl Inspector for PrestateTracer {
    fn frame_enter(&mut self, start: &FrameStart<'_>) {
        if matches!(start.kind, FrameKind::Create | FrameKind::Create2) {
            self.created.insert(start.target);
        }
    }

    fn selfdestruct(&mut self, address: &Address, _beneficiary: &Address, _balance: &U256) {
        // From Cancun (EIP-6780) only an account created in the transaction is deleted.
        if !self.spec.is_enabled_in(SpecId::Cancun) || self.created.contains(address) {
            self.deleted.insert(*address);
        }
    }

    fn storage_read(&mut self, address: &Address, key: &U256, value: &U256) {
        self.lookup_storage(address, key, value);
    }

    fn storage_write(&mut self, address: &Address, key: &U256, values: &SStoreValues) {
        self.lookup_storage(address, key, &values.present);
    }

    fn state(&mut self, event: StateEvent<'_>, view: &mut dyn StateView) {
        match event {
            StateEvent::TransactionStart { tx, coinbase } => self.start(tx, coinbase, view),
            StateEvent::Account(address) => self.lookup(address, view),
            StateEvent::CallTarget(address) => {
                self.lookup(address, view);
                self.lookup_delegate(address, view);
            }
            StateEvent::TransactionEnd => {
                if self.diff_mode {
                    self.diff(view);
                }
                self.pre.retain(|_, a| !a.empty);
            }
        }
    }
}

/// `{"0x…": {…}, …}`, addresses in order (Go sorts map keys).
fn state_map(map: &BTreeMap<Address, Account>) -> String {
    let mut out = String::from("{");
    for (i, (address, a)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{address:#x}\":{{");
        let mut fields = Vec::new();
        if let Some(b) = a.balance {
            fields.push(format!("\"balance\":\"{b:#x}\""));
        }
        if let Some(code) = &a.code {
            fields.push(format!("\"code\":\"0x{}\"", hex(code)));
        }
        if let Some(h) = a.code_hash {
            fields.push(format!("\"codeHash\":\"{h:#x}\""));
        }
        if a.nonce != 0 {
            fields.push(format!("\"nonce\":{}", a.nonce));
        }
        if !a.storage.is_empty() {
            let slots: Vec<String> =
                a.storage.iter().map(|(k, v)| format!("\"{k:#x}\":\"{v:#x}\"")).collect();
            fields.push(format!("\"storage\":{{{}}}", slots.join(",")));
        }
        out.push_str(&fields.join(","));
        out.push('}');
    }
    out.push('}');
    out
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}
